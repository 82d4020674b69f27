# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the state of one DRBD resource, on DRBD 8.4 and DRBD 9 kernels.

Parsers are pure functions of the text the tools print (tested against
recorded output); ``DrbdResource`` runs the tools through
``AnsibleModule.run_command`` with argument lists.

What is read, and how, on both kernel module versions:

- the kernel module version: the ``version:`` line of ``/proc/drbd``;
- role, connection and disk states: ``drbdadm role|cstate|dstate RES``
  (DRBD 8.4 prints ``Secondary/Secondary``, DRBD 9 only the local role,
  the peer's then comes from ``drbdsetup status --json``);
- the sync progress: the ``sync'ed: N%`` line of the minor in ``/proc/drbd``
  on 8.4, ``percent-in-sync`` of ``drbdsetup status --json`` on 9;
- the generation identifiers: ``drbdadm get-gi RES`` (drbdadm falls back to
  ``drbdmeta get-gi`` when the device is not attached);
- metadata presence: ``drbdadm dump-md RES`` (only when not attached);
- the backing (lower-level) device and the metadata device of this node,
  where ``create-md`` writes: ``drbdadm sh-ll-dev RES`` and ``drbdadm
  sh-md-dev RES``. drbdadm reads them from the resource file, in the ``on``
  section named as ``uname -n``; it needs no kernel module for that, and
  fails ("'RES' not defined in your config (for this host).") when the
  file has no such section;
- signatures on the backing device: ``wipefs --no-act --json DEVICE``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import time

PROC_DRBD = "/proc/drbd"
# How waits pass time (tests replace them).
_SLEEP = time.sleep
_CLOCK = time.monotonic
# The wall clock, for a wait that goes on over several module calls.
_WALL = time.time

# DRBD's UUID_JUST_CREATED: the current data generation of metadata that
# create-md has just written and that never held data. Bit 0 of a current
# UUID only says "was primary", DRBD itself masks it when comparing.
UUID_JUST_CREATED = 0x4

# DRBD 8.4 connection states in which the peers talk to each other.
CONNECTED_84 = frozenset((
    "Connected", "StartingSyncS", "StartingSyncT", "WFBitMapS", "WFBitMapT",
    "WFSyncUUID", "SyncSource", "SyncTarget", "PausedSyncS", "PausedSyncT",
    "VerifyS", "VerifyT", "Ahead", "Behind",
))

# DRBD 8.4 connection states that are a resync.
SYNCING = frozenset(("SyncSource", "SyncTarget", "PausedSyncS", "PausedSyncT"))

UNCONFIGURED = dict(
    configured=False,
    role="Unconfigured",
    peer_role="Unknown",
    cstate="Unconfigured",
    replication="Off",
    disk="Unconfigured",
    peer_disk="DUnknown",
    sync_progress=None,
)

# Local disk states in which DRBD has no backing device attached.
NOT_ATTACHED = frozenset(("Unconfigured", "Diskless", "Detaching", "Attaching"))

_VERSION = re.compile(r"^version:\s*(\d+)\.(\d+)\.(\d+)", re.MULTILINE)
_GI = re.compile(r"^((?:[0-9A-Fa-f]{16}:){4})([0-9:]*)\s*$", re.MULTILINE)
_MINOR_84 = re.compile(
    r"^\s*(\d+):\s+cs:(\S+)(?:\s+ro:(\S+)/(\S+)\s+ds:(\S+)/(\S+))?", re.MULTILINE
)
_SYNCED_84 = re.compile(r"sync'ed:\s*([0-9]+(?:\.[0-9]+)?)%")


class DrbdError(Exception):
    """A DRBD tool failed or printed something this module cannot read."""


def kernel_version(proc_text):
    """(full version, family) from /proc/drbd text: ('8.4.11', '8.4'), ('9.2.12', '9')."""
    if not proc_text:
        return None, None
    match = _VERSION.search(proc_text)
    if not match:
        return None, None
    major, minor, sub = match.groups()
    full = "%s.%s.%s" % (major, minor, sub)
    family = major if int(major) >= 9 else "%s.%s" % (major, minor)
    return full, family


def parse_proc_minor(proc_text, minor):
    """The state of MINOR in DRBD 8.4's /proc/drbd, or None when not listed."""
    lines = proc_text.splitlines()
    for index, line in enumerate(lines):
        match = _MINOR_84.match(line)
        if not match or int(match.group(1)) != int(minor):
            continue
        cstate = match.group(2)
        if cstate == "Unconfigured":
            return dict(UNCONFIGURED)
        state = dict(
            configured=True,
            cstate=cstate,
            replication=cstate,
            role=match.group(3),
            peer_role=match.group(4),
            disk=match.group(5),
            peer_disk=match.group(6),
            sync_progress=None,
        )
        # The progress bar follows on the next lines of the same minor.
        for following in lines[index + 1:]:
            if _MINOR_84.match(following):
                break
            synced = _SYNCED_84.search(following)
            if synced:
                state["sync_progress"] = float(synced.group(1))
                break
        return state
    return None


def split_pair(text):
    """'Secondary/Primary' -> ('Secondary', 'Primary'); 'Secondary' -> ('Secondary', None)."""
    first = (text or "").strip().splitlines()
    if not first:
        return None, None
    word = first[0].strip()
    if "/" in word:
        local, peer = word.split("/", 1)
        return local, peer
    return word, None


def parse_gi(text):
    """The generation identifiers printed by get-gi/show-gi, or None.

    Returns dict(current, bitmap, history=[h1, h2], flags=[...]) with the
    UUIDs as ints. DRBD 8.4 prints 7 flags after the 4 UUIDs, DRBD 9 more;
    only the UUIDs are used here.
    """
    match = _GI.search(text or "")
    if not match:
        return None
    uuids = [int(part, 16) for part in match.group(1).rstrip(":").split(":")]
    flags = [int(part) for part in match.group(2).split(":") if part != ""]
    return dict(
        current=uuids[0],
        bitmap=uuids[1],
        history=uuids[2:4],
        flags=flags,
        text=match.group(0).strip(),
    )


def never_held_data(gi):
    """True when the GIs are those of metadata that never held data.

    create-md writes the current UUID UUID_JUST_CREATED with no bitmap UUID
    and no history; the first promotion (the initial sync) replaces it for
    good. None when the GIs are unknown.
    """
    if gi is None:
        return None
    return (
        (gi["current"] & ~1) == UUID_JUST_CREATED
        and gi["bitmap"] == 0
        and all(uuid == 0 for uuid in gi["history"])
    )


def parse_status_json(text, name):
    """The state of resource NAME from DRBD 9's `drbdsetup status --json`."""
    try:
        data = json.loads(text)
    except ValueError:
        raise DrbdError("cannot read the JSON of drbdsetup status: %r" % (text[:200],))
    for resource in data if isinstance(data, list) else []:
        if resource.get("name") != name:
            continue
        devices = resource.get("devices") or [{}]
        connections = resource.get("connections") or []
        state = dict(
            configured=True,
            role=resource.get("role", "Unknown"),
            disk=devices[0].get("disk-state", "Diskless"),
            peer_role="Unknown",
            cstate="StandAlone",
            replication="Off",
            peer_disk="DUnknown",
            sync_progress=None,
        )
        if connections:
            conn = connections[0]
            peer_devices = conn.get("peer_devices") or [{}]
            state["cstate"] = conn.get("connection-state", "Unknown")
            state["peer_role"] = conn.get("peer-role", "Unknown")
            state["replication"] = peer_devices[0].get("replication-state", "Off")
            state["peer_disk"] = peer_devices[0].get("peer-disk-state", "DUnknown")
            if state["replication"] in SYNCING:
                percent = peer_devices[0].get("percent-in-sync")
                if percent is not None:
                    state["sync_progress"] = float(percent)
        return state
    return None


def parse_wipefs_json(text):
    """Signatures listed by `wipefs --no-act --json DEVICE`."""
    if not (text or "").strip():
        return []
    try:
        data = json.loads(text)
    except ValueError:
        raise DrbdError("cannot read the JSON of wipefs: %r" % (text[:200],))
    found = []
    for sig in data.get("signatures") or []:
        found.append(dict(
            type=sig.get("type") or "unknown",
            offset=sig.get("offset"),
            label=sig.get("label"),
            uuid=sig.get("uuid"),
        ))
    return found


def describe_signatures(signatures):
    """'ext3 (label "old-data") at offset 0x438, dos at offset 0x1fe'."""
    parts = []
    for sig in signatures:
        text = sig["type"]
        if sig.get("label"):
            text += ' (label "%s")' % sig["label"]
        if sig.get("offset"):
            text += " at offset %s" % sig["offset"]
        parts.append(text)
    return ", ".join(parts)


def metadata_verdict(rc, out, err):
    """'valid', 'none' or 'unknown' from `drbdadm dump-md RES`.

    Metadata that a node left "unclean" (it lost power while the resource
    was attached: its activity log still to be applied) are metadata all
    the same: attaching applies the log (drbdadm's attach runs apply-al
    first), and nothing may ever be created over them."""
    text = (out or "") + "\n" + (err or "")
    if rc == 0 and re.search(r'^version\s+"v0[89]";', out or "", re.MULTILINE):
        return "valid"
    if re.search(r'Found meta data is "unclean", please apply-al first', text):
        return "valid"
    if rc != 0 and "No valid meta data found" in text:
        return "none"
    return "unknown"


def same_device(first, second):
    """True when two device paths name the same file once symbolic links are
    resolved (/dev/disk/by-id/..., /dev/mapper/... and /dev/VG/LV are links)."""
    return os.path.realpath(first) == os.path.realpath(second)


def dry_run_commands(out):
    """The commands `drbdadm -d adjust RES` would run (empty: nothing to do)."""
    return [line.strip() for line in (out or "").splitlines() if line.strip()]


def is_connected(state, family):
    if family == "9":
        return state["cstate"] == "Connected"
    return state["cstate"] in CONNECTED_84


def duration(seconds):
    """SECONDS for people: 45 s, 3 min 10 s, 1 h 5 min."""
    seconds = int(round(max(0, seconds)))
    if seconds < 60:
        return "%d s" % seconds
    if seconds < 3600:
        minutes, rest = divmod(seconds, 60)
        return "%d min" % minutes + (" %d s" % rest if rest else "")
    hours, rest = divmod(seconds, 3600)
    return "%d h" % hours + (" %d min" % (rest // 60) if rest // 60 else "")


def seconds_left(before, after, elapsed):
    """Seconds a sync needs to finish at the rate it went from BEFORE to AFTER
    percent in ELAPSED seconds; None when that says nothing."""
    if before is None or after is None or elapsed <= 0 or after <= before:
        return None
    return (100.0 - after) * elapsed / (after - before)


def describe(state):
    """One line for messages: role, connection and disks of a state."""
    text = "role %s/%s, connection %s, disk %s/%s" % (
        state["role"], state["peer_role"], state["cstate"], state["disk"], state["peer_disk"])
    if state.get("replication") and state["replication"] not in (state["cstate"], "Off", "Established"):
        text += " (%s)" % state["replication"]
    if state.get("sync_progress") is not None:
        text += ", synced %.1f%%" % state["sync_progress"]
    return text


class DrbdResource:
    """One resource on this node, through drbdadm/drbdsetup/wipefs."""

    def __init__(self, module, name, proc_path=None, sleep=None, clock=None):
        self.module = module
        self.name = name
        self.proc_path = proc_path or PROC_DRBD
        self.sleep = sleep or _SLEEP
        self.clock = clock or _CLOCK
        self.wall = _WALL
        self.drbdadm = module.get_bin_path("drbdadm")
        self._minor = None

    # -- running tools -------------------------------------------------
    def run(self, args):
        rc, out, err = self.module.run_command(args, environ_update=dict(LC_ALL="C"))
        return rc, out or "", err or ""

    def adm(self, *args):
        return self.run([self.drbdadm] + list(args))

    def adm_ok(self, *args):
        rc, out, err = self.adm(*args)
        if rc != 0:
            raise DrbdError("drbdadm %s failed (rc %d): %s" % (
                " ".join(args), rc, (err.strip() or out.strip() or "no output")))
        return out

    def adm_line(self, *args):
        """The first line drbdadm prints; an error naming its exit status
        and stderr when it fails or prints nothing."""
        rc, out, err = self.adm(*args)
        lines = out.strip().splitlines()
        if rc != 0 or not lines:
            raise DrbdError("drbdadm %s printed %r (exit %d, stderr %r)" % (
                " ".join(args), out.strip(), rc, err.strip() or "none"))
        return lines[0].strip()

    # -- reading -------------------------------------------------------
    def read_proc(self):
        try:
            with open(self.proc_path) as handle:
                return handle.read()
        except (IOError, OSError):
            return None

    def version(self):
        return kernel_version(self.read_proc())

    def minor(self):
        if self._minor is None:
            # A CI rehearsal once saw sh-minor exit 0 with nothing on stdout
            # while the peer started the initial sync: ask again before failing.
            for attempt in range(3):
                try:
                    line = self.adm_line("sh-minor", self.name)
                    break
                except DrbdError:
                    if attempt == 2:
                        raise
                    self.sleep(0.5)
            if not line.isdigit():
                raise DrbdError("drbdadm sh-minor %s printed %r, not a minor number" % (self.name, line))
            self._minor = int(line)
        return self._minor

    def lower_devices(self):
        """(backing device, metadata device) of this node, as drbdadm reads
        them from the resource file: the devices create-md writes to.

        The same device twice for internal metadata. DrbdError when drbdadm
        cannot name them (the resource or this node's section is missing)
        or names more than one (a resource with several volumes).
        """
        devices = []
        for verb in ("sh-ll-dev", "sh-md-dev"):
            rc, out, err = self.adm(verb, self.name)
            lines = [line.strip() for line in out.splitlines() if line.strip()]
            if rc != 0 or not lines:
                raise DrbdError("drbdadm %s %s printed %r (exit %d, stderr %r)" % (
                    verb, self.name, out.strip(), rc, " ".join(err.strip().splitlines()[-3:]) or "none"))
            if len(lines) > 1:
                raise DrbdError("drbdadm %s %s names %d devices (%s): the resource has several volumes, "
                                "this module handles resources with one" % (
                                    verb, self.name, len(lines), ", ".join(lines)))
            devices.append(lines[0])
        return devices[0], devices[1]

    def status(self, family):
        """Role, connection, disks and sync progress of the resource."""
        rc, out, err = self.adm("role", self.name)
        role, peer_role = split_pair(out)
        if rc != 0 or role in (None, "Unconfigured"):
            return dict(UNCONFIGURED)
        state = dict(UNCONFIGURED, configured=True, role=role, peer_role=peer_role or "Unknown")
        rc, out, err = self.adm("cstate", self.name)
        if rc == 0 and out.strip():
            state["cstate"] = out.strip().splitlines()[0].strip()
            state["replication"] = state["cstate"]
        rc, out, err = self.adm("dstate", self.name)
        disk, peer_disk = split_pair(out if rc == 0 else "")
        if disk:
            state["disk"] = disk
            state["peer_disk"] = peer_disk or "DUnknown"
        if family == "9":
            drbdsetup = self.module.get_bin_path("drbdsetup", required=True)
            rc, out, err = self.run([drbdsetup, "status", "--json", self.name])
            extra = parse_status_json(out, self.name) if rc == 0 else None
            if extra:
                state["peer_role"] = extra["peer_role"]
                state["replication"] = extra["replication"]
                state["sync_progress"] = extra["sync_progress"]
                if not peer_disk:
                    state["peer_disk"] = extra["peer_disk"]
        else:
            # The minor only serves to find the sync progress in /proc/drbd:
            # without it the progress is unknown, the state is still known.
            try:
                minor = self.minor()
            except DrbdError as exc:
                self.module.warn("sync progress of %s unknown: %s" % (self.name, exc))
                minor = None
            proc = parse_proc_minor(self.read_proc() or "", minor) if minor is not None else None
            if proc:
                state["sync_progress"] = proc["sync_progress"]
        return state

    def generation_ids(self):
        rc, out, err = self.adm("get-gi", self.name)
        return parse_gi(out) if rc == 0 else None

    def metadata(self):
        """('valid'|'none'|'unknown', tool output) for a device not attached."""
        rc, out, err = self.adm("dump-md", self.name)
        verdict = metadata_verdict(rc, out, err)
        detail = (err.strip() or out.strip()).splitlines()
        return verdict, " ".join(detail[-3:])

    def signatures(self, device):
        wipefs = self.module.get_bin_path("wipefs", required=True)
        rc, out, err = self.run([wipefs, "--no-act", "--json", device])
        if rc != 0:
            raise DrbdError("cannot look for signatures on %s: wipefs failed (rc %d): %s" % (
                device, rc, err.strip() or out.strip()))
        return parse_wipefs_json(out)

    def adjust_plan(self):
        return dry_run_commands(self.adm_ok("-d", "adjust", self.name))

    def wait_for(self, family, predicate, timeout):
        """Poll the state until PREDICATE holds; (state, True) or (last state, False)."""
        deadline = self.clock() + timeout
        while True:
            state = self.status(family)
            if predicate(state):
                return state, True
            left = deadline - self.clock()
            if left <= 0:
                return state, False
            self.sleep(min(2.0, left))
