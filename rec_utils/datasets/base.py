"""The canonical form every loader returns."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class UserFeature:
    """A demographic column and how preprocessing treats a missing value.

    ``kind``: ``"age"`` (years: clipped, scaled, binned), ``"gender"`` (F/M) or ``"categorical"``.
    ``missing``: ``"mean"`` / ``"most_frequent"`` (impute, as the paper does for MovieLens),
    ``"unknown"`` (an explicit unknown category, counted) or ``"error"`` (a missing value is a format error).
    """

    name: str
    kind: str
    missing: str

    def __post_init__(self) -> None:
        if self.kind not in ("age", "gender", "categorical"):
            raise ValueError(f"feature {self.name!r}: unknown kind {self.kind!r}")
        if self.missing not in ("mean", "most_frequent", "unknown", "error"):
            raise ValueError(f"feature {self.name!r}: unknown missing-value policy {self.missing!r}")


@dataclass
class RawDataset:
    """A dataset in canonical form, before preprocessing.

    - ``interactions``: one row per event in file order: ``user``, ``item``, ``timestamp`` (int64 seconds),
      plus dataset-specific columns (``rating`` for MovieLens);
    - ``users``: one row per user, ``user`` plus the raw demographic columns named in ``user_features``;
    - ``items``: one row per item, ``item``, ``title`` (a readable name) and ``genre_<name>`` flags;
    - ``checksums``: the SHA-256 of every file read; ``report``: what the loader dropped or decided, counted.
    """

    name: str
    interactions: pd.DataFrame
    users: pd.DataFrame
    items: pd.DataFrame
    genre_names: list[str]
    user_features: list[UserFeature]
    source: str
    checksums: dict[str, str] = field(default_factory=dict)
    report: dict = field(default_factory=dict)

    @property
    def user_feature_columns(self) -> list[str]:
        return [f.name for f in self.user_features]

    @property
    def n_users(self) -> int:
        return int(self.interactions["user"].nunique())

    @property
    def n_items(self) -> int:
        return int(self.interactions["item"].nunique())

    def summary(self) -> dict[str, float | int | str]:
        """Counts a reader checks first: users, items, interactions, density."""
        n_users, n_items, n_inter = self.n_users, self.n_items, len(self.interactions)
        return {"dataset": self.name, "users": n_users, "items": n_items, "interactions": n_inter,
                "items_listed": len(self.items), "density": n_inter / (n_users * n_items)}
