"""Engines the protocol simulator drives: kbpredict through its Session, and references for tests."""

from __future__ import annotations

from kbpredict import Predictor


class KbpredictEngine:
    """kbpredict exactly as a keyboard uses it: one incremental Session, keystroke by keystroke."""

    def __init__(self, predictor: Predictor, name: str = "kbpredict", adapt: bool = True, personal=None,
                 correct: bool = True):
        self.name = name
        self.predictor = predictor
        self.session = predictor.session(adapt=adapt, personal=personal, correct=correct)

    def type(self, chars: str) -> None:
        self.session.type(chars)

    def backspace(self, n: int) -> None:
        self.session.backspace(n)

    def accept(self, word: str) -> None:
        self.session.accept(word)

    def suggestions(self, k: int) -> list[str]:
        return [s.word for s in self.session.suggestions(k)]
