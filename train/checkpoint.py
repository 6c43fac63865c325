"""Checkpoints: the config and plain tensors only (no pickled classes), loadable with weights_only."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import torch

from kbpredict.vocab import Vocabulary

from .config import ModelConfig, TrainConfig
from .model import LanguageModel

FORMAT = "kbpredict-checkpoint"
VERSION = 1


def save_checkpoint(path: Path, *, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                    model_config: ModelConfig, train_config: TrainConfig, vocab: Vocabulary, step: int,
                    epoch: int, batch_index: int, best_valid_ppl: float, history: list[dict[str, Any]],
                    elapsed_s: float, summary: dict[str, Any],
                    hidden: tuple[torch.Tensor, torch.Tensor] | None = None) -> None:
    """Write atomically, so a crash or Ctrl-C mid-save never leaves a broken checkpoint.

    ``hidden`` is the carried LSTM state of every batch row ([layers, batch, hidden] each), so a
    resumed run continues exactly where it stopped.
    """
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "model_config": dataclasses.asdict(model_config),
        "train_config": dataclasses.asdict(train_config),
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "vocab_model": torch.frombuffer(bytearray(vocab.serialized()), dtype=torch.uint8),
        "step": step,
        "epoch": epoch,
        "batch_index": batch_index,
        "best_valid_ppl": best_valid_ppl,
        "history": history,
        "elapsed_s": elapsed_s,
        "summary": summary,
        "rng": torch.get_rng_state(),
        "hidden": list(hidden) if hidden is not None else None,
    }
    tmp = path.with_suffix(".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` (tensors and plain data only)."""
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise FileNotFoundError(f"no checkpoint at {path}") from None
    except Exception as exc:  # torch raises many kinds for a truncated or foreign file
        # torch's own message for a foreign file is a page about weights_only: the first line is enough
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if reason.startswith("Weights only load failed"):
            reason = "not a file that torch.save wrote with tensors and plain data only"
        raise ValueError(f"{path} is not a readable checkpoint (truncated, damaged or foreign): {reason}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a kbpredict checkpoint")
    if payload.get("version") != VERSION:
        raise ValueError(f"{path}: checkpoint version {payload.get('version')} is not supported")
    return payload


def load_model(payload: dict[str, Any]) -> tuple[LanguageModel, Vocabulary]:
    """Rebuild the model (eval mode) and its vocabulary from a loaded checkpoint."""
    model = LanguageModel(ModelConfig(**payload["model_config"]))
    model.load_state_dict(payload["model"])
    model.eval()
    return model, Vocabulary.from_bytes(bytes(payload["vocab_model"].numpy()))
