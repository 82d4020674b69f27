"""Helpers of the adoption checks: the hand-built pair (molecule/adopt/
converge.yml), its export, and a client that probes every guest.

The lab's own helpers (molecule/default/tests/labtools.py) are reused for
the nodes and the lab CLI; what differs is the hand-built pair's values.
"""
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "default", "tests"))

# pylint: disable=wrong-import-position
from labtools import ANSIBLE_BIN, LAB, TOP, ansible_env  # noqa: E402

# What converge.yml builds by hand (kept in step with its vars).
RESOURCE = "srvdata"
MINOR = 3
PORT = 7795
ACTIVE = "node2"
GUEST_ORDER = ["web2", "web1"]
GUESTS = {"web1": "10.10.10.11", "web2": "10.10.10.12"}
DATA = "/srv/data/precious.bin"
LAB_HOSTS = os.path.join(TOP, "inventories", "lab", "hosts.yml")

# What the nodes do not hold, given to the export as an operator would.
GIVEN_GUESTS = """---
# What no node file holds: the guests' addresses and the cluster script's order.
hapair_guest_defaults:
  domain: lab.test
  interface: eth2
  suite: trixie
hapair_guests:
  - name: web2
    address: 10.10.10.12/24
  - name: web1
    address: 10.10.10.11/24
"""


def playbook(inventory, *args, timeout=3600):
    """ansible-playbook -i INVENTORY ARGS from the repository's root."""
    return subprocess.run([os.path.join(ANSIBLE_BIN, "ansible-playbook"), "-i", inventory, *args],
                          capture_output=True, text=True, timeout=timeout, cwd=TOP, env=ansible_env(),
                          check=False)


def recap(output):
    """{host: {ok, changed, failed, ...}} of an ansible-playbook run's PLAY RECAP."""
    out = {}
    for line in output.splitlines():
        if "ok=" in line and "changed=" in line and ":" in line:
            host, _, counts = line.partition(":")
            out[host.strip()] = dict((k, int(v)) for k, v in
                                     (item.split("=") for item in counts.split() if "=" in item))
    return out


def changed_tasks(output):
    """The "TASK [...]" titles under which a host reported changed."""
    tasks, current = [], None
    for line in output.splitlines():
        if line.startswith("TASK ["):
            current = line.split("[", 1)[1].rsplit("]", 1)[0]
        elif line.startswith("changed:") and current and (not tasks or tasks[-1] != current):
            tasks.append(current)
    return tasks


PROBE = r"""
import sys, time, urllib.request
guests = dict(arg.split("=") for arg in sys.argv[1:])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
while True:
    for guest, address in guests.items():
        start = time.time()
        try:
            body = opener.open("http://%s/" % address, timeout=2).read().decode().strip()
            ok = body == guest
        except Exception:
            ok = False
        print("%.3f %s %s" % (start, guest, "ok" if ok else "fail"), flush=True)
    time.sleep(0.5)
"""


class ClientProbe:
    """Every guest from the lab's client namespace, every 0.5 s, in one
    long-running process; on exit, per guest: answers, failures, and the
    longest time between two good answers (the gap a user would see)."""

    def __init__(self, guests=None):
        self.guests = dict(guests or GUESTS)
        self.proc = None
        self.report = {}

    def __enter__(self):
        self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
            ["python3", LAB, "exec-client", "python3", "-u", "-c", PROBE,
             *("%s=%s" % item for item in self.guests.items())],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=30)
        seen = {g: [] for g in self.guests}
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in seen:
                seen[parts[1]].append((float(parts[0]), parts[2] == "ok"))
        for guest, answers in seen.items():
            good = [t for t, ok in answers if ok]
            gaps = [b - a for a, b in zip(good, good[1:])]
            self.report[guest] = dict(answers=len(answers), failed=sum(1 for _, ok in answers if not ok),
                                      longest_gap=round(max(gaps), 1) if gaps else None)
        return False


def wait(predicate, timeout, step=3):
    end = time.time() + timeout
    while True:
        value = predicate()
        if value or time.time() > end:
            return value
        time.sleep(step)
