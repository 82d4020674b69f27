"""What the fast tier's tests and fixtures share: the checkout's paths and
the way a playbook runs here (never reaching a host). A module of its own
name: `from conftest import` would find tests/unit's conftest when both
tiers run in one pytest."""
import os
import subprocess

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


def run_playbook(tmp_path, playbook, inventory, *extra):
    cmd = [os.path.join(VENV_BIN, "ansible-playbook"), "-i", str(inventory),
           os.path.join(TOP, "playbooks", playbook)] + list(extra)
    proc = subprocess.run(cmd, cwd=TOP, env=ansible_env(tmp_path), capture_output=True,
                          text=True, timeout=600, check=False)
    contacted = (tmp_path / "contacted").exists()
    return proc, contacted
