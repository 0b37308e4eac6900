"""Ranking metrics for one target per case, computed for every K at once from a rank tensor.

Rank convention (pessimistic ties): ``rank = 1 + number of other candidate items whose score is
>= the target's``. With a single relevant item per case:
HR@K = [rank <= K]; NDCG@K = [rank <= K] / log2(rank + 1); MRR@K = [rank <= K] / rank;
Precision@K = HR@K / K.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import torch

METRICS = ("HR", "NDCG", "MRR", "Precision")
DEFAULT_KS = (10, 20, 50, 100)


def pessimistic_ranks(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """1-based rank of each target among its row's scores; ties count against the target.

    ``scores``: ``[batch, n_candidates]`` with excluded candidates set to ``-inf``;
    ``targets``: ``[batch]`` column indices. NaN anywhere in ``scores`` raises ``ValueError``.
    """
    if torch.isnan(scores).any():
        rows = torch.isnan(scores).any(dim=1).nonzero().flatten()[:5].tolist()
        raise ValueError(f"NaN scores in evaluation rows {rows}: the model produced invalid output")
    target_scores = scores.gather(1, targets.view(-1, 1))
    if torch.isneginf(target_scores).any():
        rows = torch.isneginf(target_scores).flatten().nonzero().flatten()[:5].tolist()
        raise ValueError(f"target scored -inf (masked or padding) in rows {rows}: it cannot be ranked")
    return (scores >= target_scores).sum(dim=1)


def metrics_from_ranks(ranks: torch.Tensor, ks: Sequence[int] = DEFAULT_KS) -> dict[str, torch.Tensor]:
    """Per-case metric values ``{"HR@10": tensor[batch], ...}`` for every metric and K."""
    ranks = ranks.to(torch.float64)
    out: dict[str, torch.Tensor] = {}
    for k in ks:
        if k < 1:
            raise ValueError(f"K must be >= 1, got {k}")
        hit = (ranks <= k).to(torch.float64)
        out[f"HR@{k}"] = hit
        out[f"NDCG@{k}"] = hit / torch.log2(ranks + 1.0)
        out[f"MRR@{k}"] = hit / ranks
        out[f"Precision@{k}"] = hit / k
    return out


def mean_metrics(per_case: dict[str, torch.Tensor]) -> dict[str, float]:
    """Average each per-case metric over the cases."""
    return {name: float(values.mean()) for name, values in per_case.items()}


def metric_names(ks: Iterable[int] = DEFAULT_KS) -> list[str]:
    """Column names in the conventional order: every metric at every K."""
    return [f"{m}@{k}" for m in METRICS for k in ks]
