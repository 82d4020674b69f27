"""The built collection is the collection only, and works installed alone.

`ansible-galaxy collection build` makes the tarball users install; it must
hold the plugins, roles, playbooks, docs, meta, README, LICENSE and
CHANGELOG, nothing of the lab, tests, benchmarks or this checkout's own
configuration. Installed into an empty collections path, away from this
checkout, every module and role is documented (ansible-doc) and every
playbook resolves by FQCN against the reference inventory.
"""
import json
import os
import subprocess
import tarfile

import pytest

from fasttools import APOLLO, TOP, VENV_BIN

ALLOWED_TOP = {"CHANGELOG.md", "FILES.json", "LICENSE", "MANIFEST.json", "README.md",
               "changelogs", "docs", "meta", "playbooks", "plugins", "roles"}
MODULES = ("csync2_group", "drbd_resource", "pair_info", "pair_status", "render_files", "vserver")
ROLES = ("csync2", "drbd", "heartbeat", "mon", "vserver_host")
PLAYBOOKS = ("site", "new_guest", "upgrade_kernel", "switchover", "status", "render", "force_takeover",
             "resolve_split_brain", "acknowledge_split_brain", "guests", "export", "update_guests", "validate")


def run(argv, cwd, env):
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(name="installed", scope="module")
def fixture_installed(tmp_path_factory):
    """(tarball, collections path holding only this collection, environment
    that sees nothing of this checkout)."""
    tmp = tmp_path_factory.mktemp("artifact")
    config = tmp / "ansible.cfg"
    config.write_text("[defaults]\n")
    env = dict(os.environ, PATH=VENV_BIN + os.pathsep + os.environ.get("PATH", ""),
               ANSIBLE_CONFIG=str(config), ANSIBLE_LOCAL_TEMP=str(tmp / "ansible-local"), ANSIBLE_NOCOLOR="1",
               HOME=str(tmp))
    built = run(["ansible-galaxy", "collection", "build", "--output-path", str(tmp), TOP], tmp, env)
    assert built.returncode == 0, built.stdout + built.stderr
    tarball = next(tmp / name for name in os.listdir(tmp) if name.endswith(".tar.gz"))
    path = tmp / "collections"
    done = run(["ansible-galaxy", "collection", "install", "--no-deps", "-p", str(path), str(tarball)], tmp, env)
    assert done.returncode == 0, done.stdout + done.stderr
    env["ANSIBLE_COLLECTIONS_PATH"] = str(path)
    return tarball, path, env


def test_the_tarball_holds_the_collection_only(installed):
    tarball = installed[0]
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    tops = {name.split("/", 1)[0] for name in names}
    assert tops <= ALLOWED_TOP, sorted(tops - ALLOWED_TOP)
    assert {"LICENSE", "README.md", "CHANGELOG.md", "plugins", "roles", "playbooks", "meta"} <= tops
    for name in names:
        assert "__pycache__" not in name and not name.endswith(".pyc"), name
        assert "lab" not in name.split("/")[0], name


def test_the_license_matches_galaxy_yml(installed):
    with tarfile.open(installed[0]) as archive:
        manifest = json.load(archive.extractfile("MANIFEST.json"))
        text = archive.extractfile("LICENSE").read().decode()
    assert manifest["collection_info"]["license"] == ["GPL-3.0-or-later"]
    assert "GNU GENERAL PUBLIC LICENSE" in text and "Version 3" in text


def test_every_module_and_role_is_documented_from_the_install(installed):
    _, path, env = installed
    for module in MODULES:
        doc = run(["ansible-doc", "hapair.cluster.%s" % module], str(path), env)
        assert doc.returncode == 0 and "OPTIONS" in doc.stdout, module + doc.stderr
    for role in ROLES:
        doc = run(["ansible-doc", "-t", "role", "hapair.cluster.%s" % role], str(path), env)
        assert doc.returncode == 0 and "ENTRY POINT" in doc.stdout, role + doc.stderr


def test_every_playbook_resolves_by_fqcn_from_the_install(installed):
    _, path, env = installed
    for name in PLAYBOOKS:
        proc = run(["ansible-playbook", "-i", APOLLO, "hapair.cluster.%s" % name, "--syntax-check"], str(path), env)
        assert proc.returncode == 0, name + proc.stdout[-2000:] + proc.stderr[-2000:]
        # the playbook's path (Python's warnings name the virtualenv's files)
        read = [line for line in proc.stdout.splitlines() if line.startswith("playbook:")]
        assert read and all(TOP not in line for line in read), "%s was read from the checkout: %s" % (name, read)
