"""The science of the notebooks, checked by number: each notebook's headline values (recorded by
its last cell in this session) must lie within the stated tolerance of the reference values in
``headlines.json``. Collected after the notebooks by ``pytest --nbval notebooks/``."""
import os
from pathlib import Path

from aswb.report import check_claims, compare_headlines

REFERENCE = Path(__file__).with_name("headlines.json")


def test_headlines_match_reference(notebooks_run):
    assert notebooks_run, "no notebook ran in this session: run pytest --nbval notebooks/"
    table = compare_headlines(os.environ["ASWB_HEADLINES"], REFERENCE)
    table = table[table.source.isin(notebooks_run)]
    missing = sorted(set(notebooks_run) - set(table.source))
    assert not missing, f"no reference headlines for {missing}: store them (see notebooks/README.md)"
    bad = table[~table.ok]
    assert bad.empty, ("headline numbers outside their tolerance of headlines.json (NaN value: the notebook "
                       "did not reach its headline cell):\n" + bad.round(4).to_string(index=False))


def test_claims_hold(notebooks_run):
    assert notebooks_run, "no notebook ran in this session: run pytest --nbval notebooks/"
    table = check_claims(os.environ["ASWB_HEADLINES"], REFERENCE)
    bad = table[table.source.isin(notebooks_run) & ~table.ok]
    assert bad.empty, "claims of headlines.json that no longer hold:\n" + bad.round(4).to_string(index=False)
