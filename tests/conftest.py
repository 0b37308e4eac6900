"""Shared fixtures: the real MovieLens-100K, loaded once per test session.

The data comes from the mirror (``SEQREC_DATA_MIRROR``, which CI points at ``../shared/datasets``) or,
without it, from ``data/raw`` or a download; tests never use made-up data in its place.
"""
from __future__ import annotations

import pytest

from rec_utils.datasets import RawDataset, load_dataset
from rec_utils.preprocessing import ProcessedData, load_processed


@pytest.fixture(scope="session")
def ml100k_raw() -> RawDataset:
    return load_dataset("ml-100k")


@pytest.fixture(scope="session")
def ml100k(ml100k_raw: RawDataset) -> ProcessedData:
    data, _ = load_processed(ml100k_raw)
    return data
