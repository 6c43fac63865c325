"""Parity at every hand-off: torch vs ONNX fp32 vs ONNX int8, and incremental vs whole-sequence."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from kbpredict.lm import OnnxLanguageModel
from kbpredict.vocab import Vocabulary
from train.data import documents, encode_documents, read_text
from train.model import LanguageModel

# The bars every recorded difference is held to.
TORCH_FP32_MAX_DIFF = 1e-4  # max |d log p| between torch and ONNX fp32, any position, any word
INCREMENTAL_MAX_DIFF_FP32 = 1e-4  # token-by-token vs multi-token feeds of the fp32 graph
INT8_TOP3_AGREEMENT = 0.95  # mean overlap of the int8 and fp32 top-3 sets
INT8_PPL_RATIO = 1.03  # int8 perplexity at most 3% above fp32
# int8: DynamicQuantizeLSTM quantizes each call's inputs with a scale from their own range, so a
# multi-token feed and token-by-token feeding round differently; the limit is on what a user
# sees (the top-3 after the feed) and on the size of the difference.
INCREMENTAL_MAX_DIFF_INT8 = 0.5
INCREMENTAL_TOP3_INT8 = 0.9  # top-3 overlap of multi-token vs token-by-token int8 feeds
FEED_CHUNKS = (2, 7, 16, 33, 64)  # lengths of the multi-token feeds, in turn, covering every position


@dataclass
class ParityReport:
    """What the checks measured, over ``positions`` validation positions; ``passed`` says whether
    every bar was met."""

    positions: int
    torch_vs_fp32_max_abs_diff: float
    incremental_vs_whole_fp32_max_abs_diff: float
    fp32_ppl: float
    feeds: int = 0  # multi-token feeds compared with token-by-token feeding
    int8_ppl: float | None = None
    int8_ppl_ratio: float | None = None
    int8_top3_agreement: float | None = None  # mean overlap of the two top-3 sets
    int8_top3_exact: float | None = None  # share of positions with identical top-3 sets
    int8_top1_agreement: float | None = None
    incremental_vs_whole_int8_max_abs_diff: float | None = None
    incremental_vs_whole_int8_top3: float | None = None
    passed: bool = False
    failures: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        data = asdict(self)
        data["failures"] = list(self.failures)
        return data


def validation_ids(path: str, vocab: Vocabulary, count: int, text_format: str = "auto") -> np.ndarray:
    """The first ``count + 1`` token ids of a validation text."""
    ids = encode_documents(documents(read_text(path), text_format), vocab)
    if len(ids) < 3:
        raise ValueError(f"{path} has too few tokens for a parity check")
    return ids[: count + 1]


def _top3(log_probs: np.ndarray) -> np.ndarray:
    return np.argpartition(-log_probs, 3)[:3]


class _Feeds:
    """Token-by-token feeding of one ONNX model, checked against multi-token feeds of the same
    tokens from the same state (lengths ``FEED_CHUNKS`` in turn, so every position is covered):
    at each feed's end the log-probs and the state are compared."""

    def __init__(self, lm: OnnxLanguageModel):
        self.lm, self.state = lm, lm.initial_state()
        self.max_diff, self.overlap, self.feeds = 0.0, 0, 0
        self._pending: list[int] = []
        self._start = self.state

    def step(self, token: int) -> np.ndarray:
        log_probs, self.state = self.lm.feed([token], self.state)
        self._pending.append(token)
        if len(self._pending) == FEED_CHUNKS[self.feeds % len(FEED_CHUNKS)]:
            whole, state = self.lm.feed(self._pending, self._start)
            self.max_diff = max(self.max_diff, float(np.abs(whole - log_probs).max()),
                                float(np.abs(state.h - self.state.h).max()), float(np.abs(state.c - self.state.c).max()))
            self.overlap += len(set(_top3(whole).tolist()) & set(_top3(log_probs).tolist()))
            self.feeds += 1
            self._pending, self._start = [], self.state
        return log_probs


@torch.no_grad()
def _torch_log_probs(model: LanguageModel, ids: np.ndarray, state) -> tuple[np.ndarray, tuple]:
    logits, state = model(torch.from_numpy(ids.astype(np.int64))[None], state)
    return torch.log_softmax(logits[0].double(), dim=-1).float().numpy(), state


def check_parity(model: LanguageModel | None, fp32: OnnxLanguageModel, int8: OnnxLanguageModel | None,
                 ids: np.ndarray) -> ParityReport:
    """Feed ``ids`` token by token through every engine and compare the predictions at every
    position: torch (if ``model`` is given) vs ONNX fp32, ONNX int8 vs fp32, and token-by-token vs
    multi-token feeds of each ONNX model."""
    positions = len(ids) - 1
    fp32_feeds = _Feeds(fp32)
    int8_feeds = _Feeds(int8) if int8 is not None else None
    torch_state = model.initial_state(1) if model is not None else None
    reference = None
    torch_diff = 0.0
    nll32 = nll8 = 0.0
    overlap = exact = top1 = 0
    block = 128  # torch runs a block of positions at once, carrying its state
    for position in range(positions):
        if model is not None and position % block == 0:
            reference, torch_state = _torch_log_probs(model, ids[position: min(positions, position + block)], torch_state)
        log32 = fp32_feeds.step(int(ids[position]))
        target = int(ids[position + 1])
        nll32 -= float(log32[target])
        if reference is not None:
            torch_diff = max(torch_diff, float(np.abs(log32 - reference[position % block]).max()))
        if int8_feeds is not None:
            log8 = int8_feeds.step(int(ids[position]))
            nll8 -= float(log8[target])
            a, b = set(_top3(log32).tolist()), set(_top3(log8).tolist())
            overlap += len(a & b)
            exact += a == b
            top1 += int(np.argmax(log32)) == int(np.argmax(log8))
    report = ParityReport(
        positions=positions,
        torch_vs_fp32_max_abs_diff=torch_diff if model is not None else float("nan"),
        incremental_vs_whole_fp32_max_abs_diff=fp32_feeds.max_diff,
        fp32_ppl=math.exp(nll32 / positions),
        feeds=fp32_feeds.feeds,
    )
    failures = []
    if model is not None and not report.torch_vs_fp32_max_abs_diff <= TORCH_FP32_MAX_DIFF:
        failures.append(f"torch vs ONNX fp32 differ by {torch_diff:.2e} > {TORCH_FP32_MAX_DIFF:g}")
    if not report.incremental_vs_whole_fp32_max_abs_diff <= INCREMENTAL_MAX_DIFF_FP32:
        failures.append(f"fp32: token-by-token feeding differs from multi-token feeds by "
                        f"{fp32_feeds.max_diff:.2e} > {INCREMENTAL_MAX_DIFF_FP32:g}")
    if int8_feeds is not None:
        report.int8_ppl = math.exp(nll8 / positions)
        report.int8_ppl_ratio = report.int8_ppl / report.fp32_ppl
        report.int8_top3_agreement = overlap / (3 * positions)
        report.int8_top3_exact = exact / positions
        report.int8_top1_agreement = top1 / positions
        report.incremental_vs_whole_int8_max_abs_diff = int8_feeds.max_diff
        report.incremental_vs_whole_int8_top3 = int8_feeds.overlap / (3 * max(1, int8_feeds.feeds))
        if not report.int8_top3_agreement >= INT8_TOP3_AGREEMENT:
            failures.append(f"int8 top-3 agreement {report.int8_top3_agreement:.3f} < {INT8_TOP3_AGREEMENT}")
        if not report.int8_ppl_ratio <= INT8_PPL_RATIO:
            failures.append(f"int8 perplexity is {100 * (report.int8_ppl_ratio - 1):.1f}% above fp32 (> 3%)")
        if not report.incremental_vs_whole_int8_max_abs_diff <= INCREMENTAL_MAX_DIFF_INT8:
            failures.append(f"int8: token-by-token feeding differs from multi-token feeds by "
                            f"{int8_feeds.max_diff:.2f} > {INCREMENTAL_MAX_DIFF_INT8:g}")
        if not report.incremental_vs_whole_int8_top3 >= INCREMENTAL_TOP3_INT8:
            failures.append(f"int8: multi-token feeds agree on {100 * report.incremental_vs_whole_int8_top3:.1f}% "
                            f"of the top 3 with token-by-token feeding (< {100 * INCREMENTAL_TOP3_INT8:g}%)")
    report.failures = tuple(failures)
    report.passed = not failures
    return report


@dataclass
class BundleCheck:
    """What one ONNX model alone shows over the validation positions (no reference model)."""

    positions: int
    precision: str
    ppl: float
    feeds: int
    incremental_vs_whole_max_abs_diff: float
    incremental_vs_whole_top3: float
    failures: tuple[str, ...] = ()


def check_bundle_model(lm: OnnxLanguageModel, ids: np.ndarray, precision: str) -> BundleCheck:
    """Perplexity of ``lm`` over ``ids`` and token-by-token vs multi-token feeds, with the limits of
    its precision: what can be checked of a bundle without the checkpoint it came from."""
    feeds = _Feeds(lm)
    nll = 0.0
    for position in range(len(ids) - 1):
        nll -= float(feeds.step(int(ids[position]))[int(ids[position + 1])])
    top3 = feeds.overlap / (3 * max(1, feeds.feeds))
    limit = INCREMENTAL_MAX_DIFF_INT8 if precision == "int8" else INCREMENTAL_MAX_DIFF_FP32
    failures = []
    if not feeds.max_diff <= limit:
        failures.append(f"{precision}: token-by-token feeding differs from multi-token feeds by "
                        f"{feeds.max_diff:.2e} > {limit:g}")
    if precision == "int8" and not top3 >= INCREMENTAL_TOP3_INT8:
        failures.append(f"int8: multi-token feeds agree on {100 * top3:.1f}% of the top 3 with "
                        f"token-by-token feeding (< {100 * INCREMENTAL_TOP3_INT8:g}%)")
    return BundleCheck(len(ids) - 1, precision, math.exp(nll / (len(ids) - 1)), feeds.feeds, feeds.max_diff, top3,
                       tuple(failures))


def local_path(recorded: str) -> str:
    """A recorded path as it is, or the same file under this checkout's ``../shared/data`` (a
    bundle exported on another machine from the shared data sets)."""
    p = Path(recorded)
    if p.exists():
        return str(p)
    parts = p.parts
    for i in range(len(parts) - 1):
        if parts[i: i + 2] == ("shared", "data"):
            candidate = Path(__file__).resolve().parents[2] / "shared" / "data" / Path(*parts[i + 2:])
            if candidate.exists():
                return str(candidate)
    return str(p)


def format_report(report: ParityReport) -> str:
    """A short human-readable table."""
    torch_row = ("not checked (no checkpoint)" if math.isnan(report.torch_vs_fp32_max_abs_diff)
                 else f"{report.torch_vs_fp32_max_abs_diff:.2e}  (limit {TORCH_FP32_MAX_DIFF:g})")
    lines = [f"parity over {report.positions} validation positions (every one; {report.feeds} multi-token feeds "
             f"of {'/'.join(map(str, FEED_CHUNKS))} tokens compared with token-by-token feeding):",
             f"  torch vs ONNX fp32 max |dlogp|        {torch_row}",
             f"  fp32 token-by-token vs multi-token    {report.incremental_vs_whole_fp32_max_abs_diff:.2e}  "
             f"(limit {INCREMENTAL_MAX_DIFF_FP32:g}; log-probs and state)",
             f"  fp32 perplexity                       {report.fp32_ppl:.2f}"]
    if report.int8_ppl is not None:
        lines += [f"  int8 perplexity                       {report.int8_ppl:.2f}  (+{100 * (report.int8_ppl_ratio - 1):.2f}%, limit +3%)",
                  f"  int8 vs fp32 top-3 agreement          {100 * report.int8_top3_agreement:.2f}%  (limit 95%; identical sets {100 * report.int8_top3_exact:.1f}%, top-1 {100 * report.int8_top1_agreement:.1f}%)",
                  f"  int8 token-by-token vs multi-token    {report.incremental_vs_whole_int8_max_abs_diff:.2f}  "
                  f"(limit {INCREMENTAL_MAX_DIFF_INT8:g}); top-3 agreement {100 * report.incremental_vs_whole_int8_top3:.1f}% "
                  f"(limit {100 * INCREMENTAL_TOP3_INT8:g}%)"]
    lines.append("  PASSED" if report.passed else "  FAILED: " + "; ".join(report.failures))
    return "\n".join(lines)


def default_validation_file(training: dict) -> str | None:
    """The first validation file named in the training summary, if it still exists."""
    for path in training.get("valid_files") or []:
        if Path(path).is_file():
            return path
    return None
