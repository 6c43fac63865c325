"""The personal model: what is learned, the user's controls, and a file that survives faults."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from kbpredict import PersonalModel, PersonalModelError, PersonalModelWarning
from kbpredict.errors import InvalidArgumentError

ROOT = Path(__file__).resolve().parents[1]
NEW_WORD = "Quelmorth"  # in neither the test model's vocabulary nor its word list


@pytest.fixture
def personal(tmp_path):
    with PersonalModel(tmp_path / "me" / "personal.sqlite3") as model:
        yield model


def words_of(session, prefix):
    session.update(session.text[: len(session.text) - len(session.current_word)] + prefix)
    return [s.word for s in session.suggestions(3)]


def test_a_new_word_is_suggested_after_two_uses_not_one(predictor, personal):
    session = predictor.session(personal=personal, adapt=False)
    session.type(f"We went to {NEW_WORD} yesterday. ")
    assert session.finish() == 5
    assert session.text == ""  # finish starts a new text
    assert NEW_WORD not in words_of(predictor.session(personal=personal), "Quel")
    session.type(f"I saw {NEW_WORD} again. ")
    session.finish()
    assert words_of(predictor.session(personal=personal, adapt=False), "Quel")[0] == NEW_WORD
    # and as the next word where it followed before, once that is a habit (four uses: the test
    # model gives "read", "buy" and "see" after "went to" 0.13 and more each)
    for _ in range(3):
        session.type(f"We went to {NEW_WORD} today. ")
        session.finish()
    fresh = predictor.session(personal=personal, adapt=False)
    fresh.type("We went to ")
    assert NEW_WORD in [s.word for s in fresh.suggestions(3)]
    assert NEW_WORD not in [s.word for s in predictor.session(adapt=False).suggestions(3)]


def test_a_messages_first_word_is_offered_as_written_inside_a_sentence(personal):
    from kbpredict import Predictor

    shipped = Predictor.load()  # (its frequencies tell "meeting" from "John")
    for _ in range(3):
        session = shipped.session(personal=personal)
        session.type("Meeting moved to 3pm, John. ")
        session.finish()
    assert {"Meeting", "John"} <= {w.word for w in personal.words()}  # kept as typed
    surfaces = personal.index(shipped.index).surfaces
    assert "meeting" in surfaces and "Meeting" not in surfaces and "John" in surfaces
    session = shipped.session(personal=personal)
    session.type("the room is ")
    assert "Meeting" not in [s.word for s in session.suggestions(8)]
    # a word the model knows is suggestable after one use, also with a sentence's capital
    # ("Homework" is not in the model's vocabulary, "homework" is)
    session.reset()
    session.type("Homework is done. ")
    session.finish()
    assert {w.word: w.suggestable for w in personal.words(shipped.index)}["Homework"]
    assert "homework" in personal.index(shipped.index).surfaces


@pytest.mark.parametrize("learn", ["text", "texts", "session"])
def test_web_and_mail_addresses_are_not_learned(predictor, personal, learn):
    text = ("see https://github.com/quelfoo/reset?token=zq81kx and ping @Quelgamer99 "
            "or mail quelmorth.smith@quelmail.com soon")
    if learn == "text":
        personal.learn_text(text)
    elif learn == "texts":
        personal.learn_texts([text])
    else:
        session = predictor.session(personal=personal)
        session.type(text)
        session.finish()
    learned = {w.word for w in personal.words()}
    assert learned == {"see", "and", "ping", "Quelgamer99", "or", "mail", "soon"}  # a handle is a word
    snapshot = personal._loaded()
    assert "https" not in snapshot.pairs and "see" not in snapshot.pairs  # nothing after "see" but the address
    assert set(snapshot.pairs["@"]) == {"Quelgamer99"}
    assert "and" not in snapshot.pairs.get("", {})  # the word after an address starts nothing


def test_a_word_in_quotation_marks_is_learned_without_them(personal):
    personal.learn_text("the word 'zorblax' and \u2018zorblax\u2019 but 'em")
    learned = {w.word for w in personal.words()}
    assert "zorblax" in learned and "'em" in learned  # was "'zorblax'" and "zorblax'"
    assert not {"'zorblax'", "zorblax'"} & learned


def test_learning_a_long_run_without_spaces_does_not_hang(tmp_path):
    # the address pattern starts only where a run of its characters starts: a pasted blob is read
    # in linear time (a pattern free to start anywhere took seconds on 16 KB, minutes on 100 KB)
    code = ("import sys; from kbpredict import PersonalModel; "
            "PersonalModel(sys.argv[1]).learn_texts(['x' * 300_000 + '@', 'a.' * 150_000])")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "p.sqlite3")], cwd=ROOT, check=True, timeout=60)


def test_numbers_are_not_learned_but_times_are(personal):
    personal.learn_text("my pin is 4829, the code 482-913, card 4111111111111111, call 415-555-0199 at 5pm")
    learned = {w.word for w in personal.words()}
    assert learned == {"my", "pin", "is", "the", "code", "card", "call", "at", "5pm"}
    assert "code" not in personal._loaded().pairs  # a number is no context for the word after it


def test_word_pairs_weigh_by_how_often_they_repeat(predictor, personal):
    personal.learn_texts(["the cat sat", "the dog ran", "the sun set", "a cat", "a dog", "a sun"])
    view = personal.index(predictor.index).view("the")
    assert view.pair_weight == 0.0  # three followers, each once: no habit to offer
    personal.learn_texts(["the cat slept", "the cat ate"])
    index = personal.index(predictor.index)
    # 5 uses of "the", 3 followers: 2 repeats in 5 uses (+1 prior)
    assert index.view("the").pair_weight == pytest.approx(index.pair_weight * 2 / 6)
    assert index.view("a").pair_weight == 0.0


def test_an_accepted_word_is_suggestable_at_once(predictor, personal):
    session = predictor.session(personal=personal)
    session.type(f"{NEW_WORD} and Quel")  # the text cache offers it within the same text
    top = session.suggestions(3)
    assert top[0].word == NEW_WORD
    session.accept(top[0])
    session.finish()
    learned = {w.word: w for w in personal.words(predictor.index)}
    assert learned[NEW_WORD].confirmed and learned[NEW_WORD].suggestable
    assert words_of(predictor.session(personal=personal), "Quel")[0] == NEW_WORD


def test_a_word_corrected_away_is_not_learned(predictor, personal):
    session = predictor.session(personal=personal)
    session.type("I would like to visti")
    session.backspace(2)
    session.type("it the old house. ")
    session.finish()
    learned = {w.word for w in personal.words()}
    assert "visit" in learned and "visti" not in learned


def test_incognito_reads_but_never_writes(predictor, personal):
    for _ in range(2):
        session = predictor.session(personal=personal)
        session.type(f"{NEW_WORD} is here. ")
        session.finish()
    before = personal.path.read_bytes()
    secret = predictor.session(personal=personal, incognito=True)
    assert words_of(secret, "Quel")[0] == NEW_WORD  # reads
    secret.update("Zorblatt Zorblatt Zorblatt. ")
    assert secret.finish() == 0
    assert personal.path.read_bytes() == before  # never writes
    assert "Zorblatt" not in {w.word for w in personal.words()}


def test_forget_block_unblock_and_clear(predictor, personal):
    personal.learn_text(f"I would like to visit {NEW_WORD}. {NEW_WORD} is lovely.")
    assert personal.forget(NEW_WORD.lower())  # any capitalization
    assert NEW_WORD not in {w.word for w in personal.words()}
    rows = personal._db.execute("SELECT COUNT(*) FROM pairs WHERE word = ? OR previous = ?",
                                (NEW_WORD, NEW_WORD)).fetchone()[0]
    assert rows == 0  # its pairs went with it
    assert not personal.forget("never-learned")
    for several in ("a b", "a\tb", "see you"):  # no typed word is ever two: told, not kept
        for action in (personal.forget, personal.block):
            with pytest.raises(InvalidArgumentError, match="more than one word"):
                action(several)
    assert personal.blocked_words() == set()
    personal._db.execute("INSERT INTO blocked (word) VALUES ('a b')")  # as an older version kept it
    personal._db.commit()
    assert personal.unblock("a b")  # so it can go

    plain = predictor.session(adapt=False)
    plain.type("I would like to ")
    blocked = plain.suggestions(1)[0].word  # a word the model itself suggests
    personal.block(blocked)
    session = predictor.session(personal=personal)
    session.type(f"I would like to {blocked} it. I would like to ")
    assert blocked not in [s.word for s in session.suggestions(3)]  # from no source
    assert len(session.suggestions(3)) == 3
    personal.learn_text(f"{blocked} {blocked} {blocked}")
    assert blocked not in {w.word for w in personal.words()}  # never learned
    assert personal.unblock(blocked.upper()) and not personal.unblock(blocked)
    personal.learn_text("the old house")
    personal.clear()
    assert personal.words() == []


def test_unblocked_word_comes_back(predictor, personal):
    plain = predictor.session(adapt=False)
    plain.type("I would like to ")
    word = plain.suggestions(1)[0].word
    personal.block(word)
    session = predictor.session(personal=personal, adapt=False)
    session.type("I would like to ")
    assert word not in [s.word for s in session.suggestions(3)]
    personal.unblock(word)
    session = predictor.session(personal=personal, adapt=False)
    session.type("I would like to ")
    assert word in [s.word for s in session.suggestions(3)]


def test_counts_decay_with_a_forgetting_curve_and_size_is_bounded(tmp_path):
    now = [1_000_000.0]
    model = PersonalModel(tmp_path / "p.sqlite3", clock=lambda: now[0])
    model.learn_text("alpha alpha")
    now[0] += model.half_life_days * 86400
    assert {w.word: w.count for w in model.words()}["alpha"] == pytest.approx(1.0)
    model.learn_text("alpha")
    assert {w.word: w.count for w in model.words()}["alpha"] == pytest.approx(2.0)
    model.max_words, model.max_pairs = 5, 4
    model.learn_text("one two three four five six seven alpha")
    kept = {w.word for w in model.words()}
    assert len(kept) == 5 and "alpha" in kept  # the most used stays; the rarest and oldest went
    assert model._db.execute("SELECT COUNT(*) FROM pairs").fetchone()[0] == 4
    model.close()


def test_the_file_is_private_and_persists_across_processes(predictor, tmp_path):
    path = tmp_path / "personal.sqlite3"
    model = PersonalModel(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    code = f"from kbpredict import PersonalModel; PersonalModel({str(path)!r}).learn_text('{NEW_WORD} {NEW_WORD}')"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    # the other process's save is seen without reopening
    assert words_of(predictor.session(personal=model), "Quel")[0] == NEW_WORD
    model.close()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign", "newer"])
def test_an_unusable_file_is_moved_aside_and_learning_starts_afresh(tmp_path, damage):
    path = tmp_path / "personal.sqlite3"
    with PersonalModel(path) as model:
        model.learn_text("the old house " * 50)
    if damage == "garbage":
        path.write_bytes(b"this is not a database at all" * 100)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:3000])
    elif damage == "foreign":
        path.unlink()
        other = sqlite3.connect(path)
        other.execute("CREATE TABLE notes (text TEXT)")
        other.commit()
        other.close()
    else:
        other = sqlite3.connect(path)
        other.execute("PRAGMA user_version = 99")
        other.commit()
        other.close()
    damaged = path.read_bytes()
    with pytest.warns(PersonalModelWarning, match="kept it as"):
        model = PersonalModel(path)
    assert model.moved_aside is not None and model.moved_aside.read_bytes() == damaged  # kept, not deleted
    assert model.words() == []
    model.learn_text("fresh start")
    assert {w.word for w in model.words()} == {"fresh", "start"}
    model.close()


def test_a_directory_or_unwritable_place_is_a_clear_error(tmp_path):
    (tmp_path / "dir").mkdir()
    with pytest.raises(PersonalModelError, match="is a directory"):
        PersonalModel(tmp_path / "dir")
    (tmp_path / "file").write_text("x")
    with pytest.raises(PersonalModelError, match="cannot create"):
        PersonalModel(tmp_path / "file" / "personal.sqlite3")


WRITER = textwrap.dedent("""
    import sys
    from kbpredict import PersonalModel
    model = PersonalModel(sys.argv[1])
    model.max_words = model.max_pairs = 10**9  # no pruning: the count below must stay exact
    start, stop, tag = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    print("ready", flush=True)
    for batch in range(start, stop):
        # ten new words and one shared word per save: a consistent file has words = 10 * saves + 1
        # (digits spelled as letters: a token of 3 digits or more is not learned)
        name = str(batch).translate(str.maketrans("0123456789", "abcdefghij"))
        model.learn_text(" ".join(f"{tag}{name}x{'abcdefghij'[i]}" for i in range(10)) + " shared")
""")


def test_kill_9_mid_save_leaves_the_old_or_the_new_state(tmp_path):
    path = tmp_path / "personal.sqlite3"
    PersonalModel(path).close()
    for attempt in range(12):
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(attempt * 10_000),
                                  str(attempt * 10_000 + 10_000), f"k{attempt}w"], cwd=ROOT, stdout=subprocess.PIPE)
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(0.05 + 0.03 * attempt)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        with warnings.catch_warnings():
            warnings.simplefilter("error", PersonalModelWarning)  # an interrupted save is no damage
            model = PersonalModel(path)
        with model:
            db = model._db
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            words = db.execute("SELECT COUNT(*) FROM words").fetchone()[0]
            shared = db.execute("SELECT count FROM words WHERE word = 'shared'").fetchone()
            saves = round(shared[0]) if shared else 0
            assert words == 10 * saves + (1 if saves else 0)
    assert saves > 0  # the writers did get saves through


def test_two_processes_writing_one_file_lose_nothing(tmp_path):
    path = tmp_path / "personal.sqlite3"
    PersonalModel(path).close()
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), "0", "60", tag], cwd=ROOT,
                                stdout=subprocess.DEVNULL) for tag in ("a", "b")]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    with PersonalModel(path) as model:
        counts = {w.word: w.count for w in model.words()}
    assert counts["shared"] == pytest.approx(120, abs=1e-3)  # every save of both counted once
    assert len(counts) == 2 * 60 * 10 + 1


def test_the_runtime_writes_nothing_but_the_personal_file(bundle, tmp_path):
    """Importing kbpredict, loading a model and typing (onnxruntime included) with a fresh HOME
    creates no file outside the personal model's path."""
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    personal = tmp_path / "data" / "personal.sqlite3"
    code = textwrap.dedent(f"""
        from kbpredict import Predictor, PersonalModel
        predictor = Predictor.load({str(bundle)!r})
        model = PersonalModel({str(personal)!r})
        session = predictor.session(personal=model)
        session.type("I would like to visit the old house. ")
        session.suggestions(3)
        session.finish()
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "ORT_"))}
    env.update(HOME=str(home), TMPDIR=str(work), PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=work, env=env)
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["data/personal.sqlite3"]


def test_what_is_learned_is_applied_in_memory_as_a_reload_would_see_it(tmp_path):
    clock = lambda: 5_000_000.0  # noqa: E731 (no decay between saves: exact comparison)
    path = tmp_path / "p.sqlite3"
    model = PersonalModel(path, clock=clock)
    model.learn_text("see you at the gym")
    model._loaded()  # the data in memory, updated in place from now on
    model.learn_text("see you at the park. See you!")
    model.learn_tokens(["see", "you", "Zorblatt"], accepted=["Zorblatt"])
    fresh = PersonalModel(path, clock=clock)
    assert model._loaded() == fresh._loaded()
    model.close()
    fresh.close()


def test_the_last_messages_words_reach_the_next_text_in_memory_only(predictor, tmp_path):
    path = tmp_path / "p.sqlite3"
    model = PersonalModel(path)

    def score(session, prefix, word):
        session.update(prefix)
        return next((s.score for s in session.suggestions(5) if s.word == word), 0.0)

    plain = score(predictor.session(personal=model), "The quiet g", "garden")
    session = predictor.session(personal=model)
    session.type("The green garden is lovely. Zorblatt said so. ")
    session.finish()
    assert model.recent_words() == ["The", "green", "garden", "is", "lovely", "Zorblatt", "said", "so"]
    # the next message's text cache holds the last one's words...
    assert score(predictor.session(personal=model), "The quiet g", "garden") > plain
    # ...but not a new word used once (a typo is not offered again)
    assert "Zorblatt" not in words_of(predictor.session(personal=model), "Zor")
    secret = predictor.session(personal=model, incognito=True)
    secret.type("Quelmorth here. ")
    secret.finish()
    assert "Quelmorth" not in model.recent_words()  # incognito adds nothing
    assert PersonalModel(path).recent_words() == []  # never written to the file
    assert b"lovely. " not in path.read_bytes()
    model.forget("zorblatt")
    assert "Zorblatt" not in model.recent_words()
    model.clear()
    assert model.recent_words() == []


def test_the_next_text_starts_in_the_context_of_the_last_ones(predictor, tmp_path):
    from kbpredict.context import carried_start

    path = tmp_path / "p.sqlite3"
    model = PersonalModel(path)
    fresh = predictor.session(personal=model)
    assert np.array_equal(fresh._current[1], predictor.start[1])  # nothing carried yet
    session = predictor.session(personal=model)
    session.type("Shall we meet at the station? ")
    session.finish()
    assert model.carried_text() == "Shall we meet at the station?\n"
    # the session that finished and a new one both start after the last text (a line break on)
    expected = carried_start(predictor, "Shall we meet at the station?\n")[1]
    assert not np.array_equal(expected, predictor.start[1])
    for begun in (session, predictor.session(personal=model)):
        assert np.array_equal(begun._current[1], expected)
    first = [s.word for s in predictor.session(personal=model).suggestions(3)]
    assert [s.word for s in predictor.session(personal=model).suggestions(3)] == first  # the same every time
    # a session that does not adapt, or has no personal model, starts from the model's start
    assert np.array_equal(predictor.session(personal=model, adapt=False)._current[1], predictor.start[1])

    # bounded, from a token boundary; incognito carries nothing on
    long = " ".join(f"word{n}" for n in range(200))
    model.learn_text(long)
    carried = model.carried_text()
    assert len(carried) <= model.context_chars and carried.endswith("word199\n")
    assert long.endswith(carried.split("\n")[0]) and carried.split()[0] in long.split()
    secret = predictor.session(personal=model, incognito=True)
    secret.type("Zorblatt is a secret. ")
    secret.finish()
    assert model.carried_text() == carried
    assert PersonalModel(path).carried_text() == ""  # memory only
    assert b"meet at the station" not in path.read_bytes()  # its words are learned; the text is not kept

    # forgetting or blocking a word in it, a text with a blocked word, and clear() drop it
    model.learn_text("see you at the lighthouse")
    model.forget("Lighthouse")
    assert model.carried_text() == ""
    model.learn_text("see you at the lighthouse")
    model.block("pier")
    model.learn_text("and then the pier")
    assert model.carried_text() == ""
    model.learn_text("see you at the lighthouse")
    model.clear()
    assert model.carried_text() == ""


def test_a_file_locked_by_a_long_save_elsewhere_is_never_moved_aside(tmp_path, monkeypatch):
    path = tmp_path / "personal.sqlite3"
    PersonalModel(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process in the middle of a save, holding the lock
    original = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: original(*a, **{**k, "timeout": 0.1}))  # no 10 s wait
    with pytest.raises(PersonalModelError, match="locked"):
        PersonalModel(path)
    holder.execute("ROLLBACK")
    holder.close()
    assert not list(tmp_path.glob("*.unusable-*"))
    PersonalModel(path).close()


def test_a_word_whose_autocorrection_was_taken_back_is_learned_at_once(personal):
    from kbpredict import Predictor

    shipped = Predictor.load()
    session = shipped.session(personal=personal)
    session.type("he ghosted")  # slang the model hardly knows: "hosted"
    auto = session.autocorrection()
    assert auto is not None and auto.word == "hosted"
    session.accept(auto)
    assert session.revert() is not None  # Backspace: the user meant it
    session.type(" me")
    session.finish()
    learned = {w.word: w for w in personal.words(shipped.index)}
    assert learned["ghosted"].confirmed and learned["ghosted"].suggestable
    session.type("he ghosted")
    assert session.autocorrection() is None  # a word of the personal model is the user's
    incognito = shipped.session(personal=personal, incognito=True)
    incognito.type("see you tommorow")
    assert incognito.autocorrection().word == "tomorrow"
    incognito.accept(incognito.autocorrection())
    assert incognito.revert() is not None
    incognito.finish()
    assert "tommorow" not in {w.word for w in personal.words()}  # incognito: nothing learned
