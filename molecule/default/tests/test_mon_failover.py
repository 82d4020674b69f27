"""Mon acts: a watched service that stays down moves the group to the peer.

The lab's web1 watches http with the report's ha-up-down.alert (interval
10 s, alertafter 3: the group moves after about 30 s of failure when the
pair is healthy); web2 watches http mail-only (failover: false). The HTTP
server is stopped with `systemctl stop` inside the guest, which does not
survive the guest's restart on the other node. Each test starts from a
healthy pair and leaves one (test_failover's fixture `pair`).
"""
import time

import pytest

from labtools import (FULL, GUESTS, PEER, drbd_state, holder, http_get, lab, mails_with, node, wait_for,
                      wait_http)
from test_failover import fixture_pair  # noqa: F401 pylint: disable=unused-import

pytestmark = [pytest.mark.skipif(not FULL, reason="slow: molecule test -s full"), pytest.mark.disruptive]

RECORD = "/srv/.hapair/service-failover"
# Mon: 3 failed checks 10 s apart, randstart, the alert, the program; then
# Heartbeat moves the group: the guests stop on one node and boot on the
# other, under TCG on a busy host (5 min once, guests' own boots included).
MOVE_BOUND = 600


# mon_failover_grace: Mon moves nothing this long after its own start.
GRACE = 300


def wait_past_mon_grace(host):
    """Sleep until HOST's Mon has run longer than its grace (the group was
    maybe taken a moment ago by the test before this one)."""
    started = host.check_output(
        "systemctl show --property=ActiveEnterTimestamp --value --timestamp=unix mon.service").lstrip("@")
    age = float(host.check_output("date +%s.%N")) - float(started)
    if age < GRACE + 10:
        time.sleep(GRACE + 10 - age)


def stop_http(host, guest):
    host.check_output("systemctl --machine=%s stop hapair-httpd.service" % guest)


def start_http(host, guest):
    host.run("systemctl --machine=%s start hapair-httpd.service" % guest)


def forget_moves(host):
    """Remove the record of Mon's last move, so that the next test is not
    refused for the window (mon_failover_window) this one opened."""
    host.run("rm -f %s" % RECORD)


def test_service_down_moves_the_group_once_then_mails_and_stays(pair):
    active, peer = node(pair), node(PEER[pair])
    moved_subject = "moves the resource group to %s" % PEER[pair]
    moved_before = mails_with(active, moved_subject)
    forget_moves(active)
    wait_past_mon_grace(active)
    stopped_at = time.time()
    stop_http(active, "web1")
    try:
        assert wait_for(lambda: holder() == PEER[pair], MOVE_BOUND, 5), "the group did not move"
        print("\nMon moved the group %.0f s after web1's http stopped" % (time.time() - stopped_at))
        for guest, address in GUESTS.items():
            assert wait_http(address, guest, 240) is not None, "%s does not answer from the peer" % guest
        assert mails_with(active, moved_subject) == moved_before + 1, "no mail saying why the group moved"
        assert "http" in active.check_output("journalctl -t hapair-service-failover --no-pager -n 20")
        # At once on the new node: mailed, not moved back.
        stayed_subject = "moves nothing although http on vserver_web1 is down"
        stayed_before = mails_with(peer, stayed_subject)
        stop_http(peer, "web1")
        assert wait_for(lambda: mails_with(peer, stayed_subject) > stayed_before, 180, 5), (
            "no mail saying why the group stays")
        body = peer.check_output("grep -h -A3 '^Subject: .*moves nothing although' /var/mail/* | tail -n 4")
        assert "no back and forth" in body, body
        assert holder() == PEER[pair]
        assert drbd_state(peer)["role"].startswith("Primary")
    finally:
        start_http(peer, "web1")
        start_http(active, "web1")
    assert wait_http(GUESTS["web1"], "web1", 120) is not None
    forget_moves(peer)


def test_service_down_with_the_peer_disconnected_mails_and_stays(pair):
    active = node(pair)
    forget_moves(active)
    stayed_subject = "moves nothing although http on vserver_web1 is down"
    before = mails_with(active, stayed_subject)
    assert lab("cut-link").returncode == 0
    try:
        assert wait_for(lambda: drbd_state(active)["cstate"] != "Connected", 60, 2), drbd_state(active)
        stop_http(active, "web1")
        assert wait_for(lambda: mails_with(active, stayed_subject) > before, 180, 5), (
            "no mail saying why the group stays")
        subjects = active.check_output("grep -h '^Subject: .*moves nothing although' /var/mail/*")
        assert "not Connected UpToDate/UpToDate" in subjects, subjects
        assert holder() == pair
    finally:
        start_http(active, "web1")
        assert lab("restore-link").returncode == 0
    assert wait_http(GUESTS["web1"], "web1", 120) is not None


def test_mail_only_service_is_mailed_and_never_moves(pair):
    """web2's http (failover: false): one alert per outage (alertevery 1h),
    the upalert when it returns, and nothing moves."""
    active = node(pair)
    down_text, up_text = "Service http on web2 down", "Service http on web2 up"
    downs, ups = mails_with(active, down_text), mails_with(active, up_text)
    stopped_at = time.time()
    stop_http(active, "web2")
    try:
        assert wait_for(lambda: mails_with(active, down_text) > downs, 90, 3), "no alert mail"
        print("\nMon alert mailed %.0f s after the service stopped" % (time.time() - stopped_at))
        time.sleep(35)  # three more failed checks: no second mail, no move
        assert mails_with(active, down_text) == downs + 1, "Mon mailed the same outage again"
        assert holder() == pair
        assert active.run("ls /run/hapair/mon/failover-*.request").rc != 0
    finally:
        start_http(active, "web2")
    assert wait_for(lambda: mails_with(active, up_text) > ups, 90, 3), "no upalert mail"
    assert http_get(GUESTS["web2"]) == "web2"
