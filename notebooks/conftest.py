"""pytest --nbval notebooks/: every notebook kernel records its headline numbers in one fresh
folder of this session, and ``test_headlines.py`` (collected after the notebooks) compares them
with ``headlines.json``."""
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# inherited by the notebook kernels nbval starts; fresh per session, so no stale numbers count
HEADLINES = os.environ["ASWB_HEADLINES"] = tempfile.mkdtemp(prefix="aswb-headlines-")


def pytest_unconfigure(config):
    shutil.rmtree(HEADLINES, ignore_errors=True)


def pytest_collection_modifyitems(session, config, items):
    """Note which notebooks this session runs (the headline test checks just those)."""
    config.aswb_notebooks = sorted({Path(str(item.fspath)).stem for item in items
                                    if str(item.fspath).endswith(".ipynb")})


@pytest.fixture
def notebooks_run(request):
    """Stems of the notebooks collected in this session, e.g. ``["00_tour", ...]``."""
    return getattr(request.config, "aswb_notebooks", [])
