#!/usr/bin/env bash
# The lab's speed figures (issue 3), printed:
#   - cold build of the node image (only with --cold: it drops the cache),
#     and the first `up` after it: both nodes boot through GRUB, then their
#     booted state is saved;
#   - lab up from the cached image and saved booted state to both nodes
#     answering SSH (target < 60 s);
#   - one `ansible -m ping` round on both nodes.
# Run as root with the lab down:  bash benchmarks/lab.sh [--cold]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export ANSIBLE_CONFIG="$top/ansible.cfg"
lab() { python3 tests/lab/lab.py "$@"; }
secs() { python3 -c "print('%.1f' % ($2 - $1))"; }

if [ "${1:-}" = "--cold" ]; then
  rm -f .lab/cache/images/node-*.raw
  start=$EPOCHREALTIME
  lab build >/dev/null
  echo "cold image build: $(secs "$start" "$EPOCHREALTIME") s"
  start=$EPOCHREALTIME
  lab up >/dev/null
  echo "first lab up (cold boot through GRUB to SSH, then the booted state saved and resumed): $(secs "$start" "$EPOCHREALTIME") s"
  lab down >/dev/null
else
  lab build >/dev/null
fi

start=$EPOCHREALTIME
lab up >/dev/null
echo "lab up (cached image and booted state to SSH on both nodes): $(secs "$start" "$EPOCHREALTIME") s"

for round in 1 2 3; do
  start=$EPOCHREALTIME
  .venv/bin/ansible -i inventories/lab hapair_pairs -m ansible.builtin.ping >/dev/null
  echo "ansible -m ping on both nodes, round $round: $(secs "$start" "$EPOCHREALTIME") s"
done
lab down >/dev/null
