# geo_clsm — `make run` serves the bundled layers, `make test` runs lint, types and tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck pytest bench clean install chromium gdal

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
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

pytest: install chromium gdal
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

bench: install
	$(BIN)/python benchmarks/bench_nearest.py
	$(BIN)/python benchmarks/bench_markers.py
	$(BIN)/python benchmarks/bench_access.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
