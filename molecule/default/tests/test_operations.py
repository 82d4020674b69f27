"""status.yml and switchover.yml on the built pair (issue 7).

The pair with a node down is reported degraded in test_failover.py,
where a node is killed."""
import pytest

from labtools import (FULL, GUESTS, NODES, PEER, ansible_playbook, drbd_state, holder, http_get, node,
                      recap_changed, wait_for)

pytestmark = pytest.mark.skipif(not FULL, reason="slow: molecule test -s full")


def test_status_of_a_healthy_pair_exits_zero():
    active = holder()
    proc = ansible_playbook("status.yml")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "HEALTHY, group held by %s" % active in proc.stdout, proc.stdout[-3000:]
    assert recap_changed(proc.stdout) == 0


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
