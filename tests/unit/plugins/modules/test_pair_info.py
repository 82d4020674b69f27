"""Module hapair.cluster.pair_info on a node built by hand, as files in tmp_path.

drbdadm is answered by FakeDrbdadm; every other file (ha.d, csync2, mon,
nspawn, /proc/mounts, /proc/drbd) is a file under tmp_path.
"""
import hashlib
import json
import os
import pwd

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.hapair.cluster.plugins.module_utils import drbd as drbd_utils
from ansible_collections.hapair.cluster.plugins.modules import pair_info
from module_exits import Exit, Fail, raise_at_exit

# drbdadm dump all, one line a host section
DRBD_DUMP = """\
# resource srvdata on node-a: not ignored, not stacked
resource srvdata {
    on node-a { device /dev/drbd1 minor 1; disk /dev/vg0/srv; meta-disk internal; address ipv4 192.168.100.1:7790; }
    on node-b { device /dev/drbd1 minor 1; disk /dev/sdb1; meta-disk internal; address ipv4 192.168.100.2:7790; }
    net { protocol C; }
}
"""

PROC_DRBD = """\
version: 8.4.11 (api:1/proto:86-101)
 1: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----
    ns:1024 nr:0 dw:1024 dr:2048 al:1 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0
"""

SECRET = "Heartbeat-Secret-42"

FILES = {
    "etc/ha.d/ha.cf": "keepalive 1\ndeadtime 10\nwarntime 5000ms\nserial /dev/ttyS0\nucast eth1 192.168.100.2\n"
                      "node node-a\nnode node-b\nauto_failback off\nnodeip 10.0.0.1\n",
    "etc/ha.d/haresources": "node-a drbddisk::srvdata Filesystem::/dev/drbd1::/srv::ext4 cluster MailTo::ops@example.org\n",
    "etc/ha.d/authkeys": "auth 1\n1 sha1 %s\n" % SECRET,
    "etc/csync2.cfg": "nossl * *;\ngroup dr {\n  host node-a node-b;\n  key KEY;\n  include /etc/hosts;\n}\n",
    "etc/csync2.key_dr": "CSYNC2-KEY-CONTENT\n",
    "etc/mon/mon.cf": "alertdir = /usr/lib/mon/alert.d\n\nhostgroup hubble 10.10.10.12\n\nwatch hubble\n"
                      "  service http\n    interval 30s\n    monitor http.monitor\n"
                      "    period wd {Mon-Fri} hr {2am-11pm}\n      alert ha-up-down.alert root\n",
    "etc/systemd/nspawn/hubble.nspawn": "[Exec]\nBoot=yes\n[Network]\nPrivate=yes\nVirtualEthernet=yes\n",
    "etc/systemd/nspawn/notes.txt": "not a unit\n",
    "proc/mounts": "/dev/vda1 / ext4 rw,relatime 0 0\n/dev/drbd1 /srv ext4 rw,relatime 0 0\n",
    "proc/drbd": PROC_DRBD,
}


class FakeDrbdadm:
    """drbdadm on node-a: dump all, and the state of each resource."""

    def __init__(self):
        self.calls = []
        self.dump = (0, DRBD_DUMP, "")

    def run_command(self, argv, **kwargs):
        assert isinstance(argv, list), "commands are argument lists, never a shell string"
        self.calls.append(argv)
        assert os.path.basename(argv[0]) == "drbdadm", argv
        answers = {
            ("dump", "all"): self.dump,
            ("role", "srvdata"): (0, "Primary/Secondary\n", ""),
            ("cstate", "srvdata"): (0, "Connected\n", ""),
            ("dstate", "srvdata"): (0, "UpToDate/UpToDate\n", ""),
            ("sh-minor", "srvdata"): (0, "1\n", ""),
        }
        return answers[tuple(argv[1:])]


@pytest.fixture(autouse=True)
def exits(monkeypatch):
    raise_at_exit(monkeypatch)


@pytest.fixture(name="node")
def fixture_node(tmp_path, monkeypatch):
    """A node-a tree in tmp_path, drbdadm installed; returns (FakeDrbdadm, tmp_path)."""
    for relative, text in FILES.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("KEY", str(tmp_path / "etc/csync2.key_dr")))
    os.chmod(str(tmp_path / "etc/ha.d/authkeys"), 0o600)
    os.chmod(str(tmp_path / "etc/csync2.key_dr"), 0o640)
    fake = FakeDrbdadm()
    monkeypatch.setattr(basic.AnsibleModule, "run_command", lambda self, argv, **kw: fake.run_command(argv, **kw))
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path",
                        lambda self, name, required=False, opt_dirs=None: "/usr/sbin/" + name)
    monkeypatch.setattr(pair_info, "uname", lambda: ("node-a", "6.1.0-18-amd64"))
    monkeypatch.setattr(pair_info, "PROC_MOUNTS", str(tmp_path / "proc/mounts"))
    monkeypatch.setattr(drbd_utils, "PROC_DRBD", str(tmp_path / "proc/drbd"))
    return fake, tmp_path


def paths_in(root):
    return dict(
        ha_cf=str(root / "etc/ha.d/ha.cf"),
        haresources=str(root / "etc/ha.d/haresources"),
        authkeys=str(root / "etc/ha.d/authkeys"),
        csync2_cfg=str(root / "etc/csync2.cfg"),
        mon_cf=str(root / "etc/mon/mon.cf"),
        nspawn_dir=str(root / "etc/systemd/nspawn"),
    )


def run(args, check=False):
    args = dict(args)
    if check:
        args["_ansible_check_mode"] = True
    with patch_module_args(args):
        with pytest.raises((Exit, Fail)) as info:
            pair_info.main()
    if isinstance(info.value, Fail):
        return dict(info.value.result, failed=True)
    return info.value.result


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_reads_the_whole_node(node):
    fake, root = node
    result = run(dict(paths=paths_in(root)))
    assert result["changed"] is False and not result.get("failed")
    info = result["pair_info"]
    assert info["node"] == "node-a"
    [res] = info["drbd"]["resources"]
    assert (res["name"], res["minor"], res["port"], res["device"]) == ("srvdata", 1, 7790, "/dev/drbd1")
    assert res["hosts"]["node-b"]["address"] == "192.168.100.2"
    assert info["drbd"]["mounts"] == {"/dev/drbd1": [dict(mountpoint="/srv", fstype="ext4", options="rw,relatime")]}
    state = info["states"]["srvdata"]
    assert (state["role"], state["peer_role"], state["cstate"], state["disk"], state["peer_disk"]) == (
        "Primary", "Secondary", "Connected", "UpToDate", "UpToDate")
    hb = info["heartbeat"]
    assert hb["ha_cf"]["seconds"] == dict(keepalive=1.0, deadtime=10.0, warntime=5.0)
    assert hb["ha_cf"]["serial"] == ["/dev/ttyS0"] and hb["ha_cf"]["node"] == ["node-a", "node-b"]
    assert hb["haresources"]["groups"][0]["node"] == "node-a"
    me = pwd.getpwuid(os.getuid()).pw_name
    assert hb["authkeys"] == dict(auth=1, method="sha1", sha256=sha256(root / "etc/ha.d/authkeys"),
                                  mode="0600", owner=me, group=hb["authkeys"]["group"])
    key = str(root / "etc/csync2.key_dr")
    assert info["csync2"]["groups"]["dr"]["key"] == key
    assert info["csync2"]["keys"] == {key: dict(mode="0640", owner=me, group=hb["authkeys"]["group"],
                                                sha256=sha256(root / "etc/csync2.key_dr"))}
    assert info["mon"]["watches"]["hubble"]["services"]["http"]["interval"] == "30s"
    assert info["nspawn"] == {"hubble": {"Exec": {"Boot": ["yes"]},
                                         "Network": {"Private": ["yes"], "VirtualEthernet": ["yes"]}}}
    assert info["missing"] == []
    assert info["unread"] == [dict(file=str(root / "etc/ha.d/ha.cf"), line=9, text="nodeip 10.0.0.1",
                                   reason="directive nodeip is not one this parser reads")]
    # only questions were asked
    assert [c[1] for c in fake.calls] == ["dump", "role", "cstate", "dstate", "sh-minor"]


def test_no_secret_and_no_key_content_in_the_result(node):
    _fake, root = node
    text = json.dumps(run(dict(paths=paths_in(root))))
    assert SECRET not in text
    assert "CSYNC2-KEY-CONTENT" not in text


def test_check_mode_reads_the_same(node):
    _fake, root = node
    assert run(dict(paths=paths_in(root)), check=True) == run(dict(paths=paths_in(root)))


def test_missing_files_are_listed_not_errors(node, monkeypatch):
    fake, root = node
    empty = root / "empty"
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda self, name, required=False, opt_dirs=None: None)
    result = run(dict(paths=paths_in(empty)))
    assert not result.get("failed")
    info = result["pair_info"]
    assert sorted(info["missing"]) == sorted(paths_in(empty).values())
    assert info["drbd"]["drbdadm"] is None and info["states"] == {}
    assert info["heartbeat"] == dict(ha_cf=None, haresources=None, authkeys=None)
    assert info["csync2"] is None and info["mon"] is None and info["nspawn"] == {}
    assert fake.calls == []


def test_a_missing_csync2_key_is_listed(node):
    _fake, root = node
    (root / "etc/csync2.key_dr").unlink()
    info = run(dict(paths=paths_in(root)))["pair_info"]
    key = str(root / "etc/csync2.key_dr")
    assert info["csync2"]["keys"] == {key: None} and info["missing"] == [key]


def test_defaults_fill_the_paths_not_given(node, monkeypatch):
    _fake, root = node
    monkeypatch.setattr(pair_info, "DEFAULT_PATHS", paths_in(root))
    (root / "elsewhere.cf").write_text("keepalive 500ms\n")
    info = run(dict(paths=dict(ha_cf=str(root / "elsewhere.cf"))))["pair_info"]
    assert info["heartbeat"]["ha_cf"] == dict(keepalive="500ms", seconds=dict(keepalive=0.5))
    assert info["heartbeat"]["authkeys"]["method"] == "sha1"
    assert run({})["pair_info"]["heartbeat"]["ha_cf"]["keepalive"] == "1"


def test_a_failing_drbdadm_dump_fails_the_module(node):
    fake, root = node
    fake.dump = (3, "", "drbd.d/srvdata.res:4: Parse error: 'disk | device | address | meta-disk' expected\n")
    result = run(dict(paths=paths_in(root)))
    assert result.get("failed")
    assert result["msg"].startswith("drbdadm dump all failed (rc 3): drbd.d/srvdata.res:4: Parse error")
