"""Training: configuration, the model, checkpoints, resume, and a clean stop on Ctrl-C."""

import json
import os
import pickle
import signal
import subprocess
import sys
import time

import pytest
import torch

from tests.conftest import TRAIN_STEPS, train_model
from train.checkpoint import load_checkpoint, load_model
from train.config import PRESETS, ModelConfig, config_from_args
from train.model import CIFGLayer, LanguageModel


def test_flags_override_the_preset_one_to_one():
    config = config_from_args(["--train", "a.txt", "b.txt", "--preset", "tiny", "--hidden-size", "128", "--no-progress"])
    assert config.train == ["a.txt", "b.txt"]
    assert config.cell == PRESETS["tiny"]["cell"] and config.embedding_size == PRESETS["tiny"]["embedding_size"]
    assert config.hidden_size == 128 and config.progress is False  # from the flags


def test_unknown_preset_is_refused(capsys):
    with pytest.raises(SystemExit):
        config_from_args(["--preset", "huge"])
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("cell", ["lstm", "cifg"])
@pytest.mark.parametrize("layers", [1, 2])
def test_model_shapes_and_state(cell, layers):
    model = LanguageModel(ModelConfig(vocab_size=50, embedding_size=8, hidden_size=12, num_layers=layers, cell=cell))
    logits, (h, c) = model(torch.randint(0, 50, (3, 7)), model.initial_state(3))
    assert logits.shape == (3, 7, 50)
    assert h.shape == c.shape == (layers, 3, 12)
    # the output layer is the embedding matrix itself: a word whose embedding row is zero gets
    # exactly its output bias as its logit, at every position
    with torch.no_grad():
        model.embedding.weight[7] = 0.0
        model.output_bias[7] = 0.25
    logits, _ = model(torch.randint(8, 50, (3, 7)), model.initial_state(3))
    assert torch.all(logits[..., 7] == 0.25)
    assert not torch.all(logits[..., 8] == model.output_bias[8])
    # and it is one parameter, counted once
    assert model.num_parameters() == sum(p.numel() for p in set(model.parameters()))
    assert "embedding.weight" in dict(model.named_parameters()) and len(
        [n for n, p in model.named_parameters() if p.shape == model.embedding.weight.shape]) == 1


def test_cifg_couples_the_forget_gate_to_the_input_gate():
    torch.manual_seed(0)
    layer = CIFGLayer(4, 3)
    x, h, c = torch.randn(1, 2, 4), torch.randn(2, 3), torch.randn(2, 3)
    out, (h1, c1) = layer(x, (h, c))
    gates = x[0] @ layer.weight_ih.T + layer.bias_ih + h @ layer.weight_hh.T + layer.bias_hh
    i, g, o = gates.chunk(3, dim=1)
    i = torch.sigmoid(i)
    expected_c = (1 - i) * c + i * torch.tanh(g)
    assert torch.allclose(c1, expected_c, atol=1e-6)
    assert torch.allclose(h1, torch.sigmoid(o) * torch.tanh(expected_c), atol=1e-6)


def test_training_lowers_perplexity_and_keeps_the_best_checkpoint(trained_run):
    summary = json.loads((trained_run / "summary.json").read_text())
    log = [json.loads(line) for line in (trained_run / "log.jsonl").read_text().splitlines()]
    assert summary["steps"] == TRAIN_STEPS
    assert log[-1]["valid_ppl"] < log[0]["valid_ppl"]
    assert summary["best_valid_ppl"] == pytest.approx(min(entry["valid_ppl"] for entry in log))
    best = load_checkpoint(trained_run / "best.pt")
    assert best["best_valid_ppl"] == pytest.approx(summary["best_valid_ppl"])


def test_checkpoint_holds_config_and_tensors_only(trained_run):
    payload = torch.load(trained_run / "last.pt", weights_only=True)  # no pickled classes
    assert payload["model_config"]["cell"] in ("lstm", "cifg")
    model, vocab = load_model(payload)
    assert len(vocab) == payload["model_config"]["vocab_size"]
    assert isinstance(model, LanguageModel)


def test_resume_continues_where_the_run_stopped(corpus_dir, tmp_path):
    out = tmp_path / "run"
    train_model(corpus_dir, out, max_steps=30, checkpoint_every=10)
    first = load_checkpoint(out / "last.pt")
    train_model(corpus_dir, out, max_steps=60, resume=True)
    second = load_checkpoint(out / "last.pt")
    assert first["step"] == 30 and second["step"] == 60
    assert second["history"][0] == first["history"][0]  # the earlier run's validation is kept
    assert not torch.equal(first["model"]["embedding.weight"], second["model"]["embedding.weight"])


def test_init_from_starts_from_a_trained_model_with_a_fresh_schedule(trained_run, corpus_dir, tmp_path):
    from tests.corpus import text

    domain = tmp_path / "domain"
    domain.mkdir()
    (domain / "train.txt").write_text(text(80, seed=7), encoding="utf-8")
    (domain / "valid.txt").write_text((corpus_dir / "valid.txt").read_text(encoding="utf-8"), encoding="utf-8")
    base = load_checkpoint(trained_run / "best.pt")
    # --hidden-size asks for another shape: the checkpoint's shape and vocabulary win.
    tuned_run = train_model(domain, tmp_path / "tuned", max_steps=10, eval_every=10, hidden_size=48,
                            init_from=str(trained_run / "best.pt"))
    fresh_run = train_model(domain, tmp_path / "fresh", max_steps=10, eval_every=10)
    tuned, fresh = load_checkpoint(tuned_run / "last.pt"), load_checkpoint(fresh_run / "last.pt")
    assert tuned["model_config"] == base["model_config"]
    assert torch.equal(tuned["vocab_model"], base["vocab_model"])
    assert tuned["step"] == 10  # a new run: its own steps and schedule
    assert tuned["history"][-1]["valid_ppl"] < 0.5 * fresh["history"][-1]["valid_ppl"]


def test_init_from_a_missing_checkpoint_is_a_clear_error(corpus_dir, tmp_path):
    result = subprocess.run([sys.executable, "-m", "train", "--train", str(corpus_dir / "train.txt"),
                             "--out", str(tmp_path / "run"), "--init-from", str(tmp_path / "none.pt"),
                             "--preset", "test"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "no checkpoint" in result.stderr and "Traceback" not in result.stderr


def test_a_damaged_checkpoint_is_a_one_line_error(trained_run, tmp_path):
    whole = (trained_run / "best.pt").read_bytes()
    for name, data in (("garbage.pt", b"garbage\n" * 100), ("truncated.pt", whole[: len(whole) // 2]),
                       ("pickle.pt", pickle.dumps(print, protocol=2))):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ValueError) as caught:
            load_checkpoint(tmp_path / name)
        assert "not a readable checkpoint" in str(caught.value) and "\n" not in str(caught.value)
    torch.save({"weights": torch.zeros(2)}, tmp_path / "foreign.pt")
    with pytest.raises(ValueError, match="not a kbpredict checkpoint"):
        load_checkpoint(tmp_path / "foreign.pt")


def test_resume_without_a_checkpoint_is_a_clear_error(corpus_dir, tmp_path):
    result = subprocess.run([sys.executable, "-m", "train", "--train", str(corpus_dir / "train.txt"),
                             "--out", str(tmp_path / "none"), "--resume", "--preset", "test"],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "no checkpoint" in result.stderr and "Traceback" not in result.stderr


def test_missing_training_file_is_a_clear_error(tmp_path):
    result = subprocess.run([sys.executable, "-m", "train", "--train", str(tmp_path / "nope.txt"),
                             "--out", str(tmp_path / "run"), "--preset", "test"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "cannot read" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_saves_a_checkpoint_and_exits_cleanly(corpus_dir, tmp_path, sig):
    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "train", "--train", str(corpus_dir / "train.txt"), "--out", str(out),
         "--preset", "test", "--vocab-size", "200", "--max-steps", "1000000", "--checkpoint-every", "1000000",
         "--threads", "1"],
        stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    seen = []
    for line in process.stderr:  # the line logged right before the training loop starts
        seen.append(line)
        if "parameters" in line:
            break
    time.sleep(2)  # a few steps in (the signal handler is in place once the loop runs)
    process.send_signal(sig)
    _, err = process.communicate(timeout=120)
    err = "".join(seen) + err
    assert process.returncode == 130
    assert "Traceback" not in err and "--resume" in err
    assert load_checkpoint(out / "last.pt")["step"] > 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["interrupted"] and summary["steps"] == load_checkpoint(out / "last.pt")["step"]


def test_stop_after_ends_a_stage_and_resume_finishes_the_same_schedule(corpus_dir, tmp_path):
    args = [sys.executable, "-m", "train", "--train", str(corpus_dir / "train.txt"), "--out", str(tmp_path / "run"),
            "--preset", "test", "--vocab-size", "200", "--max-steps", "40", "--threads", "1", "--no-progress",
            "--log-every", "1"]
    first = subprocess.run(args + ["--stop-after", "15"], capture_output=True, text=True)
    assert first.returncode == 0 and "--stop-after" in first.stderr, first.stderr[-1500:]
    assert load_checkpoint(tmp_path / "run" / "last.pt")["step"] == 15
    second = subprocess.run(args + ["--resume"], capture_output=True, text=True)
    assert second.returncode == 0, second.stderr[-1500:]
    log = [json.loads(line) for line in (tmp_path / "run" / "train_log.jsonl").read_text().splitlines()]
    assert [e["step"] for e in log] == list(range(1, 41))
    assert log[-1]["lr"] < log[20]["lr"]  # the cosine of the 40-step schedule, across the stop
