"""The environment files agree with each other, and the torch/torchvision pair works."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import torch
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

import aswb

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


@pytest.fixture(scope="module")
def env() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def _conda_deps(env: dict) -> tuple[list[str], list[str]]:
    plain = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    return plain, (pip[0] if pip else [])


def test_environment_pins_python_311_within_requires_python(env, pyproject):
    plain, _ = _conda_deps(env)
    assert env["name"] == "aswb"
    assert "conda-forge" in env["channels"]
    pins = [d for d in plain if re.match(r"python\b", d)]
    assert pins == ["python=3.11"]
    assert "pip" in plain
    assert SpecifierSet(pyproject["project"]["requires-python"]).contains("3.11")


def test_environment_pip_installs_project_with_dev_extra(env, pyproject):
    _, pip = _conda_deps(env)
    assert "-e .[dev]" in pip
    assert "dev" in pyproject["project"]["optional-dependencies"]


def test_pyproject_pins_the_working_torch_torchvision_pair(pyproject):
    reqs = {r.name: r for r in map(Requirement, pyproject["project"]["dependencies"])}
    assert reqs["torch"].specifier == SpecifierSet("==2.13.0,!=2.13.0+cpu")
    assert reqs["torchvision"].specifier == SpecifierSet("==0.28.0")


def test_torchvision_ops_nms_runs():
    # a torchvision built for another torch fails here with "operator torchvision::nms does not exist"
    import torchvision

    boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0], [1.0, 1.0, 11.0, 11.0], [50.0, 50.0, 60.0, 60.0]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    keep = torchvision.ops.nms(boxes, scores, iou_threshold=0.5)
    assert keep.tolist() == [0, 2]


def test_seed_everything_is_deterministic():
    g1 = aswb.seed_everything(123)
    a = torch.rand(5)
    g2 = aswb.seed_everything(123)
    b = torch.rand(5)
    assert torch.equal(a, b)
    assert torch.equal(torch.rand(3, generator=g1), torch.rand(3, generator=g2))
    aswb.seed_everything(124)
    assert not torch.equal(a, torch.rand(5))


@pytest.mark.parametrize("seed", [1.5, "3", None, True])
def test_seed_everything_rejects_non_int(seed):
    with pytest.raises(TypeError, match="seed: expected an int"):
        aswb.seed_everything(seed)


@pytest.mark.parametrize("seed", [-1, 2**32])
def test_seed_everything_rejects_out_of_range(seed):
    with pytest.raises(ValueError, match=r"seed: expected an int in \[0, 2\*\*32\)"):
        aswb.seed_everything(seed)
