"""The ``kbpredict`` command: output, JSON, and one-line errors without tracebacks."""

import json
import subprocess
import sys

from click.testing import CliRunner

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


def test_predict_with_odd_text(bundle):
    for text in ["", "\x00\x07", "👍🏽 ", "x" * 100_000]:
        result = run("predict", text, "--model", str(bundle))
        assert result.exit_code == 0, result.output


def test_info(bundle):
    result = run("info", "--model", str(bundle))
    assert result.exit_code == 0
    assert "int8" in result.output and "parameters" in result.output
    data = json.loads(run("info", "--model", str(bundle), "--json").output)
    assert data["precision"] == "int8" and data["parity"]["passed"] is True


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
