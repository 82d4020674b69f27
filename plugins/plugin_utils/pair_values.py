# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small readings of inventory values, shared by the pair model's checks.

Pure functions, run on the controller.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

# What Ansible's bool filter reads as false, in a string.
FALSE_WORDS = ("", "false", "no", "off", "0")


def origin(key, inventory):
    """Where the value of KEY comes from, for messages."""
    return "" if key in inventory else ", the role's default"


def split_address(address):
    """(address, prefix) of ADDRESS/PREFIX as written; prefix None when there is none."""
    if address is None:
        return None, None
    ip, _, prefix = str(address).partition("/")
    return ip, int(prefix) if prefix.isdigit() else None


def ip(value):
    """The address of VALUE (an address, or address/prefix), or None."""
    try:
        return ipaddress.ip_interface(str(value)).ip
    except ValueError:
        return None


def positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def is_off(value):
    """False, as Ansible's bool filter reads it (an unset variable included)."""
    if isinstance(value, str):
        return value.strip().lower() in FALSE_WORDS
    return value is None or value is False or (isinstance(value, int) and value == 0)
