"""Read training text, turn it into token lines and id streams, and cut it into BPTT batches."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from kbpredict.text import UNKNOWN_MARKER, normalize, tokenize, wikitext_heading_level
from kbpredict.vocab import Vocabulary

TEXT_FORMATS = ("plain", "wikitext", "tokens")


class DataError(Exception):
    """Training text is missing, unreadable or empty."""


def read_text(path: str) -> str:
    """Read a UTF-8 text file, replacing undecodable bytes rather than failing on them."""
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:
            return handle.read()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None


def detect_format(text: str) -> str:
    """WikiText if its artifacts (`` @-@ `` markers or ``= Heading =`` lines) appear, else plain."""
    head = text[:1_000_000]
    if " @-@ " in head or " @,@ " in head or "\n = " in head:
        return "wikitext"
    return "plain"


class LineRules:
    """The one place the text-format rules live: raw lines in, (starts a document, tokens) out.

    Every reader goes through here, line by line: whole files in memory (:func:`documents`),
    streamed corpora (``train.shards.stream_lines``) and the weighted mix (``train.mix``), so all
    give the same ids.

    - ``tokens`` (PTB, WikiText tokens): split on spaces, kept exactly; every line counts, an
      empty one too (its end-of-line is a token in the literature's perplexity);
    - ``wikitext``: a top-level ``= Title =`` line starts the next document, section headings are
      dropped, the rest normalized as in PROTOCOL.md;
    - ``plain``: normalized; lines without tokens are skipped.

    ``pending_start`` says whether the next line with tokens starts a document; it carries over
    between calls, so a text read in pieces (the mix's blocks) keeps a heading that ended one
    piece. Each string in ``masks`` (a corpus's placeholder such as GoEmotions' ``[NAME]``)
    becomes the unknown word, so the model learns "a name goes here", not the placeholder.
    """

    def __init__(self, text_format: str, masks: tuple[str, ...] = ()):
        if text_format not in TEXT_FORMATS:
            raise DataError(f"unknown text format {text_format!r}; choose one of {', '.join(TEXT_FORMATS)} or auto")
        self.text_format, self.masks = text_format, masks
        self.pending_start = True

    def text(self, raw: str) -> str | None:
        """One raw line as its tokens are read from it: masks made the unknown word, normalized by
        the format's rules; None for a WikiText heading (a top-level one starts the next document)."""
        raw = raw.rstrip("\r\n")  # the line end is the end-of-line id, added by the caller
        for mask in self.masks:
            raw = raw.replace(mask, f" {UNKNOWN_MARKER} ")
        if self.text_format == "tokens":
            return raw
        if self.text_format == "wikitext":
            level = wikitext_heading_level(raw)
            if level:
                # a new article; a section heading is just dropped
                self.pending_start = self.pending_start or level == 1
                return None
            return normalize(raw, wikitext=True)
        return normalize(raw)

    def __call__(self, lines: Iterable[str]) -> Iterator[tuple[bool, list[str]]]:
        for raw in lines:
            text = self.text(raw)
            if text is None:
                continue
            if self.text_format == "tokens":
                tokens = text.split()
            else:
                tokens = tokenize(text, unknown_marker=True)
                if not tokens:
                    continue
            yield self.pending_start, tokens
            self.pending_start = False


def line_tokens(lines: Iterable[str], text_format: str, masks: tuple[str, ...] = ()
                ) -> Iterator[tuple[bool, list[str]]]:
    """(starts a document, tokens) for each line of one text, by :class:`LineRules`."""
    return LineRules(text_format, masks)(lines)


def documents(text: str, text_format: str) -> list[list[list[str]]]:
    """Split text into documents, each a list of token lines (without line-end tokens)."""
    if text_format == "auto":
        text_format = detect_format(text)
    lines = text.split("\n")
    if lines and not lines[-1]:
        lines.pop()  # the newline that ends the last line starts no new one
    docs: list[list[list[str]]] = []
    for starts, tokens in line_tokens(lines, text_format):
        if starts or not docs:
            docs.append([])
        docs[-1].append(tokens)
    return docs


def token_lines(paths: Iterable[str], text_format: str) -> Iterator[list[str]]:
    """Every token line of every file, for building the vocabulary."""
    for path in paths:
        for doc in documents(read_text(path), text_format):
            yield from doc


def encode_documents(docs: list[list[list[str]]], vocab: Vocabulary) -> np.ndarray:
    """One id stream: begin-of-text before each document, end-of-line after each line."""
    bos, eol = vocab.specials.begin_of_text, vocab.specials.end_of_line
    stream: list[int] = []
    for doc in docs:
        stream.append(bos)
        for line in doc:
            stream.extend(vocab.encode(line))
            stream.append(eol)
    return np.asarray(stream, dtype=np.int32)


def encode_files(paths: list[str], text_format: str, vocab: Vocabulary, cache_dir: str | None = None) -> np.ndarray:
    """Encode files into one id stream, cached under ``cache_dir`` by content and vocabulary."""
    if not paths:
        raise DataError("no text files given")
    texts = [read_text(p) for p in paths]
    digest = hashlib.sha256(vocab.serialized_digest().encode())
    digest.update(text_format.encode())
    for text in texts:
        digest.update(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest())
    key = digest.hexdigest()[:16]
    cache = Path(cache_dir, f"ids-{key}.npy") if cache_dir else None
    if cache is not None and cache.exists():
        return np.load(cache)
    ids = np.concatenate([encode_documents(documents(t, text_format), vocab) for t in texts])
    if len(ids) < 2:
        raise DataError(f"{', '.join(paths)}: no words to train on")
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp.npy")
        np.save(tmp, ids)
        os.replace(tmp, cache)
        cache.with_suffix(".json").write_text(json.dumps({"files": paths, "format": text_format, "tokens": len(ids)}))
    return ids


def batchify(ids: np.ndarray, batch_size: int) -> np.ndarray:
    """Cut a stream into ``batch_size`` parallel rows, dropping the remainder, shape [B, N]."""
    rows = len(ids) // batch_size
    if rows < 2:
        raise DataError(f"only {len(ids)} tokens: too little text for a batch size of {batch_size}")
    return ids[: rows * batch_size].reshape(batch_size, rows)
