# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An inventory of the collection for a pair built by hand, from both nodes' readings.

Pure functions of plain data, run on the controller by ``playbooks/export.yml``
(through the filter ``pair_export``). The input is what the module
``pair_info`` read on each node, and what the inventory the export runs on
already says of the two hosts (their connection, and the values no node file
holds: the guests' addresses and order, their suite, the public addresses).

The mapping never guesses:

- a value read on the nodes is written, also when it equals the collection's
  default; a setting the node leaves to the program's own default is written
  with that program's default when the collection's would differ;
- what the collection's variables cannot express, what pair_info could not
  read, what the two nodes disagree on, and what neither the nodes nor the
  inventory tell is listed (``issues``), each item under one of ``SECTIONS``;
- a secret is never read here (pair_info returns fingerprints only) and
  never written: the exported inventory keeps the nodes' Heartbeat authkeys
  and Csync2 key where they are;
- the export fails (``problems``) only when no coherent inventory can be
  made: a node not read, no DRBD resource, nodes that name other peers.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import shlex
from collections.abc import Mapping

import yaml

from ansible_collections.hapair.cluster.plugins.module_utils.vserver_nspawn import (
    normalize_capabilities,
    uid_base,
)
from ansible_collections.hapair.cluster.plugins.plugin_utils.pair_model import (
    FAILOVER_ALERT,
    GUEST_BUILTIN_DEFAULTS,
    pair_problems,
)

# The sections of NOT_EXPORTED.md, in order: key -> title.
SECTIONS = (
    ("problem", "Problems to fix on the nodes before the collection runs"),
    ("difference", "The two nodes disagree (the first node's view was exported)"),
    ("not_expressed", "What the collection's variables cannot express (the collection would drop or change it)"),
    ("unread", "What pair_info did not understand"),
    ("not_on_nodes", "What the nodes do not hold: set it by hand"),
    ("missing", "Files missing on a node"),
    ("note", "Notes"),
)
SECTION_KEYS = tuple(key for key, _title in SECTIONS)

# Connection variables copied from the inventory the export runs on. The
# passwords (ansible_password, ansible_become_password, ...) never are.
CONNECTION_VARS = (
    "ansible_host", "ansible_port", "ansible_user", "ansible_connection", "ansible_become",
    "ansible_become_method", "ansible_become_user", "ansible_ssh_private_key_file", "ansible_ssh_common_args",
    "ansible_ssh_extra_args", "ansible_python_interpreter",
)
SECRET_VAR = re.compile(r"(pass|secret|token|vault)", re.IGNORECASE)
# Per-node variables of the collection (host_vars).
NODE_VARS = ("hapair_replication_interface", "hapair_replication_address", "hapair_public_interface",
             "hapair_public_address")
# The prefixes of the collection's variables, and the group_vars file of each.
PREFIX_FILES = (
    ("hapair_guest", "guests"), ("vserver_host_", "guests"), ("hapair_", "pair"), ("drbd_", "drbd"),
    ("heartbeat_", "heartbeat"), ("csync2_", "csync2"), ("mon_", "mon"),
)
GROUP_FILES = ("pair", "drbd", "heartbeat", "csync2", "mon", "guests")

# DRBD 8.4's own defaults of the options the collection writes: a node that
# leaves an option unset runs with these. Read on Debian 13's 8.4.11 module
# with drbd-utils 9.22 (`drbdsetup show --show-defaults RES` and
# `drbdsetup-84 xml-help disk-options|net-options`); on-io-error is detach.
DRBD_BUILTIN = {
    ("startup", "wfc-timeout"): "0",
    ("startup", "degr-wfc-timeout"): "0",
    ("disk", "on-io-error"): "detach",
    ("disk", "resync-rate"): "250k",
    ("disk", "al-extents"): "1237",
    ("disk", "c-plan-ahead"): "20",
    ("disk", "fencing"): "dont-care",
    ("net", "protocol"): "C",
    ("net", "sndbuf-size"): "0",
    ("net", "max-buffers"): "2048",
    ("net", "ping-int"): "10",
    ("net", "ping-timeout"): "5",
    ("net", "after-sb-0pri"): "disconnect",
    ("net", "after-sb-1pri"): "disconnect",
    ("net", "after-sb-2pri"): "disconnect",
}
# Per resource: (section, DRBD option) -> the key of a drbd_resources item.
DRBD_RESOURCE_KEYS = {
    ("startup", "wfc-timeout"): "wfc_timeout",
    ("startup", "degr-wfc-timeout"): "degr_wfc_timeout",
    ("disk", "on-io-error"): "on_io_error",
    ("disk", "resync-rate"): "resync_rate",
    ("disk", "al-extents"): "al_extents",
    ("disk", "c-plan-ahead"): "c_plan_ahead",
    ("net", "protocol"): "protocol",
    ("net", "sndbuf-size"): "sndbuf_size",
    ("net", "max-buffers"): "max_buffers",
    ("net", "ping-int"): "ping_int",
    ("net", "ping-timeout"): "ping_timeout",
}
DRBD_INTEGERS = frozenset(("wfc_timeout", "degr_wfc_timeout", "al_extents", "c_plan_ahead", "max_buffers",
                           "ping_int", "ping_timeout"))
# Pair-wide: (section, DRBD option) -> the drbd role's variable (one value for every resource).
DRBD_PAIR_VARS = {
    ("disk", "fencing"): "drbd_fencing",
    ("net", "after-sb-0pri"): "drbd_after_sb_0pri",
    ("net", "after-sb-1pri"): "drbd_after_sb_1pri",
    ("net", "after-sb-2pri"): "drbd_after_sb_2pri",
    ("handlers", "pri-on-incon-degr"): "drbd_pri_on_incon_degr",
    ("handlers", "fence-peer"): "drbd_fence_peer_handler",
}
# DRBD 0.7/8.3 syncer options that 8.4 reads in the disk section.
DRBD_SYNCER = {"rate": ("disk", "resync-rate"), "al-extents": ("disk", "al-extents")}
DRBD_NOTIFY = re.compile(r"^\S*/drbd-notify (initial-)?split-brain$")
DRBD_NOTIFY_SCRIPT = re.compile(r"^\S*notify-split-brain\.sh\s+(\S+)$")

# Heartbeat's ha.cf: directive -> the heartbeat role's variable.
HA_TIMES = (("keepalive", "heartbeat_keepalive"), ("warntime", "heartbeat_warntime"),
            ("deadtime", "heartbeat_deadtime"), ("initdead", "heartbeat_initdead"))
HA_KNOWN = frozenset(("keepalive", "warntime", "deadtime", "initdead", "udpport", "baud", "auto_failback",
                      "logfacility", "node", "serial", "ucast", "respawn", "apiauth", "crm", "seconds"))
HA_DOPD_WRAPPER = "/usr/local/lib/hapair/dopd"
HA_KNOWN_AGENTS = ("hapair-guard", "drbddisk", "Filesystem", "MailTo")

# Mon's mon.cf: global -> (the mon role's variable, kind).
MON_GLOBALS = {
    "cfbasedir": ("mon_cfbasedir", "str"), "alertdir": ("mon_alertdir", "str"), "mondir": ("mon_mondir", "str"),
    "startupalerts_on_reset": ("mon_startupalerts_on_reset", "bool"), "maxprocs": ("mon_maxprocs", "int"),
    "histlength": ("mon_histlength", "int"), "randstart": ("mon_randstart", "str"),
    "logdir": ("mon_logdir", "str"), "dtlogging": ("mon_dtlogging", "bool"), "dtlogfile": ("mon_dtlogfile", "str"),
    "serverbind": ("mon_serverbind", "str"), "trapbind": ("mon_trapbind", "str"),
}
MON_OPTIONAL = ("serverbind", "trapbind")
MON_SERVICE_KEYS = ("interval", "monitor", "description")

HEADER = ("# Exported by hapair.cluster.export from the nodes %s on %s.\n"
          "# Read with hapair.cluster.pair_info; nothing was changed on the nodes. Review\n"
          "# NOT_EXPORTED.md before running site.yml (first with --check --diff).\n")
SECRET_HEARTBEAT = (
    "# Heartbeat's authkeys is not exported (its secret is never read). With\n"
    "# heartbeat_authkeys_keep the heartbeat role leaves the nodes' /etc/ha.d/authkeys\n"
    "# as it is (mode 0600, root) and stops when the two nodes' files differ.\n")
SECRET_CSYNC2 = (
    "# The Csync2 key is not exported (its content is never read). The csync2 role\n"
    "# keeps the key found at csync2_key_path on the nodes: it never overwrites a\n"
    "# key, and stops when the two nodes' keys differ.\n")


class Report(object):
    """What the export could not write, by section, and what stops it."""

    def __init__(self):
        self.problems = []
        self.issues = []

    def add(self, section, text):
        item = dict(section=section, text=text)
        if item not in self.issues:
            self.issues.append(item)

    def fail(self, text):
        if text not in self.problems:
            self.problems.append(text)


# -- helpers ---------------------------------------------------------------------

def _number(value):
    """An int for a decimal integer string, else VALUE."""
    if isinstance(value, str) and re.match(r"^[0-9]+$", value):
        return int(value)
    return value


def _seconds(value):
    """Heartbeat seconds as an int when whole."""
    return int(value) if value is not None and float(value).is_integer() else value


def _differences(a, b, where, out, limit=20):
    """Append 'WHERE: A != B' for each place where A and B differ."""
    if len(out) >= limit:
        return out
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for key in sorted(set(a) | set(b), key=str):
            if key == "line":
                continue
            _differences(a.get(key), b.get(key), "%s.%s" % (where, key) if where else str(key), out, limit)
    elif a != b:
        out.append("%s: %r != %r" % (where, a, b))
    return out


def _disagree(report, nodes, what, a, b):
    """List what the two nodes' views A and B of WHAT disagree on."""
    for line in _differences(a, b, "", []):
        report.add("difference", "%s differs between %s and %s: %s" % (what, nodes[0], nodes[1], line))


def _without(data, *keys):
    """DATA (a dict, or None) without KEYS."""
    return dict((k, v) for k, v in (data or {}).items() if k not in keys)


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key, as the collection's inventories write them."""

    def increase_indent(self, flow=False, indentless=False):
        return super(_Dumper, self).increase_indent(flow, False)


def _plain(data):
    """DATA with only Python's own types: Ansible hands filters its values as
    subclasses (tagged strings, ...) that yaml's safe dumper refuses."""
    if isinstance(data, Mapping):
        return dict((_plain(k), _plain(v)) for k, v in data.items())
    if isinstance(data, (list, tuple)):
        return [_plain(v) for v in data]
    if isinstance(data, bool) or data is None:
        return data
    if isinstance(data, str):
        return str(data.encode("utf-8"), "utf-8")
    if isinstance(data, int):
        return int(data)
    if isinstance(data, float):
        return float(data)
    return data


def _yaml(data):
    return yaml.dump(_plain(data), Dumper=_Dumper, default_flow_style=False, sort_keys=False, allow_unicode=True,
                     width=100)


def _is_secret_var(name):
    return bool(SECRET_VAR.search(name)) or name.endswith("_pass")


def _file_of(var):
    for prefix, name in PREFIX_FILES:
        if var.startswith(prefix):
            return name
    return None


# -- the nodes -------------------------------------------------------------------

def _info_of(host, result, report):
    """The pair_info dict of HOST's registered RESULT, or None (a problem)."""
    if isinstance(result, Mapping) and isinstance(result.get("pair_info"), Mapping):
        return result["pair_info"]
    if isinstance(result, Mapping) and isinstance(result.get("drbd"), Mapping):
        return result
    why = result.get("msg") if isinstance(result, Mapping) and result.get("msg") else "no pair_info result"
    report.fail("%s could not be read (%s): both nodes must be in the run and readable" % (host, why))
    return None


def _pair_nodes(infos, hosts, report):
    """The pair's node names, in Heartbeat's order (ha.cf), else DRBD's, else the inventory's."""
    names = [infos[host]["node"] for host in hosts]
    if len(set(names)) != 2:
        report.fail("%s and %s both say they are %s (uname -n): a pair has two nodes" % (hosts[0], hosts[1], names[0]))
        return None
    for host in hosts:
        info = infos[host]
        ha_cf = (info.get("heartbeat") or {}).get("ha_cf") or {}
        if ha_cf.get("node") and sorted(ha_cf["node"]) != sorted(names):
            report.fail("%s (%s): /etc/ha.d/ha.cf names the nodes %s, not %s" % (
                host, info["node"], ", ".join(ha_cf["node"]), ", ".join(names)))
        for res in (info.get("drbd") or {}).get("resources") or []:
            on = sorted(h for h in res["hosts"] if not h.startswith("_"))
            if on != sorted(names):
                report.fail("%s (%s): DRBD resource %s (drbdadm dump all, /etc/drbd.d) is on %s, not on %s" % (
                    host, info["node"], res["name"], ", ".join(on) or "no host", ", ".join(names)))
    first = infos[hosts[0]]
    ha_nodes = ((first.get("heartbeat") or {}).get("ha_cf") or {}).get("node")
    if ha_nodes and sorted(ha_nodes) == sorted(names):
        return list(ha_nodes)
    resources = (first.get("drbd") or {}).get("resources") or []
    if resources:
        on = [h for h in resources[0]["hosts"] if not h.startswith("_")]
        if sorted(on) == sorted(names):
            return on
    return names


# -- DRBD ------------------------------------------------------------------------

def _drbd_value(res, common, section, option):
    """(value, where) of OPTION: the resource's, else the common section's, else (None, None)."""
    if option in res.get(section, {}):
        return res[section][option], "resource"
    if option in (common or {}).get(section, {}):
        return common[section][option], "common"
    return None, None


def _drbd_resource(res, dump, nodes, report):
    """The drbd_resources item of RES (pair_info's), and the pair-wide options it sets."""
    name = res["name"]
    where = "DRBD resource %s" % name
    syncer = dict(res.get("syncer") or {})
    item = dict(name=name, minor=res.get("minor"))
    if res.get("minor") is None:
        report.fail("%s: no minor every host agrees on (device /dev/drbdN minor N)" % where)
    elif res.get("device") not in (None, "/dev/drbd%d" % res["minor"]):
        report.add("not_expressed", "%s: device %s; the collection names it /dev/drbd%d" % (
            where, res["device"], res["minor"]))
    item["disks"] = dict((node, res["hosts"][node]["disk"]) for node in nodes)
    item["port"] = res.get("port")
    if res.get("port") is None:
        report.fail("%s: no port every host agrees on (address ADDRESS:PORT)" % where)
    meta = set(res["hosts"][node]["meta_disk"] for node in nodes)
    item["meta_disk"] = meta.pop() if len(meta) == 1 else None
    if item["meta_disk"] is None or meta:
        report.add("not_expressed", "%s: the two hosts' meta-disk differ; the collection writes one" % where)
    families = set(res["hosts"][node]["family"] for node in nodes)
    if families - {"ipv4", None}:
        report.add("not_expressed", "%s: address family %s; the collection writes ipv4 addresses" % (
            where, ", ".join(sorted(f for f in families if f))))
    if res.get("volumes") or any(res["hosts"][node]["volumes"] for node in nodes):
        report.add("not_expressed", "%s: volume sections; the collection writes one volume per resource" % where)
    for (section, option), key in DRBD_RESOURCE_KEYS.items():
        value, _source = _drbd_value(res, dump.get("common"), section, option)
        if value is None and section == "disk":
            for old, (new_section, new_option) in DRBD_SYNCER.items():
                if (new_section, new_option) == (section, option) and old in syncer:
                    value = syncer.pop(old)
        if value is None and option == "protocol":
            value = res.get("protocol")
        if value is None:
            value = DRBD_BUILTIN[(section, option)]
            report.add("note", "%s: %s %s is not set on the nodes; DRBD's own default %s is written (%s)" % (
                where, section, option, value, key))
        item[key] = _number(value)
    for option in sorted(syncer):
        report.add("not_expressed", "%s: syncer %s %s" % (where, option, syncer[option]))
    for line in res.get("withheld") or []:
        report.add("not_expressed", "%s: %s (a secret, not read): the collection's resource file has none" % (
            where, line))
    return item


def _drbd_pair_options(resources, dump, report):
    """drbd_* variables of the options the collection writes the same for every resource."""
    out = {}
    for (section, option), var in sorted(DRBD_PAIR_VARS.items(), key=lambda kv: kv[1]):
        values = []
        for res in resources:
            value, _source = _drbd_value(res, dump.get("common"), section, option)
            values.append(value)
        found = set(v for v in values if v is not None)
        if len(found) > 1:
            report.add("not_expressed", "DRBD %s %s differs between resources (%s); the collection writes one "
                       "value (%s), the first resource's is exported" % (section, option, ", ".join(sorted(found)), var))
        value = values[0]
        if value is None and (section, option) in DRBD_BUILTIN:
            value = DRBD_BUILTIN[(section, option)]
            report.add("note", "DRBD %s %s is not set on the nodes; DRBD's own default %s is written (%s)" % (
                section, option, value, var))
        if value is None:
            if var == "drbd_fence_peer_handler" and out.get("drbd_fencing") == "dont-care":
                continue
            report.add("not_expressed", "DRBD handlers %s is not set on the nodes; the collection always writes "
                       "one (%s)" % (option, var))
            continue
        out[var] = value
    return out


def _drbd_other_options(resources, dump, report):
    """List every DRBD option the collection does not write, and map the split-brain handlers."""
    written = set(DRBD_RESOURCE_KEYS) | set(DRBD_PAIR_VARS)
    notify = []
    for label, sections in [("common", dump.get("common") or {})] + [
            ("resource %s" % res["name"], res) for res in resources]:
        for section in ("net", "disk", "startup", "handlers", "options"):
            for option, value in sorted((sections.get(section) or {}).items()):
                if (section, option) in written:
                    continue
                if section == "handlers" and option in ("split-brain", "initial-split-brain"):
                    if DRBD_NOTIFY.match(value):
                        continue
                    match = DRBD_NOTIFY_SCRIPT.match(value)
                    if match and option == "split-brain":
                        notify.append(match.group(1))
                        continue
                report.add("not_expressed", "DRBD %s: %s { %s %s; }" % (label, section, option, value))
    for option, value in sorted((dump.get("global_") or {}).items()):
        report.add("note", "DRBD global { %s %s; } is not the collection's: left as it is on the nodes" % (
            option, value))
    return sorted(set(notify))


# -- Heartbeat ---------------------------------------------------------------------

def _haresources(info, nodes, resources, report):
    """(preferred node, resource names in group order, {device: (mountpoint, fstype)}, cluster script, mailto)."""
    haresources = (info.get("heartbeat") or {}).get("haresources")
    if not haresources or not haresources.get("groups"):
        report.add("not_on_nodes", "no /etc/haresources group on %s: hapair_preferred_node, the filesystems and "
                   "heartbeat_mailto are not read" % info["node"])
        return None, [], {}, None, None
    groups = haresources["groups"]
    if len(groups) > 1:
        for group in groups[1:]:
            report.add("not_expressed", "haresources line %s (node %s): the collection has one resource group"
                       % (group.get("line"), group["node"]))
    group = groups[0]
    preferred = group["node"] if group["node"] in nodes else None
    if preferred is None:
        report.add("difference", "haresources names %s, not a node of the pair" % group["node"])
    names = set(res["name"] for res in resources)
    order, filesystems, scripts, mailto = [], {}, [], None
    kinds = []
    for res in group["resources"]:
        agent, args = res["agent"], res["args"]
        if agent == "hapair-guard" and len(args) == 1 and args[0] in names:
            continue
        if agent == "drbddisk" and len(args) == 1 and args[0] in names:
            order.append(args[0])
            kinds.append("drbddisk")
        elif agent == "Filesystem" and len(args) == 3:
            filesystems[args[0]] = (args[1], args[2])
            kinds.append("Filesystem")
        elif agent == "MailTo" and len(args) == 1:
            mailto = args[0]
            kinds.append("MailTo")
        elif not args and agent not in HA_KNOWN_AGENTS:
            scripts.append(agent)
            kinds.append("script")
        else:
            report.add("not_expressed", "haresources: %s (the collection's group is drbddisk, Filesystem, the "
                       "cluster script, MailTo)" % res["text"])
    if len(scripts) > 1:
        report.add("not_expressed", "haresources: several resource scripts (%s); the collection runs one, %s" % (
            ", ".join(scripts), scripts[0]))
    expected = sorted(kinds, key=["drbddisk", "Filesystem", "script", "MailTo"].index)
    if kinds != expected:
        report.add("not_expressed", "haresources: the order %s; the collection starts drbddisk, Filesystem, the "
                   "cluster script, then MailTo" % " ".join(r["text"] for r in group["resources"]))
    return preferred, order, filesystems, (scripts or [None])[0], mailto


def _ucast_paths(infos, nodes, drbd_addresses, given, report):
    """(heartbeat_paths items for the ucast lines, {node: replication interface})."""
    lines = {}
    for node in nodes:
        ha_cf = (infos[node].get("heartbeat") or {}).get("ha_cf") or {}
        lines[node] = list(ha_cf.get("ucast") or [])
    peer = {nodes[0]: nodes[1], nodes[1]: nodes[0]}
    replication, paths = {}, []
    public = dict((node, str(given[node].get("hapair_public_address") or "").split("/")[0]) for node in nodes)
    public_if = dict((node, given[node].get("hapair_public_interface")) for node in nodes)
    # A ucast to the node's own address is one Heartbeat ignores: what lets
    # one ha.cf, with a line for each node, serve both nodes.
    own = dict((node, set(a for a in (drbd_addresses.get(node), public[node]) if a)) for node in nodes)
    matched = dict((node, [line for line in lines[node] if line["address"] in own[node]]) for node in nodes)
    if any(matched.values()):
        report.add("note", "Heartbeat ucast lines to the node's own address (%s) are ignored by Heartbeat and "
                   "not exported" % "; ".join("%s: %s" % (node, " ".join("%s %s" % (line["interface"], line["address"])
                                                                         for line in matched[node]))
                                              for node in nodes if matched[node]))
    # the replication link: the ucast to the peer's DRBD address
    for node in nodes:
        for line in lines[node]:
            if line["address"] == drbd_addresses.get(peer[node]):
                replication[node] = line["interface"]
                matched[node].append(line)
    if replication:
        paths.append(dict(type="ucast", network="replication"))
        if len(replication) == 1:
            report.add("difference", "only %s has a Heartbeat ucast over the replication link" % list(replication)[0])
    if all(public.values()) and all(public_if.values()):
        found = [line for node in nodes for line in lines[node]
                 if line not in matched[node] and line["address"] == public[peer[node]]
                 and line["interface"] == public_if[node]]
        if found:
            paths.append(dict(type="ucast", network="public"))
            for node in nodes:
                matched[node] += [line for line in lines[node] if line in found]
    rest = dict((node, [line for line in lines[node] if line not in matched[node]]) for node in nodes)
    while rest[nodes[0]] or rest[nodes[1]]:
        a = rest[nodes[0]].pop(0) if rest[nodes[0]] else None
        b = rest[nodes[1]].pop(0) if rest[nodes[1]] else None
        if a and b and a["interface"] == b["interface"]:
            paths.append(dict(type="ucast", interface=a["interface"],
                              addresses={nodes[0]: b["address"], nodes[1]: a["address"]}))
        else:
            report.add("not_expressed", "Heartbeat ucast lines that do not pair up (%s: %s; %s: %s): the "
                       "collection's path has one interface and each node's address" % (
                           nodes[0], a and "%s %s" % (a["interface"], a["address"]),
                           nodes[1], b and "%s %s" % (b["interface"], b["address"])))
    return paths, replication


def _heartbeat(infos, nodes, drbd_addresses, given, report):
    """heartbeat_* variables, and each node's replication interface, from ha.cf."""
    ha_cf = (infos[nodes[0]].get("heartbeat") or {}).get("ha_cf")
    other = (infos[nodes[1]].get("heartbeat") or {}).get("ha_cf")
    out = {}
    if ha_cf is None:
        report.add("not_on_nodes", "%s has no /etc/ha.d/ha.cf: Heartbeat's settings are not read" % nodes[0])
        return out, {}
    _disagree(report, nodes, "/etc/ha.d/ha.cf", _without(ha_cf, "ucast"), _without(other, "ucast"))
    for directive, var in HA_TIMES:
        value = ha_cf["seconds"].get(directive)
        if value is None:
            report.add("not_expressed", "ha.cf sets no %s (Heartbeat's own default applies); the collection "
                       "writes %s" % (directive, var))
        else:
            out[var] = _seconds(value)
    if "udpport" in ha_cf:
        out["heartbeat_udpport"] = _number(ha_cf["udpport"])
    if "logfacility" in ha_cf:
        out["heartbeat_logfacility"] = ha_cf["logfacility"]
    failback = str(ha_cf.get("auto_failback", "")).lower()
    if failback in ("on", "yes", "true", "1", "off", "no", "false", "0"):
        out["heartbeat_auto_failback"] = failback in ("on", "yes", "true", "1")
    else:
        report.add("not_expressed", "ha.cf auto_failback %s; the collection writes on or off "
                   "(heartbeat_auto_failback)" % (ha_cf.get("auto_failback") or "not set (legacy)"))
    crm = str(ha_cf.get("crm", "no")).lower()
    if crm not in ("no", "off", "false"):
        report.add("not_expressed", "ha.cf crm %s: the collection runs Heartbeat v1 (haresources), crm no" % crm)
    paths, replication = _ucast_paths(infos, nodes, drbd_addresses, given, report)
    for port in ha_cf.get("serial") or []:
        paths.append(dict(type="serial", port=port))
    if ha_cf.get("serial"):
        out["heartbeat_baud"] = _number(ha_cf.get("baud", "19200"))
    out["heartbeat_paths"] = paths
    if len(paths) < 2:
        report.add("problem", "Heartbeat has %d path(s) between the nodes; the collection needs two independent "
                   "ones (heartbeat_paths)" % len(paths))
    dopd = [r for r in ha_cf.get("respawn") or [] if r["command"].split()[0].endswith("/dopd")]
    out["heartbeat_dopd"] = bool(dopd)
    if dopd and dopd[0]["command"] != HA_DOPD_WRAPPER:
        out["heartbeat_dopd_path"] = dopd[0]["command"]
    for item in ha_cf.get("respawn") or []:
        if item not in dopd:
            report.add("not_expressed", "ha.cf respawn %s %s" % (item["user"], item["command"]))
    for item in ha_cf.get("apiauth") or []:
        if not (dopd and item["client"] == "dopd"):
            report.add("not_expressed", "ha.cf apiauth %s %s" % (item["client"], item["spec"]))
    for directive in sorted(set(ha_cf) - HA_KNOWN):
        report.add("not_expressed", "ha.cf %s %s" % (directive, ha_cf[directive]))
    return out, replication


def _authkeys(infos, nodes, report):
    """Compare both nodes' authkeys (metadata only); the variable that keeps them."""
    meta = dict((node, (infos[node].get("heartbeat") or {}).get("authkeys")) for node in nodes)
    present = [node for node in nodes if meta[node]]
    if not present:
        report.add("note", "no node has /etc/ha.d/authkeys: the heartbeat role makes one")
        return {}
    for node in nodes:
        if not meta[node]:
            report.add("problem", "%s has no /etc/ha.d/authkeys; copy %s's (mode 0600) before site.yml" % (
                node, present[0]))
    if len(present) == 2 and meta[nodes[0]]["sha256"] != meta[nodes[1]]["sha256"]:
        report.add("problem", "/etc/ha.d/authkeys differs between %s and %s (sha256 %s, %s): copy the one in use "
                   "to the other node (mode 0600); the heartbeat role stops until they are the same" % (
                       nodes[0], nodes[1], meta[nodes[0]]["sha256"][:12], meta[nodes[1]]["sha256"][:12]))
    for node in present:
        m = meta[node]
        if m.get("mode") not in (None, "0600") or m.get("owner") not in (None, "root"):
            report.add("note", "%s: /etc/ha.d/authkeys is mode %s, owner %s: the heartbeat role makes it 0600 root"
                       % (node, m.get("mode"), m.get("owner")))
        if m.get("method") == "crc":
            report.add("note", "%s: authkeys uses crc, which authenticates nothing; kept as it is" % node)
    return {"heartbeat_authkeys_keep": True}


# -- Csync2 ------------------------------------------------------------------------

def _csync2(infos, nodes, report):
    """csync2_* variables from csync2.cfg; the keys compared by fingerprint."""
    cfg = infos[nodes[0]].get("csync2")
    if cfg is None:
        report.add("not_on_nodes", "%s has no /etc/csync2.cfg: csync2_group_name must be set by hand" % nodes[0])
        return {}
    other = infos[nodes[1]].get("csync2")
    _disagree(report, nodes, "/etc/csync2.cfg", _without(cfg, "keys"), _without(other, "keys"))
    groups = [g for g in cfg["groups"].values() if sorted(g["hosts"]) == sorted(nodes)]
    for group in cfg["groups"].values():
        if not groups or group is not groups[0]:
            report.add("not_expressed", "csync2 group %s (hosts %s): the collection writes one group, for the "
                       "pair's two nodes" % (group["name"], " ".join(group["hosts"])))
    for pair in cfg.get("nossl") or []:
        report.add("not_expressed", "csync2 nossl %s %s" % tuple(pair))
    for key, value in sorted((cfg.get("settings") or {}).items()):
        report.add("not_expressed", "csync2 %s %s" % (key, value))
    if not groups:
        report.add("not_on_nodes", "no csync2 group has the hosts %s: csync2_group_name must be set by hand"
                   % " ".join(nodes))
        return {}
    group = groups[0]
    out = dict(csync2_group_name=group["name"])
    if group["key"]:
        out["csync2_key_path"] = group["key"]
        keys = [(infos[node].get("csync2") or {}).get("keys", {}).get(group["key"]) for node in nodes]
        for node, key in zip(nodes, keys):
            if not key:
                report.add("problem", "%s has no Csync2 key %s; copy the other node's (mode 0600) before site.yml"
                           % (node, group["key"]))
        if all(keys) and keys[0]["sha256"] != keys[1]["sha256"]:
            report.add("problem", "the Csync2 key %s differs between %s and %s (sha256 %s, %s): copy the one in "
                       "use to the other node; the csync2 role stops until they are the same" % (
                           group["key"], nodes[0], nodes[1], keys[0]["sha256"][:12], keys[1]["sha256"][:12]))
    else:
        report.add("not_expressed", "csync2 group %s has no key; the collection always uses one" % group["name"])
    out["csync2_includes"] = list(group["include"])
    out["csync2_excludes"] = list(group["exclude"])
    actions = group.get("action") or []
    action = actions[0] if actions else dict(pattern=[], exec=[], logfile=None, do_local=False, do_local_only=False)
    for extra in actions[1:]:
        report.add("not_expressed", "csync2 group %s: a second action section %r" % (group["name"], extra))
    if action.get("do_local_only"):
        report.add("not_expressed", "csync2 group %s: do-local-only" % group["name"])
    out["csync2_action_logfile"] = action.get("logfile") or ""
    out["csync2_action_do_local"] = bool(action.get("do_local"))
    out["csync2_action_exec"] = list(action.get("exec") or [])
    out["csync2_action_patterns"] = list(action.get("pattern") or [])
    out["csync2_backup_directory"] = group.get("backup_directory") or ""
    if group.get("backup_directory"):
        if group.get("backup_generations") is None:
            report.add("not_expressed", "csync2 group %s: backup-directory without backup-generations; the "
                       "collection writes csync2_backup_generations" % group["name"])
        else:
            out["csync2_backup_generations"] = group["backup_generations"]
    # csync2 2.0 resolves no conflict unless told: auto none
    out["csync2_auto"] = group.get("auto") or "none"
    return out


# -- Mon and the guests ----------------------------------------------------------------

def _mon_settings(mon, report):
    """mon_* variables from mon.cf's globals."""
    out = {}
    settings = mon.get("settings") or {}
    for key, (var, kind) in sorted(MON_GLOBALS.items()):
        if key not in settings:
            if key in MON_OPTIONAL:
                out[var] = ""
            else:
                report.add("not_expressed", "mon.cf sets no %s (Mon's own default applies); the collection writes "
                           "%s" % (key, var))
            continue
        value = settings[key]
        if kind == "bool":
            value = str(value).lower() in ("yes", "1", "true", "on")
        elif kind == "int":
            value = _number(value)
        out[var] = value
    for key in sorted(set(settings) - set(MON_GLOBALS)):
        report.add("not_expressed", "mon.cf %s = %s" % (key, settings[key]))
    return out


def _mon_alert(text, what, report):
    """(alert, failover flag, subject, recipients) of an alert line's text; None when not understood."""
    try:
        words = shlex.split(text)
    except ValueError:
        words = []
    if not words:
        report.add("not_expressed", "%s: alert %s not understood" % (what, text))
        return None
    alert, rest = words[0], words[1:]
    failover, subject, recipients = False, None, []
    while rest:
        word = rest.pop(0)
        if word == "-F":
            failover = True
        elif word == "-S" and rest:
            subject = rest.pop(0)
        elif word.startswith("-"):
            report.add("not_expressed", "%s: alert argument %s (the collection passes -F, -S and recipients)"
                       % (what, word))
        else:
            recipients.append(word)
    return alert, failover, subject, recipients


def _mon_service(guest, name, svc, report):
    """A hapair_guests service from a mon.cf service."""
    what = "mon.cf watch of %s, service %s" % (guest, name)
    out = dict(service=name)
    for key in MON_SERVICE_KEYS:
        if key in svc:
            out[key] = svc[key]
    for key in sorted(set(svc) - set(MON_SERVICE_KEYS) - {"env", "periods"}):
        report.add("not_expressed", "%s: %s %s" % (what, key, svc[key]))
    for key in sorted(svc.get("env") or {}):
        report.add("not_expressed", "%s: %s=%s" % (what, key, svc["env"][key]))
    periods = svc.get("periods") or []
    if not periods:
        report.add("not_expressed", "%s: no period (the collection always writes one)" % what)
        return out
    for extra in periods[1:]:
        report.add("not_expressed", "%s: a second period %s" % (what, extra["period"]))
    period = periods[0]
    if period.get("label"):
        report.add("not_expressed", "%s: period label %s" % (what, period["label"]))
    out["period"] = period["period"]
    alerts = [_mon_alert(text, what, report) for text in period.get("alert") or []]
    upalerts = [_mon_alert(text, what, report) for text in period.get("upalert") or []]
    alerts, upalerts = [a for a in alerts if a], [a for a in upalerts if a]
    for extra in alerts[1:] + upalerts[1:]:
        report.add("not_expressed", "%s: more than one alert or upalert (%s)" % (what, extra[0]))
    if alerts:
        alert, failover, subject, recipients = alerts[0]
        out["alert"] = alert
        if subject is not None:
            out["alert_subject"] = subject
        out["recipients"] = recipients
        if alert == FAILOVER_ALERT and not failover:
            out["failover"] = False
            report.add("note", "%s: %s without -F: exported with failover: false (the collection's alert then "
                       "only mails); set failover: true to have the group move" % (what, FAILOVER_ALERT))
        elif failover and alert != FAILOVER_ALERT:
            report.add("not_expressed", "%s: -F given to %s" % (what, alert))
    else:
        report.add("not_expressed", "%s: no alert (the collection always writes one)" % what)
    if upalerts:
        upalert, _failover, subject, recipients = upalerts[0]
        out["upalert"] = upalert
        if subject is not None:
            out["upalert_subject"] = subject
        if alerts and recipients != out.get("recipients"):
            report.add("not_expressed", "%s: the upalert goes to %s, the alert to %s; the collection sends both "
                       "to recipients" % (what, " ".join(recipients), " ".join(out.get("recipients") or [])))
    else:
        report.add("not_expressed", "%s: no upalert (the collection always writes one)" % what)
    for key in ("alertevery", "alertafter"):
        if key in period:
            out[key] = _number(period[key])
    if "alertevery" not in period:
        out["alertevery"] = ""
    if "alertafter" not in period and out.get("alert") == FAILOVER_ALERT and out.get("failover", True):
        report.add("not_expressed", "%s: no alertafter; with the group's moves the collection writes alertafter 3"
                   % what)
    for key in sorted(set(period) - {"label", "period", "alert", "upalert", "alertevery", "alertafter"}):
        if period[key]:
            report.add("not_expressed", "%s: %s %s" % (what, key, period[key]))
    return out


def _mon_guests(mon, names, report):
    """{guest: {'services': [...], 'fqdn': host}} of the watches that are a guest's."""
    out = {}
    hostgroups = mon.get("hostgroups") or {}
    for watch, body in (mon.get("watches") or {}).items():
        hosts = hostgroups.get(watch) or []
        guest = None
        for candidate in (watch[len("vserver_"):] if watch.startswith("vserver_") else None, watch):
            if candidate in names:
                guest = candidate
                break
        if guest is None and len(hosts) == 1 and hosts[0].split(".")[0] in names:
            guest = hosts[0].split(".")[0]
        if guest is None:
            report.add("not_expressed", "mon.cf watch %s (%s): not one guest's; the collection watches only the "
                       "guests' services" % (watch, " ".join(hosts) or "no hostgroup"))
            continue
        entry = out.setdefault(guest, dict(services=[], fqdn=None))
        if len(hosts) != 1:
            report.add("not_expressed", "mon.cf hostgroup %s: %s; the collection watches one host per guest" % (
                watch, " ".join(hosts) or "none"))
        elif re.match(r"^[0-9.]+$|:", hosts[0]):
            report.add("not_expressed", "mon.cf hostgroup %s watches the address %s; the collection watches "
                       "the guest's name (hostname.domain)" % (watch, hosts[0]))
        else:
            entry["fqdn"] = hosts[0]
        for name, svc in body["services"].items():
            entry["services"].append(_mon_service(guest, name, svc, report))
    return out


def _nspawn_guest(name, unit, report):
    """The fields of guest NAME its .nspawn file says."""
    out = {}
    where = "/etc/systemd/nspawn/%s.nspawn" % name
    expected = {("Exec", "Boot"): ["yes"], ("Files", "PrivateUsersOwnership"): ["chown"],
                ("Network", "Private"): ["yes"], ("Network", "VirtualEthernet"): ["yes"]}
    for section, keys in sorted(unit.items()):
        for key, values in sorted(keys.items()):
            if (section, key) in expected:
                if values != expected[(section, key)]:
                    report.add("not_expressed", "%s: %s=%s" % (where, key, ",".join(values)))
            elif (section, key) == ("Exec", "PrivateUsers"):
                value = values[-1]
                match = re.match(r"^([0-9]+):65536$", value)
                if value in ("no", "false", "0", "off"):
                    out["private_users"] = False
                elif match and int(match.group(1)) != uid_base(name):
                    out["uid_base"] = int(match.group(1))
                elif not match:
                    report.add("not_expressed", "%s: PrivateUsers=%s (the collection gives each guest a fixed "
                               "range of 65536)" % (where, value))
            elif (section, key) == ("Exec", "Capability"):
                try:
                    out["capabilities"] = normalize_capabilities(" ".join(values).split())
                except ValueError as exc:
                    report.add("not_expressed", "%s: %s" % (where, exc))
            else:
                report.add("not_expressed", "%s: [%s] %s=%s" % (where, section, key, ",".join(values)))
    if ("Network", "Private") not in [(s, k) for s in unit for k in unit[s]]:
        report.add("not_expressed", "%s: no private network; the collection gives each guest its own (routed)"
                   % where)
    return out


def _guests(infos, nodes, given_pair, report):
    """(hapair_guests, hapair_guest_defaults) from the nspawn files and mon.cf, with the inventory's addresses."""
    units = infos[nodes[0]].get("nspawn") or {}
    _disagree(report, nodes, "/etc/systemd/nspawn", units, infos[nodes[1]].get("nspawn") or {})
    names = sorted(set(units) | set(infos[nodes[1]].get("nspawn") or {}))
    mon = infos[nodes[0]].get("mon")
    watched = _mon_guests(mon, set(names), report) if mon else {}
    given_guests = [g for g in given_pair.get("hapair_guests") or [] if isinstance(g, Mapping) and g.get("name")]
    given_by_name = dict((g["name"], g) for g in given_guests)
    defaults = dict(given_pair.get("hapair_guest_defaults") or {})
    effective = dict(GUEST_BUILTIN_DEFAULTS)
    effective.update(defaults)
    if given_guests:
        order = [g["name"] for g in given_guests if g["name"] in names]
        for g in given_guests:
            if g["name"] not in names:
                report.add("difference", "guest %s is in the inventory's hapair_guests but has no .nspawn file on "
                           "the nodes; not exported" % g["name"])
    else:
        order = []
    unordered = [name for name in names if name not in order]
    if unordered:
        report.add("not_on_nodes", "the guests' start order is not on the nodes (pair_info does not read the "
                   "cluster script): %s %s in alphabetical order; put hapair_guests in your cluster script's order"
                   % (", ".join(unordered), "is" if len(unordered) == 1 else "are"))
    guests = []
    for name in order + unordered:
        guest = dict(name=name)
        given = dict(given_by_name.get(name) or {})
        read = _nspawn_guest(name, units.get(name) or infos[nodes[1]]["nspawn"].get(name) or {}, report)
        mon_entry = watched.get(name) or dict(services=[], fqdn=None)
        if mon_entry["fqdn"]:
            hostname, _dot, domain = mon_entry["fqdn"].partition(".")
            if hostname != name:
                read["hostname"] = hostname
            read["domain"] = domain
        if mon_entry["services"]:
            read["services"] = mon_entry["services"]
        for key in ("address", "interface", "gateway", "hostname", "domain", "suite", "mirror"):
            if key in given and key not in read:
                guest[key] = given[key]
        for key, value in read.items():
            if key in given and given[key] != value and key != "services":
                report.add("difference", "guest %s: the inventory says %s: %r, the nodes %r; the nodes' value is "
                           "exported" % (name, key, given[key], value))
            if key in ("domain", "capabilities") and value == effective.get(key) and key not in given:
                continue
            guest[key] = value
        if not guest.get("address"):
            report.add("not_on_nodes", "guest %s: its address (hapair_guests address, ADDRESS/PREFIX) is not read "
                       "on the nodes; set it" % name)
        guests.append(guest)
    if not names:
        report.add("not_on_nodes", "no guest: no .nspawn file in /etc/systemd/nspawn on %s" % nodes[0])
    for key in ("suite", "mirror"):
        if key not in defaults and not all(key in g for g in guests):
            report.add("not_on_nodes", "the guests' %s is not on the nodes; the collection's default %s is used to "
                       "build a missing guest (hapair_guest_defaults)" % (key, GUEST_BUILTIN_DEFAULTS[key]))
    return guests, defaults


# -- putting it together ----------------------------------------------------------------

def _given(inventory, hosts):
    """{host: {var: value}} of the inventory's collection and connection variables, never a secret."""
    out = {}
    for host in hosts:
        values = {}
        for key, value in dict((inventory or {}).get(host) or {}).items():
            if _is_secret_var(key) and key not in ("ansible_ssh_private_key_file",):
                continue
            if key in CONNECTION_VARS or _file_of(key):
                values[key] = value
        out[host] = values
    return out


def _check_unread(infos, nodes, report):
    for node in nodes:
        info = infos[node]
        for item in info.get("unread") or []:
            report.add("unread", "%s: %s line %s: %s (%s)" % (
                node, item.get("file"), item.get("line"), item.get("text"), item.get("reason")))
        for path in info.get("missing") or []:
            report.add("missing", "%s: %s" % (node, path))


def export_pair(results, inventory, group, hosts, when=""):
    """The exported inventory of the pair HOSTS (two inventory hostnames of GROUP).

    RESULTS maps each host to its registered pair_info result; INVENTORY
    maps each host to the variables the inventory gives it (only connection
    and collection variables are kept, never a password). Returns a dict:
    group, nodes (their uname -n, in Heartbeat's order), problems (the
    export stops: no coherent inventory), issues (each {section, text}, see
    SECTIONS), variables ({pair: {...}, nodes: {node: {...}}}), files (each
    {path, content}, relative to the export folder), not_exported (the text
    of NOT_EXPORTED.md) and summary (lines for the play's end).
    """
    report = Report()
    hosts = list(hosts or [])
    out = dict(group=group, nodes=[], problems=report.problems, issues=report.issues, variables={}, files=[],
               not_exported="", summary=[])
    if len(hosts) != 2 or len(set(hosts)) != 2:
        report.fail("group %s has %d host(s) (%s): a pair group has exactly two" % (
            group, len(hosts), ", ".join(hosts) or "none"))
        return _finish(out, report)
    infos = {}
    for host in hosts:
        info = _info_of(host, (results or {}).get(host), report)
        if info is not None:
            infos[host] = info
    if report.problems:
        return _finish(out, report)
    given_by_host = _given(inventory, hosts)
    nodes = _pair_nodes(infos, hosts, report)
    for host in hosts:
        if not ((infos[host].get("drbd") or {}).get("resources")):
            report.fail("%s (%s): no DRBD resource (drbdadm dump all%s)" % (
                host, infos[host]["node"], "" if infos[host]["drbd"].get("drbdadm") else ": drbdadm is not installed"))
    if report.problems:
        return _finish(out, report)
    host_of = dict((infos[host]["node"], host) for host in hosts)
    infos = dict((infos[host]["node"], infos[host]) for host in hosts)
    given = dict((node, given_by_host[host_of[node]]) for node in nodes)
    out["nodes"] = nodes
    _check_unread(infos, nodes, report)

    pair = dict(hapair_nodes=list(nodes))
    dump = infos[nodes[0]]["drbd"]
    _disagree(report, nodes, "DRBD's configuration (drbdadm dump all)", _without(dump, "drbdadm", "mounts"),
              _without(infos[nodes[1]]["drbd"], "drbdadm", "mounts"))
    _disagree(report, nodes, "/etc/ha.d/haresources", (infos[nodes[0]].get("heartbeat") or {}).get("haresources"),
              (infos[nodes[1]].get("heartbeat") or {}).get("haresources"))
    _disagree(report, nodes, "/etc/mon/mon.cf", infos[nodes[0]].get("mon"), infos[nodes[1]].get("mon"))
    resources = dump["resources"]
    preferred, order, filesystems, script, mailto = _haresources(infos[nodes[0]], nodes, resources, report)
    if preferred:
        pair["hapair_preferred_node"] = preferred
    by_name = dict((res["name"], res) for res in resources)
    ordered = [by_name[name] for name in order] + [res for res in resources if res["name"] not in order]
    for res in ordered[len(order):] if order else []:
        report.add("not_expressed", "DRBD resource %s is not in the haresources group; the collection puts every "
                   "resource in it" % res["name"])
    items = []
    for res in ordered:
        item = _drbd_resource(res, dump, nodes, report)
        device = "/dev/drbd%s" % item["minor"]
        mounted = [m for node in nodes for m in (infos[node]["drbd"].get("mounts") or {}).get(device, [])]
        if device in filesystems or res.get("device") in filesystems:
            item["mountpoint"], item["fstype"] = filesystems.get(device) or filesystems[res["device"]]
        elif mounted:
            item["mountpoint"], item["fstype"] = mounted[0]["mountpoint"], mounted[0]["fstype"]
            report.add("note", "DRBD resource %s: no Filesystem in haresources; its mount (%s, %s) is exported"
                       % (res["name"], item["mountpoint"], item["fstype"]))
        else:
            report.add("not_on_nodes", "DRBD resource %s: its mountpoint and fstype (neither in haresources nor "
                       "mounted); set them" % res["name"])
        items.append(item)
    drbd = dict(drbd_resources=items)
    drbd.update(_drbd_pair_options(resources, dump, report))
    notify = _drbd_other_options(resources, dump, report)
    if len(notify) == 1:
        drbd["drbd_notify_address"] = notify[0]
    drbd_addresses = dict((node, resources[0]["hosts"][node]["address"]) for node in nodes)
    for res in resources[1:]:
        for node in nodes:
            if res["hosts"][node]["address"] != drbd_addresses[node]:
                report.add("not_expressed", "DRBD resource %s: %s replicates over %s, not %s like %s; the "
                           "collection uses one replication address per node" % (
                               res["name"], node, res["hosts"][node]["address"], drbd_addresses[node],
                               resources[0]["name"]))

    heartbeat, replication = _heartbeat(infos, nodes, drbd_addresses, given, report)
    if mailto is not None:
        heartbeat["heartbeat_mailto"] = mailto
    elif (infos[nodes[0]].get("heartbeat") or {}).get("haresources"):
        heartbeat["heartbeat_mailto"] = ""
    if script:
        heartbeat["heartbeat_cluster_script_name"] = script
        report.add("note", "the resource script /etc/ha.d/resource.d/%s and the guests' hooks are not read: the "
                   "collection writes its own (heartbeat_guest_stop_timeout, heartbeat_guests_start_together, "
                   "heartbeat_send_arp_*)" % script)
    heartbeat.update(_authkeys(infos, nodes, report))
    csync2 = _csync2(infos, nodes, report)
    mon = {}
    if infos[nodes[0]].get("mon") is not None:
        mon = _mon_settings(infos[nodes[0]]["mon"], report)
    else:
        report.add("not_on_nodes", "%s has no /etc/mon/mon.cf: no guest service is watched" % nodes[0])
    guests, guest_defaults = _guests(infos, nodes, given[nodes[0]], report)
    guest_vars = {}
    if guest_defaults:
        guest_vars["hapair_guest_defaults"] = guest_defaults
    guest_vars["hapair_guests"] = guests

    node_vars = {}
    for node in nodes:
        values = {}
        source = host_of[node]
        for key in CONNECTION_VARS:
            if key in given[node]:
                values[key] = given[node][key]
        if source != node and "ansible_host" not in values:
            values["ansible_host"] = source
            report.add("note", "inventory host %s is the node %s (uname -n): exported as %s, reached at %s" % (
                source, node, node, source))
        values["hapair_replication_address"] = drbd_addresses[node]
        if node in replication:
            values["hapair_replication_interface"] = replication[node]
        elif given[node].get("hapair_replication_interface"):
            values["hapair_replication_interface"] = given[node]["hapair_replication_interface"]
        else:
            report.add("not_on_nodes", "%s: hapair_replication_interface (no Heartbeat ucast over the replication "
                       "link names it); set it" % node)
        for key in ("hapair_public_interface", "hapair_public_address"):
            if given[node].get(key):
                values[key] = given[node][key]
        for key in NODE_VARS:
            if key in given[node] and key in values and given[node][key] != values[key]:
                report.add("difference", "%s: the inventory says %s: %r, the nodes %r; the nodes' value is "
                           "exported" % (node, key, given[node][key], values[key]))
        node_vars[node] = values

    files = dict(pair=pair, drbd=drbd, heartbeat=heartbeat, csync2=csync2, mon=mon, guests=guest_vars)
    # what the inventory sets that the nodes do not tell: kept; what it sets otherwise: listed
    for key, value in sorted(given[nodes[0]].items()):
        name = _file_of(key)
        if name is None or key in NODE_VARS:
            continue
        if key in ("hapair_guests", "hapair_guest_defaults"):
            continue
        if given[nodes[1]].get(key) != value:
            report.add("difference", "the inventory gives %s different values on %s and %s" % (key, nodes[0], nodes[1]))
        if key in files[name]:
            if files[name][key] != value:
                report.add("difference", "the inventory says %s: %r, the nodes %r; the nodes' value is exported" % (
                    key, value, files[name][key]))
            continue
        if key == "heartbeat_preferred_node" and "hapair_preferred_node" in pair:
            continue
        files[name][key] = value
    out["variables"] = dict(pair=dict((k, v) for name in GROUP_FILES for k, v in files[name].items()),
                            nodes=node_vars)
    out["files"] = _files(group, nodes, host_of, when, files, node_vars)
    _check_as_validate_would(out["variables"], nodes, report)
    return _finish(out, report)


def _check_as_validate_would(variables, nodes, report):
    """What validate.yml would refuse in the exported inventory: the pair as it
    runs, judged by the collection's rules (site.yml would stop before any
    host), each listed as a problem to fix before the take-over."""
    hostvars = dict((node, dict(variables["pair"], hapair_nodes=list(nodes), **variables["nodes"][node]))
                    for node in nodes)
    for text in pair_problems(hostvars, nodes[0]):
        report.add("problem", "site.yml would refuse the exported inventory: %s" % text)


def _files(group, nodes, host_of, when, files, node_vars):
    """The exported inventory's files: {path, content}."""
    sources = " and ".join(node if host_of[node] == node else "%s (inventory host %s)" % (node, host_of[node])
                           for node in nodes)
    header = HEADER % (sources, when or "an unrecorded date")
    comments = dict(
        pair="# The pair's nodes (their uname -n) and the node that holds the group (haresources).\n",
        drbd="# DRBD, from drbdadm dump all (and the haresources Filesystem lines).\n",
        heartbeat="# Heartbeat, from ha.cf and haresources.\n" + SECRET_HEARTBEAT,
        csync2="# Csync2, from csync2.cfg.\n" + SECRET_CSYNC2,
        mon="# Mon's settings, from mon.cf (the watches are the guests' services).\n",
        guests="# The guests: their .nspawn files and Mon's watches; what the nodes do not\n"
               "# hold (addresses, order, suite) comes from the inventory the export ran on.\n",
    )
    out = [dict(path="hosts.yml", content="---\n" + header + "# One group per pair, a child of hapair_pairs.\n"
                + _yaml({"all": {"children": {"hapair_pairs": {"children": {
                    group: {"hosts": dict((node, None) for node in nodes)}}}}}}).replace(": null\n", ":\n"))]
    for name in GROUP_FILES:
        if not files[name]:
            continue
        out.append(dict(path="group_vars/%s/%s.yml" % (group, name),
                        content="---\n" + header + comments[name] + _yaml(files[name])))
    for node in nodes:
        out.append(dict(path="host_vars/%s.yml" % node,
                        content="---\n" + header + "# Node %s: its connection, and its addresses.\n" % node
                        + _yaml(node_vars[node])))
    return out


def _finish(out, report):
    """Fill not_exported and summary from the report."""
    nodes = out["nodes"] or []
    lines = ["# What the export of %s did not write" % (out["group"] or "the pair"), ""]
    if nodes:
        lines += ["Nodes: %s. Nothing below was guessed: each item needs a decision before site.yml runs." % (
            ", ".join(nodes)), ""]
    lines += ["Secrets: Heartbeat's authkeys and the Csync2 key were neither read nor written. The exported "
              "inventory keeps them on the nodes (heartbeat_authkeys_keep: true; csync2_key_path names the "
              "existing key).", ""]
    summary = []
    if out["problems"]:
        lines += ["## The export failed", ""] + ["- %s" % p for p in out["problems"]] + [""]
        summary += ["EXPORT FAILED: %s" % p for p in out["problems"]]
    for key, title in SECTIONS:
        items = [i["text"] for i in report.issues if i["section"] == key]
        if not items:
            continue
        lines += ["## %s" % title, ""] + ["- %s" % text for text in items] + [""]
        summary.append("%s: %d" % (title, len(items)))
        summary += ["  - %s" % text for text in items if key in ("problem", "difference", "not_on_nodes")]
    if not report.issues and not out["problems"]:
        lines += ["Nothing: every setting read maps to a variable of the collection.", ""]
    out["not_exported"] = "\n".join(lines)
    out["summary"] = summary or ["Everything read was exported."]
    return out


# -- the group ------------------------------------------------------------------------

def export_hosts(groups, group=None):
    """(group, its two hosts) to export, from the inventory's GROUPS (group -> hosts).

    GROUP names it; without it, the one group below hapair_pairs, else the one
    group of the inventory that holds exactly two hosts. Raises ValueError
    with the reason when there is none, or several.
    """
    groups = dict(groups or {})
    if group:
        if group not in groups:
            raise ValueError("export_group=%s is not a group of the inventory (%s)" % (
                group, ", ".join(sorted(g for g in groups if g not in ("all", "ungrouped")))))
        hosts = list(groups[group])
        if len(hosts) != 2:
            raise ValueError("group %s has %d host(s) (%s): a pair group has exactly two" % (
                group, len(hosts), ", ".join(hosts) or "none"))
        return group, hosts
    pairs = set(groups.get("hapair_pairs") or [])
    candidates = [name for name, hosts in sorted(groups.items())
                  if name not in ("all", "ungrouped", "hapair_pairs") and len(hosts) == 2
                  and (not pairs or set(hosts) <= pairs)]
    if len(candidates) != 1:
        raise ValueError("%s; name the pair's group with -e export_group=NAME" % (
            "several groups of two hosts: %s" % ", ".join(candidates) if candidates
            else "no group of the inventory holds exactly two hosts"))
    return candidates[0], list(groups[candidates[0]])
