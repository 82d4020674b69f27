"""The lab notices a node whose kernel panics while it waits for SSH.

Only what the node's console gained since the wait began counts: a panic
left in the console by an earlier boot (QEMU appends) is not this boot's.
"""
import importlib.util
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
LAB = os.path.join(HERE, "..", "lab.py")


@pytest.fixture(name="lab")
def fixture_lab(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("hapair_lab_under_test", LAB)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "RUN", str(tmp_path))
    return module


def write(lab, node, text):
    with open(lab.console_path(node), "a", encoding="utf-8") as console:
        console.write(text)


def test_a_panic_after_the_wait_began_is_seen(lab):
    write(lab, "node1", "Debian GNU/Linux 13 node1 ttyS0\n")
    since = lab.console_size("node1")
    assert not lab.console_panicked("node1", since)
    write(lab, "node1", "[ 9.67] Kernel panic - not syncing: Fatal exception in interrupt\n")
    assert lab.console_panicked("node1", since)


def test_a_panic_of_an_earlier_boot_is_not_this_one(lab):
    write(lab, "node2", "[ 180.1] Kernel panic - not syncing: Fatal exception\nBooting `Debian GNU/Linux'\n")
    since = lab.console_size("node2")
    write(lab, "node2", "node2 login: \n")
    assert not lab.console_panicked("node2", since)


def test_no_console_yet(lab):
    assert lab.console_size("node1") == 0
    assert not lab.console_panicked("node1", 0)


def test_wait_ssh_fails_at_once_on_a_panic(lab, monkeypatch):
    monkeypatch.setattr(lab, "ssh_answers", lambda node: False)
    write(lab, "node1", "booting\n")

    def panic_on_first_poll(_seconds):
        write(lab, "node1", "Kernel panic - not syncing\n")

    monkeypatch.setattr(lab.time, "sleep", panic_on_first_poll)
    with pytest.raises(lab.LabError, match="node1: its kernel panicked while booting"):
        lab.wait_ssh(["node1"], timeout=30)
