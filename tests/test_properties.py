"""Generated inputs (Hypothesis) for public entry points: each call either returns a result that
keeps its documented invariants or raises one of the project's documented errors (ValueError,
TypeError, FileNotFoundError and their subclasses SpecError, MeshError, NotLoadedError ...), never
another exception and never a crash (issue 22).

Bounded and reproducible: every test runs under ``PROFILE`` (derandomized, so the examples are
the same on every run and machine, no example database, at most ``MAX_EXAMPLES`` examples, no
deadline on a busy machine). The whole file takes well under a minute on two busy cores.
"""
from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

from aswb import evaluate, sweep as sw
from aswb.realworld.catalogue import COLUMNS, CatalogueError, read_catalogue
from aswb.render import Cameras, MeshError, load_mesh
from aswb.signals import assist_image
from aswb.world import NotLoadedError

from .signals.tinynet import tiny

MAX_EXAMPLES = 25
#: derandomize=True: Hypothesis derives its examples from each test's name, so every run draws the same ones
PROFILE = settings(derandomize=True, database=None, deadline=None, max_examples=MAX_EXAMPLES, print_blob=True,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
DOCUMENTED = (ValueError, TypeError, FileNotFoundError, NotLoadedError)

# -- values of every kind a user might type
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
                    st.text(max_size=8))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                      max_leaves=8)

VALID = {"world": "toy", "objects": ["jeep", "streetcar"], "classifiers": ["resnet18"], "seeds": [0, 1],
         "signals": {"image": {"eps": [0.0157, 0.0314], "steps": [2], "views": [3]},
                     "texture": {"steps": [2], "views": [2], "eval_views": [3]},
                     "object": {"area": [0.1], "steps": [2]}}}
PLACES = [("world",), ("objects",), ("classifiers",), ("seeds",), ("signals",), ("extra",)] + [
    ("signals", kind, name) for kind, names in sw.KINDS.items() for name in names] + [("signals", "laser")]
# values close to the valid ones, where mistakes hide: the right types with wrong values, equal numbers written
# differently, duplicates (most single draws are valid, so both branches run)
numbers_ = st.sampled_from([0, 0.0, 1, 1.0, 2, 3, 0.5, 0.01, 2**31, -1, float("inf"), float("nan")])
names = st.sampled_from(["toy", "jeep", "streetcar", "resnet18", "linf", "l2", "l3", "hard", "easy", "medium", "sign",
                         "adam", "adma", ""])
near = st.one_of(values, numbers_, names, st.lists(numbers_, min_size=1, max_size=3),
                 st.lists(names, min_size=1, max_size=3))


def _check_spec(spec: sw.Spec) -> None:
    cells = spec.cells()
    assert len({c.id for c in cells}) == len(cells)  # nothing counted twice
    for kind, axes in spec.signals.items():
        for name, vals in axes.items():
            assert len(set(map(json.dumps, vals))) == len(vals), (kind, name, vals)


@PROFILE
@given(place=st.sampled_from(PLACES), value=near)
def test_load_spec_accepts_or_refuses_with_a_spec_error(place, value):
    spec = json.loads(json.dumps(VALID))
    d = spec
    for key in place[:-1]:
        d = d.setdefault(key, {})
    d[place[-1]] = value
    try:
        loaded = sw.load_spec(spec)
    except sw.SpecError as e:
        assert str(e).startswith("SPEC ") and "\n" not in str(e)
        return
    _check_spec(loaded)


@PROFILE
@given(seeds=st.lists(st.integers(0, 3), min_size=1, max_size=3),
       objects=st.lists(st.sampled_from(["jeep", "streetcar"]), min_size=1, max_size=3),
       eps=st.lists(st.sampled_from([0, 0.0, 0.01, 1, 1.0, 0.5]), min_size=1, max_size=3))
def test_duplicates_are_refused_and_equal_numbers_share_a_cell(seeds, objects, eps):
    spec = {**VALID, "seeds": seeds, "objects": objects, "signals": {"image": {"eps": eps, "steps": [2]}}}
    if len(set(seeds)) < len(seeds) or len(set(objects)) < len(objects) or len({float(e) for e in eps}) < len(eps):
        with pytest.raises(sw.SpecError, match="expected each value once"):
            sw.load_spec(spec)
        return
    cells = sw.load_spec(spec).cells()
    assert len(cells) == len(seeds) * len(objects) * len(eps) and len({c.id for c in cells}) == len(cells)
    as_floats = {**spec, "signals": {"image": {"eps": [float(e) for e in eps], "steps": [2]}}}
    assert [c.id for c in sw.load_spec(as_floats).cells()] == [c.id for c in cells]


@PROFILE
@given(spec=st.dictionaries(st.sampled_from(["world", "objects", "classifiers", "seeds", "signals", "x"]), values,
                            max_size=6))
def test_load_spec_of_arbitrary_dicts(spec):
    try:
        loaded = sw.load_spec(spec)
    except sw.SpecError:
        return
    _check_spec(loaded)


@PROFILE
@given(text=st.one_of(st.text(max_size=200),
                      st.builds(lambda body: 'world = "toy"\nobjects = ["jeep"]\nclassifiers = ["resnet18"]\n' + body,
                                st.text(max_size=120))))
def test_load_spec_of_arbitrary_toml_files(text):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "spec.toml"
        path.write_text(text)
        try:
            loaded = sw.load_spec(path)
        except sw.SpecError as e:
            assert str(path) in str(e) or str(e).startswith("SPEC ")
            return
        _check_spec(loaded)


# -- tensors: shapes, dtypes, NaN/inf
dtypes = st.sampled_from([torch.float32, torch.float64, torch.float16, torch.int64, torch.uint8, torch.bool])
shapes = st.lists(st.integers(0, 9), min_size=0, max_size=5).map(tuple)
fills = st.sampled_from(["rand", "nan", "inf", "neg", "big", "zeros"])


def _tensor(shape, dtype, fill) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    x = torch.rand(shape, generator=g, dtype=torch.float64)
    if x.numel():
        x.view(-1)[0] = {"rand": x.view(-1)[0].item(), "nan": math.nan, "inf": math.inf, "neg": -0.5, "big": 3.0,
                         "zeros": 0.0}[fill]
    return (x * 255).to(dtype) if dtype in (torch.uint8, torch.int64) else x.to(dtype)


tensors = st.builds(_tensor, shapes, dtypes, fills)
# image batches: mostly valid (float32 in [0, 1], (B, 3, H, W)), so that the invariants are checked too
image_shapes = st.sampled_from([(2, 3, 16, 16)] * 3 + [(1, 3, 8, 8), (2, 16, 16, 3), (3, 16, 16), (0, 3, 8, 8)])
image_dtypes = st.sampled_from([torch.float32] * 4 + [torch.float64, torch.float16, torch.uint8, torch.bool])
image_fills = st.sampled_from(["rand"] * 4 + ["zeros", "nan", "inf", "neg", "big"])
image_tensors = st.builds(_tensor, image_shapes, image_dtypes, image_fills)



valid_images = st.builds(lambda b, h, seed: torch.rand(b, 3, h, h, generator=torch.Generator().manual_seed(seed)),
                        st.integers(1, 2), st.sampled_from([8, 16]), st.integers(0, 9))

def _psnr_or_refusal(x, y) -> None:
    try:
        out = evaluate.psnr(x, y)
    except DOCUMENTED:
        return
    assert out.shape == (x.shape[0],) and bool(torch.isfinite(out).all()) and bool((out <= 120 + 1e-3).all())


@PROFILE
@given(x=tensors, y=tensors)
def test_psnr_returns_finite_db_or_refuses(x, y):
    _psnr_or_refusal(x, y)


@PROFILE
@given(data=st.data(), broken=st.sampled_from([None, None, "x", "y"]))
def test_psnr_of_image_batches(data, broken):
    x = data.draw(valid_images, label="x")
    y = data.draw(st.sampled_from(["same", "noisy", "zeros"]), label="y kind")
    y = {"same": x, "noisy": (x + 0.1 * torch.rand_like(x)).clamp(0, 1), "zeros": torch.zeros_like(x)}[y]
    if broken is not None:
        bad = data.draw(st.one_of(image_tensors, tensors), label=broken)
        x, y = (bad, y) if broken == "x" else (x, bad)
    _psnr_or_refusal(x, y)


CLF = tiny()
BAD = {"images": image_tensors,
       "label": st.one_of(st.integers(-2, 9), st.floats(allow_nan=True), st.none(), st.text(max_size=2)),
       "eps": st.one_of(st.floats(-1, 1, allow_nan=False), st.sampled_from([math.nan, math.inf, -1e-9, "big"])),
       "norm": st.sampled_from(["l3", None, "Linf", 2])}


@PROFILE
@given(data=st.data(), broken=st.sampled_from([None, None, None, "images", "label", "eps", "norm"]))
def test_assist_image_keeps_its_invariants_or_refuses(data, broken):
    """Valid calls (about half) keep the invariants; a call with one argument broken is refused."""
    args = {"images": valid_images, "label": st.integers(0, 7), "eps": st.one_of(st.none(), st.floats(0, 0.5)),
            "norm": st.sampled_from(["linf", "l2"])}
    if broken is not None:
        args[broken] = BAD[broken]
    images, label, eps, norm = (data.draw(args[k], label=k) for k in ("images", "label", "eps", "norm"))
    try:
        r = assist_image(CLF, images, label, eps=eps, steps=1, norm=norm)
    except DOCUMENTED:
        return
    delta = r.signal
    assert delta.shape == images.shape and bool(torch.isfinite(delta).all())
    adv = images + delta
    assert float(adv.min()) >= -1e-6 and float(adv.max()) <= 1 + 1e-6
    if eps is not None and norm == "linf":
        assert float(delta.abs().max()) <= eps + 1e-6
    if eps is not None and norm == "l2":
        assert float(delta.flatten(1).norm(dim=1).max()) <= eps + 1e-5
    assert 0 <= r.metrics["p_true_after"] <= 1


@PROFILE
@given(eye=st.one_of(tensors, st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=4), values),
       fov=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 200), st.none()))
def test_cameras_look_at_returns_finite_cameras_or_refuses(eye, fov):
    try:
        cams = Cameras.look_at(eye, fov=fov)
    except DOCUMENTED:
        return
    assert bool(torch.isfinite(cams.eye).all()) and bool(torch.isfinite(cams.R).all())
    assert cams.R.shape[-2:] == (3, 3) and bool(((cams.fov > 0) & (cams.fov < 180)).all())


obj_lines = st.lists(st.one_of(
    st.builds(lambda a, b, c: f"v {a} {b} {c}", *[st.floats(allow_nan=True, allow_infinity=True, width=32)] * 3),
    st.builds(lambda a, b, c: f"f {a} {b} {c}", *[st.integers(-3, 6)] * 3),
    st.text(max_size=12)), min_size=0, max_size=8)


@PROFILE
@given(lines=obj_lines, normalize=st.booleans())
def test_load_mesh_of_malformed_obj_files(lines, normalize):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "m.obj"
        path.write_text("\n".join(lines) + "\n")
        try:
            mesh = load_mesh(path, normalize=normalize)
        except (MeshError, *DOCUMENTED):
            return
    assert bool(torch.isfinite(mesh.verts).all()) and mesh.faces.dtype == torch.int64
    assert int(mesh.faces.min()) >= 0 and int(mesh.faces.max()) < len(mesh.verts)
    if normalize:
        assert float(mesh.verts.norm(dim=-1).max()) == pytest.approx(1.0, abs=1e-3)


# -- catalogue tables a user writes
ROW = {"name": "my_mug", "class": "coffee mug", "package": "pybullet", "paths": "pybullet_data/objects/mug.obj",
       "up": "z", "split": "dev", "source": "me", "licence": "zlib", "note": "a note"}
cells_text = st.one_of(st.sampled_from(["", " ", "mug", "coffee mug", "Coffee Mug", "z", "-z", "q", "dev", "heldout", "both",
                                        "a;b", ";", "x.obj", "my mug", "..", '"', "a,b"]), st.text(max_size=10))


def _csv_field(v: str) -> str:
    return '"' + v.replace('"', '""') + '"'


@PROFILE
@given(edits=st.dictionaries(st.sampled_from(COLUMNS), cells_text, max_size=3),
       drop=st.one_of(st.none(), st.sampled_from(COLUMNS)))
def test_read_catalogue_of_edited_rows(edits, drop):
    row = {**ROW, **edits}
    cols = [c for c in COLUMNS if c != drop]
    text = ",".join(cols) + "\n" + ",".join(_csv_field(row[c]) for c in cols) + "\n"
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "table.csv"
        path.write_text(text, encoding="utf-8")
        try:
            rows = read_catalogue(path)
        except CatalogueError as e:
            assert str(path) in str(e) and "\n" not in str(e)
            return
    assert len(rows) == 1 and rows[0].name == row["name"].strip() and rows[0].label >= 0
