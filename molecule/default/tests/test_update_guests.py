"""update-guests.yml: the report's "updates or restarts of services: stop Mon".

The lab's guests cannot reach a package mirror, so the package lists are
not refreshed (-e refresh=false): the upgrade finds nothing to do and a run
changes nothing. A service restart (-e restart=UNIT) is the update that
changes something: done with Mon paused, it must neither move the group
nor bring a down alert.
"""
import pytest

from labtools import (FULL, GUESTS, ansible_playbook, healthy_pair, http_get, mails_with, node, recap_changed,
                      wait_for)

pytestmark = pytest.mark.skipif(not FULL, reason="slow: molecule test -s full")

MARKER = "/run/hapair-maintenance"


def test_restart_with_mon_paused_moves_nothing_and_alerts_nothing():
    active = healthy_pair()
    host = node(active)
    downs = mails_with(host, " down")
    moves = mails_with(host, "resource group")
    run = ansible_playbook("update-guests.yml", "-e", "restart=hapair-httpd.service")
    assert run.returncode == 0, run.stdout[-5000:]
    assert recap_changed(run.stdout) > 0, run.stdout[-3000:]
    assert healthy_pair() == active
    assert host.service("mon").is_running
    assert not host.file(MARKER).exists
    assert mails_with(host, " down") == downs, "a down alert during the update"
    assert mails_with(host, "resource group") == moves
    for guest, address in GUESTS.items():
        assert http_get(address) == guest


def test_upgrade_with_nothing_to_do_changes_nothing_and_check_mode_says_so():
    active = healthy_pair()
    check = ansible_playbook("update-guests.yml", "-e", "refresh=false", "--check")
    assert check.returncode == 0, check.stdout[-3000:]
    assert "web1:" in check.stdout and "web2:" in check.stdout, check.stdout[-3000:]
    run = ansible_playbook("update-guests.yml", "-e", "refresh=false")
    assert run.returncode == 0, run.stdout[-5000:]
    assert recap_changed(run.stdout) == 0, run.stdout[-3000:]
    assert node(active).service("mon").is_running


def test_interrupted_run_is_finished_by_the_next_one():
    """What a run stopped half way leaves (the mark, Mon stopped): the next
    run starts Mon again and removes the mark."""
    active = healthy_pair()
    host = node(active)
    host.check_output("echo 'update-guests.yml (interrupted)' > %s && systemctl stop mon.service" % MARKER)
    run = ansible_playbook("update-guests.yml", "-e", "refresh=false")
    assert run.returncode == 0, run.stdout[-5000:]
    assert "an earlier run was interrupted" in run.stdout, run.stdout[-3000:]
    assert wait_for(lambda: host.service("mon").is_running, 30, 2)
    assert not host.file(MARKER).exists


def test_unknown_guest_is_refused_before_anything_changes():
    active = healthy_pair()
    run = ansible_playbook("update-guests.yml", "-e", "guests=web1,nosuch")
    assert run.returncode != 0
    assert "nosuch not in hapair_guests" in run.stdout, run.stdout[-3000:]
    assert node(active).service("mon").is_running
