#!/usr/bin/env bash
# Did a lab node's kernel crash? Prints, for each node console in DIR, the
# last kernel crash it holds (its Oops or BUG report and what follows), and
# exits 0 when at least one console holds a kernel panic, 1 otherwise.
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
PANIC='(^|\] )Kernel panic'

found=1
for console in "$dir"/*-console.log; do
  [ -f "$console" ] || continue
  node=$(basename "$console" -console.log)
  panics=$(grep -a -c -E "$PANIC" "$console")
  [ "$panics" -gt 0 ] || continue
  found=0
  # the console keeps every boot (QEMU appends): show the last crash, from
  # the first report line (BUG, Oops, PANIC) after the panic before it
  last=$(grep -a -n -E "$PANIC" "$console" | tail -n 1 | cut -d: -f1)
  previous=$(grep -a -n -E "$PANIC" "$console" | tail -n 2 | head -n 1 | cut -d: -f1)
  [ "$previous" != "$last" ] || previous=0
  start=$(awk -v from="$previous" -v to="$last" \
    'NR > from && NR <= to && /Oops:|BUG:|PANIC:/ { print NR; exit }' "$console")
  echo "$node's console shows a kernel crash ($panics panic(s) in it), the last one:"
  sed -n "${start:-$last},$((${start:-$last} + 24))p" "$console" | cut -c1-160
done
exit "$found"
