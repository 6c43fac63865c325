"""Training configuration: one dataclass, named presets, and command-line flags mapped one to one."""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ModelConfig:
    """Shape of the language model; stored in every checkpoint and in the exported bundle."""

    vocab_size: int
    embedding_size: int = 256
    hidden_size: int = 512  # a projection back to embedding_size is added when they differ
    num_layers: int = 1
    cell: str = "lstm"  # "lstm", or "cifg": coupled input and forget gate (Gboard's cell)

    def __post_init__(self) -> None:
        if self.cell not in ("lstm", "cifg"):
            raise ValueError(f"cell must be 'lstm' or 'cifg', not {self.cell!r}")
        if not 1 <= self.num_layers <= 2:
            raise ValueError("num_layers must be 1 or 2")


@dataclass
class TrainConfig:
    """Everything a training run needs; each field is a ``--flag`` of ``python -m train``."""

    train: list[str] = field(default_factory=list)  # text files to train on
    valid: list[str] = field(default_factory=list)  # held-out text for perplexity
    data: str = ""  # a directory prepared by python -m train.prepare (instead of --train/--valid)
    out: str = "runs/model"  # checkpoints, vocabulary and logs go here
    text_format: str = "auto"  # plain | wikitext | tokens (already tokenized, e.g. PTB) | auto
    vocab: str = ""  # an existing sentencepiece model to reuse instead of building one
    init_from: str = ""  # start from this checkpoint's weights, shape and vocabulary (fine-tuning)
    vocab_size: int = 25_000  # words incl. 3 control ids; keyboards need 20k-32k
    cell: str = "lstm"
    embedding_size: int = 256
    hidden_size: int = 512
    num_layers: int = 1
    dropout: float = 0.3  # WikiText-2 is small: an unregularized LSTM overfits in ~3 epochs
    batch_size: int = 32  # the global batch: divided among torchrun processes and --grad-accum steps
    grad_accum: int = 1  # micro-batches per optimizer step (same global batch, less memory)
    bptt: int = 35  # truncated back-propagation length, as in Zaremba et al.
    lr: float = 2e-3  # Adam; LSTM LMs train well at 1e-3..3e-3
    weight_decay: float = 0.0
    warmup_steps: int = 200
    min_lr_ratio: float = 0.05  # cosine decay ends at lr * min_lr_ratio
    clip: float = 0.5  # gradient-norm clipping keeps LSTM training stable
    epochs: int = 10
    max_steps: int = 0  # stop after this many optimizer steps (0: run all epochs)
    stop_after: int = 0  # end this process at this step, saving last.pt; the schedule still runs to the end
    eval_every: int = 0  # validate every N steps (0: once per epoch)
    eval_tokens: int = 0  # validate on at most this many tokens (0: all)
    checkpoint_every: int = 200  # steps between saves of last.pt
    log_every: int = 50  # steps between lines of train_log.jsonl (the global mean loss)
    seed: int = 1234
    threads: int = 0  # torch intra-op threads (0: torch's default)
    device: str = "auto"  # auto | cpu | cuda
    bf16: bool = True  # bf16 autocast on GPU (ignored on CPU)
    resume: bool = False
    progress: bool = True

    def model_config(self, vocab_size: int) -> ModelConfig:
        """The model shape this run trains."""
        return ModelConfig(
            vocab_size=vocab_size,
            embedding_size=self.embedding_size,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            cell=self.cell,
        )


# --help text of each flag (the defaults printed with it are the preset's, when one is given)
HELP: dict[str, str] = {
    'epochs': 'passes over the training text',
    'weight_decay': "AdamW's decoupled weight decay",
    'warmup_steps': 'linear learning-rate warm-up before the cosine decay',
    'seed': 'random seed (weights, dropout, batch order)',
    'resume': 'continue from OUT/last.pt: weights, optimizer, schedule, data position and RNG',
    'progress': 'a progress bar on stderr',
    'train': 'text files to train on (UTF-8, one paragraph or message per line; .gz too)',
    'valid': 'held-out text files for validation perplexity',
    'data': 'a directory prepared by python -m train.prepare (instead of --train/--valid)',
    'out': 'checkpoints, vocabulary and logs go here',
    'text_format': 'plain | wikitext | tokens (already tokenized, e.g. PTB) | auto',
    'vocab': 'an existing sentencepiece model to reuse instead of building one',
    'init_from': "start from this checkpoint's weights, shape and vocabulary (fine-tuning)",
    'vocab_size': 'words incl. 3 control ids; keyboards need 20k-32k',
    'dropout': 'WikiText-2 is small: an unregularized LSTM overfits in ~3 epochs',
    'batch_size': 'the global batch: divided among torchrun processes and --grad-accum steps',
    'grad_accum': 'micro-batches per optimizer step (same global batch, less memory)',
    'bptt': 'truncated back-propagation length, as in Zaremba et al.',
    'lr': 'Adam; LSTM LMs train well at 1e-3..3e-3',
    'min_lr_ratio': 'cosine decay ends at lr * min_lr_ratio',
    'clip': 'gradient-norm clipping',
    'max_steps': 'stop after this many optimizer steps (0: run all epochs)',
    'stop_after': 'end this process at this step, saving last.pt; the schedule still runs to the end',
    'eval_every': 'validate every N steps (0: once per epoch)',
    'eval_tokens': 'validate on at most this many tokens (0: all)',
    'checkpoint_every': 'steps between saves of last.pt',
    'log_every': 'steps between lines of train_log.jsonl (the global mean loss)',
    'threads': "torch intra-op threads (0: torch's default)",
    'device': 'auto | cpu | cuda',
    'bf16': 'bf16 autocast on GPU (ignored on CPU)',
    'cell': "lstm, or cifg (coupled input and forget gate, Gboard's cell)",
    'embedding_size': 'word embedding width (the output layer is tied to it)',
    'hidden_size': 'LSTM width (projected back to the embedding size when they differ)',
    'num_layers': 'LSTM layers (1 or 2)',
}


PRESETS: dict[str, dict[str, Any]] = {
    # Seconds on a laptop; for tests and smoke runs only.
    "test": dict(vocab_size=2000, embedding_size=32, hidden_size=64, batch_size=8, bptt=16, dropout=0.0,
                 lr=5e-3, warmup_steps=10, checkpoint_every=50, eval_tokens=20_000, epochs=1, max_steps=300),
    # Gboard-sized: about 1M parameters, an int8 bundle (vocabulary and word list included) under 1.5 MB.
    # LSTM rather than Gboard's CIFG: the two tie at this size (bench/results/models.md) and the fused
    # nn.LSTM trains ~1.4x faster on CPU. make tiny-model: two cosine schedules, ~13 passes over the
    # ~14M-token conversational mix in all (Makefile).
    "tiny": dict(vocab_size=10_000, embedding_size=80, hidden_size=224, cell="lstm", dropout=0.1, batch_size=64,
                 lr=3e-3, warmup_steps=300, epochs=1, eval_every=2000),
    # The shipped default: an int8 bundle under 5 MB (the vocabulary file alone is ~0.5 MB). make
    # default-model: two cosine schedules, ~18 passes over the ~14M-token mix in all (Makefile). Dropout
    # 0.2: after 8 passes 0.1 was ahead (validation perplexity 22.2 / 22.5; 0.3: 23.2), but trained on
    # for a second schedule, 0.2's run ended lower (21.7 against 21.8).
    "default": dict(vocab_size=25_000, embedding_size=112, hidden_size=512, dropout=0.2, batch_size=128, lr=3e-3,
                    warmup_steps=300, epochs=1, eval_every=2000),
    # Penn Treebank with its own 10k vocabulary, for perplexity against the literature:
    # 2 x 300 tied, ~4.45M parameters (Zaremba et al.'s small LSTM has ~4.6M).
    "ptb": dict(vocab_size=10_003, text_format="tokens", embedding_size=300, hidden_size=300, num_layers=2,
                dropout=0.5, batch_size=20, epochs=40),
}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def build_parser(preset: str | None = None) -> argparse.ArgumentParser:
    """An argparse parser with one flag per :class:`TrainConfig` field, plus ``--preset``; the
    defaults shown in ``--help`` are the base ones, with each preset's value beside it."""
    parser = argparse.ArgumentParser(
        prog="python -m train",
        description="Train a word-level LSTM language model for kbpredict. Values come from the "
                    "defaults, then --preset, then the flags given.",
        argument_default=argparse.SUPPRESS,  # only flags given on the command line override
    )
    parser.add_argument("--preset", choices=sorted(PRESETS),
                        help="start from a named configuration: test (seconds, smoke runs), tiny (1.5 MB "
                             "bundle), default (the shipped 5 MB model), ptb (Penn Treebank)")
    defaults = TrainConfig()
    for f in dataclasses.fields(TrainConfig):
        default = getattr(defaults, f.name)
        text = HELP.get(f.name, f.name.replace("_", " "))
        presets = ", ".join(f"{name}: {values[f.name]}" for name, values in sorted(PRESETS.items())
                            if f.name in values)
        if isinstance(default, list):
            parser.add_argument(_flag(f.name), nargs="+", metavar="FILE", help=text)
            continue
        shown = f"{text} (default: {default!s}" + (f"; presets: {presets}" if presets else "") + ")"
        shown = shown.replace("%", "%%")
        if isinstance(default, bool):
            parser.add_argument(_flag(f.name), action=argparse.BooleanOptionalAction, help=shown)
        else:
            parser.add_argument(_flag(f.name), type=type(default), help=shown)
    return parser


def config_from_args(argv: list[str] | None = None) -> TrainConfig:
    """Defaults, then the preset, then explicit flags."""
    args = vars(build_parser().parse_args(argv))
    values: dict[str, Any] = dict(PRESETS.get(args.pop("preset", None) or "", {}))
    values.update(args)
    return TrainConfig(**values)
