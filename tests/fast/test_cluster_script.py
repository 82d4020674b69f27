"""The rendered cluster script does what the report's did, in its order."""
import os
import subprocess

import pytest

GUESTS = ["hebdo", "hubble", "atlas", "ldap", "relay", "etats"]

SYSTEMCTL = """#!/bin/bash
echo "systemctl $*" >> "$LOG"
unit=${@: -1}
name=${unit#systemd-nspawn@}; name=${name%.service}
case "$1" in
  is-active) grep -qx "$name" "$RUNNING" 2>/dev/null; exit $? ;;
  start) if [ "$name" = "${FAIL_GUEST:-}" ]; then exit 1; fi; echo "$name" >> "$RUNNING" ;;
  stop) grep -vx "$name" "$RUNNING" > "$RUNNING.new" 2>/dev/null; mv "$RUNNING.new" "$RUNNING" ;;
esac
exit 0
"""

HOOK = """#!/bin/bash
echo "hook $(basename "$0" .sh) $1" >> "$LOG"
"""


@pytest.fixture
def cluster(apollo_render, tmp_path):
    text = (apollo_render / "apollo12" / "etc/ha.d/resource.d/cluster").read_text()
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for guest in GUESTS:
        hook = hooks / (guest + ".sh")
        hook.write_text(HOOK)
        hook.chmod(0o755)
    machines = tmp_path / "machines"
    for guest in GUESTS:
        (machines / guest).mkdir(parents=True)
    script = tmp_path / "cluster"
    script.write_text(text.replace("HOOKS=/etc/vservers", "HOOKS=%s" % hooks)
                      .replace("MACHINES=/var/lib/machines", "MACHINES=%s" % machines))
    script.chmod(0o755)
    stubs = tmp_path / "bin"
    stubs.mkdir()
    for name, body in (("systemctl", SYSTEMCTL), ("logger", "#!/bin/sh\nexit 0\n")):
        (stubs / name).write_text(body)
        (stubs / name).chmod(0o755)
    env = dict(os.environ, PATH="%s:%s" % (stubs, os.environ["PATH"]),
               LOG=str(tmp_path / "log"), RUNNING=str(tmp_path / "running"))

    def run(action, **extra):
        (tmp_path / "log").write_text("")
        proc = subprocess.run([str(script), action], env=dict(env, **extra), capture_output=True,
                              text=True, check=False)
        return proc, (tmp_path / "log").read_text().splitlines()
    run.machines = machines
    run.script = script
    return run


def guest_calls(log, guest):
    return [line for line in log if "@%s." % guest in line or line.startswith("hook %s " % guest)]


def test_together_announces_and_launches_each_guest_in_order_then_starts_mon(cluster):
    text = cluster.script.read_text()
    cluster.script.write_text(text.replace("TOGETHER=no", "TOGETHER=yes"))
    proc, log = cluster("start")
    assert proc.returncode == 0, proc.stderr
    assert log[0] == "systemctl stop mon.service"
    assert log[-1] == "systemctl start mon.service"
    # Each guest not running: announced, then started, then its post-start hook.
    for guest in GUESTS:
        assert guest_calls(log, guest) == [
            "systemctl is-active --quiet systemd-nspawn@%s.service" % guest,
            "hook %s pre-start" % guest,
            "systemctl start systemd-nspawn@%s.service" % guest,
            "hook %s post-start" % guest]
    # Announced in inventory order, each before the next guest's start is launched.
    announced = [line.split()[1] for line in log if line.endswith(" pre-start")]
    assert announced == GUESTS
    for before, after in zip(GUESTS, GUESTS[1:]):
        assert log.index("hook %s pre-start" % before) < log.index("hook %s pre-start" % after)


def test_guests_start_one_after_the_other_by_default(cluster):
    assert "TOGETHER=no" in cluster.script.read_text()
    proc, log = cluster("start")
    assert proc.returncode == 0, proc.stderr
    expected = ["systemctl stop mon.service"]
    for guest in GUESTS:
        expected += ["systemctl is-active --quiet systemd-nspawn@%s.service" % guest,
                     "hook %s pre-start" % guest,
                     "systemctl start systemd-nspawn@%s.service" % guest,
                     "hook %s post-start" % guest]
    expected.append("systemctl start mon.service")
    assert log == expected


def test_a_guest_not_created_yet_is_skipped(cluster):
    cluster.machines.joinpath("atlas").rmdir()
    proc, log = cluster("start")
    assert proc.returncode == 0, proc.stderr
    assert "atlas: not created on this node yet" in proc.stderr
    assert guest_calls(log, "atlas") == []
    assert all("systemctl start systemd-nspawn@%s.service" % g in log for g in GUESTS if g != "atlas")
    assert log[-1] == "systemctl start mon.service"


def test_with_no_guest_created_yet_mon_is_not_started(cluster):
    for guest in GUESTS:
        cluster.machines.joinpath(guest).rmdir()
    proc, log = cluster("start")
    assert proc.returncode == 0, proc.stderr
    assert log == ["systemctl stop mon.service"]
    assert "mon not started: no guest is created on this node yet" in proc.stderr


def test_a_guest_that_fails_does_not_stop_the_others(cluster):
    proc, log = cluster("start", FAIL_GUEST="atlas")
    assert "atlas: FAILED to start" in proc.stderr
    started = [line.split("@")[1].split(".")[0] for line in log if line.startswith("systemctl start systemd-nspawn@")]
    assert started == GUESTS
    assert log[-1] == "systemctl start mon.service"
    status, _ = cluster("status")
    assert status.returncode == 3 and status.stdout.strip() == "stopped"
    assert "atlas: down" in status.stderr and "hubble: up" in status.stderr


def test_status_running_only_when_every_guest_runs(cluster):
    proc, _ = cluster("status")
    assert proc.returncode == 3 and proc.stdout.strip() == "stopped"
    cluster("start")
    proc, _ = cluster("status")
    assert proc.returncode == 0 and proc.stdout.strip() == "running"


def test_stop_stops_mon_then_the_guests_in_reverse_order(cluster):
    cluster("start")
    proc, log = cluster("stop")
    assert proc.returncode == 0
    assert log[0] == "systemctl stop mon.service"
    stopped = [line.split("@")[1].split(".")[0] for line in log if line.startswith("systemctl stop systemd-nspawn@")]
    assert stopped == list(reversed(GUESTS))
    proc, _ = cluster("status")
    assert proc.returncode == 3


def test_a_second_start_starts_nothing_again(cluster):
    cluster("start")
    proc, log = cluster("start")
    assert proc.returncode == 0
    assert not [line for line in log if line.startswith("systemctl start systemd-nspawn@")]


def test_usage(cluster):
    proc, _ = cluster("bogus")
    assert proc.returncode == 2 and "Usage" in proc.stderr
