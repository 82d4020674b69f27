"""The collection's playbooks are callable by their FQCN.

`ansible-playbook hapair.cluster.NAME` finds playbooks/NAME.yml; Ansible
cannot name a collection playbook whose name has a hyphen, so none has one.
The top-level playbooks (site.yml, new-guest.yml, upgrade-kernel.yml, ...)
stay the entry points users type, each importing its collection playbook.
"""
import os
import subprocess

import yaml

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOKS = os.path.join(TOP, "playbooks")
ANSIBLE_PLAYBOOK = os.path.join(TOP, ".venv", "bin", "ansible-playbook")
APOLLO = os.path.join(TOP, "inventories", "apollo")
COLLECTION = "hapair.cluster"
# Imported first by every playbook; not run on its own.
IMPORTED_ONLY = ("validate",)
CALLABLE = ("site", "new_guest", "upgrade_kernel", "switchover", "status", "render", "force_takeover",
            "resolve_split_brain", "acknowledge_split_brain", "guests", "update_guests", "export")
ENTRY_POINTS = ("site.yml", "new-guest.yml", "upgrade-kernel.yml", "update-guests.yml")


def playbook_names():
    """NAME of every playbooks/NAME.yml but those only imported."""
    return sorted(os.path.splitext(name)[0] for name in os.listdir(PLAYBOOKS)
                  if name.endswith(".yml") and os.path.splitext(name)[0] not in IMPORTED_ONLY)


def collection_playbook(entry_point):
    """The collection playbook a top-level playbook imports: new-guest.yml -> playbooks/new_guest.yml."""
    return "playbooks/" + entry_point.replace("-", "_")


def imports(path):
    """What each play of the playbook at PATH imports (None for a play that imports nothing)."""
    with open(path, encoding="utf-8") as handle:
        plays = yaml.safe_load(handle)
    assert isinstance(plays, list), "%s is no playbook" % path
    return [play.get("ansible.builtin.import_playbook") for play in plays]


def top_level_playbooks():
    """The YAML files at the top of the repository that are playbooks (lists of plays)."""
    out = []
    for name in sorted(os.listdir(TOP)):
        if name.endswith(".yml"):
            with open(os.path.join(TOP, name), encoding="utf-8") as handle:
                if isinstance(yaml.safe_load(handle), list):
                    out.append(name)
    return out


def test_every_collection_playbook_is_there():
    names = playbook_names()
    assert set(CALLABLE) <= set(names), sorted(set(CALLABLE) - set(names))


def test_no_file_name_in_playbooks_has_a_hyphen():
    hyphenated = [os.path.relpath(os.path.join(root, name), TOP)
                  for root, dirs, files in os.walk(PLAYBOOKS) for name in dirs + files if "-" in name]
    assert not hyphenated, "%s: a collection playbook's name has no hyphen" % hyphenated


def test_every_collection_playbook_passes_syntax_check_by_its_fqcn(tmp_path, ansible_environment):
    names = playbook_names()
    assert names
    # From an empty folder: the playbooks are found in the collection, not beside the command.
    proc = subprocess.run([ANSIBLE_PLAYBOOK, "-i", APOLLO, "--syntax-check"]
                          + ["%s.%s" % (COLLECTION, name) for name in names],
                          cwd=str(tmp_path), env=ansible_environment, capture_output=True, text=True,
                          timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    checked = [line.split("/")[-1] for line in proc.stdout.splitlines() if line.startswith("playbook: ")]
    assert checked == ["%s.yml" % name for name in names], proc.stdout


def test_entry_points_import_their_collection_playbook():
    found = top_level_playbooks()
    assert set(ENTRY_POINTS) <= set(found), sorted(set(ENTRY_POINTS) - set(found))
    for entry_point in found:
        assert imports(os.path.join(TOP, entry_point)) == [collection_playbook(entry_point)], entry_point
        assert os.path.isfile(os.path.join(TOP, collection_playbook(entry_point))), entry_point
