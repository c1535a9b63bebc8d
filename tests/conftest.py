import sys
from pathlib import Path

# test helpers (e.g. tests/render/reference.py) are imported by module name
for sub in ("render", "signals"):
    sys.path.insert(0, str(Path(__file__).parent / sub))
