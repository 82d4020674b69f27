"""The action hapair.cluster.render_files on its own: what it writes, that a
second run writes nothing, and the message of each mistake in its files."""
import os

import pytest

from fasttools import run_playbook

PLAYBOOK = """\
- name: Render with hapair.cluster.render_files
  hosts: node1
  gather_facts: false
  tasks:
    - name: Render
      hapair.cluster.render_files:
        root: "{root}"
        dirs: [/etc/empty]
        files: {files}
      delegate_to: localhost
      register: rendered

    - name: Show what was written
      ansible.builtin.debug:
        msg: "WRITTEN={{{{ rendered.written | join(',') }}}} RENDERED={{{{ rendered.rendered }}}}"
"""

INVENTORY = "all:\n  hosts:\n    node1:\n      ansible_host: 192.0.2.1\n"


def render(tmp_path, files, name="play.yml"):
    (tmp_path / "hosts.yml").write_text(INVENTORY, encoding="utf-8")
    playbook = tmp_path / name
    playbook.write_text(PLAYBOOK.format(root=tmp_path / "out", files=files), encoding="utf-8")
    proc, contacted = run_playbook(tmp_path, str(playbook), tmp_path / "hosts.yml")
    assert not contacted, "a host was contacted"
    return proc, " ".join((proc.stdout + proc.stderr).split())


def test_content_and_one_file_per_element_then_nothing_on_a_second_run(tmp_path):
    files = ('[{"dest": "/etc/a.conf", "content": "a\\n", "mode": "0600"},'
             ' {"dest": "/etc/units/{name}.conf", "content": "x\\n", "for_each": [{"name": "web1"}, {"name": "web2"}],'
             ' "as": "guest"}]')
    proc, output = render(tmp_path, files)
    assert proc.returncode == 0, output
    out = tmp_path / "out"
    assert (out / "etc/a.conf").read_text() == "a\n"
    assert oct(os.stat(out / "etc/a.conf").st_mode & 0o777) == "0o600"
    assert sorted(os.listdir(out / "etc/units")) == ["web1.conf", "web2.conf"]
    assert (out / "etc/empty").is_dir()
    assert "WRITTEN=/etc/a.conf,/etc/units/web1.conf,/etc/units/web2.conf RENDERED=3" in output, output
    again, output = render(tmp_path, files)
    assert again.returncode == 0 and "WRITTEN= RENDERED=3" in output, output


@pytest.mark.parametrize("files,words", [
    ('[{"dest": "etc/a", "content": "a"}]', ["files[0].dest='etc/a'", "absolute path"]),
    ('[{"dest": "/etc/a", "content": "a", "src": "b"}]', ["files[0] (/etc/a)", "exactly one of template, src, content"]),
    ('[{"dest": "/etc/a", "content": "a", "mode": "rw"}]', ["/etc/a: mode='rw' is not an octal mode"]),
    ('[{"dest": "/etc/{nom}", "content": "a", "for_each": [{"name": "x"}], "as": "g"}]',
     ["files[0].dest='/etc/{nom}'", "cannot be formatted"]),
    ('[{"dest": "/etc/a", "template": "nosuch.j2"}]', ["nosuch.j2"]),
], ids=["relative", "two-sources", "mode", "format", "no-template"])
def test_a_mistake_is_named(tmp_path, files, words):
    proc, output = render(tmp_path, files)
    assert proc.returncode != 0, output
    for word in words:
        assert word in output, "%r not in %s" % (word, output)
    assert not (tmp_path / "out" / "etc").exists() or "nosuch" in files
