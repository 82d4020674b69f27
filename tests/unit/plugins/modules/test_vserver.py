"""Module hapair.cluster.vserver against a fake node (files in tmp_path, commands mocked)."""
import io
import os
import tarfile

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.hapair.cluster.plugins.module_utils import vserver_backends
from ansible_collections.hapair.cluster.plugins.module_utils import vserver_nspawn
from ansible_collections.hapair.cluster.plugins.modules import vserver
from module_exits import Exit, Fail

QUERIES = ("is-active", "is-enabled", "status")


def add_file(tar, name, text):
    data = text.encode()
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def make_template(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(str(path), "w:gz") as tar:
        add_file(tar, "./etc/os-release", 'ID=debian\nVERSION_CODENAME=trixie\n')
        add_file(tar, "./etc/hostname", "\n")
        add_file(tar, "./usr/sbin/init", "#!/bin/sh\n")


class FakeNode:
    """Answers the module's commands like a node would, and records them."""

    def __init__(self, debootstrap=True):
        self.calls = []
        self.active = set()
        self.enabled = set()
        self.debootstrap = debootstrap
        self.vserver_running = set()

    def changes(self):
        """The calls that are not queries."""
        return [c for c in self.calls if not any(q in c for q in QUERIES)]

    def get_bin_path(self, name, required=False, opt_dirs=None):
        if name == "debootstrap" and not self.debootstrap:
            return None
        return "/usr/bin/" + name

    def run_command(self, argv, check_rc=False, **kwargs):
        argv = list(argv)
        self.calls.append(argv)
        prog = os.path.basename(argv[0])
        if prog == "systemctl":
            verb = argv[1]
            unit = argv[-1]
            if verb == "is-active":
                return (0 if unit in self.active else 3), "", ""
            if verb == "is-enabled":
                return (0, "enabled\n", "") if unit in self.enabled else (1, "disabled\n", "")
            if verb in ("start", "restart"):
                self.active.add(unit)
            elif verb == "stop":
                self.active.discard(unit)
            elif verb == "disable":
                self.enabled.discard(unit)
            return 0, "", ""
        if prog == "tar" and "-xpzf" in argv:
            tarball = argv[argv.index("-xpzf") + 1]
            dest = argv[argv.index("-C") + 1]
            with tarfile.open(tarball) as tar:
                tar.extractall(dest)
            return 0, "", ""
        if prog == "tar" and "-czf" in argv:
            src = argv[argv.index("-C") + 1]
            out = argv[argv.index("-czf") + 1]
            with tarfile.open(out, "w:gz") as tar:
                tar.add(src, arcname=".")
            return 0, "", ""
        if prog == "debootstrap":
            target = argv[-2]
            os.makedirs(os.path.join(target, "etc"))
            with open(os.path.join(target, "etc", "os-release"), "w") as handle:
                handle.write("ID=debian\n")
            return 0, "", ""
        if prog == "vserver":
            name, action = argv[1], argv[2]
            if action == "status":
                return (0 if name in self.vserver_running else 1), "", ""
            return 0, "", ""
        if prog == "newvserver":
            return 0, "", ""
        raise AssertionError("unexpected command %r" % argv)


@pytest.fixture
def node(tmp_path, monkeypatch):
    fake = FakeNode()
    monkeypatch.setitem(vserver_nspawn.SYSTEM_PATHS, "settings_dir", str(tmp_path / "etc/systemd/nspawn"))
    monkeypatch.setitem(vserver_nspawn.SYSTEM_PATHS, "unit_dir", str(tmp_path / "etc/systemd/system"))
    monkeypatch.setitem(vserver_nspawn.SYSTEM_PATHS, "machines_dir", str(tmp_path / "var/lib/machines"))
    monkeypatch.setitem(vserver_backends.UTIL_VSERVER, "vserver", str(tmp_path / "usr/sbin/vserver"))
    monkeypatch.setitem(vserver_backends.UTIL_VSERVER, "newvserver", str(tmp_path / "usr/sbin/newvserver"))
    monkeypatch.setitem(vserver_backends.UTIL_VSERVER, "config_dir", str(tmp_path / "etc/vservers"))
    monkeypatch.setattr(basic.AnsibleModule, "run_command", lambda self, argv, **kw: fake.run_command(argv, **kw))
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path",
                        lambda self, name, required=False, opt_dirs=None: fake.get_bin_path(name))

    def exit_json(self, **kwargs):
        raise Exit(kwargs)

    def fail_json(self, **kwargs):
        raise Fail(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    (tmp_path / "srv/vservers").mkdir(parents=True)
    make_template(tmp_path / "templates/trixie.tar.gz")
    helper = tmp_path / "guest-net"
    helper.write_text("#!/bin/sh\n")
    helper.chmod(0o755)
    fake.tmp = tmp_path
    return fake


def guest_args(node, **extra):
    args = {
        "name": "hubble",
        "domain": "dr12.cnrs.fr",
        "address": "10.10.10.12/24",
        "interface": "eth0",
        "suite": "trixie",
        "root": str(node.tmp / "srv/vservers"),
        "template_dir": str(node.tmp / "templates"),
        "net_helper": str(node.tmp / "guest-net"),
    }
    args.update(extra)
    return args


def run(args, check=False, diff=False):
    args = dict(args)
    if check:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    with patch_module_args(args):
        with pytest.raises((Exit, Fail)) as caught:
            vserver.main()
    return caught.value


def ok(args, **kw):
    outcome = run(args, **kw)
    assert isinstance(outcome, Exit), outcome.result.get("msg")
    return outcome.result


def failed(args, **kw):
    outcome = run(args, **kw)
    assert isinstance(outcome, Fail), outcome.result
    return outcome.result


def snapshot(root):
    """Every path under ROOT with its content, to compare before/after."""
    out = {}
    for folder, dirs, files in os.walk(str(root)):
        for name in dirs + files:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                out[path] = "-> " + os.readlink(path)
            elif os.path.isfile(path):
                with open(path, "rb") as handle:
                    out[path] = handle.read()
            else:
                out[path] = "dir"
    return out


def test_present_creates_the_tree_from_the_template(node):
    result = ok(guest_args(node))
    tree = node.tmp / "srv/vservers/hubble"
    assert result["changed"] is True
    assert result["running"] is False
    assert result["tree"] == str(tree)
    assert result["backend"] == "nspawn"
    assert (tree / "etc/os-release").is_file()
    assert (tree / "etc/hostname").read_text() == "hubble\n"
    assert "10.10.10.12\thubble.dr12.cnrs.fr\thubble\n" in (tree / "etc/hosts").read_text()
    assert not (node.tmp / "srv/vservers/.hubble.hapair-new").exists()
    settings = (node.tmp / "etc/systemd/nspawn/hubble.nspawn").read_text()
    assert result["settings"] == str(node.tmp / "etc/systemd/nspawn/hubble.nspawn")
    assert "Boot=yes" in settings and "VirtualEthernet=yes" in settings
    assert "PrivateUsers=%d:65536" % vserver_nspawn.uid_base("hubble") in settings
    dropin = (node.tmp / "etc/systemd/system/systemd-nspawn@hubble.service.d/hapair-guest.conf").read_text()
    assert "ExecStartPost=%s up hubble 10.10.10.12/24 eth0\n" % (node.tmp / "guest-net") in dropin
    assert "ExecStopPost=-%s down hubble 10.10.10.12/24 eth0\n" % (node.tmp / "guest-net") in dropin
    assert os.readlink(str(node.tmp / "var/lib/machines/hubble")) == str(tree)
    changes = node.changes()
    assert changes[0][:2] == ["/usr/bin/tar", "--numeric-owner"]
    assert ["/usr/bin/systemctl", "daemon-reload"] in changes
    assert not any(c[1] in ("start", "enable") for c in changes if c[0].endswith("systemctl"))
    assert result["commands"] == changes


def test_rerun_changes_nothing(node):
    ok(guest_args(node, state="started"))
    before = snapshot(node.tmp)
    node.calls.clear()
    result = ok(guest_args(node, state="started"), diff=True)
    assert result["changed"] is False
    assert result["commands"] == []
    assert result["diff"] == []
    assert result["running"] is True
    assert node.changes() == []
    assert snapshot(node.tmp) == before


def test_check_mode_runs_nothing(node):
    before = snapshot(node.tmp)
    result = ok(guest_args(node, state="started"), check=True, diff=True)
    assert result["changed"] is True
    assert result["running"] is True
    assert node.changes() == []
    assert snapshot(node.tmp) == before
    planned = [c[1] for c in result["commands"]]
    assert "--numeric-owner" in planned and "start" in planned
    headers = [d["after_header"] for d in result["diff"]]
    assert str(node.tmp / "etc/systemd/nspawn/hubble.nspawn") in headers


def test_diff_shows_the_settings_change(node):
    ok(guest_args(node))
    result = ok(guest_args(node, capabilities=["net_admin"]), diff=True)
    assert result["changed"] is True
    (settings,) = [d for d in result["diff"] if d["after_header"].endswith("hubble.nspawn")]
    assert "Capability" not in settings["before"]
    assert "Capability=CAP_NET_ADMIN\n" in settings["after"]
    # The unit drop-in did not change: no daemon-reload this time.
    assert result["commands"] == []


def test_started_stopped_restarted(node):
    unit = "systemd-nspawn@hubble.service"
    assert ok(guest_args(node, state="started"))["running"] is True
    assert unit in node.active
    node.calls.clear()
    result = ok(guest_args(node, state="stopped"))
    assert result["changed"] is True and result["running"] is False
    assert node.changes() == [["/usr/bin/systemctl", "stop", unit]]
    assert ok(guest_args(node, state="stopped"))["changed"] is False
    node.calls.clear()
    result = ok(guest_args(node, state="restarted"))
    assert result["changed"] is True and result["running"] is True
    assert node.changes() == [["/usr/bin/systemctl", "restart", unit]]


def test_start_needs_the_network_helper(node):
    result = failed(guest_args(node, state="started", net_helper=str(node.tmp / "missing")))
    assert "network helper" in result["msg"] and "vserver_host" in result["msg"]
    assert "systemd-nspawn@hubble.service" not in node.active


def test_an_enabled_guest_is_disabled(node):
    node.enabled.add("systemd-nspawn@hubble.service")
    ok(guest_args(node))
    assert ["/usr/bin/systemctl", "disable", "systemd-nspawn@hubble.service"] in node.changes()
    assert not node.enabled


def test_absent_refuses_a_running_guest(node):
    ok(guest_args(node, state="started"))
    before = snapshot(node.tmp)
    result = failed({"name": "hubble", "state": "absent", "root": str(node.tmp / "srv/vservers")})
    assert "running" in result["msg"] and "state=stopped" in result["msg"]
    assert snapshot(node.tmp) == before


def test_absent_keeps_the_tree_unless_purged(node):
    root = str(node.tmp / "srv/vservers")
    tree = node.tmp / "srv/vservers/hubble"
    ok(guest_args(node))
    result = ok({"name": "hubble", "state": "absent", "root": root})
    assert result["changed"] is True
    assert (tree / "etc/os-release").is_file()
    assert not (node.tmp / "etc/systemd/nspawn/hubble.nspawn").exists()
    assert not (node.tmp / "etc/systemd/system/systemd-nspawn@hubble.service.d").exists()
    assert not os.path.lexists(str(node.tmp / "var/lib/machines/hubble"))
    again = ok({"name": "hubble", "state": "absent", "root": root})
    assert again["changed"] is False
    assert tree.is_dir()
    purged = ok({"name": "hubble", "state": "absent", "root": root, "purge": True})
    assert purged["changed"] is True
    assert not tree.exists()
    assert ok({"name": "hubble", "state": "absent", "root": root, "purge": True})["changed"] is False


def test_missing_template_is_built_once_with_debootstrap(node):
    (node.tmp / "templates/trixie.tar.gz").unlink()
    ok(guest_args(node))
    debootstraps = [c for c in node.calls if c[0].endswith("debootstrap")]
    assert len(debootstraps) == 1
    assert debootstraps[0][:3] == ["/usr/bin/debootstrap", "--variant=minbase",
                                   "--include=systemd-sysv,dbus,iproute2"]
    assert debootstraps[0][-3] == "trixie" and debootstraps[0][-1] == "http://deb.debian.org/debian"
    assert (node.tmp / "templates/trixie.tar.gz").is_file()
    assert not (node.tmp / "templates/trixie.tar.gz.hapair-build").exists()
    assert (node.tmp / "srv/vservers/hubble/etc/os-release").is_file()
    node.calls.clear()
    ok(guest_args(node, name="atlas", address="10.10.10.13/24"))
    assert not [c for c in node.calls if c[0].endswith("debootstrap")]


def test_missing_template_without_debootstrap_fails(node):
    (node.tmp / "templates/trixie.tar.gz").unlink()
    node.debootstrap = False
    result = failed(guest_args(node))
    assert "debootstrap is not installed" in result["msg"]
    assert not (node.tmp / "srv/vservers/hubble").exists()


def test_method_debootstrap_builds_in_place(node):
    ok(guest_args(node, method="debootstrap", mirror="http://127.0.0.1:3142/deb.debian.org/debian"))
    (call,) = [c for c in node.calls if c[0].endswith("debootstrap")]
    assert call[-2] == str(node.tmp / "srv/vservers/.hubble.hapair-new")
    assert (node.tmp / "srv/vservers/hubble/etc/hostname").read_text() == "hubble\n"


def test_missing_root_fails_without_creating_it(node):
    result = failed(guest_args(node, root=str(node.tmp / "srv/unmounted")))
    assert "does not exist" in result["msg"] and "mounted" in result["msg"]
    assert not (node.tmp / "srv/unmounted").exists()


def test_something_else_in_the_way_is_left_alone(node):
    tree = node.tmp / "srv/vservers/hubble"
    tree.mkdir()
    (tree / "data").write_text("precious")
    result = failed(guest_args(node))
    assert "not an OS tree" in result["msg"]
    assert (tree / "data").read_text() == "precious"


def test_two_guests_with_one_user_range_fail(node):
    base = vserver_nspawn.uid_base("hubble")
    ok(guest_args(node))
    result = failed(guest_args(node, name="atlas", address="10.10.10.13/24", uid_base=base))
    assert "hubble.nspawn" in result["msg"] and "uid_base" in result["msg"]


def test_bad_parameters_fail_clearly(node):
    assert "address/prefix" in failed(guest_args(node, address="10.10.10.12"))["msg"]
    assert "capability" in failed(guest_args(node, capabilities=["NET ADMIN"]))["msg"]
    assert "valid guest name" in failed(guest_args(node, name="Bad_Name"))["msg"]
    assert "multiple of 65536" in failed(guest_args(node, uid_base=1000))["msg"]
    assert "address" in failed({"name": "hubble", "state": "started"})["msg"]
    assert node.calls == []


def test_util_vserver_absent_fails_and_changes_nothing(node):
    before = snapshot(node.tmp)
    result = failed(guest_args(node, backend="util-vserver", hostname="hubble", state="started"))
    assert "util-vserver is not installed" in result["msg"] and "backend=nspawn" in result["msg"]
    assert result["changed"] is False
    assert node.calls == []
    assert snapshot(node.tmp) == before


def install_util_vserver(node):
    sbin = node.tmp / "usr/sbin"
    sbin.mkdir(parents=True)
    for name in ("vserver", "newvserver"):
        (sbin / name).write_text("#!/bin/sh\n")
        (sbin / name).chmod(0o755)


def test_util_vserver_runs_newvserver_with_the_report_options(node):
    install_util_vserver(node)
    result = ok(guest_args(node, backend="util-vserver", state="started"))
    newvserver = str(node.tmp / "usr/sbin/newvserver")
    assert [c for c in node.calls if c[0] == newvserver] == [[
        newvserver, "--vsroot", str(node.tmp / "srv/vservers"), "--hostname", "hubble",
        "--domain", "dr12.cnrs.fr", "--ip", "10.10.10.12/24", "--dist", "trixie",
        "--mirror", "http://deb.debian.org/debian", "--interface", "eth0"]]
    assert [str(node.tmp / "usr/sbin/vserver"), "hubble", "start"] in node.calls
    assert result["settings"] == str(node.tmp / "etc/vservers/hubble")


def test_util_vserver_refuses_template_method(node):
    install_util_vserver(node)
    result = failed(guest_args(node, backend="util-vserver", method="template"))
    assert "method=template" in result["msg"]


def test_configured_writes_the_node_files_and_never_the_tree(node):
    """The peer, where the guest root (on DRBD) is not mounted: settings,
    unit drop-in and machinectl link, so that a takeover finds the guest."""
    args = guest_args(node, state="configured", root=str(node.tmp / "not-mounted/vservers"))
    result = ok(args)
    assert result["changed"] is True and result["running"] is False
    assert not (node.tmp / "not-mounted").exists()
    settings = (node.tmp / "etc/systemd/nspawn/hubble.nspawn").read_text()
    assert "PrivateUsers=%d:65536" % vserver_nspawn.uid_base("hubble") in settings
    assert (node.tmp / "etc/systemd/system/systemd-nspawn@hubble.service.d/hapair-guest.conf").is_file()
    assert os.readlink(str(node.tmp / "var/lib/machines/hubble")) == str(node.tmp / "not-mounted/vservers/hubble")
    assert node.changes() == [["/usr/bin/systemctl", "daemon-reload"]]
    node.calls.clear()
    again = ok(args, diff=True)
    assert again["changed"] is False and again["diff"] == [] and node.changes() == []


def test_configured_writes_what_present_writes(node):
    ok(guest_args(node, state="configured"))
    before = snapshot(node.tmp / "etc")
    result = ok(guest_args(node))
    assert snapshot(node.tmp / "etc") == before
    # the tree is made by present only
    assert result["changed"] is True and (node.tmp / "srv/vservers/hubble/etc/os-release").is_file()


def test_configured_in_check_mode_says_what_it_would_write(node):
    before = snapshot(node.tmp)
    result = ok(guest_args(node, state="configured"), check=True, diff=True)
    assert result["changed"] is True
    assert snapshot(node.tmp) == before and node.changes() == []
    headers = [d["after_header"] for d in result["diff"]]
    assert str(node.tmp / "etc/systemd/nspawn/hubble.nspawn") in headers


def test_configured_refused_for_util_vserver(node):
    install_util_vserver(node)
    before = snapshot(node.tmp)
    result = failed(guest_args(node, backend="util-vserver", state="configured"))
    assert "Csync2" in result["msg"] and "/etc/vservers/hubble" in result["msg"]
    assert snapshot(node.tmp) == before
