"""Module hapair.cluster.drbd_resource and its parsers, on recorded DRBD 8.4 and 9 output.

The fixtures under fixtures/drbd/ are the tools' own output: dump-md, get-gi,
show-gi, wipefs and the -d adjust of a down resource were recorded with
drbd-utils 9.22 (drbdadm-84 for 8.4) on loop devices; /proc/drbd and
`drbdsetup status --json` follow the kernel modules' formats. sh-ll-dev of a
resource without a section for this host, and of a two-volume DRBD 9
resource, were recorded with drbd-utils 9.22 and no kernel module (the
"modinfo: ERROR" line drbdadm 9 adds there left out).

FakeNode plays one node: it answers the commands the module runs from its
state and the fixtures, and changes its state as DRBD would.
"""
import json
import os
import platform
import subprocess

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.hapair.cluster.plugins.module_utils import drbd as drbd_utils
from ansible_collections.hapair.cluster.plugins.modules import drbd_resource
from module_exits import Exit, Fail, raise_at_exit

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "drbd")
RES = "clusterdr"


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


# -- parsers --------------------------------------------------------------

def test_kernel_version_84_and_9():
    assert drbd_utils.kernel_version(fixture("84/proc-drbd-syncsource.txt")) == ("8.4.11", "8.4")
    assert drbd_utils.kernel_version(fixture("9/proc-drbd.txt")) == ("9.2.12", "9")
    assert drbd_utils.kernel_version(None) == (None, None)
    assert drbd_utils.kernel_version("garbage") == (None, None)


def test_proc_drbd_84_sync_progress_per_minor():
    text = fixture("84/proc-drbd-two-minors.txt")
    zero = drbd_utils.parse_proc_minor(text, 0)
    one = drbd_utils.parse_proc_minor(text, 1)
    assert zero["cstate"] == "Connected" and zero["role"] == "Primary" and zero["sync_progress"] is None
    assert one["cstate"] == "SyncTarget" and one["disk"] == "Inconsistent" and one["peer_disk"] == "UpToDate"
    assert one["sync_progress"] == 25.0
    assert drbd_utils.parse_proc_minor(text, 7) is None


def test_proc_drbd_84_syncsource_and_unconfigured_minor():
    text = fixture("84/proc-drbd-syncsource.txt")
    state = drbd_utils.parse_proc_minor(text, 0)
    assert (state["role"], state["peer_role"], state["disk"], state["peer_disk"]) == (
        "Primary", "Secondary", "UpToDate", "Inconsistent")
    assert state["sync_progress"] == 22.6
    assert drbd_utils.parse_proc_minor(text, 1)["configured"] is False


def test_generation_ids_84_and_9():
    fresh84 = drbd_utils.parse_gi(fixture("84/get-gi-fresh.txt"))
    assert fresh84["current"] == 4 and fresh84["bitmap"] == 0 and fresh84["history"] == [0, 0]
    assert len(fresh84["flags"]) == 7
    assert drbd_utils.never_held_data(fresh84) is True
    fresh9 = drbd_utils.parse_gi(fixture("9/get-gi-fresh.txt"))
    assert drbd_utils.never_held_data(fresh9) is True and len(fresh9["flags"]) > 7
    for name in ("84/get-gi-synced.txt", "84/get-gi-syncing.txt", "9/get-gi-synced.txt"):
        assert drbd_utils.never_held_data(drbd_utils.parse_gi(fixture(name))) is False, name
    # show-gi prints the same line inside its drawing.
    assert drbd_utils.parse_gi(fixture("84/show-gi-fresh.txt"))["text"] == fixture("84/get-gi-fresh.txt").strip()
    assert drbd_utils.never_held_data(None) is None


def test_primary_bit_of_a_just_created_uuid_is_ignored():
    gi = drbd_utils.parse_gi("0000000000000005:0000000000000000:0000000000000000:0000000000000000:0:0:1:0:0:0:0")
    assert drbd_utils.never_held_data(gi) is True


def test_status_json_9():
    sync = drbd_utils.parse_status_json(fixture("9/status-syncsource.json"), RES)
    assert sync["role"] == "Primary" and sync["peer_role"] == "Secondary"
    assert sync["replication"] == "SyncSource" and sync["sync_progress"] == 22.5
    done = drbd_utils.parse_status_json(fixture("9/status-connected.json"), RES)
    assert done["sync_progress"] is None and done["peer_disk"] == "UpToDate" and done["cstate"] == "Connected"
    assert drbd_utils.parse_status_json(fixture("9/status-connected.json"), "other") is None


def test_dump_md_verdicts():
    assert drbd_utils.metadata_verdict(0, fixture("84/dump-md-fresh.txt"), "") == "valid"
    assert drbd_utils.metadata_verdict(0, fixture("9/dump-md-fresh.txt"), "") == "valid"
    assert drbd_utils.metadata_verdict(1, "", fixture("84/dump-md-none.stderr")) == "none"
    assert drbd_utils.metadata_verdict(20, "", "Device '0' is configured!") == "unknown"
    # a node that lost power while attached (seen in the lab after a crash
    # during the initial sync): its metadata are there, the log to apply
    assert drbd_utils.metadata_verdict(255, "", fixture("84/dump-md-unclean.stderr")) == "valid"


def test_wipefs_signatures():
    ext3 = drbd_utils.parse_wipefs_json(fixture("wipefs-ext3.json"))
    assert [s["type"] for s in ext3] == ["ext3"]
    assert drbd_utils.describe_signatures(ext3) == 'ext3 (label "old-data") at offset 0x438'
    assert drbd_utils.parse_wipefs_json(fixture("wipefs-empty.json")) == []
    assert drbd_utils.parse_wipefs_json("") == []
    assert [s["type"] for s in drbd_utils.parse_wipefs_json(fixture("wipefs-dos.json"))] == ["dos"]
    assert [s["type"] for s in drbd_utils.parse_wipefs_json(fixture("wipefs-drbd.json"))] == ["drbd"]


def test_dry_run_lines():
    assert drbd_utils.dry_run_commands("") == []
    assert len(drbd_utils.dry_run_commands(fixture("84/adjust-dry-run-down.txt"))) == 5


# -- a fake node ----------------------------------------------------------

class FakeNode:
    """One node's DRBD, answering the module's commands."""

    def __init__(self, tmp_path, family="8.4"):
        self.family = family
        self.dir = "84" if family == "8.4" else "9"
        self.proc = tmp_path / "proc-drbd"
        self.configured = False
        self.role = "Secondary"
        self.disk = "Diskless"
        self.peer_disk = "DUnknown"
        self.peer_role = "Unknown"
        self.cstate = "StandAlone"
        self.progress = None
        self.metadata = "none"
        self.wipefs = "wipefs-empty.json"
        self.gi = None
        self.peer_up = True
        self.peer_has_data = False
        self.polls_left = None
        self.sync_polls = 3
        self.in_use = False
        self.pending_adjust = []
        # What the resource file gives this node: drbdadm sh-ll-dev and
        # sh-md-dev (None: internal metadata); in_config False: the file
        # has no section for this host.
        self.ll_dev = "/dev/vdb"
        self.md_dev = None
        self.in_config = True
        self.volumes = 1
        # wipefs fixture per device, else self.wipefs.
        self.wipefs_on = {}
        self.calls = []
        self.write_proc()

    # state helpers
    def set_synced(self, role="Secondary", peer_role="Secondary"):
        self.configured = True
        self.metadata = "valid"
        self.wipefs = "wipefs-drbd.json"
        self.gi = fixture("%s/get-gi-synced.txt" % self.dir)
        self.role, self.peer_role = role, peer_role
        self.disk = self.peer_disk = "UpToDate"
        self.cstate = "Connected"
        self.write_proc()

    def attached(self):
        return self.configured and self.disk not in ("Diskless", "Unconfigured")

    def connected_state(self):
        return "Connected"

    def write_proc(self):
        if self.family == "9":
            self.proc.write_text(fixture("9/proc-drbd.txt"))
            return
        text = fixture("84/proc-drbd-unconfigured.txt")
        if self.configured:
            text += " 0: cs:%s ro:%s/%s ds:%s/%s C r-----\n" % (
                self.cstate, self.role, self.peer_role, self.disk, self.peer_disk)
            text += "    ns:0 nr:0 dw:0 dr:0 al:8 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n"
            if self.progress is not None:
                text += "\t[===>................] sync'ed: %.1f%% (7932/10236)M\n" % self.progress
                text += "\tfinish: 0:01:19 speed: 102,400 (98,304) K/sec\n"
        self.proc.write_text(text)

    def tick(self):
        """Time passes: a running sync progresses and ends after a few polls."""
        if self.polls_left is None:
            return
        self.polls_left -= 1
        if self.polls_left <= 0:
            self.polls_left = None
            self.progress = None
            self.disk = self.peer_disk = "UpToDate"
            self.cstate = "Connected"
        else:
            self.progress = min(99.0, (self.progress or 0.0) + 30.0)
        self.write_proc()

    # command answers
    def unconfigured(self):
        if self.family == "9":
            return 10, "", "%s: No such resource\n" % RES
        return 0, "Unconfigured\n", ""

    def status_json(self):
        if not self.configured:
            return 10, "", "%s: No such resource\n" % RES
        replication = self.cstate if self.cstate.startswith(("Sync", "PausedSync")) else (
            "Established" if self.cstate == "Connected" else "Off")
        data = [{
            "name": RES, "node-id": 0, "role": self.role, "suspended": False, "write-ordering": "flush",
            "devices": [{"volume": 0, "minor": 0, "disk-state": self.disk, "client": False, "open": self.in_use,
                         "quorum": True, "size": 10485404}],
            "connections": [{
                "peer-node-id": 1, "name": "node2",
                "connection-state": "Connected" if self.cstate in drbd_utils.CONNECTED_84 else "Connecting",
                "congested": False, "peer-role": self.peer_role,
                "peer_devices": [{"volume": 0, "replication-state": replication, "peer-disk-state": self.peer_disk,
                                  "peer-client": False, "resync-suspended": "no",
                                  "percent-in-sync": self.progress if self.progress is not None else 100.0}],
            }],
        }]
        return 0, json.dumps(data, indent=2), ""

    def on_adjust(self):
        fresh = drbd_utils.never_held_data(drbd_utils.parse_gi(self.gi or ""))
        self.configured = True
        self.disk = "Inconsistent" if fresh else "UpToDate"
        self.pending_adjust = []
        if self.peer_up:
            self.cstate = "Connected"
            self.peer_role = "Secondary"
            self.peer_disk = "UpToDate" if self.peer_has_data else self.disk
            if self.peer_has_data and fresh:
                self.disk = "Inconsistent"
                self.cstate = "SyncTarget"
                self.progress = 0.0
                self.polls_left = self.sync_polls
        else:
            self.cstate = "WFConnection"
            self.peer_role = "Unknown"
            self.peer_disk = "DUnknown"

    def __call__(self, args, **kwargs):
        self.calls.append(list(args))
        prog = os.path.basename(args[0])
        rest = list(args[1:])
        answer = self.answer(prog, rest)
        self.write_proc()
        return answer

    def answer(self, prog, rest):
        if prog == "wipefs":
            return 0, fixture(self.wipefs_on.get(rest[-1], self.wipefs)), ""
        if prog == "drbdsetup":
            assert self.family == "9", "drbdsetup status --json must only be used on DRBD 9"
            return self.status_json()
        assert prog == "drbdadm", prog
        if rest[-1] != RES:
            raise AssertionError("unexpected command %r" % rest)
        verb = rest[:-1]
        if not self.in_config:
            return 1, "", fixture("%s/sh-ll-dev-not-defined.stderr" % self.dir)
        if verb in (["sh-ll-dev"], ["sh-md-dev"]) and self.volumes > 1:
            return 0, fixture("9/sh-ll-dev-two-volumes.txt"), ""
        if verb == ["role"]:
            self.tick()
            if not self.configured:
                return self.unconfigured()
            return 0, ("%s/%s\n" % (self.role, self.peer_role) if self.family == "8.4" else self.role + "\n"), ""
        if verb == ["cstate"]:
            return (0, self.cstate + "\n", "") if self.configured else self.unconfigured()
        if verb == ["dstate"]:
            return (0, "%s/%s\n" % (self.disk, self.peer_disk), "") if self.configured else self.unconfigured()
        if verb == ["sh-minor"]:
            return 0, "0\n", ""
        if verb == ["sh-ll-dev"]:
            return 0, self.ll_dev + "\n", ""
        if verb == ["sh-md-dev"]:
            return 0, (self.md_dev or self.ll_dev) + "\n", ""
        if verb == ["get-gi"]:
            if self.metadata != "valid":
                return 1, "", "No valid meta data found\n"
            return 0, self.gi, ""
        if verb == ["dump-md"]:
            if self.attached():
                return 20, "", "Device '0' is configured!\n"
            if self.metadata == "valid":
                return 0, fixture("%s/dump-md-fresh.txt" % self.dir), ""
            if self.metadata == "unclean":
                return 255, "", 'Found meta data is "unclean", please apply-al first\n'
            return 1, "", fixture("84/dump-md-none.stderr")
        if verb == ["--", "--force", "create-md"]:
            assert self.metadata == "none", "create-md over existing metadata"
            self.metadata = "valid"
            self.gi = fixture("%s/get-gi-fresh.txt" % self.dir)
            self.wipefs = "wipefs-drbd.json"
            return 0, "", "New drbd meta data block successfully created.\n"
        if verb == ["-d", "adjust"]:
            if not self.configured:
                return 0, fixture("%s/adjust-dry-run-down.txt" % self.dir), ""
            return 0, "".join(line + "\n" for line in self.pending_adjust), ""
        if verb == ["adjust"]:
            if self.metadata != "valid":
                return 10, "", "No valid meta data found\nCommand 'drbdmeta 0 v08 /dev/vdb internal apply-al' terminated with exit code 255\n"
            self.on_adjust()
            return 0, "", ""
        if verb == ["primary", "--force"]:
            self.role = "Primary"
            self.disk = "UpToDate"
            self.gi = fixture("84/get-gi-syncing.txt")
            if self.peer_disk == "Inconsistent":
                self.cstate = "SyncSource"
                self.progress = 0.0
                self.polls_left = self.sync_polls
            return 0, "", ""
        if verb == ["primary"]:
            if "UpToDate" not in (self.disk, self.peer_disk):
                return 11, "", "0: State change failed: (-2) Need access to UpToDate data\n"
            self.role = "Primary"
            return 0, "", ""
        if verb == ["secondary"]:
            if self.in_use:
                return 11, "", "0: State change failed: (-12) Device is held open by someone\n"
            self.role = "Secondary"
            return 0, "", ""
        if verb == ["down"]:
            self.configured = False
            self.disk = "Diskless"
            return 0, "", ""
        if verb == ["--", "--force", "wipe-md"]:
            self.metadata = "none"
            self.wipefs = "wipefs-empty.json"
            return 0, "Wiping meta data...\nDRBD meta data block successfully wiped out.\n", ""
        raise AssertionError("unexpected command %r" % rest)

    def verbs(self):
        return [call[1:-1] for call in self.calls if os.path.basename(call[0]) == "drbdadm"]

    def changes(self):
        reads = (["role"], ["cstate"], ["dstate"], ["sh-minor"], ["sh-ll-dev"], ["sh-md-dev"], ["get-gi"],
                 ["dump-md"], ["-d", "adjust"])
        return [verb for verb in self.verbs() if verb not in reads]


@pytest.fixture(autouse=True)
def exits(monkeypatch):
    raise_at_exit(monkeypatch)
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path",
                        lambda self, name, required=False, opt_dirs=None: "/usr/sbin/" + name)


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]

    def sleep(seconds):
        now[0] += seconds

    monkeypatch.setattr(drbd_utils, "_SLEEP", sleep)
    monkeypatch.setattr(drbd_utils, "_CLOCK", lambda: now[0])
    monkeypatch.setattr(drbd_utils, "_WALL", lambda: now[0])
    return now


def make_node(monkeypatch, tmp_path, family="8.4"):
    node = FakeNode(tmp_path, family)
    monkeypatch.setattr(drbd_utils, "PROC_DRBD", str(node.proc))
    monkeypatch.setattr(basic.AnsibleModule, "run_command", lambda self, args, **kw: node(args, **kw))
    return node


@pytest.fixture(params=["8.4", "9"])
def node(request, monkeypatch, tmp_path, clock):
    return make_node(monkeypatch, tmp_path, request.param)


@pytest.fixture
def node84(monkeypatch, tmp_path, clock):
    return make_node(monkeypatch, tmp_path, "8.4")


def run(args, check=False, diff=False):
    args = dict(args, name=RES)
    if check:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    with patch_module_args(args):
        with pytest.raises((Exit, Fail)) as info:
            drbd_resource.main()
    if isinstance(info.value, Fail):
        return dict(info.value.result, failed=True)
    return info.value.result


# -- present ---------------------------------------------------------------

def test_present_creates_metadata_on_a_blank_disk(node):
    result = run(dict(state="present"))
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] and result["metadata"] == "valid"
    assert node.changes() == [["--", "--force", "create-md"]]
    assert result["backing_device"] == "/dev/vdb" and result["signatures"] == []
    assert result["drbd_version"] == node.family
    assert result["never_held_data"] is True


def test_present_twice_changes_nothing(node):
    run(dict(state="present"))
    node.calls = []
    result = run(dict(state="present"))
    assert not result["changed"] and node.changes() == []


def test_present_refuses_a_disk_with_a_filesystem(node):
    node.wipefs = "wipefs-ext3.json"
    result = run(dict(state="present"))
    assert result.get("failed")
    assert "/dev/vdb" in result["msg"] and "ext3" in result["msg"] and "old-data" in result["msg"]
    assert "force_create_md" in result["msg"] and "wipefs --all /dev/vdb" in result["msg"]
    assert node.changes() == [] and node.metadata == "none"


def test_present_refuses_a_partition_table_on_the_given_device(node):
    node.ll_dev = "/dev/sdb"
    node.wipefs = "wipefs-dos.json"
    result = run(dict(state="present", device="/dev/sdb"))
    assert result.get("failed") and "/dev/sdb" in result["msg"] and "dos" in result["msg"]
    assert ["/usr/sbin/wipefs", "--no-act", "--json", "/dev/sdb"] in node.calls


def test_present_with_force_create_md_overwrites_and_warns(node):
    node.wipefs = "wipefs-ext3.json"
    result = run(dict(state="present", force_create_md=True))
    assert result["changed"] and node.changes() == [["--", "--force", "create-md"]]


def test_present_never_creates_over_unclean_metadata(node):
    """A node that lost power while attached left its metadata "unclean":
    they are there (attaching applies the activity log), nothing is
    created over them, forced or not, and the run goes on."""
    node.metadata = "unclean"
    result = run(dict(state="present", force_create_md=True))
    assert not result.get("failed"), result.get("msg")
    assert not result["changed"] and node.changes() == []


def test_present_on_an_attached_resource_reads_no_metadata(node):
    node.set_synced()
    result = run(dict(state="present"))
    assert not result["changed"]
    assert ["dump-md"] not in node.verbs()


def test_check_mode_creates_nothing(node):
    result = run(dict(state="up"), check=True, diff=True)
    assert result["changed"]
    assert result["commands"] == ["drbdadm -- --force create-md clusterdr", "drbdadm adjust clusterdr"]
    assert node.changes() == [] and node.metadata == "none"
    assert "metadata: none" in result["diff"]["before"] and "metadata: valid" in result["diff"]["after"]


def test_module_not_loaded(node, tmp_path):
    os.unlink(str(node.proc))
    result = run(dict(state="up"))
    assert result.get("failed") and "modprobe drbd" in result["msg"]
    checked = run(dict(state="up"), check=True)
    assert checked["changed"] and not checked.get("failed") and node.changes() == []


# -- the backing device is the resource file's ----------------------------------

def wipefs_devices(node):
    return [call[-1] for call in node.calls if os.path.basename(call[0]) == "wipefs"]


def test_present_with_the_device_drbdadm_names_proceeds(node):
    result = run(dict(state="present", device="/dev/vdb"))
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] and node.changes() == [["--", "--force", "create-md"]]
    assert result["backing_device"] == "/dev/vdb" and result["metadata_device"] == "/dev/vdb"
    assert ["sh-ll-dev"] in node.verbs() and ["sh-md-dev"] in node.verbs()
    assert wipefs_devices(node) == ["/dev/vdb"]


def test_the_device_is_compared_through_its_symbolic_links(node, tmp_path):
    disk = tmp_path / "sda11"
    disk.write_text(u"")
    (tmp_path / "by-id").mkdir()
    link = tmp_path / "by-id" / "ata-DISK-part11"
    link.symlink_to(disk)
    node.ll_dev = str(disk)
    result = run(dict(state="present", device=str(link)))
    assert not result.get("failed"), result.get("msg")
    assert node.changes() == [["--", "--force", "create-md"]]
    # wipefs reads the device drbdadm names, not the one the task was given.
    assert wipefs_devices(node) == [str(disk)] and result["backing_device"] == str(disk)


def test_a_device_that_is_not_the_resource_files_is_refused(node):
    node.ll_dev = "/dev/vdc"
    result = run(dict(state="present", device="/dev/vdb"))
    assert result.get("failed")
    msg = result["msg"]
    assert "device=/dev/vdb" in msg and "backing device /dev/vdc" in msg
    assert "/etc/drbd.d/clusterdr.res" in msg and "drbdadm sh-ll-dev clusterdr" in msg
    assert "Nothing was changed" in msg and "disks entry" in msg and "resource file" in msg
    assert "(%s)" % platform.node() in msg
    assert node.changes() == [] and node.metadata == "none" and result["commands"] == []
    assert wipefs_devices(node) == [] and ["dump-md"] not in node.verbs()
    assert not result["changed"]


def test_a_wrong_device_also_stops_up_and_absent(node):
    node.ll_dev = "/dev/vdc"
    assert run(dict(state="up", device="/dev/vdb")).get("failed")
    node.set_synced()
    result = run(dict(state="absent", wipe_confirm=True, device="/dev/vdb"))
    assert result.get("failed") and "backing device /dev/vdc" in result["msg"]
    assert node.changes() == [] and node.metadata == "valid" and node.configured


def test_check_mode_refuses_a_wrong_device_and_runs_nothing(node):
    node.ll_dev = "/dev/vdc"
    result = run(dict(state="up", device="/dev/vdb"), check=True, diff=True)
    assert result.get("failed")
    assert "device=/dev/vdb" in result["msg"] and "backing device /dev/vdc" in result["msg"]
    assert result["commands"] == [] and not result["changed"]
    assert node.changes() == [] and node.metadata == "none" and wipefs_devices(node) == []


def test_a_resource_drbdadm_cannot_find_gets_no_metadata(node):
    node.in_config = False
    result = run(dict(state="present"))
    assert result.get("failed")
    msg = result["msg"]
    assert "Cannot tell which backing device clusterdr uses" in msg
    assert "'clusterdr' not defined in your config (for this host)." in msg and "exit 1" in msg
    assert "/etc/drbd.d/clusterdr.res" in msg and "'on %s'" % platform.node() in msg and "uname -n" in msg
    assert "Nothing was changed" in msg
    assert node.changes() == [] and node.metadata == "none" and wipefs_devices(node) == []
    # The same refusal with a device given and in check mode.
    node.calls = []
    checked = run(dict(state="up", device="/dev/vdb"), check=True)
    assert checked.get("failed") and "Cannot tell which backing device" in checked["msg"]
    assert checked["commands"] == [] and node.changes() == []


def test_a_resource_with_several_volumes_gets_no_metadata(node):
    node.volumes = 2
    result = run(dict(state="present"))
    assert result.get("failed") and "names 2 devices (/dev/loop7, /dev/loop8)" in result["msg"]
    assert "several volumes" in result["msg"]
    assert node.changes() == [] and wipefs_devices(node) == []


def test_external_metadata_device_is_checked_too(node):
    node.md_dev = "/dev/vdd"
    node.wipefs_on = {"/dev/vdd": "wipefs-ext3.json"}
    result = run(dict(state="present", device="/dev/vdb"))
    assert result.get("failed")
    assert "with external metadata on /dev/vdd" in result["msg"] and "on /dev/vdd" in result["msg"]
    assert "ext3" in result["msg"] and "wipefs --all /dev/vdb /dev/vdd" in result["msg"]
    assert wipefs_devices(node) == ["/dev/vdb", "/dev/vdd"]
    assert [sig["device"] for sig in result["signatures"]] == ["/dev/vdd"]
    assert node.changes() == [] and node.metadata == "none"
    node.wipefs_on = {}
    done = run(dict(state="present", device="/dev/vdb"))
    assert done["changed"] and done["metadata_device"] == "/dev/vdd" and done["signatures"] == []


def test_sh_ll_dev_and_sh_md_dev_of_a_real_drbdadm(tmp_path, tool):
    """drbdadm (drbd-utils 9) names this host's devices from a throwaway
    configuration in 8.4 syntax, without a kernel module."""
    drbdadm = tool("drbdadm", "drbd-utils", ("/usr/sbin/drbdadm",))
    conf = tmp_path / "drbd.conf"
    sections = "".join(
        "  on %s {\n    device /dev/drbd0 minor 0;\n    disk %s;\n    address %s:7789;\n    meta-disk %s;\n  }\n"
        % section for section in (
            (platform.node(), "/dev/loop7", "127.0.0.1", "internal"),
            ("peer-of-%s" % platform.node(), "/dev/sdz1", "127.0.0.2", "internal")))
    conf.write_text(u"resource %s {\n%s}\n" % (RES, sections)
                    + u"resource ext {\n%s}\n" % sections.replace("internal", "/dev/loop9")
                                                         .replace("7789", "7790").replace("drbd0 minor 0", "drbd1 minor 1"))

    class Module:
        def get_bin_path(self, name, required=False):
            return drbdadm

        def run_command(self, args, **kw):
            proc = subprocess.run([args[0], "-c", str(conf)] + list(args[1:]), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, universal_newlines=True)
            return proc.returncode, proc.stdout, proc.stderr

    assert drbd_utils.DrbdResource(Module(), RES).lower_devices() == ("/dev/loop7", "/dev/loop7")
    assert drbd_utils.DrbdResource(Module(), "ext").lower_devices() == ("/dev/loop7", "/dev/loop9")
    with pytest.raises(drbd_utils.DrbdError) as info:
        drbd_utils.DrbdResource(Module(), "missing").lower_devices()
    assert "'missing' not defined in your config (for this host)." in str(info.value)


# -- up ----------------------------------------------------------------------

class EmptyAnswers:
    """A module whose drbdadm prints nothing for the first EMPTY calls of
    sh-minor, then minor 0; role/cstate/dstate answer as on a synced pair."""

    def __init__(self, empty):
        self.empty = empty
        self.calls = []
        self.warnings = []

    def get_bin_path(self, name, required=False):
        return "/usr/sbin/" + name

    def warn(self, text):
        self.warnings.append(text)

    def run_command(self, args, **kw):
        verb = args[1]
        self.calls.append(verb)
        if verb == "sh-minor":
            if self.calls.count("sh-minor") <= self.empty:
                return 0, "", "a warning on stderr\n"
            return 0, "0\n", ""
        answers = dict(role="Secondary/Primary", cstate="Connected", dstate="UpToDate/UpToDate")
        return 0, answers[verb] + "\n", ""


def test_a_one_line_drbdadm_answer_that_stays_empty_names_exit_and_stderr():
    module = EmptyAnswers(empty=3)
    with pytest.raises(drbd_utils.DrbdError) as info:
        drbd_utils.DrbdResource(module, RES, sleep=lambda seconds: None).minor()
    assert str(info.value) == "drbdadm sh-minor %s printed '' (exit 0, stderr 'a warning on stderr')" % RES
    assert module.calls == ["sh-minor"] * 3


def test_an_empty_sh_minor_answer_is_asked_again():
    module = EmptyAnswers(empty=2)
    assert drbd_utils.DrbdResource(module, RES, sleep=lambda seconds: None).minor() == 0
    assert module.calls == ["sh-minor"] * 3


def test_status_without_a_minor_still_reads_the_state(tmp_path):
    proc = tmp_path / "drbd"
    proc.write_text(u"version: 8.4.11 (api:1/proto:86-101)\n")
    module = EmptyAnswers(empty=99)
    state = drbd_utils.DrbdResource(module, RES, proc_path=str(proc), sleep=lambda seconds: None).status("8.4")
    assert (state["role"], state["cstate"], state["disk"], state["peer_disk"]) == (
        "Secondary", "Connected", "UpToDate", "UpToDate")
    assert state["sync_progress"] is None
    assert len(module.warnings) == 1 and "sync progress of %s unknown" % RES in module.warnings[0]


def test_up_brings_the_resource_up_and_waits_for_the_peer(node):
    result = run(dict(state="up", wait_connected=True))
    assert not result.get("failed"), result.get("msg")
    assert node.changes() == [["--", "--force", "create-md"], ["adjust"]]
    assert result["cstate"] == "Connected"
    assert (result["disk"], result["peer_disk"]) == ("Inconsistent", "Inconsistent")
    assert result["adjust_commands"] == fixture("%s/adjust-dry-run-down.txt" % node.dir).strip().splitlines()
    assert result["never_held_data"] is True


def test_up_with_nothing_to_adjust_changes_nothing(node):
    node.set_synced(role="Primary")
    result = run(dict(state="up", wait_connected=True, wait_uptodate=True), diff=True)
    assert not result["changed"] and node.changes() == []
    assert result["role"] == "Primary" and result["never_held_data"] is False
    assert result["diff"]["before"] == result["diff"]["after"]


def test_up_adjusts_a_changed_option_on_a_connected_primary(node84):
    node84.set_synced(role="Primary")
    node84.pending_adjust = fixture("84/adjust-dry-run-net-options.txt").strip().splitlines()
    result = run(dict(state="up"))
    assert result["changed"] and node84.changes() == [["adjust"]]
    assert result["role"] == "Primary"


def test_up_refuses_to_take_the_disk_from_a_primary(node84):
    node84.set_synced(role="Primary")
    node84.pending_adjust = fixture("84/adjust-dry-run-new-disk.txt").strip().splitlines()
    result = run(dict(state="up"))
    assert result.get("failed") and "detach" in result["msg"] and "Primary" in result["msg"]
    assert node84.changes() == []


def test_wait_connected_times_out_with_the_state(node):
    node.peer_up = False
    result = run(dict(state="up", wait_connected=True, timeout=10))
    assert result.get("failed")
    assert "did not connect" in result["msg"] and "within 10 s" in result["msg"]
    assert "WFConnection" in result["msg"] or "Connecting" in result["msg"]


def test_wait_uptodate_fails_with_the_sync_progress(node):
    node.peer_has_data = True
    node.sync_polls = 10
    result = run(dict(state="up", wait_uptodate=True, timeout=3))
    assert result.get("failed") and "not UpToDate" in result["msg"]
    assert "sync" in result["msg"] and "% done" in result["msg"]
    assert result["sync_progress"] is not None


def test_wait_uptodate_follows_a_resync_to_the_end(node):
    node.peer_has_data = True
    result = run(dict(state="up", wait_uptodate=True, timeout=60))
    assert not result.get("failed"), result.get("msg")
    assert (result["disk"], result["peer_disk"]) == ("UpToDate", "UpToDate")
    assert result["sync_progress"] is None


def test_progress_every_returns_a_progress_line_until_synced(node, clock):
    node.peer_has_data = True
    node.sync_polls = 40
    first = run(dict(state="up", wait_uptodate=True, timeout=600, progress_every=30))
    assert not first.get("failed"), first.get("msg")
    assert first["waiting"]
    assert first["wait_started"] == 1000.0
    assert "sync" in first["progress"] and "% done" in first["progress"], first["progress"]
    assert "waited 30 s of 10 min" in first["progress"], first["progress"]
    calls = 1
    result = first
    while result["waiting"]:
        node.calls = []
        result = run(dict(state="up", wait_uptodate=True, timeout=600, progress_every=30,
                          wait_started=first["wait_started"]))
        assert not result.get("failed"), result.get("msg")
        # a wait going on only waits: nothing is brought up or adjusted again
        assert not [verb for verb in node.verbs() if verb[:1] in (["up"], ["adjust"], ["-d"])], node.verbs()
        calls += 1
    assert (result["disk"], result["peer_disk"]) == ("UpToDate", "UpToDate")
    assert result["progress"] == "" and calls > 2


def test_progress_every_fails_once_the_whole_timeout_has_passed(node, clock):
    node.peer_has_data = True
    node.sync_polls = 1000
    first = run(dict(state="up", wait_uptodate=True, timeout=90, progress_every=30))
    assert first["waiting"]
    results = [run(dict(state="up", wait_uptodate=True, timeout=90, progress_every=30,
                        wait_started=first["wait_started"])) for _ in range(2)]
    assert results[0]["waiting"] and results[1].get("failed")
    assert "not UpToDate on both nodes after 1 min 30 s" in results[1]["msg"], results[1]["msg"]


def test_a_wait_fails_at_once_when_the_peer_is_gone_for_a_whole_slice(node, clock):
    """The peer dies during the initial sync: the next slice fails, with the
    progress, instead of waiting out the 30-minute timeout."""
    node.peer_has_data = True
    node.sync_polls = 1000
    first = run(dict(state="up", wait_uptodate=True, timeout=1800, progress_every=30))
    assert first["waiting"]
    node.cstate, node.peer_role, node.peer_disk = "WFConnection", "Unknown", "DUnknown"
    node.write_proc()
    gone = run(dict(state="up", wait_uptodate=True, timeout=1800, progress_every=30,
                    wait_started=first["wait_started"]))
    assert gone.get("failed"), gone
    assert "the peer has not been connected for the last 30 s" in gone["msg"], gone["msg"]
    assert "WFConnection" in gone["msg"] and "Nothing was changed" in gone["msg"]
    assert clock[0] - first["wait_started"] < 120


def test_a_wait_that_starts_before_the_peer_connects_goes_on(node, clock):
    """The call that begins the wait gives the peer its whole slice to connect."""
    node.peer_up = False
    first = run(dict(state="up", wait_uptodate=True, timeout=600, progress_every=30))
    assert not first.get("failed") and first["waiting"], first


def test_progress_every_in_check_mode_does_not_wait(node):
    node.set_synced()
    node.disk = "Inconsistent"
    node.write_proc()
    result = run(dict(state="up", wait_uptodate=True, timeout=600, progress_every=30), check=True)
    assert not result.get("failed") and not result["waiting"]


def test_durations_and_time_left_for_people():
    assert [drbd_utils.duration(s) for s in (0, 45, 60, 190, 3600, 3900)] == [
        "0 s", "45 s", "1 min", "3 min 10 s", "1 h", "1 h 5 min"]
    assert drbd_utils.seconds_left(10.0, 40.0, 30) == 60.0
    assert drbd_utils.seconds_left(None, 40.0, 30) is None
    assert drbd_utils.seconds_left(40.0, 40.0, 30) is None


# -- primary: the initial sync --------------------------------------------------

def test_initial_sync_forces_once_on_fresh_metadata(node):
    run(dict(state="up", wait_connected=True))
    node.calls = []
    result = run(dict(state="primary", initial_sync_primary=True, wait_connected=True))
    assert not result.get("failed"), result.get("msg")
    assert result["forced"] and node.changes() == [["primary", "--force"]]
    assert result["role"] == "Primary"
    # A second run finds history in the generation identifiers: nothing is forced again.
    node.calls = []
    again = run(dict(state="primary", initial_sync_primary=True, wait_connected=True, wait_uptodate=True))
    assert not again["changed"] and not again["forced"] and node.changes() == []
    assert again["never_held_data"] is False
    assert (again["disk"], again["peer_disk"]) == ("UpToDate", "UpToDate")


def test_initial_sync_then_wait_uptodate_in_one_task(node):
    run(dict(state="up", wait_connected=True))
    result = run(dict(state="primary", initial_sync_primary=True, wait_uptodate=True, timeout=120))
    assert result["forced"] and result["peer_disk"] == "UpToDate"


def test_no_force_without_initial_sync_primary(node):
    run(dict(state="up", wait_connected=True))
    node.calls = []
    result = run(dict(state="primary"))
    assert result.get("failed") and "initial_sync_primary is not set" in result["msg"]
    assert "Nothing was forced" in result["msg"] and node.changes() == []


def test_no_force_when_the_peer_is_not_connected(node):
    node.peer_up = False
    run(dict(state="up"))
    node.calls = []
    result = run(dict(state="primary", initial_sync_primary=True))
    assert result.get("failed") and "not connected" in result["msg"] and node.changes() == []


def test_no_force_when_generation_ids_show_history(node):
    run(dict(state="up", wait_connected=True))
    # Both disks Inconsistent, but this node's metadata held data once.
    node.gi = fixture("84/get-gi-synced.txt")
    node.calls = []
    result = run(dict(state="primary", initial_sync_primary=True))
    assert result.get("failed") and "already held data" in result["msg"] and node.changes() == []


def test_no_force_when_the_peer_has_data(node):
    node.peer_has_data = True
    run(dict(state="up", wait_connected=True))
    node.calls = []
    result = run(dict(state="primary", initial_sync_primary=True))
    # The peer is UpToDate: an ordinary promotion, never a forced one.
    assert not result.get("failed"), result.get("msg")
    assert node.changes() == [["primary"]] and not result["forced"]


def test_plain_promotion_of_an_uptodate_resource(node):
    node.set_synced()
    result = run(dict(state="primary", initial_sync_primary=True))
    assert result["changed"] and node.changes() == [["primary"]] and not result["forced"]


# -- secondary, down, absent ---------------------------------------------------

def test_secondary_demotes(node):
    node.set_synced(role="Primary")
    result = run(dict(state="secondary"), diff=True)
    assert result["changed"] and node.changes() == [["secondary"]] and result["role"] == "Secondary"
    assert "role: Primary/" in result["diff"]["before"] and "role: Secondary/" in result["diff"]["after"]
    node.calls = []
    assert not run(dict(state="secondary"))["changed"]


def test_secondary_fails_when_the_device_is_in_use(node):
    node.set_synced(role="Primary")
    node.in_use = True
    result = run(dict(state="secondary"))
    assert result.get("failed") and "mounted" in result["msg"] and "held open" in result["msg"]


def test_down_refuses_a_primary_and_takes_a_secondary_down(node):
    node.set_synced(role="Primary")
    result = run(dict(state="down"))
    assert result.get("failed") and "Primary" in result["msg"] and node.changes() == []
    node.role = "Secondary"
    result = run(dict(state="down"))
    assert result["changed"] and node.changes() == [["down"]] and result["role"] == "Unconfigured"
    node.calls = []
    assert not run(dict(state="down"))["changed"]


def test_absent_needs_confirmation(node):
    node.set_synced()
    result = run(dict(state="absent"))
    assert result.get("failed") and "wipe_confirm" in result["msg"] and node.changes() == []


def test_absent_takes_down_and_wipes(node):
    node.set_synced()
    result = run(dict(state="absent", wipe_confirm=True))
    assert result["changed"] and node.changes() == [["down"], ["--", "--force", "wipe-md"]]
    assert result["metadata"] == "none" and node.metadata == "none"
    node.calls = []
    again = run(dict(state="absent", wipe_confirm=True))
    assert not again["changed"] and node.changes() == []


def test_absent_in_check_mode_runs_nothing(node):
    node.set_synced()
    result = run(dict(state="absent", wipe_confirm=True), check=True)
    assert result["changed"] and node.changes() == []
    assert result["commands"] == ["drbdadm down clusterdr", "drbdadm -- --force wipe-md clusterdr"]


def test_drbdsetup_json_only_on_drbd9(node):
    node.set_synced()
    run(dict(state="up"))
    used = any(os.path.basename(call[0]) == "drbdsetup" for call in node.calls)
    assert used == (node.family == "9")
