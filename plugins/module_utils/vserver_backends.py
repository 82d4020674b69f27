# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two ways a guest runs: systemd-nspawn (default) and util-vserver.

Each backend answers the same questions (is the guest there, does it run)
and makes the same changes (make it, start, stop, restart, remove it)
through a NodeOps, so check mode and diff come for free.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import re

from ansible_collections.hapair.cluster.plugins.module_utils import vserver_nspawn as nspawn
from ansible_collections.hapair.cluster.plugins.module_utils.vserver_tree import (
    TreeBuilder,
    template_path,
    tree_state,
)

UTIL_VSERVER = {
    "vserver": "/usr/sbin/vserver",
    "newvserver": "/usr/sbin/newvserver",
    "config_dir": "/etc/vservers",
}

PRIVATE_USERS_RE = re.compile(r"^PrivateUsers=(\d+)(?::\d+)?\s*$", re.M)


class Backend(object):
    """What both backends share: the guest's parameters and tree."""

    name = None

    def __init__(self, ops, params):
        self.ops = ops
        self.p = params
        self.tree = os.path.join(params["root"], params["name"])

    def check_root(self):
        """Fail unless the guest root exists (it is on the shared disk)."""
        root = self.p["root"]
        if not os.path.isdir(root):
            self.ops.fail("The guest root %s does not exist on this node. It lives on the shared "
                          "(DRBD) filesystem, mounted on the active node only: run this on the node "
                          "that has it mounted, or create it (role hapair.cluster.vserver_host does)."
                          % root)

    def check_creation_params(self):
        """Fail unless everything needed to build a tree was given."""
        missing = [key for key in ("suite",) if not self.p.get(key)]
        if missing:
            self.ops.fail("Guest %s has no tree at %s yet; building it needs %s."
                          % (self.p["name"], self.tree, ", ".join(missing)))

    def check_tree(self):
        """The tree's state, failing when something that is not a guest is in the way."""
        state = tree_state(self.tree)
        if state == "other":
            self.ops.fail("%s exists but is not an OS tree (no etc/os-release or usr/lib/os-release). "
                          "It was not made by this module: move it away or choose another name." % self.tree)
        return state

    def remove_tree(self):
        """Delete the guest tree (purge)."""
        self.ops.remove_tree(self.tree, "guest tree")


class NspawnBackend(Backend):
    """Guests run by systemd-nspawn@NAME.service, settings in NAME.nspawn."""

    name = "nspawn"

    def __init__(self, ops, params):
        super(NspawnBackend, self).__init__(ops, params)
        self.paths = nspawn.guest_paths(params["name"], params["root"])
        self.unit = self.paths["unit"]

    @property
    def settings_path(self):
        return self.paths["settings"]

    def _systemctl(self, *args):
        return [self.ops.bin("systemctl")] + list(args)

    def running(self):
        rc = self.ops.query(self._systemctl("is-active", "--quiet", self.unit))[0]
        return rc == 0

    def exists(self):
        return tree_state(self.tree) == "os" or os.path.exists(self.settings_path)

    def files(self):
        return nspawn.node_files(self.p, self.p["root"], self.p["net_helper"])

    def _check_uid_base(self, settings):
        """Fail when another guest's settings use this guest's user range."""
        mine = PRIVATE_USERS_RE.search(settings)
        if not mine:
            return
        pattern = os.path.join(os.path.dirname(self.settings_path), "*.nspawn")
        for path in sorted(glob.glob(pattern)):
            if path == self.settings_path:
                continue
            other = PRIVATE_USERS_RE.search(self.ops.read(path) or "")
            if other and other.group(1) == mine.group(1):
                self.ops.fail("%s already uses the user range starting at %s that guest %s would get: "
                              "give one of them another uid_base." % (path, mine.group(1), self.p["name"]))

    def _checked_files(self):
        try:
            files = self.files()
        except ValueError as exc:
            self.ops.fail(str(exc))
        self._check_uid_base(files[0]["content"])
        return files

    def present(self):
        self.check_root()
        state = self.check_tree()
        files = self._checked_files()
        if state in ("absent", "empty"):
            self.check_creation_params()
            builder = TreeBuilder(self.ops)
            tarball = template_path(self.p["template"], self.p["template_dir"], self.p["suite"])
            builder.create(self.tree, self.p["method"], tarball, self.p["suite"], self.p["mirror"],
                           self.p["packages"], self.p["hostname"], self.p["domain"], self.p["address"])
        return self._write_node_files(files)

    def configure(self):
        """The node's files of the guest only (settings, unit drop-in,
        machinectl link), never the tree: on the node that does not hold
        the guest root, so that a takeover finds the guest configured."""
        return self._write_node_files(self._checked_files())

    def _write_node_files(self, files):
        self.ops.ensure_dir(os.path.dirname(self.settings_path))
        settings_changed = self.ops.write_file(files[0]["path"], files[0]["content"], int(files[0]["mode"], 8))
        self.ops.ensure_dir(self.paths["dropin_dir"])
        reload_needed = self.ops.write_file(files[1]["path"], files[1]["content"], int(files[1]["mode"], 8))
        if nspawn.link_needed(self.p["name"], self.p["root"]):
            self.ops.ensure_dir(os.path.dirname(self.paths["machine_link"]), 0o700)
            self.ops.ensure_link(self.paths["machine_link"], self.tree)
        if reload_needed:
            self.ops.run(self._systemctl("daemon-reload"), "systemctl daemon-reload")
        self._never_at_boot()
        return settings_changed or reload_needed

    def _never_at_boot(self):
        """Guests start from the cluster script only: undo an `enable`."""
        out = self.ops.query(self._systemctl("is-enabled", self.unit))[1].strip()
        if out == "enabled":
            self.ops.run(self._systemctl("disable", self.unit), "disabling %s at boot" % self.unit)
        elif out == "enabled-runtime":
            self.ops.run(self._systemctl("disable", "--runtime", self.unit),
                         "disabling %s at boot" % self.unit)

    def _check_helper(self):
        helper = self.p["net_helper"]
        if not os.access(helper, os.X_OK):
            self.ops.fail("The guest network helper %s is missing: the guest would start without "
                          "its address. Install it with role hapair.cluster.vserver_host." % helper)

    def start(self):
        self._check_helper()
        self.ops.run(self._systemctl("start", self.unit), "starting guest %s" % self.p["name"])

    def stop(self):
        self.ops.run(self._systemctl("stop", self.unit), "stopping guest %s" % self.p["name"])

    def restart(self):
        self._check_helper()
        self.ops.run(self._systemctl("restart", self.unit), "restarting guest %s" % self.p["name"])

    def remove(self):
        """Remove the configuration (the tree only with purge)."""
        self.ops.remove_file(self.settings_path)
        reload_needed = self.ops.remove_file(self.paths["dropin"])
        self.ops.remove_empty_dir(self.paths["dropin_dir"])
        link = self.paths["machine_link"]
        if os.path.islink(link) and os.readlink(link) == self.tree:
            self.ops.remove_file(link)
        if reload_needed:
            self.ops.run(self._systemctl("daemon-reload"), "systemctl daemon-reload")
        if self.p["purge"]:
            self.remove_tree()


class UtilVserverBackend(Backend):
    """Linux-VServer guests, as in the report: newvserver and vserver NAME start|stop."""

    name = "util-vserver"

    @property
    def settings_path(self):
        return os.path.join(UTIL_VSERVER["config_dir"], self.p["name"])

    def require(self):
        """Fail, changing nothing, when util-vserver is not installed."""
        if not os.path.exists(UTIL_VSERVER["vserver"]):
            self.ops.fail("backend=util-vserver but util-vserver is not installed (no %s): Debian 12 "
                          "and 13 do not ship it. Install it from where your kernel's Linux-VServer "
                          "patch comes from, or use backend=nspawn." % UTIL_VSERVER["vserver"])

    def _vserver(self, action):
        return [UTIL_VSERVER["vserver"], self.p["name"], action]

    def running(self):
        return self.ops.query(self._vserver("status"))[0] == 0

    def exists(self):
        return os.path.isdir(self.settings_path)

    def present(self):
        if self.exists():
            return False
        self.check_root()
        if self.check_tree() != "absent" and os.listdir(self.tree):
            self.ops.fail("%s holds a tree but util-vserver has no configuration %s for it: "
                          "move the tree away or restore the configuration." % (self.tree, self.settings_path))
        if self.p["hostname"] != self.p["name"]:
            self.ops.fail("backend=util-vserver: newvserver names the guest after its hostname, so "
                          "hostname (%s) must equal name (%s)." % (self.p["hostname"], self.p["name"]))
        self.check_creation_params()
        if not os.path.exists(UTIL_VSERVER["newvserver"]):
            self.ops.fail("%s is missing: install vserver-debiantools to create util-vserver guests."
                          % UTIL_VSERVER["newvserver"])
        self.ops.note_tree(self.tree, "made by newvserver")
        argv = [UTIL_VSERVER["newvserver"], "--vsroot", self.p["root"], "--hostname", self.p["hostname"]]
        if self.p["domain"]:
            argv += ["--domain", self.p["domain"]]
        argv += ["--ip", self.p["address"], "--dist", self.p["suite"], "--mirror", self.p["mirror"],
                 "--interface", self.p["interface"]]
        self.ops.run(argv, "newvserver for guest %s" % self.p["name"])
        return False

    def start(self):
        self.ops.run(self._vserver("start"), "starting guest %s" % self.p["name"])

    def stop(self):
        self.ops.run(self._vserver("stop"), "stopping guest %s" % self.p["name"])

    def restart(self):
        self.ops.run(self._vserver("restart"), "restarting guest %s" % self.p["name"])

    def remove(self):
        self.ops.remove_tree(self.settings_path, "util-vserver configuration")
        if self.p["purge"]:
            self.remove_tree()


BACKENDS = {
    "nspawn": NspawnBackend,
    "util-vserver": UtilVserverBackend,
}


def apply_state(backend, state):
    """Bring the guest to STATE; the guest's running state afterwards.

    present, started, stopped and restarted all make the guest first.
    configured writes the node's files of the guest and nothing else.
    absent refuses a running guest.
    """
    ops = backend.ops
    if state == "configured":
        if not hasattr(backend, "configure"):
            ops.fail("state=configured writes a guest's node files for backend=nspawn. With "
                     "backend=util-vserver the guest's configuration is /etc/vservers/%s, made by "
                     "newvserver and carried to the peer by Csync2." % backend.p["name"])
        backend.configure()
        return backend.running()
    if state == "absent":
        if not backend.exists() and not os.path.lexists(backend.tree):
            return False
        if backend.running():
            ops.fail("Guest %s is running: stop it first (state=stopped, or the cluster script), "
                     "then remove it." % backend.p["name"])
        backend.remove()
        return False
    was_running = backend.running()
    settings_changed = backend.present()
    if state == "present":
        running = was_running
    elif state == "started":
        if not was_running:
            backend.start()
        running = True
    elif state == "stopped":
        if was_running:
            backend.stop()
        running = False
    else:
        backend.restart()
        running = True
    if settings_changed and running and state != "restarted":
        ops.module.warn("Guest %s runs with its previous unit settings: they apply at its next "
                        "start (state=restarted, or a failover)." % backend.p["name"])
    return running
