"""Models, one file each, and a registry by name.

The contract every model meets: ``score_all(users, inputs, lengths) -> [batch, n_items + 1]``
(see :class:`rec_utils.evaluation.Scorer`); trainable models also provide
``score_pairs(users, inputs, lengths, items) -> [batch, n]`` for the BPR objective.
"""
from __future__ import annotations

from rec_utils.models.lstm_attention_bpr import LSTMAttentionBPR
from rec_utils.models.popularity import Popularity

MODELS = {cls.name: cls for cls in (LSTMAttentionBPR, Popularity)}

__all__ = ["LSTMAttentionBPR", "Popularity", "MODELS"]
