"""Each role used alone, without playbooks/validate.yml: a variable it needs that is
missing or wrong stops it before any host is contacted, with a message naming the
variable (the role's argument_specs, then the pair checks the role needs), never
with an undefined variable. With a sound inventory, each role builds the same pair
model that validate.yml leaves, and renders the same files."""
import filecmp
import os

import pytest
import yaml

from fasttools import APOLLO, run_playbook

ROLES = ["drbd", "heartbeat", "csync2", "mon", "vserver_host"]

# The role alone, as a user's playbook would use it.
ROLE_PLAYBOOK = """\
- name: Use one role of the collection alone
  hosts: hapair_pairs
  gather_facts: false
  roles:
    - role: hapair.cluster.{role}
"""

# One entry point of the role alone: the files it renders.
RENDER_PLAYBOOK = """\
- name: Render with roles of the collection alone
  hosts: hapair_pairs
  gather_facts: false
  tasks:
{tasks}"""

RENDER_TASK = """\
    - name: Render the files of {role}
      ansible.builtin.include_role:
        name: hapair.cluster.{role}
        tasks_from: render.yml
      vars:
        hapair_render_dir: "{out}"
        hapair_render_secret_marker: "<secret: generated on the node, not rendered>"
"""


def two_nodes(**pair):
    """An inventory of the pair n1, n2 whose group has PAIR; each node has its replication link.
    Ansible logs in with become, as with a sudo user: rendering must not ask for it on the controller."""
    hosts = dict(("n%d" % i, {"ansible_host": "192.0.2.%d" % i, "ansible_become": True,
                              "hapair_replication_interface": "eth1",
                              "hapair_replication_address": "192.168.1.%d" % i}) for i in (1, 2))
    return {"all": {"children": {"hapair_pairs": {"children": {"pair": {"hosts": hosts, "vars": pair}}}}}}


NODES = ["n1", "n2"]
RESOURCE = {"name": "r0", "minor": 0, "port": 7788, "fstype": "ext4", "mountpoint": "/srv",
            "disks": {"n1": "/dev/vdb", "n2": "/dev/vdb"}}

# (role, the inventory's pair variables, words the message must hold)
CASES = [
    ("drbd", {}, ["Validation of arguments failed", "missing required arguments: hapair_nodes"]),
    ("drbd", {"hapair_nodes": NODES}, ["wrong for role hapair.cluster.drbd", "drbd_resources=[]: at least one"]),
    ("heartbeat", {}, ["Validation of arguments failed", "missing required arguments: drbd_resources, hapair_nodes"]),
    ("heartbeat", {"hapair_nodes": NODES, "drbd_resources": [RESOURCE], "heartbeat_preferred_node": "n3"},
     ["wrong for role hapair.cluster.heartbeat", "heartbeat_preferred_node='n3': not a node of this pair"]),
    ("csync2", {"hapair_nodes": NODES}, ["Validation of arguments failed",
                                         "missing required arguments: csync2_group_name"]),
    ("mon", {"hapair_guests": [{"name": "web"}]},
     ["wrong for role hapair.cluster.mon", "hapair_guests[0].address=None: not an address/prefix"]),
    ("vserver_host", {"hapair_guests": [{"address": "10.10.10.12/24"}]},
     ["wrong for role hapair.cluster.vserver_host", "hapair_guests[0].name=None: not a valid hostname"]),
]


def write(tmp_path, inventory, playbook):
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(inventory), encoding="utf-8")
    (tmp_path / "play.yml").write_text(playbook, encoding="utf-8")
    return tmp_path / "hosts.yml", str(tmp_path / "play.yml")


def refused(proc, contacted, words):
    output = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode != 0, output
    assert not contacted, "a host was contacted"
    assert "is undefined" not in output, output
    for word in words:
        assert word in output, "%r not in:\n%s" % (word, output)


@pytest.mark.parametrize("role,pair,words", CASES, ids=["%s-%d" % (c[0], i) for i, c in enumerate(CASES)])
def test_a_role_alone_names_what_is_missing(tmp_path, role, pair, words):
    inventory, playbook = write(tmp_path, two_nodes(**pair), ROLE_PLAYBOOK.format(role=role))
    proc, contacted = run_playbook(tmp_path, playbook, inventory, "--check")
    refused(proc, contacted, words)


@pytest.mark.parametrize("role", ["drbd", "heartbeat", "csync2"])
def test_a_render_entry_point_alone_names_the_missing_nodes(tmp_path, role):
    out = tmp_path / "out"
    inventory, playbook = write(tmp_path, two_nodes(csync2_group_name="pair"),
                                RENDER_PLAYBOOK.format(tasks=RENDER_TASK.format(role=role, out=out)))
    proc, contacted = run_playbook(tmp_path, playbook, inventory)
    refused(proc, contacted, ["wrong for role hapair.cluster.%s" % role,
                              "hapair_nodes=None: a pair has exactly two distinct nodes"])
    assert not out.exists(), "files were rendered"


def same_tree(left, right):
    """The paths under LEFT and RIGHT that differ (content, or present on one side only)."""
    diff = []

    def walk(cmp, prefix):
        diff.extend(os.path.join(prefix, name) for name in cmp.left_only + cmp.right_only + cmp.funny_files)
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        diff.extend(os.path.join(prefix, name) for name in mismatch + errors)
        for name, sub in cmp.subdirs.items():
            walk(sub, os.path.join(prefix, name))

    walk(filecmp.dircmp(str(left), str(right)), "")
    return diff


def test_the_roles_alone_render_what_render_yml_renders(tmp_path, apollo_render):
    """No validate.yml: each role builds the pair model itself, the same as validate.yml's."""
    out = tmp_path / "out"
    tasks = "".join(RENDER_TASK.format(role=role, out=out) for role in ROLES)
    (tmp_path / "play.yml").write_text(RENDER_PLAYBOOK.format(tasks=tasks), encoding="utf-8")
    proc, contacted = run_playbook(tmp_path, str(tmp_path / "play.yml"), APOLLO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not contacted
    assert same_tree(apollo_render, out) == []
