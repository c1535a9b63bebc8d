"""Differentiable shading of rasterised fragments: interpolate, texture, light, composite.

Every function here is differentiable with respect to colours (vertex colours, texture
images), light fields and the background; fragments carry no gradient. Shading works on the
covered pixels only (packed, :class:`_Covered`) and scatters them into the image once.
"""
from __future__ import annotations


import torch
import torch.nn.functional as F

from .._checks import _describe, as_tensor, check_range, positive_int
from .camera import Cameras
from .lights import Lights
from .mesh import Mesh
from .raster import Fragments

__all__ = ["interpolate", "sample_texture", "shade", "composite", "surface_colors", "face_normals_at", "expose"]


def interpolate(attr: torch.Tensor, frags: Fragments, faces: torch.Tensor) -> torch.Tensor:
    """Interpolate a per-vertex attribute at each pixel.

    Args:
        attr: (V, C) float per-vertex attribute.
        frags: fragments (B, H, W).
        faces: (F, 3) int64 indices into ``attr`` (mesh faces, or UV faces for UVs).
    Returns:
        (B, H, W, C) float, zero on background pixels.
    """
    cov = _Covered(frags)
    return cov.unpack(_interp(attr, cov, faces))


def sample_texture(tex: torch.Tensor, uv: torch.Tensor, wrap: str = "clamp") -> torch.Tensor:
    """Bilinear texture lookup.

    Args:
        tex: (Ht, Wt, C) float texture, row 0 at the top.
        uv: (..., 2) float UVs, v up: (0, 0) is the bottom-left corner, (1, 1) the top-right.
        wrap: ``"clamp"`` (edge texels repeat outside [0, 1]) or ``"repeat"`` (tile).
    Returns:
        (..., C) sampled colours.
    """
    if wrap not in ("clamp", "repeat"):
        raise ValueError(f"sample_texture: wrap must be 'clamp' or 'repeat', got {wrap!r}")
    if wrap == "repeat":
        uv = uv - torch.floor(uv)
    lead = uv.shape[:-1]
    grid = torch.stack([uv[..., 0] * 2 - 1, 1 - uv[..., 1] * 2], dim=-1).reshape(1, 1, -1, 2)
    img = tex.permute(2, 0, 1)[None]  # (1, C, Ht, Wt)
    out = F.grid_sample(img, grid.to(img.dtype), mode="bilinear", padding_mode="border", align_corners=False)
    return out[0, :, 0].T.reshape(*lead, tex.shape[-1])  # (..., C)


def _textures_arg(texture, mesh: Mesh) -> tuple[torch.Tensor, ...]:
    if isinstance(texture, torch.Tensor):
        texture = (texture,)
    if not isinstance(texture, (tuple, list)) or not texture:
        raise TypeError(f"texture: expected a (Ht, Wt, 3) tensor or a sequence of them, got {_describe(texture)}")
    n = len(mesh.textures) if mesh.textures is not None else 1
    if len(texture) != n:
        raise ValueError(f"texture: the mesh has {n} material(s), got {len(texture)} texture(s)")
    for i, t in enumerate(texture):
        if not isinstance(t, torch.Tensor) or not t.is_floating_point():
            raise TypeError(f"texture[{i}]: expected a float tensor in [0, 1], got {_describe(t)}")
        if t.dim() != 3 or t.shape[-1] != 3:
            raise ValueError(f"texture[{i}]: expected shape (Ht, Wt, 3), got {tuple(t.shape)}")
        check_range(t.detach(), f"texture[{i}]")
    return tuple(texture)


def _cached(cache: dict | None, key: str, make):
    """``make()``, memoised in ``cache`` (per-pixel quantities that depend only on the fragments)."""
    if cache is None:
        return make()
    if key not in cache:
        cache[key] = make()
    return cache[key]


class _Covered:
    """The covered pixels of fragments, packed: shading works on these P pixels only.

    Fields: ``idx`` (P,) flat indices into (B*H*W), ``face`` (P,) visible face, ``bary`` (P, 3),
    ``view`` (P,) the view each pixel belongs to; ``shape`` (B, H, W).
    """

    def __init__(self, frags: Fragments):
        self.shape = frags.shape
        B, H, W = self.shape
        self.idx = frags.face_idx.reshape(-1).ge(0).nonzero().squeeze(1)
        self.face = frags.face_idx.reshape(-1)[self.idx]
        self.bary = frags.bary.reshape(-1, 3)[self.idx]
        self.view = torch.div(self.idx, H * W, rounding_mode="floor")

    def unpack(self, x: torch.Tensor) -> torch.Tensor:
        """(P, C) -> (B, H, W, C), zero on background; differentiable.

        Stored channel by channel (a (B, H, W, C) view of (C, B, H, W) memory), as a texture
        lookup returns it: a permute to (B, C, H, W) then hands classifiers planar channels.
        """
        B, H, W = self.shape
        out = x.new_zeros(x.shape[-1], B * H * W).index_copy(1, self.idx, x.T)
        return out.T.view(B, H, W, x.shape[-1])


def _covered(frags: Fragments, cache: dict | None) -> _Covered:
    return _cached(cache, "covered", lambda: _Covered(frags))


def _interp(attr: torch.Tensor, cov: _Covered, faces: torch.Tensor) -> torch.Tensor:
    return (cov.bary[..., None] * attr[faces[cov.face]]).sum(-2)  # (P, C)


def _albedo(mesh: Mesh, cov: _Covered, vertex_colors, texture, wrap: str, cache: dict | None) -> torch.Tensor:
    """Unlit colour of the covered pixels, (P, 3); see :func:`surface_colors`."""
    if vertex_colors is not None and texture is not None:
        raise ValueError("give vertex_colors or texture, not both")
    if vertex_colors is not None:
        if not isinstance(vertex_colors, torch.Tensor) or not vertex_colors.is_floating_point():
            raise TypeError(f"vertex_colors: expected a float tensor (V, 3), got {_describe(vertex_colors)}")
        if tuple(vertex_colors.shape) != (mesh.num_verts, 3):
            raise ValueError(f"vertex_colors: expected shape ({mesh.num_verts}, 3), got {tuple(vertex_colors.shape)}")
        check_range(vertex_colors.detach(), "vertex_colors")
        vidx = _cached(cache, "vidx", lambda: mesh.faces[cov.face])  # (P, 3)
        return (cov.bary[..., None] * vertex_colors[vidx]).sum(-2)
    if texture is None and mesh.textures is not None:
        texture = mesh.textures
    if texture is not None:
        if mesh.uvs is None:
            raise ValueError("texture given but the mesh has no UVs (uvs/face_uvs)")
        texs = _textures_arg(texture, mesh)
        uv = _cached(cache, "uv", lambda: _interp(mesh.uvs, cov, mesh.face_uvs))  # (P, 2)
        if len(texs) == 1:
            return sample_texture(texs[0], uv, wrap)
        mat = _cached(cache, "material", lambda: mesh.face_materials[cov.face])  # (P,)
        out = uv.new_zeros(len(uv), 3)
        for m, t in enumerate(texs):  # one lookup per material (few), not per face
            sel = mat == m
            out = out.index_put((sel,), sample_texture(t, uv[sel], wrap))
        return out
    if mesh.vertex_colors is not None:
        return _interp(mesh.vertex_colors, cov, mesh.faces)
    return cov.bary.new_full((len(cov.idx), 3), 0.7)


def surface_colors(mesh: Mesh, frags: Fragments, vertex_colors=None, texture=None,
                   wrap: str = "clamp", cache: dict | None = None) -> torch.Tensor:
    """Unlit surface colour (albedo) at each pixel.

    Priority: ``vertex_colors`` argument, ``texture`` argument, the mesh's own textures,
    the mesh's own vertex colours, then uniform grey 0.7.

    Args:
        vertex_colors: (V, 3) float in [0, 1] or None.
        texture: (Ht, Wt, 3) float in [0, 1], or one per material, or None (needs mesh UVs).
        cache: a dict kept with ``frags`` (see :func:`shade`), or None.
    Returns:
        (B, H, W, 3) float albedo, 0 on background.
    """
    cov = _covered(frags, cache)
    return cov.unpack(_albedo(mesh, cov, vertex_colors, texture, wrap, cache))


def _normals(mesh: Mesh, cov: _Covered, cameras: Cameras, smooth: bool) -> torch.Tensor:
    """Unit normals of the covered pixels flipped to face the camera, (P, 3)."""
    n = _interp(mesh.vertex_normals(), cov, mesh.faces) if smooth else mesh.face_normals()[cov.face]
    n = n / n.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    # the camera sees a point p along p - eye; a normal facing the camera has n . (eye - p) > 0
    # for a perspective camera this is the sign of n . (eye - p); use the face's first corner as p
    to_eye = cameras.eye[cov.view] - mesh.verts[mesh.faces[cov.face, 0]]  # (P, 3)
    return n * torch.where((n * to_eye).sum(-1, keepdim=True) >= 0, 1.0, -1.0)


def face_normals_at(mesh: Mesh, frags: Fragments, cameras: Cameras, smooth: bool = False) -> torch.Tensor:
    """Two-sided unit normals at each pixel, flipped to face the camera: (B, H, W, 3); 0 on background.

    ``smooth=True`` interpolates area-weighted vertex normals instead of using face normals.
    """
    cov = _Covered(frags)
    return cov.unpack(_normals(mesh, cov, cameras, smooth))


def composite(rgb: torch.Tensor, alpha: torch.Tensor, background) -> torch.Tensor:
    """Composite a premultiplied foreground over a background: ``rgb + background * (1 - alpha)``.

    Args:
        rgb: (B, H, W, 3) foreground colour already multiplied by its coverage.
        alpha: (B, H, W, 1) coverage in [0, 1].
        background: (3,) RGB colour, or (B, H, W, 3) / (H, W, 3) images, in [0, 1].
    Returns:
        (B, H, W, 3) in [0, 1].
    """
    return rgb + _background(background, rgb.shape, rgb.device) * (1 - alpha)


def _background(background, shape, device) -> torch.Tensor:
    B, H, W, _ = shape
    bg = as_tensor(background, "background", device=device)
    if bg.dim() == 0:
        bg = bg.expand(3)
    if bg.dim() == 1:
        if bg.shape[0] != 3:
            raise ValueError(f"background: expected an RGB colour (3,) or images (B, H, W, 3), got {tuple(bg.shape)}")
        bg = bg.view(1, 1, 1, 3)
    elif bg.dim() == 3:
        bg = bg[None]
    if bg.dim() != 4 or bg.shape[-1] != 3 or bg.shape[0] not in (1, B) or tuple(bg.shape[1:3]) not in ((1, 1), (H, W)):
        raise ValueError(f"background: expected (3,), (H, W, 3) or ({B}, {H}, {W}, 3), got {tuple(bg.shape)}")
    check_range(bg.detach(), "background")
    return bg


def shade(mesh: Mesh, frags: Fragments, cameras: Cameras, lights: Lights | None = None,
          vertex_colors=None, texture=None, background=(1.0, 1.0, 1.0), supersample: int = 1,
          smooth: bool = False, wrap: str = "clamp", cache: dict | None = None) -> torch.Tensor:
    """Shade fragments into images with ambient + two-sided Lambert lighting.

    ``rgb = clamp(albedo * (ambient + intensity * color * max(0, n . l)), 0, 1)``, then
    anti-aliased by averaging ``supersample x supersample`` blocks and composited over the
    background at the output resolution.

    Args:
        mesh: the rasterised mesh.
        frags: fragments (B, H*s, W*s) from :func:`rasterize` at ``supersample`` times the output size.
        cameras: the B cameras used for ``frags``.
        lights: :class:`Lights` with 1 or B entries; None means ambient 1 (unlit albedo).
        vertex_colors: (V, 3) float in [0, 1] or None (see :func:`surface_colors`).
        texture: (Ht, Wt, 3) float in [0, 1], or one per material, or None.
        background: (3,) RGB colour or images (B, H, W, 3) / (H, W, 3) in [0, 1] at output size.
        supersample: s >= 1, anti-aliasing factor; frags must be at s times the output size.
        smooth: interpolate vertex normals instead of flat face normals.
        wrap: texture addressing outside [0, 1], ``"clamp"`` or ``"repeat"``.
        cache: a dict that lives as long as ``frags`` (and ``smooth``): per-pixel UVs, vertex
            indices, normals and, for lights without gradients, the lighting term are computed
            once and reused (:class:`~aswb.render.Scene` keeps one).
    Returns:
        (B, H, W, 3) float32 images in [0, 1].
    """
    s = positive_int(supersample, "supersample")
    B, Hs, Ws = frags.shape
    if len(cameras) != B:
        raise ValueError(f"shade: fragments have {B} views but cameras has {len(cameras)}")
    if Hs % s or Ws % s:
        raise ValueError(f"shade: fragment size {(Hs, Ws)} is not a multiple of supersample={s}")
    cov = _covered(frags, cache)
    albedo = _albedo(mesh, cov, vertex_colors, texture, wrap, cache)  # (P, 3) covered pixels only
    if lights is None:
        rgb = albedo
    else:
        if not isinstance(lights, Lights):
            raise TypeError(f"lights: expected aswb.render.Lights, got {_describe(lights)}")

        def lighting():
            L = lights.expand(B).to(albedo.device)
            n = _cached(cache, "normals", lambda: _normals(mesh, cov, cameras, smooth))  # (P, 3)
            cos = (n * L.direction[cov.view]).sum(-1, keepdim=True).clamp_min(0)  # (P, 1)
            return L.ambient[cov.view] + (L.intensity[:, None] * L.color)[cov.view] * cos

        grad = any(t.requires_grad for t in (lights.ambient, lights.direction, lights.intensity, lights.color))
        if cache is None or grad:
            light = lighting()
        else:  # constant lights: one lighting term per Lights object
            if cache.get("lights") is not lights:
                cache["lights"], cache["light"] = lights, lighting()
            light = cache["light"]
        rgb = (albedo * light).clamp(0, 1)
    rgb = cov.unpack(rgb)  # (B, Hs, Ws, 3) premultiplied: 0 where nothing is visible
    alpha = frags.mask[..., None].to(rgb.dtype)  # (B, Hs, Ws, 1)
    if s > 1:
        pool = lambda x: F.avg_pool2d(x.permute(0, 3, 1, 2), s).permute(0, 2, 3, 1)  # noqa: E731
        rgb, alpha = pool(rgb), pool(alpha)
    return composite(rgb, alpha, background)


def expose(images: torch.Tensor, noise: torch.Tensor | None, target: float = 0.45) -> torch.Tensor:
    """A camera's response: add sensor ``noise``, then auto-expose dim frames (gain up to 8x so
    the mean brightness reaches ``target``; bright frames are left alone). Differentiable.

    Args:
        images: (B, H, W, 3) float in [0, 1].
        noise: same shape, or None / all zeros for a clean camera (then ``images`` is returned).
    Returns:
        (B, H, W, 3) float in [0, 1].
    """
    if noise is None or not bool(noise.any()):
        return images
    x = images + noise.to(images)
    gain = (target / x.clamp(0, 1).mean((1, 2, 3), keepdim=True).clamp_min(1e-3)).clamp(1, 8)
    return (x * gain).clamp(0, 1)
