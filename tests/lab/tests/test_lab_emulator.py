"""The lab's emulator settings: which QEMU, its firmware folder, the vCPUs.

Unset, the command line is the one the saved booted states were made
with, so that they still resume; set, the emulator and the vCPUs are the
ones named (benchmarks/lab_stability.py compares them).
"""
import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))
LAB = os.path.join(HERE, "..", "lab.py")
SETTINGS = ("HAPAIR_LAB_QEMU", "HAPAIR_LAB_QEMU_DATA", "HAPAIR_LAB_SMP", "HAPAIR_LAB_COLD")


def load(monkeypatch, **env):
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("hapair_lab_emulator_under_test", LAB)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def option(cmd, name):
    return cmd[cmd.index(name) + 1]


def test_unset_the_host_qemu_with_one_vcpu(monkeypatch):
    lab = load(monkeypatch)
    cmd = lab.qemu_cmd("node1")
    assert cmd[0] == "qemu-system-x86_64"
    assert "-L" not in cmd
    assert option(cmd, "-smp") == "1"
    assert not lab.COLD


def test_set_another_qemu_its_firmware_and_two_vcpus(monkeypatch):
    lab = load(monkeypatch, HAPAIR_LAB_QEMU="/opt/qemu10/bin/qemu-system-x86_64",
               HAPAIR_LAB_QEMU_DATA="/opt/qemu10/datadir", HAPAIR_LAB_SMP="2", HAPAIR_LAB_COLD="1")
    for node in ("node1", "node2"):
        cmd = lab.qemu_cmd(node)
        assert cmd[0] == "/opt/qemu10/bin/qemu-system-x86_64"
        assert option(cmd, "-L") == "/opt/qemu10/datadir"
        assert option(cmd, "-smp") == "2"
        assert option(cmd, "-accel") == "tcg,thread=multi"
    assert lab.COLD
