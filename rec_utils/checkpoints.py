"""Saved models that load back: weights plus everything needed to use them on their dataset.

A checkpoint holds the model's registry name and hyper-parameters, its weights (``state_dict``; none for
Popularity and ItemKNN, which are refitted from the training split, deterministically), the dataset's
name, file checksums and processed-data key, the original user and item ids, the demographic encoders,
the preprocessing parameters, and the checkpoint format. Loading rebuilds the model on the processed
data and refuses a checkpoint made from other data or by an incompatible version of this code.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from rec_utils.models import MODELS
from rec_utils.preprocessing import PREPROCESSING_VERSION, ProcessedData

CHECKPOINT_FORMAT = 1  # bump when the saved fields or a model's parameters change incompatibly


def save_model(model: Any, data: ProcessedData, path: str | os.PathLike, hyperparameters: dict[str, Any],
               extra: dict[str, Any] | None = None) -> Path:
    """Write the model with its data's identity to ``path`` (temporary file, then rename)."""
    if model.name not in MODELS:
        raise ValueError(f"{model.name!r} is not in the model registry; have {sorted(MODELS)}")
    bundle = {
        "format": CHECKPOINT_FORMAT, "preprocessing_version": PREPROCESSING_VERSION, "model": model.name,
        "hyperparameters": dict(hyperparameters),
        "state_dict": model.state_dict() if isinstance(model, nn.Module) else None,
        "dataset": data.name, "checksums": dict(data.checksums), "cache_key": data.cache_key,
        "preprocess_params": dataclasses.asdict(data.params), "user_ids": np.asarray(data.user_ids),
        "item_ids": np.asarray(data.item_ids), "user_feature_names": list(data.user_feature_names),
        "encoders": dict(data.report.get("encoders", {})), "extra": dict(extra or {}),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(bundle, tmp)
    os.replace(tmp, path)
    return path


def read_bundle(path: str | os.PathLike) -> dict[str, Any]:
    """The checkpoint's contents, after checking that this code can read it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such checkpoint")
    bundle = torch.load(path, map_location="cpu", weights_only=False)
    if not isinstance(bundle, dict) or "format" not in bundle:
        raise ValueError(f"{path}: not a checkpoint written by rec_utils.checkpoints.save_model")
    if bundle["format"] != CHECKPOINT_FORMAT or bundle["preprocessing_version"] != PREPROCESSING_VERSION:
        raise ValueError(f"{path}: written by an incompatible version of this code (checkpoint format "
                         f"{bundle['format']}, preprocessing {bundle['preprocessing_version']}; this code reads "
                         f"{CHECKPOINT_FORMAT} and {PREPROCESSING_VERSION}): retrain the model")
    return bundle


def load_model(path: str | os.PathLike, data: ProcessedData) -> tuple[Any, dict[str, Any]]:
    """The model saved at ``path``, rebuilt on ``data`` in evaluation mode, and its checkpoint contents.

    Refuses a checkpoint from another dataset, other data files or other preprocessing parameters.
    """
    bundle = read_bundle(path)
    if bundle["dataset"] != data.name:
        raise ValueError(f"{path}: the model was trained on {bundle['dataset']!r}, not {data.name!r}")
    if bundle["checksums"] != dict(data.checksums):
        changed = sorted(k for k in set(bundle["checksums"]) | set(data.checksums)
                         if bundle["checksums"].get(k) != data.checksums.get(k))
        raise ValueError(f"{path}: the data files differ from those the model was trained on ({', '.join(changed)})")
    if bundle["preprocess_params"] != dataclasses.asdict(data.params):
        raise ValueError(f"{path}: trained with preprocessing {bundle['preprocess_params']}, "
                         f"the data has {dataclasses.asdict(data.params)}")
    cls = MODELS[bundle["model"]]
    if bundle["state_dict"] is None:
        model = cls.fit(data, **bundle["hyperparameters"])
    else:
        model = cls.from_data(data, **bundle["hyperparameters"])
        model.load_state_dict(bundle["state_dict"])
        model.eval()
    return model, bundle


def load_models(paths: Sequence[str | os.PathLike], data: ProcessedData, made_by: str) -> list[Any]:
    """The model of every checkpoint in ``paths`` (one per seed), rebuilt on ``data``; a missing file is
    an error that names it and ``made_by`` (the notebook that writes it)."""
    missing = [str(p) for p in paths if not Path(p).is_file()]
    if missing:
        raise FileNotFoundError(f"no checkpoint {', '.join(missing)}: run {made_by} first (same dataset and seeds)")
    return [load_model(p, data)[0] for p in paths]
