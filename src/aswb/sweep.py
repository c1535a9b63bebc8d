"""Resumable experiment grids: objects x classifiers x signal settings x seeds, locally or on Ray.

A SPEC (a TOML file, or the same as a dict) names a world, its objects and classifiers, signal
kinds with lists of settings, and seeds::

    world = "toy"
    objects = ["jeep", "streetcar"]
    classifiers = ["resnet18"]
    seeds = [0, 1]

    [signals.image]          # 2D assistive perturbations of held-out renders
    eps = [0.0157, 0.0314]
    steps = [10]

    [signals.texture]        # full UV textures over fresh views, judged on held-out views
    steps = [20]

Every value is checked on loading by the check the run applies; a value listed twice is refused.
The grid expands to cells (every combination); a cell's id is a hash of its settings, stable across
runs and machines (``0`` and ``0.0`` of a float setting give one id). Each cell writes
``DIR/cells/<id>/`` atomically (the signal's result folder and ``metrics.json``); a rerun skips
finished cells and retries failed ones (their errors are kept in ``DIR/failed/<id>.txt``) and
damaged ones (``metrics.json`` missing, truncated or not its own); ``DIR/results.csv`` gathers one
row per finished cell. Executors: ``local`` (one process, or a pool of N) and ``ray`` (cells become
Ray tasks with one CPU each, retried when a worker dies; without an address a local cluster is started).
Every cell runs with one torch thread, so a signal is bit-identical whichever executor ran it.
"""
from __future__ import annotations

import concurrent.futures as cf
import hashlib
import itertools
import json
import multiprocessing as mp
import os
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import torch
from tqdm.auto import tqdm

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

from . import evaluate, signals
from ._files import atomic_folder, read_parsed, write_file
from ._progress import show_progress
from ._seed import seed_everything
from .experiment import run_object
from .signals import ImageSettings, TextureSettings, patch_size
from .views import CONDITION_NAMES
from .world import WORLDS, load_world

__all__ = ["SpecError", "Spec", "Cell", "KINDS", "load_spec", "run_cell", "sweep", "status", "gather", "EXECUTORS",
           "STATES"]

EXECUTORS = ("local", "ray")
#: the states of a cell that :func:`status` reports
STATES = ("done", "pending", "failed", "damaged")

#: signal kind -> {setting: (types, default)}; every setting may be given as a list (grid axis)
KINDS: dict[str, dict[str, tuple]] = {
    "image": {"eps": ((int, float), 8 / 255), "steps": ((int,), 10), "alpha": ((int, float, type(None)), None),
              "norm": ((str,), "linf"), "views": ((int,), 16), "condition": ((str,), "hard")},
    "texture": {"steps": ((int,), 20), "alpha": ((int, float), 0.05), "step_rule": ((str,), "adam"),
                "views": ((int,), 4), "eval_views": ((int,), 16), "condition": ((str,), "hard")},
    "object": {"area": ((int, float), 0.10), "steps": ((int,), 40), "alpha": ((int, float), 8 / 255),
               "views": ((int,), 4), "eval_views": ((int,), 8)},
}
#: signal kind -> the settings class whose fields' checks a SPEC value must pass (the class the run builds)
_SETTINGS = {"image": ImageSettings, "texture": TextureSettings, "object": TextureSettings}
_TOP = {"world": str, "objects": list, "classifiers": list, "seeds": list, "signals": dict}


class SpecError(ValueError):
    """A malformed sweep SPEC: names the key, what was expected and what arrived."""


@dataclass(frozen=True)
class Cell:
    """One experiment of a grid: an object, a classifier, a signal kind with one value per
    setting, and a seed. ``id``: 12 hex digits of a hash of all of them."""

    world: str
    object: str
    classifier: str
    kind: str
    settings: dict
    seed: int
    id: str = field(init=False)

    def __post_init__(self):
        key = json.dumps(self.key(), sort_keys=True)
        object.__setattr__(self, "id", hashlib.sha1(key.encode()).hexdigest()[:12])

    def key(self) -> dict:
        return {"world": self.world, "object": self.object, "classifier": self.classifier, "kind": self.kind,
                "settings": self.settings, "seed": self.seed}


@dataclass(frozen=True)
class Spec:
    """A validated SPEC (see the module docstring); :meth:`cells` expands the grid."""

    world: str
    objects: tuple
    classifiers: tuple
    signals: dict  # kind -> {setting: tuple of values}
    seeds: tuple

    def cells(self) -> list[Cell]:
        out = []
        for obj, clf, kind, seed in itertools.product(self.objects, self.classifiers, self.signals, self.seeds):
            axes = self.signals[kind]
            for values in itertools.product(*axes.values()):
                out.append(Cell(self.world, obj, clf, kind, dict(zip(axes, values)), seed))
        return out


def _expect(cond: bool, key: str, expected: str, got) -> None:
    if not cond:
        raise SpecError(f"SPEC {key}: expected {expected}, got {got!r}")


def load_spec(spec) -> Spec:
    """Read and validate a SPEC: a path to a TOML file, or a dict of the same shape.

    Raises:
        FileNotFoundError: no such file.
        SpecError: a missing or unknown key, a wrong type, an empty list, an unknown signal kind
            or setting, or an unknown world (the message names the key).
    """
    if isinstance(spec, (str, Path)):
        spec = read_parsed(spec, tomllib.loads, "SPEC", SpecError)
    _expect(isinstance(spec, dict), "", "a TOML table / dict", type(spec).__name__)
    for key, typ in _TOP.items():
        _expect(key in spec, key, f"a {typ.__name__} (the key is missing)", None)
        _expect(isinstance(spec[key], typ), key, f"a {typ.__name__}", spec[key])
    extra = sorted(set(spec) - set(_TOP))
    _expect(not extra, extra[0] if extra else "", f"only the keys {sorted(_TOP)}", extra)
    _expect(spec["world"] in WORLDS, "world", f"one of {sorted(WORLDS)}", spec["world"])
    for key in ("objects", "classifiers"):
        _expect(len(spec[key]) > 0 and all(isinstance(v, str) and v for v in spec[key]), key,
                "a non-empty list of names", spec[key])
    seeds = spec["seeds"]
    _expect(len(seeds) > 0 and all(type(s) is int and 0 <= s < 2**31 for s in seeds), "seeds",
            "a non-empty list of ints in [0, 2**31)", seeds)
    for key in ("objects", "classifiers", "seeds"):
        _no_duplicates(spec[key], key)
    _expect(len(spec["signals"]) > 0, "signals", f"at least one signal kind of {sorted(KINDS)}", spec["signals"])
    signals = {}
    for kind, settings in spec["signals"].items():
        _expect(kind in KINDS, f"signals.{kind}", f"a signal kind of {sorted(KINDS)}", kind)
        _expect(isinstance(settings, dict), f"signals.{kind}", "a table of settings", settings)
        unknown = sorted(set(settings) - set(KINDS[kind]))
        _expect(not unknown, f"signals.{kind}.{unknown[0] if unknown else ''}", f"one of {sorted(KINDS[kind])}",
                unknown)
        signals[kind] = {name: _axis(kind, name, settings.get(name, [default]))
                         for name, (_, default) in KINDS[kind].items()}
    return Spec(spec["world"], tuple(spec["objects"]), tuple(spec["classifiers"]), signals, tuple(seeds))


def _axis(kind: str, name: str, values) -> tuple:
    """One setting's values (a list, or one value), each checked by the check the run applies, each listed
    once; ints of a float setting become floats (``0`` and ``0.0``: one cell id; float ids do not change)."""
    key, (types, _) = f"signals.{kind}.{name}", KINDS[kind][name]
    values = values if isinstance(values, list) else [values]
    _expect(len(values) > 0, key, "a non-empty list", values)
    for v in values:
        _expect(isinstance(v, types) and not isinstance(v, bool), key, " or ".join(t.__name__ for t in types), v)
        _expect(not isinstance(v, (int, float)) or v >= 0, key, "a value >= 0", v)
        least = 2 if name == "views" and kind in ("texture", "object") else 1  # a view per training condition
        _expect(not (types == (int,) and v < least), key, f"an int >= {least}", v)
        _expect(name != "condition" or v in CONDITION_NAMES, key, f"a viewing condition of {CONDITION_NAMES}", v)
        try:
            if name == "area":
                patch_size(v, 1)  # a fraction in (0, 1]
            elif name in _SETTINGS[kind].__dataclass_fields__:
                _SETTINGS[kind](**{name: v})  # the settings class the run builds
        except (TypeError, ValueError) as e:
            raise SpecError(f"SPEC {key}: {e}") from None
    same = [float(v) if float in types and type(v) is int else v for v in values]
    _no_duplicates(same, key, values)
    return tuple(same)


def _no_duplicates(values: list, key: str, written: list | None = None) -> None:
    """Refuse a value listed twice (``written``: the values as the user wrote them, for the message)."""
    written = values if written is None else written
    for i, v in enumerate(values):
        if v in values[:i]:
            raise SpecError(f"SPEC {key}: expected each value once (one listed twice would run a cell once and count "
                            f"it twice), got {written[values.index(v)]!r} and {written[i]!r} in {written!r}")


def _check_names(spec: Spec) -> None:
    """Objects and classifiers must exist in the world (checked before any cell runs)."""
    try:
        world = load_world(spec.world, archs=list(spec.classifiers))
    except (ValueError, FileNotFoundError) as e:
        raise SpecError(f"SPEC classifiers: {e}") from None
    bad = [o for o in spec.objects if o not in world.objects]
    _expect(not bad, "objects", f"objects of the {spec.world} world {list(world.objects)}", bad)


# -- running one cell ------------------------------------------------------------------------
_WORLDS: dict = {}


def _world(name: str, arch: str):
    if (name, arch) not in _WORLDS:
        _WORLDS[(name, arch)] = load_world(name, archs=[arch])
    return _WORLDS[(name, arch)]


def _signal(cell: Cell):
    """Run the cell's signal; returns (SignalResult or None, metrics dict)."""
    world = _world(cell.world, cell.classifier)
    clf, label, s = world.classifiers[cell.classifier], world.label(cell.object), cell.settings
    mesh = world.mesh(cell.object)
    if cell.kind == "image":
        x = world.bank(mesh, s["views"], s["condition"], seed=cell.seed, split="heldout").images()
        r = signals.assist_image(clf, x, label, eps=s["eps"], alpha=s["alpha"], steps=s["steps"], norm=s["norm"],
                                 seed=cell.seed, progress=False)
        m = {k: r.metrics[k] for k in ("p_true_before", "p_true_after", "acc_before", "acc_after")}
        return r, m
    if cell.kind == "texture":
        r = signals.assist_texture(world.sampler(mesh, s["views"], ("easy", "hard"), seed=cell.seed), clf, label,
                                   kind="uv", eps=None, alpha=s["alpha"], step_rule=s["step_rule"], steps=s["steps"],
                                   seed=cell.seed, progress=False)
        bank = world.bank(mesh, s["eval_views"], s["condition"], seed=cell.seed, split="heldout")
        df = evaluate.confidence(clf, bank, {"original": signals.texture_original(mesh, "uv"), "texture": r.signal},
                                 label)
        g = df.groupby("variant")
        return r, {"p_true_before": g.p_true.mean()["original"], "p_true_after": g.p_true.mean()["texture"],
                   "acc_before": g.correct.mean()["original"], "acc_after": g.correct.mean()["texture"]}

    run = run_object(world, cell.object, source=cell.classifier, area=s["area"], steps=s["steps"], alpha=s["alpha"],
                     views=s["views"], eval_views=s["eval_views"], progress=False, seed=cell.seed)
    summ = evaluate.summary(run.frame, by=("model",))
    mean = summ.groupby("variant")["Δp_true"].mean()
    return None, {f"dp_true_{v}": float(mean[v]) for v in ("3d_patch", "2d_patch", "full_texture")}


def run_cell(cell: Cell, out) -> dict:
    """Run one cell with one torch thread and publish ``out/cells/<id>/`` atomically.

    While it runs, ``out/running/<id>.pid`` holds the process id of whoever runs it.
    Returns the metrics row: the cell's key fields, its settings and its metrics.
    """
    running = Path(out) / "running" / f"{cell.id}.pid"
    running.parent.mkdir(parents=True, exist_ok=True)
    write_file(running, str(os.getpid()))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        seed_everything(cell.seed)
        result, metrics = _signal(cell)
    finally:
        torch.set_num_threads(threads)
    row = {"cell": cell.id, "world": cell.world, "object": cell.object, "classifier": cell.classifier,
           "kind": cell.kind, "seed": cell.seed, **cell.settings, **{k: float(v) for k, v in metrics.items()}}
    cells = Path(out) / "cells"
    with atomic_folder(cells / cell.id) as tmp:
        if result is not None:
            result.save(tmp / "signal")
        write_file(tmp / "cell.json", json.dumps(cell.key(), indent=1, sort_keys=True) + "\n")
        write_file(tmp / "metrics.json", json.dumps(row, indent=1) + "\n")  # last: the cell is done
    (Path(out) / "failed" / f"{cell.id}.txt").unlink(missing_ok=True)
    running.unlink(missing_ok=True)
    return row


def _metrics(out: Path, cell: Cell) -> dict | None:
    """The cell's metrics row, or None when ``cells/<id>/metrics.json`` is missing, unreadable,
    truncated or not this cell's, or the signal folder the cell publishes with it is missing."""
    try:
        row = json.loads((out / "cells" / cell.id / "metrics.json").read_text())
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    whole = cell.kind == "object" or (out / "cells" / cell.id / "signal").is_dir()  # object cells keep no signal
    return row if isinstance(row, dict) and row.get("cell") == cell.id and whole else None


def _state(out: Path, cell: Cell) -> tuple[str, str]:
    """(state, reason): done (its metrics parse), failed (its last try; the reason is the last line of
    its recorded error), damaged (a folder without valid metrics: truncated, removed or half-written)
    or pending. The state is one of :data:`STATES`."""
    if _metrics(out, cell) is not None:
        return "done", ""
    try:
        return "failed", _last_line((out / "failed" / f"{cell.id}.txt").read_text(errors="replace"))
    except OSError:  # no failure recorded
        return ("damaged" if (out / "cells" / cell.id).exists() else "pending"), ""


def _last_line(text: str) -> str:
    return next((ln.strip() for ln in reversed(text.splitlines()) if ln.strip()), "")


def status(spec, out) -> pd.DataFrame:
    """One row per cell: id, object, classifier, kind, seed, settings, state (one of :data:`STATES`:
    done / pending / failed / damaged; the next run recomputes every cell not done) and reason
    (the last line of a failed cell's error, else "")."""
    spec, out = spec if isinstance(spec, Spec) else load_spec(spec), Path(out)
    rows = []
    for c in spec.cells():
        state, reason = _state(out, c)
        rows.append({"cell": c.id, "object": c.object, "classifier": c.classifier, "kind": c.kind, "seed": c.seed,
                     "settings": json.dumps(c.settings, sort_keys=True), "state": state, "reason": reason})
    return pd.DataFrame(rows, columns=["cell", "object", "classifier", "kind", "seed", "settings", "state", "reason"])


def gather(spec, out) -> pd.DataFrame:
    """The metrics rows of every finished cell in grid order, also written to ``out/results.csv``."""
    spec, out = spec if isinstance(spec, Spec) else load_spec(spec), Path(out)
    rows = [row for row in (_metrics(out, c) for c in spec.cells()) if row is not None]  # damaged: left out
    table = pd.DataFrame(rows)
    out.mkdir(parents=True, exist_ok=True)
    write_file(out / "results.csv", table.to_csv(index=False))
    return table


def _record_failure(out: Path, cell: Cell, text: str) -> None:
    """Keep the error in ``out/failed/<id>.txt`` and print its last line with the cell's id."""
    (out / "failed").mkdir(parents=True, exist_ok=True)
    write_file(out / "failed" / f"{cell.id}.txt", text)
    tqdm.write(f"cell {cell.id} ({cell.object} {cell.classifier} {cell.kind} seed {cell.seed}) failed: "
               f"{_last_line(text) or 'no reason recorded'}", file=sys.stderr)


def _local(todo, out: Path, workers: int, bar) -> None:
    if workers == 1:
        for c in todo:
            try:
                run_cell(c, out)
            except Exception:  # noqa: BLE001 - recorded, the sweep goes on; a rerun retries it
                _record_failure(out, c, traceback.format_exc())
            bar.update(1)
        return

    with cf.ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        futures = {pool.submit(run_cell, c, out): c for c in todo}
        for f in cf.as_completed(futures):
            if f.exception() is not None:
                e = f.exception()
                _record_failure(out, futures[f], "".join(traceback.format_exception(type(e), e, e.__traceback__)))
            bar.update(1)


def _ray(todo, out: Path, workers: int, address: str | None, bar, retries: int) -> None:
    try:
        import ray
    except ImportError:
        raise ImportError("executor='ray' needs Ray: pip install 'ray>=2.9'") from None
    started = False
    if not ray.is_initialized():
        if address:
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        started = True
    try:
        task = ray.remote(num_cpus=1, max_retries=retries, retry_exceptions=False)(run_cell)
        pending = {task.remote(c, str(out)): c for c in todo}
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            c = pending.pop(ready[0])
            try:
                ray.get(ready[0])
            except Exception as e:  # noqa: BLE001 - the task failed (or its worker died too often)
                _record_failure(out, c, f"{type(e).__name__}: {e}")
            bar.update(1)
    finally:
        if started:
            ray.shutdown()


def sweep(spec, out, executor: str = "local", workers: int = 1, address: str | None = None,
          progress: bool | None = None, retries: int = 3) -> pd.DataFrame:
    """Run every cell of ``spec`` not yet done under ``out`` and gather the table.

    Args:
        spec: a SPEC path (TOML) or dict, or a :class:`Spec`; validated before any cell runs.
        out: the sweep's folder (created).
        executor: ``"local"`` (``workers`` processes; 1 runs cells in this process) or ``"ray"``.
        workers: processes (local) or CPUs of the local Ray cluster started without ``address``.
        address: a Ray cluster to join (``"auto"`` or ``"host:port"``); None starts a local one.
        retries: Ray re-runs a cell whose worker died up to this many times.
    Returns:
        the :func:`gather` table (also ``out/results.csv``); failed cells are printed (id and
        reason) as they fail, listed by :func:`status` and retried by the next call, as are
        damaged ones.
    """
    spec = spec if isinstance(spec, Spec) else load_spec(spec)
    if executor not in EXECUTORS:
        raise ValueError(f"executor: expected one of {EXECUTORS}, got {executor!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers: expected an int >= 1, got {workers!r}")
    _check_names(spec)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_file(out / "spec.json", json.dumps({"world": spec.world, "objects": spec.objects,
                                              "classifiers": spec.classifiers, "seeds": spec.seeds,
                                              "signals": spec.signals}, indent=1) + "\n")
    cells = spec.cells()
    todo = [c for c in cells if _metrics(out, c) is None]  # pending, failed and damaged cells
    with tqdm(total=len(cells), initial=len(cells) - len(todo), desc="sweep", unit="cell",
              disable=not show_progress(progress)) as bar:
        if todo:
            if executor == "ray":
                _ray(todo, out, workers, address, bar, retries)
            else:
                _local(todo, out, workers, bar)
    return gather(spec, out)
