"""Cold-start evaluation: the same test targets seen through less history, and users grouped by activity.

Simulated cold start (the paper's): every test case keeps only the last ``n`` items of its input
(``n = 0`` is a newcomer). So that nothing of the dropped history reaches the model, the case is scored
as an unknown user (user 0: no user embedding, which was trained on the full history) who keeps their
demographics, and only the kept items are masked as already seen. Natural cold start: test users
grouped by how many training events they have.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import torch

from rec_utils.evaluation import rank_cases, reads_user_features
from rec_utils.metrics import DEFAULT_KS, mean_metrics, metrics_from_ranks
from rec_utils.preprocessing import EvalCases, ProcessedData

ACTIVITY_BINS = (1, 5, 10, 20)  # groups 1-4, 5-9, 10-19, 20+ training events


def truncate_cases(cases: EvalCases, n: int | None) -> EvalCases:
    """The cases with only the last ``n`` input items (``None``: unchanged), as anonymous users.

    Targets and their order are unchanged; ``users`` are kept so that demographics can be looked up,
    and the seen-item lists hold only the kept items.
    """
    if n is None:
        return cases
    if n < 0:
        raise ValueError(f"n must be >= 0 or None, got {n}")
    width = cases.inputs.shape[1]
    keep = np.minimum(cases.lengths, n)
    offsets = np.arange(width)
    source = (cases.lengths - keep)[:, None] + offsets[None, :]
    valid = offsets[None, :] < keep[:, None]
    inputs = np.where(valid, np.take_along_axis(cases.inputs, np.minimum(source, width - 1), axis=1), 0)
    indptr = np.concatenate([[0], np.cumsum(keep)]).astype(np.int64)
    seen = inputs[valid]
    return dataclasses.replace(cases, inputs=inputs.astype(np.int64), lengths=keep.astype(np.int64),
                               seen_indptr=indptr, seen_items=seen.astype(np.int64))


class _AsUnknownUsers:
    """``model`` scoring every case as user 0 who keeps the case's user's demographics, where the model
    reads them (``score_all(..., features=...)``); a :class:`rec_utils.evaluation.Scorer`."""

    def __init__(self, model, user_features: np.ndarray):
        self.model, self.user_features = model, torch.from_numpy(user_features)
        self.n_items = model.n_items
        self.takes_features = reads_user_features(model)

    def score_all(self, users: torch.Tensor, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        anonymous = torch.zeros_like(users)
        if self.takes_features:
            features = self.user_features[users.cpu()].to(users.device)
            return self.model.score_all(anonymous, inputs, lengths, features=features)
        return self.model.score_all(anonymous, inputs, lengths)


def evaluate_cold(model, data: ProcessedData, cases: EvalCases, mask_seen: bool,
                  ks: Sequence[int] = DEFAULT_KS, batch_size: int = 1024) -> tuple[dict[str, float], np.ndarray]:
    """Metrics and ranks of ``cases`` scored as unknown users: user 0, with each case's own demographics
    where the model reads them (``score_all(..., features=...)``)."""
    if hasattr(model, "eval"):
        model.eval()
    ranks = rank_cases(_AsUnknownUsers(model, data.user_features), cases, mask_seen, batch_size)
    return mean_metrics(metrics_from_ranks(torch.from_numpy(ranks), ks)), ranks


def activity_groups(data: ProcessedData, cases: EvalCases, bins: Sequence[int] = ACTIVITY_BINS) -> pd.Series:
    """Each case's group by its user's number of training events: ``"1-4"``, ``"5-9"``, ``"10-19"``, ``"20+"``
    for the default bins. Every case falls in exactly one group (a count below the first edge is an error)."""
    edges = list(bins)
    if edges != sorted(set(edges)) or edges[0] < 1:
        raise ValueError(f"bins must be strictly increasing from at least 1, got {bins}")
    train = data.sequences[data.sequences["split"] == "train"]
    counts = np.bincount(train["user_idx"], minlength=data.n_users + 1)[cases.users]
    if (counts < edges[0]).any():
        raise ValueError(f"{int((counts < edges[0]).sum())} cases have fewer than {edges[0]} training events")
    labels = [f"{lo}-{hi - 1}" for lo, hi in zip(edges[:-1], edges[1:])] + [f"{edges[-1]}+"]
    return pd.Series(pd.cut(counts, [*edges, np.inf], right=False, labels=labels), name="training events")


FULL_HISTORY = "full"


def simulated_cold_start(models: Mapping[str, tuple[Sequence[Any], ProcessedData]], history_lengths: Sequence[int],
                         mask_seen: bool, ks: Sequence[int] = (10,)) -> pd.DataFrame:
    """One row per model, history length and seed: the metrics of every test case cut to its last ``n``
    items (``"full"``: the whole input) and scored as an unknown user with :func:`evaluate_cold`.

    ``models`` maps a label to its per-seed models and the processed data they read (its input length).
    """
    rows = []
    for label, (per_seed, data) in models.items():
        for n in [*history_lengths, None]:
            cases = truncate_cases(data.test, n)
            for seed_index, model in enumerate(per_seed):
                metrics, _ = evaluate_cold(model, data, cases, mask_seen, ks)
                rows.append({"model": label, "history": FULL_HISTORY if n is None else str(n), "seed_index": seed_index,
                             **metrics})
    return pd.DataFrame(rows)


def natural_cold_start(ranks: Mapping[str, Sequence[np.ndarray]], groups: pd.Series,
                       ks: Sequence[int] = (10,)) -> pd.DataFrame:
    """One row per model, activity group and seed: the group's number of test cases and its mean metrics,
    from the ranks of the standard evaluation (every case ranked as its own, known user)."""
    rows = []
    labels = groups.to_numpy()
    for label, per_seed in ranks.items():
        for seed_index, seed_ranks in enumerate(per_seed):
            if len(seed_ranks) != len(labels):
                raise ValueError(f"{label}: {len(seed_ranks)} ranks for {len(labels)} grouped cases")
            per_case = metrics_from_ranks(torch.as_tensor(np.asarray(seed_ranks)), ks)
            for group in groups.cat.categories:
                members = torch.from_numpy(labels == group)
                rows.append({"model": label, "group": group, "seed_index": seed_index, "cases": int(members.sum()),
                             **{name: float(values[members].mean()) if members.any() else float("nan")
                                for name, values in per_case.items()}})
    return pd.DataFrame(rows)


def mean_over_seeds(frame: pd.DataFrame, index: str, metric: str) -> pd.DataFrame:
    """``metric`` averaged over seeds: rows ``index`` (history or group, in order of appearance), one column per model."""
    order = list(dict.fromkeys(frame[index]))
    models = list(dict.fromkeys(frame["model"]))
    pivot = frame.pivot_table(index=index, columns="model", values=metric, aggfunc="mean", observed=True)
    return pivot.reindex(index=order, columns=models)
