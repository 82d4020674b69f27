"""The pair's inventory model (plugin_utils/pair_model.py) on plain hostvars.

The inventories are read from inventories/apollo and inventories/lab, the
lab's host vars being those tests/lab/lab.py write_inventory() writes, with
the Heartbeat paths each inventory is given (heartbeat_paths).
"""
import copy
import glob
import os

import pytest
import yaml

from ansible_collections.hapair.cluster.plugins.plugin_utils import pair_model as pm
from ansible_collections.hapair.cluster.plugins.plugin_utils import pair_stack_heartbeat

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))

PATHS = {
    "apollo": [{"type": "ucast", "network": "replication"}, {"type": "serial", "port": "/dev/ttyS0"}],
    "lab": [{"type": "ucast", "network": "replication"}, {"type": "ucast", "network": "public"},
            {"type": "serial", "port": "/dev/ttyS1"}],
}
# What tests/lab/lab.py write_inventory() gives each node (the pair's part).
LAB_HOST_VARS = dict(
    (node, {"ansible_host": "127.0.0.1", "ansible_port": 2220 + i, "ansible_user": "root", "hapair_lab": True,
            "hapair_replication_address": "192.168.1.%d" % i, "hapair_replication_interface": "eth1",
            "hapair_public_address": "10.10.10.%d/24" % i, "hapair_public_interface": "eth2"})
    for i, node in ((1, "node1"), (2, "node2")))


def _yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def inventory(name):
    """Hostvars of inventories/NAME: group vars, then host vars, with PATHS[NAME]."""
    group = {}
    for path in sorted(glob.glob(os.path.join(TOP, "inventories", name, "group_vars", name, "*.yml"))):
        group.update(_yaml(path))
    group.pop("heartbeat_serial_port", None)
    group["heartbeat_paths"] = PATHS[name]
    group["group_names"] = ["hapair_pairs", name]
    hostvars = {}
    for node in group["hapair_nodes"]:
        host_file = os.path.join(TOP, "inventories", name, "host_vars", node + ".yml")
        host = _yaml(host_file) if os.path.exists(host_file) else LAB_HOST_VARS[node]
        hostvars[node] = dict(copy.deepcopy(group), **host)
    return hostvars


def set_pair(hostvars, key, value, nodes=None):
    """Set (None: remove) a pair variable on every node of NODES (all hosts by default)."""
    for node in nodes or list(hostvars):
        if value is None:
            hostvars[node].pop(key, None)
        else:
            hostvars[node][key] = copy.deepcopy(value)


def problems(hostvars, host=None, **kwargs):
    return pm.pair_problems(hostvars, host or sorted(hostvars)[0], ["http.monitor"], **kwargs)


def has(items, *words):
    """True when one message holds every word."""
    return any(all(word in item for word in words) for item in items)


# --- the reference inventories ---------------------------------------------

@pytest.mark.parametrize("name", ["apollo", "lab"])
def test_the_reference_inventories_pass(name):
    hostvars = inventory(name)
    for node in hostvars:
        assert problems(hostvars, node) == []


# --- effective values: the roles' defaults ---------------------------------

def test_the_defaults_are_read_from_the_roles_files():
    defaults = pm.role_defaults()
    with open(os.path.join(TOP, "roles", "heartbeat", "defaults", "main.yml"), encoding="utf-8") as handle:
        heartbeat = yaml.safe_load(handle)
    with open(os.path.join(TOP, "roles", "drbd", "defaults", "main.yml"), encoding="utf-8") as handle:
        drbd = yaml.safe_load(handle)
    for key in pair_stack_heartbeat.HEARTBEAT_TIMINGS:
        assert defaults[key] == heartbeat[key]
    assert defaults["drbd_default_ping_int"] == drbd["drbd_default_ping_int"]
    assert defaults["drbd_default_ping_timeout"] == drbd["drbd_default_ping_timeout"]
    # the first node unless the inventory says otherwise: the model resolves it, no role default holds it
    assert "heartbeat_preferred_node" not in defaults
    for name in ("HEARTBEAT_DEADTIME", "DRBD_PING_INT", "DRBD_PING_TIMEOUT"):
        assert not hasattr(pm, name)


def test_templated_defaults_are_left_out(tmp_path):
    folder = tmp_path / "r" / "defaults"
    folder.mkdir(parents=True)
    (folder / "main.yml").write_text(
        "a: 1\nb: '{{ x }}'\nc: [1, '{{ y }}']\nd: {e: '{% if z %}1{% endif %}'}\nf: [1, 2]\n", encoding="utf-8")
    assert pm.read_role_defaults(str(tmp_path), ("r",)) == {"a": 1, "f": [1, 2]}


def test_deadtime_8_alone_is_refused_for_the_default_warntime():
    hostvars = inventory("apollo")
    set_pair(hostvars, "heartbeat_warntime", None)
    set_pair(hostvars, "heartbeat_deadtime", 8)
    found = problems(hostvars)
    assert ("heartbeat_deadtime=8: Heartbeat needs keepalive < warntime < deadtime, and heartbeat_warntime"
            " is 10, the role's default: raise heartbeat_deadtime or lower heartbeat_warntime") in found
    # DRBD's default ping (10 s + 0.5 s) is read from the drbd role as well.
    assert has(found, "drbd_default_ping_int=10", "heartbeat_deadtime (8 s)")


def test_the_defaults_given_are_those_checked():
    hostvars = inventory("apollo")
    for key in pair_stack_heartbeat.HEARTBEAT_TIMINGS:
        set_pair(hostvars, key, None)
    set_pair(hostvars, "heartbeat_deadtime", 8)
    defaults = dict(pm.role_defaults(), heartbeat_warntime=5, heartbeat_initdead=16, drbd_default_ping_int=3)
    assert problems(hostvars, defaults=defaults) == []


def test_a_deadtime_above_half_the_default_initdead_is_refused():
    hostvars = inventory("apollo")
    set_pair(hostvars, "heartbeat_initdead", None)
    set_pair(hostvars, "heartbeat_deadtime", 100)
    assert ("heartbeat_deadtime=100: heartbeat_initdead (120, the role's default) must be at least twice"
            " heartbeat_deadtime: set heartbeat_initdead to 200 or more") in problems(hostvars)


def test_an_initdead_set_too_short_is_named():
    hostvars = inventory("lab")
    set_pair(hostvars, "heartbeat_initdead", 10)
    assert "heartbeat_initdead=10: at least twice heartbeat_deadtime (6)" in problems(hostvars)


def test_a_keepalive_above_the_warntime_names_the_one_set():
    hostvars = inventory("apollo")
    set_pair(hostvars, "heartbeat_warntime", None)
    set_pair(hostvars, "heartbeat_keepalive", 12)
    assert has(problems(hostvars), "heartbeat_keepalive=12", "heartbeat_warntime is 10, the role's default")


def test_an_unset_preferred_node_is_the_first_node():
    hostvars = inventory("apollo")
    set_pair(hostvars, "hapair_preferred_node", None)
    assert problems(hostvars) == []


def test_the_older_name_of_the_preferred_node_still_counts_and_must_agree():
    hostvars = inventory("apollo")
    set_pair(hostvars, "hapair_preferred_node", None)
    set_pair(hostvars, "heartbeat_preferred_node", "apollo13")
    assert problems(hostvars) == []
    assert pm.pair_model(hostvars, "apollo12")["preferred_node"] == "apollo13"
    set_pair(hostvars, "heartbeat_preferred_node", "apollo99")
    assert has(problems(hostvars), "heartbeat_preferred_node='apollo99'", "not a node of this pair")
    set_pair(hostvars, "hapair_preferred_node", "apollo12")
    set_pair(hostvars, "heartbeat_preferred_node", "apollo13")
    assert has(problems(hostvars), "heartbeat_preferred_node='apollo13'",
               "the older name of hapair_preferred_node, which says 'apollo12'")


def test_a_drbd_preferred_node_outside_the_pair_is_refused():
    hostvars = inventory("apollo")
    set_pair(hostvars, "drbd_preferred_node", "apollo99")
    assert has(problems(hostvars), "drbd_preferred_node='apollo99'", "not a node of this pair")


# --- guest addresses --------------------------------------------------------

def test_a_lab_guest_outside_the_public_network_is_refused():
    hostvars = inventory("lab")
    hostvars["node1"]["hapair_guests"][1]["address"] = "172.16.5.12/24"
    assert problems(hostvars, "node1") == [
        "hapair_guests[1].address='172.16.5.12/24': not in node1's public network 10.10.10.0/24"
        " (hapair_public_address of node1 on eth2)"]


def test_a_guest_outside_apollo_s_network_is_refused_without_a_public_interface():
    hostvars = inventory("apollo")
    hostvars["apollo12"]["hapair_guests"][0]["address"] = "10.10.11.11/24"
    assert has(problems(hostvars, "apollo12"), "hapair_guests[0].address='10.10.11.11/24'",
               "not in apollo12's public network 10.10.10.0/24", "no hapair_public_interface")


def test_a_guest_with_another_prefix_is_refused():
    hostvars = inventory("lab")
    hostvars["node1"]["hapair_guests"][0]["address"] = "10.10.10.11/16"
    assert has(problems(hostvars, "node1"), "hapair_guests[0].address='10.10.10.11/16'", "prefix /16",
               "10.10.10.0/24", "write 10.10.10.11/24")


@pytest.mark.parametrize("address,kind", [("10.10.10.0/24", "network"), ("10.10.10.255/24", "broadcast")])
def test_a_guest_on_the_network_or_broadcast_address_is_refused(address, kind):
    hostvars = inventory("lab")
    hostvars["node1"]["hapair_guests"][0]["address"] = address
    assert ("hapair_guests[0].address=%r: the %s address of 10.10.10.0/24, not a host's: take one from"
            " 10.10.10.1 to 10.10.10.254" % (address, kind)) in problems(hostvars, "node1")


def test_a_guest_on_another_interface_is_not_held_to_the_public_network():
    hostvars = inventory("lab")
    hostvars["node1"]["hapair_guests"][1].update(address="172.16.5.12/24", interface="eth3")
    assert problems(hostvars, "node1") == []


# --- Heartbeat paths --------------------------------------------------------

ONE_PATH_WHY = ("with one path a single lost cable makes both nodes take the group (both Primary, both mount,"
                " same guest addresses twice)")


def test_one_heartbeat_path_is_refused():
    hostvars = inventory("apollo")
    set_pair(hostvars, "heartbeat_paths", PATHS["apollo"][:1])
    found = problems(hostvars)
    assert has(found, "heartbeat_paths=[{'type': 'ucast', 'network': 'replication'}]: 1 independent path",
               ONE_PATH_WHY, "{type: ucast, network: public}", "{type: serial, port: /dev/ttyS0}",
               "addresses: {apollo12: ADDR, apollo13: ADDR}")
    assert len(found) == 1


def test_no_heartbeat_path_is_refused():
    hostvars = inventory("apollo")
    set_pair(hostvars, "heartbeat_paths", [])
    assert has(problems(hostvars), "heartbeat_paths=[]: 0 independent paths", ONE_PATH_WHY)


def test_two_ucast_paths_on_one_interface_are_refused():
    hostvars = inventory("apollo")
    other = {"type": "ucast", "interface": "eth1", "addresses": {"apollo12": "192.168.9.1", "apollo13": "192.168.9.2"}}
    set_pair(hostvars, "heartbeat_paths", [PATHS["apollo"][0], other])
    found = problems(hostvars)
    assert has(found, "heartbeat_paths[1]=", "over eth1 on apollo12, like heartbeat_paths[0]")
    assert has(found, "heartbeat_paths=", "1 independent path", ONE_PATH_WHY)


def test_the_public_path_over_the_replication_interface_is_not_independent():
    hostvars = inventory("lab")
    hostvars["node1"]["hapair_public_interface"] = "eth1"
    assert has(problems(hostvars, "node1"), "heartbeat_paths[1]=", "over eth1 on node1, like heartbeat_paths[0]")


def test_two_serial_paths_on_one_port_are_refused():
    hostvars = inventory("lab")
    set_pair(hostvars, "heartbeat_paths", PATHS["lab"] + [PATHS["lab"][2]])
    assert problems(hostvars) == [
        "heartbeat_paths[3].port='/dev/ttyS1': the serial port of heartbeat_paths[2]: one line is one path"]


def test_the_public_path_needs_both_nodes_public_interface_and_address():
    hostvars = inventory("apollo")
    set_pair(hostvars, "heartbeat_paths", [PATHS["apollo"][0], {"type": "ucast", "network": "public"}])
    hostvars["apollo13"].pop("hapair_public_address")
    found = problems(hostvars, "apollo12")
    for node in ("apollo12", "apollo13"):
        assert has(found, "%s.hapair_public_interface=None: required by heartbeat_paths[1]" % node)
    assert has(found, "apollo13.hapair_public_address=None: required by heartbeat_paths[1]")
    assert not has(found, "apollo12.hapair_public_address")


def test_another_link_with_its_own_addresses_is_a_path():
    hostvars = inventory("apollo")
    link = {"type": "ucast", "interface": "eth2", "addresses": {"apollo12": "10.0.0.1", "apollo13": "10.0.0.2"}}
    set_pair(hostvars, "heartbeat_paths", [PATHS["apollo"][0], link])
    assert problems(hostvars) == []


@pytest.mark.parametrize("path,words", [
    ({"type": "bcast", "interface": "eth2"}, ["heartbeat_paths[1].type='bcast'", "ucast or serial"]),
    ({"type": "ucast"}, ["heartbeat_paths[1]={'type': 'ucast'}", "not a Heartbeat path"]),
    ({"type": "serial"}, ["heartbeat_paths[1]={'type': 'serial'}", "not a Heartbeat path"]),
    ({"type": "ucast", "network": "public", "interface": "eth2"}, ["heartbeat_paths[1]=", "not a Heartbeat path"]),
    ({"type": "ucast", "network": "backup"}, ["heartbeat_paths[1].network='backup'", "replication or public"]),
    ({"type": "serial", "port": "ttyS0"}, ["heartbeat_paths[1].port='ttyS0'", "/dev/"]),
    ("eth2", ["heartbeat_paths[1]='eth2'", "a path is a mapping"]),
    ({"type": "ucast", "interface": "eth2", "addresses": {"apollo12": "10.0.0.1"}},
     ["heartbeat_paths[1].addresses={'apollo12': '10.0.0.1'}", "one address for each of apollo12, apollo13"]),
    ({"type": "ucast", "interface": "eth2", "addresses": {"apollo12": "10.0.0.1/24", "apollo13": "10.0.0.2"}},
     ["heartbeat_paths[1].addresses.apollo12='10.0.0.1/24'", "not an IP address"]),
    ({"type": "ucast", "interface": "eth2", "addresses": {"apollo12": "10.0.0.1", "apollo13": "10.0.0.1"}},
     ["heartbeat_paths[1].addresses=", "both nodes have the same address"]),
])
def test_a_malformed_path_is_refused(path, words):
    hostvars = inventory("apollo")
    set_pair(hostvars, "heartbeat_paths", [PATHS["apollo"][0], path])
    found = problems(hostvars)
    assert has(found, *words), found
    assert not has(found, "independent path")  # meant as a second path: its fault is named, not the count


def test_heartbeat_paths_not_a_list_is_refused():
    hostvars = inventory("apollo")
    set_pair(hostvars, "heartbeat_paths", "replication")
    assert has(problems(hostvars), "heartbeat_paths='replication'", "a list of Heartbeat's paths")


def test_the_old_serial_port_variable_is_refused_with_its_migration():
    hostvars = inventory("apollo")
    set_pair(hostvars, "heartbeat_serial_port", "/dev/ttyS0")
    assert problems(hostvars) == [
        "heartbeat_serial_port='/dev/ttyS0': replaced by heartbeat_paths; list it there as"
        " {type: serial, port: /dev/ttyS0} beside the other paths"]


def test_an_empty_old_serial_port_is_ignored():
    hostvars = inventory("apollo")
    set_pair(hostvars, "heartbeat_serial_port", "")
    assert problems(hostvars) == []


# --- drbd_force_create_md ---------------------------------------------------

@pytest.mark.parametrize("value", ["", False, "false", "no", "apollo12", "apollo13"])
def test_force_create_md_off_or_one_node_is_accepted(value):
    hostvars = inventory("apollo")
    set_pair(hostvars, "drbd_force_create_md", value)
    assert problems(hostvars) == []


@pytest.mark.parametrize("value", [True, "true", "yes", "apollo14"])
def test_force_create_md_on_both_nodes_is_refused(value):
    hostvars = inventory("apollo")
    set_pair(hostvars, "drbd_force_create_md", value)
    assert problems(hostvars) == [
        "drbd_force_create_md=%r: name the one node whose DRBD metadata is recreated (apollo12 or apollo13,"
        " e.g. -e drbd_force_create_md=apollo13); that node's data on its backing disk are lost"
        " (apollo12: /dev/sda11, apollo13: /dev/sda11); true would recreate both nodes' and lose both copies"
        % (value,)]


# --- across pairs -----------------------------------------------------------

def two_pairs():
    """apollo and the lab in one inventory, the lab moved to its own addresses."""
    lab = inventory("lab")
    for i, node in enumerate(("node1", "node2"), 1):
        lab[node]["hapair_replication_address"] = "192.168.2.%d" % i
        lab[node]["hapair_public_address"] = "10.10.20.%d/24" % i
        for j, guest in enumerate(lab[node]["hapair_guests"], 11):
            guest["address"] = "10.10.20.%d/24" % j
    return dict(inventory("apollo"), **lab)


def test_two_separate_pairs_pass():
    hostvars = two_pairs()
    for node in hostvars:
        assert problems(hostvars, node) == [], node


def test_two_pairs_sharing_a_guest_address_are_refused():
    hostvars = two_pairs()
    # The lab's nodes on apollo's LAN, its first guest on atlas's address.
    for i, node in enumerate(("node1", "node2"), 4):
        hostvars[node]["hapair_public_address"] = "10.10.10.%d/24" % i
        hostvars[node]["hapair_guests"] = [{"name": "web1", "address": "10.10.10.13/24"},
                                           {"name": "web2", "address": "10.10.10.21/24"}]
    assert problems(hostvars, "apollo12") == [
        "hapair_guests[2].address='10.10.10.13/24': also the address of guest web1 (hapair_guests[0]) of"
        " the pair node1, node2 (group lab): a guest address belongs to one pair"]
    assert problems(hostvars, "node1") == [
        "hapair_guests[0].address='10.10.10.13/24': also the address of guest atlas (hapair_guests[2]) of"
        " the pair apollo12, apollo13 (group apollo): a guest address belongs to one pair"]


def test_a_guest_on_another_pair_s_node_address_is_refused():
    hostvars = two_pairs()
    hostvars["node1"]["hapair_guests"][0]["address"] = "10.10.20.11/24"
    hostvars["apollo12"]["ansible_host"] = "10.10.20.11"
    assert has(problems(hostvars, "node1"), "hapair_guests[0].address='10.10.20.11/24'",
               "is apollo12.ansible_host, in the pair apollo12, apollo13")


def test_two_pairs_may_reuse_replication_addresses_on_their_own_links():
    """Each pair's replication link is its own crossover cable."""
    hostvars = two_pairs()
    hostvars["node1"]["hapair_replication_address"] = "192.168.1.1"
    hostvars["node2"]["hapair_replication_address"] = "192.168.1.2"
    assert problems(hostvars, "apollo12") == []
    assert problems(hostvars, "node1") == []


def test_a_node_in_two_pairs_is_refused_with_its_guests_names():
    hostvars = two_pairs()
    # node2 also named by a third pair, with apollo13's guests under the lab's names.
    hostvars["node3"] = dict(copy.deepcopy(hostvars["node1"]), hapair_nodes=["node3", "node2"],
                             hapair_replication_address="192.168.3.1", hapair_public_address="10.10.20.3/24",
                             group_names=["hapair_pairs", "lab2"])
    for guest in hostvars["node3"]["hapair_guests"]:
        guest["address"] = guest["address"].replace(".20.1", ".20.2")
    found = problems(hostvars, "node1")
    assert has(found, "hapair_nodes=['node1', 'node2']: node2 is also a node of the pair node3, node2:"
               " a node belongs to one pair")
    assert has(found, "hapair_guests[0].name='web1': also hapair_guests[0] of the pair node3, node2, on node2")


# --- the model --------------------------------------------------------------

def test_apollo_s_model():
    model = pm.pair_model(inventory("apollo"), "apollo13")
    assert (model["node"], model["nodes"], model["peer"], model["preferred_node"]) == (
        "apollo13", ["apollo12", "apollo13"], "apollo12", "apollo12")
    assert model["networks"]["apollo12"] == {
        "replication_interface": "eth1", "replication_address": "192.168.1.1", "public_interface": None,
        "public_address": "10.10.10.2/24", "public_ip": "10.10.10.2", "public_prefix": 24}
    assert model["stack"]["paths"] == [
        {"type": "ucast", "network": "replication", "interface": "eth1", "address": "192.168.1.2",
         "peer_address": "192.168.1.1"},
        {"type": "serial", "port": "/dev/ttyS0"}]
    assert (model["stack"]["name"], model["stack"]["units"], model["stack"]["command"], model["stack"]["starts_mon"]) == (
        "heartbeat", ["heartbeat.service"], "/usr/local/lib/hapair/hapair-stack", True)
    assert [res["device"] for res in model["resources"]] == ["/dev/drbd0"]
    assert model["mountpoints"] == ["/srv"]
    assert (model["guest_backend"], model["guest_root"], model["guest_mountpoint"], model["guest_hook_dir"]) == (
        "nspawn", "/srv/vservers", "/srv", "/etc/vservers")
    hubble = model["guests"][1]
    assert (hubble["name"], hubble["fqdn"], hubble["address"], hubble["ip"], hubble["prefix"]) == (
        "hubble", "hubble.dr12.cnrs.fr", "10.10.10.12/24", "10.10.10.12", 24)
    assert hubble["services"][0]["alertevery"] == "1h"
    assert model["defaults"]["guest"]["mirror"] == "http://ftp.fr.debian.org/debian/"


@pytest.mark.parametrize("value, starts", [(False, False), ("no", False), ("yes", True), (True, True)])
def test_whether_the_stack_starts_mon_is_the_heartbeat_role_s_choice(value, starts):
    hostvars = inventory("apollo")
    for node in ("apollo12", "apollo13"):
        hostvars[node]["heartbeat_cluster_manages_mon"] = value
    assert pm.pair_model(hostvars, "apollo12")["stack"]["starts_mon"] is starts


def test_the_guests_of_the_model_are_the_guests_filter_s():
    hostvars = inventory("lab")
    model = pm.pair_model(hostvars, "node1")
    assert model["guests"] == pm.normalize_guests(hostvars["node1"]["hapair_guests"],
                                                  hostvars["node1"]["hapair_guest_defaults"])


def test_the_resources_take_the_drbd_role_s_defaults():
    """The values a resource does not set come from roles/drbd/defaults, nowhere else."""
    with open(os.path.join(TOP, "roles", "drbd", "defaults", "main.yml"), encoding="utf-8") as handle:
        drbd = yaml.safe_load(handle)
    hostvars = inventory("lab")
    resource = pm.pair_model(hostvars, "node1")["resources"][0]
    set_in_inventory = hostvars["node1"]["drbd_resources"][0]
    for key, name in pm.RESOURCE_DEFAULTS.items():
        assert resource[key] == set_in_inventory.get(key, drbd[name]), key
    assert resource["ping_int"] == 3 and resource["ping_timeout"] == drbd["drbd_default_ping_timeout"]
    set_pair(hostvars, "drbd_default_ping_timeout", 2)
    assert pm.pair_model(hostvars, "node1")["resources"][0]["ping_timeout"] == 2


def test_the_lab_s_paths_are_resolved_for_each_node():
    hostvars = inventory("lab")
    for node, mine, peer in (("node1", "1", "2"), ("node2", "2", "1")):
        assert pm.pair_model(hostvars, node)["stack"]["paths"] == [
            {"type": "ucast", "network": "replication", "interface": "eth1", "address": "192.168.1." + mine,
             "peer_address": "192.168.1." + peer},
            {"type": "ucast", "network": "public", "interface": "eth2", "address": "10.10.10." + mine,
             "peer_address": "10.10.10." + peer},
            {"type": "serial", "port": "/dev/ttyS1"}]


def test_a_link_of_its_own_is_resolved_with_its_addresses():
    hostvars = inventory("apollo")
    set_pair(hostvars, "heartbeat_paths", [
        {"type": "ucast", "interface": "eth3", "addresses": {"apollo12": "10.0.0.1", "apollo13": "10.0.0.2"}}])
    assert pm.pair_model(hostvars, "apollo12")["stack"]["paths"] == [
        {"type": "ucast", "network": None, "interface": "eth3", "address": "10.0.0.1", "peer_address": "10.0.0.2"}]


def test_the_guest_backend_and_mountpoint():
    hostvars = inventory("lab")
    assert pm.pair_model(hostvars, "node1")["guest_backend"] == "nspawn"
    set_pair(hostvars, "hapair_guest_backend", "util-vserver")
    assert pm.pair_model(hostvars, "node1")["guest_backend"] == "util-vserver"
    # vserver_host_backend, when set, is the backend of the role that makes the guests: the pair's
    set_pair(hostvars, "vserver_host_backend", "nspawn")
    assert pm.pair_model(hostvars, "node1")["guest_backend"] == "nspawn"
    set_pair(hostvars, "vserver_host_root_mountpoint", "")
    assert pm.pair_model(hostvars, "node1")["guest_mountpoint"] == ""


def test_an_unset_preferred_node_is_the_first_node_in_the_model():
    hostvars = inventory("apollo")
    set_pair(hostvars, "hapair_preferred_node", "apollo13")
    assert pm.pair_model(hostvars, "apollo12")["preferred_node"] == "apollo13"
    set_pair(hostvars, "hapair_preferred_node", None)
    assert pm.pair_model(hostvars, "apollo12")["preferred_node"] == "apollo12"


def test_the_model_never_fails_on_what_is_missing():
    model = pm.pair_model({"lonely": {}}, "lonely")
    assert (model["nodes"], model["peer"], model["preferred_node"], model["guests"], model["resources"],
            model["guest_mountpoint"]) == ([], None, None, [], [], "")
    # the heartbeat role's default paths, with nothing to resolve them with
    assert model["stack"]["paths"] == [
        dict(type="ucast", network=network, interface=None, address=None, peer_address=None)
        for network in ("replication", "public")]
    model = pm.pair_model({"n1": {"hapair_nodes": ["n1", "n2"], "hapair_guests": [{"name": "web"}]}}, "n1")
    assert model["nodes"] == [] and model["guests"][0]["ip"] is None


# --- the checks of one role (a role used without playbooks/validate.yml) -----

def test_each_role_checks_only_what_it_reads():
    hostvars = inventory("apollo")
    set_pair(hostvars, "csync2_auto", "sometimes")
    hostvars["apollo12"]["hapair_guests"][2]["address"] = "10.10.10.12/24"
    assert has(problems(hostvars), "csync2_auto='sometimes'")
    assert problems(hostvars, roles=["drbd"]) == []
    assert has(problems(hostvars, roles=["csync2"]), "csync2_auto='sometimes'")
    for role in ("mon", "vserver_host", "heartbeat"):
        found = problems(hostvars, roles=[role])
        assert has(found, "hapair_guests[2].address='10.10.10.12/24'", "hubble"), role
        assert not has(found, "csync2_auto"), role


def test_the_guest_roles_need_no_nodes():
    hostvars = {"n1": {"hapair_guests": [{"name": "web", "address": "10.10.10.12/24",
                                          "services": [{"service": "http", "monitor": "http.monitor"}]}]}}
    assert problems(hostvars, "n1", roles=["vserver_host"]) == []
    assert problems(hostvars, "n1", roles=["mon"]) == [
        "hapair_guests[0].services[0].recipients=[]: at least one recipient"]
    assert has(problems(hostvars, "n1", roles=["drbd"]), "hapair_nodes=None", "exactly two distinct nodes")


def test_an_unknown_role_is_refused():
    with pytest.raises(ValueError, match="the roles are csync2, drbd, heartbeat, mon, vserver_host"):
        problems(inventory("apollo"), roles=["pacemaker"])


def test_the_filter_returns_the_model_or_the_role_s_problems():
    from ansible.errors import AnsibleFilterError
    from ansible_collections.hapair.cluster.plugins.filter import pair

    filters = pair.FilterModule().filters()
    hostvars = inventory("apollo")
    assert filters["pair_model"](hostvars, "apollo12", check="drbd") == pm.pair_model(hostvars, "apollo12")
    set_pair(hostvars, "drbd_resources", [])
    with pytest.raises(AnsibleFilterError, match=r"wrong for roles hapair.cluster.drbd, hapair.cluster.mon .*\n- drbd_resources=\[\]"):
        filters["pair_model"](hostvars, "apollo12", check=["drbd", "mon"])
    assert filters["pair_model"](hostvars, "apollo12")["resources"] == []
    with pytest.raises(AnsibleFilterError, match="not a role of the collection"):
        filters["pair_model"](hostvars, "apollo12", check="pacemaker")


# --- Mon's moves of the group ------------------------------------------------

def _lab_service(hostvars, **changes):
    for node in hostvars:
        hostvars[node]["hapair_guests"][0]["services"][0].update(changes)


def test_the_report_s_alert_moves_the_group_after_three_checks_and_mail_alert_does_not():
    hostvars = inventory("apollo")
    hubble = pm.pair_model(hostvars, "apollo12")["guests"][1]["services"][0]
    assert (hubble["alert"], hubble["failover"], hubble["alertafter"]) == ("ha-up-down.alert", True, 3)
    hostvars = inventory("lab")
    web2 = pm.pair_model(hostvars, "node1")["guests"][1]["services"][0]
    assert (web2["failover"], "alertafter" in web2) == (False, False)
    _lab_service(hostvars, alert="mail.alert")
    assert pm.pair_model(hostvars, "node1")["guests"][0]["services"][0]["failover"] is False
    _lab_service(hostvars, alert="ha-up-down.alert", alertafter="5 10m")
    assert pm.pair_model(hostvars, "node1")["guests"][0]["services"][0]["alertafter"] == "5 10m"
    assert problems(hostvars) == []


@pytest.mark.parametrize("changes, words", [
    ({"failover": "yes"}, ["hapair_guests[0].services[0].failover='yes'", "true or false"]),
    ({"failover": True, "alert": "mail.alert"},
     ["hapair_guests[0].services[0].failover=True", "needs alert: ha-up-down.alert (alert is mail.alert)",
      "failover: false"]),
    ({"alertafter": "three"}, ["hapair_guests[0].services[0].alertafter='three'", "number of failed checks"]),
    ({"alertafter": 0}, ["hapair_guests[0].services[0].alertafter=0"]),
])
def test_a_wrong_failover_setting_is_refused(changes, words):
    hostvars = inventory("lab")
    _lab_service(hostvars, **changes)
    assert has(problems(hostvars), *words), problems(hostvars)


@pytest.mark.parametrize("window", [-1, "1h", True])
def test_a_failover_window_that_is_not_seconds_is_refused(window):
    hostvars = inventory("lab")
    set_pair(hostvars, "mon_failover_window", window)
    assert has(problems(hostvars), "mon_failover_window=%r" % window, "seconds"), problems(hostvars)


def test_the_failover_settings_follow_the_pair():
    model = pm.pair_model(inventory("lab"), "node2")
    assert model["service_failover"] == {
        "node": "node2", "peer": "node1", "resources": ["clusterdr"], "mountpoints": ["/srv"],
        "window": 3600, "grace": 300, "record": "/srv/.hapair/service-failover",
        "maintenance": "/run/hapair-maintenance"}
