# One command each: `make demo` (the embedded default), `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test install lint serve bench clean vendor-leaflet

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/gallery --root demo demo

test: $(VENV)/.installed-test
	@scripts/ensure-system-deps
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check gallery tests bench server.py
	$(BIN)/ruff format --check gallery tests bench server.py
	$(BIN)/mypy

serve: $(VENV)/.installed
	$(BIN)/gallery serve

bench: $(VENV)/.installed-bench
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/places_bench.py
	$(BIN)/python bench/events_bench.py
	$(BIN)/python bench/events_eval.py
	$(BIN)/python bench/page_bench.py
	$(BIN)/python bench/regroup_bench.py
	$(BIN)/python bench/serve_bench.py

clean:
	rm -rf $(VENV) demo build *.egg-info

vendor-leaflet:  # Leaflet and marker clusters from the npm registry (versions in package.json)
	scripts/vendor_leaflet.sh
