"""Reproduce the paper's Table 1 and Table 2 on a world, with held-out numbers and controls.

``--world toy`` (default): every toy class, on a HELD-OUT instance (never trained on), judged by
the shipped toy classifiers. ``--world real``: the real objects (pybullet_data meshes with UV
atlases) judged by ImageNet EfficientNet-Lite0/1/2 at 224 px. For every object:
- a **3D patch**: UV texels of a compact patch covering ``--area`` of the surface (centred where
  the cameras see most), optimised through differentiable rendering over fresh easy + hard
  views and lights each step (Algorithm 1, unbounded inside the patch);
- a **2D patch** (Brown et al.'s EoT, the paper's baseline): optimised on 2D renders of the object
  under random placement/scale/rotation/brightness, then pasted into the same UV region;
- **controls** over the same region: white, black, mean colour, random noise, brightened x1.5;
- a **full texture** (unbounded: the paper's robust patterns) and the same controls over the whole texture.
All are evaluated on banks of views, lights, backgrounds and camera noise drawn with other seeds
than any used in optimisation (held-out views), by every shipped toy classifier.
Table 2: textures optimised against each classifier (and their ensemble), judged by each.

    python bench/paper.py [--model densenet121] [--quick]   -> docs/results.md, outputs/paper/
    python bench/paper.py --world real                       -> docs/results_real.md, outputs/paper_real/
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
import torch

from aswb import evaluate, load_world
from aswb._files import write_file
from aswb.experiment import EVAL_CONDITIONS, run_object, save_run

#: per world: source model, steps, fresh views per step, held-out views per condition, output, doc
DEFAULTS = {"toy": dict(model="densenet121", steps=120, views=8, eval_views=32, out="outputs/paper",
                        doc="docs/results.md", transfer_objects=4, train_conditions=("easy", "hard")),
            "real": dict(model="efficientnet_lite0", steps=300, views=8, eval_views=12, out="outputs/paper_real",
                         doc="docs/results_real.md", transfer_objects=2,
                         train_conditions=("easy", "hard_view", "hard_light", "hard"))}
HARD = ("hard_view", "hard_light", "hard")

def fmt(x, digits=2):
    return x.round(digits).to_markdown()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--world", default="toy", choices=sorted(DEFAULTS))
    p.add_argument("--model", default=None, help="the source classifier (default: densenet121 / efficientnet_lite0)")
    p.add_argument("--objects", nargs="+", default=None, help="default: every object of the world")
    p.add_argument("--transfer-objects", type=int, default=None, help="objects in the transfer study (Table 2)")
    p.add_argument("--area", type=float, default=0.10)
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--alpha", type=float, default=8 / 255)
    p.add_argument("--views", type=int, default=None, help="fresh views per step")
    p.add_argument("--train-conditions", nargs="+", default=None, choices=EVAL_CONDITIONS,
                   help="conditions the signals are optimised over (toy: easy hard; real: all four)")
    p.add_argument("--eval-views", type=int, default=None, help="held-out views per condition")
    p.add_argument("--out", default=None)
    p.add_argument("--doc", default=None)
    p.add_argument("--quick", action="store_true", help="2 objects, 20 steps: a smoke run")
    p.add_argument("--from-csv", action="store_true",
                   help="only rewrite the doc from OUT/confidence.csv and OUT/runs.csv of an earlier run")
    p.add_argument("--merge", nargs="+", default=[], metavar="DIR",
                   help="with --from-csv: also the objects of these earlier runs' folders (same settings), for "
                        "objects OUT lacks")
    a = p.parse_args(argv)
    for k, v in DEFAULTS[a.world].items():
        if getattr(a, k) is None:
            setattr(a, k, v)
    torch.manual_seed(0)
    world = load_world(a.world)
    if not a.objects:  # the real world also holds the toy objects: its study is on the real ones
        from aswb.realworld import OBJECTS

        a.objects = list(OBJECTS) if a.world == "real" else list(world.objects)
    if a.quick:
        a.objects, a.steps, a.eval_views, a.transfer_objects = a.objects[:2], 20, 8, 1
    out = Path(a.out)
    writer = write_doc if a.world == "toy" else write_doc_real
    if a.from_csv:
        df, info = pd.read_csv(out / "confidence.csv"), pd.read_csv(out / "runs.csv")
        for d in map(Path, a.merge):
            more, more_info = pd.read_csv(d / "confidence.csv"), pd.read_csv(d / "runs.csv")
            new = sorted(set(more.object) - set(df.object))
            df = pd.concat([df, more[more.object.isin(new)]], ignore_index=True)
            info = pd.concat([info, more_info[more_info.object.isin(new)].assign(merged_from=str(d))], ignore_index=True)
        df = df[df.object.isin(a.objects)]
        info = info[info.object.isin(a.objects)]
        writer(df, info, a, None)
        return
    kw = dict(area=a.area, steps=a.steps, alpha=a.alpha, views=a.views, eval_views=a.eval_views,
              train_conditions=tuple(a.train_conditions))
    t0 = time.perf_counter()
    frames, info = [], []
    jobs = [(name, a.model) for name in a.objects]
    jobs += [(name, s) for name in a.objects[: a.transfer_objects] for s in (*world.classifiers, "ensemble") if s != a.model]
    for name, source in jobs:
        run = run_object(world, name, source, baselines=source == a.model, **kw)
        save_run(run, out / name / source)
        frames.append(run.frame)
        info.append({"object": name, "source": source, "patch_area": run.patch_area, "optimise_s": run.seconds})
        print(f"{name} <- {source}: {run.seconds:.0f} s", flush=True)
        # after every job: an interrupted run keeps what it measured (--from-csv writes the doc from it)
        write_file(out / "confidence.csv", pd.concat(frames, ignore_index=True).to_csv(index=False))
        write_file(out / "runs.csv", pd.DataFrame(info).to_csv(index=False))
    df = pd.concat(frames, ignore_index=True)
    writer(df, pd.DataFrame(info), a, time.perf_counter() - t0)


def write_doc(df: pd.DataFrame, info: pd.DataFrame, a, seconds: float) -> None:
    from aswb.toyworld import HELDOUT_SEEDS

    main_df = df[(df.source == a.model) & (df.model == a.model)]
    summ = evaluate.summary(main_df, by=("object", "condition"))
    summ = summ[summ.variant != "original"]
    hard = summ[summ.condition == "hard_view"].pivot(index="object", columns="variant", values="Δp_true")
    order = ["3d_patch", "2d_patch", *[c for c in hard.columns if c.startswith("patch_")], "full_texture",
             *[c for c in hard.columns if c.startswith("full_") and c != "full_texture"]]
    hard = hard[[c for c in order if c in hard.columns]]
    base = main_df[main_df.variant == "original"].groupby(["object", "condition"]).p_true.mean().unstack()
    # targets
    patch_ctrl = [c for c in hard.columns if c.startswith("patch_")] + ["2d_patch"]
    full_ctrl = [c for c in hard.columns if c.startswith("full_") and c != "full_texture"]
    t_patch = (hard["3d_patch"] >= 0.15) & (hard["3d_patch"] > hard[patch_ctrl].max(axis=1))
    t_full = hard["full_texture"] >= hard[full_ctrl].max(axis=1) + 0.10
    # Table 1 (paper layout): 3 held-out views of the "hard" bank, each under its own light
    t1 = main_df[(main_df.condition == "hard") & (main_df.view < 3)]
    table1 = evaluate.paper_table1(t1)
    ci = summ[(summ.condition == "hard_view") & summ.variant.isin(["3d_patch", "2d_patch", "full_texture"])]
    ci = ci[["object", "variant", "p_true", "Δp_true", "ci_lo", "ci_hi", "acc", "Δacc", "wrong→right", "right→wrong"]]
    # Table 2: transfer
    tr = df[df.object.isin(df[df.source != a.model].object.unique())].copy()
    tables2 = {}
    for v, title in (("full_texture", "full textures"), ("3d_patch", "masked textures (3D patches)")):
        d = tr[tr.variant.isin(["original", v]) & (tr.condition == "hard_view")]
        tables2[title] = evaluate.transfer_matrix(d)
    lines = [
        "# Results on the toy world",
        "",
        f"Generated by `python bench/paper.py --model {a.model}` in {seconds / 60:.0f} min on 2 CPU cores (do not edit by hand).",
        f"Held-out instances (seed {HELDOUT_SEEDS[0]}), {a.eval_views} held-out views per condition, "
        f"signals optimised with {a.steps} signed-gradient steps (α = {a.alpha:.4f}) over {a.views} fresh easy + hard "
        f"views per step; 3D patches cover {info.patch_area.mean():.3f} of the surface on average (target {a.area}).",
        "Δp_true is the mean change of the true-class probability over the original object on the same views; "
        "brackets are bootstrap 95 % intervals over views.",
        "",
        f"## Targets ({a.model}, hard views)",
        "",
        f"- 3D patch raises mean p_true by ≥ 0.15 and beats the 2D patch and every same-area control: "
        f"**{int(t_patch.sum())}/{len(t_patch)} objects** ({', '.join(t_patch[~t_patch].index) or 'all met'}{' missed' if (~t_patch).any() else ''}).",
        f"- Full unbounded texture beats every control by ≥ 0.10: **{int(t_full.sum())}/{len(t_full)} objects** "
        f"({', '.join(t_full[~t_full].index) or 'all met'}{' missed' if (~t_full).any() else ''}).",
        "",
        "## Mean p_true of the original objects per condition",
        "",
        fmt(base[[c for c in EVAL_CONDITIONS if c in base.columns]]),
        "",
        "## Δp_true on held-out hard views: signals vs controls",
        "",
        "`patch_*` controls paint the 3D patch's region; `full_*` controls paint the whole texture.",
        "",
        fmt(hard),
        "",
        "## Paired statistics on hard views",
        "",
        ci.round(3).to_markdown(index=False),
        "",
        "## Table 1 (paper layout): true-class confidence on three held-out hard views, each under its own light",
        "",
        "`x`: the classifier predicts another class.",
        "",
        table1.to_markdown(),
        "",
        "## Table 2: transferability (Δp_true on hard views; rows: the classifier the texture was optimised for)",
        "",
    ]
    for title, t in tables2.items():
        lines += [f"### {title}", "", fmt(t), ""]
    summ_all = evaluate.summary(main_df, by=("condition",))
    lines += ["## All conditions (mean over objects)", "",
              summ_all.pivot(index="variant", columns="condition", values="Δp_true").round(3).to_markdown(), ""]
    Path(a.doc).parent.mkdir(parents=True, exist_ok=True)
    Path(a.doc).write_text("\n".join(lines))
    print("\n".join(lines))


def _timing(info: pd.DataFrame, a) -> str:
    """What each object's optimisation took, and which objects came from other runs' folders."""
    own = info[info.source == a.model]
    text = ("Optimising the three signals took " + ", ".join(f"{r.object} {r.optimise_s / 60:.0f} min"
                                                             for r in own.itertuples())
            + " of wall-clock time on a 2-core CPU that other jobs shared (runs.csv).")
    if "merged_from" in info and info.merged_from.notna().any():
        m = info[info.merged_from.notna()]
        text += (" " + ", ".join(sorted(set(m.object))) + " came from other runs at the same settings ("
                 + ", ".join(sorted(set(m.merged_from))) + ").")
    return text


def write_doc_real(df: pd.DataFrame, info: pd.DataFrame, a, seconds: float) -> None:
    """docs/results_real.md: the issue's targets on the real world, pooled over the hard conditions."""
    main_df = df[(df.source == a.model) & (df.model == a.model)]
    hard = main_df[main_df.condition.isin(HARD)]
    s = evaluate.summary(hard, by=("object",)).set_index(["object", "variant"])
    dp, acc, lo = s["Δp_true"].unstack(), s["acc"].unstack(), s["ci_lo"].unstack()
    patch_ctrl = [c for c in dp.columns if c.startswith("patch_")]
    full_ctrl = [c for c in dp.columns if c.startswith("full_") and c != "full_texture"]
    # full textures: accuracy gain on the objects the source gets right on <= 60 % of hard views
    weak = acc.index[acc["original"] <= 0.6]
    gain = float((acc.loc[weak, "full_texture"] - acc.loc[weak, "original"]).mean()) if len(weak) else float("nan")
    beats_full = bool(len(weak)) and all(dp.loc[o, "full_texture"] > dp.loc[o, full_ctrl].max() for o in weak)
    t_patch = (dp["3d_patch"] >= 0.10) & (dp["3d_patch"] > dp[["2d_patch", *patch_ctrl]].max(axis=1)) & (lo["3d_patch"] > 0)
    # Table 2 on hard views: full textures made for each source, judged by each classifier
    # the objects optimised for other sources too; without them (an interrupted run) the source's own row on all
    transfer_objects = df[df.source != a.model].object.unique()
    tr = df[(df.object.isin(transfer_objects) if len(transfer_objects) else df.source == a.model)
            & df.condition.isin(HARD)]
    t2 = {v: evaluate.transfer_matrix(tr[tr.variant.isin(["original", v])]) for v in ("full_texture", "3d_patch")}
    lite2 = t2["full_texture"].loc[a.model].get("efficientnet_lite2", float("nan"))
    t1 = main_df[(main_df.condition == "hard") & (main_df.view < 3)]
    base = main_df[main_df.variant == "original"].groupby(["object", "condition"]).p_true.mean().unstack()
    cols = ["3d_patch", "2d_patch", *patch_ctrl, "full_texture", *full_ctrl]
    ci = s.loc[(slice(None), ["3d_patch", "2d_patch", "full_texture"]), :].reset_index()
    lines = [
        "# Results on the real world",
        "",
        "Generated by `python bench/paper.py --world real` "
        + (f"in {seconds / 60:.0f} min on 2 CPU cores" if seconds else "(rewritten from the run's saved frames, --from-csv)")
        + " (do not edit by hand). Real meshes from `pybullet_data` with UV atlases, judged by ImageNet EfficientNet-Lite0/1/2 at 224 px; "
        f"signals optimised for {a.model} with {a.steps} signed-gradient steps (α = {a.alpha:.4f}) over {a.views} fresh "
        f"views per step drawn from {' + '.join(a.train_conditions)}; {a.eval_views} held-out views per condition "
        f"(other seeds than any used in "
        f"optimisation). 3D patches cover {info.patch_area.mean():.3f} of the surface on average (target {a.area}). "
        "Hard = hard_view + hard_light + hard, pooled; Δ = paired change over the original on the same views, "
        "brackets bootstrap 95 % intervals over views.",
        "",
        f"## Targets ({a.model}, held-out hard views)",
        "",
        f"- Full unbounded textures raise mean accuracy over the objects with original accuracy ≤ 0.6 "
        f"({', '.join(weak) or 'none'}) by ≥ 0.40: **{gain:+.2f}** "
        f"({'met' if gain >= 0.40 else 'missed'}); they beat every full-surface control on each: "
        f"**{'yes' if beats_full else 'no'}**.",
        f"- A {a.area:.0%} 3D patch raises p_true by ≥ 0.10, beating the 2D patch and every same-area control, with "
        f"an interval above 0: **{int(t_patch.sum())}/{len(t_patch)} objects** "
        f"({'met' if t_patch.sum() >= len(t_patch) / 2 else 'missed'}; target: at least half).",
        f"- Full textures made for {a.model} change efficientnet_lite2's p_true by **{lite2:+.3f}** (transfer).",
        "",
        "## Mean p_true of the original objects per condition",
        "",
        fmt(base[[c for c in EVAL_CONDITIONS if c in base.columns]]),
        "",
        "## Accuracy on held-out hard views",
        "",
        fmt(acc[["original", *cols]]),
        "",
        "## Δp_true on held-out hard views: signals vs controls",
        "",
        "`patch_*` controls paint the 3D patch's region; `full_*` controls paint the whole texture.",
        "",
        fmt(dp[cols]),
        "",
        "## Paired statistics on hard views",
        "",
        ci[["object", "variant", "p_true", "Δp_true", "ci_lo", "ci_hi", "acc", "Δacc", "wrong→right",
            "right→wrong"]].round(3).to_markdown(index=False),
        "",
        "## Table 1 (paper layout): true-class confidence on three held-out hard views, each under its own light",
        "",
        "`x`: the classifier predicts another class.",
        "",
        evaluate.paper_table1(t1).to_markdown(),
        "",
        "## Table 2: transferability (Δp_true on hard views; rows: the classifier the signal was optimised for)",
        "",
    ]
    for v, t in t2.items():
        lines += [f"### {v}", "", fmt(t, 3), ""]
    easy = main_df[(main_df.condition == "easy") & (main_df.variant == "original")].p_true.mean()
    hard0 = hard[hard.variant == "original"].p_true.mean()
    best = dp["full_texture"].idxmax()
    lines += [
        "## Reading",
        "",
        f"On held-out hard views {a.model} recognises few of the original objects (mean p_true {hard0:.3f}, against "
        f"{easy:.3f} on easy views). With {a.steps} signed-gradient steps over {a.views} fresh views each, full textures "
        f"change p_true on hard views by {dp['full_texture'].mean():+.3f} on average (largest: {best} "
        f"{dp.loc[best, 'full_texture']:+.3f}), 3D patches by {dp['3d_patch'].mean():+.3f} and 2D patches by "
        f"{dp['2d_patch'].mean():+.3f}; the targets above are reported as they came out. At 224 px each step shows the "
        "optimisation a few views of a 256x256 atlas, so most texels receive a gradient in only a few of the steps. "
        + ("Longer optimisation over more views, drawn from every condition the signals are judged on (the defaults: "
           "300 steps of 8 views over all four conditions), is the first thing to try." if a.steps < 300
           else _timing(info, a))
        + ("" if (df.source != a.model).any() else
           f" Table 2 holds only {a.model}'s own row: the other sources' jobs (--transfer-objects) were not run."),
        "",
    ]
    Path(a.doc).parent.mkdir(parents=True, exist_ok=True)
    Path(a.doc).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
