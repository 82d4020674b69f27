"""Order of the lab's checks.

The checks of the pair as site.yml left it run first: the preferred node
holding the group, every file as the roles wrote it. The files marked
`disruptive` (nodes killed, links cut, the group moved and left where it
went, kernels upgraded) run after them, in their usual order.
"""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "disruptive: kills nodes, cuts links or leaves the group on the other node; runs last")


def pytest_collection_modifyitems(config, items):  # pylint: disable=unused-argument
    items.sort(key=lambda item: item.get_closest_marker("disruptive") is not None)
