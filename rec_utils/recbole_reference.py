"""RecBole 1.2.1 reference numbers on MovieLens-100K (``reference/``, measured by the team on a 2-core
CPU with leave-one-out and full ranking) and the comparison of its split with ours.

RecBole masks already-seen items for its general models and not for its sequential ones; a fair
check evaluates our models under the same rule (``RECBOLE_MASKS_SEEN``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rec_utils import paths
from rec_utils.preprocessing import ProcessedData

REFERENCE_DIR = paths.REPO_ROOT / "reference"
# Our Table 3 row -> RecBole's run name (the same loss where RecBole has several).
RECBOLE_RUN = {"Popularity": "Pop", "ItemKNN": "ItemKNN", "BPR-MF": "BPR", "FPMC": "FPMC", "LightGCN": "LightGCN",
               "GRU4Rec": "GRU4Rec-CE", "NARM": "NARM-CE", "SASRec": "SASRec-BPR", "SASRec-CE": "SASRec-CE",
               "BERT4Rec": "BERT4Rec-CE"}


def load_reference_table(path: Path = REFERENCE_DIR / "recbole-ml100k.md") -> pd.DataFrame:
    """The markdown results table of the reference file, indexed by run name, numbers as floats."""
    lines = [line for line in Path(path).read_text().splitlines() if line.startswith("|")]
    if len(lines) < 3:
        raise ValueError(f"{path}: no markdown table found")
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
    bad = [i for i, r in enumerate(rows) if len(r) != len(header)]
    if bad:
        raise ValueError(f"{path}: table row {bad[0] + 1} has a different number of cells than the header")
    table = pd.DataFrame(rows, columns=header).set_index("run")
    for column in table.columns:
        if column not in ("kind", "capped"):
            table[column] = pd.to_numeric(table[column], errors="raise")
    table["capped"] = table["capped"].eq("capped")
    return table


def recbole_masks_seen(kind: str) -> bool:
    """RecBole's rule: masked for general models, not for sequential ones."""
    if kind not in ("general", "sequential"):
        raise ValueError(f"kind must be 'general' or 'sequential', got {kind!r}")
    return kind == "general"


def compare_split(data: ProcessedData, path: Path = REFERENCE_DIR / "recbole-ml100k-split.tsv") -> pd.DataFrame:
    """Every user whose validation or test item differs between RecBole's split and ours, with the
    timestamps of the four items and the largest gap between two items that differ. RecBole min-max normalises timestamps to float32
    (about 1.3 s resolution on ml-100k's range), so events a second apart tie there and its sort order
    decides; here raw timestamps decide, equal ones keep file order."""
    reference = pd.read_csv(path, sep="\t")
    missing = {"user_id", "valid_item_id", "test_item_id"} - set(reference.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    ours = pd.DataFrame({"user_id": data.user_ids[data.test.users - 1],
                         "our_valid": data.item_ids[data.valid.targets - 1],
                         "our_test": data.item_ids[data.test.targets - 1]})
    merged = reference.merge(ours, on="user_id", how="outer", indicator=True)
    if (merged["_merge"] != "both").any():
        raise ValueError(f"{path}: users differ between RecBole's split and ours "
                         f"({int((merged['_merge'] != 'both').sum())} users)")
    differ = merged[(merged["valid_item_id"] != merged["our_valid"]) | (merged["test_item_id"] != merged["our_test"])]
    seq = data.sequences
    stamps = {}
    for user in differ["user_id"]:
        events = seq[seq["user_idx"] == int(np.searchsorted(data.user_ids, user)) + 1]
        stamps[user] = dict(zip(data.item_ids[events["item_idx"].to_numpy() - 1].tolist(), events["timestamp"].tolist()))
    out = differ.drop(columns="_merge").copy()
    for column in ("valid_item_id", "test_item_id", "our_valid", "our_test"):
        out[f"{column} time"] = [stamps[u][i] for u, i in zip(out["user_id"], out[column])]
    gap_valid = (out["valid_item_id time"] - out["our_valid time"]).abs().where(out["valid_item_id"] != out["our_valid"], 0)
    gap_test = (out["test_item_id time"] - out["our_test time"]).abs().where(out["test_item_id"] != out["our_test"], 0)
    out["largest gap between differing items (s)"] = np.maximum(gap_valid, gap_test)
    return out.reset_index(drop=True)
