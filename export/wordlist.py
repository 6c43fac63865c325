"""The completion word list: training-text words the language model's vocabulary leaves out."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

from kbpredict.text import UNKNOWN_MARKER, is_suggestable
from kbpredict.typos import NEIGHBOURS
from kbpredict.vocab import Vocabulary
from train.shards import expand_inputs, read_manifest, stream_lines


def training_sources(summary: dict) -> tuple[list[Path], str, tuple[str, ...]]:
    """The training text of a run (files, or a prepared data directory's sources), if still here,
    its text format and the placeholders it read as the unknown word."""
    files, masks = [], tuple(summary.get("masks") or ())
    for item in summary.get("train_files") or []:
        path = Path(item)
        if path.is_dir() and (path / "manifest.json").exists():
            manifest = read_manifest(path)
            files += [Path(p) for p in manifest["sources"]["train"]]
            masks += tuple(manifest.get("masks") or ())
        elif path.exists():
            files += expand_inputs([str(path)])
    return [f for f in files if f.is_file()], summary.get("text_format") or "auto", tuple(dict.fromkeys(masks))


def build_wordlist(files: list[Path], text_format: str, vocab: Vocabulary, min_count: int = 2,
                   max_words: int = 50_000, masks: tuple[str, ...] = ()) -> list[tuple[str, int]]:
    """Words seen at least ``min_count`` times that the vocabulary maps to unknown, most frequent
    first, less those that look like misspellings of a far more common word (:func:`looks_like_slip`),
    two words run together ("helloi": "hello i" is far more common, :func:`run_together`) or a
    contraction without its ending ("couldn")."""
    counts: Counter[str] = Counter()
    for path in files:
        for _, tokens in stream_lines(path, text_format, masks):
            counts.update(tokens)
    unknown = vocab.specials.unknown
    kept = [(word, count) for word, count in counts.items()
            if count >= min_count and word != UNKNOWN_MARKER and is_suggestable(word) and worth_listing(word)
            and vocab.token_id(word) == unknown and "\t" not in word]
    kept = [(word, count) for word, count in kept
            if not looks_like_slip(word, count, counts) and not shift_held(word, count, counts)
            and counts.get(word + "'t", 0) < SLIP_RATIO * count]
    splits = {word: two_words(word, count, counts) for word, count in kept}
    wanted = {pair for pairs in splits.values() for pair in pairs}
    if wanted:  # a second pass counts the word pairs that could have been run together, also
        # across punctuation ("Goodbye. Have": "goodbyehave", "Yes, please": "Yesplease")
        pairs: Counter[tuple[str, str]] = Counter()
        for path in files:
            for _, tokens in stream_lines(path, text_format, masks):
                words = [t for t in tokens if t[:1].isalnum()]
                pairs.update(pair for pair in zip(words, words[1:]) if pair in wanted)
        kept = [(word, count) for word, count in kept if not run_together(count, splits[word], pairs)]
    kept.sort(key=lambda item: (-item[1], item[0]))
    return kept[:max_words]


# Two words typed without the space between them ("ofcourse", "nextweek", "myname") are a slip when
# the text has them apart this many times more often. Compounds are written apart often too
# ("hang out" 101 times as often as "hangout", "check in" 113, "look up" 45; "firewood" is written
# together more often than apart). On the default model's training mix this drops about 50 words
# seen 3 times or more, a few real ones among them (hangout, checkin, dropoff, carat, tome, anew),
# and keeps a few slips ("infact" 79 times rarer, "goodmorning" 66). A word ending in the pronoun
# or article ("helloi", "yesi", "sorryi", "Nota") is a slip from JOIN_RATIO_LETTER on.
JOIN_RATIO = 100
JOIN_RATIO_LETTER = 20


def two_words(word: str, count: int, counts: Counter) -> list[tuple[str, str]]:
    """The ways to cut ``word`` into two words of the text, each far more common than it."""
    if len(word) < 4 or not word.isalpha():
        return []
    least = JOIN_RATIO_LETTER * count
    return [(word[:i], word[i:]) for i in range(1, len(word))
            if counts.get(word[:i], 0) >= least and counts.get(word[i:], 0) >= least]


def run_together(count: int, cuts: list[tuple[str, str]], pairs: Counter) -> bool:
    """True if the text has one of the ``cuts`` as two words far more often (:data:`JOIN_RATIO`)."""
    return any(pairs.get(cut, 0) >= (JOIN_RATIO_LETTER if len(cut[1]) == 1 else JOIN_RATIO) * count
               for cut in cuts)


def worth_listing(word: str) -> bool:
    """False for tokens nobody wants completed: phone and other long numbers (five digits or more:
    "415-788-3800"), a quotation's opening mark stuck to a word ("'We", "'16"; elisions, "'em",
    "'tis", stay) and a word cut at a hyphen ("this-", "-like")."""
    if sum(ch.isdigit() for ch in word) >= 5 or word.startswith("-") or word.endswith("-"):
        return False
    return not (word[:1] in "'\u2018\u2019" and len(word) > 1 and (word[1].isupper() or word[1].isdigit()))


# A misspelling is rare next to the word it misspells: "recieve" 12 times in the training text,
# "receive" 1,400. Only the typical slips count, and only against a far more common word, so
# that real rare words one letter from a common one stay (mole/more, fins/find, liberally/
# literally, glistening/listening): dropped from the list, a word would be autocorrected away.
# On the default model's training mix it drops 83 of 24,810 words; a few are real (stoop, cation).
SLIP_RATIO = 50  # swapped or doubled letters: "recieve", "untill", "moive"
EDIT_RATIO = 200  # one letter left out, added or changed inside a long word: "appoinment"
EDIT_MIN_LENGTH = 9
# a neighbouring key hit instead, not the first letter ("reallt", "reslly"), against a very common
# word only: real words are a neighbouring key from common ones too (caller / called 170x rarer,
# ticker / ticket, profess / process)
NEIGHBOUR_MIN_LENGTH = 6
NEIGHBOUR_RATIO = 1000
CAPITALIZED_MIN_LENGTH = 8  # a capitalized word is a slip from this length: "Absolutley", "Acutally"


def slips_of(word: str) -> set[str]:
    """The words that ``word`` is one typical slip away from: two neighbouring letters swapped,
    a letter doubled or a double undone. Plural and past forms ("cleans", "cleaned") are not slips."""
    found = {word[:i + 1] + word[i] + word[i + 1:] for i in range(len(word))}  # a letter doubled
    for i in range(len(word) - 1):
        if word[i] == word[i + 1]:
            found.add(word[:i] + word[i + 1:])  # a double undone
        else:
            found.add(word[:i] + word[i + 1] + word[i] + word[i + 2:])  # neighbours swapped
    return {w for w in found if w != word and not _inflection(word, w)}


def _long_edits(word: str) -> set[str]:
    """A letter left out, added or changed, never the first or last one."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    found = set()
    for i in range(1, len(word) - 1):
        found.add(word[:i] + word[i + 1:])
        found.update(word[:i] + c + word[i + 1:] for c in letters)
        found.update(word[:i] + c + word[i:] for c in letters)
    return {w for w in found if w != word and not _inflection(word, w)}


def _neighbour_slips(word: str) -> set[str]:
    """``word`` with one letter, not the first, replaced by a neighbouring key (QWERTY); not the
    ending after an e: caller / called, ticker / ticket, bookers / bookeds are endings."""
    found = set()
    for i in range(1, len(word)):
        if i >= len(word) - 2 and word[i - 1] == "e":
            continue
        found.update(word[:i] + c + word[i + 1:] for c in NEIGHBOURS.get(word[i], ()))
    return {w for w in found if not _inflection(word, w)}


def _stems(word: str) -> set[str]:
    """What ``word`` could inflect: "scarred" -> scarr, scar, scarre; "saloons" -> saloon."""
    stems = set()
    for suffix in ("s", "es", "ed", "ing"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            stems.update((stem, stem + "e"))
            if len(stem) > 3 and stem[-1] == stem[-2]:
                stems.add(stem[:-1])
    return stems


def _inflection(a: str, b: str) -> bool:
    short, long_ = sorted((a, b), key=len)
    return long_ in (short + "s", short + "d", short + "es", short + "ed")


def looks_like_slip(word: str, count: int, counts: Counter) -> bool:
    """True for a lower-case word whose ``count`` is tiny next to that of a word one slip away
    (``counts``: every word of the training text); a capitalized one too when that word is a
    lower-case one ("Absolutley": a sentence's first word misspelled, not a name)."""
    if len(word) < 5 or not word.isalpha():
        return False  # short words and words with digits are left alone
    if not word.islower():
        if not (word[0].isupper() and word[1:].islower()) or len(word) < CAPITALIZED_MIN_LENGTH:
            return False  # "McCarty", "USA", and names a slip from a word: Yeats (yeast), Plante
        lower = word.lower()
        return counts.get(lower, 0) < count and _slip_of_common(lower, count, counts, doubles=False)
    return _slip_of_common(word, count, counts)


def _slip_of_common(word: str, count: int, counts: Counter, doubles: bool = True) -> bool:
    """``doubles=False``: a letter doubled or undone does not count (names: Manny, Rainn, Carre)."""
    if any(counts.get(stem, 0) >= 2 and not looks_like_slip(stem, counts[stem], counts) for stem in _stems(word)):
        return False  # a real word's inflection: scarred (scar), tilted (tilt), busses (bus)

    def common(candidates: set[str], ratio: int) -> bool:
        return any(counts.get(w, 0) >= ratio * count for w in candidates)

    slips = slips_of(word)
    if not doubles:
        slips = {w for w in slips if len(w) == len(word)}  # the swaps
    return common(slips, SLIP_RATIO) or (
        len(word) >= NEIGHBOUR_MIN_LENGTH and common(_neighbour_slips(word), NEIGHBOUR_RATIO)) or (
        len(word) >= EDIT_MIN_LENGTH and common(_long_edits(word), EDIT_RATIO))


# Shift held a moment too long: "THanks" (21 times in the default model's training mix), "PLaza",
# "SMith", "COuld" (79 such spellings of 42,240 words). Such a spelling is dropped when the word's
# usual spellings, capitalized or in lower case, are this many times as common; spelled on
# purpose, it has none such ("UConn", "NSync"). An acronym's plural is kept ("TVs", "HITs"). Kept,
# it drew the unknown word's share where the model expects a place's name, and space turned "an
# appointment at plaza" into "PLaza".
SHIFT_RATIO = 10


def shift_held(word: str, count: int, counts: Counter) -> bool:
    """True for a spelling like "THanks" (capitals, then small letters only) whose capitalized
    and lower-case spellings are :data:`SHIFT_RATIO` times as common in ``counts``."""
    if len(word) < 3 or not word.isalpha() or not (word[0].isupper() and word[1].isupper()):
        return False
    capitals = next((i for i, ch in enumerate(word) if not ch.isupper()), len(word))
    if capitals == len(word) or not word[capitals:].islower() or word[capitals:] == "s":
        return False  # all capitals ("NASA"), capitals again later ("NSyncs"), or an acronym's
        # plural ("HITs", "PINs": "hits" and "pins" are other words)
    lower = word.lower()
    return counts.get(lower, 0) + counts.get(lower[0].upper() + lower[1:], 0) >= SHIFT_RATIO * count


def write_gzip(path: Path, data: bytes) -> None:
    """``data`` gzip-compressed into ``path``, reproducibly: no name or time in the header."""
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                                compresslevel=9) as handle:
        handle.write(data)


def write_wordlist(path: Path, entries: list[tuple[str, int]]) -> None:
    """``word<TAB>count`` lines, gzip-compressed."""
    write_gzip(path, "".join(f"{word}\t{count}\n" for word, count in entries).encode("utf-8"))
