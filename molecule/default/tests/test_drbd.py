"""DRBD after site.yml: mirrored, formatted, and guarded against data loss."""
import pytest

from labtools import (FULL, NODES, RESOURCE, ansible_module, drbd_state, holder, lab, node, this, uptodate_pair,
                      wait_for)

testinfra_hosts = list(NODES)


def test_resource_connected_and_uptodate_on_both(host):
    state = drbd_state(host)
    assert state["cstate"] == "Connected", state
    assert state["dstate"] == "UpToDate/UpToDate", state


def test_one_primary_at_most(host):
    roles = [drbd_state(node(name))["role"] for name in NODES]
    assert sum(r.startswith("Primary/") for r in roles) <= 1, roles


def test_filesystem_of_the_inventory_type(host):
    """The Primary's /dev/drbd0 holds ext3 (the inventory's fstype)."""
    if not drbd_state(host)["role"].startswith("Primary/"):
        pytest.skip("read on the Primary")
    assert host.check_output("blkid -p -s TYPE -o value /dev/drbd0") == "ext3"


def test_no_resource_left_owed_its_filesystem(host):
    """The mark the role keeps from the forced initial sync until the
    filesystem exists is gone once site.yml has run."""
    assert not host.file(f"/var/lib/drbd/hapair-{RESOURCE}.needs-filesystem").exists


def test_module_not_mounted_or_promoted_at_boot(host):
    """Heartbeat owns promotion and mounting: no fstab line, drbd.service off."""
    assert "/dev/drbd" not in host.file("/etc/fstab").content_string
    assert not host.service("drbd").is_enabled
    assert "drbd" in host.file("/etc/modules-load.d/drbd.conf").content_string \
        or host.run("grep -rqs '^drbd' /etc/modules-load.d/").rc == 0


SIG_RES = "sigtest"
SIG_CONF = """resource sigtest {
  on node1 { device /dev/drbd9 minor 9; disk %(dev)s; address 192.168.1.1:7799; meta-disk internal; }
  on node2 { device /dev/drbd9 minor 9; disk %(dev)s; address 192.168.1.2:7799; meta-disk internal; }
}
"""


def test_create_md_refused_on_a_disk_with_a_filesystem(host):
    """A backing disk with an ext4 and a file on it: refused, file intact."""
    if this(host) != "node1":
        pytest.skip("once, on node1")
    img = "/root/sigtest.img"
    dev = host.check_output(
        f"truncate -s 64M {img} && mkfs.ext4 -q -F {img} && mkdir -p /mnt/sigtest && "
        f"mount -o loop {img} /mnt/sigtest && echo precious > /mnt/sigtest/data && "
        f"umount /mnt/sigtest && losetup -f --show {img}")
    try:
        host.check_output(f"cat > /etc/drbd.d/{SIG_RES}.res <<'EOT'\n{SIG_CONF % {'dev': dev}}EOT")
        rc, result = ansible_module("node1", "hapair.cluster.drbd_resource",
                                    {"name": SIG_RES, "state": "present"})
        assert rc != 0, result
        assert result.get("failed"), result
        assert dev in result["msg"] and "ext4" in result["msg"], result["msg"]
        # A device other than the one the resource file names (the real DRBD
        # disk here): refused before any step, naming both.
        rc, result = ansible_module("node1", "hapair.cluster.drbd_resource",
                                    {"name": SIG_RES, "state": "present", "device": "/dev/vdb"})
        assert rc != 0 and result.get("failed"), result
        assert "device=/dev/vdb" in result["msg"] and dev in result["msg"], result["msg"]
        check = host.run(f"drbdadm dump-md {SIG_RES}")
        assert "No valid meta data found" in check.stdout + check.stderr
        host.check_output(f"mount -o ro {dev} /mnt/sigtest")
        try:
            assert host.file("/mnt/sigtest/data").content_string == "precious\n"
        finally:
            host.run("umount /mnt/sigtest")
    finally:
        host.run(f"rm -f /etc/drbd.d/{SIG_RES}.res; losetup -d {dev}; rm -f {img}")


# The cluster stack's command (the pair model's stack.command).
STACK = "/usr/local/lib/hapair/hapair-stack"


@pytest.mark.skipif(not FULL, reason="slow: molecule test -s full")
def test_data_written_on_one_node_is_read_on_the_other():
    """Write on the Primary, switch the resource by hand, read on the peer.

    Heartbeat owns the resource group; the switch goes through it, by the
    stack's command (hapair-stack standby, that is hb_standby), so that the
    cluster state stays consistent, then back.
    """
    one, two = node("node1"), node("node2")
    active = one if drbd_state(one)["role"].startswith("Primary/") else two
    assert drbd_state(active)["role"].startswith("Primary/")
    marker = active.check_output("head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \\n'")
    active.check_output(f"echo {marker} > /srv/drbd-test && sync")
    passive = two if active is one else one
    owner = holder()
    active.check_output(STACK + " standby")
    try:
        moved = wait_for(lambda: holder() not in (None, owner) and holder(), 420)
        assert moved, "the group did not move"
        assert passive.file("/srv/drbd-test").content_string.strip() == marker
    finally:
        passive.check_output(STACK + " standby")
        back = wait_for(lambda: holder() == owner, 420)
        assert back, "the group did not come back"


SYNC_RES = "synctest"
SYNC_CONF = """resource synctest {
  disk { resync-rate 2M; c-plan-ahead 0; }
  on node1 { device /dev/drbd8 minor 8; disk %(dev)s; address 192.168.1.1:7798; meta-disk internal; }
  on node2 { device /dev/drbd8 minor 8; disk %(dev)s; address 192.168.1.2:7798; meta-disk internal; }
}
"""
SYNC_IMG = "/root/synctest.img"
CUT_STATES = ("WFConnection", "StandAlone", "Connecting")


def _synctest_state(name):
    return drbd_state(node(name), SYNC_RES)


@pytest.mark.skipif(not FULL, reason="slow: molecule test -s full")
def test_link_cut_during_initial_sync_resumes_and_completes(host):
    """Two blank loop disks (their own resource on the replication link, a
    slow resync rate so that the cut lands mid-sync): the module starts the
    initial sync, the link is cut and restored, the sync resumes and ends
    UpToDate/UpToDate; a second run of the module forces nothing."""
    if this(host) != "node1":
        pytest.skip("once, for both nodes")
    devs = {}
    for name in NODES:
        devs[name] = node(name).check_output(
            f"rm -f {SYNC_IMG} && truncate -s 192M {SYNC_IMG} && losetup -f --show {SYNC_IMG}")
    try:
        for name in NODES:
            node(name).check_output(
                f"cat > /etc/drbd.d/{SYNC_RES}.res <<'EOT'\n{SYNC_CONF % {'dev': devs[name]}}EOT")
        for state in ("present", "up"):
            for name in NODES:
                rc, result = ansible_module(name, "hapair.cluster.drbd_resource",
                                            {"name": SYNC_RES, "state": state})
                assert rc == 0, result
        rc, result = ansible_module("node1", "hapair.cluster.drbd_resource",
                                    {"name": SYNC_RES, "state": "primary", "initial_sync_primary": True,
                                     "wait_connected": True, "timeout": 120})
        assert rc == 0 and result.get("forced"), result
        assert wait_for(lambda: _synctest_state("node1")["cstate"] == "SyncSource", 60, 1), \
            _synctest_state("node1")
        assert lab("cut-link").returncode == 0
        try:
            cut = wait_for(lambda: _synctest_state("node2")["cstate"] in CUT_STATES, 60, 1)
            assert cut, _synctest_state("node2")
            assert _synctest_state("node2")["dstate"].startswith("Inconsistent/"), _synctest_state("node2")
        finally:
            assert lab("restore-link").returncode == 0
        done = wait_for(lambda: _synctest_state("node2")["dstate"] == "UpToDate/UpToDate", 300, 2)
        assert done, _synctest_state("node2")
        rc, result = ansible_module("node1", "hapair.cluster.drbd_resource",
                                    {"name": SYNC_RES, "state": "primary", "initial_sync_primary": True})
        assert rc == 0 and not result.get("changed") and not result.get("forced"), result
    finally:
        for name in NODES:
            node(name).run(f"drbdadm down {SYNC_RES}; rm -f /etc/drbd.d/{SYNC_RES}.res; "
                           f"losetup -d {devs.get(name, '/dev/null')}; rm -f {SYNC_IMG}")
        assert wait_for(uptodate_pair, 300, 5)
