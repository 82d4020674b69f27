# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the pair's inventory model."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hapair.cluster.plugins.plugin_utils.pair_model import (
    normalize_guests,
    pair_problems,
)


def guests(value, defaults=None):
    """hapair_guests with every field filled (hostname, fqdn, service defaults)."""
    return normalize_guests(value, defaults)


def pair_problems_filter(hostvars, host, monitors=None):
    """Messages for everything wrong with the pair HOST belongs to."""
    return pair_problems(hostvars, host, monitors)


class FilterModule(object):
    """hapair.cluster pair model filters."""

    def filters(self):
        return {
            "guests": guests,
            "pair_problems": pair_problems_filter,
        }
