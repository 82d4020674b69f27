"""A malformed inventory stops every playbook before any host is contacted,
with a message naming the variable and the value."""
import functools
import os

import pytest
import yaml

from fasttools import run_playbook


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


@edit("host_vars/apollo13.yml")
def no_replication_address(data):
    del data["hapair_replication_address"]


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


@edit("group_vars/apollo/pair.yml")
def unknown_preferred_node(data):
    data["hapair_preferred_node"] = "apollo99"


@edit("group_vars/apollo/heartbeat.yml")
def deadtime_under_drbd_ping(data):
    # DRBD's default ping (10 s + 0.5 s) would still see the dead peer at takeover.
    data["heartbeat_warntime"] = 5
    data["heartbeat_deadtime"] = 8


# apollo's Heartbeat paths: the replication link and the serial line.
APOLLO_PATHS = [{"type": "ucast", "network": "replication"}, {"type": "serial", "port": "/dev/ttyS0"}]


def heartbeat(func):
    """A mutation of heartbeat.yml, which first gets apollo's heartbeat_paths."""
    @edit("group_vars/apollo/heartbeat.yml")
    @functools.wraps(func)
    def apply(data):
        data.pop("heartbeat_serial_port", None)
        data["heartbeat_paths"] = [dict(path) for path in APOLLO_PATHS]
        func(data)
    return apply


@heartbeat
def deadtime_alone_under_default_warntime(data):
    # warntime is left to the role's default (10).
    del data["heartbeat_warntime"]
    data["heartbeat_deadtime"] = 8


@heartbeat
def one_heartbeat_path(data):
    del data["heartbeat_paths"][1]


@heartbeat
def two_ucast_paths_on_one_interface(data):
    data["heartbeat_paths"][1] = {"type": "ucast", "interface": "eth1",
                                  "addresses": {"apollo12": "192.168.9.1", "apollo13": "192.168.9.2"}}


@heartbeat
def serial_port_twice(data):
    data["heartbeat_paths"].append({"type": "serial", "port": "/dev/ttyS0"})


@heartbeat
def public_path_without_public_interface(data):
    data["heartbeat_paths"].append({"type": "ucast", "network": "public"})


@heartbeat
def unknown_path_type(data):
    data["heartbeat_paths"][1] = {"type": "bcast", "interface": "eth0"}


@heartbeat
def old_serial_port(data):
    data["heartbeat_serial_port"] = "/dev/ttyS0"


@edit("group_vars/apollo/guests.yml")
def guest_outside_public_network(data):
    data["hapair_guests"][1]["address"] = "172.16.5.12/24"


@edit("group_vars/apollo/guests.yml")
def guest_on_broadcast_address(data):
    data["hapair_guests"][0]["address"] = "10.10.10.255/24"


@edit("group_vars/apollo/drbd.yml")
def force_create_md_everywhere(data):
    data["drbd_force_create_md"] = True


def second_pair_on_a_guest_address(inv):
    """A pair zeus beside apollo, on apollo's LAN, whose guest takes hubble's address."""
    hosts = load(inv, "hosts.yml")
    hosts["all"]["children"]["hapair_pairs"]["children"]["zeus"] = {"hosts": dict(
        ("zeus%d" % i, {"ansible_host": "10.10.10.%d" % (i + 3), "hapair_public_address": "10.10.10.%d/24" % (i + 3),
                        "hapair_replication_interface": "eth1", "hapair_replication_address": "192.168.2.%d" % i})
        for i in (1, 2))}
    save(inv, "hosts.yml", hosts)
    os.makedirs(os.path.join(str(inv), "group_vars", "zeus"))
    for rel in ("drbd.yml", "csync2.yml", "heartbeat.yml"):
        save(inv, "group_vars/zeus/" + rel, load(inv, "group_vars/apollo/" + rel))
    save(inv, "group_vars/zeus/pair.yml", {"hapair_nodes": ["zeus1", "zeus2"], "hapair_preferred_node": "zeus1"})
    save(inv, "group_vars/zeus/guests.yml", {"hapair_guests": [{"name": "web", "address": "10.10.10.12/24"}]})
    drbd = load(inv, "group_vars/zeus/drbd.yml")
    drbd["drbd_resources"][0]["disks"] = {"zeus1": "/dev/sda11", "zeus2": "/dev/sda11"}
    save(inv, "group_vars/zeus/drbd.yml", drbd)


ONE_PATH = ("with one path a single lost cable makes both nodes take the group (both Primary, both mount,"
            " same guest addresses twice)")

CASES = [
    # (mutation, words the message must hold: the variable and the value)
    (three_nodes, ["hapair_nodes", "apollo14", "exactly two"]),
    (not_an_address, ["hapair_replication_address", "192.168.1.300"]),
    (no_replication_address, ["missing required arguments: hapair_replication_address"]),
    (guest_on_node_address, ["hapair_guests[0].address", "10.10.10.2/24", "apollo12.hapair_public_address"]),
    (two_guests_one_address, ["hapair_guests[2].address", "10.10.10.12/24", "hubble"]),
    (drbd_port_twice, ["drbd_resources[1].port", "7791"]),
    (relative_mountpoint, ["drbd_resources[0].mountpoint", "'srv'"]),
    (protocol_d, ["protocol", "D", "A, B, C"]),
    (unknown_monitor, ["hapair_guests[1].services[0].monitor", "nosuch.monitor"]),
    (alertevery_in_words, ["hapair_guests[1].services[0].alertevery", "hourly", "1h"]),
    (bad_guest_name, ["hapair_guests[3].name", "ldap_01"]),
    (unknown_preferred_node, ["hapair_preferred_node", "apollo99"]),
    (deadtime_under_drbd_ping, ["drbd_default_ping_int", "=10", "heartbeat_deadtime (8 s)"]),
]


# Checks of meaning: the effective values (role defaults included), the
# guests' networks, Heartbeat's paths, drbd_force_create_md, other pairs.
MEANING_CASES = [
    (deadtime_alone_under_default_warntime,
     ["heartbeat_deadtime=8: Heartbeat needs keepalive < warntime < deadtime, and heartbeat_warntime is 10,"
      " the role's default"]),
    (one_heartbeat_path, ["heartbeat_paths=[{", "}]: 1 independent path between the nodes",
                          ONE_PATH, "{type: serial, port: /dev/ttyS0}"]),
    (two_ucast_paths_on_one_interface, ["heartbeat_paths[1]=", "over eth1 on apollo12, like heartbeat_paths[0]",
                                        "1 independent path", ONE_PATH]),
    (serial_port_twice, ["heartbeat_paths[2].port='/dev/ttyS0': the serial port of heartbeat_paths[1]"]),
    (public_path_without_public_interface, ["apollo12.hapair_public_interface=None: required by heartbeat_paths[2]",
                                            "apollo13.hapair_public_interface=None"]),
    (unknown_path_type, ["heartbeat_paths[1].type='bcast'", "ucast or serial"]),
    (old_serial_port, ["heartbeat_serial_port='/dev/ttyS0': replaced by heartbeat_paths; list it there as"
                       " {type: serial, port: /dev/ttyS0} beside the other paths"]),
    (guest_outside_public_network, ["hapair_guests[1].address='172.16.5.12/24': not in apollo12's public network"
                                    " 10.10.10.0/24 (hapair_public_address of apollo12"]),
    (guest_on_broadcast_address, ["hapair_guests[0].address='10.10.10.255/24': the broadcast address of"
                                  " 10.10.10.0/24"]),
    (force_create_md_everywhere, ["drbd_force_create_md=True: name the one node whose DRBD metadata is recreated",
                                  "apollo12 or apollo13", "/dev/sda11"]),
    (second_pair_on_a_guest_address, ["hapair_guests[1].address='10.10.10.12/24': also the address of guest web"
                                      " (hapair_guests[0]) of the pair zeus1, zeus2 (group zeus)",
                                      "hapair_guests[0].address='10.10.10.12/24': also the address of guest hubble"]),
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


def test_the_apollo_inventory_passes(apollo_render):
    # the session's render of apollo (conftest), which asserted that it ran
    # without reaching a host
    assert sorted(p.name for p in apollo_render.iterdir()) == ["apollo12", "apollo13"]


# Inventories that must pass run the check alone (validate.yml, which every
# playbook opens with), not a whole render: a third of the time each.


def unwrapped(output):
    """OUTPUT with the callback's YAML undone: long lines joined, '' back to '."""
    return " ".join(output.split()).replace("''", "'")


@pytest.mark.parametrize("playbook", ["site.yml", "render.yml"])
@pytest.mark.parametrize("mutate,words", MEANING_CASES, ids=[c[0].__name__ for c in MEANING_CASES])
def test_meaningless_inventory_is_refused_before_any_host(tmp_path, apollo_copy, mutate, words, playbook):
    mutate(apollo_copy)
    proc, contacted = run_playbook(tmp_path, playbook, apollo_copy, "-e", "render_dir=%s" % (tmp_path / "r"))
    output = unwrapped(proc.stdout + proc.stderr)
    assert proc.returncode != 0, output
    assert not contacted, "a host was contacted"
    for word in words:
        assert word in output, "%r not in:\n%s" % (word, output)
    assert not (tmp_path / "r").exists(), "files were rendered"


@pytest.mark.parametrize("paths", [APOLLO_PATHS, APOLLO_PATHS + [
    {"type": "ucast", "interface": "eth2", "addresses": {"apollo12": "10.0.0.1", "apollo13": "10.0.0.2"}}]])
def test_apollo_with_its_heartbeat_paths_passes(tmp_path, apollo_copy, paths):
    data = load(apollo_copy, "group_vars/apollo/heartbeat.yml")
    data.pop("heartbeat_serial_port", None)
    data["heartbeat_paths"] = paths
    save(apollo_copy, "group_vars/apollo/heartbeat.yml", data)
    proc, contacted = run_playbook(tmp_path, "validate.yml", apollo_copy)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not contacted


def test_force_create_md_naming_one_node_passes(tmp_path, apollo_copy):
    proc, contacted = run_playbook(tmp_path, "validate.yml", apollo_copy, "-e", "drbd_force_create_md=apollo13")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not contacted
