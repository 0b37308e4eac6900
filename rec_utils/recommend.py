"""Top-K recommendations in the ids people know: for an existing user, for a raw history of original
item ids, and for a newcomer described by demographics only. Works for every model of the registry.

The input is the last ``max_len`` items of the history (the model's own input length). Already-seen
items are excluded or not by ``exclude_seen``, which defaults to the dataset's evaluation rule.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import torch

from rec_utils.datasets import MASK_SEEN_DEFAULT
from rec_utils.evaluation import reads_user_features
from rec_utils.preprocessing import ProcessedData


@dataclass
class Recommendations:
    """The top-K table (rank, original item id, name, score) and what went into it."""

    table: pd.DataFrame
    history: list = field(default_factory=list)        # original item ids the model read, oldest first
    unknown_items: list = field(default_factory=list)  # given item ids that are not in the catalogue
    note: str = ""


def _index_of(ids: np.ndarray, value: Any, what: str) -> int:
    position = int(np.searchsorted(ids, value))
    if position >= len(ids) or ids[position] != value:
        raise ValueError(f"unknown {what} id {value!r}")
    return position + 1


def user_history(data: ProcessedData, user_idx: int) -> np.ndarray:
    """Every event of the user in time order (training, validation and test), as item indices."""
    seq = data.sequences
    return seq.loc[seq["user_idx"] == user_idx, "item_idx"].to_numpy()


def encode_demographics(data: ProcessedData, demographics: Mapping[str, Any]) -> np.ndarray:
    """Encoded demographic codes, in the order of ``data.user_feature_names``, as preprocessing encodes
    them; a field left out gets its "unknown" code. A value outside the encoder is an error."""
    unknown_fields = set(demographics) - set(data.user_feature_names)
    if unknown_fields:
        raise ValueError(f"unknown demographic fields {sorted(unknown_fields)}; this dataset has {data.user_feature_names}")
    encoders = data.report.get("encoders", {})
    codes = []
    for name, cardinality in zip(data.user_feature_names, data.user_feature_cardinalities):
        if name not in demographics or demographics[name] is None:
            codes.append(cardinality)
            continue
        value = demographics[name]
        if name == "age":
            p = data.params
            scaled = (min(max(float(value), p.age_min), p.age_max) - p.age_min) / (p.age_max - p.age_min)
            codes.append(min(int(scaled * p.age_bins), p.age_bins - 1))
        elif name == "gender":
            text = str(value).strip().upper()
            if text not in ("F", "M", "FEMALE", "MALE"):
                raise ValueError(f"gender must be 'F' or 'M', got {value!r}")
            codes.append(int(text.startswith("M")))
        else:
            classes = encoders[name]
            if str(value) not in classes:
                raise ValueError(f"{name} {value!r} is not one of {classes}")
            codes.append(classes.index(str(value)))
    return np.asarray(codes, dtype=np.int64)


def _top_k(model: Any, data: ProcessedData, user_idx: int, history_idx: np.ndarray, k: int, exclude_seen: bool,
           features: np.ndarray | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    width = int(getattr(model, "max_len", data.params.max_len))
    window = np.array(history_idx[-width:], dtype=np.int64)  # a copy: torch needs a writable array
    inputs = torch.zeros(1, width, dtype=torch.long)
    inputs[0, :len(window)] = torch.from_numpy(window)
    args = (torch.tensor([user_idx]), inputs, torch.tensor([len(window)]))
    if hasattr(model, "eval"):
        model.eval()
    with torch.no_grad():
        scores = (model.score_all(*args, features=torch.from_numpy(features)[None]) if features is not None
                  else model.score_all(*args)).float()[0].clone()
    scores[0] = float("-inf")
    if exclude_seen and len(history_idx):
        scores[torch.from_numpy(np.array(history_idx, dtype=np.int64))] = float("-inf")
    candidates = scores[1:][torch.isfinite(scores[1:])]
    if len(candidates) and bool((candidates == candidates[0]).all()):
        raise ValueError(f"{model.name} scores every item equally for this input: nothing in it is something the "
                         "model can rank by (e.g. BPR-MF and LightGCN know only the users they were trained on, not "
                         "an anonymous history or a newcomer)")
    top = torch.topk(scores, min(k, int(torch.isfinite(scores).sum())))
    items = top.indices.numpy()
    return pd.DataFrame({"rank": np.arange(1, len(items) + 1), "item": data.item_ids[items - 1],
                         "name": data.item_names(items), "score": top.values.numpy()}), window


def recommend_for_user(model: Any, data: ProcessedData, user_id: Any, k: int = 10,
                       exclude_seen: bool | None = None) -> Recommendations:
    """Top-``k`` for an existing user (original id) after their whole history, test item included."""
    user_idx = _index_of(data.user_ids, user_id, "user")
    history = user_history(data, user_idx)
    exclude = MASK_SEEN_DEFAULT.get(data.name, False) if exclude_seen is None else exclude_seen
    table, window = _top_k(model, data, user_idx, history, k, exclude)
    return Recommendations(table, history=data.item_ids[window - 1].tolist(),
                           note=f"user {user_id}: {len(history)} events; seen items {'excluded' if exclude else 'kept'}")


def recommend_for_history(model: Any, data: ProcessedData, item_ids: Sequence[Any], k: int = 10,
                          exclude_seen: bool | None = None) -> Recommendations:
    """Top-``k`` after a history of original item ids (oldest first) for an anonymous user. Ids not in the
    catalogue are reported in ``unknown_items`` and left out of the input."""
    known, unknown = [], []
    for item in item_ids:
        try:
            known.append(_index_of(data.item_ids, item, "item"))
        except ValueError:
            unknown.append(item)
    exclude = MASK_SEEN_DEFAULT.get(data.name, False) if exclude_seen is None else exclude_seen
    table, window = _top_k(model, data, 0, np.asarray(known, dtype=np.int64), k, exclude)
    note = f"{len(known)} known items" + (f"; not in the catalogue and left out: {unknown}" if unknown else "")
    return Recommendations(table, history=data.item_ids[window - 1].tolist(), unknown_items=unknown, note=note)


def recommend_for_newcomer(model: Any, data: ProcessedData, demographics: Mapping[str, Any],
                           k: int = 10) -> Recommendations:
    """Top-``k`` for a user with no history, from demographics alone (models with a demographic input;
    others give their empty-history ranking, or an error when that ranks nothing)."""
    features = encode_demographics(data, demographics)
    takes_features = reads_user_features(model)
    table, _ = _top_k(model, data, 0, np.zeros(0, dtype=np.int64), k, False, features if takes_features else None)
    note = f"newcomer {dict(demographics)}" + ("" if takes_features else f": {model.name} has no demographic input")
    return Recommendations(table, note=note)


def attention_over(model: Any, data: ProcessedData, history: Sequence[Any]) -> pd.DataFrame:
    """The paper model's attention weight on each item of ``history`` (original ids, oldest first, at most
    ``max_len``: e.g. ``Recommendations.history``). Attention reads the items only, not the user."""
    if not hasattr(model, "encode_sequence"):
        raise ValueError(f"{model.name} has no attention weights")
    items = np.array([_index_of(data.item_ids, item, "item") for item in history], dtype=np.int64)
    model.eval()
    with torch.no_grad():
        _, weights = model.encode_sequence(torch.from_numpy(items)[None], torch.tensor([len(items)]))
    return pd.DataFrame({"position": np.arange(1, len(items) + 1), "item": list(history),
                         "name": data.item_names(items), "attention": weights[0, :len(items)].numpy()})
