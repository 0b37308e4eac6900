"""ItemKNN (Sarwar et al., WWW 2001; Deshpande & Karypis, TOIS 2004): item-item cosine neighbours.

Similarity ``sim(i, j) = |U_i ∩ U_j| / (sqrt(|U_i|) sqrt(|U_j|) + shrink)`` on the binary training
user-item matrix; each item keeps its ``k`` most similar other items. A user's score for item ``j`` is
the sum of ``sim(i, j)`` over the items ``i`` in the user's training history (RecBole's ItemKNN, the
reference implementation, does the same with ``k = 100``, ``shrink = 0``). Not trained, no loss.
"""
from __future__ import annotations

import numpy as np
import torch

from rec_utils.examples import training_interactions
from rec_utils.preprocessing import ProcessedData

MAX_ITEMS = 40_000  # the dense similarity matrix takes 4 * MAX_ITEMS**2 bytes (6.4 GB)


class ItemKNN:
    """Scores = user's binary training history times the sparsified item-item cosine matrix."""

    name = "ItemKNN"

    def __init__(self, history: torch.Tensor, similarity: torch.Tensor):
        self.history = history            # [n_users + 1, n_items + 1] binary, training events only
        self.similarity = similarity      # [n_items + 1, n_items + 1]; column j holds item j's neighbours
        self.n_items = history.shape[1] - 1

    @classmethod
    def fit(cls, data: ProcessedData, k: int = 100, shrink: float = 0.0) -> "ItemKNN":
        """Cosine similarity of training co-occurrence, ``k`` neighbours kept per item."""
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        if data.n_items > MAX_ITEMS:
            raise ValueError(f"ItemKNN keeps a dense item-item matrix: {data.n_items} items is above its limit of {MAX_ITEMS}")
        if shrink < 0:
            raise ValueError(f"shrink must be >= 0, got {shrink}")
        pairs = training_interactions(data)
        n_u, n_i = data.n_users + 1, data.n_items + 1
        matrix = torch.zeros(n_u, n_i)
        matrix[torch.from_numpy(pairs["users"].copy()), torch.from_numpy(pairs["items"].copy())] = 1.0
        co = matrix.T @ matrix
        norms = co.diagonal().sqrt()
        sim = co / (norms[:, None] * norms[None, :] + shrink).clamp(min=1e-12)
        sim.fill_diagonal_(0.0)
        keep = min(k, n_i - 1)
        top = sim.topk(keep, dim=1)  # similarity is symmetric: row j's top k = column j's top k
        neighbours = torch.zeros_like(sim).scatter_(1, top.indices, top.values).T.contiguous()
        return cls(matrix, neighbours)

    def score_all(self, users: torch.Tensor, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Sum, over the user's training items ``i``, of ``sim(i, j)`` where ``i`` is among ``j``'s neighbours.

        User 0 (no id: an anonymous history) is scored from the items in ``inputs`` instead.
        """
        users = users.cpu()
        rows = self.history[users].clone()
        anonymous = (users == 0).nonzero().flatten()
        if len(anonymous):
            rows[anonymous] = 0.0
            items = inputs.cpu()[anonymous]
            rows[anonymous.unsqueeze(1).expand_as(items), items] = 1.0
            rows[anonymous, 0] = 0.0  # padding
        return (rows @ self.similarity).to(inputs.device)
