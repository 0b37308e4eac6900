"""GRU4Rec (Hidasi et al., ICLR 2016; Hidasi & Karatzoglou, CIKM 2018): a GRU reads the item sequence.

Item embedding -> dropout -> GRU -> linear back to the embedding size; the score of item ``i`` after
step ``t`` is the inner product with ``i``'s embedding (tied output, as in RecBole's GRU4Rec). Trained
at every step of each training chunk with full-softmax cross-entropy (``loss="ce"``, the strongest
loss in Hidasi & Czapp, RecSys 2023) or BPR with one sampled negative (``loss="bpr"``).
"""
from __future__ import annotations

import torch
from torch import nn

from rec_utils.models.components import check_loss, last_step, next_item_loss
from rec_utils.preprocessing import ProcessedData


class GRU4Rec(nn.Module):
    """GRU over item embeddings; the last real step's output scores every item."""

    name = "GRU4Rec"
    examples = "chunks"

    def __init__(self, n_items: int, max_len: int = 50, emb_dim: int = 64, hidden_dim: int = 128,
                 layers: int = 1, dropout: float = 0.3, loss: str = "ce"):
        super().__init__()
        self.n_items, self.max_len, self.loss_type = n_items, max_len, check_loss(loss)
        self.item_embedding = nn.Embedding(n_items + 1, emb_dim, padding_idx=0)
        self.dropout = nn.Dropout(dropout)
        self.gru = nn.GRU(emb_dim, hidden_dim, num_layers=layers, batch_first=True)
        self.project = nn.Linear(hidden_dim, emb_dim)
        nn.init.xavier_normal_(self.item_embedding.weight[1:])

    @classmethod
    def from_data(cls, data: ProcessedData, **hyperparameters) -> "GRU4Rec":
        return cls(data.n_items, **hyperparameters)

    def sequence_output(self, inputs: torch.Tensor) -> torch.Tensor:
        """``[B, L, emb_dim]``: position ``t`` summarises items ``0..t`` (causal, so padding after is harmless)."""
        hidden, _ = self.gru(self.dropout(self.item_embedding(inputs)))
        return self.project(hidden)

    def loss(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> torch.Tensor:
        return next_item_loss(self.sequence_output(batch["inputs"]), batch["targets"], self.item_embedding.weight,
                              self.loss_type, generator)

    def score_all(self, users: torch.Tensor, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return last_step(self.sequence_output(inputs), lengths) @ self.item_embedding.weight.T
