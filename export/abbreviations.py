"""The abbreviations list: words whose period does not end a sentence, learned from the training text.

After "Dr. " or "e.g. " the next word does not start a sentence: the bar must not capitalize it.
Which words those are depends on the language ("np." and "tzn." in Polish, "z.B." and "bzw." in
German, "p.ex." in French), so the export reads them from the training text, where each use of a
word with a period shows what follows it:

- a lower-case word: the sentence goes on ("e.g. the", "np. jabłka");
- a capitalized word that the text mostly writes in lower case, or "I": a new sentence
  ("no. The", "today. I");
- a name (a word the text capitalizes anyway) or a number or sign: nothing either way
  ("Dr. Smith", "no. 5").

A word is listed when it has its period in at least a tenth of its uses ("u." in "love u." is
"u") and at least ``MIN_COUNT`` times, and then either a sentence goes on after it at least twice
as often as a new one starts and at least as often as the line ends there ("e.g.", "z.B.",
"np."), or at most a tenth of those uses start a new sentence and at most a tenth end the line:
titles, which names follow ("Dr.", "Mrs.", "St."). A line that ends with the word says that it
ends sentences ("see you at 5 p.m." at the end of a message), not how a next word on the same
line would be written.

The runtime's English list (:data:`kbpredict.casing.ABBREVIATIONS`) is kept too, less its words
after which this text starts new sentences more often than not: "sat." is a past tense before it
is a Saturday, and in a Polish text "co." ("what.") ends questions. A word needs ``MIN_COUNT``
uses to be learned, and the English list's ``ENGLISH_MIN_COUNT`` to be dropped: a text without
"Mr." keeps it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from kbpredict.casing import ABBREVIATIONS, OPENING_MARKS, WORD_WITH_PERIOD, abbreviation_key
from train.shards import stream_texts

# A word with its period as the runtime reads it (casing.WORD_WITH_PERIOD), then a space or the
# line's end: "ratebeer.com" and "but..." are no such words.
_WITH_PERIOD_RE = re.compile(r"(?<!\S)" + WORD_WITH_PERIOD + r"(?:\s+(\S*)|$)")
_WORD_RE = re.compile(r"[^\W\d_][\w'’-]*")

MIN_COUNT = 10  # uses of a word with its period before the text shows anything about it
GOES_ON_RATIO = 2.0  # a sentence goes on after the word at least this many times as often as one starts
NAMES_SHARE = 0.1  # ... or at most this share of its uses start a sentence, and of them end a line
WITH_PERIOD_SHARE = 0.1  # and the word has its period in at least this share of its uses
ENDS_SHARE = 0.5  # a word of the English list after which more sentences start than not is dropped,
ENGLISH_MIN_COUNT = 5  # ... once seen this often with its period ("I sat. The", "one more rep. Then")


@dataclass
class Following:
    """What follows one word with its period in the training text."""

    goes_on: int = 0  # a lower-case word
    new_sentence: int = 0  # a capitalized word the text writes in lower case, or "I"
    neutral: int = 0  # a name, a number, a sign
    line_end: int = 0

    @property
    def total(self) -> int:
        return self.goes_on + self.new_sentence + self.neutral + self.line_end


def period_counts(texts: Iterable[str]) -> tuple[dict[str, Counter], Counter]:
    """For each word written with a period (:func:`kbpredict.casing.abbreviation_key`: lower
    case, inner periods kept), how often each next word follows it ("" for a line's end); and
    how often each word of the texts occurs, in each spelling."""
    following: dict[str, Counter] = {}
    words: Counter[str] = Counter()
    for text in texts:
        words.update(_WORD_RE.findall(text))
        if "." not in text:
            continue
        for match in _WITH_PERIOD_RE.finditer(text):
            nxt = (match.group(2) or "").lstrip(OPENING_MARKS)
            if nxt[:1] in (".", "…"):
                continue  # "but. . ." -- an ellipsis, typed with spaces
            word = _WORD_RE.match(nxt)
            key = abbreviation_key(match.group(1))
            following.setdefault(key, Counter())[word.group(0) if word else nxt[:1]] += 1
    return following, words


def file_period_counts(files: Iterable[Path], text_format: str, masks: tuple[str, ...] = ()
                       ) -> tuple[dict[str, Counter], Counter]:
    """:func:`period_counts` of training files, read by the training text rules."""
    return period_counts(text for path in files for text in stream_texts(path, text_format, masks))


def classify(nexts: Counter, words: Counter) -> Following:
    """Sort the words that followed one word with a period into what they say (see the module)."""
    seen = Following()
    for nxt, count in nexts.items():
        if not nxt:
            seen.line_end += count
        elif nxt[0].islower():
            seen.goes_on += count
        elif nxt[0].isupper() and (nxt == "I" or words.get(nxt.lower(), 0) >= words.get(nxt, 0)):
            seen.new_sentence += count
        else:
            seen.neutral += count
    return seen


def build_abbreviations(following: dict[str, Counter], words: Counter, english: Iterable[str] = ABBREVIATIONS,
                        min_count: int = MIN_COUNT) -> list[str]:
    """The words after whose period a sentence goes on, sorted (see the module): learned from
    ``following`` and ``words`` (:func:`period_counts`), and the ``english`` list less the
    words the text shows starting sentences after."""
    uses: Counter[str] = Counter()
    for word, count in words.items():
        uses[word.lower()] += count
    chosen = set()
    for key, nexts in following.items():
        s = classify(nexts, words)
        if s.total < min_count or s.total < WITH_PERIOD_SHARE * uses.get(key, 0):
            continue  # rare, or a word mostly written without a period ("u")
        if (s.goes_on >= GOES_ON_RATIO * s.new_sentence and s.goes_on >= max(s.line_end, 1)) or (
                s.new_sentence <= NAMES_SHARE * s.total and s.line_end <= NAMES_SHARE * s.total):
            chosen.add(key)
    for key in english:
        s = classify(following.get(key, Counter()), words)
        if s.total < ENGLISH_MIN_COUNT or s.new_sentence <= ENDS_SHARE * (s.total - s.line_end):
            chosen.add(key)
    return sorted(chosen)


def write_abbreviations(path: Path, words: list[str]) -> None:
    """One word a line, UTF-8."""
    path.write_text("".join(f"{word}\n" for word in words), encoding="utf-8")
