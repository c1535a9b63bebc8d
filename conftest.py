"""Loaded by every pytest run in this repository (tests/ and ``--nbval notebooks/``)."""
import os

# Optimisations draw no progress bars in test runs, nor in the notebook kernels nbval starts
# (they inherit this environment): stored notebook outputs stay deterministic.
os.environ["ASWB_PROGRESS"] = "0"
