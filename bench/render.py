"""Rendering cost relative to a ResNet50 forward+backward, measured in one run.

Timings on shared machines are noisy (other load makes everything 3-9x slower), so only
ratios measured in the same run are meaningful. Every repeat runs all measured operations
back to back (A, B, C, R, A, B, C, R, ...) so that load changes hit them alike; a ratio is
the median over repeats of ``t_op / t_ref`` within one repeat, a time the median of the
repeats after warm-up.

(a) 20k-face textured sphere, 8 views at 224 px: ``rasterize``; ``shade`` forward+backward
    w.r.t. vertex colours (V, 3) and w.r.t. a (512, 512, 3) texture; ResNet50 (random
    weights, eval, frozen) forward+backward to its (8, 3, 224, 224) input. Renderer times
    are reported as multiples of the ResNet50 time and checked against TARGETS.
(b) ``rasterize`` scaling with face count (at 224 px) and resolution (at 20k faces),
    8 views each, as seconds and as multiples of the 20k-face / 224 px reference.

Runs on CPU and, when available, on CUDA too. Usage:
    python bench/render.py [--quick] [--repeats N] [--threads N] [--out docs/benchmarks_render.json]
                           [--markdown docs/benchmarks.md]
``--markdown`` replaces the tables between the BEGIN/END markers in that file with this run's.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import torch
import torchvision

from aswb import render as R

from _common import replace_block

TARGETS = {"rasterize": 0.25, "shade vertex colours": 0.10, "shade texture": 0.10}  # x ResNet50
FACES = {5_000: (51, 50), 20_000: (101, 100), 50_000: (126, 200), 100_000: (201, 250), 200_000: (251, 400)}  # 2 * sectors * (rings - 1)
SIZES = (64, 128, 224, 512)
VIEWS, SIZE, REF_FACES = 8, 224, 20_000


def machine() -> str:
    """CPU model, torch thread count and library versions, in one line."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {torch.get_num_threads()} torch threads, Python {platform.python_version()}, "
            f"torch {torch.__version__}, torchvision {torchvision.__version__}")


def interleaved(ops: dict, repeats: int, warmup: int, device: torch.device) -> dict[str, list[float]]:
    """Seconds per call of each zero-argument op: {name: [t_repeat0, ...]}, ops interleaved."""
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    times = {name: [] for name in ops}
    for rep in range(warmup + repeats):
        for name, op in ops.items():
            sync()
            t0 = time.perf_counter()
            op()
            sync()
            if rep >= warmup:
                times[name].append(time.perf_counter() - t0)
    return times


def summarise(times: dict[str, list[float]], ref: str) -> dict[str, dict[str, float]]:
    """{name: {"s": median seconds, "ratio": median of per-repeat t / t_ref, "times": [s, ...]}}."""
    return {name: {"s": statistics.median(t), "times": t,
                   "ratio": statistics.median(a / b for a, b in zip(t, times[ref]))}
            for name, t in times.items()}


def sphere(faces: int, device) -> R.Mesh:
    rings, sectors = FACES[faces]
    return R.primitives.uv_sphere(rings=rings, sectors=sectors, texture=R.primitives.checker(512)).to(device)


def bench_pipeline(device, repeats: int, warmup: int) -> dict:
    """(a): rasterise, shade (two ways) and ResNet50, each at 8 views x 224 px."""
    mesh, cams, lights = sphere(REF_FACES, device), R.orbit(VIEWS, dist=3, device=device), R.Lights()
    frags = R.rasterize(mesh, cams, SIZE)
    vc = torch.full((mesh.num_verts, 3), 0.5, device=device, requires_grad=True)  # (V, 3)
    tex = R.primitives.checker(512).to(device).requires_grad_()  # (512, 512, 3)
    net = torchvision.models.resnet50(weights=None).eval().requires_grad_(False).to(device)
    with torch.no_grad():
        x = R.shade(mesh, frags, cams, lights, texture=tex).permute(0, 3, 1, 2).contiguous()  # (B, 3, H, W)
    x.requires_grad_()

    def shade_grad(leaf, **colours):
        return lambda: torch.autograd.grad(R.shade(mesh, frags, cams, lights, **colours).sum(), leaf)

    ops = {"rasterize": lambda: R.rasterize(mesh, cams, SIZE),
           "shade vertex colours": shade_grad(vc, vertex_colors=vc),
           "shade texture": shade_grad(tex, texture=tex),
           "resnet50": lambda: torch.autograd.grad(net(x).sum(), x)}
    return summarise(interleaved(ops, repeats, warmup, device), ref="resnet50")


def bench_scaling(device, repeats: int, warmup: int, faces, sizes) -> dict:
    """(b): rasterise at each face count (224 px) and each size (20k faces); ratio to 20k / 224 px."""
    cams = R.orbit(VIEWS, dist=3, device=device)
    meshes = {n: sphere(n, device) for n in sorted(set(faces) | {REF_FACES})}
    ops = {(n, SIZE): (lambda m=meshes[n]: R.rasterize(m, cams, SIZE)) for n in meshes}
    ops.update({(REF_FACES, s): (lambda s=s: R.rasterize(meshes[REF_FACES], cams, s)) for s in sizes})
    res = summarise(interleaved(ops, repeats, warmup, device), ref=(REF_FACES, SIZE))
    return {"faces": {n: res[(n, SIZE)] for n in sorted(set(faces) | {REF_FACES})},
            "size": {s: res[(REF_FACES, s)] for s in sorted(set(sizes) | {SIZE})}}


def markdown(dev: str, res: dict) -> str:
    """Markdown tables for one device's results."""
    a, b = res["pipeline"], res["scaling"]
    lines = [f"**{dev}** ({VIEWS} views, {SIZE} px, {REF_FACES:,}-face sphere)", "",
             "| operation | median s | best s | × ResNet50 | target | |", "|---|---:|---:|---:|---:|---|"]
    for name, r in a.items():
        tgt = TARGETS.get(name)
        verdict = "" if tgt is None else ("PASS" if r["ratio"] <= tgt else "MISS")
        lines.append(f"| {name} | {r['s']:.3f} | {min(r['times']):.3f} | {r['ratio']:.3f} | {'' if tgt is None else f'≤ {tgt:.2f}'} | {verdict} |")
    lines += ["", f"`rasterize` vs face count ({SIZE} px) and resolution ({REF_FACES:,} faces), {VIEWS} views:", "",
              "| faces | rings × sectors | median s | best s | × ref |", "|---:|---|---:|---:|---:|"]
    for n, r in b["faces"].items():
        lines.append(f"| {n:,} | {FACES[n][0]} × {FACES[n][1]} | {r['s']:.3f} | {min(r['times']):.3f} | {r['ratio']:.2f} |")
    lines += ["", "| size (px) | median s | best s | × ref |", "|---:|---:|---:|---:|"]
    lines += [f"| {s} | {r['s']:.3f} | {min(r['times']):.3f} | {r['ratio']:.2f} |" for s, r in b["size"].items()]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="2 repeats, 1 warm-up, reduced scaling table")
    p.add_argument("--repeats", type=int, help="measured repeats (default 5, --quick 2)")
    p.add_argument("--threads", type=int, help="torch.set_num_threads (default: leave torch's default)")
    p.add_argument("--markdown", metavar="FILE", help="replace this script's tables between their BEGIN/END markers in FILE")
    p.add_argument("--out", help="write the results as JSON to this path")
    args = p.parse_args()
    repeats, warmup = (2, 1) if args.quick else (5, 2)
    repeats = args.repeats or repeats
    if args.threads:
        torch.set_num_threads(args.threads)
    faces, sizes = ((5_000, 20_000, 50_000), (64, 224)) if args.quick else (tuple(FACES), SIZES)
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    info = {"machine": machine(), "repeats": repeats, "warmup": warmup, "results": {}}
    load0 = os.getloadavg()[0]
    header = f"Machine: {info['machine']}. {repeats} repeats after {warmup} warm-up(s)."
    print(header, end="\n\n")
    tables = [header]
    for device in devices:
        dev = "cpu" if device.type == "cpu" else f"cuda ({torch.cuda.get_device_name(device)})"
        res = {"pipeline": bench_pipeline(device, repeats, warmup),
               "scaling": bench_scaling(device, repeats, warmup, faces, sizes)}
        info["results"][dev] = res
        tables.append(markdown(dev, res))
        print(tables[-1], end="\n\n", flush=True)
    info["load"] = load0, os.getloadavg()[0]
    tables.append(f"1-min load average {info['load'][0]:.1f} at the start, {info['load'][1]:.1f} at the end "
                  f"({os.cpu_count()} CPUs; above that, other processes compete for them).")
    print(tables[-1])
    if args.markdown:
        replace_block(args.markdown, "bench/render.py", "\n\n".join(tables), "Rendering (bench/render.py)")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(info, f, indent=2, default=str)


if __name__ == "__main__":
    main()
