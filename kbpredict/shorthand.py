"""Chat shorthand ("omw", "np", "ily"): words of their own that autocorrect never replaces, and
that the model reads as the word they stand for.

The shipped list (``kbpredict/data/shorthand.txt``, English) names shorthand that people type on
purpose and that the model, trained on little texting, cannot tell from slips of the finger:
without it, space would turn "omw" into "now", "np" into "no" and "ily" into "I'll". The list only
stops replacements; it adds nothing to the bar (a shorthand the user keeps using is learned by the
personal model and offered from then on). Apps pass their own set to
:class:`kbpredict.bar.Autocorrect` (``keep=``), or an empty one to turn it off.

Shorthand for one word that the model does not know, or knows from a few uses only ("tmr",
"bday", "thx", "pls"), is read by the model as that word (:func:`aliases`): after "see you tmr" it predicts what follows "see you
tomorrow", not what follows an unknown word. The text keeps what the user typed.
"""

from __future__ import annotations

import math
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from .text import fold

if TYPE_CHECKING:
    from .vocab import Vocabulary


@lru_cache(maxsize=1)
def shipped() -> dict[str, str]:
    """The shipped list: shorthand (its :func:`~kbpredict.text.fold` key) -> what it stands for."""
    text = (resources.files("kbpredict") / "data" / "shorthand.txt").read_text(encoding="utf-8")
    entries: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, _, meaning = line.partition("\t")
        entries[fold(word.strip())] = meaning.strip()
    return entries


@lru_cache(maxsize=1)
def shipped_keys() -> frozenset[str]:
    """The shipped shorthand's keys: what :class:`kbpredict.bar.Autocorrect` keeps by default."""
    return frozenset(shipped())


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
    for key, meaning in shipped().items():
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
