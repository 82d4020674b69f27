"""Order of the lab's checks, and what happens when a node's kernel panics.

The checks of the pair as site.yml left it run first: the preferred node
holding the group, every file as the roles wrote it. The files marked
`disruptive` (nodes killed, links cut, the group moved and left where it
went, kernels upgraded) run after them, in their usual order.

Under QEMU's TCG a node's kernel sometimes panics under load with register
values no real CPU reports (docs/development.md, "Kernel crashes under
emulation"). A check that fails while a node's kernel panicked runs once
more, after `lab.py recover` booted that node again and the pair is healthy
(both nodes up, UpToDate, the group held, the guests answering): the first
attempt's failure is printed and recorded in the JUnit file, and only the
second attempt counts. A check that fails with no panic fails at once.
"""
import pytest
from _pytest.runner import runtestprotocol

from labtools import lab, restore_pair


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "disruptive: kills nodes, cuts links or leaves the group on the other node; runs last")


def pytest_collection_modifyitems(config, items):  # pylint: disable=unused-argument
    items.sort(key=lambda item: item.get_closest_marker("disruptive") is not None)


def recover_crashed_nodes():
    """Boot again the nodes whose kernel panicked; what lab.py said, or None
    when no node had panicked."""
    res = lab("recover", timeout=1800)
    if res.returncode != 0:
        if res.returncode != 3:
            print(f"\nlab.py recover failed ({res.returncode}): {res.stdout}{res.stderr}")
        return None
    return res.stdout.strip()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    """Run ITEM; once more if it failed while a node's kernel panicked."""
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    reports = runtestprotocol(item, nextitem=nextitem, log=False)
    if any(report.failed for report in reports):
        recovered = recover_crashed_nodes()
        if recovered:
            failure = "\n".join(str(r.longrepr) for r in reports if r.failed)
            print(f"\n{item.nodeid}: a node's kernel panicked during this check; {recovered}\n"
                  f"The first attempt failed with:\n{failure}\n"
                  "The check runs once more on the recovered pair.")
            item.user_properties.append(("rerun_after_kernel_panic", recovered))
            # Module and session fixtures set up on the crashed node are
            # torn down too: the second attempt sets them up again.
            try:
                item.session._setupstate.teardown_exact(None)  # pylint: disable=protected-access
                restore_pair()
            except Exception as e:  # pylint: disable=broad-except
                print(f"\nthe pair is not healthy after the recovery ({e!r}); the check runs all the same")
            reports = runtestprotocol(item, nextitem=nextitem, log=False)
    for report in reports:
        item.ihook.pytest_runtest_logreport(report=report)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True
