"""The README's own commands, run as a user would: train, export, verify, predict."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.corpus import text

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_readme_round_trip(tmp_path):
    (tmp_path / "train.txt").write_text(text(300, seed=11), encoding="utf-8")
    (tmp_path / "valid.txt").write_text(text(40, seed=12), encoding="utf-8")

    def run(*args):
        # From the repository root, as the README says; the files live in a temporary directory.
        result = subprocess.run(list(args), capture_output=True, text=True, cwd=REPO)
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    run_dir, bundle = str(tmp_path / "run"), str(tmp_path / "bundle")
    run(sys.executable, "-m", "train", "--train", str(tmp_path / "train.txt"), "--valid", str(tmp_path / "valid.txt"),
        "--out", run_dir, "--preset", "test", "--max-steps", "200", "--threads", "1")
    exported = run(sys.executable, "-m", "export", "--checkpoint", f"{run_dir}/best.pt", "--out", bundle)
    assert "PASSED" in exported.stdout
    run(sys.executable, "-m", "export.verify", bundle)
    kbpredict = [sys.executable, "-m", "kbpredict.cli"]
    predicted = run(*kbpredict, "predict", "I would like to ", "--model", bundle, "--json")
    assert len(json.loads(predicted.stdout)["suggestions"]) == 3
    assert "parameters" in run(*kbpredict, "info", "--model", bundle).stdout
