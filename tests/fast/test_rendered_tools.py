"""Every rendered file passes the check of its own tool.

Every script site.yml places is a shell script (sh or bash), checked by
bash -n and shellcheck, or a Python 3 one (hapair-service-failover),
compiled with py_compile; its behaviour is tests/unit/test_service_failover.py's. Mon's
own monitors are Debian's, not rendered here. A script in another language
makes test_every_rendered_script_is_checked fail until a check for its
language is added here.

A tool missing fails its test: scripts/setup.sh installs them (drbd-utils,
shellcheck) before the fast tier runs.
"""
import glob
import os
import subprocess

DRBDADM_84 = ("/usr/lib/drbd/drbdadm-84", "/lib/drbd/drbdadm-84")
SHELLS = ("sh", "bash")
PYTHONS = ("python3",)


def rendered(root, pattern):
    return sorted(glob.glob(os.path.join(str(root), "*", pattern.lstrip("/")), recursive=True))


def interpreter(first_line):
    """The program a script's first line names: "bash" for "#!/bin/bash" or
    "#!/usr/bin/env bash", None for a file that is no script."""
    if not first_line.startswith(b"#!"):
        return None
    words = first_line[2:].decode("utf-8", "replace").split()
    if not words:
        return None
    program = os.path.basename(words[0])
    if program == "env" and len(words) > 1:
        program = os.path.basename(words[1])
    return program


def scripts(root):
    """{path: interpreter} of every rendered file that starts with #!."""
    out = {}
    for path in glob.glob(os.path.join(str(root), "**", "*"), recursive=True):
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                program = interpreter(handle.readline())
            if program is not None:
                out[path] = program
    return out


def shell_scripts(root):
    """The rendered scripts run by sh or bash; never empty for the reference pair."""
    found = sorted(path for path, program in scripts(root).items() if program in SHELLS)
    assert found, "no shell script rendered under %s" % root
    return found


def test_interpreter_of_a_first_line():
    assert interpreter(b"#!/bin/bash\n") == "bash"
    assert interpreter(b"#! /bin/sh -e\n") == "sh"
    assert interpreter(b"#!/usr/bin/env bash\n") == "bash"
    assert interpreter(b"#!/usr/bin/perl -w\n") == "perl"
    assert interpreter(b"# a comment\n") is None
    assert interpreter(b"#!\n") is None


def test_every_drbd_resource_passes_drbdadm_dump(apollo_render, tmp_path, tool):
    drbdadm = tool("drbdadm-84", "drbd-utils", DRBDADM_84)
    files = rendered(apollo_render, "/etc/drbd.d/*.res")
    assert files
    for path in files:
        conf = tmp_path / "drbd.conf"
        conf.write_text('include "%s";\n' % path)
        proc = subprocess.run([drbdadm, "-c", str(conf), "dump"], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, path + "\n" + proc.stderr


def test_every_rendered_script_is_checked(apollo_render):
    found = scripts(apollo_render)
    assert found
    others = {path: program for path, program in found.items() if program not in SHELLS + PYTHONS}
    assert not others, "scripts no check of this file covers: %s" % others


def test_every_python_script_compiles(apollo_render, tmp_path):
    found = sorted(path for path, program in scripts(apollo_render).items() if program in PYTHONS)
    assert [os.path.basename(p) for p in found] == ["hapair-service-failover"] * 2
    for path in found:
        proc = subprocess.run(["python3", "-m", "py_compile", path], capture_output=True, text=True, check=False,
                              env=dict(os.environ, PYTHONPYCACHEPREFIX=str(tmp_path)))
        assert proc.returncode == 0, path + "\n" + proc.stderr


def test_shell_scripts_are_rendered(apollo_render):
    names = [os.path.basename(p) for p in shell_scripts(apollo_render)]
    assert "cluster" in names and "hubble.sh" in names and "ha-up-down.alert" in names


def test_every_shell_script_passes_bash_n(apollo_render):
    for path in shell_scripts(apollo_render):
        proc = subprocess.run(["bash", "-n", path], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, path + "\n" + proc.stderr


def test_every_shell_script_passes_shellcheck(apollo_render, tool):
    shellcheck = tool("shellcheck", "shellcheck")
    for path in shell_scripts(apollo_render):
        proc = subprocess.run([shellcheck, "-x", path], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, path + "\n" + proc.stdout
