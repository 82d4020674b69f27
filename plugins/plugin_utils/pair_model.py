# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pair's inventory model: guest normalisation and cross-field checks.

Pure functions, run on the controller before any host is contacted.
Each check returns messages that name the variable and the value.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import ipaddress
import os
import re
from collections import ChainMap

import yaml

GUEST_BUILTIN_DEFAULTS = {
    "domain": "",
    "interface": "eth0",
    "suite": "trixie",
    "mirror": "http://deb.debian.org/debian",
    "capabilities": [],
    "services": [],
}

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

HOSTNAME_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
RESOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
MON_INTERVAL = re.compile(r"^[0-9]+[smhd]$")
MON_ALERTEVERY = re.compile(r"^[0-9]+[smhd]( (strict|observe_detail|ignore_summary))?$")
DRBD_PROTOCOLS = ("A", "B", "C")
DRBD_IO_ERROR = ("pass_on", "call-local-io-error", "detach")
FSTYPES = ("ext3", "ext4", "xfs", "btrfs")
CSYNC2_AUTO = ("none", "first", "younger", "older", "bigger", "smaller", "left", "right")
FALSE_WORDS = ("", "false", "no", "off", "0")
HEARTBEAT_TIMINGS = ("heartbeat_keepalive", "heartbeat_warntime", "heartbeat_deadtime", "heartbeat_initdead")

# Heartbeat's paths (heartbeat_paths): the forms, as messages show them; the
# keys of each form; the two named networks.
PATH_FORMS = ("{type: ucast, network: replication}, {type: ucast, network: public},"
              " {type: ucast, interface: IFACE, addresses: {%s: ADDR, %s: ADDR}} or {type: serial, port: /dev/ttyS0}")
PATH_KEYS = {
    ("ucast", "network"): ("type", "network"),
    ("ucast", "interface"): ("type", "interface", "addresses"),
    ("serial", "port"): ("type", "port"),
}
PATH_NETWORKS = {
    # network: (the node's interface, the peer's address it sends to, what they are)
    "replication": ("hapair_replication_interface", "hapair_replication_address", "replication link"),
    "public": ("hapair_public_interface", "hapair_public_address", "public LAN"),
}

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


def effective_vars(inventory, defaults, nodes):
    """What the roles see: the inventory over the defaults.

    The two templated defaults the checks need are resolved here, as the
    roles would: Heartbeat's and DRBD's preferred node.
    """
    preferred = inventory["heartbeat_preferred_node"] if "heartbeat_preferred_node" in inventory else nodes[0]
    resolved = {"heartbeat_preferred_node": preferred, "drbd_preferred_node": preferred}
    return ChainMap(inventory, resolved, defaults)


def _origin(key, inventory):
    """Where the value of KEY comes from, for messages."""
    return "" if key in inventory else ", the role's default"


def normalize_guests(guests, defaults=None):
    """Fill every guest with the pair's guest defaults and the built-in ones."""
    out = []
    for guest in guests or []:
        merged = dict(GUEST_BUILTIN_DEFAULTS)
        merged.update(defaults or {})
        merged.update(guest)
        name = merged.get("name")
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
            services.append(svc)
        merged["services"] = services
        out.append(merged)
    return out


def _ip(value):
    """The address of VALUE (an address, or address/prefix), or None."""
    try:
        return ipaddress.ip_interface(str(value)).ip
    except ValueError:
        return None


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


def _check_guests(p, guests, owned, monitors, public=()):
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
        for j, svc in enumerate(guest.get("services") or []):
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


def _check_drbd(p, resources, nodes):
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
        if res.get("protocol", "C") not in DRBD_PROTOCOLS:
            p.add(where + ".protocol", res.get("protocol"), "DRBD protocols are A, B and C")
        if res.get("on_io_error", "detach") not in DRBD_IO_ERROR:
            p.add(where + ".on_io_error", res.get("on_io_error"), "one of %s" % ", ".join(DRBD_IO_ERROR))
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


def _check_heartbeat(p, v, inventory, nodes):
    preferred = v.get("heartbeat_preferred_node")
    if preferred not in nodes:
        p.add("heartbeat_preferred_node", preferred, "not a node of this pair (%s)" % ", ".join(nodes))
    _check_timings(p, v, inventory)
    mailto = v.get("heartbeat_mailto")
    if mailto and not re.match(r"^[^@\s:]+@[^@\s:]+$", str(mailto)):
        p.add("heartbeat_mailto", mailto, "not a mail address")
    serial = v.get("heartbeat_serial_port")
    if serial:
        p.add("heartbeat_serial_port", serial,
              "replaced by heartbeat_paths; list it there as {type: serial, port: %s} beside the other paths"
              % serial)


def _check_timings(p, v, inventory):
    """keepalive < warntime < deadtime and initdead >= 2 x deadtime, defaults included."""
    times = {}
    for key in HEARTBEAT_TIMINGS:
        value = v.get(key)
        if value is None:
            continue
        if not _positive_int(value):
            p.add(key, value, "a positive number of seconds")
        else:
            times[key] = value
    if len(times) != len(HEARTBEAT_TIMINGS):
        return
    keepalive, warntime, deadtime, initdead = HEARTBEAT_TIMINGS
    for low, high in ((keepalive, warntime), (warntime, deadtime)):
        if times[low] < times[high]:
            continue
        # Name the one the inventory sets: the other may be a default.
        named, other = (high, low) if high in inventory or low not in inventory else (low, high)
        p.add(named, times[named], "Heartbeat needs keepalive < warntime < deadtime, and %s is %s%s: %s"
              % (other, times[other], _origin(other, inventory),
                 "raise %s or lower %s" % (high, low) if named == high else "lower %s or raise %s" % (low, high)))
    if times[initdead] < 2 * times[deadtime]:
        if initdead in inventory or deadtime not in inventory:
            p.add(initdead, times[initdead], "at least twice heartbeat_deadtime (%s%s)"
                  % (times[deadtime], _origin(deadtime, inventory)))
        else:
            p.add(deadtime, times[deadtime], "heartbeat_initdead (%s%s) must be at least twice"
                  " heartbeat_deadtime: set heartbeat_initdead to %d or more"
                  % (times[initdead], _origin(initdead, inventory), 2 * times[deadtime]))


def _path_form(path):
    """The (type, distinguishing key) of PATH, or None."""
    for form in PATH_KEYS:
        if path.get("type") == form[0] and form[1] in path:
            return form
    return None


def _path_links(p, where, path, nodes, hostvars):
    """What PATH runs over: (node, interface) for ucast, ("serial", port); None when PATH is wrong."""
    forms = PATH_FORMS % tuple(nodes)
    if not isinstance(path, dict):
        p.add(where, path, "a path is a mapping: %s" % forms)
        return None
    if path.get("type") not in ("ucast", "serial"):
        p.add(where + ".type", path.get("type"), "ucast or serial (%s)" % forms)
        return None
    form = _path_form(path)
    if form is None or set(path) != set(PATH_KEYS[form]):
        p.add(where, path, "not a Heartbeat path; one of %s" % forms)
        return None
    if form[0] == "serial":
        port = path["port"]
        if not isinstance(port, str) or not port.startswith("/dev/") or len(port) <= len("/dev/"):
            p.add(where + ".port", port, "a serial device path such as /dev/ttyS0")
            return None
        return [("serial", port)]
    if form[1] == "network":
        return _network_path_links(p, where, path, nodes, hostvars)
    return _interface_path_links(p, where, path, nodes)


def _network_path_links(p, where, path, nodes, hostvars):
    network = path["network"]
    if network not in PATH_NETWORKS:
        p.add(where + ".network", network, "replication or public (another link: {type: ucast, interface: IFACE,"
              " addresses: {%s: ADDR, %s: ADDR}})" % tuple(nodes))
        return None
    interface_var, address_var, what = PATH_NETWORKS[network]
    links = []
    for node in nodes:
        interface = hostvars[node].get(interface_var)
        address = hostvars[node].get(address_var)
        if network == "public":  # the replication variables are required anyway (_node_addresses)
            if not interface:
                p.add("%s.%s" % (node, interface_var), interface,
                      "required by %s (ucast over the %s): the node's interface on the %s" % (where, what, what))
            if address is None:
                p.add("%s.%s" % (node, address_var), address,
                      "required by %s (ucast over the %s): the address/prefix the peer sends to" % (where, what))
        links.append((node, interface) if interface and address is not None else None)
    return None if None in links else links


def _interface_path_links(p, where, path, nodes):
    interface = path["interface"]
    addresses = path["addresses"]
    ok = True
    if not isinstance(interface, str) or not re.match(r"^[A-Za-z0-9_.:@-]{1,15}$", interface):
        p.add(where + ".interface", interface, "a network interface name such as eth3")
        ok = False
    if not isinstance(addresses, dict) or set(addresses) != set(nodes):
        p.add(where + ".addresses", addresses, "one address for each of %s" % ", ".join(nodes))
        return None
    for node in nodes:
        address = addresses[node]
        if _ip(address) is None or "/" in str(address):
            p.add("%s.addresses.%s" % (where, node), address, "not an IP address (no /prefix)")
            ok = False
    if ok and _ip(addresses[nodes[0]]) == _ip(addresses[nodes[1]]):
        p.add(where + ".addresses", addresses, "both nodes have the same address")
        ok = False
    return [(node, interface) for node in nodes] if ok else None


def _check_heartbeat_paths(p, v, nodes, hostvars):
    """At least two paths between the nodes, none sharing an interface or a serial port."""
    paths = v.get("heartbeat_paths")
    if not isinstance(paths, list):
        p.add("heartbeat_paths", paths, "a list of Heartbeat's paths between the nodes, each one of %s"
              % (PATH_FORMS % tuple(nodes)))
        return
    used = {}
    independent = 0
    for i, path in enumerate(paths):
        where = "heartbeat_paths[%d]" % i
        links = _path_links(p, where, path, nodes, hostvars)
        if links is None:
            independent += 1  # wrong, and named: still meant as a path of its own
            continue
        shared = [link for link in links if link in used]
        if not shared:
            independent += 1
            used.update((link, i) for link in links)
        elif shared[0][0] == "serial":
            p.add(where + ".port", shared[0][1], "the serial port of heartbeat_paths[%d]: one line is one path"
                  % used[shared[0]])
        else:
            node, interface = shared[0]
            p.add(where, path, "over %s on %s, like heartbeat_paths[%d]: one cable would cut both; give each"
                  " path its own interface, or use a serial line" % (interface, node, used[shared[0]]))
    if independent < 2:
        p.add("heartbeat_paths", paths,
              "%d independent path%s between the nodes, at least two are needed: with one path a single lost"
              " cable makes both nodes take the group (both Primary, both mount, same guest addresses twice)."
              " Add one: the public LAN ({type: ucast, network: public}), another interface ({type: ucast,"
              " interface: IFACE, addresses: {%s: ADDR, %s: ADDR}}) or a serial line ({type: serial, port:"
              " /dev/ttyS0})" % ((independent, "" if independent == 1 else "s") + tuple(nodes)))


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


def _is_off(value):
    """False, as Ansible's bool filter reads it (an unset variable included)."""
    if isinstance(value, str):
        return value.strip().lower() in FALSE_WORDS
    return value is None or value is False or (isinstance(value, int) and value == 0)


def _check_drbd_sees_death_first(p, v):
    """DRBD must give a dead peer up before Heartbeat takes the group over.

    Until DRBD has noticed (ping_int seconds of silence, then ping_timeout
    tenths of a second), the survivor cannot become Primary: drbddisk's
    "primary" fails and the takeover waits on its retries, or fails.
    """
    deadtime = v.get("heartbeat_deadtime")
    if not _positive_int(deadtime):
        return  # _check_heartbeat names it
    resources = v.get("drbd_resources")
    if not isinstance(resources, list):
        return  # _check_drbd names it
    default_int = v.get("drbd_default_ping_int")
    default_timeout = v.get("drbd_default_ping_timeout")
    for i, res in enumerate(resources):
        where = "drbd_resources[%d]" % i
        ping_int = res.get("ping_int", default_int)
        ping_timeout = res.get("ping_timeout", default_timeout)
        name_int = where + ".ping_int" if "ping_int" in res else "drbd_default_ping_int"
        name_timeout = where + ".ping_timeout" if "ping_timeout" in res else "drbd_default_ping_timeout"
        if not _positive_int(ping_int):
            p.add(name_int, ping_int, "a positive number of seconds")
        elif not _positive_int(ping_timeout):
            p.add(name_timeout, ping_timeout, "a positive number of tenths of a second")
        elif ping_int * 10 + ping_timeout >= deadtime * 10:
            p.add(name_int, ping_int,
                  "DRBD notices a dead peer only after %s + %s s, not before heartbeat_deadtime (%s s): "
                  "the survivor could not become Primary when Heartbeat takes over. Lower the ping "
                  "(for example %s: %d) or raise heartbeat_deadtime"
                  % (ping_int, ping_timeout / 10.0, deadtime, name_int, max(1, (deadtime - 1) // 2)))


def _positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


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


def pair_problems(hostvars, host, monitors=None, defaults=None):
    """Everything wrong with the pair HOST belongs to, as messages.

    HOSTVARS is the whole inventory; the pair's variables are HOST's, over
    DEFAULTS (the collection's role defaults unless given).
    """
    p = _Problems()
    inventory = hostvars[host]
    nodes = _check_nodes(p, inventory, host, hostvars)
    if nodes is None:
        return p.items
    v = effective_vars(inventory, role_defaults() if defaults is None else defaults, nodes)
    owned = _node_addresses(p, nodes, hostvars)
    guests = normalize_guests(v.get("hapair_guests"), v.get("hapair_guest_defaults"))
    _check_guests(p, guests, owned, monitors, _public_networks(nodes, hostvars))
    _check_drbd(p, v.get("drbd_resources"), nodes)
    if "drbd_preferred_node" in inventory and v.get("drbd_preferred_node") not in nodes:
        p.add("drbd_preferred_node", v.get("drbd_preferred_node"), "not a node of this pair (%s)" % ", ".join(nodes))
    _check_force_create_md(p, v, nodes, v.get("drbd_resources"))
    _check_heartbeat(p, v, inventory, nodes)
    _check_heartbeat_paths(p, v, nodes, hostvars)
    _check_drbd_sees_death_first(p, v)
    _check_csync2(p, v)
    for other in _pairs(hostvars):
        if set(other) != set(nodes):
            _check_other_pair(p, (nodes, guests, owned), other, hostvars)
    return p.items
