#!/usr/bin/env bash
# Build the collection's documentation as HTML, as docs.ansible.com would
# (antsibull-docs sphinx-init, then its build.sh: antsibull-docs collection
# and sphinx-build), into .docs-build/site, and print where it is. The
# Sphinx packages (docs/requirements-html.txt, pinned) are installed into
# .venv when missing. Run scripts/setup.sh once first.
#   scripts/docs.sh                # build, print the index.html path
#   scripts/docs.sh --screenshot   # and take headless Chromium screenshots of
#                                  # two modules and a role (installs Debian's
#                                  # chromium as root if missing)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export PATH="$top/.venv/bin:$PATH"

screenshot=false
case "${1:-}" in
  "") ;;
  --screenshot) screenshot=true ;;
  *) echo "usage: $0 [--screenshot]" >&2; exit 2 ;;
esac

if [ ! -x .venv/bin/antsibull-docs ] || [ ! -e .collections/ansible_collections/hapair/cluster ]; then
  echo "docs: no .venv or collection link: run scripts/setup.sh first" >&2
  exit 1
fi

stamp=.venv/.requirements-html.sha256
want=$(sha256sum docs/requirements-html.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "docs: installing docs/requirements-html.txt into .venv"
  pip install -q --disable-pip-version-check -r docs/requirements-html.txt
  echo "$want" > "$stamp"
fi

# The generated site is built from scratch each time (about 10 s). The
# build is sphinx-init's --lenient one: Sphinx's warnings go to the log and
# are counted, not fatal; scripts/lint.sh's lint-collection-docs is the
# check of the docs. Offline (as here and in CI) Sphinx cannot fetch the intersphinx
# inventories of docs.python.org and docs.ansible.com, and the links the
# pages make into Ansible's own docs (common return values, ...) stay text.
out=.docs-build
site=$out/site
rm -rf "$site"
mkdir -p "$site"
antsibull-docs sphinx-init --use-current --squash-hierarchy --lenient \
  --title "hapair.cluster" --project "hapair.cluster" --copyright "hapair.cluster developers" \
  --dest-dir "$site" hapair.cluster >/dev/null
# build.sh documents the collection as Ansible finds it: this checkout,
# and the collections of the ansible package (as scripts/lint.sh does).
pkgs=$(python -c 'import ansible_collections, os; print(os.path.dirname(list(ansible_collections.__path__)[0]))')
log=$out/build.log
echo "docs: building the HTML in $site (log: $log)"
start=$SECONDS
if ! ANSIBLE_COLLECTIONS_PATH="$top/.collections:$pkgs" "$site/build.sh" >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "docs: the build failed, see $log" >&2
  exit 1
fi
warnings=$(grep -c 'WARNING' "$log" || true)
echo "docs: built in $((SECONDS - start)) s, $warnings Sphinx warnings (grep WARNING $log)"
html=$top/$site/build/html

if $screenshot; then
  if ! command -v chromium >/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "docs: run me as root to install chromium (or install it yourself)" >&2
      exit 1
    fi
    echo "docs: installing Debian packages: chromium fonts-dejavu-core"
    export DEBIAN_FRONTEND=noninteractive
    start=$SECONDS
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
    echo "docs: installed in $((SECONDS - start)) s"
  fi
  shots=$out/screenshots
  mkdir -p "$shots"
  profile=$(mktemp -d)
  trap 'rm -rf "$profile"' EXIT
  for page in vserver_module drbd_resource_module drbd_role; do
    [ -e "$html/$page.html" ] || { echo "docs: no page $html/$page.html" >&2; exit 1; }
    rm -f "$shots/$page.png"
    timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
      --user-data-dir="$profile" --window-size=1280,2000 \
      --screenshot="$top/$shots/$page.png" "file://$html/$page.html" >/dev/null 2>&1
    [ -s "$shots/$page.png" ] || { echo "docs: chromium made no $shots/$page.png" >&2; exit 1; }
    echo "docs: screenshot $top/$shots/$page.png"
  done
fi

echo "docs: open $html/index.html"
