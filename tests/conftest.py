import sys
from pathlib import Path

import pytest

# test helpers (tests/render/reference.py, tests/signals/tinynet.py) are imported by module name
for sub in ("render", "signals"):
    sys.path.insert(0, str(Path(__file__).parent / sub))

from tinynet import tiny  # noqa: E402


@pytest.fixture
def clf():
    """A tiny fixed random CNN classifier (8 classes, 32 px)."""
    return tiny()


@pytest.fixture
def clf2():
    return tiny(seed=1, name="tiny2")


@pytest.fixture(scope="module")
def jeep():
    """A toy-world jeep (instance seed 2: not a held-out one), one per test module."""
    from aswb import toyworld as tw

    return tw.mesh("jeep", 2)
