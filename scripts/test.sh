#!/usr/bin/env bash
# The project's tests, as CI runs them (as root, on Debian 12):
#   scripts/test.sh           setup, fast tier, linters, then the lab (Molecule)
#   scripts/test.sh --fast    setup, fast tier and linters only (no VM)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

fast_only=no
[ "${1:-}" = "--fast" ] && fast_only=yes

bash scripts/setup.sh
export PATH="$top/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$top/ansible.cfg"
results=$top/tests/output/junit
rm -rf "$results" && mkdir -p "$results"

step() { printf '\n=== %s (%s)\n' "$1" "$(date +%T)"; }

if [ "$fast_only" = no ]; then
  # The lab's images (node disk, guest template) build while the fast tier
  # and the linters run; the Molecule step waits for them.
  mkdir -p .lab
  python3 tests/lab/lab.py build > .lab/build.log 2>&1 &
  build_pid=$!
fi

# The collection's tests (tests/unit, tests/fast) and the lab's own
# (tests/lab/tests: lab.py, scripts/lab_crash.sh, the image's zip cache).
# setup.sh above installs the tools they run (drbd-utils, shellcheck).
step "fast tier: unit tests, rendering, invalid inventories, the lab's tools"
start=$SECONDS
# Two workers (pytest-xdist): the tier is mostly ansible-playbook runs on
# the controller, 4.5 min on 2 cores instead of about 8 in one process.
python -m pytest tests/unit tests/fast tests/lab/tests -q -p no:cacheprovider -n 2 --junitxml="$results/fast.xml"
echo "fast tier: $((SECONDS - start)) s"

step "linters: yamllint, ansible-lint (production), ansible-test sanity"
start=$SECONDS
bash scripts/lint.sh
echo "linters: $((SECONDS - start)) s"

if [ "$fast_only" = no ]; then
  step "lab: Molecule scenario on two QEMU nodes"
  start=$SECONDS
  if ! wait "$build_pid"; then
    cat .lab/build.log
    echo "lab: the image build failed" >&2
    exit 1
  fi
  cat .lab/build.log
  echo "lab images ready after $((SECONDS - start)) s of waiting"
  # CI stops a run at 90 min. Without a terminal (CI), the lab step gets
  # what is left of 82 min, so that a stuck or slow lab still ends the run
  # with what the nodes were doing (scripts/lab_report.sh, 2 min at most)
  # and takes the lab down (2 min at most) instead of a bare timeout.
  # scripts/lab_scenario.sh runs Molecule's steps one by one, and boots
  # again a node whose kernel panicked under emulation instead of failing
  # the run or starting a new scenario.
  budget=$(( ${HAPAIR_CI_MINUTES:-82} * 60 - SECONDS ))
  [ "$budget" -gt 600 ] || budget=600
  # Molecule keeps its state (created, converged) outside the clone, per
  # folder name: a run stopped short would make the next one skip create.
  molecule reset
  rc=0
  export HAPAIR_JUNIT_DIR=$results
  if [ -t 0 ]; then
    # at a terminal, no budget: timeout would put Molecule in a process
    # group of its own, out of reach of Ctrl-C
    bash scripts/lab_scenario.sh || rc=$?
  else
    timeout --kill-after=30 "$budget" bash scripts/lab_scenario.sh || rc=$?
  fi
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "lab: stopped after its budget of $budget s; what the lab was doing:" >&2
    timeout 120 bash scripts/lab_report.sh || true
    timeout 120 molecule destroy || python3 tests/lab/lab.py down || true
  fi
  echo "lab: $((SECONDS - start)) s"
  [ "$rc" -eq 0 ] || exit "$rc"
fi

python3 scripts/junit_summary.py "$results"
