"""Time each guest is unreachable during a planned move (switchover.yml).

Run as root with the lab up and the pair built (scripts/lab.sh):
    .venv/bin/python benchmarks/switchover.py [MOVES]
Each round moves the resource group to the other node with switchover.yml
while a client in the lab's namespace polls every guest once a second; per
guest it prints the time without an answer. The kernel upgrade moves the
group once (master to slave), so this is the downtime upgrade-kernel.yml
costs each guest, without the upgrade's own hour (benchmarks/upgrade.py).
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "molecule", "default", "tests"))
from labtools import GUESTS, PEER, Poller, ansible_playbook, holder_or_exit, spread  # noqa: E402


def main(moves):
    worst = []
    for round_ in range(1, moves + 1):
        active = holder_or_exit()
        start = time.time()
        with Poller() as poll:
            proc = ansible_playbook("switchover.yml", "-e", "to=%s" % PEER[active], timeout=900)
            # Polling goes on until every guest has answered from the new node.
            deadline = time.time() + 300
            while any(poll.failing(g) for g in GUESTS) and time.time() < deadline:
                time.sleep(1)
        took = time.time() - start
        if proc.returncode != 0:
            print(proc.stdout[-4000:])
            sys.exit("switchover.yml to %s failed after %.0f s" % (PEER[active], took))
        figures = ", ".join("%s %.1f s" % (g, poll.down[g]) for g in GUESTS)
        print("round %d: %s -> %s in %.0f s; unreachable: %s" % (round_, active, PEER[active], took, figures),
              flush=True)
        worst.append(max(poll.down.values()))
    print("longest guest downtime per move: %s" % spread(worst))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
