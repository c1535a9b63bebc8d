"""The README's quick start runs as written (in a scratch folder, so its outputs land there)."""
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

README = Path(__file__).resolve().parents[1] / "README.md"


def quick_start_blocks() -> list[str]:
    text = README.read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_the_quick_start_has_its_four_examples():
    blocks = quick_start_blocks()
    assert len(blocks) == 4 and "assist_texture" in blocks[0] and "Scene(" in blocks[1] and "unwrap" in blocks[2]
    assert "backgrounds=" in blocks[3]


@pytest.mark.parametrize("k", range(4))
def test_a_quick_start_block_runs_as_written(tmp_path, monkeypatch, k):
    import pybullet_data

    monkeypatch.chdir(tmp_path)
    shutil.copy(Path(pybullet_data.getDataPath()) / "objects" / "mug.obj", tmp_path / "my_mug.obj")  # "your own mesh"
    (tmp_path / "my_photos").mkdir()  # "your own photos"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (96, 128, 3), dtype=np.uint8)).save(
        tmp_path / "my_photos" / "wall.png")
    scope: dict = {}
    exec(compile(quick_start_blocks()[k], f"README.md quick start block {k + 1}", "exec"), scope)
    if k == 0:
        assert (tmp_path / "outputs" / "jeep_patch" / "mesh.glb").is_file()
        assert len(scope["patch"].history) == 61 and scope["patch"].domain == "uv"
    if k == 1:
        assert scope["images"].shape == (8, 128, 128, 3) and scope["tex"].grad is not None
    if k == 2:
        assert scope["mesh"].textures[0].shape == (256, 256, 3)
    if k == 3:
        assert scope["images"].shape == (8, 64, 64, 3) and len(scope["walls"].files) == 1
