#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pair_info
short_description: Read the configuration of a pair node built by hand
version_added: 0.2.0
author:
  - hapair.cluster maintainers (@hapair)
description:
  - Reads, on a node of a DRBD 8.4 and Heartbeat pair that was set up by hand (not by this collection),
    what an inventory for the collection needs, and changes nothing.
  - DRBD through C(drbdadm dump all) (every resource, its hosts, devices, disks, addresses and options) and
    C(drbdadm role|cstate|dstate RES) for each resource; the filesystem mounted from each DRBD device of this
    node (C(/proc/mounts)).
  - Heartbeat's C(ha.cf) and C(haresources); of C(authkeys) only the selected key number, its method, a
    sha256 fingerprint of the whole file and the file's mode and owner. The secret is never returned.
  - Csync2's C(csync2.cfg), with the path, mode, owner and sha256 fingerprint of each group's key file
    (never its content); Mon's C(mon.cf); the C(.nspawn) file of each systemd-nspawn guest.
  - Each file is read the way the program that uses it reads it. What the module does not understand is
    never guessed; it is listed in RV(pair_info.unread), naming the file and the line.
  - A missing file or folder is listed in RV(pair_info.missing), not an error.
options:
  paths:
    description:
      - Where the files are, for a node that keeps them elsewhere.
    type: dict
    suboptions:
      ha_cf:
        description: Heartbeat's main configuration.
        type: path
        default: /etc/ha.d/ha.cf
      haresources:
        description: Heartbeat's resource groups.
        type: path
        default: /etc/ha.d/haresources
      authkeys:
        description: Heartbeat's authentication keys.
        type: path
        default: /etc/ha.d/authkeys
      csync2_cfg:
        description: Csync2's configuration.
        type: path
        default: /etc/csync2.cfg
      mon_cf:
        description: Mon's configuration.
        type: path
        default: /etc/mon/mon.cf
      nspawn_dir:
        description: The folder of the guests' C(NAME.nspawn) files.
        type: path
        default: /etc/systemd/nspawn
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: The module only reads; it runs the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
notes:
  - Runs C(drbdadm) only (with C(LC_ALL=C)), and only when it is installed. The module fails when
    C(drbdadm dump all) fails (the DRBD configuration cannot be read); a resource that is not up is
    reported C(Unconfigured), as C(hapair.cluster.pair_status) does.
  - Files named by include statements (csync2 C(config), DRBD C(include)) are not read; C(drbdadm dump all)
    has already merged DRBD's.
  - The secret options of DRBD (C(shared-secret)) and Heartbeat's C(stonith_host) lines are never returned;
    they are named in C(withheld) or RV(pair_info.unread).
seealso:
  - module: hapair.cluster.pair_status
  - module: hapair.cluster.csync2_group
"""

EXAMPLES = r"""
- name: Read a pair node built by hand
  hapair.cluster.pair_info:
  register: node_info

- name: Stop when something was not understood
  ansible.builtin.assert:
    that: node_info.pair_info.unread | length == 0
    fail_msg: "{{ node_info.pair_info.unread }}"

- name: A node whose Heartbeat files are in /usr/local
  hapair.cluster.pair_info:
    paths:
      ha_cf: /usr/local/etc/ha.d/ha.cf
      haresources: /usr/local/etc/ha.d/haresources
      authkeys: /usr/local/etc/ha.d/authkeys
"""

RETURN = r"""
pair_info:
  description: What the node holds.
  returned: always
  type: dict
  contains:
    node:
      description: The node's name (C(uname -n)).
      type: str
      sample: node-a
    drbd:
      description: >-
        drbdadm (its path, None when not installed), and what C(drbdadm dump all) says: global_ (the
        C(global) section), common (its sections), resources (name, protocol, device, minor, port, hosts
        {host: device, minor, disk, meta_disk, address, family, port, volumes}, net, disk, startup, handlers,
        options, syncer, withheld), withheld; mounts, device -> the filesystems mounted from it here
        (mountpoint, fstype, options).
      type: dict
      sample:
        drbdadm: /usr/sbin/drbdadm
        resources:
          - {name: r0, protocol: C, device: /dev/drbd1, minor: 1, port: 7790,
             hosts: {node-a: {device: /dev/drbd1, minor: 1, disk: /dev/vg0/srv, meta_disk: internal,
                              address: 10.0.0.1, family: ipv4, port: 7790, volumes: []}},
             net: {protocol: C}, disk: {resync-rate: 30M}, startup: {}, handlers: {}, options: {}, syncer: {},
             withheld: []}
        mounts: {/dev/drbd1: [{mountpoint: /srv, fstype: ext4, options: "rw,relatime"}]}
    heartbeat:
      description: >-
        ha_cf (directive -> value, lists for node, serial, bcast, ping, ucast, mcast, respawn, apiauth;
        seconds: time directive -> seconds), haresources (groups: node, resources [agent, args, text]),
        authkeys (auth, method, sha256, mode, owner, group). Each None when its file is missing.
      type: dict
      sample:
        ha_cf: {keepalive: "1", deadtime: "10", warntime: 5000ms, node: [node-a, node-b],
                ucast: [{interface: eth1, address: 10.0.0.2}], seconds: {keepalive: 1.0, deadtime: 10.0, warntime: 5.0}}
        haresources: {groups: [{node: node-a, line: 1, resources: [{agent: drbddisk, args: [r0], text: "drbddisk::r0"}]}]}
        authkeys: {auth: 1, method: sha1, sha256: 3b7f..., mode: "0600", owner: root, group: root}
    csync2:
      description: >-
        The configuration (groups {name: group with the options of M(hapair.cluster.csync2_group)}, nossl,
        settings) and keys (path -> mode, owner, group, sha256); None when the file is missing.
      type: dict
    mon:
      description: >-
        settings, hostgroups {name: [hosts]}, watches {name: {services: {name: {interval, monitor, ...,
        env, periods [label, period, alert, upalert, ...]}}}}; None when the file is missing.
      type: dict
    nspawn:
      description: guest name -> its C(.nspawn) settings, section -> key -> list of values.
      type: dict
      sample: {hubble: {Exec: {Boot: ["yes"]}, Network: {Private: ["yes"]}}}
    states:
      description: >-
        resource -> its state (configured, role, peer_role, cstate, replication, disk, peer_disk,
        sync_progress), read by the collection's C(drbd) module utilities.
      type: dict
      sample: {r0: {configured: true, role: Primary, peer_role: Secondary, cstate: Connected,
                    replication: Connected, disk: UpToDate, peer_disk: UpToDate, sync_progress: null}}
    missing:
      description: Files and folders that are not there.
      type: list
      elements: str
      sample: [/etc/mon/mon.cf]
    unread:
      description: What was not understood, each with file, line, text and reason.
      type: list
      elements: dict
      sample: [{file: /etc/ha.d/ha.cf, line: 12, text: "nodeip 10.0.0.1", reason: "directive nodeip is not one this parser reads"}]
"""

import glob
import grp
import os
import pwd
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.hapair.cluster.plugins.module_utils import pair_read
from ansible_collections.hapair.cluster.plugins.module_utils.drbd import DrbdResource, same_device
from ansible_collections.hapair.cluster.plugins.module_utils.pair_status import uname

PROC_MOUNTS = "/proc/mounts"

DEFAULT_PATHS = dict(
    ha_cf="/etc/ha.d/ha.cf",
    haresources="/etc/ha.d/haresources",
    authkeys="/etc/ha.d/authkeys",
    csync2_cfg="/etc/csync2.cfg",
    mon_cf="/etc/mon/mon.cf",
    nspawn_dir="/etc/systemd/nspawn",
)


class Reader:
    """Reads files for one run, keeping the lists of missing and unread things."""

    def __init__(self, module):
        self.module = module
        self.missing = []
        self.unread = []

    def content(self, path):
        """The bytes of PATH; None (and PATH in missing) when it is not there."""
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except (IOError, OSError) as exc:
            if not os.path.exists(path):
                self.missing.append(path)
            else:
                self.unread.append(pair_read.unread_item(path, None, "", "cannot read: %s" % to_native(exc)))
            return None

    def text(self, path):
        """The text of PATH (undecodable bytes replaced and reported); None when missing."""
        content = self.content(path)
        if content is None:
            return None
        try:
            return content.decode("utf-8")
        except UnicodeError:
            self.unread.append(pair_read.unread_item(path, None, "", "not UTF-8: unreadable bytes replaced"))
            return content.decode("utf-8", "replace")

    def parse(self, parser, path):
        """PARSER's data for the file at PATH (its unread items kept); None when missing."""
        text = self.text(path)
        if text is None:
            return None
        data, unread = parser(text, path)
        self.unread.extend(unread)
        return data

    def file_meta(self, path):
        """Mode, owner, group and sha256 of PATH, never its content; None when missing."""
        content = self.content(path)
        if content is None:
            return None
        info = os.stat(path)
        return dict(mode="%04o" % stat.S_IMODE(info.st_mode), owner=user_name(info.st_uid),
                    group=group_name(info.st_gid), sha256=pair_read.fingerprint(content))


def user_name(uid):
    """The name of UID, or the number as text when it has none."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def group_name(gid):
    """The name of GID, or the number as text when it has none."""
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def run(module, argv):
    """(rc, stdout, stderr) of ARGV, an argument list, run with LC_ALL=C."""
    rc, out, err = module.run_command(argv, environ_update=dict(LC_ALL="C"))
    return rc, out or "", err or ""


def this_device(resource, node):
    """The DRBD device of RESOURCE on NODE: its own host section's, else the one all hosts share."""
    for host in (node, "_this_host"):
        if host in resource["hosts"] and resource["hosts"][host]["device"]:
            return resource["hosts"][host]["device"]
    return resource["device"]


def mounts_of(devices, mounts):
    """device -> the filesystems mounted from it (mountpoint, fstype, options)."""
    found = {}
    for device in devices:
        found[device] = [dict(mountpoint=m["mountpoint"], fstype=m["fstype"], options=m["options"])
                         for m in mounts if m["source"] == device or same_device(m["source"], device)]
    return found


def read_drbd(module, reader, node):
    """(drbd dict, states) from drbdadm dump all, drbdadm role/cstate/dstate and /proc/mounts."""
    drbdadm = module.get_bin_path("drbdadm")
    drbd = dict(drbdadm=drbdadm, global_={}, common={}, resources=[], withheld=[], mounts={})
    states = {}
    if not drbdadm:
        return drbd, states
    rc, out, err = run(module, [drbdadm, "dump", "all"])
    if rc != 0:
        module.fail_json(msg="drbdadm dump all failed (rc %d): %s" % (rc, err.strip() or out.strip() or "no output"),
                         rc=rc, stdout=out, stderr=err)
    dump, unread = pair_read.parse_drbd_dump(out)
    reader.unread.extend(unread)
    drbd.update(dump)
    # the kernel module's version, from /proc/drbd: DRBD 9 reads some states elsewhere
    family = DrbdResource(module, dump["resources"][0]["name"]).version()[1] if dump["resources"] else None
    for res in dump["resources"]:
        states[res["name"]] = DrbdResource(module, res["name"]).status(family)
    mounts = pair_read.parse_proc_mounts(reader.text(PROC_MOUNTS) or "")
    devices = [d for d in (this_device(res, node) for res in dump["resources"]) if d]
    drbd["mounts"] = mounts_of(devices, mounts)
    return drbd, states


def read_heartbeat(reader, paths):
    """ha.cf, haresources and what may be said of authkeys."""
    heartbeat = dict(
        ha_cf=reader.parse(pair_read.parse_ha_cf, paths["ha_cf"]),
        haresources=reader.parse(pair_read.parse_haresources, paths["haresources"]),
        authkeys=None,
    )
    content = reader.content(paths["authkeys"])
    if content is not None:
        meta, unread = pair_read.parse_authkeys_meta(content, paths["authkeys"])
        reader.unread.extend(unread)
        file_meta = reader.file_meta(paths["authkeys"])
        meta.update(mode=file_meta["mode"], owner=file_meta["owner"], group=file_meta["group"])
        heartbeat["authkeys"] = meta
    return heartbeat


def read_csync2(reader, path):
    """csync2.cfg and the key file of each of its groups."""
    config = reader.parse(pair_read.parse_csync2_cfg, path)
    if config is None:
        return None
    keys = {}
    for group in config["groups"].values():
        if group["key"] and group["key"] not in keys:
            keys[group["key"]] = reader.file_meta(group["key"])
    return dict(config, keys=keys)


def read_nspawn(reader, folder):
    """guest name -> its NAME.nspawn settings."""
    if not os.path.isdir(folder):
        reader.missing.append(folder)
        return {}
    guests = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.nspawn"))):
        unit = reader.parse(pair_read.parse_nspawn_unit, path)
        if unit is not None:
            guests[os.path.basename(path)[:-len(".nspawn")]] = unit
    return guests


def collect(module, paths):
    """Everything pair_info returns."""
    reader = Reader(module)
    node = uname()[0]
    drbd, states = read_drbd(module, reader, node)
    info = dict(
        node=node,
        drbd=drbd,
        heartbeat=read_heartbeat(reader, paths),
        csync2=read_csync2(reader, paths["csync2_cfg"]),
        mon=reader.parse(pair_read.parse_mon_cf, paths["mon_cf"]),
        nspawn=read_nspawn(reader, paths["nspawn_dir"]),
        states=states,
    )
    info["missing"] = reader.missing
    info["unread"] = reader.unread
    return info


def main():
    path_options = dict((key, dict(type="path", default=value)) for key, value in DEFAULT_PATHS.items())
    module = AnsibleModule(
        argument_spec=dict(
            paths=dict(type="dict", options=path_options, apply_defaults=True),
        ),
        supports_check_mode=True,
    )
    module.exit_json(changed=False, pair_info=collect(module, module.params["paths"]))


if __name__ == "__main__":
    main()
