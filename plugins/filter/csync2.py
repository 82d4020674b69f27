# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that render csync2 configuration text."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.hapair.cluster.plugins.module_utils.csync2 import (
    Csync2ConfigError,
    render_group,
)


def csync2_group_block(settings):
    """The group block hapair.cluster.csync2_group writes for SETTINGS (its options)."""
    if not isinstance(settings, dict):
        raise AnsibleFilterError("csync2_group_block expects a dictionary of csync2_group options, got %s" % type(settings).__name__)
    try:
        return render_group(settings)
    except Csync2ConfigError as exc:
        raise AnsibleFilterError("csync2_group_block: %s" % to_native(exc))


class FilterModule(object):
    """hapair.cluster csync2 filters."""

    def filters(self):
        return {
            "csync2_group_block": csync2_group_block,
        }
