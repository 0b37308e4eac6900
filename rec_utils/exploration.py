"""Descriptive statistics of a loaded dataset (notebook 01)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from rec_utils.datasets import RawDataset


def sequence_lengths(raw: RawDataset) -> pd.Series:
    """Number of events per user."""
    return raw.interactions.groupby("user").size().rename("events")


def item_popularity(raw: RawDataset) -> pd.Series:
    """Number of events per item, most popular first."""
    return raw.interactions.groupby("item").size().sort_values(ascending=False).rename("events")


def dataset_statistics(raw: RawDataset) -> dict[str, float | int]:
    """Counts, sparsity and the shape of the user and item distributions."""
    lengths, popularity = sequence_lengths(raw), item_popularity(raw)
    inter = raw.interactions
    top = max(1, int(round(0.1 * len(popularity))))
    ordered = inter.sort_values(["user", "timestamp"], kind="stable")
    same_time = ordered["user"].eq(ordered["user"].shift()) & ordered["timestamp"].eq(ordered["timestamp"].shift())
    stats = dict(raw.summary())
    stats.update({
        "sparsity": 1.0 - stats["density"],
        "events_per_user_min": int(lengths.min()), "events_per_user_median": float(lengths.median()),
        "events_per_user_mean": float(lengths.mean()), "events_per_user_max": int(lengths.max()),
        "events_per_item_min": int(popularity.min()), "events_per_item_median": float(popularity.median()),
        "events_per_item_max": int(popularity.max()),
        "items_with_one_event": int((popularity == 1).sum()),
        "share_of_events_on_top_10pct_items": float(popularity.iloc[:top].sum() / len(inter)),
        "events_sharing_timestamp_with_previous": int(same_time.sum()),
        "first_event": pd.to_datetime(inter["timestamp"].min(), unit="s").isoformat(),
        "last_event": pd.to_datetime(inter["timestamp"].max(), unit="s").isoformat(),
        "duplicate_user_item_pairs": int(inter.duplicated(["user", "item"]).sum()),
    })
    return stats


def genre_counts(raw: RawDataset) -> pd.DataFrame:
    """Per genre: how many items carry it, how many events those items got, and as primary genre."""
    if not raw.genre_names:
        return pd.DataFrame(columns=["genre", "items", "primary_for_items", "events"])
    flags = raw.items[[f"genre_{g}" for g in raw.genre_names]].to_numpy()
    events = raw.interactions.groupby("item").size().reindex(raw.items["item"], fill_value=0).to_numpy()
    primary = np.where(flags.any(axis=1), flags.argmax(axis=1), -1)
    return pd.DataFrame({
        "genre": raw.genre_names,
        "items": flags.sum(axis=0),
        "primary_for_items": [(primary == g).sum() for g in range(len(raw.genre_names))],
        "events": (flags * events[:, None]).sum(axis=0),
    }).sort_values("events", ascending=False, ignore_index=True)


def demographics_summary(raw: RawDataset) -> dict[str, dict]:
    """Value counts per demographic field (ages summarised)."""
    users = raw.users
    out: dict[str, dict] = {}
    for column in raw.user_feature_columns:
        if column == "age":
            age = users["age"]
            out["age"] = {"min": float(age.min()), "median": float(age.median()), "max": float(age.max()),
                          "missing": int(age.isna().sum())}
        else:
            out[column] = users[column].value_counts().to_dict()
    return out
