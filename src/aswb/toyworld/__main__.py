"""``python -m aswb.toyworld train --arch resnet18 [--defense pgd]`` / ``card`` (writes docs/toyworld.md)."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from .card import write_card
from .classifiers import checkpoint_path, classifier
from .defenses import DEFENSES, SETTINGS
from .train import ARCHS, EPOCHS, FINETUNE_EPOCHS, FINETUNE_LR, save_classifier, train


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m aswb.toyworld", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train a toy classifier and save it to data/toyworld/")
    t.add_argument("--arch", choices=ARCHS, required=True)
    t.add_argument("--defense", choices=DEFENSES, default="none",
                   help="training regime; a hardened regime fine-tunes the shipped standard model (default: none, "
                        "from scratch)")
    t.add_argument("--epochs", type=int, default=None)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--out", default=None, help="checkpoint path (default: the shipped location)")
    c = sub.add_parser("card", help="evaluate the shipped classifiers and write the model card")
    c.add_argument("--out", default="docs/toyworld.md")
    c.add_argument("--views", type=int, default=8, help="views per held-out instance and condition")
    a = p.parse_args(argv)
    if a.cmd == "train":


        if a.defense == "none":
            clf, hist = train(a.arch, epochs=a.epochs or EPOCHS[a.arch], seed=a.seed)
            meta = {"seed": a.seed, "history": hist}
        else:
            init = classifier(a.arch)  # the standard model (FileNotFoundError says how to train it)
            clf, hist = train(a.arch, epochs=a.epochs or FINETUNE_EPOCHS, seed=a.seed, defense=a.defense, init=init,
                              lr=FINETUNE_LR)
            meta = {"seed": a.seed, "history": hist, "init": init.name, "lr": FINETUNE_LR,
                    "regime": asdict(SETTINGS[a.defense])}
        out = save_classifier(clf, a.out or checkpoint_path(a.arch, a.defense), meta=meta)
        print(json.dumps(hist[-1]), "->", out)
    else:

        print("wrote", write_card(a.out, views=a.views))
    return 0


if __name__ == "__main__":
    sys.exit(main())
