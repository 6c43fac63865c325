"""One report from the JSON results: a markdown table with both engines side by side, and plots."""

from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np

# The headline text (what people type) is judged against Presage trained on the same mix; the
# second text (WikiText-2) must keep a floor.
GOALS = {"ksr_over_presage_points": 10, "next_word_top3_ratio": 1.4, "second_text_ksr": 0.50,
         "in_word_p99_us": 500, "commit_p99_us": 2000, "edit_max_us": 16000, "edit_p99_us": 5000,
         "paste_10mb_ms": 100, "paste_10mb_growth_mb": 100, "cold_start_ms": 100, "peak_rss_mb": 60, "bundle_mb": 5}


def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def _ratio(a, b) -> str:
    return "–" if not a or not b else f"{a / b:.2f}×"


def _mark(ok: bool) -> str:
    return "met" if ok else "**not met**"


def accuracy_table(rows: list[dict]) -> list[str]:
    """kbpredict first, then the peers; the ratio column is kbpredict / the first peer."""
    names = [r["engine"] for r in rows]
    lines = ["| metric | " + " | ".join(names) + (" | kbpredict / " + names[1] if len(rows) > 1 else "") + " |",
             "|---" * (len(rows) + 1 + (len(rows) > 1)) + "|"]
    metrics = [("KSR@3 (case-sensitive, headline)", "ksr"), ("KSR@3 case-insensitive", "ksr_case_insensitive"),
               ("next-word top-1", "next_word_top1"), ("next-word top-3", "next_word_top3"),
               ("next-word top-3 case-insensitive", "next_word_top3_case_insensitive"),
               ("completion top-1 after 1 char", "completion_after_1_top1"),
               ("completion top-3 after 1 char", "completion_after_1_top3"),
               ("completion top-1 after 2 chars", "completion_after_2_top1"),
               ("completion top-3 after 2 chars", "completion_after_2_top3")]
    for label, key in metrics:
        cells = [_pct(r.get(key)) for r in rows]
        ratio = [_ratio(rows[0].get(key), rows[1].get(key))] if len(rows) > 1 else []
        lines.append(f"| {label} | " + " | ".join(cells + ratio) + " |")
    for label, kind in (("latency per in-word key: edit call + suggestions, median / p99 (µs)", "in_word"),
                        ("latency per word commit: edit call(s) + suggestions, median / p99 (µs)", "commit")):
        q = [r.get("key_latency", {}).get(kind, {}) for r in rows]
        ratio = [_ratio(q[1].get("median_us"), q[0].get("median_us")) + " faster"] if len(rows) > 1 else []
        lines.append(f"| {label} | " + " | ".join(
            f"{x.get('median_us', '–')} / {x.get('p99_us', '–')}" for x in q) + "".join(
            f" | {c}" for c in ratio) + " |")
    return lines


def _cells(speeds: list[dict], show) -> str:
    """One table row's cells: ``show(figures)`` per column, "–" where a column lacks the figure."""
    cells = []
    for s in speeds:
        try:
            cells.append(show(s))
        except (KeyError, TypeError):
            cells.append("–")
    return " | ".join(cells)


def speed_table(speeds: list[dict], bandwidth: dict | None = None) -> list[str]:
    lines = ["| figure | " + " | ".join(s["precision"] for s in speeds) + " |", "|---" * (len(speeds) + 1) + "|"]
    rows = [("in-word keystroke: type + suggestions, median / p95 / p99 (µs)", "in_word_keystroke"),
            ("word commit: type + suggestions, median / p95 / p99 (µs)", "word_commit"),
            ("200-word paste: update + suggestions, median / p95 / p99 (µs)", "paste_200_words"),
            ("LSTM step alone (one token, the model call), median / p95 / p99 (µs)", "model_step")]
    for label, key in rows:
        lines.append(f"| {label} | " + _cells(
            speeds, lambda s: f"{s[key]['median_us']:.0f} / {s[key]['p95_us']:.0f} / {s[key]['p99_us']:.0f}") + " |")
    if bandwidth:
        lines.append(f"| memory floor: weight bytes ÷ {bandwidth['read_gb_per_s']:.1f} GB/s single-core read bandwidth "
                     "(µs) | " + _cells(speeds, lambda s: f"{s['physical_limit']['floor_us']:.0f} "
                                                       f"({s['weight_bytes'] / 1e6:.2f} MB)") + " |")
        lines.append("| word commit median ÷ floor; LSTM step median ÷ floor | " + _cells(
            speeds, lambda s: f"{s['physical_limit']['commit_median_over_floor']:.1f}×; "
                              f"{s['physical_limit']['step_median_over_floor']:.1f}×") + " |")
    for label, kind in (("100 KB text, every edit below: median / p99 / max (µs); max CPU time of the thread (µs)", "all"),
                        ("… backspace run from the end to the start", "backspace"),
                        ("… cursor jump to a random position", "jump"), ("… jump back to the end", "jump_back"),
                        ("… accept a suggestion mid-text", "accept"), ("… 10-character paste mid-text", "paste_10_chars")):
        if any("edits_100kb" in s for s in speeds):
            lines.append(f"| {label} | " + _cells(
                speeds, lambda s: f"{s['edits_100kb'][kind]['median_us']:.0f} / {s['edits_100kb'][kind]['p99_us']:.0f} / "
                                  f"{s['edits_100kb'][kind]['max_us']:.0f}"
                                  + (f"; {s['edits_100kb'][kind]['cpu_max_us']:.0f}" if "cpu_max_us" in s['edits_100kb'][kind]
                                     else "")) + " |")
    if any("paste_10mb" in s for s in speeds):
        lines.append("| 10 MB paste: update + suggestions (ms); peak RSS growth (MB) over the pasted string's "
                     "own size | " + _cells(speeds, lambda s: f"{s['paste_10mb']['ms']:.0f}; "
                                                            f"{s['paste_10mb']['peak_rss_growth_mb']:.0f} "
                                                            f"({s['paste_10mb']['string_mb']:.0f} MB string)") + " |")
    lines.append("| cold load: bundle load to first suggestion (ms) | " + _cells(
        speeds, lambda s: f"{s['load_to_first_suggestion_ms']:.0f}") + " |")
    lines.append("| cold start in a fresh process: imports + load + first suggestion (ms) | " + _cells(
        speeds, lambda s: f"{s['cold_start_ms']:.0f} ({s['import_ms']:.0f} imports)") + " |")
    lines.append("| peak RSS after 2,000 typed words (MB) | " + _cells(
        speeds, lambda s: f"{s['peak_rss_mb']:.1f} ({s['rss_after_import_mb']:.1f} after import)") + " |")
    lines.append("| of which private (RssAnon) / mapped files, shared libraries (RssFile) (MB) | " + _cells(
        speeds, lambda s: f"{s['rss_anon_mb']:.1f} / {s['rss_file_mb']:.1f}") + " |")
    lines.append("| bundle size (MB): the files its runtime loads | " + _cells(
        speeds, lambda s: f"{s['bundle_bytes'] / 1e6:.2f} ({', '.join(s['files'])})") + " |")
    return lines


def _same_text_peer(accuracy: list[dict]) -> dict | None:
    return next((r for r in accuracy[1:] if r["engine"].startswith("presage 3-gram")), None)


def goals_table(texts: list[dict], speed: dict) -> list[str]:
    headline = texts[0]
    ours, peer = headline["accuracy"][0], _same_text_peer(headline["accuracy"])
    ratio = ours["next_word_top3"] / peer["next_word_top3"] if peer and peer["next_word_top3"] else None
    points = 100 * (ours["ksr"] - peer["ksr"]) if peer else None
    name = headline["name"]
    rows = [
        (f"{name}: KSR@3 ≥ Presage (same text) + {GOALS['ksr_over_presage_points']} points",
         f"{_pct(ours['ksr'])} vs {_pct(peer['ksr'])} (+{points:.1f})" if peer else "– (no Presage)",
         points is not None and points >= GOALS["ksr_over_presage_points"]),
        (f"{name}: next-word top-3 ≥ {GOALS['next_word_top3_ratio']}× Presage", f"{ratio:.2f}×" if ratio else "–",
         bool(ratio and ratio >= GOALS["next_word_top3_ratio"])),
    ]
    for other in texts[1:]:
        ksr = other["accuracy"][0]["ksr"]
        rows.append((f"{other['name']}: KSR@3 ≥ {100 * GOALS['second_text_ksr']:.0f}%", _pct(ksr),
                     ksr >= GOALS["second_text_ksr"]))
    rows += [
        ("in-word keystroke p99 ≤ 0.5 ms", f"{speed['in_word_keystroke']['p99_us']:.0f} µs",
         speed["in_word_keystroke"]["p99_us"] <= GOALS["in_word_p99_us"]),
        ("word commit p99 ≤ 2 ms", f"{speed['word_commit']['p99_us']:.0f} µs",
         speed["word_commit"]["p99_us"] <= GOALS["commit_p99_us"]),
    ]
    if "edits_100kb" in speed:
        edits = speed["edits_100kb"]["all"]
        cpu = (f" (the edit's own CPU time: max {edits['cpu_max_us'] / 1e3:.1f} ms, p99 {edits['cpu_p99_us'] / 1e3:.1f} ms)"
               if "cpu_max_us" in edits else "")
        rows.append(("every edit on a 100 KB text: max ≤ 16 ms, p99 ≤ 5 ms",
                     f"max {edits['max_us'] / 1e3:.1f} ms, p99 {edits['p99_us'] / 1e3:.1f} ms wall{cpu}",
                     edits["max_us"] <= GOALS["edit_max_us"] and edits["p99_us"] <= GOALS["edit_p99_us"]))
    if "paste_10mb" in speed:
        huge = speed["paste_10mb"]
        rows.append(("10 MB paste ≤ 100 ms, peak RSS growth ≤ 100 MB over the string",
                     f"{huge['ms']:.0f} ms, +{huge['peak_rss_growth_mb']:.0f} MB",
                     huge["ms"] <= GOALS["paste_10mb_ms"] and huge["peak_rss_growth_mb"] <= GOALS["paste_10mb_growth_mb"]))
    rows += [
        ("cold load ≤ 100 ms (load to first suggestion)",
         f"{speed['load_to_first_suggestion_ms']:.0f} ms (+{speed['import_ms']:.0f} ms Python imports)",
         speed["load_to_first_suggestion_ms"] <= GOALS["cold_start_ms"]),
        ("RSS ≤ 60 MB", f"{speed['peak_rss_mb']:.1f} MB"
         + (f" ({speed['rss_anon_mb']:.1f} MB private)" if "rss_anon_mb" in speed else ""),
         speed["peak_rss_mb"] <= GOALS["peak_rss_mb"]),
        ("bundle ≤ 5 MB", f"{speed['bundle_bytes'] / 1e6:.2f} MB", speed["bundle_bytes"] / 1e6 <= GOALS["bundle_mb"]),
    ]
    return ["| goal | measured | |", "|---|---|---|"] + [f"| {g} | {m} | {_mark(ok)} |" for g, m, ok in rows]


def write_report(results: dict, directory: Path) -> Path:
    """``report.md`` and the PNG plots, from the dict :func:`bench.run.run_all` collected."""
    directory.mkdir(parents=True, exist_ok=True)
    texts, speeds = results["texts"], results["speed"]
    model = results["model"]
    lines = ["# kbpredict benchmark", "",
             f"- model: `{model['path']}` — {model['precision']}, {model['parameters']:,} parameters, "
             f"{model['vocabulary']:,} words, {model['cell'].upper()} {model['hidden_size']}",
             "- test texts: " + "; ".join(f"{t['file']}, first {t['tokens']:,} tokens" for t in texts)
             + " (PROTOCOL.md), k = 3; the first is the headline",
             f"- machine: {platform.machine()}, {results['machine']}; onnxruntime one intra-op thread",
             f"- run: {results['started']} ({results['seconds']:.0f} s)", ""]
    for index, text in enumerate(texts):
        lines += [f"## Prediction quality: {text['name']}" + (" (headline)" if index == 0 else ""), ""]
        lines += accuracy_table(text["accuracy"]) + [""]
    has_presage = any(r["engine"].startswith("presage") for t in texts for r in t["accuracy"])
    if has_presage:
        lines += ["Both engines type the same stream, but they do not see the same context: kbpredict is driven "
                  "through one incremental `Session`, keystroke by keystroke, as a keyboard would, and its LSTM "
                  "state carries the whole typed stream; Presage is given the last 2,000 characters on every query "
                  "(its 3-gram model reads the last two words of them). Presage's database is built by its own "
                  "`text2ngram` from the model's own training mix (same sources, same weights, same normalization).",
                  ""]
    lines += ["Latency per key is what a keyboard waits for after each key: the edit call(s) since the last query "
              "(`Session.type()` of the letter, or the space / `accept()` / punctuation that ended the word, where "
              "kbpredict steps its LSTM) plus `suggestions()`, timed in the benchmark's process on one onnxruntime "
              "thread." + (" For Presage the edit is appending to the context string and the query is "
                           "`Presage::predict()` as timed by its driver, which does all of Presage's work "
                           "(it re-reads the context on every call)." if has_presage else ""), "",
              "kbpredict mixes the words of the text's last 2,000 characters into the model's suggestions "
              "(a unigram and a word-pair cache, `RecentWords`). The column \"kbpredict, model only\" switches that "
              "off (`adapt=False`).", ""]
    for p in results.get("perplexity") or []:
        lines += [f"Perplexity on `{p['test_file']}`: **{p['perplexity']}** over {p['tokens']:,} tokens "
                  f"({p['precision']}, its own {p['vocabulary']:,}-word vocabulary incl. end-of-line; unknown-word "
                  f"rate {100 * p['unknown_rate']:.1f}%; text normalized like the training text)."
                  + (" Not comparable with published WikiText-2 perplexities (245,569 test tokens, one stream, "
                     "WikiText's own 33k vocabulary): here headings are dropped, the state is reset at each "
                     "article and the vocabulary is this model's." if "wikitext-2" in p["test_file"] else ""), ""]
    lines += ["## Speed, memory and size (one CPU thread)", ""] + speed_table(speeds, results.get("memory_bandwidth"))
    lines += ["", f"Latency is measured on the headline text ({texts[0]['name']}), keystroke by keystroke through "
              "one `Session`: each figure is the edit call plus `suggestions()`, what a keyboard waits for."]
    if any(s.get("model_format") == "ort" for s in speeds):
        lines += ["", "The `model.ort` column runs the same int8 model in onnxruntime's ORT format (what its mobile "
                  "and minimal builds load; `python -m export.mobile`) through the same Python session; the edits "
                  "and the 10 MB paste, the session's own work, are measured once. Its size counts the files an app "
                  "outside Python ships: `model.ort`, `words.txt`, `words.tsv.gz`, `capitals.txt.gz`, `model.json`."]
    if results.get("memory_bandwidth"):
        lines += ["", "The memory floor is the least time one LSTM step can take on this core: every weight byte is "
                  "read once per step (the tied output matrix whole, for the next-word distribution), at the "
                  "single-core read bandwidth measured in the same run (numpy reductions over a "
                  f"{results['memory_bandwidth']['array_mb']} MB array). Where the CPU's last-level cache holds the "
                  "weights, a step can run below this floor; a phone's caches mostly do not hold them."]
    lines += ["", "## Goals", ""] + goals_table(texts, speeds[0])
    lines += ["", "Plots: `latency.png` (latency distributions of both engines), `accuracy.png` (KSR and top-k, "
              "headline text)."]
    report = directory / "report.md"
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    plot(results, directory)
    return report


def plot(results: dict, directory: Path) -> None:
    """latency.png and accuracy.png; skipped with a note if matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        (directory / "plots-skipped.txt").write_text("install matplotlib (pip install -e '.[bench]') for plots\n")
        return
    samples = results.get("latency_samples", {})
    if samples:
        fig, ax = plt.subplots(figsize=(8, 4.5))
        names = list(samples)
        data = [np.maximum(np.asarray(samples[n]), 1.0) for n in names]
        ax.boxplot(data, whis=(1, 99), showfliers=False)
        ax.set_xticks(range(1, len(names) + 1), names, rotation=12, fontsize=8)
        ax.set_yscale("log")
        ax.set_ylabel("µs per query (log scale; whiskers p1–p99)")
        ax.axhline(20_000, color="red", linestyle="--", linewidth=0.8)
        ax.text(0.6, 21_000, "20 ms feedback budget", color="red", fontsize=8)
        ax.set_title("Suggestion latency, one CPU thread")
        fig.tight_layout()
        fig.savefig(directory / "latency.png", dpi=110)
        plt.close(fig)
    accuracy = results["texts"][0]["accuracy"]
    keys = [("KSR@3", "ksr"), ("next top-1", "next_word_top1"), ("next top-3", "next_word_top3"),
            ("compl. top-3 @1", "completion_after_1_top3"), ("compl. top-3 @2", "completion_after_2_top3")]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    width = 0.8 / len(accuracy)
    for i, row in enumerate(accuracy):
        ax.bar(np.arange(len(keys)) + i * width, [100 * row[k] for _, k in keys], width, label=row["engine"])
    ax.set_xticks(np.arange(len(keys)) + width * (len(accuracy) - 1) / 2, [label for label, _ in keys])
    ax.set_ylabel("%")
    ax.legend()
    ax.set_title(f"Keystroke savings and accuracy, {results['texts'][0]['name']}, "
                 f"first {results['texts'][0]['tokens']:,} tokens")
    fig.tight_layout()
    fig.savefig(directory / "accuracy.png", dpi=110)
    plt.close(fig)


def save_json(data: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
