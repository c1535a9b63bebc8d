"""Cost of one 3D-texture optimisation step relative to the classifier alone.

For an object of a world (``--world toy``: a toy jeep at 64 px; ``--world real``: the real mug at
224 px with ImageNet EfficientNet-Lite), a batch of views at the world's resolution, this times in
one run, interleaved and repeated (so machine load affects all alike):

- ``classifier``: forward + backward of the classifier on a fixed batch of rendered images
  (gradient w.r.t. the input) — the floor any method pays;
- ``cached``: one full :func:`aswb.signals.assist_texture` step on a fixed bank (fragments
  rasterised once): shade + classify + backward + sign step + projection;
- ``fresh``: the same with new views, lights, backgrounds and camera noise every step
  (rasterised every step: expectation over transformation in 3D).

Targets: toy world cached <= 1.15x and fresh <= 1.5x the classifier time; real world cached
<= 1.10x and fresh <= 1.30x.

    python bench/loop.py [--arch resnet18] [--views 8] [--size 64] [--markdown docs/benchmarks.md]
    python bench/loop.py --world real [--arch efficientnet_lite0] [--views 8] [--steps 20] [--markdown docs/benchmarks.md]

Each timed run is --steps steps; assist_texture evaluates its last iterate once more, so short runs
charge that extra forward pass to every step (about 10 % of a cached real-world step at 5 steps).
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

from aswb import load_world, toyworld as tw
from aswb.models import Classifier
from aswb.signals import assist_texture

from _common import publish



def classifier(arch: str, size: int) -> Classifier:
    try:
        return tw.classifier(arch)
    except FileNotFoundError:  # timing only: random weights cost the same
        return Classifier(tw.build_net(arch), size, tw.MEAN, tw.STD, list(tw.CLASSES), f"toy-{arch}")


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


TARGETS = {"toy": (1.15, 1.5), "real": (1.10, 1.30)}


def measure(arch: str, views: int, size: int, steps: int, repeats: int, device: torch.device, world=None) -> dict:
    if world is None:  # the toy world at any size
        clf = classifier(arch, size).to(device)
        mesh = tw.mesh("jeep", 1).to(device)
        bank = tw.bank(mesh, views, "hard", seed=0, size=size)
        sampler = tw.sampler(mesh, views, ("easy", "hard"), seed=0, size=size)
    else:
        clf = world.classifiers[arch].to(device)
        mesh = world.mesh("mug").to(device)
        size = world.image_size
        bank = world.bank(mesh, views, "hard", seed=0)
        sampler = world.sampler(mesh, views, ("easy", "hard"), seed=0)
    _ = bank.scene.fragments  # rasterise once (the cached case reuses these)
    x = bank.images().contiguous()
    labels = torch.zeros(views, dtype=torch.int64, device=device)

    def clf_only():
        for _ in range(steps):
            xi = x.detach().requires_grad_()
            loss = torch.nn.functional.cross_entropy(clf(xi), labels)
            torch.autograd.grad(loss, xi)

    def cached():
        assist_texture(bank, clf, 0, kind="uv", steps=steps, alpha=2 / 255)

    def fresh():
        assist_texture(sampler, clf, 0, kind="uv", steps=steps, alpha=2 / 255)

    ops = {"classifier": clf_only, "cached": cached, "fresh": fresh}
    for f in ops.values():  # warm-up
        f()
    times = {k: [] for k in ops}
    for _ in range(repeats):
        for k, f in ops.items():
            sync(device)
            t = time.perf_counter()
            f()
            sync(device)
            times[k].append((time.perf_counter() - t) / steps)
    # assist_texture evaluates steps + 1 times (the last to report the final iterate)
    ratio = {k: statistics.median(a / c for a, c in zip(times[k], times["classifier"])) for k in ops}
    return {"world": "toy" if world is None else world.name, "arch": arch, "views": views, "size": size,
            "device": str(device),
            "median_s": {k: statistics.median(v) for k, v in times.items()}, "ratio": ratio}


def table(rows) -> str:
    out = ["| world | device | classifier | views x px | classifier s/step | cached × | fresh × | targets |",
           "|---|---|---|---|---:|---:|---:|---|"]
    for r in rows:
        ok = lambda v, t: "PASS" if v <= t else "MISS"  # noqa: E731
        tc, tf = TARGETS[r["world"]]
        out.append(f"| {r['world']} | {r['device']} | {r['arch']} | {r['views']} x {r['size']} | "
                   f"{r['median_s']['classifier']:.4f} | {r['ratio']['cached']:.2f} | {r['ratio']['fresh']:.2f} | "
                   f"cached ≤ {tc} {ok(r['ratio']['cached'], tc)}, fresh ≤ {tf} {ok(r['ratio']['fresh'], tf)} |")
    return "\n".join(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--world", default="toy", choices=["toy", "real"])
    p.add_argument("--arch", nargs="+", default=None,
                   help="default: the three toy classifiers, or efficientnet_lite0 in the real world")
    p.add_argument("--views", type=int, default=8)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--markdown", default=None, help="rewrite the tables between the markers in this file")
    a = p.parse_args(argv)
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    world = None if a.world == "toy" else load_world(a.world, archs=a.arch or ["efficientnet_lite0"])
    archs = a.arch or (["resnet18", "densenet121", "shufflenet_v2_x1_0"] if world is None else list(world.classifiers))
    load0 = os.getloadavg()[0]
    rows = [measure(arch, a.views, a.size, a.steps, a.repeats, d, world) for d in devices for arch in archs]
    publish("bench/loop.py" if world is None else f"bench/loop.py --world {a.world}",
            "The optimisation loop (bench/loop.py)" if world is None else f"The optimisation loop, {a.world} world",
            f"{a.repeats} repeats of {a.steps} steps after a warm-up", load0, table(rows), rows, a.markdown)


if __name__ == "__main__":
    main()
