"""aswb.viz: image grids, matplotlib figures (captions, curves, heatmaps, texture diffs,
turntables): layout, values shown and input validation."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from aswb import viz
from aswb.render import primitives
from aswb.signals import SignalResult
from aswb.viz import image_grid

from tinynet import tiny


def test_grid_size_and_placement_without_labels():
    imgs = torch.zeros(6, 10, 12, 3)
    imgs[4] = 1.0  # row 1, col 1 in a 2 x 3 grid
    g = image_grid(imgs, rows=2, pad=2)
    assert g.mode == "RGB"
    assert g.size == (3 * (12 + 2) + 2, 2 * (10 + 2) + 2)  # (width, height)
    a = np.asarray(g)
    assert (a[2:12, 2:14] == 0).all()  # first cell: black image
    assert (a[14:24, 16:28] == 255).all()  # fifth cell: white image
    assert (a[0:2] == 255).all() and (a[:, 0:2] == 255).all()  # white border


def test_numpy_input_and_empty_cells():
    g = image_grid(np.full((5, 8, 8, 3), 0.5, dtype=np.float32), rows=2, cols=3, pad=0)
    a = np.asarray(g)
    assert g.size == (24, 16)
    assert (a[8:, 16:] == 255).all()  # the sixth cell has no image: background
    assert (a[:8, :8] == 128).all()


def test_labels_add_margins_with_text():
    imgs = torch.zeros(4, 16, 16, 3)
    plain = image_grid(imgs, rows=2)
    g = image_grid(imgs, rows=2, row_labels=["first row", "second row"], col_labels=["a", "b"])
    assert g.width > plain.width and g.height > plain.height
    a = np.asarray(g)
    left, top = g.width - plain.width, g.height - plain.height
    assert (a[top:, :left] < 128).any()  # row-label text is drawn in the left margin
    assert (a[:top, left:] < 128).any()  # column-label text in the top margin


@pytest.mark.parametrize(
    "images, kwargs, err, match",
    [
        ([[0.0]], {}, TypeError, "expected a torch.Tensor or numpy array"),
        (torch.zeros(2, 4, 4, 3, dtype=torch.uint8), {}, TypeError, "expected a float tensor"),
        (np.zeros((2, 4, 4, 3), dtype=np.uint8), {}, TypeError, "expected a float array"),
        (torch.zeros(4, 4, 3), {}, ValueError, r"expected shape \(N, H, W, 3\)"),
        (torch.zeros(2, 3, 4, 4), {}, ValueError, r"expected shape \(N, H, W, 3\)"),
        (torch.full((2, 4, 4, 3), 1.5), {}, ValueError, r"values in \[0, 1\]"),
        (torch.full((2, 4, 4, 3), float("nan")), {}, ValueError, r"finite values in \[0, 1\]"),
        (torch.zeros(2, 4, 4, 3), {"rows": 0}, ValueError, "rows: expected a positive int"),
        (torch.zeros(2, 4, 4, 3), {"rows": 1.0}, TypeError, "rows: expected a positive int"),
        (torch.zeros(5, 4, 4, 3), {"rows": 2, "cols": 2}, ValueError, "5 images do not fit in 2 rows x 2 cols"),
        (torch.zeros(2, 4, 4, 3), {"pad": -1}, ValueError, "pad: expected an int >= 0"),
        (torch.zeros(2, 4, 4, 3), {"row_labels": ["a", "b"]}, ValueError, "row_labels: expected 1 labels, got 2"),
        (torch.zeros(2, 4, 4, 3), {"col_labels": "ab"}, TypeError, "col_labels: expected a sequence of str"),
        (torch.zeros(2, 4, 4, 3), {"col_labels": [1, 2]}, TypeError, "col_labels: expected a sequence of str"),
    ],
)
def test_errors(images, kwargs, err, match):
    kwargs = {"rows": 1, **kwargs}
    with pytest.raises(err, match=match):
        image_grid(images, **kwargs)


# -- matplotlib figures -------------------------------------------------------------------


def _images(n=6, size=8):
    return torch.rand(n, size, size, 3, generator=torch.Generator().manual_seed(0))


def _captions(fig):
    return [ax.get_xlabel() for ax in fig.axes if ax.get_images()]


@pytest.fixture
def box():
    return primitives.box((1.0, 0.6, 0.8), texture=primitives.checker(32, 4))


def test_show_images_grid_captions_and_row_labels():
    fig = viz.show_images(_images(5), titles=list("abcde"), ncols=3, row_labels=["r0", "r1"], suptitle="t")
    assert isinstance(fig, Figure)
    axes = fig.axes
    assert len(axes) == 6 and sum(bool(ax.get_images()) for ax in axes) == 5  # one empty cell
    assert _captions(fig) == list("abcde")
    assert axes[0].get_ylabel() == "r0" and axes[3].get_ylabel() == "r1"
    assert fig._suptitle.get_text() == "t"
    fig.canvas.draw()  # renders without error (figures are built without pyplot: nothing to close)


def test_figures_show_as_png_without_pyplot():
    fig = viz.show_images(_images(2))
    png = fig._repr_png_()  # what Jupyter displays; no pyplot / inline backend needed
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and repr(fig).startswith("<Figure size")


def test_small_images_are_drawn_with_crisp_pixels_large_ones_filtered():
    small = viz.show_images(_images(2, size=8), size=1.5)      # 8 px drawn at 150 px: enlarged
    large = viz.show_images(_images(2, size=400), size=1.5)    # 400 px drawn at 150 px: reduced
    assert {im.get_interpolation() for ax in small.axes for im in ax.get_images()} == {"nearest"}
    assert {im.get_interpolation() for ax in large.axes for im in ax.get_images()} == {"antialiased"}
    tex = torch.rand(16, 16, 3)
    fig = viz.texture_diff(tex, 1 - tex)
    assert {im.get_interpolation() for ax in fig.axes for im in ax.get_images()} == {"nearest"}


def test_show_images_accepts_channels_first_and_numpy():
    x = _images(4)
    a = viz.show_images(x.permute(0, 3, 1, 2), ncols=2)
    b = viz.show_images(x.numpy(), ncols=2)
    assert np.allclose(a.axes[1].get_images()[0].get_array(), x[1].numpy())
    assert np.allclose(b.axes[3].get_images()[0].get_array(), x[3].numpy())
    assert len(a.axes) == 4


def test_confidence_grid_colours_correct_green_and_wrong_red():
    p = pd.Series([0.91, 0.2, 0.555, 0.0])
    fig = viz.confidence_grid(_images(4), p, torch.tensor([True, False, True, False]), ncols=4)
    assert _captions(fig) == ["0.91", "0.20 ×", "0.56", "0.00 ×"]
    cols = [to_hex(ax.xaxis.label.get_color()) for ax in fig.axes]
    assert cols == [viz.GOOD, viz.BAD, viz.GOOD, viz.BAD]
    plain = viz.confidence_grid(_images(2), [0.5, 0.25])
    assert _captions(plain) == ["0.50", "0.25"]


@pytest.mark.parametrize(
    "call, err, match",
    [
        (lambda: viz.show_images(_images(2), titles=["a"]), ValueError, r"titles: expected 2 values"),
        (lambda: viz.show_images(_images(2), titles=[1, 2]), TypeError, "titles: expected 2 strings"),
        (lambda: viz.show_images(_images(2), ncols=0), ValueError, "ncols: expected a positive int"),
        (lambda: viz.show_images(_images(4), ncols=2, row_labels=["a"]), ValueError,
         r"row_labels: expected 2 values \(one per row of 2\)"),
        (lambda: viz.show_images(_images(2), size=0), ValueError, "size: expected inches > 0"),
        (lambda: viz.show_images(torch.zeros(2, 4, 4)), ValueError, r"expected shape \(N, H, W, 3\)"),
        (lambda: viz.show_images(torch.full((1, 4, 4, 3), 2.0)), ValueError, r"values in \[0, 1\]"),
        (lambda: viz.confidence_grid(_images(2), [0.5]), ValueError, "p_true: expected 2 values"),
        (lambda: viz.confidence_grid(_images(2), [0.5, 1.5]), ValueError, r"p_true: expected finite values in \[0, 1\]"),
        (lambda: viz.confidence_grid(_images(2), ["a", "b"]), TypeError, "p_true: expected numbers"),
        (lambda: viz.confidence_grid(_images(2), [0.5, 0.5], [1, 0]), TypeError, "correct: expected 2 bools"),
        (lambda: viz.confidence_grid(_images(2), 0.5), TypeError, "p_true: expected a sequence"),
    ],
)
def test_grid_errors(call, err, match):
    with pytest.raises(err, match=match):
        call()


def test_p_true_curve_means_per_x_and_hue_with_bands():
    df = pd.DataFrame({"eps": [0.0, 0.0, 0.1, 0.1] * 2, "p_true": [0.2, 0.4, 0.6, 0.8, 0.1, 0.1, 0.3, 0.3],
                       "variant": ["a"] * 4 + ["b"] * 4})
    fig = viz.p_true_curve(df, hue="variant", ylim=(0, 1), title="sweep")
    ax = fig.axes[0]
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert set(lines) == {"a", "b"}
    assert np.allclose(lines["a"].get_ydata(), [0.3, 0.7]) and np.allclose(lines["b"].get_xdata(), [0.0, 0.1])
    assert len(ax.collections) == 2  # one band per line
    assert ax.get_ylim() == (0, 1) and ax.get_title() == "sweep" and ax.get_xlabel() == "eps"
    assert len(viz.p_true_curve(df, band=None).axes[0].collections) == 0


def test_p_true_curve_several_columns():
    wide = pd.DataFrame({"eps": [0.01, 0.03], "p_true_before": [0.4, 0.4], "p_true_after": [0.6, 0.9]})
    fig = viz.p_true_curve(wide, y=["p_true_before", "p_true_after"], logx=True)
    ax = fig.axes[0]
    assert [ln.get_label() for ln in ax.get_lines()] == ["p_true_before", "p_true_after"]
    assert ax.get_xscale() == "log" and len(ax.collections) == 0  # one row per x: no band


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        ({"df": [1, 2]}, TypeError, "df: expected a non-empty pandas DataFrame"),
        ({"x": "steps"}, ValueError, r"column\(s\) \['steps'\] not in the frame"),
        ({"y": 3}, TypeError, "y: expected a column name"),
        ({"y": ["p_true", "p_true"], "hue": "variant"}, ValueError, "not both"),
        ({"x": "variant"}, TypeError, "column 'variant' must be numeric"),
        ({"band": "ci"}, ValueError, "band: expected 'sem', 'std' or None"),
    ],
)
def test_p_true_curve_errors(kwargs, err, match):
    df = pd.DataFrame({"eps": [0.0, 0.1], "p_true": [0.2, 0.4], "variant": ["a", "b"]})
    with pytest.raises(err, match=match):
        viz.p_true_curve(**{"df": df, **kwargs})


def test_heatmap_annotates_numbers_and_strings():
    cols = pd.MultiIndex.from_tuples([("original", 0), ("3d_patch", 0)], names=["variant", "view"])
    t = pd.DataFrame([["0.59", "x"], ["x", "0.95"]], index=["airliner", "car"], columns=cols)
    fig = viz.heatmap(t, title="Table 1")
    ax = fig.axes[0]
    assert [tx.get_text() for tx in ax.texts] == ["0.59", "x", "x", "0.95"]
    assert [lb.get_text() for lb in ax.get_xticklabels()] == ["original\n0", "3d_patch\n0"]
    assert [lb.get_text() for lb in ax.get_yticklabels()] == ["airliner", "car"]
    arr = ax.get_images()[0].get_array()
    assert arr.mask.tolist() == [[False, True], [True, False]]  # "x" cells drawn as "bad" (grey)
    assert len(fig.axes) == 2  # with a colour bar


def test_heatmap_center_makes_symmetric_limits_and_text_contrasts():
    m = pd.DataFrame([[0.4, -0.1], [0.0, np.nan]], index=["r", "d"], columns=["r", "d"])
    fig = viz.heatmap(m, center=0, fmt="+.1f", colorbar=False)
    ax = fig.axes[0]
    assert ax.get_images()[0].norm.vmin == pytest.approx(-0.4) and ax.get_images()[0].norm.vmax == pytest.approx(0.4)
    assert [tx.get_text() for tx in ax.texts] == ["+0.4", "-0.1", "+0.0", ""]
    assert len(fig.axes) == 1


@pytest.mark.parametrize(
    "matrix, kwargs, err, match",
    [
        (np.zeros((2, 2)), {}, TypeError, "matrix: expected a non-empty pandas DataFrame"),
        (pd.DataFrame(), {}, TypeError, "matrix: expected a non-empty pandas DataFrame"),
        (pd.DataFrame([[1.0]]), {"fmt": "%d"}, ValueError, "fmt: expected a format spec"),
        (pd.DataFrame([[1.0]]), {"cmap": "nope"}, ValueError, "cmap: unknown colormap 'nope'"),
    ],
)
def test_heatmap_errors(matrix, kwargs, err, match):
    with pytest.raises(err, match=match):
        viz.heatmap(matrix, **kwargs)


def test_texture_diff_panels_and_mask_outline():
    a = torch.full((16, 20, 3), 0.5)
    b = a.clone()
    b[2:5, 3:7] += 0.25
    mask = torch.zeros(16, 20, dtype=torch.bool)
    mask[1:6, 2:8] = True
    fig = viz.texture_diff(a, b, mask)
    ax0, ax1, ax2 = fig.axes[:3]
    assert len(fig.axes) == 4  # three panels and a colour bar
    diff = ax2.get_images()[0].get_array()
    assert diff.shape == (16, 20) and diff.max() == pytest.approx(0.25) and diff[0, 0] == 0
    assert ax2.get_title() == "|difference| (max 0.250)"
    assert ax1.collections and ax2.collections and not ax0.collections  # mask contours


def test_texture_diff_from_results():
    tex = torch.rand(8, 8, 3)
    r = SignalResult("uv", (tex * 0.5), tex, None, pd.DataFrame({"step": [0]}), {})
    fig = viz.texture_diff(r)
    assert np.allclose(fig.axes[1].get_images()[0].get_array(), (tex * 0.5).numpy())
    p = SignalResult("patch", torch.zeros(3, 4, 6), torch.full((3, 4, 6), 0.5), None, pd.DataFrame(), {})
    assert viz.texture_diff(p).axes[0].get_images()[0].get_array().shape == (4, 6, 3)
    v = SignalResult("vertex", torch.zeros(5, 3), torch.zeros(5, 3), None, pd.DataFrame(), {})
    with pytest.raises(ValueError, match="render vertex colours with aswb.viz.turntable"):
        viz.texture_diff(v)


@pytest.mark.parametrize(
    "args, err, match",
    [
        ((torch.zeros(4, 4, 3),), TypeError, "expected \\(original, signal\\) textures or a SignalResult"),
        ((torch.zeros(4, 4), torch.zeros(4, 4)), ValueError, r"original: expected a UV texture of shape \(Ht, Wt, 3\)"),
        ((torch.zeros(4, 4, 3), torch.zeros(4, 5, 3)), ValueError, "signal: expected the shape of original"),
        ((torch.zeros(4, 4, 3), torch.full((4, 4, 3), 2.0)), ValueError, r"values in \[0, 1\]"),
        (([0.0], torch.zeros(4, 4, 3)), TypeError, "original: expected a \\(Ht, Wt, 3\\) texture"),
        ((torch.zeros(4, 4, 3), torch.zeros(4, 4, 3), torch.zeros(4, 4)), ValueError, "mask: expected a bool mask"),
    ],
)
def test_texture_diff_errors(args, err, match):
    with pytest.raises(err, match=match):
        viz.texture_diff(*args)


def test_orbit_views_render_every_colouring(box):
    own = viz.orbit_views(box, 3, image_size=24)
    assert own.shape == (3, 24, 24, 3) and own.dtype == torch.float32 and 0 <= own.min() and own.max() <= 1
    assert (own[:, 0, 0] == 1).all()  # white background in the corner
    white = viz.orbit_views(box, 3, torch.ones_like(box.textures[0]), image_size=24)
    red = viz.orbit_views(box, 3, torch.tensor([1.0, 0.0, 0.0]).expand(box.num_verts, 3), image_size=24,
                          background=(0.0, 0.0, 0.0))
    obj = (own != 1).any(-1)  # (3, 24, 24) object pixels
    assert (white[obj].mean(0) > own[obj].mean(0)).all()
    assert (red[..., 1:] == 0).all() and (red[obj][:, 0] > 0).all()  # red on black: no green or blue anywhere
    r = SignalResult("uv", torch.ones_like(box.textures[0]), box.textures[0], None, pd.DataFrame(), {})
    assert torch.equal(viz.orbit_views(box, 3, r, image_size=24), white)


def test_turntable_rows_and_confidence_captions(box):
    clf = tiny()
    cols = {"own": None, "white": torch.ones_like(box.textures[0])}
    fig = viz.turntable(box, cols, clf, label=2, n=3, image_size=32)
    assert len(fig.axes) == 6 and fig.axes[0].get_ylabel() == "own" and fig.axes[3].get_ylabel() == "white"
    imgs = torch.cat([viz.orbit_views(box, 3, c, image_size=32) for c in cols.values()])
    p = clf.probs(imgs.permute(0, 3, 1, 2))
    want = [f"{v:.2f}" if ok else f"{v:.2f} ×" for v, ok in zip(p[:, 2].tolist(), (p.argmax(1) == 2).tolist())]
    assert _captions(fig) == want
    assert fig._suptitle.get_text() == "tiny: p(c2)"
    plain = viz.turntable(box, n=4, image_size=16)
    assert len(plain.axes) == 4 and _captions(plain) == [""] * 4


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        ({"colorings": torch.zeros(5, 3)}, ValueError, r"expected a \(Ht, Wt, 3\) texture or \(24, 3\) vertex"),
        ({"colorings": torch.zeros(4, 4, 3, dtype=torch.uint8)}, TypeError, "colors: expected None, a SignalResult"),
        ({"colorings": {}}, ValueError, "colorings: expected at least one"),
        ({"classifier": "resnet"}, TypeError, "classifier: expected an aswb.models.Classifier"),
        ({"classifier": tiny()}, TypeError, r"label: expected an int class index, got NoneType"),
        ({"classifier": tiny(), "label": 8}, ValueError, r"label: expected a class index in \[0, 8\)"),
        ({"n": 0}, ValueError, "n: expected a positive int"),
    ],
)
def test_turntable_errors(box, kwargs, err, match):
    with pytest.raises(err, match=match):
        viz.turntable(box, **{"image_size": 16, **kwargs})
    with pytest.raises(TypeError, match="expected an aswb.render.Mesh"):
        viz.orbit_views("jeep")
