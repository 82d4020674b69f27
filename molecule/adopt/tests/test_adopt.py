"""Taking over a pair built by hand (molecule/adopt/converge.yml built it).

In order, on the same pair: it serves as built; export.yml reads it back
into an inventory; render.yml of that inventory is compared with the
nodes' files; the refusals change nothing; site.yml --check --diff says
what would change and changes nothing; site.yml takes the pair over while a
client probes every guest every 0.5 s (no create-md, no mkfs, no full
resync, no failover, data and keys kept); a second run changes nothing; a
switchover there and back works with the collection's files.
"""
import difflib
import os
import re
import shutil

import pytest
import yaml

from adopttools import (ACTIVE, DATA, GIVEN_GUESTS, GUEST_ORDER, GUESTS, LAB_HOSTS, MINOR, PORT, RESOURCE,
                        ClientProbe, changed_tasks, playbook, recap, wait)
from labtools import http_get, node

pytestmark = pytest.mark.skipif(not os.path.exists(LAB_HOSTS), reason="the lab is not up (lab.py up)")

PEER = {"node1": "node2", "node2": "node1"}
KEYS = ("/etc/ha.d/authkeys", "/etc/csync2.key_pair")


def sent_kib(host):
    """DRBD's ns: counter (KiB sent to the peer) of the resource's minor."""
    text = host.check_output("cat /proc/drbd")
    match = re.search(r"^\s*%d: .*\n\s*ns:(\d+)" % MINOR, text, re.M)
    return int(match.group(1)) if match else None


def snapshot():
    """What an adoption must leave as it was."""
    out = {}
    for name in ("node1", "node2"):
        host = node(name)
        for path in KEYS:
            out[(name, path)] = host.check_output("sha256sum %s" % path).split()[0]
    active = node(ACTIVE)
    out["data"] = active.check_output("sha256sum %s" % DATA).split()[0]
    out["fs_uuid"] = active.check_output("blkid -o value -s UUID /dev/drbd%d" % MINOR)
    out["mounted_on"] = [n for n in ("node1", "node2") if node(n).run("findmnt -n /srv").rc == 0]
    return out


def healthy():
    for name in ("node1", "node2"):
        host = node(name)
        if host.run("drbdadm cstate %s" % RESOURCE).stdout.strip() != "Connected":
            return False
        if host.run("drbdadm dstate %s" % RESOURCE).stdout.strip() != "UpToDate/UpToDate":
            return False
    return all(http_get(address) == guest for guest, address in GUESTS.items())


@pytest.fixture(scope="module")
def given(tmp_path_factory):
    """The operator's inventory: the lab's hosts, and the guests' addresses
    and order (what no node file holds)."""
    folder = tmp_path_factory.mktemp("given")
    shutil.copy(LAB_HOSTS, folder / "hosts.yml")
    (folder / "group_vars" / "lab").mkdir(parents=True)
    (folder / "group_vars" / "lab" / "given.yml").write_text(GIVEN_GUESTS, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def exported(given, tmp_path_factory):
    folder = tmp_path_factory.mktemp("exported")
    res = playbook(str(given), "playbooks/export.yml", "-e", "export_dir=%s" % folder, "-e", "export_group=lab",
                   timeout=1200)
    print(res.stdout[-3000:], res.stderr[-2000:])
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr
    not_exported = (folder / "NOT_EXPORTED.md").read_text(encoding="utf-8")
    print(not_exported)
    # The hand-built pair keeps DRBD's default ping (10 s) with a Heartbeat
    # deadtime of 10 s: the survivor of a crash could not be promoted. The
    # export lists it; the operator fixes it, as the message says. (Once
    # taken over, the nodes have the fix and the export no longer lists it.)
    if "site.yml would refuse the exported inventory: drbd_resources[0].ping_int=10" not in not_exported:
        return folder
    drbd = folder / "group_vars" / "lab" / "drbd.yml"
    data = yaml.safe_load(drbd.read_text(encoding="utf-8"))
    data["drbd_resources"][0]["ping_int"] = 4
    drbd.write_text("---\n# ping_int set by the operator after reading NOT_EXPORTED.md\n" + yaml.safe_dump(data),
                    encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def before():
    return snapshot()


def group_vars(folder):
    out = {}
    for path in sorted((folder / "group_vars" / "lab").glob("*.yml")):
        out.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return out


def variant(exported, tmp_path_factory, name, change):
    """A copy of the exported inventory with CHANGE(group vars) applied."""
    folder = tmp_path_factory.mktemp(name)
    shutil.copytree(exported, folder, dirs_exist_ok=True)
    data = group_vars(folder)
    change(data)
    (folder / "group_vars" / "lab" / "zz-variant.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return folder


def test_hand_built_pair_serves(before):
    assert before["mounted_on"] == [ACTIVE]
    assert healthy()


def test_export_reads_the_hand_built_values(exported):
    data = group_vars(exported)
    res = data["drbd_resources"]
    assert [r["name"] for r in res] == [RESOURCE]
    assert res[0]["minor"] == MINOR and res[0]["port"] == PORT
    assert res[0]["fstype"] == "ext4" and res[0]["mountpoint"] == "/srv"
    assert data["hapair_preferred_node"] == ACTIVE
    assert [g["name"] for g in data["hapair_guests"]] == GUEST_ORDER
    assert data["heartbeat_keepalive"] == 2 and data["heartbeat_deadtime"] == 10
    assert data.get("heartbeat_authkeys_keep") is True
    # one path per link: ha.cf's line to the node's own address is not one
    assert data["heartbeat_paths"] == [{"type": "ucast", "network": "replication"},
                                       {"type": "serial", "port": "/dev/ttyS1"}]


def test_render_of_the_export_matches_the_nodes(exported, tmp_path):
    """Every file render.yml writes that the node already has: print the
    differences (the round trip of the export, read by a person)."""
    res = playbook(str(exported), "playbooks/render.yml", "-e", "render_dir=%s" % tmp_path, timeout=1200)
    assert res.returncode == 0, res.stdout[-3000:]
    differing = []
    for name in ("node1", "node2"):
        host = node(name)
        root = tmp_path / name
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            target = "/" + str(path.relative_to(root))
            remote = host.file(target)
            if not remote.exists:
                continue
            mine = path.read_text(encoding="utf-8", errors="replace").splitlines()
            theirs = remote.content_string.splitlines()
            if mine != theirs:
                differing.append("%s:%s" % (name, target))
                print("".join(difflib.unified_diff([l + "\n" for l in theirs], [l + "\n" for l in mine],
                                                   "%s:%s (node)" % (name, target), "(rendered)", n=1)))
    print("files that differ:", differing)


def test_refused_on_a_pair_that_is_not_healthy(exported, before):
    host = node(PEER[ACTIVE])
    host.check_output("drbdadm disconnect %s" % RESOURCE)
    try:
        res = playbook(str(exported), "site.yml", timeout=1800)
    finally:
        host.check_output("drbdadm connect %s" % RESOURCE)
    print(res.stdout[-4000:])
    assert res.returncode != 0
    assert "Connected" in res.stdout
    assert recap(res.stdout) and all(c.get("changed", 0) == 0 for c in recap(res.stdout).values())
    assert wait(healthy, 300)
    assert snapshot() == before


def test_refused_when_the_disks_differ(exported, before, tmp_path_factory):
    def other_disk(data):
        data["drbd_resources"][0]["disks"] = {"node1": "/dev/vdc", "node2": "/dev/vdc"}
    res = playbook(str(variant(exported, tmp_path_factory, "disks", other_disk)), "site.yml", timeout=1800)
    print(res.stdout[-4000:])
    assert res.returncode != 0
    assert "/dev/vdb" in res.stdout and "/dev/vdc" in res.stdout
    assert all(c.get("changed", 0) == 0 for c in recap(res.stdout).values())
    assert snapshot() == before


def test_refused_when_a_filesystem_would_be_made(exported, before, tmp_path_factory):
    def other_fs(data):
        data["drbd_resources"][0]["fstype"] = "ext3"
    res = playbook(str(variant(exported, tmp_path_factory, "fstype", other_fs)), "site.yml", timeout=1800)
    print(res.stdout[-4000:])
    assert res.returncode != 0
    assert "ext4" in res.stdout
    assert all(c.get("changed", 0) == 0 for c in recap(res.stdout).values())
    assert snapshot() == before


def test_check_diff_says_what_would_change_and_changes_nothing(exported, before):
    res = playbook(str(exported), "site.yml", "--check", "--diff", timeout=3600)
    print(res.stdout[-20000:])
    assert res.returncode == 0, res.stdout[-4000:]
    print("would change:", changed_tasks(res.stdout))
    assert snapshot() == before
    assert healthy()


def test_site_takes_the_pair_over_with_no_gap(exported, before):
    sent = sent_kib(node(ACTIVE))
    with ClientProbe() as probe:
        res = playbook(str(exported), "site.yml", timeout=3600)
    print(res.stdout[-6000:])
    print("client probe (every 0.5 s):", probe.report)
    assert res.returncode == 0, res.stdout[-4000:]
    after = snapshot()
    assert after == before
    resent = sent_kib(node(ACTIVE))
    print("DRBD sent during the adoption: %s KiB" % (None if resent is None else resent - sent))
    # no full resync (1 GiB), no down/up of the resource (counters reset)
    assert resent is not None and 0 <= resent - sent < 100 * 1024
    for guest, seen in probe.report.items():
        assert seen["answers"] > 0, guest
        assert seen["failed"] == 0, (guest, seen)
    assert healthy()


def test_second_run_changes_nothing(exported):
    res = playbook(str(exported), "site.yml", timeout=3600)
    assert res.returncode == 0, res.stdout[-4000:]
    print("changed:", changed_tasks(res.stdout))
    assert all(c.get("changed", 0) == 0 for c in recap(res.stdout).values()), res.stdout[-6000:]


def test_switchover_there_and_back_with_the_collections_files(exported, before):
    for target in (PEER[ACTIVE], ACTIVE):
        res = playbook(str(exported), "switchover.yml", "-e", "to=%s" % target, timeout=1800)
        assert res.returncode == 0, res.stdout[-4000:]
        assert wait(lambda: node(target).run("findmnt -n /srv").rc == 0, 300)
        assert wait(healthy, 300)
    assert node(ACTIVE).check_output("sha256sum %s" % DATA).split()[0] == before["data"]
