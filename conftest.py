"""Root pytest configuration.

- Tests (and nbval re-runs of committed reports) never write into the repository: notebooks record into
  ``$SEQREC_OUTPUT_ROOT`` when their ``OUTPUT_ROOT`` parameter is unset, so it is pointed at a fresh
  temporary folder before any notebook kernel starts.
- Under pytest-xdist (``make test`` runs ``-n auto``) each of the N workers gets ``cores // N`` torch threads,
  and the notebook kernels it starts inherit that through ``OMP_NUM_THREADS``, so that N workers never run
  N times the machine's threads. An ``OMP_NUM_THREADS`` set by the caller is kept.
- The papermill run of every notebook (the longest fixture, ``tests/test_notebooks.py``) is put first, so
  that one worker starts it at once while the others share the remaining tests.
"""
import os
import tempfile

from rec_utils.paths import OUTPUT_ROOT_ENV

os.environ.setdefault(OUTPUT_ROOT_ENV, tempfile.mkdtemp(prefix="seqrec-test-output-"))

_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _WORKERS > 1:
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // _WORKERS)))
    import torch

    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))


def pytest_collection_modifyitems(items: list) -> None:
    """Collected order, except that the notebook tests come first (see the module docstring)."""
    items.sort(key=lambda item: item.path.name != "test_notebooks.py")
