"""The word vocabulary: a sentencepiece ``model_type=word`` model applied to pre-split tokens.

Training builds the model (``train.vocab``); this module only loads and applies it, so the runtime
needs sentencepiece but nothing else. Tokens come from :func:`kbpredict.text.tokenize`; each
becomes the piece ``"\u2581" + token`` (sentencepiece's word-start marker) or the unknown id.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import sentencepiece as spm

from .errors import ModelCorruptError
from .lexicon import is_emoji, unstretched
from .text import ADDRESS_TAILS, END_OF_LINE, UNKNOWN_MARKER, is_suggestable

WORD_START = "\u2581"


def read_model_bytes(path: str) -> bytes:
    """The serialized sentencepiece model in ``path``, gunzipped if it is gzip data (bundles store
    it compressed: a third of the size). Raises OSError if the file cannot be read and
    ModelCorruptError if its compression is damaged."""
    with open(path, "rb") as handle:
        data = handle.read()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise ModelCorruptError(f"cannot read vocabulary {path}: {exc}") from None
    return data


@dataclass(frozen=True)
class SpecialIds:
    """Ids of the control tokens."""

    unknown: int
    begin_of_text: int
    end_of_line: int


class Vocabulary:
    """Maps tokens to ids and back, with the special ids the model was trained with."""

    def __init__(self, processor: spm.SentencePieceProcessor):
        self._sp = processor
        self.specials = SpecialIds(
            unknown=processor.unk_id(), begin_of_text=processor.bos_id(), end_of_line=processor.eos_id()
        )
        if min(self.specials.unknown, self.specials.begin_of_text, self.specials.end_of_line) < 0:
            raise ModelCorruptError("the vocabulary lacks an unknown, begin-of-text or end-of-line id")
        self.words: list[str] = [
            piece[1:] if piece.startswith(WORD_START) else piece
            for piece in processor.id_to_piece(list(range(processor.get_piece_size())))
        ]
        for special in (self.specials.unknown, self.specials.begin_of_text, self.specials.end_of_line):
            self.words[special] = ""  # control symbols are never shown or matched
        # what the model reads for a token it does not know, or hardly: token -> id of the word it
        # stands for ("tmr" -> "tomorrow", see kbpredict.lexicon.readings); set by the runtime only
        self.aliases: dict[str, int] = {}
        self.unknown_emoji: int | None = None  # and for an emoji it does not know (the runtime's)
        self.read_stretched = False  # and "yesss" as "yes" (kbpredict.lexicon.unstretched; the runtime's)
        self._log_frequencies: np.ndarray | None = None

    def plain(self) -> "Vocabulary":
        """This vocabulary without the runtime's readings (``aliases``, ``unknown_emoji``): the
        model's own ids, for measuring the model (perplexity, parity), not the keyboard."""
        if not self.aliases and self.unknown_emoji is None and not self.read_stretched:
            return self
        return Vocabulary(self._sp)

    @classmethod
    def from_file(cls, path: str) -> "Vocabulary":
        """Load a sentencepiece model file, plain or gzip-compressed (a bundle's ``vocab.model.gz``)."""
        processor = spm.SentencePieceProcessor()
        try:
            processor.load_from_serialized_proto(read_model_bytes(path))
        except (OSError, RuntimeError) as exc:
            raise ModelCorruptError(f"cannot read vocabulary {path}: {exc}") from None
        return cls(processor)

    @classmethod
    def from_bytes(cls, data: bytes) -> "Vocabulary":
        """Load a serialized sentencepiece model (as stored in a training checkpoint)."""
        processor = spm.SentencePieceProcessor()
        processor.load_from_serialized_proto(data)
        return cls(processor)

    def serialized(self) -> bytes:
        """The sentencepiece model as bytes (what ``vocab.model`` holds)."""
        return self._sp.serialized_model_proto()

    def serialized_digest(self) -> str:
        """sha256 of :meth:`serialized`, to tell vocabularies apart."""
        return hashlib.sha256(self.serialized()).hexdigest()

    def __len__(self) -> int:
        return len(self.words)

    def token_id(self, token: str) -> int:
        """The id of one token from :func:`kbpredict.text.tokenize`."""
        return self.encode([token])[0]

    def piece_id(self, token: str) -> int:
        """The vocabulary's own id of ``token`` (no aliases), or the unknown id."""
        return self._sp.piece_to_id(WORD_START + token)

    def encode(self, tokens: Sequence[str]) -> list[int]:
        """Ids of many tokens at once (one call into sentencepiece)."""
        if not tokens:
            return []
        ids = self._sp.piece_to_id([WORD_START + t for t in tokens])
        unknown, aliases, emoji, stretched = self.specials.unknown, self.aliases, self.unknown_emoji, self.read_stretched
        reads = bool(aliases) or emoji is not None or stretched
        for i, token in enumerate(tokens):
            if token == END_OF_LINE:
                ids[i] = self.specials.end_of_line
            elif token == UNKNOWN_MARKER:
                ids[i] = unknown
            elif reads:
                ids[i] = aliases.get(token, ids[i])
                if ids[i] != unknown:
                    continue
                if emoji is not None and is_emoji(token):
                    ids[i] = emoji
                elif stretched:
                    word = unstretched(self, token)
                    ids[i] = unknown if word is None else word
        return ids

    def log_frequencies_cached(self) -> np.ndarray:
        """:meth:`log_frequencies`, computed once (read-only)."""
        if self._log_frequencies is None:
            self._log_frequencies = self.log_frequencies()
            self._log_frequencies.flags.writeable = False
        return self._log_frequencies

    def log_frequencies(self) -> np.ndarray:
        """Each word's log share of the training text (the word model's piece scores)."""
        return np.asarray(self._sp.get_score(list(range(len(self.words)))), dtype=np.float32)

    def suggestable_ids(self) -> list[int]:
        """Ids worth showing in a suggestion bar: real words with a letter or digit (not an e-mail
        address run together: :func:`~kbpredict.text.is_suggestable`)."""
        return [i for i, word in enumerate(self.words)
                if word and ((word.isalnum() and not word.endswith(ADDRESS_TAILS)) or is_suggestable(word))]
