"""Shared fixtures: a tiny corpus, a model trained on it in seconds, and its exported bundles."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.corpus import text

TRAIN_STEPS = 300


@pytest.fixture(autouse=True)
def isolated_user_files(tmp_path_factory, monkeypatch):
    """No test reads or writes the real user's files (the personal model's default place)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    return home


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("corpus")
    (directory / "train.txt").write_text(text(400, seed=1), encoding="utf-8")
    (directory / "valid.txt").write_text(text(60, seed=2), encoding="utf-8")
    return directory


def train_model(corpus_dir: Path, out: Path, **overrides) -> Path:
    """Train the 'test' preset in-process; returns the run directory."""
    from train.config import PRESETS, TrainConfig
    from train.trainer import Trainer

    values = dict(PRESETS["test"])
    values.update(train=[str(corpus_dir / "train.txt")], valid=[str(corpus_dir / "valid.txt")], out=str(out),
                  max_steps=TRAIN_STEPS, progress=False, threads=1, vocab_size=200)
    values.update(overrides)
    Trainer(TrainConfig(**values)).run()
    return out


@pytest.fixture(scope="session")
def trained_run(corpus_dir, tmp_path_factory) -> Path:
    return train_model(corpus_dir, tmp_path_factory.mktemp("run"))


@pytest.fixture(scope="session")
def bundle_and_report(trained_run, tmp_path_factory):
    from export.exporter import export_bundle

    out = tmp_path_factory.mktemp("bundle")
    info, report = export_bundle(str(trained_run / "best.pt"), str(out))
    return out, report


@pytest.fixture(scope="session")
def bundle(bundle_and_report) -> Path:
    return bundle_and_report[0]


@pytest.fixture(scope="session")
def predictor(bundle):
    from kbpredict import Predictor

    return Predictor.load(bundle)


@pytest.fixture
def bundle_copy(bundle, tmp_path) -> Path:
    """A private copy of the bundle that a test may damage."""
    target = tmp_path / "bundle"
    shutil.copytree(bundle, target)
    return target


def refresh_checksums(bundle: Path) -> None:
    """Rewrite model.json's file checksums after a test replaced a file on purpose, so that the
    loader's later checks (not the checksum) are what the test exercises."""
    import json

    from kbpredict.bundle import describe_files

    sidecar = json.loads((bundle / "model.json").read_text())
    sidecar["files"] = describe_files(bundle, list(sidecar["files"]))
    (bundle / "model.json").write_text(json.dumps(sidecar))
