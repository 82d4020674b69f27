"""The guest-net helper of roles/vserver_host, in network namespaces of its own.

A private "node" namespace (unshare --net --mount) holds the node's public
interface eth2, two "guests" (each its own namespace with a veth pair
host0 / ve-NAME, as systemd-nspawn makes it) and a "client" on the LAN side
of eth2. machinectl is faked to give each guest's leader PID. No traffic
leaves these namespaces. Needs root, unshare, nsenter, ip and socat.
"""
import os
import shutil
import subprocess

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
HELPER = os.path.join(TOP, "roles", "vserver_host", "files", "guest-net")

FAKE_MACHINECTL = """#!/bin/sh
# machinectl show NAME --property=Leader --value
case "$2" in web1) echo "$WEB1" ;; web2) echo "$WEB2" ;; esac
"""

SCENARIO = r"""
set -eu
mount -t sysfs sysfs /sys
ip link set lo up
ip link add eth2 type veth peer name lanc
ip addr add 10.10.10.2/24 dev eth2
ip link set eth2 up
unshare --net sleep 60 & client=$!
unshare --net sleep 60 & WEB1=$!
unshare --net sleep 60 & WEB2=$!
export WEB1 WEB2
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
sleep 0.3
ip link set lanc netns $client
nsenter -t $client -n ip addr add 10.10.10.250/24 dev lanc
nsenter -t $client -n ip link set lanc up
ip link add ve-web1 type veth peer name host0 netns $WEB1
ip link add ve-web2 type veth peer name host0 netns $WEB2
"$HELPER" up web1 10.10.10.11/24 eth2
"$HELPER" up web2 10.10.10.12/24 eth2
nsenter -t $WEB1 -n socat -T5 TCP-LISTEN:80,reuseaddr,fork SYSTEM:"echo hello from web1" &
nsenter -t $WEB2 -n socat -T5 TCP-LISTEN:80,reuseaddr,fork SYSTEM:"echo hello from web2" &
sleep 0.5
echo "client .11: $(nsenter -t $client -n socat -T3 - TCP:10.10.10.11:80 </dev/null)"
echo "client .12: $(nsenter -t $client -n socat -T3 - TCP:10.10.10.12:80 </dev/null)"
echo "node .11: $(socat -T3 - TCP:10.10.10.11:80 </dev/null)"
echo "web1 .12: $(nsenter -t $WEB1 -n socat -T3 - TCP:10.10.10.12:80 </dev/null)"
echo "node mac: $(cat /sys/class/net/eth2/address)"
nsenter -t $client -n ip neigh show dev lanc | sed 's/^/client neigh: /'
"$HELPER" down web1 10.10.10.11/24 eth2
echo "after down: $(ip route show 10.10.10.11/32 | wc -l) $(ip neigh show proxy | grep -c 10.10.10.11 || true)"
"""


def missing_tools():
    if os.geteuid() != 0:
        return "needs root"
    for tool in ("unshare", "nsenter", "ip", "socat"):
        if not shutil.which(tool):
            return "needs %s" % tool
    probe = subprocess.run(["unshare", "--net", "--mount", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        return "cannot make namespaces here"
    return None


def test_two_guests_on_port_80_reached_through_the_node(tmp_path):
    # The tests run as root after scripts/setup.sh (CI too): a missing tool
    # or namespace support fails the test instead of skipping it.
    missing = missing_tools()
    if missing is not None:
        pytest.fail("this test %s: run it as root after scripts/setup.sh" % missing, pytrace=False)
    machinectl = tmp_path / "machinectl"
    machinectl.write_text(FAKE_MACHINECTL)
    machinectl.chmod(0o755)
    env = dict(os.environ, HELPER=HELPER,
               PATH="%s:%s" % (tmp_path, os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")))
    proc = subprocess.run(["unshare", "--net", "--mount", "bash", "-c", SCENARIO],
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    out = dict(line.split(": ", 1) for line in lines if ": " in line and not line.startswith("client neigh"))
    assert out["client .11"] == "hello from web1"
    assert out["client .12"] == "hello from web2"
    assert out["node .11"] == "hello from web1"
    assert out["web1 .12"] == "hello from web2"
    # The client reaches both guest addresses at the node's own MAC (proxy ARP).
    neigh = [line.split(": ", 1)[1].split() for line in lines if line.startswith("client neigh: ")]
    for address in ("10.10.10.11", "10.10.10.12"):
        assert [address, "lladdr", out["node mac"]] in [entry[:3] for entry in neigh], neigh
    assert out["after down"] == "0 0"
