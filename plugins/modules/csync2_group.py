#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: csync2_group
short_description: Manage one group block of the csync2 configuration
version_added: 0.1.0
author:
  - hapair.cluster maintainers (@hapair)
description:
  - Adds, replaces or removes one C(group NAME { ... }) block of a csync2 2.0 configuration file
    (C(/etc/csync2.cfg) by default).
  - The file is read with csync2's own lexical rules (C(#) comments, double-quoted strings, braces);
    everything outside the group's block (comments, other groups, C(prefix) blocks and global
    statements such as C(nossl), C(tempdir), C(lock-timeout)) is kept byte for byte.
  - The block is written in a fixed layout, the same as the C(hapair.cluster.csync2_group_block)
    filter renders, so a block already in that layout with the same settings is left alone.
  - Files named by C(config) include statements are not read; a group defined there is not seen.
  - The key file, the backup directory and the included paths are not created by this module.
options:
  path:
    description:
      - The csync2 configuration file. Its folder must exist. A missing file is created (mode V(0644)
        unless O(mode) says otherwise).
    type: path
    default: /etc/csync2.cfg
  name:
    description:
      - Name of the group (C(group NAME)). Letters, digits, C(.), C(_) and C(-).
    type: str
    required: true
  state:
    description:
      - V(present) writes the block, V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  hosts:
    description:
      - Members of the group, each the exact output of C(uname -n) on that host (csync2 finds itself
        in the list by it), or C(NAME@ADDRESS-NAME) to reach it under another name.
      - Required with O(state=present).
    type: list
    elements: str
  key:
    description:
      - Pre-shared key file of the group (made with C(csync2 -k FILE)), identical on every host.
      - Required with O(state=present).
    type: path
  include:
    description:
      - Include patterns (C(include PATTERN;)), in order.
    type: list
    elements: str
    default: []
  exclude:
    description:
      - Exclude patterns (C(exclude PATTERN;)), written after the includes.
    type: list
    elements: str
    default: []
  action:
    description:
      - Action sections, in order.
    type: list
    elements: dict
    default: []
    suboptions:
      pattern:
        description:
          - Patterns of the files that trigger the action (C(pattern PATTERN;)).
          - Left empty, no C(pattern) line is written and csync2 2.0 applies the action to every file
            of the group, that is to what O(include) and O(exclude) select.
        type: list
        elements: str
        default: []
      exec:
        description:
          - Commands to run (C(exec "COMMAND";)); C(%%) stands for the files that triggered it.
        type: list
        elements: str
        default: []
      logfile:
        description:
          - File the commands' output is appended to (C(logfile "FILE";)); csync2 uses C(/dev/null)
            without it.
        type: str
      do_local:
        description:
          - Also run the action on the host where the change was made (C(do-local;)).
        type: bool
        default: false
      do_local_only:
        description:
          - Run the action only on the host where the change was made (C(do-local-only;)).
        type: bool
        default: false
  backup_directory:
    description:
      - Folder where csync2 keeps the previous versions of the files it overwrites
        (C(backup-directory DIR;)). It must exist.
    type: path
  backup_generations:
    description:
      - How many previous versions to keep (C(backup-generations N;)).
    type: int
  auto:
    description:
      - Conflict auto-resolution (C(auto METHOD;)). Not written when unset (csync2 then uses V(none)).
    type: str
    choices: [none, first, younger, older, bigger, smaller, left, right]
  backup:
    description:
      - Keep a timestamped copy of the file before changing it.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
notes:
  - csync2 2.0 encrypts its traffic with TLS and reads C(/etc/csync2_ssl_key.pem) and
    C(/etc/csync2_ssl_cert.pem); this module does not write C(nossl).
seealso:
  - name: csync2 documentation
    description: The configuration file and its statements.
    link: https://github.com/LINBIT/csync2/blob/master/doc/csync2.adoc
"""

EXAMPLES = r"""
- name: The field report's group dr
  hapair.cluster.csync2_group:
    name: dr
    hosts: [apollo12, apollo13]
    key: /etc/csync2.key_dr
    include:
      - /etc/vservers
      - /var/cache/vservers
      - /var/lib/vservers
    action:
      - logfile: /var/log/csync2_action.log
        do_local: true
    backup_directory: /var/backups/csync2
    backup_generations: 3
    auto: younger

- name: Restart Apache on the other node when its configuration is synced
  hapair.cluster.csync2_group:
    name: web
    hosts: [web1, web2]
    key: /etc/csync2.key_web
    include: [/etc/apache2]
    exclude: ["*~", ".*"]
    action:
      - pattern: [/etc/apache2/*]
        exec: [/usr/sbin/apache2ctl graceful]
        logfile: /var/log/csync2_action.log

- name: Remove a group
  hapair.cluster.csync2_group:
    name: old
    state: absent
"""

RETURN = r"""
block:
  description: The group's block as written (empty with O(state=absent)).
  returned: success
  type: str
  sample: "group dr\n{\n    host apollo12 apollo13;\n    ...\n}"
path:
  description: The configuration file.
  returned: success
  type: str
  sample: /etc/csync2.cfg
backup_file:
  description: The copy made before the change, with O(backup=true).
  returned: changed and O(backup=true)
  type: str
  sample: /etc/csync2.cfg.12345.2026-11-25@01:02:03~
"""

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text

from ansible_collections.hapair.cluster.plugins.module_utils.csync2 import (
    AUTO_METHODS,
    Csync2ConfigError,
    render_group,
    replace_group,
)


def read_config(module, path):
    if not os.path.exists(path):
        return None
    try:
        with open(path, "rb") as handle:
            return to_text(handle.read(), errors="surrogate_or_strict")
    except (IOError, OSError) as exc:
        module.fail_json(msg="Cannot read %s: %s" % (path, to_native(exc)))
    except UnicodeError:
        module.fail_json(msg="%s is not UTF-8 text: fix or remove it and run again" % path)


def write_config(module, path, text):
    folder = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".csync2_group.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(to_bytes(text, errors="surrogate_or_strict"))
    except (IOError, OSError) as exc:
        os.unlink(tmp)
        module.fail_json(msg="Cannot write %s: %s" % (tmp, to_native(exc)))
    module.atomic_move(tmp, path, unsafe_writes=module.params["unsafe_writes"])


def main():
    action_spec = dict(
        pattern=dict(type="list", elements="str", default=[]),
        exec=dict(type="list", elements="str", default=[]),
        logfile=dict(type="str"),
        do_local=dict(type="bool", default=False),
        do_local_only=dict(type="bool", default=False),
    )
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", default="/etc/csync2.cfg"),
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            hosts=dict(type="list", elements="str"),
            key=dict(type="path", no_log=False),
            include=dict(type="list", elements="str", default=[]),
            exclude=dict(type="list", elements="str", default=[]),
            action=dict(type="list", elements="dict", default=[], options=action_spec),
            backup_directory=dict(type="path"),
            backup_generations=dict(type="int"),
            auto=dict(type="str", choices=list(AUTO_METHODS)),
            backup=dict(type="bool", default=False),
        ),
        required_if=[("state", "present", ("hosts", "key"))],
        add_file_common_args=True,
        supports_check_mode=True,
    )
    params = module.params
    path = params["path"]
    name = params["name"]

    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        module.fail_json(msg="The folder of %s does not exist: install csync2 first or choose another path" % path)

    block = ""
    try:
        if params["state"] == "present":
            block = render_group(params)
        before = read_config(module, path)
        after = replace_group(before or "", name, block if params["state"] == "present" else None)
    except Csync2ConfigError as exc:
        module.fail_json(msg="%s: %s" % (path, to_native(exc)))

    created = before is None and params["state"] == "present"
    changed = after != (before or "") or created
    result = dict(changed=changed, path=path, block=block)
    diffs = [dict(before=before or "", after=after,
                  before_header="%s (group %s)" % (path, name),
                  after_header="%s (group %s)" % (path, name))]

    if changed and not module.check_mode:
        if params["backup"] and before is not None:
            result["backup_file"] = module.backup_local(path)
        write_config(module, path, after)
        if created and params["mode"] is None:
            os.chmod(path, 0o644)

    if os.path.exists(path):
        attr_diff = {}
        file_args = module.load_file_common_arguments(params)
        result["changed"] = module.set_fs_attributes_if_different(file_args, result["changed"], diff=attr_diff)
        if attr_diff:
            diffs.append(attr_diff)
    if module._diff:
        result["diff"] = diffs if len(diffs) > 1 else diffs[0]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
