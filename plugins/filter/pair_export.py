# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the export of a pair built by hand (plugin_utils/pair_export.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping

from ansible.errors import AnsibleError, AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.hapair.cluster.plugins.plugin_utils.pair_export import (
    CONNECTION_VARS,
    export_hosts,
    export_pair,
)

# The prefixes of the variables the export reads from the inventory.
_PREFIXES = ("hapair_", "drbd_", "heartbeat_", "csync2_", "mon_", "vserver_host_")


def _host_vars(hostvars, host):
    """The connection and collection variables the inventory gives HOST, as plain values."""
    values = hostvars[host]
    out = {}
    for key in list(values.keys()):
        if key in CONNECTION_VARS or key.startswith(_PREFIXES):
            try:
                out[key] = values[key]
            except AnsibleError as exc:
                raise AnsibleFilterError("pair_export: %s of %s: %s" % (key, host, to_native(exc)))
    return out


def pair_export_filter(hosts, hostvars, group, result="export_read", when=""):
    """The exported inventory of the pair HOSTS (see plugin_utils/pair_export.export_pair)."""
    if isinstance(hosts, (str, bytes, Mapping)) or not hasattr(hosts, "__iter__"):
        raise AnsibleFilterError("pair_export: expected the list of the pair's two hosts, got %r" % (hosts,))
    hosts = list(hosts)
    results = dict((host, hostvars[host].get(result)) for host in hosts if host in hostvars)
    inventory = dict((host, _host_vars(hostvars, host)) for host in hosts if host in hostvars)
    return export_pair(results, inventory, group, hosts, when)


def pair_export_hosts(groups, group=None):
    """{group, hosts}: the pair group to export and its two hosts."""
    if not isinstance(groups, Mapping):
        raise AnsibleFilterError("pair_export_hosts: expected the groups of the inventory, got %r" % (groups,))
    try:
        name, hosts = export_hosts(groups, group or None)
    except ValueError as exc:
        raise AnsibleFilterError("pair_export_hosts: %s" % to_native(exc))
    return dict(group=name, hosts=hosts)


class FilterModule(object):
    """hapair.cluster export filters."""

    def filters(self):
        return {
            "pair_export": pair_export_filter,
            "pair_export_hosts": pair_export_hosts,
        }
