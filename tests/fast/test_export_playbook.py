"""playbooks/export.yml refuses, before reaching any host, what it cannot export."""
from fasttools import run_playbook

SEVERAL = """\
all:
  children:
    hapair_pairs:
      children:
        left:
          hosts: {a1: {ansible_host: 192.0.2.1}, a2: {ansible_host: 192.0.2.2}}
        right:
          hosts: {b1: {ansible_host: 192.0.2.3}, b2: {ansible_host: 192.0.2.4}}
"""


def test_several_pairs_need_export_group(tmp_path):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(SEVERAL)
    proc, contacted = run_playbook(tmp_path, "export.yml", inventory, "-e", "export_dir=%s" % (tmp_path / "out"))
    assert proc.returncode != 0
    assert "several groups of two hosts: left, right" in proc.stdout + proc.stderr
    assert "export_group=NAME" in proc.stdout + proc.stderr
    assert not contacted and not (tmp_path / "out").exists()


def test_a_group_of_three_is_refused(tmp_path):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(SEVERAL.replace("a2: {ansible_host: 192.0.2.2}", "a2: {}, a3: {}"))
    proc, contacted = run_playbook(tmp_path, "export.yml", inventory, "-e", "export_dir=%s" % (tmp_path / "out"),
                                   "-e", "export_group=left")
    assert proc.returncode != 0
    assert "group left has 3 host(s)" in proc.stdout + proc.stderr
    assert not contacted
