# geo_clsm — `make run` serves the bundled layers, `make test` runs lint, types and tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck pytest bench clean install chromium gdal pdflibs postgres axe

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install pdflibs
	$(BIN)/geo-clsm serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check geo_clsm api tests $(wildcard benchmarks scripts)
	$(BIN)/ruff format --check geo_clsm api tests $(wildcard benchmarks scripts)

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

# Debian's PostgreSQL + PostGIS for the store tests; tests/pg.sh starts a throw-away server
# on a unix socket in a temporary folder and `pytest` gets its URL in GEO_CLSM_TEST_PG_URL.
postgres:
	@{ ls /usr/lib/postgresql/*/bin/initdb && ls /usr/share/postgresql/*/extension/postgis.control; } >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql postgis; }

pytest: install chromium gdal pdflibs postgres axe
	@set -e; pgdir=$$(mktemp -d /tmp/geo_clsm_pg.XXXXXX); trap "sh tests/pg.sh stop $$pgdir" EXIT; \
	  url=$$(sh tests/pg.sh start $$pgdir); \
	  GEO_CLSM_TEST_PG_URL=$$url $(BIN)/python -m pytest -q $(PYTEST_ARGS)

test: lint typecheck pytest

bench: install
	$(BIN)/python benchmarks/bench_nearest.py
	$(BIN)/python benchmarks/bench_markers.py
	$(BIN)/python benchmarks/bench_access.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
