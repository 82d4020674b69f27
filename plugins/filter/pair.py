# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the pair's inventory model."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.hapair.cluster.plugins.plugin_utils.pair_model import (
    ROLE_CHECKS,
    normalize_guests,
    pair_model,
    pair_problems,
)


def guests(value, defaults=None):
    """hapair_guests with every field filled (hostname, fqdn, ip, prefix, service defaults)."""
    return normalize_guests(value, defaults)


def pair_problems_filter(hostvars, host, monitors=None):
    """Messages for everything wrong with the pair HOST belongs to."""
    return pair_problems(hostvars, host, monitors)


def pair_model_filter(hostvars, host, check=None, monitors=None):
    """The normalised model of the pair HOST belongs to (the fact hapair_model).

    With CHECK, the name of a role of the collection (or a list of them),
    the checks that role needs run first, and the first problem found stops
    with every message: a role used without playbooks/validate.yml checks
    what it reads before it reads it.
    """
    if check:
        roles = [check] if isinstance(check, str) else list(check)
        unknown = [role for role in roles if role not in ROLE_CHECKS]
        if unknown:
            raise AnsibleFilterError("pair_model: check=%r is not a role of the collection (%s)"
                                     % (check, ", ".join(sorted(ROLE_CHECKS))))
        problems = pair_problems(hostvars, host, monitors, roles=roles)
        if problems:
            raise AnsibleFilterError(
                "The inventory of the pair of %s is wrong for %s %s (used without playbooks/validate.yml):\n%s"
                % (host, "role" if len(roles) == 1 else "roles", ", ".join("hapair.cluster.%s" % role for role in roles),
                   "\n".join("- " + problem for problem in problems)))
    return pair_model(hostvars, host)


class FilterModule(object):
    """hapair.cluster pair model filters."""

    def filters(self):
        return {
            "guests": guests,
            "pair_model": pair_model_filter,
            "pair_problems": pair_problems_filter,
        }
