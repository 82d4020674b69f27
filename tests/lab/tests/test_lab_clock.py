"""The lab's clock keeper: a step of this machine's wall clock (a VM paused
for a snapshot and resumed) sets the running nodes' clocks again."""
import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("lab", os.path.join(HERE, "..", "lab.py"))
lab = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lab)


class Machine:
    """A fake host: its clock offset, which nodes run and which answer."""

    def __init__(self):
        self.offset = 1000.0
        self.running = {"node1", "node2"}
        self.answering = {"node1", "node2"}
        self.set = []
        self.said = []

    def keeper(self):
        return lab.ClockKeeper(["node1", "node2"], offset=lambda: self.offset,
                               set_clock=self.set_clock, running=lambda node: node in self.running,
                               say_=self.said.append)

    def set_clock(self, node):
        if node not in self.answering:
            return False
        self.set.append(node)
        return True


def test_a_steady_clock_touches_no_node():
    machine = Machine()
    keeper = machine.keeper()
    for _ in range(3):
        machine.offset += 0.01  # NTP-size slewing is no step
        keeper.poll()
    assert machine.set == []
    assert machine.said == []


def test_a_step_sets_every_running_node_once():
    machine = Machine()
    keeper = machine.keeper()
    machine.offset += 40
    keeper.poll()
    keeper.poll()
    assert machine.set == ["node1", "node2"]
    assert "stepped by +40.0 s" in machine.said[0]


def test_a_node_that_does_not_answer_is_tried_until_it_does():
    machine = Machine()
    keeper = machine.keeper()
    machine.answering = {"node1"}
    machine.offset -= 30
    keeper.poll()
    assert machine.set == ["node1"]
    machine.answering.add("node2")
    keeper.poll()
    keeper.poll()
    assert machine.set == ["node1", "node2"]


def test_a_node_that_is_not_running_is_left_to_its_boot():
    machine = Machine()
    keeper = machine.keeper()
    machine.running = {"node2"}
    machine.offset += 40
    keeper.poll()
    machine.running = {"node1", "node2"}
    keeper.poll()
    assert machine.set == ["node2"]
