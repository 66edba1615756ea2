# Two set-up commands: `make demo` and `make test`. Each creates .venv when absent and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint types pytest notebooks docs gallery bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.demo-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,docs,dask]"
	touch $@ $(VENV)/.demo-installed

demo: $(VENV)/.demo-installed
	$(BIN)/demandmodel demo --out demo-output

test: $(VENV)/.test-installed lint types pytest docs

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(VENV)/.test-installed
	$(BIN)/mypy

pytest: $(VENV)/.test-installed
	$(BIN)/python -m pytest -q

docs: $(VENV)/.test-installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir site

notebooks: $(VENV)/.test-installed
	$(BIN)/python -m pytest -q tests/test_notebooks.py

gallery: $(VENV)/.demo-installed
	$(BIN)/python docs/make_gallery.py

# Benchmarks compare against statsforecast, which pins pandas<3, so they get their own venv and the
# main .venv keeps current releases. Each script prints medians of several runs and peer ratios.
BENCH := .venv-bench/bin
$(BENCH)/python:
	$(PYTHON) -m venv .venv-bench
	$(BENCH)/python -m pip install --quiet --upgrade pip
	$(BENCH)/python -m pip install --quiet -e ".[bench,dask]"

bench: $(BENCH)/python
	$(BENCH)/python benchmarks/accuracy.py

clean:
	rm -rf $(VENV) demo-output site .pytest_cache .mypy_cache .ruff_cache
