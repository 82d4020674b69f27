"""Client-visible failover time per guest over several kills (issue 6).

Run as root with the lab up and the pair built (scripts/lab.sh):
    .venv/bin/python benchmarks/failover.py [KILLS] [--journal]
Each round hard-kills the node holding the resource group, measures from
the kill until each guest answers again from the lab's client namespace,
then boots the killed node again and waits until DRBD is UpToDate on both.
Each round also prints the survivor's takeover as its journal shows it
(peer declared dead, DRBD Primary, /srv mounted, each guest started), in
seconds after the kill. Target: the last guest answers within deadtime + 10 s.
With --journal, each round also prints every line the survivor's journal
has from Heartbeat, its resource scripts, the collection's scripts and
DRBD between the kill and the last guest's answer, in seconds after the
kill: where the takeover spends its time, script by script.

After the rounds, in the same run and on the node that then holds the
group, the same guests are started by hand with no failover: Mon stopped,
every guest stopped, then `systemctl start systemd-nspawn@GUEST` in the
cluster script's order, timed from the first start until each guest
answers (Mon is started again afterwards). A table sets each failover step
beside it; the collection's own share of a failover is its time less the
deadtime and less the guests' own start by hand, printed for each guest
and as a ratio of the failover.
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "molecule", "default", "tests"))
from labtools import (GUESTS, PEER, TAKEOVER_STEPS, clock_offset, holder_or_exit, lab, node,  # noqa: E402
                      spread, takeover_timeline, uptodate_pair, wait_for, wait_http)

DEADTIME = 6


# The journal lines --journal prints: Heartbeat, its ResourceManager and
# resource scripts, the collection's scripts, DRBD and the guests' units.
JOURNAL_WORDS = ("heartbeat", "ResourceManager", "hapair", "drbd", "Filesystem", "systemd-nspawn", "mon")


def print_journal(host, since, offset, until):
    """HOST's journal lines of JOURNAL_WORDS from SINCE to UNTIL (this
    machine's clock), in seconds after SINCE."""
    out = host.run("journalctl -o short-unix --no-pager --since=@%.0f --until=@%.0f"
                   % (since + offset - 1, until + offset + 1)).stdout
    for line in out.splitlines():
        stamp, _, rest = line.partition(" ")
        try:
            at = float(stamp) - offset - since
        except ValueError:
            continue
        if any(word in rest for word in JOURNAL_WORDS):
            print("    %6.1f s  %s" % (at, rest[:160]), flush=True)


def main(kills, journal=False):
    lasts, rounds = [], []
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
        if journal:
            print_journal(survivor, killed, offset, killed + max([t for t in took.values() if t] or [60]))
        if all(took.values()):
            lasts.append(max(took.values()))
        rounds.append({"took": took, "steps": dict(steps)})
        lab("start", active, timeout=900)
        wait_for(uptodate_pair, 900, 5)
        wait_for(lambda: node(active).run("cl_status hbstatus").rc == 0, 300, 3)
    if lasts:
        print("last guest back after a kill: %s (deadtime %d s, target %d s)"
              % (spread(lasts), DEADTIME, DEADTIME + 10))
    if rounds:
        share_table(rounds, by_hand(holder_or_exit()))


def by_hand(holder):
    """{guest: seconds from the first start until it answers}: the guests
    started by hand on HOLDER, in order, with no failover around them."""
    host = node(holder)
    host.check_output("systemctl stop mon.service")
    for guest in reversed(list(GUESTS)):
        host.check_output("systemctl stop systemd-nspawn@%s.service" % guest)
    took = {}
    try:
        started = time.time()
        for guest in GUESTS:
            host.check_output("systemctl start systemd-nspawn@%s.service" % guest)
        for guest, address in GUESTS.items():
            elapsed = wait_http(address, guest, 300 - (time.time() - started))
            took[guest] = None if elapsed is None else time.time() - started
    finally:
        host.run("systemctl start mon.service")
    return took


def share_table(rounds, hand):
    """Print the failover steps (median over the rounds) beside the start
    by hand, and the collection's share of each guest's failover."""
    def median_of(values):
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None

    def cell(value):
        return "%7.1f s" % value if value is not None else "      -  "

    labels = [label for label, _ in TAKEOVER_STEPS]
    print("\n%-28s %10s %10s" % ("step (median of %d kills)" % len(rounds), "failover", "by hand"))
    print("%-28s %10s %10s" % ("deadtime (ha.cf)", cell(DEADTIME), cell(None)))
    for label in labels:
        print("%-28s %10s %10s" % (label, cell(median_of([r["steps"].get(label) for r in rounds])), cell(None)))
    for guest in GUESTS:
        failover = median_of([r["took"].get(guest) for r in rounds])
        print("%-28s %10s %10s" % (guest + " answers", cell(failover), cell(hand.get(guest))))
    print()
    for guest in GUESTS:
        failover = median_of([r["took"].get(guest) for r in rounds])
        if failover is None or hand.get(guest) is None:
            print("%s: no share (a start that never answered)" % guest)
            continue
        share = failover - DEADTIME - hand[guest]
        figures = (guest, failover, DEADTIME, hand[guest], share, 100 * share / failover)
        print("%s: failover %.1f s = deadtime %d s + the guests' own start by hand %.1f s + the collection's "
              "share %.1f s (%.0f %% of the failover)" % figures)


if __name__ == "__main__":
    ARGS = [arg for arg in sys.argv[1:] if arg != "--journal"]
    main(int(ARGS[0]) if ARGS else 3, journal="--journal" in sys.argv[1:])
