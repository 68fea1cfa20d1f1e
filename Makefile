# The two set-up commands are `make train` and `make test`; both install what they need first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install train test test-fast lint format docs clean

install: $(INSTALLED)

# Re-installs when pyproject.toml changes. torch and torchvision come from PyPI together.
$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-cache-dir -e '.[dev,sweeps,slurm,docs]'
	touch $@

# The quick offline default: a conv VAE on the embedded digits, outputs under outputs/.
train: $(INSTALLED)
	$(BIN)/genlab train $(ARGS)

# One pytest worker per core (pytest-xdist), each torch process on one thread: most tests are
# small CPU models and CLI processes that spend seconds importing torch and Lightning on one core,
# so two single-threaded workers on 2 cores take 13.5 min where one two-threaded process took 23.5.
# One thread each also keeps the workers from oversubscribing the cores. `--dist worksteal`: a
# worker that runs out of tests takes half of the other's queue; xdist's default hands out fixed
# chunks, and one run left a worker idle for 15 minutes while the other ran the long learning tests
# (that run sorted the slow tests first, which also cost minutes under worksteal: keep the files' order).
PARALLEL := OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
WORKERS ?= auto

test: $(INSTALLED)
	$(PARALLEL) $(BIN)/python -m pytest -n $(WORKERS) --dist worksteal --durations=25 $(PYTEST_ARGS)

test-fast: $(INSTALLED)
	$(PARALLEL) $(BIN)/python -m pytest -n $(WORKERS) --dist worksteal -m "not slow" $(PYTEST_ARGS)

# The documentation site into site/, strict: a broken link, a missing image or an unlisted page
# fails. The option reference is regenerated from the configs first (scripts/update_docs.py).
docs: $(INSTALLED)
	$(BIN)/python scripts/update_docs.py --check
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict  # not --quiet: it hides the warnings strict counts

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) build dist site *.egg-info .pytest_cache .ruff_cache
