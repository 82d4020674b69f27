"""scripts/lab_crash.sh: tells a node's kernel crash (CI then runs the lab
scenario once more) from a lab whose consoles hold none."""
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "..", "scripts", "lab_crash.sh")

CRASH = """node2 login: [  109.436984] BUG: kernel NULL pointer dereference, address: 0000000000000008
[  109.441663] Oops: Oops: 0002 [#1] PREEMPT SMP NOPTI
[  109.442897] RIP: 0010:net_rx_action+0xef/0x420
[  109.454615] RSP: 0018:ffffceaf40003ea0 EFLAGS: 0278d402
[  109.455231] Kernel panic - not syncing: Fatal exception in interrupt
"""


def run(folder):
    return subprocess.run(["bash", SCRIPT, str(folder)], capture_output=True, text=True, check=False)


def test_a_console_with_a_panic_is_a_crash_and_its_report_is_shown(tmp_path):
    (tmp_path / "node1-console.log").write_text("Debian GNU/Linux 13 node1 ttyS0\nnode1 login: \n")
    (tmp_path / "node2-console.log").write_text("Booting `Debian GNU/Linux'\n" + CRASH)
    proc = run(tmp_path)
    assert proc.returncode == 0
    assert "node2's console shows a kernel crash (1 panic(s) in it)" in proc.stdout
    # the report from its first line (the BUG line), not only the panic
    assert "BUG: kernel NULL pointer dereference" in proc.stdout
    assert "EFLAGS: 0278d402" in proc.stdout
    assert "node1" not in proc.stdout


def test_consoles_without_a_panic_are_no_crash(tmp_path):
    (tmp_path / "node1-console.log").write_text("node1 login: \n")
    (tmp_path / "node2-console.log").write_text("[ 3.2] drbd: initialized.\n")
    proc = run(tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""


def test_no_console_at_all_is_no_crash(tmp_path):
    assert run(tmp_path / "missing").returncode == 1


def test_of_two_crashes_the_last_is_shown_from_its_first_line(tmp_path):
    first = "[ 50.1] traps: PANIC: double fault, error_code: 0x0\n[ 50.2] Kernel panic - not syncing: Machine halted.\n"
    second = "[ 9.1] BUG: unable to handle page fault\n[ 9.2] Kernel panic - not syncing: Fatal exception\n" \
             "[ 9.3] ---[ end Kernel panic - not syncing: Fatal exception ]---\n"
    (tmp_path / "node1-console.log").write_text(first + "Booting `Debian GNU/Linux'\n" + second)
    proc = run(tmp_path)
    assert proc.returncode == 0
    assert "(2 panic(s) in it)" in proc.stdout
    assert "BUG: unable to handle page fault" in proc.stdout
    assert "double fault" not in proc.stdout


def test_a_report_without_a_panic_is_shown_but_is_no_crash(tmp_path):
    # what lab_report.sh shows for a stuck lab: a node alive but with a kernel error
    (tmp_path / "node1-console.log").write_text(
        "node1 login: \n[ 300.1] BUG: soft lockup - CPU#0 stuck for 22s! [drbd_r_clusterd:812]\n")
    proc = run(tmp_path)
    assert proc.returncode == 1
    assert "node1's console shows a kernel error report (no panic)" in proc.stdout
    assert "BUG: soft lockup" in proc.stdout
