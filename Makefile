# inference-console — everything a newcomer needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test dev lint typecheck bench snapshots-update clean system-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Run the console on the embedded simulated fleet.
demo: $(STAMP)
	$(BIN)/inference-console --demo

## Install what the tests need (venv, Debian's prometheus) and run the whole suite.
test: $(STAMP) system-deps
	$(BIN)/ruff check console widgets themes tests bench
	$(BIN)/ruff format --check console widgets themes tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -p no:cacheprovider

system-deps:
	bash scripts/install-system-deps.sh

## The console with Textual's devtools (run `textual console` in another terminal).
dev: $(STAMP)
	$(BIN)/textual run --dev console.tui.app_dev:app

lint: $(STAMP)
	$(BIN)/ruff check console widgets themes tests bench
	$(BIN)/ruff format --check console widgets themes tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

snapshots-update: $(STAMP)
	$(BIN)/python -m pytest -q tests/test_snapshots.py --snapshot-update

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
