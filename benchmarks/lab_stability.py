"""Cold boots and DRBD initial syncs per emulator setting: crashes and times.

Run as root from the repository root, with no lab up:
    .venv/bin/python benchmarks/lab_stability.py [--cycles N] SETTING...
A SETTING is QEMU:VCPUS, QEMU being `host` (Debian 12's qemu-system-x86_64)
or `bpo` (bookworm-backports', unpacked by scripts/qemu_backports.sh into
.lab/qemu-bpo, which this runs when it is missing), e.g. `host:1 bpo:2`.

The settings take turns, cycle by cycle, so that the machine's load weighs
on each alike. One cycle of one setting:
  1. `lab.py up` with HAPAIR_LAB_COLD=1: both nodes boot cold through GRUB,
     no saved booted state;
  2. a DRBD resource of the lab's whole second disk (1 GiB) on both nodes
     over the replication link, node1 forced Primary: the initial sync,
     timed from the forced Primary until UpToDate/UpToDate;
  3. the consoles read for kernel trouble (a panic, an oops, a BUG, a double
     fault), then `lab.py down`.
Prints one line per cycle and a table per setting: boots and syncs that
completed, kernel crashes, median boot and sync times, the machine's load.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAB = os.path.join(TOP, "tests", "lab", "lab.py")
RUN = os.path.join(os.environ.get("HAPAIR_LAB_DIR", os.path.join(TOP, ".lab")), "run")
BPO = os.path.join(TOP, ".lab", "qemu-bpo")
NODES = ("node1", "node2")
SYNC_TIMEOUT = 900
# What a console shows when the kernel is in trouble.
TROUBLE = re.compile(r"Kernel panic|Oops|BUG: |double fault|general protection fault")
CONFIG = """global { usage-count no; }
resource stability {
  protocol C;
  device /dev/drbd9;
  disk /dev/vdb;
  meta-disk internal;
  on node1 { address 192.168.1.1:7799; }
  on node2 { address 192.168.1.2:7799; }
}
"""


def setting_env(setting):
    qemu, _, vcpus = setting.partition(":")
    env = dict(os.environ, HAPAIR_LAB_COLD="1", HAPAIR_LAB_SMP=vcpus or "1")
    env.pop("HAPAIR_LAB_QEMU", None)
    env.pop("HAPAIR_LAB_QEMU_DATA", None)
    if qemu == "bpo":
        if not os.path.exists(os.path.join(BPO, "usr", "bin", "qemu-system-x86_64")):
            subprocess.run(["bash", os.path.join(TOP, "scripts", "qemu_backports.sh")], check=True)
        env["HAPAIR_LAB_QEMU"] = os.path.join(BPO, "usr", "bin", "qemu-system-x86_64")
        env["HAPAIR_LAB_QEMU_DATA"] = os.path.join(BPO, "datadir")
    elif qemu != "host":
        raise SystemExit(f"unknown setting {setting}: QEMU is host or bpo")
    version = subprocess.run([env.get("HAPAIR_LAB_QEMU", "qemu-system-x86_64"), "--version"],
                             capture_output=True, text=True, check=True).stdout.split("\n")[0]
    return env, version


def lab(env, *args, timeout=1200):
    return subprocess.run([sys.executable, LAB, *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def on(env, node, command, timeout=120):
    res = lab(env, "ssh", node, command, timeout=timeout)
    if res.returncode != 0:
        raise RuntimeError(f"{node}: {command}: {res.stdout}{res.stderr}")
    return res.stdout


def initial_sync(env):
    """Seconds from the forced Primary until UpToDate/UpToDate."""
    for i, node in enumerate(NODES, 1):
        on(env, node, f"ip link set eth1 up && ip addr replace 192.168.1.{i}/24 dev eth1 && "
                      f"cat > /etc/hapair-stability.conf <<'EOF'\n{CONFIG}EOF\n"
                      "modprobe drbd && drbdadm -c /etc/hapair-stability.conf create-md --force stability "
                      "&& drbdadm -c /etc/hapair-stability.conf up stability")
    t0 = time.time()
    on(env, "node1", "drbdadm -c /etc/hapair-stability.conf primary --force stability")
    while time.time() - t0 < SYNC_TIMEOUT:
        state = on(env, "node1", "cat /proc/drbd")
        if "ds:UpToDate/UpToDate" in state:
            return time.time() - t0
        time.sleep(2)
    raise RuntimeError(f"no UpToDate/UpToDate within {SYNC_TIMEOUT} s: {state}")


def console_trouble():
    found = {}
    for node in NODES:
        try:
            with open(os.path.join(RUN, f"{node}-console.log"), encoding="utf-8", errors="replace") as f:
                lines = [line.strip() for line in f if TROUBLE.search(line)]
        except OSError:
            lines = []
        if lines:
            found[node] = lines
    return found


def cycle(setting, env):
    result = {"setting": setting, "boot": None, "sync": None, "trouble": {}, "error": "",
              "load": os.getloadavg()[0]}
    t0 = time.time()
    try:
        up = lab(env, "up")
        if up.returncode != 0:
            result["error"] = "up failed: " + (up.stdout + up.stderr).strip().splitlines()[-1]
            return result
        result["boot"] = time.time() - t0
        result["sync"] = initial_sync(env)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        result["error"] = str(e).strip().splitlines()[-1][:200]
    finally:
        result["trouble"] = console_trouble()
        lab(env, "down")
    return result


def median(values):
    return f"{statistics.median(values):.0f}" if values else "-"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("settings", nargs="+")
    args = parser.parse_args()
    envs = {s: setting_env(s) for s in args.settings}
    if lab(envs[args.settings[0]][0], "status").stdout.find("not up") < 0:
        raise SystemExit("a lab is up: take it down first (`lab.py down`)")
    results = []
    for n in range(1, args.cycles + 1):
        for setting in args.settings:
            r = cycle(setting, envs[setting][0])
            results.append(r)
            trouble = "; ".join(f"{node}: {lines[0]}" for node, lines in r["trouble"].items())
            print(f"cycle {n:2} {setting:7} boot {r['boot'] or 0:5.0f} s  sync {r['sync'] or 0:5.0f} s  "
                  f"load {r['load']:4.2f}  {'KERNEL: ' + trouble if trouble else 'no kernel trouble'}"
                  f"{'  ERROR: ' + r['error'] if r['error'] else ''}", flush=True)
    print(f"\n{'setting':8} {'QEMU':48} {'boots':>5} {'syncs':>5} {'crashes':>7} "
          f"{'boot s':>6} {'sync s':>6} {'load':>5}")
    for setting in args.settings:
        mine = [r for r in results if r["setting"] == setting]
        boots = [r["boot"] for r in mine if r["boot"] is not None]
        syncs = [r["sync"] for r in mine if r["sync"] is not None]
        crashes = sum(1 for r in mine if r["trouble"])
        load = statistics.mean(r["load"] for r in mine)
        print(f"{setting:8} {envs[setting][1][:48]:48} {len(boots):>2}/{len(mine):<2} {len(syncs):>2}/{len(mine):<2} "
              f"{crashes:>7} {median(boots):>6} {median(syncs):>6} {load:5.2f}")


if __name__ == "__main__":
    main()
