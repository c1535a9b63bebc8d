"""Cost of one 3D-texture optimisation step relative to the classifier alone.

For a toy object, a batch of views at the toy classifiers' resolution, this times in one
run, interleaved and repeated (so machine load affects all alike):

- ``classifier``: forward + backward of the classifier on a fixed batch of rendered images
  (gradient w.r.t. the input) — the floor any method pays;
- ``cached``: one full :func:`aswb.signals.assist_texture` step on a fixed bank (fragments
  rasterised once): shade + classify + backward + sign step + projection;
- ``fresh``: the same with new views, lights, backgrounds and camera noise every step
  (rasterised every step: expectation over transformation in 3D).

Targets: cached <= 1.15x and fresh <= 1.5x the classifier time.

    python bench/loop.py [--arch resnet18] [--views 8] [--size 64] [--markdown docs/benchmarks.md]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

from aswb import toyworld as tw
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


def measure(arch: str, views: int, size: int, steps: int, repeats: int, device: torch.device) -> dict:
    clf = classifier(arch, size).to(device)
    mesh = tw.mesh("jeep", 1).to(device)
    bank = tw.bank(mesh, views, "hard", seed=0, size=size)
    _ = bank.scene.fragments  # rasterise once (the cached case reuses these)
    x = bank.render().permute(0, 3, 1, 2).contiguous()
    labels = torch.zeros(views, dtype=torch.int64, device=device)

    def clf_only():
        for _ in range(steps):
            xi = x.detach().requires_grad_()
            loss = torch.nn.functional.cross_entropy(clf(xi), labels)
            torch.autograd.grad(loss, xi)

    def cached():
        assist_texture(bank, clf, 0, kind="uv", steps=steps, alpha=2 / 255)

    sampler = tw.sampler(mesh, views, ("easy", "hard"), seed=0, size=size)

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
    return {"arch": arch, "views": views, "size": size, "device": str(device),
            "median_s": {k: statistics.median(v) for k, v in times.items()}, "ratio": ratio}


def table(rows) -> str:
    out = ["| device | classifier | views x px | classifier s/step | cached × | fresh × | targets |",
           "|---|---|---|---:|---:|---:|---|"]
    for r in rows:
        ok = lambda v, t: "PASS" if v <= t else "MISS"  # noqa: E731
        out.append(f"| {r['device']} | {r['arch']} | {r['views']} x {r['size']} | {r['median_s']['classifier']:.4f} | "
                   f"{r['ratio']['cached']:.2f} | {r['ratio']['fresh']:.2f} | cached ≤ 1.15 {ok(r['ratio']['cached'], 1.15)}, "
                   f"fresh ≤ 1.5 {ok(r['ratio']['fresh'], 1.5)} |")
    return "\n".join(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", nargs="+", default=["resnet18", "densenet121", "shufflenet_v2_x1_0"])
    p.add_argument("--views", type=int, default=8)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--markdown", default=None, help="rewrite the tables between the markers in this file")
    a = p.parse_args(argv)
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    load0 = os.getloadavg()[0]
    rows = [measure(arch, a.views, a.size, a.steps, a.repeats, d) for d in devices for arch in a.arch]
    publish("bench/loop.py", "The optimisation loop (bench/loop.py)",
            f"{a.repeats} repeats of {a.steps} steps after a warm-up", load0, table(rows), rows, a.markdown)


if __name__ == "__main__":
    main()
