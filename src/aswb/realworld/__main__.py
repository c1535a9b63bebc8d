"""``python -m aswb.realworld card [--views N] [--out docs/catalogue.md]``: the catalogue card."""
from __future__ import annotations

import argparse

from .card import write_card


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m aswb.realworld", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("card", help="judge every catalogued object on held-out views; write the catalogue card")
    c.add_argument("--views", type=int, default=16, help="held-out views per object and condition (default 16)")
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--out", default="docs/catalogue.md")
    a = p.parse_args(argv)
    print(f"wrote {write_card(a.out, views=a.views, seed=a.seed, progress=True)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
