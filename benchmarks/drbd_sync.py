"""DRBD full-sync rate against the raw throughput of the replication link (issue 4).

Run as root with the lab up and the pair built (scripts/lab.sh):
    .venv/bin/python benchmarks/drbd_sync.py [ROUNDS]
Each round measures, over the same replication link (eth1, 192.168.1.0/24):
  - raw: one TCP stream of the backing device's size from the node that
    holds the group to its peer (a Python sender and receiver on the nodes,
    the same kernel TCP that DRBD uses), bytes / seconds;
  - drbd: a full resync of the resource towards the Secondary
    (`drbdadm invalidate` on the Secondary: its copy is discarded and the
    whole device is sent again, as in the initial sync), size / seconds from
    the invalidate until UpToDate/UpToDate.
Prints both rates and their ratio (target: at least 0.8). The Primary keeps
serving throughout; the Secondary is Inconsistent during each resync.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "molecule", "default", "tests"))
from labtools import NODES, PEER, RESOURCE, drbd_state, holder, node, uptodate_pair, wait_for  # noqa: E402

PORT = 5999
RECEIVER = (
    "import socket, sys\n"
    "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind((sys.argv[1], %d)); s.listen(1); s.settimeout(120)\n"
    "c, _ = s.accept(); n = 0\n"
    "while True:\n"
    "    b = c.recv(1 << 20)\n"
    "    if not b: break\n"
    "    n += len(b)\n"
    "c.sendall(str(n).encode()); c.close()\n" % PORT
)
SENDER = (
    "import socket, sys, time\n"
    "total = int(sys.argv[2]); chunk = b'\\0' * (1 << 20)\n"
    "for _ in range(100):\n"
    "    try:\n"
    "        c = socket.create_connection((sys.argv[1], %d)); break\n"
    "    except OSError: time.sleep(0.2)\n"
    "start = time.time(); sent = 0\n"
    "while sent < total:\n"
    "    sent += c.send(chunk[:min(len(chunk), total - sent)])\n"
    "c.shutdown(socket.SHUT_WR); got = int(c.recv(64)); took = time.time() - start\n"
    "print(got, took)\n" % PORT
)


def raw_rate(src, dst, size):
    receiver = node(dst)
    receiver.run("rm -f /tmp/hapair-rx.py /tmp/hapair-rx.out")
    receiver.run("cat > /tmp/hapair-rx.py <<'EOF'\n%sEOF" % RECEIVER)
    receiver.run("nohup python3 /tmp/hapair-rx.py %s >/tmp/hapair-rx.out 2>&1 &"
                 % NODES[dst]["replication"])
    sender = node(src)
    sender.run("cat > /tmp/hapair-tx.py <<'EOF'\n%sEOF" % SENDER)
    out = sender.check_output("python3 /tmp/hapair-tx.py %s %d" % (NODES[dst]["replication"], size))
    got, took = out.split()
    if int(got) != size:
        sys.exit("raw: the receiver got %s bytes of %d" % (got, size))
    return size / float(took)


def drbd_rate(secondary, size):
    host = node(secondary)
    start = time.time()
    host.check_output("drbdadm invalidate %s" % RESOURCE)
    if not wait_for(uptodate_pair, 3600, 1):
        sys.exit("drbd: %s is not UpToDate an hour after invalidate" % secondary)
    return size / (time.time() - start)


def main(rounds):
    primary = holder()
    if primary not in NODES:
        sys.exit("no node holds the resource group: is the pair built?")
    secondary = PEER[primary]
    if not uptodate_pair():
        sys.exit("%s is not Connected UpToDate/UpToDate on both nodes: %s"
                 % (RESOURCE, [drbd_state(node(n)) for n in NODES]))
    # the Primary: a Secondary DRBD device cannot be opened
    size = int(node(primary).check_output("blockdev --getsize64 /dev/drbd0"))
    mib = 1024.0 * 1024.0
    ratios = []
    for round_ in range(1, rounds + 1):
        raw = raw_rate(primary, secondary, size)
        synced = drbd_rate(secondary, size)
        ratios.append(synced / raw)
        print("round %d: %s -> %s, %.0f MiB: raw link %.1f MiB/s, DRBD full sync %.1f MiB/s, "
              "ratio %.2f" % (round_, primary, secondary, size / mib, raw / mib, synced / mib,
                              synced / raw), flush=True)
    print("DRBD sync / raw link: min %.2f, max %.2f (target at least 0.80)" % (min(ratios), max(ratios)))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
