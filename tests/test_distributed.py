"""Streaming data preparation, and DDP training with torchrun (gloo on CPU)."""

import gzip
import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest

from kbpredict.vocab import Vocabulary
from tests.corpus import text
from train.data import encode_files
from train.prepare import main as prepare
from train.shards import TokenStream

# The bar for "the same loss trajectory": float reduction order differs between one process and
# two, nothing else does (same global batch, dropout off, same seed).
LOSS_TOLERANCE = 1e-4
COMMON = ["--preset", "test", "--log-every", "1", "--dropout", "0", "--warmup-steps", "0", "--min-lr-ratio", "1",
          "--threads", "1", "--no-progress", "--checkpoint-every", "5"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("ddp")
    (root / "text" / "more").mkdir(parents=True)
    (root / "text" / "a.txt").write_text(text(200, seed=1), encoding="utf-8")
    with gzip.open(root / "text" / "more" / "b.txt.gz", "wt", encoding="utf-8") as handle:
        handle.write(text(200, seed=4))
    (root / "valid.txt").write_text(text(40, seed=2), encoding="utf-8")
    out = root / "data"
    assert prepare(["--text", str(root / "text"), "--valid", str(root / "valid.txt"), "--out", str(out),
                    "--vocab-size", "200", "--shard-tokens", "1000"]) == 0
    return out


def losses(run_dir):
    return {entry["step"]: entry["loss"] for entry in map(json.loads, open(run_dir / "train_log.jsonl"))}


def train(args, out, processes=1):
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}"] \
        if processes > 1 else [sys.executable]
    result = subprocess.run(launcher + ["-m", "train", *args, "--out", str(out)], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def test_prepare_streams_dirs_and_gzip_into_checksummed_shards(data_dir, tmp_path):
    manifest = json.loads((data_dir / "manifest.json").read_text())
    shards = manifest["splits"]["train"]
    assert len(shards) > 2 and all(s["tokens"] <= 1000 for s in shards)
    for shard in shards:
        assert hashlib.sha256((data_dir / shard["file"]).read_bytes()).hexdigest() == shard["sha256"]
    stream = TokenStream(data_dir, "train")
    assert len(stream) == manifest["tokens"]["train"] == sum(s["tokens"] for s in shards)
    assert [s.endswith((".txt", ".gz")) for s in manifest["sources"]["train"]] == [True, True]
    # streaming, line by line, gives exactly what reading the files whole gives
    vocab = Vocabulary.from_file(str(data_dir / "vocab.model"))
    plain = tmp_path / "b.txt"
    plain.write_text(gzip.open(data_dir.parent / "text" / "more" / "b.txt.gz", "rt").read())
    whole = encode_files([str(data_dir.parent / "text" / "a.txt"), str(plain)], "auto", vocab)
    assert np.array_equal(stream.read(0, len(stream)), whole)


def test_prepare_reports_a_missing_input(tmp_path, capsys):
    assert prepare(["--text", str(tmp_path / "none*.txt"), "--out", str(tmp_path / "d")]) == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.slow
def test_two_gloo_processes_follow_the_single_process_trajectory(data_dir, tmp_path):
    args = ["--data", str(data_dir), *COMMON, "--max-steps", "30", "--batch-size", "8"]
    train(args, tmp_path / "one")
    train(args, tmp_path / "two", processes=2)
    one, two = losses(tmp_path / "one"), losses(tmp_path / "two")
    assert len(one) == len(two) == 30
    assert max(abs(one[s] - two[s]) for s in one) < LOSS_TOLERANCE
    assert one[30] < one[1]  # and it did learn
    # the run records what it trained on, for the bundle's model.json
    manifest = json.loads((data_dir / "manifest.json").read_text())
    summary = json.loads((tmp_path / "one" / "summary.json").read_text())
    assert summary["mix"] == manifest["mix"] and [m["weight"] for m in summary["mix"]] == [1.0, 1.0]
    assert summary["valid_files"] == manifest["sources"]["valid"] and summary["train_tokens"] == sum(
        m["tokens"] for m in manifest["mix"])


@pytest.mark.slow
def test_a_stopped_ddp_run_resumes_exactly_where_it_left_off(data_dir, tmp_path):
    # with dropout and a warm-up + cosine schedule, so the random state and the schedule must be
    # restored too, not only the weights, the optimizer and the carried LSTM states
    args = ["--data", str(data_dir), *COMMON, "--batch-size", "8", "--dropout", "0.3", "--warmup-steps", "4",
            "--min-lr-ratio", "0.1"]
    train(args + ["--max-steps", "30"], tmp_path / "straight", processes=2)
    train(args + ["--max-steps", "30", "--stop-after", "15"], tmp_path / "resumed", processes=2)
    resumed = train(args + ["--max-steps", "30", "--resume"], tmp_path / "resumed", processes=2)
    assert "resuming" in resumed.stderr and "at step 15" in resumed.stderr
    straight, stopped = losses(tmp_path / "straight"), losses(tmp_path / "resumed")
    assert sorted(stopped) == list(range(1, 31))
    rates = {e["step"]: e["lr"] for e in map(json.loads, open(tmp_path / "resumed" / "train_log.jsonl"))}
    assert len({round(rates[s], 12) for s in range(16, 31)}) > 10  # the learning rate moves after the stop
    assert max(abs(straight[s] - stopped[s]) for s in range(16, 31)) < LOSS_TOLERANCE


@pytest.mark.slow
def test_gradient_accumulation_keeps_the_global_batch(data_dir, tmp_path):
    args = ["--data", str(data_dir), *COMMON, "--max-steps", "20", "--batch-size", "8"]
    train(args, tmp_path / "whole")
    train(args + ["--grad-accum", "2"], tmp_path / "accumulated")
    whole, accumulated = losses(tmp_path / "whole"), losses(tmp_path / "accumulated")
    assert max(abs(whole[s] - accumulated[s]) for s in whole) < LOSS_TOLERANCE


def test_a_batch_that_does_not_divide_is_refused(data_dir, tmp_path):
    result = subprocess.run([sys.executable, "-m", "train", "--data", str(data_dir), *COMMON, "--batch-size", "7",
                             "--grad-accum", "2", "--out", str(tmp_path / "x")], capture_output=True, text=True)
    assert result.returncode == 2 and "multiple" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_ddp_run_ending_on_an_epoch_boundary_finishes(data_dir, tmp_path):
    # Validation at the epoch end and at the run's end must be decided alike on every process.
    stream_tokens = json.loads((data_dir / "manifest.json").read_text())["tokens"]["train"]
    steps_per_epoch = (stream_tokens // 8 - 1) // 16  # batch 8, bptt 16 (the test preset)
    args = ["--data", str(data_dir), *COMMON, "--batch-size", "8", "--max-steps", str(steps_per_epoch)]
    train(args, tmp_path / "edge", processes=2)
    assert len(losses(tmp_path / "edge")) == steps_per_epoch
