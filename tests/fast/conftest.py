"""Fixtures of the fast tier: render an inventory once, run playbooks safely."""
import os
import shutil
import sys

import pytest

from fasttools import APOLLO, TOP, ansible_env, run_playbook


@pytest.fixture(name="ansible_environment")
def fixture_ansible_environment(tmp_path):
    """The environment of an Ansible run of this tier (see ansible_env)."""
    return ansible_env(tmp_path)


@pytest.fixture(scope="session")
def apollo_render(tmp_path_factory):
    """The files site.yml would place on apollo12 and apollo13."""
    tmp = tmp_path_factory.mktemp("render")
    out = tmp / "out"
    proc, contacted = run_playbook(tmp, "render.yml", APOLLO, "-e", "render_dir=%s" % out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not contacted, "render.yml tried to reach a host"
    return out


@pytest.fixture
def apollo_copy(tmp_path):
    """A writable copy of inventories/apollo."""
    dest = tmp_path / "inventory"
    shutil.copytree(APOLLO, dest)
    return dest


sys.path.insert(0, os.path.join(TOP, ".collections"))
