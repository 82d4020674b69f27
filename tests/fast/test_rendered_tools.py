"""Every rendered file passes the check of its own tool."""
import glob
import os
import shutil
import subprocess

import pytest

DRBDADM_84 = next((p for p in ("/usr/lib/drbd/drbdadm-84", "/lib/drbd/drbdadm-84") if os.path.exists(p)), None)


def rendered(root, pattern):
    return sorted(glob.glob(os.path.join(str(root), "*", pattern.lstrip("/")), recursive=True))


def shell_scripts(root):
    out = []
    for path in glob.glob(os.path.join(str(root), "**", "*"), recursive=True):
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                first = handle.readline()
            if first.startswith(b"#!") and (b"sh" in first.split(b"/")[-1] or b"bash" in first):
                out.append(path)
    return sorted(out)


@pytest.mark.skipif(DRBDADM_84 is None, reason="drbd-utils is not installed (scripts/setup.sh installs it)")
def test_every_drbd_resource_passes_drbdadm_dump(apollo_render, tmp_path):
    files = rendered(apollo_render, "/etc/drbd.d/*.res")
    assert files
    for path in files:
        conf = tmp_path / "drbd.conf"
        conf.write_text('include "%s";\n' % path)
        proc = subprocess.run([DRBDADM_84, "-c", str(conf), "dump"], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, path + "\n" + proc.stderr


def test_shell_scripts_are_rendered(apollo_render):
    names = [os.path.basename(p) for p in shell_scripts(apollo_render)]
    assert "cluster" in names and "hubble.sh" in names


def test_every_shell_script_passes_bash_n(apollo_render):
    for path in shell_scripts(apollo_render):
        proc = subprocess.run(["bash", "-n", path], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, path + "\n" + proc.stderr


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed (scripts/setup.sh installs it)")
def test_every_shell_script_passes_shellcheck(apollo_render):
    for path in shell_scripts(apollo_render):
        proc = subprocess.run(["shellcheck", "-x", path], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, path + "\n" + proc.stdout


def test_perl_scripts_compile(apollo_render):
    for path in glob.glob(os.path.join(str(apollo_render), "**", "*.alert"), recursive=True):
        with open(path, "rb") as handle:
            first = handle.readline()
        if b"perl" in first:
            proc = subprocess.run(["perl", "-c", path], capture_output=True, text=True, check=False)
            assert proc.returncode == 0, path + "\n" + proc.stderr
