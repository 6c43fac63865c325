"""Case rules of the suggestion bar, in one place.

- **Sentence starts** -- the start of the text, a line break, or ``. ? !`` (and ``…``) followed by a
  space -- get capitalized suggestions, except after a common abbreviation (``Mr.``, ``e.g.``).
  Where a sentence may end or go on -- after an ellipsis, or a question or exclamation closing a
  quote ('"Oh!" said Pooh') -- the next words are spelled as the model likes best there ("said",
  "He"); letters typed there decide as at any sentence start.
- **Mid-sentence, typing in lower case**, a word keeps its own case: "tomorrow", not the
  "Tomorrow" that began some sentence of the training text; a proper noun keeps its capital
  ("London"), and the pronoun "I" (with I'm, I'll, I've, I'd) is "I" -- unless the user keeps
  writing it "i" (:func:`writes_lowercase_i`): then it is "i". The bundle's
  capitals list (``proper``, from text written with capitals, see :mod:`export.capitals`) names
  the words whose own case is a capital although the model knows them in lower case too, from
  all-lower-case training text ("michael" -> "Michael", "friday" -> "Friday") -- unless the text
  so far is written without a single capital (:func:`writes_without_capitals`): then the user
  writes names in lower case too, a word the model knows in lower case is spelled so ("david"),
  and a name typed out in full gets its capital offered beside it ("london" -> London), never
  put in its place.
- **What is typed decides the case**: typing a capital ("Th") capitalizes; typing two or more
  capitals ("TH") gives all capitals; typing a lower-case letter at a sentence start (the user
  turned the keyboard's shift off) gives the word's own case. A capital typed mid-sentence asks for
  a word people write with a capital ("I'm", "Italy"), so those rank first (:func:`case_weight`);
  at a sentence start the capital says nothing (shift was on) and every word counts.
- A capitalized **copy of the word being typed** is never offered ("you" -> "You"), unless the
  typed spelling is not a word of its own in lower case ("i" -> "I", "london" -> "London"):
  then it is a case correction. Whether it is one is the training text's call (how often each
  spelling occurs), not the model's guess at one position.
"""

from __future__ import annotations

import re
from typing import Callable

# Words that end with a period without ending the sentence (lower case, inner periods kept), in
# English: a bundle carries its own list, learned from its training text by the export
# (export.abbreviations, which starts from this one), and this is the list of older bundles. Not
# the words that also end sentences, where their abbreviation comes before a number, whose case
# does not matter: "no" ("Oh no. " -- in the conversational training text a capital follows
# "no." 1,701 times, a lower-case letter 63 times), "ca" ("Los Angeles, CA. "), "op" (Reddit's
# "OP. "), "max", "min", "est", "nos".
ABBREVIATIONS = frozenset(
    "mr mrs ms mx dr prof st sr jr rev gen col capt lt sgt hon gov sen rep pres fr "
    "e.g i.e cf vs viz approx appt dept vol fig eq ref ed eds "
    "a.m p.m u.s u.k jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat "
    "mt ft ave blvd rd inc ltd co corp".split()
)

# "I" and its contractions are always capitalized -- in English: a model of a language whose
# training text writes "i" more often than "I" (Polish and Czech "and", Italian "the") has no such
# pronoun, and the functions below are given an empty set for it (``CandidateIndex.pronoun_i``).
PRONOUN_I = frozenset({"i", "i'm", "i'll", "i've", "i'd", "i’m", "i’ll", "i’ve", "i’d"})

# (a space after the mark is optional: accepting a suggestion there inserts it)
_SENTENCE_END_RE = re.compile(r"[.?!…][\"'”’)\]]*\s*$")
# a word with its period: everything since the last space, inner periods kept ("Dr.", "e.g.",
# "z.B."); the word is group 1, looked up as :func:`abbreviation_key` gives it (export.abbreviations
# learns the list with the same pattern)
WORD_WITH_PERIOD = r"([^\s.?!…]+(?:\.[^\s.?!…]+)*)\."
_LAST_WORD_RE = re.compile(WORD_WITH_PERIOD + r"[\"'”’)\]]*\s*$")
_OPEN_END_RE = re.compile(r"(?:\.\.\.|…|[?!][\"'”’])\s*$")
# the pronoun "I" / "i", alone or with its contractions ("i.e." is not one)
_PRONOUN_RE = re.compile(r"(?<![\w'’])([iI])(?:['’](?:m|ll|ve|d))?(?![\w'’]|\.\w)")
_TAIL = 64  # characters of committed text a decision looks at: bounded work on any text
# the quotes and brackets that may stand between a sentence's start and its first word
OPENING_MARKS = "\"'“‘([«"
_OPENERS = OPENING_MARKS + "¿¡"  # ... and Spanish's marks, typed before a sentence's first word


def abbreviation_key(word: str) -> str:
    """How the word before a period is looked up among the abbreviations: lower case, inner
    periods kept, without the quotes and brackets that open it: "Dr" -> "dr", "(e.g" -> "e.g"."""
    return word.lstrip(OPENING_MARKS).lower()


def read_abbreviations(path) -> frozenset[str]:
    """A bundle's ``abbreviations.txt`` (:mod:`export.abbreviations`): one word a line, as
    :func:`abbreviation_key` gives it."""
    with open(path, encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


_STYLE_TAIL = 200  # characters of committed text that show whether the user writes capitals

# A lower-case spelling at least this share of its word's case variants is the word's own case.
LOWER_SHARE = 0.2


def at_sentence_start(committed: str, abbreviations: frozenset = ABBREVIATIONS) -> bool:
    """True if a word typed after ``committed`` (the text before the word being typed) starts a
    sentence: the start of the text, after a line break, or after ``. ? !`` -- but
    not after an abbreviation such as ``Mr.`` or ``e.g.`` (``abbreviations``, as
    :func:`abbreviation_key` spells them: the bundle's list, learned from its training text, or
    this English list for a bundle without one). An opening quote or bracket, or Spanish ``¿ ¡``,
    typed where a sentence starts keeps it starting ('Hi. "Great', '¿Qué')."""
    tail = committed[-_TAIL:]
    opened = tail.rstrip(_OPENERS)
    if len(opened) < len(tail) and (not opened or opened[-1].isspace()):
        committed = committed[: len(committed) - len(tail) + len(opened)]
        tail = committed[-_TAIL:]
    stripped = tail.rstrip(" \t")
    if not stripped.strip():
        return len(committed) <= _TAIL or "\n" in tail  # only spaces: the start, or a blank line
    if stripped.endswith("\n"):
        return True
    if not _SENTENCE_END_RE.search(tail):
        return False
    if stripped.rstrip("\"'”’)]").endswith("."):
        match = _LAST_WORD_RE.search(tail)
        if match and abbreviation_key(match.group(1)) in abbreviations:
            return False
    return True


def ends_open(committed: str) -> bool:
    """True if the text ends where a sentence may end or go on: an ellipsis ("well... maybe",
    "so... I said no") or a question or exclamation closing a quote ('"Oh!" said Pooh'). There a
    next word gets the model's likeliest spelling, not a forced capital (see :func:`likeliest`)."""
    return bool(_OPEN_END_RE.search(committed[-_TAIL:]))


def writes_lowercase_i(committed: str) -> bool:
    """True if the user writes the pronoun in lower case: the last "i" (or "i'm", "i'll", ...)
    among the last ``_STYLE_TAIL`` characters stayed so ("so i told him": autocorrect undone, or
    off). The bar then spells it "i", and space leaves it so; with no pronoun there yet, "i" is
    corrected to "I" as usual."""
    last = None
    for last in _PRONOUN_RE.finditer(committed[-_STYLE_TAIL:]):
        pass
    return last is not None and last.group(1) == "i"


def writes_without_capitals(committed: str) -> bool:
    """True if the text before the word shows a user who writes without capitals: letters, and
    not one capital among the last ``_STYLE_TAIL`` characters ("so i told him" -- the keyboard's
    automatic capitals are off). Such a user writes names in lower case too, so the capitals list
    is not applied for them; an empty text shows nothing yet."""
    tail = committed[-_STYLE_TAIL:]
    return any(ch.isalpha() for ch in tail) and not any(ch.isupper() for ch in tail)


def inside_sentence(word: str, frequency: Callable[[str], float],
                    capitalized: Callable[[str], str | None], pronouns: frozenset = PRONOUN_I) -> str:
    """How ``word``, written with a capital to begin a sentence, is spelled inside one: "Meeting"
    -> "meeting", a word used in lower case (:func:`is_lowercase_word`: by ``frequency``, a
    spelling's share of the training text, and not in the capitals list, ``capitalized``).
    "Friday", "David", "I'm", "NASA", "McDonald" and a word the training text does not have stay
    as they are. The text cache and the personal model hold their words so: a message's first
    word is no capitalized word to offer inside the next sentence.
    """
    if not word[:1].isupper() or len(word) > 1 and not word[1:].islower():
        return word  # lower case already, all capitals ("NASA"), or a case of its own ("McDonald")
    lower = word.lower()
    return lower if is_lowercase_word([(word, 1.0)], frequency, capitalized(lower), pronouns) else word


def case_mode(typed: str) -> int:
    """How the user is typing: 0 as the word comes, 1 capitalized ("Th"), 2 all capitals ("TH")."""
    if not typed:
        return 0
    letters = [ch for ch in typed if ch.isalpha()]
    if len(letters) >= 2 and all(ch.isupper() for ch in letters):
        return 2
    return 1 if typed[0].isupper() else 0


def capitalize(word: str) -> str:
    """First letter upper case, the rest as it is ("iPhone" stays: its case is its own)."""
    if word[:1].islower() and not any(ch.isupper() for ch in word[1:]):
        return word[0].upper() + word[1:]
    return word


def own_case(variants: list[tuple[str, float]], pronouns: frozenset = PRONOUN_I) -> str:
    """The word's own spelling from its case variants (spelling, probability), likeliest first:
    the lower-case one when it holds at least ``LOWER_SHARE`` of their probability; "I" (one of
    ``pronouns``) is "I"."""
    best = variants[0][0]
    if best.lower() in pronouns:
        return capitalize(best.lower())
    if best[:1].islower() or len(variants) == 1:
        return best
    total = sum(p for _, p in variants)
    for spelling, p in variants[1:]:
        if spelling[:1].islower() and p >= LOWER_SHARE * total:
            return spelling
    return best


def by_text(variants: list[tuple[str, float]], frequency: Callable[[str], float]) -> list[tuple[str, float]]:
    """The word's spellings (and its lower-case one) weighed by ``frequency``, their shares of the
    training text, likeliest first; ``variants`` as they are if the text has none of them."""
    spellings = dict.fromkeys([s for s, _ in variants] + [variants[0][0].lower()])
    counted = sorted(((s, frequency(s)) for s in spellings), key=lambda v: -v[1])
    return counted if counted[0][1] > 0 else variants


def likeliest(variants: list[tuple[str, float]], pronouns: frozenset = PRONOUN_I) -> str:
    """The spelling the model gives most probability here ("said" after '"Oh!"', "He" after
    "..."), likeliest first in ``variants``; "I" (one of ``pronouns``) is always "I"."""
    best = variants[0][0]
    return capitalize(best.lower()) if best.lower() in pronouns else best


def is_lowercase_word(variants: list[tuple[str, float]], frequency: Callable[[str], float] | None = None,
                      proper: str | None = None, pronouns: frozenset = PRONOUN_I) -> bool:
    """True if the word is used in lower case (as opposed to only as a name, or "I").

    ``frequency`` (a spelling's share of the training text) decides when it knows the word: the
    model's probabilities at one position can favour a capital there (after a stray letter or
    symbol, "x bad" -> "Bad", "BAD") without "bad" being any less a lower-case word. A word of the
    capitals list (``proper``, its spelling there) is not.
    """
    if proper is not None or variants[0][0].lower() in pronouns:
        return False
    if frequency is not None:
        variants = by_text(variants, frequency)
    total = sum(p for _, p in variants)
    return any(s[:1].islower() and p >= LOWER_SHARE * total for s, p in variants)


def present(variants: list[tuple[str, float]], typed: str, sentence_start: bool,
            frequency: Callable[[str], float] | None = None, mode: int | None = None,
            proper: str | None = None, capitals: bool = True, pronouns: frozenset = PRONOUN_I) -> str:
    """How the bar spells a word, given its case variants, what is typed and where.

    Lower-case letters typed at a sentence start ask for the word's own case, which the model's
    probabilities there do not tell (every word starts with a capital); ``frequency`` (a
    spelling's share of the training text) does: "that", "John". Mid-sentence the word is in
    lower case if the model here or the training text says so: chat runs sentences together
    without a full stop, where the model expects a capital ("bad dude wasnt" is not "Wasn't"),
    and a word a name made common with a capital is still lower case in context ("at the
    barber"). In a text written without ``capitals``, letters typed in lower case keep a word
    the model knows in lower case so ("david", and "that's" where the model expects a sentence
    to start). ``proper``: the word's
    spelling in the capitals list, its own case wherever it is ("Michael"). ``mode``:
    ``case_mode(typed)``, when the caller has it already. ``pronouns``: the spellings of an
    always-capitalized "I" (none for a language without one).
    """
    mode = case_mode(typed) if mode is None else mode
    if proper is not None:
        word = proper
    elif typed and mode == 0 and frequency is not None and sentence_start:
        word = own_case(by_text(variants, frequency), pronouns)
    else:
        word = own_case(variants, pronouns)
        if typed and mode == 0 and not word[:1].islower():
            if not capitals:  # a writer without capitals: no capital the model guessed ("That's")
                if word.lower() not in pronouns:  # ("I'm" stays, unless the user writes "i")
                    word = next((s for s, _ in variants if s[:1].islower()), word)
            elif frequency is not None:
                written = own_case(by_text(variants, frequency), pronouns)
                if written[:1].islower():
                    word = written
        elif (mode == 1 and len(word) > 1 and word.isupper() and frequency is not None
              and any(ch.islower() for ch in typed)):
            # a capital and small letters typed ("Great") ask for no shouted spelling that the
            # training text seldom writes: at a text's start the word list's "GREATER" outscored
            # "Greater" (the model gives unknown words more there); an acronym stays ("NASA"),
            # and a capital alone says nothing ("O" -> "OK")
            written = own_case(by_text(variants, frequency), pronouns)
            if not written.isupper():
                word = written
    if mode == 2:
        return word.upper()
    if mode == 1 or (sentence_start and not typed):
        return capitalize(word)
    return word


# A word's lower-case spellings count this much when a capital is typed mid-sentence. (0.1 until
# the GPU-trained model, which puts p(it) at 0.06 after "maybe", so "maybe I" offered It first;
# 0.03: conversational validation KSR@3 51.19% -> 51.20%. Weighting "It" as the training text
# writes it, "it", instead cost 0.07 points: chat runs sentences together, and "It" is often a
# sentence start there.)
CASE_MISMATCH = 0.03


def case_weight(typed: str, sentence_start: bool):
    """How much each spelling of a word counts towards its rank, given what is typed: a capital
    typed mid-sentence ("...enough I") favours the spellings with a capital ("I'm" over "if")."""
    if case_mode(typed) != 1 or sentence_start:
        return lambda spelling: 1.0
    return lambda spelling: 1.0 if spelling[:1].isupper() else CASE_MISMATCH
