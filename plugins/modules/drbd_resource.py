#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: drbd_resource
short_description: Manage one DRBD resource on one node, without harming data
version_added: 0.1.0
author:
  - hapair.cluster maintainers (@hapair)
description:
  - Creates the metadata of a DRBD resource, brings it up (attached and connecting), adjusts it to
    its configuration file, promotes or demotes it, takes it down or wipes its metadata, on the node
    the task runs on. The resource must be defined in the DRBD configuration (C(/etc/drbd.d/NAME.res)).
  - Works with the DRBD 8.4 kernel module of the Debian kernel and with DRBD 9, driven by drbd-utils 9.
    The version is read from the C(version:) line of C(/proc/drbd); the drbd kernel module must be loaded.
  - The states build on each other. V(present) creates metadata where there is none; V(up) does that
    and brings the resource up; V(primary) and V(secondary) do that and set the role.
  - C(create-md) writes where the resource file says, whatever the task was told. So the backing device and
    the metadata device of this node are read from drbdadm itself (C(drbdadm sh-ll-dev NAME) and
    C(drbdadm sh-md-dev NAME), which parse the configuration, in the C(on) section named as C(uname -n)).
    When drbdadm cannot name them (the resource or this node's section is missing, or the resource has
    several volumes), metadata are never created. When O(device) is given and is not the device drbdadm
    names, the module changes nothing, whatever the state, also in check mode.
  - Metadata are created only where C(drbdadm dump-md) finds none and C(wipefs) finds no signature
    (filesystem, partition table, RAID or LVM member, old DRBD metadata) on the backing device drbdadm
    names (and on the metadata device, when it is external), unless O(force_create_md=true).
    C(create-md) then runs non-interactively.
  - A forced promotion (C(drbdadm primary --force)), which makes this node's data the source of a full
    sync, is done only for the initial synchronisation, see O(initial_sync_primary).
options:
  name:
    description:
      - The resource name, as in the DRBD configuration.
    type: str
    required: true
  state:
    description:
      - V(present) creates the metadata when the backing device has none (and no signature).
      - V(up) does what V(present) does, then runs C(drbdadm adjust) when C(drbdadm -d adjust) (a dry run)
        lists something to do. This attaches and connects a resource that is down and applies a changed
        configuration file to a running one. On a Primary, an adjust that would detach the disk or take the
        resource down is refused; option changes and reconnects are applied.
      - V(primary) does what V(up) does, then promotes the resource.
      - V(secondary) does what V(up) does, then demotes the resource (fails if the device is in use).
      - V(down) takes the resource down (C(drbdadm down)); refused while the resource is Primary here.
      - V(absent) takes it down and wipes its metadata (C(drbdadm wipe-md)). Needs O(wipe_confirm=true).
    type: str
    choices: [present, up, primary, secondary, down, absent]
    default: up
  device:
    description:
      - The backing block device this node is expected to use, as the caller knows it (the C(disk) of this
        node's section of the resource file).
      - It is compared with what C(drbdadm sh-ll-dev NAME) prints, after resolving symbolic links on both
        (C(/dev/disk/by-id/...) and C(/dev/sda11) match when they are the same disk). When they differ, the
        module fails before changing anything, naming both devices and the resource file.
      - The signature check before C(create-md) always runs on the device drbdadm names.
      - When omitted, only drbdadm's answer is used.
    type: path
  force_create_md:
    description:
      - Create metadata even when C(wipefs) finds signatures on the backing device (or on the external metadata
        device). Whatever the device holds is lost. Metadata are still never created over valid DRBD metadata,
        nor when drbdadm cannot name the device or O(device) names another one.
    type: bool
    default: false
  initial_sync_primary:
    description:
      - This node is the one whose data become the source of the initial full sync. Set it on exactly one
        node of the pair.
      - With O(state=primary), the promotion is forced (C(drbdadm primary --force NAME)) only when both
        conditions below hold, and is an ordinary promotion otherwise.
      - First, the peer is connected and both the local and the peer disk are C(Inconsistent).
      - Second, the local generation identifiers (C(drbdadm get-gi)) are those C(create-md) writes
        and that no promotion ever changed, current UUID C(0000000000000004), no bitmap UUID, no history. The
        first forced promotion replaces them, so a second run never forces again. No flag file is involved.
    type: bool
    default: false
  wait_connected:
    description:
      - After bringing the resource up, wait until it is connected to its peer, at most O(timeout) seconds.
      - Used with O(state=up), V(primary) and V(secondary).
    type: bool
    default: false
  wait_uptodate:
    description:
      - At the end, wait until the local and the peer disk are both C(UpToDate), at most O(timeout) seconds.
        The failure message holds the sync progress.
      - Used with O(state=up), V(primary) and V(secondary).
    type: bool
    default: false
  timeout:
    description:
      - Seconds each wait lasts at most. With O(wait_started), counted from then.
    type: int
    default: 300
  progress_every:
    description:
      - With O(wait_uptodate), return after this many seconds when the disks are not yet both C(UpToDate)
        and O(timeout) has not passed, with RV(waiting=true) and a RV(progress) line (percent done, time
        left at the current rate), instead of waiting silently until O(timeout). Call the module again
        with O(wait_started) set to the RV(wait_started) it returned to go on waiting; it fails once
        O(timeout) seconds have passed since then, with the last state it saw.
      - A call with O(wait_started) also fails, without waiting out O(timeout), when the peer was not connected
        for the whole of its slice, since no sync goes on without the peer (a node that died or a cut link).
      - V(0) waits silently.
    type: int
    default: 0
  wait_started:
    description:
      - The RV(wait_started) of the call that began the wait (see O(progress_every)). With O(wait_uptodate), a
        call with it only waits (the call that began the wait brought the resource up).
    type: float
  wipe_confirm:
    description:
      - Must be V(true) with O(state=absent), which destroys the resource's metadata on this node.
    type: bool
    default: false
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Nothing that changes the node is run; the commands that would run are returned. Waits are skipped.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: The resource's metadata presence, roles, connection and disk states before and after.
notes:
  - Waits poll the state every two seconds.
  - drbdadm matches the C(on) sections of the resource file against C(uname -n) of the node, not against the
    Ansible inventory hostname.
  - The module never makes a filesystem and never mounts the device.
seealso:
  - name: DRBD 8.4 user's guide
    description: Resource configuration, initial synchronisation, generation identifiers.
    link: https://linbit.com/drbd-user-guide/users-guide-drbd-8-4/
"""

EXAMPLES = r"""
- name: Create the metadata of clusterdr (refused if /dev/sda11 holds a filesystem or is not the disk of clusterdr.res)
  hapair.cluster.drbd_resource:
    name: clusterdr
    state: present
    device: /dev/sda11

- name: Wait for the sync of clusterdr, saying every 30 s how far it is (one call of a loop)
  hapair.cluster.drbd_resource:
    name: clusterdr
    wait_uptodate: true
    timeout: 1800
    progress_every: 30
    wait_started: "{{ previous.wait_started | default(omit) }}"
  register: previous

- name: Bring clusterdr up on both nodes and wait for the peer
  hapair.cluster.drbd_resource:
    name: clusterdr
    state: up
    wait_connected: true
    timeout: 300
  register: clusterdr_up

- name: Start the initial sync from the preferred node (forced only if the resource never held data)
  hapair.cluster.drbd_resource:
    name: clusterdr
    state: primary
    initial_sync_primary: true
  when: inventory_hostname == 'apollo12'

- name: Wait for UpToDate/UpToDate
  hapair.cluster.drbd_resource:
    name: clusterdr
    state: up
    wait_uptodate: true
    timeout: 1800

- name: Wipe the resource on a retired node
  hapair.cluster.drbd_resource:
    name: clusterdr
    state: absent
    wipe_confirm: true
"""

RETURN = r"""
role:
  description: This node's role at the end (C(Unconfigured) when the resource is down).
  returned: always
  type: str
  sample: Secondary
peer_role:
  description: The peer's role as this node sees it (C(Unknown) when not connected).
  returned: always
  type: str
  sample: Secondary
cstate:
  description:
    - The connection state. On DRBD 8.4 it includes the resync states (C(SyncSource), C(SyncTarget));
      on DRBD 9 it is C(Connected), C(Connecting), C(StandAlone), ... and the resync is in RV(replication).
  returned: always
  type: str
  sample: Connected
replication:
  description: The replication state (DRBD 9 C(Established), C(SyncSource), ...; on DRBD 8.4 the same as RV(cstate)).
  returned: always
  type: str
  sample: Connected
disk:
  description: The local disk state.
  returned: always
  type: str
  sample: UpToDate
peer_disk:
  description: The peer's disk state as this node sees it.
  returned: always
  type: str
  sample: UpToDate
waiting:
  description: True when O(progress_every) returned before both disks were C(UpToDate); call again.
  returned: always
  type: bool
  sample: true
progress:
  description: With RV(waiting), one line saying how far the sync is, else empty.
  returned: always
  type: str
  sample: "clusterdr: sync 42.5% done, about 3 min 10 s left; waited 1 min of 30 min (role Primary/Secondary, ...)"
wait_started:
  description: When the wait began (seconds since the epoch, the node's clock), to pass back as O(wait_started).
  returned: with O(wait_uptodate), not in check mode
  type: float
  sample: 1795000000.5
sync_seconds_left:
  description: With RV(waiting), the seconds the sync needs at the rate seen during this call (null when unknown).
  returned: with RV(waiting)
  type: int
  sample: 190
sync_progress:
  description: Percentage of the resync done while one runs, else null.
  returned: always
  type: float
  sample: 42.5
drbd_version:
  description: The kernel module family, C(8.4) or C(9) (null when the module is not loaded, in check mode).
  returned: always
  type: str
  sample: "8.4"
drbd_kernel_version:
  description: The full kernel module version from C(/proc/drbd).
  returned: always
  type: str
  sample: 8.4.11
metadata:
  description: C(valid) when the resource has DRBD metadata here at the end, C(none) otherwise.
  returned: always
  type: str
  sample: valid
never_held_data:
  description:
    - True when the generation identifiers show metadata that never held data (the initial sync is still
      to be done), false when they show history, null when they could not be read.
  returned: always
  type: bool
  sample: false
generation_ids:
  description: The C(drbdadm get-gi) line at the end, null when it could not be read.
  returned: always
  type: str
  sample: "8E5B4B3C1A2F6D71:0000000000000000:B1C2D3E4F5061728:0000000000000000:1:1:0:1:0:0:0"
forced:
  description: True when this run promoted the resource with C(--force) (initial sync).
  returned: always
  type: bool
  sample: false
backing_device:
  description:
    - This node's backing device as C(drbdadm sh-ll-dev) prints it, checked for signatures before C(create-md)
      (only when that check ran).
  returned: when metadata were missing
  type: str
  sample: /dev/sda11
metadata_device:
  description:
    - Where C(create-md) writes, as C(drbdadm sh-md-dev) prints it; the backing device for internal metadata.
  returned: when metadata were missing
  type: str
  sample: /dev/sda11
signatures:
  description:
    - What C(wipefs) found on the backing device, and on the metadata device when it is another one (only when
      that check ran). Each item names its C(device).
  returned: when metadata were missing
  type: list
  elements: dict
  sample: [{device: /dev/sda11, type: ext3, offset: "0x438", label: data, uuid: d157cc52-f8ed-446c-9ad0-2c8e76ff9beb}]
adjust_commands:
  description: What C(drbdadm -d adjust) listed before adjusting (empty when nothing was to do).
  returned: always
  type: list
  elements: str
  sample: ["drbdsetup-84 net-options clusterdr ipv4:192.168.1.1:7791 ipv4:192.168.1.2:7791 --max-buffers=32768"]
commands:
  description: The drbdadm commands that changed something (in check mode, that would have).
  returned: always
  type: list
  elements: str
  sample: ["drbdadm -- --force create-md clusterdr", "drbdadm adjust clusterdr"]
"""

import copy
import os
import platform

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hapair.cluster.plugins.module_utils.drbd import (
    NOT_ATTACHED,
    UNCONFIGURED,
    DrbdError,
    DrbdResource,
    describe,
    describe_signatures,
    duration,
    is_connected,
    never_held_data,
    same_device,
    seconds_left,
)

# Lines of `drbdadm -d adjust` that would take the disk away from a Primary.
DISRUPTIVE = (" detach ", " down ", " del-minor ", " del-resource ")


class Run:
    """One invocation: what was found, what was (or would be) run."""

    def __init__(self, module, resource):
        self.module = module
        self.params = module.params
        self.name = module.params["name"]
        self.res = resource
        # when this call began: a progress slice ends progress_every seconds after it
        self.called_at = resource.clock()
        self.check = module.check_mode
        self.family = None
        self.full_version = None
        self.commands = []
        self.adjust_commands = []
        self.forced = False
        self.extra = {}
        self.state = dict(UNCONFIGURED)
        self.before = None
        self.metadata_before = None
        self.metadata_after = None
        self.lower = None

    # -- results -------------------------------------------------------
    def result(self, after=None):
        state = after or self.state
        gi = self.extra.get("gi")
        result = dict(
            changed=bool(self.commands),
            role=state["role"],
            peer_role=state["peer_role"],
            cstate=state["cstate"],
            replication=state["replication"],
            disk=state["disk"],
            peer_disk=state["peer_disk"],
            sync_progress=state["sync_progress"],
            drbd_version=self.family,
            drbd_kernel_version=self.full_version,
            metadata=self.metadata_after or self.metadata_before or "none",
            never_held_data=never_held_data(gi),
            generation_ids=gi["text"] if gi else None,
            forced=self.forced,
            adjust_commands=self.adjust_commands,
            commands=self.commands,
            waiting=self.extra.get("waiting", False),
            progress=self.extra.get("progress", ""),
        )
        for key in ("backing_device", "metadata_device", "signatures", "wait_started", "sync_seconds_left"):
            if key in self.extra:
                result[key] = self.extra[key]
        if self.module._diff and self.before is not None:
            result["diff"] = dict(
                before_header="drbd resource %s" % self.name,
                after_header="drbd resource %s" % self.name,
                before=summary(self.before, self.metadata_before),
                after=summary(state, result["metadata"]),
            )
        return result

    def fail(self, msg):
        self.module.fail_json(msg=msg, **self.result())

    def change(self, args, failure):
        """Run drbdadm ARGS (not in check mode); FAILURE starts the error message."""
        self.commands.append("drbdadm " + " ".join(args))
        if self.check:
            return
        rc, out, err = self.res.adm(*args)
        if rc != 0:
            self.fail("%s: drbdadm %s failed (rc %d): %s" % (
                failure, " ".join(args), rc, (err.strip() or out.strip() or "no output")))

    def refresh(self):
        if not self.check:
            self.state = self.res.status(self.family)

    # -- steps ---------------------------------------------------------
    def lower_devices(self):
        """(backing device, metadata device) of this node, read from drbdadm.

        Fails, before anything is changed, when drbdadm cannot name them or
        when the device given to the module is another one: create-md (like
        attach and wipe-md) writes where the resource file says.
        """
        if self.lower is not None:
            return self.lower
        node = platform.node()
        try:
            backing, meta = self.res.lower_devices()
        except DrbdError as exc:
            self.fail(
                "Cannot tell which backing device %s uses on this node: %s. create-md writes where drbdadm reads "
                "it from the resource file, so no metadata are created without it. Nothing was changed. Check "
                "that /etc/drbd.d/%s.res defines %s with one volume and an 'on %s' section (drbdadm matches "
                "it against uname -n) naming this node's disk, then run again."
                % (self.name, exc, self.name, self.name, node))
        given = self.params["device"]
        if given and not same_device(given, backing):
            self.fail(
                "Refusing to change anything for %s: device=%s, but the resource file /etc/drbd.d/%s.res gives "
                "this node (%s) the backing device %s (drbdadm sh-ll-dev %s), and drbdadm create-md writes where "
                "the resource file says, not where the task was told. Nothing was changed. Make them name the "
                "same disk, the one meant for DRBD: fix the device given to this task (the inventory's disks "
                "entry of %s for this node, in drbd_resources) or the resource file, then run again."
                % (self.name, resolved(given), self.name, node, resolved(backing), self.name, self.name))
        self.lower = (backing, meta)
        return self.lower

    def ensure_metadata(self):
        if self.state["disk"] not in NOT_ATTACHED:
            self.metadata_before = "valid"
            return
        # Before dump-md: a resource missing from the configuration gets a
        # message that says so, not dump-md's.
        backing, meta = self.lower_devices()
        verdict, detail = self.res.metadata()
        self.metadata_before = "none" if verdict == "none" else "valid"
        if verdict == "valid":
            return
        if verdict == "unknown":
            self.fail(
                "Cannot tell whether the backing device of %s holds DRBD metadata: drbdadm dump-md %s said: %s. "
                "Nothing was changed. Look at the device and at /etc/drbd.d/%s.res (drbdadm dump-md %s), "
                "then run again." % (self.name, self.name, detail or "nothing", self.name, self.name))
        devices = [backing] if same_device(meta, backing) else [backing, meta]
        signatures = []
        for device in devices:
            signatures.extend(dict(sig, device=device) for sig in self.res.signatures(device))
        self.extra["backing_device"] = backing
        self.extra["metadata_device"] = meta
        self.extra["signatures"] = signatures
        found = ", ".join("%s on %s" % (describe_signatures([sig]), sig["device"]) for sig in signatures)
        if signatures and not self.params["force_create_md"]:
            if len(devices) == 1:
                what = ("on %s: the device holds %s and no DRBD metadata. It may hold data, and create-md would "
                        "overwrite its end." % (backing, describe_signatures(signatures)))
            else:
                what = ("on %s with external metadata on %s: they hold %s and no DRBD metadata. They may hold "
                        "data: create-md would overwrite the metadata device, the first sync the backing device."
                        % (backing, meta, found))
            self.fail(
                "Refusing to create DRBD metadata for %s %s Nothing was changed. "
                "If %s is not the disk meant for DRBD, fix the resource's disks; if its content must go, "
                "erase %s (wipefs --all %s) or set force_create_md=true, then run again."
                % (self.name, what, " or ".join(devices), "it" if len(devices) == 1 else "them",
                   " ".join(devices)))
        if signatures:
            self.module.warn("Creating DRBD metadata on %s over %s (force_create_md=true)" % (
                meta, found if len(devices) > 1 else describe_signatures(signatures)))
        self.change(["--", "--force", "create-md", self.name],
                    "Creating the metadata of %s on %s failed" % (self.name, meta))
        self.metadata_after = "valid"

    def ensure_up(self):
        self.adjust_commands = self.res.adjust_plan()
        if not self.adjust_commands:
            return
        if self.state["role"] == "Primary":
            disruptive = [line for line in self.adjust_commands if any(word in " %s " % line for word in DISRUPTIVE)]
            if disruptive:
                self.fail(
                    "Refusing to adjust %s: it is Primary here and the new configuration would take its disk "
                    "away (%s). Nothing was changed. Move the service to the peer (stop Heartbeat here) and run "
                    "again, or apply the change by hand." % (self.name, "; ".join(disruptive)))
        self.change(["adjust", self.name], "Bringing %s up / adjusting it failed" % self.name)
        if self.check:
            if not self.state["configured"]:
                self.state.update(configured=True, role="Secondary",
                                  cstate="Connecting" if self.family == "9" else "WFConnection",
                                  disk="Inconsistent" if self.metadata_after else "Consistent")
            return
        left = self.res.adjust_plan()
        if left:
            self.module.warn("drbdadm -d adjust %s still lists commands after adjusting: %s; the next run will "
                             "adjust again. Compare /etc/drbd.d/%s.res with drbdsetup show." % (
                                 self.name, "; ".join(left), self.name))
        self.refresh()

    def wait_connected(self):
        if self.check or is_connected(self.state, self.family):
            return
        self.state, ok = self.res.wait_for(
            self.family, lambda s: is_connected(s, self.family), self.params["timeout"])
        if not ok:
            self.fail(
                "%s did not connect to its peer within %d s: %s. Check the replication link (the peer's "
                "address and port in /etc/drbd.d/%s.res answer, no firewall) and that the peer has the "
                "resource up. StandAlone after a split brain needs a decision: on the node whose changes "
                "are to be lost, drbdadm connect --discard-my-data %s."
                % (self.name, self.params["timeout"], describe(self.state), self.name, self.name))

    def wait_uptodate(self):
        """Wait for both disks UpToDate. With progress_every, return after that
        many seconds with waiting=true and a progress line instead; the
        caller calls again with wait_started until timeout has passed."""
        if self.check:
            return

        def synced(state):
            return state["disk"] == "UpToDate" and state["peer_disk"] == "UpToDate"

        started = self.params["wait_started"]
        if started is None:
            started = self.res.wall()
        self.extra["wait_started"] = started
        if synced(self.state):
            return
        timeout = self.params["timeout"]
        left = started + timeout - self.res.wall()
        every = self.params["progress_every"]
        # the progress line is due EVERY seconds after this call began
        slice_ = min(max(1.0, every - (self.res.clock() - self.called_at)), left) if every > 0 else left
        before, clock = self.state["sync_progress"], self.res.clock()

        def peer_gone(state):
            return not is_connected(state, self.family) and state["peer_disk"] in ("DUnknown", "Unknown")

        was_gone = peer_gone(self.state)
        self.state, ok = self.res.wait_for(self.family, synced, max(0.0, slice_))
        if ok:
            return
        waited = self.res.wall() - started
        progress = self.state["sync_progress"]
        if every > 0 and self.params["wait_started"] is not None and was_gone and peer_gone(self.state):
            # A whole slice without the peer: no sync goes on, and waiting
            # out the timeout (30 min by default) would only hide why.
            self.fail(
                "%s cannot become UpToDate on both nodes: the peer has not been connected for the last %s "
                "(%s)%s. Nothing was changed. Bring the peer node or the replication link back: the sync "
                "goes on by itself from where it stopped; then run again."
                % (self.name, duration(self.res.clock() - clock), describe(self.state),
                   "" if progress is None else ", sync %.1f%% done" % progress))
        if waited < timeout and every > 0:
            eta = seconds_left(before, progress, self.res.clock() - clock)
            self.extra["waiting"] = True
            self.extra["sync_seconds_left"] = None if eta is None else int(round(eta))
            self.extra["progress"] = "%s: %s; waited %s of %s (%s)" % (
                self.name,
                "not UpToDate on both nodes yet" if progress is None else "sync %.1f%% done%s" % (
                    progress, "" if eta is None else ", about %s left" % duration(eta)),
                duration(waited), duration(timeout), describe(self.state))
            return
        self.fail(
            "%s is not UpToDate on both nodes after %s: %s%s. A running sync goes on by itself; run "
            "again to wait longer (or raise the timeout). If nothing syncs, look at both nodes "
            "(cat /proc/drbd, drbdadm status %s)."
            % (self.name, duration(waited), describe(self.state),
               "" if progress is None else " (sync %.1f%% done)" % progress, self.name))

    def ensure_primary(self):
        if self.state["role"] == "Primary":
            return
        if self.check and self.commands:
            # The resource is not up yet: what the real run decides is unknown.
            self.change(["primary", "--force", self.name] if self.params["initial_sync_primary"]
                        else ["primary", self.name], "")
            self.state["role"] = "Primary"
            return
        gi = self.res.generation_ids()
        self.extra["gi"] = gi
        fresh = never_held_data(gi)
        both_inconsistent = self.state["disk"] == "Inconsistent" and self.state["peer_disk"] == "Inconsistent"
        if (self.params["initial_sync_primary"] and fresh and both_inconsistent
                and is_connected(self.state, self.family)):
            self.change(["primary", "--force", self.name],
                        "Promoting %s for its initial sync failed" % self.name)
            self.forced = True
        elif "UpToDate" in (self.state["disk"], self.state["peer_disk"]):
            self.change(["primary", self.name], "Promoting %s failed" % self.name)
        else:
            if not self.params["initial_sync_primary"]:
                why = "initial_sync_primary is not set"
            elif not is_connected(self.state, self.family):
                why = "the peer is not connected (set wait_connected)"
            elif not both_inconsistent:
                why = "the disks are not both Inconsistent"
            elif fresh is None:
                why = "the generation identifiers cannot be read"
            else:
                why = "the generation identifiers show the resource already held data (%s)" % gi["text"]
            self.fail(
                "Refusing to promote %s: %s, and no disk is UpToDate. A forced promotion is only done for the "
                "initial sync, and not here because %s. Nothing was forced. Find which node has the good data "
                "and promote it by hand." % (self.name, describe(self.state), why))
        if self.check:
            self.state["role"] = "Primary"
        else:
            self.refresh()

    def ensure_secondary(self):
        if self.state["role"] != "Primary":
            return
        self.change(["secondary", self.name],
                    "Demoting %s failed (is /dev/drbd%s mounted or open?)" % (self.name, self._minor_text()))
        if self.check:
            self.state["role"] = "Secondary"
        else:
            self.refresh()

    def ensure_down(self):
        if not self.state["configured"]:
            return
        if self.state["role"] == "Primary":
            self.fail("Refusing to take %s down: it is Primary here (%s). Stop what uses it (Heartbeat) and "
                      "demote it first (state=secondary)." % (self.name, describe(self.state)))
        self.change(["down", self.name], "Taking %s down failed" % self.name)
        self.state = dict(UNCONFIGURED)

    def ensure_absent(self):
        if not self.params["wipe_confirm"]:
            self.fail("state=absent wipes the DRBD metadata of %s on this node: set wipe_confirm=true to confirm. "
                      "Nothing was changed." % self.name)
        attached = self.state["disk"] not in NOT_ATTACHED
        self.ensure_down()
        if attached:
            verdict = "valid"
        else:
            verdict, detail = self.res.metadata()
        self.metadata_before = "none" if verdict == "none" else "valid"
        if verdict != "none":
            self.change(["--", "--force", "wipe-md", self.name], "Wiping the metadata of %s failed" % self.name)
        self.metadata_after = "none"

    def _minor_text(self):
        try:
            return str(self.res.minor())
        except DrbdError:
            return "N"

    # -- main ----------------------------------------------------------
    def main(self):
        self.full_version, self.family = self.res.version()
        wanted = self.params["state"]
        missing = None
        if not self.res.drbdadm:
            missing = "drbdadm is not installed: install drbd-utils first."
        elif self.family is None:
            missing = ("The drbd kernel module is not loaded (no %s): load it first (modprobe drbd)."
                       % self.res.proc_path)
        if missing:
            msg = missing
            if self.check:
                self.commands.append("(drbd module not loaded: cannot tell what state=%s would do)" % wanted)
                self.module.warn(msg)
                self.module.exit_json(**self.result())
            self.fail(msg)
        if self.family not in ("8.4", "9"):
            self.fail("DRBD %s is loaded; this module handles DRBD 8.4 and 9." % self.full_version)
        self.state = self.res.status(self.family)
        self.before = copy.deepcopy(self.state)
        if self.params["device"]:
            # A device that is not the resource file's stops every state,
            # before anything is changed.
            self.lower_devices()
        if wanted == "down":
            self.ensure_down()
        elif wanted == "absent":
            self.ensure_absent()
        elif wanted == "present":
            self.ensure_metadata()
            if not self.check or not self.commands:
                self.extra["gi"] = self.res.generation_ids()
        elif self.params["wait_uptodate"] and self.params["wait_started"] is not None:
            # a wait going on: the call that began it brought the resource up
            self.wait_uptodate()
        else:
            self.ensure_metadata()
            self.ensure_up()
            if self.params["wait_connected"]:
                self.wait_connected()
            if wanted == "primary":
                self.ensure_primary()
            elif wanted == "secondary":
                self.ensure_secondary()
            if self.params["wait_uptodate"]:
                self.wait_uptodate()
            if not self.check or not self.commands:
                self.extra["gi"] = self.res.generation_ids()
        self.module.exit_json(**self.result())


def resolved(path):
    """PATH, followed by the device it resolves to when it is a symbolic link."""
    real = os.path.realpath(path)
    return path if real == path else "%s (%s)" % (path, real)


def summary(state, metadata):
    return (
        "metadata: %s\nrole: %s/%s\nconnection: %s\ndisk: %s/%s\n"
        % (metadata, state["role"], state["peer_role"], state["cstate"], state["disk"], state["peer_disk"])
    )


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", default="up",
                       choices=["present", "up", "primary", "secondary", "down", "absent"]),
            device=dict(type="path"),
            force_create_md=dict(type="bool", default=False),
            initial_sync_primary=dict(type="bool", default=False),
            wait_connected=dict(type="bool", default=False),
            wait_uptodate=dict(type="bool", default=False),
            timeout=dict(type="int", default=300),
            progress_every=dict(type="int", default=0),
            wait_started=dict(type="float"),
            wipe_confirm=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    run = Run(module, DrbdResource(module, module.params["name"]))
    try:
        run.main()
    except DrbdError as exc:
        run.fail("%s: %s" % (module.params["name"], exc))


if __name__ == "__main__":
    main()
