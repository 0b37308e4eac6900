"""BPR-MF (Rendle et al., UAI 2009): matrix factorisation trained with the BPR pairwise objective.

A user's score for an item is ``<p_u, q_i>``. Training pairs are every training-split event
``(u, i)`` with one uniformly sampled negative item ``j``; loss ``-log sigmoid(s_ui - s_uj)``.
The sequence input is ignored: this is a general (non-sequential) model.
"""
from __future__ import annotations

import torch
from torch import nn

from rec_utils.models.components import sample_unseen_items, training_history
from rec_utils.preprocessing import ProcessedData


class BPRMF(nn.Module):
    """User and item embeddings; score = inner product."""

    name = "BPR-MF"
    examples = "interactions"

    def __init__(self, history: torch.Tensor, dim: int = 64):
        super().__init__()
        n_users, n_items = history.shape[0] - 1, history.shape[1] - 1
        self.n_items = n_items
        self.register_buffer("history", history, persistent=False)  # negatives are drawn outside it
        self.user_embedding = nn.Embedding(n_users + 1, dim, padding_idx=0)
        self.item_embedding = nn.Embedding(n_items + 1, dim, padding_idx=0)
        nn.init.xavier_normal_(self.user_embedding.weight[1:])
        nn.init.xavier_normal_(self.item_embedding.weight[1:])

    @classmethod
    def from_data(cls, data: ProcessedData, dim: int = 64) -> "BPRMF":
        return cls(training_history(data), dim)

    def loss(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> torch.Tensor:
        """BPR loss of the batch's ``(users, items)`` against one sampled negative each."""
        users, pos = batch["users"], batch["items"]
        neg = sample_unseen_items(users, self.history, generator)
        u = self.user_embedding(users)
        diff = (u * self.item_embedding(pos)).sum(-1) - (u * self.item_embedding(neg)).sum(-1)
        return -nn.functional.logsigmoid(diff).mean()

    def score_all(self, users: torch.Tensor, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.user_embedding(users) @ self.item_embedding.weight.T
