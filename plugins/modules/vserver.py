#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vserver
short_description: Create, start, stop and remove one guest of a high-availability pair
version_added: 0.1.0
author:
  - hapair.cluster maintainers (@hapair)
description:
  - Manages one guest ("vserver") whose tree lives on the pair's shared filesystem, idempotently.
  - Creation takes the parameters of the field report's C(newvserver) command (root, hostname, domain,
    address, interface, suite, mirror). With O(backend=nspawn) the tree is unpacked from a cached
    template tarball of the suite (O(method=template), built once with C(debootstrap) on the node when
    missing) or debootstrapped straight into place (O(method=debootstrap)); then the guest's
    C(/etc/hostname) and C(/etc/hosts) are written. A tree is built next to its final place and renamed
    into it when complete.
  - "With O(backend=nspawn) the module writes the settings file C(/etc/systemd/nspawn/NAME.nspawn), a
    drop-in C(/etc/systemd/system/systemd-nspawn@NAME.service.d/hapair-guest.conf) and the symlink
    C(/var/lib/machines/NAME) to the tree (so that C(systemd-nspawn@NAME.service) and C(machinectl) find
    it), and starts and stops the guest through C(systemd-nspawn@NAME.service)."
  - "Networking (nspawn) is routed as Linux-VServer guests were: the guest has its own network namespace
    with a veth pair (C(host0) inside, C(ve-NAME) on the node). When the guest starts, the drop-in runs
    the helper O(net_helper) (installed by role C(hapair.cluster.vserver_host)), which puts O(address)
    on C(host0) with a default route, and on the node routes the address to C(ve-NAME), answers ARP for
    it on O(interface) (proxy ARP) and turns on forwarding. When the guest stops it removes the route
    and the ARP entry. Nothing in the guest's own configuration depends on the node it runs on.
    Before each start the drop-in also clears the socket export that a killed systemd-nspawn leaves
    mounted (C(/run/systemd/nspawn/unix-export/NAME)), without which the guest would not start again."
  - "User namespace (nspawn): each guest gets a fixed range of 65536 ids (C(PrivateUsers=BASE:65536))
    whose BASE is derived from the guest name (or given as O(uid_base)), with
    C(PrivateUsersOwnership=chown). systemd-nspawn chowns the tree into that range on its first start;
    since both nodes compute the same range, the tree on the shared disk then starts on either node as
    it is. C(chown) rather than C(map) because it needs no idmapped-mount support from the kernel and
    filesystem, and is the same on systemd 252 (Debian 12) and 257 (Debian 13). O(private_users=false)
    runs the guest without a user namespace (guest root is the node's root)."
  - Guests are never enabled at boot (the Heartbeat C(cluster) script starts them after announcing
    their address); a guest unit found enabled is disabled.
  - With O(backend=util-vserver) the module runs the report's C(newvserver) and C(vserver NAME
    start|stop|status). util-vserver is not packaged in Debian 12 or 13; where C(/usr/sbin/vserver) is
    missing the module fails and changes nothing.
options:
  name:
    description:
      - Machine name of the guest; a hostname label. The tree is O(root)/O(name).
    type: str
    required: true
  state:
    description:
      - V(present) makes the tree and the configuration, and leaves the guest running or not.
      - V(started), V(stopped) and V(restarted) make the guest as V(present) does, then start it (if not
        running), stop it (if running) or restart it (always).
      - V(absent) removes the configuration; it refuses a running guest. The tree is removed only with
        O(purge=true).
      - V(configured) writes only the node's files of the guest (O(backend=nspawn)) - its C(.nspawn)
        settings, its unit drop-in and its C(machinectl) link - and never touches the tree. It is for
        the node that does not hold the guest root, so that a takeover finds the guest configured;
        the role C(hapair.cluster.vserver_host) uses it on both nodes.
      - Settings changed while the guest runs apply at its next start; the module warns.
    type: str
    choices: [present, configured, started, stopped, restarted, absent]
    default: present
  backend:
    description:
      - How the guest runs.
    type: str
    choices: [nspawn, util-vserver]
    default: nspawn
  root:
    description:
      - Folder holding the guest trees, on the shared (DRBD) filesystem. It must exist (the module never
        creates it), so that nothing is written under the mountpoint of a node where the filesystem is
        not mounted.
    type: path
    default: /srv/vservers
  hostname:
    description:
      - Host name of the guest, written to its C(/etc/hostname). Defaults to O(name).
      - With O(backend=util-vserver) it must equal O(name) (newvserver names the guest after it).
    type: str
  domain:
    description:
      - DNS domain of the guest; C(/etc/hosts) maps O(address) to C(HOSTNAME.DOMAIN HOSTNAME).
    type: str
    default: ''
  address:
    description:
      - The guest's IPv4 address with its prefix on the public LAN, for example V(10.10.10.12/24).
      - Required unless O(state=absent).
    type: str
  interface:
    description:
      - The node's interface on the public LAN, where the node answers ARP for O(address), for example
        V(eth0). Required unless O(state=absent).
    type: str
  gateway:
    description:
      - Default gateway of the guest. Without it the guest's default route is C(dev host0) and the node
        answers ARP for every destination (proxy ARP), forwarding through its own routes.
    type: str
  suite:
    description:
      - Debian suite of a new guest, for example V(trixie). Required when the tree must be built.
    type: str
  mirror:
    description:
      - Debian mirror to build a tree or a template from.
    type: str
    default: http://deb.debian.org/debian
  method:
    description:
      - How a missing tree is built with O(backend=nspawn). V(template) unpacks O(template) (building it
        once with debootstrap when missing); V(debootstrap) runs debootstrap into the tree, as the
        report's newvserver did.
      - Defaults to V(template) with O(backend=nspawn). With O(backend=util-vserver) newvserver builds the
        tree by itself, so only V(debootstrap) (the default there) is accepted.
    type: str
    choices: [template, debootstrap]
  template:
    description:
      - Template tarball (a minbase tree, numeric owners) to unpack. Defaults to
        O(template_dir)/SUITE.tar.gz.
    type: path
  template_dir:
    description:
      - Folder of the cached template tarballs, one C(SUITE.tar.gz) per suite.
    type: path
    default: /var/cache/hapair/templates
  packages:
    description:
      - Packages debootstrap adds to the minbase system (for a template built on the node, and for
        O(method=debootstrap)). A booted guest needs C(systemd-sysv) and C(dbus).
    type: list
    elements: str
    default: [systemd-sysv, dbus, iproute2]
  capabilities:
    description:
      - Capabilities given to the guest on top of systemd-nspawn's default set (C(Capability=)), for
        example V(CAP_NET_ADMIN). The C(CAP_) prefix may be left out.
    type: list
    elements: str
    default: []
  private_users:
    description:
      - Run the guest in its own user namespace with a fixed range (see the description). V(false) runs
        it without one.
    type: bool
    default: true
  uid_base:
    description:
      - First host uid of the guest's range, a multiple of 65536 between 524288 and 1879048192. Defaults
        to a value derived from O(name). The module fails when another guest's settings use the same.
    type: int
  purge:
    description:
      - With O(state=absent), also delete the guest tree and everything in it.
    type: bool
    default: false
  net_helper:
    description:
      - Helper the drop-in runs when the guest starts (C(up)) and stops (C(down)). Installed by role
        C(hapair.cluster.vserver_host); starting fails when it is missing.
    type: path
    default: /usr/local/libexec/hapair/guest-net
attributes:
  check_mode:
    support: full
    description: Reports what would change; only queries (C(systemctl is-active), ...) run.
  diff_mode:
    support: full
    description: Shows the settings files, the drop-in, the symlink and the tree that change.
requirements:
  - systemd-container (systemd-nspawn, machinectl) for O(backend=nspawn)
  - debootstrap on the node when a tree or template must be debootstrapped
  - util-vserver and vserver-debiantools for O(backend=util-vserver)
notes:
  - The guest root is on the filesystem mounted on the active node only; run the module there. The
    peer gets the per-guest node files from role C(hapair.cluster.vserver_host) (and Csync2).
seealso:
  - name: systemd.nspawn(5)
    description: The settings file.
    link: https://www.freedesktop.org/software/systemd/man/latest/systemd.nspawn.html
"""

EXAMPLES = r"""
- name: Create and start the report's hubble guest
  hapair.cluster.vserver:
    name: hubble
    domain: dr12.cnrs.fr
    address: 10.10.10.12/24
    interface: eth0
    suite: trixie
    mirror: http://ftp.fr.debian.org/debian/
    state: started

- name: Create a guest from a template copied by the vserver_host role, with one extra capability
  hapair.cluster.vserver:
    name: relay
    address: 10.10.10.15/24
    interface: eth0
    suite: trixie
    template: /var/cache/hapair/templates/trixie.tar.gz
    capabilities: [CAP_NET_ADMIN]

- name: Debootstrap the tree directly, as newvserver did
  hapair.cluster.vserver:
    name: ldap
    address: 10.10.10.14/24
    interface: eth0
    suite: trixie
    method: debootstrap

- name: On a node that still has util-vserver
  hapair.cluster.vserver:
    name: hebdo
    backend: util-vserver
    domain: dr12.cnrs.fr
    address: 10.10.10.11/24
    interface: eth0
    suite: trixie

- name: Configure a guest on the node that does not hold the guest root (settings, unit drop-in)
  hapair.cluster.vserver:
    name: hubble
    root: /srv/vservers
    address: 10.10.10.12/24
    interface: eth0
    state: configured

- name: Stop a guest
  hapair.cluster.vserver:
    name: hubble
    address: 10.10.10.12/24
    interface: eth0
    state: stopped

- name: Remove a stopped guest's configuration and its tree
  hapair.cluster.vserver:
    name: hubble
    state: absent
    purge: true
"""

RETURN = r"""
name:
  description: The guest's name.
  returned: always
  type: str
  sample: hubble
state:
  description: The state asked for.
  returned: always
  type: str
  sample: started
running:
  description: Whether the guest runs after the task (predicted in check mode).
  returned: always
  type: bool
  sample: true
backend:
  description: The backend used.
  returned: always
  type: str
  sample: nspawn
tree:
  description: Path of the guest tree.
  returned: always
  type: str
  sample: /srv/vservers/hubble
settings:
  description: The guest's settings, the C(.nspawn) file (nspawn) or the configuration folder (util-vserver).
  returned: always
  type: str
  sample: /etc/systemd/nspawn/hubble.nspawn
address:
  description: The guest's address/prefix.
  returned: always
  type: str
  sample: 10.10.10.12/24
uid_base:
  description: First host uid of the guest's user-namespace range; null without a user namespace.
  returned: when O(backend=nspawn)
  type: int
  sample: 1033240576
host_interface:
  description: Host side of the guest's veth; null when the name is too long and systemd-nspawn
    shortens it (the helper then finds it when the guest starts).
  returned: when O(backend=nspawn)
  type: str
  sample: ve-hubble
commands:
  description: Commands run to change the node (in check mode, those that would run); queries are left out.
  returned: always
  type: list
  elements: list
  sample: [["/usr/bin/tar", "--numeric-owner", "-xpzf", "/var/cache/hapair/templates/trixie.tar.gz",
            "-C", "/srv/vservers/.hubble.hapair-new"], ["/usr/bin/systemctl", "daemon-reload"]]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hapair.cluster.plugins.module_utils import vserver_nspawn as nspawn
from ansible_collections.hapair.cluster.plugins.module_utils.vserver_backends import (
    BACKENDS,
    apply_state,
)
from ansible_collections.hapair.cluster.plugins.module_utils.vserver_ops import NodeOps
from ansible_collections.hapair.cluster.plugins.module_utils.vserver_tree import (
    DEFAULT_PACKAGES,
    DEFAULT_TEMPLATE_DIR,
)

NEEDS_ADDRESS = ["address", "interface"]


def argument_spec():
    return dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present",
                   choices=["present", "configured", "started", "stopped", "restarted", "absent"]),
        backend=dict(type="str", default="nspawn", choices=["nspawn", "util-vserver"]),
        root=dict(type="path", default=nspawn.DEFAULT_ROOT),
        hostname=dict(type="str"),
        domain=dict(type="str", default=""),
        address=dict(type="str"),
        interface=dict(type="str"),
        gateway=dict(type="str"),
        suite=dict(type="str"),
        mirror=dict(type="str", default="http://deb.debian.org/debian"),
        method=dict(type="str", choices=["template", "debootstrap"]),
        template=dict(type="path"),
        template_dir=dict(type="path", default=DEFAULT_TEMPLATE_DIR),
        packages=dict(type="list", elements="str", default=list(DEFAULT_PACKAGES)),
        capabilities=dict(type="list", elements="str", default=[]),
        private_users=dict(type="bool", default=True),
        uid_base=dict(type="int"),
        purge=dict(type="bool", default=False),
        net_helper=dict(type="path", default=nspawn.DEFAULT_NET_HELPER),
    )


def check_params(module):
    """Fill the defaults that depend on other options; fail on bad values."""
    p = module.params
    for problem in (nspawn.check_name(p["name"]),
                    p["uid_base"] is not None and nspawn.check_uid_base(p["uid_base"])):
        if problem:
            module.fail_json(msg=problem)
    if not p["hostname"]:
        p["hostname"] = p["name"]
    elif nspawn.check_name(p["hostname"]):
        module.fail_json(msg="hostname=%r is not a valid hostname label" % p["hostname"])
    if p["address"] is not None:
        try:
            nspawn.parse_address(p["address"])
        except ValueError as exc:
            module.fail_json(msg=str(exc))
    try:
        nspawn.normalize_capabilities(p["capabilities"])
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    if p["backend"] == "util-vserver":
        if p["method"] == "template":
            module.fail_json(msg="backend=util-vserver builds trees with newvserver (which debootstraps): "
                                 "method=template is for backend=nspawn. Leave method out.")
        p["method"] = "debootstrap"
    elif p["method"] is None:
        p["method"] = "template"


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        required_if=[("state", state, NEEDS_ADDRESS)
                     for state in ("present", "configured", "started", "stopped", "restarted")],
        supports_check_mode=True,
    )
    check_params(module)
    p = module.params
    ops = NodeOps(module)
    backend = BACKENDS[p["backend"]](ops, p)
    if p["backend"] == "util-vserver":
        backend.require()
    running = apply_state(backend, p["state"])
    extra = {}
    if p["backend"] == "nspawn":
        extra["uid_base"] = (p["uid_base"] or nspawn.uid_base(p["name"])) if p["private_users"] else None
        extra["host_interface"] = nspawn.host_interface(p["name"])
    module.exit_json(**ops.result(
        name=p["name"],
        state=p["state"],
        running=running,
        backend=p["backend"],
        tree=backend.tree,
        settings=backend.settings_path,
        address=p["address"],
        **extra
    ))


if __name__ == "__main__":
    main()
