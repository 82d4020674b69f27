# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pair's inventory model: guest normalisation and cross-field checks.

Pure functions, run on the controller before any host is contacted.
Each check returns messages that name the variable and the value.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

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
# The roles' defaults, where the inventory sets none.
HEARTBEAT_DEADTIME = 30
DRBD_PING_INT = 10
DRBD_PING_TIMEOUT = 5
CSYNC2_AUTO = ("none", "first", "younger", "older", "bigger", "smaller", "left", "right")


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
    if reps[0] is not None and reps[0] == reps[1]:
        p.add("hapair_replication_address", reps[0], "both nodes have the same replication address")
    return owned


def _check_guests(p, guests, owned, monitors):
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


def _check_heartbeat(p, v, nodes):
    preferred = v.get("heartbeat_preferred_node")
    if preferred not in nodes:
        p.add("heartbeat_preferred_node", preferred, "not a node of this pair (%s)" % ", ".join(nodes))
    times = {}
    for key in ("heartbeat_keepalive", "heartbeat_warntime", "heartbeat_deadtime", "heartbeat_initdead"):
        value = v.get(key)
        if value is None:
            continue
        if not _positive_int(value):
            p.add(key, value, "a positive number of seconds")
        else:
            times[key] = value
    if len(times) == 4:
        if not times["heartbeat_keepalive"] < times["heartbeat_warntime"] < times["heartbeat_deadtime"]:
            p.add("heartbeat_warntime", times["heartbeat_warntime"],
                  "Heartbeat needs keepalive < warntime < deadtime")
        if times["heartbeat_initdead"] < 2 * times["heartbeat_deadtime"]:
            p.add("heartbeat_initdead", times["heartbeat_initdead"], "at least twice heartbeat_deadtime")
    mailto = v.get("heartbeat_mailto")
    if mailto and not re.match(r"^[^@\s:]+@[^@\s:]+$", str(mailto)):
        p.add("heartbeat_mailto", mailto, "not a mail address")
    serial = v.get("heartbeat_serial_port")
    if serial and not str(serial).startswith("/dev/"):
        p.add("heartbeat_serial_port", serial, "a device path such as /dev/ttyS0")


def _check_drbd_sees_death_first(p, v):
    """DRBD must give a dead peer up before Heartbeat takes the group over.

    Until DRBD has noticed (ping_int seconds of silence, then ping_timeout
    tenths of a second), the survivor cannot become Primary: drbddisk's
    "primary" fails and the takeover waits on its retries, or fails.
    """
    deadtime = v.get("heartbeat_deadtime", HEARTBEAT_DEADTIME)
    if not _positive_int(deadtime):
        return  # _check_heartbeat names it
    resources = v.get("drbd_resources")
    if not isinstance(resources, list):
        return  # _check_drbd names it
    default_int = v.get("drbd_default_ping_int", DRBD_PING_INT)
    default_timeout = v.get("drbd_default_ping_timeout", DRBD_PING_TIMEOUT)
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


def pair_problems(hostvars, host, monitors=None):
    """Everything wrong with the pair HOST belongs to, as messages."""
    p = _Problems()
    v = hostvars[host]
    nodes = _check_nodes(p, v, host, hostvars)
    if nodes is None:
        return p.items
    owned = _node_addresses(p, nodes, hostvars)
    guests = normalize_guests(v.get("hapair_guests"), v.get("hapair_guest_defaults"))
    _check_guests(p, guests, owned, monitors)
    _check_drbd(p, v.get("drbd_resources"), nodes)
    _check_heartbeat(p, v, nodes)
    _check_drbd_sees_death_first(p, v)
    _check_csync2(p, v)
    return p.items
