"""Helpers of the lab's testinfra checks: the lab CLI, the nodes, the client.

The lab (tests/lab/lab.py) is up and inventories/lab/hosts.yml written
when these run (Molecule's create step, or `lab.py up` by hand).
"""
import json
import os
import statistics
import subprocess
import sys
import threading
import time

import testinfra

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
LAB = os.environ.get("HAPAIR_LAB", os.path.join(TOP, "tests", "lab", "lab.py"))
# The lab's own inventory (hosts.yml written by `lab.py up`, group_vars).
INVENTORY = os.path.join(TOP, "inventories", "lab")
ANSIBLE_BIN = os.path.join(TOP, ".venv", "bin")

NODES = {
    "node1": {"replication": "192.168.1.1", "public": "10.10.10.1"},
    "node2": {"replication": "192.168.1.2", "public": "10.10.10.2"},
}
PEER = {"node1": "node2", "node2": "node1"}
GUESTS = {"web1": "10.10.10.11", "web2": "10.10.10.12"}
RESOURCE = "clusterdr"
# The `full` scenario (molecule test -s full) sets this: it runs the slow
# checks too (new-guest.yml twice, switchovers, link cut, Mon mail, rejoin).
FULL = os.environ.get("HAPAIR_LAB_FULL") == "1"
MOUNTPOINT = "/srv"
# Generous bounds under TCG: a node boots through GRUB in about a minute,
# the guests then boot their own systemd.
BOOT_BOUND = 600
SETTLE_BOUND = 300


def node(name):
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")


def lab(*args, timeout=60):
    return subprocess.run(["python3", LAB, *args], capture_output=True, text=True,
                          timeout=timeout, check=False)


def this(host):
    return host.check_output("hostname")


def http_get(address, timeout=3):
    """GET http://ADDRESS/ from the lab's client namespace; body or None."""
    probe = ("import urllib.request, sys\n"
             "h = urllib.request.build_opener(urllib.request.ProxyHandler({}))\n"
             "try:\n"
             f"    print(h.open('http://{address}/', timeout={timeout}).read().decode().strip())\n"
             "except Exception as e:\n"
             "    sys.exit(1)\n")
    res = lab("exec-client", "python3", "-c", probe, timeout=timeout + 30)
    return res.stdout.strip() if res.returncode == 0 else None


def wait_http(address, expect, timeout):
    """Poll until ADDRESS answers EXPECT; return the seconds it took or None."""
    start = time.time()
    while time.time() - start < timeout:
        if http_get(address) == expect:
            return time.time() - start
        time.sleep(1)
    return None


def drbd_state(host, resource=RESOURCE):
    """role, cstate and dstate of RESOURCE on HOST, as drbdadm reports them."""
    out = {}
    for what in ("role", "cstate", "dstate"):
        res = host.run(f"drbdadm {what} {resource}")
        out[what] = res.stdout.strip() if res.rc == 0 else None
    return out


def uptodate_pair(resource=RESOURCE):
    """Both nodes Connected and UpToDate/UpToDate on RESOURCE."""
    states = [drbd_state(node(n), resource) for n in NODES]
    return all(s["cstate"] == "Connected" and s["dstate"] == "UpToDate/UpToDate" for s in states)


def wait_for(predicate, timeout, step=2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def holder():
    """The node holding the resource group (Heartbeat says it holds
    resources and the replicated filesystem is mounted there), or None."""
    found = []
    for name in NODES:
        try:
            host = node(name)
            rsc = host.run("cl_status rscstatus").stdout.strip()
            mounted = host.run(f"findmnt -n {MOUNTPOINT}").rc == 0
        except Exception:  # a dead node
            continue
        if rsc in ("all", "local", "foreign") and mounted:
            found.append(name)
    return found[0] if len(found) == 1 else None


def guests_answer():
    """Every guest answers its own name over HTTP from the client namespace."""
    return all(http_get(address) == guest for guest, address in GUESTS.items())


def healthy_pair():
    """Wait for a healthy pair (Connected UpToDate/UpToDate, one node holding
    the group, every guest answering); return the node holding the group."""
    assert wait_for(uptodate_pair, SETTLE_BOUND, 5), [drbd_state(node(n)) for n in NODES]
    active = wait_for(holder, SETTLE_BOUND, 5)
    assert active in NODES, "no node holds the resource group"
    assert wait_for(guests_answer, SETTLE_BOUND, 5), "the guests do not answer"
    return active


def restore_pair():
    """Bring the pair back to health: the replication link plugged, every
    node running (a killed one booted again on its disks), Connected
    UpToDate/UpToDate, one node holding the group, the guests answering.
    The group is not moved back (switchover.yml, checked in
    test_operations.py): auto_failback is off, as on a real pair."""
    assert lab("restore-link").returncode == 0
    for name in NODES:
        # `lab.py start` on a running node only says so
        res = lab("start", name, timeout=BOOT_BOUND)
        assert res.returncode == 0, res.stdout + res.stderr
    healthy_pair()


def mails_with(host, text):
    """How many mails in HOST's mailboxes have TEXT in their subject."""
    out = host.run("grep -h '^Subject:' /var/mail/* 2>/dev/null").stdout
    return sum(1 for line in out.splitlines() if text in line)


def holder_or_exit():
    """holder(), for the benchmarks: they stop when no node holds the group."""
    active = holder()
    if active not in NODES:
        sys.exit("no node holds the resource group: is the pair built?")
    return active


# What the survivor's journal says during a takeover, in order: (label, text
# of the line). The first line matching each is kept.
TAKEOVER_STEPS = (
    ("peer declared dead", ": is dead"),
    ("drbddisk start", "resource.d/drbddisk " + RESOURCE + " start"),
    ("DRBD Primary", "role( Secondary -> Primary )"),
    ("Filesystem start", "resource.d/Filesystem /dev/drbd0 " + MOUNTPOINT),
    ("/srv mounted", "(drbd0): mounted filesystem"),
    ("cluster start", "resource.d/cluster  start"),
) + tuple((guest + " started", guest + ": started") for guest in GUESTS)


def clock_offset(host):
    """HOST's clock minus this machine's, in seconds (to within half an ssh round)."""
    before = time.time()
    remote = float(host.check_output("date +%s.%N"))
    return remote - (before + time.time()) / 2


def takeover_timeline(host, since, offset=0.0):
    """[(label, seconds)]: when HOST's journal shows each TAKEOVER_STEPS line,
    as seconds after SINCE (this machine's clock; OFFSET from clock_offset)."""
    out = host.run(f"journalctl -o short-unix --no-pager --since=@{since + offset - 5:.0f}").stdout
    found = []
    for label, text in TAKEOVER_STEPS:
        for line in out.splitlines():
            stamp, _, rest = line.partition(" ")
            if text in rest:
                found.append((label, float(stamp) - offset - since))
                break
    return found


def spread(values):
    """'min 1.0 s, median 2.0 s, max 3.0 s': how the benchmarks sum up rounds."""
    return "min %.1f s, median %.1f s, max %.1f s" % (min(values), statistics.median(values), max(values))


def ansible_env(**extra):
    """The environment of the Ansible runs the checks read: the repository's
    ansible.cfg, and none of the callbacks Molecule enables for its own runs
    (profile_tasks would add its lines to the output the checks parse)."""
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(TOP, "ansible.cfg"), **extra)
    # as Molecule's runs (molecule.yml), also when a check runs by hand
    env.setdefault("ANSIBLE_STRATEGY", os.environ.get("HAPAIR_LAB_STRATEGY", "mitogen_linear"))
    env.setdefault("ANSIBLE_HOST_KEY_CHECKING", "False")
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    return env


def ansible_playbook(*args, timeout=3600):
    env = ansible_env()
    return subprocess.run([os.path.join(ANSIBLE_BIN, "ansible-playbook"), "-i", INVENTORY, *args],
                          capture_output=True, text=True, timeout=timeout, cwd=TOP, env=env,
                          check=False)


def ansible_module(host_pattern, module, args, timeout=600):
    """Run one module with ad-hoc ansible; return (rc, result dict or text)."""
    env = ansible_env(ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json")
    # no -a at all without arguments: "{}" would be taken for raw params
    arguments = ["-a", json.dumps(args)] if args else []
    proc = subprocess.run([os.path.join(ANSIBLE_BIN, "ansible"), "-i", INVENTORY, host_pattern,
                           "-m", module, *arguments],
                          capture_output=True, text=True, timeout=timeout, cwd=TOP, env=env,
                          check=False)
    try:
        data = json.loads(proc.stdout)
        result = data["plays"][0]["tasks"][0]["hosts"][host_pattern]
    except (ValueError, KeyError, IndexError):
        result = proc.stdout + proc.stderr
    return proc.returncode, result


def recap_changed(output):
    """Sum of changed= over the PLAY RECAP lines of an ansible-playbook run."""
    total = 0
    for line in output.splitlines():
        if "changed=" in line and "ok=" in line:
            total += int(line.split("changed=")[1].split()[0])
    return total


class Poller:
    """Polls every guest from the client namespace in a thread (one GET per
    guest per round) and adds up, per guest, the time it did not answer:
        with Poller() as poll: ...;  poll.down  ->  {guest: seconds}"""

    def __init__(self, guests=None, period=1.0):
        self.guests = dict(guests or GUESTS)
        self.period = period
        self.down = {g: 0.0 for g in self.guests}
        self.longest = {g: 0.0 for g in self.guests}
        self._since = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            for guest, address in self.guests.items():
                now = time.time()
                if http_get(address, timeout=2) == guest:
                    if guest in self._since:
                        self._close(guest, now)
                else:
                    self._since.setdefault(guest, now)
            self._stop.wait(self.period)

    def _close(self, guest, now):
        gap = now - self._since.pop(guest)
        self.down[guest] += gap
        self.longest[guest] = max(self.longest[guest], gap)

    def failing(self, guest):
        """True while GUEST has not answered since its last failed GET."""
        return guest in self._since

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        now = time.time()
        for guest in list(self._since):
            self._close(guest, now)
        return False
