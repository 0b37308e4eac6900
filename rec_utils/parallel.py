"""Independent trainings (search candidates, seeds) run side by side in worker processes."""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Sequence

import torch


def _call_with_threads(payload: tuple[Callable[..., Any], tuple, int]) -> Any:
    function, arguments, threads = payload
    torch.set_num_threads(threads)
    return function(*arguments)


def run_jobs(function: Callable[..., Any], jobs: Sequence[tuple], workers: int = 1) -> list[Any]:
    """``[function(*job) for job in jobs]``, in order.

    ``workers`` > 1 runs up to that many jobs at once in fresh (spawned) processes, each with
    ``torch.get_num_threads() // workers`` threads (at least one); ``function`` must be defined at module
    level. A job's result does not depend on where it ran, beyond float noise between processes.
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if workers == 1 or len(jobs) <= 1:
        return [function(*job) for job in jobs]
    threads = max(1, torch.get_num_threads() // workers)
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(_call_with_threads, [(function, tuple(job), threads) for job in jobs]))
