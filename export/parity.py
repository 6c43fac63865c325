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

# The bars of the foundation issue.
TORCH_FP32_MAX_DIFF = 1e-4
INT8_TOP3_AGREEMENT = 0.95
INT8_PPL_RATIO = 1.03
INCREMENTAL_MAX_DIFF_FP32 = 1e-4


@dataclass
class ParityReport:
    """What the checks measured; ``passed`` says whether every bar was met."""

    positions: int
    torch_vs_fp32_max_abs_diff: float
    incremental_vs_whole_fp32_max_abs_diff: float
    fp32_ppl: float
    int8_ppl: float | None = None
    int8_ppl_ratio: float | None = None
    int8_top3_agreement: float | None = None  # mean overlap of the two top-3 sets
    int8_top3_exact: float | None = None  # share of positions with identical top-3 sets
    int8_top1_agreement: float | None = None
    incremental_vs_whole_int8_max_abs_diff: float | None = None
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


@torch.no_grad()
def _torch_log_probs(model: LanguageModel, ids: np.ndarray) -> np.ndarray:
    logits, _ = model(torch.from_numpy(ids.astype(np.int64))[None], model.initial_state(1))
    return torch.log_softmax(logits[0].double(), dim=-1).float().numpy()


def _incremental_vs_whole(lm: OnnxLanguageModel, ids: np.ndarray) -> float:
    state = lm.initial_state()
    for token in ids:
        stepwise, state = lm.feed([int(token)], state)
    whole, _ = lm.feed([int(t) for t in ids], lm.initial_state())
    return float(np.abs(stepwise - whole).max())


def check_parity(model: LanguageModel, fp32: OnnxLanguageModel, int8: OnnxLanguageModel | None,
                 ids: np.ndarray) -> ParityReport:
    """Feed ``ids`` token by token through every engine and compare the predictions."""
    positions = len(ids) - 1
    head = ids[: min(positions, 128)]
    reference = _torch_log_probs(model, head)
    state32 = fp32.initial_state()
    state8 = int8.initial_state() if int8 else None
    torch_diff = 0.0
    nll32 = nll8 = 0.0
    overlap = exact = top1 = 0
    for position in range(positions):
        log32, state32 = fp32.feed([int(ids[position])], state32)
        target = int(ids[position + 1])
        nll32 -= float(log32[target])
        if position < len(head):
            torch_diff = max(torch_diff, float(np.abs(log32 - reference[position]).max()))
        if int8 is not None:
            log8, state8 = int8.feed([int(ids[position])], state8)
            nll8 -= float(log8[target])
            a, b = set(_top3(log32).tolist()), set(_top3(log8).tolist())
            overlap += len(a & b)
            exact += a == b
            top1 += int(np.argmax(log32)) == int(np.argmax(log8))
    window = ids[: min(len(ids), 64)]
    report = ParityReport(
        positions=positions,
        torch_vs_fp32_max_abs_diff=torch_diff,
        incremental_vs_whole_fp32_max_abs_diff=_incremental_vs_whole(fp32, window),
        fp32_ppl=math.exp(nll32 / positions),
    )
    failures = []
    if report.torch_vs_fp32_max_abs_diff > TORCH_FP32_MAX_DIFF:
        failures.append(f"torch vs ONNX fp32 differ by {torch_diff:.2e} > {TORCH_FP32_MAX_DIFF:g}")
    if report.incremental_vs_whole_fp32_max_abs_diff > INCREMENTAL_MAX_DIFF_FP32:
        failures.append("fp32: token-by-token feeding differs from whole-sequence feeding")
    if int8 is not None:
        report.int8_ppl = math.exp(nll8 / positions)
        report.int8_ppl_ratio = report.int8_ppl / report.fp32_ppl
        report.int8_top3_agreement = overlap / (3 * positions)
        report.int8_top3_exact = exact / positions
        report.int8_top1_agreement = top1 / positions
        report.incremental_vs_whole_int8_max_abs_diff = _incremental_vs_whole(int8, window)
        if report.int8_top3_agreement < INT8_TOP3_AGREEMENT:
            failures.append(f"int8 top-3 agreement {report.int8_top3_agreement:.3f} < {INT8_TOP3_AGREEMENT}")
        if report.int8_ppl_ratio > INT8_PPL_RATIO:
            failures.append(f"int8 perplexity is {100 * (report.int8_ppl_ratio - 1):.1f}% above fp32 (> 3%)")
    report.failures = tuple(failures)
    report.passed = not failures
    return report


def format_report(report: ParityReport) -> str:
    """A short human-readable table."""
    lines = [f"parity over {report.positions} validation positions:",
             f"  torch vs ONNX fp32 max |dlogp|       {report.torch_vs_fp32_max_abs_diff:.2e}  (bar {TORCH_FP32_MAX_DIFF:g})",
             f"  fp32 incremental vs whole max |dlogp| {report.incremental_vs_whole_fp32_max_abs_diff:.2e}",
             f"  fp32 perplexity                       {report.fp32_ppl:.2f}"]
    if report.int8_ppl is not None:
        lines += [f"  int8 perplexity                       {report.int8_ppl:.2f}  (+{100 * (report.int8_ppl_ratio - 1):.2f}%, bar +3%)",
                  f"  int8 vs fp32 top-3 agreement          {100 * report.int8_top3_agreement:.2f}%  (bar 95%; identical sets {100 * report.int8_top3_exact:.1f}%, top-1 {100 * report.int8_top1_agreement:.1f}%)",
                  f"  int8 incremental vs whole max |dlogp| {report.incremental_vs_whole_int8_max_abs_diff:.2e}"]
    lines.append("  PASSED" if report.passed else "  FAILED: " + "; ".join(report.failures))
    return "\n".join(lines)


def default_validation_file(training: dict) -> str | None:
    """The first validation file named in the training summary, if it still exists."""
    for path in training.get("valid_files") or []:
        if Path(path).is_file():
            return path
    return None
