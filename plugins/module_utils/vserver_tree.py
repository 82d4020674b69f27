# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Guest trees: find out what is there, build the suite's template, make a tree.

A tree is built in a staging folder next to it (ROOT/.NAME.hapair-new) and
renamed into place only when complete, so an interrupted run never leaves a
half-made tree that looks like a guest.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.hapair.cluster.plugins.module_utils.vserver_nspawn import (
    render_hostname,
    render_hosts,
)

DEFAULT_TEMPLATE_DIR = "/var/cache/hapair/templates"
DEFAULT_PACKAGES = ["systemd-sysv", "dbus", "iproute2"]
TAR_OPTIONS = ["--numeric-owner", "--xattrs", "--xattrs-include=*"]


def tree_state(tree):
    """'absent', 'empty', 'os' (an OS tree: it has os-release) or 'other'."""
    if not os.path.lexists(tree):
        return "absent"
    if not os.path.isdir(tree) or os.path.islink(tree):
        return "other"
    if not os.listdir(tree):
        return "empty"
    for rel in ("etc/os-release", "usr/lib/os-release"):
        if os.path.lexists(os.path.join(tree, rel)):
            return "os"
    return "other"


def template_path(template, template_dir, suite):
    """The template tarball to use: TEMPLATE, or TEMPLATE_DIR/SUITE.tar.gz."""
    if template:
        return template
    return os.path.join(template_dir or DEFAULT_TEMPLATE_DIR, "%s.tar.gz" % suite)


def staging_path(tree):
    """Where the tree is built before it is renamed into place."""
    parent, name = os.path.split(os.path.normpath(tree))
    return os.path.join(parent, ".%s.hapair-new" % name)


def debootstrap_argv(debootstrap, suite, target, mirror, packages):
    """The debootstrap command line of a minbase guest."""
    argv = [debootstrap, "--variant=minbase"]
    if packages:
        argv.append("--include=%s" % ",".join(packages))
    argv += [suite, target, mirror]
    return argv


class TreeBuilder(object):
    """Make guest trees through a NodeOps."""

    def __init__(self, ops):
        self.ops = ops

    def _debootstrap(self):
        path = self.ops.module.get_bin_path("debootstrap")
        if not path:
            self.ops.fail("debootstrap is not installed on this node: install it (role "
                          "hapair.cluster.vserver_host does when vserver_host_method is debootstrap "
                          "or no vserver_host_template_src is given), or give a template tarball.")
        return path

    def build_template(self, tarball, suite, mirror, packages):
        """Debootstrap SUITE once and keep it as TARBALL (nothing if it exists)."""
        if os.path.isfile(tarball):
            return False
        debootstrap = self._debootstrap()
        folder = os.path.dirname(tarball)
        self.ops.ensure_dir(folder)
        work = tarball + ".hapair-build"
        rootfs = os.path.join(work, "rootfs")
        partial = os.path.join(work, "template.tar.gz")
        if os.path.lexists(work):
            self.ops.remove_tree(work, "leftover of an interrupted template build")
        self.ops.ensure_dir(work, 0o700)
        self.ops.run(debootstrap_argv(debootstrap, suite, rootfs, mirror, packages),
                     "debootstrap of the %s template from %s" % (suite, mirror))
        self.ops.run([self.ops.bin("tar")] + TAR_OPTIONS + ["-C", rootfs, "-czf", partial, "."],
                     "packing the %s template" % suite)
        if not self.ops.check_mode:
            os.rename(partial, tarball)
        self.ops.remove_tree(work, "template build folder")
        return True

    def create(self, tree, method, tarball, suite, mirror, packages, hostname, domain, address):
        """Make the guest tree TREE (absent or empty) by METHOD."""
        staging = staging_path(tree)
        if os.path.lexists(staging):
            self.ops.remove_tree(staging, "leftover of an interrupted guest build")
        if method == "template":
            if not os.path.isfile(tarball):
                self.build_template(tarball, suite, mirror, packages)
            self.ops.note_tree(tree, "unpacked from %s" % tarball)
            self.ops.ensure_dir(staging)
            self.ops.run([self.ops.bin("tar")] + TAR_OPTIONS + ["-xpzf", tarball, "-C", staging],
                         "unpacking %s into %s" % (tarball, staging))
        else:
            self.ops.note_tree(tree, "debootstrapped (%s from %s)" % (suite, mirror))
            self.ops.run(debootstrap_argv(self._debootstrap(), suite, staging, mirror, packages),
                         "debootstrap of %s from %s into %s" % (suite, mirror, staging))
        if self.ops.check_mode:
            return
        self._write(os.path.join(staging, "etc", "hostname"), render_hostname(hostname))
        self._write(os.path.join(staging, "etc", "hosts"), render_hosts(hostname, domain, address))
        os.chmod(staging, 0o755)
        if os.path.isdir(tree):
            os.rmdir(tree)  # empty: checked by the caller
        os.rename(staging, tree)

    @staticmethod
    def _write(path, content):
        if os.path.islink(path):
            os.unlink(path)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.chmod(path, 0o644)
