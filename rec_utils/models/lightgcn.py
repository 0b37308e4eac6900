"""LightGCN (He et al., SIGIR 2020): embeddings smoothed over the user-item graph, no transforms.

``E^(k+1) = D^-1/2 A D^-1/2 E^(k)`` on the bipartite graph of training events; the final embedding is
the mean of layers ``0..K``; score = inner product. Trained with BPR (per training event, one negative drawn
among the items the user has not interacted with) plus the paper's L2 penalty ``reg * (|e_u|^2 + |e_i|^2 + |e_j|^2) / 2`` on the layer-0
embeddings of the batch, divided by the batch size.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from rec_utils.examples import training_interactions
from rec_utils.models.components import sample_unseen_items, training_history
from rec_utils.preprocessing import ProcessedData


def normalised_adjacency(users: np.ndarray, items: np.ndarray, n_users: int, n_items: int) -> torch.Tensor:
    """Sparse ``D^-1/2 A D^-1/2`` over nodes ``[users 0..n_users ; items 0..n_items]`` (row 0s are padding)."""
    n_u = n_users + 1
    rows = np.concatenate([users, items + n_u])
    cols = np.concatenate([items + n_u, users])
    size = n_u + n_items + 1
    degree = np.bincount(rows, minlength=size).astype(np.float64)
    inv_sqrt = np.where(degree > 0, 1.0 / np.sqrt(np.maximum(degree, 1)), 0.0)
    values = inv_sqrt[rows] * inv_sqrt[cols]
    index = torch.from_numpy(np.vstack([rows, cols]))
    return torch.sparse_coo_tensor(index, torch.from_numpy(values).float(), (size, size)).coalesce().to_sparse_csr()


class LightGCN(nn.Module):
    """Layer-averaged propagation of user and item embeddings over the training graph."""

    name = "LightGCN"
    examples = "interactions"

    def __init__(self, adjacency: torch.Tensor, history: torch.Tensor, dim: int = 64, layers: int = 3,
                 reg: float = 1e-4):
        super().__init__()
        n_users, n_items = history.shape[0] - 1, history.shape[1] - 1
        if layers < 0:
            raise ValueError(f"layers must be >= 0, got {layers}")
        self.n_users, self.n_items, self.layers, self.reg = n_users, n_items, layers, reg
        self.embedding = nn.Embedding(n_users + 1 + n_items + 1, dim)
        nn.init.normal_(self.embedding.weight, std=0.1)
        self.register_buffer("adjacency", adjacency, persistent=False)
        self.register_buffer("history", history, persistent=False)  # negatives are drawn outside it
        self._cached: torch.Tensor | None = None

    @classmethod
    def from_data(cls, data: ProcessedData, dim: int = 64, layers: int = 3, reg: float = 1e-4) -> "LightGCN":
        pairs = training_interactions(data)
        adjacency = normalised_adjacency(pairs["users"], pairs["items"], data.n_users, data.n_items)
        return cls(adjacency, training_history(data), dim, layers, reg)

    def propagate(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Final (layer-averaged) user ``[n_users + 1, d]`` and item ``[n_items + 1, d]`` embeddings."""
        layer = self.embedding.weight
        total = layer
        for _ in range(self.layers):
            layer = self.adjacency @ layer
            total = total + layer
        final = total / (self.layers + 1)
        return final[:self.n_users + 1], final[self.n_users + 1:]

    def train(self, mode: bool = True) -> "LightGCN":
        self._cached = None  # weights may change: propagate again at the next evaluation
        return super().train(mode)

    def loss(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> torch.Tensor:
        """BPR on propagated embeddings plus the L2 penalty on the batch's layer-0 embeddings."""
        users, pos = batch["users"], batch["items"]
        neg = sample_unseen_items(users, self.history, generator)
        user_final, item_final = self.propagate()
        u = user_final[users]
        diff = (u * item_final[pos]).sum(-1) - (u * item_final[neg]).sum(-1)
        base = self.embedding.weight
        offset = self.n_users + 1
        penalty = (base[users].pow(2).sum() + base[pos + offset].pow(2).sum() + base[neg + offset].pow(2).sum()) / 2
        return -nn.functional.logsigmoid(diff).mean() + self.reg * penalty / len(users)

    def score_all(self, users: torch.Tensor, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if self.training or self._cached is None:
            with torch.no_grad():
                self._cached = torch.cat(self.propagate(), dim=0)
        final = self._cached
        return final[users] @ final[self.n_users + 1:].T
