"""Preprocessing as the paper describes it, plus the leave-one-out protocol stated in the README.

Decisions the paper leaves open, made here and stated in the README and notebook 02:
- Age: missing values take the mean, then ages are clipped to [10, 90] and scaled to [0, 1]
  (``(age - 10) / 80``). Age enters the model as a categorical embedding of the scaled value cut
  into ``age_bins`` equal-width bins (8 bins = 10-year bands), so that every demographic field is
  looked up the same way and a newcomer with demographics only gets a full user vector.
- Gender: 0 = female, 1 = male. Occupation: the most frequent value replaces a missing one, then
  labels are encoded in alphabetical order. Each field has one extra code (its cardinality) meaning
  "unknown", used for the padding user row 0.
- Genres: a multi-hot vector per item plus a primary genre (the first flag set, in the official
  genre order).
- Ids: users and items are renumbered 1..n in ascending order of their original ids; 0 is padding.
- Order: per user by timestamp, equal timestamps keep file order (stable).
- Split (leave-one-out): last event = test target, second-to-last = validation target, the rest is
  training. Users with fewer than 3 events keep all of them in training and get no evaluation case.
- Training windows: every training event except a user's first is a target; its input is the
  up-to-``max_len`` training events before it. Validation and test inputs are the ``max_len``
  events just before the target (the test input may contain the validation item, which precedes it).
- Windows are right-padded: items in time order in positions 0..len-1, padding 0 after them.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rec_utils import paths
from rec_utils.datasets import RawDataset, UserFeature

PREPROCESSING_VERSION = 2  # bump whenever the processed output changes: old caches are then rebuilt


@dataclass(frozen=True)
class PreprocessParams:
    """Parameters that change the processed data (and so the cache key)."""

    max_len: int = 8
    age_min: float = 10.0
    age_max: float = 90.0
    age_bins: int = 8

    def __post_init__(self) -> None:
        if self.max_len < 1:
            raise ValueError(f"max_len must be >= 1, got {self.max_len}")
        if not self.age_min < self.age_max:
            raise ValueError(f"age_min ({self.age_min}) must be below age_max ({self.age_max})")
        if self.age_bins < 1:
            raise ValueError(f"age_bins must be >= 1, got {self.age_bins}")


@dataclass
class Windows:
    """Sequence examples: right-padded inputs ``[n, max_len]`` and their targets."""

    users: np.ndarray
    inputs: np.ndarray
    lengths: np.ndarray
    targets: np.ndarray
    target_positions: np.ndarray

    def __len__(self) -> int:
        return len(self.targets)


@dataclass
class EvalCases(Windows):
    """One evaluation case per user, plus every item the user saw before the target (CSR)."""

    seen_indptr: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    seen_items: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


@dataclass
class ProcessedData:
    """Everything the models, the evaluation and the notebooks need, in remapped ids."""

    name: str
    params: PreprocessParams
    n_users: int
    n_items: int
    user_ids: np.ndarray
    item_ids: np.ndarray
    user_features: np.ndarray
    user_feature_names: list[str]
    user_feature_cardinalities: list[int]
    item_genres: np.ndarray
    item_primary_genre: np.ndarray
    genre_names: list[str]
    sequences: pd.DataFrame
    train: Windows
    valid: EvalCases
    test: EvalCases
    users: pd.DataFrame
    items: pd.DataFrame
    report: dict
    checksums: dict[str, str]
    cache_key: str = ""

    def item_names(self, item_idx: np.ndarray | list[int]) -> list[str]:
        """Readable names (titles where the dataset has them) for remapped item ids."""
        column = "title" if "title" in self.items.columns else "item"
        names = self.items[column].astype(str).to_numpy()
        return [names[i - 1] if i > 0 else "<pad>" for i in np.asarray(item_idx).tolist()]

    def train_item_counts(self) -> np.ndarray:
        """Training-split interaction count per item id (index 0, padding, is 0)."""
        train_items = self.sequences.loc[self.sequences["split"] == "train", "item_idx"].to_numpy()
        return np.bincount(train_items, minlength=self.n_items + 1)


# --------------------------------------------------------------------------- features
MISSING_POLICY_TEXT = {"mean": "the mean", "most_frequent": "the most frequent value",
                       "unknown": "an explicit 'unknown' code", "error": "an error"}


def encode_user_features(users: pd.DataFrame, features: list[UserFeature],
                         params: PreprocessParams) -> tuple[pd.DataFrame, list[int], dict]:
    """Encode each demographic field to codes ``0..cardinality-1``; ``cardinality`` means "unknown".

    Returns the codes (one column per field, plus ``age_scaled``), the cardinalities, and a report of
    every value imputed, clipped or set to unknown.
    """
    out = users[["user"]].copy()
    cards: list[int] = []
    report: dict = {"encoders": {}}
    for feature in features:
        values = users[feature.name]
        text = values.astype("string").str.strip()
        missing = pd.Series((values.isna() | text.fillna("").eq("")).to_numpy(dtype=bool), index=users.index)
        report[f"{feature.name}_missing"] = int(missing.sum())
        if missing.any() and feature.missing == "error":
            i = int(np.flatnonzero(missing.to_numpy())[0])
            raise ValueError(f"user {users['user'].iloc[i]}: {feature.name} is missing")
        if feature.kind == "age":
            age = pd.to_numeric(values, errors="raise").astype(float)
            if feature.missing == "mean":
                report["age_mean"] = float(age.mean())
                age = age.fillna(age.mean())
            report["age_clipped_low"] = int((age < params.age_min).sum())
            report["age_clipped_high"] = int((age > params.age_max).sum())
            scaled = (age.clip(params.age_min, params.age_max) - params.age_min) / (params.age_max - params.age_min)
            out["age_scaled"] = scaled
            codes = np.minimum((scaled.fillna(0) * params.age_bins).astype(int), params.age_bins - 1)
            codes = codes.where(scaled.notna(), params.age_bins)
            width = (params.age_max - params.age_min) / params.age_bins
            classes = [f"{params.age_min + b * width:g}-{params.age_min + (b + 1) * width:g}" for b in range(params.age_bins)]
        elif feature.kind == "gender":
            upper = text.str.upper()
            bad = ~missing & ~upper.isin(["F", "M"])
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise ValueError(f"user {users['user'].iloc[i]}: gender must be 'F' or 'M', got {values.iloc[i]!r}")
            codes = pd.Series(np.where(missing, 2, upper.eq("M").fillna(False).to_numpy(dtype=bool)), index=users.index)
            classes = ["female", "male"]
        else:
            if feature.missing == "most_frequent" and missing.any():
                text = text.mask(missing, text[~missing].mode().iloc[0])
                missing = pd.Series(False, index=missing.index)
            classes = sorted(text[~missing].unique())
            codes = text.map({c: i for i, c in enumerate(classes)}).where(~missing, len(classes)).astype(int)
        out[feature.name] = codes.astype(int).to_numpy()
        cards.append(len(classes))
        report["encoders"][feature.name] = classes
        report[f"{feature.name}_missing_policy"] = MISSING_POLICY_TEXT[feature.missing]
    return out, cards, report


def encode_genres(items: pd.DataFrame, genre_names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Multi-hot genre matrix and primary genre (first flag set; -1 when none) per item row."""
    multi_hot = items[[f"genre_{g}" for g in genre_names]].to_numpy(dtype=np.float32).reshape(len(items), len(genre_names))
    if not genre_names:
        return multi_hot, np.full(len(items), -1)
    primary = np.where(multi_hot.any(axis=1), multi_hot.argmax(axis=1), -1)
    return multi_hot, primary


# --------------------------------------------------------------------------- windows
def build_windows(items_flat: np.ndarray, user_start: np.ndarray, positions: np.ndarray,
                  max_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Right-padded inputs for targets at ``positions`` (flat indices into ``items_flat``).

    The input of a target at flat index ``p`` of a user whose events start at ``s`` is
    ``items_flat[max(s, p - max_len):p]``; returns ``(inputs [n, max_len], lengths [n])``.
    """
    lengths = np.minimum(positions - user_start, max_len)
    offsets = np.arange(max_len)
    index = (positions - lengths)[:, None] + offsets[None, :]
    valid = offsets[None, :] < lengths[:, None]
    inputs = np.where(valid, items_flat[np.where(valid, index, 0)], 0)
    return inputs.astype(np.int64), lengths.astype(np.int64)


def _eval_cases(items_flat: np.ndarray, user_flat: np.ndarray, user_start: np.ndarray,
                positions: np.ndarray, max_len: int) -> EvalCases:
    inputs, lengths = build_windows(items_flat, user_start, positions, max_len)
    seen_counts = positions - user_start
    indptr = np.concatenate([[0], np.cumsum(seen_counts)]).astype(np.int64)
    seen = np.concatenate([items_flat[s:p] for s, p in zip(user_start, positions)]) if len(positions) else \
        np.zeros(0, dtype=np.int64)
    return EvalCases(users=user_flat[positions], inputs=inputs, lengths=lengths,
                     targets=items_flat[positions], target_positions=positions - user_start,
                     seen_indptr=indptr, seen_items=seen.astype(np.int64))


def preprocess(raw: RawDataset, params: PreprocessParams = PreprocessParams()) -> ProcessedData:
    """Encode features, remap ids, order and split every user's events, build windows."""
    inter = raw.interactions
    user_ids = np.sort(inter["user"].unique())
    item_ids = np.sort(inter["item"].unique())
    user_idx = np.searchsorted(user_ids, inter["user"].to_numpy()) + 1
    item_idx = np.searchsorted(item_ids, inter["item"].to_numpy()) + 1
    timestamps = inter["timestamp"].to_numpy()
    order = np.lexsort((np.arange(len(inter)), timestamps, user_idx))
    users_flat, items_flat, ts_flat = user_idx[order], item_idx[order], timestamps[order]

    counts = np.bincount(users_flat, minlength=len(user_ids) + 1)[1:]
    user_start_of = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos_in_user = np.arange(len(users_flat)) - user_start_of[users_flat - 1]
    n_of_user = counts[users_flat - 1]
    evaluable = n_of_user >= 3
    split = np.full(len(users_flat), "train", dtype=object)
    split[evaluable & (pos_in_user == n_of_user - 1)] = "test"
    split[evaluable & (pos_in_user == n_of_user - 2)] = "valid"

    train_pos = np.flatnonzero((split == "train") & (pos_in_user >= 1))
    train_inputs, train_lengths = build_windows(items_flat, user_start_of[users_flat[train_pos] - 1], train_pos,
                                                params.max_len)
    train = Windows(users=users_flat[train_pos], inputs=train_inputs, lengths=train_lengths,
                    targets=items_flat[train_pos], target_positions=pos_in_user[train_pos])
    valid_pos, test_pos = np.flatnonzero(split == "valid"), np.flatnonzero(split == "test")
    valid = _eval_cases(items_flat, users_flat, user_start_of[users_flat[valid_pos] - 1], valid_pos, params.max_len)
    test = _eval_cases(items_flat, users_flat, user_start_of[users_flat[test_pos] - 1], test_pos, params.max_len)

    users = raw.users.set_index("user").loc[user_ids].reset_index()
    encoded, cards, report = encode_user_features(users, raw.user_features, params)
    names = raw.user_feature_columns
    user_features = np.zeros((len(user_ids) + 1, len(names)), dtype=np.int64)
    user_features[0] = cards  # the padding user: every field "unknown"
    user_features[1:] = encoded[names].to_numpy()

    items = raw.items.set_index("item").loc[item_ids].reset_index()
    multi_hot, primary = encode_genres(items, raw.genre_names)
    item_genres = np.vstack([np.zeros((1, multi_hot.shape[1]), dtype=np.float32), multi_hot])
    item_primary = np.concatenate([[-1], primary]).astype(np.int64)

    sequences = pd.DataFrame({
        "user_idx": users_flat, "item_idx": items_flat, "timestamp": ts_flat,
        "position": pos_in_user, "split": pd.Categorical(split, categories=["train", "valid", "test"]),
    })
    report.update({
        "users": len(user_ids), "items": len(item_ids), "interactions": int(len(inter)),
        "users_without_evaluation": int((counts < 3).sum()),
        "train_interactions": int((split == "train").sum()),
        "train_windows": len(train), "valid_cases": len(valid), "test_cases": len(test),
        "items_without_genre": int((primary < 0).sum()),
        "users_with_tied_last_two": int(_tied_last_two(ts_flat, counts, user_start_of)),
    })
    users_out = users.assign(user_idx=np.arange(1, len(user_ids) + 1),
                             **{f"{c}_code": encoded[c].to_numpy() for c in names},
                             **({"age_scaled": encoded["age_scaled"].to_numpy()} if "age_scaled" in encoded else {}))
    items_out = items.assign(item_idx=np.arange(1, len(item_ids) + 1), primary_genre=primary)
    return ProcessedData(
        name=raw.name, params=params, n_users=len(user_ids), n_items=len(item_ids),
        user_ids=user_ids, item_ids=item_ids, user_features=user_features, user_feature_names=names,
        user_feature_cardinalities=cards, item_genres=item_genres, item_primary_genre=item_primary,
        genre_names=list(raw.genre_names), sequences=sequences, train=train, valid=valid, test=test,
        users=users_out, items=items_out, report=report, checksums=dict(raw.checksums),
    )


def _tied_last_two(ts_flat: np.ndarray, counts: np.ndarray, user_start: np.ndarray) -> int:
    """Users whose validation and test events share a timestamp (file order decides)."""
    ok = counts >= 3
    last = user_start[ok] + counts[ok] - 1
    return int((ts_flat[last] == ts_flat[last - 1]).sum())


# --------------------------------------------------------------------------- leakage checks
def leakage_report(data: ProcessedData, mask_seen: bool) -> dict[str, dict[str, int]]:
    """Checks that training never reaches a held-out event.

    ``must_be_zero``: training targets at or after the user's validation position, windows longer than
    ``max_len`` and, where seen items are masked, held-out targets among the user's earlier events (they
    could never be ranked). ``repeats``: held-out targets the user also had earlier (legitimate
    re-consumption where seen items are not masked).
    """
    seq = data.sequences
    n_of_user = np.bincount(seq["user_idx"], minlength=data.n_users + 1)
    first_heldout = n_of_user[data.train.users] - 2
    evaluable = n_of_user[data.train.users] >= 3
    must_be_zero = {
        "train_targets_at_or_after_validation": int(((data.train.target_positions >= first_heldout) & evaluable).sum()),
        "train_windows_longer_than_max_len": int((data.train.lengths > data.params.max_len).sum()),
    }
    repeats = {"valid_targets_seen_before": _targets_in_seen(data.valid),
               "test_targets_seen_before": _targets_in_seen(data.test)}
    if mask_seen:
        must_be_zero.update(repeats)
    return {"must_be_zero": must_be_zero, "repeats": repeats}


def _targets_in_seen(cases: EvalCases) -> int:
    hits = 0
    for k in range(len(cases)):
        seen = cases.seen_items[cases.seen_indptr[k]:cases.seen_indptr[k + 1]]
        hits += int((seen == cases.targets[k]).any())
    return hits


# --------------------------------------------------------------------------- cache
def cache_key(raw: RawDataset, params: PreprocessParams) -> str:
    """A digest of everything the processed data depends on: the raw files, the loader's options and
    decisions (its report, e.g. Last.fm-1K's track key), the parameters and the preprocessing version."""
    payload = json.dumps({"checksums": raw.checksums, "loader": raw.report, "params": dataclasses.asdict(params),
                          "version": PREPROCESSING_VERSION}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def load_processed(raw: RawDataset, params: PreprocessParams = PreprocessParams(),
                   cache_dir: Path | None = None) -> tuple[ProcessedData, bool]:
    """The processed data from ``data/processed/<dataset>/`` when its key matches, else rebuilt.

    One cache file per parameter setting (e.g. ``max_len`` 8 for the paper's model and 50 for the
    sequence baselines); rebuilding replaces only the file of the same setting.

    Returns ``(data, from_cache)``. The cache file is written to a temporary name and renamed.
    """
    folder = cache_dir or paths.processed_dir(raw.name)
    key = cache_key(raw, params)
    prefix = f"processed-L{params.max_len}-A{params.age_bins}-{params.age_min:g}-{params.age_max:g}-"
    target = folder / f"{prefix}{key}.pkl"
    if target.is_file():
        try:
            with open(target, "rb") as handle:
                data = pickle.load(handle)
            if isinstance(data, ProcessedData) and data.cache_key == key:
                return data, True
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            pass  # unreadable (older code or pandas): rebuild below and overwrite
    data = preprocess(raw, params)
    data.cache_key = key
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(f"{prefix}*.pkl"):  # same parameters, older data or code; other parameters stay
        stale.unlink()
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, target)
    return data, False
