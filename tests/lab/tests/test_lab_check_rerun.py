"""A lab check that fails while a node's kernel panicked runs once more
(molecule/default/tests/conftest.py); any other failure fails at once.

The lab is replaced by a stand-in `labtools`: `lab("recover")` answers as
`lab.py recover` does (0 when it booted a crashed node again, 3 when no
node had panicked) and restore_pair counts its calls.
"""
import os
import shutil

import pytest

pytest_plugins = ["pytester"]

HERE = os.path.dirname(os.path.abspath(__file__))
CONFTEST = os.path.join(HERE, "..", "..", "..", "molecule", "default", "tests", "conftest.py")

LABTOOLS = '''
import os, subprocess

RECOVERS = [int(c) for c in os.environ.get("FAKE_RECOVER", "3").split(",")]
LOG = os.environ["FAKE_LOG"]


def log(line):
    with open(LOG, "a") as f:
        f.write(line + "\\n")


def lab(*args, timeout=60):
    calls = sum(1 for line in open(LOG) if line.startswith("recover")) if os.path.exists(LOG) else 0
    rc = RECOVERS[min(calls, len(RECOVERS) - 1)]
    log("recover %d" % rc)
    out = "lab: node2 booted again after a kernel panic (91 s)" if rc == 0 else ""
    return subprocess.CompletedProcess(args, rc, out, "")


def restore_pair():
    log("restore")
'''

CHECKS = '''
import os
import pytest
from labtools import log

ATTEMPTS = []


@pytest.fixture(scope="module")
def pair():
    log("module setup")
    yield "node1"
    log("module teardown")


def test_fails_first_time(pair):
    ATTEMPTS.append(1)
    assert len(ATTEMPTS) > 1, "node2 did not answer"


def test_after(pair):
    log("after ran")
'''


@pytest.fixture(name="suite")
def fixture_suite(pytester, tmp_path, monkeypatch):
    shutil.copy(CONFTEST, pytester.path / "conftest.py")
    pytester.makepyfile(labtools=LABTOOLS, test_checks=CHECKS)
    log = tmp_path / "log"
    monkeypatch.setenv("FAKE_LOG", str(log))
    return pytester, log


def test_a_failure_during_a_panic_runs_the_check_again(suite, monkeypatch):
    pytester, log = suite
    monkeypatch.setenv("FAKE_RECOVER", "0,3")
    result = pytester.runpytest("-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*a node's kernel panicked during this check; lab: node2 booted again*",
                                 "*node2 did not answer*"])
    lines = log.read_text().splitlines()
    # the module fixture is set up again on the recovered pair
    assert lines == ["module setup", "recover 0", "module teardown", "restore", "module setup",
                     "after ran", "module teardown"]


def test_a_failure_with_no_panic_fails_at_once(suite, monkeypatch):
    pytester, log = suite
    monkeypatch.setenv("FAKE_RECOVER", "3")
    result = pytester.runpytest("-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    assert "kernel panicked" not in result.stdout.str()
    assert log.read_text().splitlines() == ["module setup", "recover 3", "after ran", "module teardown"]


def test_a_second_failure_after_the_recovery_fails(suite, monkeypatch):
    pytester, _ = suite
    monkeypatch.setenv("FAKE_RECOVER", "0,0")
    pytester.makepyfile(test_checks=CHECKS.replace("len(ATTEMPTS) > 1", "False"))
    result = pytester.runpytest("-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
