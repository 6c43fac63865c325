"""A typing session for one text field: incremental suggestions through every kind of edit.

The session mirrors the text before the cursor as two parts: the *committed* text, ending at the
last space or punctuation, and the *word being typed* after it. The LSTM only ever sees committed
tokens:

- a keystroke inside a word only changes the word being typed: no LSTM step, just a prefix lookup
  in the cached next-word distribution;
- a space or punctuation commits tokens: one LSTM call;
- backspace, paste, a cursor jump or an accepted suggestion re-tokenize from the first changed
  character only (and only the tail of the text that the context needs), and the LSTM restarts
  from a checkpoint at most ``AnchoredStates.group_tokens`` tokens back.

The work per edit is bounded by a window, not by the length of the text, and the suggestions are
a function of the text alone: typed key by key, pasted, or jumped to, the same text gets
bit-identical suggestions (see :mod:`kbpredict.context` for how, with int8 models whose numbers
depend on how tokens are grouped into calls).

After each commit the words of the last 2,000 characters become a small cache
(:class:`~kbpredict.candidates.RecentWords`) that is mixed into the suggestions: it too depends
only on the text, so the guarantee above holds for it as well.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import threading
from typing import TYPE_CHECKING

import numpy as np

from .bar import CORRECTION, Autocorrect, Typed, arrange
from .candidates import LocatedWords, RecentWords, Suggestion
from .casing import at_sentence_start, ends_open, writes_lowercase_i, writes_without_capitals
from .context import AnchoredStates, TokenWindow
from .lexicon import expansion, is_contraction, misspelled_keys, misspelling_key, shorthand_keys
from .errors import InvalidArgumentError
from .spacing import ATTACHING, Edit, accepted_text, after_automatic_space
from .text import MAX_WORD_LENGTH, address_spans, clean_token, fold, is_word, split_trailing_word

if TYPE_CHECKING:
    from .lm import State
    from .personal import PersonalModel
    from .predictor import Predictor

_SURROGATES = re.compile("[\ud800-\udfff]")
_GLUED = frozenset("@#/\\_=<>|^~%$")  # a word glued to one is no prose ("@mike", "a.com/teh", "my_var")


# what follows a period in a web address or a file name, not in prose: common top-level domains
# and file extensions ("google.co", "notes.txt"); a slip after a missing space ("Hello.thnaks") is
# still corrected
_ADDRESS_ENDINGS = frozenset(
    "com org net edu gov mil int info biz io co me tv us uk ca au de fr es it nl eu ru in jp cn br ai app dev ly "
    "txt pdf doc docx xls xlsx ppt pptx csv jpg jpeg png gif mp3 mp4 mov zip html htm js py json xml".split())


def _opening_quote(word: str, index) -> str:
    """The quotation mark that opens a quote at the start of the word being typed, or "": "'" for
    "'No" and "'teh" (the bar and autocorrect look at "No" and "teh", and an accepted word keeps
    the mark), but not for "'em", "'cause" or "'90s", words of their own."""
    if word[:1] not in "'\u2019" or len(word) < 2 or not word[1].isalpha():
        return ""
    if word[1].isupper() or index.entry(clean_token(word))[1] == 0:
        return word[0]
    return ""


def _word_typed(word: str, index) -> str:
    """The word being typed as the bar and autocorrect match it: without the quotation mark that
    opens a quote, cleaned as the vocabulary was built (NFC, "'" for "’")."""
    return clean_token(word[len(_opening_quote(word, index)):])


def _glued(committed: str, word: str) -> bool:
    """True if ``word``, typed after ``committed``, is glued to a symbol (:data:`_GLUED`), or is a
    domain or file extension glued by a period to a word ("google.co", "notes.txt"): no prose,
    which space must not "correct" ("google.do")."""
    last = committed[-1:]
    return last in _GLUED or (last == "." and committed[-2:-1].isalnum() and word.lower() in _ADDRESS_ENDINGS)


def common_prefix_length(a: str, b: str) -> int:
    """Length of the longest common prefix, by C-speed slice comparisons: chunk by chunk (no
    copy of a long text), then bisection inside the first chunk that differs."""
    n = min(len(a), len(b))
    lo, step = 0, 4096
    while lo < n:
        hi = min(n, lo + step)
        if a[lo:hi] != b[lo:hi]:
            break
        lo, step = hi, min(step * 2, 1 << 20)
    else:
        return n
    # a[:lo] == b[:lo], a[:hi] != b[:hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid
    return lo


def _serialized(method):
    """Run ``method`` under the session's lock: two threads typing into one session take turns
    instead of corrupting its token lists and caches (an uncontended lock costs ~0.1 µs)."""

    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return locked


def _check_text(value: str, name: str) -> str:
    """Text from the app, with lone surrogates (from undecodable input) as U+FFFD."""
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{name} must be a string, not {type(value).__name__}")
    return _SURROGATES.sub("\ufffd", value)


def _check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InvalidArgumentError(f"k must be a positive whole number, not {k!r}")
    return int(k)


class Session:
    """Incremental suggestions for one text field (one session per field; calls from several
    threads are serialized by a lock, so they take turns rather than corrupt it)."""

    def __init__(self, predictor: "Predictor", adapt: bool = True, personal: "PersonalModel | None" = None,
                 incognito: bool = False, correct: bool = True):
        """``adapt``: mix the words already in the text into the suggestions (see RecentWords).
        ``personal``: the user's learned words, mixed in too and taught this text at :meth:`finish`
        unless ``incognito`` (then the personal model is read, never written). ``correct``: offer
        corrections of typing slips and an autocorrect candidate (see :mod:`kbpredict.typos`)."""
        for name, flag in (("adapt", adapt), ("incognito", incognito), ("correct", correct)):
            if not isinstance(flag, bool):
                raise InvalidArgumentError(f"{name} must be True or False, not {flag!r}")
        self._lock = threading.RLock()
        self.adapt = adapt
        self.incognito = incognito
        self.correct = correct
        self.personal = personal
        self._personal_index = personal.index(predictor.index) if personal is not None else None
        self._accepted: set[str] = set()  # words taken from the bar: learned as confirmed
        # words whose autocorrection the user took back (revert): never corrected again in this
        # session, and learned as confirmed
        self._kept: set[str] = set()
        # the autocorrection that revert() can take back: (the text after it, the text before it,
        # the word typed, where the word starts, a mark may follow), while nothing else has been
        # edited since
        self._undo: tuple[str, str, str, int, bool] | None = None
        self._predictor = predictor
        self._policy = self._fitted(Autocorrect())
        self._committed = ""
        self._word = ""
        # the tokens of the committed text's tail
        self._window = TokenWindow(predictor.vocab, predictor.index.inside_sentence)
        self._located = LocatedWords(predictor.index)  # the text's words, located in the index once
        self._sentence_start = True  # the word being typed starts a sentence (see casing)
        self._without_capitals = False  # the committed text has no capitals (see casing)
        self._open_start = False  # a sentence may start or go on here (see casing.ends_open)
        self._lowercase_i = False  # the user writes the pronoun "i" (see casing)
        self._previous_word = ""  # the word just committed: never offered as the next word
        self._auto_space = False  # the text ends with a space the session inserted (see spacing)
        self._begin()

    def _begin(self) -> None:
        """Start an empty text where the user's last finished texts left off: their words in the
        text cache and their tail as the LSTM's context (with a personal model; see :meth:`finish`)."""
        self._personal_view = self._personal_index.view("") if self._personal_index is not None else None
        self._history = self._history_words()
        self._states = AnchoredStates(self._predictor, self._carried_start())  # LSTM checkpoints
        self._current = self._states.at(self._window, 0)  # (state, next-token log-probs) after the committed text
        self._recent: RecentWords | None = self._recent_words() if self._history else None
        # (word, k, shown, autocorrection, the autocorrection before a mark)
        self._memo: tuple[str, int, list[Suggestion], Suggestion | None, Suggestion | None] | None = None

    @property
    def autocorrect_policy(self) -> Autocorrect:
        """When a correction becomes the autocorrect candidate (see :class:`kbpredict.bar.Autocorrect`)."""
        return self._policy

    @autocorrect_policy.setter
    def autocorrect_policy(self, policy: Autocorrect) -> None:
        if not isinstance(policy, Autocorrect):
            raise InvalidArgumentError(f"autocorrect_policy must be an Autocorrect, not {policy!r}")
        with self._lock:
            self._policy = self._fitted(policy)
            self._memo = None

    def _fitted(self, policy: Autocorrect) -> Autocorrect:
        """``policy`` for this model: one of a language without the pronoun "I" (its "i" is
        "and", ``CandidateIndex.pronoun_i``) has no pronoun rules, whatever the app's policy says;
        the shipped misspellings are those that are misspellings for this model
        (``Predictor.misspellings``: "numer" is a word of Polish), and the shipped shorthand is
        the bundle's own where it has one (``Predictor.shorthand``)."""
        if policy.pronoun and not self._predictor.index.pronoun_i:
            policy = dataclasses.replace(policy, pronoun=frozenset())
        if policy.misspelled is misspelled_keys():
            own = self._predictor.misspellings
            policy = dataclasses.replace(policy, misspelled=own, meant=own)
        if policy.keep is shorthand_keys() and self._predictor.index.shorthand is not policy.keep:
            # the bundle's own shorthand list (a model of another language)
            policy = dataclasses.replace(policy, keep=self._predictor.index.shorthand)
        return policy

    # -- what the session holds --------------------------------------------------------------
    @property
    def text(self) -> str:
        """The text before the cursor, as the session sees it."""
        with self._lock:
            return self._committed + self._word

    @property
    def current_word(self) -> str:
        """The word being typed (what an accepted suggestion replaces); empty after a space."""
        with self._lock:
            return self._word

    # -- edits ----------------------------------------------------------------------------------
    @_serialized
    def type(self, chars: str) -> Edit | None:
        """Characters typed (or inserted) at the cursor.

        Returns None, or an :class:`~kbpredict.spacing.Edit` for the app to apply after inserting
        the characters: ``.`` typed right after an accepted suggestion's space moves the space
        after it ("tomorrow ." -> "tomorrow. "), and a second space is absorbed.
        """
        chars = _check_text(chars, "type()'s characters")
        if not chars:
            return None
        automatic, self._auto_space = self._auto_space, False
        undo, self._undo = self._undo, None
        if is_word(chars):
            self._word += chars  # the common keystroke: no tokenization, no LSTM
            return None
        text = self.text
        edit = after_automatic_space(chars) if automatic and text.endswith(" ") else None
        if edit is None:
            self._set_text(text + chars, len(text))
            if undo is not None and undo[4] and len(chars) == 1 and chars in ATTACHING and text == undo[0]:
                # the mark that ended the corrected word ("tonight?"): revert() still takes it back
                self._undo = (text + chars, undo[1] + chars, undo[2], undo[3], False)
            return None
        final = edit.apply(text + chars)
        self._set_text(final, common_prefix_length(text, final))
        self._auto_space = edit.insert.endswith(" ")
        return edit

    @_serialized
    def backspace(self, n: int = 1) -> None:
        """Delete ``n`` characters before the cursor (fewer if the text is shorter)."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise InvalidArgumentError(f"backspace() takes a whole number of characters, not {n!r}")
        if n <= 0:
            return
        self._auto_space = False
        self._undo = None
        if n <= len(self._word):
            self._word = self._word[: len(self._word) - n]
            return
        text = self.text
        keep = max(0, len(text) - n)
        self._set_text(text[:keep], keep)

    @_serialized
    def update(self, text_before_cursor: str) -> None:
        """The whole text before the cursor changed (paste, cursor jump, external edit)."""
        text = _check_text(text_before_cursor, "the text before the cursor")
        self._auto_space = False
        self._undo = None
        self._set_text(text, common_prefix_length(self.text, text))

    @_serialized
    def accept(self, suggestion: Suggestion | str, space: bool = True) -> Edit:
        """Accept a suggestion (or the autocorrect candidate when space is pressed).

        Returns the :class:`~kbpredict.spacing.Edit` for the app: delete the word being typed,
        insert the word and a space (and a space before it right after ``.`` or ``,``). The
        session is already updated to match. ``space=False``: the word alone, for the
        autocorrection that a mark ending the word applies ("tonihgt?" -> "tonight?": accept,
        then type the mark).
        """
        word = suggestion.word if isinstance(suggestion, Suggestion) else suggestion
        word = _check_text(word, "accept()'s word").strip()
        if not word:
            raise InvalidArgumentError("accept() needs a word")
        if not isinstance(space, bool):
            raise InvalidArgumentError(f"accept()'s space must be True or False, not {space!r}")
        correcting = False  # accepting the autocorrection (which revert() can take back)?
        if self.correct and self._word:  # (the arrangement is memoized: the app showed the bar)
            _, auto, before_mark = self._arranged(1)
            correcting = any(a is not None and a.word == word for a in (auto, before_mark))
        if self.personal is not None:
            self._accepted.update(clean_token(w) for w in word.split())  # ("a lot" for "alot")
        quote = _opening_quote(self._word, self._predictor.index)
        if quote and word[:1] not in "'\u2019":
            word = quote + word  # "'teh" -> "'the": the quotation mark stays
        insert = accepted_text(self._committed, word, self._word)
        if not space:
            insert = insert[:-1]
        edit = Edit(len(self._word), insert)
        before, typed, start = self.text, self._word, len(self._committed)
        self._set_text(self._committed + insert, start)
        self._auto_space = space
        self._undo = (self.text, before, typed, start, not space) if correcting else None
        return edit

    @_serialized
    def revert(self) -> Edit | None:
        """Backspace right after an autocorrection: put back what was typed.

        Right after :meth:`accept` of the autocorrection (and the mark that ended the word, with
        ``space=False``), returns the :class:`~kbpredict.spacing.Edit` that restores the word as
        typed ("the " -> "teh", "tonight?" -> "tonihgt?"); the session already holds the restored
        text. The user meant that word: it is not autocorrected again in this session, and
        :meth:`finish` learns it as confirmed (suggestable at once, never corrected later; as
        phone keyboards learn a word whose correction was undone). Returns None after any other
        edit: the app then deletes a character as usual (:meth:`backspace`).
        """
        undo, self._undo = self._undo, None
        if undo is None or self.text != undo[0]:
            return None
        after, before, typed, start = undo[:4]
        self._auto_space = False
        self._set_text(before, start)
        word = _word_typed(typed, self._predictor.index)
        if word:
            self._kept.add(word)
            if self.personal is not None:
                self._accepted.add(word)
        return Edit(len(after) - start, before[start:])

    @_serialized
    def reset(self) -> None:
        """Forget everything (the field was cleared or the user switched fields); a new text
        starts in the context of the user's last finished texts (see :meth:`finish`)."""
        self.update("")
        self._accepted.clear()
        self._kept.clear()
        self._begin()

    @_serialized
    def finish(self) -> int:
        """The text is done (sent, saved, the field closed): the personal model learns it (unless
        the session is incognito or has none), and the session starts afresh for a new text.

        Learning the finished text, not each keystroke, means a word typed and then corrected
        away is never learned. The text's tail is also carried into the next text's context
        (:meth:`kbpredict.PersonalModel.carried_text`, memory only). Returns the number of words
        learned.
        """
        learned = 0
        if self.personal is not None and not self.incognito:
            learned = self.personal.learn_text(self.text, self._accepted)
            self._personal_index = self.personal.index(self._predictor.index)
        self.reset()
        return learned

    # -- suggestions ----------------------------------------------------------------------------
    @_serialized
    def suggestions(self, k: int = 3) -> list[Suggestion]:
        """The top-k words for the cursor: next words, completions of the word being typed, or
        corrections of it (see :mod:`kbpredict.bar` for the rules of the bar).

        A word exactly as typed is left out (space commits it already).
        """
        return list(self._arranged(_check_k(k))[0])

    @_serialized
    def autocorrection(self, ending: str = " ") -> Suggestion | None:
        """What space should put in place of the word being typed, or None to keep it as typed.

        Only a confident correction ("teh" -> "the", "dont" -> "don't"); the app accepts it
        (:meth:`accept`) when the user presses space, and keeps what was typed otherwise.
        ``ending``: the key that ends the word, space or a mark of ``. , ? ! : ;`` (the app
        then accepts the correction with ``space=False`` and types the mark). The model guesses
        the word from what comes before it, and a mark after it is evidence it never saw: before
        a mark a word the model knows is never made another word ("the promise land." had become
        "and.", "Ow!" "How!"), nor a plural a possessive, which a noun would follow ("between the
        Opalsens," had become "Opalsen's,"). Slips of words it does not know, contractions and
        names are corrected as at space ("tonihgt?" -> "tonight?", "I havent," -> "haven't,").
        """
        ending = _check_text(ending, "autocorrection()'s ending")
        _, auto, before_mark = self._arranged(3)
        return before_mark if ending[:1] in ATTACHING else auto

    def _arranged(self, k: int) -> tuple[list[Suggestion], Suggestion | None, Suggestion | None]:
        """The bar's top ``k``, the autocorrection and the autocorrection before a mark."""
        memo = self._memo
        if memo is not None and memo[0] == self._word and memo[1] >= k:
            return memo[2][:k], memo[3], memo[4]
        if len(self._word) > MAX_WORD_LENGTH:
            return [], None, None  # a pasted hash or a run of letters: no word completes or corrects it
        index = self._predictor.index
        typed = _word_typed(self._word, index)
        log_probs = self._current[1]
        view = self._personal_view
        recent = self._recent
        want = 4 * k + 8  # headroom for merged variants, the typed word and blocked words
        pool = index.pool(log_probs, typed, want, recent, view)
        model_share = recent.model_weight if recent is not None and len(recent) else 1.0
        pronoun = self._policy.pronoun_for(typed) if self.correct else None
        if pronoun is not None and pronoun not in pool:  # a candidate wherever the model ranks it
            pool[pronoun] = index.probability(log_probs, pronoun) * model_share
        corrections: dict[str, float] = {}
        whole: set[str] = set()
        personal_index = self._personal_index

        def writes(word: str) -> bool:  # a word of the text or of the personal model
            return (recent is not None and recent.contains(word)) or (
                personal_index is not None and personal_index.contains(word))

        found: dict = {}  # what is known of the typed word, for the Typed below
        if typed:
            scale = model_share
            if view is not None and len(view.index):
                scale *= view.keep
            found["probability"] = index.probability(log_probs, typed) * scale
        if typed and self.correct:
            corrections, whole = index.corrections(log_probs, typed, want, scale)
            # a word typed out in full is the user's when blocked, or glued to a symbol: a handle
            # or hashtag ("@mike", "#tbt"), a part of an address ("example.com/teh", "google.co")
            found.update(protected=self._predictor.blocklist.blocks(typed) or _glued(self._committed, typed),
                         unknown_probability=math.exp(float(log_probs[index.unknown_id])) * scale,
                         known=writes(typed))
        state = Typed(typed, self._sentence_start, self._previous_word,
                      without_capitals=self._without_capitals, open_start=self._open_start,
                      lowercase_i=self._lowercase_i, **found)
        blocklist = self._predictor.blocklist

        def allows(word: str) -> bool:
            return not blocklist.blocks(word) and (view is None or view.allows(word))

        shown, auto = arrange(pool, corrections, state, k, allows, self._policy, whole, index.frequency,
                              index.capitalized, writes, self._meant(typed, log_probs, model_share),
                              index.pronouns)
        if not self.correct or typed in self._kept:
            auto = None  # (a word whose correction the user took back: see revert)
        before_mark = auto
        if auto is not None:
            spelled = auto.word.lower().replace("\u2019", "'")
            other_word = (state.probability > 0 and fold(spelled) != fold(typed)
                          and misspelling_key(typed) not in self._policy.misspelled)
            possessive = (typed.lower().endswith("s") and spelled == typed.lower()[:-1] + "'s"
                          and not is_contraction(spelled))
            if other_word or possessive:
                before_mark = None
        self._memo = (self._word, k, shown, auto, before_mark)
        return shown, auto, before_mark

    def _meant(self, typed: str, log_probs: np.ndarray, scale: float) -> list[Suggestion]:
        """The word that typed chat shorthand is short for ("tmrw" -> tomorrow), or the words
        that a misspelling means, likeliest here first ("thre" -> there, three), as
        corrections of it; none for a word the model does not know (the shorthand list is
        English, and a model of another language has no "tomorrow" to offer)."""
        if not typed:
            return []
        words = self._policy.means(typed) if self.correct else ()
        if not words:
            shorthand = expansion(typed, self._predictor.shorthand)
            words = (shorthand,) if shorthand is not None else ()
        index = self._predictor.index
        # (a meaning of several words, "alot" -> "a lot", by its first)
        found = [Suggestion(word, index.probability(log_probs, word.split(" ")[0]) * scale, CORRECTION)
                 for word in words]
        return sorted((s for s in found if s.score > 0), key=lambda s: -s.score)

    # -- internals ------------------------------------------------------------------------------
    def _set_text(self, text: str, common: int) -> None:
        """Make the session hold ``text``, whose first ``common`` characters are unchanged."""
        committed, word = split_trailing_word(text)
        if committed == self._committed:
            self._word = word
            return
        # Tokens ending strictly before the first change are untouched: the character after a
        # token decides where it ends, and that character is still the same.
        end = len(committed)
        cut = min(common, end)
        need_from = max(0, min(AnchoredStates.context_start(end), end - RecentWords.window_chars))
        self._window.update(committed, cut, need_from)
        self._states.invalidate(cut)
        self._committed, self._word = committed, word
        self._sentence_start = at_sentence_start(committed, self._predictor.abbreviations)
        self._without_capitals = writes_without_capitals(committed)
        self._open_start = self._sentence_start and ends_open(committed)
        self._lowercase_i = writes_lowercase_i(committed)
        self._previous_word = self._last_word()
        self._current = self._states.at(self._window, end)
        self._recent = self._recent_words() if self.adapt else None
        if self._personal_index is not None:
            spellings = self._window.spellings
            previous = spellings[-1] if spellings else ""  # the token before the cursor
            self._personal_view = self._personal_index.view("" if previous == "\n" else previous)
        self._memo = None

    def _last_word(self) -> str:
        """The word just committed: the last word token, with only punctuation after it."""
        window = self._window
        for j in range(len(window) - 1, max(-1, len(window) - 4), -1):
            if window.words[j] is not None:
                return window.words[j]
            if window.spellings[j] == "\n":
                break
        return ""

    def _carried_start(self) -> "tuple[State, np.ndarray]":
        """The LSTM's state before the text: after the user's last finished texts, when the
        session has a personal model and adapts (see :func:`kbpredict.context.carried_start`)."""
        if self.personal is None or not self.adapt:
            return self._predictor.start
        return self.personal.carried_start(self._predictor)

    def _history_words(self) -> list[str]:
        """The last finished texts' words that the personal model suggests (so a word typed once,
        maybe a typo, is not offered again in the next message)."""
        if self._personal_index is None or not self.adapt:
            return []
        index = self._personal_index
        return [index.spelled(w) for w in self.personal.recent_words() if index.knows(w)]

    def _outside_addresses(self, start: int) -> "list[str | None]":
        """The window's words with None for those inside a web or e-mail address from token
        ``start`` on: "https", "youtu" or "gmail" are no words to offer after a pasted link."""
        window = self._window
        spans = address_spans(self._committed, window.starts[start]) if start < len(window) else []
        if not spans:
            return window.words
        words = list(window.words)
        for begin, end in spans:
            lo, hi = window.first_at_or_after(begin), window.first_at_or_after(end)
            words[lo:hi] = [None] * (hi - lo)
        return words

    def _recent_words(self) -> RecentWords | None:
        """The caches of the words in the last ``RecentWords.window_chars`` of committed text."""
        window = self._window
        start = window.first_at_or_after(len(self._committed) - RecentWords.window_chars)
        held = self._outside_addresses(start)
        words = self._history + list(filter(None, held[start:]))  # (words are None or a word)
        if not words:
            return None
        spellings = window.spellings
        # followers: the words that came after the token before the cursor before; pairs inside
        # the window only (what lies before it may or may not be held). Found by list.index: C speed.
        previous = spellings[-1] if spellings else ""
        followers = []
        j, last = start, len(spellings) - 1
        while True:
            try:
                j = spellings.index(previous, j, last) + 1
            except ValueError:
                break
            if held[j] is not None:
                followers.append(held[j])
        tail = tuple(filter(None, held[max(start, len(held) - RecentWords.echo_tokens):]))
        return RecentWords(self._predictor.index, words, followers, self._located, previous, tail)
