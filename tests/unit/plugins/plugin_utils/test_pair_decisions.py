"""The pair's decisions (plugin_utils/pair_decisions.py) and their filters,
on pair_status results made up here.

node1 is the master (holds the group, runs the guest), node2 the slave,
both healthy unless a test says otherwise.
"""
import copy

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.hapair.cluster.plugins.filter import pair_decisions as filters
from ansible_collections.hapair.cluster.plugins.plugin_utils import pair_decisions as pd

NODES = ["node1", "node2"]
RESOURCES = [{"name": "clusterdr", "minor": 0, "mountpoint": "/srv"}]
STEP = "hb_standby on node1"


def status(name, peer, hb="running", sees="active", role="Secondary", cstate="Connected", disk="UpToDate",
           peer_disk="UpToDate", error=None, guests_up=None, running_entry="gnulinux>6.1.0-9", savedefault="false",
           running_is_newest=False, problems=None):
    """What pair_status returns, reduced to what the decisions read.
    hb: running, crashed (stopped, still enabled) or rested (stopped and disabled)."""
    holds = role == "Primary"
    summary = "role %s, connection %s, disk %s/%s" % (role, cstate, disk, peer_disk)
    res = dict(name="clusterdr", role=role, peer_role="Unknown", cstate=cstate, disk=disk, peer_disk=peer_disk,
               mounted=holds, healthy=cstate == "Connected" and disk == "UpToDate" and peer_disk == "UpToDate",
               summary=summary, error=error)
    running = hb == "running"
    return dict(
        node=name,
        stack=dict(name="heartbeat", installed=True, running=running, enabled=hb != "rested",
                   nodes={name: "active", peer: sees} if running else {}),
        drbd=dict(resources=[res]),
        holds_resources=holds, holds_any=holds,
        guests={"web1": holds if guests_up is None else guests_up},
        kernel=dict(running="6.1.0-9", newest="6.1.0-18", running_is_newest=running_is_newest,
                    running_entry=running_entry),
        grub=dict(savedefault=savedefault),
        problems=list(problems or []),
        summary=["%s: %s" % (name, "ACTIVE (holds the group)" if holds else "passive"),
                 "  drbd clusterdr: %s" % summary],
    )


def pair(n1=None, n2=None):
    """node1 the master, node2 the slave, healthy unless told otherwise."""
    return {"node1": status("node1", "node2", **dict(dict(role="Primary"), **(n1 or {}))),
            "node2": status("node2", "node1", **(n2 or {}))}


def looped(statuses, loop_var="hapair_healthy_node", unread=None):
    """A registered loop of pair_status over NODES; UNREAD: node -> msg of a node not reached."""
    results = []
    for node in NODES:
        if node in (unread or {}):
            item = {"unreachable": True, "changed": False, "msg": unread[node]}
        else:
            item = copy.deepcopy(statuses[node])
        item.update({loop_var: node, "ansible_loop_var": loop_var})
        results.append(item)
    return {"results": results, "changed": False, "msg": "All items completed"}


# -- statuses_by_node ---------------------------------------------------------------

def test_statuses_from_a_mapping_keep_the_pair_only():
    statuses = dict(pair(), node3={"node": "node3"})
    assert list(pd.statuses_by_node(NODES, statuses)) == NODES


def test_statuses_from_a_registered_loop():
    found = pd.statuses_by_node(NODES, looped(pair(), unread={"node2": "ssh: timeout"}))
    assert found["node1"]["node"] == "node1"
    assert found["node2"]["msg"] == "ssh: timeout"


def test_statuses_from_hostvars():
    hostvars = {"node1": {"hapair_node_status": pair()["node1"]}, "node2": {"other": 1}}
    assert list(pd.statuses_by_node(NODES, hostvars, var="hapair_node_status")) == ["node1"]


# -- pair_view ------------------------------------------------------------------------

def test_view_of_a_healthy_pair():
    view = pd.pair_view(NODES, pair(), RESOURCES)
    assert view["problems"] == [] and view["missing"] == []
    assert view["holders"] == ["node1"] and view["active"] == "node1"
    assert view["lines"][0] == "pair node1 + node2: HEALTHY, group held by node1"
    assert "node2: passive" in view["lines"]
    assert view["message"] == "The pair node1 + node2 is healthy."


def test_view_of_an_unread_node():
    statuses = pair()
    statuses["node2"] = {"unreachable": True, "msg": "ssh: timeout"}
    view = pd.pair_view(NODES, statuses, RESOURCES)
    assert view["missing"] == ["node2"] and list(view["statuses"]) == ["node1"]
    assert view["problems"] == ["node2: DOWN or unreadable: ssh: timeout"]
    assert view["lines"][-2:] == ["node2: DOWN or unreadable", "PROBLEM node2: DOWN or unreadable: ssh: timeout"]
    assert view["message"] == ["The pair node1 + node2 is degraded:", "node2: DOWN or unreadable: ssh: timeout"]


def test_view_of_a_node_left_out_of_the_run():
    view = pd.pair_view(NODES, {"node1": pair()["node1"]}, RESOURCES)
    assert view["problems"] == ["node2: DOWN or unreadable: not in this run (--limit?)"]


def test_view_with_no_holder():
    view = pd.pair_view(NODES, pair(n1=dict(role="Secondary")), RESOURCES)
    assert view["active"] is None
    assert view["problems"] == ["no node holds the resource group"]
    assert view["lines"][0] == "pair node1 + node2: DEGRADED, group held by nobody"


def test_view_with_no_holder_and_the_peer_dead_names_the_takeover():
    statuses = pair(n1=dict(role="Secondary", sees="dead"))
    statuses["node2"] = {"unreachable": True, "msg": "ssh: timeout"}
    problems = pd.pair_view(NODES, statuses, RESOURCES)["problems"]
    assert "Heartbeat missed its takeover" in problems[-1]
    assert "on node1, /usr/share/heartbeat/hb_takeover all" in problems[-1]


def test_view_with_no_holder_names_no_takeover_while_the_peer_lives_or_data_are_old():
    for n1 in (dict(role="Secondary"), dict(role="Secondary", sees="dead", disk="Outdated")):
        statuses = pair(n1=n1)
        statuses["node2"] = {"unreachable": True, "msg": "ssh: timeout"}
        assert "no node holds the resource group" in pd.pair_view(NODES, statuses, RESOURCES)["problems"]


def test_view_with_both_holders_and_a_split_brain():
    view = pd.pair_view(NODES, pair(n2=dict(role="Primary")), RESOURCES)
    assert view["holders"] == NODES and view["active"] is None
    assert view["problems"] == ["both nodes hold the resource group",
                                "DRBD clusterdr is Primary on node1 and node2 (split brain?)"]
    assert view["lines"][0] == "pair node1 + node2: DEGRADED, group held by node1 and node2"


def test_view_adds_each_nodes_problems_once():
    view = pd.pair_view(NODES, pair(dict(problems=["node1: x", "shared"]), dict(problems=["shared"])), RESOURCES)
    assert view["problems"] == ["node1: x", "shared"]
    assert view["lines"][-2:] == ["PROBLEM node1: x", "PROBLEM shared"]


GUESTS = [{"name": "web1", "address": "10.10.10.11/24", "services": [{"service": "http"}]},
          {"name": "web2", "address": "10.10.10.12/24", "services": []}]


def test_table_and_data_of_a_healthy_pair():
    view = pd.pair_view(NODES, pair(), RESOURCES, GUESTS)
    data = view["data"]
    assert (data["pair"], data["state"], data["holder"], data["problems"]) == (
        "node1 + node2", "HEALTHY", "node1", [])
    assert [(n["node"], n["role"], n["heartbeat"]) for n in data["nodes"]] == [
        ("node1", "active", "running"), ("node2", "passive", "running")]
    assert [(r["resource"], r["node"], r["role"], r["connection"]) for r in data["drbd"]] == [
        ("clusterdr", "node1", "Primary", "Connected"), ("clusterdr", "node2", "Secondary", "Connected")]
    assert data["guests"] == [
        {"name": "web1", "address": "10.10.10.11/24", "running_on": ["node1"], "services": ["http"]},
        {"name": "web2", "address": "10.10.10.12/24", "running_on": [], "services": []}]
    table = view["table"]
    assert table[0] == "pair node1 + node2: HEALTHY, group held by node1"
    assert table[1].split() == ["NODE", "ROLE", "HEARTBEAT", "KERNEL", "MON"]
    assert table[2].split() == ["node1", "active", "running", "6.1.0-9", "-"]
    assert table[4].split() == ["DRBD", "NODE", "ROLE", "DISK", "PEER", "DISK", "CONNECTION", "SYNC", "MOUNTED"]
    assert table[-2].split() == ["web1", "10.10.10.11/24", "node1", "http"]
    assert table[-1].split() == ["web2", "10.10.10.12/24", "nowhere", "-"]
    # aligned columns: every row of a block has its second column at the same place
    starts = set(line.index(line.split()[1]) for line in table[1:4])
    assert len(starts) == 1, table


def test_table_of_a_degraded_pair_names_the_node_down_and_the_sync():
    statuses = pair()
    statuses["node1"]["drbd"]["resources"][0].update(cstate="SyncSource", peer_disk="Inconsistent",
                                                     sync_progress=42.5)
    statuses["node2"] = {"unreachable": True, "msg": "ssh: timeout"}
    view = pd.pair_view(NODES, statuses, RESOURCES, GUESTS)
    assert view["data"]["state"] == "DEGRADED"
    assert ["node2", "DOWN", "or", "unreadable", "-", "-", "-"] in [line.split() for line in view["table"]]
    assert any("SyncSource" in line and "42.5%" in line for line in view["table"]), view["table"]
    assert view["table"][-1] == "PROBLEM node2: DOWN or unreadable: ssh: timeout"


def test_guests_not_in_the_inventory_are_listed_from_the_nodes():
    view = pd.pair_view(NODES, pair(), RESOURCES)
    assert view["data"]["guests"] == [{"name": "web1", "address": None, "running_on": ["node1"], "services": []}]


# -- pair_health ------------------------------------------------------------------------

def test_health_of_a_healthy_pair():
    health = pd.pair_health(NODES, pair())
    assert health == dict(problems=[], resting=[], seen=pair()["node1"]["summary"] + pair()["node2"]["summary"])
    assert pd.health_success(NODES, STEP, health) == "node1 + node2 healthy before hb_standby on node1"


@pytest.mark.parametrize("n1, n2, off_ok, problem", [
    (dict(hb="crashed"), None, ["node2"], "Heartbeat is not running on node1"),
    (None, dict(hb="rested"), [], "Heartbeat is not running on node2"),
    (dict(hb="rested"), None, ["node1"], "Heartbeat is not running on node1"),  # a holder never rests
    (dict(sees="dead"), None, [], "Heartbeat on node1 sees node2 dead"),
    (None, dict(cstate="StandAlone", disk="Outdated", peer_disk="DUnknown"), [],
     "DRBD clusterdr on node2 is not Connected UpToDate/UpToDate: role Secondary, connection StandAlone, disk Outdated/DUnknown"),
    (dict(cstate="Unknown", error="drbdadm is not installed"), None, [],
     "DRBD clusterdr on node1 is not Connected UpToDate/UpToDate: drbdadm is not installed"),
], ids=["crashed", "rested_not_allowed", "rested_holder", "blind", "standalone", "unreadable_drbd"])
def test_each_problem_refuses(n1, n2, off_ok, problem):
    health = pd.pair_health(NODES, pair(n1, n2), off_ok)
    assert health["problems"] == [problem]


def test_a_node_whose_peer_is_stopped_is_not_blamed_for_not_seeing_it():
    health = pd.pair_health(NODES, pair(dict(sees="dead"), dict(hb="rested")), ["node2"])
    assert health["problems"] == [] and health["resting"] == ["node2"]
    assert pd.health_success(NODES, STEP, health) == (
        "node1 + node2 healthy before hb_standby on node1 (Heartbeat left off on node2 until it rejoins)")


def test_unread_nodes_say_why():
    health = pd.pair_health(NODES, pd.statuses_by_node(NODES, looped(pair(), unread={"node2": "ssh: timeout"})))
    assert health["problems"] == ["node2 cannot be read (ssh: timeout)"]
    assert health["seen"][-1] == "node2: not read"
    health = pd.pair_health(NODES, {"node1": pair()["node1"]})
    assert health["problems"] == ["node2 cannot be read (down, unreachable, or left out by --limit: both nodes"
                                  " of a pair must be in the run)"]
    health = pd.pair_health(NODES, {"node1": pair()["node1"], "node2": {"failed": True}})
    assert health["problems"] == ["node2 cannot be read (unreachable)"]


def test_the_refusal_says_the_step_what_was_seen_and_what_to_do():
    health = pd.pair_health(NODES, pair(n2=dict(hb="rested", cstate="SyncTarget", disk="Inconsistent")), ["node2"])
    lines = pd.health_refusal(NODES, STEP, health, "switchover.yml")
    assert lines[0] == ("node1 + node2: REFUSED before hb_standby on node1. That step was not run, nor anything"
                        " after it, on this pair. The pair is not healthy:")
    assert lines[1].startswith("DRBD clusterdr on node2 is not Connected UpToDate/UpToDate")
    assert lines[2] == "Seen on each node:"
    assert lines[3:7] == health["seen"]
    assert lines[7] == ("Heartbeat stays off on node2 (left so by an earlier step until it rejoins):"
                        " no failover to it meanwhile.")
    assert lines[8].startswith("What to do: let a running resync finish;")
    assert lines[8].endswith("then run switchover.yml again: it resumes where it stopped.")
    assert pd.health_refusal(NODES, STEP, health)[-1].endswith("then run the playbook again: it resumes where it stopped.")


# -- switchover_decision ------------------------------------------------------------------

def test_switchover_to_the_other_node():
    decision = pd.switchover_decision(NODES, pair(), "")
    assert decision == dict(source="node1", target="node2", move=True, problems=[],
                            message="Moving the group from node1 to node2")


def test_switchover_to_a_node_named():
    decision = pd.switchover_decision(NODES, pair(), "node2")
    assert (decision["source"], decision["target"], decision["move"]) == ("node1", "node2", True)


def test_switchover_to_the_holder_moves_nothing():
    decision = pd.switchover_decision(NODES, pair(), "node1")
    assert decision == dict(source="node1", target="node1", move=False, problems=[],
                            message="The group is already on node1")


def test_switchover_to_an_unknown_node_is_refused():
    decision = pd.switchover_decision(NODES, pair(), "node3")
    assert not decision["move"]
    assert decision["message"] == ["No switchover of node1 + node2, nothing was changed:",
                                   "to=node3 is not a node of this pair (node1, node2)"]


@pytest.mark.parametrize("statuses, problem", [
    (pair(n1=dict(role="Secondary")), "the resource group is held by no node; look at status.yml before moving it"),
    (pair(n2=dict(role="Primary")),
     "the resource group is held by node1 and node2; look at status.yml before moving it"),
], ids=["no_holder", "both_hold"])
def test_switchover_needs_one_holder(statuses, problem):
    decision = pd.switchover_decision(NODES, statuses)
    assert decision["source"] is None and decision["target"] is None and not decision["move"]
    assert decision["problems"] == [problem]


def test_switchover_from_an_unread_pair_is_refused():
    statuses = pd.statuses_by_node(NODES, looped(pair(), "hapair_switchover_node", {"node2": "ssh: timeout"}))
    decision = pd.switchover_decision(NODES, statuses)
    assert decision["source"] == "node1" and not decision["move"]
    assert decision["problems"] == ["node2 cannot be read: ssh: timeout"]


# -- upgrade_preflight and upgrade_plan_lines ----------------------------------------------------

def preflight(statuses, off_ok=NODES):
    view = pd.pair_view(NODES, statuses, RESOURCES)
    return view, pd.upgrade_preflight(NODES, view, pd.pair_health(NODES, view["statuses"], off_ok))


def test_preflight_of_a_healthy_pair():
    _, verdict = preflight(pair())
    assert verdict == dict(problems=[], master="node1", slave="node2", resuming=[],
                           message="node1 + node2: master node1, slave node2 (upgraded first).")


def test_preflight_resumes_a_rested_slave():
    _, verdict = preflight(pair(n2=dict(hb="rested")))
    assert verdict["problems"] == [] and verdict["resuming"] == ["node2"]
    assert verdict["message"] == ("node1 + node2: master node1, slave node2 (upgraded first)."
                                  " Resuming: Heartbeat was left off on node2")


@pytest.mark.parametrize("statuses, problem", [
    (pair(n2=dict(hb="crashed")), "Heartbeat is not running on node2"),
    (pair(n1=dict(running_entry=None)), "node1: no GRUB menu entry boots the running kernel 6.1.0-9"
                                        " (is the node booted by GRUB from /boot/grub/grub.cfg?)"),
    (pair(n2=dict(savedefault="Yes")), "node2: GRUB_SAVEDEFAULT=Yes would make a kernel booted once the default;"
                                       " remove it from /etc/default/grub"),
    (pair(n1=dict(role="Secondary")), "the resource group is held by no node"),
    (pair(n1=dict(guests_up=False)), "guests not running on node1: web1"),
    (pair(n2=dict(role="Unknown")), "node2 is not a clean Secondary: role Unknown, connection Connected,"
                                    " disk UpToDate/UpToDate"),
], ids=["crashed", "no_grub_entry", "savedefault", "no_holder", "guest_down", "slave_not_secondary"])
def test_preflight_refuses(statuses, problem):
    _, verdict = preflight(statuses)
    assert problem in verdict["problems"], verdict
    assert verdict["message"][0] == "Kernel upgrade of node1 + node2 refused, nothing was changed:"
    assert verdict["message"][1:] == verdict["problems"]


def test_preflight_of_a_pair_with_a_node_unread_names_no_holder_problem():
    _, verdict = preflight({"node1": pair()["node1"]})
    assert verdict["master"] == "node1" and verdict["slave"] == "node2"
    assert verdict["problems"] == ["node2 cannot be read (down, unreachable, or left out by --limit: both nodes"
                                   " of a pair must be in the run)"]


def test_plan_slave_first():
    view, verdict = preflight(pair(n2=dict(running_is_newest=True), n1=dict(running_is_newest=True)))
    lines = pd.upgrade_plan_lines(NODES, view, verdict["master"], verdict["slave"], {"node2": True},
                                  ["linux-image-amd64"])
    assert lines == [
        "node1 + node2: slave node2 first, then master node1.",
        "node2: runs 6.1.0-9, newest installed 6.1.0-18; apt would upgrade linux-image-amd64;"
        " would boot the new kernel once, rejoin, then make it the default",
        "node1: runs 6.1.0-9, newest installed 6.1.0-18; packages up to date; nothing to do",
    ]


def test_plan_moves_the_group_before_rebooting_the_master():
    view, verdict = preflight(pair())
    lines = pd.upgrade_plan_lines(NODES, view, "node1", "node2", {}, ["linux-image-amd64"])
    assert lines[2].endswith("; would boot the new kernel once, rejoin, then make it the default;"
                             " the group would first move to node2")


# -- the filters -------------------------------------------------------------------------------

def test_filter_health_carries_its_message():
    healthy = filters.pair_health(looped(pair()), NODES, STEP)
    assert healthy["message"] == "node1 + node2 healthy before hb_standby on node1"
    refused = filters.pair_health(pair(n1=dict(hb="crashed")), NODES, STEP, playbook="switchover.yml")
    assert refused["message"][0].startswith("node1 + node2: REFUSED before hb_standby on node1.")


def test_filter_plan_reads_the_apt_results_of_hostvars():
    view, verdict = preflight(pair(n1=dict(running_is_newest=True), n2=dict(running_is_newest=True)))
    hostvars = {"node1": {"hapair_upgrade_apt_plan": {"changed": True}}, "node2": {}}
    apt = filters.node_results(hostvars, NODES, "hapair_upgrade_apt_plan")
    lines = filters.upgrade_plan_lines(view, NODES, verdict, apt, ["linux-image-amd64"])
    assert "apt would upgrade linux-image-amd64" in lines[2] and "packages up to date; nothing to do" in lines[1]


@pytest.mark.parametrize("nodes", ["node1", ["node1"], ["node1", "node1"], {"node1": 1, "node2": 2}])
def test_filters_name_a_wrong_hapair_nodes(nodes):
    with pytest.raises(AnsibleFilterError, match="hapair_nodes="):
        filters.pair_view(pair(), nodes, RESOURCES)


def test_filters_name_a_wrong_input():
    with pytest.raises(AnsibleFilterError, match="input of switchover_decision"):
        filters.switchover_decision(["node1"], NODES)


# --- update-guests.yml ---------------------------------------------------------

APT_S = """Reading package lists...
Calculating upgrade...
The following packages will be upgraded:
  libc6 tzdata
2 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.
Inst libc6 [2.41-12] (2.41-12+deb13u1 Debian-Security:13/stable-security [amd64])
Inst tzdata [2025b-4] (2025b-4+deb13u1 Debian:13.2/stable [all])
Conf libc6 (2.41-12+deb13u1 Debian-Security:13/stable-security [amd64])
"""
APT_NONE = "Reading package lists...\n0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n"


def test_update_plan_lists_what_each_guest_would_upgrade():
    plan = pd.update_guests_plan("node1", ["web1", "web2"], {"web1": APT_S, "web2": APT_NONE})
    assert plan == {"pending": {"web1": ["libc6", "tzdata"], "web2": []}, "work": True,
                    "message": "node1: web1: libc6 tzdata; web2: up to date"}


def test_update_plan_with_nothing_to_upgrade_does_nothing():
    plan = pd.update_guests_plan("node1", ["web1"], {"web1": APT_NONE})
    assert not plan["work"]
    assert plan["message"] == "node1: web1: up to date; nothing to do, Mon left as it is"


def test_update_plan_finishes_an_interrupted_run_and_restarts_always_work():
    plan = pd.update_guests_plan("node2", ["web1"], {"web1": APT_NONE}, interrupted=True)
    assert plan["work"] and "an earlier run was interrupted, Mon is resumed" in plan["message"]
    plan = pd.update_guests_plan("node2", ["web1", "web2"], {}, restart="nginx.service")
    assert plan["work"] and plan["message"] == "node2: restart nginx.service in web1, web2"
