"""Run the benchmarks: each engine on the same stream, then one report."""

from __future__ import annotations

import hashlib
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from kbpredict import Predictor
from kbpredict.predictor import default_model_path

from .engines import KbpredictEngine
from .perplexity import perplexity
from .protocol import load_test_tokens, simulate
from .report import save_json, write_report
from .speed import keystroke_samples, measure, percentiles

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
DEFAULT_TEST = DATA / "wikitext-2" / "test.txt"
DEFAULT_VALID = DATA / "wikitext-2" / "valid.txt"
DEFAULT_PPL_TEST = DATA / "wikitext-2-tokens" / "test.txt"
CACHE = ROOT / ".cache" / "presage"


class Progress:
    """On a terminal one self-overwriting line, at most once a second; in a log a line per 10%."""

    def __init__(self, label: str):
        self.label, self._last, self._tenth = label, 0.0, -1
        self._tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self._tty:
            now = time.time()
            if now - self._last >= 1 or done == total:
                self._last = now
                end = "\n" if done == total else ""
                print(f"\r[bench] {self.label}: {done:,}/{total:,}", end=end, file=sys.stderr, flush=True)
        elif 10 * done // max(1, total) > self._tenth:
            self._tenth = 10 * done // max(1, total)
            print(f"[bench] {self.label}: {done:,}/{total:,}", file=sys.stderr, flush=True)


def resolve(path: str | os.PathLike) -> Path:
    """A recorded path as given, else relative to the repository root, else the same file under
    this checkout's ``../shared/data`` (a model trained elsewhere on the shared data sets)."""
    p = Path(path)
    if p.exists():
        return p
    if not p.is_absolute() and (ROOT / p).exists():
        return ROOT / p
    parts = p.parts
    for i in range(len(parts) - 1):
        if parts[i : i + 2] == ("shared", "data"):
            return DATA.joinpath(*parts[i + 2 :])
    return p


def kbpredict_accuracy(bundle: Path, tokens: list[str], k: int = 3, adapt: bool = True) -> tuple[dict, list[float]]:
    """PROTOCOL.md's simulation through one Session; ``adapt=False`` is the model alone (no text cache)."""
    name = "kbpredict" if adapt else "kbpredict, model only"
    engine = KbpredictEngine(Predictor.load(bundle), name=name, adapt=adapt)
    result, counts = simulate(engine, tokens, k, Progress(f"{name} accuracy"), time_queries=True)
    return {**result.to_dict(), "query_latency": percentiles(counts.query_seconds)}, counts.query_seconds


def training_text(predictor: Predictor, override: str | None = None) -> tuple[list[Path], str]:
    """The text the model was trained on (and its format), for building Presage's database."""
    training = predictor.info.training
    files = [resolve(override)] if override else [resolve(p) for p in training.get("train_files") or []]
    missing = [str(p) for p in files if not p.is_file()]
    if not files or missing:
        raise FileNotFoundError(f"the model's training text is not here ({', '.join(missing) or 'none recorded'}); "
                                "pass --train-text FILE")
    return files, training.get("train_config", {}).get("text_format", "auto")


def presage_database(files: list[Path], text_format: str) -> Path:
    """Presage's 3-gram database from the same normalized text, cached by content."""
    from train.data import documents, read_text

    from .presage_engine import build_database

    lines = []
    for path in files:
        for doc in documents(read_text(str(path)), text_format):
            lines.extend(" ".join(tokens) for tokens in doc)
    text = "\n".join(lines) + "\n"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    database = CACHE / f"{digest}.db"
    if not database.exists():
        print(f"[bench] building Presage's 3-gram database from {len(lines):,} lines (about a minute)",
              file=sys.stderr)
        normalized = CACHE / f"{digest}.txt"
        normalized.parent.mkdir(parents=True, exist_ok=True)
        normalized.write_text(text, encoding="utf-8")
        build_database(normalized, database)
    return database


def presage_accuracy(database: Path, name: str, tokens: list[str], k: int = 3) -> tuple[dict, list[float]]:
    from .presage_engine import PresageEngine

    with PresageEngine(database, name=name, k=k) as engine:
        result, _ = simulate(engine, tokens, k, Progress(f"{name} accuracy"))
        micros = engine.micros
    return {**result.to_dict(), "query_latency": percentiles([m / 1e6 for m in micros])}, [m / 1e6 for m in micros]


def run_all(bundle: Path | None, results_dir: Path, words: int, *, test: Path = DEFAULT_TEST,
            ppl_test: Path = DEFAULT_PPL_TEST, ppl_tokens: int = 0, fp32_bundle: Path | None = None,
            train_text: str | None = None, shipped_presage: bool = True, cold_runs: int = 5) -> Path:
    """Everything, written as JSON files plus ``report.md`` and plots under ``results_dir``."""
    started, clock = datetime.now(timezone.utc).isoformat(timespec="seconds"), time.time()
    bundle = bundle or default_model_path()
    predictor = Predictor.load(bundle)
    tokens = load_test_tokens(str(test), words)
    results_dir.mkdir(parents=True, exist_ok=True)

    ours, our_latency = kbpredict_accuracy(bundle, tokens)
    accuracy, samples = [ours], {"kbpredict keystroke": [s * 1e6 for s in our_latency]}
    from .presage_engine import SHIPPED_DATABASE, PresageUnavailable

    try:
        files, text_format = training_text(predictor, train_text)
        peer, peer_latency = presage_accuracy(presage_database(files, text_format), "presage 3-gram (same text)", tokens)
        accuracy.append(peer)
        samples["presage 3-gram query"] = [s * 1e6 for s in peer_latency]
        if shipped_presage and Path(SHIPPED_DATABASE).exists():
            shipped, _ = presage_accuracy(Path(SHIPPED_DATABASE), "presage shipped en db", tokens)
            accuracy.append(shipped)
    except (PresageUnavailable, FileNotFoundError) as exc:
        print(f"[bench] Presage skipped: {exc}", file=sys.stderr)
    accuracy.append(kbpredict_accuracy(bundle, tokens, adapt=False)[0])  # the ablation, last column
    save_json({"accuracy": accuracy}, results_dir / "accuracy.json")

    print("[bench] latency, cold start and memory (one thread)", file=sys.stderr)
    speed = [measure(bundle, tokens, cold_runs=cold_runs)]
    if fp32_bundle:
        speed.append(measure(fp32_bundle, tokens, cold_runs=cold_runs))
    in_word, commits = keystroke_samples(predictor, tokens[:3000])
    samples["kbpredict in-word key"] = [s * 1e6 for s in in_word]
    samples["kbpredict word commit"] = [s * 1e6 for s in commits]
    save_json({"speed": speed}, results_dir / "latency.json")

    ppl = None
    if ppl_test.is_file():
        ppl = perplexity(predictor, str(ppl_test), max_tokens=ppl_tokens, progress=Progress("perplexity"))
        save_json(ppl, results_dir / "perplexity.json")

    info = predictor.info
    results = {
        "started": started, "seconds": time.time() - clock, "machine": f"{os.cpu_count()} cores",
        "model": {"path": str(bundle), "precision": info.precision, "parameters": info.shape.parameters,
                  "vocabulary": info.shape.vocab_size, "cell": info.shape.cell, "hidden_size": info.shape.hidden_size},
        "test": {"file": str(test), "tokens": len(tokens)},
        "accuracy": accuracy, "speed": speed, "perplexity": ppl, "latency_samples": samples,
    }
    save_json({k: v for k, v in results.items() if k != "latency_samples"}, results_dir / "results.json")
    return write_report(results, results_dir)
