"""Time and memory of loading and preprocessing Last.fm-1K, on a generated log of the official format.

    python benchmarks/lastfm1k_load.py FOLDER                 # full size: 19,150,868 rows, about 2.4 GB
    python benchmarks/lastfm1k_load.py FOLDER --rows 200000   # a quick run

Writes ``userid-profile.tsv`` and ``userid-timestamp-artid-artname-traid-traname.tsv`` into FOLDER (the
same seed gives the same bytes), then loads and preprocesses them in a fresh Python process per repeat, so
that its peak resident memory (``VmHWM``) counts the loader and preprocessing only. Prints the median
seconds and the largest peak over the repeats; at the full size, also writes them with the machine's
description to ``benchmarks/results/lastfm1k_load.json`` (a smaller run never replaces that record).

The log imitates the real one: 992 users with heavy-tailed history lengths, each listed newest first;
about 960,000 tracks per 19 million rows with skewed popularity; 36-character MBIDs, missing for about
11% of tracks and 7% of artists, a few malformed; names of realistic length, some non-ASCII, some with
quote characters (balanced or not); 0.1% of rows exact copies of the row above; 2% of plays logged in the
same second as the next one. It is synthetic: its counts are not the dataset's.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

FULL_ROWS = 19_150_868
FULL_TRACKS = 960_402
FULL_ARTISTS = 176_948          # 107,528 with an MBID and 69,420 without (the dataset's README)
LOG = "userid-timestamp-artid-artname-traid-traname.tsv"
PROFILE = "userid-profile.tsv"
LAST_PLAY = 1_241_481_600       # 2009-05-05T00:00:00Z, when the crawl ended


def _mbids(rng: np.random.Generator, n: int, missing_share: float, malformed: int) -> np.ndarray:
    """``n`` MusicBrainz-like ids (random UUIDs), a share of them empty and ``malformed`` of them broken."""
    hexes = [row.tobytes().hex() for row in rng.integers(0, 256, (n, 16), dtype=np.uint8)]
    ids = np.array([f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" for h in hexes], dtype=object)
    ids[rng.random(n) < missing_share] = ""
    ids[rng.choice(n, size=min(malformed, n), replace=False)] = "not-an-mbid"
    return ids


def _names(rng: np.random.Generator, n: int, stem: str, words: list[str]) -> np.ndarray:
    """``n`` distinct names of three words and a number; 0.4% end in a quoted word, 0.1% in an unpaired quote."""
    picks = rng.integers(0, len(words), (n, 3))
    names = np.array([f"{words[a]} {words[b]} {stem}{i} {words[c]}" for i, (a, b, c) in enumerate(picks)],
                     dtype=object)
    draw = rng.random(n)
    names[draw < 0.004] += ' "Live"'
    names[(draw >= 0.004) & (draw < 0.005)] += ' 12" Mix'
    return names


def generate(folder: Path, rows: int, users: int, seed: int) -> None:
    """Write a profile and a log of ``rows`` rows in the official format into ``folder``."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    words = ["Love", "Night", "Blue", "Fire", "Dream", "Song", "Café", "Été", "坂本", "Ghost", "Run", "Home",
             "Wild", "The", "of", "Remix", "Part", "Sky", "Dance", "Heart"]
    n_tracks = max(100, round(FULL_TRACKS * rows / FULL_ROWS))
    n_artists = max(20, round(FULL_ARTISTS * rows / FULL_ROWS))
    artist_mbid = _mbids(rng, n_artists, 0.07, 0)
    artist_name = _names(rng, n_artists, "A", words)
    track_mbid = _mbids(rng, n_tracks, 0.11, max(1, n_tracks // 100_000))
    track_name = _names(rng, n_tracks, "T", words)
    track_artist = rng.integers(0, n_artists, n_tracks)

    genders = rng.choice(["m", "f", ""], users, p=[0.51, 0.38, 0.11])
    ages = np.where(rng.random(users) < 0.71, "", rng.integers(14, 60, users).astype(str))
    countries = rng.choice(["United States", "United Kingdom", "Poland", "Germany", "Japan", ""], users)
    with open(folder / PROFILE, "w", encoding="utf-8") as out:
        out.write("#id\tgender\tage\tcountry\tregistered\n")
        for u in range(users):
            out.write(f"user_{u + 1:06d}\t{genders[u]}\t{ages[u]}\t{countries[u]}\tAug 13, 2006\n")

    weights = rng.lognormal(0, 1.2, users)
    per_user = np.maximum(1, np.floor(weights / weights.sum() * rows)).astype(np.int64)
    per_user[np.argmax(per_user)] += rows - per_user.sum()
    with open(folder / LOG, "w", encoding="utf-8") as out:
        for u in range(users):
            n = int(per_user[u])
            gaps = np.where(rng.random(n) < 0.02, 0, rng.exponential(240, n).astype(np.int64) + 1)
            stamps = LAST_PLAY - rng.integers(0, 86_400 * 30) - np.cumsum(gaps)
            times = np.datetime_as_string(stamps.astype("datetime64[s]"), unit="s")
            tracks = (n_tracks * rng.random(n) ** 3).astype(np.int64)
            copies = np.flatnonzero(rng.random(n) < 0.001)
            copies = copies[copies > 0]
            times[copies], tracks[copies] = times[copies - 1], tracks[copies - 1]   # exact duplicates of the row above
            artists = track_artist[tracks]
            out.writelines(f"user_{u + 1:06d}\t{t}Z\t{artist_mbid[a]}\t{artist_name[a]}\t{track_mbid[k]}\t"
                           f"{track_name[k]}\n" for t, a, k in zip(times, artists, tracks))


def measure(folder: Path, track_key: str) -> dict:
    """Load and preprocess ``folder``; seconds and peak resident memory (MiB) after each step."""
    from rec_utils.datasets import load_dataset
    from rec_utils.preprocessing import preprocess
    from rec_utils.results import peak_memory_mib as peak_mib

    result = {"after imports": (0.0, peak_mib())}
    start = time.perf_counter()
    raw = load_dataset("lastfm-1k", path=folder, track_key=track_key)
    result["load"] = (time.perf_counter() - start, peak_mib())
    start = time.perf_counter()
    data = preprocess(raw)
    result["preprocess"] = (time.perf_counter() - start, peak_mib())
    counts = {k: raw.report[k] for k in ("log_rows", "duplicate_rows_dropped", "rows_dropped_missing_track_id",
                                         "rows_dropped_invalid_track_id", "events", "tracks")}
    counts.update(users=data.n_users, train_windows=len(data.train))
    return {"steps": result, "counts": counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="where the generated files are written")
    parser.add_argument("--rows", type=int, default=FULL_ROWS, help=f"log rows (default {FULL_ROWS:,}, the real size)")
    parser.add_argument("--users", type=int, default=992)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--track-key", choices=["mbid", "name"], default="mbid")
    parser.add_argument("--reuse", action="store_true", help="measure the files already in FOLDER")
    parser.add_argument("--repeats", type=int, default=3, help="fresh-process measurements (median reported)")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.measure_only:
        print(json.dumps(measure(args.folder, args.track_key)))
        return
    generated = None
    if not args.reuse:
        start = time.perf_counter()
        generate(args.folder, args.rows, args.users, args.seed)
        generated = time.perf_counter() - start
    from rec_utils.results import json_from_child

    runs = []
    for _ in range(args.repeats):
        runs.append(json_from_child([sys.executable, __file__, str(args.folder), "--track-key", args.track_key,
                                     "--measure-only"]))
    steps = {step: (float(np.median([r["steps"][step][0] for r in runs])), max(r["steps"][step][1] for r in runs))
             for step in runs[0]["steps"]}
    size = (args.folder / LOG).stat().st_size
    print(f"log: {size / 2**20:,.1f} MiB in {args.folder}" + (f", generated in {generated:.1f} s" if generated else ""))
    print(f"{'step':<15}{'median s':>10}{'peak RSS (MiB)':>17}   over {args.repeats} fresh processes")
    for step, (seconds, peak) in steps.items():
        print(f"{step:<15}{seconds:>10.2f}{peak:>17,.0f}")
    for key, value in runs[0]["counts"].items():
        print(f"{key:<32}{value:>12,}")
    if args.rows != FULL_ROWS:  # the record is of the real size only; a smaller try must not replace it
        print(f"not recorded: {args.rows:,} rows is not the full size ({FULL_ROWS:,})")
        return
    from rec_utils.results import git_state, machine_description, package_versions, write_json
    write_json(Path(__file__).parent / "results" / "lastfm1k_load.json",
               {"rows": args.rows, "log_mib": size / 2**20, "track_key": args.track_key, "repeats": args.repeats,
                "median_seconds": {k: v[0] for k, v in steps.items()}, "peak_rss_mib": {k: v[1] for k, v in steps.items()},
                "seconds_per_repeat": {k: [r["steps"][k][0] for r in runs] for k in steps},
                "counts": runs[0]["counts"], "machine": machine_description(), "git": git_state(),
                "packages": package_versions(), "seed": args.seed, "users": args.users,
                "generated_seconds": generated})


if __name__ == "__main__":
    main()
