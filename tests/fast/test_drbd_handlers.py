"""The takeover guard and the split-brain handler, as rendered for apollo,
run against stub drbdadm, mail and logger."""
import os
import subprocess

import pytest

STUBS = {
    # drbdadm dstate|role RES: the answer comes from the environment.
    "drbdadm": '#!/bin/sh\ncase "$1" in\n  dstate) echo "$DSTATE" ;;\n  role) echo "$ROLE" ;;\n'
               '  *) exit 3 ;;\nesac\n',
    # written aside, then renamed: a mail is seen whole or not at all
    "mail": '#!/bin/sh\n{ echo "mail $*"; cat; } > "$MAILS/.$$" && mv "$MAILS/.$$" "$MAILS/$(date +%s%N)"\n',
    "logger": '#!/bin/sh\necho "logger $*" >> "$SYSLOG"\n',
    # never the host's: the guard arms a transient unit with it
    "systemd-run": '#!/bin/sh\necho "systemd-run $*" >> "$SYSLOG"\n',
}


@pytest.fixture
def node(apollo_render, tmp_path):
    events = tmp_path / "events"
    stubs = tmp_path / "bin"
    stubs.mkdir()
    for name, body in STUBS.items():
        (stubs / name).write_text(body)
        (stubs / name).chmod(0o755)
    (tmp_path / "mails").mkdir()
    env = dict(os.environ, PATH="%s:%s" % (stubs, os.environ["PATH"]), MAILS=str(tmp_path / "mails"),
               SYSLOG=str(tmp_path / "syslog"), DSTATE="UpToDate/UpToDate", ROLE="Secondary/Primary")

    def script(path):
        text = (apollo_render / "apollo13" / path.lstrip("/")).read_text()
        assert "/var/lib/hapair/events" in text
        dest = tmp_path / os.path.basename(path)
        dest.write_text(text.replace("/var/lib/hapair/events", str(events)))
        dest.chmod(0o755)
        return dest

    def run(path, *args, **extra):
        proc = subprocess.run([str(script(path)), *args], env=dict(env, **extra), capture_output=True,
                              text=True, timeout=30, check=False)
        return proc

    def mails():
        # mail runs in the background: give it a moment
        for _ in range(50):
            found = sorted(p for p in (tmp_path / "mails").iterdir() if not p.name.startswith("."))
            if found:
                return [p.read_text() for p in found]
            subprocess.run(["sleep", "0.1"], check=False)
        return []

    run.events = events
    run.mails = mails
    run.syslog = tmp_path / "syslog"
    return run


GUARD = "/etc/ha.d/resource.d/hapair-guard"
NOTIFY = "/usr/local/lib/hapair/drbd-notify"


@pytest.mark.parametrize("disk", ["Outdated", "Inconsistent", "Diskless", "Failed"])
def test_the_guard_refuses_a_copy_that_is_not_the_newest(node, disk):
    proc = node(GUARD, "clusterdr", "start", DSTATE="%s/DUnknown" % disk)
    assert proc.returncode == 1
    record = (node.events / "clusterdr.refused-takeover").read_text()
    assert "refused-takeover disk=%s" % disk in record
    assert "refuses to take over clusterdr: its data are %s" % disk in node.syslog.read_text()
    # the group goes to the peer once it is back
    assert "--unit=hapair-handover-clusterdr" in node.syslog.read_text()
    assert "hapair-guard clusterdr handover" in node.syslog.read_text()
    mails = node.mails()
    assert len(mails) == 1
    # the report's MailTo address gets it, with the way out
    assert "supervision.ssi@cnrs-mrs.fr" in mails[0]
    assert "force-takeover.yml -e node=" in mails[0] and "accept_data_loss=clusterdr" in mails[0]


@pytest.mark.parametrize("disk", ["UpToDate/DUnknown", "Consistent/DUnknown", "UpToDate/UpToDate"])
def test_the_guard_lets_a_current_copy_take_over_and_forgets_an_old_refusal(node, disk):
    node.events.mkdir()
    (node.events / "clusterdr.refused-takeover").write_text("old\n")
    proc = node(GUARD, "clusterdr", "start", DSTATE=disk)
    assert proc.returncode == 0, proc.stderr
    assert not (node.events / "clusterdr.refused-takeover").exists()
    assert "refuses" not in proc.stderr


def test_the_guard_status_follows_the_drbd_role(node):
    assert node(GUARD, "clusterdr", "status", ROLE="Primary/Unknown").stdout.strip() == "running"
    assert node(GUARD, "clusterdr", "status", ROLE="Secondary/Primary").stdout.strip() == "stopped"
    assert node(GUARD, "clusterdr", "stop").returncode == 0
    assert node(GUARD).returncode == 2


@pytest.mark.parametrize("event, state", [("initial-split-brain", "detected"), ("split-brain", "unresolved")])
def test_every_split_brain_is_recorded_logged_and_mailed(node, event, state):
    proc = node(NOTIFY, event, DRBD_RESOURCE="clusterdr", DRBD_PEER="apollo12")
    assert proc.returncode == 0, proc.stderr
    lines = (node.events / "clusterdr.split-brain").read_text().splitlines()
    assert len(lines) == 1 and lines[0].endswith("%s %s peer=apollo12" % (event, state))
    assert "split brain on clusterdr" in node.syslog.read_text()
    mails = node.mails()
    assert len(mails) == 1 and "mail -s" in mails[0] and "root" in mails[0]
    # a second one is added, not overwritten
    node(NOTIFY, event, DRBD_RESOURCE="clusterdr", DRBD_PEER="apollo12")
    assert len((node.events / "clusterdr.split-brain").read_text().splitlines()) == 2


def test_the_split_brain_handler_refuses_an_unknown_event(node):
    assert node(NOTIFY, "pri-lost", DRBD_RESOURCE="clusterdr").returncode == 2
