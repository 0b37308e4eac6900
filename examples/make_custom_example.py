"""Write examples/custom-ml100k/: the first 150 users of the real MovieLens-100K in the custom format.

    SEQREC_DATA_MIRROR=../shared/datasets .venv/bin/python examples/make_custom_example.py

Timestamps are written as ISO 8601 date-times (UTC) to exercise that form; the loader reads them back to
the same seconds. Used by the tests and by ``params/custom.yaml``.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from rec_utils.datasets import load_dataset

N_USERS = 150
OUT = Path(__file__).resolve().parent / "custom-ml100k"


def main() -> None:
    raw = load_dataset("ml-100k")
    events = raw.interactions[raw.interactions["user"] <= N_USERS]
    OUT.mkdir(parents=True, exist_ok=True)
    stamps = pd.to_datetime(events["timestamp"], unit="s", utc=True).dt.strftime("%Y-%m-%dT%H:%M:%S")
    events.assign(timestamp=stamps)[["user", "item", "timestamp", "rating"]].to_csv(OUT / "interactions.csv", index=False)
    users = raw.users[raw.users["user"] <= N_USERS][["user", "age", "gender", "occupation"]]
    users.to_csv(OUT / "users.csv", index=False)
    items = raw.items[raw.items["item"].isin(events["item"])]
    genre_columns = [f"genre_{g}" for g in raw.genre_names]
    genres = items[genre_columns].apply(lambda row: "|".join(g for g, c in zip(raw.genre_names, row) if c), axis=1)
    items.assign(genres=genres)[["item", "title", "genres"]].to_csv(OUT / "items.csv", index=False)
    print(f"{OUT}: {len(events)} interactions, {len(users)} users, {len(items)} items")


if __name__ == "__main__":
    main()
