# geo_clsm — `make run` serves the bundled layers, `make test` runs lint, types and tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck pytest bench clean install

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
	$(BIN)/ruff check geo_clsm api tests $(wildcard benchmarks)
	$(BIN)/ruff format --check geo_clsm api tests $(wildcard benchmarks)

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

bench: install
	$(BIN)/python benchmarks/bench_nearest.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
