# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Node operations of the vserver module, check mode and diff included.

NodeOps wraps an AnsibleModule: every change goes through it, so that check
mode changes nothing, each change is recorded (commands, diff) and the
module's result is built in one place.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import tempfile


class NodeOps(object):
    """Run commands and change files for the module, or only say what would change."""

    def __init__(self, module):
        self.module = module
        self.check_mode = module.check_mode
        self.changed = False
        self.commands = []
        self.diff = []

    # -- commands -----------------------------------------------------------
    def bin(self, name):
        """Full path of command NAME, or NAME when it is not found on PATH."""
        return self.module.get_bin_path(name) or name

    def query(self, argv):
        """Run a command that changes nothing (also in check mode): (rc, out, err)."""
        return self.module.run_command(argv, check_rc=False)

    def run(self, argv, what):
        """Run a command that changes the node; in check mode only record the change.

        WHAT says what the command is for, in the failure message.
        """
        self.changed = True
        self.commands.append(list(argv))
        if self.check_mode:
            return 0, "", ""
        rc, out, err = self.module.run_command(argv, check_rc=False)
        if rc != 0:
            self.fail("%s failed (rc=%d): %s" % (what, rc, (err or out).strip()[-2000:]),
                      cmd=list(argv), rc=rc, stdout=out, stderr=err)
        return rc, out, err

    def fail(self, msg, **kwargs):
        """Stop with MSG, reporting what was already done."""
        self.module.fail_json(msg=msg, changed=self.changed, commands=self.commands, **kwargs)

    # -- files --------------------------------------------------------------
    @staticmethod
    def read(path):
        """Text of PATH, or None when there is no such file."""
        try:
            with open(path, "r", encoding="utf-8") as handle:
                return handle.read()
        except (IOError, OSError):
            return None

    def _note(self, path, before, after):
        self.changed = True
        self.diff.append({
            "before_header": path,
            "after_header": path,
            "before": before,
            "after": after,
        })

    def ensure_dir(self, path, mode=0o755):
        """Make folder PATH (and its parents) when missing. True when made."""
        if os.path.isdir(path):
            return False
        self._note(path, "", "(directory)\n")
        if not self.check_mode:
            os.makedirs(path, mode)
            os.chmod(path, mode)
        return True

    def write_file(self, path, content, mode=0o644):
        """Make PATH hold CONTENT (atomically). True when it changed."""
        before = self.read(path)
        if before == content and os.path.isfile(path) and (os.stat(path).st_mode & 0o7777) == mode:
            return False
        self._note(path, before or "", content)
        if self.check_mode:
            return True
        folder = os.path.dirname(path)
        fd, tmp = tempfile.mkstemp(prefix=".hapair-", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(content)
            os.chmod(tmp, mode)
            os.rename(tmp, path)
        except Exception:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return True

    def remove_file(self, path):
        """Remove file or symlink PATH when there. True when removed."""
        if not os.path.lexists(path):
            return False
        before = self.read(path) if not os.path.islink(path) else "-> %s\n" % os.readlink(path)
        self._note(path, before or "", "")
        if not self.check_mode:
            os.unlink(path)
        return True

    def remove_empty_dir(self, path):
        """Remove folder PATH when it is there and empty. True when removed."""
        if not os.path.isdir(path) or os.path.islink(path) or os.listdir(path):
            return False
        self._note(path, "(directory)\n", "")
        if not self.check_mode:
            os.rmdir(path)
        return True

    def ensure_link(self, path, target):
        """Make PATH a symlink to TARGET. True when it changed.

        Fails when PATH is something else than a symlink (never replaces data).
        """
        if os.path.islink(path):
            current = os.readlink(path)
            if current == target:
                return False
        elif os.path.lexists(path):
            self.fail("%s exists and is not a symlink to %s: another machine of that name is "
                      "installed there. Remove or rename it, or choose another guest name." % (path, target))
        else:
            current = None
        self._note(path, "-> %s\n" % current if current else "", "-> %s\n" % target)
        if not self.check_mode:
            if current is not None:
                os.unlink(path)
            os.symlink(target, path)
        return True

    def remove_tree(self, path, what):
        """Delete folder PATH and everything in it. True when removed."""
        if not os.path.lexists(path):
            return False
        self._note(path, "(%s)\n" % what, "")
        if not self.check_mode:
            if os.path.islink(path):
                os.unlink(path)
            else:
                shutil.rmtree(path)
        return True

    def note_tree(self, path, how):
        """Record in the diff that the tree at PATH is made, HOW."""
        self._note(path, "", "(guest tree %s)\n" % how)

    def result(self, **fields):
        """The module's result."""
        out = dict(changed=self.changed, commands=self.commands)
        if self.module._diff:
            out["diff"] = self.diff
        out.update(fields)
        return out
