"""The role's /etc/ha.d/shellfuncs sends each message to Heartbeat whole, also
when several of Heartbeat's scripts send at the same moment."""
import re
import subprocess

from fasttools import APOLLO, run_playbook

SENDERS = 40


def messages(text):
    """The messages of a Heartbeat FIFO's text, and the lines outside any."""
    found, stray, current = [], [], None
    for line in text.splitlines():
        if line == ">>>" and current is None:
            current = []
        elif line == "<<<" and current is not None:
            found.append(current)
            current = None
        elif current is not None and "=" in line:
            current.append(line)
        else:
            stray.append(line)
            current = None
    return found, stray


def send_together(tmp_path, shellfuncs):
    """SENDERS shells that source SHELLFUNCS and send one message each, at once."""
    ha_dir = tmp_path / "ha.d"
    ha_dir.mkdir()
    (ha_dir / "shellfuncs").write_text(shellfuncs)
    (ha_dir / "shellfuncs.distrib").write_text("Echo() { echo \"$@\"; }\n")
    fifo = tmp_path / "fifo"
    fifo.write_text("")
    script = ('. "$HA_DIR/shellfuncs"; printf "t=resource\\nsender=%s\\nrsc_hold=foreign\\ninfo=test\\n" "$1" '
              '| ha_clustermsg')
    env = {"HA_DIR": str(ha_dir), "HA_FIFO": str(fifo), "PATH": "/usr/bin:/bin"}
    procs = [subprocess.Popen(["sh", "-c", script, "sh", str(n)], env=env) for n in range(SENDERS)]
    for proc in procs:
        assert proc.wait(timeout=60) == 0
    return messages(fifo.read_text())


def test_messages_sent_at_once_arrive_whole(tmp_path):
    out = tmp_path / "render"
    proc, _ = run_playbook(tmp_path, "render.yml", APOLLO, "-e", "render_dir=%s" % out)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    rendered = (out / "apollo12" / "etc/ha.d/shellfuncs").read_text()
    lock = tmp_path / "clustermsg.lock"
    rendered = re.sub(r"flock \S+", "flock %s" % lock, rendered)
    found, stray = send_together(tmp_path, rendered)
    assert stray == []
    assert sorted(int(dict(line.split("=", 1) for line in m)["sender"]) for m in found) == list(range(SENDERS))
    assert all(len(m) == 4 for m in found)


def test_debian_shellfuncs_is_left_alone_when_turned_off(tmp_path):
    out = tmp_path / "render"
    proc, _ = run_playbook(tmp_path, "render.yml", APOLLO, "-e", "render_dir=%s" % out,
                           "-e", "heartbeat_whole_messages=false")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert (out / "apollo12" / "etc/ha.d/ha.cf").exists()
    assert not (out / "apollo12" / "etc/ha.d/shellfuncs").exists()
