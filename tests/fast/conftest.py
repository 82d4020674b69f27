"""Fixtures of the fast tier: render an inventory once, run playbooks safely."""
import os
import shutil
import subprocess
import sys

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.join(TOP, ".venv", "bin")
APOLLO = os.path.join(TOP, "inventories", "apollo")
FAKE_SSH = os.path.join(TOP, "tests", "fast", "fake-ssh")


def ansible_env(tmp_path):
    env = dict(os.environ)
    env["PATH"] = VENV_BIN + os.pathsep + env.get("PATH", "")
    env["ANSIBLE_CONFIG"] = os.path.join(TOP, "ansible.cfg")
    env["ANSIBLE_COLLECTIONS_PATH"] = os.path.join(TOP, ".collections")
    env["ANSIBLE_LOCAL_TEMP"] = str(tmp_path / "ansible-local")
    env["ANSIBLE_NOCOLOR"] = "1"
    # Any attempt to reach a host ends in this script, which records it.
    env["HAPAIR_FAKE_SSH_LOG"] = str(tmp_path / "contacted")
    env["ANSIBLE_SSH_EXECUTABLE"] = FAKE_SSH
    return env


@pytest.fixture(name="ansible_environment")
def fixture_ansible_environment(tmp_path):
    """The environment of an Ansible run of this tier (see ansible_env)."""
    return ansible_env(tmp_path)


def run_playbook(tmp_path, playbook, inventory, *extra):
    cmd = [os.path.join(VENV_BIN, "ansible-playbook"), "-i", str(inventory),
           os.path.join(TOP, "playbooks", playbook)] + list(extra)
    proc = subprocess.run(cmd, cwd=TOP, env=ansible_env(tmp_path), capture_output=True,
                          text=True, timeout=600, check=False)
    contacted = (tmp_path / "contacted").exists()
    return proc, contacted


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


def installed(tool, package, paths=()):
    """The path of TOOL: the first of PATHS that exists, or without PATHS the
    TOOL found on PATH. A missing tool fails the test (never skips it): the
    fast tier runs after scripts/setup.sh, which installs PACKAGE."""
    found = next((p for p in paths if os.path.exists(p)), None) if paths else shutil.which(tool)
    if found is None:
        pytest.fail("%s is not installed (Debian package %s): scripts/setup.sh installs it"
                    % (tool, package), pytrace=False)
    return found


@pytest.fixture(name="tool")
def fixture_tool():
    """tool(TOOL, PACKAGE[, PATHS]): the path of a tool the test runs (see installed)."""
    return installed


sys.path.insert(0, os.path.join(TOP, ".collections"))
