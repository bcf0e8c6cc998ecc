# geo_clsm — `make run` serves the bundled layers, `make test` runs lint, types and tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast lint typecheck pytest bench bench-national load clean install install-serve chromium gdal pdflibs postgres wrk lock axe ohjs pa11y lighthouse

# The venv keeps the pip its Python ships (3.11's handles constraints and editable installs): upgrading
# it fetched and reinstalled pip on every fresh clone. pip does not byte-compile what it installs
# (--no-compile): Python compiles the modules a process imports on first use, a fraction of the
# 1 GB installed (benchmarks/bench_fresh_run.py, docs/performance.md).
PIP_INSTALL := $(BIN)/python -m pip install --no-compile -c constraints.txt
# The pinned packages are installed by uv (put into the venv by pip, at the version constraints.txt
# pins): parallel downloads and a fast unpack take a fresh clone's install from some 30 s of CPU to
# some 10 (docs/performance.md). Like pip above, it does not byte-compile. If uv cannot be had or
# fails, pip installs the same pins.
UV := $(BIN)/uv
install_pinned = { test -x $(UV) || $(PIP_INSTALL) -q uv; } \
	&& $(UV) pip install --python $(BIN)/python -c constraints.txt $(1) \
	|| $(PIP_INSTALL) $(1)
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs are reproducible: every version comes from constraints.txt (pip's constraints pin what
# they list; scripts/check_constraints.py fails first if pyproject.toml declares a package it lacks).
# `make run` installs what serving needs (pyproject's dependencies); `make install` (and so `make test`,
# lint, typecheck, bench) adds the `dev` extra: tests, lint, types, the browser and the notebooks.
$(VENV)/.installed-serve: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python scripts/check_constraints.py
	$(call install_pinned,-e .)
	touch $@

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python scripts/check_constraints.py
	$(call install_pinned,-e '.[dev]')
	touch $@ $(VENV)/.installed-serve

install-serve: $(VENV)/.installed-serve

install: $(VENV)/.installed

# pip installs without byte-compiling (above): the server's Python writes the byte-code of what it
# imports into .venv on its first start, also where the environment sets PYTHONDONTWRITEBYTECODE (as
# Docker images and this project's machines do), else every start compiles those modules again.
run: install-serve pdflibs
	env PYTHONDONTWRITEBYTECODE= $(BIN)/geo-clsm serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check geo_clsm tests $(wildcard benchmarks scripts)
	$(BIN)/ruff format --check geo_clsm tests $(wildcard benchmarks scripts)

typecheck: install
	$(BIN)/mypy

# Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium; it downloads no browser).
chromium:
	@test -x /usr/bin/chromium || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

# Debian's GDAL command-line tools: the OGC API - Features tests read /ogc with `ogrinfo OAPIF:...`.
gdal:
	@command -v ogrinfo >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq gdal-bin; }

# Debian libraries for WeasyPrint (the guide's PDF: Pango, HarfBuzz subsetting, a font) and
# poppler-utils (pdftoppm, pdftotext, pdfinfo: the tests read the PDFs back).
PDF_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils
pdflibs:
	@{ ldconfig -p | grep -q libpangoft2-1.0.so.0 && ldconfig -p | grep -q libharfbuzz-subset.so.0 \
	   && test -x /usr/bin/pdftoppm && test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(PDF_DEBS); }

# axe-core (npm) for the accessibility tests, installed into the git-ignored .cache/axe.
AXE := .cache/axe/node_modules/axe-core/axe.min.js
$(AXE):
	mkdir -p .cache/axe
	npm install --prefix .cache/axe --no-save --no-audit --no-fund axe-core@4.11

axe: $(AXE)

# opening_hours.js (npm), the reference evaluation of OSM opening hours, installed into the
# git-ignored .cache/ohjs: tests/model/test_hours_reference.py compares our evaluation with it.
OHJS := .cache/ohjs/node_modules/opening_hours/package.json
$(OHJS):
	mkdir -p .cache/ohjs
	npm install --prefix .cache/ohjs --no-save --no-audit --no-fund opening_hours@3.15.0

ohjs: $(OHJS)

# pa11y (npm, with its HTML_CodeSniffer runner) for tests/e2e/test_pa11y.py, installed into the
# git-ignored .cache/pa11y. Puppeteer downloads no browser: tests/e2e/pa11y.json points it at
# Debian's /usr/bin/chromium.
PA11Y := .cache/pa11y/node_modules/pa11y/package.json
$(PA11Y):
	mkdir -p .cache/pa11y
	PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix .cache/pa11y --no-save --no-audit --no-fund pa11y@9.1

pa11y: $(PA11Y)

# Lighthouse 12 (npm) for benchmarks/bench_lighthouse.py, installed into the git-ignored .cache/lighthouse.
LIGHTHOUSE := .cache/lighthouse/node_modules/.bin/lighthouse
$(LIGHTHOUSE):
	mkdir -p .cache/lighthouse
	npm install --prefix .cache/lighthouse --no-save --no-audit --no-fund lighthouse@12

lighthouse: $(LIGHTHOUSE)

# Debian's PostgreSQL + PostGIS for the store tests; tests/pg.sh starts a throw-away server
# on a unix socket in a temporary folder and `pytest` gets its URL in GEO_CLSM_TEST_PG_URL.
postgres:
	@{ ls /usr/lib/postgresql/*/bin/initdb && ls /usr/share/postgresql/*/extension/postgis.control; } >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql postgis; }

pytest: install chromium gdal pdflibs postgres axe ohjs pa11y
	@set -e; pgdir=$$(mktemp -d /tmp/geo_clsm_pg.XXXXXX); trap "sh tests/pg.sh stop $$pgdir" EXIT; \
	  url=$$(sh tests/pg.sh start $$pgdir); \
	  GEO_CLSM_TEST_PG_URL=$$url $(BIN)/python -m pytest -q $(PYTEST_ARGS)

test: lint typecheck pytest

# The inner loop: the tests that need neither the browser nor PostgreSQL (markers set in
# tests/conftest.py). `make test` stays CI's: everything.
test-fast: install
	$(BIN)/python -m pytest -q -m "not browser and not pg" $(PYTEST_ARGS)

# Debian's wrk drives the HTTP benchmark (installed once, like chromium).
wrk:
	@command -v wrk >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk; }

# The benchmarks of issue 9 and the batch worst case of issue 25 (each against a baseline measured in
# the same run), then a table; then Lighthouse on the public pages (issue 28); last, /ogc against tipg
# and pygeoapi (issue 33: installs them once into .cache/bench-peers/, starts a throw-away PostGIS;
# BENCH_OGC_SECONDS=3 BENCH_OGC_ROUNDS=1 for a quick run).
bench: install chromium wrk postgres lighthouse
	$(BIN)/python benchmarks/run_all.py
	$(BIN)/python benchmarks/bench_markers.py
	$(BIN)/python benchmarks/bench_access.py
	$(BIN)/python benchmarks/bench_suggest.py
	$(BIN)/python benchmarks/bench_national_gaps.py
	$(BIN)/python benchmarks/bench_lighthouse.py
	$(BIN)/python benchmarks/bench_ogc_peers.py

# Ten minutes of mixed traffic at 32 connections with editors' changes and a data update applied
# meanwhile (issue 14; not in `make test`). LOAD_ARGS="--minutes 1" for a quick look.
load: install
	$(BIN)/python benchmarks/load_mixed.py $(LOAD_ARGS)

# Issue 15, beyond the 10-minute budget of `make bench`: nearest at national scale (10^5 synthetic
# queries x 10^3 / 10^4 / 10^5 resources: engine, sjoin_nearest, PostGIS KNN one by one and batched,
# on a throw-away PostgreSQL) and the API with 4 workers against 1 under mixed traffic.
bench-national: install postgres wrk
	$(BIN)/python benchmarks/bench_national.py
	$(BIN)/python benchmarks/bench_workers.py

# `make lock` re-resolves every dependency of pyproject.toml (and LOCK_ALSO) at its newest
# version in a throw-away venv and writes the pins to constraints.txt. Run it after adding or
# bumping a dependency, then commit constraints.txt. LOCK_ALSO pins packages that branches in
# flight are adding, so that they install the same versions when they land.
LOCK_ALSO ?= sqlalchemy alembic 'psycopg[binary]' argon2-cffi python-multipart jinja2 'uvicorn[standard]' \
	orjson psutil scipy Babel matplotlib weasyprint segno zxing-cpp pillow openpyxl uv
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install -q --upgrade pip
	.lock-venv/bin/python -m pip install -q -e '.[dev]' $(LOCK_ALSO)
	{ echo "# Generated by \`make lock\` ($$(.lock-venv/bin/python --version)): pinned versions for pip -c."; \
	  echo "# Re-run \`make lock\` after adding or bumping a dependency in pyproject.toml."; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable | LC_ALL=C sort -f; } > constraints.txt
	rm -rf .lock-venv
	$(PYTHON) scripts/check_constraints.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
