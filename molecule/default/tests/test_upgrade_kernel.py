"""upgrade-kernel.yml on the built pair, with a client polling every guest.

The lab image holds the suite's release kernel; the proxy serves the newer
one of the suite's security updates, so the upgrade is real. Runs after
test_operations.py and before the kills of test_zz_failover.py."""
import pytest

from labtools import (FULL, GUESTS, NODES, Poller, ansible_playbook, drbd_state, holder, http_get, node,
                      recap_changed)

pytestmark = pytest.mark.skipif(not FULL, reason="slow: molecule test -s full")


def _kernels(name):
    host = node(name)
    running = host.check_output("uname -r")
    newest = host.check_output("ls /boot/vmlinuz-* | sed 's#.*/vmlinuz-##' | sort -V | tail -n 1")
    return running, newest


def test_check_mode_changes_nothing():
    before = {name: _kernels(name) for name in NODES}
    proc = ansible_playbook("upgrade-kernel.yml", "--check")
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "slave" in proc.stdout and "then master" in proc.stdout, proc.stdout[-4000:]
    assert {name: _kernels(name) for name in NODES} == before


def test_rolling_upgrade_keeps_the_guests_serving():
    master = holder()
    marker = node(master).check_output("date +%s%N")
    node(master).check_output(f"echo {marker} > /srv/upgrade-marker && sync /srv/upgrade-marker")
    before = {name: _kernels(name)[0] for name in NODES}
    with Poller() as poll:
        proc = ansible_playbook("upgrade-kernel.yml", timeout=5400)
    print("\nunreachable during upgrade-kernel.yml: %s" % ", ".join(
        "%s %.1f s in all (longest %.1f s)" % (g, poll.down[g], poll.longest[g]) for g in GUESTS))
    assert proc.returncode == 0, proc.stdout[-6000:]
    for name in NODES:
        running, newest = _kernels(name)
        assert running == newest, (name, running, newest)
        assert running != before[name], (name, running)
        state = drbd_state(node(name))
        assert state["cstate"] == "Connected" and state["dstate"] == "UpToDate/UpToDate", (name, state)
    for guest, address in GUESTS.items():
        assert http_get(address) == guest, guest
    now = holder()
    assert node(now).file("/srv/upgrade-marker").content_string.strip() == marker
    again = ansible_playbook("upgrade-kernel.yml", timeout=1800)
    assert again.returncode == 0, again.stdout[-4000:]
    assert recap_changed(again.stdout) == 0, again.stdout[-4000:]
