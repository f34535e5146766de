# One task runner. `make test` is exactly what CI runs (.ci/run calls it).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-slow check lint typecheck install

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed

demo: $(BIN)/.installed
	$(BIN)/clearpicture demo

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests benchmarks

typecheck: $(BIN)/.installed
	$(BIN)/mypy

# CI runs the suite without the tests marked slow (the medium-scenario linkage F1, FEBRL,
# exhaustive model searches): together they take longer than CI's budget allows on 2 cores. Run
# them with `make test-slow` before a release. The Spark tests (marked `spark`, about 2 minutes
# with Java; skipped without it) run in CI: they are the only check that the Spark path works.
test: lint typecheck
	$(BIN)/pytest -n 2 -q -m "not slow"

test-slow: $(BIN)/.installed
	$(BIN)/pytest -n 2 -q -m slow

check: test
