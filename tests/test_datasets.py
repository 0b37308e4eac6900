"""The MovieLens-100K loader on the real files: counts, zip or folder, and clear errors."""
import io
import os
import shutil
import urllib.error
import zipfile
from pathlib import Path

import pytest

from rec_utils import paths
from rec_utils.datasets import ML_100K, DatasetError, DatasetFormatError, download_official, load_dataset, matches_official


@pytest.fixture(scope="module")
def real_folder(ml100k_raw) -> Path:
    return Path(ml100k_raw.source)


def test_real_counts(ml100k_raw):
    assert ml100k_raw.summary()["users"] == 943
    assert ml100k_raw.summary()["items"] == 1682
    assert len(ml100k_raw.interactions) == 100_000
    assert len(ml100k_raw.users) == 943 and len(ml100k_raw.items) == 1682
    assert all(matches_official("ml-100k", ml100k_raw.checksums).values())


def test_real_file_order_and_types(ml100k_raw):
    first = ml100k_raw.interactions.iloc[0]
    assert (first["user"], first["item"], first["rating"], first["timestamp"]) == (196, 242, 3, 881250949)
    assert ml100k_raw.items.loc[0, "title"] == "Toy Story (1995)"
    toy_story_genres = [g for g in ml100k_raw.genre_names if ml100k_raw.items.loc[0, f"genre_{g}"] == 1]
    assert toy_story_genres == ["Animation", "Children's", "Comedy"]
    assert ml100k_raw.users.loc[0, ["age", "gender", "occupation"]].tolist() == [24.0, "M", "technician"]


def test_reads_the_official_zip(real_folder, tmp_path, ml100k_raw):
    archive = tmp_path / "ml-100k.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for name in ("u.data", "u.user", "u.item", "README"):
            out.write(real_folder / name, f"ml-100k/{name}")
    from_zip = load_dataset("ml-100k", path=archive)
    assert from_zip.summary() == ml100k_raw.summary()
    assert from_zip.checksums == ml100k_raw.checksums


def _copy(real_folder: Path, target: Path) -> Path:
    target.mkdir()
    for name in ("u.data", "u.user", "u.item"):
        shutil.copy(real_folder / name, target / name)
    return target


def test_missing_file_is_named(real_folder, tmp_path):
    folder = _copy(real_folder, tmp_path / "ml-100k")
    (folder / "u.item").unlink()
    with pytest.raises(DatasetError, match=r"missing u\.item"):
        load_dataset("ml-100k", path=folder)


def _corrupt_line(path: Path, line_number: int, replacement: str) -> None:
    lines = path.read_text(encoding="latin-1").split("\n")
    lines[line_number - 1] = replacement
    path.write_text("\n".join(lines), encoding="latin-1")


@pytest.mark.parametrize("filename, line, replacement, message", [
    ("u.data", 5, "166\t346", r"u\.data, line 5: expected 4 fields"),
    ("u.data", 12, "63\tabc\t3\t875747190", r"u\.data, line 12: field 'item' must be an integer, got 'abc'"),
    ("u.user", 3, "3|twenty|M|writer|32067", r"u\.user, line 3: field 'age' must be a number or empty"),
    ("u.data", 7, "301\t99999\t4\t882075827", r"u\.data, line 7: item 99999 is not listed"),
    ("u.item", 2, "2|GoldenEye (1995)|01-Jan-1995||url|0|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0|1|0|2",
     r"u\.item, line 2: genre flags must be 0 or 1"),
], ids=["field count", "non-integer id", "text age", "unlisted item", "genre flag"])
def test_malformed_file_names_file_and_line(real_folder, tmp_path, filename, line, replacement, message):
    folder = _copy(real_folder, tmp_path / "ml-100k")
    _corrupt_line(folder / filename, line, replacement)
    with pytest.raises(DatasetFormatError, match=message):
        load_dataset("ml-100k", path=folder)


def test_empty_mirror_says_where_to_put_files(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.MIRROR_ENV, str(tmp_path))
    with pytest.raises(DatasetError, match="holds none of ml-100k, ml-100k.zip. Put the official files") as error:
        load_dataset("ml-100k")
    assert f"in {tmp_path / 'ml-100k'}/ or ml-100k.zip in {tmp_path}/, or unset SEQREC_DATA_MIRROR" in str(error.value)


def test_relative_mirror_is_read_from_the_repository_root_in_any_folder(real_folder, monkeypatch, tmp_path):
    """Notebook kernels run in notebooks/ or reports/<dataset>/: a relative setting must mean the same there."""
    relative = os.path.relpath(real_folder.parent, paths.REPO_ROOT)
    monkeypatch.setenv(paths.MIRROR_ENV, relative)
    monkeypatch.setenv(paths.OUTPUT_ROOT_ENV, "relative-output")
    for folder in (paths.REPO_ROOT, paths.REPO_ROOT / "notebooks", tmp_path):
        monkeypatch.chdir(folder)
        assert paths.mirror_root() == real_folder.parent.resolve()
        assert paths.output_root() == paths.REPO_ROOT / "relative-output"
        assert paths.output_root("elsewhere") == paths.REPO_ROOT / "elsewhere"
    assert load_dataset("ml-100k").interactions.shape[0] == 100_000


def test_no_data_and_no_network_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv(paths.MIRROR_ENV, raising=False)
    monkeypatch.setenv(paths.DATA_ROOT_ENV, str(tmp_path))

    def offline(url):
        raise urllib.error.URLError("no network")

    with pytest.raises(DatasetError, match="downloading .*ml-100k.zip failed.*Put the official files"):
        download_official("ml-100k", ML_100K, opener=offline)
    assert not any((tmp_path / "raw" / "ml-100k").iterdir())


def test_download_with_wrong_checksum_is_deleted(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATA_ROOT_ENV, str(tmp_path))
    with pytest.raises(DatasetError, match="checksum mismatch"):
        download_official("ml-100k", ML_100K, opener=lambda url: io.BytesIO(b"not the dataset"))
    assert not any((tmp_path / "raw" / "ml-100k").iterdir())


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="unknown dataset 'ml-10m'"):
        load_dataset("ml-10m")
