"""new-guest.yml: a guest of the inventory made from nothing, then a no-op rerun.

The lab's inventory has web1 and web2, which site.yml made. This removes
web2 for good (stopped, tree purged) and lets new-guest.yml make it again.
"""
import json

import pytest

from labtools import (FULL, GUESTS, NODES, ansible_module, ansible_playbook, holder, http_get, node,
                      recap_changed)

pytestmark = pytest.mark.skipif(not FULL, reason="slow: molecule test -s full")


def test_refused_name_changes_nothing():
    proc = ansible_playbook("new-guest.yml", "-e", "name=nosuch")
    assert proc.returncode != 0
    assert "name=\"nosuch\": no guest of that name" in proc.stdout, proc.stdout[-2000:]
    assert recap_changed(proc.stdout) == 0


def test_refused_address_collision_changes_nothing():
    guests = [{"name": "web1", "address": "10.10.10.11/24"},
              {"name": "web2", "address": "10.10.10.12/24"},
              {"name": "web3", "address": "10.10.10.11/24"}]
    proc = ansible_playbook("new-guest.yml", "-e", "name=web3",
                            "-e", json.dumps({"hapair_guests": guests}))
    assert proc.returncode != 0
    assert "10.10.10.11" in proc.stdout and "web3" in proc.stdout, proc.stdout[-3000:]
    assert recap_changed(proc.stdout) == 0
    assert not node(holder()).file("/srv/vservers/web3").exists


def test_new_guest_from_nothing_answers_then_rerun_changes_nothing():
    active = holder()
    assert active in NODES
    node(active).check_output("systemctl stop systemd-nspawn@web2.service")
    rc, result = ansible_module(active, "hapair.cluster.vserver",
                                {"name": "web2", "state": "absent", "purge": True})
    assert rc == 0, result
    assert not node(active).file("/srv/vservers/web2").exists
    assert http_get(GUESTS["web2"]) is None

    first = ansible_playbook("new-guest.yml", "-e", "name=web2")
    assert first.returncode == 0, first.stdout[-4000:]
    assert http_get(GUESTS["web2"]) == "web2"
    assert http_get(GUESTS["web1"]) == "web1"

    second = ansible_playbook("new-guest.yml", "-e", "name=web2")
    assert second.returncode == 0, second.stdout[-4000:]
    assert recap_changed(second.stdout) == 0, second.stdout[-4000:]
