"""Shared by the bench scripts: the machine line over a table, and putting a run's tables into
docs/benchmarks.md between markers."""
from __future__ import annotations

import json
import os
import platform
import re
from pathlib import Path

import torch


def machine_line(method: str, load0: float) -> str:
    """One line under which a run's figures are read: CPU, torch threads and version, how they
    were measured (``method``), and the 1-min load average at the start (``load0``) and now."""
    return (f"Machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, "
            f"torch {torch.__version__}; {method}; 1-min load {load0:.1f} at the start, "
            f"{os.getloadavg()[0]:.1f} at the end.")


def replace_block(path, name: str, body: str, heading: str) -> None:
    """Replace the text between ``<!-- {name} tables: BEGIN -->`` and ``... END -->`` in the
    markdown file ``path`` with ``body``; a file without the markers gets them appended under
    ``## {heading}``. Missing files are an error (the benchmarks page is part of the repository)."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"--markdown: {p} does not exist")
    begin, end = f"<!-- {name} tables: BEGIN -->", f"<!-- {name} tables: END -->"
    block = f"{begin}\n\n{body}\n\n{end}"
    text = p.read_text()
    if begin in text and end in text:
        text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + f"\n\n## {heading}\n\n{block}\n"
    p.write_text(text)


def publish(name: str, heading: str, method: str, load0: float, table: str, data, markdown=None) -> None:
    """Print a run's machine line, table and raw ``data`` (JSON); with ``markdown``, also put the
    line and table into that file (see :func:`replace_block`)."""
    md = machine_line(method, load0) + "\n\n" + table
    print(md)
    print(json.dumps(data, indent=1, default=str))
    if markdown:
        replace_block(markdown, name, md, heading)
