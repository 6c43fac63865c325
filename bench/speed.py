"""Latency on one thread (in-word keystroke, word commit, 200-word paste), cold load, memory, size."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from kbpredict import Predictor

from .protocol import is_word_char

PASTE_WORDS = 200


def percentiles(seconds: list[float]) -> dict[str, float]:
    """Median, p95, p99 and count, in microseconds."""
    if not seconds:
        return {"count": 0}
    micros = np.asarray(seconds) * 1e6
    return {"count": int(len(micros)), "median_us": round(float(np.median(micros)), 1),
            "p95_us": round(float(np.percentile(micros, 95)), 1), "p99_us": round(float(np.percentile(micros, 99)), 1)}


def keystroke_samples(predictor: Predictor, tokens: list[str], k: int = 3, warmup_tokens: int = 100,
                      personal=None) -> tuple[list[float], list[float]]:
    """Type the stream key by key through a Session, timing ``type`` + ``suggestions`` per key.

    Returns seconds of (in-word keys, commits). In-word keys extend a word (no LSTM step); commits
    are the key that ends a word or types punctuation (one LSTM step, then the next-word top-k).
    A space after punctuation is neither. ``personal``: a PersonalModel mixed in.
    """
    session = predictor.session(personal=personal)
    for ch in " ".join(tokens[:warmup_tokens]) + " ":  # warm-up: caches, allocator
        session.type(ch)
        session.suggestions(k)
    in_word: list[float] = []
    commits: list[float] = []
    previous = " "
    for ch in " ".join(tokens[warmup_tokens:]) + " ":
        start = time.perf_counter()
        session.type(ch)
        session.suggestions(k)
        elapsed = time.perf_counter() - start
        if is_word_char(ch):
            in_word.append(elapsed)
        elif not ch.isspace() or is_word_char(previous):
            commits.append(elapsed)
        previous = ch
    return in_word, commits


def keystrokes(predictor: Predictor, tokens: list[str], k: int = 3, personal=None) -> dict:
    """Percentiles of in-word keystrokes and word commits."""
    in_word, commits = keystroke_samples(predictor, tokens, k, personal=personal)
    return {"in_word_keystroke": percentiles(in_word), "word_commit": percentiles(commits)}


def paste(predictor: Predictor, tokens: list[str], k: int = 3, repeats: int = 30) -> dict:
    """A 200-word paste into an empty field: ``update`` + ``suggestions``, fresh session each time."""
    windows = [tokens[i : i + PASTE_WORDS] for i in range(0, max(1, len(tokens) - PASTE_WORDS), PASTE_WORDS)]
    windows = (windows * (repeats // max(1, len(windows)) + 1))[: repeats + 3]
    times = []
    for index, window in enumerate(windows):
        session = predictor.session()
        start = time.perf_counter()
        session.update(" ".join(window) + " ")
        session.suggestions(k)
        if index >= 3:  # the first few are warm-up
            times.append(time.perf_counter() - start)
    return {"paste_200_words": percentiles(times)}


# Peak RSS is VmHWM of /proc/self/status: ru_maxrss would survive fork+exec and report the
# benchmark parent's own peak instead of the child's.
_COLD_SCRIPT = r"""
import json, sys, time
start = time.perf_counter()
from kbpredict import Predictor
imported = time.perf_counter()
def status_kb(field):
    with open("/proc/self/status") as status:
        return int(status.read().split(field + ":")[1].split()[0])
def peak_kb():
    return status_kb("VmHWM")
rss_import = peak_kb()
predictor = Predictor.load(sys.argv[1])
predictor.suggest("The ", 3)
first = time.perf_counter()
session = predictor.session()
for ch in sys.stdin.read():
    session.type(ch)
    session.suggestions(3)
print(json.dumps({"import_s": imported - start, "load_to_first_suggestion_s": first - imported,
                  "cold_start_s": first - start, "rss_after_import_kb": rss_import,
                  "peak_rss_kb": peak_kb(), "rss_anon_kb": status_kb("RssAnon"),
                  "rss_file_kb": status_kb("RssFile")}))
"""


def cold_start(bundle: Path, tokens: list[str], runs: int = 5) -> dict:
    """Fresh processes: import, load and first suggestion; peak RSS after typing 2,000 words."""
    text = " ".join(tokens[:2000]) + " "
    results = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _COLD_SCRIPT, str(bundle)], input=text, capture_output=True,
                             text=True, check=True)
        results.append(json.loads(out.stdout))
    median = {key: float(np.median([r[key] for r in results])) for key in results[0]}
    return {
        "cold_start_ms": round(1e3 * median["cold_start_s"], 1),
        "import_ms": round(1e3 * median["import_s"], 1),
        "load_to_first_suggestion_ms": round(1e3 * median["load_to_first_suggestion_s"], 1),
        "rss_after_import_mb": round(median["rss_after_import_kb"] / 1024, 1),
        "peak_rss_mb": round(median["peak_rss_kb"] / 1024, 1),
        # RSS = private (anonymous) memory + resident pages of mapped files: shared libraries and
        # the model. The file part is shared with other processes and varies with the page cache.
        "rss_anon_mb": round(median["rss_anon_kb"] / 1024, 1),
        "rss_file_mb": round(median["rss_file_kb"] / 1024, 1),
        "runs": runs,
    }


def bundle_size(bundle: Path) -> dict:
    """Bytes on disk of each bundle file."""
    files = {p.name: p.stat().st_size for p in sorted(Path(bundle).iterdir()) if p.is_file()}
    return {"bundle_bytes": sum(files.values()), "files": files}


def measure(bundle: Path, tokens: list[str], k: int = 3, cold_runs: int = 5) -> dict:
    """Every speed figure of one bundle, on one onnxruntime thread."""
    predictor = Predictor.load(bundle, threads=1)
    return {
        "bundle": str(bundle), "precision": predictor.info.precision, "threads": 1,
        **keystrokes(predictor, tokens, k), **paste(predictor, tokens, k),
        **cold_start(bundle, tokens, cold_runs), **bundle_size(bundle),
    }
