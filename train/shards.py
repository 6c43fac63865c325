"""Token shards on disk: streaming text in, memory-mapped int32 id streams out.

A prepared data directory holds ``vocab.model``, ``manifest.json`` and raw little-endian int32
files (``train-00000.bin``, ``valid-00000.bin``, ...) that ``numpy.memmap`` opens without reading.
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import io
import json
import os
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from .data import DataError, LineRules, detect_format, line_tokens

MANIFEST = "manifest.json"
TOKEN_DTYPE = np.dtype("<i4")


def expand_inputs(items: Iterable[str]) -> list[Path]:
    """Files, directories (recursively, sorted) and globs -> a sorted list of files."""
    paths: list[Path] = []
    for item in items:
        matches = sorted(glob.glob(item, recursive=True)) if any(c in item for c in "*?[") else [item]
        if not matches:
            raise DataError(f"{item}: no such file, directory or matching glob")
        for match in matches:
            path = Path(match)
            if path.is_dir():
                paths.extend(sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")))
            elif path.is_file():
                paths.append(path)
            else:
                raise DataError(f"{match}: no such file or directory")
    if not paths:
        raise DataError("no input files")
    return paths


def open_text(path: Path) -> io.TextIOBase:
    """A text stream over a plain or gzip-compressed file; undecodable bytes are replaced."""
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def file_format(path: Path, text_format: str) -> str:
    """The format of one file: ``text_format`` itself, or what ``auto`` detects in its first 1 MB."""
    if text_format != "auto":
        return text_format
    with open_text(path) as handle:
        return detect_format(handle.read(1_000_000))


def stream_lines(path: Path, text_format: str, masks: tuple[str, ...] = ()) -> Iterator[tuple[bool, list[str]]]:
    """(starts a document, tokens) for each line, reading the file line by line.

    The rules are :func:`train.data.line_tokens`'s, shared with the in-memory reader; each file
    starts a document.
    """
    text_format = file_format(path, text_format)
    with open_text(path) as handle:
        yield from line_tokens(handle, text_format, masks)


def stream_texts(path: Path, text_format: str, masks: tuple[str, ...] = ()) -> Iterator[str]:
    """Each line of a file as :func:`stream_lines` reads its tokens from it (normalized, spaces
    kept): for the statistics that need to see where the spaces are ("Dr. Smith", "ratebeer.com")."""
    rules = LineRules(file_format(path, text_format), masks)
    with open_text(path) as handle:
        for raw in handle:
            text = rules.text(raw)
            if text is not None:
                yield text


class ShardWriter:
    """Appends ids to numbered shard files of at most ``shard_tokens`` tokens each."""

    def __init__(self, directory: Path, prefix: str, shard_tokens: int):
        self.directory, self.prefix, self.shard_tokens = directory, prefix, shard_tokens
        self.shards: list[dict] = []
        self._handle = None
        self._digest = None
        self._count = 0

    def _open(self) -> None:
        name = f"{self.prefix}-{len(self.shards):05d}.bin"
        self._handle = open(self.directory / name, "wb")
        self._digest = hashlib.sha256()
        self.shards.append({"file": name, "tokens": 0})
        self._count = 0

    def write(self, ids: np.ndarray) -> None:
        while len(ids):
            if self._handle is None or self._count >= self.shard_tokens:
                self.close()
                self._open()
            take = ids[: self.shard_tokens - self._count]
            data = take.astype(TOKEN_DTYPE).tobytes()
            self._handle.write(data)
            self._digest.update(data)
            self._count += len(take)
            self.shards[-1]["tokens"] = self._count
            ids = ids[len(take):]

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self.shards[-1]["sha256"] = self._digest.hexdigest()
            self._handle = None


def read_manifest(directory: str | Path) -> dict:
    """The manifest of a prepared data directory."""
    path = Path(directory) / MANIFEST
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise DataError(f"{directory} is not a prepared data directory (no {MANIFEST}); "
                        "run python -m train.prepare first") from None


class TokenStream:
    """The shards of one split as one virtual int32 array, memory-mapped, sliceable."""

    def __init__(self, directory: str | Path, split: str = "train"):
        manifest = read_manifest(directory)
        entries = manifest["splits"].get(split)
        if not entries:
            raise DataError(f"{directory} has no {split} split")
        self._maps = [np.memmap(Path(directory) / e["file"], dtype=TOKEN_DTYPE, mode="r") for e in entries
                      if e["tokens"]]
        self._starts = np.cumsum([0] + [len(m) for m in self._maps])

    def __len__(self) -> int:
        return int(self._starts[-1])

    def read(self, start: int, stop: int) -> np.ndarray:
        """Tokens ``[start, stop)`` as an int64 array, across shard boundaries."""
        parts = []
        first = int(np.searchsorted(self._starts, start, side="right")) - 1
        for index in range(max(first, 0), len(self._maps)):
            lo, hi = self._starts[index], self._starts[index + 1]
            if lo >= stop:
                break
            parts.append(self._maps[index][max(start, lo) - lo : min(stop, hi) - lo])
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)


def write_manifest(directory: Path, manifest: dict) -> None:
    tmp = directory / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2))
    os.replace(tmp, directory / MANIFEST)
