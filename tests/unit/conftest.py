"""Make the collection importable as ansible_collections.hapair.cluster."""
import os
import shutil
import sys

import pytest

_TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_COLLECTIONS = os.path.join(_TOP, ".collections")
if _COLLECTIONS not in sys.path:
    sys.path.insert(0, _COLLECTIONS)
