"""Recording results with their provenance: atomic JSON/CSV writes and the run manifest.

Every notebook ends by calling :func:`record_results`, which writes
``results/<dataset>/<notebook>.json`` (the numbers plus parameters, git commit, package versions,
data checksums and wall time) and merges the same provenance into ``results/<dataset>/manifest.json``.
"""
from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from rec_utils import paths

TRACKED_PACKAGES = ("torch", "numpy", "pandas", "scipy", "matplotlib", "seaborn", "papermill", "nbval", "tqdm", "pyyaml")


def _to_jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, np.ndarray):
        return _to_jsonable(value.tolist())
    if isinstance(value, pd.DataFrame):
        return _to_jsonable(value.to_dict(orient="records"))
    if isinstance(value, Path):
        return str(value)
    return value


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o644)  # mkstemp creates owner-only files; results are for everyone to read
    os.replace(tmp, path)
    return path


def write_json(path: Path, payload: Any) -> Path:
    """Atomically write ``payload`` as indented JSON (NumPy values converted, NaN as null)."""
    return write_atomic(path, json.dumps(_to_jsonable(payload), indent=2, sort_keys=False) + "\n")


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    """Atomically write a frame as CSV."""
    return write_atomic(path, frame.to_csv(index=False))


def git_state() -> dict[str, Any]:
    """The repository's commit and whether the working tree differs from it."""
    def run(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=paths.REPO_ROOT, capture_output=True, text=True, check=True).stdout.strip()
    try:
        commit = run("rev-parse", "HEAD")
        dirty = bool(run("status", "--porcelain", "--untracked-files=no", "--", "rec_utils", "notebooks", "params"))
        return {"commit": commit, "code_dirty": dirty}
    except (subprocess.CalledProcessError, FileNotFoundError):
        return {"commit": None, "code_dirty": None}


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that shape the numbers."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def machine_description() -> dict[str, Any]:
    """CPU model, core count and torch threads, for timings to be read against."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "platform": platform.platform(), "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}


def peak_memory_mib() -> float:
    """This process's peak resident memory in MiB: ``VmHWM`` from ``/proc/self/status`` (its own, reset at exec),
    else ``ru_maxrss``, which on Linux also carries the memory a parent held when it forked this process."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def json_from_child(command: list[str], **run_options: Any) -> dict[str, Any]:
    """Run ``command`` (a fresh process: a benchmark's child mode) and return the JSON object it prints on its
    last line of output; a failure raises with the end of the child's error output."""
    child = subprocess.run(command, capture_output=True, text=True, **run_options)
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{child.stderr[-4000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def provenance(parameters: dict[str, Any], checksums: dict[str, str], wall_seconds: float) -> dict[str, Any]:
    """Everything needed to tell where a number came from."""
    return {
        "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "parameters": parameters,
        "git": git_state(),
        "packages": package_versions(),
        "machine": machine_description(),
        "data_checksums": checksums,
        "wall_seconds": wall_seconds,
    }


def record_results(dataset: str, notebook: str, results: dict[str, Any], parameters: dict[str, Any],
                   checksums: dict[str, str], wall_seconds: float, root: str | os.PathLike | None = None) -> Path:
    """Write ``results/<dataset>/<notebook>.json`` and merge its provenance into ``manifest.json``."""
    folder = paths.results_dir(dataset, root)
    record = {"notebook": notebook, "dataset": dataset, "results": results,
              "provenance": provenance(parameters, checksums, wall_seconds)}
    out = write_json(folder / f"{notebook}.json", record)
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {"dataset": dataset}
    manifest.setdefault("notebooks", {})[notebook] = record["provenance"]
    write_json(manifest_path, manifest)
    return out


def load_results(dataset: str, notebook: str, root: str | os.PathLike | None = None) -> dict[str, Any]:
    """The ``results`` part of a recorded notebook, e.g. for a later notebook or a test."""
    path = paths.results_dir(dataset, root) / f"{notebook}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not recorded yet; run notebook {notebook} for {dataset} first")
    return json.loads(path.read_text())["results"]
