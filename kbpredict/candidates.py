"""Top-k words for a typed prefix, from a cached next-word distribution, in microseconds.

The suggestable words are sorted once by their lower-cased spelling, so the words starting with a
prefix are one contiguous slice found by two bisections; a partial sort of that slice's
log-probabilities gives the top k. No LSTM step is involved.
"""

from __future__ import annotations

import bisect
import gzip
import math
from dataclasses import dataclass

import numpy as np

_PREFIX_END = "\U0010ffff"  # sorts after every character, so prefix + this bounds the slice


@dataclass(frozen=True)
class Suggestion:
    """One entry of the suggestion bar: the word to insert and the model's probability for it."""

    word: str
    score: float


def adapt_case(word: str, typed: str) -> str:
    """Spell ``word`` the way the user is typing: "Th" -> "The", "THE" -> "THE", "lon" -> "London"."""
    if not typed:
        return word
    letters = [ch for ch in typed if ch.isalpha()]
    if len(letters) >= 2 and all(ch.isupper() for ch in letters):
        return word.upper()
    if typed[0].isupper() and word[:1].islower():
        return word[0].upper() + word[1:]
    return word


class CandidateIndex:
    """Suggestable words sorted case-insensitively, for prefix lookups.

    Two kinds of entries share one sorted order: the language model's own words, scored by their
    log-probability, and (optionally) extra words outside its vocabulary -- a frequency list from
    the training text -- scored as p(unknown | context) times their share of the extra words'
    counts. So a word the model cannot name can still be completed when its prefix is typed.
    """

    def __init__(self, words: list[str], suggestable_ids: list[int],
                 extra_words: list[tuple[str, int]] = (), unknown_id: int = 0):
        def key(word: str) -> str:
            lower = word.lower()
            return word if lower == word else lower  # most words are lower case: share the object

        entries = [(key(words[i]), words[i], i, 0.0) for i in suggestable_ids]
        total = sum(count for _, count in extra_words)
        entries += [(key(w), w, unknown_id, math.log(count / total)) for w, count in extra_words if count > 0]
        entries.sort()  # by (lower-cased key, spelling): tuples compare in C, no key function
        self._keys = [e[0] for e in entries]
        self._surfaces = [e[1] for e in entries]
        self._ids = np.asarray([e[2] for e in entries], dtype=np.int64)
        self._offsets = np.asarray([e[3] for e in entries], dtype=np.float32) if extra_words else None

    def __len__(self) -> int:
        return len(self._keys)

    def span(self, prefix: str) -> tuple[int, int]:
        """The slice of sorted words whose lower-cased spelling starts with ``prefix``."""
        key = prefix.lower()
        if not key:
            return 0, len(self._keys)
        lo = bisect.bisect_left(self._keys, key)
        hi = bisect.bisect_left(self._keys, key + _PREFIX_END, lo)
        return lo, hi

    def top(self, log_probs: np.ndarray, prefix: str, k: int) -> list[Suggestion]:
        """The k most probable completions of ``prefix``, case-adapted, variants merged.

        "the" and "The" are one suggestion (spelled as the likelier one, with their summed
        probability), so the bar never wastes a slot on a capitalization variant.
        """
        lo, hi = self.span(prefix)
        if hi <= lo or k <= 0:
            return []
        ids = self._ids[lo:hi]
        scores = log_probs[ids]
        if self._offsets is not None:
            scores = scores + self._offsets[lo:hi]
        want = min(len(ids), 4 * k + 4)  # headroom for merged case variants
        best = _top_indices(scores, want)
        merged: dict[str, list] = {}
        for j in best.tolist():
            spelled = adapt_case(self._surfaces[lo + j], prefix)
            entry = merged.setdefault(spelled.lower(), [spelled, 0.0])
            entry[1] += float(np.exp(scores[j]))
        ranked = sorted(merged.values(), key=lambda item: -item[1])[:k]
        return [Suggestion(word, score) for word, score in ranked]


# A first cut at this many nats below the best score usually leaves a few hundred of the 37k
# entries to partition. Everything inside the cut outscores everything outside it, so when at
# least `want` entries pass, the top `want` are among them; otherwise all entries are partitioned.
_WINDOW_NATS = 9.0


def _top_indices(scores: np.ndarray, want: int) -> np.ndarray:
    """Indices of the ``want`` highest scores, best first (exact: the window is only a shortcut)."""
    if want >= len(scores):
        return np.argsort(-scores, kind="stable")
    near = np.flatnonzero(scores >= scores.max() - _WINDOW_NATS)
    if len(near) < want:  # a flat distribution: partition everything
        near = np.arange(len(scores))
    sub = scores[near]
    if len(near) > want:
        part = np.argpartition(-sub, want - 1)[:want]
        return near[part[np.argsort(-sub[part], kind="stable")]]
    return near[np.argsort(-sub, kind="stable")]


def read_wordlist(path) -> list[tuple[str, int]]:
    """A ``words.tsv.gz`` of a bundle: one ``word<TAB>count`` per line."""
    with gzip.open(path, "rb") as handle:
        lines = handle.read().decode("utf-8").split("\n")
    pairs = (line.split("\t") for line in lines if "\t" in line)
    return [(word, int(count)) for word, count in pairs if word and count.isdigit()]
