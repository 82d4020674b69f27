"""Rendering and replacing a csync2 group block (module_utils/csync2.py)."""
import os
import subprocess

import pytest

from ansible_collections.hapair.cluster.plugins.module_utils.csync2 import (
    Csync2ConfigError,
    find_groups,
    get_group,
    render_group,
    replace_group,
)
from ansible_collections.hapair.cluster.plugins.filter.csync2 import csync2_group_block

REPORT = dict(
    name="dr",
    hosts=["apollo12", "apollo13"],
    key="/etc/csync2.key_dr",
    include=["/etc/vservers", "/var/cache/vservers", "/var/lib/vservers", "/var/run/vservers.rev"],
    action=[dict(logfile="/var/log/csync2_action.log", do_local=True)],
    backup_directory="/var/backups/csync2",
    backup_generations=3,
    auto="younger",
)

REPORT_BLOCK = """group dr
{
    # Managed by Ansible (hapair.cluster.csync2_group)
    host apollo12 apollo13;

    key /etc/csync2.key_dr;

    include /etc/vservers;
    include /var/cache/vservers;
    include /var/lib/vservers;
    include /var/run/vservers.rev;

    action
    {
        logfile "/var/log/csync2_action.log";
        do-local;
    }

    backup-directory /var/backups/csync2;
    backup-generations 3;

    auto younger;
}"""

OTHER = """# csync2 configuration of the site
# (kept as it is)
nossl * *;
tempdir /var/tmp;

group other  # a comment after the name
{
\thost a b;\t# with a tab
\tkey "/etc/key other";
\tinclude "/srv/with } brace";   # a brace in a string
\taction { pattern /srv/x; exec "echo }"; }
}
lock-timeout 30;
"""


def test_render_the_report_group():
    assert render_group(REPORT) == REPORT_BLOCK


def test_filter_renders_the_same_text():
    assert csync2_group_block(REPORT) == render_group(REPORT)


def test_render_is_minimal_with_only_the_required_options():
    block = render_group(dict(name="g", hosts=["h1"], key="/k"))
    assert block == "group g\n{\n    # Managed by Ansible (hapair.cluster.csync2_group)\n    host h1;\n\n    key /k;\n}"


def test_render_action_options_and_quoting():
    block = render_group(dict(
        name="web", hosts=["web1", "web2@web2-sync"], key="/etc/k", include=["/srv/a b"],
        exclude=["*~", ".*"],
        action=[dict(pattern=["/etc/apache2/*"], exec=["apache2ctl graceful", "logger %%"],
                     logfile="/var/log/a.log", do_local_only=True)],
    ))
    assert "    host web1 web2@web2-sync;\n" in block
    assert '    include "/srv/a b";\n' in block
    assert "    exclude *~;\n    exclude .*;\n" in block
    assert ("        pattern /etc/apache2/*;\n"
            '        exec "apache2ctl graceful";\n'
            '        exec "logger %%";\n'
            '        logfile "/var/log/a.log";\n'
            "        do-local-only;\n") in block
    assert "do-local;" not in block


def test_action_without_pattern_gets_no_pattern_line():
    block = render_group(REPORT)
    assert "pattern" not in block


@pytest.mark.parametrize("change, message", [
    (dict(name="bad name"), "not a valid csync2 group name"),
    (dict(hosts=[]), "at least one host"),
    (dict(hosts=["a;b"]), "is not a host name"),
    (dict(key=None), "needs a key file"),
    (dict(auto="newest"), "is not one of"),
    (dict(backup_generations=0), "not a positive number"),
    (dict(include=['/a"b']), "double quote"),
    (dict(action=[dict(exec=["a\nb"])]), "newline"),
])
def test_render_refuses_what_csync2_would_not_read(change, message):
    params = dict(REPORT, **change)
    with pytest.raises(Csync2ConfigError, match=message):
        render_group(params)


def test_find_groups_skips_comments_strings_and_nested_blocks():
    groups = find_groups(OTHER)
    assert [g["name"] for g in groups] == ["other"]
    text = OTHER[groups[0]["start"]:groups[0]["end"]]
    assert text.startswith("group other") and text.endswith("}")
    assert OTHER[groups[0]["end"]:].startswith("\nlock-timeout 30;")


def test_find_groups_ignores_group_in_comments_and_unnamed_groups():
    text = "# group dr { }\ngroup { host a; key /k; }\ngroup \"dr\" { host a; key /k; }\n"
    assert [g["name"] for g in find_groups(text)] == [None, "dr"]


@pytest.mark.parametrize("text, message", [
    ("group a { host x;", "never closed"),
    ("group a { host x; } }", "unexpected '}' on line 1"),
    ('group a { include "/x; }', "unterminated string"),
])
def test_find_groups_reports_broken_files(text, message):
    with pytest.raises(Csync2ConfigError, match=message):
        find_groups(text)


def test_add_to_an_empty_file():
    assert replace_group("", "dr", REPORT_BLOCK) == REPORT_BLOCK + "\n"


def test_add_after_existing_text_keeps_it_byte_for_byte():
    after = replace_group(OTHER, "dr", REPORT_BLOCK)
    assert after == OTHER + "\n" + REPORT_BLOCK + "\n"
    without_newline = OTHER.rstrip("\n")
    assert replace_group(without_newline, "dr", REPORT_BLOCK) == without_newline + "\n\n" + REPORT_BLOCK + "\n"


def test_replace_keeps_everything_around_the_block():
    old = "group dr\n{\n  host x y;\n  key /old;\n}\n"
    text = OTHER + "\n# before dr\n" + old + "# after dr\nnossl a b;\n"
    after = replace_group(text, "dr", REPORT_BLOCK)
    assert after == OTHER + "\n# before dr\n" + REPORT_BLOCK + "\n# after dr\nnossl a b;\n"
    assert get_group(after, "other") == get_group(OTHER, "other")


def test_replace_with_the_same_block_is_a_no_op():
    text = replace_group(OTHER, "dr", REPORT_BLOCK)
    assert replace_group(text, "dr", REPORT_BLOCK) == text


def test_remove_undoes_add():
    for base in ("", OTHER, "# only a comment\n"):
        assert replace_group(replace_group(base, "dr", REPORT_BLOCK), "dr", None) == base


def test_remove_in_the_middle_keeps_one_blank_line():
    text = "# a\n\n" + REPORT_BLOCK + "\n\n# b\n"
    assert replace_group(text, "dr", None) == "# a\n\n# b\n"


def test_remove_a_missing_group_changes_nothing():
    assert replace_group(OTHER, "dr", None) == OTHER


def test_a_group_defined_twice_is_refused():
    text = REPORT_BLOCK + "\n" + REPORT_BLOCK + "\n"
    with pytest.raises(Csync2ConfigError, match="defined 2 times"):
        replace_group(text, "dr", REPORT_BLOCK)


# csync2 unpacked by scripts/setup.sh (never installed: its package would
# start a daemon here), or an installed one.
TOOLS_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), *[os.pardir] * 4, ".venv", "tools-root")
CSYNC2_PATHS = (os.path.join(TOOLS_ROOT, "usr", "sbin", "csync2"), "/usr/sbin/csync2")


@pytest.fixture(name="csync2")
def fixture_csync2(tool):
    return tool("csync2", "csync2 (unpacked into .venv/tools-root)", CSYNC2_PATHS)


@pytest.mark.parametrize("me", ["apollo12", "apollo13"])
def test_csync2_reads_the_rendered_file(csync2, tmp_path, me):
    """csync2 itself parses the file (and reads the key) with -M, which needs no peer."""
    key = tmp_path / "csync2.key_dr"
    key.write_text("A" * 64 + "\n")
    params = dict(REPORT, key=str(key))
    params["action"] = [dict(REPORT["action"][0], pattern=["/etc/vservers/*"], exec=["true %%"])]
    text = replace_group(OTHER.replace('"/etc/key other"', str(key)), "dr", render_group(params))
    (tmp_path / "csync2.cfg").write_text(text)
    env = dict(os.environ, CSYNC2_SYSTEM_DIR=str(tmp_path))
    proc = subprocess.run([csync2, "-N", me, "-D", str(tmp_path), "-M"], env=env,
                          capture_output=True, text=True, check=False, timeout=60)
    # -M exits 2 when the dirty list is empty, 1 on a configuration error.
    assert proc.returncode == 2, proc.stdout + proc.stderr


def test_csync2_rejects_a_broken_file(csync2, tmp_path):
    """The check above can fail: csync2 exits 1 on a wrong auto method."""
    key = tmp_path / "k"
    key.write_text("A" * 64 + "\n")
    (tmp_path / "csync2.cfg").write_text(render_group(dict(REPORT, key=str(key))).replace("younger", "newest"))
    env = dict(os.environ, CSYNC2_SYSTEM_DIR=str(tmp_path))
    proc = subprocess.run([csync2, "-N", "apollo12", "-D", str(tmp_path), "-M"], env=env,
                          capture_output=True, text=True, check=False, timeout=60)
    assert proc.returncode == 1
    assert "Unknown auto-setting" in proc.stdout + proc.stderr


def test_csync2_refuses_a_host_outside_the_group(csync2, tmp_path):
    """The host list is read: a node whose `uname -n` is not in it gets an error."""
    key = tmp_path / "k"
    key.write_text("A" * 64 + "\n")
    (tmp_path / "csync2.cfg").write_text(render_group(dict(REPORT, key=str(key))) + "\n")
    env = dict(os.environ, CSYNC2_SYSTEM_DIR=str(tmp_path))
    proc = subprocess.run([csync2, "-N", "elsewhere", "-D", str(tmp_path), "-M"], env=env,
                          capture_output=True, text=True, check=False, timeout=60)
    assert proc.returncode == 1
    assert "not a member of any configured group" in proc.stdout + proc.stderr
