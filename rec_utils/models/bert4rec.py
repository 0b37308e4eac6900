"""BERT4Rec (Sun et al., CIKM 2019): a bidirectional Transformer trained to recover masked items.

Training: in each chunk of a user's training sequence, every real item is replaced by a ``[mask]``
token with probability ``mask_prob`` (at least one per chunk: the last item when none was drawn);
the model predicts the original items at the masked positions with full-softmax cross-entropy.
Prediction: the last ``max_len - 1`` history items are followed by one ``[mask]`` (so the mask sits at
a position training has used, as in RecBole); its output scores every item. Training windows end
``stride`` items apart (default ``max_len``; Sun et al.'s code slides by 0.1 ``max_len``). Post-norm
Transformer blocks with GELU and a feed-forward of width ``4 d``; the output head is
``LayerNorm(GELU(W h))`` times the shared item embeddings plus a per-item bias, as in the paper.
Padding positions are excluded from attention by a key-padding mask.
"""
from __future__ import annotations

import torch
from torch import nn

from rec_utils.preprocessing import ProcessedData


class BERT4Rec(nn.Module):
    """Bidirectional Transformer over item + position embeddings with a ``[mask]`` token."""

    name = "BERT4Rec"
    examples = "chunks"
    shift = False  # chunks hold the items themselves: the targets are the masked ones

    def __init__(self, n_items: int, max_len: int = 50, dim: int = 64, blocks: int = 2, heads: int = 2,
                 dropout: float = 0.1, mask_prob: float = 0.2, stride: int | None = None):
        super().__init__()
        if not 0 < mask_prob < 1:
            raise ValueError(f"mask_prob must be in (0, 1), got {mask_prob}")
        if max_len < 2:
            raise ValueError(f"max_len must be >= 2 (history and [mask]), got {max_len}")
        self.n_items, self.max_len, self.mask_prob = n_items, max_len, mask_prob
        self.stride = max_len if stride is None else stride  # training windows' spacing (rec_utils.examples)
        self.mask_token = n_items + 1
        self.item_embedding = nn.Embedding(n_items + 2, dim, padding_idx=0)
        self.position_embedding = nn.Embedding(max_len, dim)
        self.input_norm = nn.LayerNorm(dim)
        self.dropout = nn.Dropout(dropout)
        layer = nn.TransformerEncoderLayer(dim, heads, dim_feedforward=4 * dim, dropout=dropout, activation="gelu",
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, blocks, enable_nested_tensor=False)
        self.head = nn.Sequential(nn.Linear(dim, dim), nn.GELU(), nn.LayerNorm(dim))
        self.output_bias = nn.Parameter(torch.zeros(n_items + 1))
        nn.init.trunc_normal_(self.item_embedding.weight, std=0.02)
        nn.init.trunc_normal_(self.position_embedding.weight, std=0.02)
        with torch.no_grad():
            self.item_embedding.weight[0].zero_()

    @classmethod
    def from_data(cls, data: ProcessedData, **hyperparameters) -> "BERT4Rec":
        return cls(data.n_items, **hyperparameters)

    def encode(self, tokens: torch.Tensor) -> torch.Tensor:
        """``[B, L, dim]`` head outputs; padding (token 0) is never attended to."""
        length = tokens.shape[1]
        if length > self.max_len:
            raise ValueError(f"inputs have {length} positions, more than max_len = {self.max_len}")
        positions = torch.arange(length, device=tokens.device)
        x = self.dropout(self.input_norm(self.item_embedding(tokens) + self.position_embedding(positions)))
        x = self.encoder(x, src_key_padding_mask=tokens == 0)
        return self.head(x)

    def _logits(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden @ self.item_embedding.weight[:self.n_items + 1].T + self.output_bias

    def loss(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> torch.Tensor:
        """Cross-entropy of the original items at randomly masked positions."""
        items, lengths = batch["inputs"], batch["lengths"]
        real = items > 0
        masked = (torch.rand(items.shape, generator=generator).to(items.device) < self.mask_prob) & real
        none = ~masked.any(dim=1)
        masked[none, (lengths[none] - 1).clamp(min=0)] = True
        masked &= real
        tokens = torch.where(masked, torch.full_like(items, self.mask_token), items)
        logits = self._logits(self.encode(tokens)[masked])
        logits[:, 0] = float("-inf")
        return nn.functional.cross_entropy(logits, items[masked])

    def score_all(self, users: torch.Tensor, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        rows = torch.arange(len(inputs), device=inputs.device)
        tokens = nn.functional.pad(inputs, (0, 1))
        tokens[rows, lengths] = self.mask_token
        full = lengths >= self.max_len  # drop the oldest item so that the [mask] lands on a trained position
        tokens[full] = tokens[full].roll(-1, dims=1)
        tokens = tokens[:, :self.max_len]
        hidden = self.encode(tokens)
        return self._logits(hidden[rows, lengths.clamp(max=self.max_len - 1)])
