"""Training throughput: tokens/s for one process vs several DDP processes (and a GPU if present)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def _run(data: str, processes: int, threads: int, steps: int, preset: str, extra: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="kbpredict-throughput-") as out:
        launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}"] \
            if processes > 1 else [sys.executable]
        command = launcher + ["-m", "train", "--data", data, "--out", out, "--preset", preset, "--max-steps",
                              str(steps), "--threads", str(threads), "--no-progress", "--eval-tokens", "1000",
                              "--checkpoint-every", str(10 * steps), *extra]
        env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
        result = subprocess.run(command, capture_output=True, text=True, env=env)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {result.stderr[-1500:]}")
        summary = json.loads(Path(out, "summary.json").read_text())
    return {"processes": processes, "threads_per_process": threads, "steps": steps,
            "tokens_per_second": summary["tokens_per_second"], "extra": " ".join(extra)}


def measure(data: str, steps: int = 40, preset: str = "default") -> list[dict]:
    """The configurations this machine can run: CPU 1x1, 1x2, 2x1 (gloo); CUDA 1 GPU fp32 and bf16."""
    import torch

    cores = os.cpu_count() or 1
    rows = [_run(data, 1, 1, steps, preset, ["--device", "cpu"])]
    if cores >= 2:
        rows.append(_run(data, 1, 2, steps, preset, ["--device", "cpu"]))
        rows.append(_run(data, 2, 1, steps, preset, ["--device", "cpu"]))
    if torch.cuda.is_available():
        rows.append(_run(data, 1, 1, steps, preset, ["--device", "cuda", "--no-bf16"]))
        rows.append(_run(data, 1, 1, steps, preset, ["--device", "cuda", "--bf16"]))
    return rows
