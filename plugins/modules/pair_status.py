#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pair_status
short_description: Read the state of one node of a Heartbeat/DRBD pair
version_added: 0.1.0
author:
  - hapair.cluster maintainers (@hapair)
description:
  - Reads, on the node it runs on, everything the pair's operations need to decide and to report,
    and changes nothing.
  - Heartbeat (v1, C(haresources)) through C(cl_status) C(hbstatus), C(rscstatus), C(listnodes),
    C(nodestatus), C(listhblinks) and C(hblinkstatus); whether C(heartbeat.service) starts at boot;
    C(auto_failback) from C(/etc/ha.d/ha.cf).
  - Every DRBD resource of O(resources) (role, connection, disks, sync progress), read the same way on
    DRBD 8.4 and DRBD 9 kernels by the collection's C(drbd) module utilities, and whether its mount
    point is mounted from a DRBD device.
  - The guests of O(guests) (C(systemctl is-active systemd-nspawn@NAME.service), or C(vserver NAME status)
    with the util-vserver backend) and Mon (C(systemctl is-active)).
  - The running kernel, the newest kernel installed in C(/boot) (C(vmlinuz-RELEASE)), the GRUB entries
    booting each of them (from C(/boot/grub/grub.cfg)), GRUB's C(saved_entry) and C(next_entry)
    (C(/boot/grub/grubenv)) and the effective C(GRUB_DEFAULT) (C(/etc/default/grub) then
    C(/etc/default/grub.d/*.cfg)); whether C(dkms) is installed.
  - Returns the node's own problems (RV(problems)) and a few summary lines (RV(summary)). Problems that
    need both nodes (no node or two nodes holding the group, a node unreachable) are for the caller,
    which has both results.
options:
  resources:
    description:
      - The pair's DRBD resources, for example the inventory's C(drbd_resources). Only the keys
        C(name) (required), C(minor), C(mountpoint) and C(disks) (node -> backing device; each path is
        resolved on this node) are read; other keys are ignored.
    type: list
    elements: dict
    default: []
  guests:
    description:
      - Names of the guests that the node holding the group runs.
    type: list
    elements: str
    default: []
  guest_backend:
    description:
      - How guests run.
    type: str
    choices: [nspawn, util-vserver]
    default: nspawn
  peer:
    description:
      - The other node's name (its C(uname -n), as in C(ha.cf)). Heartbeat's view of it and of the
        links to it are checked when set.
    type: str
  mon_service:
    description:
      - Mon's systemd unit. Empty to skip Mon.
    type: str
    default: mon.service
  event_dir:
    description:
      - Where the node records the events that the operator must deal with, one file per resource and event
        (C(RES.split-brain), written by the split-brain handler of the C(drbd) role; C(RES.refused-takeover),
        written by the takeover guard of the C(heartbeat) role).
    type: path
    default: /var/lib/hapair/events
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: The module only reads; it runs the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
notes:
  - Runs C(cl_status), C(drbdadm), C(drbdsetup) (DRBD 9 only) and C(systemctl); each C(cl_status) call gives
    up after 5 seconds when Heartbeat hangs.
  - The node "holds the group" (RV(holds_resources)) when every resource is Primary and mounted there.
seealso:
  - name: cl_status(1)
    description: Heartbeat's status tool.
    link: https://manpages.debian.org/cl_status
"""

EXAMPLES = r"""
- name: Read this node and its view of the peer
  hapair.cluster.pair_status:
    resources: "{{ drbd_resources }}"
    guests: "{{ hapair_guests | map(attribute='name') }}"
    guest_backend: "{{ hapair_guest_backend | default('nspawn') }}"
    peer: "{{ hapair_nodes | difference([inventory_hostname]) | first }}"
  register: node_status

- name: Wait until every resource is Connected and UpToDate on both sides
  hapair.cluster.pair_status:
    resources: "{{ drbd_resources }}"
  register: node_status
  until: node_status.drbd.resources | rejectattr('healthy') | list | length == 0
  retries: 360
  delay: 5
"""

RETURN = r"""
node:
  description: This node's name (C(uname -n)).
  returned: always
  type: str
  sample: apollo12
holds_resources:
  description: Every resource is Primary here and its mount point is mounted from DRBD.
  returned: always
  type: bool
holds_any:
  description: Some resource is Primary or mounted here.
  returned: always
  type: bool
stack:
  description: >-
    The cluster stack on this node, in the same shape whatever the stack: Heartbeat, read with C(cl_status).
  returned: always
  type: dict
  contains:
    name: {description: The stack (V(heartbeat))., type: str}
    installed: {description: C(cl_status) was found., type: bool}
    running: {description: C(cl_status hbstatus) succeeded., type: bool}
    enabled: {description: C(heartbeat.service) starts at boot (None without systemctl)., type: bool}
    resources: {description: "C(cl_status rscstatus): V(all), V(local), V(foreign), V(none), V(transition).", type: str}
    nodes: {description: "node -> C(cl_status nodestatus) (V(active), V(up), V(dead), ...).", type: dict}
    links: {description: "other node -> link -> C(cl_status hblinkstatus) (V(up), V(dead)).", type: dict}
    auto_failback: {description: The C(auto_failback) of ha.cf (None when not set)., type: str}
  sample:
    name: heartbeat
    installed: true
    running: true
    enabled: true
    resources: all
    nodes: {apollo12: active, apollo13: active}
    links: {apollo13: {eth1: up, /dev/ttyS0: up}}
    auto_failback: "off"
drbd:
  description: DRBD on this node.
  returned: always
  type: dict
  contains:
    version: {description: Version of the kernel module (None when not loaded)., type: str}
    family: {description: V(8.4) or V(9)., type: str}
    resources:
      description: >-
        One item per resource of O(resources), in order: name, minor, mountpoint, configured, role,
        peer_role, cstate, replication, disk, peer_disk, sync_progress (percent or None), mounted,
        mounted_from and fstype (the source and type of what is mounted on the mountpoint, None when
        nothing is), backing (the devices under C(/dev/drbdMINOR) in sysfs, [] when it has no disk
        attached), disks (each path of the resource's C(disks) -> the device it names here, None when
        missing), healthy (Connected and UpToDate/UpToDate), summary (one line), error (None or why it
        could not be read).
      type: list
      elements: dict
  sample:
    version: 8.4.11
    family: "8.4"
    resources:
      - {name: clusterdr, minor: 0, mountpoint: /srv, configured: true, role: Primary, peer_role: Secondary,
         cstate: Connected, replication: Connected, disk: UpToDate, peer_disk: UpToDate, sync_progress: null,
         mounted: true, mounted_from: /dev/drbd0, fstype: ext3, backing: [/dev/sda11],
         disks: {/dev/sda11: /dev/sda11}, healthy: true, summary: "role Primary/Secondary, connection Connected, disk UpToDate/UpToDate",
         error: null}
guests:
  description: guest -> running here.
  returned: always
  type: dict
  sample: {hubble: true}
mon:
  description: Mon's unit (service, active, state); all None when O(mon_service) is empty.
  returned: always
  type: dict
  sample: {service: mon.service, active: true, state: active}
kernel:
  description: Kernels of this node.
  returned: always
  type: dict
  contains:
    running: {description: C(uname -r)., type: str}
    installed: {description: "Releases with a C(/boot/vmlinuz-RELEASE), oldest first.", type: list, elements: str}
    newest: {description: The newest of them., type: str}
    running_is_newest: {description: The node runs its newest kernel., type: bool}
    running_entry: {description: "GRUB id path booting the running kernel (for C(grub-set-default)), None without one.", type: str}
    newest_entry: {description: GRUB id path booting the newest kernel (for C(grub-reboot))., type: str}
  sample:
    running: 6.1.0-9-amd64
    installed: [6.1.0-9-amd64, 6.1.0-18-amd64]
    newest: 6.1.0-18-amd64
    running_is_newest: false
    running_entry: gnulinux-advanced-0f3c>gnulinux-6.1.0-9-amd64-advanced-0f3c
    newest_entry: gnulinux-advanced-0f3c>gnulinux-6.1.0-18-amd64-advanced-0f3c
grub:
  description: >-
    GRUB's boot choice: config_found, saved_default_in_cfg (grub.cfg boots saved_entry by default,
    as update-grub writes it with GRUB_DEFAULT=saved), env_found, default (effective GRUB_DEFAULT), savedefault
    (GRUB_SAVEDEFAULT), saved_entry and next_entry (None when unset).
  returned: always
  type: dict
  sample: {config_found: true, saved_default_in_cfg: true, env_found: true, default: saved, savedefault: "false",
           saved_entry: "gnulinux-advanced-0f3c>gnulinux-6.1.0-9-amd64-advanced-0f3c", next_entry: null}
dkms:
  description: C(dkms) is installed (an out-of-tree DRBD module must then be rebuilt for a new kernel).
  returned: always
  type: bool
events:
  description: >-
    resource -> events recorded on this node and not yet dealt with: split_brain (one line per split brain
    DRBD found, kept until acknowledged), refused_takeover (the last takeover this node refused because its
    copy was not the newest, or None).
  returned: always
  type: dict
  sample: {clusterdr: {split_brain: ["2026-11-27T10:00:00Z initial-split-brain detected peer=apollo13"],
                       refused_takeover: null}}
problems:
  description: What is wrong as far as this node can tell; empty when healthy.
  returned: always
  type: list
  elements: str
  sample: ["apollo12: DRBD clusterdr not Connected UpToDate/UpToDate: role Primary/Unknown, connection WFConnection, disk UpToDate/DUnknown"]
summary:
  description: A few human-readable lines about this node.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hapair.cluster.plugins.module_utils.pair_status import EVENT_DIR, collect


def main():
    module = AnsibleModule(
        argument_spec=dict(
            resources=dict(type="list", elements="dict", default=[]),
            guests=dict(type="list", elements="str", default=[]),
            guest_backend=dict(type="str", choices=["nspawn", "util-vserver"], default="nspawn"),
            peer=dict(type="str"),
            mon_service=dict(type="str", default="mon.service"),
            event_dir=dict(type="path", default=EVENT_DIR),
        ),
        supports_check_mode=True,
    )
    resources = []
    for index, res in enumerate(module.params["resources"]):
        if not res.get("name"):
            module.fail_json(msg="resources[%d] has no name: %r" % (index, res))
        resources.append(dict(name=str(res["name"]), minor=res.get("minor"), mountpoint=res.get("mountpoint"),
                              disks=res.get("disks") if isinstance(res.get("disks"), dict) else {}))
    status = collect(
        module,
        resources,
        module.params["guests"],
        module.params["guest_backend"],
        module.params["peer"],
        module.params["mon_service"],
        module.params["event_dir"],
    )
    module.exit_json(changed=False, **status)


if __name__ == "__main__":
    main()
