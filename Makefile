# The two commands (README): `make run DATASET=ml-100k` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
DATASET ?= ml-100k

.PHONY: setup run test lab benchmark recbole-env recbole-benchmark clean-processed

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

## Execute every notebook in order for one dataset (reports/, results/, figures/ under the repository)
run: $(STAMP)
	$(BIN)/python -m rec_utils.workbook --dataset $(DATASET)

## The whole test suite: unit tests, notebooks under papermill, nbval on the committed reports
test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile tests $(wildcard reports/ml-100k/01_dataset_exploration.ipynb reports/ml-100k/02_preprocessing.ipynb) --nbval-lax -p no:cacheprovider

## Speed and memory on this machine (benchmarks/results/harness.md; --quick for a shorter run)
benchmark: $(STAMP)
	$(BIN)/python benchmarks/harness.py

## RecBole 1.2.1 in its own throw-away venv (it needs numpy < 2, pandas 2.1, scipy 1.11)
recbole-env:
	test -x .venv-recbole/bin/python || $(PYTHON) -m venv .venv-recbole
	.venv-recbole/bin/python -m pip install --quiet --disable-pip-version-check -r benchmarks/recbole-requirements.txt

## Seconds per epoch, ours against RecBole, for GRU4Rec, NARM and SASRec (benchmarks/results/recbole_side_by_side.md)
recbole-benchmark: $(STAMP) recbole-env
	$(BIN)/python benchmarks/recbole_side_by_side.py

## Open the notebooks in JupyterLab
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean-processed:
	rm -rf data/processed
