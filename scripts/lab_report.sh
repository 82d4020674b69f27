#!/usr/bin/env bash
# What the lab is doing, for a run that went over its time (scripts/test.sh
# calls it before taking the lab down): the host's load and busiest
# processes, the package proxy's last requests (fetched upstream or served
# from its cache), and on each node its load, busiest processes, DRBD,
# Heartbeat's resources, systemd's pending jobs and the journal's last lines
# (ssh logins left out), and the kernel's crash report when its console holds
# one.
#   bash scripts/lab_report.sh
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

echo "--- host ($(date +%T)): $(uptime)"
ps -eo pid,etime,time,pcpu,args --sort=-time | head -n 8 | cut -c1-160
python3 tests/lab/lab.py status 2>&1

log=.lab/run/apt-cacher-ng-log/apt-cacher.log
if [ -f "$log" ]; then
  echo "--- package proxy: $(grep -c '|I|' "$log") files fetched upstream, $(grep -c '|O|' "$log") served; the last ones:"
  tail -n 8 "$log" | while IFS='|' read -r stamp kind bytes _ path; do
    printf '%s %s %9s %s\n' "$(date -d "@$stamp" +%T)" "$kind" "$bytes" "$path"
  done
fi

# A node whose kernel died answers no ssh: its console says why.
bash scripts/lab_crash.sh .lab/run || true

for node in node1 node2; do
  echo "--- $node"
  timeout 50 python3 tests/lab/lab.py ssh "$node" -- '
    uptime
    ps -eo pid,etime,time,pcpu,args --sort=-time | head -n 12 | cut -c1-160
    drbdadm status 2>&1
    cl_status rscstatus 2>&1
    systemctl list-jobs --no-pager 2>&1 | head -n 12
    journalctl -n 300 --no-pager 2>&1 | grep -v -e sshd-session -e pam_ | tail -n 30 | cut -c1-200' 2>&1 || echo "$node: no answer within 50 s"
done
