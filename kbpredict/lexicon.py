"""The English word lists of the bar (chat shorthand, common misspellings), and how the model
reads shorthand and emoji.

**Chat shorthand** (``kbpredict/data/shorthand.txt``: "omw", "np", "ily"): words of their own
that autocorrect never replaces, and that the model reads as the word they stand for. People
type them on purpose; the model, trained on little texting, cannot tell them from slips of the
finger: without the list, space would turn "omw" into "now", "np" into "no" and "ily" into
"I'll". The list only stops replacements; it adds nothing to the bar (a shorthand the user keeps
using is learned by the personal model and offered from then on). Apps pass their own set to
:class:`kbpredict.bar.Autocorrect` (``keep=``), or an empty one to turn it off.

Shorthand for one word that the model does not know, or knows from a few uses only ("tmr",
"bday", "thx", "pls"), is read by the model as that word (:func:`readings`): after "see you
tmr" it predicts what follows "see you tomorrow", not what follows an unknown word. The text
keeps what the user typed.

**Common misspellings** (``kbpredict/data/misspellings.txt``: "definately", "wierd"): strings
the training text holds often enough for the model to know them, but that nobody means: the bar
never offers them, and typed out, the bar offers the word meant first and space puts it in their
place (``Autocorrect.misspelled``; the likeliest in context where one means several words:
"thre" -> there, three). The list is English; a model of another language uses only the
entries whose meaning it knows far better than the misspelling (:class:`ForModel`): Polish
"numer" and French "exemple" are words there.

**Contractions** typed without their apostrophe ("dont", "thats", "youre") are the contraction
(:func:`is_contraction`): space restores the apostrophe, as on every phone keyboard, even where
the model learned the lazy spelling from chat text; so are the elisions of other languages
("cest" -> "c'est") and of English speech ("yall" -> "y'all"), when the training text writes
them far more often with the apostrophe (:func:`is_elision`).

**Emoji** the model saw rarely or never are read as its best-learned emoji (:func:`readings`),
and a word stretched for emphasis that the model does not know ("yesss", "pleaseee") as the word
(:func:`unstretched`).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from .text import fold

if TYPE_CHECKING:
    from .vocab import Vocabulary


def _lines(name: str) -> list[str]:
    return listed_lines((resources.files("kbpredict") / "data" / name).read_text(encoding="utf-8"))


def listed_lines(text: str) -> list[str]:
    """The entries of a word list's text: its lines less blank ones and ``#`` comments."""
    return [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def parse_shorthand(lines: Iterable[str]) -> dict[str, str]:
    """Lines of a shorthand list (``shorthand<TAB>what it stands for``) -> the shorthand's
    :func:`~kbpredict.text.fold` key -> what it stands for."""
    entries: dict[str, str] = {}
    for line in lines:
        word, _, meaning = line.partition("\t")
        if word.strip():
            entries[fold(word.strip())] = meaning.strip()
    return entries


def read_shorthand(path) -> dict[str, str]:
    """A bundle's own shorthand list (``shorthand.txt``, a model of another language's, exported
    with ``--shorthand``), in the format of the shipped one."""
    return parse_shorthand(listed_lines(Path(path).read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def shorthand() -> dict[str, str]:
    """The shipped (English) shorthand: its :func:`~kbpredict.text.fold` key -> what it stands
    for (read-only: it is shared)."""
    return parse_shorthand(_lines("shorthand.txt"))


# Shorthand that is a word of its own register rather than short for its meaning: the model reads
# it as that meaning (see readings), but the bar does not offer the meaning for it ("bae" is not
# short for "partner", nor "yup" for "yes").
NOT_SHORT_FOR = frozenset("bae bro bruh kk lmao okie sis yup".split())


def expansion(typed: str, entries: dict[str, str] | None = None) -> str | None:
    """The one word that typed chat shorthand is short for ("tmrw" -> "tomorrow", "Thx" ->
    "Thanks", "PLS" -> "PLEASE"), which the bar offers beside it; None for anything else, for
    shorthand of several words ("lmk") and for shorthand of its own register (:data:`NOT_SHORT_FOR`).
    ``entries``: a shorthand list (:func:`parse_shorthand`; the shipped one by default)."""
    key = fold(typed)
    meaning = (shorthand() if entries is None else entries).get(key)
    if meaning is None or not meaning.isalpha() or key in NOT_SHORT_FOR:
        return None
    if len(typed) > 1 and typed.isupper():
        return meaning.upper()
    return meaning[:1].upper() + meaning[1:] if typed[:1].isupper() else meaning


@lru_cache(maxsize=1)
def shorthand_keys() -> frozenset[str]:
    """The shipped shorthand's keys: what :class:`kbpredict.bar.Autocorrect` keeps by default."""
    return frozenset(shorthand())


def misspelling_key(word: str) -> str:
    """How a misspelling is matched: by its :func:`~kbpredict.text.fold` key, or, with an
    apostrophe inside ("your'e"), by its lower-case spelling (its key, "youre", is the lazy
    spelling of "you're")."""
    lower = word.strip().lower().replace("\u2019", "'")
    return lower if "'" in lower.strip("'") else fold(lower)


def parse_misspellings(lines: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Lines of a misspellings list (``misspelling<TAB>meant[<TAB>meant ...]``, a meaning of one
    word or more: "alot<TAB>a lot"; or the misspelling alone) -> its key (:func:`misspelling_key`)
    -> what it means (nothing: the likeliest word one slip away replaces it)."""
    entries: dict[str, tuple[str, ...]] = {}
    for line in lines:
        word, *meant = line.split("\t")
        if word.strip():
            entries[misspelling_key(word)] = tuple(" ".join(m.split()) for m in meant if m.strip())
    return entries


def read_misspellings(path) -> dict[str, tuple[str, ...]]:
    """A bundle's own misspellings list (``misspellings.txt``, a model of another language's,
    exported with ``--misspellings``), in the format of the shipped one."""
    return parse_misspellings(listed_lines(Path(path).read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def misspellings() -> dict[str, tuple[str, ...]]:
    """The shipped misspellings: key -> the words each means (read-only: it is shared)."""
    return parse_misspellings(_lines("misspellings.txt"))


@lru_cache(maxsize=1)
def misspelled_keys() -> frozenset[str]:
    """The shipped misspellings' keys: what :class:`kbpredict.bar.Autocorrect` does not take for
    words by default."""
    return frozenset(misspellings())


# A misspelling of the list counts for a model if it knows a word meant this many times as well
# as the misspelling (the shipped model: 2.7 times for "accomodation", whose sources misspell it
# often, 4.6 for "accomodate", 5 or more for the others; a model of Polish, where "numer" is a
# word, hardly knows "number").
MEANT_RATIO = 2.0


def _for_model(key: str, meant: tuple[str, ...], share: Callable[[str], float]) -> tuple[str, ...] | None:
    """One entry of a misspellings list for a model (see :class:`ForModel`), or None."""
    if not meant:
        return meant
    shares = [min(share(w) for w in words.split()) for words in meant]  # ("a lot": its rarer word)
    if max(shares) > 0 and max(shares) >= MEANT_RATIO * share(key):
        return tuple(w for w, p in zip(meant, shares) if p > 0)
    return None


_UNDECIDED = object()


class ForModel(Mapping):
    """The ``entries`` of a misspellings list (:func:`parse_misspellings`) that are misspellings
    for a model whose training text's shares of a word in any case ``share`` gives: each with the
    words meant that the model knows, where one of them is :data:`MEANT_RATIO` times as common as
    the misspelling (a misspelling the model does not know, nobody types by mistake for a word it
    knows: kept). An entry without words meant is kept as it is.

    Each entry is decided when it is first asked for (a typed word, a word of the bar), not at
    load: the whole list takes milliseconds. Read-only; safe to share between threads (an entry
    decided twice is decided the same)."""

    def __init__(self, entries: Mapping[str, tuple[str, ...]], share: Callable[[str], float]):
        self._entries = entries
        self._share = share
        self._decided: dict[str, tuple[str, ...] | None] = {}

    def get(self, key, default=None):
        if key not in self._entries:
            return default
        found = self._decided.get(key, _UNDECIDED)
        if found is _UNDECIDED:
            found = self._decided[key] = _for_model(key, self._entries[key], self._share)
        return default if found is None else found

    def __getitem__(self, key):
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key) -> bool:
        return key in self._entries and self.get(key) is not None  # (the bar asks for every word)

    def __iter__(self):
        return (key for key in self._entries if key in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    __hash__ = object.__hash__  # (kept in a frozen Autocorrect)


def spelled_as_typed(meant: str, typed: str) -> str:
    """A word meant, in the typed misspelling's case: "Definitely" for "Definately",
    "DEFINITELY" for "DEFINATELY", "A lot" for "Alot"; a capital of its own stays ("califonia"
    -> California)."""
    if len(typed) > 1 and typed.isupper():
        return meant.upper()
    return meant[:1].upper() + meant[1:] if typed[:1].isupper() else meant


# The words whose "'s" is "is" or "has" ("that's", "she's"), or "us" ("let's"), not a possessive
# ("friend's").
_IS_OR_HAS = frozenset("""that what he she there here who where how when why it everyone everybody
    someone somebody nobody something nothing everything let""".split())
_CONTRACTION_RE = re.compile(r"^[^\W\d_]+(n't|'re|'ve|'ll|'m|'d|'s)$")


def is_contraction(word: str) -> bool:
    """True for a contraction of a word and "not", "are", "have", "will", "am", "would" or "is"
    ("don't", "you're", "I'm", "that's"): typed without its apostrophe ("dont", "thats"), it is
    the same word, typed lazily. A possessive ("friend's", "John's") is no contraction: without
    the apostrophe it is a plural ("friends")."""
    match = _CONTRACTION_RE.match(word.replace("\u2019", "'").lower())
    if match is None:
        return False
    return match.group(1) != "'s" or word[: match.start(1)].lower() in _IS_OR_HAS


def is_elision(word: str) -> bool:
    """True for a word with an apostrophe inside that is no English contraction
    (:func:`is_contraction`) and no possessive: an elision of another language ("c'est", "l'ho",
    "qu'il", "aujourd'hui"), of English speech ("o'clock", "y'all", "c'mon", "ma'am") or a name
    ("O'Brien"). Typed without the apostrophe, it is the same word when the training text writes
    it far more often so (see ``kbpredict.bar``)."""
    plain = word.replace("\u2019", "'")
    inner = plain[1:-1]
    return ("'" in inner and not is_contraction(word)
            and not (plain.lower().endswith("'s") and plain.count("'") == 1))


# Shorthand the vocabulary holds, but this many times rarer than the word it stands for, is read
# as that word too: the model saw "thx" a few dozen times and "thanks" thousands of times.
RARER = 20.0


def _emoji_char(code: int) -> bool:
    return (0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF or 0x2300 <= code <= 0x23FF
            or 0x2B00 <= code <= 0x2BFF or code in (0xFE0F, 0x200D, 0x20E3))


def is_emoji(token: str) -> bool:
    """True for a token of emoji: pictographs, and the variation selector, joiner and skin tones
    that come with them (a token is one symbol: "👍🏼" is "👍" and "🏼")."""
    return bool(token) and all(_emoji_char(ord(ch)) for ch in token)


def readings(vocab: "Vocabulary", entries: dict[str, str] | None = None) -> tuple[dict[str, int], int | None]:
    """What the runtime's model reads for some tokens (set on the vocabulary at load), with the
    shorthand list ``entries`` (:func:`parse_shorthand`; the shipped one by default):

    - aliases, token -> id: shorthand of one word, by spelling ("tmr", "Tmr", "TMR") -> the word
      it stands for ("tomorrow", "Tomorrow"), where the vocabulary does not know that spelling, or
      knows the lower-case shorthand ``RARER`` times less well than the word (a spelling the
      vocabulary holds as a word of its own stays itself: "BC", "Def", "lol", "bro", "pic"); and
      each emoji the vocabulary knows ``RARER`` / 2 times less well than the common one -> it;
    - the common emoji: the one the model saw most often (None without emoji), also read for an
      emoji it does not know at all. Most emoji are rare in the training text, and the model
      learned little after them ("ok 👍" was followed by "r", "s"); after its best-learned emoji it
      expects what follows an emoji: a new sentence or message.
    """
    unknown = vocab.specials.unknown
    frequency = vocab.log_frequencies_cached()
    found: dict[str, int] = {}
    emoji = [(i, word) for i, word in enumerate(vocab.words) if not word.isascii() and is_emoji(word)]
    pictographs = [(float(frequency[i]), i) for i, word in emoji
                   if len(word) == 1 and unicodedata.category(word) == "So"]
    common = max(pictographs)[1] if pictographs else None
    if common is not None:
        for i, word in emoji:  # (skin tones and the joiner as well)
            if frequency[common] - frequency[i] > math.log(RARER / 2):
                found[word] = common
    for key, meaning in (shorthand() if entries is None else entries).items():
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
    return found, common


_STRETCHED_RE = re.compile(r"([^\W\d_])\1\1")  # a letter (not a digit: "1000" is no stretched word)
_RUN_RE = re.compile(r"([^\W\d_])\1{2,}")


def is_stretched(token: str) -> bool:
    """True for a word with a letter three or more times in a row ("yesss", "nooo")."""
    return _STRETCHED_RE.search(token) is not None


def unstretched(vocab: "Vocabulary", token: str) -> int | None:
    """The id of the word a stretched token stands for ("yesss" -> "yes", "gooood" -> "good",
    "pleaseee" -> "please"): each run of a letter cut to two or to one, whichever the vocabulary
    knows better; None if it knows neither (or the token is not stretched)."""
    if not is_stretched(token):
        return None
    unknown = vocab.specials.unknown
    frequency = vocab.log_frequencies_cached()
    found = [(float(frequency[i]), i) for i in (vocab.piece_id(_RUN_RE.sub(r"\1\1", token)),
                                                 vocab.piece_id(_RUN_RE.sub(r"\1", token))) if i != unknown]
    return max(found)[1] if found else None
