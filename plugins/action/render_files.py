# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render a role's files on the controller in one action (playbooks/render.yml)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

from ansible import constants as C
from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.module_utils.six import string_types
from ansible.plugins.action import ActionBase

try:  # ansible-core 2.19 and later: only strings marked trusted are templates
    from ansible.template import trust_as_template
except ImportError:  # pragma: no cover - older ansible-core templates any string
    def trust_as_template(value):
        return value

SOURCES = ("template", "src", "content")
# The options of ansible.builtin.template that the roles' files rely on.
TEMPLATE_OVERRIDES = dict(trim_blocks=True, lstrip_blocks=False)


def _mode(value, dest):
    try:
        return int(str(value), 8)
    except ValueError:
        raise AnsibleActionFail("files: %s: mode=%r is not an octal mode" % (dest, value))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def _check(self, files):
        checked = []
        for index, item in enumerate(files):
            where = "files[%d]" % index
            if not isinstance(item, dict):
                raise AnsibleActionFail("%s=%r: expected a dictionary" % (where, item))
            dest = item.get("dest", item.get("path"))
            if not isinstance(dest, string_types) or not dest.startswith("/"):
                raise AnsibleActionFail("%s.dest=%r: expected an absolute path on the node" % (where, dest))
            given = [key for key in SOURCES if item.get(key) is not None]
            if len(given) != 1:
                raise AnsibleActionFail("%s (%s): give exactly one of %s" % (where, dest, ", ".join(SOURCES)))
            mode = _mode(item.get("mode", "0644"), dest)
            extra = dict(item.get("vars") or {})
            if "for_each" not in item:
                checked.append((dest, given[0], item[given[0]], mode, extra))
                continue
            elements, name = item["for_each"], item.get("as")
            if not isinstance(elements, list) or not all(isinstance(e, dict) for e in elements):
                raise AnsibleActionFail("%s.for_each=%r: expected a list of dictionaries" % (where, elements))
            if not isinstance(name, string_types) or not name.isidentifier():
                raise AnsibleActionFail("%s.as=%r: expected a variable name" % (where, name))
            for element in elements:
                try:
                    path = dest.format(**element)
                except (KeyError, IndexError, ValueError) as exc:
                    raise AnsibleActionFail("%s.dest=%r: cannot be formatted with %r: %s" % (
                        where, dest, element, exc))
                checked.append((path, given[0], item[given[0]], mode, dict(extra, **{name: element})))
        return checked

    def _template(self, name, task_vars, extra):
        try:
            path = self._find_needle("templates", name)
        except AnsibleError as exc:
            raise AnsibleActionFail(to_text(exc))
        vars_ = dict(task_vars)
        vars_.update(extra)
        if "ansible_managed" not in vars_:
            vars_["ansible_managed"] = C.config.get_config_value("DEFAULT_MANAGED_STR")
        text = self._loader.get_text_file_contents(path) if hasattr(self._loader, "get_text_file_contents") \
            else to_text(self._loader._get_file_contents(path)[0])
        templar = self._templar.copy_with_new_env(searchpath=[os.path.dirname(path)], available_variables=vars_)
        try:
            result = templar.template(trust_as_template(text), escape_backslashes=False,
                                      overrides=dict(TEMPLATE_OVERRIDES))
        except AnsibleError as exc:
            raise AnsibleActionFail("%s: %s" % (name, to_text(exc)))
        return to_text(result if result is not None else "")

    def _sources(self, name, dest):
        """[(node path, bytes)] of a file of the role, or of every file under a folder of the role
        (copied into DEST/NAME/ as ansible.builtin.copy does when DEST ends with /)."""
        try:
            path = self._find_needle("files", name)
        except AnsibleError as exc:
            raise AnsibleActionFail(to_text(exc))
        found = []
        if os.path.isdir(path):
            if not dest.endswith("/"):
                raise AnsibleActionFail("files: %s: src %s is a folder; end dest with / to copy it into it"
                                        % (dest, name))
            top = dest + os.path.basename(path.rstrip("/"))
            for folder, _dirs, names in sorted(os.walk(path)):
                for file_name in sorted(names):
                    full = os.path.join(folder, file_name)
                    found.append((os.path.join(top, os.path.relpath(full, path)), full))
        else:
            found.append((dest.rstrip("/") + "/" + os.path.basename(path) if dest.endswith("/") else dest, path))
        result = []
        for node_path, full in found:
            with open(full, "rb") as handle:
                result.append((node_path, handle.read()))
        return result

    @staticmethod
    def _makedirs(path):
        if not os.path.isdir(path):
            os.makedirs(path)
            os.chmod(path, 0o755)

    @staticmethod
    def _write(path, data, mode):
        """Write DATA at PATH with MODE when either differs; True when written."""
        try:
            with open(path, "rb") as handle:
                same = handle.read() == data and stat.S_IMODE(os.stat(path).st_mode) == mode
        except (IOError, OSError):
            same = False
        if same:
            return False
        with open(path, "wb") as handle:
            handle.write(data)
        os.chmod(path, mode)
        return True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self._task.args
        root = args.get("root")
        if not isinstance(root, string_types) or not root:
            raise AnsibleActionFail("root=%r: give the folder that stands for the node's /" % (root,))
        files = args.get("files")
        if not isinstance(files, list):
            raise AnsibleActionFail("files=%r: expected a list" % (files,))
        dirs = args.get("dirs") or []
        checked = self._check(files)
        root = os.path.abspath(os.path.expanduser(root))
        written = []
        for folder in dirs:
            self._makedirs(root + folder)
        rendered = 0
        for dest, kind, value, mode, extra in checked:
            if kind == "template":
                outputs = [(dest, to_bytes(self._template(value, task_vars, extra)))]
            elif kind == "src":
                outputs = self._sources(value, dest)
            else:
                outputs = [(dest, to_bytes(value))]
            for node_path, data in outputs:
                path = root + node_path
                self._makedirs(os.path.dirname(path))
                rendered += 1
                if self._write(path, data, mode):
                    written.append(node_path)
        result.update(changed=bool(written), written=written, rendered=rendered)
        return result
