import pytest

from tinynet import tiny


@pytest.fixture
def clf():
    return tiny()


@pytest.fixture
def clf2():
    return tiny(seed=1, name="tiny2")
