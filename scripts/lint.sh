#!/usr/bin/env bash
# yamllint, ansible-lint (production profile) and ansible-test sanity.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export PATH="$top/.venv/bin:$PATH"

yamllint -s .
ansible-lint --profile production --offline -q

# ansible-test wants the collection at ansible_collections/NS/NAME.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dest=$work/ansible_collections/hapair/cluster
mkdir -p "$dest"
git ls-files -z --cached --others --exclude-standard | rsync -a --from0 --files-from=- ./ "$dest/"
(cd "$dest" && git init -q && git add -A && ansible-test sanity --python "$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')" --color no \
  --skip-test pylint 2>&1 | tail -40)
