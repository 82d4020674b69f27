#!/usr/bin/env bash
# Time of a no-change run of the drbd role on the built lab pair (issue 4),
# printed with the run's changed count (it must be 0):
#   bash benchmarks/drbd_role.sh [ROUNDS]      (as root, lab up, pair built)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export ANSIBLE_CONFIG="$top/ansible.cfg"
rounds=${1:-2}
for round in $(seq 1 "$rounds"); do
  start=$EPOCHREALTIME
  out=$(.venv/bin/ansible-playbook -i inventories/lab benchmarks/drbd_role.yml)
  took=$(python3 -c "print('%.1f' % ($EPOCHREALTIME - $start))")
  changed=$(printf '%s\n' "$out" | awk -F'changed=' '/ok=/ {split($2, a, " "); s += a[1]} END {print s + 0}')
  echo "drbd role, no-change run $round: $took s, changed=$changed"
done
