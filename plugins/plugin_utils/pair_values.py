# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small readings of inventory values, shared by the pair model's checks.

Pure functions, run on the controller.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress


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
