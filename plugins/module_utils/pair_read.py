# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the configuration of a pair node built by hand, as plain data.

Pure functions of a file's text (or of a tool's output), used by the
``pair_info`` module. Each parser returns ``(data, unread)``: ``data`` is
made of dicts, lists and strings only; ``unread`` lists what the text holds
and the parser did not understand, one dict per item naming the file, the
line (1-based), the text and why. Nothing is guessed: what a parser does not
know is reported there, never dropped and never turned into a value.

Each parser follows the reading rules of the program that reads the file:

- ``drbdadm dump all`` (DRBD 8.4): ``#`` comments, double-quoted strings
  with backslash escapes, ``{ } ;``; statements ``KEY VALUE...;``.
- ha.cf (Heartbeat 3): ``#`` starts a comment anywhere; a directive is the
  first word, its options the following words (blanks or commas between).
  Times are a number of seconds, or of ``ms``/``us`` (Heartbeat's
  ``get_msec``: it reads no other unit).
- haresources: ``NODE RESOURCE...``, a backslash at the end of a line goes
  on on the next one; ``AGENT::ARG1::ARG2``; a bare IPv4 address is
  Heartbeat's short form of ``IPaddr::ADDRESS``.
- authkeys: ``auth N`` and ``N METHOD [SECRET]`` lines. Only the selection
  and the method are read; the secret never leaves ``parse_authkeys_meta``.
- csync2.cfg (csync2 2.0): like DRBD's, strings without escapes.
- mon.cf (Mon 1.2): mon's ``read_cf``: comment lines, backslash
  continuations, ``KEY = VALUE`` globals, records ended by a blank line.
- NAME.nspawn (systemd): ini sections, ``KEY=VALUE``, ``#``/``;`` comments.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import re

from ansible_collections.hapair.cluster.plugins.module_utils.csync2 import AUTO_METHODS

# The files' usual paths, named in the unread items when the caller does not
# say where the text came from.
DEFAULT_NAMES = dict(
    drbd_dump="drbdadm dump all",
    ha_cf="/etc/ha.d/ha.cf",
    haresources="/etc/ha.d/haresources",
    authkeys="/etc/ha.d/authkeys",
    csync2_cfg="/etc/csync2.cfg",
    mon_cf="/etc/mon/mon.cf",
    nspawn_unit="/etc/systemd/nspawn/NAME.nspawn",
    proc_mounts="/proc/mounts",
)

WITHHELD = "(not shown: the line may hold the secret)"


def unread_item(name, line, text, reason):
    """One thing a parser did not understand: where it is, what it says, why."""
    return dict(file=name, line=line, text=text, reason=reason)


# -- lines ------------------------------------------------------------------------

def joined_lines(text, comments=("#",), glue=""):
    """(first line number, text) of each logical line of TEXT.

    A line ending in a backslash goes on on the next one, whose leading
    blanks are dropped; GLUE stands where the backslash was. Lines whose
    first non-blank character is in COMMENTS are skipped, also inside a
    continued line (as mon and systemd do). Blank lines are kept (as "").
    """
    found = []
    parts = []
    start = None
    for number, raw in enumerate((text or "").splitlines(), 1):
        if raw.lstrip().startswith(tuple(comments)):
            continue
        if parts:
            raw = raw.lstrip()
        if start is None:
            start = number
        match = re.match(r"^(.*)\\\s*$", raw)
        if match:
            parts.append(match.group(1) + glue)
            continue
        parts.append(raw)
        found.append((start, "".join(parts)))
        parts, start = [], None
    if parts:
        found.append((start, "".join(parts)))
    return found


# -- braces: drbdadm dump and csync2.cfg --------------------------------------------

def _brace_tokens(text, escapes):
    """(kind, value, line) of each token; kind is word, string, '{', '}', ';' or error."""
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif c == '"':
            value, end = _string(text, i, escapes)
            if end is None:
                yield ("error", "a string is never closed", line)
                return
            yield ("string", value, line)
            line += text.count("\n", i, end)
            i = end
        elif c in "{};":
            yield (c, c, line)
            i += 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in '{};#"':
                j += 1
            yield ("word", text[i:j], line)
            i = j


def _string(text, start, escapes):
    """(value, index after the closing quote) of the string at START; (None, None) if unclosed."""
    chars = []
    j = start + 1
    while j < len(text):
        c = text[j]
        if c == '"':
            return "".join(chars), j + 1
        if escapes and c == "\\" and j + 1 < len(text):
            j += 1
            c = text[j]
        chars.append(c)
        j += 1
    return None, None


def brace_tree(text, name, escapes=True):
    """(statements, unread) of a braces-and-semicolons file.

    Each statement is dict(words, line, body): body is None for
    ``WORDS;`` and the list of inner statements for ``WORDS { ... }``.
    """
    unread = []
    root = []
    stack = [(root, None)]
    words, first = [], None
    last_line = 1
    for kind, value, line in _brace_tokens(text or "", escapes):
        last_line = line
        if kind in ("word", "string"):
            first = line if not words else first
            words.append(value)
        elif kind == ";":
            if words:
                stack[-1][0].append(dict(words=words, line=first, body=None))
            words = []
        elif kind == "{":
            block = dict(words=words, line=first if words else line, body=[])
            stack[-1][0].append(block)
            stack.append((block["body"], block["line"]))
            words = []
        elif kind == "}":
            if words:
                unread.append(unread_item(name, first, " ".join(words), "statement without ';' before '}'"))
                words = []
            if len(stack) == 1:
                unread.append(unread_item(name, line, "}", "'}' closes no block"))
            else:
                stack.pop()
        else:
            unread.append(unread_item(name, line, '"', value))
    if words:
        unread.append(unread_item(name, first, " ".join(words), "statement without ';' at the end"))
    for _body, line in stack[1:]:
        unread.append(unread_item(name, line or last_line, "{", "'{' never closed"))
    return root, unread


def _statement_text(stmt):
    return " ".join(stmt["words"]) + (" { ... }" if stmt["body"] is not None else ";")


def _not_read(name, stmt, reason):
    return unread_item(name, stmt["line"], _statement_text(stmt), reason)


def by_line(unread):
    """UNREAD in the order of the file (the order of discovery within a line)."""
    return sorted(unread, key=lambda item: item["line"] or 0)


# -- DRBD: drbdadm dump all -----------------------------------------------------------

DRBD_SECTIONS = ("net", "disk", "startup", "handlers", "options", "syncer")
DRBD_HOST_KEYS = ("device", "minor", "disk", "meta_disk", "address", "family", "port")
_ADDRESS = re.compile(r"^(?:\[(?P<v6>[^\]]+)\]|(?P<host>[^:\[\]]+)):(?P<port>\d+)$")
_DRBD_FAMILIES = ("ipv4", "ipv6", "ssocks", "sdp", "sci")
# Options whose value is a secret: named in ``withheld``, never returned.
DRBD_SECRETS = frozenset(("shared-secret",))


def drbd_options(block, name, unread, withheld):
    """key -> value string of a section (``net { protocol C; ... }``).

    A secret option (shared-secret) is left out and its name, as
    ``SECTION KEY``, is appended to WITHHELD.
    """
    values = {}
    section = " ".join(block["words"])
    for stmt in block["body"]:
        key = stmt["words"][0] if stmt["words"] else None
        if stmt["body"] is not None or key is None:
            unread.append(_not_read(name, stmt, "a block inside the %s section" % section))
        elif key in DRBD_SECRETS:
            withheld.append("%s %s" % (section, key))
        elif key in values:
            unread.append(_not_read(name, stmt, "set twice in the section; the first is reported"))
        else:
            values[key] = " ".join(stmt["words"][1:])
    return values


def drbd_device(words):
    """(device, minor) from the words after ``device``; None when not understood."""
    device = minor = None
    rest = list(words)
    if rest and rest[0].startswith("/"):
        device = rest.pop(0)
    if len(rest) == 2 and rest[0] == "minor" and rest[1].isdigit():
        minor = int(rest[1])
        rest = []
    if rest or (device is None and minor is None):
        return None
    return device, minor


def drbd_address(words):
    """(family, address, port) from the words after ``address``; None when not understood."""
    family = "ipv4"
    if len(words) == 2 and words[0] in _DRBD_FAMILIES:
        family, words = words[0], words[1:]
    if len(words) != 1:
        return None
    match = _ADDRESS.match(words[0])
    if not match:
        return None
    return family, match.group("v6") or match.group("host"), int(match.group("port"))


def _drbd_fields(stmt, name, unread, item, allowed):
    """Fill ITEM from one ``device|disk|meta-disk|address`` statement; False if it is not one of ALLOWED."""
    key, args = stmt["words"][0], stmt["words"][1:]
    if stmt["body"] is not None or key not in allowed:
        return False
    if key == "device":
        parsed = drbd_device(args)
        if parsed is None:
            unread.append(_not_read(name, stmt, "device not understood (DEVICE, minor N or DEVICE minor N)"))
        else:
            item["device"], item["minor"] = parsed
    elif key == "address":
        parsed = drbd_address(args)
        if parsed is None:
            unread.append(_not_read(name, stmt, "address not understood ([FAMILY] ADDRESS:PORT)"))
        else:
            item["family"], item["address"], item["port"] = parsed
    elif key == "disk":
        item["disk"] = " ".join(args)
    else:
        item["meta_disk"] = " ".join(args)
    return True


def drbd_volume(block, name, unread):
    """A ``volume N { ... }`` block: number, device, minor, disk, meta_disk."""
    volume = dict(volume=block["words"][1], device=None, minor=None, disk=None, meta_disk=None)
    for stmt in block["body"]:
        if not stmt["words"] or not _drbd_fields(stmt, name, unread, volume, ("device", "disk", "meta-disk")):
            unread.append(_not_read(name, stmt, "not a volume setting this parser reads"))
    return volume


def drbd_host(block, name, unread):
    """An ``on HOST { ... }`` (or ``_this_host { ... }``) block."""
    host = dict((key, None) for key in DRBD_HOST_KEYS)
    host["volumes"] = []
    for stmt in block["body"]:
        words = stmt["words"]
        if words and words[0] == "volume" and len(words) == 2 and stmt["body"] is not None:
            host["volumes"].append(drbd_volume(stmt, name, unread))
        elif not words or not _drbd_fields(stmt, name, unread, host, ("device", "disk", "meta-disk", "address")):
            unread.append(_not_read(name, stmt, "not a host setting this parser reads"))
    return host


def _host_name(words):
    """The host an ``on`` block is about, or None when the block is not one."""
    if len(words) == 2 and words[0] == "on":
        return words[1]
    if len(words) == 1 and words[0] in ("_this_host", "_remote_host"):
        return words[0]
    return None


def _common_value(hosts, key):
    """The value every host that sets KEY agrees on, else None."""
    values = set(h[key] for h in hosts.values() if h[key] is not None)
    return values.pop() if len(values) == 1 else None


def drbd_resource(block, name, unread):
    """A ``resource NAME { ... }`` block as a dict."""
    res = dict(name=block["words"][1], line=block["line"], protocol=None, hosts={}, volumes=[], withheld=[])
    for section in DRBD_SECTIONS:
        res[section] = {}
    for stmt in block["body"]:
        words = stmt["words"]
        host = _host_name(words) if stmt["body"] is not None else None
        if host is not None:
            if host in res["hosts"]:
                unread.append(_not_read(name, stmt, "host %s is described twice; the first is reported" % host))
            else:
                res["hosts"][host] = drbd_host(stmt, name, unread)
        elif stmt["body"] is not None and len(words) == 1 and words[0] in DRBD_SECTIONS:
            res[words[0]].update(drbd_options(stmt, name, unread, res["withheld"]))
        elif stmt["body"] is not None and len(words) == 2 and words[0] == "volume":
            res["volumes"].append(drbd_volume(stmt, name, unread))
        elif stmt["body"] is None and len(words) == 2 and words[0] == "protocol":
            res["protocol"] = words[1]
        else:
            unread.append(_not_read(name, stmt, "not a resource setting this parser reads"))
    res["protocol"] = res["net"].get("protocol", res["protocol"])
    for key in ("device", "minor", "port"):
        res[key] = _common_value(res["hosts"], key)
    return res


def parse_drbd_dump(text, name=DEFAULT_NAMES["drbd_dump"]):
    """The resources of ``drbdadm dump all`` (DRBD 8.4 syntax).

    Returns (dict(global_={...}, common={section: {...}}, resources=[...],
    withheld=[...]), unread). ``global`` is a Python keyword, hence
    ``global_``. Each resource: name, line, protocol, device, minor, port
    (those every host agrees on, else None), hosts {host: device, minor,
    disk, meta_disk, address, family, port, volumes}, volumes, one dict per
    section (net, disk, startup, handlers, options, syncer) and withheld,
    the secret options left out (``net shared-secret``).
    """
    tree, unread = brace_tree(text, name, escapes=True)
    dump = dict(global_={}, common=dict((s, {}) for s in DRBD_SECTIONS), resources=[], withheld=[])
    seen = set()
    for stmt in tree:
        words = stmt["words"]
        if stmt["body"] is None:
            unread.append(_not_read(name, stmt, "a statement outside any block"))
        elif words == ["global"]:
            dump["global_"].update(drbd_options(stmt, name, unread, dump["withheld"]))
        elif words == ["common"]:
            for inner in stmt["body"]:
                if inner["body"] is not None and len(inner["words"]) == 1 and inner["words"][0] in DRBD_SECTIONS:
                    dump["common"][inner["words"][0]].update(drbd_options(inner, name, unread, dump["withheld"]))
                else:
                    unread.append(_not_read(name, inner, "not a common section this parser reads"))
        elif len(words) == 2 and words[0] == "resource":
            if words[1] in seen:
                unread.append(_not_read(name, stmt, "resource defined twice; the first is reported"))
                continue
            seen.add(words[1])
            dump["resources"].append(drbd_resource(stmt, name, unread))
        else:
            unread.append(_not_read(name, stmt, "not a block this parser reads"))
    return dump, by_line(unread)


# -- Heartbeat: ha.cf ---------------------------------------------------------------

# Directives that take one value (Heartbeat keeps the last one given).
HA_SINGLE = frozenset((
    "keepalive", "deadtime", "deadping", "warntime", "initdead", "udpport", "baud", "auto_failback",
    "nice_failback", "logfacility", "logfile", "debugfile", "debug", "crm", "watchdog", "hopfudge",
    "realtime", "rtprio", "hbgenmethod", "msgfmt", "use_logd", "conn_logd_time", "coredumps",
    "coreroot", "autojoin", "uuidfrom", "compression", "compression_threshold",
    "traditional_compression", "max_rexmit_delay", "cluster", "memreserve",
))
# Directives whose every word is one more item (node a b; serial /dev/ttyS0 ...).
HA_WORD_LISTS = frozenset(("node", "serial", "bcast", "ping"))
# Directives read as a whole line, one item per line, with the names of their fields.
HA_LINE_LISTS = dict(
    ucast=("interface", "address"),
    mcast=("interface", "group", "port", "ttl", "loop"),
    respawn=("user", "command"),
    apiauth=("client", "spec"),
    ping_group=("name", "addresses"),
    stonith=("type", "file"),
)
# The last field of these takes the rest of the line.
_HA_REST = frozenset(("respawn", "apiauth", "ping_group"))
# Directives whose line may hold a password: reported unread, without their text.
HA_SECRET = frozenset(("stonith_host",))
HA_TIMES = ("keepalive", "deadtime", "deadping", "warntime", "initdead")
_HA_TIME = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)(ms|msec|us|usec)?$", re.IGNORECASE)
_HA_UNIT = {"": 1.0, "ms": 0.001, "msec": 0.001, "us": 0.000001, "usec": 0.000001}


def heartbeat_seconds(value):
    """Seconds of a Heartbeat time ('2', '0.5', '500ms', '200000us'); None when Heartbeat refuses it."""
    match = _HA_TIME.match(value or "")
    if not match:
        return None
    return float(match.group(1)) * _HA_UNIT[(match.group(2) or "").lower()]


def _ha_line_item(directive, rest):
    """The fields of a whole-line directive; None when it has too few words."""
    fields = HA_LINE_LISTS[directive]
    words = rest.split()
    if directive in _HA_REST:
        words = rest.split(None, len(fields) - 1)
    if len(words) != len(fields):
        return None
    item = dict(zip(fields, words))
    if directive == "ping_group":
        item["addresses"] = item["addresses"].split()
    return item


def parse_ha_cf(text, name=DEFAULT_NAMES["ha_cf"]):
    """The directives of ha.cf: (dict, unread).

    One-value directives map to their raw value; node, serial, bcast and
    ping to the list of their words; ucast, mcast, respawn, apiauth,
    ping_group and stonith to a list of dicts, one per line (stonith_host,
    whose line may hold a password, is reported unread without its text).
    ``seconds`` maps each time directive (keepalive, deadtime, deadping,
    warntime, initdead) to its value in seconds. Only what the file says is
    returned: no default is filled in.
    """
    values = dict(seconds={})
    unread = []
    for number, raw in enumerate((text or "").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 1)
        directive, rest = parts[0], (parts[1] if len(parts) > 1 else "")
        words = [w for w in re.split(r"[,\s]+", rest) if w]
        if directive in HA_WORD_LISTS and words:
            values.setdefault(directive, []).extend(words)
        elif directive in HA_LINE_LISTS:
            item = _ha_line_item(directive, rest)
            if item is None:
                unread.append(unread_item(name, number, raw.strip(), "%s needs: %s" % (
                    directive, " ".join(HA_LINE_LISTS[directive]))))
            else:
                values.setdefault(directive, []).append(item)
        elif directive in HA_SINGLE and len(words) == 1:
            values[directive] = words[0]
            values["seconds"].pop(directive, None)
            if directive in HA_TIMES and heartbeat_seconds(words[0]) is None:
                unread.append(unread_item(name, number, raw.strip(), "%s %s: Heartbeat reads a number of "
                                          "seconds, or of ms or us, and no other unit" % (directive, words[0])))
            elif directive in HA_TIMES:
                values["seconds"][directive] = heartbeat_seconds(words[0])
        elif directive in HA_SECRET:
            unread.append(unread_item(name, number, WITHHELD, "%s is not read (its line may hold a password)"
                                      % directive))
        elif directive in HA_SINGLE or directive in HA_WORD_LISTS:
            reason = "%s takes one value here" if directive in HA_SINGLE else "%s without a value"
            unread.append(unread_item(name, number, raw.strip(), reason % directive))
        else:
            unread.append(unread_item(name, number, raw.strip(), "directive %s is not one this parser reads"
                                      % directive))
    return values, unread


# -- Heartbeat: haresources -----------------------------------------------------------

_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}(/.*)?$")


def haresources_resource(word):
    """dict(agent, args, text) of one resource word ('Filesystem::/dev/drbd1::/srv::ext4')."""
    if _IPV4.match(word):
        return dict(agent="IPaddr", args=[word], text=word)
    parts = word.split("::")
    return dict(agent=parts[0], args=parts[1:], text=word)


def parse_haresources(text, name=DEFAULT_NAMES["haresources"]):
    """The resource groups of haresources: (dict(groups=[...]), unread).

    Each group: node (the node that owns it), line, resources (in start
    order, each dict(agent, args, text)). A word starting with '#' starts a
    comment up to the end of the (continued) line.
    """
    groups = []
    unread = []
    for number, line in joined_lines(text):
        words = line.split()
        for index, word in enumerate(words):
            if word.startswith("#"):
                words = words[:index]
                break
        if not words:
            continue
        resources = []
        for word in words[1:]:
            res = haresources_resource(word)
            if not res["agent"] or any(arg == "" for arg in res["args"]):
                unread.append(unread_item(name, number, word, "resource not understood (AGENT::ARG::ARG)"))
                continue
            resources.append(res)
        if not resources:
            unread.append(unread_item(name, number, line.strip(), "a node without resources"))
            continue
        groups.append(dict(node=words[0], line=number, resources=resources))
    return dict(groups=groups), unread


# -- Heartbeat: authkeys --------------------------------------------------------------

AUTH_METHODS = ("crc", "sha1", "md5")


def fingerprint(content):
    """sha256 hex digest of CONTENT (bytes, or text taken as UTF-8)."""
    if not isinstance(content, bytes):
        content = content.encode("utf-8", "surrogateescape")
    return hashlib.sha256(content).hexdigest()


def parse_authkeys_meta(content, name=DEFAULT_NAMES["authkeys"]):
    """Which key authkeys selects and its method, never the secret: (dict, unread).

    Returns dict(auth=N or None, method='crc'|'sha1'|'md5' or None,
    sha256=fingerprint of the whole content). A line that is not
    understood is reported without its text, which may hold the secret.
    """
    raw = content if isinstance(content, bytes) else (content or "").encode("utf-8", "surrogateescape")
    text = raw.decode("utf-8", "replace")
    info = dict(auth=None, method=None, sha256=fingerprint(raw))
    unread = []
    methods = {}
    auth_line = None
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "auth" and len(words) == 2 and words[1].isdigit():
            info["auth"], auth_line = int(words[1]), number
        elif words[0] == "auth":
            unread.append(unread_item(name, number, line.strip(), "auth takes one key number"))
        elif words[0].isdigit() and len(words) >= 2 and words[1].lower() in AUTH_METHODS:
            methods[int(words[0])] = words[1].lower()
        else:
            unread.append(unread_item(name, number, WITHHELD, "neither 'auth N' nor 'N crc|sha1|md5 SECRET'"))
    if info["auth"] is not None:
        info["method"] = methods.get(info["auth"])
        if info["method"] is None:
            unread.append(unread_item(name, auth_line, "auth %d" % info["auth"],
                                      "no key %d with a method this parser knows" % info["auth"]))
    return info, by_line(unread)


# -- csync2.cfg --------------------------------------------------------------------------

CSYNC2_GROUP_LISTS = dict(host="hosts", include="include", exclude="exclude")
CSYNC2_GROUP_SINGLE = {"key": "key", "backup-directory": "backup_directory",
                       "backup-generations": "backup_generations", "auto": "auto"}


def csync2_action(block, name, unread):
    """An ``action { ... }`` block, with the keys of the csync2_group module's action option."""
    action = dict(pattern=[], exec=[], logfile=None, do_local=False, do_local_only=False)
    for stmt in block["body"]:
        key, args = (stmt["words"] or [""])[0], stmt["words"][1:]
        if stmt["body"] is not None:
            unread.append(_not_read(name, stmt, "a block inside an action"))
        elif key in ("pattern", "exec") and args:
            action[key].extend(args)
        elif key == "logfile" and len(args) == 1:
            action["logfile"] = args[0]
        elif key in ("do-local", "do-local-only") and not args:
            action[key.replace("-", "_")] = True
        else:
            unread.append(_not_read(name, stmt, "not an action setting this parser reads"))
    return action


def _csync2_single(group, key, args, stmt, name, unread):
    """Set one of key, backup-directory, backup-generations, auto; report what does not fit."""
    field = CSYNC2_GROUP_SINGLE[key]
    if len(args) != 1:
        unread.append(_not_read(name, stmt, "%s takes one value" % key))
    elif group[field] is not None:
        unread.append(_not_read(name, stmt, "%s set twice; the first is reported" % key))
    elif field == "backup_generations" and not args[0].isdigit():
        unread.append(_not_read(name, stmt, "backup-generations is not a number"))
    elif field == "auto" and args[0] not in AUTO_METHODS:
        unread.append(_not_read(name, stmt, "auto is not one of %s" % ", ".join(AUTO_METHODS)))
    else:
        group[field] = int(args[0]) if field == "backup_generations" else args[0]


def csync2_group(block, name, unread):
    """A ``group NAME { ... }`` block, with the options of the csync2_group module."""
    group = dict(name=block["words"][1], hosts=[], key=None, include=[], exclude=[], action=[],
                 backup_directory=None, backup_generations=None, auto=None)
    for stmt in block["body"]:
        key, args = (stmt["words"] or [""])[0], stmt["words"][1:]
        if stmt["body"] is not None and stmt["words"] == ["action"]:
            group["action"].append(csync2_action(stmt, name, unread))
        elif stmt["body"] is not None:
            unread.append(_not_read(name, stmt, "not a group block this parser reads"))
        elif key in CSYNC2_GROUP_LISTS and args:
            group[CSYNC2_GROUP_LISTS[key]].extend(args)
        elif key in CSYNC2_GROUP_SINGLE:
            _csync2_single(group, key, args, stmt, name, unread)
        else:
            unread.append(_not_read(name, stmt, "not a group setting this parser reads"))
    return group


def parse_csync2_cfg(text, name=DEFAULT_NAMES["csync2_cfg"]):
    """Groups, nossl lines and global settings of csync2.cfg: (dict, unread).

    Returns dict(groups={name: group}, nossl=[[from, to], ...],
    settings={tempdir, lock-timeout}). A group has the keys of the
    csync2_group module's options. ``prefix`` blocks and ``config``
    includes are reported unread (included files are not read).
    """
    tree, unread = brace_tree(text, name, escapes=False)
    config = dict(groups={}, nossl=[], settings={})
    for stmt in tree:
        words = stmt["words"]
        key = words[0] if words else ""
        if stmt["body"] is not None and len(words) == 2 and key == "group":
            if words[1] in config["groups"]:
                unread.append(_not_read(name, stmt, "group defined twice; the first is reported"))
            else:
                config["groups"][words[1]] = csync2_group(stmt, name, unread)
        elif stmt["body"] is None and key == "nossl" and len(words) == 3:
            config["nossl"].append(words[1:])
        elif stmt["body"] is None and key in ("tempdir", "lock-timeout") and len(words) == 2:
            config["settings"][key] = words[1]
        else:
            unread.append(_not_read(name, stmt, "not a csync2 statement this parser reads"))
    return config, by_line(unread)


# -- Mon: mon.cf ---------------------------------------------------------------------------

MON_GLOBALS = frozenset((
    "alertdir", "basedir", "cfbasedir", "mondir", "logdir", "histlength", "serverport", "trapport",
    "serverbind", "clientallow", "trapbind", "pidfile", "randstart", "maxprocs", "statedir", "authfile",
    "authtype", "pamservice", "userfile", "historicfile", "historictime", "cltimeout", "monerrfile",
    "dtlogfile", "dtlogging", "dep_recur_limit", "dep_behavior", "dep_memory", "unack_summary",
    "syslog_facility", "startupalerts_on_reset", "monremote", "exclude_period",
))
MON_SERVICE_VARS = frozenset((
    "interval", "failure_interval", "monitor", "redistribute", "allow_empty_group", "description",
    "unack_summary", "traptimeout", "trapduration", "randskew", "dep_behavior", "dep_memory", "depend",
    "alertdepend", "monitordepend", "hostdepend", "exclude_hosts", "exclude_period",
))
# Period lines that may be given several times (a list each), and once.
MON_PERIOD_LISTS = ("alert", "upalert", "startupalert", "ackalert", "disablealert")
MON_PERIOD_VARS = frozenset(("alertevery", "alertafter", "upalertafter", "numalerts", "no_comp_alerts",
                             "alerts_dont_count", "alertexitrange"))
_MON_GLOBAL = re.compile(r"^(\w+)\s*=\s*(.*?)\s*$")
_MON_ENV = re.compile(r"^([A-Z_][A-Z0-9_]*)=(.*)$")
_MON_PERIOD_LABEL = re.compile(r"^([a-z_]\w*)\s*:\s*(.*)$", re.IGNORECASE)


class _MonReader:
    """mon's read_cf, line by line, keeping what it reads instead of checking it."""

    def __init__(self, name):
        self.name = name
        self.config = dict(settings={}, hostgroups={}, watches={})
        self.unread = []
        self.group = self.watch = self.service = self.period = None

    def skip(self, number, line, reason):
        self.unread.append(unread_item(self.name, number, line, reason))

    def end_record(self):
        self.group = self.watch = self.service = self.period = None

    def read(self, number, line):
        """Read one logical line (stripped), in the order mon tries its rules."""
        match = _MON_GLOBAL.match(line)
        if self.watch is None and match:
            if match.group(1) in MON_GLOBALS:
                self.config["settings"][match.group(1)] = match.group(2)
            else:
                self.skip(number, line, "global %s is not one mon knows" % match.group(1))
            return
        if line == "":
            self.end_record()
            return
        words = line.split()
        if words[0] == "hostgroup" and len(words) >= 2:
            self.end_record()
            self.group = self.config["hostgroups"].setdefault(words[1], [])
            del self.group[:]
            self.group.extend(words[2:])
        elif self.group is not None:
            self.group.extend(words)
        elif words[0] == "watch" and len(words) >= 2:
            self.start_watch(number, line, words[1])
        elif self.watch is not None:
            self.watch_line(number, line)
        else:
            self.skip(number, line, "outside any hostgroup or watch (alias and view records are not read)")

    def start_watch(self, number, line, name):
        self.end_record()
        if name in self.config["watches"]:
            self.skip(number, line, "watch %s defined twice (mon refuses it)" % name)
            return
        self.watch = self.config["watches"][name] = dict(services={})

    def watch_line(self, number, line):
        """A line inside a watch: service, environment, period or one of their settings."""
        env = _MON_ENV.match(line)
        match = re.match(r"^(\w+)\s*(.*)$", line)
        var, args = match.groups() if match else (None, line)
        if env and self.service is not None:
            self.service["env"][env.group(1)] = env.group(2)
        elif var == "service":
            self.start_service(number, line, args)
        elif self.service is None or var is None:
            self.skip(number, line, "not a setting, or before any service of the watch")
        elif var == "period":
            self.start_period(number, line, args)
        elif self.period is not None:
            self.period_line(number, line, var, args)
        elif var in MON_SERVICE_VARS:
            self.service[var] = args
        else:
            self.skip(number, line, "%s is not a service setting mon knows" % var)

    def start_service(self, number, line, name):
        services = self.watch["services"]
        if not re.match(r"^[a-zA-Z0-9_.-]+$", name) or name in services:
            self.skip(number, line, "service tag invalid or defined twice (mon refuses it)")
            self.service = self.period = None
            return
        self.service = services[name] = dict(env={}, periods=[])
        self.period = None

    def start_period(self, number, line, args):
        label, spec = None, args
        match = _MON_PERIOD_LABEL.match(args)
        if match:
            label, spec = match.group(1), match.group(2)
        key = label or spec
        if any((p["label"] or p["period"]) == key for p in self.service["periods"]):
            self.skip(number, line, "period defined twice for the service (mon refuses it)")
            self.period = None
            return
        self.period = dict(label=label, period=spec)
        for field in MON_PERIOD_LISTS:
            self.period[field] = []
        self.service["periods"].append(self.period)

    def period_line(self, number, line, var, args):
        if var in MON_PERIOD_LISTS:
            self.period[var].append(args)
        elif var in MON_PERIOD_VARS:
            self.period[var] = args
        else:
            self.skip(number, line, "%s is not a period setting mon knows (service settings go before "
                                    "the first period)" % var)


def parse_mon_cf(text, name=DEFAULT_NAMES["mon_cf"]):
    """Globals, hostgroups and watches of mon.cf: (dict, unread).

    Returns dict(settings={key: value}, hostgroups={name: [hosts]},
    watches={name: {services: {name: service}}}). A service holds its
    settings (interval, monitor, description, ...), env (its KEY=VALUE
    lines) and periods, each dict(label, period, alert=[...],
    upalert=[...], startupalert, ackalert, disablealert, and alertevery,
    alertafter, ... when given).
    """
    reader = _MonReader(name)
    for number, line in joined_lines(text):
        reader.read(number, line.strip())
    return reader.config, reader.unread


# -- systemd-nspawn: NAME.nspawn -----------------------------------------------------------

NSPAWN_SECTIONS = ("Exec", "Files", "Network")


def parse_nspawn_unit(text, name=DEFAULT_NAMES["nspawn_unit"]):
    """Settings of a .nspawn file: ({section: {key: [values]}}, unread).

    Every value is kept, in order, as written (an empty one too: systemd
    reads it as "forget the earlier ones"). Sections other than Exec, Files
    and Network, and their lines, are reported unread.
    """
    unit = {}
    unread = []
    section = None
    for number, line in joined_lines(text, comments=("#", ";"), glue=" "):
        line = line.strip()
        if not line:
            continue
        header = re.match(r"^\[([^\]]+)\]$", line)
        if header:
            section = header.group(1)
            if section in NSPAWN_SECTIONS:
                unit.setdefault(section, {})
            else:
                unread.append(unread_item(name, number, line, "not a section of .nspawn files"))
            continue
        key, sep, value = line.partition("=")
        if section not in NSPAWN_SECTIONS or not sep or not key.strip():
            unread.append(unread_item(name, number, line, "not KEY=VALUE in [Exec], [Files] or [Network]"))
            continue
        unit[section].setdefault(key.strip(), []).append(value.strip())
    return unit, unread


# -- /proc/mounts ----------------------------------------------------------------------------

def _unescape_mount(field):
    """/proc/mounts writes space, tab, newline and backslash as \\040, \\011, \\012, \\134."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def parse_proc_mounts(text):
    """Mounted filesystems: list of dict(source, mountpoint, fstype, options)."""
    mounts = []
    for line in (text or "").splitlines():
        fields = line.split()
        if len(fields) >= 4:
            mounts.append(dict(source=_unescape_mount(fields[0]), mountpoint=_unescape_mount(fields[1]),
                               fstype=fields[2], options=fields[3]))
    return mounts
