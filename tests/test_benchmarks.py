"""The benchmarks' own claims: the side-by-side trains both frameworks on the same examples, and the
harness's floor counts the paper model's work."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from rec_utils.models import LSTMAttentionBPR
from rec_utils.preprocessing import PreprocessParams, load_processed

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ml100k_50(ml100k_raw):
    return load_processed(ml100k_raw, PreprocessParams(max_len=50))[0]


def test_side_by_side_examples_are_recboles_prefixes(ml100k_50):
    examples = _module("recbole_side_by_side").prefix_examples(ml100k_50)
    targets = examples["targets"]
    assert targets.shape == (97_171, 50)                   # RecBole's count of training sequences
    assert ((targets > 0).sum(axis=1) == 1).all()          # one target per prefix ...
    rows = np.arange(len(targets))
    assert (targets[rows, examples["lengths"] - 1] == ml100k_50.train.targets).all()   # ... after its last item


def test_floor_counts_the_lstm_the_flop_counter_cannot_see(ml100k):
    harness = _module("harness")
    torch.manual_seed(0)
    model = LSTMAttentionBPR.from_data(ml100k)
    flops = harness.paper_model_flops_per_batch(model, ml100k, 256)
    lstm = 3 * 2 * 4 * 256 * (160 + 256) * 8 * 256          # forward + backward, 8 steps, batch 256
    assert lstm == 5_234_491_392
    assert lstm < flops < 1.25 * lstm                        # the dense layers and scoring add under a quarter
    assert all(p.grad is None for p in model.parameters())   # counting leaves no gradients behind
