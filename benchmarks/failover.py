"""Client-visible failover time per guest over several kills (issue 6).

Run as root with the lab up and the pair built (scripts/lab.sh):
    .venv/bin/python benchmarks/failover.py [KILLS]
Each round hard-kills the node holding the resource group, measures from
the kill until each guest answers again from the lab's client namespace,
then boots the killed node again and waits until DRBD is UpToDate on both.
Each round also prints the survivor's takeover as its journal shows it
(peer declared dead, DRBD Primary, /srv mounted, each guest started), in
seconds after the kill. Target: the last guest answers within deadtime + 10 s.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "molecule", "default", "tests"))
from labtools import (GUESTS, PEER, clock_offset, holder_or_exit, lab, node, spread,  # noqa: E402
                      takeover_timeline, uptodate_pair, wait_for, wait_http)

DEADTIME = 6


def main(kills):
    lasts = []
    for round_ in range(1, kills + 1):
        active = holder_or_exit()
        survivor = node(PEER[active])
        offset = clock_offset(survivor)
        killed = time.time()
        lab("kill", active)
        took = {}
        for guest, address in GUESTS.items():
            elapsed = wait_http(address, guest, 300 - (time.time() - killed))
            took[guest] = None if elapsed is None else time.time() - killed
        figures = ", ".join("%s %s" % (g, "%.1f s" % t if t else "never") for g, t in took.items())
        print("round %d: killed %s; answers again from %s: %s" % (round_, active, PEER[active], figures),
              flush=True)
        steps = takeover_timeline(survivor, killed, offset)
        print("  %s's journal: %s" % (PEER[active], ", ".join("%s %.1f s" % step for step in steps)), flush=True)
        if all(took.values()):
            lasts.append(max(took.values()))
        lab("start", active, timeout=900)
        wait_for(uptodate_pair, 900, 5)
        wait_for(lambda: node(active).run("cl_status hbstatus").rc == 0, 300, 3)
    if lasts:
        print("last guest back after a kill: %s (deadtime %d s, target %d s)"
              % (spread(lasts), DEADTIME, DEADTIME + 10))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
