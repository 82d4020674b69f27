#!/usr/bin/env bash
# Prints how long render.yml takes for the apollo inventory (target: < 15 s).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export ANSIBLE_CONFIG="$top/ansible.cfg"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
runs=${1:-3}
for i in $(seq "$runs"); do
  start=$EPOCHREALTIME
  .venv/bin/ansible-playbook -i inventories/apollo playbooks/render.yml -e "render_dir=$out/$i" >/dev/null
  end=$EPOCHREALTIME
  elapsed=$(python3 -c "print('%.1f' % ($end - $start))")
  printf 'render.yml apollo run %d: %s s (%d files)\n' "$i" "$elapsed" "$(find "$out/$i" -type f | wc -l)"
done
