"""Headline numbers: notebooks record them, ``python -m aswb notebooks`` prints them as one table."""
from __future__ import annotations

import json
import math
import numbers
import os
from pathlib import Path

import pandas as pd

__all__ = ["headline", "headlines", "HEADLINE_DIR"]

#: where headlines go: ``$ASWB_HEADLINES`` or ``outputs/headlines`` under the working directory
HEADLINE_DIR = "outputs/headlines"


def _dir() -> Path:
    return Path(os.environ.get("ASWB_HEADLINES", HEADLINE_DIR))


def headline(source: str, **values: float) -> dict:
    """Record a notebook's headline numbers (e.g. ``headline("00_tour", p_true_before=0.41, p_true_after=0.87)``).

    Values must be finite real numbers (Python, numpy scalars, or one-element tensors / arrays);
    they are rounded to 4 decimals and written to ``<headline dir>/<source>.json``. Returns the
    recorded dict.
    """
    if not isinstance(source, str) or not source:
        raise ValueError(f"source: expected a non-empty name, got {source!r}")
    rec = {}
    for k, v in values.items():
        x = v
        if hasattr(v, "item") and not isinstance(v, numbers.Number):  # one-element tensor or array
            try:
                x = v.item()
            except (ValueError, RuntimeError):  # several elements: refused below
                pass
        if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(float(x)):
            raise ValueError(f"headline {k!r}: expected a finite number, got {v!r}")
        rec[k] = round(float(x), 4)
    d = _dir()
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{source}.json").write_text(json.dumps(rec, indent=1) + "\n")
    return rec


def headlines(directory=None) -> pd.DataFrame:
    """All recorded headlines as a tidy table (source, metric, value), sorted by source."""
    d = Path(directory) if directory is not None else _dir()
    rows = [{"source": p.stem, "metric": k, "value": v} for p in sorted(d.glob("*.json"))
            for k, v in json.loads(p.read_text()).items()]
    return pd.DataFrame(rows, columns=["source", "metric", "value"])
