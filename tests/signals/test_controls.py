"""Controls: same support as the signal, the promised colours, nothing else changed."""
import pytest
import torch

from aswb.signals import CONTROLS, controls


def test_texture_controls_paint_only_the_mask():
    tex = torch.rand(16, 16, 3, generator=torch.Generator().manual_seed(0)) * 0.5
    mask = torch.zeros(16, 16, dtype=torch.bool)
    mask[2:6, 3:9] = True
    c = controls(tex, mask, generator=torch.Generator().manual_seed(1))
    assert set(c) == set(CONTROLS)
    for name, t in c.items():
        assert torch.equal(t[~mask], tex[~mask]), name
        assert t.min() >= 0 and t.max() <= 1
    assert (c["white"][mask] == 1).all() and (c["black"][mask] == 0).all()
    assert torch.allclose(c["mean"][mask], tex[mask].mean(0).expand(int(mask.sum()), 3))
    assert torch.allclose(c["bright"][mask], (tex[mask] * 1.5).clamp(0, 1))


def test_bounded_noise_control_has_the_signal_budget():
    v = torch.full((50, 3), 0.5)
    c = controls(v, None, eps=0.05, which=("noise",), generator=torch.Generator().manual_seed(0))
    assert (c["noise"] - v).abs().max() <= 0.05 + 1e-6 and (c["noise"] != v).any()


def test_image_controls_follow_pixel_masks():
    x = torch.rand(2, 3, 8, 8)
    mask = torch.zeros(8, 8, dtype=torch.bool)
    mask[:4] = True
    c = controls(x, mask, which=("black",))
    assert (c["black"][:, :, :4] == 0).all() and torch.equal(c["black"][:, :, 4:], x[:, :, 4:])


def test_control_errors():
    with pytest.raises(ValueError, match="unknown control"):
        controls(torch.rand(4, 3), which=("pink",))
    with pytest.raises(ValueError, match="empty"):
        controls(torch.rand(4, 3), torch.zeros(4, dtype=torch.bool))
    with pytest.raises(TypeError, match="float colours"):
        controls(torch.zeros(4, 3, dtype=torch.uint8))
