"""LSTM-Attention-BPR, the paper's model.

Reading of the paper (decisions where it is vague, stated in the README and notebook 03):
- An item is represented by ``[item embedding (emb_dim) ; mean of its genres' embeddings (genre_dim)]``.
  The same representation feeds the LSTM and is matched against the user vector for scoring.
- The LSTM (``hidden_dim``) reads the right-padded item sequence; additive attention
  ``alpha_t = softmax_t(v^T tanh(W h_t + b))`` over the real (non-padding) steps gives the context
  ``c = sum_t alpha_t h_t``. Because the sequence is right-padded and the LSTM is causal, the hidden
  states of real steps never see padding, so padding cannot change the output.
- ``[c ; user embedding ; one embedding per demographic field]`` goes through dropout and a dense
  layer to a vector in item space; an item's score is the inner product with its representation.
- A user with no history gets a zero context vector (the "default" sequence part) and is served by
  the user and demographic embeddings alone.
"""
from __future__ import annotations

import pandas as pd
import torch
from torch import nn

from rec_utils.preprocessing import ProcessedData


class LSTMAttentionBPR(nn.Module):
    """Sequence + user + demographics + genres -> a user vector; scores are inner products."""

    name = "LSTM-Attention-BPR"

    def __init__(self, n_users: int, n_items: int, item_genres: torch.Tensor,
                 user_features: torch.Tensor, feature_cardinalities: list[int],
                 emb_dim: int = 128, hidden_dim: int = 256, genre_dim: int = 32, demo_dim: int = 32,
                 dropout: float = 0.3, use_attention: bool = True, use_user_embedding: bool = True,
                 use_demographics: bool = True, use_genres: bool = True):
        super().__init__()
        if item_genres.shape[0] != n_items + 1:
            raise ValueError(f"item_genres has {item_genres.shape[0]} rows, expected n_items + 1 = {n_items + 1}")
        if user_features.shape[0] != n_users + 1:
            raise ValueError(f"user_features has {user_features.shape[0]} rows, expected n_users + 1 = {n_users + 1}")
        self.n_items = n_items
        self.use_attention = use_attention
        self.use_user_embedding = use_user_embedding
        self.use_demographics = use_demographics and len(feature_cardinalities) > 0
        self.use_genres = use_genres and item_genres.shape[1] > 0
        self.item_embedding = nn.Embedding(n_items + 1, emb_dim, padding_idx=0)
        item_dim = emb_dim
        if self.use_genres:
            counts = item_genres.sum(dim=1, keepdim=True).clamp(min=1.0)
            self.register_buffer("genre_weights", (item_genres / counts).float())
            self.genre_embedding = nn.Embedding(item_genres.shape[1], genre_dim)
            item_dim += genre_dim
        self.item_dim = item_dim
        self.dropout = nn.Dropout(dropout)
        self.lstm = nn.LSTM(item_dim, hidden_dim, batch_first=True)
        self.attention_proj = nn.Linear(hidden_dim, hidden_dim)
        self.attention_score = nn.Linear(hidden_dim, 1, bias=False)
        user_dim = hidden_dim
        if self.use_user_embedding:
            self.user_embedding = nn.Embedding(n_users + 1, emb_dim, padding_idx=0)
            user_dim += emb_dim
        self.register_buffer("user_features", user_features.long())
        if self.use_demographics:
            # one extra row per field: the "unknown" code (= the field's cardinality)
            self.demographic_embeddings = nn.ModuleList(nn.Embedding(c + 1, demo_dim) for c in feature_cardinalities)
            user_dim += demo_dim * len(feature_cardinalities)
        self.head = nn.Linear(user_dim, item_dim)
        self.reset_parameters()

    @classmethod
    def from_data(cls, data: ProcessedData, **hyperparameters) -> "LSTMAttentionBPR":
        """A model sized for ``data`` (users, items, genres, demographic fields)."""
        return cls(data.n_users, data.n_items, torch.from_numpy(data.item_genres),
                   torch.from_numpy(data.user_features), data.user_feature_cardinalities, **hyperparameters)

    def parameter_table(self) -> pd.DataFrame:
        """Trainable parameters per component, with the total in the last row."""
        rows = [(name, sum(p.numel() for p in module.parameters()))
                for name, module in self.named_children() if any(True for _ in module.parameters())]
        rows.append(("total", sum(p.numel() for p in self.parameters())))
        return pd.DataFrame(rows, columns=["component", "parameters"])

    def reset_parameters(self) -> None:
        """Xavier-normal embeddings and dense layers (padding rows zero), PyTorch's LSTM default."""
        for module in self.modules():
            if isinstance(module, nn.Embedding):
                nn.init.xavier_normal_(module.weight)
                if module.padding_idx is not None:
                    with torch.no_grad():
                        module.weight[module.padding_idx].zero_()
            elif isinstance(module, nn.Linear):
                nn.init.xavier_normal_(module.weight)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    # ------------------------------------------------------------------ representations
    def item_representation(self, items: torch.Tensor | None = None) -> torch.Tensor:
        """``[..., item_dim]`` representations of ``items`` (all ids 0..n_items when None)."""
        if items is None:
            emb = self.item_embedding.weight
            if not self.use_genres:
                return emb
            return torch.cat([emb, self.genre_weights @ self.genre_embedding.weight], dim=-1)
        emb = self.item_embedding(items)
        if not self.use_genres:
            return emb
        return torch.cat([emb, self.genre_weights[items] @ self.genre_embedding.weight], dim=-1)

    def encode_sequence(self, inputs: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Context vector ``[batch, hidden]`` and attention weights ``[batch, max_len]`` (0 on padding)."""
        mask = torch.arange(inputs.shape[1], device=inputs.device)[None, :] < lengths[:, None]
        hidden, _ = self.lstm(self.dropout(self.item_representation(inputs)))
        if self.use_attention:
            logits = self.attention_score(torch.tanh(self.attention_proj(hidden))).squeeze(-1)
            logits = logits.masked_fill(~mask, float("-inf"))
            weights = torch.softmax(logits, dim=1).nan_to_num(0.0)  # empty history: all-zero weights
        else:  # ablation: the last real hidden state
            weights = nn.functional.one_hot((lengths - 1).clamp(min=0), inputs.shape[1]).to(hidden.dtype)
            weights = weights * (lengths > 0)[:, None]
        context = torch.bmm(weights.unsqueeze(1), hidden).squeeze(1)
        return context, weights

    def user_representation(self, users: torch.Tensor, inputs: torch.Tensor, lengths: torch.Tensor,
                            features: torch.Tensor | None = None) -> torch.Tensor:
        """The vector in item space that scores items for each case; ``features`` (encoded demographics,
        ``[batch, fields]``) replaces the users' own, e.g. for a newcomer (user 0)."""
        context, _ = self.encode_sequence(inputs, lengths)
        parts = [context]
        if self.use_user_embedding:
            parts.append(self.user_embedding(users))
        if self.use_demographics:
            if features is None:
                features = self.user_features[users]
            parts.extend(emb(features[:, j]) for j, emb in enumerate(self.demographic_embeddings))
        return self.head(self.dropout(torch.cat(parts, dim=1)))

    def trace(self, users: torch.Tensor, inputs: torch.Tensor, lengths: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every intermediate tensor of a forward pass, in order, for inspection (no dropout)."""
        was_training = self.training
        self.eval()
        with torch.no_grad():
            items = self.item_representation(inputs)
            hidden, _ = self.lstm(items)
            context, weights = self.encode_sequence(inputs, lengths)
            user_vec = self.user_representation(users, inputs, lengths)
            scores = self.score_all(users, inputs, lengths)
        self.train(was_training)
        return {"input item ids": inputs, "item representations": items, "LSTM hidden states": hidden,
                "attention weights": weights, "context vector": context, "user vector": user_vec,
                "scores (all items)": scores}

    # ------------------------------------------------------------------ contract
    def score_pairs(self, users: torch.Tensor, inputs: torch.Tensor, lengths: torch.Tensor,
                    items: torch.Tensor) -> torch.Tensor:
        """Scores ``[batch, n]`` of the given items ``[batch, n]`` for each case."""
        user_vec = self.user_representation(users, inputs, lengths)
        return torch.einsum("bd,bnd->bn", user_vec, self.item_representation(items))

    def score_all(self, users: torch.Tensor, inputs: torch.Tensor, lengths: torch.Tensor,
                  features: torch.Tensor | None = None) -> torch.Tensor:
        """Scores ``[batch, n_items + 1]`` for every item id; column 0 (padding) is ``-inf``."""
        scores = self.user_representation(users, inputs, lengths, features) @ self.item_representation().T
        scores[:, 0] = float("-inf")
        return scores
