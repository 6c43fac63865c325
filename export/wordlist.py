"""The completion word list: training-text words the language model's vocabulary leaves out."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

from kbpredict.text import UNKNOWN_MARKER, is_suggestable
from kbpredict.vocab import Vocabulary
from train.shards import expand_inputs, read_manifest, stream_lines


def training_sources(summary: dict) -> tuple[list[Path], str, tuple[str, ...]]:
    """The training text of a run (files, or a prepared data directory's sources), if still here,
    its text format and the placeholders it read as the unknown word."""
    files, masks = [], tuple(summary.get("masks") or ())
    for item in summary.get("train_files") or []:
        path = Path(item)
        if path.is_dir() and (path / "manifest.json").exists():
            manifest = read_manifest(path)
            files += [Path(p) for p in manifest["sources"]["train"]]
            masks += tuple(manifest.get("masks") or ())
        elif path.exists():
            files += expand_inputs([str(path)])
    return [f for f in files if f.is_file()], summary.get("text_format") or "auto", tuple(dict.fromkeys(masks))


def build_wordlist(files: list[Path], text_format: str, vocab: Vocabulary, min_count: int = 2,
                   max_words: int = 50_000, masks: tuple[str, ...] = ()) -> list[tuple[str, int]]:
    """Words seen at least ``min_count`` times that the vocabulary maps to unknown, most frequent first."""
    counts: Counter[str] = Counter()
    for path in files:
        for _, tokens in stream_lines(path, text_format, masks):
            counts.update(tokens)
    unknown = vocab.specials.unknown
    kept = [(word, count) for word, count in counts.items()
            if count >= min_count and word != UNKNOWN_MARKER and is_suggestable(word)
            and vocab.token_id(word) == unknown and "\t" not in word]
    kept.sort(key=lambda item: (-item[1], item[0]))
    return kept[:max_words]


def write_wordlist(path: Path, entries: list[tuple[str, int]]) -> None:
    """``word<TAB>count`` lines, gzip-compressed (reproducibly: no timestamp in the header)."""
    data = "".join(f"{word}\t{count}\n" for word, count in entries).encode("utf-8")
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as handle:
        handle.write(data)
