"""Popularity: every user gets the items ranked by their training-split interaction count."""
from __future__ import annotations

import numpy as np
import torch

from rec_utils.preprocessing import ProcessedData


class Popularity:
    """Scores each item by how often it occurs among training events (the floor for every model)."""

    name = "Popularity"

    def __init__(self, item_counts: np.ndarray):
        self.scores = torch.as_tensor(item_counts, dtype=torch.float32)
        self.n_items = len(item_counts) - 1

    @classmethod
    def fit(cls, data: ProcessedData) -> "Popularity":
        """Count training events only: validation and test targets never inform the scores."""
        return cls(data.train_item_counts())

    def score_all(self, users: torch.Tensor, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The same training counts for every case."""
        return self.scores.to(users.device).expand(len(users), -1)
