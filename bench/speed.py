"""Latency on one thread (in-word keystroke, word commit, 200-word paste, every edit on a 100 KB text,
a 10 MB paste), cold load, memory, size."""

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


EDIT_TEXT_CHARS = 100_000
HUGE_PASTE_CHARS = 10_000_000


def edit_text(tokens: list[str], chars: int = EDIT_TEXT_CHARS) -> str:
    """The test text's words joined (repeated if short) into ``chars`` characters."""
    words = tokens or ["word"]
    text, i = [], 0
    size = 0
    while size < chars:
        text.append(words[i % len(words)])
        size += len(text[-1]) + 1
        i += 1
    return (" ".join(text) + " ")[:chars]


def edits(predictor: Predictor, tokens: list[str], k: int = 3, jumps: int = 300, seed: int = 0,
          chars: int = EDIT_TEXT_CHARS) -> dict:
    """Every kind of edit on a 100 KB text, timed as the keyboard waits for it (the edit call plus
    ``suggestions()``): a backspace run from the end to the start, cursor jumps to random positions
    and back to the end, accepting a suggestion mid-text, and a 10-character paste mid-text."""
    text = edit_text(tokens, chars)
    rng = np.random.default_rng(seed)
    session = predictor.session()
    times: dict[str, list[float]] = {"jump": [], "jump_back": [], "accept": [], "paste_10_chars": [], "backspace": []}
    cpu: dict[str, list[float]] = {kind: [] for kind in times}

    def timed(kind: str, action) -> None:
        start, start_cpu = time.perf_counter(), time.thread_time()
        action()
        session.suggestions(k)
        times[kind].append(time.perf_counter() - start)
        cpu[kind].append(time.thread_time() - start_cpu)

    session.update(text)
    session.suggestions(k)
    for position in rng.integers(0, len(text), size=jumps):
        position = int(position)
        timed("jump", lambda: session.update(text[:position]))
        options = session.suggestions(k)
        if options:
            timed("accept", lambda: session.accept(options[0]))
        timed("jump_back", lambda: session.update(text))
        timed("paste_10_chars", lambda: session.update(text[:position] + "pasted it "))
        session.update(text)
    for _ in range(len(text)):
        timed("backspace", lambda: session.backspace(1))
    def summary(wall: list[float], work: list[float]) -> dict:
        # wall time is what the user waits; the thread's CPU time is the work the edit did (the
        # difference is time the process waited for a core: preemption on a shared machine)
        return {**percentiles(wall), "max_us": round(1e6 * max(wall), 1),
                "cpu_p99_us": round(float(np.percentile(work, 99)) * 1e6, 1), "cpu_max_us": round(1e6 * max(work), 1)}

    every = [t for kind in times.values() for t in kind]
    every_cpu = [t for kind in cpu.values() for t in kind]
    kinds = {kind: summary(found, cpu[kind]) for kind, found in times.items() if found}
    return {"edits_100kb": {"text_chars": len(text), "all": summary(every, every_cpu), **kinds}}


_HUGE_PASTE_SCRIPT = r"""
import json, sys, time
from kbpredict import Predictor
def status_kb(field):
    with open("/proc/self/status") as status:
        return int(status.read().split(field + ":")[1].split()[0])
predictor = Predictor.load(sys.argv[1])
predictor.suggest("The ", 3)
words = sys.stdin.read().split() or ["word"]
chars = int(sys.argv[2])
line = " ".join(words) + " "
text = (line * (chars // len(line) + 1))[:chars]
session = predictor.session()
session.update("warm up ")
session.suggestions(3)
before = status_kb("VmRSS")
start = time.perf_counter()
session.update(text)
session.suggestions(3)
elapsed = time.perf_counter() - start
peak = status_kb("VmHWM")
print(json.dumps({"seconds": elapsed, "rss_before_kb": before, "peak_kb": peak, "string_bytes": sys.getsizeof(text)}))
"""


def huge_paste(bundle: Path, tokens: list[str], chars: int = HUGE_PASTE_CHARS) -> dict:
    """A 10 MB paste into a field, in a fresh process: ``update`` + ``suggestions``, and how far the
    peak RSS rises over the process's size with the pasted string already in memory."""
    out = subprocess.run([sys.executable, "-c", _HUGE_PASTE_SCRIPT, str(bundle), str(chars)],
                         input=" ".join(tokens[:5000]), capture_output=True, text=True, check=True)
    found = json.loads(out.stdout)
    return {"paste_10mb": {"chars": chars, "ms": round(1e3 * found["seconds"], 1),
                           "peak_rss_growth_mb": round((found["peak_kb"] - found["rss_before_kb"]) / 1024, 1),
                           "string_mb": round(found["string_bytes"] / 2**20, 1)}}


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
predictor = Predictor.load(sys.argv[1], model_format=sys.argv[2])
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


def cold_start(bundle: Path, tokens: list[str], runs: int = 5, model_format: str = "onnx") -> dict:
    """Fresh processes: import, load and first suggestion; peak RSS after typing 2,000 words."""
    text = " ".join(tokens[:2000]) + " "
    results = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _COLD_SCRIPT, str(bundle), model_format], input=text,
                             capture_output=True,
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


def bundle_size(bundle: Path, names: list[str] | None = None) -> dict:
    """Bytes on disk of each bundle file (``names``: only those)."""
    files = {p.name: p.stat().st_size for p in sorted(Path(bundle).iterdir())
             if p.is_file() and (names is None or p.name in names)}
    return {"bundle_bytes": sum(files.values()), "files": files}


def model_step(predictor: Predictor, repeats: int = 2000) -> dict:
    """The LSTM step alone (one token, ``OnnxLanguageModel.feed``): what a word commit costs the model."""
    model, state = predictor.model, predictor.start[0]
    ids = np.random.default_rng(0).integers(3, predictor.info.shape.vocab_size, size=repeats + 100)
    times = []
    for i, token in enumerate(ids):
        start = time.perf_counter()
        model.feed([int(token)], state)
        if i >= 100:
            times.append(time.perf_counter() - start)
    return {"model_step": percentiles(times)}


def weight_bytes(model_path: Path) -> int:
    """Bytes of the model's weights (every initializer): what one LSTM step must read at least,
    since the tied output matrix is read whole for every next-word distribution."""
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:  # the runtime alone: the file is nearly all weights
        return Path(model_path).stat().st_size
    model = onnx.load(str(model_path))
    return int(sum(numpy_helper.to_array(t).nbytes for t in model.graph.initializer))


def memory_bandwidth(megabytes: int = 512, repeats: int = 5) -> dict:
    """Single-core read bandwidth from main memory: the best of a few passes of numpy reductions
    over an array far larger than the caches (numpy reductions run on one thread)."""
    data = np.ones(megabytes * 2**20 // 8, dtype=np.int64)
    best = float("inf")
    for _ in range(repeats):
        for reduce in (np.sum, np.max):
            start = time.perf_counter()
            reduce(data)
            best = min(best, time.perf_counter() - start)
    return {"read_gb_per_s": round(data.nbytes / best / 1e9, 2), "array_mb": megabytes}


# What an app outside Python ships of a bundle with the mobile files (python -m export.mobile).
MOBILE_FILES = ["model.ort", "words.txt", "words.tsv.gz", "capitals.txt.gz", "model.json"]


def measure(bundle: Path, tokens: list[str], k: int = 3, cold_runs: int = 5, model_format: str = "onnx",
            edits_too: bool = True) -> dict:
    """Every speed figure of one bundle, on one onnxruntime thread. ``model_format="ort"`` runs
    ``model.ort``; ``edits_too=False`` leaves out the 100 KB edits and the 10 MB paste (the
    session's own work, the same for either format)."""
    predictor = Predictor.load(bundle, threads=1, model_format=model_format)
    label = predictor.info.precision + (", model.ort" if model_format == "ort" else "")
    figures = {"bundle": str(bundle), "precision": label, "model_format": model_format, "threads": 1,
               **keystrokes(predictor, tokens, k), **paste(predictor, tokens, k), **model_step(predictor)}
    if edits_too:
        figures.update(edits(predictor, tokens, k))
        figures.update(huge_paste(bundle, tokens))
    figures.update(cold_start(bundle, tokens, cold_runs, model_format))
    figures.update(bundle_size(bundle, MOBILE_FILES if model_format == "ort" else None))
    figures["weight_bytes"] = weight_bytes(Path(bundle) / predictor.info.model_file)  # model.ort: the same weights
    return figures


def physical_limit(speed: dict, bandwidth: dict) -> dict:
    """How far a word commit (and the bare LSTM step) is from the memory-bandwidth floor: the
    model's weight bytes read once at the measured single-core bandwidth."""
    floor_us = speed["weight_bytes"] / (bandwidth["read_gb_per_s"] * 1e9) * 1e6
    return {"floor_us": round(floor_us, 1),
            "commit_median_over_floor": round(speed["word_commit"]["median_us"] / floor_us, 2),
            "step_median_over_floor": round(speed["model_step"]["median_us"] / floor_us, 2)}
