# The two commands (README): `make run DATASET=ml-100k` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
DATASET ?= ml-100k

.PHONY: setup run test lab clean-processed

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
	$(BIN)/python -m pytest tests $(wildcard reports/ml-100k/01_dataset_exploration.ipynb reports/ml-100k/02_preprocessing.ipynb) --nbval-lax -p no:cacheprovider

## Open the notebooks in JupyterLab
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean-processed:
	rm -rf data/processed
