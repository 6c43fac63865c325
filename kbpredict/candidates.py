"""Top-k words for a typed prefix, from a cached next-word distribution, in microseconds.

The suggestable words are sorted once by their lower-cased spelling, so the words starting with a
prefix are one contiguous slice found by two bisections; a partial sort of that slice's
log-probabilities gives the top k. No LSTM step is involved.
"""

from __future__ import annotations

import bisect
import gzip
import math
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .personal import PersonalView

_PREFIX_END = "\U0010ffff"  # sorts after every character, so prefix + this bounds the slice


@dataclass(frozen=True)
class Suggestion:
    """One entry of the suggestion bar: the word to insert and the model's probability for it."""

    word: str
    score: float


def prefix_span(keys: list[str], prefix: str) -> tuple[int, int]:
    """The slice of sorted lower-cased ``keys`` that start with ``prefix`` (any case), by bisection."""
    key = prefix.lower()
    if not key:
        return 0, len(keys)
    lo = bisect.bisect_left(keys, key)
    return lo, bisect.bisect_left(keys, key + _PREFIX_END, lo)


def case_mode(typed: str) -> int:
    """How the user is typing: 0 as the word comes, 1 capitalized ("Th"), 2 all capitals ("TH")."""
    if not typed:
        return 0
    letters = [ch for ch in typed if ch.isalpha()]
    if len(letters) >= 2 and all(ch.isupper() for ch in letters):
        return 2
    return 1 if typed[0].isupper() else 0


def apply_case(word: str, mode: int) -> str:
    if mode == 2:
        return word.upper()
    if mode == 1 and word[:1].islower():
        return word[0].upper() + word[1:]
    return word


def adapt_case(word: str, typed: str) -> str:
    """Spell ``word`` the way the user is typing: "Th" -> "The", "THE" -> "THE", "lon" -> "London"."""
    return apply_case(word, case_mode(typed))


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
        self.unknown_id = unknown_id

    def __len__(self) -> int:
        return len(self._keys)

    def span(self, prefix: str) -> tuple[int, int]:
        """The slice of sorted words whose lower-cased spelling starts with ``prefix``."""
        return prefix_span(self._keys, prefix)

    def entry(self, word: str) -> tuple[int, float, bool]:
        """(model id, share among the word list's words, outside the vocabulary?) of ``word``.

        A word in neither the vocabulary nor the word list is the unknown id with share 0.
        """
        key = word.lower()
        j = bisect.bisect_left(self._keys, key)
        while j < len(self._keys) and self._keys[j] == key:
            if self._surfaces[j] == word:
                i = int(self._ids[j])
                share = math.exp(float(self._offsets[j])) if self._offsets is not None else 1.0
                return i, share, i == self.unknown_id
            j += 1
        return self.unknown_id, 0.0, True

    def top(self, log_probs: np.ndarray, prefix: str, k: int, recent: "RecentWords | None" = None,
            personal: "PersonalView | None" = None) -> list[Suggestion]:
        """The k most probable completions of ``prefix``, case-adapted, variants merged.

        "the" and "The" are one suggestion (spelled as the likelier one, with their summed
        probability), so the bar never wastes a slot on a capitalization variant. With ``recent``
        (the words of the text being written), probabilities are mixed with its caches: see
        :class:`RecentWords`; with ``personal``, with the user's learned words (see
        :class:`kbpredict.personal.PersonalView`).
        """
        if k <= 0:
            return []
        want = 4 * k + 4  # headroom for merged case variants
        weight = 1.0 - recent.model_weight if recent is not None and len(recent) else 0.0
        pool: dict[str, float] = {}
        lo, hi = self.span(prefix)
        if hi > lo:
            ids = self._ids[lo:hi]
            scores = log_probs[ids]
            if self._offsets is not None:
                scores = scores + self._offsets[lo:hi]
            best = _top_indices(scores, min(len(ids), want))
            probs = np.exp(scores[best])
            if weight:
                probs *= 1.0 - weight
            surfaces = self._surfaces
            for j, p in zip(best.tolist(), probs.tolist()):
                pool[surfaces[lo + j]] = p
        if weight:
            # Every recent word gets its full mixture; it replaces the model-only entry if both
            # are in the pool. Words outside the model and the word list get the recent share only.
            rlo, rhi = recent.span(prefix)
            if rhi > rlo:
                mixed = recent.mixture(log_probs, rlo, rhi)
                best = np.argsort(-mixed, kind="stable")[:want]
                for j, p in zip(best.tolist(), mixed[best].tolist()):
                    pool[recent.surfaces[rlo + j]] = p
        if personal is not None:
            personal.mix(pool, log_probs, prefix, want, 1.0 - weight)
        merged: dict[str, list] = {}
        mode = case_mode(prefix)
        for surface, p in sorted(pool.items(), key=lambda item: -item[1]):
            spelled = apply_case(surface, mode)
            entry = merged.setdefault(spelled.lower(), [spelled, 0.0])
            entry[1] += p
        ranked = sorted(merged.values(), key=lambda item: -item[1])[:k]
        return [Suggestion(word, score) for word, score in ranked]


class RecentWords:
    """The words of the text being written, as a cache mixed into the model's suggestions.

    People repeat themselves: the names, places and terms of the text at hand come back within a
    few sentences, and many of them are rare or outside the vocabulary, where a cache gains most
    (Kuhn & De Mori 1990; Grave et al. 2017). Two caches over the words of the
    last ``window_chars`` characters of the text:

    - unigram: each word's share of the window, with ``weight``;
    - pairs: each word's share of the words that followed the previous token (so "Du" brings
      back "Fu"), with ``pair_weight``; its weight goes to the model when there are none.

    A suggestion's probability is ``(1 - a - b) * p_model + a * share + b * pair_share``. The
    cache weights grow with the evidence: ``a = weight * n / (n + prior_words)`` over the ``n``
    words seen and ``b = pair_weight * m / (m + prior_pairs)`` over the ``m`` followers, so the
    first words of a short message do not outweigh the model. For a word outside the vocabulary,
    ``p_model`` is p(unknown) times the word's share of the unknown words: half from the bundled
    word list, half from the unknown words of the text. A name typed once is offered the next time.

    It holds only what the text before the cursor holds: the same text always gets the same
    suggestions, and nothing is kept after the session ends.
    """

    # Tuned for keystroke savings on WikiText-2 *validation* text (bench/tune_recent.py).
    window_chars = 2000  # the words of the last this many characters (PROTOCOL.md's context)
    weight = 0.1
    pair_weight = 0.1
    prior_words = 20
    prior_pairs = 1
    oov_weight = 0.5  # p(word | unknown): the text's share of it against the word list's

    def __init__(self, index: CandidateIndex, words: list[str], followers: list[str],
                 locate_memo: dict[str, tuple[int, float, bool]] | None = None, previous: str = ""):
        """``words``: the window's words (any order); ``followers``: those that came right after
        an earlier occurrence of ``previous``, the token before the cursor. The unigram cache does
        not offer ``previous`` itself again: a doubled word is almost always a slip."""
        memo = {} if locate_memo is None else locate_memo
        counts = Counter(words)  # followers are words of the window too
        # Sorted by lower-cased spelling; equal keys ("The", "the") stay in first-seen order.
        self.surfaces = sorted(counts, key=str.lower)
        self.keys = [word.lower() for word in self.surfaces]
        size = len(self.surfaces)
        count_of = np.array([counts[w] for w in self.surfaces], dtype=np.float64)
        n, m = len(words), len(followers)
        weight = self.weight * n / (n + self.prior_words) if n else 0.0
        pair_weight = self.pair_weight * m / (m + self.prior_pairs) if m else 0.0
        self.model_weight = 1.0 - weight - pair_weight
        # the cache terms, already weighted
        unigram = count_of
        if previous in counts:  # (measured: KSR unchanged on the validation text)
            unigram = count_of.copy()
            unigram[self.surfaces.index(previous)] = 0.0
        self._cached = weight * unigram / max(1, n)
        if followers:
            pairs = Counter(followers)
            pair_of = np.fromiter((pairs.get(w, 0) for w in self.surfaces), dtype=np.float64, count=size)
            self._cached += pair_weight * pair_of / m
        # each word's (model id, share among the word list's words, outside the vocabulary?)
        located = [memo.get(w) or memo.setdefault(w, index.entry(w)) for w in self.surfaces]
        self._ids = np.fromiter((i for i, _, _ in located), dtype=np.int64, count=size)
        list_share = np.fromiter((share for _, share, _ in located), dtype=np.float64, count=size)
        oov = np.fromiter((out for _, _, out in located), dtype=bool, count=size)
        oov_total = count_of[oov].sum()
        mu = self.oov_weight if oov_total else 0.0
        oov_share = np.where(oov, count_of / max(1.0, oov_total), 0.0)
        self._given_unknown = np.where(oov, (1 - mu) * list_share + mu * oov_share, 1.0)

    def __len__(self) -> int:
        return len(self.keys)

    def span(self, prefix: str) -> tuple[int, int]:
        """The slice of recent words whose lower-cased spelling starts with ``prefix``."""
        return prefix_span(self.keys, prefix)

    def mixture(self, log_probs: np.ndarray, lo: int, hi: int) -> np.ndarray:
        """Mixed probabilities of recent words ``lo:hi`` given the model's next-word log-probs."""
        model = np.exp(log_probs[self._ids[lo:hi]].astype(np.float64)) * self._given_unknown[lo:hi]
        return self.model_weight * model + self._cached[lo:hi]


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
