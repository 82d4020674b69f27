# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one node of the pair says about itself, read-only.

Parsers are pure functions of the text the tools or files hold (tested on
recorded examples); ``collect`` runs the tools through
``AnsibleModule.run_command`` with argument lists and reads the files named
in ``PATHS`` (tests point them at a fake tree). DRBD states come from
``module_utils.drbd`` (shared with the drbd_resource module).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import re
import shlex

from ansible_collections.hapair.cluster.plugins.module_utils.drbd import (
    DrbdError,
    DrbdResource,
    describe,
)

PATHS = dict(
    proc_mounts="/proc/mounts",
    boot="/boot",
    grubenv="/boot/grub/grubenv",
    grub_cfg="/boot/grub/grub.cfg",
    default_grub="/etc/default/grub",
    default_grub_d="/etc/default/grub.d",
    ha_cf="/etc/ha.d/ha.cf",
    sys_block="/sys/block",
)

# cl_status nodestatus answers that mean "this node is in the cluster".
NODE_UP = frozenset(("active", "up"))
# cl_status rscstatus answers of a node that holds the group, its takeover over.
HOLDING = frozenset(("all", "local"))

_KERNEL_IN_LINUX_LINE = re.compile(r"/vmlinuz-(\S+)")


def uname():
    """(node name, kernel release) of this machine; tests replace it."""
    info = os.uname()
    return info[1], info[2]


def read_text(path):
    """The text of PATH, or None when it cannot be read."""
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError, UnicodeError):
        return None


# -- kernels and GRUB ---------------------------------------------------------

def kernel_sort_key(version):
    """Order kernel releases: '6.1.0-9-amd64' < '6.1.0-18-amd64' < '6.12.6-amd64'."""
    parts = []
    for part in re.findall(r"\d+|[A-Za-z]+", version):
        parts.append((0, int(part), "") if part.isdigit() else (1, 0, part))
    return parts


def installed_kernels(boot_dir):
    """Kernel releases that have a /boot/vmlinuz-RELEASE, oldest first."""
    found = []
    for path in glob.glob(os.path.join(boot_dir, "vmlinuz-*")):
        release = os.path.basename(path)[len("vmlinuz-"):]
        if release and not release.endswith((".old", ".bak", ".dpkg-tmp")):
            found.append(release)
    return sorted(set(found), key=kernel_sort_key)


def parse_grubenv(text):
    """Variables of a GRUB environment block (saved_entry, next_entry, ...)."""
    values = {}
    for line in (text or "").splitlines():
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = value
    return values


def parse_default_grub(texts):
    """Shell assignments of /etc/default/grub then grub.d/*.cfg; the last one wins.

    Only plain ``KEY=VALUE`` lines are read (no expansion), which is how
    GRUB_DEFAULT and GRUB_SAVEDEFAULT are written in practice.
    """
    values = {}
    for text in texts:
        for line in (text or "").splitlines():
            match = re.match(r"^\s*(?:export\s+)?(GRUB_[A-Z_]+)=(.*)$", line)
            if not match:
                continue
            try:
                words = shlex.split(match.group(2), comments=True)
            except ValueError:
                continue
            values[match.group(1)] = words[0] if words else ""
    return values


def parse_grub_cfg(text):
    """The menu entries of a grub.cfg: list of dict(path, title, kernel, recovery).

    ``path`` is the id path GRUB accepts in saved_entry/next_entry
    (``SUBMENU_ID>ENTRY_ID``, titles where an entry has no id); ``kernel``
    is the release of the ``linux /boot/vmlinuz-RELEASE`` line of the entry.
    """
    entries = []
    stack = []  # open blocks: dict(kind, key, title) ; kind in submenu, menuentry, other
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        first = line.split(None, 1)[0]
        if first in ("menuentry", "submenu") and line.endswith("{"):
            try:
                words = shlex.split(line[:-1])
            except ValueError:
                words = line[:-1].split()
            title = words[1] if len(words) > 1 else ""
            key = title
            for index, word in enumerate(words):
                if word in ("$menuentry_id_option", "--id") and index + 1 < len(words):
                    key = words[index + 1]
            block = dict(kind=first, key=key, title=title, kernel=None)
            stack.append(block)
            if first == "menuentry":
                parents = [b["key"] for b in stack[:-1] if b["kind"] == "submenu"]
                block["path"] = ">".join(parents + [key])
                entries.append(block)
            continue
        if line.endswith("{"):
            stack.append(dict(kind="other"))
            continue
        if line == "}":
            if stack:
                stack.pop()
            continue
        if first in ("linux", "linux16", "linuxefi"):
            match = _KERNEL_IN_LINUX_LINE.search(line)
            for block in reversed(stack):
                if block["kind"] == "menuentry":
                    if match and block["kernel"] is None:
                        block["kernel"] = match.group(1)
                        block["single"] = " single" in line
                    break
    result = []
    for block in entries:
        recovery = "recovery" in block["title"].lower() or "-recovery-" in block["key"] or block.get("single", False)
        result.append(dict(path=block["path"], title=block["title"], kernel=block["kernel"], recovery=recovery))
    return result


def entry_for_kernel(entries, release):
    """The id path that boots RELEASE: its own entry, not the recovery one nor the
    first "simple" entry (which follows whatever kernel is newest)."""
    candidates = [e for e in entries if e["kernel"] == release and not e["recovery"]]
    if not candidates:
        return None
    own = [e for e in candidates if release in e["path"].split(">")[-1]]
    nested = [e for e in candidates if ">" in e["path"]]
    return (own or nested or candidates)[0]["path"]


def collect_kernel():
    node, running = uname()
    installed = installed_kernels(PATHS["boot"])
    newest = installed[-1] if installed else None
    cfg_text = read_text(PATHS["grub_cfg"])
    entries = parse_grub_cfg(cfg_text)
    env_text = read_text(PATHS["grubenv"])
    env = parse_grubenv(env_text)
    dropins = sorted(glob.glob(os.path.join(PATHS["default_grub_d"], "*.cfg")))
    defaults = parse_default_grub([read_text(PATHS["default_grub"])] + [read_text(p) for p in dropins])
    kernel = dict(
        running=running,
        installed=installed,
        newest=newest,
        running_is_newest=newest is not None and running == newest,
        running_entry=entry_for_kernel(entries, running),
        newest_entry=entry_for_kernel(entries, newest) if newest else None,
    )
    grub = dict(
        config_found=cfg_text is not None,
        saved_default_in_cfg='set default="${saved_entry}"' in (cfg_text or ""),
        env_found=env_text is not None,
        default=defaults.get("GRUB_DEFAULT", "0"),
        savedefault=defaults.get("GRUB_SAVEDEFAULT", "false"),
        saved_entry=env.get("saved_entry") or None,
        next_entry=env.get("next_entry") or None,
    )
    return node, kernel, grub


# -- Heartbeat ------------------------------------------------------------------

def parse_lines(text):
    """Non-empty stripped lines (cl_status listnodes/listhblinks print one per line)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse_ha_cf(text):
    """The directives of ha.cf this module reports: auto_failback and the nodes."""
    values = dict(auto_failback=None, nodes=[])
    for line in (text or "").splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) < 2:
            continue
        if words[0] == "auto_failback":
            values["auto_failback"] = words[1]
        elif words[0] == "node":
            values["nodes"].extend(words[1:])
    return values


class Runner:
    """Runs tools with LC_ALL=C; (rc, stdout, stderr) with text never None."""

    def __init__(self, module):
        self.module = module

    def run(self, argv):
        rc, out, err = self.module.run_command(argv, environ_update=dict(LC_ALL="C"))
        return rc, out or "", err or ""


def collect_heartbeat(module, runner, node, peer):
    ha_cf = parse_ha_cf(read_text(PATHS["ha_cf"]))
    state = dict(
        installed=False,
        running=False,
        enabled=None,
        resources=None,
        nodes={},
        links={},
        auto_failback=ha_cf["auto_failback"],
    )
    systemctl = module.get_bin_path("systemctl")
    if systemctl:
        rc, out, err = runner.run([systemctl, "is-enabled", "heartbeat.service"])
        state["enabled"] = rc == 0
    cl_status = module.get_bin_path("cl_status", opt_dirs=["/usr/bin", "/usr/sbin"])
    if not cl_status:
        return state
    state["installed"] = True
    rc, out, err = runner.run([cl_status, "hbstatus"])
    state["running"] = rc == 0
    if not state["running"]:
        return state
    rc, out, err = runner.run([cl_status, "rscstatus"])
    lines = parse_lines(out)
    state["resources"] = lines[0] if rc == 0 and lines else None
    rc, out, err = runner.run([cl_status, "listnodes", "-n"])
    names = parse_lines(out) if rc == 0 else []
    for name in ha_cf["nodes"] + ([peer] if peer else []):
        if name not in names:
            names.append(name)
    for name in names:
        rc, out, err = runner.run([cl_status, "nodestatus", name])
        lines = parse_lines(out)
        state["nodes"][name] = lines[0] if lines else "unknown"
        if name == node:
            continue
        rc, out, err = runner.run([cl_status, "listhblinks", name])
        links = {}
        for link in parse_lines(out) if rc == 0 else []:
            rc, out, err = runner.run([cl_status, "hblinkstatus", name, link])
            status = parse_lines(out)
            links[link] = status[0] if status else "unknown"
        state["links"][name] = links
    return state


# -- DRBD, mounts, guests, Mon --------------------------------------------------

def parse_mounts(text, with_type=False):
    """mount point -> source (with_type: (source, fstype)), from /proc/mounts text."""
    mounts = {}
    for line in (text or "").splitlines():
        fields = line.split()
        if len(fields) >= 3 or (len(fields) == 2 and not with_type):
            # /proc/mounts escapes spaces as \040
            mounts[fields[1].replace("\\040", " ")] = (fields[0], fields[2]) if with_type else fields[0]
    return mounts


def backing_devices(minor):
    """The block devices under /dev/drbdMINOR (its slaves in sysfs: the backing
    disk, and the metadata disk when it is external), as /dev paths; [] when
    the minor is not attached to a disk."""
    if minor is None:
        return []
    try:
        names = os.listdir(os.path.join(PATHS["sys_block"], "drbd%s" % minor, "slaves"))
    except OSError:
        return []
    return ["/dev/" + name for name in sorted(names)]


def resolve_disks(disks):
    """path -> the device it names on this node (symlinks followed), None when missing."""
    out = {}
    for path in sorted(set(str(p) for p in (disks or {}).values() if p)):
        out[path] = os.path.realpath(path) if os.path.exists(path) else None
    return out


def drbd_healthy(state, family):
    """Connected, nothing to resync, both disks UpToDate."""
    if family == "9":
        connected = state["cstate"] == "Connected" and state["replication"] == "Established"
    else:
        connected = state["cstate"] == "Connected"
    return connected and state["disk"] == "UpToDate" and state["peer_disk"] == "UpToDate"


def collect_drbd(module, resources):
    version = family = None
    states = []
    if resources and module.get_bin_path("drbdadm"):
        version, family = DrbdResource(module, resources[0]["name"]).version()
    mounts = parse_mounts(read_text(PATHS["proc_mounts"]), with_type=True)
    for res in resources:
        name = res["name"]
        item = dict(name=name, minor=res.get("minor"), mountpoint=res.get("mountpoint"), error=None,
                    backing=backing_devices(res.get("minor")),
                    disks=resolve_disks(res.get("disks")))
        try:
            if not module.get_bin_path("drbdadm"):
                raise DrbdError("drbdadm is not installed")
            state = DrbdResource(module, name).status(family)
        except DrbdError as exc:
            state = dict(configured=False, role="Unknown", peer_role="Unknown", cstate="Unknown",
                         replication="Off", disk="DUnknown", peer_disk="DUnknown", sync_progress=None)
            item["error"] = str(exc)
        item.update(state)
        source, fstype = mounts.get(res.get("mountpoint") or "", (None, None))
        item["mounted"] = source is not None and source.startswith("/dev/drbd")
        item["mounted_from"] = source
        item["fstype"] = fstype
        item["healthy"] = drbd_healthy(state, family)
        item["summary"] = describe(state)
        states.append(item)
    return dict(version=version, family=family, resources=states)


def unit_active(module, runner, unit):
    """(active, state word) of a systemd unit."""
    systemctl = module.get_bin_path("systemctl")
    if not systemctl:
        return False, "unknown"
    rc, out, err = runner.run([systemctl, "is-active", unit])
    words = parse_lines(out)
    return rc == 0, words[0] if words else "unknown"


def guest_running(module, runner, backend, name):
    if backend == "util-vserver":
        vserver = module.get_bin_path("vserver", opt_dirs=["/usr/sbin"])
        if not vserver:
            return False
        rc, out, err = runner.run([vserver, name, "status"])
        return rc == 0
    return unit_active(module, runner, "systemd-nspawn@%s.service" % name)[0]


# -- events the node keeps until they are dealt with -----------------------------

# Where the drbd role's split-brain handler and the heartbeat role's takeover
# guard record events (the roles' drbd_event_dir and heartbeat_event_dir).
EVENT_DIR = "/var/lib/hapair/events"
# A disk that must not be promoted: the newest data are on the peer.
NOT_NEWEST = frozenset(("Outdated", "Inconsistent"))


def read_events(event_dir, names):
    """resource -> {split_brain: [lines], refused_takeover: line or None}."""
    events = {}
    for name in names:
        split = read_text(os.path.join(event_dir, name + ".split-brain"))
        refused = read_text(os.path.join(event_dir, name + ".refused-takeover"))
        events[name] = dict(split_brain=parse_lines(split),
                            refused_takeover=(parse_lines(refused) or [None])[-1])
    return events


def event_problems(node, peer, peer_up, res, events):
    """What RES's state and recorded events say the operator must act on."""
    found = []
    name = res["name"]
    other = peer or "the other node"
    # disconnected (the peer's disk unknown), not syncing
    stale = res["disk"] in NOT_NEWEST and res["peer_disk"] == "DUnknown" and res["role"] != "Primary"
    if stale and peer_up:
        found.append(
            "%s: DRBD %s is %s here and not connected to %s, which holds the newest data and is up: "
            "the replication link is down; once it is back the pair resyncs from %s by itself"
            % (node, name, res["disk"], other, other))
    elif stale:
        found.append(
            "%s: DRBD %s is %s here: the newest data are on %s. Bring %s back (the pair resyncs and "
            "takes the group by itself); only if %s is lost for good, force the takeover here, losing "
            "what was written there since they were separated: ansible-playbook force-takeover.yml "
            "-e node=%s -e accept_data_loss=%s" % (node, name, res["disk"], other, other, other, node, name))
    # A refusal matters while this copy is still behind; once it is resynced
    # (or holds the group after a forced takeover) it is history, mailed then.
    if events.get("refused_takeover") and not res["healthy"] and not (res["role"] == "Primary" and res["mounted"]):
        found.append("%s: refused to take the group over (DRBD %s not the newest): %s"
                     % (node, name, events["refused_takeover"]))
    if events.get("split_brain"):
        happened = "; ".join(events["split_brain"])
        if res["cstate"] == "StandAlone" and any(" unresolved" in line for line in events["split_brain"]):
            # DRBD kept both copies and stays disconnected until told which to keep
            found.append(
                "%s: DRBD %s has a split brain that DRBD left unresolved (%s): both copies are kept, "
                "disconnected, and %s. Choose the node whose data to keep (the other one's changes since "
                "they were separated are lost): ansible-playbook resolve-split-brain.yml -e keep=NODE "
                "-e accept_data_loss=%s; then ansible-playbook acknowledge-split-brain.yml -e resource=%s"
                % (node, name, happened,
                   "this copy is Primary, in use" if res["role"] == "Primary" else "this copy is not in use",
                   name, name))
        else:
            found.append(
                "%s: DRBD %s had a split brain (%s); the kernel log says which node's changes were "
                "discarded (journalctl -k | grep -i split-brain). Once checked: ansible-playbook "
                "acknowledge-split-brain.yml -e resource=%s" % (node, name, happened, name))
    return found


# -- the whole node ----------------------------------------------------------------

def problems_of(status, peer):
    """What is wrong, as far as this node can tell on its own."""
    found = []
    node = status["node"]
    hb = status["stack"]
    if not hb["installed"]:
        found.append("%s: Heartbeat is not installed (no cl_status)" % node)
    elif not hb["running"]:
        found.append("%s: Heartbeat is not running" % node)
    else:
        if peer:
            peer_state = hb["nodes"].get(peer, "unknown")
            if peer_state not in NODE_UP:
                found.append("%s: Heartbeat sees peer %s %s" % (node, peer, peer_state))
            for link, link_state in sorted(hb["links"].get(peer, {}).items()):
                if link_state != "up":
                    found.append("%s: Heartbeat link %s to %s is %s" % (node, link, peer, link_state))
        if hb["resources"] == "transition":
            found.append("%s: Heartbeat resources in transition" % node)
    for res in status["drbd"]["resources"]:
        if res["error"]:
            found.append("%s: DRBD %s unreadable: %s" % (node, res["name"], res["error"]))
        elif not res["healthy"]:
            found.append("%s: DRBD %s not Connected UpToDate/UpToDate: %s" % (node, res["name"], res["summary"]))
        if res["role"] == "Primary" and res["peer_role"] == "Primary":
            found.append("%s: DRBD %s is Primary on both nodes" % (node, res["name"]))
        found.extend(event_problems(node, peer, hb["nodes"].get(peer) in NODE_UP, res,
                                    status["events"].get(res["name"], {})))
    if status["holds_any"] and not status["holds_resources"]:
        found.append("%s: holds part of the resource group only (%s)" % (node, ", ".join(
            "%s %s%s" % (r["name"], r["role"], " mounted" if r["mounted"] else "")
            for r in status["drbd"]["resources"])))
    down = [name for name, up in sorted(status["guests"].items()) if not up]
    up = [name for name, up in sorted(status["guests"].items()) if up]
    if status["holds_resources"] and down:
        found.append("%s: holds the group but guests are not running: %s" % (node, ", ".join(down)))
    mon = status.get("mon") or {}
    # Once the takeover is over (not in transition) and every guest runs,
    # the cluster script has started Mon: without it no service is watched.
    if (mon.get("service") and mon.get("active") is False and status["holds_resources"] and up and not down
            and status["stack"]["resources"] in HOLDING):
        found.append("%s: holds the group and runs its guests, but %s is %s: no guest service is watched"
                     " (systemctl start %s; journalctl -u %s says why it stopped)"
                     % (node, mon["service"], mon.get("state") or "not running", mon["service"], mon["service"]))
    if not status["holds_any"] and up:
        found.append("%s: does not hold the group but runs guests: %s" % (node, ", ".join(up)))
    return found


def summary_of(status):
    """A few lines for one screen."""
    node = status["node"]
    hb = status["stack"]
    lines = []
    role = "ACTIVE (holds the group)" if status["holds_resources"] else (
        "partly active" if status["holds_any"] else "passive")
    lines.append("%s: %s, kernel %s%s" % (
        node, role, status["kernel"]["running"],
        "" if status["kernel"]["running_is_newest"] else " (newest installed: %s)" % status["kernel"]["newest"]))
    if hb["running"]:
        nodes = ", ".join("%s %s" % item for item in sorted(hb["nodes"].items()))
        links = "; ".join("to %s: %s" % (peer, ", ".join("%s %s" % l for l in sorted(links.items())) or "none")
                          for peer, links in sorted(hb["links"].items()))
        lines.append("  heartbeat: running, resources %s; nodes %s; links %s" % (hb["resources"], nodes, links))
    else:
        lines.append("  heartbeat: %s" % ("stopped" if hb["installed"] else "not installed"))
    for res in status["drbd"]["resources"]:
        mounted = ", %s mounted" % res["mountpoint"] if res["mounted"] else ""
        lines.append("  drbd %s: %s%s" % (res["name"], res["error"] or res["summary"], mounted))
    running = sorted(name for name, up in status["guests"].items() if up)
    lines.append("  guests running: %s" % (", ".join(running) or "none"))
    if status["mon"]["service"]:
        lines.append("  mon: %s" % status["mon"]["state"])
    return lines


def collect(module, resources, guests, backend, peer, mon_service, event_dir=EVENT_DIR):
    runner = Runner(module)
    node, kernel, grub = collect_kernel()
    status = dict(node=node, kernel=kernel, grub=grub)
    status["stack"] = dict(collect_heartbeat(module, runner, node, peer), name="heartbeat")
    status["drbd"] = collect_drbd(module, resources)
    status["events"] = read_events(event_dir, [r["name"] for r in resources])
    drbd_states = status["drbd"]["resources"]
    status["holds_resources"] = bool(drbd_states) and all(
        r["role"] == "Primary" and r["mounted"] for r in drbd_states)
    status["holds_any"] = any(r["role"] == "Primary" or r["mounted"] for r in drbd_states)
    status["guests"] = dict((name, guest_running(module, runner, backend, name)) for name in guests)
    if mon_service:
        active, word = unit_active(module, runner, mon_service)
        status["mon"] = dict(service=mon_service, active=active, state=word)
    else:
        status["mon"] = dict(service=None, active=None, state=None)
    status["dkms"] = module.get_bin_path("dkms") is not None
    status["problems"] = problems_of(status, peer)
    status["summary"] = summary_of(status)
    return status
