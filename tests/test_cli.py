"""The command line: ``python -m aswb demo``."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from aswb.cli import main


def test_demo_writes_a_labelled_grid(tmp_path, capsys):
    strip = tmp_path / "img" / "turntable.png"
    rc = main(["demo", "--out", str(tmp_path / "out"), "--size", "48", "--views", "4",
               "--readme-image", str(strip), "--render-only"])
    assert rc == 0
    path = tmp_path / "out" / "demo_render.png"
    assert f"wrote {path}" in capsys.readouterr().out
    img = Image.open(path)
    assert img.mode == "RGB"
    w, h = img.size
    assert 4 * 48 < w < 4 * 48 + 400 and 4 * 48 < h < 4 * 48 + 100  # 4 x 4 cells plus labels
    a = np.asarray(img).astype(np.float32)
    assert a.std() > 20  # not blank
    assert (a < 200).any(-1).mean() > 0.1  # the object covers a good share of the picture
    rows = np.asarray(img.convert("L"), dtype=np.float32)
    top = rows[h // 8: h // 2]  # textured rows differ from the vertex-colour rows
    bottom = rows[h // 2 + h // 8:]
    assert not np.allclose(top[: len(bottom)], bottom[: len(top)])
    s = Image.open(strip)
    assert s.width > 4 * 48 and 48 < s.height < h


def test_demo_runs_the_signals_pipeline(tmp_path, capsys):
    rc = main(["demo", "--out", str(tmp_path), "--size", "32", "--views", "2", "--steps", "2", "--eval-views", "2"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "Mean true-class probability of a held-out jeep" in out and "3d_patch" in out and "patch_white" in out
    for name in ("3d_patch", "full_texture", "2d_patch"):
        assert (tmp_path / "signals" / name / "result.json").is_file()
    assert (tmp_path / "signals" / "3d_patch" / "mesh.glb").is_file()
    assert Image.open(tmp_path / "demo_signals.png").size[0] > 6 * 64


@pytest.mark.parametrize("argv", [[], ["demo", "--size", "0"], ["demo", "--views", "x"], ["nope"]])
def test_bad_arguments_exit_with_usage_error(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    assert "usage: aswb" in capsys.readouterr().err
