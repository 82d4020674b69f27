"""Module hapair.cluster.csync2_group on files in tmp_path."""
import os
import stat

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.hapair.cluster.plugins.module_utils.csync2 import render_group
from ansible_collections.hapair.cluster.plugins.modules import csync2_group
from module_exits import Exit, Fail, raise_at_exit

GROUP = dict(
    name="dr",
    hosts=["apollo12", "apollo13"],
    key="/etc/csync2.key_dr",
    include=["/etc/vservers", "/var/cache/vservers"],
    action=[dict(logfile="/var/log/csync2_action.log", do_local=True)],
    backup_directory="/var/backups/csync2",
    backup_generations=3,
    auto="younger",
)

SITE = """# site configuration
nossl * *;

group web
{
\thost web1 web2;
\tkey /etc/csync2.key_web;
\tinclude /etc/apache2;
}
"""


@pytest.fixture(autouse=True)
def exits(monkeypatch):
    raise_at_exit(monkeypatch)


def run(args, check=False, diff=False):
    args = dict(args)
    if check:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    with patch_module_args(args):
        with pytest.raises((Exit, Fail)) as info:
            csync2_group.main()
    if isinstance(info.value, Fail):
        return dict(info.value.result, failed=True)
    return info.value.result


def expected_block(**change):
    options = dict(GROUP, **change)
    return render_group(options)


def test_add_to_a_missing_file_creates_it_0644(tmp_path):
    path = tmp_path / "csync2.cfg"
    result = run(dict(GROUP, path=str(path)))
    assert result["changed"] and not result.get("failed")
    assert path.read_text() == expected_block() + "\n"
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o644
    assert result["block"] == expected_block()


def test_add_to_an_empty_file(tmp_path):
    path = tmp_path / "csync2.cfg"
    path.write_text("")
    assert run(dict(GROUP, path=str(path)))["changed"]
    assert path.read_text() == expected_block() + "\n"


def test_second_run_changes_nothing(tmp_path):
    path = tmp_path / "csync2.cfg"
    path.write_text(SITE)
    assert run(dict(GROUP, path=str(path)))["changed"]
    first = path.read_bytes()
    mtime = os.stat(str(path)).st_mtime_ns
    result = run(dict(GROUP, path=str(path)))
    assert not result["changed"]
    assert path.read_bytes() == first
    assert os.stat(str(path)).st_mtime_ns == mtime


def test_replace_keeps_other_group_comments_and_globals(tmp_path):
    path = tmp_path / "csync2.cfg"
    old = "# our group\ngroup dr\n{\n    host apollo12 apollo13;\n    key /etc/csync2.key_dr;\n}\n# end\n"
    path.write_text(SITE + "\n" + old + "lock-timeout 30;\n")
    result = run(dict(GROUP, path=str(path)))
    assert result["changed"]
    assert path.read_text() == SITE + "\n# our group\n" + expected_block() + "\n# end\nlock-timeout 30;\n"


def test_replace_keeps_the_file_mode(tmp_path):
    path = tmp_path / "csync2.cfg"
    path.write_text(SITE)
    os.chmod(str(path), 0o640)
    run(dict(GROUP, path=str(path)))
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o640


def test_remove(tmp_path):
    path = tmp_path / "csync2.cfg"
    path.write_text(SITE)
    run(dict(GROUP, path=str(path)))
    result = run(dict(name="dr", path=str(path), state="absent"))
    assert result["changed"] and result["block"] == ""
    assert path.read_text() == SITE
    assert not run(dict(name="dr", path=str(path), state="absent"))["changed"]


def test_remove_from_a_missing_file_creates_nothing(tmp_path):
    path = tmp_path / "csync2.cfg"
    assert not run(dict(name="dr", path=str(path), state="absent"))["changed"]
    assert not path.exists()


def test_check_mode_writes_nothing_and_reports_the_change(tmp_path):
    path = tmp_path / "csync2.cfg"
    path.write_text(SITE)
    result = run(dict(GROUP, path=str(path)), check=True, diff=True)
    assert result["changed"]
    assert path.read_text() == SITE
    assert result["diff"]["after"] == SITE + "\n" + expected_block() + "\n"
    missing = tmp_path / "missing.cfg"
    assert run(dict(GROUP, path=str(missing)), check=True)["changed"]
    assert not missing.exists()


def test_diff_holds_before_and_after(tmp_path):
    path = tmp_path / "csync2.cfg"
    path.write_text(SITE)
    run(dict(GROUP, path=str(path)))
    before = path.read_text()
    result = run(dict(GROUP, path=str(path), auto="left"), diff=True)
    assert result["changed"]
    assert result["diff"]["before"] == before
    assert result["diff"]["after"] == path.read_text()
    assert "auto left;" in result["diff"]["after"] and "auto younger;" in result["diff"]["before"]
    assert "group dr" in result["diff"]["after_header"]


def test_backup_keeps_the_previous_file(tmp_path):
    path = tmp_path / "csync2.cfg"
    path.write_text(SITE)
    result = run(dict(GROUP, path=str(path), backup=True))
    with open(result["backup_file"]) as handle:
        assert handle.read() == SITE


@pytest.mark.parametrize("args, message", [
    (dict(GROUP, hosts=[]), "at least one host"),
    (dict(GROUP, include=['/a"b']), "double quote"),
    (dict(GROUP, name="two words"), "not a valid csync2 group name"),
])
def test_bad_options_fail_and_write_nothing(tmp_path, args, message):
    path = tmp_path / "csync2.cfg"
    path.write_text(SITE)
    result = run(dict(args, path=str(path)))
    assert result.get("failed")
    assert message in result["msg"]
    assert path.read_text() == SITE


def test_a_broken_file_is_reported_not_rewritten(tmp_path):
    path = tmp_path / "csync2.cfg"
    path.write_text(SITE + "group dr {\n")
    result = run(dict(GROUP, path=str(path)))
    assert result.get("failed") and "never closed" in result["msg"] and str(path) in result["msg"]
    assert path.read_text() == SITE + "group dr {\n"


def test_missing_folder_fails_with_a_hint(tmp_path):
    result = run(dict(GROUP, path=str(tmp_path / "nope" / "csync2.cfg")))
    assert result.get("failed") and "does not exist" in result["msg"]
