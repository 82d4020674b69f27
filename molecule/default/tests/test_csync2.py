"""Csync2 between the nodes: the same key and configuration, changes carried
to the peer, and a file changed on both nodes resolved by `auto younger`
with the loser kept in the backup folder."""
import pytest

from labtools import FULL, NODES, node, wait_for

testinfra_hosts = list(NODES)
KEY = "/etc/csync2.key_lab"
BACKUPS = "/var/backups/csync2"
PROBE = "/etc/vservers/hapair-csync2-probe.conf"


def test_same_key_on_both_nodes_private(host):
    key = host.file(KEY)
    assert key.exists and key.mode == 0o600 and key.user == "root"
    assert key.sha256sum == node("node1").file(KEY).sha256sum == node("node2").file(KEY).sha256sum


def test_group_and_auto_rule_in_configuration(host):
    cfg = host.file("/etc/csync2.cfg").content_string
    assert "group lab" in cfg and "auto younger;" in cfg and f"backup-directory {BACKUPS};" in cfg


def _sync(name):
    # csync2 -x exits non-zero while a conflict is pending; the content decides.
    node(name).run("csync2 -x")


@pytest.mark.skipif(not FULL, reason="slow: molecule test -s full")
def test_file_changed_on_both_nodes_younger_wins_loser_backed_up(host):
    if host.check_output("hostname") != "node1":
        pytest.skip("once, for both nodes")
    one, two = node("node1"), node("node2")
    try:
        one.check_output(f"echo first > {PROBE}")
        _sync("node1")
        assert wait_for(lambda: two.file(PROBE).exists and two.file(PROBE).content_string == "first\n", 30, 2)
        two.check_output(f"echo older-on-node2 > {PROBE} && touch -d '-120 seconds' {PROBE}")
        one.check_output(f"echo younger-on-node1 > {PROBE}")
        for name in ("node2", "node1", "node2"):
            _sync(name)
        for side in (one, two):
            assert side.file(PROBE).content_string == "younger-on-node1\n", side.check_output("hostname")
        kept = two.run(f"grep -rl older-on-node2 {BACKUPS}")
        assert kept.rc == 0, two.run(f"ls -la {BACKUPS}").stdout
    finally:
        one.run(f"rm -f {PROBE}")
        two.run(f"rm -f {PROBE}")
        _sync("node1")
        _sync("node2")
