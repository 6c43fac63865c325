"""Build the word vocabulary with sentencepiece (``model_type=word``) over pre-split text.

Words are counted in one streaming pass (memory grows with the number of distinct words, capped by
``max_types``), then sentencepiece trains on the counts (``word<TAB>count``, its ``tsv`` input), so
a corpus of any size is counted exactly without holding its sentences in memory.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections import Counter
from typing import Iterable

import sentencepiece as spm

from kbpredict.text import END_OF_LINE, MAX_WORD_LENGTH, UNKNOWN_MARKER
# Distinct words counted before the rarest are pruned (space-saving style; bounds memory).
MAX_TYPES = 2_000_000


def count_words(lines: Iterable[list[str]], max_types: int = MAX_TYPES) -> Counter:
    """Word counts of token lines; when more than ``max_types`` distinct words have been seen, the
    rarer half is dropped (those words could never make a 20k-50k vocabulary anyway)."""
    counts: Counter[str] = Counter()
    for tokens in lines:
        counts.update(t for t in tokens if t not in (UNKNOWN_MARKER, END_OF_LINE))
        if len(counts) > max_types:
            counts = Counter(dict(counts.most_common(max_types // 2)))
    return counts


def build_vocabulary(lines: Iterable[list[str]], vocab_size: int, *, max_types: int = MAX_TYPES) -> bytes:
    """Train a word-level sentencepiece model on token lines; return the serialized model.

    ``vocab_size`` counts the three control ids (unknown, begin-of-text, end-of-line); a corpus with
    fewer distinct words gets a smaller vocabulary.
    """
    counts = count_words(lines, max_types)
    # Words sentencepiece cannot hold as one piece (whitespace, its own marker) are left out.
    usable = [(w, c) for w, c in counts.most_common() if w and "\u2581" not in w and not any(ch.isspace() for ch in w)]
    if not usable:
        raise ValueError("no words to build a vocabulary from")
    model = io.BytesIO()
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".tsv", delete=False) as tsv:
        for word, count in usable[: max(4 * vocab_size, 100_000)]:
            tsv.write(f"{word}\t{count}\n")
    try:
        spm.SentencePieceTrainer.train(
            input=tsv.name,
            input_format="tsv",
            model_writer=model,
            model_type="word",
            vocab_size=vocab_size,
            hard_vocab_limit=False,
            normalization_rule_name="identity",  # case and characters are exactly as tokenized
            split_by_whitespace=True,
            character_coverage=1.0,
            max_sentencepiece_length=MAX_WORD_LENGTH,
            max_sentence_length=1 << 16,
            unk_id=0,
            bos_id=1,
            eos_id=2,
            pad_id=-1,
            minloglevel=2,
            num_threads=2,
        )
    finally:
        os.unlink(tsv.name)
    return model.getvalue()
