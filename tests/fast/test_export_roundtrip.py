"""Export round trip: inventories/apollo, rendered, read back as a node built by
hand would be read, exported, gives apollo's variables and the same files.

The nodes are the files render.yml writes for apollo12 and apollo13. They are
read by the parsers module pair_info uses (module_utils/pair_read.py); only
what needs a live node is made up: `drbdadm dump all` is the rendered
resource file parsed by the same parser (its syntax is dump's), the DRBD
states are Connected UpToDate/UpToDate, the mounts are /srv on the first node.
"""
import glob
import os

import yaml

from ansible_collections.hapair.cluster.plugins.module_utils import pair_read
from ansible_collections.hapair.cluster.plugins.plugin_utils import pair_export
from ansible_collections.hapair.cluster.plugins.plugin_utils.pair_model import (
    normalize_guests,
    normalize_resources,
    role_defaults,
)
from fasttools import APOLLO, run_playbook

NODES = ("apollo12", "apollo13")


def text(root, node, path):
    full = os.path.join(str(root), node, path.lstrip("/"))
    if not os.path.exists(full):
        return None
    with open(full, encoding="utf-8") as handle:
        return handle.read()


def parse(root, node, parser, path, unread):
    content = text(root, node, path)
    if content is None:
        return None
    data, found = parser(content, path)
    unread.extend(found)
    return data


def node_info(root, node):
    """What pair_info would return on NODE, read from its rendered files."""
    unread = []
    dump = dict(global_={}, common={}, resources=[], withheld=[])
    for path in sorted(glob.glob(os.path.join(str(root), node, "etc/drbd.d/*.res"))):
        part, found = pair_read.parse_drbd_dump(open(path, encoding="utf-8").read(), "drbdadm dump all")
        unread.extend(found)
        dump["common"] = part["common"]
        dump["resources"] += part["resources"]
    drbd = dict(drbdadm="/usr/sbin/drbdadm", mounts={}, **dump)
    drbd["mounts"] = dict(("/dev/drbd%s" % res["minor"], [dict(mountpoint="/srv", fstype="ext3", options="rw")]
                           if node == NODES[0] else []) for res in dump["resources"])
    states = dict((res["name"], dict(configured=True, role="Primary" if node == NODES[0] else "Secondary",
                                     peer_role="Secondary" if node == NODES[0] else "Primary",
                                     cstate="Connected", replication="Connected", disk="UpToDate",
                                     peer_disk="UpToDate", sync_progress=None)) for res in dump["resources"])
    authkeys, found = pair_read.parse_authkeys_meta(text(root, node, "/etc/ha.d/authkeys"))
    unread.extend(found)
    authkeys.update(mode="0600", owner="root", group="root")
    csync2 = parse(root, node, pair_read.parse_csync2_cfg, "/etc/csync2.cfg", unread)
    csync2["keys"] = dict((group["key"], dict(mode="0600", owner="root", group="root",
                                              sha256=pair_read.fingerprint(text(root, node, group["key"]))))
                          for group in csync2["groups"].values())
    nspawn = {}
    for path in sorted(glob.glob(os.path.join(str(root), node, "etc/systemd/nspawn/*.nspawn"))):
        name = os.path.basename(path)[:-len(".nspawn")]
        nspawn[name] = parse(root, node, pair_read.parse_nspawn_unit, "/etc/systemd/nspawn/%s.nspawn" % name, unread)
    return dict(
        node=node,
        drbd=drbd,
        heartbeat=dict(ha_cf=parse(root, node, pair_read.parse_ha_cf, "/etc/ha.d/ha.cf", unread),
                       haresources=parse(root, node, pair_read.parse_haresources, "/etc/ha.d/haresources", unread),
                       authkeys=authkeys),
        csync2=csync2,
        mon=parse(root, node, pair_read.parse_mon_cf, "/etc/mon/mon.cf", unread),
        nspawn=nspawn,
        states=states,
        missing=[],
        unread=unread,
    )


def load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def inventory_vars(folder):
    """(pair variables, {node: host variables}) of an inventory folder laid out as apollo's."""
    pair = {}
    for path in sorted(glob.glob(os.path.join(str(folder), "group_vars", "*", "*.yml"))):
        pair.update(load(path))
    hosts = {}
    for path in sorted(glob.glob(os.path.join(str(folder), "host_vars", "*.yml"))):
        hosts[os.path.basename(path)[:-len(".yml")]] = load(path)
    return pair, hosts


# What no node file holds: the inventory the export runs on gives it (the
# connection, the public addresses, the guests' addresses, order and suite).
NOT_ON_NODES_HOST = ("ansible_host", "hapair_public_address", "hapair_public_interface")


def source_inventory(pair, hosts):
    """The inventory an operator would export apollo with: no value the nodes hold."""
    out = {}
    for node in NODES:
        values = dict((k, v) for k, v in hosts[node].items() if k in NOT_ON_NODES_HOST)
        values["hapair_guest_defaults"] = pair["hapair_guest_defaults"]
        values["hapair_guests"] = [dict(name=g["name"], address=g["address"]) for g in pair["hapair_guests"]]
        out[node] = values
    return out


def effective(name, value, pair, defaults):
    """VALUE of variable NAME as the roles see it (the guests and the resources with every default)."""
    merged = dict(defaults)
    merged.update(pair)
    if name == "hapair_guests":
        return normalize_guests(value, merged.get("hapair_guest_defaults"))
    if name == "drbd_resources":
        return normalize_resources(value, merged)
    return value


def export(root):
    pair, hosts = inventory_vars(APOLLO)
    results = dict((node, dict(changed=False, pair_info=node_info(root, node))) for node in NODES)
    return pair, hosts, pair_export.export_pair(results, source_inventory(pair, hosts), "apollo", list(NODES),
                                                "2026-12-07 10:00:00 UTC")


def test_export_gives_every_variable_apollo_sets(apollo_render):
    pair, hosts, result = export(apollo_render)
    assert result["problems"] == [], result["problems"]
    defaults = role_defaults()
    got_pair = result["variables"]["pair"]
    wrong = []
    for name, value in sorted(pair.items()):
        want = effective(name, value, pair, defaults)
        got = effective(name, got_pair.get(name, defaults.get(name)), got_pair, defaults)
        if got != want:
            wrong.append("%s:\n  apollo: %r\n  export: %r" % (name, want, got))
    for node in NODES:
        for name, value in sorted(hosts[node].items()):
            got = result["variables"]["nodes"][node].get(name)
            if got != value:
                wrong.append("%s.%s:\n  apollo: %r\n  export: %r" % (node, name, value, got))
    assert not wrong, "\n".join(wrong) + "\n\nNOT_EXPORTED.md:\n" + result["not_exported"]
    sections = set(item["section"] for item in result["issues"])
    assert not sections & {"problem", "difference", "unread", "not_expressed", "missing"}, result["not_exported"]


def rendered_files(root):
    out = {}
    for top, _dirs, files in os.walk(str(root)):
        for name in files:
            path = os.path.join(top, name)
            with open(path, "rb") as handle:
                out[os.path.relpath(path, str(root))] = handle.read()
    return out


def test_the_exported_inventory_renders_the_same_files(apollo_render, tmp_path):
    _pair, _hosts, result = export(apollo_render)
    folder = tmp_path / "exported"
    for item in result["files"]:
        path = folder / item["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(item["content"], encoding="utf-8")
    out = tmp_path / "render"
    proc, contacted = run_playbook(tmp_path, "render.yml", folder, "-e", "render_dir=%s" % out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not contacted
    first, second = rendered_files(apollo_render), rendered_files(out)
    differences = []
    for path in sorted(set(first) | set(second)):
        if first.get(path) != second.get(path):
            differences.append("%s:\n  apollo:   %r\n  exported: %r" % (
                path, (first.get(path) or b"(none)")[:2000], (second.get(path) or b"(none)")[:2000]))
    assert not differences, "\n".join(differences)
