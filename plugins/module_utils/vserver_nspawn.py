# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a systemd-nspawn guest needs on a node, as pure functions.

Used by the vserver module (which writes these files on the node) and by the
vserver filters (which give the same text to roles/vserver_host and to the
render playbook). Nothing here touches the system.

Files of guest NAME:
  /etc/systemd/nspawn/NAME.nspawn
      settings: boot, user-namespace range, capabilities, private veth;
  /etc/systemd/system/systemd-nspawn@NAME.service.d/hapair-guest.conf
      the guest-net helper that puts the guest's address on host0 when the
      guest starts and removes the host's route when it stops;
  /var/lib/machines/NAME -> ROOT/NAME
      so that systemd-nspawn@NAME.service and machinectl find the tree.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import ipaddress
import os
import re

# Where things live on a node. Tests point these somewhere else.
SYSTEM_PATHS = {
    "settings_dir": "/etc/systemd/nspawn",
    "unit_dir": "/etc/systemd/system",
    "machines_dir": "/var/lib/machines",
}

DEFAULT_ROOT = "/srv/vservers"
DEFAULT_NET_HELPER = "/usr/local/libexec/hapair/guest-net"
# Where systemd-nspawn (257) mounts the sockets a guest exports to the host,
# one folder per machine, removed when nspawn ends cleanly.
UNIX_EXPORT = "/run/systemd/nspawn/unix-export/%s"
DROPIN_NAME = "hapair-guest.conf"

# systemd-nspawn picks user-namespace ranges of 65536 ids between these two
# bases (UID_SHIFT_PICK_MIN/MAX); fixed bases are taken from the same span so
# they never overlap the host's own users.
UID_RANGE = 0x10000
UID_BASE_MIN = 0x00080000
UID_BASE_MAX = 0x6FFF0000

# Longest host-side interface name the kernel takes (IFNAMSIZ - 1).
IFNAME_MAX = 15

NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
CAPABILITY_RE = re.compile(r"^CAP_[A-Z0-9_]+$")

HEADER = "# Managed by hapair.cluster (vserver): guest %s. Changes here are overwritten.\n"


def check_name(name):
    """None when NAME is a usable machine name, otherwise why not."""
    if not isinstance(name, str) or not NAME_RE.match(name):
        return ("%r is not a valid guest name: lowercase letters, digits and inner hyphens, "
                "at most 63 characters (it is the machine name and a hostname)" % (name,))
    return None


def uid_base(name):
    """The guest's fixed user-namespace base, derived from its name alone.

    Both nodes compute the same base for the same guest, so the tree (which
    systemd-nspawn chowns into that range on its first start) starts on
    either node without being chowned again.
    """
    slots = (UID_BASE_MAX - UID_BASE_MIN) // UID_RANGE + 1
    digest = hashlib.sha256(("hapair-guest:" + name).encode("utf-8")).digest()
    return UID_BASE_MIN + (int.from_bytes(digest[:8], "big") % slots) * UID_RANGE


def check_uid_base(base):
    """None when BASE is usable as an explicit uid_base, otherwise why not."""
    if isinstance(base, bool) or not isinstance(base, int):
        return "uid_base=%r is not an integer" % (base,)
    if base % UID_RANGE or not UID_BASE_MIN <= base <= UID_BASE_MAX:
        return ("uid_base=%d must be a multiple of 65536 between %d and %d"
                % (base, UID_BASE_MIN, UID_BASE_MAX))
    return None


def normalize_capabilities(capabilities):
    """Capability names, upper case with the CAP_ prefix, sorted and unique.

    Raises ValueError naming the first invalid item.
    """
    out = set()
    for item in capabilities or []:
        cap = str(item).strip().upper()
        if not cap.startswith("CAP_"):
            cap = "CAP_" + cap
        if not CAPABILITY_RE.match(cap):
            raise ValueError("capabilities: %r is not a capability name such as CAP_NET_ADMIN" % (item,))
        out.add(cap)
    return sorted(out)


def parse_address(address):
    """(ip, prefix) of ADDRESS/PREFIX; raises ValueError with what is wrong."""
    text = str(address or "")
    if "/" not in text:
        raise ValueError("address=%r must be address/prefix, e.g. 10.10.10.12/24" % (address,))
    try:
        iface = ipaddress.ip_interface(text)
    except ValueError:
        raise ValueError("address=%r is not an address/prefix, e.g. 10.10.10.12/24" % (address,))
    if iface.version != 4:
        raise ValueError("address=%r: guests take an IPv4 address (routed with proxy ARP)" % (address,))
    return str(iface.ip), iface.network.prefixlen


def host_interface(name):
    """The host side of the guest's veth (ve-NAME), or None when NAME is too
    long and systemd-nspawn shortens it (the helper then finds it at start)."""
    ifname = "ve-" + name
    return ifname if len(ifname) <= IFNAME_MAX else None


def guest_paths(name, root=DEFAULT_ROOT):
    """Every path of guest NAME on a node."""
    unit = "systemd-nspawn@%s.service" % name
    dropin_dir = os.path.join(SYSTEM_PATHS["unit_dir"], unit + ".d")
    return {
        "tree": os.path.join(root, name),
        "settings": os.path.join(SYSTEM_PATHS["settings_dir"], name + ".nspawn"),
        "unit": unit,
        "dropin_dir": dropin_dir,
        "dropin": os.path.join(dropin_dir, DROPIN_NAME),
        "machine_link": os.path.join(SYSTEM_PATHS["machines_dir"], name),
    }


def link_needed(name, root=DEFAULT_ROOT):
    """True when the tree is not already where nspawn looks (machines dir)."""
    return os.path.normpath(os.path.join(root, name)) != os.path.normpath(guest_paths(name, root)["machine_link"])


def render_settings(name, capabilities=None, private_users=True, base=None):
    """The text of /etc/systemd/nspawn/NAME.nspawn."""
    caps = normalize_capabilities(capabilities)
    lines = [HEADER % name + "[Exec]", "Boot=yes"]
    if private_users:
        if base is None:
            base = uid_base(name)
        lines.append("# Fixed range, the same on both nodes: the tree on the shared disk is")
        lines.append("# owned by it and starts on either node without being chowned again.")
        lines.append("PrivateUsers=%d:%d" % (base, UID_RANGE))
    else:
        lines.append("PrivateUsers=no")
    if caps:
        lines.append("Capability=%s" % " ".join(caps))
    if private_users:
        lines += [
            "",
            "[Files]",
            "# On its first start, systemd-nspawn chowns the tree into the range.",
            "PrivateUsersOwnership=chown",
        ]
    lines += [
        "",
        "[Network]",
        "# Own network namespace, veth pair host0 (guest) / ve-NAME (host);",
        "# the address is put on host0 by the guest-net helper at start.",
        "Private=yes",
        "VirtualEthernet=yes",
    ]
    return "\n".join(lines) + "\n"


def render_dropin(name, address, interface, gateway=None, helper=DEFAULT_NET_HELPER):
    """The text of the systemd-nspawn@NAME.service drop-in (routed networking)."""
    parse_address(address)
    args = [name, str(address), str(interface)]
    if gateway:
        args.append(str(gateway))
    arg_text = " ".join(args)
    export = UNIX_EXPORT % name
    return "".join([
        HEADER % name,
        "# Never enabled at boot: the Heartbeat cluster script starts the guest.\n",
        "[Service]\n",
        "# A guest killed (the cluster script kills one that will not stop) leaves\n",
        "# systemd-nspawn's socket export mounted, and nspawn then refuses to start\n",
        "# it again on this node (\"exists already, refusing\"): clear it first.\n",
        "ExecStartPre=-/usr/bin/umount --quiet %s\n" % export,
        "ExecStartPre=-/usr/bin/rmdir %s\n" % export,
        "ExecStartPost=%s up %s\n" % (helper, arg_text),
        "ExecStopPost=-%s down %s\n" % (helper, arg_text),
    ])


def render_hostname(hostname):
    """The guest's /etc/hostname."""
    return "%s\n" % hostname


def render_hosts(hostname, domain, address):
    """The guest's /etc/hosts: its own address first, then the usual lines."""
    ip = parse_address(address)[0]
    names = "%s.%s\t%s" % (hostname, domain, hostname) if domain else hostname
    return "".join([
        "127.0.0.1\tlocalhost\n",
        "%s\t%s\n" % (ip, names),
        "\n",
        "::1\tlocalhost ip6-localhost ip6-loopback\n",
        "ff02::1\tip6-allnodes\n",
        "ff02::2\tip6-allrouters\n",
    ])


def node_files(guest, root=DEFAULT_ROOT, helper=DEFAULT_NET_HELPER):
    """The regular files guest GUEST (an item of hapair_guests) places on a node.

    A list of {path, content, mode}. The machine link is not a file: see
    guest_paths()["machine_link"] and link_needed().
    """
    name = guest["name"]
    problem = check_name(name)
    if problem:
        raise ValueError(problem)
    paths = guest_paths(name, root)
    base = guest.get("uid_base")
    if base is not None:
        problem = check_uid_base(base)
        if problem:
            raise ValueError(problem)
    return [
        {
            "path": paths["settings"],
            "content": render_settings(name, guest.get("capabilities"),
                                       guest.get("private_users", True), base),
            "mode": "0644",
        },
        {
            "path": paths["dropin"],
            "content": render_dropin(name, guest.get("address"), guest.get("interface"),
                                     guest.get("gateway"), helper),
            "mode": "0644",
        },
    ]
