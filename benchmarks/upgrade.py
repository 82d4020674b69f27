"""Time each guest is unreachable during upgrade-kernel.yml (issue 7).

Run as root with the lab up and the pair built (scripts/lab.sh), on nodes
that still run their image's kernel (the proxy serves a newer one):
    .venv/bin/python benchmarks/upgrade.py
A client in the lab's namespace polls every guest once a second during the
whole run; per guest it prints the total and the longest time without an
answer. Target: one planned switchover at most, much less than a failover
after a kill (benchmarks/failover.py).
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "molecule", "default", "tests"))
from labtools import GUESTS, Poller, ansible_playbook  # noqa: E402


def main():
    start = time.time()
    with Poller() as poll:
        proc = ansible_playbook("upgrade-kernel.yml", timeout=5400)
    took = time.time() - start
    if proc.returncode != 0:
        print(proc.stdout[-4000:])
        sys.exit("upgrade-kernel.yml failed after %.0f s" % took)
    print("upgrade-kernel.yml: %.0f s" % took)
    for guest in GUESTS:
        print("%s: unreachable %.1f s in all, longest %.1f s" % (guest, poll.down[guest], poll.longest[guest]))


if __name__ == "__main__":
    main()
