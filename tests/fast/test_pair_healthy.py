"""The health rule checked before every disruptive step of upgrade-kernel.yml
and switchover.yml (playbooks/tasks/pair_healthy.yml), and the upgrade's
preflight that reuses it, on pair_status results made up here: no host is
reached (apart from the one test of the reading, whose nodes cannot be
reached). Each made-up pair is its own inventory host, so that one
ansible-playbook run judges them all."""
import json
import os
import subprocess

import pytest
import yaml

from fasttools import TOP, VENV_BIN, ansible_env

PAIR_HEALTHY = os.path.join(TOP, "playbooks", "tasks", "pair_healthy.yml")
EVALUATE = os.path.join(TOP, "playbooks", "tasks", "status", "evaluate.yml")
PREFLIGHT = os.path.join(TOP, "playbooks", "tasks", "upgrade", "preflight.yml")
RESOURCES = [{"name": "clusterdr", "minor": 0, "mountpoint": "/srv"}]
STEP = "rebooting the slave node2 into 6.1.0-18-amd64"


def node_status(name, peer, hb="running", sees="active", role="Secondary", cstate="Connected",
                disk="UpToDate", peer_disk="UpToDate", savedefault="false"):
    """What pair_status returns, reduced to what the rule and the preflight read.
    hb: running, crashed (stopped, still enabled) or rested (stopped and disabled)."""
    holds = role == "Primary"
    summary = "role %s, connection %s, disk %s/%s" % (role, cstate, disk, peer_disk)
    res = dict(name="clusterdr", minor=0, mountpoint="/srv", configured=True, role=role,
               peer_role="Unknown", cstate=cstate, disk=disk, peer_disk=peer_disk, mounted=holds,
               healthy=cstate == "Connected" and disk == "UpToDate" and peer_disk == "UpToDate",
               summary=summary, error=None)
    running = hb == "running"
    return dict(
        node=name,
        stack=dict(name="heartbeat", installed=True, running=running, enabled=hb != "rested",
                   resources="local" if running else None,
                   nodes={name: "active", peer: sees} if running else {}, links={}),
        drbd=dict(version="8.4.11", family="8.4", resources=[res]),
        holds_resources=holds, holds_any=holds,
        guests={"web1": holds},
        kernel=dict(running="6.1.0-9-amd64", newest="6.1.0-18-amd64", running_is_newest=False,
                    running_entry="gnulinux-advanced>gnulinux-6.1.0-9-amd64-advanced"),
        grub=dict(savedefault=savedefault),
        problems=[],
        summary=["%s: %s" % (name, "ACTIVE (holds the group)" if holds else "passive"),
                 "  heartbeat: %s" % hb, "  drbd clusterdr: %s" % summary],
    )


def pair(n1=None, n2=None):
    """node1 the master, node2 the slave, healthy unless told otherwise."""
    return {"node1": node_status("node1", "node2", role="Primary", **(n1 or {})),
            "node2": node_status("node2", "node1", **(n2 or {}))}


RESYNC = pair(dict(cstate="SyncSource", peer_disk="Inconsistent"), dict(cstate="SyncTarget", disk="Inconsistent"))
LINK_LOST = pair(dict(cstate="WFConnection", peer_disk="DUnknown"),
                 dict(cstate="StandAlone", disk="Outdated", peer_disk="DUnknown"))
RESTED = pair(n2=dict(hb="rested"))

# case -> (statuses, nodes where Heartbeat may rest, refused?, words the message or the result must hold)
CASES = {
    "healthy": (pair(), [], False, ["node1 + node2 healthy before " + STEP]),
    "resync": (RESYNC, ["node2"], True, [
        "DRBD clusterdr on node1 is not Connected UpToDate/UpToDate: role Primary, connection SyncSource",
        "DRBD clusterdr on node2 is not Connected UpToDate/UpToDate: role Secondary, connection SyncTarget"]),
    "link_lost": (LINK_LOST, ["node2"], True, [
        "DRBD clusterdr on node1 is not Connected UpToDate/UpToDate: role Primary, connection WFConnection",
        "DRBD clusterdr on node2 is not Connected UpToDate/UpToDate: role Secondary, connection StandAlone, disk Outdated"]),
    "peer_outdated_connected": (pair(dict(peer_disk="Outdated"), dict(disk="Outdated")), ["node2"], True, [
        "DRBD clusterdr on node2 is not Connected UpToDate/UpToDate"]),
    "heartbeat_crashed_on_the_master": (pair(n1=dict(hb="crashed")), ["node2"], True, ["Heartbeat is not running on node1"]),
    "heartbeat_blind": (pair(n1=dict(sees="dead")), ["node2"], True, ["Heartbeat on node1 sees node2 dead"]),
    "rested_here_accepted": (RESTED, ["node2"], False, ["(Heartbeat left off on node2 until it rejoins)"]),
    "rested_not_allowed": (RESTED, [], True, ["Heartbeat is not running on node2"]),
    "rested_holder_refused": (pair(n1=dict(hb="rested")), ["node1"], True, ["Heartbeat is not running on node1"]),
    "rested_resync": (pair(dict(cstate="SyncSource", peer_disk="Inconsistent"),
                           dict(hb="rested", cstate="SyncTarget", disk="Inconsistent")), ["node2"], True, [
        "DRBD clusterdr on node2 is not Connected UpToDate/UpToDate",
        "Heartbeat stays off on node2 (left so by an earlier step until it rejoins)"]),
    "node_unread": ({"node1": pair()["node1"]}, ["node2"], True, [
        "node2 cannot be read (down, unreachable, or left out by --limit"]),
}


def write(path, data):
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def play_json(tmp_path, playbook, inventory, contacted_ok=False):
    env = ansible_env(tmp_path)
    env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.posix.json"
    proc = subprocess.run([os.path.join(VENV_BIN, "ansible-playbook"), "-i", str(inventory), str(playbook)],
                          cwd=TOP, env=env, capture_output=True, text=True, timeout=600, check=False)
    if not contacted_ok:
        assert not (tmp_path / "contacted").exists(), "a host was contacted"
    try:
        return json.loads(proc.stdout)
    except ValueError:
        pytest.fail("no JSON from ansible-playbook:\n" + proc.stdout[-3000:] + proc.stderr[-3000:])


def results(report, task_name):
    """host -> result of the task of that name (the last one run)."""
    found = {}
    for play in report["plays"]:
        for task in play["tasks"]:
            if task["task"]["name"] == task_name:
                found.update(task["hosts"])
    return found


def text(msg):
    return "\n".join(msg) if isinstance(msg, list) else str(msg)


@pytest.fixture(scope="module")
def judged(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pair_healthy")
    hosts = {case: dict(fake=statuses, off_ok=off_ok) for case, (statuses, off_ok, _, _) in CASES.items()}
    inventory = write(tmp / "hosts.yml", {"all": {
        "vars": {"hapair_nodes": ["node1", "node2"]},
        "children": {"cases": {"hosts": hosts}}}})
    playbook = write(tmp / "judge.yml", [{
        "name": "Judge made-up pairs", "hosts": "cases", "gather_facts": False,
        "vars": {"hapair_healthy_playbook": "upgrade-kernel.yml"},
        "tasks": [{"name": "The check before a step", "ansible.builtin.import_tasks": PAIR_HEALTHY,
                   "vars": {"hapair_healthy_step": STEP, "hapair_healthy_statuses": "{{ fake }}",
                            "hapair_healthy_off_ok": "{{ off_ok }}"}}]}])
    report = play_json(tmp, playbook, inventory)
    return (results(report, "Judge the health of the pair"),
            results(report, "Refuse the step unless the pair is healthy"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_rule(judged, case):
    judge, refuse = judged
    _, off_ok, refused, words = CASES[case]
    verdict = judge[case]["ansible_facts"]["hapair_healthy"]
    result = refuse[case]
    assert bool(result.get("failed")) == refused, (verdict, result)
    assert bool(verdict["problems"]) == refused, verdict
    message = text(result["msg"])
    for word in words:
        assert word in message, message
    if refused:
        # the step refused, what each node showed, what to do, how to resume
        assert message.startswith("node1 + node2: REFUSED before %s. That step was not run" % STEP), message
        assert "  drbd clusterdr: role" in message, message
        assert "node2: passive" in message or "node2: not read" in message, message
        assert "let a running resync finish" in message, message
        assert "run upgrade-kernel.yml again: it resumes" in message, message
    if case == "rested_here_accepted":
        assert verdict["resting"] == ["node2"], verdict


def test_reading_nodes_that_cannot_be_reached_refuses(tmp_path):
    """Without statuses given, the check reads both nodes itself; nodes that
    do not answer are named, and the step is refused."""
    inventory = write(tmp_path / "hosts.yml", {"all": {
        "vars": {"hapair_nodes": ["ghost1", "ghost2"]},
        "hosts": {"ghost1": {}, "ghost2": {}}}})
    playbook = write(tmp_path / "read.yml", [{
        "name": "Check a pair that does not answer", "hosts": "ghost1", "gather_facts": False,
        "tasks": [{"name": "The check before a step", "ansible.builtin.import_tasks": PAIR_HEALTHY,
                   "vars": {"hapair_healthy_step": "hb_standby on ghost1"}}]}])
    report = play_json(tmp_path, playbook, inventory, contacted_ok=True)
    assert (tmp_path / "contacted").exists()
    result = results(report, "Refuse the step unless the pair is healthy")["ghost1"]
    assert result.get("failed"), result
    message = text(result["msg"])
    assert message.startswith("ghost1 + ghost2: REFUSED before hb_standby on ghost1."), message
    assert "ghost1 cannot be read (" in message and "ghost2 cannot be read (" in message, message
    assert "ghost1: not read" in message and "run the playbook again" in message, message


# The preflight of upgrade-kernel.yml judges health by the same rule (any
# node may rest there) and adds its own checks to the same refusal.
PREFLIGHT_CASES = {
    "healthy": (pair(), None, "pf_healthy_1"),
    "resuming": (RESTED, None, "pf_resuming_1"),
    "resync": (RESYNC, "DRBD clusterdr on pf_resync_2 is not Connected UpToDate/UpToDate", None),
    "crashed": (pair(n2=dict(hb="crashed")), "Heartbeat is not running on pf_crashed_2", None),
    "grub_and_drbd": (pair(dict(savedefault="true"), dict(disk="Outdated")),
                      "pf_grub_and_drbd_1: GRUB_SAVEDEFAULT=true", None),
}


def renamed(statuses, prefix):
    """The made-up pair with its nodes named PREFIX_1 and PREFIX_2."""
    text_ = json.dumps(statuses).replace("node1", prefix + "_1").replace("node2", prefix + "_2")
    return json.loads(text_)


def test_the_preflight_uses_the_rule(tmp_path):
    children = {}
    for case, (statuses, _, _) in PREFLIGHT_CASES.items():
        prefix = "pf_" + case
        fake = renamed(statuses, prefix)
        children[prefix] = {"hosts": {name: {"fake": status} for name, status in fake.items()},
                            "vars": {"hapair_nodes": sorted(fake)}}
    inventory = write(tmp_path / "hosts.yml", {"all": {
        "vars": {"hapair_model": {"resources": RESOURCES, "guests": []}},
        "children": children}})
    playbook = write(tmp_path / "preflight.yml", [{
        "name": "Preflight of made-up pairs", "hosts": "all", "gather_facts": False,
        "tasks": [
            {"name": "Make up what each node says", "ansible.builtin.set_fact": {"hapair_node_status": "{{ fake }}"}},
            {"name": "Put both nodes together", "ansible.builtin.import_tasks": EVALUATE},
            {"name": "The preflight", "ansible.builtin.import_tasks": PREFLIGHT}]}])
    report = play_json(tmp_path, playbook, inventory)
    stop = results(report, "Stop this pair unless it is healthy (nothing was changed)")
    named = results(report, "Name the master and the slave")
    for case, (_, problem, master) in PREFLIGHT_CASES.items():
        prefix = "pf_" + case
        for host in (prefix + "_1", prefix + "_2"):
            result = stop[host]
            if problem is None:
                assert not result.get("failed"), result
                assert named[host]["ansible_facts"]["hapair_upgrade_master"] == master, named[host]
            else:
                message = text(result["msg"])
                assert result.get("failed"), result
                assert message.startswith("Kernel upgrade of %s_1 + %s_2 refused, nothing was changed:" % (prefix, prefix))
                assert problem in message, message
    assert "Resuming: Heartbeat was left off on pf_resuming_2" in text(stop["pf_resuming_1"]["msg"])
    grub_and_drbd = text(stop["pf_grub_and_drbd_1"]["msg"])
    assert "DRBD clusterdr on pf_grub_and_drbd_2 is not Connected UpToDate/UpToDate" in grub_and_drbd
