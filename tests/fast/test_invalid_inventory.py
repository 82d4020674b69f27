"""A malformed inventory stops every playbook before any host is contacted,
with a message naming the variable and the value."""
import functools
import os

import pytest
import yaml

from conftest import run_playbook


def load(inv, rel):
    with open(os.path.join(str(inv), rel), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def save(inv, rel, data):
    with open(os.path.join(str(inv), rel), "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle)


def edit(rel):
    def decorator(func):
        @functools.wraps(func)
        def apply(inv):
            data = load(inv, rel)
            func(data)
            save(inv, rel, data)
        return apply
    return decorator


def three_nodes(inv):
    hosts = load(inv, "hosts.yml")
    hosts["all"]["children"]["hapair_pairs"]["children"]["apollo"]["hosts"]["apollo14"] = {
        "hapair_replication_address": "192.168.1.3", "hapair_replication_interface": "eth1"}
    save(inv, "hosts.yml", hosts)
    pair = load(inv, "group_vars/apollo/pair.yml")
    pair["hapair_nodes"].append("apollo14")
    save(inv, "group_vars/apollo/pair.yml", pair)


@edit("host_vars/apollo13.yml")
def not_an_address(data):
    data["hapair_replication_address"] = "192.168.1.300"


@edit("group_vars/apollo/guests.yml")
def guest_on_node_address(data):
    data["hapair_guests"][0]["address"] = "10.10.10.2/24"


@edit("group_vars/apollo/guests.yml")
def two_guests_one_address(data):
    data["hapair_guests"][2]["address"] = "10.10.10.12/24"


@edit("group_vars/apollo/drbd.yml")
def drbd_port_twice(data):
    second = dict(data["drbd_resources"][0], name="second", minor=1, mountpoint="/srv2",
                  disks={"apollo12": "/dev/sda12", "apollo13": "/dev/sda12"})
    data["drbd_resources"].append(second)


@edit("group_vars/apollo/drbd.yml")
def relative_mountpoint(data):
    data["drbd_resources"][0]["mountpoint"] = "srv"


@edit("group_vars/apollo/drbd.yml")
def protocol_d(data):
    data["drbd_resources"][0]["protocol"] = "D"


@edit("group_vars/apollo/guests.yml")
def unknown_monitor(data):
    data["hapair_guests"][1]["services"][0]["monitor"] = "nosuch.monitor"


@edit("group_vars/apollo/guests.yml")
def alertevery_in_words(data):
    data["hapair_guests"][1]["services"][0]["alertevery"] = "hourly"


@edit("group_vars/apollo/guests.yml")
def bad_guest_name(data):
    data["hapair_guests"][3]["name"] = "ldap_01"


@edit("group_vars/apollo/heartbeat.yml")
def unknown_preferred_node(data):
    data["heartbeat_preferred_node"] = "apollo99"


@edit("group_vars/apollo/heartbeat.yml")
def deadtime_under_drbd_ping(data):
    # DRBD's default ping (10 s + 0.5 s) would still see the dead peer at takeover.
    data["heartbeat_warntime"] = 5
    data["heartbeat_deadtime"] = 8


CASES = [
    # (mutation, words the message must hold: the variable and the value)
    (three_nodes, ["hapair_nodes", "apollo14", "exactly two"]),
    (not_an_address, ["hapair_replication_address", "192.168.1.300"]),
    (guest_on_node_address, ["hapair_guests[0].address", "10.10.10.2/24", "apollo12.hapair_public_address"]),
    (two_guests_one_address, ["hapair_guests[2].address", "10.10.10.12/24", "hubble"]),
    (drbd_port_twice, ["drbd_resources[1].port", "7791"]),
    (relative_mountpoint, ["drbd_resources[0].mountpoint", "'srv'"]),
    (protocol_d, ["protocol", "D", "A, B, C"]),
    (unknown_monitor, ["hapair_guests[1].services[0].monitor", "nosuch.monitor"]),
    (alertevery_in_words, ["hapair_guests[1].services[0].alertevery", "hourly", "1h"]),
    (bad_guest_name, ["hapair_guests[3].name", "ldap_01"]),
    (unknown_preferred_node, ["heartbeat_preferred_node", "apollo99"]),
    (deadtime_under_drbd_ping, ["drbd_default_ping_int", "=10", "heartbeat_deadtime (8 s)"]),
]


@pytest.mark.parametrize("playbook", ["site.yml", "render.yml"])
@pytest.mark.parametrize("mutate,words", CASES, ids=[c[0].__name__ for c in CASES])
def test_malformed_inventory_is_refused_before_any_host(tmp_path, apollo_copy, mutate, words, playbook):
    mutate(apollo_copy)
    proc, contacted = run_playbook(tmp_path, playbook, apollo_copy, "-e", "render_dir=%s" % (tmp_path / "r"))
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert not contacted, "a host was contacted"
    for word in words:
        assert word in output, "%r not in:\n%s" % (word, output)
    assert not (tmp_path / "r").exists(), "files were rendered"


def test_the_apollo_inventory_passes(tmp_path, apollo_copy):
    proc, contacted = run_playbook(tmp_path, "render.yml", apollo_copy, "-e", "render_dir=%s" % (tmp_path / "r"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not contacted
