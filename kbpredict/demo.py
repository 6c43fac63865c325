"""``kbpredict demo``: live autocomplete in the terminal, like a phone's suggestion bar.

Every edit of the text field -- typing, backspace, paste, cursor moves -- is handed to one
:class:`~kbpredict.session.Session`, which does the incremental work; the bar shows its top 3
and the status line the time that took. Tab accepts the first suggestion, Alt+1/2/3 (or F1/F2/F3)
the numbered one; digits type digits. Space applies the autocorrect candidate (marked ✓ in the
bar), and so does a mark that ends the word (``. , ? ! : ;``: "tonihgt?" -> "tonight?");
Backspace right after it brings back what was typed. The spacing edits the session returns
(``.`` after an accepted word takes its space) are applied to the text as an app would.
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
from .spacing import ATTACHING, Edit

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
    autocorrection: Suggestion | None = None  # what space puts in place of the typed word
    buffer: Buffer | None = None

    def __post_init__(self) -> None:
        self.session = self.predictor.session(adapt=self.adapt, personal=self.personal, incognito=self.incognito)
        self.refresh("")

    def refresh(self, text_before_cursor: str) -> Edit | None:
        """Tell the session what changed, the cheapest way, and fetch the suggestions. Returns
        the spacing edit the session asks for (the caller applies it to the text), or None."""
        started = time.perf_counter()
        old = self.shown_text
        edit = None
        if text_before_cursor.startswith(old):
            edit = self.session.type(text_before_cursor[len(old):])
        elif old.startswith(text_before_cursor):
            self.session.backspace(len(old) - len(text_before_cursor))
        else:
            self.session.update(text_before_cursor)
        self.suggestions = self.session.suggestions(self.k)
        self.autocorrection = self.session.autocorrection()
        self.latency_us = (time.perf_counter() - started) * 1e6
        self.shown_text = edit.apply(text_before_cursor) if edit is not None else text_before_cursor
        return edit

    def finish(self) -> int:
        """The demo is over: the personal model learns the whole text (wherever the cursor is),
        unless incognito. Returns the number of words learned."""
        self.session.update(self.buffer.text if self.buffer is not None else self.shown_text)
        return self.session.finish()

    def bar(self) -> FormattedText:
        parts: list[tuple[str, str]] = []
        auto = self.autocorrection.word if self.autocorrection is not None else None
        for index in range(self.k):
            word = self.suggestions[index].word if index < len(self.suggestions) else ""
            mark = "✓" if word and word == auto else " "
            parts += [("class:bar.key", f" {index + 1} "), ("class:bar", f"{mark}{word:<16}")]
        return FormattedText(parts)

    def status(self) -> FormattedText:
        info = self.predictor.info
        word = self.session.current_word
        doing = f'completing "{word}"' if word else "next word"
        learning = ("" if self.personal is None else " · incognito" if self.incognito
                    else " · learns on quit")
        return FormattedText([("class:status",
                               f" {self.latency_us:6.0f} µs · {doing}{learning} · {info.precision}, "
                               f"{info.shape.parameters / 1e6:.1f}M params · Tab/Alt+1/2/3 accept · "
                               "space autocorrects ✓ · Ctrl-D quits")])


def build_app(predictor: Predictor, *, adapt: bool = True, personal=None, incognito: bool = False, input=None,
              output=None) -> tuple[Application, DemoState]:
    """The demo application and its state (pass prompt_toolkit pipe input/output to test it)."""
    state = DemoState(predictor, adapt=adapt, personal=personal, incognito=incognito)
    buffer = state.buffer = Buffer(multiline=True)
    applying = [False]

    def replace_before_cursor(delete: int, insert: str) -> None:
        document = buffer.document
        before = document.text_before_cursor
        before = (before[: len(before) - delete] if delete else before) + insert
        buffer.document = Document(before + document.text_after_cursor, len(before))

    def on_change(_) -> None:
        # Typing fires both "text changed" and "cursor moved": refresh once per real change.
        if applying[0] or buffer.document.text_before_cursor == state.shown_text:
            return
        edit = state.refresh(buffer.document.text_before_cursor)
        if edit is not None:  # the session's spacing edit ("word ." -> "word. "), as an app applies it
            applying[0] = True
            try:
                replace_before_cursor(edit.delete, edit.insert)
            finally:
                applying[0] = False

    buffer.on_text_changed += on_change
    buffer.on_cursor_position_changed += on_change
    keys = KeyBindings()

    def apply(edit: Edit) -> None:
        """An edit the session already made (accept, revert): make the text match."""
        applying[0] = True
        try:
            replace_before_cursor(edit.delete, edit.insert)
        finally:
            applying[0] = False
        state.shown_text = buffer.document.text_before_cursor
        state.suggestions = state.session.suggestions(state.k)
        state.autocorrection = state.session.autocorrection()

    def accept(chosen: Suggestion, space: bool = True) -> None:
        apply(state.session.accept(chosen, space))

    def accept_numbered(index: int) -> None:
        if index < len(state.suggestions):
            accept(state.suggestions[index])

    @keys.add("tab")
    def _(event) -> None:
        accept_numbered(0)

    for digit in "123":
        keys.add("escape", digit)(lambda event, i=int(digit) - 1: accept_numbered(i))
        keys.add(f"f{digit}")(lambda event, i=int(digit) - 1: accept_numbered(i))

    def correcting(ending: str = " ") -> tuple[Suggestion, str] | None:
        """The autocorrection that a key ending the word applies, with the word typed, if any."""
        auto, typed = state.autocorrection, state.session.current_word
        if auto is None or not typed or buffer.document.text_before_cursor != state.shown_text:
            return None
        if ending != " ":
            auto = state.session.autocorrection(ending)  # (fewer corrections before a mark)
        return None if auto is None else (auto, typed)

    @keys.add(" ")
    def _(event) -> None:
        found = correcting()
        if found is not None:
            accept(found[0])  # (Backspace right after it takes it back: session.revert)
        else:
            buffer.insert_text(" ")

    def end_with(mark: str):
        def typed_mark(event) -> None:
            # a mark that ends the word applies the autocorrection too, as on a phone ("tonihgt?"
            # -> "tonight?"), and nothing else changes: the word, then the mark, no space. Not to a
            # letter alone: "i.e." is no "I.e."
            found = correcting(mark)
            if found is None or len(found[1]) < 2:
                buffer.insert_text(mark)
                return
            accept(found[0], space=False)
            buffer.insert_text(mark)
        return typed_mark

    for mark in ATTACHING:
        keys.add(mark)(end_with(mark))

    @keys.add("backspace")
    def _(event) -> None:
        # right after an autocorrection, Backspace brings back what was typed, and the session
        # keeps that word from then on
        edit = state.session.revert() if buffer.document.text_before_cursor == state.shown_text else None
        if edit is not None:
            apply(edit)
        else:
            buffer.delete_before_cursor(1)

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
