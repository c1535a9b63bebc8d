"""An 8-cell sweep on 2 Ray workers vs the same sweep in one sequential process.

Toy world, full UV textures (``--steps`` steps over fresh views, judged on held-out views), 2
objects x 4 seeds = 8 cells; every cell runs with one torch thread wherever it runs. In one run,
alternating, each repeat times the sequential sweep (``executor="local"``, one process) into a
fresh folder and the Ray sweep (``executor="ray"`` on a local cluster of 2 CPUs started once
before timing; its start-up is reported apart) into another. Target: Ray >= 1.6x faster.

    python bench/sweep.py [--steps 40] [--repeats 2] [--markdown docs/benchmarks.md]
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from aswb import sweep as sw

from _common import publish

TARGET = 1.6


def spec(steps: int) -> dict:
    return {"world": "toy", "objects": ["jeep", "streetcar"], "classifiers": ["resnet18"], "seeds": [0, 1, 2, 3],
            "signals": {"texture": {"steps": [steps], "views": [4], "eval_views": [8]}}}


def main(argv=None):
    import ray

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--markdown", default=None)
    a = p.parse_args(argv)
    s = spec(a.steps)
    load0 = os.getloadavg()[0]
    t = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    start = time.perf_counter() - t
    seq, par = [], []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sw.sweep(s, Path(tmp) / "warm", executor="ray", progress=False)  # workers import torch once
            for r in range(a.repeats):
                t = time.perf_counter()
                local = sw.sweep(s, Path(tmp) / f"seq{r}", progress=False)
                seq.append(time.perf_counter() - t)
                t = time.perf_counter()
                remote = sw.sweep(s, Path(tmp) / f"ray{r}", executor="ray", progress=False)
                par.append(time.perf_counter() - t)
                assert local.equals(remote), "the two executors disagree"
    finally:
        ray.shutdown()
    ratio = statistics.median(q / r for q, r in zip(seq, par))
    table = "\n".join([
        "| cells | sequential s | Ray, 2 workers s | speed-up | target | Ray start-up s |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| 8 | {statistics.median(seq):.1f} | {statistics.median(par):.1f} | {ratio:.2f}x | "
        f"≥ {TARGET}x {'PASS' if ratio >= TARGET else 'MISS'} | {start:.1f} |"])
    publish("bench/sweep.py", "Sweeps (bench/sweep.py)",
            f"median of {a.repeats} alternating repeats, 8 texture cells of {a.steps} steps, one torch thread per cell",
            load0, table, {"sequential_s": seq, "ray_s": par, "ray_start_s": start, "speedup": ratio}, a.markdown)


if __name__ == "__main__":
    main()
