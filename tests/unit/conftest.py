"""Make the collection importable as ansible_collections.hapair.cluster;
the fixture `tool` for tests that run a tool."""
import os
import shutil
import sys

import pytest

_TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_COLLECTIONS = os.path.join(_TOP, ".collections")
if _COLLECTIONS not in sys.path:
    sys.path.insert(0, _COLLECTIONS)


def installed(tool, package, paths=()):
    """The path of TOOL: the first of PATHS that exists, or without PATHS the
    TOOL found on PATH. A missing tool fails the test (never skips it): the
    unit tests run after scripts/setup.sh, which installs PACKAGE."""
    found = next((p for p in paths if os.path.exists(p)), None) if paths else shutil.which(tool)
    if found is None:
        pytest.fail("%s is not installed (Debian package %s): scripts/setup.sh installs it"
                    % (tool, package), pytrace=False)
    return found


@pytest.fixture(name="tool")
def fixture_tool():
    """tool(TOOL, PACKAGE[, PATHS]): the path of a tool the test runs (see installed)."""
    return installed
