# The course's commands. `make book` and `make test` are the two a newcomer needs;
# both set up everything first (idempotent: a second run installs nothing).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ASSETS := _build/assets
PIP_QUIET := --quiet --disable-pip-version-check
# Extra pip options, e.g. PIP_EXTRA="--extra-index-url https://download.pytorch.org/whl/cpu" where
# PyPI's torch would be a CUDA build.
PIP_EXTRA ?=

.PHONY: setup browser book slides test bench dist lab clean

setup: $(STAMP) $(ASSETS)/.staged

# Python environment: requirements.txt (torch pinned to the CPU wheel) plus `utils` in editable mode.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_QUIET) $(PIP_EXTRA) -r requirements.txt -e . 2>&1 | grep -v "^WARNING: Location"; test $${PIPESTATUS[0]} -eq 0
	@touch $@

# Front-end assets from the npm registry, pinned by package-lock.json; never committed.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The parts of those packages the built site serves (copied into _static by Sphinx).
$(ASSETS)/.staged: node_modules/.package-lock.json
	rm -rf $(ASSETS) && mkdir -p $(ASSETS)/mathjax/output/chtml/fonts $(ASSETS)/mathjax/input/tex
	cp node_modules/mathjax/es5/tex-chtml.js $(ASSETS)/mathjax/
	cp -r node_modules/mathjax/es5/output/chtml/fonts/woff-v2 $(ASSETS)/mathjax/output/chtml/fonts/
	cp -r node_modules/mathjax/es5/input/tex/extensions $(ASSETS)/mathjax/input/tex/
	@touch $@

# Debian's chromium for the browser tests (a test tool's own browser download fails offline).
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "Browser tests need Debian's chromium: sudo apt-get install chromium chromium-driver" >&2; exit 1; fi

# Execute every chapter and build the HTML book (warnings are errors), then the decks and notebooks.
book: setup
	$(PY) -m tools.build_book
	@echo "Open _build/html/index.html in a browser; each chapter's deck is in _build/html/slides/."

test: setup browser
	$(VENV)/bin/pytest -n 2 --dist loadfile

bench: setup
	$(PY) -m bench

# One reveal.js deck per chapter into _build/html/slides/ (`make book` writes them too).
slides: setup
	$(PY) -m tools.slides

dist: book
	$(PY) -m tools.dist

# JupyterLab opening the chapters' .md files as notebooks (jupytext), with RISE for live slides.
lab: setup
	$(PY) -m tools.lab
	$(VENV)/bin/jupyter lab notebooks/ $$([ "$$(id -u)" = 0 ] && echo --allow-root)

clean:
	rm -rf _build dist .pytest_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -not -path "./node_modules/*" -exec rm -rf {} +
