"""The package's import graph, read from the sources with ``ast``: layers only point down, no
cycles, imports inside functions only for optional or heavy dependencies with a named reason,
and no behaviour chosen by a world's name."""
from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

#: bottom up; a module may import its own layer (without cycles) and the layers below it
LAYERS = [
    ["aswb._checks", "aswb._seed", "aswb._files", "aswb._progress", "aswb._version", "aswb.report"],
    ["aswb.render", "aswb.models"],
    ["aswb.views"],
    ["aswb.world", "aswb.evaluate", "aswb.signals", "aswb.attacks"],
    ["aswb.analysis"],
    ["aswb.viz"],
    ["aswb.widgets"],
    ["aswb.toyworld", "aswb.realworld"],
    ["aswb.experiment"],
    ["aswb.sweep"],
    ["aswb.cli", "aswb.__main__", "aswb"],
]

#: third-party modules a function may import, and why not at the top of its module
LAZY = {
    "kaolin": "optional CUDA rasteriser backend, absent on most machines",
    "ray": "optional extra for sweeps on a cluster",
    "nbformat": "notebook execution (`aswb notebooks`), a development extra",
    "nbclient": "notebook execution (`aswb notebooks`), a development extra",
    "nbconvert": "notebook execution (`aswb notebooks`), a development extra",
    "papermill": "notebook execution, a development extra",
    "playwright": "browser tests, a development extra",
    "tomli": "the TOML reader of Python < 3.11",
    "pybullet_data": "a missing package gets a message naming what to install",
    "efficientnet_lite_pytorch": "a missing package gets a message naming what to install",
    "xatlas": "native library, loaded on the first unwrap",
    "trimesh": "slow to import; mesh files only",
    "matplotlib": "slow to import; figures only",
    "ipywidgets": "notebook front end only",
}


def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for p in sorted((SRC / "aswb").rglob("*.py")):
        parts = list(p.relative_to(SRC).with_suffix("").parts)
        pkg = parts[-1] == "__init__"
        out[".".join(parts[:-1] if pkg else parts)] = (p, pkg)
    return out


MODULES = _modules()


def _targets(mod: str, pkg: bool, node) -> list[str]:
    """The aswb modules an import statement loads (the deepest module each name resolves to)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names if a.name.split(".")[0] == "aswb"]
    else:
        if node.level:
            base = mod.split(".") if pkg else mod.split(".")[:-1]
            base = base[:len(base) - node.level + 1]
            stem = ".".join(base + ([node.module] if node.module else []))
        else:
            stem = node.module or ""
        if stem.split(".")[0] != "aswb":
            return []
        names = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in MODULES else stem for a in node.names]
    out = []
    for n in names:
        while n not in MODULES:
            n = n.rsplit(".", 1)[0]
        out.append(n)
    return out


def _graph():
    """({module: {imported module}}, [(module, line, statement) imported inside a function])."""
    edges, inner = {}, []
    for mod, (path, pkg) in MODULES.items():
        tree = ast.parse(path.read_text(), str(path))
        in_function = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                       for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for t in _targets(mod, pkg, node):
                    if t != mod:
                        edges.setdefault(mod, set()).add(t)
                if id(node) in in_function:
                    inner.append((mod, node.lineno, node))
    return edges, inner


def _layer(mod: str) -> int:
    for i, group in enumerate(LAYERS):
        if any(mod == g or mod.startswith(g + ".") for g in group if g != "aswb") or mod == "aswb" and "aswb" in group:
            return i
    raise AssertionError(f"{mod} is in no layer of tests/test_layers.py: add it where it belongs")


def _cycles(edges) -> list[list[str]]:
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted({*edges, *(w for ws in edges.values() for w in ws)}):
        if v not in index:
            visit(v)
    return out


def test_the_import_graph_has_no_cycle():
    edges, _ = _graph()
    assert len(edges) > 40  # the graph was really read
    assert _cycles(edges) == []


def test_a_cycle_would_be_found():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_imports_a_layer_above_it():
    edges, _ = _graph()
    upward = sorted(f"{m} -> {t}" for m, ts in edges.items() for t in ts
                    if _layer(t) > _layer(m) and not (t == "aswb" and m.startswith("aswb.")))
    assert upward == []


def test_imports_inside_functions_only_for_named_reasons():
    _, inner = _graph()
    bad = []
    for mod, line, node in inner:
        if isinstance(node, ast.ImportFrom) and node.level:
            bad.append(f"{mod}:{line}: {ast.unparse(node)} (an aswb module belongs at the top)")
            continue
        names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
        for n in names:
            if n.split(".")[0] not in LAZY:
                bad.append(f"{mod}:{line}: {ast.unparse(node)} (no named reason: put it at the top, or add the "
                           f"module to LAZY with its reason)")
    assert bad == []


def test_no_code_compares_a_world_name():
    pattern = re.compile(r"""(world|args)\.(name|world)\s*[!=]=|[!=]=\s*(world|args)\.(name|world)""")
    hits = [f"{p.relative_to(SRC)}:{i}: {line.strip()}" for p, _ in MODULES.values()
            for i, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert hits == []


def test_no_module_is_much_over_400_lines():
    long = {str(p.relative_to(SRC)): n for p, _ in MODULES.values() if (n := len(p.read_text().splitlines())) > 420}
    assert long == {}
