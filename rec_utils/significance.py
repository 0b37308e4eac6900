"""Paired significance tests between two models scored on the same evaluation cases.

Per user, a model's metric (e.g. NDCG@10) is averaged over its seeds; the two models' per-user values
are compared with the two-sided Wilcoxon signed-rank test (SciPy; users with equal values are dropped,
as Wilcoxon's original procedure does), and the p-values of several comparisons are adjusted with
Holm's step-down method so that the family-wise error rate stays at the stated level.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import torch
from scipy import stats

from rec_utils.metrics import metrics_from_ranks


def per_user_metric(ranks_per_seed: Sequence[np.ndarray], metric: str = "NDCG@10") -> np.ndarray:
    """Each case's ``metric`` averaged over seeds (every seed must rank the same cases)."""
    if not ranks_per_seed:
        raise ValueError("no ranks given")
    lengths = {len(r) for r in ranks_per_seed}
    if len(lengths) != 1:
        raise ValueError(f"seeds ranked different numbers of cases: {sorted(lengths)}")
    k = int(metric.split("@")[1])
    values = [metrics_from_ranks(torch.as_tensor(np.array(r)), (k,))[metric].numpy() for r in ranks_per_seed]
    return np.mean(values, axis=0)


def wilcoxon_paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Wilcoxon signed-rank statistic and two-sided p-value for paired samples ``a`` and ``b``.

    Returns ``(nan, 1.0)`` when every pair is equal (no evidence of a difference).
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired samples differ in shape: {a.shape} vs {b.shape}")
    if np.all(a == b):
        return float("nan"), 1.0
    result = stats.wilcoxon(a, b, zero_method="wilcox", alternative="two-sided")
    return float(result.statistic), float(result.pvalue)


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm-adjusted p-values (monotone, capped at 1), in the input order."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p)
    adjusted = np.empty_like(p)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, (len(p) - rank) * p[index])
        adjusted[index] = min(running, 1.0)
    return adjusted


def compare_to_reference(reference: str, per_user: Mapping[str, np.ndarray], metric: str = "NDCG@10",
                         alpha: float = 0.05) -> pd.DataFrame:
    """One row per other model: mean per-user ``metric`` of both, the difference, users where each is
    better, the Wilcoxon p-value, the Holm-adjusted p-value and whether it is below ``alpha``."""
    if reference not in per_user:
        raise ValueError(f"reference model {reference!r} not among {sorted(per_user)}")
    ref = per_user[reference]
    rows = []
    for name, values in per_user.items():
        if name == reference:
            continue
        statistic, p = wilcoxon_paired(ref, values)
        rows.append({"model": name, f"{reference} mean": float(ref.mean()), "model mean": float(values.mean()),
                     "difference": float(ref.mean() - values.mean()), f"users {reference} better": int((ref > values).sum()),
                     "users model better": int((values > ref).sum()), "statistic": statistic, "p": p})
    table = pd.DataFrame(rows)
    table["p (Holm)"] = holm(table["p"].to_numpy()) if len(table) else []
    table[f"significant at {alpha}"] = table["p (Holm)"] < alpha
    table.attrs["metric"] = metric
    return table
