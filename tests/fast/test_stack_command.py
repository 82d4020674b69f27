"""The rendered cluster-stack command answers with Heartbeat's tools.

Every role but heartbeat and every playbook reach the cluster manager only
through this command (the pair model's stack.command): its arguments are the
contract a second stack would keep.
"""
import os
import stat
import subprocess

NODE = "apollo12"
COMMAND = "/usr/local/lib/hapair/hapair-stack"

# A cl_status that logs its arguments and answers as Heartbeat on a node
# holding the group, with its peer up.
CL_STATUS = """#!/bin/bash
echo "cl_status $*" >> "$LOG"
case "$1" in
  rscstatus) echo all ;;
  nodestatus) echo active ;;
  *) exit 1 ;;
esac
"""


def stack(apollo_render, tmp_path, *args):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "cl_status"
    fake.write_text(CL_STATUS)
    fake.chmod(0o755)
    env = dict(os.environ, PATH="%s:%s" % (bin_dir, os.environ["PATH"]), LOG=str(tmp_path / "log"))
    script = os.path.join(str(apollo_render), NODE, COMMAND.lstrip("/"))
    return subprocess.run([script, *args], capture_output=True, text=True, env=env, check=False)


def test_is_rendered_executable_on_both_nodes(apollo_render):
    for node in ("apollo12", "apollo13"):
        mode = os.stat(os.path.join(str(apollo_render), node, COMMAND.lstrip("/"))).st_mode
        assert stat.S_IMODE(mode) == 0o755


def test_group_and_peer_are_heartbeat_s_answers(apollo_render, tmp_path):
    group = stack(apollo_render, tmp_path, "group")
    peer = stack(apollo_render, tmp_path, "peer", "apollo13")
    assert (group.returncode, group.stdout) == (0, "all\n")
    assert (peer.returncode, peer.stdout) == (0, "active\n")
    assert (tmp_path / "log").read_text() == "cl_status rscstatus\ncl_status nodestatus apollo13\n"


def test_anything_else_is_refused_with_its_usage(apollo_render, tmp_path):
    for args in ((), ("peer",), ("takeover",)):
        proc = stack(apollo_render, tmp_path, *args)
        assert proc.returncode == 2 and "usage:" in proc.stderr, args
    assert not (tmp_path / "log").exists()
