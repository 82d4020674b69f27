"""site.yml re-applies one part of the pair with --tags; the inventory check
always runs first."""
import re

import pytest

from fasttools import APOLLO, run_playbook

# tag -> the role its tasks come from (guests: the guest host role and the
# play that creates and starts the guests)
TAGS = {"drbd": "drbd", "csync2": "csync2", "guests": "vserver_host", "mon": "mon", "heartbeat": "heartbeat"}
ROLE_TASK = re.compile(r"^\s+hapair\.cluster\.(\w+) : (.*)\tTAGS: \[(.*)\]$")


def listed_tasks(tmp_path, tag):
    proc, contacted = run_playbook(tmp_path, "site.yml", APOLLO, "--tags", tag, "--list-tasks")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not contacted
    return proc.stdout


@pytest.mark.parametrize("tag", sorted(TAGS))
def test_a_tag_runs_its_role_and_the_inventory_check(tmp_path, tag):
    out = listed_tasks(tmp_path, tag)
    assert "Check the pair as a whole\tTAGS: [always]" in out
    roles = set()
    for line in out.splitlines():
        found = ROLE_TASK.match(line)
        # argument-spec validation of every role is tagged always by Ansible
        if found and not found.group(2).startswith("Validating arguments"):
            roles.add(found.group(1))
    assert roles == {TAGS[tag]}, roles
    if tag == "guests":
        assert "Create and start the guests on the active node" in out
    else:
        assert "Create and start the guests on the active node" not in out
