"""``kbpredict serve``: JSON lines for apps in any language; every bad line answered, never a crash."""

import io
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kbpredict.serve import MAX_K, OPS, Server

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def server(predictor):
    return Server(predictor)


def ask(server, **request):
    return server.handle(json.dumps(request))


def test_a_session_through_the_server_matches_the_library(server, predictor):
    assert ask(server, id=1, op="open", session="a") == {"id": 1, "ok": True}
    session = predictor.session()
    for key in "the man was ":
        response = ask(server, id="k", op="type", session="a", text=key)
        session.type(key)
        assert response["ok"] and response["id"] == "k"
        assert [s["word"] for s in response["suggestions"]] == [s.word for s in session.suggestions(3)]
        for field, ending in (("autocorrect", " "), ("autocorrect_at_mark", ".")):
            auto = session.autocorrection(ending)
            assert response[field] == (auto.word if auto is not None else None)
    word = response["suggestions"][0]["word"]
    accepted = ask(server, id=2, op="accept", session="a", word=word, k=5)
    edit = session.accept(word)
    assert accepted["edit"] == {"delete": edit.delete, "insert": edit.insert}
    assert [s["word"] for s in accepted["suggestions"]] == [s.word for s in session.suggestions(5)]
    back = ask(server, id=3, op="backspace", session="a", n=4)
    session.backspace(4)
    assert ask(server, id=8, op="type", session="a", text=" mna")["ok"]
    session.type(" mna")
    alone = ask(server, id=9, op="accept", session="a", word="man", space=False)
    edit = session.accept("man", space=False)
    assert alone["edit"] == {"delete": 3, "insert": "man"} == {"delete": edit.delete, "insert": edit.insert}
    assert ask(server, id=10, op="accept", session="a", word="man", space="no")["error"]["code"] == "bad_argument"
    back = ask(server, id=3, op="backspace", session="a", n=4)
    session.backspace(4)
    assert [s["word"] for s in back["suggestions"]] == [s.word for s in session.suggestions(3)]
    assert ask(server, id=4, op="text", session="a")["text"] == session.text
    assert ask(server, id=5, op="update", session="a", text="a", k=0)["suggestions"] == []
    assert ask(server, id=6, op="close", session="a") == {"id": 6, "ok": True}
    assert ask(server, id=7, op="suggest", session="a")["error"]["code"] == "no_session"


def test_revert_takes_back_an_autocorrection_through_the_server():
    from kbpredict import Predictor

    server = Server(Predictor.load())
    ask(server, op="open", session="a", text="see you tommorow")
    assert ask(server, op="suggest", session="a")["autocorrect"] == "tomorrow"
    assert ask(server, op="accept", session="a", word="tomorrow")["edit"] == {"delete": 8, "insert": "tomorrow "}
    back = ask(server, id=1, op="revert", session="a")
    assert back["ok"] and back["edit"] == {"delete": 9, "insert": "tommorow"}
    assert back["autocorrect"] is None  # kept: space leaves it now
    assert ask(server, op="text", session="a")["text"] == "see you tommorow"
    assert ask(server, op="revert", session="a")["edit"] is None  # nothing to take back: backspace


@pytest.mark.parametrize("line, code", [
    ("not json", "bad_json"),
    ("", "bad_json"),
    ("{\"op\": \"type\", \"session\": ", "bad_json"),
    (b"{\"op\": \"help\", \"id\": \"\xff\xfe\"}", "bad_json"),  # not UTF-8
    ("[" * 100_000 + "]" * 100_000, "bad_json"),  # nesting deep enough to blow the stack
    ("[1, 2]", "bad_request"),
    ("\"open\"", "bad_request"),
    ("{}", "unknown_op"),
    ("{\"op\": 5}", "unknown_op"),
    ("{\"op\": \"delete_everything\"}", "unknown_op"),
    ("{\"op\": \"type\", \"session\": \"nope\", \"text\": \"a\"}", "no_session"),
    ("{\"op\": \"type\", \"session\": \"s\"}", "bad_argument"),
    ("{\"op\": \"type\", \"session\": \"s\", \"text\": 5}", "bad_argument"),
    ("{\"op\": \"type\", \"session\": \"s\", \"text\": \"a\", \"k\": true}", "bad_argument"),
    ("{\"op\": \"type\", \"session\": \"s\", \"text\": \"a\", \"k\": 1.5}", "bad_argument"),
    ("{\"op\": \"type\", \"session\": \"s\", \"text\": \"a\", \"k\": 1000}", "bad_argument"),
    ("{\"op\": \"type\", \"session\": \"s\", \"text\": \"a\", \"colour\": 1}", "bad_argument"),
    ("{\"op\": \"backspace\", \"session\": \"s\", \"n\": -1}", "bad_argument"),
    ("{\"op\": \"accept\", \"session\": \"s\", \"word\": \"  \"}", "bad_argument"),
    ("{\"op\": \"open\", \"session\": \"\"}", "bad_argument"),
    ("{\"op\": \"open\", \"session\": \"s\"}", "session_exists"),
    ("{\"op\": \"learn\", \"text\": \"hi\"}", "no_personal_model"),
])
def test_every_bad_request_gets_an_error_and_the_server_goes_on(server, line, code):
    ask(server, op="open", session="s")
    response = server.handle(line)
    assert response["ok"] is False and response["error"]["code"] == code, response
    assert response["error"]["message"]
    assert ask(server, op="type", session="s", text="the ")["ok"]  # still serving, session intact


def test_limits_on_sessions_and_request_size(predictor):
    server = Server(predictor, max_sessions=2, max_request_bytes=1000)
    assert ask(server, op="open", session="a")["ok"] and ask(server, op="open", session="b")["ok"]
    assert ask(server, op="open", session="c")["error"]["code"] == "too_many_sessions"
    assert ask(server, op="close", session="a")["ok"] and ask(server, op="open", session="c")["ok"]
    assert ask(server, op="type", session="b", text="x" * 2000)["error"]["code"] == "too_large"
    assert ask(server, op="open", session="x" * 300)["error"]["code"] in ("bad_argument", "too_many_sessions")


def test_an_oversized_line_is_dropped_whole_and_the_next_line_answered(predictor):
    server = Server(predictor, max_request_bytes=1000)
    lines = [json.dumps({"id": 1, "op": "open", "session": "s"}),
             json.dumps({"id": 2, "op": "update", "session": "s", "text": "word " * 300_000}),  # 1.5 MB
             json.dumps({"id": 3, "op": "type", "session": "s", "text": "the "})]
    out = io.BytesIO()
    assert server.serve(io.BytesIO(("\n".join(lines) + "\n").encode()), out) == 0
    responses = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["ok"] for r in responses] == [True, False, True]
    assert responses[1]["error"]["code"] == "too_large" and responses[2]["id"] == 3


def test_any_unicode_in_and_valid_ascii_json_out(server):
    ask(server, op="open", session="ü\u0000")
    for text in ("\ud800", "\x00\x1b[2J", "日本語 ", "😀 ", "\u202e", "a\r\nb "):
        line = json.dumps({"id": text, "op": "type", "session": "ü\u0000", "text": text})
        response = server.handle(line)
        assert response["ok"] and response["id"] == text
    from kbpredict.serve import _encode

    encoded = _encode({"id": "\ud800", "ok": True, "score": float("nan")})
    assert encoded.isascii() and json.loads(encoded)["score"] is None


def test_personal_model_ops(predictor, tmp_path):
    from kbpredict import PersonalModel

    with PersonalModel(tmp_path / "me.sqlite3") as personal:
        server = Server(predictor, personal)
        assert ask(server, op="learn", texts=["Zorblat is here", "Zorblat again"])["learned"] > 0
        words = ask(server, op="words")["words"]
        assert any(w["word"] == "Zorblat" and w["suggested"] for w in words)
        assert ask(server, op="learn", texts=["ok", 5])["error"]["code"] == "bad_argument"
        ask(server, op="open", session="s")
        assert any(s["word"] == "Zorblat" for s in ask(server, op="type", session="s", text="Zor", k=5)["suggestions"])
        assert ask(server, op="forget", word="Zorblat")["forgotten"] is True
        assert ask(server, op="block", word="Zorblat")["ok"]
        assert "zorblat" in ask(server, op="words")["blocked"]
        assert ask(server, op="unblock", word="Zorblat")["unblocked"] is True
        ask(server, op="open", session="quiet", incognito=True)
        ask(server, op="type", session="quiet", text="Quuxly Quuxly Quuxly ")
        assert ask(server, op="finish", session="quiet")["learned"] == 0
        ask(server, op="type", session="s", text="Frobnik Frobnik ")
        assert ask(server, op="finish", session="s")["learned"] > 0
        assert any(w["word"] == "Frobnik" for w in ask(server, op="words")["words"])
        assert ask(server, op="clear")["ok"] and ask(server, op="words")["words"] == []


def test_help_lists_every_op_and_stats_count(server):
    assert set(ask(server, op="help")["ops"]) == set(OPS)
    server.handle("junk")
    stats = ask(server, op="stats")
    assert stats["requests"] == 3 and stats["errors"] == 1
    assert MAX_K >= 3


def _serve_command(bundle, *extra):
    return [sys.executable, "-m", "kbpredict", "serve", "--model", str(bundle), *extra]


def test_a_scripted_client_gets_one_response_per_line_in_order(bundle):
    """The issue's client, scaled down: many sessions, typing/backspace/jumps/accepts, 1% junk."""
    rng = random.Random(3)
    sessions = [f"s{i}" for i in range(20)]
    lines, expect_ok = [], []
    for i, name in enumerate(sessions):
        lines.append(json.dumps({"id": i, "op": "open", "session": name}))
        expect_ok.append(True)
    junk = ["{", "null", "{\"op\": \"fly\"}", "\"\\ud800\"", "{\"op\": \"type\"}", "}{", "\t"]
    for i in range(len(lines), 3000):
        if rng.random() < 0.01:
            lines.append(rng.choice(junk))
            expect_ok.append(False)
            continue
        name = rng.choice(sessions)
        roll = rng.random()
        if roll < 0.7:
            request = {"op": "type", "session": name, "text": rng.choice("abcdefghij klmnop ,.")}
        elif roll < 0.85:
            request = {"op": "backspace", "session": name, "n": rng.randint(1, 3)}
        elif roll < 0.95:
            request = {"op": "suggest", "session": name, "k": rng.randint(1, 5)}
        else:
            request = {"op": "update", "session": name, "text": "the cat sat on the mat " * rng.randint(0, 5)}
        lines.append(json.dumps({"id": i, **request}))
        expect_ok.append(True)
    done = subprocess.run(_serve_command(bundle, "--no-learn"), input="\n".join(lines) + "\n",
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    responses = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(responses) == len(lines)
    assert [r["ok"] for r in responses] == expect_ok
    assert all(r["id"] == i for i, r in enumerate(responses) if expect_ok[i])
    assert done.stderr == ""


def test_the_server_exits_cleanly_on_end_of_input_and_writes_nothing_else(bundle, tmp_path):
    env = {**os.environ, "HOME": str(tmp_path / "home"), "XDG_DATA_HOME": str(tmp_path / "home" / "data")}
    done = subprocess.run(_serve_command(bundle, "--no-learn"), input="", capture_output=True, text=True,
                          timeout=120, env=env)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert not (tmp_path / "home").exists()  # no personal file, no telemetry, nothing


def test_a_missing_model_is_one_line_not_a_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "kbpredict", "serve", "--model", str(tmp_path / "none")],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode != 0 and done.stderr.count("\n") == 1 and "no model bundle" in done.stderr


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_node_example_client_runs(bundle):
    env = {**os.environ, "KBPREDICT_PYTHON": sys.executable}
    done = subprocess.run(["node", str(ROOT / "examples" / "node" / "client.js"), "--model", str(bundle),
                           "--text", "the man "], capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert len([line for line in out if line.startswith("\"") and " -> " in line]) == len("the man ")
    assert out[-1] == "server exited with 0" and "malformed line -> bad_json" in out
    assert any(line.startswith("accept ") for line in out)


def test_a_library_failure_is_answered_and_the_server_goes_on(predictor, tmp_path, monkeypatch):
    from kbpredict import PersonalModel
    from kbpredict.personal import PersonalModelError

    with PersonalModel(tmp_path / "me.sqlite3") as personal:
        server = Server(predictor, personal)

        def full_disk(texts):
            raise PersonalModelError("cannot save to me.sqlite3: database or disk is full")

        monkeypatch.setattr(personal, "learn_texts", full_disk)
        response = ask(server, id=9, op="learn", text="hello there")
        assert response == {"id": 9, "ok": False, "error": {"code": "failed", "message":
                                                             "cannot save to me.sqlite3: database or disk is full"}}

        def bug(*args):
            raise KeyError("oops")

        monkeypatch.setattr(personal, "words", bug)
        assert ask(server, op="words")["error"]["code"] == "internal"
        assert ask(server, op="open", session="s")["ok"]


def test_stats_keep_a_fixed_window_of_timings(predictor, monkeypatch):
    import kbpredict.serve as serve

    monkeypatch.setattr(serve, "TIMED", 5)
    server = Server(predictor)
    lines = "\n".join(json.dumps({"op": "help"}) for _ in range(12)) + "\n"
    server.serve(io.BytesIO(lines.encode()), io.BytesIO())
    assert server._timings.shape == (2, 5) and server._timed_requests == 12
    stats = ask(server, op="stats")
    assert stats["requests"] == 13 and stats["overhead_median_us"] > 0
