#!/usr/bin/env python3
"""The hapair lab: two Debian nodes under QEMU (TCG) on this machine.

    python3 tests/lab/lab.py build [--suite trixie|bookworm]
    python3 tests/lab/lab.py up [--suite trixie|bookworm]
    python3 tests/lab/lab.py down
    python3 tests/lab/lab.py status
    python3 tests/lab/lab.py ssh NODE [CMD...]
    python3 tests/lab/lab.py kill|start|restart|freeze|thaw NODE
    python3 tests/lab/lab.py recover
    python3 tests/lab/lab.py cut-link|restore-link|cut-serial|restore-serial
    python3 tests/lab/lab.py cut-lan|restore-lan NODE
    python3 tests/lab/lab.py exec-client CMD...

Run as root. Each node has:
  eth0  QEMU user networking, restricted: SSH forwarded from 127.0.0.1:222N,
        and 10.0.2.100:3142 forwarded to the lab's apt-cacher-ng on
        127.0.0.1:3142 (the only thing a node reaches outside the lab)
  eth1  replication link: a point-to-point Ethernet between the two QEMU
        processes (UDP datagrams on loopback), 192.168.1.N/24
  eth2  public LAN: a tap on a bridge that has no address on this machine,
        10.10.10.N/24; the client namespace hapair-lab-client (10.10.10.250)
        hangs on the same bridge
  ttyS1 a serial line to the other node, through a relay of the lab's own
        (so it can be cut)
  vdb   a blank 1 GiB disk (DRBD backing device)
and a QMP monitor socket. State lives in .lab/ (cache/ survives `down`).
`up` resumes the nodes from their booted state saved in cache/booted/ by the
first `up` after the image changed; every other start boots through GRUB.
The image carries the HA stack's packages (image/stack-packages.txt),
installed on the host; HAPAIR_LAB_BARE=1 builds and uses one without them.
Only the Python standard library is used.
"""

import argparse
import hashlib
import json
import os
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB = os.environ.get("HAPAIR_LAB_DIR", os.path.join(TOP, ".lab"))
CACHE = os.path.join(LAB, "cache")
RUN = os.path.join(LAB, "run")
SSH_DIR = os.path.join(LAB, "ssh")
SSH_KEY = os.path.join(SSH_DIR, "id_ed25519")
STATE = os.path.join(RUN, "state.json")
IMAGE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "image")
INVENTORY = os.path.join(TOP, "inventories", "lab", "hosts.yml")

SUITES = ("trixie", "bookworm")
NODES = ("node1", "node2")
PROXY_PORT = 3142
SSH_PORTS = {"node1": 2221, "node2": 2222}
REPL_PORTS = {"node1": 2231, "node2": 2232}   # UDP, loopback
SERIAL_PORTS = {"node1": 2241, "node2": 2242}  # QEMU chardev servers
BRIDGE = "hplab-br0"
TAPS = {"node1": "hplab-tap1", "node2": "hplab-tap2"}
VETH = "hplab-client"
CLIENT_NS = "hapair-lab-client"
CLIENT_ADDRESS = "10.10.10.250/24"
MEMORY_MB = 1024
# The emulator and the vCPUs per node. Defaults: Debian 12's QEMU, one vCPU.
# HAPAIR_LAB_QEMU names another qemu-system-x86_64 (scripts/qemu_backports.sh
# unpacks bookworm-backports' into .lab/qemu-bpo), HAPAIR_LAB_QEMU_DATA its
# firmware folder (-L), HAPAIR_LAB_SMP the vCPUs (multi-threaded TCG).
QEMU = os.environ.get("HAPAIR_LAB_QEMU") or "qemu-system-x86_64"
QEMU_DATA = os.environ.get("HAPAIR_LAB_QEMU_DATA", "")
SMP = os.environ.get("HAPAIR_LAB_SMP") or "1"
# HAPAIR_LAB_COLD=1: `up` boots both nodes cold and neither resumes nor
# saves a booted state (benchmarks/lab_stability.py counts cold boots).
COLD = os.environ.get("HAPAIR_LAB_COLD") == "1"
DRBD_DISK_SIZE = "1G"
# A cold boot took 100 to 145 s on a quiet host, and more than 300 s once
# in a CI rehearsal on a busy one (both nodes at once, one vCPU each).
UP_TIMEOUT = 600
SSH_OPTIONS = [
    "-o", "UserKnownHostsFile=/dev/null",
    "-o", "StrictHostKeyChecking=no",
    "-o", "LogLevel=ERROR",
    "-o", "BatchMode=yes",
]


class LabError(Exception):
    """A failure the user can act on; printed without a traceback."""


class NodePanicked(LabError):
    """Nodes whose kernel panicked while the lab waited for them to boot."""

    def __init__(self, nodes, message):
        super().__init__(message)
        self.nodes = nodes


def say(msg):
    print(f"lab: {msg}", flush=True)


def run(cmd, check=True, **kwargs):
    """Run CMD (a list); raise LabError with its output when it fails."""
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, check=False, **kwargs)
    if check and res.returncode != 0:
        raise LabError(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stdout.strip()}")
    return res


def node_index(node):
    return NODES.index(node) + 1


def check_node(node):
    if node not in NODES:
        raise LabError(f"unknown node {node!r}: the lab's nodes are {', '.join(NODES)}")


# --------------------------------------------------------------------------
# state and processes

def load_state():
    try:
        with open(STATE, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def save_state(state):
    os.makedirs(RUN, exist_ok=True)
    tmp = STATE + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(state, f, indent=2)
    os.replace(tmp, STATE)


def proc_start_time(pid):
    """The start time of PID (field 22 of /proc/PID/stat), None if gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = data[data.rindex(")") + 2:].split()
    if fields[0] == "Z":
        return None
    return fields[19]


def alive(proc):
    """True while the recorded process is the same one that is running."""
    return bool(proc) and proc_start_time(proc["pid"]) == proc["start"]


def spawn(cmd, log):
    """Start CMD detached (own session, no inherited stdio); record it."""
    with open(log, "ab") as out:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.STDOUT, start_new_session=True,
                             close_fds=True)
    for _ in range(50):
        start = proc_start_time(p.pid)
        if start:
            break
        time.sleep(0.01)
    return {"pid": p.pid, "start": start, "cmd": cmd, "log": log}


def wait_gone(proc, seconds):
    """Wait up to SECONDS for the recorded process to end; True if it did."""
    deadline = time.time() + seconds
    while alive(proc):
        if time.time() > deadline:
            return False
        time.sleep(0.1)
    return True


def stop(proc, sig=signal.SIGTERM, wait=10.0):
    """Stop the recorded process (checked by pid and start time)."""
    if not alive(proc):
        return
    try:
        os.kill(proc["pid"], sig)
    except ProcessLookupError:
        return
    if not wait_gone(proc, wait):
        os.kill(proc["pid"], signal.SIGKILL)
        wait_gone(proc, 5)


def reap():
    """Collect exited children of this process (when it runs long)."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def port_open(port, host="127.0.0.1", timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def port_free_udp(port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def port_free_tcp(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


# --------------------------------------------------------------------------
# package proxy (apt-cacher-ng on loopback, the lab's own config and cache)

def proxy_start():
    conf = os.path.join(RUN, "apt-cacher-ng")
    cache = os.path.join(CACHE, "apt-cacher-ng")
    logs = os.path.join(RUN, "apt-cacher-ng-log")
    for d in (conf, cache, logs):
        os.makedirs(d, exist_ok=True)
    if not shutil.which("apt-cacher-ng"):
        raise LabError("apt-cacher-ng is missing: run `bash scripts/setup.sh` (it installs it)")
    if not port_free_tcp(PROXY_PORT):
        raise LabError(f"127.0.0.1:{PROXY_PORT} is taken: stop what listens there "
                       "(the system apt-cacher-ng: `systemctl disable --now apt-cacher-ng`)")
    with open(os.path.join(conf, "acng.conf"), "w", encoding="utf-8") as f:
        f.write(
            "# Written by tests/lab/lab.py: the lab's package proxy.\n"
            f"CacheDir: {cache}\n"
            f"LogDir: {logs}\n"
            "SupportDir: /usr/lib/apt-cacher-ng\n"
            f"Port: {PROXY_PORT}\n"
            "BindAddress: 127.0.0.1\n"
            "ForeGround: 1\n"
            f"PidFile: {os.path.join(RUN, 'apt-cacher-ng.pid')}\n"
            f"SocketPath: {os.path.join(RUN, 'apt-cacher-ng.socket')}\n"
            "Remap-debrep: file:deb_mirror*.gz /debian ; deb.debian.org/debian\n"
            "Remap-secdeb: security.debian.org /debian-security ; deb.debian.org/debian-security\n"
            "ReportPage: acng-report.html\n"
            "ExThreshold: 4\n"
            "FollowIndexFileRemoval: 1\n"
            "PassThroughPattern: ^$\n"
        )
    proc = spawn(["apt-cacher-ng", "-c", conf],
                 os.path.join(RUN, "apt-cacher-ng.out"))
    for _ in range(100):
        if port_open(PROXY_PORT):
            return proc
        if not alive(proc):
            break
        time.sleep(0.1)
    stop(proc)
    raise LabError(f"apt-cacher-ng did not start; see {proc['log']}")


# --------------------------------------------------------------------------
# image

def ensure_ssh_key():
    if not os.path.exists(SSH_KEY):
        os.makedirs(SSH_DIR, mode=0o700, exist_ok=True)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "hapair-lab",
             "-f", SSH_KEY])
    return SSH_KEY + ".pub"


def bare():
    """HAPAIR_LAB_BARE=1: an image without the HA stack's packages
    (image/stack-packages.txt), so that the roles install them, as on a
    new server. By default the image carries them, installed on the host."""
    return os.environ.get("HAPAIR_LAB_BARE", "") not in ("", "0")


def image_variant(suite):
    return f"{suite}-bare" if bare() else suite


def recipe_hash(suite):
    """Hash of what makes the image: the image/ folder, suite, variant and SSH key."""
    h = hashlib.sha256()
    h.update(f"suite={image_variant(suite)}\n".encode())
    for root, dirs, files in os.walk(IMAGE_DIR):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            path = os.path.join(root, name)
            h.update(os.path.relpath(path, IMAGE_DIR).encode() + b"\0")
            h.update(oct(os.stat(path).st_mode & 0o777).encode() + b"\0")
            with open(path, "rb") as f:
                h.update(f.read())
    with open(SSH_KEY + ".pub", "rb") as f:
        h.update(f.read())
    return h.hexdigest()[:16]


def image_path(suite):
    ensure_ssh_key()
    return os.path.join(CACHE, "images", f"node-{image_variant(suite)}-{recipe_hash(suite)}.raw")


def build(suite, quiet_if_cached=False):
    """Build the image for SUITE unless the cached one has the same recipe."""
    image = image_path(suite)
    if os.path.exists(image):
        if not quiet_if_cached:
            say(f"image up to date: {image}")
        return image
    os.makedirs(os.path.dirname(image), exist_ok=True)
    state = load_state()
    own_proxy = None
    if not (state and alive(state.get("proxy"))):
        own_proxy = proxy_start()
    say(f"building the {image_variant(suite)} node image (debootstrap on the host)...")
    stack = [] if bare() else [os.path.join(IMAGE_DIR, "stack-packages.txt")]
    t0 = time.time()
    try:
        # In a mount namespace of its own: the image's file system and the
        # host's /dev, /proc and /sys bound into it are seen by the build
        # only, and vanish with it. Seen from outside, the build folder is
        # plain files: removing the checkout while a build runs once went
        # through such a bound /dev and deleted the host's device nodes.
        res = subprocess.run(
            ["unshare", "--mount", "--propagation", "private",
             "bash", os.path.join(IMAGE_DIR, "build.sh"), suite, image,
             SSH_KEY + ".pub", f"http://127.0.0.1:{PROXY_PORT}", *stack], check=False)
    finally:
        if own_proxy:
            stop(own_proxy)
    if res.returncode != 0:
        raise LabError(f"image build failed (exit {res.returncode}); see the messages above")
    os.chmod(image, 0o444)
    # older images of this suite and variant are of another recipe: drop them
    prefix = f"node-{image_variant(suite)}-"
    for name in os.listdir(os.path.dirname(image)):
        path = os.path.join(os.path.dirname(image), name)
        if (name.startswith(prefix) and name[len(prefix):].count("-") == 0
                and path != image and name.endswith(".raw")):
            os.unlink(path)
    say(f"image built in {time.time() - t0:.0f} s: {image}")
    return image


# --------------------------------------------------------------------------
# networks

def ip(*args, check=True):
    return run(["ip", *args], check=check)


def link_exists(name):
    return ip("link", "show", "dev", name, check=False).returncode == 0


def netns_exists(name):
    return name in ip("netns", "list", check=False).stdout.split()


def quiet_ipv6(name):
    path = f"/proc/sys/net/ipv6/conf/{name}/disable_ipv6"
    if os.path.exists(path):
        with open(path, "w", encoding="utf-8") as f:
            f.write("1\n")


def lab_network_users():
    """Pids of running processes whose command line names one of the taps."""
    users = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().decode(errors="replace")
        except OSError:
            continue
        if any(f"ifname={tap}," in argv for tap in TAPS.values()):
            users.append(int(entry))
    return users


def net_check_free():
    """Refuse links or a namespace of the lab's names that `up` did not make.

    A lab whose `lab.py` was killed (a CI job cancelled, a session ended)
    leaves its bridge, taps and namespace behind with no QEMU on them: that
    network is removed, saying so. One that a running QEMU still uses is
    refused. Checked before `up` records that it owns the network, so that
    a failed `up` never removes a network in use."""
    names = (BRIDGE, VETH, *TAPS.values())
    left = [n for n in names if link_exists(n)] + ([CLIENT_NS] if netns_exists(CLIENT_NS) else [])
    if left and not lab_network_users():
        say(f"removing what a lab that was not taken down left behind: {', '.join(left)} "
            "(no QEMU uses it)")
        net_down()
    for name in names:
        if link_exists(name):
            raise LabError(f"link {name} exists already: `lab.py down` if a lab runs, otherwise "
                           f"it was left by another program (`ip link del {name}` removes it)")
    if netns_exists(CLIENT_NS):
        raise LabError(f"network namespace {CLIENT_NS} exists already: `lab.py down` if a lab "
                       f"runs, otherwise `ip netns del {CLIENT_NS}` removes it")


def net_up():
    """Bridge (no address here), one tap per node, the client namespace."""
    ip("link", "add", BRIDGE, "type", "bridge")
    quiet_ipv6(BRIDGE)
    ip("link", "set", BRIDGE, "up")
    for tap in TAPS.values():
        ip("tuntap", "add", "dev", tap, "mode", "tap")
        quiet_ipv6(tap)
        ip("link", "set", tap, "master", BRIDGE, "up")
    ip("netns", "add", CLIENT_NS)
    ip("link", "add", VETH, "type", "veth", "peer", "name", "eth0", "netns", CLIENT_NS)
    quiet_ipv6(VETH)
    ip("link", "set", VETH, "master", BRIDGE, "up")
    ns = ["ip", "netns", "exec", CLIENT_NS]
    run([*ns, "ip", "link", "set", "lo", "up"])
    run([*ns, "ip", "address", "add", CLIENT_ADDRESS, "dev", "eth0"])
    run([*ns, "ip", "link", "set", "eth0", "up"])


def net_down():
    if netns_exists(CLIENT_NS):
        ip("netns", "del", CLIENT_NS, check=False)
    for name in (VETH, *TAPS.values(), BRIDGE):
        if link_exists(name):
            ip("link", "del", name, check=False)


# --------------------------------------------------------------------------
# clock keeper

def host_clock_offset():
    """This machine's wall clock minus its monotonic clock: it moves only
    when the wall clock steps (set by hand, or the machine paused and
    resumed, as a snapshotted VM is)."""
    return time.time() - time.monotonic()


def set_node_clock(node):
    """Set NODE's clock to this machine's; False when NODE did not answer."""
    try:
        res = subprocess.run(ssh_cmd(node, f"date -u -s @{time.time():.3f} >/dev/null",
                                     options=("-o", "ConnectTimeout=10")),
                             stdin=subprocess.DEVNULL, capture_output=True, timeout=30,
                             check=False)
    except subprocess.TimeoutExpired:
        return False
    return res.returncode == 0


class ClockKeeper:
    """Sets the nodes' clocks again whenever this machine's wall clock steps.

    A node's clock runs on this machine's monotonic clock (QEMU's TSC and
    HPET under TCG), so a step of the wall clock never reaches it. One CI
    machine was a VM paused for a snapshot in the middle of a run: its wall
    clock jumped on resume and node2, which no test rebooted, stayed 40 s
    behind. A node that does not answer (killed, booting, frozen) is tried
    again at each poll; a node that boots reads QEMU's RTC, which follows
    the wall clock.
    """

    def __init__(self, nodes, offset=host_clock_offset, set_clock=set_node_clock,
                 running=None, jump=2.0, say_=None):
        self.nodes = list(nodes)
        self.offset = offset
        self.set_clock = set_clock
        self.running = running or (lambda node: True)
        self.jump = jump
        self.say = say_ or say
        self.last = offset()
        self.pending = set()

    def poll(self):
        now = self.offset()
        if abs(now - self.last) > self.jump:
            self.say(f"this machine's clock stepped by {now - self.last:+.1f} s: "
                     "setting the nodes' clocks again")
            self.pending = set(self.nodes)
        self.last = now
        for node in sorted(self.pending):
            if not self.running(node):
                self.pending.discard(node)
            elif self.set_clock(node):
                self.say(f"{node}'s clock set to this machine's")
                self.pending.discard(node)


def clock_keeper(poll=5.0):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    def running(node):
        state = load_state() or {}
        return alive(state.get("nodes", {}).get(node))

    keeper = ClockKeeper(NODES, running=running)
    while True:
        time.sleep(poll)
        keeper.poll()


# --------------------------------------------------------------------------
# serial line relay

def serial_relay(run_dir):
    """Join the two nodes' ttyS1 (QEMU chardev servers on loopback).

    Reconnects to a node whose QEMU restarted. While the flag file
    RUN/serial-cut exists, bytes are dropped (the cable is pulled).
    """
    flag = os.path.join(run_dir, "serial-cut")
    conns = {n: None for n in NODES}
    retry = {n: 0.0 for n in NODES}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        now = time.time()
        for n in NODES:
            if conns[n] is None and now >= retry[n]:
                try:
                    conns[n] = socket.create_connection(("127.0.0.1", SERIAL_PORTS[n]), timeout=1)
                    conns[n].setblocking(False)
                except OSError:
                    retry[n] = now + 0.5
        live = [c for c in conns.values() if c is not None]
        if not live:
            time.sleep(0.5)
            continue
        readable, _, _ = select.select(live, [], [], 0.5)
        for sock in readable:
            src = next(n for n, c in conns.items() if c is sock)
            dst = NODES[1 - NODES.index(src)]
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                sock.close()
                conns[src] = None
                retry[src] = time.time() + 0.5
                continue
            if os.path.exists(flag) or conns[dst] is None:
                continue
            try:
                conns[dst].setblocking(True)
                conns[dst].sendall(data)
                conns[dst].setblocking(False)
            except OSError:
                conns[dst].close()
                conns[dst] = None


# --------------------------------------------------------------------------
# nodes

def qemu_cmd(node):
    i = node_index(node)
    peer = NODES[2 - i]
    overlay = os.path.join(RUN, f"{node}.qcow2")
    drbd = os.path.join(RUN, f"{node}-vdb.raw")
    mac = "52:54:00:4c:%02x:%02x"
    fwd = f"guestfwd=tcp:10.0.2.100:{PROXY_PORT}-cmd:socat - TCP:127.0.0.1:{PROXY_PORT}"
    return [
        QEMU, *(["-L", QEMU_DATA] if QEMU_DATA else []), "-name", f"hapair-lab-{node}",
        "-nodefaults", "-no-user-config", "-machine", "pc",
        # QEMU's default model, named: `-cpu max` booted no faster under TCG.
        "-accel", "tcg,thread=multi", "-cpu", "qemu64",
        "-smp", SMP, "-m", str(MEMORY_MB),
        "-display", "none", "-rtc", "base=utc",
        "-drive", f"file={overlay},format=qcow2,if=none,id=root,discard=unmap",
        "-device", "virtio-blk-pci,drive=root,addr=0x6,bootindex=0",
        "-drive", f"file={drbd},format=raw,if=none,id=drbd",
        "-device", "virtio-blk-pci,drive=drbd,addr=0x7",
        "-netdev", (f"user,id=mgmt,restrict=on,net=10.0.2.0/24,host=10.0.2.2,"
                    f"hostfwd=tcp:127.0.0.1:{SSH_PORTS[node]}-:22,{fwd}"),
        "-device", f"virtio-net-pci,netdev=mgmt,mac={mac % (i, 0)},addr=0x3",
        "-netdev", (f"socket,id=repl,udp=127.0.0.1:{REPL_PORTS[peer]},"
                    f"localaddr=127.0.0.1:{REPL_PORTS[node]}"),
        "-device", f"virtio-net-pci,netdev=repl,mac={mac % (i, 1)},addr=0x4",
        "-netdev", f"tap,id=pub,ifname={TAPS[node]},script=no,downscript=no",
        "-device", f"virtio-net-pci,netdev=pub,mac={mac % (i, 2)},addr=0x5",
        "-object", "rng-random,id=rng,filename=/dev/urandom",
        "-device", "virtio-rng-pci,rng=rng,addr=0x8",
        "-chardev", f"file,id=console,path={console_path(node)},append=on",
        "-serial", "chardev:console",
        "-chardev", f"socket,id=hb,host=127.0.0.1,port={SERIAL_PORTS[node]},server=on,wait=off",
        "-serial", "chardev:hb",
        "-qmp", f"unix:{os.path.join(RUN, node + '.qmp')},server=on,wait=off",
        # A new generation id at every start: a node resumed from the saved
        # booted state reseeds its random generator instead of replaying it.
        "-device", "vmgenid,guid=auto",
    ]


def node_start(state, node, resume_from=None):
    """Start NODE's QEMU: a cold boot, or RESUME_FROM a saved booted state."""
    sock = os.path.join(RUN, node + ".qmp")
    if os.path.exists(sock):
        os.unlink(sock)
    cmd = qemu_cmd(node)
    mark_boot(state, node)
    if resume_from:
        cmd += ["-incoming", f"exec:cat {shlex.quote(resume_from)}"]
    proc = spawn(cmd, os.path.join(RUN, f"{node}-qemu.log"))
    state["nodes"][node] = proc
    save_state(state)
    for _ in range(100):
        if os.path.exists(sock):
            break
        if not alive(proc):
            with open(proc["log"], encoding="utf-8", errors="replace") as f:
                raise LabError(f"QEMU for {node} exited:\n{f.read()[-2000:]}")
        time.sleep(0.1)
    if state.get("link_cut"):
        qmp(node, "set_link", name="repl", up=False)
    if node in state.get("lan_cut", []):
        qmp(node, "set_link", name="pub", up=False)


def qmp(node, command, **arguments):
    """Send one QMP command to NODE's QEMU; return its answer."""
    path = os.path.join(RUN, node + ".qmp")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        try:
            s.connect(path)
        except OSError as e:
            raise LabError(f"{node}: QEMU monitor {path} does not answer ({e}); is {node} running?")
        f = s.makefile("rw", encoding="utf-8")

        def call(cmd, args=None):
            msg = {"execute": cmd}
            if args:
                msg["arguments"] = args
            f.write(json.dumps(msg) + "\n")
            f.flush()
            while True:
                line = f.readline()
                if not line:
                    raise LabError(f"{node}: QEMU monitor closed")
                reply = json.loads(line)
                if "return" in reply:
                    return reply["return"]
                if "error" in reply:
                    raise LabError(f"{node}: {cmd}: {reply['error'].get('desc')}")

        f.readline()  # greeting
        call("qmp_capabilities")
        return call(command, arguments)


def ssh_cmd(node, *cmd, options=()):
    return ["ssh", *SSH_OPTIONS, *options, "-i", SSH_KEY, "-p", str(SSH_PORTS[node]),
            "root@127.0.0.1", *cmd]


def ssh_answers(node):
    """True when NODE answers SSH with its own hostname.

    Until sshd listens, the attempt fails at once (the node resets QEMU's
    forwarded connection). Once it listens, the key exchange can take
    several seconds on a busy TCG node: a short timeout would cut it off and
    start it all over again.
    """
    try:
        res = subprocess.run(
            ssh_cmd(node, "hostname", options=("-o", "ConnectTimeout=30")),
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            timeout=60, check=False)
    except subprocess.TimeoutExpired:
        return False
    return res.returncode == 0 and res.stdout.strip() == node


def console_path(node):
    """NODE's serial console, kept across its boots (QEMU appends to it)."""
    return os.path.join(RUN, f"{node}-console.log")


def console_size(node):
    try:
        return os.path.getsize(console_path(node))
    except OSError:
        return 0


def console_panicked(node, since):
    """True when NODE's console shows a kernel panic written after byte SINCE."""
    try:
        with open(console_path(node), "rb") as console:
            console.seek(since)
            return b"Kernel panic" in console.read()
    except OSError:
        return False


def wait_ssh(nodes, timeout=UP_TIMEOUT, state=None):
    """Wait until every node answers SSH with its own hostname.

    The nodes are asked at the same time, each every half second, so that
    one slow node does not delay noticing the other. A node whose kernel
    panics meanwhile (its console says so) fails the wait at once.
    """
    deadline = time.time() + timeout
    answered = {}
    since = {node: console_size(node) for node in nodes}

    def poll(node):
        while time.time() < deadline and not answered.get("stop"):
            if ssh_answers(node):
                answered[node] = True
                return
            if state and not alive(state["nodes"].get(node)):
                answered[node] = "exited"
                return
            if console_panicked(node, since[node]):
                answered[node] = "panicked"
                return
            time.sleep(0.5)

    threads = [threading.Thread(target=poll, args=(n,), daemon=True) for n in nodes]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join(max(0.0, deadline - time.time()) + 61)
    finally:
        answered["stop"] = True
    for node in nodes:
        if answered.get(node) == "exited":
            raise LabError(f"{node}: QEMU exited; see {os.path.join(RUN, node + '-qemu.log')}")
    panicked = [n for n in nodes if answered.get(n) == "panicked"]
    if panicked:
        raise NodePanicked(panicked, "; ".join(
            f"{n}: its kernel panicked while booting; see {console_path(n)}. "
            f"`lab.py kill {n}` then `lab.py start {n}` boots it again" for n in panicked))
    pending = [n for n in nodes if answered.get(n) is not True]
    if pending:
        raise LabError(f"{', '.join(pending)} did not answer SSH within {timeout} s; "
                       f"see the console logs in {RUN}")


def mark_boot(state, node):
    """Note where NODE's new boot starts in its console (QEMU appends to it):
    `crashed_nodes` reads only what the running kernel wrote."""
    state.setdefault("console_start", {})[node] = console_size(node)


def crashed_nodes(state):
    """The running nodes whose kernel panicked since QEMU started them."""
    starts = state.get("console_start", {})
    return [n for n in NODES
            if alive(state["nodes"].get(n)) and console_panicked(n, starts.get(n, 0))]


def boot_again(state, nodes, why):
    """Power NODES off and boot them again on their disks (a cold boot)."""
    for node in nodes:
        say(f"{node}: {why} (see {console_path(node)}); booting it again on its disks")
        stop(state["nodes"].get(node), sig=signal.SIGKILL)
        node_start(state, node)


def wait_ssh_or_boot_again(nodes, state, timeout=UP_TIMEOUT):
    """wait_ssh, but a node whose kernel panics while booting is booted
    once more. Under TCG such a panic is the emulator's fault, not the
    node's (docs/development.md, "Kernel crashes under emulation"); a
    second one in a row fails."""
    try:
        wait_ssh(nodes, timeout=timeout, state=state)
    except NodePanicked as e:
        boot_again(state, e.nodes, "its kernel panicked while booting")
        wait_ssh(nodes, timeout=timeout, state=state)


# --------------------------------------------------------------------------
# inventory

def write_inventory():
    lines = [
        "---",
        "# Written by `python3 tests/lab/lab.py up`; removed by `down`. Do not edit.",
        "all:",
        "  children:",
        "    hapair_pairs:",
        "      children:",
        "        lab:",
        "          vars:",
        "            # the guests' template, built on this machine by `lab.py build`",
        f"            vserver_host_template_src: {GUEST_TEMPLATE}",
        "          hosts:",
    ]
    for node in NODES:
        i = node_index(node)
        lines += [
            f"            {node}:",
            "              ansible_host: 127.0.0.1",
            f"              ansible_port: {SSH_PORTS[node]}",
            *ansible_user_lines(),
            f"              ansible_ssh_private_key_file: {SSH_KEY}",
            "              ansible_ssh_common_args: -o UserKnownHostsFile=/dev/null"
            " -o StrictHostKeyChecking=no",
            "              ansible_python_interpreter: /usr/bin/python3",
            "              hapair_lab: true",
            f"              hapair_replication_address: 192.168.1.{i}",
            "              hapair_replication_interface: eth1",
            f"              hapair_public_address: 10.10.10.{i}/24",
            "              hapair_public_interface: eth2",
        ]
    os.makedirs(os.path.dirname(INVENTORY), exist_ok=True)
    with open(INVENTORY, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


# --------------------------------------------------------------------------
# commands

def ansible_user_lines():
    """How Ansible logs in: as the image's sudo user with become (as on servers
    that refuse root over SSH), or as root with HAPAIR_LAB_ROOT=1."""
    if os.environ.get("HAPAIR_LAB_ROOT") == "1":
        return ["              ansible_user: root"]
    return ["              ansible_user: hapair", "              ansible_become: true"]


def running_state():
    """The state of a running lab, or None (stale state is cleaned up)."""
    state = load_state()
    if not state:
        return None
    procs = [state.get("proxy"), state.get("relay"), state.get("clock"),
             *state.get("nodes", {}).values()]
    if any(alive(p) for p in procs if p):
        return state
    return state if state.get("net") else None


# --------------------------------------------------------------------------
# saved booted state: `up` resumes both nodes where their first boot ended

BOOTED = os.path.join(CACHE, "booted")
RESUME_TIMEOUT = 90


def booted_dir(image):
    """Where the booted state of IMAGE's nodes is kept.

    It is named after what it depends on: the image (its recipe, and this
    very build of it: a rebuilt image has other blocks), the QEMU version and
    each node's QEMU command line (hardware, memory, disks).
    """
    st = os.stat(image)
    h = hashlib.sha256()
    h.update(f"{os.path.basename(image)} {st.st_ino} {st.st_mtime_ns}\0".encode())
    h.update(run([QEMU, "--version"]).stdout.encode())
    for node in NODES:
        h.update(json.dumps(qemu_cmd(node)).encode())
    h.update(DRBD_DISK_SIZE.encode())
    return os.path.join(BOOTED, h.hexdigest()[:16])


def booted_files(folder, node):
    return os.path.join(folder, f"{node}.qcow2"), os.path.join(folder, f"{node}.vmstate")


def save_booted(state, folder):
    """Save both running nodes' booted state (RAM and disk) into FOLDER.

    Each QEMU migrates its RAM and devices into a file and stops; its disk
    overlay, flushed by the migration, is kept next to it.
    """
    work = BOOTED + ".new"
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    for node in NODES:
        # Saved once the boot is over, so that a resumed node has no boot
        # work left (udev, the last units) to compete with the first tasks.
        ssh_run(node, "systemctl is-system-running --wait >/dev/null; udevadm settle; sync")
    for node in NODES:
        disk, vmstate = booted_files(work, node)
        qmp(node, "migrate-set-parameters", **{"max-bandwidth": 8 << 30})
        qmp(node, "migrate", uri=f"exec:cat > {shlex.quote(vmstate)}")
        deadline = time.time() + 120
        while True:
            status = qmp(node, "query-migrate").get("status")
            if status == "completed":
                break
            if status in ("failed", "cancelled") or time.time() > deadline:
                raise LabError(f"{node}: saving its booted state failed (migration {status})")
            time.sleep(0.2)
        qmp(node, "quit")
        wait_gone(state["nodes"][node], 10)
        stop(state["nodes"][node])
        shutil.copyfile(os.path.join(RUN, f"{node}.qcow2"), disk)
    # only the state of the current image and hardware is worth keeping
    shutil.rmtree(BOOTED + ".old", ignore_errors=True)
    if os.path.isdir(BOOTED):
        os.rename(BOOTED, BOOTED + ".old")
    os.makedirs(BOOTED)
    os.rename(work, folder)
    shutil.rmtree(BOOTED + ".old", ignore_errors=True)


def resume_booted(state, folder):
    """Start both nodes from FOLDER's saved state; False when that failed."""
    for node in NODES:
        disk, _ = booted_files(folder, node)
        shutil.copyfile(disk, os.path.join(RUN, f"{node}.qcow2"))
    try:
        for node in NODES:
            node_start(state, node, resume_from=booted_files(folder, node)[1])
        wait_ssh(NODES, timeout=RESUME_TIMEOUT, state=state)
    except LabError as e:
        say(f"resuming the saved booted state failed ({e}); dropping it, booting cold")
        for node in NODES:
            stop(state["nodes"].get(node))
        shutil.rmtree(folder, ignore_errors=True)
        return False
    # The clocks stopped when the state was saved: set them to the host's.
    for node in NODES:
        if not set_node_clock(node):
            raise LabError(f"{node}: setting its clock to this machine's failed")
    return True


def boot_cold(state, image):
    """Boot both nodes from fresh overlays of IMAGE, through GRUB."""
    for node in NODES:
        stop(state["nodes"].get(node))
        run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", image,
             os.path.join(RUN, f"{node}.qcow2")])
        node_start(state, node)
    say("booting node1 and node2 (TCG)...")
    wait_ssh_or_boot_again(NODES, state)
    wait_booted(NODES)


def resume_or_boot(state, image):
    """Resume both nodes from IMAGE's saved booted state; without one (or
    when it does not resume), boot them cold and save it for the next `up`."""
    folder = booted_dir(image)
    resumed = False
    if all(os.path.exists(f) for n in NODES for f in booted_files(folder, n)):
        say("resuming node1 and node2 from their saved booted state...")
        resumed = resume_booted(state, folder)
    if not resumed:
        boot_cold(state, image)
        say("saving their booted state (the next `up` resumes it)...")
        try:
            save_booted(state, folder)
            resumed = resume_booted(state, folder)
        except LabError as e:
            say(f"saving the booted state failed: {e}")
        if not resumed:
            boot_cold(state, image)


def wait_booted(nodes, timeout=UP_TIMEOUT):
    """Wait until systemd has finished booting each node (any state but
    starting: a failed unit makes it degraded). SSH answers before the rest
    of the boot is done; on a busy host the first Ansible connection then
    competes with it (Mitogen's start on a node once took more than 30 s)."""
    started = time.time()
    procs = {node: subprocess.Popen(ssh_cmd(node, f"timeout {timeout} systemctl is-system-running --wait"),
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
             for node in nodes}
    states = {}
    for node, proc in procs.items():
        try:
            out, _ = proc.communicate(timeout=timeout + 30)
            states[node] = out.strip() or "unknown"
        except subprocess.TimeoutExpired:
            proc.kill()
            states[node] = "still starting"
    say("boot finished in %.0f s more: %s" % (
        time.time() - started, ", ".join(f"{n} {st}" for n, st in sorted(states.items()))))


def ssh_run(node, command):
    """Run COMMAND (a shell string of the lab's own) on NODE as root."""
    try:
        res = subprocess.run(ssh_cmd(node, command), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, timeout=120, check=False)
    except subprocess.TimeoutExpired as e:
        raise LabError(f"{node}: `{command}` did not end within 120 s") from e
    if res.returncode != 0:
        raise LabError(f"{node}: `{command}` failed ({res.returncode}): {res.stdout.strip()}")
    return res.stdout


def need_lab():
    state = running_state()
    if not state:
        raise LabError("the lab is not up: `python3 tests/lab/lab.py up`")
    return state


GUEST_TEMPLATE = os.path.join(CACHE, "templates", "guest-trixie.tar.gz")


def build_guest_template():
    """The guests' template tarball (trixie), cached by its own recipe."""
    os.makedirs(os.path.dirname(GUEST_TEMPLATE), exist_ok=True)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "guest_template.sh")
    state = load_state()
    own_proxy = None
    if not (state and alive(state.get("proxy"))) and port_free_tcp(PROXY_PORT):
        own_proxy = proxy_start()
    try:
        # debootstrap mounts /proc and /sys in the tree: in a mount namespace
        # of the build's own, as for the node image (build()).
        res = subprocess.run(["unshare", "--mount", "--propagation", "private", "bash", script, "trixie",
                              GUEST_TEMPLATE], check=False, stdout=subprocess.DEVNULL)
    finally:
        if own_proxy:
            stop(own_proxy)
    if res.returncode != 0:
        raise LabError(f"guest template build failed (exit {res.returncode})")
    return GUEST_TEMPLATE


def cmd_build(args):
    build(args.suite)
    build_guest_template()


def cmd_up(args):
    state = running_state()
    if state:
        say("the lab is up already (`lab.py status`; `lab.py down` to take it down)")
        return
    t0 = time.time()
    image = build(args.suite, quiet_if_cached=True)
    build_guest_template()
    for port in (*SSH_PORTS.values(), *SERIAL_PORTS.values()):
        if not port_free_tcp(port):
            raise LabError(f"127.0.0.1:{port} (tcp) is taken; the lab needs it")
    for port in REPL_PORTS.values():
        if not port_free_udp(port):
            raise LabError(f"127.0.0.1:{port} (udp) is taken; the lab needs it")
    net_check_free()
    shutil.rmtree(RUN, ignore_errors=True)
    os.makedirs(RUN)
    state = {"suite": args.suite, "image": image, "nodes": {}, "net": False,
             "link_cut": False, "started": time.time()}
    save_state(state)
    try:
        state["proxy"] = proxy_start()
        save_state(state)
        state["net"] = True
        save_state(state)
        net_up()
        for node in NODES:
            run(["truncate", "-s", DRBD_DISK_SIZE, os.path.join(RUN, f"{node}-vdb.raw")])
        state["relay"] = spawn([sys.executable, os.path.abspath(__file__), "_serial-relay"],
                               os.path.join(RUN, "serial-relay.log"))
        state["clock"] = spawn([sys.executable, os.path.abspath(__file__), "_clock-keeper"],
                               os.path.join(RUN, "clock-keeper.log"))
        save_state(state)
        if COLD:
            boot_cold(state, image)
        else:
            resume_or_boot(state, image)
        write_inventory()
    except BaseException:
        say("up failed: taking down what was started")
        down(state)
        raise
    say(f"the lab is up ({time.time() - t0:.0f} s)")
    me = os.path.relpath(os.path.abspath(__file__))
    print(f"""
  nodes:      python3 {me} ssh node1     (or node2)
              ssh -i {SSH_KEY} -p 2221 -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no root@127.0.0.1
              ssh -i {SSH_KEY} -p 2222 -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no root@127.0.0.1
  inventory:  {os.path.dirname(INVENTORY)}   (ansible -i {os.path.relpath(os.path.dirname(INVENTORY))} hapair_pairs -m ansible.builtin.ping)
  client:     python3 {me} exec-client curl -s http://10.10.10.11/
  consoles:   {RUN}/node1-console.log, node2-console.log
  take down:  python3 {me} down""")


def down(state):
    for node, proc in state.get("nodes", {}).items():
        stop(proc)
    stop(state.get("relay"))
    stop(state.get("clock"))
    stop(state.get("proxy"))
    if state.get("net"):
        net_down()
    if os.path.exists(INVENTORY):
        os.unlink(INVENTORY)
    # keep the logs of the last lab (consoles, QEMU, proxy) for a post-mortem
    logs = os.path.join(LAB, "logs")
    shutil.rmtree(logs, ignore_errors=True)
    os.makedirs(logs)
    if os.path.isdir(RUN):
        for name in os.listdir(RUN):
            if name.endswith((".log", ".out")):
                shutil.copy(os.path.join(RUN, name), logs)
    shutil.rmtree(RUN, ignore_errors=True)


def cmd_down(args):
    state = load_state()
    if not state:
        say("the lab is not up")
        return
    down(state)
    say("the lab is down (cache kept in .lab/cache)")


def cmd_status(args):
    state = load_state()
    if not state:
        say("the lab is not up")
        return 3
    print(f"suite {state['suite']}, image {state['image']}")
    for name in ("proxy", "relay", "clock"):
        p = state.get(name)
        print(f"  {name:8} {'running' if alive(p) else 'DEAD'} (pid {p['pid'] if p else '-'})")
    for node in NODES:
        p = state["nodes"].get(node)
        if not alive(p):
            st = "stopped"
        else:
            st = qmp(node, "query-status").get("status", "?")
        print(f"  {node:8} {st} (pid {p['pid'] if p else '-'}, ssh 127.0.0.1:{SSH_PORTS[node]})")
    print(f"  replication link {'CUT' if state.get('link_cut') else 'up'}")
    cut = os.path.exists(os.path.join(RUN, "serial-cut"))
    print(f"  serial line      {'CUT' if cut else 'up'}")
    return 0


def cmd_ssh(args):
    check_node(args.node)
    need_lab()
    os.execvp("ssh", ssh_cmd(args.node, *args.cmd))


def cmd_kill(args):
    check_node(args.node)
    state = need_lab()
    stop(state["nodes"].get(args.node), sig=signal.SIGKILL)
    say(f"{args.node} killed (power off); `lab.py start {args.node}` boots it again")


def cmd_start(args):
    check_node(args.node)
    state = need_lab()
    if alive(state["nodes"].get(args.node)):
        say(f"{args.node} is running already")
        return
    node_start(state, args.node)
    if args.no_wait:
        say(f"{args.node} booting")
        return
    t0 = time.time()
    wait_ssh_or_boot_again([args.node], state)
    say(f"{args.node} answers SSH ({time.time() - t0:.0f} s)")


def cmd_recover(args):  # pylint: disable=unused-argument
    """Boot again every running node whose kernel panicked since it was
    started. Exit 0 when one was, 3 when none had panicked."""
    state = need_lab()
    crashed = crashed_nodes(state)
    if not crashed:
        say("no node's kernel panicked since it was started")
        return 3
    t0 = time.time()
    boot_again(state, crashed, "its kernel panicked")
    wait_ssh_or_boot_again(crashed, state)
    wait_booted(crashed)
    say(f"{', '.join(crashed)} booted again after a kernel panic ({time.time() - t0:.0f} s)")
    return 0


def cmd_qmp_node(command, done, **arguments):
    def handler(args):
        check_node(args.node)
        state = need_lab()
        if not alive(state["nodes"].get(args.node)):
            raise LabError(f"{args.node} is not running (`lab.py start {args.node}`)")
        if command == "system_reset":
            # a new boot: a panic before the reset is not this kernel's
            mark_boot(state, args.node)
            save_state(state)
        qmp(args.node, command, **arguments)
        say(f"{args.node} {done}")
    return handler


def cmd_link(up):
    def handler(args):
        state = need_lab()
        state["link_cut"] = not up
        save_state(state)
        for node in NODES:
            if alive(state["nodes"].get(node)):
                qmp(node, "set_link", name="repl", up=up)
        say(f"replication link {'restored' if up else 'cut'}")
    return handler


def cmd_lan(up):
    """Unplug (or plug back) one node's public LAN cable (its eth2)."""
    def handler(args):
        check_node(args.node)
        state = need_lab()
        cut = set(state.get("lan_cut", []))
        (cut.discard if up else cut.add)(args.node)
        state["lan_cut"] = sorted(cut)
        save_state(state)
        if alive(state["nodes"].get(args.node)):
            qmp(args.node, "set_link", name="pub", up=up)
        say(f"{args.node}'s public LAN {'restored' if up else 'cut'}")
    return handler


def cmd_serial(up):
    def handler(args):
        need_lab()
        flag = os.path.join(RUN, "serial-cut")
        if up:
            if os.path.exists(flag):
                os.unlink(flag)
        else:
            open(flag, "w", encoding="utf-8").close()
        say(f"serial line {'restored' if up else 'cut'}")
    return handler


def cmd_exec_client(args):
    need_lab()
    if not args.cmd:
        raise LabError("exec-client needs a command, e.g. `exec-client curl -s http://10.10.10.11/`")
    os.execvp("ip", ["ip", "netns", "exec", CLIENT_NS, *args.cmd])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="lab.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_ in (("build", "build the node image (cached)"),
                        ("up", "start the proxy, networks and both nodes")):
        p = sub.add_parser(name, help=help_)
        p.add_argument("--suite", choices=SUITES, default="trixie")
        p.set_defaults(func=cmd_build if name == "build" else cmd_up)
    sub.add_parser("down", help="stop everything `up` started").set_defaults(func=cmd_down)
    sub.add_parser("status", help="what runs").set_defaults(func=cmd_status)
    p = sub.add_parser("ssh", help="ssh to a node")
    p.add_argument("node")
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_ssh)
    p = sub.add_parser("kill", help="hard kill a node (SIGKILL of its QEMU)")
    p.add_argument("node")
    p.set_defaults(func=cmd_kill)
    p = sub.add_parser("start", help="boot a killed node again on its disks")
    p.add_argument("node")
    p.add_argument("--no-wait", action="store_true", help="do not wait for SSH")
    p.set_defaults(func=cmd_start)
    sub.add_parser("recover", help="boot again the nodes whose kernel panicked (exit 3: none had)"
                   ).set_defaults(func=cmd_recover)
    for name, command, done, help_ in (
            ("restart", "system_reset", "reset", "hard reset (system_reset)"),
            ("freeze", "stop", "frozen", "stop the VM's CPU (not dead)"),
            ("thaw", "cont", "running again", "resume a frozen node")):
        p = sub.add_parser(name, help=help_)
        p.add_argument("node")
        p.set_defaults(func=cmd_qmp_node(command, done))
    sub.add_parser("cut-link", help="pull the replication cable").set_defaults(func=cmd_link(False))
    sub.add_parser("restore-link", help="plug it back").set_defaults(func=cmd_link(True))
    for name, up, help_ in (("cut-lan", False, "unplug a node from the public LAN"),
                            ("restore-lan", True, "plug it back")):
        p = sub.add_parser(name, help=help_)
        p.add_argument("node")
        p.set_defaults(func=cmd_lan(up))
    sub.add_parser("cut-serial", help="cut the serial line").set_defaults(func=cmd_serial(False))
    sub.add_parser("restore-serial", help="restore it").set_defaults(func=cmd_serial(True))
    p = sub.add_parser("exec-client", help="run a command in the client namespace")
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_exec_client)
    p = sub.add_parser("_serial-relay")
    p.set_defaults(func=lambda a: serial_relay(RUN))
    p = sub.add_parser("_clock-keeper")
    p.set_defaults(func=lambda a: clock_keeper())
    args = parser.parse_args(argv)
    # a failed or interrupted `up` cleans up, also when run in the background
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if os.geteuid() != 0:
        raise SystemExit("lab: run me as root (loop devices, taps, namespaces)")
    try:
        return args.func(args) or 0
    except LabError as e:
        print(f"lab: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
