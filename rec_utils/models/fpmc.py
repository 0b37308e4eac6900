"""FPMC (Rendle et al., WWW 2010): matrix factorisation plus factorised first-order item transitions.

``s(u, l, i) = <V_UI[u], V_IU[i]> + <V_IL[i], V_LI[l]>`` where ``l`` is the last item before the
target (the basket size is 1 in a sequence of single items). Trained with S-BPR: one uniformly
sampled negative per training window. The reference implementation (RecBole) does the same.
"""
from __future__ import annotations

import torch
from torch import nn

from rec_utils.models.components import last_step, sample_items
from rec_utils.preprocessing import ProcessedData


class FPMC(nn.Module):
    """User-item affinity plus last-item-to-item transition, both factorised."""

    name = "FPMC"
    examples = "windows"

    def __init__(self, n_users: int, n_items: int, dim: int = 64):
        super().__init__()
        self.n_items = n_items
        self.user_item = nn.Embedding(n_users + 1, dim, padding_idx=0)
        self.item_user = nn.Embedding(n_items + 1, dim, padding_idx=0)
        self.item_last = nn.Embedding(n_items + 1, dim, padding_idx=0)
        self.last_item = nn.Embedding(n_items + 1, dim, padding_idx=0)
        for table in (self.user_item, self.item_user, self.item_last, self.last_item):
            nn.init.normal_(table.weight[1:], std=0.01)

    @classmethod
    def from_data(cls, data: ProcessedData, dim: int = 64) -> "FPMC":
        return cls(data.n_users, data.n_items, dim)

    def _query(self, users: torch.Tensor, inputs: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        last = last_step(inputs.unsqueeze(-1), lengths).squeeze(-1)  # 0 (padding, a zero vector) when empty
        return self.user_item(users), self.last_item(last)

    def loss(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> torch.Tensor:
        """S-BPR: the target against one sampled negative, given user and last item."""
        u, l = self._query(batch["users"], batch["inputs"], batch["lengths"])
        pos = batch["targets"]
        neg = sample_items(pos.shape, pos, self.n_items, generator)
        score = lambda i: (u * self.item_user(i)).sum(-1) + (l * self.item_last(i)).sum(-1)
        return -nn.functional.logsigmoid(score(pos) - score(neg)).mean()

    def score_all(self, users: torch.Tensor, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        u, l = self._query(users, inputs, lengths)
        return u @ self.item_user.weight.T + l @ self.item_last.weight.T
