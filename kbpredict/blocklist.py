"""Offensive words: never suggested while blocked (the default), from any source.

The shipped list (``kbpredict/data/offensive.txt``) is curated from the CC BY 4.0 "List of Dirty,
Naughty, Obscene, and Otherwise Bad Words" (see the file's header for what changed); it is
English, and a bundle of another language carries its own in place of it (``offensive.txt``,
``python -m export --offensive FILE``). It is
applied to every suggestion -- the model's words, the word list, the words of the text and the
personal model, next words, completions and corrections alike -- by the session, through
:meth:`Blocklist.blocks`. Blocking only ever hides suggestions: a word the user types out in full
is theirs (it is never autocorrected into something else, and it is learned like any other).
"""

from __future__ import annotations

import re
import threading
from importlib import resources
from typing import Iterable

from .errors import InvalidArgumentError
from .text import fold


def _check(word: str) -> str:
    if not isinstance(word, str) or not word.strip() or len(word) > 100:
        raise InvalidArgumentError(f"a blocked word must be a non-empty string, not {word!r}")
    return fold(word.strip())


class Blocklist:
    """A set of words (and ``stem*``, ``*stem``, ``*stem*`` patterns) that are never suggested.

    Matching ignores case, accents and apostrophes. Apps add and remove words at any time
    (thread-safe); :meth:`remove` also lets through a word a pattern would block.
    """

    def __init__(self, entries: Iterable[str] = (), enabled: bool = True):
        self.enabled = enabled
        self._lock = threading.Lock()
        self._words: set[str] = set()
        self._prefixes: set[str] = set()
        self._suffixes: set[str] = set()
        self._infixes: set[str] = set()
        self._allowed: set[str] = set()
        self._pattern: re.Pattern | None = None
        for entry in entries:
            self._add_entry(entry)
        self._compile()

    @classmethod
    def shipped(cls, enabled: bool = True) -> "Blocklist":
        """The curated (English) offensive-word list that ships with kbpredict."""
        return cls.from_text((resources.files("kbpredict") / "data" / "offensive.txt").read_text(encoding="utf-8"),
                             enabled)

    @classmethod
    def read(cls, path, enabled: bool = True) -> "Blocklist":
        """A list file (a bundle's ``offensive.txt``), in the shipped file's format."""
        with open(path, encoding="utf-8") as handle:
            return cls.from_text(handle.read(), enabled)

    @classmethod
    def from_text(cls, text: str, enabled: bool = True) -> "Blocklist":
        """A list in the shipped file's format: a word or pattern a line, ``#`` comments."""
        return cls((line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")),
                   enabled)

    def _add_entry(self, entry: str) -> None:
        starts, ends = entry.startswith("*"), entry.endswith("*")
        stem = fold(entry.strip("*"))
        if not stem:
            return
        if starts and ends:
            self._infixes.add(stem)
        elif ends:
            self._prefixes.add(stem)
        elif starts:
            self._suffixes.add(stem)
        else:
            self._words.add(stem)

    def _compile(self) -> None:
        """One regular expression for all patterns: a lookup costs ~1 µs, however many there are."""
        parts = [f"^(?:{'|'.join(map(re.escape, sorted(self._prefixes)))})" if self._prefixes else "",
                 f"(?:{'|'.join(map(re.escape, sorted(self._suffixes)))})$" if self._suffixes else "",
                 f"(?:{'|'.join(map(re.escape, sorted(self._infixes)))})" if self._infixes else ""]
        parts = [p for p in parts if p]
        self._pattern = re.compile("|".join(parts)) if parts else None

    def __len__(self) -> int:
        return len(self._words) + len(self._prefixes) + len(self._suffixes) + len(self._infixes)

    def add(self, word: str) -> None:
        """Block ``word`` (exactly; ``stem*`` blocks every word starting with ``stem``)."""
        key = _check(word)
        with self._lock:
            self._allowed.discard(key.strip("*"))
            self._add_entry(word.strip())
            self._compile()

    def remove(self, word: str) -> None:
        """Stop blocking ``word``, even if a pattern of the list matches it."""
        key = _check(word)
        with self._lock:
            self._words.discard(key)
            self._allowed.add(key)

    def blocks(self, word: str) -> bool:
        """True if ``word`` must not be suggested (always False while disabled)."""
        if not self.enabled:
            return False
        key = fold(word)
        if key in self._words:
            return key not in self._allowed
        pattern = self._pattern
        return pattern is not None and pattern.search(key) is not None and key not in self._allowed
