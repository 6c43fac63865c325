"""The training loop: data, model, optimizer, schedule, validation, checkpoints and resume."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from kbpredict.vocab import Vocabulary

from .checkpoint import load_checkpoint, save_checkpoint
from .config import ModelConfig, TrainConfig
from .data import DataError, batchify, encode_files, token_lines
from .model import LanguageModel
from .vocab import build_vocabulary


class StopRequested(Exception):
    """Ctrl-C or SIGTERM arrived; the loop saves and stops at the next step boundary."""


def learning_rate(step: int, total: int, config: TrainConfig) -> float:
    """Linear warm-up, then cosine decay to ``lr * min_lr_ratio``."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    progress = min(1.0, (step - config.warmup_steps) / max(1, total - config.warmup_steps))
    return config.lr * (config.min_lr_ratio + (1 - config.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


@torch.no_grad()
def perplexity(model: LanguageModel, ids: np.ndarray, device: torch.device, max_tokens: int = 0,
               batch_size: int = 10, bptt: int = 70) -> float:
    """Perplexity of a token stream, every token counted, the state carried across windows."""
    if max_tokens:
        ids = ids[: max_tokens + 1]
    batch_size = max(1, min(batch_size, (len(ids) - 1) // 2))
    data = torch.from_numpy(batchify(ids, batch_size).astype(np.int64)).to(device)
    was_training = model.training
    model.eval()
    state = model.initial_state(batch_size, device)
    total_loss, count = 0.0, 0
    for start in range(0, data.size(1) - 1, bptt):
        end = min(start + bptt, data.size(1) - 1)
        logits, state = model(data[:, start:end], state)
        targets = data[:, start + 1 : end + 1]
        total_loss += F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), targets.reshape(-1),
                                      reduction="sum").item()
        count += targets.numel()
    model.train(was_training)
    return math.exp(total_loss / max(1, count))


class Trainer:
    """Runs one training job described by a :class:`TrainConfig`."""

    def __init__(self, config: TrainConfig):
        self.config = config
        self.out = Path(config.out)
        self.device = torch.device(
            ("cuda" if torch.cuda.is_available() else "cpu") if config.device == "auto" else config.device
        )
        self._stop = False

    # -- set-up -------------------------------------------------------------------------------
    def _vocabulary(self, checkpoint: dict[str, Any] | None) -> Vocabulary:
        if checkpoint is not None:
            return Vocabulary.from_bytes(bytes(checkpoint["vocab_model"].numpy()))
        if self.config.vocab:
            return Vocabulary.from_file(self.config.vocab)
        self._log(f"building a {self.config.vocab_size}-word vocabulary with sentencepiece")
        data = build_vocabulary(token_lines(self.config.train, self.config.text_format), self.config.vocab_size)
        (self.out / "vocab.model").write_bytes(data)
        return Vocabulary.from_bytes(data)

    def _log(self, message: str) -> None:
        print(f"[train] {message}", file=sys.stderr, flush=True)

    def _handle_signal(self, signum: int, frame: Any) -> None:
        if self._stop:  # a second Ctrl-C means "now"
            raise KeyboardInterrupt
        self._stop = True
        self._log("stopping: saving a checkpoint at the end of this step (Ctrl-C again to abort)")

    # -- the run ------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """Train; returns the run summary (also written to ``summary.json``)."""
        config = self.config
        if not config.train:
            raise DataError("no training text: pass --train FILE")
        self.out.mkdir(parents=True, exist_ok=True)
        if config.threads:
            torch.set_num_threads(config.threads)
        torch.manual_seed(config.seed)

        checkpoint = None
        if config.resume:
            last = self.out / "last.pt"
            if not last.exists():
                raise DataError(f"--resume: no checkpoint at {last}")
            checkpoint = load_checkpoint(last)
            self._log(f"resuming from {last} at step {checkpoint['step']}")
        vocab = self._vocabulary(checkpoint)
        cache = str(self.out / "data")
        train_ids = encode_files(config.train, config.text_format, vocab, cache)
        valid_ids = encode_files(config.valid, config.text_format, vocab, cache) if config.valid else None
        model_config = config.model_config(len(vocab))
        if checkpoint is not None and checkpoint["model_config"] != dataclasses.asdict(model_config):
            raise DataError("--resume: the checkpoint's model shape differs from this configuration")

        model = LanguageModel(model_config, dropout=config.dropout).to(self.device)
        optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        data = torch.from_numpy(batchify(train_ids, config.batch_size).astype(np.int64))
        steps_per_epoch = max(1, (data.size(1) - 1) // config.bptt)
        total_steps = config.max_steps or config.epochs * steps_per_epoch

        step, epoch, batch_index, best, history = 0, 0, 0, math.inf, []
        if checkpoint is not None:
            model.load_state_dict(checkpoint["model"])
            optimizer.load_state_dict(checkpoint["optimizer"])
            step, epoch, batch_index = checkpoint["step"], checkpoint["epoch"], checkpoint["batch_index"]
            best, history = checkpoint["best_valid_ppl"], checkpoint["history"]
            torch.set_rng_state(checkpoint["rng"])
        self._log(
            f"{model.num_parameters():,} parameters, {len(vocab):,} words, {len(train_ids):,} training tokens, "
            f"{steps_per_epoch} steps/epoch, {total_steps} steps, device {self.device}"
        )

        started = time.time()
        elapsed_before = checkpoint["elapsed_s"] if checkpoint is not None else 0.0
        summary_base = {
            "train_files": config.train, "valid_files": config.valid, "text_format": config.text_format,
            "train_tokens": int(len(train_ids)), "valid_tokens": int(len(valid_ids)) if valid_ids is not None else 0,
            "parameters": model.num_parameters(),
        }

        def save(name: str) -> None:
            save_checkpoint(self.out / name, model=model, optimizer=optimizer, model_config=model_config,
                            train_config=config, vocab=vocab, step=step, epoch=epoch, batch_index=batch_index,
                            best_valid_ppl=best, history=history,
                            elapsed_s=elapsed_before + time.time() - started, summary=summary_base)

        def validate() -> float | None:
            nonlocal best
            if valid_ids is None:
                return None
            ppl = perplexity(model, valid_ids, self.device, config.eval_tokens)
            history.append({"step": step, "epoch": epoch, "valid_ppl": ppl})
            self._log(f"step {step} epoch {epoch}: validation perplexity {ppl:.2f}")
            with open(self.out / "log.jsonl", "a") as log:
                log.write(json.dumps(history[-1]) + "\n")
            if ppl < best:
                best = ppl
                save("best.pt")
            return ppl

        previous = {s: signal.signal(s, self._handle_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        model.train()
        interrupted = False
        try:
            progress = _progress(total_steps, step, config.progress)
            while step < total_steps:
                state = model.initial_state(config.batch_size, self.device)
                while batch_index < steps_per_epoch and step < total_steps:
                    if self._stop:
                        raise StopRequested
                    start = batch_index * config.bptt
                    inputs = data[:, start : start + config.bptt].to(self.device)
                    targets = data[:, start + 1 : start + 1 + config.bptt].to(self.device)
                    for group in optimizer.param_groups:
                        group["lr"] = learning_rate(step, total_steps, config)
                    state = (state[0].detach(), state[1].detach())
                    logits, state = model(inputs, state)
                    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip)
                    optimizer.step()
                    step += 1
                    batch_index += 1
                    progress.update(loss.item(), targets.numel(), optimizer.param_groups[0]["lr"], epoch)
                    if step % config.checkpoint_every == 0:
                        save("last.pt")
                    if config.eval_every and step % config.eval_every == 0:
                        validate()
                if batch_index >= steps_per_epoch:
                    epoch, batch_index = epoch + 1, 0
                    if not config.eval_every:
                        validate()
            progress.close()
            if not history or history[-1]["step"] != step:
                validate()  # the run stopped mid-epoch (--max-steps): validate where it ended
        except StopRequested:
            interrupted = True
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        save("last.pt")
        if valid_ids is None or not (self.out / "best.pt").exists():
            save("best.pt")  # without validation the latest weights are the best we know
        summary = {
            **summary_base, "steps": step, "epochs": epoch, "best_valid_ppl": best if best < math.inf else None,
            "elapsed_s": round(elapsed_before + time.time() - started, 1), "interrupted": interrupted,
            "model_config": dataclasses.asdict(model_config),
        }
        (self.out / "summary.json").write_text(json.dumps(summary, indent=2))
        if interrupted:
            self._log(f"saved {self.out / 'last.pt'} at step {step}; continue with the same command and --resume")
        else:
            self._log(f"done: best validation perplexity {summary['best_valid_ppl']}, checkpoint {self.out / 'best.pt'}")
        return summary


class _progress:
    """A tqdm bar with loss, perplexity and tokens/s; a plain log line when not on a terminal."""

    def __init__(self, total: int, initial: int, enabled: bool):
        self._bar = None
        self._smoothed: float | None = None
        self._tokens = 0
        self._since = time.time()
        self._last_print = 0.0
        self._enabled = enabled
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=initial, unit="step", dynamic_ncols=True, file=sys.stderr)

    def update(self, loss: float, tokens: int, lr: float, epoch: int) -> None:
        self._smoothed = loss if self._smoothed is None else 0.95 * self._smoothed + 0.05 * loss
        self._tokens += tokens
        rate = self._tokens / max(1e-9, time.time() - self._since)
        fields = {"epoch": epoch, "loss": f"{self._smoothed:.3f}", "ppl": f"{math.exp(min(self._smoothed, 50)):.1f}",
                  "tok/s": f"{rate:,.0f}", "lr": f"{lr:.2e}"}
        if self._bar is not None:
            self._bar.set_postfix(fields, refresh=False)
            self._bar.update(1)
        elif self._enabled and time.time() - self._last_print > 30:
            self._last_print = time.time()
            print("[train] " + " ".join(f"{k}={v}" for k, v in fields.items()), file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
