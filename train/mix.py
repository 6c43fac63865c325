"""A weighted mix of training sources, streamed block by block.

A source is ``PATH`` or ``PATH@WEIGHT`` (a directory or glob gives each of its files the weight).
Each file is cut into blocks of ``block_lines`` consecutive lines, which keep the neighbouring
turns of a dialogue together; a weight is the expected number of copies of each block: 0.5 keeps
about half of them (chosen by a hash of the file name and block number, so the choice is the same
on every run and in both passes of ``train.prepare``), 2 takes every block twice (in two passes
over the file), 1.5 every block once and half of them again.

With ``interleave`` the sources are merged block by block in proportion to their sizes, so every
stretch of the stream (and every batch row of a training run) holds the whole mix, and the end
of a cosine schedule sees all sources rather than whichever file came last. Each block then
starts a document (a begin-of-text id), since its neighbours in the stream come from elsewhere.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .data import DataError, LineRules
from .shards import expand_inputs, file_format, open_text

BLOCK_LINES = 50  # the conversational corpus's own split unit: dialogue turns stay together


@dataclass(frozen=True)
class Source:
    """One input file and its weight in the mix."""

    path: Path
    weight: float = 1.0


def parse_sources(items: Iterable[str]) -> list[Source]:
    """``PATH`` or ``PATH@WEIGHT`` items (files, directories, globs, ``.gz``) -> sources."""
    sources: list[Source] = []
    for item in items:
        spec, weight = item, 1.0
        head, at, tail = item.rpartition("@")
        if at and head:
            try:
                weight = float(tail)
                spec = head
            except ValueError:
                pass  # an "@" that belongs to the path itself
        if not (math.isfinite(weight) and weight >= 0):
            raise DataError(f"{item}: a weight must be a number >= 0")
        sources.extend(Source(path, weight) for path in expand_inputs([spec]))
    if not any(s.weight > 0 for s in sources):
        raise DataError("every source has weight 0: nothing to train on")
    return sources


def block_copies(source: Source, block: int) -> int:
    """How many times block number ``block`` of ``source`` enters the mix."""
    whole = int(source.weight)
    fraction = source.weight - whole
    if fraction:
        digest = hashlib.blake2b(f"{source.path.name}\0{block}".encode(), digest_size=8).digest()
        whole += int.from_bytes(digest, "little") / 2**64 < fraction
    return whole


def count_blocks(path: Path, block_lines: int = BLOCK_LINES) -> int:
    """Blocks in a file (one streaming pass over its lines)."""
    with open_text(path) as handle:
        lines = sum(1 for _ in handle)
    return -(-lines // block_lines)


def _blocks(handle, block_lines: int) -> Iterator[list[str]]:
    block: list[str] = []
    for line in handle:
        block.append(line)
        if len(block) == block_lines:
            yield block
            block = []
    if block:
        yield block


def source_blocks(source: Source, text_format: str, *, block_lines: int = BLOCK_LINES,
                  every_block_starts: bool = False, masks: tuple[str, ...] = ()
                  ) -> Iterator[list[tuple[bool, list[str]]]]:
    """The token lines of one source's blocks, block by block, in file order, pass after pass.

    A block starts a document when it does not continue the block before it in the stream (the
    first block of a pass, the one after a skipped block), or always with ``every_block_starts``.
    """
    if source.weight <= 0:
        return
    fmt = file_format(source.path, text_format)
    for copy in range(math.ceil(source.weight)):
        rules, previous = LineRules(fmt, masks), None
        with open_text(source.path) as handle:
            for number, lines in enumerate(_blocks(handle, block_lines)):
                if block_copies(source, number) <= copy:
                    continue
                if every_block_starts or previous != number - 1:
                    rules.pending_start = True
                previous = number
                yield list(rules(lines))


def mixed_blocks(sources: list[Source], text_format: str, *, block_lines: int = BLOCK_LINES,
                 interleave: bool = False, masks: tuple[str, ...] = ()
                 ) -> Iterator[tuple[int, list[tuple[bool, list[str]]]]]:
    """(source index, token lines of one block) for the whole mix.

    Without ``interleave``: the sources one after another. With it: at every step the source
    that is furthest behind its share of the stream gives the next block, so all sources end
    together; deterministic, and memory holds one open file per source.
    """
    if not interleave:
        for index, source in enumerate(sources):
            for block in source_blocks(source, text_format, block_lines=block_lines, masks=masks):
                yield index, block
        return
    streams, heap = [], []
    for index, source in enumerate(sources):
        blocks = count_blocks(source.path, block_lines)
        total = sum(block_copies(source, b) for b in range(blocks))
        streams.append(source_blocks(source, text_format, block_lines=block_lines, every_block_starts=True,
                                     masks=masks))
        if total:
            heapq.heappush(heap, (1 / total, index, 1, total))
    while heap:
        _, index, taken, total = heapq.heappop(heap)
        block = next(streams[index], None)
        if block is None:
            continue
        yield index, block
        if taken < total:
            heapq.heappush(heap, ((taken + 1) / total, index, taken + 1, total))
