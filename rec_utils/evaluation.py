"""Full-ranking evaluation over every item, the same for every model (the README's evaluation protocol)."""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np
import torch

from rec_utils.metrics import DEFAULT_KS, mean_metrics, metrics_from_ranks, pessimistic_ranks
from rec_utils.preprocessing import EvalCases


class Scorer(Protocol):
    """What the evaluation needs from a model: its number of items and a score for every item id
    (column 0 = padding)."""

    n_items: int

    def score_all(self, users: torch.Tensor, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Scores ``[batch, n_items + 1]`` for the cases' users and right-padded input sequences."""
        ...


def reads_user_features(model: Scorer) -> bool:
    """True when the model's ``score_all`` takes demographic ``features`` (the paper's model): a newcomer or an
    anonymous history can then be scored from them."""
    return "features" in inspect.signature(model.score_all).parameters


@dataclass
class EvaluationResult:
    """Mean metrics over the cases, and each case's rank for per-user analyses."""

    metrics: dict[str, float]
    ranks: np.ndarray


def mask_seen_items(scores: torch.Tensor, cases: EvalCases, start: int, stop: int) -> None:
    """Set to ``-inf``, in place, every item each case's user saw before its target."""
    indptr = cases.seen_indptr
    counts = torch.from_numpy(np.diff(indptr[start:stop + 1]))
    rows = torch.repeat_interleave(torch.arange(stop - start), counts).to(scores.device)
    cols = torch.from_numpy(cases.seen_items[indptr[start]:indptr[stop]]).to(scores.device)
    scores[rows, cols] = float("-inf")


MAX_SCORES = 2 ** 26  # score-matrix entries per evaluation batch (256 MiB of float32)


def rank_cases(model: Scorer, cases: EvalCases, mask_seen: bool, batch_size: int = 1024,
               device: torch.device | str = "cpu", max_scores: int = MAX_SCORES) -> np.ndarray:
    """Pessimistic 1-based rank of every case's target among all items (padding never ranked).

    A batch holds at most ``batch_size`` cases and at most ``max_scores`` scores, so memory stays bounded
    whatever the catalogue size (at a million items, 64 cases per batch)."""
    if batch_size < 1 or max_scores < 1:
        raise ValueError(f"batch_size and max_scores must be >= 1, got {batch_size} and {max_scores}")
    batch_size = max(1, min(batch_size, max_scores // (model.n_items + 1)))
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    ranks = []
    try:
        with torch.no_grad():
            for start in range(0, len(cases), batch_size):
                stop = min(start + batch_size, len(cases))
                users = torch.from_numpy(cases.users[start:stop]).to(device)
                inputs = torch.from_numpy(cases.inputs[start:stop]).to(device)
                lengths = torch.from_numpy(cases.lengths[start:stop]).to(device)
                scores = model.score_all(users, inputs, lengths).float().clone()
                scores[:, 0] = float("-inf")
                if mask_seen:
                    mask_seen_items(scores, cases, start, stop)
                targets = torch.from_numpy(cases.targets[start:stop]).to(device)
                ranks.append(pessimistic_ranks(scores, targets).cpu())
    finally:
        if was_training and hasattr(model, "train"):
            model.train()
    return torch.cat(ranks).numpy() if ranks else np.zeros(0, dtype=np.int64)


def evaluate(model: Scorer, cases: EvalCases, mask_seen: bool, ks: Sequence[int] = DEFAULT_KS,
             batch_size: int = 1024, device: torch.device | str = "cpu") -> EvaluationResult:
    """HR, NDCG, MRR and Precision at every K, by full ranking of every item."""
    ranks = rank_cases(model, cases, mask_seen, batch_size, device)
    metrics = mean_metrics(metrics_from_ranks(torch.from_numpy(ranks), ks))
    return EvaluationResult(metrics=metrics, ranks=ranks)
