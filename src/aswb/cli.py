"""Command line: ``python -m aswb <command> [options]`` (also installed as ``aswb``).

Every error the user can fix (a bad argument, a missing or unwritable path, a malformed SPEC) is
one line on stderr, ``aswb <command>: <what was expected and what arrived>``, and exit code 2;
``aswb --debug <command> ...`` shows the traceback instead.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import torch

from . import evaluate
from ._files import write_file
from ._progress import show_progress
from ._seed import default_device
from .experiment import run_object, save_run
from .models import predict
from .render import Lights, Scene, orbit
from .report import headlines, store_reference
from .sweep import load_spec, status, sweep
from .viz import image_grid
from .world import WORLDS, NotLoadedError, load_world

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), run the chosen command, return its exit code."""
    parser = argparse.ArgumentParser(prog="aswb", description="Assistive Signals Workbench.")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error, not one line")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser("demo", help="the main job: make an object easier to recognise (renders, signals, "
                                       "controls, held-out views)")
    demo.add_argument("--world", default="real", choices=sorted(WORLDS), help="world to run in: real (default: EfficientNet-Lite on "
                                                      "real meshes, 224 px) or toy (64 px, fast)")
    demo.add_argument("--object", default=None, help="object of the world (default: mug in the real world, "
                                                     "jeep in the toy world)")
    demo.add_argument("--out", type=Path, default=Path("outputs"), help="output folder (default: outputs)")
    demo.add_argument("--size", type=_positive_int, default=160, help="image size in pixels (default: 160)")
    demo.add_argument("--views", type=_positive_int, default=8, help="orbit views (default: 8)")
    demo.add_argument("--readme-image", type=Path, default=None, metavar="PATH",
                      help="also save a one-row turntable strip to PATH")
    demo.add_argument("--arch", default=None, help="classifier the signals are optimised for (default: "
                                                   "efficientnet_lite0, or resnet18 in the toy world)")
    demo.add_argument("--steps", type=_positive_int, default=None,
                      help="optimisation steps per signal (default: 40 in the real world, 60 in the toy world)")
    demo.add_argument("--views-per-step", type=_positive_int, default=None,
                      help="fresh views per optimisation step (default: 4 real, 8 toy)")
    demo.add_argument("--eval-views", type=_positive_int, default=None,
                      help="held-out views per condition (default: 12 real, 24 toy)")
    demo.add_argument("--render-only", action="store_true", help="only the render grid, no signals")
    demo.set_defaults(run=_demo)
    nb = sub.add_parser("notebooks", help="execute the notebooks headless into OUT (notebook + HTML) "
                                          "and print their headline results")
    nb.add_argument("paths", nargs="*", type=Path, help="notebooks (default: notebooks/*.ipynb)")
    nb.add_argument("--out", type=Path, default=Path("outputs/notebooks"))
    nb.add_argument("--timeout", type=_positive_int, default=900, help="seconds per cell")
    nb.add_argument("--inplace", action="store_true",
                    help="store the outputs back into each notebook (what `make test` compares with), "
                         "without execution timestamps; a notebook that fails is left as it was and its "
                         "executed copy goes to OUT")
    nb.add_argument("--store-headlines", type=Path, default=None, metavar="REFERENCE",
                    help="when every notebook passed, store their headline numbers as the reference values "
                         "in REFERENCE (e.g. notebooks/headlines.json; its tolerances and claims are kept)")
    nb.set_defaults(run=_notebooks)
    sw = sub.add_parser("sweep", help="run a resumable experiment grid from a TOML SPEC (locally or on Ray)")
    sw.add_argument("spec", type=Path, help="the SPEC (TOML: world, objects, classifiers, signals, seeds)")
    sw.add_argument("--out", type=Path, required=True, help="the sweep's folder (cells/, failed/, results.csv)")
    sw.add_argument("--executor", default="local", choices=("local", "ray"))
    sw.add_argument("--workers", type=_positive_int, default=1,
                    help="local processes, or CPUs of the local Ray cluster (default 1)")
    sw.add_argument("--address", default=None, help="a Ray cluster to join (default: start a local one)")
    sw.add_argument("--status", action="store_true", help="only say which cells are done, pending or failed")
    sw.set_defaults(run=_sweep)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except _USER_ERRORS as e:
        if args.debug:
            raise
        print(f"aswb {args.command}: {_one_line(e)}", file=sys.stderr)
        return 2


#: the documented errors of aswb's public functions (SpecError, MeshError, CatalogueError are ValueErrors;
#: WeightsNotFoundError, AssetsNotInstalledError FileNotFoundErrors; ImportErrors say what to pip install)
#: and of paths: one line, exit code 2
_USER_ERRORS = (ValueError, TypeError, OSError, NotLoadedError, ImportError)


def _one_line(e: BaseException) -> str:
    """An exception's message on one line (a KeyError's without the quotes str() adds)."""
    msg = e.args[0] if isinstance(e, KeyError) and len(e.args) == 1 and isinstance(e.args[0], str) else str(e)
    return " ".join(msg.split()) or type(e).__name__


def _writable_folder(path: Path, flag: str = "--out") -> Path:
    """``path`` as a folder that can be created (or exists) and written to; a ValueError naming
    ``flag`` for a file, a path under a file, or a folder without write permission."""
    if path.exists() and not path.is_dir():
        raise ValueError(f"{flag}: expected a folder, got {str(path)!r}, which is a file")
    parent = path
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ValueError(f"{flag}: expected a folder, got {str(path)!r}, which lies under the file {str(parent)!r}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"{flag}: the folder {str(parent)!r} is not writable (for {str(path)!r})")
    return path


def _positive_int(s: str) -> int:
    try:
        n = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {s!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {n}")
    return n


#: demo defaults per world: object, classifier, steps, fresh views per step, held-out views per condition
#: the conditions the demo's signals are optimised over (one fresh view of each per step at least)
_TRAIN = ("easy", "hard")
_DEMO = {"real": ("red_coffee_mug", "efficientnet_lite0", 40, 4, 12), "imagenet": ("red_coffee_mug", "resnet50", 40, 4, 12),
         "toy": ("jeep", "resnet18", 60, 8, 24)}


def _demo(args: argparse.Namespace) -> int:
    t = [time.perf_counter()]
    _writable_folder(args.out)
    world = load_world(args.world)
    args.loaded_world = world
    # a world registered by a user: its first object and classifier
    defaults = _DEMO.get(args.world, (world.objects[0], next(iter(world.classifiers)), 40, 4, 12))
    for k, v in zip(("object", "arch", "steps", "views_per_step", "eval_views"), defaults):
        if getattr(args, k) is None:
            setattr(args, k, v)
    if args.object not in world.objects:  # checked before anything is rendered
        raise ValueError(f"--object: expected an object of the {args.world} world {list(world.objects)}, "
                         f"got {args.object!r}")
    if args.arch not in world.classifiers:
        raise ValueError(f"--arch: expected a classifier of the {args.world} world {list(world.classifiers)}, "
                         f"got {args.arch!r}")
    if args.views_per_step < len(_TRAIN):
        raise ValueError(f"--views-per-step: expected at least {len(_TRAIN)} (one view of each training "
                         f"condition {_TRAIN} per step), got {args.views_per_step}")
    mesh = world.mesh(args.object)  # a held-out instance where the world has several
    lights = {
        "warm key, upper left": Lights(ambient=0.35, direction=(-1.0, 1.2, 0.6), intensity=0.9,
                                       color=(1.0, 0.85, 0.65)),
        "dim cool, right": Lights(ambient=0.25, direction=(1.0, 0.2, 0.0), intensity=0.6,
                                  color=(0.6, 0.75, 1.0)),
    }
    azim = [360.0 * k / args.views for k in range(args.views)]
    scene = Scene(mesh, orbit(args.views, dist=2.6, elev=20.0, azim=azim, device=default_device()),
                  image_size=args.size, supersample=2)
    _ = scene.fragments  # rasterise once; every render below re-shades the cached fragments
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
    return 0 if args.render_only else _signals(args)


def _signals(args: argparse.Namespace) -> int:
    """The main job: a 3D patch, a 2D patch, a full texture and controls on an object of the
    world (a held-out instance in the toy world), judged on held-out views by every classifier
    of the world."""
    t0 = time.perf_counter()
    world = args.loaded_world
    run = run_object(world, args.object, source=args.arch, steps=args.steps, views=args.views_per_step,
                     eval_views=args.eval_views, train_conditions=_TRAIN, progress=_progress())
    save_run(run, args.out / "signals")
    mine = run.frame[run.frame.model == args.arch]
    table = evaluate.condition_table(mine)
    full = evaluate.summary(run.frame)  # every classifier, signal and control
    write_file(args.out / "demo_summary.csv", full.to_csv(index=False))
    write_file(args.out / "demo_conditions.csv", table.to_csv(index=False))
    what = (f"a held-out {args.object}" if world.instance_seeds is not None
            else f"the {args.object} ({world.category(run.info['label'])})")
    print(f"\np({world.category(run.info['label'])}) of {what} by {args.arch} on {args.eval_views} held-out views per "
          f"condition (signals optimised for it over fresh easy + hard views, {args.steps} steps; 3D patch = "
          f"{run.patch_area:.1%} of the surface), each signal beside the best same-area control, 95 % bootstrap "
          f"intervals:\n{evaluate.format_condition_table(table)}")
    print(f"(every classifier, signal and control: {args.out / 'demo_summary.csv'})")
    clf = world.classifiers[args.arch]
    rows, labels = [], []
    easy = world.bank(run.info["mesh"], 3, "easy", seed=1, split="heldout")
    hard = world.bank(run.info["mesh"], 3, "hard_view", seed=1, split="heldout")
    for v in ("original", "3d_patch", "full_texture", "patch_white"):
        x = torch.cat([easy.images(run.colorings[v]), hard.images(run.colorings[v])])  # (6, 3, H, W)
        p = predict(clf, x)[:, run.info["label"]]
        rows.append(x.permute(0, 2, 3, 1))  # channels last for the picture
        labels.append(f"{v}: easy {p[:3].mean():.2f} / hard_view {p[3:].mean():.2f}")
    path = args.out / "demo_signals.png"
    image_grid(torch.cat(rows), rows=len(rows), row_labels=labels,
               col_labels=["easy"] * 3 + ["hard_view"] * 3).save(path)
    print(f"wrote {path} and {args.out / 'signals'} ({time.perf_counter() - t0:.0f} s)")
    return 0


def _notebooks(args: argparse.Namespace) -> int:
    """Execute notebooks in their own folder; save executed copies and HTML to ``args.out`` (or,
    with ``--inplace``, store the outputs back into the notebooks); print the headline table."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter


    paths = args.paths or sorted(Path("notebooks").glob("*.ipynb"))
    if not paths:
        raise FileNotFoundError("no notebooks found: expected notebooks/*.ipynb or notebook paths")
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"no such notebook: {', '.join(missing)}")
    _writable_folder(args.out)
    if args.store_headlines is not None and args.store_headlines.is_dir():
        raise ValueError(f"--store-headlines: expected a JSON file, got the folder {str(args.store_headlines)!r}")
    args.out.mkdir(parents=True, exist_ok=True)
    heads = (args.out / "headlines").resolve()
    for old in heads.glob("*.json"):  # a table of this run only, not of notebooks that failed now
        old.unlink()
    os.environ["ASWB_HEADLINES"] = str(heads)  # inherited by the kernels
    os.environ["ASWB_PROGRESS"] = "0"  # no progress bars in executed notebooks: deterministic outputs
    failed = []
    for p in paths:
        t = time.perf_counter()
        nb = nbformat.read(p, as_version=4)
        client = NotebookClient(nb, timeout=args.timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(p.parent)}})
        try:
            client.execute()
            status = "ok"
        except Exception as e:  # keep going: report every notebook, fail at the end
            status = f"FAILED: {type(e).__name__}"
            failed.append(p.name)
        if args.inplace and status == "ok":
            for cell in nb.cells:  # timestamps would make every run a change
                cell.metadata.pop("execution", None)
            nb.metadata.pop("widgets", None)  # saved widget views: large, and stale once a kernel runs
            write_file(p, nbformat.writes(nb) + "\n")  # atomic: an interrupted run keeps the stored outputs
        else:
            nbformat.write(nb, args.out / p.name)
            html, _ = HTMLExporter().from_notebook_node(nb)
            (args.out / p.with_suffix(".html").name).write_text(html)
        print(f"{p.name}: {status} in {time.perf_counter() - t:.0f} s", flush=True)
    table = headlines(heads)
    if len(table):
        print("\nHeadline results:\n" + table.pivot_table(index=["source", "metric"], values="value").to_string())
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
        return 1
    if args.store_headlines is not None:
        store_reference(heads, args.store_headlines)
        print(f"stored the headline numbers as references in {args.store_headlines}")
    return 0


def _progress() -> bool:
    """A command line shows its progress bars unless ``$ASWB_PROGRESS`` turns them off."""
    return show_progress(None) if os.environ.get("ASWB_PROGRESS") is not None else True


def _sweep(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)
    if args.out.exists() and not args.out.is_dir():
        raise ValueError(f"--out: expected a folder, got {str(args.out)!r}, which is a file")
    if args.status:
        st = status(spec, args.out)
        counts = st.state.value_counts()
        print(", ".join(f"{counts.get(k, 0)} {k}" for k in ("done", "pending", "failed")) + f" of {len(st)} cells"
              + (f" ({counts['damaged']} damaged: recomputed by the next run)" if counts.get("damaged", 0) else ""))
        for row in st[st.state.isin(("failed", "damaged"))].itertuples():
            why = (f"{row.reason} (see {args.out / 'failed' / (row.cell + '.txt')})" if row.state == "failed"
                   else f"{args.out / 'cells' / row.cell} has no valid metrics.json")
            print(f"{row.state} {row.cell}: {row.object} {row.classifier} {row.kind} seed {row.seed} {row.settings}: "
                  f"{why}")
        return 0
    _writable_folder(args.out)
    table = sweep(spec, args.out, executor=args.executor, workers=args.workers, address=args.address,
                  progress=_progress())
    st = status(spec, args.out)
    failed = int((st.state == "failed").sum())
    print(f"{len(table)} of {len(st)} cells done -> {args.out / 'results.csv'}"
          + (f"; {failed} failed (rerun to retry; --status lists them)" if failed else ""))
    return 1 if failed else 0
