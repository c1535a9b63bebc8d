"""EoT patches: placement geometry, optimisation, pasting onto a UV texture."""
import pytest
import torch

from aswb.render import primitives as P
from aswb.signals import apply_patch, eot_patch, patch_to_texture
from aswb.signals.patch import PatchTransforms, patch_size


def test_apply_patch_places_a_patch_where_asked():
    p = torch.zeros(3, 10, 10)
    p[0] = 1
    img = torch.full((2, 3, 32, 32), 0.5)
    out = apply_patch(img, p, center=torch.tensor([[0.5, 0.5], [0.25, 0.75]]), rotation=torch.tensor([0.0, 45.0]))
    for k, (cx, cy) in enumerate(((16, 16), (8, 24))):
        red = (out[k, 0] > 0.99) & (out[k, 1] < 0.01)
        ys, xs = red.nonzero(as_tuple=True)
        assert abs(xs.float().mean() + 0.5 - cx) < 1 and abs(ys.float().mean() + 0.5 - cy) < 1
        assert 70 <= int(red.sum()) <= 100  # ~10 x 10 pixels, rotated or not
    far = torch.ones(32, 32, dtype=torch.bool)
    far[4:28, 4:28] = False
    assert torch.equal(out[0][:, far], img[0][:, far])  # untouched away from the patch


def test_apply_patch_is_differentiable_in_the_patch():
    p = torch.full((3, 8, 8), 0.5, requires_grad=True)
    apply_patch(torch.rand(2, 3, 32, 32), p, center=torch.full((2, 2), 0.5), brightness=0.8).sum().backward()
    assert p.grad.abs().sum() > 0


def test_eot_patch_raises_confidence_under_transformations(clf):
    x = torch.rand(8, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    r = eot_patch(clf, x, 3, area=0.1, steps=40, batch_size=8, alpha=0.05)
    assert r.signal.shape == (3, patch_size(0.1, 32), patch_size(0.1, 32))
    assert r.signal.min() >= 0 and r.signal.max() <= 1
    h = r.history.p_true
    assert h.iloc[-10:].mean() > h.iloc[:10].mean()
    g = torch.Generator().manual_seed(9)  # held-out placements
    tr = PatchTransforms().sample(8, g)
    with torch.no_grad():
        plain = apply_patch(x, torch.full_like(r.signal, 0.5), **tr)
        patched = apply_patch(x, r.signal, **tr)
        assert clf.probs(patched)[:, 3].mean() > clf.probs(plain)[:, 3].mean()


def test_patch_to_texture_pastes_only_inside_the_mask():
    box = P.box(texture=torch.rand(60, 60, 3))
    mask = torch.zeros(60, 60, dtype=torch.bool)
    mask[5:20, 10:30] = True
    tex = patch_to_texture(box, torch.zeros(3, 4, 4), mask)
    assert (tex[mask] == 0).all() and torch.equal(tex[~mask], box.textures[0][~mask])


def test_patch_errors():
    with pytest.raises(ValueError, match=r"area: expected an image fraction in \(0, 1\]"):
        patch_size(0.0, 32)
    with pytest.raises(ValueError, match=r"patch: expected shape \(3, h, w\)"):
        apply_patch(torch.rand(1, 3, 8, 8), torch.rand(4, 4), center=torch.zeros(1, 2))
    with pytest.raises(ValueError, match="non-empty bool mask"):
        patch_to_texture(P.box(texture=torch.rand(8, 8, 3)), torch.rand(3, 2, 2), torch.zeros(8, 8, dtype=torch.bool))
