"""Heartbeat after site.yml: the preferred node holds the group, Mon after guests."""
import hashlib

from labtools import NODES, PEER, holder, node

testinfra_hosts = list(NODES)


def test_heartbeat_runs_on_both_nodes(host):
    assert host.service("heartbeat").is_running
    assert host.check_output("cl_status hbstatus").startswith("Heartbeat is running")


def test_preferred_node_holds_the_group():
    assert holder() == "node1"


def test_the_stack_command_answers_as_heartbeat(host):
    # What the other roles and the playbooks read of Heartbeat (hapair-stack):
    # cl_status rscstatus, in which a node that holds nothing of the group
    # homed on its peer (node1, the preferred node) says "local" too.
    name = host.check_output("hostname")
    group = host.check_output("/usr/local/lib/hapair/hapair-stack group")
    assert group == host.check_output("cl_status rscstatus")
    assert group in (("all", "local") if holder() == name else ("local", "none")), group
    assert host.check_output("/usr/local/lib/hapair/hapair-stack peer %s" % PEER[name]) == "active"


def test_both_links_up(host):
    peer = PEER[host.check_output("hostname")]
    links = host.check_output(f"cl_status listhblinks {peer}").split()
    assert "eth1" in links and "/dev/ttyS1" in links, links
    for link in ("eth1", "/dev/ttyS1"):
        assert host.check_output(f"cl_status hblinkstatus {peer} {link}") == "up", link


def test_configuration_identical_on_both_nodes():
    one, two = node("node1"), node("node2")
    # ha.cf differs only by its ucast line (each node names its peer).
    for path in ("/etc/ha.d/haresources", "/etc/ha.d/authkeys", "/etc/ha.d/resource.d/cluster"):
        assert hashlib.sha256(one.file(path).content).hexdigest() == \
            hashlib.sha256(two.file(path).content).hexdigest(), path


def test_ha_cf_names_the_peer_on_the_replication_link(host):
    from labtools import NODES as ADDRESSES
    peer = PEER[host.check_output("hostname")]
    assert f"ucast eth1 {ADDRESSES[peer]['replication']}" in host.file("/etc/ha.d/ha.cf").content_string


def test_authkeys_secret_and_private(host):
    keys = host.file("/etc/ha.d/authkeys")
    assert keys.mode == 0o600 and keys.user == "root"


def test_haresources_is_the_reports_group(host):
    line = host.file("/etc/ha.d/haresources").content_string
    words = " ".join(l for l in line.splitlines() if not l.startswith("#")).split()
    # the report's group, with the takeover guard before drbddisk
    assert words[:6] == ["node1", "hapair-guard::clusterdr", "drbddisk::clusterdr",
                         "Filesystem::/dev/drbd0::/srv::ext3", "cluster", "MailTo::root@localhost"], words


def test_mon_runs_only_on_the_active_node_after_the_guests(host):
    name = host.check_output("hostname")
    mon = host.service("mon")
    assert not mon.is_enabled
    if name != holder():
        assert not mon.is_running
        return
    assert mon.is_running
    mon_start = int(host.check_output("systemctl show -P ActiveEnterTimestampMonotonic mon.service"))
    for guest in ("web1", "web2"):
        started = int(host.check_output(
            f"systemctl show -P ActiveEnterTimestampMonotonic systemd-nspawn@{guest}.service"))
        assert 0 < started < mon_start, (guest, started, mon_start)


def test_mail_to_a_bare_local_user_stays_on_the_node(host):
    """DRBD's split-brain mail goes to "root" (drbd_notify_address), which
    exim qualifies with /etc/mailname: that name must be a local domain."""
    routed = host.check_output("exim4 -bt root 2>&1 || true")
    assert "undeliverable" not in routed and "R: nonlocal" not in routed, routed
