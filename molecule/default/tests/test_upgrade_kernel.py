"""upgrade-kernel.yml on the built pair, with a client polling every guest.

The lab image holds the suite's release kernel; the proxy serves the newer
one of the suite's security updates, so the upgrade is real."""
import pytest

from labtools import (FULL, GUESTS, NODES, PEER, Poller, ansible_playbook, drbd_state, holder, http_get, lab,
                      node, recap_changed, uptodate_pair, wait_for)

pytestmark = [pytest.mark.skipif(not FULL, reason="slow: molecule test -s full"), pytest.mark.disruptive]


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


# Run by dpkg after it installed the kernel on the slave: the replication
# link of the slave drops while the run is between its preflight and the
# first disruptive step.
DISCONNECT_HOOK = "/etc/apt/apt.conf.d/99hapair-test-disconnect"


def test_pair_degraded_during_the_install_refuses_to_stop_heartbeat_on_the_slave():
    """The pair was healthy at the preflight; DRBD disconnects on the slave
    while its kernel installs. The check right before stopping Heartbeat
    there refuses: Heartbeat keeps running on both nodes, the master keeps
    the group, the new kernel waits installed. Reconnected, the next run
    (the tests below) resumes."""
    master = holder()
    slave = PEER[master]
    host = node(slave)
    host.check_output(f"echo 'DPkg::Post-Invoke {{ \"/usr/sbin/drbdadm disconnect all || true\"; }};' "
                      f"> {DISCONNECT_HOOK}")
    try:
        with Poller() as poll:
            proc = ansible_playbook("upgrade-kernel.yml", timeout=1800)
    finally:
        host.check_output(f"rm -f {DISCONNECT_HOOK}")
    assert proc.returncode != 0, proc.stdout[-4000:]
    assert f"REFUSED before stopping Heartbeat on the slave {slave}" in proc.stdout, proc.stdout[-4000:]
    assert "is not Connected UpToDate/UpToDate" in proc.stdout, proc.stdout[-4000:]
    # nothing disruptive ran: Heartbeat on both, the master serving, the
    # slave still on its old kernel with the new one installed
    for name in NODES:
        assert node(name).run("systemctl is-active heartbeat").stdout.strip() == "active", name
    assert holder() == master
    running, newest = _kernels(slave)
    assert running != newest, (running, newest)
    assert all(poll.longest[g] < 10 for g in GUESTS), poll.longest
    host.check_output("drbdadm adjust all")
    assert wait_for(uptodate_pair, 600, step=5)


# After every dpkg run, the initrd of any kernel but the running one is
# swapped for bytes that are no initramfs (the good one kept in /root):
# the new kernel panics at boot, unable to mount its root filesystem.
BREAK_HOOK = "/etc/apt/apt.conf.d/99hapair-test-break-new-kernel"
BREAK_SCRIPT = """#!/bin/sh
for initrd in /boot/initrd.img-*; do
  [ "$initrd" = "/boot/initrd.img-$(uname -r)" ] && continue
  good="/root/$(basename "$initrd").good"
  [ -e "$good" ] && continue
  cp -p "$initrd" "$good" && printf 'not an initramfs\\n' > "$initrd"
done
"""


def _ssh_up(name):
    try:
        return node(name).run("true").rc == 0
    except Exception:  # a node that does not answer
        return False


def test_slave_that_does_not_boot_leaves_the_master_serving_and_a_power_cycle_boots_the_old_kernel():
    """The slave's new kernel panics: the run stops, the master serves all along,
    a power cycle brings the slave back on its previous kernel; once repaired,
    the rerun (the next test) completes."""
    master = holder()
    slave = PEER[master]
    old = {name: _kernels(name)[0] for name in NODES}
    host = node(slave)
    host.check_output(f"cat > /usr/local/sbin/hapair-test-break-new-kernel <<'EOT'\n{BREAK_SCRIPT}EOT")
    host.check_output("chmod 0755 /usr/local/sbin/hapair-test-break-new-kernel")
    host.check_output(f"echo 'DPkg::Post-Invoke {{ \"/usr/local/sbin/hapair-test-break-new-kernel\"; }};' > {BREAK_HOOK}")
    # a kernel an earlier run installed already is broken now too
    host.check_output("/usr/local/sbin/hapair-test-break-new-kernel")
    with Poller() as poll:
        proc = ansible_playbook("upgrade-kernel.yml", "-e", "upgrade_kernel_reboot_timeout=300", timeout=3600)
    print("\nunreachable while the slave failed its boot: %s" % ", ".join(
        "%s %.1f s" % (g, poll.down[g]) for g in GUESTS))
    assert proc.returncode != 0, proc.stdout[-4000:]
    assert f"{slave} did not come back" in proc.stdout, proc.stdout[-4000:]
    assert "still holds" in proc.stdout, proc.stdout[-4000:]
    # the master was not touched and served all along
    assert holder() == master
    assert _kernels(master)[0] == old[master]
    assert all(poll.longest[g] < 10 for g in GUESTS), poll.longest
    assert not _ssh_up(slave)
    # power cycle: GRUB's one-time entry is spent, the default boots
    assert lab("restart", slave).returncode == 0
    assert wait_for(lambda: _ssh_up(slave), 600, step=5)
    running, newest = _kernels(slave)
    assert running == old[slave] and newest != running, (running, newest)
    # repair: the good initrd back, the hook gone
    host.check_output(f"rm -f {BREAK_HOOK} /usr/local/sbin/hapair-test-break-new-kernel")
    host.check_output(f"cp -p /root/initrd.img-{newest}.good /boot/initrd.img-{newest}")
    host.check_output(f"rm -f /root/initrd.img-{newest}.good")
    assert wait_for(uptodate_pair, 600, step=5)
    assert holder() == master


def test_rolling_upgrade_keeps_the_guests_serving():
    """Runs after the failed boot above: this run resumes (the slave's new
    kernel is installed, Heartbeat left off there) and completes."""
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
