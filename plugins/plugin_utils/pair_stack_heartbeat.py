# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Heartbeat stack's part of the pair model: its checks and its paths.

Pure functions, run on the controller before any host is contacted. The
pair model (pair_model.py) calls them for the heartbeat_* variables and
puts what they resolve in its "stack" section; the rest of the model knows
no cluster stack. A second stack (Pacemaker) would be a module like this
one, beside it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.hapair.cluster.plugins.plugin_utils.pair_values import (
    ip as _ip,
    is_off as _is_off,
    origin as _origin,
    positive_int as _positive_int,
    split_address as _split_address,
)

# Heartbeat's systemd units on a node, in start order.
UNITS = ["heartbeat.service"]
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


def check_heartbeat(p, v, inventory, nodes):
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


def check_paths(p, v, nodes, hostvars):
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


def check_drbd_sees_death_first(p, v):
    """DRBD must give a dead peer up before Heartbeat takes the group over.

    Until DRBD has noticed (ping_int seconds of silence, then ping_timeout
    tenths of a second), the survivor cannot become Primary: drbddisk's
    "primary" fails and the takeover waits on its retries, or fails.
    """
    deadtime = v.get("heartbeat_deadtime")
    if not _positive_int(deadtime):
        return  # check_heartbeat names it
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


def resolve_paths(paths, host, peer, networks):
    """The paths between the nodes (heartbeat_paths) as HOST uses them.

    Each is {type: serial, port} or {type: ucast, interface, address,
    peer_address}: HOST's interface and address, and the peer's address it
    sends to (the address alone, without a prefix). NETWORKS is
    _node_networks(); what the inventory lacks is None.
    """
    mine = networks.get(host, {})
    theirs = networks.get(peer, {})
    out = []
    for path in paths if isinstance(paths, list) else []:
        if not isinstance(path, dict):
            continue
        if path.get("type") == "serial":
            out.append({"type": "serial", "port": path.get("port")})
            continue
        if "network" in path:
            # replication or public: each node's hapair_NETWORK_interface and _address
            network = path["network"] if path["network"] in PATH_NETWORKS else None
            interface, address = ("%s_interface" % network, "%s_address" % network) if network else (None, None)
            resolved = {"type": "ucast", "network": network, "interface": mine.get(interface),
                        "address": mine.get(address), "peer_address": theirs.get(address)}
        else:
            addresses = path.get("addresses") if isinstance(path.get("addresses"), dict) else {}
            resolved = {"type": "ucast", "network": None, "interface": path.get("interface"),
                        "address": addresses.get(host), "peer_address": addresses.get(peer)}
        for key in ("address", "peer_address"):
            resolved[key] = _split_address(resolved[key])[0]
        out.append(resolved)
    return out


def stack_model(v, host, peer, networks):
    """Heartbeat's part of HOST's pair model (the model's "stack", less its
    name and command): units, its systemd units in start order; paths, the
    paths between the nodes as HOST uses them (resolve_paths); starts_mon,
    whether the cluster script starts Mon after the guests
    (heartbeat_cluster_manages_mon). V is the pair's effective variables,
    NETWORKS the nodes' addresses (pair_model._node_networks)."""
    return {
        "units": list(UNITS),
        "paths": resolve_paths(v.get("heartbeat_paths"), host, peer, networks),
        "starts_mon": not _is_off(v.get("heartbeat_cluster_manages_mon")),
    }
