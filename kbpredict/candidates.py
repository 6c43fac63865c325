"""Top-k words for a typed prefix, from a cached next-word distribution, in microseconds.

The suggestable words are sorted once by their lower-cased spelling, so the words starting with a
prefix are one contiguous slice found by two bisections; a partial sort of that slice's
log-probabilities gives the top k. No LSTM step is involved.
"""

from __future__ import annotations

import bisect
import gzip
import math
import operator
from collections import Counter
from collections.abc import Container
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .casing import PRONOUN_I, case_mode, inside_sentence
from .text import fold, fold_all
from .typos import ErrorModel, TypoIndex

if TYPE_CHECKING:
    from .personal import PersonalView

_PREFIX_END = "\U0010ffff"  # sorts after every character, so prefix + this bounds the slice
# The word list's words together, as a share of the training text (about the unknown-word rate
# of the model on its own validation text): puts their counts on the vocabulary's scale.
EXTRA_WORDS_SHARE = 0.02
# The word list's most common words that typing slips are corrected into (all of the model's are):
# bounds the typo index's build at load (~1 ms per 1,000 words) however long the list is. A rarer
# listed word is still completed, and typed out in full it is a known word, never autocorrected.
CORRECTABLE_EXTRA_WORDS = 25_000


@dataclass(frozen=True)
class Suggestion:
    """One entry of the suggestion bar: the word to insert, its probability, and what it is:
    ``"next"`` (a next word, nothing typed yet), ``"completion"`` (of the typed letters) or
    ``"correction"`` (of them: a slip of the finger, a missing apostrophe, a case)."""

    word: str
    score: float
    kind: str = "completion"


def prefix_span(keys: list[str], prefix: str) -> tuple[int, int]:
    """The slice of sorted folded ``keys`` (:func:`~kbpredict.text.fold`) that start with ``prefix``
    (any case, accents and apostrophes optional), by bisection."""
    key = fold(prefix)
    if not key:
        return 0, len(keys)
    lo = bisect.bisect_left(keys, key)
    return lo, bisect.bisect_left(keys, key + _PREFIX_END, lo)


def apostrophe_at(word: str) -> int:
    """How many letters of the folded word come before its first apostrophe after the first
    letter ("I'm" -> 1, "don't" -> 3), or -1 if it has none ("dont", "'cause")."""
    inner = word.lstrip("'\u2019")
    at = min((i for i in (inner.find("'"), inner.find("\u2019")) if i >= 0), default=-1)
    return len(fold(inner[:at])) if at > 0 else -1


def _take(items: list, order: list[int]) -> list:
    """``[items[j] for j in order]``, in one C call."""
    if len(order) < 2:
        return [items[j] for j in order]
    return list(operator.itemgetter(*order)(items))


def contains(keys: list[str], surfaces: list[str], word: str) -> bool:
    """True if ``word`` is among ``surfaces`` (any case), whose sorted folded ``keys`` are given."""
    key, lower = fold(word), word.lower()
    j = bisect.bisect_left(keys, key)
    while j < len(keys) and keys[j] == key:
        if surfaces[j].lower() == lower:
            return True
        j += 1
    return False


class CandidateIndex:
    """Suggestable words sorted by their folded spelling (lower case, no accents or apostrophes),
    for prefix lookups.

    Two kinds of entries share one sorted order: the language model's own words, scored by their
    log-probability, and (optionally) extra words outside its vocabulary -- a frequency list from
    the training text -- scored as p(unknown | context) times their share of the extra words'
    counts. So a word the model cannot name can still be completed when its prefix is typed.
    """

    def __init__(self, words: list[str], suggestable_ids: list[int],
                 extra_words: list[tuple[str, int]] = (), unknown_id: int = 0,
                 log_frequencies: np.ndarray | None = None, capitals: list[str] = ()):
        # the word list as two columns, in C calls (it has tens of thousands of words)
        extra, counts = (list(column) for column in zip(*extra_words)) if len(extra_words) else ([], [])
        counts = np.asarray(counts, dtype=np.float64)
        if len(counts) and not (counts > 0).all():
            extra = [w for w, c in zip(extra, counts.tolist()) if c > 0]
            counts = counts[counts > 0]
        surfaces = [words[i] for i in suggestable_ids] + extra
        keys = fold_all(surfaces)
        # sorted by (folded key, spelling), then model id: "\0" sorts before every character
        by = [f"{k}\0{w}" for k, w in zip(keys, surfaces)]
        order = sorted(range(len(by)), key=by.__getitem__)
        self._keys = _take(keys, order)
        self._surfaces = _take(surfaces, order)
        ids = np.concatenate([np.asarray(suggestable_ids, dtype=np.int64),
                              np.full(len(extra), unknown_id, dtype=np.int64)])
        order_array = np.asarray(order, dtype=np.int64)
        self._ids = ids[order_array] if len(order) else ids
        self._offsets = None
        # For next words (no prefix: every entry): the model's words by id, the word list's by share.
        self._outside = np.full(len(words), -np.inf, dtype=np.float32)  # 0 for suggestable ids
        self._outside[np.asarray(suggestable_ids, dtype=np.int64)] = 0.0
        self._position_of_id = np.zeros(len(words), dtype=np.int64)
        from_model = order_array < len(suggestable_ids)
        model_entries = np.flatnonzero(from_model)
        self._position_of_id[self._ids[model_entries]] = model_entries
        self._extra_positions = np.flatnonzero(~from_model)
        if extra:
            offsets = np.concatenate([np.zeros(len(suggestable_ids)), np.log(counts / counts.sum())])
            self._offsets = offsets[order_array].astype(np.float32)
            by_share = np.argsort(-self._offsets[self._extra_positions], kind="stable")
            self._extra_positions = self._extra_positions[by_share]  # the most common first
        self._correctable: np.ndarray | None = None  # all
        if len(extra) > CORRECTABLE_EXTRA_WORDS:
            self._correctable = np.ones(len(order), dtype=bool)
            self._correctable[self._extra_positions[CORRECTABLE_EXTRA_WORDS:]] = False
        self.unknown_id = unknown_id
        self.shorthand: frozenset[str] = frozenset()  # folded chat shorthand (set by the runtime)
        # the model's common misspellings, by lexicon.misspelling_key (set by the runtime): words it
        # knows that are no words for the personal model's learning (see PersonalModel)
        self.misspelled: Container[str] = frozenset()
        self._log_frequencies = log_frequencies
        self._capitals = {word.lower(): word for word in capitals}
        self._typos: TypoIndex | None = None
        self._inside: dict[str, str] = {}  # inside_sentence's answers (a re-read text asks again)
        self._apostrophe_at: np.ndarray | None = None
        keys = self._keys
        changes = np.fromiter(map(operator.ne, keys[:-1], keys[1:]), dtype=bool, count=max(0, len(keys) - 1))
        boundaries = np.append(np.flatnonzero(changes) + 1, len(keys)).astype(np.int64)
        # for each position, where its run of equal keys (a word's spellings: "the", "The") ends
        self._ends = boundaries[np.searchsorted(boundaries, np.arange(len(keys)), side="right")]
        # the model's language has the pronoun "I": its training text writes "I" more than "i"
        # (English, 13 to 1 in the shipped model's; in Polish, Czech or Italian "i" is a word of its
        # own, "and" or "the"). Without frequencies, as English.
        self.pronoun_i = not self.frequency("i") > self.frequency("I")
        self.pronouns = PRONOUN_I if self.pronoun_i else frozenset()  # its spellings (casing.PRONOUN_I)

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def listed_words(self) -> int:
        """How many entries come from the bundle's word list (words outside the vocabulary)."""
        return len(self._extra_positions)

    def span(self, prefix: str) -> tuple[int, int]:
        """The slice of sorted words whose folded spelling starts with ``prefix``."""
        return prefix_span(self._keys, prefix)

    def entry(self, word: str) -> tuple[int, float, bool]:
        """(model id, share among the word list's words, outside the vocabulary?) of ``word``.

        A word in neither the vocabulary nor the word list is the unknown id with share 0.
        """
        key = fold(word)
        j = bisect.bisect_left(self._keys, key)
        while j < len(self._keys) and self._keys[j] == key:
            if self._surfaces[j] == word:
                i = int(self._ids[j])
                share = math.exp(float(self._offsets[j])) if self._offsets is not None else 1.0
                return i, share, i == self.unknown_id
            j += 1
        return self.unknown_id, 0.0, True

    def locate(self, word: str) -> tuple[str, int, float, bool, bool]:
        """(folded key, :meth:`entry`, a word outside the vocabulary that may be a name?): chat
        shorthand the model does not know ("omw", "kk") is outside it, but no name or term of the
        text that is likely to come back, as :class:`RecentWords` expects of unknown words."""
        key = fold(word)
        i, share, outside = self.entry(word)
        return key, i, share, outside, outside and key not in self.shorthand

    def frequency(self, word: str) -> float:
        """How common this exact spelling is, as a share of the training text (0 if unknown):
        for telling a word's own case from the capitals that start sentences."""
        if self._log_frequencies is None:
            return 0.0
        i, share, outside = self.entry(word)
        if not outside:
            return math.exp(float(self._log_frequencies[i]))
        return share * EXTRA_WORDS_SHARE

    def frequency_any_case(self, word: str) -> float:
        """How common ``word`` is in any case ("ok", "Ok", "OK"), as a share of the training text:
        :meth:`frequency` summed over the spellings of its key (asked once per misspelling of the
        list, never per keystroke)."""
        lower, key = word.lower().replace("\u2019", "'"), fold(word)
        keys, surfaces = self._keys, self._surfaces
        j = bisect.bisect_left(keys, key)
        total = 0.0
        while j < len(keys) and keys[j] == key:
            if surfaces[j].lower() == lower:
                total += self.frequency(surfaces[j])
            j += 1
        return total

    def capitalized(self, lower: str) -> str | None:
        """The spelling people who write with capitals give this word mid-sentence ("michael" ->
        "Michael", "usa" -> "USA"; the bundle's capitals list), or None: the word is written in
        lower case too, or its case is not known."""
        return self._capitals.get(lower)

    def inside_sentence(self, word: str) -> str:
        """How ``word``, capitalized to begin a sentence, is spelled inside one ("Meeting" ->
        "meeting", "John" stays; :func:`kbpredict.casing.inside_sentence`)."""
        found = self._inside.get(word)
        if found is None:
            if len(self._inside) >= 8192:
                self._inside.clear()  # bounded
            found = self._inside[word] = inside_sentence(word, self.frequency, self.capitalized, self.pronouns)
        return found

    def typos(self, errors: ErrorModel | None = None) -> TypoIndex:
        """The index of words one slip away, built on first use (~30 ms for 50k words) with the
        error model ``errors`` (default: :class:`~kbpredict.typos.ErrorModel`, QWERTY)."""
        if self._typos is None:
            self._typos = TypoIndex(self._keys, errors, correctable=self._correctable)
        return self._typos

    def pool(self, log_probs: np.ndarray, prefix: str, want: int, recent: "RecentWords | None" = None,
             personal: "PersonalView | None" = None) -> dict[str, float]:
        """The ``want`` most probable completions of ``prefix`` (spelling -> probability), mixed
        with the text's words (``recent``, see :class:`RecentWords`) and the user's learned words
        (``personal``, see :class:`kbpredict.personal.PersonalView`)."""
        weight = 1.0 - recent.model_weight if recent is not None and len(recent) else 0.0
        pool: dict[str, float] = {}
        lo, hi = self.span(prefix)
        if not prefix and hi > lo:
            best, scores = self._next_words(log_probs, want)
            probs = np.exp(scores)
            if weight:
                probs *= 1.0 - weight
            surfaces = self._surfaces
            for j, p in zip(best.tolist(), probs.tolist()):
                pool[surfaces[j]] = p
        elif hi > lo:
            ids = self._ids[lo:hi]
            scores = log_probs[ids]
            if self._offsets is not None:
                scores = scores + self._offsets[lo:hi]
            at = apostrophe_at(prefix)
            if at >= 0:  # "I'": the words with an apostrophe there, a few among the "i" words, and
                # those with the letters typed and no apostrophe ("Ill"), which arrange merges or drops
                mask = self._apostrophes()[lo:hi] == at
                if self._keys[lo] == fold(prefix):
                    mask[: self._ends[lo] - lo] = True
                scores = np.where(mask, scores, -np.inf)
            best = _top_indices(scores, min(len(ids), want))
            if at >= 0:
                best = best[np.isfinite(scores[best])]
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
        return pool

    def _apostrophes(self) -> np.ndarray:
        """Each entry's :func:`apostrophe_at` (computed on first use: few words have one)."""
        if self._apostrophe_at is None:
            at = np.full(len(self._surfaces), -1, dtype=np.int16)
            for j, surface in enumerate(self._surfaces):
                if "'" in surface or "\u2019" in surface:
                    at[j] = apostrophe_at(surface)
            self._apostrophe_at = at
        return self._apostrophe_at

    def _next_words(self, log_probs: np.ndarray, want: int) -> tuple[np.ndarray, np.ndarray]:
        """Positions and scores of the ``want`` best entries of all, best first: the model's best
        suggestable words (from its distribution as it is, not gathered in spelling order) and
        the word list's most common words, which share p(unknown)."""
        top = _top_indices(log_probs + self._outside, min(len(log_probs), want))
        positions = self._position_of_id[top]
        scores = log_probs[top] + self._outside[top]
        extra = self._extra_positions[:want]
        if len(extra):
            positions = np.concatenate([positions, extra])
            scores = np.concatenate([scores, log_probs[self._ids[extra]] + self._offsets[extra]])
        keep = np.isfinite(scores)  # (a vocabulary with fewer suggestable words than wanted)
        positions, scores = positions[keep], scores[keep]
        best = np.lexsort((positions, -scores))[:want]  # ties in spelling order, as for a prefix
        return positions[best], scores[best]

    def corrections(self, log_probs: np.ndarray, typed: str, want: int,
                    scale: float = 1.0) -> tuple[dict[str, float], set[str]]:
        """Words one slip away from ``typed`` (whole words, and completions of the typed prefix
        with one slip in it), spelling -> model probability times the error model's, times ``scale``
        (the model's share of the session's mixture); and which of them are whole words (the
        candidates for autocorrection)."""
        key = fold(typed)
        typos = self.typos()
        firsts, costs = typos.word_costs(key)
        ranges = typos.prefixes(key)
        if not len(firsts) and not ranges:
            return {}, set()
        # every spelling of each key ("the", "The"): the run of equal keys from its first position
        starts = np.concatenate([firsts, np.asarray([lo for lo, _, _ in ranges], dtype=np.int64)])
        ends = np.concatenate([self._ends[firsts], np.asarray([hi for _, hi, _ in ranges], dtype=np.int64)])
        cost = np.concatenate([costs, np.asarray([c for _, _, c in ranges], dtype=np.float32)])
        counts = ends - starts
        where = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
        whole = int(counts[: len(firsts)].sum())
        scores = log_probs[self._ids[where]] - np.repeat(cost, counts)
        if self._offsets is not None:
            scores = scores + self._offsets[where]
        best = _top_indices(scores, min(len(where), want))
        found: dict[str, float] = {}
        words: set[str] = set()
        surfaces = self._surfaces
        for i, j, p in zip(best.tolist(), where[best].tolist(), np.exp(scores[best]).tolist()):
            surface = surfaces[j]
            if p * scale > found.get(surface, 0.0):
                found[surface] = p * scale
            if i < whole:
                words.add(surface)
        return found, words

    def probability(self, log_probs: np.ndarray, word: str) -> float:
        """p(word) by the model and the word list, spelled as typed or with its first letter's
        case changed ("You" / "you": how a sentence starts); "london" does not count "LONDON".
        Typed in capitals, any case counts: "CALL" is the word call (the training text seldom
        shouts it, and space turned "CALL ME" into "ALL ME")."""
        spellings = {word, word[:1].lower() + word[1:], word[:1].upper() + word[1:]}
        if word.isupper() and case_mode(word) == 2:  # (isupper: C speed for the usual lower case)
            lower = word.lower()
            spellings.update((lower, lower[:1].upper() + lower[1:]))
        key = fold(word)
        lo, hi = self.span(word)
        total = 0.0
        keys, surfaces = self._keys, self._surfaces
        for j in range(lo, hi):
            if keys[j] != key:
                break
            if surfaces[j] in spellings:
                offset = float(self._offsets[j]) if self._offsets is not None else 0.0
                total += math.exp(float(log_probs[self._ids[j]]) + offset)
        return total

    def top(self, log_probs: np.ndarray, prefix: str, k: int, recent: "RecentWords | None" = None,
            personal: "PersonalView | None" = None) -> list[Suggestion]:
        """The k most probable completions of ``prefix`` as the bar shows them (see
        :func:`kbpredict.bar.arrange`): case variants merged, case-adapted, mid-sentence."""
        from .bar import Typed, arrange

        if k <= 0:
            return []
        pool = self.pool(log_probs, prefix, 4 * k + 4, recent, personal)
        return arrange(pool, {}, Typed(word=prefix), k, pronouns=self.pronouns)[0]


class LocatedWords:
    """Words located in a :class:`CandidateIndex` once (:meth:`CandidateIndex.locate`), each a row
    of fixed arrays: :class:`RecentWords` gathers the columns of a window's words with numpy
    instead of word by word. Adding a word costs O(log n) plus a C-speed list insert, so a
    commit that brings new words stays cheap in a long text. Bounded: past ``limit`` rows it
    starts afresh."""

    limit = 4096

    def __init__(self, index: CandidateIndex):
        self._index = index
        self.clear()

    def clear(self, size: int = 0) -> None:
        """Forget every row (room for at least ``size``)."""
        limit = max(self.limit, size)
        self.row_of: dict[str, int] = {}
        self.keys: list[str] = []
        self.surfaces: list[str] = []
        self.ids = np.zeros(limit, dtype=np.int64)  # model id (the unknown id outside the vocabulary)
        self.share = np.zeros(limit)  # share among the word list's words
        self.oov = np.zeros(limit, dtype=bool)  # outside the vocabulary
        self.named = np.zeros(limit, dtype=bool)  # outside it and no chat shorthand (see locate)
        # The rows' order by (folded spelling, spelling), as numbers: a new row takes the mean
        # of its neighbours' (all are renumbered when two neighbours leave no number between).
        self.rank = np.zeros(limit)
        self._sorted: list[tuple[str, str, int]] = []  # (key, spelling, row), sorted

    def __len__(self) -> int:
        return len(self.keys)

    def rows(self, words: list[str]) -> np.ndarray:
        """The row of each (distinct) word, locating the new ones."""
        rows = list(map(self.row_of.get, words))
        if None in rows:
            if len(self.keys) + rows.count(None) > len(self.ids):
                self.clear(len(words))  # a long session must not grow memory without end
                rows = [None] * len(words)
            for j, row in enumerate(rows):
                if row is None:
                    rows[j] = self._add(words[j])
        return np.asarray(rows, dtype=np.int64)

    def _add(self, word: str) -> int:
        row = self.row_of.get(word)
        if row is not None:  # a new word given twice
            return row
        row = self.row_of[word] = len(self.keys)
        key, self.ids[row], self.share[row], self.oov[row], self.named[row] = self._index.locate(word)
        self.keys.append(key)
        self.surfaces.append(word)
        held = self._sorted
        at = bisect.bisect_left(held, (key, word, row))
        held.insert(at, (key, word, row))
        rank = self.rank
        before = rank[held[at - 1][2]] if at else None
        after = rank[held[at + 1][2]] if at + 1 < len(held) else None
        if before is None or after is None:
            rank[row] = (0.0 if after is None and before is None else
                         before + 1.0 if after is None else after - 1.0)
        else:
            rank[row] = middle = (before + after) / 2
            if not before < middle < after:  # no number left between them
                rank[[r for _, _, r in held]] = np.arange(len(held), dtype=np.float64)
        return row

    def positions(self, rows: np.ndarray) -> np.ndarray:
        """row -> index in ``rows`` (-1 for the others)."""
        local = np.full(len(self.keys), -1, dtype=np.int64)
        local[rows] = np.arange(len(rows))
        return local


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
    word list, half from the unknown words of the text (chat shorthand such as "kk" only the first
    half: it is no name). A name typed once is offered the next time.

    It holds only what the text before the cursor holds: the same text always gets the same
    suggestions, and nothing is kept after the session ends.
    """

    # Tuned for keystroke savings on WikiText-2 *validation* text (bench/tune_recent.py). Measured
    # again with the conversational model (session 16): weight 0.05 (or 0.02-0.04) gives the
    # conversational validation text KSR@3 +0.11 points but WikiText-2 validation -0.12 (and the
    # conversational test +0.02); prior_words 10-40 and pair_weight 0.1-0.2 change nothing; a
    # unigram cache of rare words only (no boost for words above 1e-3 or 1e-4 of the training
    # text) changes nothing either. Again with the GPU-trained model (session 17), KSR@3 points
    # on the conversational / WikiText-2 validation texts: weight 0.05 +0.07 / -0.04; pair_weight
    # 0.05 -0.10 / -0.12, 0.15 -0.02 / +0.02, 0.2 -0.08 / +0.01.
    window_chars = 2000  # the words of the last this many characters (PROTOCOL.md's context)
    weight = 0.1
    pair_weight = 0.1
    prior_words = 20
    prior_pairs = 1
    oov_weight = 0.5  # p(word | unknown): the text's share of it against the word list's
    echo_tokens = 3  # the unigram cache does not offer the words of the last this many tokens

    def __init__(self, index: CandidateIndex, words: list[str], followers: list[str],
                 located: "LocatedWords | None" = None, previous: str = "", tail: tuple = ()):
        """``words``: the window's words (any order); ``followers``: those that came right after
        an earlier occurrence of ``previous``, the token before the cursor. The unigram cache does
        not offer ``previous`` itself again (a doubled word is almost always a slip), nor the words
        of ``tail``, the last ``echo_tokens`` tokens: "Thank you so " offers much, well, that, not
        "you" and "Thank" because they were just typed (the model's own share stays).
        ``located``: the words already located in ``index``, kept by the caller across calls
        (this runs on every word commit, mostly over the same words)."""
        if located is None:
            located = LocatedWords(index)
        counts = Counter(words)  # followers are words of the window too
        size = len(counts)
        rows = located.rows(list(counts))
        # Sorted by (folded spelling, spelling): a function of the words, not of their order.
        order = np.argsort(located.rank[rows])
        rows = rows[order]
        row_list = rows.tolist()
        self.keys = _take(located.keys, row_list)
        self.surfaces = _take(located.surfaces, row_list)
        count_of = np.fromiter(counts.values(), dtype=np.float64, count=size)[order]
        n, m = len(words), len(followers)
        weight = self.weight * n / (n + self.prior_words) if n else 0.0
        pair_weight = self.pair_weight * m / (m + self.prior_pairs) if m else 0.0
        self.model_weight = 1.0 - weight - pair_weight
        # the cache terms, already weighted
        unigram = count_of
        local = located.positions(rows)  # row -> position here
        just_typed = [w for w in dict.fromkeys((previous, *tail)) if w in counts]
        if just_typed:  # (measured: KSR unchanged on the validation text, -0.01 points with tail)
            unigram = count_of.copy()
            unigram[local[located.rows(just_typed)]] = 0.0
        self._cached = weight * unigram / max(1, n)
        if followers:
            pairs = Counter(followers)
            pair_of = np.zeros(size)
            pair_of[local[located.rows(list(pairs))]] = np.fromiter(pairs.values(), dtype=np.float64,
                                                                    count=len(pairs))
            self._cached += pair_weight * pair_of / m
        # each word's (model id, share among the word list's words, outside the vocabulary?)
        self._ids = located.ids[rows]
        oov = located.oov[rows]
        # the text's share of p(unknown) goes to its unknown words but chat shorthand ("kk", "omw"
        # would be offered after every word of a short message, as a name is)
        named = located.named[rows]
        oov_total = count_of[named].sum()
        mu = self.oov_weight if oov_total else 0.0
        oov_share = np.where(named, count_of / max(1.0, oov_total), 0.0)
        self._given_unknown = np.where(oov, (1 - mu) * located.share[rows] + mu * oov_share, 1.0)

    def __len__(self) -> int:
        return len(self.keys)

    def span(self, prefix: str) -> tuple[int, int]:
        """The slice of recent words whose folded spelling starts with ``prefix``."""
        return prefix_span(self.keys, prefix)

    def contains(self, word: str) -> bool:
        """True if ``word`` (any case) is one of the recent words."""
        return contains(self.keys, self.surfaces, word)

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


def read_capitals(path) -> list[str]:
    """A ``capitals.txt.gz`` of a bundle: one spelling per line."""
    with gzip.open(path, "rb") as handle:
        return handle.read().decode("utf-8").split()


def read_wordlist(path) -> list[tuple[str, int]]:
    """A ``words.tsv.gz`` of a bundle: one ``word<TAB>count`` per line."""
    with gzip.open(path, "rb") as handle:
        text = handle.read().decode("utf-8")
    # the usual file (what export writes), in a few C calls: words have no whitespace in them
    fields = text.split()
    if len(fields) == 2 * text.count("\n") == 2 * text.count("\t"):
        try:
            counts = np.asarray(fields[1::2], dtype=np.uint64)
        except (ValueError, OverflowError):
            pass  # a count that is not a number: line by line below
        else:
            return list(zip(fields[0::2], counts.tolist()))
    pairs = (line.split("\t") for line in text.split("\n") if "\t" in line)
    return [(word, int(count)) for word, count in pairs if word and count.isdigit()]
