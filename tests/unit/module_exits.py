"""Run a module's main() in a test: exit_json and fail_json raise instead of exiting."""
from ansible.module_utils import basic


class Exit(Exception):
    """Raised by exit_json; .result holds what the module returned."""

    def __init__(self, result):
        super().__init__(result)
        self.result = result


class Fail(Exception):
    """Raised by fail_json; .result holds what the module returned."""

    def __init__(self, result):
        super().__init__(result.get("msg"))
        self.result = result


def raise_at_exit(monkeypatch):
    """Make AnsibleModule.exit_json raise Exit (changed defaults to False), fail_json Fail."""
    def exit_json(self, **kwargs):
        kwargs.setdefault("changed", False)
        raise Exit(kwargs)

    def fail_json(self, **kwargs):
        raise Fail(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
