"""Time to create and start one guest: method template against debootstrap.

Run as root with the lab up and the pair built (scripts/lab.sh):
    .venv/bin/python benchmarks/guest_create.py [--template-only]
On the node that holds the guests' filesystem, module hapair.cluster.vserver
creates a guest (state: started) with each method, then the client in the
lab's namespace waits until the guest answers an ICMP echo at its address; the guest
is removed afterwards (state: absent, purge). Printed per method: the module
call, the wait for the guest's address, the total, and the cost of one
module call that does nothing (ping), measured in the same run, so that the
collection's own share is apart from Ansible's and the emulator's.
Target: under 30 s with the template (on real hardware; the lab is TCG).
debootstrap needs the package on the node: installed first, not timed.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "molecule", "default", "tests"))
from labtools import ansible_module, holder_or_exit, lab  # noqa: E402

NAME = "benchguest"
ADDRESS = "10.10.10.61"
# The lab's nodes reach Debian only through the package proxy on the host
# (apt-cacher-ng, its /debian remapped to the mirror): debootstrap's mirror.
GUEST = {"name": NAME, "address": ADDRESS + "/24", "interface": "eth2", "suite": "trixie",
         "root": "/srv/vservers", "template_dir": "/var/cache/hapair/templates",
         "mirror": "http://10.0.2.100:3142/debian"}
ANSWER_BOUND = 300


def timed_module(node, module, args, timeout=3600):
    start = time.time()
    rc, result = ansible_module(node, module, args, timeout=timeout)
    took = time.time() - start
    if rc != 0:
        sys.exit("%s %s failed after %.0f s: %s" % (module, args.get("state", ""), took, result))
    return took


# One ICMP echo from the client namespace, answered within a second (a raw
# socket in Python: the host need not have ping).
ECHO = (
    "import socket, struct, sys, time\n"
    "def csum(b):\n"
    "    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))\n"
    "    t = (t >> 16) + (t & 0xffff)\n"
    "    return ~(t + (t >> 16)) & 0xffff\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)\n"
    "s.settimeout(1)\n"
    "body = struct.pack('!HH', 0x4850, 1) + b'hapair'\n"
    "s.sendto(struct.pack('!BBH', 8, 0, csum(struct.pack('!BBH', 8, 0, 0) + body)) + body, (sys.argv[1], 0))\n"
    "end = time.time() + 1\n"
    "while time.time() < end:\n"
    "    try:\n"
    "        data, peer = s.recvfrom(1024)\n"
    "    except socket.timeout:\n"
    "        break\n"
    "    if peer[0] == sys.argv[1] and data[(data[0] & 15) * 4] == 0:\n"
    "        sys.exit(0)\n"
    "sys.exit(1)\n"
)


def answers():
    res = lab("exec-client", "python3", "-c", ECHO, ADDRESS, timeout=15)
    return res.returncode == 0


def remove(node):
    timed_module(node, "hapair.cluster.vserver", dict(GUEST, state="stopped"))
    timed_module(node, "hapair.cluster.vserver",
                 {"name": NAME, "root": GUEST["root"], "state": "absent", "purge": True})


def create(node, method):
    call = timed_module(node, "hapair.cluster.vserver", dict(GUEST, method=method, state="started"))
    start = time.time()
    while not answers():
        if time.time() - start > ANSWER_BOUND:
            sys.exit("%s: the guest did not answer at %s within %d s" % (method, ADDRESS, ANSWER_BOUND))
        time.sleep(0.5)
    return call, time.time() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template-only", action="store_true", help="skip debootstrap (about 12 min under TCG)")
    args = parser.parse_args()
    node = holder_or_exit()
    if answers():
        sys.exit("%s answers already: pick a free address in benchmarks/guest_create.py" % ADDRESS)
    methods = ["template"] + ([] if args.template_only else ["debootstrap"])
    if "debootstrap" in methods:
        timed_module(node, "ansible.builtin.apt", {"name": "debootstrap", "state": "present"})
    overhead = min(timed_module(node, "ansible.builtin.ping", {}) for _ in range(3))
    print("on %s; one module call that does nothing: %.1f s; load %.2f" % (node, overhead, os.getloadavg()[0]))
    totals = {}
    for method in methods:
        try:
            call, wait = create(node, method)
        finally:
            remove(node)
        totals[method] = call + wait
        print("%-11s module %.1f s (of which Ansible's own call about %.1f s), address answers %.1f s later: "
              "%.1f s in all; load %.2f" % (method, call, overhead, wait, call + wait, os.getloadavg()[0]), flush=True)
    if len(totals) == 2:
        print("template / debootstrap: %.2f" % (totals["template"] / totals["debootstrap"]))


if __name__ == "__main__":
    main()
