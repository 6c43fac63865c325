"""``kbpredict demo``: live autocomplete in the terminal, like a phone's suggestion bar.

Every edit of the text field -- typing, backspace, paste, cursor moves -- is handed to one
:class:`~kbpredict.session.Session`, which does the incremental work; the bar shows its top 3
and the status line the time that took. Tab or 1/2/3 accepts; Alt+digit types a digit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from prompt_toolkit.application import Application
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.layout import HSplit, Layout, Window
from prompt_toolkit.layout.controls import BufferControl, FormattedTextControl
from prompt_toolkit.styles import Style

from .candidates import Suggestion
from .predictor import Predictor

# Punctuation that attaches to the previous word: typed right after an accepted word's
# automatic space, it replaces the space ("word ," -> "word,"), as phone keyboards do.
ATTACHING = ".,;:!?)"
STYLE = Style.from_dict({
    "title": "bold", "bar": "reverse", "bar.key": "reverse bold", "status": "italic #888888",
})


@dataclass
class DemoState:
    """What the screen shows; kept outside prompt_toolkit so tests can read it."""

    predictor: Predictor
    k: int = 3
    adapt: bool = True  # mix the text's own words into the suggestions
    personal: object = None  # the user's PersonalModel, or None
    incognito: bool = False  # read the personal model, learn nothing
    session: object = None
    shown_text: str = ""  # the text before the cursor the session currently holds
    suggestions: list[Suggestion] = field(default_factory=list)
    latency_us: float = 0.0
    auto_space: bool = False  # the last edit was an accepted suggestion's trailing space
    buffer: Buffer | None = None

    def __post_init__(self) -> None:
        self.session = self.predictor.session(adapt=self.adapt, personal=self.personal, incognito=self.incognito)
        self.refresh("")

    def refresh(self, text_before_cursor: str) -> None:
        """Tell the session what changed, the cheapest way, and fetch the suggestions."""
        started = time.perf_counter()
        old = self.shown_text
        if text_before_cursor.startswith(old):
            self.session.type(text_before_cursor[len(old):])
        elif old.startswith(text_before_cursor):
            self.session.backspace(len(old) - len(text_before_cursor))
        else:
            self.session.update(text_before_cursor)
        self.suggestions = self.session.suggestions(self.k)
        self.latency_us = (time.perf_counter() - started) * 1e6
        self.shown_text = text_before_cursor

    def finish(self) -> int:
        """The demo is over: the personal model learns the whole text (wherever the cursor is),
        unless incognito. Returns the number of words learned."""
        self.session.update(self.buffer.text if self.buffer is not None else self.shown_text)
        return self.session.finish()

    def bar(self) -> FormattedText:
        parts: list[tuple[str, str]] = []
        for index in range(self.k):
            word = self.suggestions[index].word if index < len(self.suggestions) else ""
            parts += [("class:bar.key", f" {index + 1} "), ("class:bar", f" {word:<16}")]
        return FormattedText(parts)

    def status(self) -> FormattedText:
        info = self.predictor.info
        word = self.session.current_word
        doing = f'completing "{word}"' if word else "next word"
        learning = ("" if self.personal is None else " · incognito" if self.incognito
                    else " · learns on quit")
        return FormattedText([("class:status",
                               f" {self.latency_us:6.0f} µs · {doing}{learning} · {info.precision}, "
                               f"{info.shape.parameters / 1e6:.1f}M params · Tab/1/2/3 accept · "
                               "Alt+digit: digit · Ctrl-D quits")])


def build_app(predictor: Predictor, *, adapt: bool = True, personal=None, incognito: bool = False, input=None,
              output=None) -> tuple[Application, DemoState]:
    """The demo application and its state (pass prompt_toolkit pipe input/output to test it)."""
    state = DemoState(predictor, adapt=adapt, personal=personal, incognito=incognito)
    buffer = state.buffer = Buffer(multiline=True)
    accepting = [False]

    def on_change(_) -> None:
        # Typing fires both "text changed" and "cursor moved": refresh once per real change.
        if buffer.document.text_before_cursor != state.shown_text:
            state.refresh(buffer.document.text_before_cursor)
        if not accepting[0]:
            state.auto_space = False

    buffer.on_text_changed += on_change
    buffer.on_cursor_position_changed += on_change
    keys = KeyBindings()

    def accept(event, index: int) -> None:
        if index >= len(state.suggestions):
            return
        chosen = state.suggestions[index]
        replaced = len(state.session.current_word)
        document = buffer.document
        before = document.text_before_cursor[: len(document.text_before_cursor) - replaced] + chosen.word + " "
        accepting[0] = True
        buffer.document = Document(before + document.text_after_cursor, len(before))
        accepting[0] = False
        state.auto_space = True

    @keys.add("tab")
    def _(event) -> None:
        accept(event, 0)

    for digit in "123":
        keys.add(digit)(lambda event, i=int(digit) - 1: accept(event, i))
    for digit in "0123456789":
        keys.add("escape", digit)(lambda event, d=digit: buffer.insert_text(d))

    def attach(event, char: str) -> None:
        if state.auto_space and buffer.document.text_before_cursor.endswith(" "):
            buffer.delete_before_cursor(1)
            buffer.insert_text(char + " ")
        else:
            buffer.insert_text(char)

    for char in ATTACHING:
        keys.add(char)(lambda event, c=char: attach(event, c))

    @keys.add("c-d")
    @keys.add("c-c")
    def _(event) -> None:
        event.app.exit()

    layout = Layout(HSplit([
        Window(FormattedTextControl([("class:title", " kbpredict — type; the bar suggests as you go")]), height=1),
        Window(BufferControl(buffer=buffer), wrap_lines=True),
        Window(FormattedTextControl(state.bar), height=1),
        Window(FormattedTextControl(state.status), height=1),
    ]), focused_element=buffer)
    app = Application(layout=layout, key_bindings=keys, style=STYLE, full_screen=False, input=input,
                      output=output, mouse_support=False)
    return app, state


def run_demo(predictor: Predictor, adapt: bool = True, personal=None, incognito: bool = False) -> tuple[str, int]:
    """Run the demo until Ctrl-D or Ctrl-C; returns the text typed and the number of words learned."""
    app, state = build_app(predictor, adapt=adapt, personal=personal, incognito=incognito)
    app.run()
    return state.buffer.text, state.finish()
