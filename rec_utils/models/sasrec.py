"""SASRec (Kang & McAuley, ICDM 2018): causal self-attention over the item sequence.

Item embedding (scaled by ``sqrt(d)``) plus a learned position embedding -> dropout -> ``blocks``
pre-norm Transformer blocks (causal multi-head attention, point-wise feed-forward of width ``d`` as in
the paper, or ``ffn_dim``; residuals, dropout) -> layer norm. The output at step ``t`` scores item ``i`` by the inner product
with ``i``'s (shared) embedding. Trained at every step of each chunk, with the paper's binary
cross-entropy and one sampled negative per step (``loss="bce"``), BPR with one negative
(``"bpr"``), or full-softmax cross-entropy over all items (``"ce"``; Klenitskiy & Vasilev, RecSys
2023, show it is much stronger). Training windows end ``stride`` items apart (default ``max_len``);
a smaller stride trains each target once per epoch with a longer context and more steps. Sequences are
right-padded; under the causal mask a real step never attends to the padding after it.

The block layout is the original's by default (pre-norm, ReLU, dropout also inside the feed-forward, as in
Kang's code); ``norm_first=False, activation="gelu", inner_dropout=0.0`` gives RecBole's layout (post-norm,
GELU, no dropout between the two feed-forward layers), which the side-by-side benchmark times against it.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from rec_utils.models.components import causal_mask, check_loss, last_step, next_item_loss
from rec_utils.preprocessing import ProcessedData


class SASRec(nn.Module):
    """Causal Transformer encoder over item + position embeddings, tied output embeddings."""

    name = "SASRec"
    examples = "chunks"

    def __init__(self, n_items: int, max_len: int = 50, dim: int = 64, blocks: int = 2, heads: int = 1,
                 dropout: float = 0.2, loss: str = "bce", stride: int | None = None, ffn_dim: int | None = None,
                 norm_first: bool = True, activation: str = "relu", inner_dropout: float | None = None):
        super().__init__()
        self.n_items, self.max_len, self.loss_type = n_items, max_len, check_loss(loss)
        self.stride = max_len if stride is None else stride  # training windows' spacing (rec_utils.examples)
        self.item_embedding = nn.Embedding(n_items + 1, dim, padding_idx=0)
        self.position_embedding = nn.Embedding(max_len, dim)
        self.dropout = nn.Dropout(dropout)
        if activation not in ("relu", "gelu"):
            raise ValueError(f"activation must be 'relu' or 'gelu', got {activation!r}")
        layer = nn.TransformerEncoderLayer(dim, heads, dim_feedforward=ffn_dim or dim, dropout=dropout,
                                           activation=activation, batch_first=True, norm_first=norm_first)
        if inner_dropout is not None:  # the dropout between the feed-forward's two layers (torch names it `dropout`)
            layer.dropout = nn.Dropout(inner_dropout)
        self.encoder = nn.TransformerEncoder(layer, blocks, enable_nested_tensor=False)
        self.final_norm = nn.LayerNorm(dim)
        self.scale = math.sqrt(dim)
        nn.init.xavier_normal_(self.item_embedding.weight[1:])

    @classmethod
    def from_data(cls, data: ProcessedData, **hyperparameters) -> "SASRec":
        return cls(data.n_items, **hyperparameters)

    def sequence_output(self, inputs: torch.Tensor) -> torch.Tensor:
        """``[B, L, dim]``: position ``t`` attends to positions ``0..t`` only."""
        length = inputs.shape[1]
        if length > self.max_len:
            raise ValueError(f"inputs have {length} positions, more than max_len={self.max_len}")
        positions = torch.arange(length, device=inputs.device)
        x = self.item_embedding(inputs) * self.scale + self.position_embedding(positions)
        x = self.encoder(self.dropout(x), mask=causal_mask(length, inputs.device), is_causal=True)
        return self.final_norm(x)

    def loss(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> torch.Tensor:
        return next_item_loss(self.sequence_output(batch["inputs"]), batch["targets"], self.item_embedding.weight,
                              self.loss_type, generator)

    def score_all(self, users: torch.Tensor, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return last_step(self.sequence_output(inputs), lengths) @ self.item_embedding.weight.T
