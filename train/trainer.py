"""The training loop: data, model, optimizer, schedule, validation, checkpoints, resume, DDP."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import signal
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F
from torch.nn.parallel import DistributedDataParallel

from kbpredict.vocab import Vocabulary

from . import distributed as dist
from .batches import ArrayStream, RowBatches
from .checkpoint import load_checkpoint, save_checkpoint
from .config import TrainConfig
from .data import DataError, batchify, encode_files, token_lines
from .model import LanguageModel
from .shards import TokenStream, read_manifest
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
    """Runs one training job described by a :class:`TrainConfig`, alone or as one torchrun process."""

    def __init__(self, config: TrainConfig):
        self.config = config
        self.out = Path(config.out)
        kind = ("cuda" if torch.cuda.is_available() else "cpu") if config.device == "auto" else config.device
        self.world = dist.init_world(kind)
        self.device = torch.device(f"cuda:{self.world.local_rank}" if kind == "cuda" else kind)
        if self.device.type == "cuda":
            torch.cuda.set_device(self.device)
        self._stop = False

    def _log(self, message: str) -> None:
        if self.world.is_main:
            print(f"[train] {message}", file=sys.stderr, flush=True)

    def _handle_signal(self, signum: int, frame: Any) -> None:
        if self._stop:  # a second Ctrl-C means "now"
            raise KeyboardInterrupt
        self._stop = True
        self._log("stopping: saving a checkpoint at the end of this step (Ctrl-C again to abort)")

    # -- data -----------------------------------------------------------------------------------
    def _data(self, checkpoint: dict | None) -> tuple[Vocabulary, Any, np.ndarray | None]:
        """Vocabulary, training stream and validation ids, from --data or from --train/--valid."""
        config = self.config
        if config.data:
            manifest = read_manifest(config.data)
            vocab = Vocabulary.from_file(str(Path(config.data) / manifest["vocab_file"]))
            if checkpoint is not None and bytes(checkpoint["vocab_model"].numpy()) != vocab.serialized():
                raise DataError("the data directory's vocabulary differs from the checkpoint's "
                                "(prepare the data with --vocab set to the checkpoint run's vocab.model)")
            valid = None
            if manifest["splits"].get("valid"):
                stream = TokenStream(config.data, "valid")
                valid = stream.read(0, min(len(stream), (config.eval_tokens or len(stream)) + 1))
            return vocab, TokenStream(config.data, "train"), valid
        if not config.train:
            raise DataError("no training text: pass --train FILE (or --data DIR from python -m train.prepare)")
        # The main process builds the vocabulary and the encoded cache; the others then read them.
        vocab = None
        if self.world.is_main:
            vocab = self._vocabulary(checkpoint)
            encode_files(config.train, config.text_format, vocab, str(self.out / "data"))
        dist.barrier(self.world)
        if vocab is None:
            vocab = Vocabulary.from_bytes(bytes(checkpoint["vocab_model"].numpy())) if checkpoint is not None \
                else Vocabulary.from_file(str(self.out / "vocab.model"))
        train_ids = encode_files(config.train, config.text_format, vocab, str(self.out / "data"))
        valid = encode_files(config.valid, config.text_format, vocab, str(self.out / "data")) if config.valid else None
        return vocab, ArrayStream(train_ids), valid

    def _vocabulary(self, checkpoint: dict | None) -> Vocabulary:
        if checkpoint is not None:
            data = bytes(checkpoint["vocab_model"].numpy())
            if not (self.out / "vocab.model").exists():
                (self.out / "vocab.model").write_bytes(data)
            return Vocabulary.from_bytes(data)
        if self.config.vocab:
            return Vocabulary.from_file(self.config.vocab)
        self._log(f"building a {self.config.vocab_size}-word vocabulary with sentencepiece")
        data = build_vocabulary(token_lines(self.config.train, self.config.text_format), self.config.vocab_size)
        (self.out / "vocab.model").write_bytes(data)
        return Vocabulary.from_bytes(data)

    # -- the run ----------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """Train; returns the run summary (also written to ``summary.json`` by the main process)."""
        summary = self._run()  # on an error the process exits and torchrun stops the others
        dist.shutdown(self.world)
        return summary

    def _run(self) -> dict[str, Any]:
        config, world = self.config, self.world
        if self.out.exists() and not self.out.is_dir():
            raise DataError(f"--out {self.out} is a file; give a directory for checkpoints and logs")
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
        init = None
        if config.init_from:
            # Fine-tuning or training on: the model's shape and vocabulary are the checkpoint's;
            # the optimizer, schedule and step count start afresh.
            init = load_checkpoint(config.init_from)
            shape = init["model_config"]
            config = self.config = dataclasses.replace(
                config, vocab_size=shape["vocab_size"], embedding_size=shape["embedding_size"],
                hidden_size=shape["hidden_size"], num_layers=shape["num_layers"], cell=shape["cell"])
            if checkpoint is None:
                self._log(f"starting from the weights of {config.init_from} (step {init['step']}, "
                          f"validation perplexity {init['best_valid_ppl']:.2f} on its own validation text)")
        vocab, train_stream, valid_ids = self._data(checkpoint if checkpoint is not None else init)
        model_config = config.model_config(len(vocab))
        if checkpoint is not None and checkpoint["model_config"] != dataclasses.asdict(model_config):
            raise DataError("--resume: the checkpoint's model shape differs from this configuration")
        batches = RowBatches(train_stream, config.batch_size, config.bptt, world.rank, world.size, config.grad_accum)
        total_steps = config.max_steps or config.epochs * batches.steps_per_epoch

        model = LanguageModel(model_config, dropout=config.dropout).to(self.device)
        optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        step, epoch, batch_index, best, history = 0, 0, 0, math.inf, []
        if init is not None and checkpoint is None:
            model.load_state_dict(init["model"])
        if checkpoint is not None:
            model.load_state_dict(checkpoint["model"])
            optimizer.load_state_dict(checkpoint["optimizer"])
            step, epoch, batch_index = checkpoint["step"], checkpoint["epoch"], checkpoint["batch_index"]
            best, history = checkpoint["best_valid_ppl"], checkpoint["history"]
            torch.set_rng_state(checkpoint["rng"])
        trained = model
        if world.distributed:
            trained = DistributedDataParallel(model, device_ids=[self.device.index] if self.device.type == "cuda" else None)
        self._log(
            f"{model.num_parameters():,} parameters, {len(vocab):,} words, {len(train_stream):,} training tokens, "
            f"{batches.steps_per_epoch} steps/epoch, {total_steps} steps, {world.size} process(es), device {self.device}"
        )

        def zero_states() -> list:
            return [model.initial_state(batches.micro_rows, self.device) for _ in range(config.grad_accum)]

        states = zero_states()
        if checkpoint is not None and checkpoint.get("hidden") is not None and batch_index:
            states = self._restore_states(checkpoint["hidden"], batches) or states

        started = time.time()
        elapsed_before = checkpoint["elapsed_s"] if checkpoint is not None else 0.0
        summary_base = {
            "train_files": config.train or [config.data], "valid_files": config.valid,
            "text_format": config.text_format, "train_tokens": int(len(train_stream)),
            "valid_tokens": int(len(valid_ids)) if valid_ids is not None else 0,
            "parameters": model.num_parameters(), "processes": world.size,
        }
        if config.data:  # the prepared mix: each source's weight and tokens, for the bundle's model card
            manifest = read_manifest(config.data)
            summary_base.update({k: manifest[k] for k in ("mix", "masks") if k in manifest})
            summary_base["valid_files"] = config.valid or manifest["sources"].get("valid", [])

        def save(name: str, with_states: bool = True) -> None:
            # Gathering the states is collective: every process calls save("last.pt") together.
            hidden = None
            if with_states:
                hidden = tuple(dist.gather_rows(world, torch.cat([s[i] for s in states], dim=1)).cpu()
                               for i in range(2))
            if world.is_main:
                save_checkpoint(self.out / name, model=model, optimizer=optimizer, model_config=model_config,
                                train_config=config, vocab=vocab, step=step, epoch=epoch, batch_index=batch_index,
                                best_valid_ppl=best, history=history, hidden=hidden,
                                elapsed_s=elapsed_before + time.time() - started, summary=summary_base)

        # the same on every process (the checkpoint's history is loaded by all); a resumed run that
        # is already past --max-steps (a finished earlier stage) does not validate again
        validated_at = history[-1]["step"] if history else -1

        def validate() -> None:
            nonlocal best, validated_at
            validated_at = step
            if valid_ids is not None and world.is_main:
                ppl = perplexity(model, valid_ids, self.device, config.eval_tokens)
                history.append({"step": step, "epoch": epoch, "valid_ppl": ppl})
                self._log(f"step {step} epoch {epoch}: validation perplexity {ppl:.2f}")
                with open(self.out / "log.jsonl", "a") as log:
                    log.write(json.dumps(history[-1]) + "\n")
                if ppl < best:
                    best = ppl
                    save("best.pt", with_states=False)
            dist.barrier(world)

        autocast = torch.autocast("cuda", dtype=torch.bfloat16) if (
            self.device.type == "cuda" and config.bf16) else contextlib.nullcontext()
        previous = {s: signal.signal(s, self._handle_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        model.train()
        interrupted = stopped = False
        progress = _Progress(total_steps, step, config.progress and world.is_main)
        timed_seconds, timed_tokens, first_step = 0.0, 0, step  # throughput, after 3 warm-up steps
        try:
            while step < total_steps:
                while batch_index < batches.steps_per_epoch and step < total_steps:
                    if dist.any_across(world, self._stop):
                        raise StopRequested
                    if config.stop_after and step >= config.stop_after:
                        raise StopRequested  # a long run in stages: --resume continues the same schedule
                    for group in optimizer.param_groups:
                        group["lr"] = learning_rate(step, total_steps, config)
                    optimizer.zero_grad(set_to_none=True)
                    step_started = time.perf_counter()
                    step_loss, tokens = 0.0, 0
                    for micro in range(config.grad_accum):
                        inputs, targets = (t.to(self.device) for t in batches.micro_batch(batch_index, micro))
                        last = micro == config.grad_accum - 1
                        sync = contextlib.nullcontext() if last or not world.distributed else trained.no_sync()
                        with sync:
                            with autocast:
                                state = (states[micro][0].detach(), states[micro][1].detach())
                                logits, states[micro] = trained(inputs, state)
                            loss = F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), targets.reshape(-1))
                            (loss / config.grad_accum).backward()
                        step_loss += loss.item() / config.grad_accum
                        tokens += targets.numel()
                    torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip)
                    optimizer.step()
                    if step - first_step >= 3:
                        timed_seconds += time.perf_counter() - step_started
                        timed_tokens += tokens * world.size
                    step += 1
                    batch_index += 1
                    progress.update(step_loss, tokens * world.size, optimizer.param_groups[0]["lr"], epoch)
                    if step % config.log_every == 0 or step == 1:
                        mean_loss = dist.mean_across(world, step_loss)
                        if world.is_main:
                            with open(self.out / "train_log.jsonl", "a") as log:
                                log.write(json.dumps({"step": step, "loss": mean_loss,
                                                      "lr": optimizer.param_groups[0]["lr"]}) + "\n")
                    if step % config.checkpoint_every == 0:
                        save("last.pt")
                    if config.eval_every and step % config.eval_every == 0:
                        validate()
                if batch_index >= batches.steps_per_epoch:
                    epoch, batch_index = epoch + 1, 0
                    states = zero_states()  # each epoch starts at the beginning of every row
                    if not config.eval_every:
                        validate()
            progress.close()
            if validated_at != step:
                validate()  # the run stopped mid-epoch (--max-steps): validate where it ended
        except StopRequested:
            interrupted = self._stop  # a signal; --stop-after is a planned stop
            stopped = True
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        save("last.pt")
        if world.is_main and (valid_ids is None or not (self.out / "best.pt").exists()):
            save("best.pt", with_states=False)  # without validation the latest weights are the best we know
        summary = {
            **summary_base, "steps": step, "epochs": epoch, "best_valid_ppl": best if best < math.inf else None,
            "elapsed_s": round(elapsed_before + time.time() - started, 1), "interrupted": interrupted,
            "stopped_early": stopped,
            "tokens_per_second": round(timed_tokens / timed_seconds) if timed_seconds else None,
            "model_config": dataclasses.asdict(model_config),
        }
        if world.is_main:
            (self.out / "summary.json").write_text(json.dumps(summary, indent=2))
        if stopped and not interrupted:
            self._log(f"stopped at step {step} of {total_steps} (--stop-after); saved {self.out / 'last.pt'}: "
                      "continue with --resume and a later --stop-after, or none")
        elif interrupted:
            self._log(f"saved {self.out / 'last.pt'} at step {step}; continue with the same command and --resume")
        else:
            self._log(f"done: best validation perplexity {summary['best_valid_ppl']}, checkpoint {self.out / 'best.pt'}")
        return summary

    def _restore_states(self, hidden: tuple[torch.Tensor, torch.Tensor], batches: RowBatches) -> list | None:
        """This process's rows of the saved states, split into its micro-batches (None if the
        global batch size changed, in which case the rows restart from zero states)."""
        h, c = hidden
        if h.size(1) != self.config.batch_size:
            return None
        rows = list(batches.rows)
        states = []
        for micro in range(self.config.grad_accum):
            part = rows[micro * batches.micro_rows : (micro + 1) * batches.micro_rows]
            states.append((h[:, part].to(self.device), c[:, part].to(self.device)))
        return states


class _Progress:
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
        if not self._enabled:
            return
        self._smoothed = loss if self._smoothed is None else 0.95 * self._smoothed + 0.05 * loss
        self._tokens += tokens
        rate = self._tokens / max(1e-9, time.time() - self._since)
        fields = {"epoch": epoch, "loss": f"{self._smoothed:.3f}", "ppl": f"{math.exp(min(self._smoothed, 50)):.1f}",
                  "tok/s": f"{rate:,.0f}", "lr": f"{lr:.2e}"}
        if self._bar is not None:
            self._bar.set_postfix(fields, refresh=False)
            self._bar.update(1)
        elif time.time() - self._last_print > 30:
            self._last_print = time.time()
            print("[train] " + " ".join(f"{k}={v}" for k, v in fields.items()), file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
