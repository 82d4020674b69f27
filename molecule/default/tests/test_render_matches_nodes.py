"""render.yml writes what site.yml places on the nodes: every file it renders
for the lab's pair is, byte for byte, the file on that node. Secrets, which
are generated on the node, are only checked to exist; a block that a role
writes into a file it shares with the system is found inside that file."""
import hashlib
import os
import shlex

from labtools import NODES, ansible_playbook, node

SECRET_MARKER = b"<secret: generated on the node, not rendered>"
# rendered file: the node's file that holds it as one block among the lines
# that were there (roles/mon/tasks/render.yml, roles/csync2/tasks/render.yml)
BLOCKS = {"/etc/hosts.hapair-guests": "/etc/hosts", "/etc/csync2.cfg": "/etc/csync2.cfg"}


def rendered_files(folder):
    """{absolute path on the node: bytes} of one node's rendered folder."""
    files = {}
    for top, _, names in os.walk(folder):
        for name in names:
            local = os.path.join(top, name)
            with open(local, "rb") as handle:
                files["/" + os.path.relpath(local, folder)] = handle.read()
    return files


def test_every_rendered_file_is_the_file_on_its_node(tmp_path):
    out = tmp_path / "render"
    proc = ansible_playbook("playbooks/render.yml", "-e", "render_dir=%s" % out)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    differences = []
    for name in NODES:
        files = rendered_files(out / name)
        assert len(files) > 20, "%s: only %d files rendered" % (name, len(files))
        paths = sorted(set(files) - set(BLOCKS))
        for rendered, holder_path in BLOCKS.items():
            if rendered in files:
                held = node(name).file(holder_path).content_string
                if files[rendered].decode() not in held:
                    differences.append("%s: %s does not hold the block render.yml writes to %s"
                                       % (name, holder_path, rendered))
        # one command per node: the checksum of every file (or its absence)
        listing = node(name).check_output(
            "for f in %s; do if [ -f \"$f\" ]; then sha256sum \"$f\"; else echo \"missing $f\"; fi; done"
            % " ".join(shlex.quote(p) for p in paths))
        on_node = {}
        for line in listing.splitlines():
            digest, path = line.split(None, 1)
            on_node[path] = digest
        for path in paths:
            if on_node.get(path) == "missing":
                differences.append("%s: %s is rendered but not on the node" % (name, path))
            elif SECRET_MARKER in files[path]:
                continue
            elif on_node.get(path) != hashlib.sha256(files[path]).hexdigest():
                differences.append("%s: %s differs from what render.yml writes" % (name, path))
    print("\n" + "\n".join(differences or ["render.yml and the nodes agree on every file"]))
    assert not differences, differences
