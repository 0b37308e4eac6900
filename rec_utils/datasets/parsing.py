"""Strict parsing of delimited text files: every violation names the file and the line."""
from __future__ import annotations

import csv
import io
from typing import BinaryIO, Iterator, Sequence

import numpy as np
import pandas as pd

from rec_utils.datasets.sources import DatasetFormatError


def split_lines(raw: bytes, label: str, encoding: str) -> list[str]:
    """The file's lines (a trailing newline does not make an empty last line); bad encoding names the line."""
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DatasetFormatError(f"{label}, line {line}: not valid {encoding} text") from error
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise DatasetFormatError(f"{label}: the file is empty")
    if lines[0].endswith("\r"):  # Windows line ends
        lines = [line.removesuffix("\r") for line in lines]
    return lines


def read_delimited(raw: bytes, label: str, sep: str, columns: Sequence[str], encoding: str,
                   int_columns: Sequence[str] = (), optional_numeric: Sequence[str] = (),
                   header: Sequence[str] | None = None) -> pd.DataFrame:
    """Parse a delimited file whose every line has exactly ``len(columns)`` fields.

    ``header``: the expected first line's fields, if the file has a header line. ``int_columns`` must
    hold integers on every line; ``optional_numeric`` may be empty (NaN) but not text. Any violation
    raises :class:`DatasetFormatError` naming ``label`` and the (1-based) line number.
    """
    lines = split_lines(raw, label, encoding)
    first = 0
    if header is not None:
        if lines[0].split(sep) != list(header):
            raise DatasetFormatError(f"{label}, line 1: expected the header {sep.join(header)!r}, got {lines[0][:120]!r}")
        first = 1
        lines = lines[1:]
    expected = len(columns) - 1
    counts = np.fromiter((line.count(sep) for line in lines), dtype=np.int64, count=len(lines))
    bad = np.flatnonzero(counts != expected)
    if bad.size:
        i = int(bad[0])
        raise DatasetFormatError(f"{label}, line {i + 1 + first}: expected {len(columns)} fields separated by "
                                 f"{sep!r}, found {counts[i] + 1}: {lines[i][:120]!r}")
    if len(sep) > 1:  # the C parser takes one character: the field count is already checked, so swap it
        lines = [line.replace(sep, "\x1f") for line in lines]
        sep = "\x1f"
    frame = pd.read_csv(io.StringIO("\n".join(lines)), sep=sep, header=None, names=list(columns), dtype=str,
                        keep_default_na=False, quoting=csv.QUOTE_NONE, engine="c")
    for column in int_columns:
        values = pd.to_numeric(frame[column], errors="coerce")
        not_int = values.isna() | (values != np.floor(values))
        if not_int.any():
            i = int(np.flatnonzero(not_int.to_numpy())[0])
            raise DatasetFormatError(f"{label}, line {i + 1 + first}: field {column!r} must be an integer, "
                                     f"got {frame[column].iloc[i]!r}")
        frame[column] = values.astype(np.int64)
    for column in optional_numeric:
        stripped = frame[column].str.strip()
        values = pd.to_numeric(stripped.where(stripped != ""), errors="coerce")
        not_numeric = values.isna() & (stripped != "")
        if not_numeric.any():
            i = int(np.flatnonzero(not_numeric.to_numpy())[0])
            raise DatasetFormatError(f"{label}, line {i + 1 + first}: field {column!r} must be a number or empty, "
                                     f"got {frame[column].iloc[i]!r}")
        frame[column] = values.astype(np.float64)
    return frame


def iter_delimited_blocks(stream: BinaryIO, label: str, sep: str, columns: Sequence[str], encoding: str,
                          block_bytes: int = 64 << 20) -> Iterator[tuple[pd.DataFrame, int]]:
    """Parse a large headerless file with a one-byte separator, a block of whole lines at a time.

    Yields ``(frame, first_line)``: the block's fields as text columns named ``columns`` (an empty field is
    ``""``) and the 1-based line number of its first row. Only ``\\n`` ends a line and quote characters are
    ordinary text, so a title with a quote never swallows the lines after it. Every line must have exactly
    ``len(columns)`` fields and be valid ``encoding``; else :class:`DatasetFormatError` names ``label``
    and the line. Memory stays near one block of text, whatever the file's size.
    """
    first_line, rest = 1, b""
    while True:
        data = stream.read(block_bytes)
        block = rest + data
        end = block.rfind(b"\n") + 1 if data else len(block)
        if end == 0:
            if not data:
                return
            rest = block  # no line end yet: read on
            continue
        body, rest = block[:end], block[end:]
        if not body.endswith(b"\n"):
            body += b"\n"  # the last line has no line end
        frame = _parse_block(body, label, sep, columns, encoding, first_line)
        yield frame, first_line
        first_line += len(frame)
        if not data:
            return


def _parse_block(body: bytes, label: str, sep: str, columns: Sequence[str], encoding: str,
                 first_line: int) -> pd.DataFrame:
    buf = np.frombuffer(body, dtype=np.uint8)
    line_ends = np.flatnonzero(buf == ord("\n"))
    separators = np.searchsorted(np.flatnonzero(buf == ord(sep)), line_ends)
    counts = np.diff(separators, prepend=0)
    bad = np.flatnonzero(counts != len(columns) - 1)
    if bad.size:
        i = int(bad[0])
        start = int(line_ends[i - 1]) + 1 if i else 0
        text = body[start:int(line_ends[i])].decode(encoding, errors="replace")
        raise DatasetFormatError(f"{label}, line {first_line + i}: expected {len(columns)} fields separated by "
                                 f"{sep!r}, found {counts[i] + 1}: {text[:120]!r}")
    try:
        return pd.read_csv(io.BytesIO(body), sep=sep, header=None, names=list(columns), dtype=str,
                           keep_default_na=False, quoting=csv.QUOTE_NONE, lineterminator="\n", engine="c",
                           encoding=encoding)
    except UnicodeDecodeError as error:
        try:
            body.decode(encoding)  # the parser's position is not a line: decode again to find it
        except UnicodeDecodeError as located:
            line = first_line + body[: located.start].count(b"\n")
            raise DatasetFormatError(f"{label}, line {line}: not valid {encoding} text") from error
        raise


def require_unique(frame: pd.DataFrame, column: str, label: str, first_line: int = 1) -> None:
    """Each value of ``column`` once; else an error naming the first repeated line."""
    duplicated = frame[column].duplicated()
    if duplicated.any():
        i = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise DatasetFormatError(f"{label}, line {i + first_line}: {column} {frame[column].iloc[i]} appears twice")


def require_known(events: pd.Series, known: pd.Series, what: str, label: str, first_line: int = 1) -> None:
    """Every id in ``events`` listed in ``known``; else an error naming the first unknown line."""
    unknown = ~events.isin(known)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise DatasetFormatError(f"{label}, line {i + first_line}: {what} {events.iloc[i]} is not listed in the "
                                 f"{what} file ({int(unknown.sum())} such lines)")
