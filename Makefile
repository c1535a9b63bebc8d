# Fresh machine: `make demo` or `make test` create .venv and install everything first.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# python3.11 when it runs, else python3
BOOT_PY := $(shell python3.11 -c '' >/dev/null 2>&1 && echo python3.11 || echo python3)

# nbval on the notebooks (+ notebooks/test_headlines.py); decimals are sanitised, see notebooks/README.md
NBVAL = $(PY) -m pytest --nbval --nbval-current-env --nbval-sanitize-with notebooks/nbval_sanitize.cfg notebooks/

.PHONY: demo test lab bench .venv

.venv: $(STAMP)

# (re)install only when pyproject.toml is newer than the stamp
$(STAMP): pyproject.toml
	test -x $(PY) || $(BOOT_PY) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e ".[dev]"
	$(PY) -m pip install --no-deps torchattacks==3.5.1
	touch $(STAMP)

# the main job on the toy world, then every notebook executed headless into outputs/notebooks
demo: $(STAMP)
	$(PY) -m aswb demo
	$(if $(wildcard notebooks/*.ipynb),$(PY) -m aswb notebooks --out outputs/notebooks)

# unit tests, then the notebooks twice: with this CPU's best kernels on all threads, and with
# the portable kernels on one thread (stored outputs must not depend on the CPU that runs them)
test: $(STAMP)
	$(PY) -m pytest
	$(if $(wildcard notebooks/*.ipynb),$(NBVAL))
	$(if $(wildcard notebooks/*.ipynb),ATEN_CPU_CAPABILITY=default OMP_NUM_THREADS=1 $(NBVAL))

lab: $(STAMP)
	cd notebooks && $(abspath $(PY)) -m jupyter lab

bench: $(STAMP)
	@set -e; for f in bench/*.py; do \
		[ -e "$$f" ] || continue; \
		echo "== $$f"; $(PY) "$$f"; \
	done
