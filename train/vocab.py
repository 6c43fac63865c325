"""Build the word vocabulary with sentencepiece (``model_type=word``) over pre-split text."""

from __future__ import annotations

import io
from typing import Iterable, Iterator

import sentencepiece as spm

from kbpredict.text import END_OF_LINE, UNKNOWN_MARKER

# Longest word kept in the vocabulary; sentencepiece's default (16) would drop common long words.
MAX_WORD_LENGTH = 48


def _sentences(lines: Iterable[list[str]]) -> Iterator[str]:
    for tokens in lines:
        # The unknown marker and line ends are special ids, not words to count.
        kept = [t for t in tokens if t not in (UNKNOWN_MARKER, END_OF_LINE) and "\u2581" not in t]
        if kept:
            yield " ".join(kept)


def build_vocabulary(lines: Iterable[list[str]], vocab_size: int, *, sample_lines: int = 2_000_000) -> bytes:
    """Train a word-level sentencepiece model on token lines; return the serialized model.

    ``vocab_size`` counts the three control ids (unknown, begin-of-text, end-of-line); a corpus with
    fewer distinct words gets a smaller vocabulary. At most ``sample_lines`` lines are read.
    """
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=_sentences(lines),
        model_writer=model,
        model_type="word",
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        normalization_rule_name="identity",  # case and characters are exactly as tokenized
        split_by_whitespace=True,
        character_coverage=1.0,
        max_sentencepiece_length=MAX_WORD_LENGTH,
        max_sentence_length=1 << 20,
        input_sentence_size=sample_lines,
        shuffle_input_sentence=True,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        minloglevel=2,
        num_threads=2,
    )
    return model.getvalue()
