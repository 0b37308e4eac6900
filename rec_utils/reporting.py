"""Tables for the notebooks and the README: seed summaries, Table 1, Markdown rendering."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from rec_utils.metrics import DEFAULT_KS, metric_names


def summarise_seeds(per_seed: Sequence[Mapping[str, float]]) -> pd.DataFrame:
    """Mean and sample standard deviation of each metric over seeds (std is NaN for one seed: undefined)."""
    frame = pd.DataFrame(list(per_seed))
    return pd.DataFrame({"mean": frame.mean(), "std": frame.std(ddof=1), "seeds": len(frame)})


def table1(ours_per_seed: Sequence[Mapping[str, float]], baseline: Mapping[str, float],
           paper: Mapping[str, float], ks: Sequence[int] = DEFAULT_KS,
           ours_label: str = "LSTM-Attention-BPR (ours)", baseline_label: str = "Popularity") -> pd.DataFrame:
    """Table 1: one row per metric@K; ours (mean, std over seeds), the baseline, the paper's number."""
    summary = summarise_seeds(ours_per_seed)
    rows = []
    for name in metric_names(ks):
        metric, k = name.split("@")
        rows.append({"metric": metric, "K": int(k), f"{ours_label} mean": summary.loc[name, "mean"],
                     f"{ours_label} std": summary.loc[name, "std"], baseline_label: baseline[name],
                     "paper (reported)": paper.get(name, np.nan)})
    return pd.DataFrame(rows)


def format_table1(table: pd.DataFrame) -> pd.DataFrame:
    """Table 1 as strings, ``mean ± std`` for ours, ``–`` where the paper gives no number."""
    ours = [c for c in table.columns if c.endswith(" mean")][0].removesuffix(" mean")
    out = pd.DataFrame({"metric": table["metric"] + "@" + table["K"].astype(str)})
    out[ours] = [f"{m:.4f}" + (" (one seed)" if pd.isna(s) else f" ± {s:.4f}")
                 for m, s in zip(table[f"{ours} mean"], table[f"{ours} std"])]
    for column in table.columns[4:]:
        out[column] = [("–" if pd.isna(v) else f"{v:.4f}") for v in table[column]]
    return out


def to_markdown(frame: pd.DataFrame) -> str:
    """A GitHub Markdown table of a frame's values as printed."""
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body]) + "\n"


TABLE3_COLUMNS = tuple(f"{m}@{k}" for k in (10, 100) for m in ("HR", "NDCG", "MRR", "Precision"))


def table3(per_model: Mapping[str, Sequence[Mapping[str, float]]], seconds: Mapping[str, Sequence[float]],
           columns: Sequence[str] = TABLE3_COLUMNS) -> pd.DataFrame:
    """Table 3 in numbers: per model (rows, in the given order) the mean and std over seeds of each
    metric, the number of seeds, and the median seconds one seed's training (or fitting) took."""
    rows = []
    for name, per_seed in per_model.items():
        summary = summarise_seeds(per_seed)
        row = {"model": name, "seeds": len(per_seed)}
        for column in columns:
            row[f"{column} mean"], row[f"{column} std"] = summary.loc[column, "mean"], summary.loc[column, "std"]
        row["train seconds"] = float(np.median(seconds[name]))
        rows.append(row)
    return pd.DataFrame(rows).set_index("model")


def format_table3(table: pd.DataFrame, columns: Sequence[str] = TABLE3_COLUMNS) -> pd.DataFrame:
    """Table 3 as strings: ``mean ± std`` per cell, the best mean of each column in bold."""
    out = pd.DataFrame(index=table.index)
    for column in columns:
        means, stds = table[f"{column} mean"], table[f"{column} std"]
        best = means.max()
        cells = [f"{m:.4f}" + ("" if pd.isna(s) else f" ± {s:.4f}") for m, s in zip(means, stds)]
        out[column] = [f"**{c}**" if np.isclose(m, best, rtol=0, atol=1e-12) else c for c, m in zip(cells, means)]
    out["seeds"] = table["seeds"].astype(int)
    out["train s"] = [f"{s:.1f}" for s in table["train seconds"]]
    return out.reset_index()
