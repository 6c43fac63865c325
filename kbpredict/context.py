"""What the LSTM sees of a text, and how its state there is computed with bounded work.

A keyboard session must answer every edit within a frame, whatever the text: a 10 MB paste, a
backspace run through 100 KB, a cursor jump to the middle of a long email. Two things make the
work per edit bounded and the result a function of the text alone:

**Anchored context.** The text is cut into blocks of ``anchor_chars`` characters. A *chain* is
the LSTM run from the model's start state over the tokens from a block's first token boundary
on. The state at the end of the committed text is that of the chain anchored in the cursor's
block once it holds ``switch_tokens`` tokens, and of the chain anchored one block earlier until
then: so the model always sees at least ``switch_tokens`` tokens of context (all of a short
text) and at most about a block and ``switch_tokens`` more, and the anchors are positions of
the text itself, never of how it was typed. The next chain's checkpoints are computed a few
calls per edit ahead of its takeover, which lands on a checkpoint: crossing over costs one call.

**Fixed feeding.** int8 dynamic quantization scales activations per call, so the same tokens
fed in different calls give slightly different numbers. Each chain is therefore fed in a fixed
pattern: groups of ``group_tokens`` tokens, each group one call from the state after the group
before (a *checkpoint*), and the tokens after the last full group one call per token, as typing
feeds them. The state anywhere is a few calls from a checkpoint, and a checkpoint is at most a
block and ``switch_tokens`` tokens of group calls from its anchor: so typing, backspace, a
jump, an accept or a paste costs a bounded number of calls, and the same text gets
bit-identical suggestions however it arrived.

:class:`TokenWindow` holds the tokens of the committed text's tail (only what the context and
the text cache need, so a paste costs its tail, not its length); :class:`AnchoredStates` holds
the checkpoints and the states between them (bounded, the least recently used go first).
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from typing import TYPE_CHECKING, Callable

import numpy as np

from .casing import OPENING_MARKS
from .text import is_suggestable, quoted_words, token_boundary_at_or_after, token_spans

if TYPE_CHECKING:
    from .lm import State
    from .predictor import Predictor


_OPENING = " \t" + OPENING_MARKS  # what may stand between a sentence end and its first word


def _begins_sentence(text: str, start: int) -> bool:
    """True if the token at ``start`` begins a sentence: the start of the text, or after a line
    break or ``. ? !`` (with spaces and opening quotes between). A function of the text (at most
    64 characters before the token), however the window was filled; an abbreviation counts as a
    sentence end ("Mr. Smith"), which a name's own capital survives."""
    j = start - 1
    while j >= 0 and start - j <= 64 and text[j] in _OPENING:
        j -= 1
    return j < 0 or text[j] in ".?!\n"


class TokenWindow:
    """The tokens of the committed text's tail: ids, start and end offsets (in the whole text),
    spellings, and each one's word if it is suggestable -- a sentence's first word as it is
    spelled inside one (``inside_sentence``: "Meeting" -> "meeting", see
    :func:`kbpredict.casing.inside_sentence`), for the caches that offer the text's words again."""

    # Tokenizing more than this many characters past what must be covered: start afresh there.
    slack_chars = 8192
    # Drop tokens before the needed region once this many have piled up (amortized trimming).
    trim_tokens = 4096
    # When the context reaches back past the held tokens, tokenize this much further back too.
    reach_back_chars = 1024

    def __init__(self, vocab, inside_sentence: "Callable[[str], str] | None" = None):
        self._vocab = vocab
        self._inside_sentence = inside_sentence
        self.origin = 0  # where the held tokens start (a token boundary)
        self.covered_from = 0  # every token of the text starting here or later is held
        self.ids: list[int] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.spellings: list[str] = []
        self.words: list[str | None] = []

    def __len__(self) -> int:
        return len(self.ids)

    def update(self, committed: str, cut: int, need_from: int) -> None:
        """``committed`` is the new committed text, unchanged before offset ``cut``; afterwards
        the window holds every token of it that starts at or after ``need_from``."""
        end = len(committed)
        keep = bisect.bisect_left(self.ends, min(cut, end))  # tokens ending before the change
        resume = self.ends[keep - 1] if keep else self.origin
        if keep == 0 or resume < need_from - self.slack_chars:
            # Nothing reusable, or what is reusable lies far behind (a huge paste): start afresh
            # at the token boundary the context needs.
            keep, self.covered_from = 0, need_from
            resume = self.origin = token_boundary_at_or_after(committed, need_from)
        elif need_from < self.covered_from:
            # The context reaches further back (backspacing, a jump back): add the tokens before
            # the held ones, with room for the next backspaces.
            self.covered_from = max(0, need_from - self.reach_back_chars)
            start = token_boundary_at_or_after(committed, self.covered_from)
            before = token_spans(committed, start, self.origin) if start < self.origin else []
            self._insert_front(before, committed)
            self.origin = start
            keep += len(before)
        spans = token_spans(committed, resume) if resume < end else []
        self._replace(keep, spans, committed)
        first = bisect.bisect_left(self.starts, need_from)
        if first > self.trim_tokens:  # tokens the context no longer needs: drop them now and then
            for held in self._lists():
                del held[:first]
            self.covered_from = need_from
            self.origin = self.starts[0] if self.starts else end

    def _lists(self) -> tuple[list, ...]:
        return self.ids, self.starts, self.ends, self.spellings, self.words

    def _columns(self, spans: list[tuple[str, int, int]], committed: str, before: str = "") -> tuple[list, ...]:
        """The held lists' entries for tokens ``spans`` (``before``: the token before them)."""
        ids = self._vocab.encode([t for t, _, _ in spans]) if spans else []
        words = [w if is_suggestable(w) else None for w in quoted_words([t for t, _, _ in spans], before)]
        if self._inside_sentence is not None:
            for j, (t, start, _) in enumerate(spans):
                if words[j] is not None and words[j][:1].isupper() and _begins_sentence(committed, start):
                    words[j] = self._inside_sentence(words[j])
        return ids, [s for _, s, _ in spans], [e for _, _, e in spans], [t for t, _, _ in spans], words

    def _replace(self, keep: int, spans: list[tuple[str, int, int]], committed: str) -> None:
        before = self.spellings[keep - 1] if 0 < keep <= len(self.spellings) else ""
        for held, tail in zip(self._lists(), self._columns(spans, committed, before)):
            del held[keep:]
            held.extend(tail)

    def _insert_front(self, spans: list[tuple[str, int, int]], committed: str) -> None:
        n = len(spans)
        for held, head in zip(self._lists(), self._columns(spans, committed)):
            held[:0] = head
        if n and n < len(self.spellings) and self.spellings[n - 1] == "\u2018":
            # the first token held before is a word right after an opening mark
            self.words[n] = self._columns([(self.spellings[n], self.starts[n], self.ends[n])], committed,
                                          "\u2018")[4][0]

    def first_at_or_after(self, offset: int) -> int:
        """Index of the first held token starting at or after ``offset``."""
        return bisect.bisect_left(self.starts, offset)


class AnchoredStates:
    """LSTM states over anchored chains: group calls between checkpoints, one call per token
    after the last one; bounded caches of both."""

    anchor_chars = 384
    group_tokens = 16
    max_checkpoints = 2048  # 4 KB each for the shipped model: 8 MB at most
    step_states = 96  # states between checkpoints (the last positions typed or visited)
    # Results at the last committed lengths, so backspacing to a word just left costs no call
    # (each holds a next-token distribution: 100 KB for the shipped model).
    recent_results = 24
    # The chain anchored in the cursor's block takes over once it holds this many tokens (a
    # whole number of groups: the switch lands on a checkpoint, one call away from the last).
    switch_tokens = 64
    # Group calls per edit spent on that chain's checkpoints before it takes over (typing adds a
    # group every 16 tokens; after a jump the rest follows over the next edits).
    prefetch_groups = 2
    # The model's probability of a line break from which the words after one are mixed in (see
    # _past_line_break; measured on the conversational validation text: 0.02 to 0.3 give the same
    # accuracy, 0.1 makes one call more on about a fifth of the word commits).
    line_break_mass = 0.1

    def __init__(self, predictor: "Predictor", start: "tuple[State, np.ndarray] | None" = None):
        """``start``: the state and log-probs before the text's first token (the model's start
        unless the session carries context in, see :func:`carried_start`); chains anchored
        later in a long text start from the model's start."""
        self._predictor = predictor
        self._start = predictor.start if start is None else start
        self._line_break = predictor.vocab.specials.end_of_line
        # (chain, group) -> (end offset of the group's last token, state after it)
        self._checkpoints: OrderedDict[tuple[int, int], tuple[int, "State"]] = OrderedDict()
        # (chain, token count) -> (end offset of the last token, state after it), between checkpoints
        self._steps: OrderedDict[tuple[int, int], tuple[int, "State"]] = OrderedDict()
        self._latest_end = -1  # the largest end offset held: nothing to drop for edits after it
        # committed length -> (state, log-probs) there
        self._results: OrderedDict[int, tuple["State", np.ndarray]] = OrderedDict()

    @classmethod
    def context_start(cls, committed_length: int) -> int:
        """Where the context of a committed text of this length starts at the earliest (the
        anchor of the chain before the cursor's block)."""
        return cls.anchor_chars * max(0, committed_length // cls.anchor_chars - 1)

    def invalidate(self, cut: int) -> None:
        """The text changed from offset ``cut`` on: drop what saw it."""
        for length in [length for length in self._results if length > cut]:
            del self._results[length]  # a result at length <= cut saw only unchanged text
        if cut > self._latest_end:
            return
        for held in (self._checkpoints, self._steps):
            for key in [key for key, (end, _) in held.items() if end >= cut]:
                del held[key]
        self._latest_end = max((end for held in (self._checkpoints, self._steps) for end, _ in held.values()),
                               default=-1)

    def at(self, window: TokenWindow, committed_length: int) -> tuple["State", np.ndarray]:
        """The state and next-token log-probs at the end of the committed text; and a few calls
        towards the next chain's switch-over checkpoint, so that typing on stays cheap."""
        latest = committed_length // self.anchor_chars
        first = self._first(window, latest)
        count = len(window) - first
        held = self._results.pop(committed_length, None)
        if latest > 0 and count < self.switch_tokens:
            if held is None:
                held = self._past_line_break(self._state(window, latest - 1, self._first(window, latest - 1)))
            self._checkpoint(window, latest, first, count // self.group_tokens, self.prefetch_groups)
        elif held is None:
            held = self._state(window, latest, first)
            if count:
                held = self._past_line_break(held)
        self._results[committed_length] = held  # the most recently used last
        while len(self._results) > self.recent_results:
            self._results.popitem(last=False)
        return held

    def _past_line_break(self, held: tuple["State", np.ndarray]) -> tuple["State", np.ndarray]:
        """The next-word distribution where the text may go on past a line break it will never hold.

        In the training text a line is a message, and a line break ends it. A text field goes on
        with a space where the model expects one ("see you tomorrow then." -> "No", "Yes"): there the
        next word may as well start the next message, so it gets that probability too,
        ``p(w) = p(w | text) + p(break | text) * p(w | text, break)`` -- one more call, only where
        the break has at least ``line_break_mass``. The state stays that of the text itself."""
        state, log_probs = held
        line_break = self._line_break
        p_break = float(np.exp(log_probs[line_break]))
        if p_break < self.line_break_mass:
            return held
        after, _ = self._predictor.model.feed([line_break], state)
        mixed = np.exp(log_probs)
        mixed += np.float32(p_break) * np.exp(after)
        with np.errstate(divide="ignore"):  # a word neither gives any probability: -inf
            return state, np.log(mixed, out=mixed)

    def _state(self, window: TokenWindow, chain: int, first: int) -> tuple["State", np.ndarray]:
        """State and log-probs after all held tokens of the chain starting at token ``first``:
        the checkpoint after the last full group, then one call per token (a position that
        ends a group is the group's call itself)."""
        count = len(window) - first
        if count == 0:
            return self._chain_start(chain)
        size = self.group_tokens
        feed = self._predictor.model.feed
        group, rest = divmod(count, size)
        if rest == 0:
            state = self._checkpoint(window, chain, first, group - 1)
            lo = first + count - size
            log_probs, state = feed(window.ids[lo: lo + size], state)
            self._store(self._checkpoints, (chain, group), window.ends[lo + size - 1], state, self.max_checkpoints)
            return state, log_probs
        done = count - 1
        while done > group * size and (chain, done) not in self._steps:
            done -= 1
        if done > group * size:
            self._steps.move_to_end((chain, done))
            state = self._steps[(chain, done)][1]
        else:
            state = self._checkpoint(window, chain, first, group)
        for position in range(done, count):
            log_probs, state = feed(window.ids[first + position: first + position + 1], state)
            self._store(self._steps, (chain, position + 1), window.ends[first + position], state, self.step_states)
        return state, log_probs

    def _chain_start(self, chain: int) -> tuple["State", np.ndarray]:
        """Where a chain starts: the text's own start for the first, the model's for later ones."""
        return self._start if chain == 0 else self._predictor.start

    def _first(self, window: TokenWindow, chain: int) -> int:
        return 0 if chain == 0 else window.first_at_or_after(chain * self.anchor_chars)

    def _checkpoint(self, window: TokenWindow, chain: int, first: int, group: int,
                    limit: int | None = None) -> "State":
        """The state after ``group`` full groups of the chain starting at token ``first`` (with a
        ``limit``, at most that many group calls towards it: the state returned is then partial)."""
        start_state = self._chain_start(chain)[0]
        held = group
        while held > 0 and (chain, held) not in self._checkpoints:
            held -= 1
        if held:
            self._checkpoints.move_to_end((chain, held))
            state = self._checkpoints[(chain, held)][1]
        else:
            state = start_state
        size = self.group_tokens
        feed = self._predictor.model.feed
        if limit is not None:
            group = min(group, held + limit)
        while held < group:
            lo = first + held * size
            _, state = feed(window.ids[lo: lo + size], state)
            held += 1
            self._store(self._checkpoints, (chain, held), window.ends[lo + size - 1], state, self.max_checkpoints)
        return state

    def _store(self, held: OrderedDict, key: tuple[int, int], end: int, state: "State", bound: int) -> None:
        held[key] = (end, state)
        self._latest_end = max(self._latest_end, end)
        while len(held) > bound:
            held.popitem(last=False)


def carried_start(predictor: "Predictor", text: str) -> tuple["State", np.ndarray]:
    """The state and next-token log-probs after ``text`` (the tail of the user's last finished
    texts, each ending in a line break), from the model's start: a new text then continues the
    last ones, as the training stream's lines continue each other. Fed in a fixed pattern (groups
    of ``AnchoredStates.group_tokens``, the last call taking the 1 to 16 tokens left: ~5 calls for
    384 characters), so the same text always gives the same state."""
    spans = token_spans(text)
    if not spans:
        return predictor.start
    ids = predictor.vocab.encode([t for t, _, _ in spans])
    feed, size = predictor.model.feed, AnchoredStates.group_tokens
    state = predictor.start[0]
    last = (len(ids) - 1) // size * size  # the last call takes the last 1 to `size` tokens
    for lo in range(0, last, size):
        _, state = feed(ids[lo: lo + size], state)
    log_probs, state = feed(ids[last:], state)
    return state, log_probs
