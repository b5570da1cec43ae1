"""Reading statement files: NDJSON or a JSON array, gzip or plain, each statement with its line number.

A file is gzip when it starts with the gzip magic bytes (whatever its name). Its format is decided by the first
character that is not whitespace: `[` is a JSON array (read whole, then split into items without re-parsing),
anything else is NDJSON, read line by line in constant memory. Every record keeps the line it starts on, so a
rejected statement can be reported as `FILE:LINE`.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from io import BufferedReader
from pathlib import Path

import msgspec

GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"
_BYTE_OFFSET = re.compile(r"\(byte (\d+)\)")
_WHITESPACE = b" \t\r\n"


@dataclass(frozen=True, slots=True)
class Record:
    """One statement of a file, as bytes: `ordinal` counts records from 1, `line` is where it starts."""

    ordinal: int
    line: int
    data: bytes


class UnreadableFile(Exception):
    """The file as a whole cannot be read (not JSON at all); `line` says where reading stopped."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def file_sha256(path: Path) -> str:
    """The digest of the file as stored (compressed or not): it names the file in the import progress."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == GZIP_MAGIC


class StatementFile:
    """An open statement file; iterate `records()` once. `consumed()` is how far into the file (as stored)
    reading has come, for a progress bar before the number of statements is known."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size
        self._raw = path.open("rb")
        self._stream: gzip.GzipFile | BufferedReader = (
            gzip.GzipFile(fileobj=self._raw, mode="rb") if is_gzip(path) else self._raw
        )

    def close(self) -> None:
        self._stream.close()
        self._raw.close()

    def __enter__(self) -> StatementFile:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def consumed(self) -> int:
        return self._raw.tell()

    def records(self) -> Iterator[Record]:
        """Every statement in file order. Raises UnreadableFile when a JSON array file is malformed."""
        head = self._stream.peek(4096)
        first = head.removeprefix(_BOM).lstrip(_WHITESPACE)[:1]
        if first == b"[":
            return _array_records(self._stream.read())
        return _ndjson_records(self._stream)


def _ndjson_records(stream: gzip.GzipFile | BufferedReader) -> Iterator[Record]:
    ordinal = 0
    for number, line in enumerate(stream, start=1):
        text = (line.removeprefix(_BOM) if number == 1 else line).strip(_WHITESPACE)
        if text:
            ordinal += 1
            yield Record(ordinal, number, text)


def _array_records(data: bytes) -> Iterator[Record]:
    """Items of a top-level JSON array, each with the line its first byte is on."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        items = msgspec.json.decode(data, type=list[msgspec.Raw])
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        match = _BYTE_OFFSET.search(str(exc))
        line = data.count(b"\n", 0, int(match.group(1))) + 1 if match else 1
        raise UnreadableFile(f"malformed JSON array: {exc}", line) from None
    cursor, line = 0, 1
    for ordinal, item in enumerate(items, start=1):
        text = bytes(item)
        position = data.find(text, cursor)
        line += data.count(b"\n", cursor, position)
        cursor = position
        yield Record(ordinal, line, text)
