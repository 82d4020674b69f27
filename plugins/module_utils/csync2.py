# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render, find and replace one ``group`` block of a csync2 2.0 configuration.

Pure functions shared by the ``csync2_group`` module and the
``csync2_group_block`` filter, so that the module and the render playbook
write the same text.

The scanner follows csync2's own (cfgfile_scanner.l): ``#`` starts a comment
up to the end of the line, ``"..."`` is a string (no escapes, may span
lines), ``{ } ; @ ( ) :`` are tokens, anything else up to whitespace is a
word. Only top-level ``group NAME { ... }`` blocks are located; every other
byte of the file (comments, other groups, ``nossl``, ``tempdir``,
``lock-timeout``, ``prefix`` blocks, ``config`` includes) is kept as it is.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

AUTO_METHODS = ("none", "first", "younger", "older", "bigger", "smaller", "left", "right")

# The options of a group, with the defaults the module's argument_spec uses.
GROUP_DEFAULTS = {
    "name": None,
    "hosts": [],
    "key": None,
    "include": [],
    "exclude": [],
    "action": [],
    "backup_directory": None,
    "backup_generations": None,
    "auto": None,
}

ACTION_DEFAULTS = {
    "pattern": [],
    "exec": [],
    "logfile": None,
    "do_local": False,
    "do_local_only": False,
}

MANAGED_COMMENT = "# Managed by Ansible (hapair.cluster.csync2_group)"
INDENT = "    "

# A word csync2 reads as one token without quotes.
_BARE = re.compile(r'^[^\s@;#"{}():]+$')
# A host entry: NAME or NAME@ADDRESS-NAME (csync2's "host4@host4-eth2").
_HOST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(@[A-Za-z0-9][A-Za-z0-9._-]*)?$")
_PUNCT = "{};@():"


class Csync2ConfigError(ValueError):
    """The configuration text or the group options cannot be handled."""


def _word(value, what):
    """VALUE as a csync2 token: bare when it can be, quoted otherwise."""
    text = str(value)
    if text == "" or '"' in text or "\n" in text:
        raise Csync2ConfigError(
            "%s %r cannot be written in csync2.cfg: it is empty or holds a "
            "double quote or a newline" % (what, text)
        )
    return text if _BARE.match(text) else '"%s"' % text


def _quoted(value, what):
    """VALUE always in double quotes (logfile, exec), as csync2's examples do."""
    _word(value, what)
    return '"%s"' % value


def _bool(value):
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on", "y")


def normalize_group(params):
    """PARAMS with every group option present and every action complete."""
    group = dict(GROUP_DEFAULTS)
    group.update({k: v for k, v in (params or {}).items() if k in GROUP_DEFAULTS and v is not None})
    group["action"] = [dict(ACTION_DEFAULTS, **{k: v for k, v in (a or {}).items() if v is not None})
                       for a in (group["action"] or [])]
    for action in group["action"]:
        action["do_local"] = _bool(action["do_local"])
        action["do_local_only"] = _bool(action["do_local_only"])
    return group


def check_group(group):
    """Raise Csync2ConfigError for options csync2 would refuse."""
    name = group.get("name")
    if not name or not _BARE.match(str(name)):
        raise Csync2ConfigError("name %r is not a valid csync2 group name: use letters, digits, '.', '_' or '-'" % (name,))
    if not group.get("hosts"):
        raise Csync2ConfigError("group %s needs at least one host (the nodes' `uname -n`)" % name)
    for host in group["hosts"]:
        if not _HOST.match(str(host)):
            raise Csync2ConfigError(
                "host %r of group %s is not a host name (NAME or NAME@ADDRESS-NAME)" % (host, name))
    if not group.get("key"):
        raise Csync2ConfigError("group %s needs a key file (csync2 refuses a group without one)" % name)
    auto = group.get("auto")
    if auto is not None and auto not in AUTO_METHODS:
        raise Csync2ConfigError("auto %r is not one of %s" % (auto, ", ".join(AUTO_METHODS)))
    generations = group.get("backup_generations")
    if generations is not None:
        try:
            if int(generations) < 1:
                raise ValueError
        except (TypeError, ValueError):
            raise Csync2ConfigError("backup_generations %r is not a positive number" % (generations,))


def render_group(params):
    """The ``group NAME { ... }`` block for PARAMS, without a final newline.

    PARAMS holds the module's options (name, hosts, key, include, exclude,
    action, backup_directory, backup_generations, auto); missing ones take
    the module's defaults. An action without ``pattern`` applies to every
    file of the group (csync2 2.0, action.c), so no pattern is invented.
    """
    group = normalize_group(params)
    check_group(group)
    name = group["name"]
    lines = ["group %s" % _word(name, "group name"), "{", INDENT + MANAGED_COMMENT]
    lines.append(INDENT + "host %s;" % " ".join(str(h) for h in group["hosts"]))
    lines += ["", INDENT + "key %s;" % _word(group["key"], "key")]
    patterns = [("include", p) for p in group["include"]] + [("exclude", p) for p in group["exclude"]]
    if patterns:
        lines.append("")
        lines += [INDENT + "%s %s;" % (kind, _word(p, kind)) for kind, p in patterns]
    for action in group["action"]:
        lines += ["", INDENT + "action", INDENT + "{"]
        inner = INDENT * 2
        lines += [inner + "pattern %s;" % _word(p, "action pattern") for p in action["pattern"]]
        lines += [inner + "exec %s;" % _quoted(c, "action exec") for c in action["exec"]]
        if action["logfile"]:
            lines.append(inner + "logfile %s;" % _quoted(action["logfile"], "action logfile"))
        if action["do_local_only"]:
            lines.append(inner + "do-local-only;")
        elif action["do_local"]:
            lines.append(inner + "do-local;")
        lines.append(INDENT + "}")
    backup = []
    if group["backup_directory"]:
        backup.append(INDENT + "backup-directory %s;" % _word(group["backup_directory"], "backup_directory"))
    if group["backup_generations"] is not None:
        backup.append(INDENT + "backup-generations %d;" % int(group["backup_generations"]))
    if backup:
        lines += [""] + backup
    if group["auto"]:
        lines += ["", INDENT + "auto %s;" % group["auto"]]
    lines.append("}")
    return "\n".join(lines)


def _tokens(text):
    """(kind, value, start, end) for each token of TEXT; kind is word, string or a punctuation."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c == '"':
            j = text.find('"', i + 1)
            if j < 0:
                line = text.count("\n", 0, i) + 1
                raise Csync2ConfigError("unterminated string starting on line %d" % line)
            yield ("string", text[i + 1:j], i, j + 1)
            i = j + 1
        elif c in _PUNCT:
            yield (c, c, i, i + 1)
            i += 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in _PUNCT and text[j] not in '#"':
                j += 1
            yield ("word", text[i:j], i, j)
            i = j


def find_groups(text):
    """The top-level groups of TEXT as dicts: name (None if unnamed), start, end.

    ``text[start:end]`` is the block from the ``group`` keyword to its
    closing brace. Raises Csync2ConfigError on unbalanced braces.
    """
    groups = []
    depth = 0
    pending = None  # tokens seen since a top-level "group" keyword
    current = None
    for kind, value, start, end in _tokens(text):
        if kind == "{":
            if depth == 0 and pending is not None:
                names = [v for k, v, _s, _e in pending[1:] if k in ("word", "string")]
                current = {"name": names[0] if len(names) == 1 else None, "start": pending[0][2]}
            pending = None
            depth += 1
        elif kind == "}":
            depth -= 1
            if depth < 0:
                line = text.count("\n", 0, start) + 1
                raise Csync2ConfigError("unexpected '}' on line %d" % line)
            if depth == 0 and current is not None:
                current["end"] = end
                groups.append(current)
                current = None
        elif depth == 0:
            if kind == "word" and value == "group":
                pending = [(kind, value, start, end)]
            elif pending is not None:
                pending.append((kind, value, start, end))
                if kind == ";":
                    pending = None
    if depth != 0:
        raise Csync2ConfigError("a '{' is never closed (%d open at the end of the file)" % depth)
    return groups


def _line_span(text, start, end):
    """Widen [start, end) to whole lines when only blanks surround the block."""
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip() == "":
        start = line_start
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end + 1
    if text[end:line_end].strip() == "":
        end = line_end
    return start, end


def get_group(text, name):
    """The text of group NAME in TEXT, or None. Raises if NAME is there twice."""
    found = [g for g in find_groups(text) if g["name"] == name]
    if len(found) > 1:
        raise Csync2ConfigError(
            "group %s is defined %d times in the file: keep one and run again" % (name, len(found)))
    return text[found[0]["start"]:found[0]["end"]] if found else None


def replace_group(text, name, block):
    """TEXT with group NAME replaced by BLOCK (added at the end when absent).

    BLOCK None removes the group (and the blank line that separated it).
    Every other byte of TEXT is kept.
    """
    found = [g for g in find_groups(text) if g["name"] == name]
    if len(found) > 1:
        raise Csync2ConfigError(
            "group %s is defined %d times in the file: keep one and run again" % (name, len(found)))
    if found:
        start, end = found[0]["start"], found[0]["end"]
        if block is not None:
            return text[:start] + block + text[end:]
        start, end = _line_span(text, start, end)
        before, after = text[:start], text[end:]
        if after == "" and before.endswith("\n\n"):
            before = before[:-1]
        elif before.endswith("\n\n") and after.startswith("\n"):
            after = after[1:]
        return before + after
    if block is None:
        return text
    if text == "":
        return block + "\n"
    if not text.endswith("\n"):
        text += "\n"
    return text + "\n" + block + "\n"
