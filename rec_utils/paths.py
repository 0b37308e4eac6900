"""Where things live: the repository root, data folders, and per-dataset output folders.

Environment variables (all optional):
- ``SEQREC_DATA_MIRROR``: a folder holding the raw datasets (``<mirror>/<dataset>/`` or
  ``<mirror>/<dataset>.zip``); when set, loaders read from it and never download.
- ``SEQREC_OUTPUT_ROOT``: where ``results/``, ``figures/`` and ``reports/`` are written
  (default: the repository root). Tests point it at a temporary folder.
- ``SEQREC_DATA_ROOT``: where ``raw/`` downloads and the ``processed/`` cache go
  (default: ``<repository>/data``).

A relative path in any of them is taken from the repository root, whatever the current folder: notebook
kernels run in ``notebooks/`` (papermill, JupyterLab) or elsewhere (nbval), and must all read the same place.
"""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT: Path = Path(__file__).resolve().parent.parent
MIRROR_ENV = "SEQREC_DATA_MIRROR"
OUTPUT_ROOT_ENV = "SEQREC_OUTPUT_ROOT"
DATA_ROOT_ENV = "SEQREC_DATA_ROOT"


def from_repo_root(value: str | os.PathLike) -> Path:
    """An absolute path: ``value`` itself when absolute, else ``value`` under the repository root."""
    path = Path(value).expanduser()
    return (path if path.is_absolute() else REPO_ROOT / path).resolve()


def data_root() -> Path:
    """The folder holding ``raw/`` and ``processed/`` data."""
    return from_repo_root(os.environ.get(DATA_ROOT_ENV, "").strip() or REPO_ROOT / "data")


def raw_dir(dataset: str) -> Path:
    """Where a dataset's downloaded raw files are kept."""
    return data_root() / "raw" / dataset


def processed_dir(dataset: str) -> Path:
    """Where a dataset's preprocessed cache is kept."""
    return data_root() / "processed" / dataset


def mirror_root() -> Path | None:
    """The configured mirror folder, or None when ``SEQREC_DATA_MIRROR`` is unset."""
    value = os.environ.get(MIRROR_ENV, "").strip()
    return from_repo_root(value) if value else None


def output_root(override: str | os.PathLike | None = None) -> Path:
    """Root for results, figures and reports: the argument, else ``SEQREC_OUTPUT_ROOT``, else the repo."""
    return from_repo_root(override or os.environ.get(OUTPUT_ROOT_ENV, "").strip() or REPO_ROOT)


def results_dir(dataset: str, root: str | os.PathLike | None = None) -> Path:
    """``<output root>/results/<dataset>/``, created on demand."""
    path = output_root(root) / "results" / dataset
    path.mkdir(parents=True, exist_ok=True)
    return path


def figures_dir(dataset: str, root: str | os.PathLike | None = None) -> Path:
    """``<output root>/figures/<dataset>/``, created on demand."""
    path = output_root(root) / "figures" / dataset
    path.mkdir(parents=True, exist_ok=True)
    return path


def reports_dir(dataset: str, root: str | os.PathLike | None = None) -> Path:
    """``<output root>/reports/<dataset>/``, created on demand."""
    path = output_root(root) / "reports" / dataset
    path.mkdir(parents=True, exist_ok=True)
    return path
