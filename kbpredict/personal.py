"""The user's own words, learned across sessions and kept in one file that the app chooses.

Like AOSP's ``UserHistoryDictionary`` behind its ``DictionaryFacilitator``, everything about the
personal model lives here: what is learned (the words of finished texts and the word pairs in them),
how it decays (a forgetting curve: counts halve every ``half_life_days`` without use), where it is
stored (one SQLite file; nothing else is written, no logs, no temporary files with typed text),
and how it is mixed into suggestions (:class:`PersonalView`).

Why SQLite: transactions make every save all-or-nothing (a crash or ``kill -9`` mid-save leaves
the previous state; its rollback journal sits beside the file only while a save is under way), its
file locks let two processes share one file without corrupting it, and it ships with Python.

Learning is deliberately late: a session learns its text when the app calls
:meth:`Session.finish` (the message was sent, the field closed), so a word the user typed and then
corrected away is never learned. A word outside the model's vocabulary becomes suggestable after
``min_uses`` uses (2), or at once when the user accepted it from the suggestion bar. Blocked words
are never suggested (from any source) and never learned. An incognito session reads the personal
model and writes nothing.
"""

from __future__ import annotations

import collections
import os
import sqlite3
import threading
import time
import warnings
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

import numpy as np

from .candidates import contains, prefix_span
from .context import carried_start
from .errors import InvalidArgumentError, KbpredictError
from .lexicon import misspelling_key
from .text import ADDRESS_RE, END_OF_LINE, fold, is_suggestable, quoted_words, token_boundary_at_or_after, tokenize

if TYPE_CHECKING:
    from .candidates import CandidateIndex
    from .lm import State
    from .predictor import Predictor

SCHEMA_VERSION = 1
APPLICATION_ID = 0x6B627072  # "kbpr": marks the file as ours, so a foreign SQLite file is recognized
FILE_NAME = "personal.sqlite3"

_SCHEMA = """
CREATE TABLE words (word TEXT PRIMARY KEY, count REAL NOT NULL, last_used REAL NOT NULL,
                    uses INTEGER NOT NULL, confirmed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE pairs (previous TEXT NOT NULL, word TEXT NOT NULL, count REAL NOT NULL, last_used REAL NOT NULL,
                    PRIMARY KEY (previous, word));
CREATE INDEX pairs_by_word ON pairs (word);
CREATE TABLE blocked (word TEXT PRIMARY KEY);
"""


class PersonalModelError(KbpredictError):
    """The personal model's file cannot be used (unwritable place, a directory, disk full...)."""


class PersonalModelWarning(UserWarning):
    """A personal-model file was unusable, moved aside, and learning starts afresh."""


def default_path() -> Path:
    """The platform's per-user data directory (the CLI and demo's default; apps choose their own)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("kbpredict", appauthor=False)) / FILE_NAME


@dataclass(frozen=True)
class LearnedWord:
    """One learned word as the user can see it."""

    word: str
    count: float  # uses, decayed by the forgetting curve
    uses: int  # uses ever (what min_uses counts)
    last_used: float  # Unix time
    confirmed: bool  # accepted from the suggestion bar at least once
    suggestable: bool  # offered in the bar (in the vocabulary, used min_uses times, or confirmed)


class PersonalModel:
    """One user's learned words and word pairs in a SQLite file; safe to share between threads.

    ``PersonalModel(path)`` creates the file (mode 0600) if it does not exist. A file that is
    corrupt, truncated, not ours or of another schema version is moved aside as
    ``<name>.unusable-<time>`` (never deleted) with a :class:`PersonalModelWarning`, and learning
    starts afresh; :attr:`moved_aside` says where it went.
    """

    min_uses = 2  # uses before a word outside the vocabulary is suggested (unless accepted)
    half_life_days = 90.0  # the forgetting curve: a count halves after this long without use
    max_words = 20_000  # bounded size: past these the weakest entries (rare and old) go first
    max_pairs = 50_000
    history_words = 100  # the last words of finished texts, in memory only (recent_words); 100 > 300 > 0 on valid
    # The tail of the last finished texts that a new session's LSTM reads first (carried_text),
    # in memory only. Measured on the conversational validation text, chat sources: +0.9 to +2.5
    # KSR points at 384 characters; 200 is a little worse, 700 no better and costs twice the calls.
    context_chars = 384

    def __init__(self, path: str | os.PathLike, *, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.RLock()
        self.moved_aside: Path | None = None
        self._generation = 0  # bumped whenever the learned data may have changed
        self._data_version: int | None = None
        self._snapshot: _Snapshot | None = None
        self._indexes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # vocabulary -> index
        self._history: collections.deque[str] = collections.deque(maxlen=self.history_words)
        self._carried = ""  # the tail of the last finished texts (carried_text)
        self._starts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> (text, start)
        self._db = self._open()

    # -- the file -----------------------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        if self.path.is_dir():
            raise PersonalModelError(f"{self.path} is a directory; give the personal model a file path")
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise PersonalModelError(f"cannot create {self.path.parent}: {exc.strerror or exc}") from None
        if self.path.exists():
            if not os.access(self.path, os.R_OK | os.W_OK):  # not damage: never move it aside for this
                raise PersonalModelError(f"cannot read and write {self.path}: permission denied")
            problem = self._check_existing()
            if problem is not None:
                self._move_aside(problem)
        if not self.path.exists():
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
                os.close(fd)
            except FileExistsError:
                pass  # another process created it just now; whichever writes the schema first wins
            except OSError as exc:
                raise PersonalModelError(f"cannot create {self.path}: {exc.strerror or exc}") from None
        db = self._connect()
        with self._transaction(db):
            if db.execute("PRAGMA user_version").fetchone()[0] == 0:  # (executescript would commit)
                for statement in filter(None, (s.strip() for s in _SCHEMA.split(";"))):
                    db.execute(statement)
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return db

    def _connect(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode = DELETE")  # no -wal file left beside it
            db.execute("PRAGMA synchronous = FULL")  # a committed save survives a power cut
            db.execute("PRAGMA secure_delete = ON")  # a forgotten word is overwritten, not just unlinked
            db.execute("PRAGMA temp_store = MEMORY")  # no temporary files (with typed text) elsewhere
        except sqlite3.Error as exc:
            raise PersonalModelError(f"cannot open {self.path}: {exc}") from None
        db.create_function("decayed", 3, self._decayed, deterministic=True)
        return db

    def _check_existing(self) -> str | None:
        """Why the existing file cannot be used, or None if it is a sound personal model."""
        try:
            # Read-write: after a crash mid-save SQLite rolls the hot journal back on open, which
            # a read-only connection cannot do (it would look damaged when it is only interrupted).
            db = sqlite3.connect(self.path, timeout=10.0)
            try:
                app = db.execute("PRAGMA application_id").fetchone()[0]
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if app == 0 and version == 0 and not db.execute("SELECT 1 FROM sqlite_master").fetchone():
                    return None  # an empty file (created, then the process died): initialize it
                if app != APPLICATION_ID:
                    return "it is not a kbpredict personal model"
                if version != SCHEMA_VERSION:
                    return f"its format version is {version}, this kbpredict reads version {SCHEMA_VERSION}"
                check = db.execute("PRAGMA quick_check").fetchone()[0]
                if check != "ok":
                    return f"it is damaged ({check})"
            finally:
                db.close()
        except sqlite3.DatabaseError as exc:
            if not _is_damage(exc):  # locked by a long save elsewhere, I/O error...: leave it be
                raise PersonalModelError(f"cannot open {self.path}: {exc}") from None
            return f"it is damaged or not a database ({exc})"
        return None

    def _move_aside(self, problem: str) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(self._clock()))
        target = self.path.with_name(f"{self.path.name}.unusable-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.unusable-{stamp}-{n}")
        try:
            os.replace(self.path, target)
            journal = self.path.with_name(self.path.name + "-journal")
            if journal.exists():
                os.replace(journal, target.with_name(target.name + "-journal"))
        except OSError as exc:
            raise PersonalModelError(f"{self.path} cannot be used ({problem}) and cannot be moved aside: "
                                     f"{exc.strerror or exc}") from None
        self.moved_aside = target
        warnings.warn(PersonalModelWarning(f"{self.path}: {problem}; kept it as {target} and started a new "
                                           "personal model"), stacklevel=3)

    class _Tx:
        def __init__(self, db: sqlite3.Connection):
            self.db = db

        def __enter__(self):
            self.db.execute("BEGIN IMMEDIATE")  # the write lock now: no lost update between processes
            return self.db

        def __exit__(self, kind, exc, tb):
            self.db.execute("COMMIT" if kind is None else "ROLLBACK")
            return False

    def _transaction(self, db: sqlite3.Connection | None = None) -> "_Tx":
        return PersonalModel._Tx(db or self._db)

    def _write(self, action: Callable[[sqlite3.Connection], object],
               update: Callable[["_Snapshot"], None] | None = None) -> None:
        """Run ``action`` in one transaction. ``update`` applies the same change to the data in
        memory (cheaper than reloading it all after each sent message); it is skipped, and the
        data reloaded, when ``action`` returns True (it pruned entries)."""
        with self._lock:
            try:
                with self._transaction() as db:
                    pruned = action(db)
            except sqlite3.Error as exc:
                raise PersonalModelError(f"cannot save to {self.path}: {exc}") from None
            if update is not None and self._snapshot is not None and pruned is not True:
                update(self._snapshot)
                self._generation += 1
            else:
                self._changed()

    def _changed(self) -> None:
        self._generation += 1
        self._snapshot = None

    def close(self) -> None:
        """Close the file (later calls reopen nothing: make a new PersonalModel)."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> "PersonalModel":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the forgetting curve -------------------------------------------------------------------
    def _decayed(self, count: float, last_used: float, now: float) -> float:
        age = max(0.0, now - last_used)
        return count * 0.5 ** (age / (self.half_life_days * 86400.0))

    # -- learning -------------------------------------------------------------------------------
    def learn_text(self, text: str, accepted: Iterable[str] = ()) -> int:
        """Learn a finished text (a sent message, a document): its words and word pairs.

        ``accepted``: words the user picked from the suggestion bar in it; those are suggestable
        at once. Returns the number of words learned.
        """
        if not isinstance(text, str):
            raise InvalidArgumentError(f"text must be a string, not {type(text).__name__}")
        tokens = learnable_tokens(text)
        learned = self._learn_tokens(tokens, set(accepted))
        if learned:
            blocked = self._loaded().blocked
            with self._lock:
                # a text with a blocked word in it is not carried on (nor anything before it)
                if any(t.lower() in blocked for t in tokens if t is not None and is_suggestable(t)):
                    self._carried = ""
                    self._starts.clear()
                else:
                    self._carried = _tail(self._carried + text.strip() + "\n", self.context_chars)
        return learned

    def learn_texts(self, texts: Iterable[str]) -> int:
        """Learn many finished texts (one message each) in one save; returns the words learned."""
        return self._learn([learnable_tokens(t) for t in texts], set())

    def learn_tokens(self, tokens: list[str], accepted: Iterable[str] = ()) -> int:
        """Learn a token sequence (as :func:`kbpredict.text.tokenize` splits text), and remember
        its words as the latest (:meth:`recent_words`)."""
        return self._learn_tokens(list(tokens), set(accepted))

    def _learn_tokens(self, tokens: "list[str | None]", accepted: set[str]) -> int:
        learned = self._learn([tokens], accepted)
        if learned:
            blocked = self._loaded().blocked
            with self._lock:
                self._history.extend(t for t in tokens if t is not None and is_suggestable(t)
                                     and t.lower() not in blocked)
        return learned

    def recent_words(self) -> list[str]:
        """The words of the texts this process learned last (at most ``history_words``), oldest
        first. Sessions mix them into their text cache, so a chat's last messages inform the
        next one. Held in memory only, never written: they are the user's own sentences."""
        with self._lock:
            return list(self._history)

    def carried_text(self) -> str:
        """The tail (at most ``context_chars``, from a token boundary) of the texts this process
        learned last with :meth:`learn_text`, each ending in a line break. A new session's LSTM
        reads it before the new text, so a chat's next message starts in the conversation's
        context. Held in memory only, never written; forgetting or blocking a word in it, and
        :meth:`clear`, drop it."""
        with self._lock:
            return self._carried

    def carried_start(self, predictor: "Predictor") -> "tuple[State, np.ndarray]":
        """The LSTM state (and next-token log-probs) of ``predictor`` after :meth:`carried_text`:
        where a new session starts. Kept for the last text per model, so opening sessions costs
        the calls once per finished text (~5 for 384 characters, 2-3 ms)."""
        with self._lock:
            text = self._carried
            held = self._starts.get(predictor.model)
            if held is None or held[0] != text:
                held = (text, carried_start(predictor, text))
                self._starts[predictor.model] = held
            return held[1]

    def _learn(self, texts: "list[list[str | None]]", accepted: set[str]) -> int:
        with self._lock:
            blocked = {w for (w,) in self._db.execute("SELECT word FROM blocked")}
        words: dict[str, list] = {}
        pairs: dict[tuple[str, str], int] = {}
        for tokens in texts:
            previous: str | None = ""  # the start of the text
            for token in tokens:
                if token is None:  # an address left out: no context for the word after it
                    previous = None
                    continue
                learnable = is_suggestable(token) and token.lower() not in blocked and not _number_like(token)
                if learnable:
                    entry = words.setdefault(token, [0, False])
                    entry[0] += 1
                    entry[1] = entry[1] or token in accepted
                    if previous is not None:
                        pairs[previous, token] = pairs.get((previous, token), 0) + 1
                # a blocked word or a number is no context either; a line break starts afresh like
                # the text start
                previous = "" if token == END_OF_LINE else (
                    token if learnable or not is_suggestable(token) else None)
        if not words:
            return 0
        now = self._clock()

        def save(db: sqlite3.Connection) -> None:
            db.executemany(
                "INSERT INTO words (word, count, last_used, uses, confirmed) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (word) DO UPDATE SET count = decayed(count, last_used, excluded.last_used) "
                "+ excluded.count, last_used = excluded.last_used, uses = uses + excluded.uses, "
                "confirmed = confirmed OR excluded.confirmed",
                [(w, n, now, n, int(c)) for w, (n, c) in words.items()])
            db.executemany(
                "INSERT INTO pairs (previous, word, count, last_used) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (previous, word) DO UPDATE SET count = decayed(count, last_used, excluded.last_used) "
                "+ excluded.count, last_used = excluded.last_used",
                [(p, w, n, now) for (p, w), n in pairs.items()])
            return self._prune(db, now)

        def update(snapshot: _Snapshot) -> None:
            for word, (n, confirmed) in words.items():
                count, uses, was_confirmed = snapshot.words.get(word, (0.0, 0, False))
                snapshot.words[word] = (count + n, uses + n, was_confirmed or confirmed)
            for (previous, word), n in pairs.items():
                followers = snapshot.pairs.setdefault(previous, {})
                followers[word] = followers.get(word, 0.0) + n

        self._write(save, update)
        return sum(n for n, _ in words.values())

    def _prune(self, db: sqlite3.Connection, now: float) -> bool:
        """Keep the sizes bounded: the entries with the lowest decayed counts (rare, old) go first.
        True if any went."""
        pruned = False
        for table, limit, key in (("words", self.max_words, "word"), ("pairs", self.max_pairs, "previous, word")):
            excess = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] - limit
            if excess > 0:
                db.execute(f"DELETE FROM {table} WHERE ({key}) IN (SELECT {key} FROM {table} "
                           f"ORDER BY decayed(count, last_used, ?) ASC LIMIT ?)", (now, excess))
                pruned = True
        return pruned

    # -- the user's controls ----------------------------------------------------------------------
    def words(self, vocabulary: "CandidateIndex | None" = None) -> list[LearnedWord]:
        """Every learned word, most used first (with ``vocabulary``, whether each is suggestable)."""
        now = self._clock()
        with self._lock:
            rows = self._db.execute("SELECT word, decayed(count, last_used, ?), uses, last_used, confirmed "
                                    "FROM words", (now,)).fetchall()
        result = []
        for word, count, uses, last_used, confirmed in rows:
            known = vocabulary is not None and _known(vocabulary, word)
            result.append(LearnedWord(word, round(count, 3), uses, last_used, bool(confirmed),
                                      self._suggestable(uses, bool(confirmed), known)))
        result.sort(key=lambda w: (-w.count, w.word))
        return result

    def forget(self, word: str) -> bool:
        """Forget a word and every pair it is in (any capitalization). True if it was learned."""
        word = _check_word(word)
        found = []

        with self._lock:
            kept = [w for w in self._history if w.lower() != word.lower()]
            self._history.clear()
            self._history.extend(kept)
            if any(t.lower() == word.lower() for t in tokenize(self._carried)):
                self._carried = ""
                self._starts.clear()

        def delete(db: sqlite3.Connection) -> None:
            found.append(db.execute("DELETE FROM words WHERE lower(word) = lower(?)", (word,)).rowcount)
            db.execute("DELETE FROM pairs WHERE lower(word) = lower(?) OR lower(previous) = lower(?)", (word, word))

        self._write(delete)
        return bool(found[0])

    def block(self, word: str) -> None:
        """Never suggest ``word`` (from any source, any capitalization) and never learn it; forgets it."""
        word = _check_word(word)
        self.forget(word)
        self._write(lambda db: db.execute("INSERT OR IGNORE INTO blocked (word) VALUES (?)", (word.lower(),)))

    def unblock(self, word: str) -> bool:
        """Allow a blocked word again. True if it was blocked."""
        found = []
        self._write(lambda db: found.append(
            db.execute("DELETE FROM blocked WHERE word = ?", (_check_word(word, several=True).lower(),)).rowcount))
        return bool(found[0])

    def blocked_words(self) -> set[str]:
        """The blocked words, lower-cased."""
        return set(self._loaded().blocked)

    def clear(self) -> None:
        """Forget everything learned (blocked words stay blocked)."""
        with self._lock:
            self._history.clear()
            self._carried = ""
            self._starts.clear()
        self._write(lambda db: (db.execute("DELETE FROM words"), db.execute("DELETE FROM pairs")))
        with self._lock:
            self._db.execute("VACUUM")  # and rewrite the file, so nothing of it stays on disk

    # -- suggestions ------------------------------------------------------------------------------
    def _suggestable(self, uses: int, confirmed: bool, known: bool) -> bool:
        # A word the model knows needs one use; a new word min_uses (a typo is rarely made twice).
        return known or confirmed or uses >= self.min_uses

    def _loaded(self) -> "_Snapshot":
        """The learned data in memory, reloaded when this or another process changed the file."""
        with self._lock:
            try:
                version = self._db.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.Error as exc:
                raise PersonalModelError(f"cannot read {self.path}: {exc}") from None
            if version != self._data_version:
                self._data_version = version
                self._changed()
            if self._snapshot is None:
                now = self._clock()
                db = self._db
                words = {w: (c, u, bool(k)) for w, c, u, k in db.execute(
                    "SELECT word, decayed(count, last_used, ?), uses, confirmed FROM words", (now,))}
                pairs: dict[str, dict[str, float]] = {}
                for previous, word, count in db.execute(
                        "SELECT previous, word, decayed(count, last_used, ?) FROM pairs", (now,)):
                    pairs.setdefault(previous, {})[word] = count
                blocked = frozenset(w for (w,) in db.execute("SELECT word FROM blocked"))
                self._snapshot = _Snapshot(words, pairs, blocked)
            return self._snapshot

    def index(self, vocabulary: "CandidateIndex") -> "PersonalIndex":
        """The suggestable learned words, arranged for prefix lookups against ``vocabulary``."""
        with self._lock:
            snapshot = self._loaded()
            cached = self._indexes.get(vocabulary)
            if cached is not None and cached[0] == self._generation:
                return cached[1]
            built = PersonalIndex(self, snapshot, vocabulary)
            self._indexes[vocabulary] = (self._generation, built)
            return built


# A token with this many digits is not learned: PINs, one-time codes, phone and card numbers,
# amounts ("4829", "415-555-0199", "$1,250"). Times and ordinals stay ("5pm", "10am", "21st").
NUMBER_DIGITS = 3


def _number_like(token: str) -> bool:
    return sum(ch.isdigit() for ch in token) >= NUMBER_DIGITS


def _known(vocabulary: "CandidateIndex", word: str) -> bool:
    """True if the model knows the learned word as it is offered ("Meeting" as meeting)."""
    return _a_word_of(vocabulary, vocabulary.inside_sentence(word))


def _a_word_of(vocabulary: "CandidateIndex", spelled: str) -> bool:
    """True if ``spelled`` is a word of the model, and no common misspelling the model learned as
    one ("alot", "definately"): learned, such a word needs as many uses as a new word (a typo is
    rarely made twice), or to be taken back from autocorrect."""
    return not vocabulary.entry(spelled)[2] and misspelling_key(spelled) not in vocabulary.misspelled


def learnable_tokens(text: str) -> "list[str | None]":
    """The tokens of ``text`` that are learned, with None where a web or e-mail address was
    left out."""
    parts = ADDRESS_RE.split(text)
    tokens: list[str | None] = quoted_words(tokenize(parts[0]))
    for part in parts[1:]:
        tokens.append(None)
        tokens.extend(quoted_words(tokenize(part)))
    return tokens


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    """True for a file that is not a database or is corrupt (never for busy, locked or I/O errors)."""
    name = getattr(exc, "sqlite_errorname", None)  # Python 3.11+
    if name is not None:
        return name in ("SQLITE_NOTADB", "SQLITE_CORRUPT")
    text = str(exc)
    return "not a database" in text or "malformed" in text


def _tail(text: str, chars: int) -> str:
    """The last ``chars`` characters of ``text`` or fewer, starting at a token boundary."""
    if len(text) <= chars:
        return text
    return text[token_boundary_at_or_after(text, len(text) - chars):]


def word_problem(word, several: bool = False) -> str | None:
    """Why ``word`` cannot be forgotten or blocked, or None: a blank, or several words ("a b" was
    blocked as one, which no typed word ever is; ``several`` allows them, to unblock one that an
    older version kept)."""
    if not isinstance(word, str) or not word.strip():
        return f"a word must be a non-empty string, not {word!r}"
    if not several and any(ch.isspace() for ch in word.strip()):
        return f"{word.strip()!r} is more than one word: give one word at a time"
    return None


def _check_word(word: str, several: bool = False) -> str:
    problem = word_problem(word, several)
    if problem is not None:
        raise InvalidArgumentError(problem)
    return word.strip()


@dataclass(frozen=True)
class _Snapshot:
    words: dict[str, tuple[float, int, bool]]  # word -> (decayed count, uses, confirmed)
    pairs: dict[str, dict[str, float]]  # previous token -> {word: decayed count}
    blocked: frozenset[str]


class PersonalIndex:
    """The suggestable learned words sorted for prefix lookups, with their share of all uses.

    Built once per change of the personal model (not per keystroke). A keystroke costs two
    bisections and a partial sort of the matching slice; a word commit one dictionary lookup
    of the previous word's (at most ``max_followers``) learned followers.
    """

    # Tuned with bench/personal.py on the conversational *validation* text, with the carried
    # context on (PersonalModel.carried_text): the LSTM then already knows the conversation, and
    # the earlier weights (0.08, and 0.4 of pairs by their number) cost up to 1.1 KSR points on
    # chat. Now pairs weigh by how often the previous word's followers *repeat*: a habit ("went
    # to Quelmorth" three times) is offered, one-off pairs of varied chat barely move the model.
    # Measured again with the GPU-trained model (session 18), KSR@3 on the validation text's chat
    # sources (casino / goemotions / persona / topicalchat / selfdialogue): 0.03 and 0.4 gave
    # 61.13 / 49.94 / 68.69 / 58.66 / 57.38%; no mixing at all (0 and 0; learned words still
    # suggested, at the model's own probability) 61.28 / 49.70 / 69.08 / 58.89 / 57.70%; 0.02 and
    # 0.1 61.32 / 50.00 / 69.05 / 58.87 / 57.67%; 0.02 and 0.2 61.30 / 50.01 / 68.91 / 58.82 /
    # 57.60%. 0.01 with 0.2 or 0.3, 0 with 0.4 and 0.01-0.03 with 0 lie between; sharing the pair
    # part only among repeated followers (absolute discounting by one use) is worse. 0.2, not 0.1:
    # the pair part is also the ceiling of a habit ("went to Quelmorth" every day), and at 0.1 a
    # habit never reaches the bar where the model spreads its probability over words of 0.1 and
    # more. The sharper model leaves the counts less to add, and more to spoil.
    weight = 0.02  # of the unigram part, reached as the learned uses grow (prior_uses)
    pair_weight = 0.2  # of the pair part, times the share of the previous word's uses that repeat a follower
    prior_uses = 200
    prior_pairs = 1
    max_followers = 32  # the previous word's most frequent followers are the ones worth offering

    def __init__(self, model: PersonalModel, snapshot: _Snapshot, vocabulary: "CandidateIndex"):
        self.blocked = snapshot.blocked
        # A learned word with a sentence's capital is offered as it is spelled inside one: the
        # store holds words as typed, and "Meeting" began a message ("John" stays).
        counts_of: dict[str, float] = {}
        spelled_as: dict[str, str] = {}
        for word, (count, uses, confirmed) in snapshot.words.items():
            spelled = vocabulary.inside_sentence(word)
            if count > 0 and model._suggestable(uses, confirmed, _a_word_of(vocabulary, spelled)):
                spelled_as[word] = spelled
                counts_of[spelled] = counts_of.get(spelled, 0.0) + count
        kept = []
        for word, count in counts_of.items():
            index_id, list_share, oov = vocabulary.entry(word)
            kept.append((fold(word), word, index_id, list_share if oov else 1.0, count))
        kept.sort()
        self.keys = [k for k, _, _, _, _ in kept]
        self.surfaces = [s for _, s, _, _, _ in kept]
        self.ids = np.fromiter((i for _, _, i, _, _ in kept), dtype=np.int64, count=len(kept))
        self.given_unknown = np.fromiter((g for _, _, _, g, _ in kept), dtype=np.float64, count=len(kept))
        counts = np.fromiter((c for _, _, _, _, c in kept), dtype=np.float64, count=len(kept))
        total = float(counts.sum())
        self.shares = counts / total if total else counts
        self.unigram_weight = self.weight * total / (total + self.prior_uses) if total else 0.0
        self._position = {s: j for j, s in enumerate(self.surfaces)}
        for word, spelled in spelled_as.items():  # its pairs count for the word as offered
            self._position[word] = self._position[spelled]
        self._pairs = snapshot.pairs
        self._views: dict[str, PersonalView] = {}
        self._by_share = np.argsort(-self.shares, kind="stable")[:64]  # for next-word queries (no prefix)

    def __len__(self) -> int:
        return len(self.keys)

    def view(self, previous: str) -> "PersonalView":
        """What the personal model says after the token ``previous`` ("" at the start of a text)."""
        found = self._views.get(previous)
        if found is None:
            position = self._position
            learned = [(c, position[w]) for w, c in (self._pairs.get(previous) or {}).items() if w in position]
            uses = sum(c for c, _ in learned)
            repeats = max(0.0, uses - len(learned))  # the uses beyond each follower's first
            followers = sorted(learned, reverse=True)[: self.max_followers]
            if len(self._views) > 4096:
                self._views.clear()  # bounded memory over a long session
            found = self._views[previous] = PersonalView(self, followers, repeats / (uses + self.prior_pairs))
        return found

    def span(self, prefix: str) -> tuple[int, int]:
        return prefix_span(self.keys, prefix)

    def contains(self, word: str) -> bool:
        """True if ``word`` (any case) is a learned word that is suggested."""
        return contains(self.keys, self.surfaces, word)

    def knows(self, word: str) -> bool:
        """True if ``word`` is a learned word that is suggested."""
        return word in self._position

    def spelled(self, word: str) -> str:
        """How a learned word that is suggested is offered ("Meeting" -> "meeting", see
        :meth:`kbpredict.candidates.CandidateIndex.inside_sentence`)."""
        return self.surfaces[self._position[word]]

    def allows(self, word: str) -> bool:
        """False for a blocked word."""
        return word.lower() not in self.blocked if self.blocked else True


class PersonalView:
    """The personal model at one cursor position: mixed into the session's suggestions.

    ``p = (1 - c - d) * p_session + c * share + d * pair_share``: ``share`` is the word's share
    of all learned uses, ``pair_share`` its share of the words that followed the previous token;
    ``c`` grows with the evidence (``weight * n / (n + prior)``) and ``d`` with the repeats among
    the previous token's followers (``pair_weight * (m - distinct) / (m + prior)``), so a new user's first
    words do not outweigh the model.
    """

    def __init__(self, index: PersonalIndex, followers: list[tuple[float, int]], repeated: float):
        """``followers``: (count, position) of the previous token's learned followers;
        ``repeated``: the share of its uses that repeated a follower seen before it."""
        self.index = index
        total = sum(c for c, _ in followers)
        self._follower_positions = np.fromiter((j for _, j in followers), dtype=np.int64, count=len(followers))
        self._follower_shares = np.fromiter((c / total for c, _ in followers), dtype=np.float64, count=len(followers))
        self.pair_weight = index.pair_weight * repeated if total else 0.0
        self.keep = 1.0 - index.unigram_weight - self.pair_weight

    def mix(self, pool: dict[str, float], log_probs: np.ndarray, prefix: str, want: int, model_weight: float) -> None:
        """Mix into ``pool`` (surface -> probability from the model and the text cache)."""
        index = self.index
        if not len(index):
            return
        keep = self.keep
        for surface in pool:
            pool[surface] *= keep
        # candidates: the learned words with the largest shares among those matching the prefix,
        # and the previous word's learned followers that match it
        lo, hi = index.span(prefix)
        if not prefix:
            unigram = index._by_share[:want]
        elif hi - lo > want:
            part = lo + np.argpartition(-index.shares[lo:hi], want - 1)[:want]
            unigram = part
        else:
            unigram = np.arange(lo, hi)
        followers = self._follower_positions
        shares = self._follower_shares
        if prefix and len(followers):
            match = (followers >= lo) & (followers < hi)
            followers, shares = followers[match], shares[match]
        positions = np.unique(np.concatenate([unigram, followers]))
        if not len(positions):
            return
        pair = np.zeros(len(positions))
        if len(followers):
            pair[np.searchsorted(positions, followers)] = shares
        mixed = (index.unigram_weight * index.shares[positions] + self.pair_weight * pair)
        alone = keep * model_weight * np.exp(log_probs[index.ids[positions]].astype(np.float64)) \
            * index.given_unknown[positions]
        surfaces = index.surfaces
        for j, extra, base in zip(positions.tolist(), mixed.tolist(), alone.tolist()):
            surface = surfaces[j]
            pool[surface] = pool.get(surface, base) + extra

    def allows(self, word: str) -> bool:
        return self.index.allows(word)
