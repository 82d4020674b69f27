"""Failures, as a client sees them: the active node killed, the replication
link cut, a watched service stopped.

Each test starts from a healthy pair (it waits for one) and leaves the pair
as it found it (the fixture `pair`): both nodes up, Connected
UpToDate/UpToDate, the group held by the node that held it before, every
guest answering. So the tests run in any order, and so do the files after
this one. The failover figures are printed (pytest -s or the verify log)
and the benchmark benchmarks/failover.py repeats them over several kills.
"""
import re
import time

import pytest

from labtools import (BOOT_BOUND, FULL, GUESTS, NODES, PEER, ansible_playbook, drbd_state, healthy_pair,
                      holder, http_get, lab, node, uptodate_pair, wait_for, wait_http)

DEADTIME = 6
# Generous bound for the test under TCG (guests boot their own systemd in
# emulation); the benchmark measures against
# the target (deadtime + 10 s).
FAILOVER_BOUND = DEADTIME + 240


def restore_pair(active):
    """Bring the pair back to how a test found it: the replication link
    plugged, every node running (a killed one booted again on its disks),
    the pair healthy, and the group on ACTIVE (switchover.yml moves it back
    after a failover: auto_failback is off)."""
    assert lab("restore-link").returncode == 0
    for name in NODES:
        # `lab.py start` on a running node only says so
        res = lab("start", name, timeout=BOOT_BOUND)
        assert res.returncode == 0, res.stdout + res.stderr
    if healthy_pair() != active:
        back = ansible_playbook("switchover.yml", "-e", "to=%s" % active)
        assert back.returncode == 0, back.stdout[-4000:]
        assert healthy_pair() == active


@pytest.fixture(name="pair")
def fixture_pair():
    """The node holding the group of a healthy pair; the pair is restored
    as it was (restore_pair) after the test, whatever the test did to it."""
    active = healthy_pair()
    yield active
    restore_pair(active)


def kill_and_fail_over(active):
    """Hard-kill ACTIVE; return {guest: seconds until it answered from the peer, or None}."""
    killed_at = time.time()
    assert lab("kill", active).returncode == 0
    took = {}
    for guest, address in GUESTS.items():
        elapsed = wait_http(address, guest, FAILOVER_BOUND - (time.time() - killed_at))
        took[guest] = None if elapsed is None else time.time() - killed_at
    return took


def mail_subjects(host, text):
    """How many mails in the node's mailboxes have TEXT in their subject."""
    out = host.run("grep -h '^Subject:' /var/mail/* 2>/dev/null").stdout
    return sum(1 for line in out.splitlines() if text in line)


def _stop_web1_until_alerted(active, down_text, downs):
    """Stop web1's HTTP server and wait for an alert mail beyond the DOWNS already there."""
    stopped_at = time.time()
    active.check_output("systemctl --machine=web1 stop hapair-httpd.service")
    # Mon checks every 10 s; the mail is delivered at once (not at exim's next queue run).
    assert wait_for(lambda: mail_subjects(active, down_text) > downs, 90, 3), (
        "no new alert mail in /var/mail on the active node")
    print("\nMon alert mailed %.0f s after the service stopped" % (time.time() - stopped_at))


def _start_web1_until_upalerted(active, up_text, ups):
    started_at = time.time()
    active.run("systemctl --machine=web1 start hapair-httpd.service")
    assert wait_for(lambda: mail_subjects(active, up_text) > ups, 90, 3), "no upalert mail"
    print("Mon upalert mailed %.0f s after the service started again" % (time.time() - started_at))


@pytest.mark.skipif(not FULL, reason="slow: molecule test -s full")
def test_mon_alerts_when_a_watched_service_stops_and_when_it_returns(pair):
    """One alert per outage (alertevery 1h, the default), the upalert when the
    service returns, and a new outage alerts again at once."""
    active = node(pair)
    down_text, up_text = "Service http on web1 down", "Service http on web1 up"
    downs, ups = mail_subjects(active, down_text), mail_subjects(active, up_text)
    try:
        _stop_web1_until_alerted(active, down_text, downs)
        # three more failed checks (every 10 s): no second mail for the same outage
        time.sleep(35)
        assert mail_subjects(active, down_text) == downs + 1, "Mon mailed the same outage again"
    except BaseException:
        active.run("systemctl --machine=web1 start hapair-httpd.service")
        raise
    _start_web1_until_upalerted(active, up_text, ups)
    try:
        _stop_web1_until_alerted(active, down_text, downs + 1)
    except BaseException:
        active.run("systemctl --machine=web1 start hapair-httpd.service")
        raise
    _start_web1_until_upalerted(active, up_text, ups + 1)
    assert http_get(GUESTS["web1"]) == "web1"


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
