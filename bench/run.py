"""Run the benchmarks: each engine on the same stream, then one report."""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from kbpredict import Predictor
from kbpredict.predictor import default_model_path

from train.mix import Source

from .engines import KbpredictEngine
from .perplexity import perplexity
from .protocol import load_test_tokens, simulate
from .report import save_json, write_report
from .speed import keystroke_samples, measure, memory_bandwidth, percentiles, physical_limit

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
# The headline is what people type (the conversational test); WikiText-2 test sits beside it.
DEFAULT_TEST = DATA / "conversational" / "test.txt"
DEFAULT_TESTS = [DEFAULT_TEST, DATA / "wikitext-2" / "test.txt"]
DEFAULT_VALID = DATA / "conversational" / "valid.txt"
DEFAULT_PPL_TEST = DATA / "wikitext-2-tokens" / "test.txt"
DEFAULT_PPL_TESTS = [DEFAULT_TEST, DEFAULT_PPL_TEST]
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


def key_latency(counts) -> dict:
    """Per-key latency of a simulation: edit call(s) + ``suggestions()``, in-word keys and commits."""
    return {"in_word": percentiles(counts.in_word_seconds), "commit": percentiles(counts.commit_seconds)}


def kbpredict_accuracy(bundle: Path, tokens: list[str], k: int = 3, adapt: bool = True,
                       correct: bool = True) -> tuple[dict, list[float]]:
    """PROTOCOL.md's simulation through one Session (one onnxruntime thread); ``adapt=False`` is
    the model alone (no text cache), ``correct=False`` without typo corrections in the bar.
    Returns the figures and the per-key seconds (in-word keys, then commits)."""
    name = ("kbpredict" if adapt else "kbpredict, model only") + ("" if correct else ", no corrections")
    engine = KbpredictEngine(Predictor.load(bundle, threads=1), name=name, adapt=adapt, correct=correct)
    result, counts = simulate(engine, tokens, k, Progress(f"{name} accuracy"), time_queries=True)
    return {**result.to_dict(), "key_latency": key_latency(counts)}, counts.in_word_seconds + counts.commit_seconds


def training_text(predictor: Predictor, override: str | None = None) -> tuple[list[Source], str, tuple[str, ...]]:
    """The text the model was trained on, for building Presage's database: the sources with their
    weights in the mix (a prepared data directory's), the text format and the masked placeholders."""
    training = predictor.info.training
    text_format = training.get("train_config", {}).get("text_format", "auto")
    if override:
        sources, masks = [Source(resolve(override))], ()
    elif training.get("mix"):
        sources = [Source(resolve(m["file"]), float(m["weight"])) for m in training["mix"]]
        masks = tuple(training.get("masks") or ())
    else:
        sources, masks = [Source(resolve(p)) for p in training.get("train_files") or []], ()
    missing = [str(s.path) for s in sources if not s.path.is_file()]
    if not sources or missing:
        raise FileNotFoundError(f"the model's training text is not here ({', '.join(missing) or 'none recorded'}); "
                                "pass --train-text FILE")
    return sources, text_format, masks


def presage_database(sources: list[Source], text_format: str, masks: tuple[str, ...] = ()) -> Path:
    """Presage's 3-gram database from the same normalized text and the same mix (weights
    included), cached by content."""
    from train.mix import mixed_blocks

    from .presage_engine import build_database

    CACHE.mkdir(parents=True, exist_ok=True)
    digest, lines = hashlib.sha256(), 0
    partial = CACHE / f"text-{os.getpid()}.tmp"
    with open(partial, "w", encoding="utf-8") as out:
        for _, block in mixed_blocks(sources, text_format, masks=masks):
            for _, tokens in block:
                line = " ".join(tokens) + "\n"
                digest.update(line.encode("utf-8"))
                out.write(line)
                lines += 1
    key = digest.hexdigest()[:16]
    database = CACHE / f"{key}.db"
    if database.exists():
        partial.unlink()
        return database
    normalized = CACHE / f"{key}.txt"
    partial.replace(normalized)
    print(f"[bench] building Presage's 3-gram database from {lines:,} lines (a minute per ~2M words)",
          file=sys.stderr)
    build_database(normalized, database)
    return database


def presage_accuracy(database: Path, name: str, tokens: list[str], k: int = 3) -> tuple[dict, list[float]]:
    from .presage_engine import PresageEngine

    with PresageEngine(database, name=name, k=k) as engine:
        result, counts = simulate(engine, tokens, k, Progress(f"{name} accuracy"), time_queries=True)
    return {**result.to_dict(), "key_latency": key_latency(counts)}, counts.in_word_seconds + counts.commit_seconds


def ort_bundle(bundle: Path, scratch: Path) -> Path | None:
    """The bundle with its ORT-format model: itself if it has one, else a copy with the mobile
    files added (``python -m export.mobile``) at ``scratch``; None (and a note) if that fails."""
    if Predictor.load(bundle, verify=False).info.ort_file:
        return bundle
    from export.mobile import add_mobile_files

    try:
        add_mobile_files(bundle, scratch)
    except Exception as exc:  # the .onnx figures stand on their own
        print(f"[bench] model.ort skipped: {exc}", file=sys.stderr)
        return None
    return scratch


def speed_rows(bundle: Path, tokens: list[str], cold_runs: int, ort: bool = True,
               fp32_bundle: Path | None = None) -> tuple[list[dict], dict]:
    """The speed figures of the bundle, of its ORT-format model (``ort``) and of an fp32 bundle,
    each against the memory floor; and the single-core bandwidth measured for it."""
    rows = [measure(bundle, tokens, cold_runs=cold_runs)]
    if ort:
        with tempfile.TemporaryDirectory(prefix="kbpredict-bench-ort-") as tmp:
            mobile = ort_bundle(bundle, Path(tmp) / "bundle")
            if mobile is not None:
                rows.append(measure(mobile, tokens, cold_runs=cold_runs, model_format="ort", edits_too=False))
                rows[-1]["bundle"] = f"{repo_path(bundle)} + python -m export.mobile"
    if fp32_bundle:
        rows.append(measure(fp32_bundle, tokens, cold_runs=cold_runs))
    bandwidth = memory_bandwidth()
    for figures in rows:
        figures["physical_limit"] = physical_limit(figures, bandwidth)
    return rows, bandwidth


def repo_path(path: str | os.PathLike) -> str:
    """A path as results record it: relative to the repository root when inside it (so a result
    names the file a checkout has, e.g. ``kbpredict/models/default``), else as given."""
    p = Path(path).resolve()
    try:
        return str(p.relative_to(ROOT))
    except ValueError:
        return str(path)


def text_label(path: Path) -> str:
    """A short name for a test text: ``conversational/test.txt``, ``wikitext-2/test.txt``."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def run_all(bundle: Path | None, results_dir: Path, words: int, *, tests: list[Path] | None = None,
            ppl_tests: list[Path] | None = None, ppl_tokens: int = 0, fp32_bundle: Path | None = None,
            train_text: str | None = None, shipped_presage: bool = True, cold_runs: int = 5) -> Path:
    """Everything, written as JSON files plus ``report.md`` and plots under ``results_dir``.

    Accuracy is measured on every text of ``tests`` (the first is the headline and the speed
    figures' text), each against Presage's database built from the model's own training mix.
    """
    started, clock = datetime.now(timezone.utc).isoformat(timespec="seconds"), time.time()
    bundle = bundle or default_model_path()
    tests = tests or [DEFAULT_TEST]
    ppl_tests = DEFAULT_PPL_TESTS if ppl_tests is None else ppl_tests
    predictor = Predictor.load(bundle)
    results_dir.mkdir(parents=True, exist_ok=True)
    from .presage_engine import SHIPPED_DATABASE, PresageUnavailable

    database = None
    try:
        database = presage_database(*training_text(predictor, train_text))
    except (PresageUnavailable, FileNotFoundError) as exc:
        print(f"[bench] Presage skipped: {exc}", file=sys.stderr)

    texts, samples = [], {}
    for index, test in enumerate(tests):
        tokens = load_test_tokens(str(test), words)
        ours, our_latency = kbpredict_accuracy(bundle, tokens)
        accuracy = [ours]
        if index == 0:
            samples["kbpredict keystroke"] = [s * 1e6 for s in our_latency]
        try:
            if database is not None:
                peer, peer_latency = presage_accuracy(database, "presage 3-gram (same text)", tokens)
                accuracy.append(peer)
                if index == 0:
                    samples["presage 3-gram key"] = [s * 1e6 for s in peer_latency]
            if shipped_presage and Path(SHIPPED_DATABASE).exists():
                accuracy.append(presage_accuracy(Path(SHIPPED_DATABASE), "presage shipped en db", tokens)[0])
        except PresageUnavailable as exc:
            print(f"[bench] Presage skipped: {exc}", file=sys.stderr)
        accuracy.append(kbpredict_accuracy(bundle, tokens, adapt=False)[0])  # the ablation, last column
        texts.append({"name": text_label(test), "file": str(test), "tokens": len(tokens), "accuracy": accuracy})
    save_json({"texts": texts}, results_dir / "accuracy.json")

    print("[bench] latency, cold start and memory (one thread)", file=sys.stderr)
    headline = load_test_tokens(str(tests[0]), words)
    speed, bandwidth = speed_rows(bundle, headline, cold_runs, fp32_bundle=fp32_bundle)
    in_word, commits = keystroke_samples(predictor, headline[:3000])
    samples["kbpredict in-word key"] = [s * 1e6 for s in in_word]
    samples["kbpredict word commit"] = [s * 1e6 for s in commits]
    save_json({"speed": speed, "memory_bandwidth": bandwidth}, results_dir / "latency.json")

    ppl = [perplexity(predictor, str(p), max_tokens=ppl_tokens, progress=Progress(f"perplexity {text_label(p)}"))
           for p in ppl_tests if p.is_file()]
    save_json({"perplexity": ppl}, results_dir / "perplexity.json")

    info = predictor.info
    results = {
        "started": started, "seconds": time.time() - clock, "machine": f"{os.cpu_count()} cores",
        "model": {"path": str(bundle), "precision": info.precision, "parameters": info.shape.parameters,
                  "vocabulary": info.shape.vocab_size, "cell": info.shape.cell, "hidden_size": info.shape.hidden_size},
        "texts": texts, "speed": speed, "memory_bandwidth": bandwidth, "perplexity": ppl, "latency_samples": samples,
    }
    save_json({k: v for k, v in results.items() if k != "latency_samples"}, results_dir / "results.json")
    return write_report(results, results_dir)
