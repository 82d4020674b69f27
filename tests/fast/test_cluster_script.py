"""The rendered cluster script does what the report's did, in its order."""
import os
import shutil
import signal
import subprocess
import time

import pytest

GUESTS = ["hebdo", "hubble", "atlas", "ldap", "relay", "etats"]
# The one systemctl call that reads every guest's state, in order.
STATES = "systemctl is-active " + " ".join("systemd-nspawn@%s.service" % g for g in GUESTS)
# start's: Mon's unit read with the guests'.
START_STATES = STATES + " mon.service"

# RUNNING lists the guests whose unit has processes; RUNNING.stopping those of
# them whose stop hangs (unit "deactivating"). STUCK_GUEST's stop hangs until
# SIGKILL; UNKILLABLE_GUEST's hangs for good, as with a process stuck in the kernel.
SYSTEMCTL = """#!/bin/bash
echo "systemctl $*" >> "$LOG"
unit=${@: -1}
name=${unit#systemd-nspawn@}; name=${name%.service}
running() { grep -qx "$name" "$RUNNING" 2>/dev/null; }
gone() {
  for list in "$RUNNING" "$RUNNING.stopping"; do
    grep -vx "$name" "$list" > "$list.new" 2>/dev/null; mv "$list.new" "$list"
  done
}
state_of() {
  # As systemd: "deactivating" while a stop hangs, "inactive" for a unit it does not know.
  name=${1#systemd-nspawn@}; name=${name%.service}
  if ! running; then echo inactive
  elif grep -qx "$name" "$RUNNING.stopping" 2>/dev/null; then echo deactivating
  else echo active; fi
}
case "$1" in
  is-active)
    # As systemd: one line per unit; success when at least one is active.
    shift
    quiet=no
    if [ "$1" = --quiet ]; then quiet=yes; shift; fi
    rc=3
    for unit in "$@"; do
      state=$(state_of "$unit")
      [ "$quiet" = yes ] || echo "$state"
      [ "$state" = active ] && rc=0
    done
    exit $rc ;;
  start) if [ "$name" = "${FAIL_GUEST:-}" ]; then exit 1; fi; echo "$name" >> "$RUNNING" ;;
  stop)
    if [ "$name" = "${STUCK_GUEST:-}" ] || [ "$name" = "${UNKILLABLE_GUEST:-}" ]; then
      running && echo "$name" >> "$RUNNING.stopping"
      while running; do sleep 0.1; done
    else
      gone
    fi ;;
  kill) if [ "$2" = --signal=SIGKILL ] && [ "$name" != "${UNKILLABLE_GUEST:-}" ]; then gone; fi ;;
esac
exit 0
"""

# Each mail in its own file of MAILS: arguments one a line, "---", the body.
MAIL = """#!/bin/bash
out="$MAILS/$$"
{ printf '%s\\n' "$@"; echo ---; cat; } > "$out.tmp"
mv "$out.tmp" "$out"
"""

LOGGER = """#!/bin/sh
echo "$*" >> "$SYSLOG"
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
    # A stuck guest costs the tests 1 s, not 60 (the default checked here).
    assert "\nSTOP_TIMEOUT=60\n" in text
    script.write_text(text.replace("HOOKS=/etc/vservers", "HOOKS=%s" % hooks)
                      .replace("MACHINES=/var/lib/machines", "MACHINES=%s" % machines)
                      .replace("\nSTOP_TIMEOUT=60\n", "\nSTOP_TIMEOUT=1\n"))
    script.chmod(0o755)
    stubs = tmp_path / "bin"
    stubs.mkdir()
    for name, body in (("systemctl", SYSTEMCTL), ("logger", LOGGER), ("mail", MAIL)):
        (stubs / name).write_text(body)
        (stubs / name).chmod(0o755)
    mails = tmp_path / "mails"
    mails.mkdir()
    env = dict(os.environ, PATH="%s:%s" % (stubs, os.environ["PATH"]),
               LOG=str(tmp_path / "log"), RUNNING=str(tmp_path / "running"),
               SYSLOG=str(tmp_path / "syslog"), MAILS=str(mails))

    def run(action, **extra):
        (tmp_path / "log").write_text("")
        (tmp_path / "syslog").write_text("")
        proc = subprocess.run([str(script), action], env=dict(env, **extra), capture_output=True,
                              text=True, check=False)
        return proc, (tmp_path / "log").read_text().splitlines()

    def mails_sent(count):
        """The mails sent (sent in the background: waits for COUNT of them)."""
        deadline = time.time() + 10
        while len([p for p in mails.iterdir() if p.suffix != ".tmp"]) < count and time.time() < deadline:
            time.sleep(0.1)
        out = []
        for path in sorted(p for p in mails.iterdir() if p.suffix != ".tmp"):
            args, body = path.read_text().split("---\n", 1)
            out.append((args.splitlines(), body))
        return out

    run.machines = machines
    run.script = script
    run.stubs = stubs
    run.mail_dir = mails
    run.running = tmp_path / "running"
    run.syslog = lambda: (tmp_path / "syslog").read_text().splitlines()
    run.mails = mails_sent
    return run


def guest_calls(log, guest):
    """The calls about GUEST alone (not the one reading every guest's state)."""
    return [line for line in log if line not in (STATES, START_STATES)
            and ("@%s." % guest in line or line.startswith("hook %s " % guest))]


def test_together_announces_and_launches_each_guest_in_order_then_starts_mon(cluster):
    text = cluster.script.read_text()
    cluster.script.write_text(text.replace("TOGETHER=no", "TOGETHER=yes"))
    proc, log = cluster("start")
    assert proc.returncode == 0, proc.stderr
    # Mon was not running: nothing to stop.
    assert log[0] == START_STATES
    assert log[-1] == "systemctl start mon.service"
    # Each guest not running: announced, then started, then its post-start hook.
    for guest in GUESTS:
        assert guest_calls(log, guest) == [
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
    expected = [START_STATES]
    for guest in GUESTS:
        expected += ["hook %s pre-start" % guest,
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
    assert log == [START_STATES]
    assert "mon not started: no guest is created on this node yet" in proc.stderr


def test_a_guest_that_fails_does_not_stop_the_others(cluster):
    proc, log = cluster("start", FAIL_GUEST="atlas")
    assert "atlas: FAILED to start" in proc.stderr
    started = [line.split("@")[1].split(".")[0] for line in log if line.startswith("systemctl start systemd-nspawn@")]
    assert started == GUESTS
    assert log[-1] == "systemctl start mon.service"
    # The other guests run: the group is held (Heartbeat must not unmount under them).
    status, _ = cluster("status")
    assert status.returncode == 0 and status.stdout.strip() == "running"
    assert "atlas: down" in status.stderr and "hubble: up" in status.stderr


def test_status_stopped_before_start_and_running_after(cluster):
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


def test_status_running_while_a_single_guest_runs(cluster):
    cluster.running.write_text("atlas\n")
    proc, _ = cluster("status")
    assert proc.returncode == 0 and proc.stdout.strip() == "running"
    assert "atlas: up" in proc.stderr
    assert all("%s: down" % g in proc.stderr for g in GUESTS if g != "atlas")


def test_status_stopped_when_no_guest_runs(cluster):
    proc, _ = cluster("status")
    assert proc.returncode == 3 and proc.stdout.strip() == "stopped"
    assert all("%s: down" % g in proc.stderr for g in GUESTS)


def test_status_and_start_ask_systemd_once_for_every_guest(cluster):
    # Heartbeat runs status before each start during a takeover: one
    # systemctl call, not one per guest.
    _, log = cluster("status")
    assert log == [STATES]
    cluster.running.write_text("hubble\n")
    _, log = cluster("start")
    assert log.count(START_STATES) == 1 and not [line for line in log if "is-active" in line and line != START_STATES]
    # A guest already up is left alone: no hook, no start.
    assert guest_calls(log, "hubble") == []


def test_a_mon_already_running_is_stopped_before_the_guests_start(cluster):
    cluster.running.write_text("mon\n")
    proc, log = cluster("start")
    assert proc.returncode == 0, proc.stderr
    assert log[:2] == [START_STATES, "systemctl stop mon.service"]
    assert log.index("systemctl stop mon.service") < log.index("hook %s pre-start" % GUESTS[0])
    assert log[-1] == "systemctl start mon.service"


def test_a_state_systemctl_does_not_give_counts_as_running(cluster):
    # systemctl answering nothing (its bus gone): the stop must fail rather
    # than let Heartbeat unmount /srv under guests that may still run.
    (cluster.stubs / "systemctl").write_text(SYSTEMCTL.replace('  is-active)\n', '  is-active)\n    exit 1\n'))
    proc, _ = cluster("status")
    assert proc.returncode == 0 and proc.stdout.strip() == "running"
    proc, _ = cluster("stop")
    assert proc.returncode != 0 and "still running after the stop" in proc.stderr


def test_status_counts_a_guest_still_shutting_down_as_running(cluster):
    # systemctl is-active fails for a "deactivating" unit, whose processes still use /srv.
    cluster.running.write_text("atlas\n")
    cluster.running.with_name("running.stopping").write_text("atlas\n")
    proc, _ = cluster("status")
    assert proc.returncode == 0 and proc.stdout.strip() == "running"
    assert "atlas: up" in proc.stderr


def test_stop_runs_each_guest_hooks_around_its_stop(cluster):
    cluster("start")
    proc, log = cluster("stop")
    assert proc.returncode == 0, proc.stderr
    for guest in GUESTS:
        calls = [line for line in guest_calls(log, guest) if "is-active" not in line]
        assert calls == ["hook %s pre-stop" % guest,
                         "systemctl stop systemd-nspawn@%s.service" % guest,
                         "hook %s post-stop" % guest]
    assert not [line for line in log if line.startswith("systemctl kill")]


def test_stop_kills_a_guest_that_does_not_stop_in_time(cluster):
    cluster("start")
    proc, log = cluster("stop", STUCK_GUEST="atlas")
    assert proc.returncode == 0, proc.stderr
    assert "atlas: still running 1s after its stop, killing it" in proc.stderr
    assert guest_calls(log, "atlas") == [
        "hook atlas pre-stop",
        "systemctl stop systemd-nspawn@atlas.service",
        "systemctl is-active systemd-nspawn@atlas.service",
        "systemctl kill --signal=SIGKILL systemd-nspawn@atlas.service",
        "systemctl stop systemd-nspawn@atlas.service",
        "systemctl is-active systemd-nspawn@atlas.service",
        "hook atlas post-stop"]
    # The final check that nothing is left, every guest in one call.
    assert log[-1] == STATES
    # The guests after it in the stop order were still stopped.
    stopped = [line.split("@")[1].split(".")[0] for line in log if line.startswith("systemctl stop systemd-nspawn@")]
    assert stopped == ["etats", "relay", "ldap", "atlas", "atlas", "hubble", "hebdo"]
    assert cluster.running.read_text() == ""
    status, _ = cluster("status")
    assert status.returncode == 3 and status.stdout.strip() == "stopped"


def test_stop_fails_while_a_guest_survives_the_kill(cluster):
    cluster("start")
    started = time.time()
    proc, log = cluster("stop", UNKILLABLE_GUEST="atlas")
    # Bounded: twice the (test's) timeout for the stuck guest, not forever.
    assert time.time() - started < 10
    assert proc.returncode != 0
    assert "atlas: FAILED to stop, even killed" in proc.stderr
    assert "atlas: still running after the stop" in proc.stderr
    assert "systemctl kill --signal=SIGKILL systemd-nspawn@atlas.service" in log
    assert "hook atlas post-stop" not in log
    # Every other guest was stopped all the same, and reported as such.
    assert cluster.running.read_text().split() == ["atlas"]
    assert "-t hapair-cluster -- atlas: still running after the stop" in cluster.syslog()
    assert not [line for line in proc.stderr.splitlines() if "still running after" in line and "atlas" not in line]
    # Status still says held: Heartbeat's retries end in its reboot, not in an unmount under atlas.
    status, _ = cluster("status")
    assert status.returncode == 0 and status.stdout.strip() == "running"


def test_restart_starts_nothing_after_a_failed_stop(cluster):
    cluster("start")
    proc, log = cluster("restart", UNKILLABLE_GUEST="atlas")
    assert proc.returncode != 0
    assert not [line for line in log if line.startswith("systemctl start ")]


def test_a_guest_that_fails_to_start_is_logged_and_mailed(cluster):
    proc, _ = cluster("start", FAIL_GUEST="atlas")
    assert proc.returncode == 0, proc.stderr
    assert "-t hapair-cluster -- atlas: FAILED to start" in cluster.syslog()
    mails = cluster.mails(1)
    assert len(mails) == 1, mails
    args, body = mails[0]
    # apollo sets heartbeat_mailto: the guests' alerts go there too.
    assert args[0] == "-s" and args[2:] == ["supervision.ssi@cnrs-mrs.fr"]
    node = os.uname().nodename
    assert "atlas" in args[1] and node in args[1]
    assert "Guest atlas did not start on node %s" % node in body
    assert "journalctl -u systemd-nspawn@atlas.service" in body


def test_together_a_guest_that_fails_to_start_is_mailed(cluster):
    text = cluster.script.read_text()
    cluster.script.write_text(text.replace("TOGETHER=no", "TOGETHER=yes"))
    proc, _ = cluster("start", FAIL_GUEST="ldap")
    assert proc.returncode == 0, proc.stderr
    mails = cluster.mails(1)
    assert len(mails) == 1 and "ldap" in mails[0][0][1]


def test_no_mail_when_every_guest_starts(cluster):
    proc, _ = cluster("start")
    assert proc.returncode == 0
    time.sleep(0.5)  # room for a mail sent in the background
    assert cluster.mails(0) == []


def test_a_start_failure_is_still_logged_when_mail_is_missing(cluster, tmp_path):
    cluster.stubs.joinpath("mail").unlink()
    # PATH without this host's own mail command, if it has one: the stubs,
    # and links to the few commands the stubs and the hooks run.
    tools = tmp_path / "tools"
    tools.mkdir()
    for name in ("basename", "grep", "mv", "sleep"):
        found = shutil.which(name)
        assert found, name
        tools.joinpath(name).symlink_to(found)
    path = "%s:%s" % (cluster.stubs, tools)
    assert shutil.which("mail", path=path) is None
    proc, _ = cluster("start", FAIL_GUEST="atlas", PATH=path)
    assert proc.returncode == 0, proc.stderr
    assert "atlas: mail is not installed, its failure is not mailed" in proc.stderr
    assert "-t hapair-cluster -- atlas: FAILED to start" in cluster.syslog()


def test_a_mail_that_hangs_does_not_hold_the_start(cluster):
    pid_file = cluster.mail_dir / "hung.pid"
    cluster.stubs.joinpath("mail").write_text('#!/bin/sh\necho $$ > "$MAILS/hung.pid"\nexec sleep 20\n')
    started = time.time()
    proc, log = cluster("start", FAIL_GUEST="atlas")
    assert time.time() - started < 10
    assert proc.returncode == 0, proc.stderr
    assert log[-1] == "systemctl start mon.service"
    deadline = time.time() + 10
    while not (pid_file.exists() and pid_file.read_text().strip()) and time.time() < deadline:
        time.sleep(0.1)
    # The mail was sent and still hangs; end it (it is this test's own process).
    os.kill(int(pid_file.read_text()), signal.SIGTERM)
