"""status.yml and switchover.yml on the built pair (issue 7); the healthy
pair's status runs in the default scenario too.

The pair with a node down is reported degraded in test_failover.py,
where a node is killed."""
import json

import pytest

from labtools import (FULL, GUESTS, NODES, PEER, ansible_playbook, drbd_state, holder, http_get, node,
                      recap_changed, wait_for)

SLOW = pytest.mark.skipif(not FULL, reason="slow: molecule test -s full")


def test_status_of_a_healthy_pair_exits_zero_with_its_table_and_json(tmp_path):
    active = holder()
    proc = ansible_playbook("status.yml", "-e", "hapair_status_dir=%s" % tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "HEALTHY, group held by %s" % active in proc.stdout, proc.stdout[-3000:]
    for heading in ("NODE", "DRBD", "GUEST"):
        assert heading in proc.stdout, proc.stdout[-3000:]
    assert recap_changed(proc.stdout) == 0
    data = json.loads((tmp_path / ("%s.json" % "+".join(NODES))).read_text())
    assert (data["state"], data["holder"], data["problems"]) == ("HEALTHY", active, [])
    assert {n["node"]: n["role"] for n in data["nodes"]} == {active: "active", PEER[active]: "passive"}
    assert {(r["node"], r["disk"], r["peer_disk"], r["connection"]) for r in data["drbd"]} == {
        (n, "UpToDate", "UpToDate", "Connected") for n in NODES}
    assert {g["name"]: g["running_on"] for g in data["guests"]} == {g: [active] for g in GUESTS}


@SLOW
def test_switchover_moves_the_group_and_back():
    start = holder()
    assert start in NODES
    there = ansible_playbook("switchover.yml")
    assert there.returncode == 0, there.stdout[-4000:]
    assert holder() == PEER[start]
    for guest, address in GUESTS.items():
        assert http_get(address) == guest, guest
    back = ansible_playbook("switchover.yml", "-e", "to=%s" % start)
    assert back.returncode == 0, back.stdout[-4000:]
    assert holder() == start
    for guest, address in GUESTS.items():
        assert http_get(address) == guest, guest
    again = ansible_playbook("switchover.yml", "-e", "to=%s" % start)
    assert again.returncode == 0, again.stdout[-4000:]
    assert recap_changed(again.stdout) == 0, again.stdout[-4000:]


@SLOW
def test_status_of_a_resyncing_pair_is_degraded():
    """A full resync towards the Secondary (its copy invalidated) is reported."""
    passive = node(PEER[holder()])
    passive.check_output("drbdadm invalidate clusterdr")
    try:
        proc = ansible_playbook("status.yml")
        assert proc.returncode != 0, proc.stdout[-3000:]
        assert "Sync" in proc.stdout and "DEGRADED" in proc.stdout, proc.stdout[-3000:]
    finally:
        assert wait_for(lambda: drbd_state(passive)["dstate"] == "UpToDate/UpToDate", 600, 5)
