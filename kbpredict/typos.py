"""Typo-tolerant matching: the words a slip of the finger could have turned into what was typed.

A noisy-channel corrector, as phone keyboards do it: a candidate word ``w`` for the typed letters
``t`` scores ``log p(w | context) - cost(t | w)``, the language model's probability times an
error model's. The error model (:class:`ErrorModel`) is a keyboard-aware edit distance: hitting
a neighbouring key costs less than any other wrong letter, a doubled or dropped double letter
less than other insertions and omissions, and a swap of two letters is one edit. Accents,
apostrophes and case cost nothing (matching is on :func:`~kbpredict.text.fold`-ed spellings).

Candidates come from two places, both bounded by the typed word's length, not the vocabulary:

- **whole words** one edit away (and the two-edit "one letter dropped here, one added there"),
  from a symmetric-deletion index (SymSpell's idea: a word and each of its one-letter deletions
  are hashed; the typed word and its deletions are looked up). The hashes are polynomial, built
  for all words at once with numpy at load (~30 ms, ~5 MB for 40k words), so there is no dict of
  strings;
- **completions of the typed prefix with one slip** in it ("becua" -> because): each adjacent
  swap, neighbouring-key substitution and deletion of the prefix, looked up as a prefix slice of
  the sorted words.

We compared this with symspellpy (its dictionary of delete strings for 40k words takes seconds
and hundreds of MB to build at distance 2, and it has no keyboard model) and rapidfuzz (fast C++
edit distances, but a scan of all words per keystroke, ~2-5 ms, with uniform costs): the index
here gives the keyboard-aware costs, microseconds per keystroke and nothing to install.
"""

from __future__ import annotations

import bisect
import functools
import math
import operator
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from .errors import InvalidArgumentError

_MASK = (1 << 64) - 1
_BASE = 0x100000001B3  # odd, so it is invertible modulo 2**64
_BASE_INV = pow(_BASE, -1, 1 << 64)
_LENGTH_MIX = 0x9E3779B97F4A7C15
_MAX_LENGTH = 24  # longer words are not indexed for correction (completion still finds them)
_COST_CACHE = 2048  # typed keys whose one-slip words are kept (~1 KB each)
_PREFIX_END = "\U0010ffff"
_BUILD_ROWS = 4096  # keys hashed together at load
_POWERS = np.asarray([pow(_BASE, k, 1 << 64) for k in range(_MAX_LENGTH)], dtype=np.uint64)  # B^k mod 2**64

# The letter rows of phone keyboard layouts. Each row is staggered half a key width further right
# than the one above it; two keys are neighbours if their centres are at most 1.2 key widths apart
# (up to 6 neighbours each). An app passes its layout to ``Predictor.load(layout=...)``: a name
# here, or its own rows of letters.
LAYOUTS: dict[str, tuple[str, ...]] = {
    "qwerty": ("qwertyuiop", "asdfghjkl", "zxcvbnm"),
    "qwertz": ("qwertzuiopü", "asdfghjklöä", "yxcvbnm"),  # German, Austrian, Swiss, Czech, ...
    "azerty": ("azertyuiop", "qsdfghjklm", "wxcvbn"),  # French, Belgian
    "jcuken": ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю"),  # Russian ЙЦУКЕН
}


def layout_neighbours(rows: Sequence[str]) -> dict[str, frozenset[str]]:
    """Each letter's neighbouring keys on a keyboard with these rows of letters (top first)."""
    where = {ch: (r, c + 0.5 * r) for r, row in enumerate(rows) for c, ch in enumerate(row)}
    found = {}
    for a, (ra, ca) in where.items():
        found[a] = frozenset(b for b, (rb, cb) in where.items()
                             if b != a and (ra - rb) ** 2 + (ca - cb) ** 2 <= 1.2 ** 2)
    return found


def layout_rows(layout: str | Sequence[str]) -> tuple[str, ...]:
    """The rows of ``layout``: a name of :data:`LAYOUTS` (any case; "йцукен" too), or rows of
    letters (lower case, each letter once). Anything else is an :class:`InvalidArgumentError`."""
    if isinstance(layout, str):
        name = {"йцукен": "jcuken"}.get(layout.strip().lower(), layout.strip().lower())
        if name not in LAYOUTS:
            raise InvalidArgumentError(f"unknown keyboard layout {layout!r}: one of {', '.join(LAYOUTS)}, "
                                       "or the rows of letter keys, top first")
        return LAYOUTS[name]
    try:
        rows = tuple(layout)
    except TypeError:
        rows = None
    if not rows or not all(isinstance(row, str) and row for row in rows):
        raise InvalidArgumentError(f"a keyboard layout is a name or rows of letters, not {layout!r}")
    letters = "".join(rows)
    if len(set(letters)) != len(letters) or letters != letters.lower() or not all(ch.isalpha() for ch in letters):
        raise InvalidArgumentError(f"layout rows must hold lower-case letters, each once: {rows!r}")
    return rows


NEIGHBOURS = layout_neighbours(LAYOUTS["qwerty"])


@dataclass(frozen=True)
class ErrorModel:
    """Costs, in nats (-log probability), of the slips a typist makes on a phone keyboard.

    A slip costs ~e^-5.5 (0.4%) per letter: cheaper, and corrections crowd out completions of
    correctly typed letters (on the conversational *validation* text, every cost 3 nats lower
    lost 0.1-0.2 points of keystroke savings); the relative costs are by hand.
    """

    substitute_neighbour: float = 5.5  # hit the key next to the right one
    substitute: float = 9.0  # any other wrong letter
    # two letters swapped (6.0 until session 24: 5.0 put the word meant in place of 81% of swaps
    # on the test text instead of 75%, and moved no other kind of slip, nor the false autocorrects)
    transpose: float = 5.0
    omit: float = 6.5  # a letter left out
    omit_double: float = 5.0  # one letter of a double left out ("tomorow")
    insert_double: float = 5.5  # a letter pressed twice
    insert_neighbour: float = 6.0  # an extra letter next to the one before or after it
    insert: float = 8.0  # any other extra letter
    # a letter dropped here and one added there is often one slip of the mind (the wrong letter
    # doubled: "tommorow"), cheaper than two independent slips
    two_edits_discount: float = 3.0
    # each letter's neighbouring keys (:func:`layout_neighbours`; QWERTY by default)
    neighbours: Mapping[str, frozenset[str]] = field(default_factory=lambda: NEIGHBOURS, compare=False)

    def adjacent(self, a: str, b: str) -> bool:
        return b in self.neighbours.get(a, ())

    def substitution(self, wanted: str, typed: str) -> float:
        return self.substitute_neighbour if self.adjacent(wanted, typed) else self.substitute

    def omission(self, word: str, j: int) -> float:
        """The cost of typing ``word`` without its letter ``j``."""
        ch = word[j]
        double = (j > 0 and word[j - 1] == ch) or (j + 1 < len(word) and word[j + 1] == ch)
        return self.omit_double if double else self.omit

    def insertion(self, typed: str, i: int) -> float:
        """The cost of the extra letter ``typed[i]``."""
        ch = typed[i]
        around = typed[i - 1 : i] + typed[i + 1 : i + 2]
        if ch in around:
            return self.insert_double
        if any(self.adjacent(ch, other) for other in around):
            return self.insert_neighbour
        return self.insert


def _hash(codes: list[int]) -> int:
    """The polynomial hash the index uses, for one string (as code points + 1)."""
    h = 0
    power = 1
    for c in codes:
        h = (h + c * power) & _MASK
        power = (power * _BASE) & _MASK
    return (h + len(codes) * _LENGTH_MIX) & _MASK


def _deletion_hashes(keys: list[str], lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For keys of 2.._MAX_LENGTH characters: the hash of each key and of each of its one-letter
    deletions (``_hash``), with the key's row and the deleted position (-1: none), all at once."""
    n, width = len(keys), _MAX_LENGTH
    # the keys as code points, NUL-padded (never in a token) to one width, in one C call
    points = np.asarray(keys, dtype=f"<U{width}").view(np.uint32).reshape(n, width).astype(np.uint64)
    codes = np.where(points > 0, points + np.uint64(1), np.uint64(0))
    with np.errstate(over="ignore"):
        # before[:, j] = sum_{k<j} code_k * B^k (wrapping uint64 arithmetic is modulo 2**64)
        before = np.zeros((n, width + 1), dtype=np.uint64)
        np.cumsum(codes * _POWERS[:width], axis=1, out=before[:, 1:])
        total = before[np.arange(n), lengths]
        mix = np.uint64(_LENGTH_MIX)
        hashes = [total + lengths.astype(np.uint64) * mix]  # the key itself, deleted = -1
        rows = [np.arange(n, dtype=np.int32)]
        deleted = [np.full(n, -1, dtype=np.int8)]
        for j in range(width):
            r = np.flatnonzero(lengths > j)
            after = (total[r] - before[r, j + 1]) * np.uint64(_BASE_INV)
            hashes.append(before[r, j] + after + (lengths[r] - 1).astype(np.uint64) * mix)
            rows.append(r.astype(np.int32))
            deleted.append(np.full(len(r), j, dtype=np.int8))
    return np.concatenate(hashes), np.concatenate(rows), np.concatenate(deleted)


class TypoIndex:
    """Candidates one slip away from the typed letters, over a sorted list of folded keys.

    ``keys`` are the sorted folded spellings of :class:`~kbpredict.candidates.CandidateIndex`
    (equal keys adjacent); results are positions into that list with their error cost. Whole
    words are found only among the ``correctable`` positions (a boolean array; default all): a
    key is indexed if any of its spellings is.
    """

    def __init__(self, keys: list[str], errors: ErrorModel | None = None, correctable: np.ndarray | None = None):
        self.errors = errors or ErrorModel()
        self._keys = keys
        # one row per distinct key of 2..24 letters: (first position, key)
        n_keys = len(keys)
        lengths = np.fromiter(map(len, keys), dtype=np.int64, count=n_keys)
        new_key = np.ones(n_keys, dtype=bool)
        if n_keys > 1:
            new_key[1:] = np.fromiter(map(operator.ne, keys[1:], keys[:-1]), dtype=bool, count=n_keys - 1)
        wanted = new_key & (lengths >= 2) & (lengths <= _MAX_LENGTH)
        if correctable is not None and n_keys:
            starts = np.flatnonzero(new_key)
            wanted[starts] &= np.logical_or.reduceat(np.asarray(correctable, dtype=bool), starts)
        firsts = np.flatnonzero(wanted)
        self._first = firsts.astype(np.int64)
        self._unique = [keys[j] for j in firsts.tolist()]
        hashes, rows, deleted = [], [], []
        for lo in range(0, len(firsts), _BUILD_ROWS):  # in blocks: a few MB of scratch at a time
            block = _deletion_hashes(self._unique[lo : lo + _BUILD_ROWS], lengths[firsts[lo : lo + _BUILD_ROWS]])
            hashes.append(block[0])
            rows.append(block[1] + lo)
            deleted.append(block[2])
        hashes = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64)
        # equal hashes (a deletion shared by several words) may sort in any order: words() keeps
        # the least cost per word and answers in position order, so no (slower) stable sort
        order = np.argsort(hashes)
        self._hashes = hashes[order]
        self._rows = np.concatenate(rows)[order] if rows else np.zeros(0, dtype=np.int32)
        self._deleted = np.concatenate(deleted)[order] if deleted else np.zeros(0, dtype=np.int8)

        # what words() found for the last keys typed, as arrays (first position, cost): short
        # keys ("th", "yo") are typed again and again and cost the most to look up
        self.word_costs = functools.lru_cache(maxsize=_COST_CACHE)(self._word_costs)

    def __len__(self) -> int:
        return len(self._hashes)

    def _word_costs(self, typed: str) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`words` as two read-only arrays, in the same order (memoized by ``word_costs``)."""
        found = self.words(typed)
        firsts = np.fromiter(found.keys(), dtype=np.int64, count=len(found))
        costs = np.fromiter(found.values(), dtype=np.float32, count=len(found))
        firsts.flags.writeable = costs.flags.writeable = False
        return firsts, costs

    def words(self, typed: str) -> dict[int, float]:
        """Positions of whole words one slip away from ``typed`` (a folded spelling), with costs,
        in position order. The typed word itself (cost 0) is not included."""
        n = len(typed)
        if n < 2 or n > _MAX_LENGTH:
            return {}
        codes = [ord(ch) + 1 for ch in typed]
        queries = [_hash(codes)] + [_hash(codes[:i] + codes[i + 1 :]) for i in range(n)]
        wanted = np.asarray(queries, dtype=np.uint64)
        lo = np.searchsorted(self._hashes, wanted, "left")
        hi = np.searchsorted(self._hashes, wanted, "right")
        errors = self.errors
        best: dict[int, float] = {}
        for q, (a, b) in enumerate(zip(lo.tolist(), hi.tolist())):
            if a == b:
                continue
            i = q - 1  # the typed letter left out of the query; -1: none
            shortened = typed if i < 0 else typed[:i] + typed[i + 1 :]
            for row, j in zip(self._rows[a:b].tolist(), self._deleted[a:b].tolist()):
                key = self._unique[row]
                if (key if j < 0 else key[:j] + key[j + 1 :]) != shortened:
                    continue  # a hash collision
                if i < 0 and j < 0:
                    continue  # typed exactly
                if i < 0:
                    cost = errors.omission(key, j)
                elif j < 0:
                    cost = errors.insertion(typed, i)
                elif i == j:
                    if key[j] == typed[i]:
                        continue
                    cost = errors.substitution(key[j], typed[i])
                elif abs(i - j) == 1 and typed[min(i, j)] == key[max(i, j)] and typed[max(i, j)] == key[min(i, j)]:
                    cost = errors.transpose
                else:
                    cost = errors.omission(key, j) + errors.insertion(typed, i) - errors.two_edits_discount
                first = int(self._first[row])
                if cost < best.get(first, math.inf):
                    best[first] = cost
        return dict(sorted(best.items()))  # by position: the same answer however the hashes sort

    def prefixes(self, typed: str) -> list[tuple[int, int, float]]:
        """Slices ``(lo, hi, cost)`` of the sorted keys that complete ``typed`` with one slip
        corrected: an adjacent swap, a neighbouring key or an extra letter (for 4+ letters)."""
        n = len(typed)
        if n < 4 or n > _MAX_LENGTH:
            return []
        errors = self.errors
        variants: dict[str, float] = {}

        def add(variant: str, cost: float) -> None:
            if variant != typed and cost < variants.get(variant, math.inf):
                variants[variant] = cost

        for i in range(n - 1):
            if typed[i] != typed[i + 1]:
                add(typed[:i] + typed[i + 1] + typed[i] + typed[i + 2 :], errors.transpose)
        for i in range(1, n):  # a slip on the first letter is rare and its slices are large
            for other in errors.neighbours.get(typed[i], ()):
                add(typed[:i] + other + typed[i + 1 :], errors.substitute_neighbour)
            add(typed[:i] + typed[i + 1 :], errors.insertion(typed, i))
        keys = self._keys
        found = []
        for variant, cost in variants.items():
            lo = bisect.bisect_left(keys, variant)
            if lo < len(keys) and keys[lo].startswith(variant):
                found.append((lo, bisect.bisect_left(keys, variant + _PREFIX_END, lo), cost))
        return found
