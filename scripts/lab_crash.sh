#!/usr/bin/env bash
# Did a lab node's kernel crash? Prints, for each node console in DIR, the
# last kernel error report it holds (BUG, Oops or PANIC and what follows,
# fatal or not), and exits 0 when at least one console holds a kernel
# panic, 1 otherwise.
#   bash scripts/lab_crash.sh [DIR]
# DIR: the running lab's folder (.lab/run, the default), or .lab/logs, where
# `lab.py down` keeps the consoles of the last lab.
#
# Why: under QEMU 7.2's TCG (no KVM), Debian 13's kernel has crashed in the
# lab a few times, always under load (DRBD's initial sync, the ext3 journal
# replayed at boot after a hard kill), with impossible register values
# (reserved EFLAGS bits set) that point at the emulator, not at the pair.
# scripts/test.sh uses this to tell such a crash from a failed check.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/.lab/run}
# the panic's own line, not the "---[ end Kernel panic" line that closes it
PANIC='(^|] )Kernel panic'

found=1
for console in "$dir"/*-console.log; do
  [ -f "$console" ] || continue
  node=$(basename "$console" -console.log)
  # One pass: how many panics, and where the last report starts. The console
  # keeps every boot (QEMU appends): the last report runs from its first
  # line after the panic before it. No report: nothing to show.
  read -r panics start < <(awk -v panic="$PANIC" '
    $0 ~ panic { panics[++npanic] = NR }
    $0 ~ panic || /Oops:|BUG:|PANIC:/ { reports[++nreport] = NR }
    END {
      if (!nreport) exit 1
      before = 0
      for (i = 1; i <= npanic; i++) if (panics[i] < reports[nreport]) before = panics[i]
      for (i = 1; i <= nreport; i++) if (reports[i] > before) { print npanic + 0, reports[i]; exit }
    }' "$console") || continue
  if [ "$panics" -gt 0 ]; then
    found=0
    echo "$node's console shows a kernel crash ($panics panic(s) in it), the last one:"
  else
    echo "$node's console shows a kernel error report (no panic), the last one:"
  fi
  sed -n "$start,$((start + 24))p" "$console" | cut -c1-160
done
exit "$found"
