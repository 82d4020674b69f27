"""Module hapair.cluster.pair_status and its parsers, on a fake node.

FakeNode answers cl_status, drbdadm and systemctl like a node of the pair
would; /boot, GRUB's files, ha.cf, /proc/mounts and /proc/drbd are files
under tmp_path.
"""
import json
import os

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.hapair.cluster.plugins.module_utils import drbd as drbd_utils
from ansible_collections.hapair.cluster.plugins.module_utils import pair_status as utils
from ansible_collections.hapair.cluster.plugins.modules import pair_status

UUID = "0f3c1d2e"
OLD = "6.1.0-9-amd64"
NEW = "6.1.0-18-amd64"

GRUB_CFG = """\
### BEGIN /etc/grub.d/00_header ###
if [ "${next_entry}" ] ; then
   set default="${next_entry}"
   set next_entry=
   save_env next_entry
   set boot_once=true
else
   set default="${saved_entry}"
fi
### BEGIN /etc/grub.d/10_linux ###
menuentry 'Debian GNU/Linux' --class debian --class gnu-linux $menuentry_id_option 'gnulinux-simple-%(u)s' {
\tload_video
\tlinux\t/boot/vmlinuz-%(new)s root=UUID=%(u)s ro quiet
\tinitrd\t/boot/initrd.img-%(new)s
}
submenu 'Advanced options for Debian GNU/Linux' $menuentry_id_option 'gnulinux-advanced-%(u)s' {
\tmenuentry 'Debian GNU/Linux, with Linux %(new)s' --class debian $menuentry_id_option 'gnulinux-%(new)s-advanced-%(u)s' {
\t\tif [ x$feature_all_video_module = xy ]; then
\t\t\tinsmod all_video
\t\tfi
\t\tlinux\t/boot/vmlinuz-%(new)s root=UUID=%(u)s ro quiet
\t}
\tmenuentry 'Debian GNU/Linux, with Linux %(new)s (recovery mode)' --class debian $menuentry_id_option 'gnulinux-%(new)s-recovery-%(u)s' {
\t\tlinux\t/boot/vmlinuz-%(new)s root=UUID=%(u)s ro single
\t}
\tmenuentry 'Debian GNU/Linux, with Linux %(old)s' --class debian $menuentry_id_option 'gnulinux-%(old)s-advanced-%(u)s' {
\t\tlinux\t/boot/vmlinuz-%(old)s root=UUID=%(u)s ro quiet
\t}
}
menuentry 'UEFI Firmware Settings' $menuentry_id_option 'uefi-firmware' {
\tfwsetup
}
""" % dict(u=UUID, new=NEW, old=OLD)

PROC_DRBD_OK = """\
version: 8.4.11 (api:1/proto:86-101)
srcversion: 2AB5A4D3E3E4C6D1C1F1B11
 0: cs:Connected ro:%s/%s ds:UpToDate/UpToDate C r-----
    ns:1024 nr:0 dw:1024 dr:2048 al:1 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0
"""

PROC_DRBD_SYNC = """\
version: 8.4.11 (api:1/proto:86-101)
 0: cs:SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent C r-----
    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:800000
\t[===>................] sync'ed: 22.6% (780/1000)M
\tfinish: 0:00:08 speed: 98,000 (98,000) K/sec
"""


def entry(release, kind="advanced"):
    return "gnulinux-advanced-%s>gnulinux-%s-%s-%s" % (UUID, release, kind, UUID)


# -- parsers --------------------------------------------------------------

def test_kernel_order_is_numeric():
    releases = ["6.1.0-18-amd64", "6.1.0-9-amd64", "6.12.6-amd64", "5.10.0-30-amd64"]
    assert sorted(releases, key=utils.kernel_sort_key) == [
        "5.10.0-30-amd64", "6.1.0-9-amd64", "6.1.0-18-amd64", "6.12.6-amd64"]


def test_grub_cfg_entries_and_the_entry_of_a_kernel():
    entries = utils.parse_grub_cfg(GRUB_CFG)
    paths = [e["path"] for e in entries]
    assert paths[0] == "gnulinux-simple-%s" % UUID
    assert entry(NEW) in paths and entry(OLD) in paths and "uefi-firmware" in paths
    recovery = [e for e in entries if e["recovery"]]
    assert [e["path"] for e in recovery] == [entry(NEW, "recovery")]
    # not the "simple" entry (it follows the newest kernel), not recovery
    assert utils.entry_for_kernel(entries, NEW) == entry(NEW)
    assert utils.entry_for_kernel(entries, OLD) == entry(OLD)
    assert utils.entry_for_kernel(entries, "6.1.0-1-amd64") is None


def test_grub_cfg_without_submenu_or_ids():
    text = "menuentry 'Debian, with Linux %s' {\n  linux /vmlinuz-%s root=/dev/vda ro\n}\n" % (OLD, OLD)
    entries = utils.parse_grub_cfg(text)
    assert utils.entry_for_kernel(entries, OLD) == "Debian, with Linux %s" % OLD


def test_grub_title_with_quote():
    text = "menuentry 'It'\\''s %s' --id x-%s {\n linux /boot/vmlinuz-%s\n}\n" % (OLD, OLD, OLD)
    entries = utils.parse_grub_cfg(text)
    assert entries[0]["title"] == "It's %s" % OLD and entries[0]["path"] == "x-%s" % OLD


def test_grubenv_and_default_grub():
    env = utils.parse_grubenv("# GRUB Environment Block\nsaved_entry=%s\nnext_entry=\n####\n" % entry(OLD))
    assert env["saved_entry"] == entry(OLD) and env["next_entry"] == ""
    values = utils.parse_default_grub([
        'GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\n',
        "# drop-in\nGRUB_DEFAULT=saved\n",
        "export GRUB_SAVEDEFAULT='true' # comment\n",
    ])
    assert values["GRUB_DEFAULT"] == "saved"
    assert values["GRUB_SAVEDEFAULT"] == "true"
    assert values["GRUB_CMDLINE_LINUX_DEFAULT"] == "quiet"


def test_ha_cf_and_mounts():
    ha = utils.parse_ha_cf("# x\nnode a\nnode b # c\nauto_failback off\ncrm no\n")
    assert ha == dict(auto_failback="off", nodes=["a", "b"])
    mounts = utils.parse_mounts("/dev/vda / ext4 rw 0 0\n/dev/drbd0 /srv ext3 rw 0 0\n")
    assert mounts["/srv"] == "/dev/drbd0"
    typed = utils.parse_mounts("/dev/drbd0 /srv\\040data ext3 rw 0 0\n", with_type=True)
    assert typed == {"/srv data": ("/dev/drbd0", "ext3")}


def test_backing_devices_are_the_minors_slaves(tmp_path, monkeypatch):
    monkeypatch.setitem(utils.PATHS, "sys_block", str(tmp_path))
    (tmp_path / "drbd3" / "slaves" / "vdb").mkdir(parents=True)
    (tmp_path / "drbd3" / "slaves" / "dm-1").mkdir()
    assert utils.backing_devices(3) == ["/dev/dm-1", "/dev/vdb"]
    assert utils.backing_devices(0) == []
    assert utils.backing_devices(None) == []


def test_disks_are_resolved_on_the_node(tmp_path):
    real = tmp_path / "vdb"
    real.write_text("")
    link = tmp_path / "by-id"
    link.symlink_to(real)
    found = utils.resolve_disks({"node1": str(link), "node2": str(tmp_path / "gone"), "node3": None})
    assert found == {str(link): str(real), str(tmp_path / "gone"): None}


# -- the module on a fake node ------------------------------------------------

class FakeNode:
    """One node: Heartbeat, DRBD, guests, Mon, as its tools tell them."""

    def __init__(self, name="apollo12", peer="apollo13", role="Primary"):
        self.name = name
        self.peer = peer
        self.hb_running = True
        self.hb_enabled = True
        self.rsc = "all" if role == "Primary" else "none"
        self.nodes = {name: "active", peer: "active"}
        self.links = {"eth1": "up", "/dev/ttyS0": "up"}
        self.role = role
        self.peer_role = "Secondary" if role == "Primary" else "Primary"
        self.drbd_loaded = True
        self.cstate = "Connected"
        self.dstate = "UpToDate/UpToDate"
        self.active = set(["mon.service"] if role == "Primary" else [])
        self.calls = []

    def run_command(self, argv, **kwargs):
        argv = list(argv)
        self.calls.append(argv)
        prog = os.path.basename(argv[0])
        if prog == "cl_status":
            return self.cl_status(argv[1:])
        if prog == "drbdadm":
            return self.drbdadm(argv[1:])
        if prog == "systemctl":
            verb, unit = argv[1], argv[2]
            if verb == "is-enabled":
                return (0, "enabled\n", "") if self.hb_enabled else (1, "disabled\n", "")
            if verb == "is-active":
                return (0, "active\n", "") if unit in self.active else (3, "inactive\n", "")
        raise AssertionError("unexpected command %r" % argv)

    def cl_status(self, args):
        if not self.hb_running:
            return 1, "Heartbeat is stopped on this machine.\n", ""
        sub = args[0]
        if sub == "hbstatus":
            return 0, "Heartbeat is running on this machine.\n", ""
        if sub == "rscstatus":
            return 0, self.rsc + "\n", ""
        if sub == "listnodes":
            return 0, "".join(n + "\n" for n in self.nodes), ""
        if sub == "nodestatus":
            return (0 if self.nodes[args[1]] == "active" else 1), self.nodes[args[1]] + "\n", ""
        if sub == "listhblinks":
            return 0, "".join("\t%s\n" % link for link in self.links), ""
        if sub == "hblinkstatus":
            state = self.links[args[2]]
            return (0 if state == "up" else 1), state + "\n", ""
        raise AssertionError("unexpected cl_status %r" % args)

    def drbdadm(self, args):
        if not self.drbd_loaded:
            return 10, "", "Missing kernel module\n"
        verb = args[0]
        if verb == "role":
            return 0, "%s/%s\n" % (self.role, self.peer_role), ""
        if verb == "cstate":
            return 0, self.cstate + "\n", ""
        if verb == "dstate":
            return 0, self.dstate + "\n", ""
        if verb == "sh-minor":
            return 0, "0\n", ""
        raise AssertionError("unexpected drbdadm %r" % args)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def tree(tmp_path, monkeypatch):
    root = tmp_path
    paths = dict(
        proc_mounts=root / "proc/mounts",
        boot=root / "boot",
        grubenv=root / "boot/grub/grubenv",
        grub_cfg=root / "boot/grub/grub.cfg",
        default_grub=root / "etc/default/grub",
        default_grub_d=root / "etc/default/grub.d",
        ha_cf=root / "etc/ha.d/ha.cf",
    )
    for key, path in paths.items():
        monkeypatch.setitem(utils.PATHS, key, str(path))
    write(paths["proc_mounts"], "/dev/vda / ext4 rw 0 0\n/dev/drbd0 /srv ext3 rw 0 0\n")
    for release in (OLD, NEW):
        write(paths["boot"] / ("vmlinuz-" + release), "")
    write(paths["grub_cfg"], GRUB_CFG)
    write(paths["grubenv"], "# GRUB Environment Block\nsaved_entry=%s\n####\n" % entry(OLD))
    write(paths["default_grub"], "GRUB_DEFAULT=0\n")
    write(paths["default_grub_d"] / "zz-hapair-saved-default.cfg", "GRUB_DEFAULT=saved\nGRUB_SAVEDEFAULT=false\n")
    write(paths["ha_cf"], "node apollo12\nnode apollo13\nauto_failback off\n")
    write(root / "proc/drbd", PROC_DRBD_OK % ("Primary", "Secondary"))
    monkeypatch.setattr(drbd_utils, "PROC_DRBD", str(root / "proc/drbd"))
    monkeypatch.setattr(utils, "uname", lambda: ("apollo12", OLD))
    (root / "events").mkdir()
    return root


EVENT_DIR = [None]


@pytest.fixture
def node(tree, monkeypatch):
    EVENT_DIR[0] = str(tree / "events")
    fake = FakeNode()
    monkeypatch.setattr(basic.AnsibleModule, "run_command", lambda self, argv, **kw: fake.run_command(argv, **kw))
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path",
                        lambda self, name, required=False, opt_dirs=None: None if name in ("dkms", "vserver") else "/usr/bin/" + name)
    return fake


ARGS = dict(
    resources=[dict(name="clusterdr", minor=0, mountpoint="/srv", disks={"apollo12": "/dev/sda11"}, port=7791)],
    guests=["hubble"],
    peer="apollo13",
)


def run_module(capsys, args, check_mode=False):
    args = dict(args)
    args.setdefault("event_dir", EVENT_DIR[0])
    if check_mode:
        args["_ansible_check_mode"] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            pair_status.main()
    return json.loads(capsys.readouterr().out)


def test_healthy_master(node, capsys):
    node.active.add("systemd-nspawn@hubble.service")
    result = run_module(capsys, ARGS)
    assert result["changed"] is False
    assert result["node"] == "apollo12"
    assert result["holds_resources"] and result["holds_any"]
    assert result["problems"] == []
    assert result["stack"]["resources"] == "all"
    assert result["stack"]["nodes"] == {"apollo12": "active", "apollo13": "active"}
    assert result["stack"]["links"] == {"apollo13": {"eth1": "up", "/dev/ttyS0": "up"}}
    assert result["stack"]["auto_failback"] == "off"
    res = result["drbd"]["resources"][0]
    assert result["drbd"]["family"] == "8.4"
    assert (res["role"], res["peer_role"], res["healthy"], res["mounted"]) == ("Primary", "Secondary", True, True)
    assert result["guests"] == {"hubble": True}
    assert result["mon"] == dict(service="mon.service", active=True, state="active")
    kernel = result["kernel"]
    assert kernel["running"] == OLD and kernel["newest"] == NEW and not kernel["running_is_newest"]
    assert kernel["installed"] == [OLD, NEW]
    assert kernel["running_entry"] == entry(OLD) and kernel["newest_entry"] == entry(NEW)
    assert result["grub"]["saved_entry"] == entry(OLD) and result["grub"]["next_entry"] is None
    assert result["grub"]["default"] == "saved" and result["grub"]["saved_default_in_cfg"]
    assert result["summary"][0].startswith("apollo12: ACTIVE")
    # read-only: only queries were run
    assert all(c[1] in ("hbstatus", "rscstatus", "listnodes", "nodestatus", "listhblinks", "hblinkstatus",
                        "is-enabled", "is-active", "role", "cstate", "dstate", "sh-minor") for c in node.calls)


def test_the_inventorys_disks_reach_the_module_and_are_resolved(node, tree, capsys, monkeypatch):
    monkeypatch.setitem(utils.PATHS, "sys_block", str(tree / "sys_block"))
    (tree / "sys_block" / "drbd0" / "slaves" / "sda11").mkdir(parents=True)
    disk = tree / "sda11"
    disk.write_text("")
    args = dict(ARGS, resources=[dict(ARGS["resources"][0], disks={"apollo12": str(disk)})])
    res = run_module(capsys, args)["drbd"]["resources"][0]
    assert res["disks"] == {str(disk): str(disk)}
    assert res["backing"] == ["/dev/sda11"]
    assert (res["mounted_from"], res["fstype"]) == ("/dev/drbd0", "ext3")


def test_check_mode_reads_too(node, capsys):
    node.active.add("systemd-nspawn@hubble.service")
    assert run_module(capsys, ARGS, check_mode=True)["problems"] == []


@pytest.mark.parametrize("rsc, guest_up, problem", [
    ("all", True, True),
    # the takeover is not over: the cluster script starts Mon last
    ("transition", True, False),
    # the guests' own problem is reported; Mon waits for them
    ("all", False, False),
])
def test_a_holder_without_mon_is_reported_once_its_guests_run(node, capsys, rsc, guest_up, problem):
    node.active.discard("mon.service")
    node.rsc = rsc
    if guest_up:
        node.active.add("systemd-nspawn@hubble.service")
    problems = run_module(capsys, ARGS)["problems"]
    mon = [p for p in problems if "mon.service" in p]
    assert mon == (["apollo12: holds the group and runs its guests, but mon.service is inactive: no guest service"
                    " is watched (systemctl start mon.service; journalctl -u mon.service says why it stopped)"]
                   if problem else [])


def test_no_mon_problem_when_mon_is_not_read(node, capsys):
    node.active.discard("mon.service")
    node.active.add("systemd-nspawn@hubble.service")
    assert run_module(capsys, dict(ARGS, mon_service=""))["problems"] == []


def test_degraded_master(node, tree, capsys):
    node.nodes["apollo13"] = "dead"
    node.links["/dev/ttyS0"] = "dead"
    (tree / "proc/drbd").write_text(PROC_DRBD_SYNC)
    result = run_module(capsys, ARGS)
    problems = "\n".join(result["problems"])
    assert "Heartbeat sees peer apollo13 dead" in problems
    assert "Heartbeat link /dev/ttyS0 to apollo13 is dead" in problems
    assert "guests are not running: hubble" in problems
    res = result["drbd"]["resources"][0]
    # the roles come from drbdadm, the progress from /proc/drbd
    assert res["sync_progress"] == 22.6


def test_passive_node_with_heartbeat_left_off(node, tree, capsys, monkeypatch):
    node.role, node.peer_role = "Secondary", "Primary"
    node.hb_running = False
    node.hb_enabled = False
    node.active.clear()
    write(tree / "proc/mounts", "/dev/vda / ext4 rw 0 0\n")
    result = run_module(capsys, ARGS)
    assert not result["holds_any"] and not result["holds_resources"]
    assert result["stack"]["running"] is False and result["stack"]["enabled"] is False
    assert result["problems"] == ["apollo12: Heartbeat is not running"]
    assert result["summary"][0].startswith("apollo12: passive")


def test_two_primaries_and_guest_on_passive(node, tree, capsys):
    node.peer_role = "Primary"
    write(tree / "proc/mounts", "/dev/vda / ext4 rw 0 0\n")
    node.active.add("systemd-nspawn@hubble.service")
    result = run_module(capsys, ARGS)
    problems = "\n".join(result["problems"])
    assert "Primary on both nodes" in problems
    assert "holds part of the resource group only" in problems


def test_no_drbd_module(node, tree, capsys):
    node.drbd_loaded = False
    (tree / "proc/drbd").unlink()
    result = run_module(capsys, ARGS)
    res = result["drbd"]["resources"][0]
    assert result["drbd"]["version"] is None
    assert res["configured"] is False and not res["healthy"]
    assert not result["holds_resources"]


def test_resource_without_name_fails(node, capsys):
    with patch_module_args(dict(resources=[dict(minor=0)])):
        with pytest.raises(SystemExit):
            pair_status.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] and "no name" in result["msg"]


def outdated_survivor(node, tree, peer_state):
    """apollo12 Secondary and disconnected, its disk Outdated; the peer PEER_STATE."""
    node.role, node.peer_role = "Secondary", "Unknown"
    node.cstate, node.dstate = "WFConnection", "Outdated/DUnknown"
    node.rsc = "none"
    node.nodes["apollo13"] = peer_state
    node.active.clear()
    write(tree / "proc/mounts", "/dev/vda / ext4 rw 0 0\n")


def test_outdated_survivor_names_the_node_with_the_newest_data(node, tree, capsys):
    outdated_survivor(node, tree, "dead")
    write(tree / "events/clusterdr.refused-takeover", "2026-11-27T10:00:00Z refused-takeover disk=Outdated\n")
    problems = "\n".join(run_module(capsys, ARGS)["problems"])
    assert "DRBD clusterdr is Outdated here: the newest data are on apollo13" in problems
    assert "force-takeover.yml -e node=apollo12 -e accept_data_loss=clusterdr" in problems
    assert "refused to take the group over (DRBD clusterdr not the newest): 2026-11-27T10:00:00Z" in problems


def test_outdated_while_the_peer_is_up_is_a_lost_link(node, tree, capsys):
    outdated_survivor(node, tree, "active")
    problems = "\n".join(run_module(capsys, ARGS)["problems"])
    assert "holds the newest data and is up: the replication link is down" in problems
    assert "force-takeover" not in problems


def test_a_resyncing_disk_is_not_called_stale(node, tree, capsys):
    outdated_survivor(node, tree, "active")
    node.cstate, node.dstate = "SyncTarget", "Inconsistent/UpToDate"
    problems = "\n".join(run_module(capsys, ARGS)["problems"])
    assert "newest data" not in problems


def test_a_split_brain_is_reported_until_acknowledged(node, tree, capsys):
    node.active.add("systemd-nspawn@hubble.service")
    path = tree / "events/clusterdr.split-brain"
    write(path, "2026-11-27T10:00:00Z initial-split-brain detected peer=apollo13\n")
    result = run_module(capsys, ARGS)
    assert result["events"]["clusterdr"]["split_brain"] == [
        "2026-11-27T10:00:00Z initial-split-brain detected peer=apollo13"]
    problems = "\n".join(result["problems"])
    assert "DRBD clusterdr had a split brain (2026-11-27T10:00:00Z initial-split-brain detected" in problems
    assert "acknowledge-split-brain.yml -e resource=clusterdr" in problems
    path.unlink()
    assert run_module(capsys, ARGS)["problems"] == []


def test_an_unresolved_split_brain_says_how_to_choose_the_copy_to_keep(node, tree, capsys):
    node.active.add("systemd-nspawn@hubble.service")
    node.cstate, node.dstate = "StandAlone", "UpToDate/Outdated"
    write(tree / "events/clusterdr.split-brain",
          "2026-11-27T10:00:00Z initial-split-brain detected peer=apollo13\n"
          "2026-11-27T10:00:01Z split-brain unresolved peer=apollo13\n")
    problems = "\n".join(run_module(capsys, ARGS)["problems"])
    assert "split brain that DRBD left unresolved" in problems
    assert "this copy is Primary, in use" in problems
    assert "resolve-split-brain.yml -e keep=NODE -e accept_data_loss=clusterdr" in problems
    assert "changes were discarded" not in problems


def test_a_refused_takeover_is_history_once_the_copy_is_resynced(node, tree, capsys):
    write(tree / "events/clusterdr.refused-takeover", "2026-11-27T10:00:00Z refused-takeover disk=Outdated\n")
    node.role, node.peer_role, node.rsc = "Secondary", "Primary", "none"
    node.active.clear()
    write(tree / "proc/mounts", "/dev/vda / ext4 rw 0 0\n")
    assert run_module(capsys, ARGS)["problems"] == []
