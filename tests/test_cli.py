"""The ``kbpredict`` command: output, JSON, and one-line errors without tracebacks."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from kbpredict import ModelNotFoundError, Predictor
from kbpredict.cli import cli


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_predict_prints_ranked_suggestions(bundle):
    result = run("predict", "I would like to ", "--model", str(bundle))
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("1. ")


def test_predict_json(bundle):
    result = run("predict", "I would like to vi", "--model", str(bundle), "--json", "-k", "2")
    data = json.loads(result.output)
    assert data["completing"] == "vi"
    assert len(data["suggestions"]) <= 2 and data["suggestions"][0]["word"] == "visit"


def test_predict_reads_standard_input(bundle):
    result = run("predict", "-", "--model", str(bundle), "--json", input="I would like to ")
    assert result.exit_code == 0 and json.loads(result.output)["suggestions"]
    # `echo "I would like to vi" | kbpredict predict -`: echo's newline is not a typed line break
    assert json.loads(run("predict", "-", "--model", str(bundle), "--json",
                          input="I would like to vi\n").output)["completing"] == "vi"


def test_predict_with_odd_text(bundle):
    for text in ["", "\x00\x07", "👍🏽 ", "x" * 100_000]:
        result = run("predict", text, "--model", str(bundle))
        assert result.exit_code == 0, result.output


def test_predict_does_not_print_a_huge_word_back(bundle):
    # a pasted run of 100,000 letters: the answer names its length, not the whole paste again
    result = run("predict", "see " + "x" * 100_000, "--model", str(bundle))
    assert result.exit_code == 0 and len(result.output) < 200, result.output[:300]
    assert "100,000 characters" in result.output


def test_info(bundle):
    result = run("info", "--model", str(bundle))
    assert result.exit_code == 0
    assert "int8" in result.output and "parameters" in result.output
    assert "perplexity" in result.output and "on all of valid.txt" in result.output  # says what it was measured on
    data = json.loads(run("info", "--model", str(bundle), "--json").output)
    assert data["precision"] == "int8" and data["parity"]["passed"] is True


def test_info_gives_each_file_a_readable_size():
    from kbpredict.cli import _size

    assert (_size(4_402_067), _size(111_271), _size(4_685)) == ("4.40 MB", "0.11 MB", "4.7 KB")
    shipped = run("info").output  # the shipped bundle: a 4.7 KB capitals list, not "0.00 MB"
    assert "capitals.txt.gz" in shipped and "0.00 MB" not in shipped


def test_info_counts_the_words_completed_from_the_word_list():
    from kbpredict import Predictor
    from kbpredict.candidates import read_wordlist

    bundle = Predictor.load().path
    listed = sum(count > 0 for _, count in read_wordlist(bundle / "words.tsv.gz"))
    assert json.loads(run("info", "--json").output)["completion_words"] == listed > 0
    assert f"and {listed:,} more completed from words.tsv.gz" in run("info").output


def test_bad_k_is_a_usage_error(bundle):
    result = run("predict", "hi", "-k", "0", "--model", str(bundle))
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_errors_are_one_line_without_traceback(tmp_path, bundle_copy):
    (bundle_copy / "model.onnx").write_bytes(b"broken")
    for model in (str(tmp_path / "missing"), str(bundle_copy)):
        result = subprocess.run([sys.executable, "-m", "kbpredict.cli", "predict", "hi", "--model", model],
                                capture_output=True, text=True)
        assert result.returncode == 1
        assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.stderr


def test_predict_says_when_it_completes_a_word(bundle):
    lines = run("predict", "I would like to vi", "--model", str(bundle)).output.strip().splitlines()
    assert lines[0].startswith('completing "vi"') and lines[1].startswith("1. visit")
    assert not run("predict", "I would like to ", "--model", str(bundle)).output.startswith("completing")


def test_no_adapt_suggests_from_the_model_alone(bundle):
    text = "We went to Zorblatt to see a book. The old river is near Zo"
    adapted = json.loads(run("predict", text, "--model", str(bundle), "--json").output)
    alone = json.loads(run("predict", text, "--model", str(bundle), "--json", "--no-adapt").output)
    assert "Zorblatt" in [s["word"] for s in adapted["suggestions"]]
    assert "Zorblatt" not in [s["word"] for s in alone["suggestions"]]


def test_learn_then_words_then_forget_block_and_clear(tmp_path):
    mine = tmp_path / "sent.txt"
    mine.write_text("See you at Zorblatt tonight\nZorblatt again, Quelmorth once\n", encoding="utf-8")
    personal = tmp_path / "me.sqlite3"
    result = run("learn", str(mine), "--personal", str(personal))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("learned 9 words into")
    data = json.loads(run("words", "--personal", str(personal), "--json").output)
    counts = {w["word"]: w for w in data["words"]}
    assert counts["Zorblatt"]["uses"] == 2 and counts["Quelmorth"]["uses"] == 1
    listing = run("words", "--personal", str(personal)).output
    assert "Zorblatt" in listing and "Quelmorth  (not suggested yet: used once)" in listing
    assert run("words", "--personal", str(personal), "--forget", "zorblatt").output == "forgot zorblatt\n"
    assert run("words", "--personal", str(personal), "--block", "tonight").output == "blocked tonight\n"
    data = json.loads(run("words", "--personal", str(personal), "--json").output)
    assert "Zorblatt" not in {w["word"] for w in data["words"]} and data["blocked"] == ["tonight"]
    assert run("words", "--personal", str(personal), "--clear").exit_code == 0
    assert json.loads(run("words", "--personal", str(personal), "--json").output)["words"] == []


def test_words_without_a_personal_model_creates_nothing(isolated_user_files):
    result = run("words")
    assert result.exit_code == 0 and "nothing learned yet" in result.output
    # forgetting, unblocking or clearing what was never learned writes nothing either
    result = run("words", "--forget", "Anna", "--unblock", "damn", "--clear")
    assert result.exit_code == 0 and result.output == "Anna was not learned\ndamn was not blocked\nnothing learned to forget\n"
    assert json.loads(run("words", "--forget", "Anna", "--json").stdout)["words"] == []
    for option in ("--forget", "--block", "--unblock"):  # a blank word: a usage error, file or not
        result = run("words", option, " ")
        assert result.exit_code == 2 and "non-empty" in result.output and "Traceback" not in result.output
    for option in ("--forget", "--block"):  # no typed word is ever two ("a b" was blocked as one)
        result = run("words", option, "a b")
        assert result.exit_code == 2 and "more than one word" in result.output and "Traceback" not in result.output
    assert run("words", "--unblock", "a b").output == "a b was not blocked\n"  # (an older version's)
    assert not any(p.is_file() for p in isolated_user_files.rglob("*"))
    # a block is kept, so it needs the file
    assert run("words", "--block", "damn").output == "blocked damn\n"
    assert [p.name for p in isolated_user_files.rglob("*") if p.is_file()] == ["personal.sqlite3"]


def test_learn_defaults_to_the_user_data_directory(tmp_path, isolated_user_files):
    mine = tmp_path / "sent.txt"
    mine.write_text("hello there\n", encoding="utf-8")
    assert run("learn", str(mine)).exit_code == 0
    [made] = [p for p in isolated_user_files.rglob("*") if p.is_file()]
    assert made.name == "personal.sqlite3" and "kbpredict" in made.parts


def test_personal_model_problems_are_one_line(tmp_path):
    missing = run("learn", str(tmp_path / "nope.txt"), "--personal", str(tmp_path / "p.sqlite3"))
    assert missing.exit_code != 0 and "Error" in missing.output and "Traceback" not in missing.output
    assert not (tmp_path / "p.sqlite3").exists()  # nothing created for a text that cannot be read


def test_learn_refuses_a_binary_file_before_learning_anything(tmp_path):
    text, binary = tmp_path / "sent.txt", tmp_path / "photo.jpg"
    text.write_text("see you at Zorblatt tonight\n", encoding="utf-8")
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8)
    personal = tmp_path / "p.sqlite3"
    result = run("learn", str(text), str(binary), "--personal", str(personal))
    assert result.exit_code == 1 and "binary" in result.output and "nothing learned" in result.output
    assert not personal.exists()
    (tmp_path / "blocker").write_text("x")
    bad_place = run("learn", "-", "--personal", str(tmp_path / "blocker" / "p.sqlite3"), input="hi\n")
    assert bad_place.exit_code == 1 and bad_place.output.count("\n") == 1 and "cannot create" in bad_place.output
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"\x00garbage" * 500)
    result = CliRunner().invoke(cli, ["words", "--personal", str(garbage), "--block", "x"])
    assert result.exit_code == 0 and "Warning:" in result.output and "kept it as" in result.output
    assert len(list(tmp_path.glob("garbage.sqlite3.unusable-*"))) == 1


def test_predict_mixes_in_learned_words_and_learns_nothing(bundle, tmp_path):
    personal = tmp_path / "me.sqlite3"
    assert run("predict", "Zor", "--model", str(bundle), "--personal", str(personal), "--json").exit_code == 0
    assert not personal.exists()  # predict never creates a personal model
    run("learn", "-", "--personal", str(personal), input="Zorblatt is near\nZorblatt again\n")
    before = personal.read_bytes()
    words = [s["word"] for s in json.loads(run("predict", "Zor", "--model", str(bundle), "--personal", str(personal),
                                               "--json").output)["suggestions"]]
    assert words[0] == "Zorblatt"
    assert personal.read_bytes() == before
    alone = json.loads(run("predict", "Zor", "--model", str(bundle), "--personal", str(personal), "--no-learn",
                           "--json").output)["suggestions"]
    assert "Zorblatt" not in [s["word"] for s in alone]


@pytest.mark.parametrize("where", ["directory", "file"])
def test_an_unreadable_bundle_is_one_line_naming_it(bundle, monkeypatch, where):
    """Permission errors (a mode-000 directory or file; root ignores chmod, so they are raised here)."""
    import pathlib

    import kbpredict.bundle

    denied = PermissionError(13, "Permission denied", str(bundle / ("model.json" if where == "directory" else "model.onnx")))
    if where == "directory":
        real = pathlib.Path.is_file

        def is_file(self):
            if self.parent == bundle:
                raise denied
            return real(self)

        monkeypatch.setattr(pathlib.Path, "is_file", is_file)
    else:
        def digest(path):
            raise denied

        monkeypatch.setattr(kbpredict.bundle, "file_digest", digest)
    with pytest.raises(ModelNotFoundError, match="permission denied") as caught:
        Predictor.load(bundle)
    assert str(bundle) in str(caught.value)
    result = run("predict", "hello ", "--model", str(bundle))
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1 and "permission denied" in result.output
