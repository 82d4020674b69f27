#!/usr/bin/env bash
# yamllint, ansible-lint (production profile) and ansible-test sanity.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export PATH="$top/.venv/bin:$PATH"

yamllint -s .
# changelogs/: every fragment in a known section, changelog.yaml well formed
antsibull-changelog lint
# the documentation of every plugin and role (markup, links), as
# docs.ansible.com would build it; it reads the collections this one uses
site=$(python -c 'import ansible_collections, os; print(os.path.dirname(list(ansible_collections.__path__)[0]))')
ANSIBLE_COLLECTIONS_PATH="$top/.collections:$site" \
  antsibull-docs lint-collection-docs --plugin-docs "$top/.collections/ansible_collections/hapair/cluster"
# ansible-lint looks for collections in ~/.ansible first: an older copy of
# this one installed there (by another tool, another checkout) would be
# linted against instead of this checkout. It runs with a HOME of its own.
lint_home=$(mktemp -d)
HOME=$lint_home ansible-lint --profile production --offline -q
rm -rf "$lint_home"

# ansible-test wants the collection at ansible_collections/NS/NAME, and
# fetches its pip bootstrap script from a host CI cannot reach: give it ours.
at=$(python -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')
pip_version=$(sed -n "s/^ *pip='\([0-9.]*\)',$/\1/p" "$at/_internal/python_requirements.py" | head -n1)
cache=$HOME/.ansible/test/cache
mkdir -p "$cache"
cp scripts/ansible_test_get_pip.py "$cache/get_pip_${pip_version//./_}.py"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dest=$work/ansible_collections/hapair/cluster
mkdir -p "$dest"
git ls-files -z --cached --others --exclude-standard | rsync -a --from0 --files-from=- ./ "$dest/"
py=$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
(cd "$dest" && git init -q && git add -A && ansible-test sanity --python "$py" --color no --skip-test pylint)
