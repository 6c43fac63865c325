"""The English word lists of the bar: chat shorthand and common misspellings.

**Chat shorthand** (``kbpredict/data/shorthand.txt``: "omw", "np", "ily"): words of their own
that autocorrect never replaces, and that the model reads as the word they stand for. People
type them on purpose; the model, trained on little texting, cannot tell them from slips of the
finger: without the list, space would turn "omw" into "now", "np" into "no" and "ily" into
"I'll". The list only stops replacements; it adds nothing to the bar (a shorthand the user keeps
using is learned by the personal model and offered from then on). Apps pass their own set to
:class:`kbpredict.bar.Autocorrect` (``keep=``), or an empty one to turn it off.

Shorthand for one word that the model does not know, or knows from a few uses only ("tmr",
"bday", "thx", "pls"), is read by the model as that word (:func:`aliases`): after "see you
tmr" it predicts what follows "see you tomorrow", not what follows an unknown word. The text
keeps what the user typed.

**Common misspellings** (``kbpredict/data/misspellings.txt``: "definately", "wierd"): strings
the training text holds often enough for the model to know them, but that nobody means; typed,
autocorrect treats them as strings the model does not know (``Autocorrect.misspelled``).
"""

from __future__ import annotations

import math
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from .text import fold

if TYPE_CHECKING:
    from .vocab import Vocabulary


def _lines(name: str) -> list[str]:
    text = (resources.files("kbpredict") / "data" / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def shorthand() -> dict[str, str]:
    """The shipped shorthand: its :func:`~kbpredict.text.fold` key -> what it stands for."""
    entries: dict[str, str] = {}
    for line in _lines("shorthand.txt"):
        word, _, meaning = line.partition("\t")
        entries[fold(word.strip())] = meaning.strip()
    return entries


@lru_cache(maxsize=1)
def shorthand_keys() -> frozenset[str]:
    """The shipped shorthand's keys: what :class:`kbpredict.bar.Autocorrect` keeps by default."""
    return frozenset(shorthand())


@lru_cache(maxsize=1)
def misspelled_keys() -> frozenset[str]:
    """The shipped misspellings' keys: what :class:`kbpredict.bar.Autocorrect` does not take for
    words by default."""
    return frozenset(fold(line.strip()) for line in _lines("misspellings.txt"))


# Shorthand the vocabulary holds, but this many times rarer than the word it stands for, is read
# as that word too: the model saw "thx" a few dozen times and "thanks" thousands of times.
RARER = 20.0


def aliases(vocab: "Vocabulary") -> dict[str, int]:
    """What the model reads for shorthand of one word: spelling ("tmr", "Tmr", "TMR") -> the id of
    the word it stands for ("tomorrow", "Tomorrow"), where the vocabulary does not know that
    spelling, or knows the lower-case shorthand ``RARER`` times less well than the word. A spelling
    the vocabulary holds as a word of its own stays itself ("BC", "Def", "lol", "bro", "pic")."""
    unknown = vocab.specials.unknown
    frequency = vocab.log_frequencies()
    found: dict[str, int] = {}
    for key, meaning in shorthand().items():
        if " " in meaning or not meaning.isalpha():
            continue  # several words ("on my way"), or more than one meaning ("ur")
        lower = vocab.piece_id(meaning)
        if lower == unknown:
            continue
        for spelling, target in ((key, lower), (key.capitalize(), vocab.piece_id(meaning.capitalize())),
                                 (key.upper(), vocab.piece_id(meaning.capitalize()))):
            own = vocab.piece_id(spelling)
            rare = spelling == key and frequency[lower] - frequency[own] > math.log(RARER)
            if own == unknown or rare:  # ("2day" is its own capitalized spelling: the first one counts)
                found.setdefault(spelling, target if target != unknown else lower)
    return found
