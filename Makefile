# Two commands do everything on a fresh Debian/Ubuntu machine: `make run` and `make test`.
# Each installs what is missing (apt packages, .venv) and is quick the second time.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The CPU build of PyTorch, pinned so pip never drags in a multi-GB CUDA wheel.
TORCH_SPEC ?= torch==2.13.0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test bench eval models package setup setup-test system system-test clean lint

run: setup
	$(BIN)/deepcomposer $(ARGS)

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

# Ruff's rule set in pyproject.toml, then the import contracts (tools/import_contracts.py).
# Both run; either failing fails lint.
lint: setup-test
	@status=0; \
	echo "$(BIN)/ruff check --no-cache ."; $(BIN)/ruff check --no-cache . || status=1; \
	echo "$(BIN)/python tools/import_contracts.py"; $(BIN)/python tools/import_contracts.py || status=1; \
	exit $$status

bench: setup-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks $(ARGS)

# Every shipped model on the user-melody benchmark (resources/benchmark) and chord
# detection against human chords: prints the tables, writes docs/EVAL.md and docs/EVAL.json.
eval: setup-test
	$(BIN)/python -m deepcomposer_desktop.training.user_eval $(ARGS)

# The Linux bundle and tarball in dist/ (packaging/build_linux.py, PyInstaller), built and
# then started headless from the unpacked tarball by the slow test, which prints the sizes.
package: setup-test
	$(BIN)/python -m pip install -q "pyinstaller>=6.10"
	QT_QPA_PLATFORM=offscreen nice -n 10 $(BIN)/python -m pytest -m slow -s -p no:cacheprovider tests/packaging $(PYTEST_ARGS)

# Reproduces every shipped model (hours on a 2-core CPU; see docs/MODELS.md).
models: setup-test
	$(BIN)/python -m deepcomposer_desktop.training.reproduce $(ARGS)

setup: system $(VENV)/.app-installed
setup-test: system-test $(VENV)/.test-installed

system:
	@packaging/setup-debian.sh run
system-test:
	@packaging/setup-debian.sh test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.app-installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.test-installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -q "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -q -e ".[dev,train]"
	@touch $@ $(VENV)/.app-installed

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
