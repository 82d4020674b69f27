# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pair's inventory model: the normalised model of a pair, and its checks.

Pure functions, run on the controller before any host is contacted.

pair_model() builds, for one host, the one normalised view of its pair that
every role reads (the fact hapair_model, set by playbooks/validate.yml): the
nodes, the guests with every field filled, the DRBD resources with their
defaults, the paths between the nodes resolved for this node. It reads the
inventory over the collection's role defaults and never fails: what is
missing stays None or empty. pair_problems() says what is wrong, each message
naming the variable and the value; with ROLES it runs only the checks those
roles need (a role used without playbooks/validate.yml).

The model holds facts about the pair, not the decisions of one cluster
stack: Heartbeat's files are made from it by the heartbeat role, and a
second stack can read the same model. What is Heartbeat's own (its
variables' checks, its paths resolved for a node) is in
pair_stack_heartbeat.py; the model's "stack" section is all the other
roles and the playbooks know of the stack.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import ipaddress
import os
import re
from collections import ChainMap

import yaml

from ansible_collections.hapair.cluster.plugins.module_utils.pair_status import EVENT_DIR
from ansible_collections.hapair.cluster.plugins.plugin_utils import pair_stack_heartbeat
from ansible_collections.hapair.cluster.plugins.plugin_utils.pair_values import (
    ip as _ip,
    is_off as _is_off,
    split_address as _split_address,
)

# The values of a guest that neither the guest nor hapair_guest_defaults sets.
GUEST_BUILTIN_DEFAULTS = {
    "domain": "",
    "interface": "eth0",
    "suite": "trixie",
    "mirror": "http://deb.debian.org/debian",
    "capabilities": [],
    "services": [],
}

# The values of a watched service (Mon's) that the service does not set.
SERVICE_BUILTIN_DEFAULTS = {
    "interval": "30s",
    "period": "wd {Sun-Sat}",
    "alert": "mail.alert",
    "upalert": "mail.alert",
    # Mon alone alerts at every failed check (every 30 s during an outage);
    # alertevery sends the same failure again only after this long. Mon
    # resets it when the service comes back, so a new outage alerts at once.
    "alertevery": "1h",
}

# The alert that acts on Heartbeat (the report's): with it, a watched service
# moves the resource group to the peer unless the service says failover: false.
FAILOVER_ALERT = "ha-up-down.alert"
# Mon's alertafter for a service that moves the group, unless it sets one: the
# group moves only after this many failed checks in a row.
FAILOVER_ALERTAFTER = 3
# Where the node holding the group records a move by Mon (on the first
# resource's mountpoint: the record follows the group to the other node).
FAILOVER_RECORD = ".hapair/service-failover"
# Present (in /run, gone at reboot) while a maintenance run (update-guests.yml)
# works on the guests: Mon moves nothing meanwhile.
MAINTENANCE_MARKER = "/run/hapair-maintenance"
# Written on both nodes by site.yml once it has checked what ran there: from
# then on hapair.cluster manages the pair, and a degraded pair is repaired by
# site.yml instead of being refused as one built by hand would be.
MANAGED_MARKER = "/var/lib/hapair/managed"

# How guests run when neither vserver_host_backend nor hapair_guest_backend is set.
GUEST_BACKEND = "nspawn"

# The cluster stack, as every role but its own and every playbook reach it
# (the model's "stack"): its systemd units on a node, in start order, and its
# command on a node, installed by the stack's role, whose arguments are the
# same for any stack:
#   group      prints which resources the cluster manager here counts as
#              this node's: all, local, foreign or none (Heartbeat's words:
#              the node that holds nothing of a group homed on its peer
#              says local; the group's mounts tell where it runs), or
#              transition while it moves them; fails when it does not answer
#   peer NODE  prints NODE's state: active (or up) while it is in the cluster
#   standby    gives the resource group to the peer
# Each stack is a module with a stack_model() (see pair_stack_heartbeat). A
# second stack (Pacemaker) is one more entry, and a role of its own that
# installs the same command.
STACKS = {
    "heartbeat": pair_stack_heartbeat,
}
STACK = "heartbeat"
STACK_COMMAND = "/usr/local/lib/hapair/hapair-stack"

# The keys of a DRBD resource that the drbd role's defaults fill when the
# resource does not set them: resource key -> the role's variable.
RESOURCE_DEFAULTS = {
    "protocol": "drbd_default_protocol",
    "meta_disk": "drbd_default_meta_disk",
    "on_io_error": "drbd_default_on_io_error",
    "resync_rate": "drbd_default_resync_rate",
    "al_extents": "drbd_default_al_extents",
    "sndbuf_size": "drbd_default_sndbuf_size",
    "max_buffers": "drbd_default_max_buffers",
    "wfc_timeout": "drbd_default_wfc_timeout",
    "degr_wfc_timeout": "drbd_default_degr_wfc_timeout",
    "ping_int": "drbd_default_ping_int",
    "ping_timeout": "drbd_default_ping_timeout",
    "c_plan_ahead": "drbd_default_c_plan_ahead",
}

HOSTNAME_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
RESOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
MON_INTERVAL = re.compile(r"^[0-9]+[smhd]$")
MON_ALERTAFTER = re.compile(r"^[1-9][0-9]*( [0-9]+[smhd])?$")
MON_ALERTEVERY = re.compile(r"^[0-9]+[smhd]( (strict|observe_detail|ignore_summary))?$")
DRBD_PROTOCOLS = ("A", "B", "C")
DRBD_IO_ERROR = ("pass_on", "call-local-io-error", "detach")
FSTYPES = ("ext3", "ext4", "xfs", "btrfs")
CSYNC2_AUTO = ("none", "first", "younger", "older", "bigger", "smaller", "left", "right")


# The roles whose defaults the checks see where the inventory sets nothing.
ROLES = ("drbd", "heartbeat", "csync2", "mon", "vserver_host")
ROLES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "roles")


def _is_template(value):
    """True when VALUE is or holds a Jinja expression (not a value yet)."""
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, dict):
        return any(_is_template(k) or _is_template(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_is_template(item) for item in value)
    return False


def read_role_defaults(roles_dir=ROLES_DIR, roles=ROLES):
    """Every role's defaults/main.yml that is a value; templates are left out."""
    out = {}
    for role in roles:
        with open(os.path.join(roles_dir, role, "defaults", "main.yml"), encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
        out.update((key, value) for key, value in data.items() if not _is_template(value))
    return out


@functools.lru_cache(maxsize=None)
def _collection_defaults():
    return read_role_defaults()


def role_defaults():
    """The collection's role defaults, read once (a copy: callers may change it)."""
    return dict(_collection_defaults())


# The pair's preferred node, and the older name of that variable (the
# heartbeat role's), still read so that older inventories keep working.
PREFERRED = "hapair_preferred_node"
PREFERRED_OLD = "heartbeat_preferred_node"


def _preferred_source(inventory):
    """The variable of INVENTORY that names the preferred node, or None."""
    for key in (PREFERRED, PREFERRED_OLD):
        if inventory.get(key) is not None:
            return key
    return None


def effective_vars(inventory, defaults, nodes):
    """What the roles see: the inventory over the defaults.

    The defaults that depend on other variables are resolved here, as the
    roles resolve them: the preferred node (hapair_preferred_node, or its
    older name heartbeat_preferred_node, else the first node), which is
    also DRBD's (drbd_preferred_node).
    """
    source = _preferred_source(inventory)
    preferred = inventory[source] if source else (nodes[0] if nodes else None)
    resolved = {PREFERRED: preferred, "drbd_preferred_node": preferred}
    return ChainMap(inventory, resolved, defaults)


def _check_preferred(p, v, inventory, nodes):
    source = _preferred_source(inventory) or PREFERRED
    if v.get(PREFERRED) not in nodes:
        p.add(source, inventory.get(source), "not a node of this pair (%s)" % ", ".join(nodes))
    new, old = inventory.get(PREFERRED), inventory.get(PREFERRED_OLD)
    if new is not None and old is not None and new != old:
        p.add(PREFERRED_OLD, old, "the older name of %s, which says %r: keep %s only" % (PREFERRED, new, PREFERRED))


def guest_defaults(defaults=None):
    """What every guest takes unless it says otherwise: DEFAULTS (hapair_guest_defaults) over the built-in ones."""
    merged = dict(GUEST_BUILTIN_DEFAULTS)
    merged.update(defaults or {})
    return merged


def normalize_guests(guests, defaults=None):
    """Fill every guest with the pair's guest defaults and the built-in ones.

    Adds fqdn, and the address apart from its prefix (ip, prefix).
    """
    out = []
    for guest in guests or []:
        merged = guest_defaults(defaults)
        merged.update(guest)
        name = merged.get("name")
        merged["ip"], merged["prefix"] = _split_address(merged.get("address"))
        merged.setdefault("hostname", name)
        if merged.get("domain"):
            merged["fqdn"] = "%s.%s" % (merged["hostname"], merged["domain"])
        else:
            merged["fqdn"] = merged["hostname"]
        services = []
        for service in merged.get("services") or []:
            svc = dict(SERVICE_BUILTIN_DEFAULTS)
            svc.update(service)
            svc.setdefault("alert_subject", "Service %s on %s down !" % (svc.get("service"), name))
            svc.setdefault("upalert_subject", "Service %s on %s up !" % (svc.get("service"), name))
            svc.setdefault("recipients", [])
            if svc.get("failover") is None:
                svc["failover"] = svc.get("alert") == FAILOVER_ALERT
            if svc["failover"] is True:
                svc.setdefault("alertafter", FAILOVER_ALERTAFTER)
            services.append(svc)
        merged["services"] = services
        out.append(merged)
    return out


def _is_interface(value):
    """True for address/prefix with an explicit prefix."""
    if "/" not in str(value):
        return False
    try:
        ipaddress.ip_interface(str(value))
    except ValueError:
        return False
    return True


class _Problems:
    def __init__(self):
        self.items = []

    def add(self, variable, value, why):
        self.items.append("%s=%r: %s" % (variable, value, why))


def _check_nodes(p, pair_vars, host, hostvars):
    nodes = pair_vars.get("hapair_nodes")
    if not isinstance(nodes, list) or len(nodes) != 2 or len(set(nodes)) != 2:
        p.add("hapair_nodes", nodes, "a pair has exactly two distinct nodes")
        return None
    for node in nodes:
        if node not in hostvars:
            p.add("hapair_nodes", nodes, "node %s is not in the inventory" % node)
            return None
    if host not in nodes:
        p.add("hapair_nodes", nodes, "host %s is in a pair group but not in its hapair_nodes" % host)
    for node in nodes:
        if hostvars[node].get("hapair_nodes") != nodes:
            p.add("hapair_nodes", hostvars[node].get("hapair_nodes"),
                  "node %s does not name the same pair %s" % (node, nodes))
    return nodes


def _node_addresses(p, nodes, hostvars):
    """Every address a node owns, checking each is an address."""
    owned = {}
    for node in nodes:
        hv = hostvars[node]
        rep = hv.get("hapair_replication_address")
        if rep is None:
            p.add("%s.hapair_replication_address" % node, rep, "required: the node's address on the replication link")
        elif _ip(rep) is None or "/" in str(rep):
            p.add("%s.hapair_replication_address" % node, rep, "not an IP address")
        else:
            owned.setdefault(str(_ip(rep)), "%s.hapair_replication_address" % node)
        if not hv.get("hapair_replication_interface"):
            p.add("%s.hapair_replication_interface" % node, hv.get("hapair_replication_interface"),
                  "required: the interface of the replication link")
        pub = hv.get("hapair_public_address")
        if pub is not None:
            if not _is_interface(pub):
                p.add("%s.hapair_public_address" % node, pub, "not an address/prefix")
            else:
                owned.setdefault(str(_ip(pub)), "%s.hapair_public_address" % node)
        mgmt = hv.get("ansible_host")
        if mgmt is not None and re.match(r"^[0-9.]+$|:", str(mgmt)):
            if _ip(mgmt) is None or "/" in str(mgmt):
                p.add("%s.ansible_host" % node, mgmt, "not an IP address")
            else:
                owned.setdefault(str(_ip(mgmt)), "%s.ansible_host" % node)
    reps = [hostvars[n].get("hapair_replication_address") for n in nodes]
    if len(reps) == 2 and reps[0] is not None and reps[0] == reps[1]:
        p.add("hapair_replication_address", reps[0], "both nodes have the same replication address")
    return owned


def _public_networks(nodes, hostvars):
    """(node, address/prefix, interface or None) of every node with a valid public address."""
    out = []
    for node in nodes:
        pub = hostvars[node].get("hapair_public_address")
        if _is_interface(pub):
            out.append((node, ipaddress.ip_interface(str(pub)), hostvars[node].get("hapair_public_interface") or None))
    return out


def _not_a_host_address(address):
    """Why ADDRESS (an ip_interface) is its network's own or broadcast address, or None."""
    net = address.network
    if net.num_addresses <= 2:
        return None  # /31 and /32 (or /127, /128): every address is a host's
    if address.ip == net.network_address:
        kind = "network"
    elif address.version == 4 and address.ip == net.broadcast_address:
        kind = "broadcast"
    else:
        return None
    return "the %s address of %s, not a host's: take one from %s to %s" % (
        kind, net, net.network_address + 1, net.broadcast_address - (address.version == 4))


def _outside_public_network(address, interface, public):
    """Why a guest's ADDRESS on INTERFACE does not fit a node's public network, or None.

    A node's public network is the guest's when the guest's interface is the
    node's hapair_public_interface, or when that interface is unknown.
    """
    checked = set()
    for node, node_address, node_interface in public:
        net = node_address.network
        if (node_interface and node_interface != interface) or net in checked:
            continue
        checked.add(net)
        if node_interface:
            source = "hapair_public_address of %s on %s" % (node, node_interface)
        else:
            source = "hapair_public_address of %s; no hapair_public_interface, so taken to be the guests' LAN" % node
        if address.ip not in net:
            return "not in %s's public network %s (%s)" % (node, net, source)
        if address.network.prefixlen != net.prefixlen:
            return "prefix /%d, but %s's public network is %s (%s): write %s/%d" % (
                address.network.prefixlen, node, net, source, address.ip, net.prefixlen)
    return None


def _check_guests(p, guests, owned, monitors, public=(), services=True):
    seen_names = {}
    seen_addr = {}
    for i, guest in enumerate(guests):
        where = "hapair_guests[%d]" % i
        name = guest.get("name")
        if not isinstance(name, str) or not HOSTNAME_LABEL.match(name):
            p.add(where + ".name", name,
                  "not a valid hostname (lowercase letters, digits and inner hyphens, at most 63)")
        elif name in seen_names:
            p.add(where + ".name", name, "already the name of hapair_guests[%d]" % seen_names[name])
        else:
            seen_names[name] = i
        hostname = guest.get("hostname")
        if hostname != name and (not isinstance(hostname, str) or not HOSTNAME_LABEL.match(hostname)):
            p.add(where + ".hostname", hostname, "not a valid hostname")
        addr = guest.get("address")
        if not _is_interface(addr):
            p.add(where + ".address", addr, "not an address/prefix (e.g. 10.10.10.12/24)")
        else:
            ip = str(_ip(addr))
            address = ipaddress.ip_interface(str(addr))
            why = _not_a_host_address(address) or _outside_public_network(address, guest.get("interface"), public)
            if why:
                p.add(where + ".address", addr, why)
            if ip in owned:
                p.add(where + ".address", addr, "is the node's own address (%s)" % owned[ip])
            elif ip in seen_addr:
                p.add(where + ".address", addr, "guest %s would take the address of guest %s" % (name, seen_addr[ip]))
            else:
                seen_addr[ip] = name
        for j, svc in enumerate((guest.get("services") or []) if services else []):
            swhere = "%s.services[%d]" % (where, j)
            if monitors is not None and svc.get("monitor") not in monitors:
                p.add(swhere + ".monitor", svc.get("monitor"),
                      "Mon ships no such monitor (add it to mon_extra_monitors if you install it)")
            if not MON_INTERVAL.match(str(svc.get("interval"))):
                p.add(swhere + ".interval", svc.get("interval"), "not a Mon interval such as 30s or 5m")
            alertevery = svc.get("alertevery")
            if alertevery not in ("", None) and not MON_ALERTEVERY.match(str(alertevery)):
                p.add(swhere + ".alertevery", alertevery,
                      "not a Mon interval such as 1h, optionally followed by strict, observe_detail"
                      " or ignore_summary (\"\" alerts at every failed check)")
            if not svc.get("recipients"):
                p.add(swhere + ".recipients", svc.get("recipients"), "at least one recipient")
            alertafter = svc.get("alertafter")
            if alertafter is not None and not MON_ALERTAFTER.match(str(alertafter)):
                p.add(swhere + ".alertafter", alertafter,
                      "not a Mon alertafter: a number of failed checks (3), optionally with a"
                      " Mon interval (3 30m)")
            failover = svc.get("failover")
            if not isinstance(failover, bool):
                p.add(swhere + ".failover", failover, "true or false (or left out: true with %s)" % FAILOVER_ALERT)
            elif failover and svc.get("alert") != FAILOVER_ALERT:
                p.add(swhere + ".failover", failover,
                      "moving the group needs alert: %s (alert is %s); set failover: false to keep"
                      " mail only" % (FAILOVER_ALERT, svc.get("alert")))


def _check_drbd(p, resources, nodes, v):
    if not isinstance(resources, list) or not resources:
        p.add("drbd_resources", resources, "at least one DRBD resource")
        return
    used = {"name": {}, "minor": {}, "port": {}, "mountpoint": {}}
    for i, res in enumerate(resources):
        where = "drbd_resources[%d]" % i
        name = res.get("name")
        if not isinstance(name, str) or not RESOURCE_NAME.match(name):
            p.add(where + ".name", name, "not a valid resource name")
        for key in ("name", "minor", "port", "mountpoint"):
            value = res.get(key)
            if value is None:
                continue
            if value in used[key]:
                p.add("%s.%s" % (where, key), value, "already used by drbd_resources[%d]" % used[key][value])
            else:
                used[key][value] = i
        minor = res.get("minor")
        if not isinstance(minor, int) or isinstance(minor, bool) or not 0 <= minor <= 1048575:
            p.add(where + ".minor", minor, "a device minor number (0 for /dev/drbd0)")
        port = res.get("port")
        if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
            p.add(where + ".port", port, "a TCP port number")
        for key, allowed, why in (("protocol", DRBD_PROTOCOLS, "DRBD protocols are A, B and C"),
                                  ("on_io_error", DRBD_IO_ERROR, "one of %s" % ", ".join(DRBD_IO_ERROR))):
            value = res.get(key, v.get(RESOURCE_DEFAULTS[key]))
            if value not in allowed:
                p.add(where + "." + key if key in res else RESOURCE_DEFAULTS[key], value, why)
        if res.get("fstype", "ext4") not in FSTYPES:
            p.add(where + ".fstype", res.get("fstype"), "one of %s" % ", ".join(FSTYPES))
        mountpoint = res.get("mountpoint")
        if not isinstance(mountpoint, str) or not mountpoint.startswith("/") or mountpoint == "/":
            p.add(where + ".mountpoint", mountpoint, "an absolute path other than /")
        disks = res.get("disks")
        if not isinstance(disks, dict) or sorted(disks) != sorted(nodes):
            p.add(where + ".disks", disks, "one backing disk for each of %s" % ", ".join(nodes))
        else:
            for node, disk in disks.items():
                if not isinstance(disk, str) or not disk.startswith("/dev/"):
                    p.add("%s.disks.%s" % (where, node), disk, "a block device path under /dev/")


def _check_force_create_md(p, v, nodes, resources):
    """drbd_force_create_md: off, or the one node whose metadata is recreated."""
    value = v.get("drbd_force_create_md")
    if _is_off(value) or (isinstance(value, str) and value in nodes):
        return
    disks = []
    for res in resources if isinstance(resources, list) else []:
        for node, disk in sorted((res.get("disks") or {}).items()) if isinstance(res, dict) else []:
            disks.append("%s: %s" % (node, disk))
    p.add("drbd_force_create_md", value,
          "name the one node whose DRBD metadata is recreated (%s, e.g. -e drbd_force_create_md=%s); that"
          " node's data on its backing disk are lost%s; true would recreate both nodes' and lose both copies"
          % (" or ".join(nodes), nodes[-1], " (%s)" % ", ".join(disks) if disks else ""))


def _check_csync2(p, v):
    for key in ("csync2_key_path", "csync2_backup_directory"):
        value = v.get(key)
        if value is not None and not str(value).startswith("/"):
            p.add(key, value, "an absolute path")
    for key in ("csync2_includes", "csync2_excludes"):
        for i, path in enumerate(v.get(key) or []):
            if not str(path).startswith("/"):
                p.add("%s[%d]" % (key, i), path, "an absolute path")
    auto = v.get("csync2_auto")
    if auto is not None and auto not in CSYNC2_AUTO:
        p.add("csync2_auto", auto, "one of %s" % ", ".join(CSYNC2_AUTO))


def _pairs(hostvars):
    """Every pair of the inventory: {frozenset of its nodes: its nodes}, from the hosts' hapair_nodes."""
    pairs = {}
    for host in hostvars:
        nodes = hostvars[host].get("hapair_nodes")
        if (isinstance(nodes, list) and len(nodes) == 2 and len(set(nodes)) == 2
                and all(node in hostvars for node in nodes)):
            pairs.setdefault(frozenset(nodes), list(nodes))
    return list(pairs.values())


def _pair_label(nodes, hostvars):
    """'the pair a, b', with its group when the inventory tells it."""
    groups = [set(hostvars[node].get("group_names") or ()) for node in nodes]
    common = sorted(groups[0] & groups[1] - {"hapair_pairs", "all", "ungrouped"})
    label = "the pair %s" % ", ".join(nodes)
    return label + " (group %s)" % common[0] if len(common) == 1 else label


def _guest_addresses(guests):
    """{address: (index, name)} of GUESTS whose address is an address/prefix."""
    return dict((str(_ip(g.get("address"))), (i, g.get("name")))
                for i, g in enumerate(guests) if _is_interface(g.get("address")))


def _check_other_pair(p, mine, other, hostvars):
    """What pair MINE (nodes, guests, owned addresses) shares with pair OTHER."""
    nodes, guests, owned = mine
    label = _pair_label(other, hostvars)
    for node in nodes:
        if node in other:
            p.add("hapair_nodes", nodes, "%s is also a node of %s: a node belongs to one pair" % (node, label))
    # Replication addresses may repeat across pairs: each pair's link is its
    # own crossover cable (the report's 192.168.1.1 and .2 for every pair).
    other_vars = hostvars[other[0]]
    other_guests = normalize_guests(other_vars.get("hapair_guests"), other_vars.get("hapair_guest_defaults"))
    other_addresses = _guest_addresses(other_guests)
    other_owned = _node_addresses(_Problems(), [n for n in other if n not in nodes], hostvars)
    shared_nodes = [n for n in nodes if n in other]
    other_names = dict((g.get("name"), i) for i, g in enumerate(other_guests))
    for i, guest in enumerate(guests):
        where = "hapair_guests[%d]" % i
        address = guest.get("address")
        ip = str(_ip(address)) if _is_interface(address) else None
        if ip in other_addresses:
            j, name = other_addresses[ip]
            p.add(where + ".address", address, "also the address of guest %s (hapair_guests[%d]) of %s:"
                  " a guest address belongs to one pair" % (name, j, label))
        elif ip in other_owned:
            p.add(where + ".address", address, "is %s, in %s" % (other_owned[ip], label))
        if shared_nodes and guest.get("name") in other_names:
            p.add(where + ".name", guest.get("name"), "also hapair_guests[%d] of %s, on %s: one guest of that"
                  " name per node" % (other_names[guest.get("name")], label, ", ".join(shared_nodes)))


# The checks each role needs when it runs without playbooks/validate.yml
# (pair_problems with ROLES). Without ROLES every check runs, and the other
# pairs of the inventory are compared with this one.
ROLE_CHECKS = {
    "drbd": ("nodes", "addresses", "drbd", "force_create_md"),
    "heartbeat": ("nodes", "addresses", "guests", "drbd", "heartbeat", "paths", "death"),
    "csync2": ("nodes", "csync2"),
    "mon": ("guests", "services"),
    "vserver_host": ("guests",),
}
ALL_CHECKS = frozenset(check for checks in ROLE_CHECKS.values() for check in checks)


def _valid_nodes(inventory, hostvars):
    """HOST's hapair_nodes when they name two distinct hosts of the inventory, else []."""
    nodes = inventory.get("hapair_nodes")
    if (isinstance(nodes, list) and len(nodes) == 2 and len(set(nodes)) == 2
            and all(isinstance(node, str) and node in hostvars for node in nodes)):
        return list(nodes)
    return []


def pair_problems(hostvars, host, monitors=None, defaults=None, roles=None):
    """Everything wrong with the pair HOST belongs to, as messages.

    HOSTVARS is the whole inventory; the pair's variables are HOST's, over
    DEFAULTS (the collection's role defaults unless given). With ROLES (names
    of ROLE_CHECKS), only the checks those roles need run.
    """
    if roles is None:
        checks = ALL_CHECKS
    else:
        unknown = [role for role in roles if role not in ROLE_CHECKS]
        if unknown:
            raise ValueError("roles=%r: the roles are %s" % (unknown, ", ".join(sorted(ROLE_CHECKS))))
        checks = frozenset(check for role in roles for check in ROLE_CHECKS[role])
    p = _Problems()
    inventory = hostvars[host]
    if "nodes" in checks:
        nodes = _check_nodes(p, inventory, host, hostvars)
        if nodes is None:
            return p.items
    else:
        nodes = _valid_nodes(inventory, hostvars)
    v = effective_vars(inventory, role_defaults() if defaults is None else defaults, nodes)
    owned = _node_addresses(p if "addresses" in checks else _Problems(), nodes, hostvars)
    guests = normalize_guests(v.get("hapair_guests"), v.get("hapair_guest_defaults"))
    if "guests" in checks:
        _check_guests(p, guests, owned, monitors, _public_networks(nodes, hostvars), "services" in checks)
    if "services" in checks:
        window = v.get("mon_failover_window")
        if not isinstance(window, int) or isinstance(window, bool) or window < 0:
            p.add("mon_failover_window", window,
                  "seconds after a move by Mon during which Mon moves the group no more (0: no such pause)")
        grace = v.get("mon_failover_grace")
        if not isinstance(grace, int) or isinstance(grace, bool) or grace < 0:
            p.add("mon_failover_grace", grace,
                  "seconds after Mon's start during which Mon moves nothing (0: no such pause)")
    if "drbd" in checks or "heartbeat" in checks:
        _check_preferred(p, v, inventory, nodes)
    if "drbd" in checks:
        _check_drbd(p, v.get("drbd_resources"), nodes, v)
        if "drbd_preferred_node" in inventory and v.get("drbd_preferred_node") not in nodes:
            p.add("drbd_preferred_node", v.get("drbd_preferred_node"),
                  "not a node of this pair (%s)" % ", ".join(nodes))
    if "force_create_md" in checks:
        _check_force_create_md(p, v, nodes, v.get("drbd_resources"))
    if "heartbeat" in checks:
        pair_stack_heartbeat.check_heartbeat(p, v, inventory, nodes)
    if "paths" in checks:
        pair_stack_heartbeat.check_paths(p, v, nodes, hostvars)
    if "death" in checks:
        pair_stack_heartbeat.check_drbd_sees_death_first(p, v)
    if "csync2" in checks:
        _check_csync2(p, v)
    if roles is None:
        for other in _pairs(hostvars):
            if set(other) != set(nodes):
                _check_other_pair(p, (nodes, guests, owned), other, hostvars)
    return p.items


# --- the model ---------------------------------------------------------------

def normalize_resources(resources, v):
    """The DRBD resources with every value the drbd role's defaults give, and their device."""
    out = []
    for res in resources if isinstance(resources, list) else []:
        if not isinstance(res, dict):
            continue
        merged = dict((key, v.get(name)) for key, name in RESOURCE_DEFAULTS.items())
        merged.update(res)
        minor = merged.get("minor")
        merged["device"] = None if minor is None else "/dev/drbd%s" % minor
        out.append(merged)
    return out


def _node_networks(nodes, hostvars):
    """{node: its interfaces and addresses on the replication link and the public LAN}."""
    out = {}
    for node in nodes:
        hv = hostvars[node]
        public_ip, public_prefix = _split_address(hv.get("hapair_public_address"))
        out[node] = {
            "replication_interface": hv.get("hapair_replication_interface"),
            "replication_address": hv.get("hapair_replication_address"),
            "public_interface": hv.get("hapair_public_interface"),
            "public_address": hv.get("hapair_public_address"),
            "public_ip": public_ip,
            "public_prefix": public_prefix,
        }
    return out


def pair_model(hostvars, host, defaults=None):
    """The normalised model of the pair HOST belongs to, as HOST's roles read it.

    HOSTVARS is the whole inventory; the pair's variables are HOST's, over
    DEFAULTS (the collection's role defaults unless given). Never fails:
    what the inventory lacks is None or empty (pair_problems says what is
    wrong). A dictionary:

      node            HOST
      nodes           the two nodes (hapair_nodes; [] when they are not two
                      hosts of the inventory)
      peer            the other node, or None
      preferred_node  the node that holds the resources when both are up
                      (hapair_preferred_node, else the first node)
      networks        {node: replication_interface, replication_address,
                      public_interface, public_address (address/prefix),
                      public_ip, public_prefix}
      stack           the cluster stack: name, command (its command on a
                      node: see STACK_COMMAND), and what the stack's module
                      adds (pair_stack_heartbeat.stack_model): units (its
                      systemd units, in start order), paths (the paths
                      between the nodes resolved for HOST), starts_mon
                      (whether the stack starts Mon after the guests)
      resources       drbd_resources, each with every default and its device
      mountpoints     the resources' mountpoints, in order
      guest_backend   how guests run: vserver_host_backend, else
                      hapair_guest_backend, else nspawn
      guest_root      the folder of the guest trees (vserver_host_root)
      guest_mountpoint  the mountpoint holding guest_root
                      (vserver_host_root_mountpoint, else the first
                      resource's; "" when there is none)
      guest_hook_dir  the folder of the guests' hook scripts
                      (heartbeat_guest_hook_dir)
      monitor_dirs    the folders of Mon's monitors (mon_mondir), in order
      guests          hapair_guests with every field filled (normalize_guests)
      service_failover  what Mon's moves of the group read (ha-up-down.alert's
                      helper): node, peer, resources (names), mountpoints,
                      window (mon_failover_window, seconds), grace
                      (mon_failover_grace, seconds), record
                      (the file on the first mountpoint that remembers the
                      last move), maintenance (the marker of a maintenance run)
      managed_marker  the file that says hapair.cluster manages the node's pair
      event_dir       where a node records what status.yml reports until it is
                      dealt with (split brains, refused takeovers): the
                      folder hapair.cluster.pair_status reads
      defaults        the effective defaults: guest (what a guest takes unless
                      it says otherwise), service (a watched service's), and
                      resource (a DRBD resource's)
    """
    inventory = hostvars[host]
    nodes = _valid_nodes(inventory, hostvars)
    peer = ([node for node in nodes if node != host] or [None])[0] if host in nodes else None
    v = effective_vars(inventory, role_defaults() if defaults is None else defaults, nodes)
    networks = _node_networks(nodes, hostvars)
    resources = normalize_resources(v.get("drbd_resources"), v)
    mountpoints = [res.get("mountpoint") for res in resources]
    if "vserver_host_root_mountpoint" in inventory:
        guest_mountpoint = inventory["vserver_host_root_mountpoint"]
    else:
        guest_mountpoint = (mountpoints[0] if mountpoints else None) or ""
    backend = [v.get(key) for key in ("vserver_host_backend", "hapair_guest_backend") if v.get(key)]
    return {
        "node": host,
        "nodes": nodes,
        "peer": peer,
        "preferred_node": v.get(PREFERRED),
        "networks": networks,
        "stack": dict(STACKS[STACK].stack_model(v, host, peer, networks), name=STACK, command=STACK_COMMAND),
        "resources": resources,
        "mountpoints": mountpoints,
        "guest_backend": (backend + [GUEST_BACKEND])[0],
        "guest_root": v.get("vserver_host_root"),
        "guest_mountpoint": guest_mountpoint,
        "guest_hook_dir": v.get("heartbeat_guest_hook_dir"),
        "monitor_dirs": str(v.get("mon_mondir") or "").split(":"),
        "guests": normalize_guests(v.get("hapair_guests"), v.get("hapair_guest_defaults")),
        "service_failover": {
            "node": host,
            "peer": peer,
            "resources": [res.get("name") for res in resources],
            "mountpoints": mountpoints,
            "window": v.get("mon_failover_window"),
            "grace": v.get("mon_failover_grace"),
            "record": os.path.join(mountpoints[0], FAILOVER_RECORD) if mountpoints and mountpoints[0] else None,
            "maintenance": MAINTENANCE_MARKER,
        },
        "managed_marker": MANAGED_MARKER,
        "event_dir": EVENT_DIR,
        "defaults": {
            "guest": guest_defaults(v.get("hapair_guest_defaults")),
            "service": dict(SERVICE_BUILTIN_DEFAULTS),
            "resource": dict((key, v.get(name)) for key, name in RESOURCE_DEFAULTS.items()),
        },
    }
