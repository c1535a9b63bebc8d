"""Command line: ``python -m aswb <command> [options]`` (also installed as ``aswb``)."""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), run the chosen command, return its exit code."""
    parser = argparse.ArgumentParser(prog="aswb", description="Assistive Signals Workbench.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser("demo", help="render a toy-world object: views x lights x texture/vertex colours")
    demo.add_argument("--object", default="jeep", help="toy class to render (default: jeep)")
    demo.add_argument("--out", type=Path, default=Path("outputs"), help="output folder (default: outputs)")
    demo.add_argument("--size", type=_positive_int, default=160, help="image size in pixels (default: 160)")
    demo.add_argument("--views", type=_positive_int, default=8, help="orbit views (default: 8)")
    demo.add_argument("--readme-image", type=Path, default=None, metavar="PATH",
                      help="also save a one-row turntable strip to PATH")
    demo.set_defaults(run=_demo)
    args = parser.parse_args(argv)
    return args.run(args)


def _positive_int(s: str) -> int:
    try:
        n = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {s!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {n}")
    return n


def _demo(args: argparse.Namespace) -> int:
    from . import default_device
    from . import toyworld
    from .render import Lights, Scene, orbit
    from .viz import image_grid

    t = [time.perf_counter()]
    mesh = toyworld.mesh(args.object, seed=0)
    lights = {
        "warm key, upper left": Lights(ambient=0.35, direction=(-1.0, 1.2, 0.6), intensity=0.9,
                                       color=(1.0, 0.85, 0.65)),
        "dim cool, right": Lights(ambient=0.25, direction=(1.0, 0.2, 0.0), intensity=0.6,
                                  color=(0.6, 0.75, 1.0)),
    }
    azim = [360.0 * k / args.views for k in range(args.views)]
    scene = Scene(mesh, orbit(args.views, dist=2.6, elev=20.0, azim=azim, device=default_device()),
                  image_size=args.size, supersample=2)
    scene.fragments  # rasterise once; every render below re-shades the cached fragments
    t.append(time.perf_counter())
    lo, hi = mesh.verts.min(0).values, mesh.verts.max(0).values
    by_position = ((mesh.verts - lo) / (hi - lo)).to(scene.cameras.device)  # (V, 3) in [0, 1]
    imgs, labels = [], []
    for kind, colors in (("texture", {}), ("vertex", {"vertex_colors": by_position})):
        for name, light in lights.items():
            imgs.append(scene.render(lights=light, **colors))  # (views, H, W, 3)
            labels.append(f"{kind} / {name}")
    t.append(time.perf_counter())
    col_labels = [f"az {a:.0f}" for a in azim]
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "demo_render.png"
    image_grid(torch.cat(imgs), rows=len(imgs), row_labels=labels, col_labels=col_labels).save(path)
    print(f"wrote {path}")
    if args.readme_image is not None:
        args.readme_image.parent.mkdir(parents=True, exist_ok=True)
        image_grid(imgs[0], rows=1, col_labels=col_labels).save(args.readme_image)
        print(f"wrote {args.readme_image}")
    t.append(time.perf_counter())
    print(f"{mesh.num_faces} faces, {args.views} views at {args.size} px on {scene.cameras.device}: "
          f"mesh + rasterise {t[1] - t[0]:.2f} s, {len(imgs)} shading passes {t[2] - t[1]:.2f} s, "
          f"save {t[3] - t[2]:.2f} s")
    return 0
