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

.PHONY: setup lock browser book slides test test-versions bench dist lab clean

setup: $(STAMP) $(ASSETS)/.staged

# Python environment: requirements.lock (every package pinned and hashed, compiled from
# requirements.txt by `make lock`; torch is the CPU wheel) plus `utils` in editable mode.
$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_QUIET) $(PIP_EXTRA) --require-hashes -r requirements.lock 2>&1 | grep -v "^WARNING: Location"; test $${PIPESTATUS[0]} -eq 0
	$(PY) -m pip install $(PIP_QUIET) --no-deps -e . 2>&1 | grep -v "^WARNING: Location"; test $${PIPESTATUS[0]} -eq 0
	@touch $@

# Recompile requirements.lock after editing requirements.txt (pins already in the lock are kept
# where they still fit; LOCK_ARGS=--upgrade moves every package to its newest allowed version).
# pip-tools runs from its own venv, so the course's .venv is not changed by it.
LOCK_TOOLS := _build/lock-tools
LOCK_ARGS ?=
lock:
	@test -x $(LOCK_TOOLS)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_TOOLS) && $(LOCK_TOOLS)/bin/pip install $(PIP_QUIET) pip-tools==7.6.2; }
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_TOOLS)/bin/pip-compile --quiet --generate-hashes --allow-unsafe \
	  --strip-extras --no-emit-index-url --no-emit-find-links $(PIP_EXTRA) $(LOCK_ARGS) -o requirements.lock requirements.txt

# Front-end assets from the npm registry, pinned by package-lock.json; never committed.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The parts of those packages the built site serves (copied into _static by Sphinx); the list
# of them is tools/assets.py, which the decks and the benchmark read too.
$(ASSETS)/.staged: node_modules/.package-lock.json tools/assets.py $(STAMP)
	$(PY) -m tools.assets $(ASSETS)
	@touch $@

# A Chromium for the browser tests (tests/test_browser.py finds it): Debian's chromium, installed
# here as root on Debian; else Google Chrome or Playwright's own (Ubuntu's chromium is a snap stub
# the tests cannot drive). With none the browser tests skip, saying how to get one.
PLAYWRIGHT_CHROMIUM := $(wildcard $(HOME)/.cache/ms-playwright/chromium-*/chrome-linux*/chrome)
browser:
	@if [ -x /usr/bin/chromium ] || command -v google-chrome >/dev/null || [ -n "$(PLAYWRIGHT_CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && grep -qx 'ID=debian' /etc/os-release; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "No Chromium found: the browser tests will skip. Install one: Debian: sudo apt-get install chromium; elsewhere: $(VENV)/bin/playwright install chromium" >&2; fi

# Execute every chapter and build the HTML book (warnings are errors), then the decks and notebooks.
book: setup
	$(PY) -m tools.build_book
	@echo "Open _build/html/index.html in a browser; each chapter's deck is in _build/html/slides/."

# Unit tests, every chapter (nbval, cell by cell, two at a time), the book, the browser tests. Each
# chapter is executed once: the book build takes the chapters' runs from the cache (conftest.py).
test: setup browser
	$(VENV)/bin/pytest -n 2 --dist loadfile

# Every downloaded chapter, run from an empty folder in clean student environments, on each end of
# the supported range as well as the lock's: the newest torch on Python 3.12 (Colab's Python) and the
# oldest supported torch (utils.torch_support.OLDEST_TORCH) on Python 3.13. Each must run top to
# bottom with nothing on stderr. Needs python3.12 and python3.13 on PATH (pyenv) and the package
# index (the CUDA builds of torch are large: about 3 GB each, downloaded once into pip's cache).
TORCH_NEWEST ?= 2.15.0
TORCH_OLDEST ?= 2.5.1
STUDENT_ENVS ?= lock 3.12/$(TORCH_NEWEST) 3.13/$(TORCH_OLDEST)
test-versions: setup
	COURSE_STUDENT_ENVS="$(STUDENT_ENVS)" $(VENV)/bin/pytest -p no:xdist tests/test_downloaded_notebooks.py

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
	PYTHONPATH=$(CURDIR) $(VENV)/bin/jupyter lab --ServerApp.contents_manager_class=tools.lab.ChapterContentsManager \
	  notebooks/ $$([ "$$(id -u)" = 0 ] && echo --allow-root)

clean:
	rm -rf _build dist .pytest_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -not -path "./node_modules/*" -exec rm -rf {} +
