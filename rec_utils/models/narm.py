"""NARM (Li et al., CIKM 2017): a GRU encoder with a global (last state) and a local (attention) view.

At step ``t``: ``c_g = h_t``; ``alpha_tj = v^T sigmoid(A1 h_j + A2 h_t)`` for ``j <= t``;
``c_l = sum_j alpha_tj h_j``; ``c = dropout([c_g ; c_l])``; the score of item ``i`` is
``emb_i^T B c`` (bilinear decoder). Dropout 0.25 after the embedding and 0.5 before the decoder, as in
the paper. Trained with full-softmax cross-entropy at every step of each chunk, the attention
restricted to steps ``<= t`` so that each step sees exactly the prefix it would see at evaluation.
"""
from __future__ import annotations

import torch
from torch import nn

from rec_utils.models.components import check_loss, next_item_loss
from rec_utils.preprocessing import ProcessedData


class NARM(nn.Module):
    """GRU encoder + causal additive attention + bilinear decoder."""

    name = "NARM"
    examples = "chunks"

    def __init__(self, n_items: int, max_len: int = 50, emb_dim: int = 64, hidden_dim: int = 128,
                 embedding_dropout: float = 0.25, context_dropout: float = 0.5, loss: str = "ce"):
        super().__init__()
        self.n_items, self.max_len, self.loss_type = n_items, max_len, check_loss(loss)
        self.item_embedding = nn.Embedding(n_items + 1, emb_dim, padding_idx=0)
        self.embedding_dropout = nn.Dropout(embedding_dropout)
        self.gru = nn.GRU(emb_dim, hidden_dim, batch_first=True)
        self.a1 = nn.Linear(hidden_dim, hidden_dim, bias=False)
        self.a2 = nn.Linear(hidden_dim, hidden_dim, bias=False)
        self.v = nn.Linear(hidden_dim, 1, bias=False)
        self.context_dropout = nn.Dropout(context_dropout)
        self.decoder = nn.Linear(2 * hidden_dim, emb_dim, bias=False)
        nn.init.xavier_normal_(self.item_embedding.weight[1:])

    @classmethod
    def from_data(cls, data: ProcessedData, **hyperparameters) -> "NARM":
        return cls(data.n_items, **hyperparameters)

    def outputs_at(self, inputs: torch.Tensor, lengths: torch.Tensor, rows: torch.Tensor, steps: torch.Tensor
                   ) -> torch.Tensor:
        """``[P, emb_dim]``: the output at step ``steps[p]`` of sequence ``rows[p]``, attending over its real
        steps ``0..t`` only. Attention and the context dropout are computed for these steps alone (``P x L``
        energies instead of ``B x L x L``), so scoring the last step or training on sparse targets costs ``L``
        times less."""
        hidden, _ = self.gru(self.embedding_dropout(self.item_embedding(inputs)))
        keys, hidden_rows = self.a1(hidden), hidden
        each_row_once = len(rows) == len(inputs) and bool((rows == torch.arange(len(inputs), device=rows.device)).all())
        if not each_row_once:  # with one output per sequence, in order (scoring), the gather would only copy
            keys, hidden_rows = keys[rows], hidden[rows]                      # [P, L, H]
        current = hidden[rows, steps]                                         # [P, H]
        energy = self.v(torch.sigmoid(keys + self.a2(current).unsqueeze(1))).squeeze(-1)   # [P, L]
        positions = torch.arange(inputs.shape[1], device=inputs.device)
        allowed = (positions[None, :] <= steps[:, None]) & (positions[None, :] < lengths[rows, None])
        local = (energy * allowed).unsqueeze(1).bmm(hidden_rows).squeeze(1)   # NARM's weights are not normalised
        return self.decoder(self.context_dropout(torch.cat([current, local], dim=-1)))

    def loss(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> torch.Tensor:
        rows, steps = (batch["targets"] > 0).nonzero(as_tuple=True)
        return next_item_loss(self.outputs_at(batch["inputs"], batch["lengths"], rows, steps),
                              batch["targets"][rows, steps], self.item_embedding.weight, self.loss_type, generator)

    def score_all(self, users: torch.Tensor, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        rows = torch.arange(len(inputs), device=inputs.device)
        output = self.outputs_at(inputs, lengths, rows, (lengths - 1).clamp(min=0))
        return (output * (lengths > 0).unsqueeze(1).to(output.dtype)) @ self.item_embedding.weight.T
