"""Pieces the baselines share: negative sampling, reading the last real step, the next-item losses.

Sequences are right-padded (items in positions ``0..len-1``, padding 0 after), as everywhere in the
workbook. Scores are inner products between a sequence representation and item embeddings; the
padding item (id 0) is never a target and gets ``-inf`` in full-softmax losses.
"""
from __future__ import annotations

import torch
from torch import nn

from rec_utils.examples import training_interactions
from rec_utils.preprocessing import ProcessedData

SEQUENCE_LOSSES = ("ce", "bpr", "bce")


def last_step(hidden: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """``hidden[b, lengths[b] - 1]`` for every row ``[B, L, d] -> [B, d]``; zeros where a length is 0."""
    index = (lengths - 1).clamp(min=0).view(-1, 1, 1).expand(-1, 1, hidden.shape[-1])
    out = hidden.gather(1, index).squeeze(1)
    return out * (lengths > 0).unsqueeze(1).to(out.dtype)


def causal_mask(length: int, device: torch.device | str) -> torch.Tensor:
    """``[L, L]`` boolean mask, True where a position may not attend (the future)."""
    return torch.triu(torch.ones(length, length, dtype=torch.bool, device=device), diagonal=1)


def sample_items(shape: torch.Size, exclude: torch.Tensor, n_items: int, generator: torch.Generator) -> torch.Tensor:
    """Uniform item ids in ``1..n_items`` different from ``exclude`` (same shape)."""
    drawn = torch.randint(1, n_items, shape, generator=generator).to(exclude.device)
    return drawn + (drawn >= exclude).long()


def training_history(data: ProcessedData) -> torch.Tensor:
    """``[n_users + 1, n_items + 1]`` boolean: True where the user has the item in the training split."""
    pairs = training_interactions(data)
    history = torch.zeros(data.n_users + 1, data.n_items + 1, dtype=torch.bool)
    history[torch.from_numpy(pairs["users"].copy()), torch.from_numpy(pairs["items"].copy())] = True
    return history


def sample_unseen_items(users: torch.Tensor, history: torch.Tensor, generator: torch.Generator,
                        max_rounds: int = 100) -> torch.Tensor:
    """One uniform item per user among the items not in the user's training ``history``.

    Rejection sampling: redraws the hits on seen items (RecBole's sampler does the same); a user who
    has seen every item is an error.
    """
    n_items = history.shape[1] - 1
    drawn = torch.randint(1, n_items + 1, users.shape, generator=generator).to(users.device)
    for _ in range(max_rounds):
        bad = history[users, drawn]
        if not bad.any():
            return drawn
        redraw = torch.randint(1, n_items + 1, (int(bad.sum()),), generator=generator).to(users.device)
        drawn = drawn.masked_scatter(bad, redraw)
    raise ValueError(f"could not sample an unseen item in {max_rounds} rounds: some users have seen (almost) every item")


def next_item_loss(output: torch.Tensor, targets: torch.Tensor, item_weights: torch.Tensor, loss: str,
                   generator: torch.Generator) -> torch.Tensor:
    """Mean loss over the real targets (``targets > 0``) of representations ``output [..., d]``.

    ``ce``: full softmax over every item (padding excluded). ``bpr``: ``-log sigmoid(s_pos - s_neg)``
    with one uniformly sampled negative per target. ``bce``: ``-log sigmoid(s_pos) - log(1 - sigmoid(s_neg))``
    with one negative (SASRec's original objective). ``item_weights`` is ``[n_items + 1, d]``.
    """
    keep = targets > 0
    out, pos = output[keep], targets[keep]
    if loss == "ce":
        logits = out @ item_weights.T
        logits[:, 0] = float("-inf")
        return nn.functional.cross_entropy(logits, pos)
    neg = sample_items(pos.shape, pos, item_weights.shape[0] - 1, generator)
    pos_scores = (out * item_weights[pos]).sum(-1)
    neg_scores = (out * item_weights[neg]).sum(-1)
    if loss == "bpr":
        return -nn.functional.logsigmoid(pos_scores - neg_scores).mean()
    if loss == "bce":
        return -(nn.functional.logsigmoid(pos_scores) + nn.functional.logsigmoid(-neg_scores)).mean()
    raise ValueError(f"loss must be one of {SEQUENCE_LOSSES}, got {loss!r}")


def check_loss(loss: str) -> str:
    """``loss`` if it is one of :data:`SEQUENCE_LOSSES`, else a ValueError naming the parameter."""
    if loss not in SEQUENCE_LOSSES:
        raise ValueError(f"loss must be one of {SEQUENCE_LOSSES}, got {loss!r}")
    return loss
