#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the action plugin hapair.cluster.render_files (plugins/action/render_files.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: render_files
short_description: Write the files a role places on a node into a folder of the controller, in one action
version_added: 0.1.0
author:
  - hapair.cluster maintainers (@hapair)
description:
  - Renders every file of O(files) on the controller, under O(root) followed by the file's absolute path
    on the node, the way the role writes it on the node (same template, same variables, same mode). No
    host is contacted. One action for all the files of a role, instead of one C(template) or C(copy)
    task per file.
  - Used by the roles' C(render.yml), which C(playbooks/render.yml) runs.
options:
  root:
    description: The folder that stands for the node's C(/).
    type: path
    required: true
  files:
    description:
      - The files, each with C(dest) (absolute path on the node; C(path) is accepted too), C(mode) (default C(0644)), and one of
        C(template) (a template of the role, rendered with the task's variables plus C(vars)), C(src) (a file
        of the role, copied) or C(content) (written as given).
      - "An entry with C(for_each) (a list of dictionaries) and C(as) (a variable name) stands for one file
        per element: the element is the variable C(as) of the template, and C(dest) is formatted with its
        keys (Python C(str.format), for example C(/etc/ha.d/guests/{name}.sh))."
    type: list
    elements: dict
    required: true
  dirs:
    description: Folders (absolute paths on the node) to make even when no file lands in them.
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: none
    description: Renders in check mode too; it writes only on the controller, never on a node.
  diff_mode:
    support: none
    description: Says which files it wrote (RV(written)), not how they changed.
  platform:
    support: full
    platforms: posix
    description: Runs on the controller only.
notes:
  - Folders are made with mode C(0755). A file is rewritten only when its content or mode differs.
  - C(ansible_managed) is the variable's value when set, else the configured C(DEFAULT_MANAGED_STR), unformatted.
"""

EXAMPLES = r"""
- name: Render ha.cf and one hook script per guest
  hapair.cluster.render_files:
    root: "/tmp/render/{{ inventory_hostname }}"
    files:
      - {dest: /etc/ha.d/ha.cf, template: ha.cf.j2, mode: "0644"}
      - dest: /etc/ha.d/hapair-guests/{name}.sh
        template: guest-hooks.sh.j2
        mode: "0755"
        for_each: "{{ hapair_model.guests }}"
        as: guest
  delegate_to: localhost
"""

RETURN = r"""
written:
  description: The node paths whose rendered file was written (new or changed).
  returned: always
  type: list
  elements: str
rendered:
  description: How many files were rendered.
  returned: always
  type: int
"""
