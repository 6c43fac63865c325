"""The measurement protocol of ``../shared/PROTOCOL.md``: keystroke savings and next-word accuracy.

A simulated user types the test stream token by token through an :class:`Engine`. Before each
character of a word (and right after the space) the engine is asked for k suggestions; if the
exact word is there, the user taps it (1 key, the space comes free), else types the next
character (1 key). ``KSR = 1 - keys_with / keys_without``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Protocol

from kbpredict.text import protocol_tokens

CONTEXT_CHARS = 2000  # the context handed to a stateless engine is at most this long


class Engine(Protocol):
    """What the simulator drives: a keyboard's view of a prediction engine."""

    name: str

    def type(self, chars: str) -> None: ...

    def backspace(self, n: int) -> None: ...

    def accept(self, word: str) -> None:
        """Replace the word being typed by ``word`` followed by a space."""

    def suggestions(self, k: int) -> list[str]: ...


# An engine may also say how long its last ``suggestions()`` call took by its own clock
# (``last_query_seconds``): Presage's driver times ``Presage::predict()`` in its process, without
# the pipe to the benchmark that an app embedding it would not have.


def is_word_char(char: str) -> bool:
    """PROTOCOL.md's word characters: letters/digits (``str.isalnum``), apostrophe, hyphen."""
    return char.isalnum() or char in "'-"


def split_token(token: str) -> tuple[str, str, str]:
    """(lead, word, rest): leading non-word characters, the maximal word run, the remainder."""
    start = 0
    while start < len(token) and not is_word_char(token[start]):
        start += 1
    end = start
    while end < len(token) and is_word_char(token[end]):
        end += 1
    return token[:start], token[start:end], token[end:]


def load_test_tokens(path: str, limit: int | None = None) -> list[str]:
    """The protocol's token stream: the normalized test text split on whitespace, first ``limit``.

    WikiText (recognized by its ``@-@`` markers and headings) gets PROTOCOL.md's WikiText rules;
    any other text (the conversational test) only the general normalization.
    """
    from train.data import detect_format

    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    tokens = protocol_tokens(text, wikitext=detect_format(text) == "wikitext")
    return tokens[:limit] if limit else tokens


@dataclass
class Counts:
    """Raw tallies; the rates are derived from them."""

    tokens: int = 0
    keys_without: int = 0
    keys_with: int = 0
    keys_with_ci: int = 0  # case-insensitive variant
    next_word: int = 0  # tokens with a non-empty word (next-word queries)
    next_top1: int = 0
    next_top3: int = 0
    next_top1_ci: int = 0
    next_top3_ci: int = 0
    completion1: int = 0  # words longer than 1 char (queries after 1 typed char)
    completion1_top1: int = 0
    completion1_top3: int = 0
    completion2: int = 0
    completion2_top1: int = 0
    completion2_top3: int = 0
    queries: int = 0
    # What the keyboard waits for at each query: the edit calls since the last query (a typed
    # letter; or the space, accepted word or punctuation that ended a word) plus ``suggestions()``.
    in_word_seconds: list[float] = field(default_factory=list)  # after a letter of the word
    commit_seconds: list[float] = field(default_factory=list)  # after the word before was committed


@dataclass
class AccuracyResult:
    """The reported figures of one engine on one test stream."""

    engine: str
    tokens: int
    k: int
    ksr: float
    ksr_case_insensitive: float
    next_word_top1: float
    next_word_top3: float
    next_word_top1_case_insensitive: float
    next_word_top3_case_insensitive: float
    completion_after_1_top1: float
    completion_after_1_top3: float
    completion_after_2_top1: float
    completion_after_2_top3: float
    keys_without: int
    keys_with: int
    queries: int
    seconds: float

    def to_dict(self) -> dict:
        return asdict(self)


def _rate(hits: int, total: int) -> float:
    return hits / total if total else 0.0


def simulate(engine: Engine, tokens: list[str], k: int = 3,
             progress: Callable[[int, int], None] | None = None, time_queries: bool = False) -> tuple[AccuracyResult, Counts]:
    """Type ``tokens`` through ``engine`` as PROTOCOL.md's user would; tally keys and hits."""
    counts = Counts()
    started = time.perf_counter()
    pending = 0.0  # seconds of edit calls since the last query
    clock = time.perf_counter if time_queries else (lambda: 0.0)

    def edit(call, *args) -> None:
        nonlocal pending
        t = clock()
        call(*args)
        pending += clock() - t

    def ask(in_word: bool) -> list[str]:
        nonlocal pending
        counts.queries += 1
        t = clock()
        result = engine.suggestions(k)
        if time_queries:
            wall = clock() - t
            own = getattr(engine, "last_query_seconds", None)
            (counts.in_word_seconds if in_word else counts.commit_seconds).append(
                pending + (own if own is not None else wall))
            pending = 0.0
        return result

    for index, token in enumerate(tokens):
        lead, word, rest = split_token(token)
        counts.tokens += 1
        counts.keys_without += len(token) + 1
        if lead:
            edit(engine.type, lead)
        cost = cost_ci = None  # keys for the word part once a suggestion is tapped
        lowered = word.lower()
        for typed in range(len(word)):
            need_metrics = typed <= 2
            if cost is not None and cost_ci is not None and not need_metrics:
                break
            shown = ask(typed > 0)
            hit = word in shown
            hit_ci = lowered in (s.lower() for s in shown)
            if cost is None and hit:
                cost = typed + 1
            if cost_ci is None and hit_ci:
                cost_ci = typed + 1
            if typed == 0:
                counts.next_word += 1
                counts.next_top1 += bool(shown) and shown[0] == word
                counts.next_top3 += hit
                counts.next_top1_ci += bool(shown) and shown[0].lower() == lowered
                counts.next_top3_ci += hit_ci
            elif typed == 1 and len(word) > 1:
                counts.completion1 += 1
                counts.completion1_top1 += bool(shown) and shown[0] == word
                counts.completion1_top3 += hit
            elif typed == 2 and len(word) > 2:
                counts.completion2 += 1
                counts.completion2_top1 += bool(shown) and shown[0] == word
                counts.completion2_top3 += hit
            edit(engine.type, word[typed])
        else:
            typed = len(word)
        if word and cost is not None:
            # The user tapped the suggestion: the engine sees the word accepted (with its space);
            # any trailing punctuation is typed next and the auto-space moves after it.
            edit(engine.accept, word)
            if rest:
                edit(engine.backspace, 1)
                edit(engine.type, rest + " ")
        else:
            if typed < len(word):
                edit(engine.type, word[typed:])
            edit(engine.type, rest + " ")
        full = len(word) + 1  # a word typed out in full costs its space too
        counts.keys_with += len(lead) + (cost if cost is not None else full) + len(rest)
        counts.keys_with_ci += len(lead) + (cost_ci if cost_ci is not None else full) + len(rest)
        if progress is not None:
            progress(index + 1, len(tokens))
    result = AccuracyResult(
        engine=engine.name, tokens=counts.tokens, k=k,
        ksr=1 - _rate(counts.keys_with, counts.keys_without),
        ksr_case_insensitive=1 - _rate(counts.keys_with_ci, counts.keys_without),
        next_word_top1=_rate(counts.next_top1, counts.next_word),
        next_word_top3=_rate(counts.next_top3, counts.next_word),
        next_word_top1_case_insensitive=_rate(counts.next_top1_ci, counts.next_word),
        next_word_top3_case_insensitive=_rate(counts.next_top3_ci, counts.next_word),
        completion_after_1_top1=_rate(counts.completion1_top1, counts.completion1),
        completion_after_1_top3=_rate(counts.completion1_top3, counts.completion1),
        completion_after_2_top1=_rate(counts.completion2_top1, counts.completion2),
        completion_after_2_top3=_rate(counts.completion2_top3, counts.completion2),
        keys_without=counts.keys_without, keys_with=counts.keys_with, queries=counts.queries,
        seconds=round(time.perf_counter() - started, 2),
    )
    return result, counts
