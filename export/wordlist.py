"""The completion word list: training-text words the language model's vocabulary leaves out."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

from kbpredict.text import UNKNOWN_MARKER, is_suggestable
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
    first, less those that look like misspellings of a far more common word (:func:`looks_like_slip`)."""
    counts: Counter[str] = Counter()
    for path in files:
        for _, tokens in stream_lines(path, text_format, masks):
            counts.update(tokens)
    unknown = vocab.specials.unknown
    kept = [(word, count) for word, count in counts.items()
            if count >= min_count and word != UNKNOWN_MARKER and is_suggestable(word) and worth_listing(word)
            and vocab.token_id(word) == unknown and "\t" not in word]
    kept = [(word, count) for word, count in kept if not looks_like_slip(word, count, counts)]
    kept.sort(key=lambda item: (-item[1], item[0]))
    return kept[:max_words]


def worth_listing(word: str) -> bool:
    """False for tokens nobody wants completed: phone and other long numbers (five digits or more:
    "415-788-3800") and a quotation's opening mark stuck to a word ("'We", "'16"); elisions
    ("'em", "'tis") stay."""
    if sum(ch.isdigit() for ch in word) >= 5:
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
    (``counts``: every word of the training text)."""
    if len(word) < 5 or not word.isalpha() or not word.islower():
        return False  # short words, names and words with digits are left alone
    if any(counts.get(stem, 0) >= 2 and not looks_like_slip(stem, counts[stem], counts) for stem in _stems(word)):
        return False  # a real word's inflection: scarred (scar), tilted (tilt), busses (bus)

    def common(candidates: set[str], ratio: int) -> bool:
        return any(counts.get(w, 0) >= ratio * count for w in candidates)

    return common(slips_of(word), SLIP_RATIO) or (
        len(word) >= EDIT_MIN_LENGTH and common(_long_edits(word), EDIT_RATIO))


def write_gzip(path: Path, data: bytes) -> None:
    """``data`` gzip-compressed into ``path``, reproducibly: no name or time in the header."""
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                                compresslevel=9) as handle:
        handle.write(data)


def write_wordlist(path: Path, entries: list[tuple[str, int]]) -> None:
    """``word<TAB>count`` lines, gzip-compressed."""
    write_gzip(path, "".join(f"{word}\t{count}\n" for word, count in entries).encode("utf-8"))
