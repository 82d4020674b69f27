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
  # what is left of 78 min, so that a stuck or slow lab still ends the run
  # with what the nodes were doing (scripts/lab_report.sh) instead of a
  # bare timeout.
  # A scenario that failed because a node's kernel crashed under emulation
  # (scripts/lab_crash.sh says why that is the emulator's fault) runs once
  # more, on a new lab, within the same budget; any other failure, or a
  # second crash, fails the run.
  attempt=1
  while :; do
    budget=$(( ${HAPAIR_CI_MINUTES:-78} * 60 - SECONDS ))
    [ "$budget" -gt 600 ] || budget=600
    # Molecule keeps its state (created, converged) outside the clone, per
    # folder name: a run stopped short would make the next one skip create.
    molecule reset
    rc=0
    if [ -t 0 ]; then
      # at a terminal, no budget: timeout would put Molecule in a process
      # group of its own, out of reach of Ctrl-C
      HAPAIR_JUNIT_DIR=$results molecule test || rc=$?
    else
      HAPAIR_JUNIT_DIR=$results timeout --kill-after=30 "$budget" molecule test || rc=$?
    fi
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
      echo "lab: stopped after its budget of $budget s; what the lab was doing:" >&2
      bash scripts/lab_report.sh || true
      timeout 300 molecule destroy || python3 tests/lab/lab.py down || true
      break
    fi
    [ "$rc" -ne 0 ] || break
    # Molecule's destroy took the lab down; lab.py keeps its consoles.
    python3 tests/lab/lab.py down > /dev/null 2>&1 || true
    if [ "$attempt" -eq 1 ] && bash scripts/lab_crash.sh .lab/logs >&2; then
      echo "lab: a node's kernel crashed under emulation (above), not a check:" \
        "the scenario runs once more on a new lab ($((SECONDS - start)) s spent)" >&2
      attempt=2
      continue
    fi
    break
  done
  echo "lab: $((SECONDS - start)) s"
  [ "$rc" -eq 0 ] || exit "$rc"
fi

python3 scripts/junit_summary.py "$results"
