# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The node files of systemd-nspawn guests, as the vserver module writes them (render.yml)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.hapair.cluster.plugins.module_utils import vserver_nspawn as nspawn


def _guest(guest):
    if not isinstance(guest, dict) or "name" not in guest:
        raise AnsibleFilterError("expected a guest (an item of hapair_guests with a name), got %r" % (guest,))
    problem = nspawn.check_name(guest["name"])
    if problem:
        raise AnsibleFilterError(problem)
    return guest


def vserver_node_files(guest, root=nspawn.DEFAULT_ROOT, helper=nspawn.DEFAULT_NET_HELPER):
    """Files GUEST places on a node: [{path, content, mode}], plus its machine link."""
    guest = _guest(guest)
    try:
        files = nspawn.node_files(guest, root, helper)
    except ValueError as exc:
        raise AnsibleFilterError("guest %s: %s" % (guest["name"], exc))
    return files


class FilterModule(object):
    """hapair.cluster guest (vserver) filters."""

    def filters(self):
        return {
            "vserver_node_files": vserver_node_files,
        }
