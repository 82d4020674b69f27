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


def running_lab(lab, monkeypatch, nodes=("node1", "node2")):
    """A lab state in which NODES run (QEMU alive) and were started now."""
    monkeypatch.setattr(lab, "alive", lambda proc: bool(proc))
    return {"nodes": {n: {"pid": 1} for n in nodes},
            "console_start": {n: lab.console_size(n) for n in nodes}}


def test_a_node_is_crashed_only_if_its_running_kernel_panicked(lab, monkeypatch):
    write(lab, "node1", "[ 12.0] Kernel panic - not syncing: an earlier boot\n")
    state = running_lab(lab, monkeypatch)
    assert lab.crashed_nodes(state) == []
    write(lab, "node2", "[ 301.5] Kernel panic - not syncing: Fatal exception in interrupt\n")
    assert lab.crashed_nodes(state) == ["node2"]


def test_a_panicked_node_that_qemu_left_is_not_recovered(lab, monkeypatch):
    state = running_lab(lab, monkeypatch, nodes=("node1",))
    write(lab, "node2", "Kernel panic - not syncing\n")
    assert lab.crashed_nodes(state) == []


def test_a_boot_that_panics_is_tried_once_more(lab, monkeypatch):
    """The first boot panics, the second answers: one more boot, no error."""
    state = running_lab(lab, monkeypatch, nodes=("node1",))
    waits = []

    def wait_ssh(nodes, timeout, state):  # pylint: disable=unused-argument
        waits.append(list(nodes))
        if len(waits) == 1:
            raise lab.NodePanicked(["node1"], "node1: its kernel panicked while booting")

    started = []
    monkeypatch.setattr(lab, "wait_ssh", wait_ssh)
    monkeypatch.setattr(lab, "stop", lambda proc, sig=None: None)
    monkeypatch.setattr(lab, "node_start", lambda st, node: started.append(node))
    lab.wait_ssh_or_boot_again(["node1"], state)
    assert waits == [["node1"], ["node1"]]
    assert started == ["node1"]


def test_a_second_panic_in_a_row_fails(lab, monkeypatch):
    state = running_lab(lab, monkeypatch, nodes=("node1",))

    def wait_ssh(nodes, timeout, state):  # pylint: disable=unused-argument
        raise lab.NodePanicked(list(nodes), "node1: its kernel panicked while booting")

    monkeypatch.setattr(lab, "wait_ssh", wait_ssh)
    monkeypatch.setattr(lab, "stop", lambda proc, sig=None: None)
    monkeypatch.setattr(lab, "node_start", lambda st, node: None)
    with pytest.raises(lab.NodePanicked):
        lab.wait_ssh_or_boot_again(["node1"], state)
