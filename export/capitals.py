"""The capitals list: words that people who write with capitals capitalize mid-sentence.

Several training sources are all lower case (requests to assistants: "is the bank open on
friday"), so the model has learned "friday", "david" and "netflix" beside "Friday", "David" and
"Netflix", and mid-sentence its probabilities cannot tell a name's own case from a lower-case
writer's habit: typing "My friend dav" offered "david". Text that uses capitals can tell, away
from the starts of sentences where every word has one. So the export counts each spelling
mid-sentence in lines written with capitals, and lists the words whose lower-case spelling there
is rarer than :data:`kbpredict.casing.LOWER_SHARE` -- names, days, months, places, "USA" --
spelled as they are most often written, unless the capital mostly comes from the tail of names
("Beverly Hills", "Delta Airlines") or from one name the word starts ("Pillow Talk", "Taco Bell":
the task-oriented sources repeat their movies, shops and places in template after template). The bar
spells them so (:func:`kbpredict.casing.present`), except in a text typed without capitals; words
written either way ("google", "bill", "apple") are left to the model.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterable

from kbpredict.casing import LOWER_SHARE
from train.shards import stream_lines

from .wordlist import write_gzip

# Tokens that end a sentence in the training text (punctuation is split off words).
SENTENCE_END_CHARS = frozenset(".?!…")
MIN_COUNT = 2  # a spelling seen once could be anyone's slip
NAME_TAIL_SHARE = 0.5  # a spelling this often after another capitalized word is part of names


def _is_sentence_end(token: str) -> bool:
    return bool(token) and all(ch in SENTENCE_END_CHARS for ch in token)


def _uses_capitals(tokens: list[str]) -> bool:
    """A line written with capitals, but not shouted: some upper-case letters, more lower-case."""
    upper = lower = 0
    for token in tokens:
        for ch in token:
            if ch.isupper():
                upper += 1
            elif ch.islower():
                lower += 1
    return 0 < upper < lower


def _capitalized(token: str) -> bool:
    return token[:1].isupper() and token != "I"


def mid_sentence_counts(files: Iterable[Path], text_format: str, masks: tuple[str, ...] = ()
                        ) -> tuple[Counter, Counter, Counter]:
    """How often each spelling occurs away from a sentence start, in lines written with capitals;
    how often of those right after a word with a capital (other than "I"): the second word of a
    name ("New York", "Beverly Hills", "Delta Airlines"); and how often each capitalized spelling
    there is followed by each capitalized word: (spelling, next word) -> count ("Pillow Talk").

    A sentence starts a line and follows ``.``, ``?``, ``!`` or ``…`` (and any quotes or brackets
    after them): the word there is left out whatever its case.
    """
    counts: Counter[str] = Counter()
    after_capital: Counter[str] = Counter()
    heads: Counter[tuple[str, str]] = Counter()
    for path in files:
        for _, tokens in stream_lines(path, text_format, masks):
            if not _uses_capitals(tokens):
                continue
            start, previous = True, ""
            for j, token in enumerate(tokens):
                if _is_sentence_end(token):
                    start, previous = True, ""
                elif not any(ch.isalnum() for ch in token):
                    previous = ""  # quotes, brackets, commas: a sentence start stays one
                elif start:
                    start, previous = False, token
                else:
                    counts[token] += 1
                    if _capitalized(previous):
                        after_capital[token] += 1
                    following = tokens[j + 1] if j + 1 < len(tokens) else ""
                    if _capitalized(token) and _capitalized(following):
                        heads[(token, following)] += 1
                    previous = token
    return counts, after_capital, heads


def build_capitals(counts: Counter, after_capital: Counter, spellings: Iterable[str],
                   min_count: int = MIN_COUNT, heads: Counter | None = None) -> list[str]:
    """The spellings (among ``spellings``, the words the bar can suggest) that are their word's own
    case mid-sentence although the word has a lower-case spelling too: the word's most common
    spelling in ``counts`` (:func:`mid_sentence_counts`), when the lower-case one holds less than
    ``LOWER_SHARE`` of them -- and when it mostly stands on its own: a word that is capitalized
    as the tail of names ("Hills", "Hostel", "Street") is a lower-case word elsewhere. A capitalized
    spelling's uses as the head of its most frequent name (``heads``: "Pillow Talk" 150 of 156
    times, "Taco Bell") do not count for it: one title or shop repeated is no evidence of how the
    word is written ("pillow", "taco"), while a first name is followed by many surnames. Sorted."""
    by_lower: dict[str, set[str]] = {}
    for spelling in spellings:
        by_lower.setdefault(spelling.lower(), set()).add(spelling)
    top_name: dict[str, int] = {}  # capitalized spelling -> uses in its most frequent name
    for (spelling, _), count in (heads or {}).items():
        if count > top_name.get(spelling, 0):
            top_name[spelling] = count
    chosen = []
    for lower, variants in by_lower.items():
        if lower not in variants or len(variants) < 2:
            continue  # no lower-case spelling to confuse it with, or no other spelling
        seen = {s: counts.get(s, 0) - (top_name.get(s, 0) if s != lower else 0) for s in variants}
        total = sum(seen.values())
        best = max(sorted(seen), key=seen.__getitem__)
        if (seen[best] >= min_count and seen[lower] < LOWER_SHARE * total
                and after_capital.get(best, 0) < NAME_TAIL_SHARE * counts.get(best, 0)):
            chosen.append(best)
    return sorted(chosen)


def write_capitals(path: Path, words: list[str]) -> None:
    """One spelling per line, gzip-compressed."""
    write_gzip(path, "".join(f"{word}\n" for word in words).encode("utf-8"))
