"""aswb.viz.image_grid: layout, labels and input validation."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from aswb.viz import image_grid


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
