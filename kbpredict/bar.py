"""What the suggestion bar shows, from scored candidates: one entry per word, spelled right.

The session gathers candidates with probabilities -- completions of the typed letters (or next
words), and corrections one slip away (:mod:`kbpredict.typos`) -- and :func:`arrange` turns them
into the bar:

1. case variants are one entry ("the" + "The"), with their summed probability; an apostrophe-less
   spelling that is less likely than the same word with its apostrophe ("dont" vs "don't") is
   merged into it, while two real words stay apart ("were" / "we're" when "were" is likelier); a
   contraction's lazy spelling that space would restore ("doesnt": "doesn't" is the more common
   spelling of the training text) is merged into it however likely, unless the user writes it;
2. blocked words (offensive words, the user's blocked words) are dropped, and so is the word just
   committed when the next word is asked for (no echo: "ok " never offers "ok");
3. each entry is spelled by the case rules of :mod:`kbpredict.casing`; the word exactly as typed
   is left out (space commits it already), and so is a capitalized copy of it;
4. each says what it is: a ``next`` word, a ``completion`` of the typed letters, or a
   ``correction`` of them;
5. the *autocorrect candidate* -- what space would put in place of the typed word -- is the best
   correction if it is ``ratio`` times likelier than the word as typed (see :class:`Autocorrect`);
   a word of the text or the personal model, and chat shorthand ("omw", "np"), are never replaced,
   a contraction typed without its apostrophe ("thats") always is, and a common misspelling
   ("definately", "alot") always is, by what it means ("definitely", "a lot"), which the bar
   offers first; the bar never offers the misspelling itself unless the user writes it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable, Sequence

from .candidates import Suggestion
from .casing import PRONOUN_I, case_mode, case_weight, is_lowercase_word, likeliest, present
from .errors import InvalidArgumentError
from .lexicon import (ForModel, is_contraction, is_elision, misspelled_keys, misspelling_key, misspellings, shorthand_keys,
                      spelled_as_typed)
from .text import fold

NEXT, COMPLETION, CORRECTION = "next", "completion", "correction"
# A correction of a typed word that the model knows is shown only if it is at least this share as
# likely as that word (with the slip's cost). Typing 6,000 words of the conversational validation
# text, 2,227 corrections of correctly typed words were shown ("really" -> rallying, "away" ->
# wavy, "this" -> his), 70% of them under 1/1,000 of the typed word; 1/1,000 drops those and
# misses none of the 2,000 typos of `bench typos` (1/100 missed one) and no keystroke (KSR@3).
CORRECTION_MIN_SHARE = 0.001
# A completion of a word typed out in full is shown only if it is at least this share as likely
# as that word: typed "and", the bar offered Andreotti, Andrei and Andy's; typed "my", Myrtle
# and Myoung. Typing 6,000 words of the conversational validation text, 41% of the completions
# shown after a whole word were under 1/1,000 of it; before a word's last letter, where they cost
# keystrokes, 222 of about 50,000 (2 of them the word meant).
COMPLETION_MIN_SHARE = 0.001
# Letters that are words of their own as a next word ("a", "I", chat's "u"); any other letter
# alone is an initial or a list marker ("Dear Mr. " offered T, O and S), no word to tap. Digits
# are numbers and stay.
ONE_LETTER_WORDS = frozenset("aiu")
# ... and in any language, a letter this common a word in lower case in the training text: "y" in
# Spanish, "w" and "z" in Polish, "в" and "я" in Russian are among their languages' commonest
# words. English's next commonest lower-case letters ("m", "s": initials and the debris of
# abbreviations) have under 7e-5 of the shipped model's training text.
ONE_LETTER_WORD_SHARE = 3e-4
_PRONOUNS = {fold(w): w for w in sorted(PRONOUN_I) if "’" not in w}  # "im" -> "i'm"
# English words that are also a contraction with its apostrophe left out: "its" is not "it's".
# Any other spelling without the apostrophe ("dont", "thats") is the contraction, typed lazily;
# so are "cant" and "wont", words of their own too rare in messages to stand against "I wont".
WORDS_OF_THEIR_OWN = frozenset(
    "its lets well were shell hell ill id wed shed ones".split())
# ... of which "lets" is in messages mostly "let's" typed lazily: 92% of the conversational training
# text's 726 "lets" ("lets go", "lets see"; 60 "lets me/you/it/the ..."), beside 3,646 "let's".
# The model learned both, so "ok lets" was as likely as "ok let's" and stayed: "let's" replaces it
# where the model finds it at least half as likely ("Lets", "ok lets", "so lets"), not where the
# verb is read ("he lets", "that lets": a tenth or less).
LAZY_RATIOS = MappingProxyType({"lets": 0.5})
_ACRONYMS_RE = re.compile(r"[^\W\d_]{2,}s")  # an acronym's plural, "GIFs", "DVDs" (checked in capitals)


@dataclass(frozen=True)
class Autocorrect:
    """When space replaces the typed word by a correction.

    The best correction ``c`` (its probability already includes the error model's cost) replaces
    a typed word ``t`` the model knows if ``p(c) > ratio * p(t)``; a typed string it does not know
    if ``p(c) > unknown_share * p(unknown)`` (``unknown_share``: how likely this one unseen string is
    among all the words the model does not know, e.g. a name). A word of the text or of the
    personal model, or chat shorthand (``keep``), is never replaced; a common misspelling the
    model learned as a word (``misspelled``) is replaced by the likeliest whole word one slip
    away, however unlikely. Tuned on the
    conversational *validation* text (``python -m bench typos --tune``) for the most right
    replacements while wrong replacements of correctly typed words stay under 1%.
    """

    ratio: float = 1.6
    unknown_share: float = 0.000005
    # the same letters with an apostrophe or accent ("dont" -> "don't", "cafe" -> "café"): the
    # typed spelling is a chat habit more often than a word of its own
    variant_ratio: float = 3.0
    min_letters: int = 2
    # "I" whatever the model says: "i" -> "I", "im" -> "I'm", "ive" -> "I've" (as "i", "i'm" for a
    # user who keeps writing "i", see casing.writes_lowercase_i). Empty for a model of a language
    # without the pronoun (Polish and Czech "i" is "and"; ``CandidateIndex.pronoun_i``, see the
    # Session)
    pronoun: frozenset = frozenset({"i", "im", "ive"})
    # a word of the capitals list typed in lower case gets its capital, as phone keyboards do, in a
    # text written with capitals (a user who writes without them keeps names in lower case, and a
    # name the user kept in lower case once is a word of the text: never replaced again)
    names: bool = True
    # words of their own, never replaced (their fold keys): the shipped chat shorthand ("omw",
    # "np", "ily", see kbpredict.lexicon), which the model, trained on little texting, would
    # take for slips of "now", "no" and "I'll"
    keep: frozenset = field(default_factory=shorthand_keys)
    # strings the model knows from its training text but nobody means (the shipped common
    # misspellings: "definately", "wierd", "becuase", see kbpredict.lexicon): never offered, and
    # always replaced, by the word meant (``meant``) or else by the best correction the bar has.
    # A mapping gives the words meant (misspelling -> a word, or several: the likeliest in
    # context); a set takes them from the shipped list where it has them. (A session's default
    # is the model's part of the list, Predictor.misspellings, a lexicon.ForModel)
    misspelled: frozenset | ForModel = field(default_factory=misspelled_keys)
    # the words each misspelling means (its key -> words), filled from ``misspelled``
    meant: dict = field(default_factory=misspellings, repr=False, hash=False, compare=False)
    # a contraction typed without its apostrophe ("dont", "thats", "youre"; not "its", "cant", ...,
    # see WORDS_OF_THEIR_OWN, nor a possessive, see lexicon.is_contraction) gets it back whenever
    # the bar's best correction is that contraction, as on every phone keyboard: the model, which
    # learned "thats" from chat text, would keep it in half the sentences -- if the contraction is
    # the more common spelling in the training text: "ant" and "want" are words of their own, not
    # the "an't" and "wan't" of old novels in the word list
    contractions: bool = True
    # a word of its own that is in messages mostly a contraction typed lazily: the contraction
    # replaces it at this ratio instead of ``variant_ratio`` (see LAZY_RATIOS)
    lazy_ratios: Mapping = field(default_factory=lambda: LAZY_RATIOS, hash=False, compare=False)

    def __post_init__(self) -> None:
        for name, shipped in (("keep", shorthand_keys()), ("misspelled", misspelled_keys())):
            words = getattr(self, name)
            if isinstance(words, ForModel):  # a model's part of a list (Predictor.misspellings)
                if self.meant is misspellings():
                    object.__setattr__(self, "meant", words)
                continue
            if words is shipped:
                continue
            if isinstance(words, str) or not all(isinstance(w, str) for w in words):
                raise InvalidArgumentError(f"Autocorrect({name}=...) takes a set of words, not {words!r}")
            if name == "misspelled" and self.meant is misspellings():
                object.__setattr__(self, "meant", _meanings(words))
            key = misspelling_key if name == "misspelled" else fold
            object.__setattr__(self, name, frozenset(key(w) for w in words))  # "OMW", "omw" alike
        ratios = self.lazy_ratios
        if ratios is not LAZY_RATIOS:
            if not isinstance(ratios, Mapping) or not all(
                    isinstance(w, str) and isinstance(r, (int, float)) and not isinstance(r, bool) and r > 0
                    for w, r in ratios.items()):
                raise InvalidArgumentError(
                    f"Autocorrect(lazy_ratios=...) maps words to positive ratios, not {ratios!r}")
            object.__setattr__(self, "lazy_ratios", MappingProxyType({fold(w): float(r) for w, r in ratios.items()}))

    def means(self, typed: str) -> tuple[str, ...]:
        """The words a typed misspelling of ``misspelled`` means, in its case ("Definately" ->
        "Definitely"); none for any other word, or where the likeliest word one slip away
        replaces it."""
        key = misspelling_key(typed)
        if key not in self.misspelled:
            return ()
        return tuple(spelled_as_typed(word, typed) for word in self.meant.get(key, ()))

    def pronoun_for(self, typed: str) -> str | None:
        """The pronoun that the typed letters always stand for ("im" -> "I'm", "i" -> "I"), or
        None: the bar must hold it as a candidate even where the model does not rank it among
        the completions ("he wasn't im")."""
        key = fold(typed)
        if key not in self.pronoun:
            return None
        spelling = _PRONOUNS.get(key)
        return spelling[0].upper() + spelling[1:] if spelling else None

    def replaces(self, best: float, typed: Typed, variant: bool = False) -> bool:
        """True if a correction of probability ``best`` should replace the ``typed`` word
        (``variant``: the same letters, with an apostrophe or accent)."""
        if typed.probability > 0:
            ratio = self.lazy_ratios.get(fold(typed.word), self.variant_ratio) if variant else self.ratio
            return best > ratio * typed.probability
        return best > self.unknown_share * typed.unknown_probability


def _meanings(words) -> dict[str, tuple[str, ...]]:
    """What an app's misspellings mean: a mapping's values (a meaning, "a lot" for "alot", or a
    list of several), or for a set, the shipped list's."""
    if isinstance(words, Mapping):
        if not all(isinstance(v, str) or (isinstance(v, (list, tuple, set, frozenset)) and
                                           all(isinstance(w, str) for w in v)) for v in words.values()):
            raise InvalidArgumentError(f"Autocorrect(misspelled=...) maps misspellings to words, not {words!r}")
        return {misspelling_key(k): tuple(" ".join(m.split()) for m in ([v] if isinstance(v, str) else v)
                                          if m.strip()) for k, v in words.items()}
    shipped = misspellings()
    return {key: shipped[key] for key in map(misspelling_key, words) if key in shipped}


@dataclass(frozen=True)
class Typed:
    """What the bar is asked about: the word being typed and where it is."""

    word: str = ""  # the word being typed (cleaned), "" after a space
    sentence_start: bool = False
    previous_word: str = ""  # the word just committed, never offered as the next word
    probability: float = 0.0  # p(the typed word as typed): how far-fetched a completion or correction is
    unknown_probability: float = 0.0  # p(a word the model does not know) here
    known: bool = False  # the typed word is one the user wrote (text or personal model)
    protected: bool = False  # typed out in full, it is the user's to keep (e.g. a blocked word)
    without_capitals: bool = False  # the text so far has no capitals: names as the model spells them
    # a sentence may start or go on here (after "..." or '"Oh!"', see casing.ends_open): next words
    # as the model spells them (typed letters decide as at any sentence start)
    open_start: bool = False
    lowercase_i: bool = False  # the user writes the pronoun "i" (see casing.writes_lowercase_i)


def _canonical(lower: str) -> str:
    """One spelling for variants that are the same word: quotes at the edges dropped
    ("'because" / "because"; "café" and "cafe" stay two, so typing "cafe" can offer "café")."""
    return lower.strip("'") or lower


def _groups(candidates: dict[str, tuple[float, bool]], weight: Callable[[str], float],
            lazy: Callable[[str, str], bool] = lambda plain, contraction: False) -> dict[str, list]:
    """lower-case spelling -> [score, only a correction?, [(spelling, probability), ...]]; a
    spelling adds its probability times ``weight(spelling)`` to its word's score. ``lazy(plain,
    contraction)``: True if ``plain`` is only the contraction typed without its apostrophe."""
    groups: dict[str, list] = {}
    for surface, (p, corrective) in sorted(candidates.items(), key=lambda item: -item[1][0]):
        group = groups.get(surface.lower())
        score = p * weight(surface)
        if group is None:
            groups[surface.lower()] = [score, corrective, [(surface, p)]]
        else:
            group[0] += score
            group[1] = group[1] and corrective
            group[2].append((surface, p))
    # the same word with or without quotes at its edges: into its likeliest spelling
    by_fold: dict[str, list[str]] = {}
    for lower in groups:
        by_fold.setdefault(fold(lower), []).append(lower)
    for lowers in by_fold.values():
        if len(lowers) < 2:
            continue
        canon: dict[str, str] = {}
        for w in sorted(lowers, key=lambda w: -groups[w][0]):
            target = canon.setdefault(_canonical(w), w)
            if target != w:
                merged = groups.pop(w)
                groups[target][0] += merged[0]
                groups[target][1] = groups[target][1] and merged[1]
        lowers = list(dict.fromkeys(canon.values()))
        # "dont" into "don't" when less likely than it, "doesnt" into "doesn't" always (space
        # would restore its apostrophe); "its" and "it's" are two words
        with_apostrophe = [w for w in lowers if "'" in w]
        if not with_apostrophe:
            continue
        target = max(with_apostrophe, key=lambda w: groups[w][0])
        for w in lowers:
            if "'" not in w and w not in WORDS_OF_THEIR_OWN and (
                    groups[w][0] < groups[target][0] or lazy(w, target)):
                merged = groups.pop(w)
                groups[target][0] += merged[0]
                groups[target][1] = groups[target][1] and merged[1]
    return groups


def _commonness(word: str, frequency: Callable[[str], float]) -> float:
    """The training text's share of ``word`` in any of its usual cases ("Ant", "ant")."""
    return sum(frequency(w) for w in {word, word.lower(), word[:1].upper() + word[1:].lower()})


# An elision (lexicon.is_elision: "c'est", "y'all", "O'Brien") stands for the word typed without its
# apostrophe only when the training text writes it this many times more often: rare names and
# dialect spellings are a few times commoner than real words ("K'in", a Maya name, 2.8 times
# "kin"; the misspelling "does't" 1.8 times "doest"), common elisions far more ("y'all" 20 times
# "yall", "c'mon" 6.7 times "cmon").
ELISION_MARGIN = 4.0


def _lazy_contraction(plain: str, contraction: str, frequency: Callable[[str], float] | None) -> bool:
    """True if ``plain`` is ``contraction`` typed without its apostrophe ("dont", "thats"), which
    space restores: not a word of its own ("its", "were"), and the contraction the more common
    spelling of the training text ("want" is no "wan't"; without the shares, any contraction); an
    elision too ("cest" -> "c'est", "yall" -> "y'all"), if :data:`ELISION_MARGIN` times as common."""
    if "'" in plain or plain.lower() in WORDS_OF_THEIR_OWN or fold(plain) != fold(contraction):
        return False
    if is_contraction(contraction):
        return frequency is None or _commonness(contraction, frequency) > _commonness(plain, frequency)
    return (frequency is not None and is_elision(contraction)
            and _commonness(contraction, frequency) > ELISION_MARGIN * _commonness(plain, frequency))


def _drops_a_mark(typed: str, spelled: str) -> bool:
    """True if ``spelled`` has fewer letters with a diacritic than were typed ("Zürich" ->
    "Zurich", "naïve" -> "naive"): on a phone such a letter took a long press, so it was meant
    (another accent on it, "cafè" -> "café", is still a correction)."""
    if typed.isascii():
        return False

    def marked(text: str) -> int:
        return sum(1 for ch in text if not ch.isascii() and ch.isalpha())

    return marked(spelled) < marked(typed)


def _spelled_so_here(variants: list[tuple[str, float]], proper: str) -> bool:
    """True if the model gives the capitals list's spelling at least the probability of the
    lower-case one here: "We flew to london" (London), but not "We will march" or "has a lance",
    where the word is the lower-case one although the list capitalizes it (the month, a name)."""
    p_proper = sum(p for spelling, p in variants if spelling == proper)
    p_lower = sum(p for spelling, p in variants if spelling == proper.lower())
    return p_proper >= p_lower


def _one_letter_word(letter: str, frequency: Callable[[str], float] | None) -> bool:
    """True if the lower-case ``letter`` alone is a word to offer next ("a", "u"; Spanish "y")."""
    return letter in ONE_LETTER_WORDS or (frequency is not None and frequency(letter) >= ONE_LETTER_WORD_SHARE)


def _same_letters(spelled: str, word_key: str) -> bool:
    """The typed letters with an apostrophe, accent or case added ("dont" -> "don't", "i" -> "I")."""
    return fold(spelled) == word_key


def _as_written(meant: Suggestion, typed: Typed, pronouns: frozenset) -> Suggestion:
    """What a misspelling typed in lower case means, in the case of the text: a name in lower
    case for a writer without capitals ("califonia" -> california), as the bar offers names;
    "I'm" as "i'm" for a writer of "i" ("iam" -> "i am")."""
    if not typed.word.islower() or meant.word.islower():
        return meant
    words = [w.lower() if (typed.lowercase_i if w.lower() in pronouns else typed.without_capitals) else w
             for w in meant.word.split(" ")]
    return Suggestion(" ".join(words), meant.score, meant.kind)


def arrange(pool: dict[str, float], corrections: dict[str, float], typed: Typed, k: int,
            allows: Callable[[str], bool] = lambda word: True,
            policy: Autocorrect = Autocorrect(),
            whole: set[str] = frozenset(),
            frequency: Callable[[str], float] | None = None,
            capitalized: Callable[[str], str | None] = lambda lower: None,
            writes: Callable[[str], bool] = lambda word: False,
            meant: Sequence[Suggestion] = (),
            pronouns: frozenset = PRONOUN_I,
            ) -> tuple[list[Suggestion], Suggestion | None]:
    """The top ``k`` of the bar and the autocorrect candidate (or None).

    ``pool``: completions of the typed word (or next words), spelling -> probability;
    ``corrections``: spellings one slip away, with probabilities that include the slip's cost;
    ``whole``: those of them that are whole words one slip away (what space may correct to);
    ``frequency``: a spelling's share of the training text (for its own case, see
    :func:`~kbpredict.casing.present`); ``capitalized``: a word's spelling in the capitals list
    (lower-case word -> "Michael"), or None; not used in a text written without capitals;
    ``writes``: True for a word the user wrote (in the text or the personal model): a
    contraction's lazy spelling the user writes ("dont") stays an entry of its own;
    ``meant``: the word that the typed chat shorthand is short for ("tmrw" -> tomorrow), offered
    first when the shorthand is one of ``policy.keep``, or the words that a typed misspelling of
    ``policy.misspelled`` means, likeliest first ("definetly" -> definitely; "thre" -> there,
    three: offered first, and the first is what space puts in its place, see
    :meth:`Autocorrect.means`); ``pronouns``: the spellings of an
    always-capitalized "I" (``CandidateIndex.pronouns``: none for a language without it).
    """
    candidates = {surface: (p, False) for surface, p in pool.items()}
    for surface, p in corrections.items():
        if p > candidates.get(surface, (0.0, True))[0]:
            candidates[surface] = (p, surface not in pool)
    word = typed.word
    word_lower, word_key = word.lower(), fold(word)
    echo = typed.previous_word.lower() if not word else None
    whole_lower = {w.lower() for w in whole}
    # letters typed after an apostrophe ("I'", "don'") ask for a word with one there
    inner = word_lower.lstrip("'")  # (the typed word is clean: "'" for "’")
    apostrophe = inner if "'" in inner else ""
    weight = case_weight(word, typed.sentence_start)
    mode = case_mode(word)
    ranked: list[Suggestion] = []
    replacements: list[tuple[float, Suggestion]] = []  # what space could put in place of the typed word
    name = None  # the typed letters are a name of the capitals list, typed in lower case ("michael")
    # a word the model knows, typed with a capital mid-sentence, is a name (phones capitalize
    # sentence starts themselves): space may give it an apostrophe or accent ("Bradys" ->
    # Brady's), never make it another word ("my daughter Jenna" became Jenny, a name the model
    # knows better). A capitalized string it does not know is still corrected ("Poitot" ->
    # Poirot): on the validation typos, leaving those too lost 2.7 points of autocorrect right.
    # So is a word it knows typed in capitals amid words that are not ("Does SSH" became "Does
    # SHE"; "OMG I CANT" still gets its apostrophe, "WHERE ARE YUO" its correction), and any word
    # typed with a capital after a small letter or an acronym's plural ("LeBron", "iPhone",
    # "running GIFs" became "Gigs"; shift held too long, "HEllo", is still corrected).
    apostrophe_typed = "'" in word_lower  # (the typed word is clean: "'" for "’")
    hyphen_typed = "-" in word
    possessive = word_lower[:-1] + "'s" if word_lower.endswith("s") else None  # "girls" -> "girl's"
    cased_typed = (any(a.islower() and b.isupper() for a, b in zip(word, word[1:]))
                   or (_ACRONYMS_RE.fullmatch(word) is not None and word[:-1].isupper()))
    shouted = len(typed.previous_word) >= 2 and typed.previous_word.isupper()
    odd_case = word[1:] != word[1:].lower() and not word.isupper()  # "HEllo", "LeBron"
    name_typed = cased_typed or typed.probability > 0 and (
        (word[:1].isupper() and word[1:] != word[1:].upper() and not typed.sentence_start and not typed.open_start)
        or (len(word) >= 2 and word.isupper() and not shouted))
    # Best first: once k entries that will be shown are found, the rest only matter as what space
    # may put in place of the typed word (next words: nothing is typed, the bar is complete).
    def lazy(plain: str, contraction: str) -> bool:  # what space would turn into the contraction
        return (policy.contractions and frequency is not None and not writes(plain)
                and _lazy_contraction(plain, contraction, frequency))

    groups = sorted(_groups(candidates, weight, lazy).items(), key=lambda group: -group[1][0])
    shown = 0  # entries found that the filter below keeps: completions, and corrections before them
    best_replacement = 0.0  # the score of the best replacement found
    completed = False  # a completion was found (corrections after it are dropped)
    for lower, (p, corrective, variants) in groups:
        if shown >= k:
            if not word:
                break
            if fold(lower) != word_key and (lower not in whole_lower or sum(
                    corrections.get(v, 0.0) for v, _ in variants) <= best_replacement):
                continue  # neither shown nor a better replacement than one found
        if lower == echo or not allows(lower) or (lower.replace("’", "'") in policy.misspelled and not writes(lower)):
            continue  # (nor is "definately" offered, unless the user writes it: typed out, it is corrected)
        if apostrophe and not corrective and not lower.replace("’", "'").startswith(apostrophe):
            continue
        proper = None if typed.without_capitals else capitalized(lower)
        if typed.open_start and not word and proper is None:
            spelled = likeliest(variants, pronouns)
        else:
            spelled = present(variants, word, typed.sentence_start, frequency, mode, proper,
                              capitals=not typed.without_capitals, pronouns=pronouns)
        if typed.lowercase_i and mode == 0 and lower in pronouns:
            spelled = lower  # "i", "i'm": as this user writes them
        elif typed.without_capitals and lower == word_lower and spelled == word:
            # a name typed out in full, by a writer without capitals: its capital is offered
            # beside it ("london" -> London), and space leaves it as typed
            spelled = capitalized(lower) or spelled
        if not word and len(lower) == 1 and lower.isalpha() and not _one_letter_word(lower, frequency):
            continue  # an initial ("Mr. T"), no word
        if word:
            if spelled == word:
                continue
            key = fold(lower)
            if key == word_key and _drops_a_mark(word, spelled):
                continue  # the typed word without the accent the user typed: never a correction
            if key == word_key and word.isupper() and len(lower) == 3 and lower[1:] in ("'s", "’s"):
                continue  # nor a letter's plural made of an acronym in capitals: neither offered
                # nor put in ("I live in KS" became "K'S", "TS" "T'S")
            if lower == word_lower and lower not in pronouns and not odd_case and (
                    typed.sentence_start or is_lowercase_word(variants, frequency, proper, pronouns)):
                continue  # a capitalized copy of the typed word (a word of its own in lower case;
                # but shift held too long, "HEllo", asks for "Hello")
            kind = COMPLETION if key.startswith(word_key) and key != word_key and not corrective else CORRECTION
            suggestion = Suggestion(spelled, p, kind)
            if key == word_key and (lower[-1:] in "'’" and lower[:-1] == word_lower
                                    or lower[:1] in "'’" and lower[1:] == word_lower):
                pass  # "spanish" -> "spanish'", "with" -> "'with" (a quote's end or start in the
                # text): no word space should make
            elif apostrophe_typed and ("'" not in lower.replace("’", "'")
                                       or (word[:1] == "'" and lower[:1] not in "'’")):
                pass  # nor one that drops an apostrophe the user typed: in the word ("my car's"
                # -> card, "translate where's" -> where; a misplaced one is listed), or a quote's
                # mark ("'em" -> me, "'90s" -> 90's, "the 'wrong kind'" -> mind)
            elif hyphen_typed and "-" not in lower:
                pass  # nor one that drops a hyphen: a dash begun ("my favorites- I") or a compound
            elif cased_typed and lower == word_lower:
                pass  # nor one that only recases a word typed with capitals inside ("LeBron")
            elif (lower.replace("’", "'") == possessive and not is_contraction(lower)
                  and frequency is not None and _commonness(spelled, frequency) <= _commonness(word, frequency)):
                pass  # nor a possessive of a plural the training text writes more often ("the girls
                # were", "heads up", "sports clothes"); "elses" and "wifes" still get their apostrophe
            elif key == word_key:  # the typed letters with an apostrophe, accent or case added
                replacements.append((p, suggestion))
                best_replacement = max(best_replacement, p)
                if (proper is not None and spelled == proper and lower == word_lower and word.islower()
                        and _spelled_so_here(variants, proper)):
                    name = suggestion  # (a name with an apostrophe added, "I'll" for "ill", is
                    # a correction like any other: "I feel ill" stays)
            elif lower in whole_lower and not name_typed:  # a whole word one slip away: its
                # probability with the slip's cost
                replacements.append((sum(corrections.get(v, 0.0) for v, _ in variants), suggestion))
                best_replacement = max(best_replacement, replacements[-1][0])
        else:
            suggestion = Suggestion(spelled, p, NEXT)
        ranked.append(suggestion)
        if suggestion.kind != CORRECTION:
            completed = completed or suggestion.kind == COMPLETION
            shown += 1
        elif not completed or _same_letters(suggestion.word, word_key):
            shown += 1
    ranked.sort(key=lambda s: -s.score)
    # A correction is shown when it is more likely than every completion of what was typed:
    # otherwise the letters typed are most likely right, and its slot goes to a completion.
    # And a correction of a word the model knows must be a fair share as likely as that word:
    # typed "really", "rallying" is no correction anyone needs. The typed letters with an
    # apostrophe or a capital added need only that share: typed "is", "I's" is no correction
    # ("want": wan't, "sounds": sound's), "dont" -> "don't" is. A completion of a whole word needs
    # its own share: typed "and", Andreotti is no completion.
    fair = CORRECTION_MIN_SHARE * typed.probability
    floor = max(next((s.score for s in ranked if s.kind == COMPLETION), 0.0), fair)

    def worth_showing(s: Suggestion) -> bool:
        if s.kind == COMPLETION:
            return s.score >= COMPLETION_MIN_SHARE * typed.probability
        if s.kind == CORRECTION:
            return s.score > floor or (_same_letters(s.word, word_key) and s.score >= fair)
        return True

    ranked = [s for s in ranked if worth_showing(s)]
    listed = bool(word) and misspelling_key(word) in policy.misspelled
    meant = [_as_written(s, typed, pronouns) if listed else s for s in meant
             if all(allows(w) for w in s.word.lower().split())] if word_key in policy.keep or listed else []
    if meant:  # "tmrw": tomorrow first; "definetly": definitely first
        first = {s.word.lower() for s in meant}
        ranked = meant + [s for s in ranked if s.word.lower() not in first]
    auto = None
    if listed and meant:
        if not (typed.known or typed.protected):
            auto = meant[0]  # nobody means "definetly": the word meant replaces it
    elif word and replacements and not typed.protected:
        score, best = max(replacements, key=lambda r: r[0])
        if word_key in policy.pronoun:  # "I" whatever the model says ("...refundable im" -> "I'm", not "in")
            best = next((s for _, s in replacements if s.word.lower() in pronouns and fold(s.word) == word_key),
                        best)
        letters = sum(ch.isalpha() for ch in word)
        if word_key in policy.pronoun and best.word.lower() in pronouns and fold(best.word) == word_key:
            auto = best  # "I" whether or not the text has it already (but "I'm" typed right is
            # no slip of "I'd": another pronoun goes by the rules of any word)
            ranked = [best] + [s for s in ranked if s is not best]  # "i" offers "I" first
        elif typed.known or word_key in policy.keep:
            pass  # a word the user wrote, or chat shorthand, is never replaced
        elif policy.contractions and _lazy_contraction(word, best.word, frequency):
            auto = best  # "thats" -> "that's"
        elif (letters >= policy.min_letters or fold(best.word) == word_key) and policy.replaces(
                score, typed, fold(best.word) == word_key):
            auto = best
        elif listed:
            auto = best  # a misspelling without its words meant: the likeliest word one slip away
        elif name is not None and best is name and policy.names:
            auto = name  # "michael" -> "Michael", "monday" -> "Monday", in a text written with capitals
    return ranked[:k], auto
