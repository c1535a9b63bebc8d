"""Headline numbers: notebooks record them, ``python -m aswb notebooks`` prints them as one table,
and the notebook tests compare them with stored references within stated tolerances."""
from __future__ import annotations

import fnmatch
import json
import math
import numbers
import operator
import os
import re
from pathlib import Path

import pandas as pd

from ._files import read_parsed, write_file

__all__ = ["Headline", "headline", "headlines", "HEADLINE_DIR", "compare_headlines", "check_claims", "store_reference"]

#: where headlines go: ``$ASWB_HEADLINES`` or ``outputs/headlines`` under the working directory
HEADLINE_DIR = "outputs/headlines"


def _dir() -> Path:
    return Path(os.environ.get("ASWB_HEADLINES", HEADLINE_DIR))


class Headline(dict):
    """The dict :func:`headline` returns: full-precision values, shown rounded to 4 decimals."""

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k!r}: {round(v, 4)!r}" for k, v in self.items()) + "}"


def headline(source: str, **values: float) -> dict:
    """Record a notebook's headline numbers (e.g. ``headline("00_tour", p_true_before=0.41, p_true_after=0.87)``);
    ``source`` is a file name inside the headline folder (no path separators, not "..").

    Values must be finite real numbers (Python, numpy scalars, or one-element tensors / arrays);
    they are written at full precision to ``<headline dir>/<source>.json`` (rounding is for
    display: :func:`headlines` tables and the notebook's own output). Returns the recorded dict.
    """
    if not isinstance(source, str) or not source:
        raise ValueError(f"source: expected a non-empty name, got {source!r}")
    if source in (".", "..") or any(ch in source for ch in ("/", "\\", "\0", os.sep, os.altsep or "/")):
        raise ValueError(f"source: expected a file name inside the headline folder (no path separators, not '..'), "
                         f"got {source!r}")
    rec = Headline()
    for k, v in values.items():
        x = v
        if hasattr(v, "item") and not isinstance(v, numbers.Number):  # one-element tensor or array
            try:
                x = v.item()
            except (ValueError, RuntimeError):  # several elements: refused below
                pass
        if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(float(x)):
            raise ValueError(f"headline {k!r}: expected a finite number, got {v!r}")
        rec[k] = float(x)
    d = _dir()
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{source}.json").write_text(json.dumps(rec, indent=1) + "\n")
    return rec


def headlines(directory=None) -> pd.DataFrame:
    """All recorded headlines as a tidy table (source, metric, value), sorted by source.

    Raises:
        ValueError: a file that does not parse or is not ``{metric: number}`` (the message names it).
    """
    d = Path(directory) if directory is not None else _dir()
    rows = [{"source": p.stem, "metric": k, "value": v} for p in sorted(d.glob("*.json"))
            for k, v in _read_headlines(p).items()]
    return pd.DataFrame(rows, columns=["source", "metric", "value"])


def _read_reference(reference) -> dict:
    """``{"tolerances": {pattern: tol}, "notebooks": {source: {metric: value}}}`` from a path or dict."""
    if isinstance(reference, (str, os.PathLike)):
        reference = read_parsed(reference, json.loads, "reference")
    if not isinstance(reference, dict) or not isinstance(reference.get("tolerances"), dict) \
            or not isinstance(reference.get("notebooks"), dict) or not isinstance(reference.get("claims", {}), dict):
        raise ValueError("reference: expected {'tolerances': {metric pattern: tolerance}, "
                         f"'notebooks': {{source: {{metric: value}}}}}}, got {type(reference).__name__} "
                         f"with keys {sorted(reference) if isinstance(reference, dict) else '-'}")
    for pat, tol in reference["tolerances"].items():
        if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not tol >= 0:
            raise ValueError(f"reference: tolerance of {pat!r}: expected a number >= 0, got {tol!r}")
    return reference


def _tolerance(tolerances: dict, metric: str) -> float:
    """The first pattern (in file order) that matches ``metric`` gives its tolerance."""
    for pat, tol in tolerances.items():
        if fnmatch.fnmatchcase(metric, pat):
            return float(tol)
    raise ValueError(f"reference: no tolerance pattern matches metric {metric!r} "
                     f"(patterns: {list(tolerances)}); add one, e.g. '*'")


def _read_headlines(path: Path) -> dict:
    rec = read_parsed(path, json.loads, "headline file")
    if not isinstance(rec, dict) or not all(isinstance(v, numbers.Real) for v in rec.values()):
        raise ValueError(f"headline file {str(path)!r}: expected {{metric: number}}, got {rec!r:.80}")
    return rec


def compare_headlines(directory, reference) -> pd.DataFrame:
    """Compare recorded headlines with references, metric by metric.

    Args:
        directory: folder of ``<source>.json`` files written by :func:`headline`.
        reference: path to (or dict of) ``{"tolerances": {pattern: tol, ...}, "notebooks":
            {source: {metric: value}}}``; a metric's tolerance is that of the first
            ``fnmatch`` pattern (in file order) matching its name, an absolute bound on
            ``|value - reference|``.
    Returns:
        DataFrame (source, metric, reference, value, diff, tol, ok), one row per reference
        metric and one per recorded metric with no reference. A reference metric that was not
        recorded has value NaN and ``ok`` False; a recorded metric with no reference has
        reference NaN and ``ok`` False (store a reference for it).
    Raises:
        FileNotFoundError: ``directory`` or the reference file does not exist.
        ValueError: a malformed reference.
    """
    d = Path(directory)
    if not d.is_dir():
        raise FileNotFoundError(f"directory: no such headline folder {str(d)!r}")
    ref = _read_reference(reference)
    found = {p.stem: _read_headlines(p) for p in sorted(d.glob("*.json"))}
    rows = []
    for src in sorted(set(ref["notebooks"]) | set(found)):
        want, got = ref["notebooks"].get(src, {}), found.get(src, {})
        for metric in list(want) + [m for m in got if m not in want]:
            r, v = want.get(metric, math.nan), got.get(metric, math.nan)
            tol = _tolerance(ref["tolerances"], metric)
            diff = abs(v - r)
            rows.append({"source": src, "metric": metric, "reference": r, "value": v, "diff": diff,
                         "tol": tol, "ok": bool(diff <= tol)})  # NaN compares False
    return pd.DataFrame(rows, columns=["source", "metric", "reference", "value", "diff", "tol", "ok"])


_CLAIM = re.compile(r"^\s*([A-Za-z_][\w]*|-?\d+(?:\.\d+)?)\s*(>=|<=|>|<)\s*([A-Za-z_][\w]*|-?\d+(?:\.\d+)?)\s*$")
_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def check_claims(directory, reference) -> pd.DataFrame:
    """Check the reference's claims (``"claims": {source: ["a > b", "a >= 0", ...]}``) on the
    recorded headlines: each side is a metric of that source or a number.

    Claims state what a notebook shows at its defaults (e.g. ``"p_true_assistive >
    p_true_original"``): unlike tolerances they hold however the digits move, and they fail
    when a signal is replaced by the original.

    Returns:
        DataFrame (source, claim, left, right, ok); a claim on a metric that was not recorded
        has NaN on that side and ``ok`` False.
    Raises:
        ValueError: a claim that is not ``<metric|number> <op> <metric|number>`` with op one of
            ``> >= < <=``.
    """
    d = Path(directory)
    if not d.is_dir():
        raise FileNotFoundError(f"directory: no such headline folder {str(d)!r}")
    ref = _read_reference(reference)
    rows = []
    for src, claims in sorted(ref.get("claims", {}).items()):
        path = d / f"{src}.json"
        got = _read_headlines(path) if path.is_file() else {}
        for claim in claims:
            m = _CLAIM.match(claim) if isinstance(claim, str) else None
            if m is None:
                raise ValueError(f"reference: claim {claim!r} of {src!r}: expected '<metric|number> <op> "
                                 f"<metric|number>' with op one of {list(_OPS)}")
            a, op, b = m.groups()
            side = [float(x) if x[-1].isdigit() else got.get(x, math.nan) for x in (a, b)]
            rows.append({"source": src, "claim": claim, "left": side[0], "right": side[1],
                         "ok": bool(_OPS[op](*side))})  # NaN compares False
    return pd.DataFrame(rows, columns=["source", "claim", "left", "right", "ok"])


def store_reference(directory, path) -> dict:
    """Write the headlines recorded in ``directory`` as the reference values in ``path``.

    Keeps the file's tolerances and claims (or starts with ``{"*": 0.05}`` and none); replaces
    the values of the sources found in ``directory`` and keeps the others. Returns the written dict.
    """
    d, path = Path(directory), Path(path)
    if not d.is_dir():
        raise FileNotFoundError(f"directory: no such headline folder {str(d)!r}")
    ref = _read_reference(path) if path.exists() else {"tolerances": {"*": 0.05}, "notebooks": {}}
    for p in sorted(d.glob("*.json")):
        ref["notebooks"][p.stem] = {k: round(v, 6) for k, v in _read_headlines(p).items()}
    ref["notebooks"] = dict(sorted(ref["notebooks"].items()))
    write_file(path, json.dumps(ref, indent=1, ensure_ascii=False) + "\n")
    return ref
