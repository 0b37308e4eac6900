"""Training examples for every model family, all built from the training split only.

- ``interactions``: every training event as a ``(user, item)`` pair (general models: BPR-MF, LightGCN).
- ``windows``: the preprocessing's next-item windows of up to ``max_len`` items (the paper's model, FPMC).
- ``chunks``: windows of up to ``length`` items over each user's training sequence, cut from its end
  backwards with their ends ``stride`` items apart (default ``length``: non-overlapping pieces), for
  sequence models trained at every position (GRU4Rec, NARM, SASRec, BERT4Rec). With ``shift=True`` a
  window's targets are its inputs moved one step ahead and only its last ``stride`` targets are kept
  (the earlier ones belong to the next window back), so every training event except a user's first is
  a target exactly once per epoch, and a smaller stride gives targets longer contexts; with
  ``shift=False`` targets equal inputs (masked-item training) and overlapping windows repeat items
  (the sliding-window augmentation of BERT4Rec's code). Windows are right-padded with 0.

Every builder returns a dict of equally long int64 arrays (one row per example), which the
trainer shuffles and slices into batches.
"""
from __future__ import annotations

import numpy as np

from rec_utils.preprocessing import ProcessedData

EXAMPLE_KINDS = ("interactions", "windows", "chunks")


def training_interactions(data: ProcessedData) -> dict[str, np.ndarray]:
    """Every training-split event: ``users`` and ``items`` (validation and test targets excluded)."""
    train = data.sequences[data.sequences["split"] == "train"]
    return {"users": train["user_idx"].to_numpy(np.int64), "items": train["item_idx"].to_numpy(np.int64)}


def training_windows(data: ProcessedData) -> dict[str, np.ndarray]:
    """The next-item windows of ``data.train``: ``users``, ``inputs``, ``lengths``, ``targets``."""
    w = data.train
    return {"users": w.users, "inputs": w.inputs, "lengths": w.lengths, "targets": w.targets}


def training_chunks(data: ProcessedData, length: int, shift: bool = True, stride: int | None = None
                    ) -> dict[str, np.ndarray]:
    """Each user's training sequence in right-padded windows of up to ``length`` items, ``stride`` apart.

    Returns ``users``, ``inputs [n, length]``, ``targets [n, length]`` (0 at padding and, with
    ``shift=True``, at targets owned by another window) and ``lengths`` (the window's input items).
    Windows are cut from the end of the sequence, so the most recent events get the longest context.
    """
    if length < 1:
        raise ValueError(f"length must be >= 1, got {length}")
    stride = length if stride is None else stride
    if not 1 <= stride <= length:
        raise ValueError(f"stride must be between 1 and length={length}, got {stride}")
    train = data.sequences[data.sequences["split"] == "train"]
    users_flat = train["user_idx"].to_numpy(np.int64)
    items_flat = train["item_idx"].to_numpy(np.int64)
    user_ids, first, counts = np.unique(users_flat, return_index=True, return_counts=True)
    span = counts - 1 if shift else counts  # number of inputs that have a target
    n_chunks = -(-span // stride)  # ceil; 0 for a user whose only training event has no target
    owner = np.repeat(np.arange(len(user_ids)), n_chunks)
    k = np.arange(len(owner)) - np.repeat(np.cumsum(n_chunks) - n_chunks, n_chunks)
    end = span[owner] - k * stride
    start = np.maximum(end - length, 0)
    lengths = end - start
    offsets = np.arange(length)
    valid = offsets[None, :] < lengths[:, None]
    index = (first[owner] + start)[:, None] + offsets[None, :]
    inputs = np.where(valid, items_flat[np.where(valid, index, 0)], 0)
    target_index = index + 1 if shift else index
    owned = offsets[None, :] >= (lengths - stride)[:, None] if shift else True  # a window's last `stride` targets
    targets = np.where(valid & owned, items_flat[np.where(valid, target_index, 0)], 0)
    return {"users": user_ids[owner], "inputs": inputs.astype(np.int64), "targets": targets.astype(np.int64),
            "lengths": lengths.astype(np.int64)}


def build_examples(data: ProcessedData, kind: str, length: int | None = None, shift: bool = True,
                   stride: int | None = None) -> dict[str, np.ndarray]:
    """The examples of ``kind`` (one of :data:`EXAMPLE_KINDS`); ``length``, ``shift`` and ``stride`` are the chunks'."""
    if kind == "interactions":
        return training_interactions(data)
    if kind == "windows":
        return training_windows(data)
    if kind == "chunks":
        if length is None:
            raise ValueError("chunks need a length")
        return training_chunks(data, length, shift, stride)
    raise ValueError(f"example kind must be one of {EXAMPLE_KINDS}, got {kind!r}")
