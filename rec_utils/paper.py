"""Numbers the paper reports (as they survive in its text: the team's notes on the paper are in shared/paper/PAPER_NOTES.md, beside this repository, not in it).

Reference values to print beside ours, never results of this workbook. The paper's protocol
(split, candidates, tie handling, seen-item masking) is unstated, so they are not like-for-like.
"""
from __future__ import annotations

PAPER_SOURCE = ("Personalized Recommendation System Using Deep Learning with Bayesian Personalized Ranking, "
                "Computers, Materials & Continua 86(3), 2026, doi 10.32604/cmc.2025.071192")

# Test metrics of LSTM-Attention-BPR; only K = 100 survives for MovieLens (abstract / Section 6).
PAPER_REPORTED: dict[str, dict[str, float]] = {
    "ml-100k": {"HR@100": 0.6763, "NDCG@100": 0.1892, "MRR@100": 0.0796, "Precision@100": 0.0068},
    "ml-1m": {"HR@100": 0.6826, "NDCG@100": 0.1920, "MRR@100": 0.0813, "Precision@100": 0.0068},
    "lastfm-1k": {"HR@10": 0.5260, "HR@50": 0.6536, "NDCG@10": 0.3009, "NDCG@50": 0.3263,
                  "Precision@10": 0.0263, "Precision@50": 0.0130,
                  "HR@100": 0.7937, "NDCG@100": 0.3701, "MRR@100": 0.2756, "Precision@100": 0.0078},
}


def reported(dataset: str) -> dict[str, float]:
    """The paper's reported test metrics for ``dataset`` (empty when the paper has none)."""
    return dict(PAPER_REPORTED.get(dataset, {}))


# Table 2 (Last.fm; K = 100, the cut-off of its Adam row, which equals Table 1's NDCG@100 and MRR@100).
PAPER_TABLE2: dict[str, dict[str, float]] = {
    "adam": {"NDCG@100": 0.3701, "MRR@100": 0.2756},
    "sgd": {"NDCG@100": 0.2821, "MRR@100": 0.1935},
    "rmsprop": {"NDCG@100": 0.2567, "MRR@100": 0.1471},
    "adagrad": {"NDCG@100": 0.2506, "MRR@100": 0.1681},
}
PAPER_TABLE2_DATASET = "lastfm-1k"

# Cold start (Last.fm users with fewer than 5 interactions; the cut-off K is not stated).
PAPER_COLD_START: dict[str, dict[str, float]] = {
    "LSTM-Attention-BPR": {"NDCG": 0.291, "HR": 0.612},
    "LightGCN": {"NDCG": 0.246, "HR": 0.543},
    "BPR-MF": {"NDCG": 0.254, "HR": 0.558},
}
