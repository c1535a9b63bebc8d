"""Toy world: procedural meshes, conditions, datasets, ImageNet labels."""
import pytest
import torch

from aswb import toyworld as tw
from aswb.render import rasterize, sample_views


@pytest.mark.parametrize("name", tw.CLASSES)
def test_meshes_are_uv_mapped_with_parts_and_render_without_cracks(name):
    m = tw.mesh(name, seed=7)
    assert m.uvs.min() >= 0 and m.uvs.max() <= 1
    assert len(m.textures) == 1 and m.textures[0].shape == (256, 256, 3)
    assert m.parts and all(bool(p.any()) for p in m.parts.values())
    _, r = m.bounding_sphere()
    assert abs(r - 1) < 1e-4
    cams = sample_views(12, dist=(2.0, 3.5), elev=(-80.0, 85.0), fov=45.0, generator=torch.Generator().manual_seed(0))
    fi = rasterize(m, cams, 96).face_idx
    # a crack is a background pixel whose four neighbours all show the same closed surface;
    # gaps *between* surfaces (crossed chair legs, stacked containers) are design
    comp = surface_components(m)
    seen = torch.where(fi >= 0, comp[fi.clamp_min(0)], -1)
    c = seen[:, 1:-1, 1:-1]
    same = (seen[:, :-2, 1:-1] == seen[:, 2:, 1:-1]) & (seen[:, 2:, 1:-1] == seen[:, 1:-1, :-2]) & (
        seen[:, 1:-1, :-2] == seen[:, 1:-1, 2:]) & (seen[:, 1:-1, 2:] >= 0)
    cracks = same & (c < 0)
    assert int(cracks.sum()) == 0, f"{name}: {int(cracks.sum())} background pixels inside a closed surface"


def surface_components(m) -> torch.Tensor:
    """Connected surface of each face, (F,) int64, with vertices welded by position."""
    key = torch.round(m.verts * 1e5).long()
    _, vid = torch.unique(key, dim=0, return_inverse=True)
    parent = list(range(int(vid.max()) + 1))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b, c in vid[m.faces].tolist():
        ra = find(a)
        for x in (b, c):
            rx = find(x)
            if rx != ra:
                parent[rx] = ra
    return torch.tensor([find(int(vid[f[0]])) for f in m.faces])


def test_same_seed_same_mesh_other_seed_other_mesh():
    a, b, c = tw.mesh("jeep", 3), tw.mesh("jeep", 3), tw.mesh("jeep", 4)
    assert torch.equal(a.verts, b.verts) and torch.equal(a.textures[0], b.textures[0])
    assert a.verts.shape != c.verts.shape or not torch.equal(a.verts, c.verts)
    assert not torch.equal(a.textures[0], c.textures[0])


def test_dataset_bytes_are_reproducible_and_labelled():
    d1 = tw.render_dataset([1, 2], views_per_instance=2, condition="hard", classes=["airliner", "table_lamp"], size=32, seed=5)
    d2 = tw.render_dataset([1, 2], views_per_instance=2, condition="hard", classes=["airliner", "table_lamp"], size=32, seed=5)
    assert torch.equal(d1.images, d2.images) and d1.images.dtype == torch.uint8
    assert d1.images.shape == (8, 32, 32, 3) and len(d1) == 8
    assert sorted(set(d1.labels.tolist())) == [tw.CLASSES.index("airliner"), tw.CLASSES.index("table_lamp")]
    x = d1.float_images()
    assert x.shape == (8, 3, 32, 32) and x.min() >= 0 and x.max() <= 1


def test_conditions_differ_in_views_and_light():
    g = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    easy_c, easy_l = tw.sample_condition(400, "easy", g())
    hard_c, hard_l = tw.sample_condition(400, "hard", g())
    elev = lambda c: torch.rad2deg(torch.asin(c.eye[:, 1] / c.eye.norm(dim=-1)))  # noqa: E731
    assert ((elev(easy_c) >= -1e-3) & (elev(easy_c) <= 35 + 1e-3)).all()
    d = hard_c.eye.norm(dim=-1)
    unusual = (elev(hard_c) < -40) | (elev(hard_c) > 65) | (d < 1.5) | (d > 5.9)
    assert unusual.all()
    assert hard_l.ambient.max() < easy_l.ambient.min()


def test_backgrounds_are_varied_and_in_range():
    bg = tw.random_backgrounds(16, 24, torch.Generator().manual_seed(0))
    assert bg.shape == (16, 24, 24, 3) and bg.min() >= 0 and bg.max() <= 1
    assert bg.std(dim=(1, 2)).mean() > 0.01 and bg.mean(dim=(1, 2, 3)).std() > 0.05


def test_imagenet_labels_name_the_right_imagenet_classes():
    from torchvision.models import ResNet50_Weights

    cats = ResNet50_Weights.IMAGENET1K_V1.meta["categories"]
    assert set(tw.IMAGENET_LABELS) == set(tw.CLASSES)
    for toy, idx in tw.IMAGENET_LABELS.items():
        assert cats[idx].replace(" ", "_") == toy


def test_bad_names_and_seeds_get_clear_errors():
    with pytest.raises(ValueError, match="unknown toy class 'car'"):
        tw.mesh("car")
    with pytest.raises(TypeError, match="seed: expected an int"):
        tw.mesh("jeep", seed=1.5)
    with pytest.raises(ValueError, match=r"seed: expected an int in \[0, 2\*\*31\)"):
        tw.mesh("jeep", seed=-1)
    with pytest.raises(ValueError, match="unknown condition 'night'"):
        tw.render_views(tw.mesh("jeep"), 2, "night")
    with pytest.raises(ValueError, match="at least one instance seed"):
        tw.render_dataset([], 2)
    with pytest.raises(ValueError, match="unknown toy architecture 'alexnet'"):
        tw.classifier("alexnet")


def test_dim_conditions_see_through_a_noisy_auto_exposing_camera():
    assert not tw.sensor_noise(2, 8, "easy").any()
    x = torch.full((2, 8, 8, 3), 0.05)
    assert torch.equal(tw.expose(x, torch.zeros_like(x)), x)  # a clean camera changes nothing
    n = tw.sensor_noise(2, 8, "hard_light", torch.Generator().manual_seed(0))
    assert 0.01 < float(n.std()) < 0.06
    y = tw.expose(x, n)
    assert 0.35 < float(y.mean()) < 0.55 and y.min() >= 0 and y.max() <= 1  # gained up towards 0.45
