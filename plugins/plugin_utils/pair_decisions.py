# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pair's decisions, taken on the controller from both nodes' readings.

Each node reads itself with the ``pair_status`` module, which also says what
is wrong as far as that node can tell alone (its ``problems``). What needs
both nodes is decided here: how the pair stands (``pair_view``), whether a
disruptive step may run (``pair_health``), where a switchover moves the
group (``switchover_decision``), which node a kernel upgrade starts with
(``upgrade_preflight``) and what a check run would do (``upgrade_plan_lines``).

Pure functions of plain data: a *status* is one node's ``pair_status``
result; a node that could not be read has a result without ``node`` (with
Ansible's ``msg``) or none at all. Every message the playbooks show about
these decisions is written here, once; the ``pair_decisions`` filters expose
the functions to the playbooks.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping

from ansible_collections.hapair.cluster.plugins.module_utils.pair_status import NODE_UP

# -- messages ------------------------------------------------------------------

# why a node whose reading failed could not be read, when Ansible says nothing
UNREACHABLE = "unreachable"

# pair_view
VIEW_UNREAD = "%s: DOWN or unreadable: %s"
VIEW_UNREAD_WHY = "not in this run (--limit?)"
VIEW_NO_HOLDER = "no node holds the resource group"
VIEW_NO_HOLDER_TAKE = ("no node holds the resource group, although %s runs Heartbeat with every disk UpToDate "
                       "and its Heartbeat sees the peer dead: Heartbeat missed its takeover (README: what it "
                       "does not protect against); have it take the group: on %s, "
                       "/usr/share/heartbeat/hb_takeover all")
VIEW_BOTH_HOLD = "both nodes hold the resource group"
VIEW_SPLIT_PRIMARY = "DRBD %s is Primary on %s (split brain?)"
VIEW_HEADLINE = "pair %s: %s, group held by %s"
VIEW_MISSING_LINE = "%s: DOWN or unreadable"
VIEW_PROBLEM_LINE = "PROBLEM %s"
VIEW_DEGRADED = "The pair %s is degraded:"
VIEW_HEALTHY = "The pair %s is healthy."

# pair_health
HEALTH_UNREAD = "%s cannot be read (%s)"
HEALTH_UNREAD_WHY = "down, unreachable, or left out by --limit: both nodes of a pair must be in the run"
HEALTH_HEARTBEAT_OFF = "Heartbeat is not running on %s"
HEALTH_HEARTBEAT_SEES = "Heartbeat on %s sees %s %s"
HEALTH_DRBD = "DRBD %s on %s is not Connected UpToDate/UpToDate: %s"
HEALTH_NOT_READ_LINE = "%s: not read"
HEALTH_REFUSED = ("%s: REFUSED before %s. That step was not run, nor anything after it, on this pair."
                  " The pair is not healthy:")
HEALTH_SEEN = "Seen on each node:"
HEALTH_RESTING = "Heartbeat stays off on %s (left so by an earlier step until it rejoins): no failover to it meanwhile."
HEALTH_WHAT_TO_DO = (
    "What to do: let a running resync finish; reconnect what is disconnected (the replication and Heartbeat"
    " links; drbdadm adjust RESOURCE on a StandAlone node; systemctl start heartbeat where Heartbeat stopped by"
    " itself; a node that cannot be read) until every resource is Connected UpToDate/UpToDate on both nodes"
    " (status.yml shows it); then run %s again: it resumes where it stopped.")
HEALTH_PLAYBOOK = "the playbook"
HEALTH_OK = "%s healthy before %s"
HEALTH_OK_RESTING = " (Heartbeat left off on %s until it rejoins)"

# switchover_decision
MOVE_UNREAD = "%s cannot be read: %s"
MOVE_HOLDERS = "the resource group is held by %s; look at status.yml before moving it"
MOVE_NOT_A_NODE = "to=%s is not a node of this pair (%s)"
MOVE_REFUSED = "No switchover of %s, nothing was changed:"
MOVE_GO = "Moving the group from %s to %s"
MOVE_THERE = "The group is already on %s"

# upgrade_preflight
UPGRADE_NO_ENTRY = ("%s: no GRUB menu entry boots the running kernel %s"
                    " (is the node booted by GRUB from /boot/grub/grub.cfg?)")
UPGRADE_SAVEDEFAULT = "%s: GRUB_SAVEDEFAULT=%s would make a kernel booted once the default; remove it from /etc/default/grub"
UPGRADE_HOLDERS = "the resource group is held by %s"
UPGRADE_GUESTS_DOWN = "guests not running on %s: %s"
UPGRADE_NOT_SECONDARY = "%s is not a clean Secondary: %s"
UPGRADE_REFUSED = "Kernel upgrade of %s refused, nothing was changed:"
UPGRADE_ORDER = "%s: master %s, slave %s (upgraded first)."
UPGRADE_RESUMING = "Resuming: Heartbeat was left off on %s"

# upgrade_plan_lines
PLAN_ORDER = "%s: slave %s first, then master %s."
PLAN_NODE = "%s: runs %s, newest installed %s"
PLAN_APT = "; apt would upgrade %s"
PLAN_APT_NONE = "; packages up to date"
PLAN_REBOOT = "; would boot the new kernel once, rejoin, then make it the default"
PLAN_NO_REBOOT = "; nothing to do"
PLAN_MOVE_FIRST = "; the group would first move to %s"

# existing_pair
EXISTING_DISK = ("%s: DRBD %s runs on %s (the devices under /dev/drbd%s), but the inventory's disk for %s is %s%s:"
                 " site.yml would rewrite its resource file for another disk. Correct drbd_resources (export.yml"
                 " reads a running pair), or take the resource down yourself first")
EXISTING_DISK_MISSING = " (no such device on the node)"
EXISTING_DISK_NAMES = " (%s on the node)"
EXISTING_MOUNT = ("%s: %s is mounted from %s, not from DRBD %s's %s: correct drbd_resources (minor, mountpoint),"
                  " or unmount it yourself first")
EXISTING_FSTYPE = ("%s: %s holds %s (mounted from %s), but drbd_resources %s says fstype %s: the collection never"
                   " makes a filesystem over one that exists; set fstype: %s")
EXISTING_ADOPT = ("the pair already runs (%s) and hapair.cluster has not managed it yet: it takes over only a"
                  " healthy pair")
EXISTING_RUNS = "%s on %s"
EXISTING_REFUSED = "site.yml REFUSED on the pair %s before changing anything on it:"
EXISTING_ADOPT_DO = (
    "What to do: make the pair healthy as it is (every resource Connected UpToDate/UpToDate on both nodes,"
    " Heartbeat running on both and each seeing the other; status.yml shows it), then run site.yml again;"
    " run it with --check --diff first to see what it would change.")
EXISTING_OK_BLANK = "%s: nothing of the pair runs yet; site.yml builds it"
EXISTING_OK_MANAGED = "%s: managed by hapair.cluster; what runs matches the inventory"
EXISTING_OK_ADOPT = "%s: a healthy pair built without hapair.cluster (%s); site.yml takes it over"

# GRUB_SAVEDEFAULT values that turn it on.
TRUE_WORDS = ("true", "y", "yes", "1")


# -- helpers ---------------------------------------------------------------------

def _unique(items):
    """ITEMS without repeats, first occurrence kept."""
    return list(dict.fromkeys(items))


def _pair_name(nodes):
    return " + ".join(nodes)


def _other(nodes, node):
    """The first node of NODES that is not NODE, or None."""
    return next((other for other in nodes if other != node), None)


def _is_read(result):
    """True when RESULT is what pair_status returned (not a failure, not unreachable)."""
    return isinstance(result, Mapping) and "node" in result


def _loop_results(source):
    """The items of a registered loop, or None when SOURCE is not one."""
    if not isinstance(source, Mapping) or not isinstance(source.get("results"), list):
        return None
    items = source["results"]
    if not all(isinstance(item, Mapping) and item.get("ansible_loop_var") in item for item in items):
        return None
    return items


def statuses_by_node(nodes, source, var=None):
    """node -> what the run has of it, for the nodes of NODES that have something.

    SOURCE is one of:
      - a mapping node -> pair_status result;
      - a registered loop of pair_status (its ``results``), each item naming
        its node in its loop variable;
      - with VAR: hostvars, each node's result being its variable VAR.
    A node's result may be a failure (no ``node`` key): it is kept, the
    decisions say why the node could not be read.
    """
    found = {}
    if source is None:
        return found
    if var is not None:
        for node in nodes:
            if node in source and var in source[node]:
                found[node] = source[node][var]
        return found
    items = _loop_results(source)
    if items is not None:
        for item in items:
            node = item[item["ansible_loop_var"]]
            if node in nodes:
                found[node] = item
        return found
    for node in nodes:
        if node in source:
            found[node] = source[node]
    return found


# -- the pair as it stands ---------------------------------------------------------

def _may_take_over_alone(node, status):
    """NODE runs Heartbeat, sees every other node dead, and every disk of it is UpToDate."""
    others = [state for name, state in status["stack"].get("nodes", {}).items() if name != node]
    resources = status["drbd"]["resources"]
    return (bool(status["stack"].get("running")) and bool(others) and all(s == "dead" for s in others)
            and bool(resources) and all(r["disk"] == "UpToDate" for r in resources))


def pair_view(nodes, statuses, resources, guests=None):
    """Both nodes put together, as status.yml shows them.

    NODES is the pair (hapair_nodes), STATUSES node -> pair_status result,
    RESOURCES the pair's DRBD resources (drbd_resources). Returns a dict:
      statuses  node -> result, for the nodes that could be read
      missing   nodes that could not be read (down, unreachable, --limit)
      holders   nodes holding the whole resource group
      active    the one holder, or None
      problems  what makes the pair degraded (empty: healthy)
      lines     the one-screen report
      message   status.yml's verdict: the problems, or that it is healthy
      data      the pair as plain data (status.yml's JSON), GUESTS (hapair_guests) adding addresses and services
      table     the compact table status.yml prints, from data
    """
    read = {}
    missing = []
    problems = []
    for node in nodes:
        result = statuses.get(node) or {}
        if _is_read(result):
            read[node] = result
        else:
            missing.append(node)
            problems.append(VIEW_UNREAD % (node, result.get("msg", VIEW_UNREAD_WHY)))
    holders = [node for node, status in read.items() if status["holds_resources"]]
    for status in read.values():
        problems.extend(status["problems"])
    if not holders:
        # the one case with a safe answer: Heartbeat itself says the peer
        # is dead, and this node has the newest data
        ready = [node for node, status in read.items() if _may_take_over_alone(node, status)]
        if len(ready) == 1:
            problems.append(VIEW_NO_HOLDER_TAKE % (ready[0], ready[0]))
        else:
            problems.append(VIEW_NO_HOLDER)
    elif len(holders) > 1:
        problems.append(VIEW_BOTH_HOLD)
    for res in resources or []:
        primaries = [node for node, status in read.items()
                     if any(r["name"] == res["name"] and r["role"] == "Primary" for r in status["drbd"]["resources"])]
        if len(primaries) > 1:
            problems.append(VIEW_SPLIT_PRIMARY % (res["name"], " and ".join(primaries)))
    problems = _unique(problems)
    lines = [_headline(_pair_name(nodes), problems, holders)]
    for status in read.values():
        lines.extend(status["summary"])
    lines.extend(VIEW_MISSING_LINE % node for node in missing)
    lines.extend(VIEW_PROBLEM_LINE % problem for problem in problems)
    message = [VIEW_DEGRADED % _pair_name(nodes)] + problems if problems else VIEW_HEALTHY % _pair_name(nodes)
    data = pair_data(nodes, read, holders, problems, resources or [], guests or [])
    return dict(statuses=read, missing=missing, holders=holders, active=holders[0] if len(holders) == 1 else None,
                problems=problems, lines=lines, message=message, data=data, table=pair_table(data))


# -- status.yml's table and its JSON --------------------------------------------------

def _headline(pair, problems, holders):
    return VIEW_HEADLINE % (pair, "DEGRADED" if problems else "HEALTHY", " and ".join(holders) or "nobody")


def _node_role(status):
    if status["holds_resources"]:
        return "active"
    return "partly active" if status["holds_any"] else "passive"


def pair_data(nodes, read, holders, problems, resources, guests):
    """The pair as plain data (status.yml's JSON): one record per node, per
    resource and node, per guest; the table is printed from it."""
    data = dict(pair=_pair_name(nodes), nodes_of_pair=list(nodes),
                state="DEGRADED" if problems else "HEALTHY", holder=holders[0] if len(holders) == 1 else None,
                holders=list(holders), problems=list(problems), nodes=[], drbd=[], guests=[])
    for node in nodes:
        status = read.get(node)
        if status is None:
            data["nodes"].append(dict(node=node, role="DOWN or unreadable", heartbeat=None, kernel=None, mon=None))
            continue
        hb = status["stack"]
        data["nodes"].append(dict(
            node=node, role=_node_role(status),
            heartbeat=("running" if hb["running"] else "stopped" if hb["installed"] else "not installed"),
            kernel=status["kernel"]["running"], mon=(status.get("mon") or {}).get("state")))
        for res in status["drbd"]["resources"]:
            data["drbd"].append(dict(
                resource=res["name"], node=node, role=res.get("role"), disk=res.get("disk"),
                peer_disk=res.get("peer_disk"), connection=res.get("cstate"),
                sync_percent=res.get("sync_progress"),
                mounted=res.get("mountpoint") if res.get("mounted") else None, error=res.get("error")))
    by_name = dict((g["name"], g) for g in guests if isinstance(g, Mapping) and "name" in g)
    names = list(by_name)
    for status in read.values():
        names.extend(name for name in status["guests"] if name not in names)
    for name in names:
        guest = by_name.get(name, {})
        data["guests"].append(dict(
            name=name, address=guest.get("address"),
            running_on=[node for node, status in read.items() if status["guests"].get(name)],
            services=[svc.get("service") for svc in guest.get("services") or [] if isinstance(svc, Mapping)]))
    return data


def _columns(rows):
    """ROWS (lists of cells, the first the heading) as aligned lines."""
    cells = [["-" if cell in (None, "", []) else str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in cells]


def pair_table(data):
    """status.yml's compact table of one pair, from pair_data."""
    lines = [_headline(data["pair"], data["problems"], data["holders"])]
    lines.extend(_columns([["NODE", "ROLE", "HEARTBEAT", "KERNEL", "MON"]] + [
        [n["node"], n["role"], n["heartbeat"], n["kernel"], n["mon"]] for n in data["nodes"]]))
    if data["drbd"]:
        lines.extend(_columns([["DRBD", "NODE", "ROLE", "DISK", "PEER DISK", "CONNECTION", "SYNC", "MOUNTED"]] + [
            [r["resource"], r["node"], r["error"] and "unreadable" or r["role"], r["disk"], r["peer_disk"],
             r["connection"], None if r["sync_percent"] is None else "%.1f%%" % r["sync_percent"], r["mounted"]]
            for r in data["drbd"]]))
    if data["guests"]:
        lines.extend(_columns([["GUEST", "ADDRESS", "RUNNING ON", "SERVICES"]] + [
            [g["name"], g["address"], " and ".join(g["running_on"]) or "nowhere", ", ".join(g["services"])]
            for g in data["guests"]]))
    lines.extend(VIEW_PROBLEM_LINE % problem for problem in data["problems"])
    return lines


# -- THE health rule before every disruptive step -----------------------------------

def _read_nodes(nodes, statuses):
    """(node -> status of the nodes read, [why each other node could not be read])."""
    read = dict((node, statuses[node]) for node in nodes if _is_read(statuses.get(node)))
    unread = []
    for node in nodes:
        if node not in read:
            result = statuses.get(node)
            why = result.get("msg", UNREACHABLE) if isinstance(result, Mapping) else HEALTH_UNREAD_WHY
            unread.append(HEALTH_UNREAD % (node, why))
    return read, unread


def pair_health(nodes, statuses, off_ok=None):
    """Whether a disruptive step may run on the pair: the rule of pair_healthy.yml.

    Healthy when both nodes are read; Heartbeat runs on both and each sees
    the other active or up (when the other's runs too); every DRBD resource
    is Connected UpToDate/UpToDate on both nodes. A node of OFF_OK may
    *rest* instead of running Heartbeat: installed, stopped, disabled at
    boot, holding nothing. Returns dict(problems, resting, seen): seen is
    what each node showed (its summary lines).
    """
    off_ok = off_ok or []
    read, problems = _read_nodes(nodes, statuses)
    resting = []
    for node, status in read.items():
        other = _other(nodes, node)
        hb = status["stack"]
        if not hb["running"]:
            if node in off_ok and hb["installed"] and hb["enabled"] is False and not status["holds_any"]:
                resting.append(node)
            else:
                problems.append(HEALTH_HEARTBEAT_OFF % node)
        elif other in read and read[other]["stack"]["running"]:
            seen = hb["nodes"].get(other, "unknown")
            if seen not in NODE_UP:
                problems.append(HEALTH_HEARTBEAT_SEES % (node, other, seen))
        for res in status["drbd"]["resources"]:
            if not res["healthy"]:
                problems.append(HEALTH_DRBD % (res["name"], node, res["error"] or res["summary"]))
    seen = []
    for node in nodes:
        seen.extend(read[node]["summary"] if node in read else [HEALTH_NOT_READ_LINE % node])
    return dict(problems=_unique(problems), resting=resting, seen=seen)


def health_refusal(nodes, step, health, playbook=None):
    """The lines that refuse STEP: what is wrong, what each node showed, what to do."""
    lines = [HEALTH_REFUSED % (_pair_name(nodes), step)] + health["problems"] + [HEALTH_SEEN] + health["seen"]
    if health["resting"]:
        lines.append(HEALTH_RESTING % ", ".join(health["resting"]))
    lines.append(HEALTH_WHAT_TO_DO % (playbook or HEALTH_PLAYBOOK))
    return lines


def health_success(nodes, step, health):
    """The line that lets STEP run."""
    rest = HEALTH_OK_RESTING % ", ".join(health["resting"]) if health["resting"] else ""
    return HEALTH_OK % (_pair_name(nodes), step) + rest


# -- a pair that already runs -------------------------------------------------------

def _runs_here(node, status):
    """What of the pair runs on NODE: DRBD resources up or mounted, Heartbeat."""
    out = []
    for res in status["drbd"]["resources"]:
        if res.get("configured") or res.get("backing") or res.get("mounted_from"):
            out.append("DRBD %s" % res["name"])
    if status["stack"]["running"]:
        out.append("Heartbeat")
    return EXISTING_RUNS % (", ".join(out), node) if out else None


def _resource_problems(node, status, wanted):
    """What NODE runs of each resource of WANTED that the inventory contradicts."""
    problems = []
    by_name = dict((res.get("name"), res) for res in wanted if isinstance(res, Mapping))
    for res in status["drbd"]["resources"]:
        want = by_name.get(res["name"])
        if want is None:
            continue
        disk = (want.get("disks") or {}).get(node)
        backing = res.get("backing") or []
        if backing and disk:
            real = (res.get("disks") or {}).get(disk)
            if real not in backing:
                names = EXISTING_DISK_MISSING if real is None else (
                    EXISTING_DISK_NAMES % real if real != disk else "")
                problems.append(EXISTING_DISK % (node, res["name"], ", ".join(backing), res.get("minor"), node,
                                                 disk, names))
        source = res.get("mounted_from")
        if source is None:
            continue
        if want.get("device") and source != want["device"]:
            problems.append(EXISTING_MOUNT % (node, res["mountpoint"], source, res["name"], want["device"]))
        elif want.get("fstype") and res.get("fstype") and res["fstype"] != want["fstype"]:
            problems.append(EXISTING_FSTYPE % (node, res["mountpoint"], res["fstype"], source, res["name"],
                                               want["fstype"], res["fstype"]))
    return problems


def existing_pair(nodes, statuses, resources, managed):
    """Whether site.yml may go on with what already runs on the pair's nodes.

    STATUSES: node -> pair_status result (with the inventory's RESOURCES
    given, so that it resolved their disks); RESOURCES: the model's
    resources; MANAGED: node -> True when hapair.cluster already manages
    the node (its marker). Whatever runs must match the inventory: a
    resource attached to another disk, a mountpoint mounted from another
    device or holding another filesystem type is refused. A pair that runs
    and that the collection has never managed (one built by hand) must
    also be healthy (the rule of pair_health), so that taking it over
    never starts from a degraded pair. A pair the collection manages may
    be degraded: site.yml is what repairs it.

    Returns dict(problems, adopting, running, message): message is the
    refusal's lines, or one line saying why the run goes on.
    """
    read, problems = _read_nodes(nodes, statuses)
    running = []
    for node in read:
        problems.extend(_resource_problems(node, read[node], resources or []))
        runs = _runs_here(node, read[node])
        if runs:
            running.append(runs)
    adopting = bool(running) and not any((managed or {}).get(node) for node in nodes)
    health = None
    if adopting and len(read) == len(nodes):
        health = pair_health(nodes, statuses)
        if health["problems"]:
            problems.append(EXISTING_ADOPT % "; ".join(running))
            problems.extend(health["problems"])
    problems = _unique(problems)
    pair = _pair_name(nodes)
    if problems:
        message = [EXISTING_REFUSED % pair] + problems
        if health and health["problems"]:
            message += [HEALTH_SEEN] + health["seen"] + [EXISTING_ADOPT_DO]
    elif adopting:
        message = [EXISTING_OK_ADOPT % (pair, "; ".join(running))]
    elif running:
        message = [EXISTING_OK_MANAGED % pair]
    else:
        message = [EXISTING_OK_BLANK % pair]
    return dict(problems=problems, adopting=adopting, running=running, message=message)


# -- a switchover ----------------------------------------------------------------

def switchover_decision(nodes, statuses, wanted=None):
    """Where a switchover moves the group: from its one holder to WANTED.

    WANTED empty: to the node that does not hold it. Refused (problems)
    unless both nodes are read, exactly one holds the group and WANTED is a
    node of the pair. Returns dict(source, target, move, problems, message):
    move is false when the group is already on the target.
    """
    read = {}
    problems = []
    for node in nodes:
        if node not in statuses:
            continue
        result = statuses[node]
        if _is_read(result):
            read[node] = result
        else:
            problems.append(MOVE_UNREAD % (node, result.get("msg", UNREACHABLE)))
    holders = [node for node, status in read.items() if status["holds_resources"]]
    source = holders[0] if len(holders) == 1 else None
    if len(holders) != 1 and len(read) == len(nodes):
        problems.append(MOVE_HOLDERS % (" and ".join(holders) or "no node"))
    target = wanted or (_other(nodes, source) if source is not None else None)
    if target is not None and target not in nodes:
        problems.append(MOVE_NOT_A_NODE % (target, ", ".join(nodes)))
    move = source is not None and target != source and not problems
    if problems:
        message = [MOVE_REFUSED % _pair_name(nodes)] + problems
    else:
        message = MOVE_GO % (source, target) if move else MOVE_THERE % target
    return dict(source=source, target=target, move=move, problems=problems, message=message)


# -- a kernel upgrade ----------------------------------------------------------------

def upgrade_preflight(nodes, view, health):
    """Whether the pair can be upgraded, and in which order.

    VIEW is pair_view's result, HEALTH pair_health's (every node may rest:
    an interrupted run leaves Heartbeat off on a node). Besides health: GRUB
    has an entry for each node's running kernel and GRUB_SAVEDEFAULT is
    off; one node holds the group and runs every guest (the master), the
    other holds nothing and is Secondary (the slave, upgraded first).
    Returns dict(problems, master, slave, resuming, message).
    """
    statuses = view["statuses"]
    problems = list(health["problems"])
    for node, status in statuses.items():
        if not status["kernel"]["running_entry"]:
            problems.append(UPGRADE_NO_ENTRY % (node, status["kernel"]["running"]))
        if str(status["grub"]["savedefault"]).lower() in TRUE_WORDS:
            problems.append(UPGRADE_SAVEDEFAULT % (node, status["grub"]["savedefault"]))
    master = view["active"]
    slave = _other(nodes, master) if master is not None else None
    if not view["missing"]:
        if master is None:
            problems.append(UPGRADE_HOLDERS % (" and ".join(view["holders"]) or "no node"))
        else:
            down = [guest for guest, running in statuses[master]["guests"].items() if not running]
            if down:
                problems.append(UPGRADE_GUESTS_DOWN % (master, ", ".join(down)))
            resources = statuses[slave]["drbd"]["resources"]
            if statuses[slave]["holds_any"] or any(r["role"] != "Secondary" for r in resources):
                problems.append(UPGRADE_NOT_SECONDARY % (slave, "; ".join(r["summary"] for r in resources)))
    problems = _unique(problems)
    if problems:
        message = [UPGRADE_REFUSED % _pair_name(nodes)] + problems
    else:
        message = UPGRADE_ORDER % (_pair_name(nodes), master, slave)
        if health["resting"]:
            message += " " + UPGRADE_RESUMING % ", ".join(health["resting"])
    return dict(problems=problems, master=master, slave=slave, resuming=health["resting"], message=message)


def upgrade_plan_lines(nodes, view, master, slave, apt_changed, packages):
    """What a check run of upgrade-kernel.yml would do, slave first.

    APT_CHANGED is node -> whether apt would upgrade PACKAGES there (a node
    missing: it would not). A node reboots when apt would upgrade or when
    it does not run its newest kernel.
    """
    lines = [PLAN_ORDER % (_pair_name(nodes), slave, master)]
    for node in (slave, master):
        kernel = view["statuses"][node]["kernel"]
        changed = bool(apt_changed.get(node))
        reboot = changed or not kernel["running_is_newest"]
        line = PLAN_NODE % (node, kernel["running"], kernel["newest"])
        line += PLAN_APT % ", ".join(packages) if changed else PLAN_APT_NONE
        line += PLAN_REBOOT if reboot else PLAN_NO_REBOOT
        if reboot and node == master:
            line += PLAN_MOVE_FIRST % slave
        lines.append(line)
    return lines


# -- update-guests.yml --------------------------------------------------------

def apt_simulated_packages(text):
    """The packages an `apt-get -s upgrade` output would install or upgrade."""
    out = []
    for line in (text or "").splitlines():
        words = line.split()
        if len(words) > 1 and words[0] == "Inst":
            out.append(words[1])
    return out


def update_guests_plan(holder, guests, simulated, restart=None, interrupted=False):
    """What update-guests.yml does on HOLDER for GUESTS (names, in order).

    SIMULATED is guest -> the output of `apt-get -s upgrade` in it (missing
    when RESTART, a unit to restart instead, is given). INTERRUPTED: the
    mark of an earlier run is there. Returns pending (guest -> packages),
    work (whether Mon is paused and the guests changed: something to
    upgrade or restart, or an earlier run to finish) and message.
    """
    if restart:
        pending = dict((guest, []) for guest in guests)
        what = "restart %s in %s" % (restart, ", ".join(guests))
    else:
        pending = dict((guest, apt_simulated_packages(simulated.get(guest))) for guest in guests)
        what = "; ".join("%s: %s" % (guest, " ".join(pending[guest]) or "up to date") for guest in guests)
    work = bool(restart) or interrupted or any(pending.values())
    message = "%s: %s" % (holder, what)
    if interrupted:
        message += "; an earlier run was interrupted, Mon is resumed after this one"
    if not work:
        message += "; nothing to do, Mon left as it is"
    return {"pending": pending, "work": work, "message": message}
