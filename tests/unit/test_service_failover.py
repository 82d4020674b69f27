"""roles/mon: ha-up-down.alert -F and hapair-service-failover, on the controller.

The alert runs for real (bash) with its state folder and sendmail replaced;
the program's decisions run against fake cluster-stack and DRBD answers.
"""
import importlib.machinery
import importlib.util
import json
import os
import subprocess
import time

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FILES = os.path.join(TOP, "roles", "mon", "files")
ALERT = os.path.join(FILES, "ha-up-down.alert")


def load_program():
    loader = importlib.machinery.SourceFileLoader("hapair_service_failover",
                                                  os.path.join(FILES, "hapair-service-failover"))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


failover = load_program()

MOUNTS = "/dev/drbd0 /srv ext3 rw 0 0\n"
HEALTHY = {
    ("hapair-stack", "group"): (0, "all"),
    ("hapair-stack", "peer", "node2"): (0, "active"),
    ("drbdadm", "cstate", "r0"): (0, "Connected"),
    ("drbdadm", "dstate", "r0"): (0, "UpToDate/UpToDate"),
}
MON_SHOW = ("systemctl", "show", "--property=ActiveEnterTimestamp", "--value", "--timestamp=unix", "mon.service")


@pytest.fixture(name="conf")
def fixture_conf(tmp_path):
    return {"node": "node1", "peer": "node2", "resources": ["r0"], "mountpoints": ["/srv"],
            "window": 3600, "grace": 300, "record": str(tmp_path / "srv" / ".hapair" / "service-failover"),
            "maintenance": str(tmp_path / "maintenance"), "requests": str(tmp_path / "run"),
            "stack": "hapair-stack"}


def answers(mon_age=3600, **changes):
    table = dict(HEALTHY)
    table[MON_SHOW] = (0, "@%d" % (time.time() - mon_age))
    for key, value in changes.items():
        table[tuple(key.split("__"))] = value
    return lambda argv: table.get(tuple(argv), (1, ""))


def request(age=5, **extra):
    out = {"group": "vserver_web1", "service": "http", "time": str(time.time() - age),
           "summary": "10.10.10.11", "recipients": "root@localhost"}
    out.update(extra)
    return out


def test_healthy_pair_holding_the_group_moves(conf):
    move, subject, body = failover.decide(conf, [request()], time.time(), answers(), MOUNTS)
    assert move, subject
    assert subject == "hapair: node1 moves the resource group to node2: http on vserver_web1 is down"
    assert "(standby on node1)" in body


@pytest.mark.parametrize("changes, reason", [
    ({"hapair-stack__group": (0, "none")}, "this node does not hold the resource group"),
    ({"hapair-stack__group": (0, "foreign")}, "this node does not hold the resource group"),
    ({"hapair-stack__group": (0, "transition")}, "the cluster manager is moving the resource group already"),
    ({"hapair-stack__group": (1, "")}, "the cluster manager does not answer on this node (hapair-stack group failed)"),
    ({"hapair-stack__peer__node2": (0, "dead")}, "the peer node2 is not active in the cluster (dead)"),
    ({"drbdadm__cstate__r0": (0, "WFConnection")}, "DRBD resource r0 is WFConnection UpToDate/UpToDate"),
    ({"drbdadm__dstate__r0": (0, "UpToDate/Outdated")}, "DRBD resource r0 is Connected UpToDate/Outdated"),
    ({"drbdadm__dstate__r0": (0, "UpToDate/Inconsistent")}, "not Connected UpToDate/UpToDate"),
])
def test_refused_unless_the_pair_is_healthy_and_holds_the_group_here(conf, changes, reason):
    move, subject, body = failover.decide(conf, [request()], time.time(), answers(**changes), MOUNTS)
    assert not move
    assert reason in subject and reason in body
    assert subject.startswith("hapair: node1 moves nothing although http on vserver_web1 is down")


@pytest.mark.parametrize("mon_age, moves", [(60, False), (299, False), (400, True)])
def test_no_move_within_the_grace_after_mon_started(conf, mon_age, moves):
    move, subject, _ = failover.decide(conf, [request()], time.time(), answers(mon_age=mon_age), MOUNTS)
    assert move is moves
    if not moves:
        assert "Mon started here %d s ago: the guests may still be booting" % mon_age in subject


def test_no_move_when_mon_s_start_cannot_be_read(conf):
    move, subject, _ = failover.decide(conf, [request()], time.time(), answers(**{"__".join(MON_SHOW): (1, "")}),
                                       MOUNTS)
    assert not move and "Mon started here at an unknown time" in subject


def test_refused_when_the_group_filesystem_is_not_mounted_here(conf):
    move, subject, _ = failover.decide(conf, [request()], time.time(), answers(), "")
    assert not move and "not mounted: /srv" in subject


def test_refused_during_a_maintenance_run(conf):
    with open(conf["maintenance"], "w") as handle:
        handle.write("update-guests.yml since 2026-11-28T03:00:00Z\n")
    move, subject, _ = failover.decide(conf, [request()], time.time(), answers(), MOUNTS)
    assert not move and "a maintenance run is in progress (update-guests.yml since" in subject


def test_refused_for_a_stale_request(conf):
    move, subject, _ = failover.decide(conf, [request(age=900)], time.time(), answers(), MOUNTS)
    assert not move and "the failure may be over" in subject


def test_no_move_back_within_the_window_then_moves_again_after_it(conf):
    now = time.time()
    failover.write_record(conf["record"], {"time": now - 600, "from": "node2", "to": "node1",
                                           "service": "http", "group": "vserver_web1"})
    move, subject, _ = failover.decide(conf, [request()], now, answers(), MOUNTS)
    assert not move
    assert "Mon moved the group from node2 to node1 10 min ago" in subject and "no back and forth" in subject
    move, _, _ = failover.decide(conf, [request(age=-3595)], now + 3600, answers(), MOUNTS)
    assert move


def test_window_zero_never_pauses(conf):
    conf["window"] = 0
    failover.write_record(conf["record"], {"time": time.time(), "from": "node2", "to": "node1"})
    assert failover.decide(conf, [request()], time.time(), answers(), MOUNTS)[0]


def run_alert(tmp_path, *args, stdin="10.10.10.11\nGET / failed\n"):
    mails = tmp_path / "mails"
    sendmail = tmp_path / "sendmail"
    sendmail.write_text("#!/bin/sh\ncat >> %s\n" % mails)
    sendmail.chmod(0o755)
    state = tmp_path / "run"
    state.mkdir(exist_ok=True)
    env = dict(os.environ, HAPAIR_MON_STATE_DIR=str(state), HAPAIR_MON_SENDMAIL=str(sendmail))
    proc = subprocess.run(["bash", ALERT, "-s", "http", "-g", "vserver_web1", "-h", "web1", "-t", "1700000000",
                           *args], input=stdin, capture_output=True, text=True, env=env, check=False)
    return proc, state


def test_alert_with_f_leaves_a_request_on_failure_only(tmp_path):
    proc, state = run_alert(tmp_path, "-F", "-S", "Service http on web1 down !", "root@localhost", "ops@lab.test")
    assert proc.returncode == 0, proc.stderr
    found = failover.read_requests(str(state))
    assert len(found) == 1
    assert found[0]["group"] == "vserver_web1" and found[0]["service"] == "http"
    assert found[0]["recipients"] == "root@localhost ops@lab.test"
    assert found[0]["summary"] == "10.10.10.11"
    assert abs(float(found[0]["time"]) - time.time()) < 60
    assert failover.read_requests(str(state)) == [], "requests are removed as they are read"
    # the upalert, and a failure alert without -F, ask for nothing
    run_alert(tmp_path, "-u", "-F", "root@localhost")
    run_alert(tmp_path, "root@localhost")
    assert failover.read_requests(str(state)) == []


def test_main_moves_once_records_and_mails(conf, tmp_path, monkeypatch):
    os.makedirs(conf["requests"])
    for n in range(2):
        with open(os.path.join(conf["requests"], "failover-%d-x.request" % n), "w") as handle:
            handle.write("\n".join("%s=%s" % kv for kv in request().items()) + "\n")
    calls, mails = [], []
    conf["stack"] = "/usr/local/lib/hapair/hapair-stack"
    config = tmp_path / "conf.json"
    config.write_text(json.dumps(conf))
    monkeypatch.setattr(failover, "CONFIG", str(config))
    monkeypatch.setattr(failover, "decide", lambda c, r, now: (True, "moves", "body"))
    monkeypatch.setattr(failover, "run", lambda argv: calls.append(argv) or (0, ""))
    monkeypatch.setattr(failover, "mail", lambda to, subject, body: mails.append((to, subject)))
    assert failover.main() == 0
    assert calls == [["/usr/local/lib/hapair/hapair-stack", "standby"]]
    assert mails == [(["root@localhost"], "moves")]
    assert failover.read_record(conf["record"])["to"] == "node2"
    assert os.listdir(conf["requests"]) == []


def test_main_failed_standby_restores_the_record(conf, tmp_path, monkeypatch):
    os.makedirs(conf["requests"])
    with open(os.path.join(conf["requests"], "failover-1-x.request"), "w") as handle:
        handle.write("\n".join("%s=%s" % kv for kv in request().items()) + "\n")
    config = tmp_path / "conf.json"
    config.write_text(json.dumps(conf))
    monkeypatch.setattr(failover, "CONFIG", str(config))
    monkeypatch.setattr(failover, "decide", lambda c, r, now: (True, "moves", "body"))
    monkeypatch.setattr(failover, "run", lambda argv: (1, ""))
    mails = []
    monkeypatch.setattr(failover, "mail", lambda to, subject, body: mails.append(subject))
    assert failover.main() == 1
    assert not os.path.exists(conf["record"]), "a move that did not happen is not remembered"
    assert mails[-1] == "hapair: node1 could not give the resource group away (hapair-stack standby exit 1)"
