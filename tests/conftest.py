"""The fixture every tier of tests/ shares: `tool`, the path of a tool a
test runs; a missing tool fails the test, it never skips it."""
import os
import shutil

import pytest


def installed(tool, package, paths=()):
    """The path of TOOL: the first of PATHS that exists, or without PATHS the
    TOOL found on PATH. A missing tool fails the test (never skips it): the
    tests run after scripts/setup.sh, which installs PACKAGE."""
    found = next((p for p in paths if os.path.exists(p)), None) if paths else shutil.which(tool)
    if found is None:
        pytest.fail("%s is not installed (Debian package %s): scripts/setup.sh installs it"
                    % (tool, package), pytrace=False)
    return found


@pytest.fixture(name="tool")
def fixture_tool():
    """tool(TOOL, PACKAGE[, PATHS]): the path of a tool the test runs (see installed)."""
    return installed
