"""Models, one file each, and a registry by name.

The contract every model meets: ``score_all(users, inputs, lengths) -> [batch, n_items + 1]``
(see :class:`rec_utils.evaluation.Scorer`), column 0 being padding (the evaluation never ranks it).
- Not trained (Popularity, ItemKNN): ``fit(data, **hyperparameters)`` builds the model from the
  training split.
- Learned baselines (``torch.nn.Module``): ``from_data(data, **hyperparameters)``, an ``examples``
  attribute naming their training examples (:mod:`rec_utils.examples`) and
  ``loss(batch, generator)``; :func:`rec_utils.training.train_model` trains them.
- The paper's model provides ``score_pairs`` for :func:`rec_utils.training.train_bpr`.
"""
from __future__ import annotations

from rec_utils.models.bert4rec import BERT4Rec
from rec_utils.models.bpr_mf import BPRMF
from rec_utils.models.fpmc import FPMC
from rec_utils.models.gru4rec import GRU4Rec
from rec_utils.models.item_knn import ItemKNN
from rec_utils.models.lightgcn import LightGCN
from rec_utils.models.lstm_attention_bpr import LSTMAttentionBPR
from rec_utils.models.narm import NARM
from rec_utils.models.popularity import Popularity
from rec_utils.models.sasrec import SASRec

MODELS = {cls.name: cls for cls in (LSTMAttentionBPR, Popularity, ItemKNN, BPRMF, FPMC, LightGCN, GRU4Rec, NARM,
                                    SASRec, BERT4Rec)}
LEARNED_BASELINES = ("BPR-MF", "FPMC", "LightGCN", "GRU4Rec", "NARM", "SASRec", "BERT4Rec")
FITTED_BASELINES = ("Popularity", "ItemKNN")

__all__ = ["BERT4Rec", "BPRMF", "FPMC", "GRU4Rec", "ItemKNN", "LightGCN", "LSTMAttentionBPR", "NARM", "Popularity",
           "SASRec", "MODELS", "LEARNED_BASELINES", "FITTED_BASELINES"]
