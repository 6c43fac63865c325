"""The interactive demo, driven through prompt_toolkit's pipe input."""

import pytest

pytest.importorskip("prompt_toolkit", reason="the demo extra (prompt_toolkit) is not installed")

from prompt_toolkit.application import create_app_session  # noqa: E402
from prompt_toolkit.input import create_pipe_input  # noqa: E402
from prompt_toolkit.output import DummyOutput  # noqa: E402

from kbpredict.demo import build_app  # noqa: E402

BACKSPACE, TAB, CTRL_D, LEFT, ALT = "\x7f", "\t", "\x04", "\x1b[D", "\x1b"


def drive(predictor, keys, **options):
    """Type ``keys`` into the demo, then Ctrl-D; returns the state it ended in."""
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        app, state = build_app(predictor, input=pipe, output=DummyOutput(), **options)
        pipe.send_text(keys + CTRL_D)
        app.run()
    return state


def test_typing_shows_completions_and_tab_accepts(predictor):
    state = drive(predictor, "I would like to vi" + TAB)
    assert state.buffer.text == "I would like to visit "
    assert [s.word for s in state.suggestions] == [s.word for s in predictor.suggest("I would like to visit ", 3)]
    assert state.latency_us > 0


def test_alt_digit_accepts_the_numbered_suggestion(predictor):
    expected = predictor.suggest("I would like to ", 3)[1].word
    state = drive(predictor, "I would like to " + ALT + "2")
    assert state.buffer.text == f"I would like to {expected} "


def test_digits_type_digits(predictor):
    state = drive(predictor, "7:30 12")
    assert state.buffer.text == "7:30 12"


@pytest.fixture(scope="module")
def shipped():
    from kbpredict import Predictor

    return Predictor.load()


def test_space_autocorrects_and_backspace_takes_it_back(shipped):
    state = drive(shipped, "I'll see you tommorow ")
    assert state.buffer.text == "I'll see you tomorrow "
    state = drive(shipped, "I'll see you tommorow " + BACKSPACE)
    assert state.buffer.text == "I'll see you tommorow"
    state = drive(shipped, "I'll see you tommorow " + BACKSPACE + " ")  # kept: space no longer corrects it
    assert state.buffer.text == "I'll see you tommorow "


@pytest.mark.parametrize("mark", list("?.,!"))
def test_a_mark_ending_the_word_autocorrects_and_backspace_takes_it_back(shipped, mark):
    state = drive(shipped, "are you free tonihgt" + mark)
    assert state.buffer.text == f"are you free tonight{mark}"  # no space added: just the word
    assert state.session.text == state.buffer.text
    state = drive(shipped, "are you free tonihgt" + mark + " I")
    assert state.buffer.text == f"are you free tonight{mark} I"
    state = drive(shipped, "are you free tonihgt" + mark + BACKSPACE)
    assert state.buffer.text == f"are you free tonihgt{mark}"
    state = drive(shipped, "are you free tonihgt" + mark + BACKSPACE + BACKSPACE + mark)  # kept now
    assert state.buffer.text == f"are you free tonihgt{mark}"
    state = drive(shipped, "are you free tonight" + mark + mark)  # nothing to correct: marks as typed
    assert state.buffer.text == f"are you free tonight{mark}{mark}"


def test_a_mark_after_a_letter_alone_corrects_nothing(shipped):
    assert drive(shipped, "i.e. that").buffer.text == "i.e. that"  # not "I.e."
    assert drive(shipped, "so im.").buffer.text == "so I'm."


def test_backspace_and_cursor_moves_keep_the_bar_right(predictor):
    state = drive(predictor, "We went to Paris " + BACKSPACE * 3)
    assert state.buffer.text == "We went to Par"
    assert [s.word for s in state.suggestions] == [s.word for s in predictor.suggest("We went to Par", 3)]
    state = drive(predictor, "I would like to see" + LEFT * 3)
    assert state.session.text == "I would like to "
    assert [s.word for s in state.suggestions] == [s.word for s in predictor.suggest("I would like to ", 3)]


def test_punctuation_after_an_accepted_word_takes_its_space(predictor):
    state = drive(predictor, "I would like to vi" + TAB + ".")
    assert state.buffer.text == "I would like to visit. "


def test_the_status_line_and_bar_render(predictor):
    state = drive(predictor, "I would like to ")
    bar = "".join(text for _, text in state.bar())
    status = "".join(text for _, text in state.status())
    assert " 1 " in bar and state.suggestions[0].word in bar
    assert "µs" in status and "Ctrl-D" in status


def test_demo_command_refuses_a_non_terminal(bundle):
    from click.testing import CliRunner

    from kbpredict.cli import cli

    result = CliRunner().invoke(cli, ["demo", "--model", str(bundle)])
    assert result.exit_code == 1 and "interactive terminal" in result.output


@pytest.mark.parametrize("incognito", [False, True])
def test_the_demo_learns_the_whole_text_on_quit_unless_incognito(predictor, tmp_path, incognito):
    from kbpredict import PersonalModel

    with PersonalModel(tmp_path / "p.sqlite3") as personal:
        state = drive(predictor, "Zorblatt is near Zorblatt" + LEFT * 5, personal=personal, incognito=incognito)
        assert state.buffer.text == "Zorblatt is near Zorblatt"
        learned = state.finish()
        assert ("incognito" if incognito else "learns on quit") in "".join(t for _, t in state.status())
        words = {w.word: w.uses for w in personal.words()}
        assert (learned, words) == ((0, {}) if incognito else (4, {"Zorblatt": 2, "is": 1, "near": 1}))


@pytest.mark.parametrize("incognito", [False, True])
def test_the_demo_command_creates_no_personal_file_when_incognito(bundle, tmp_path, monkeypatch, incognito):
    # Incognito writes nothing, so it must not create an empty personal model either; a normal
    # run creates the file it will learn into.
    import types

    from click.testing import CliRunner

    import kbpredict.cli
    import kbpredict.demo
    from kbpredict.cli import cli

    seen = {}

    def fake_run_demo(predictor, adapt=True, personal=None, incognito=False):
        seen["personal"], seen["incognito"] = personal, incognito
        return "", 0

    terminal = types.SimpleNamespace(isatty=lambda: True)
    monkeypatch.setattr(kbpredict.demo, "run_demo", fake_run_demo)
    monkeypatch.setattr(kbpredict.cli, "sys", types.SimpleNamespace(stdin=terminal, stdout=terminal))
    path = tmp_path / "user" / "personal.sqlite3"
    args = ["demo", "--model", str(bundle), "--personal", str(path)] + (["--incognito"] if incognito else [])
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert seen["incognito"] is incognito
    assert path.exists() is (not incognito)
    assert (seen["personal"] is None) is incognito
