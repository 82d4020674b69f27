"""Failures, as a client sees them: the active node killed, the replication
link cut (a watched service stopped: test_mon_failover.py).

Each test starts from a healthy pair (it waits for one) and leaves a
healthy pair (the fixture `pair`): both nodes up, Connected
UpToDate/UpToDate, one node holding the group, every guest answering. The
group stays where the failure left it (auto_failback is off, as on a real
pair): each test takes the active node from the pair it finds, so the tests
run in any order and cover either node holding the group. The failover
figures are printed (pytest -s or the verify log) and the benchmark
benchmarks/failover.py repeats them over several kills.
"""
import re
import time

import pytest

from labtools import (BOOT_BOUND, FULL, GUESTS, NODES, PEER, ansible_playbook, drbd_state, healthy_pair,
                      holder, http_get, lab, node, restore_pair, uptodate_pair, wait_for, wait_http)

pytestmark = pytest.mark.disruptive

DEADTIME = 6
# Generous bound for the test under TCG (guests boot their own systemd in
# emulation); the benchmark measures against
# the target (deadtime + 10 s).
FAILOVER_BOUND = DEADTIME + 240


@pytest.fixture(name="pair")
def fixture_pair():
    """The node holding the group of a healthy pair; the pair is healthy
    again (restore_pair) after the test, whatever the test did to it."""
    yield healthy_pair()
    restore_pair()


def kill_and_fail_over(active):
    """Hard-kill ACTIVE; return {guest: seconds until it answered from the peer, or None}."""
    killed_at = time.time()
    assert lab("kill", active).returncode == 0
    took = {}
    for guest, address in GUESTS.items():
        elapsed = wait_http(address, guest, FAILOVER_BOUND - (time.time() - killed_at))
        took[guest] = None if elapsed is None else time.time() - killed_at
    return took


def test_kill_active_node_guests_answer_from_peer(pair):
    active = pair
    peer = PEER[active]
    marker = node(active).check_output("date +%s%N")
    node(active).check_output(f"echo {marker} > /srv/failover-marker && sync /srv/failover-marker")
    took = kill_and_fail_over(active)
    print("\nfailover after kill of %s (deadtime %d s): %s" % (
        active, DEADTIME, ", ".join("%s %.1f s" % (g, t) if t else "%s NEVER" % g
                                    for g, t in took.items())))
    assert all(took.values()), took
    assert holder() == peer
    assert node(peer).file("/srv/failover-marker").content_string.strip() == marker


@pytest.mark.skipif(not FULL, reason="slow: molecule test -s full")
def test_killed_node_rejoins_as_secondary_and_takes_nothing_back(pair):
    dead = pair
    active = PEER[dead]
    took = kill_and_fail_over(dead)
    assert all(took.values()), took
    assert holder() == active
    status = ansible_playbook("status.yml")
    assert status.returncode != 0, status.stdout[-3000:]
    assert "%s: DOWN" % dead in status.stdout, status.stdout[-3000:]
    res = lab("start", dead, timeout=BOOT_BOUND)
    assert res.returncode == 0, res.stdout + res.stderr
    assert wait_for(uptodate_pair, 600, 5), [drbd_state(node(n)) for n in NODES]
    assert drbd_state(node(dead))["role"].startswith("Secondary/")
    # Only what changed while it was away is resynced (the activity log and
    # the bitmap), not the whole device.
    # (a Secondary's /dev/drbd0 cannot be opened: the size is read on the Primary)
    size_kb = int(node(active).check_output("blockdev --getsize64 /dev/drbd0")) // 1024
    began = node(dead).run("dmesg | grep 'Began resync as SyncTarget' | tail -n 1").stdout
    synced = re.search(r"will sync (\d+) KB", began)
    if synced:
        assert int(synced.group(1)) < size_kb // 4, began
    assert wait_for(lambda: node(dead).run("cl_status hbstatus").rc == 0, 120, 3)
    time.sleep(15)  # auto_failback off: nothing moves back
    assert holder() == active
    for guest, address in GUESTS.items():
        assert http_get(address) == guest


@pytest.mark.skipif(not FULL, reason="slow: molecule test -s full")
def test_replication_link_cut_no_split_brain_and_reconnects(pair):
    active = pair
    passive = PEER[active]
    assert lab("cut-link").returncode == 0
    try:
        for _ in range(10):
            time.sleep(3)
            assert drbd_state(node(passive))["role"].startswith("Secondary/")
        assert holder() == active
        node(active).check_output("echo written-while-cut > /srv/cut-marker && sync /srv/cut-marker")
    finally:
        assert lab("restore-link").returncode == 0
    assert wait_for(uptodate_pair, 300, 5), [drbd_state(node(n)) for n in NODES]
    assert drbd_state(node(passive))["role"].startswith("Secondary/")
    for guest, address in GUESTS.items():
        assert http_get(address) == guest
