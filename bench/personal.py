"""``python -m bench personal``: does learning the user's words pay off, message after message?

One source of the conversational test text stands for one user's typing. Its lines are typed in
order, one session per line (a message), each finished so the personal model learns it, with the
personal model reopened and a new Predictor loaded now and then so what helps has come through the
file. The same stream runs again without a personal model. KSR@3 (PROTOCOL.md) is counted over the
stream's second half, after the model has had the first half to learn from. What the personal
model holds in memory only (the last messages' words and the tail that the next message's LSTM
reads first) is lost at each reopening, as when a keyboard's process is restarted.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from kbpredict import PersonalModel, Predictor
from kbpredict.text import protocol_tokens

from .engines import KbpredictEngine
from .protocol import simulate
from .run import repo_path

# conversational/test.txt and valid.txt are the sources' parts concatenated in this order; the
# word counts (test, valid; the corpus README's table) find the boundaries.
SOURCES = [("casino", 3085, 2507), ("chatterbot", 399, 319), ("clinc150", 2330, 2212), ("goemotions", 6879, 6863),
           ("gutenberg", 7608, 9130), ("hwu64", 916, 997), ("multidogo", 2656, 2458), ("polyai", 2947, 2947),
           ("selfdialogue", 35322, 34838), ("sgd", 39981, 40082), ("stackexchange", 4846, 4839),
           ("synthetic_persona_chat", 4039, 4366), ("taskmaster", 2848, 3318), ("topicalchat", 10043, 10457)]
# People chatting (as opposed to requests to assistants, fiction or forum posts).
CHAT_SOURCES = {"casino", "selfdialogue", "topicalchat", "synthetic_persona_chat", "goemotions"}
_LETTERS = str.maketrans("0123456789", "abcdefghij")
REOPEN_EVERY = 100  # messages between reopening the personal model's file
RELOAD_EVERY = 500  # messages between loading a new Predictor


def split_sources(path: Path) -> dict[str, list[str]]:
    """The lines of each source in ``conversational/test.txt`` (or ``valid.txt``)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for column in (1, 2):
        parts, position = {}, 0
        for entry in SOURCES:
            name, words = entry[0], entry[column]
            taken, count = [], 0
            while count < words and position < len(lines):
                taken.append(lines[position])
                count += len(lines[position].split())
                position += 1
            if count != words:
                break
            parts[name] = taken
        else:
            if position == len(lines):
                return parts
    raise ValueError(f"{path}: not the conversational test or validation text (its sources' word counts differ)")


def stream_ksr(bundle: Path, messages: list[str], personal_path: Path | None) -> dict:
    """Type ``messages`` one session each; keystroke savings over the second half."""
    predictor = Predictor.load(bundle)
    personal = PersonalModel(personal_path) if personal_path is not None else None
    half = len(messages) // 2
    keys_with = keys_without = 0
    try:
        for index, message in enumerate(messages):
            if personal is not None and index and index % REOPEN_EVERY == 0:
                personal.close()
                personal = PersonalModel(personal_path)
            if index and index % RELOAD_EVERY == 0:
                predictor = Predictor.load(bundle)
            tokens = protocol_tokens(message, wikitext=False)
            engine = KbpredictEngine(predictor, personal=personal)
            _, counts = simulate(engine, tokens)
            engine.session.finish()
            if index >= half:
                keys_with += counts.keys_with
                keys_without += counts.keys_without
        learned = len(personal.words()) if personal is not None else 0
    finally:
        if personal is not None:
            personal.close()
    return {"ksr": 1 - keys_with / keys_without if keys_without else 0.0, "keys_without": keys_without,
            "learned_words": learned}


def run(bundle: Path, test: Path, sources: list[str] | None = None, max_words: int = 0, progress=print,
        fill: Path | None = None) -> dict:
    """Learning on vs off, per source; ``max_words`` caps each source's stream (0: all of it).
    With ``fill`` (text to learn 20,000 words from), also the latency with a full personal model."""
    parts = split_sources(test)
    unknown = sorted(set(sources or []) - set(parts))
    if unknown:
        raise ValueError(f"unknown source(s) {', '.join(unknown)}; the sources are: {', '.join(parts)}")
    rows = []
    for name in list(parts) if sources is None else sources:
        messages, words = [], 0
        for line in parts[name]:
            if max_words and words >= max_words:
                break
            messages.append(line)
            words += len(line.split())
        started = time.time()
        off = stream_ksr(bundle, messages, None)
        with tempfile.TemporaryDirectory(prefix="kbpredict-bench-personal-") as tmp:
            on = stream_ksr(bundle, messages, Path(tmp) / "personal.sqlite3")
        rows.append({"source": name, "chat": name in CHAT_SOURCES, "messages": len(messages), "words": words,
                     "ksr_learning_off": off["ksr"], "ksr_learning_on": on["ksr"],
                     "gain_points": round(100 * (on["ksr"] - off["ksr"]), 2), "learned_words": on["learned_words"],
                     "second_half_keys": off["keys_without"], "seconds": round(time.time() - started, 1)})
        progress(f"[bench] personal {name}: KSR@3 {100 * off['ksr']:.1f}% -> {100 * on['ksr']:.1f}% "
                 f"({rows[-1]['gain_points']:+.2f} points, {len(messages):,} messages)")
    result = {"model": repo_path(bundle), "test": repo_path(test), "protocol": __doc__.strip().splitlines()[0],
              "reopen_every": REOPEN_EVERY, "reload_every": RELOAD_EVERY, "rows": rows}
    if fill is not None:
        tokens = protocol_tokens(" ".join(parts["selfdialogue"]), wikitext=False)[:3000]
        result["latency"] = latency(bundle, tokens, fill.read_text(encoding="utf-8"))
        speed = result["latency"]["with"]
        progress(f"[bench] personal latency with {result['latency']['learned_words']:,} learned words: in-word p99 "
                 f"{speed['in_word_keystroke']['p99_us']:.0f} µs, commit p99 {speed['word_commit']['p99_us']:.0f} µs")
    return result


def latency(bundle: Path, tokens: list[str], fill_text: str, words: int = 20_000) -> dict:
    """Keystroke latency (one thread) without and with a personal model of ``words`` learned
    words, in the same run: the learned words are ``fill_text``'s, topped up with made-up ones."""
    from .speed import keystrokes

    predictor = Predictor.load(bundle)
    with tempfile.TemporaryDirectory(prefix="kbpredict-bench-personal-") as tmp:
        personal = PersonalModel(Path(tmp) / "personal.sqlite3")
        personal.max_words = max(personal.max_words, words)
        personal.learn_texts(fill_text.splitlines())
        # made-up words, digits spelled as letters (a token of 3 digits or more is not learned)
        filler = [f"zq{n:05d}x".translate(_LETTERS) for n in range(max(0, words - len(personal.words())))]
        personal.learn_texts([" ".join(filler)] * 2)  # twice: suggestable
        learned = len(personal.words())
        rows = {"without": keystrokes(predictor, tokens), "with": keystrokes(predictor, tokens, personal=personal),
                "without_again": keystrokes(predictor, tokens)}
        personal.close()
    return {"learned_words": learned, "tokens": len(tokens), **rows}


def table(result: dict) -> str:
    """The per-source figures as markdown."""
    lines = ["| source | chat | messages | words | KSR@3 learning off | on | gain (points) | learned words |",
             "|---|---|---|---|---|---|---|---|"] if result["rows"] else []
    for r in result["rows"]:
        lines.append(f"| {r['source']} | {'yes' if r['chat'] else ''} | {r['messages']:,} | {r['words']:,} | "
                     f"{100 * r['ksr_learning_off']:.1f}% | {100 * r['ksr_learning_on']:.1f}% | "
                     f"{r['gain_points']:+.2f} | {r['learned_words']:,} |")
    speed = result.get("latency")
    if speed:
        lines += ["", f"Latency, one thread, {speed['tokens']:,} words typed key by key (type + suggestions):", "",
                  "| personal model | in-word key median / p99 (µs) | word commit median / p99 (µs) |",
                  "|---|---|---|"]
        for label, key in (("none", "without"), (f"{speed['learned_words']:,} learned words", "with"),
                           ("none (again, for the noise)", "without_again")):
            row = speed[key]
            lines.append(f"| {label} | {row['in_word_keystroke']['median_us']:.0f} / "
                         f"{row['in_word_keystroke']['p99_us']:.0f} | {row['word_commit']['median_us']:.0f} / "
                         f"{row['word_commit']['p99_us']:.0f} |")
    return "\n".join(lines) + "\n"


def source_perplexity(bundles: list[Path], text: Path, progress=None) -> dict:
    """Perplexity of each bundle on each source of the conversational validation (or test) text:
    where a mix's weights help and where they cost."""
    from .perplexity import perplexity

    parts = split_sources(text)
    rows = []
    with tempfile.TemporaryDirectory(prefix="kbpredict-bench-sources-") as tmp:
        for name, lines in parts.items():
            path = Path(tmp) / f"{name}.txt"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            row = {"source": name, "words": sum(len(line.split()) for line in lines)}
            for bundle in bundles:
                found = perplexity(Predictor.load(bundle), str(path), "plain")
                row[bundle.name] = {"perplexity": found["perplexity"], "unknown_rate": found["unknown_rate"]}
            rows.append(row)
            if progress is not None:
                progress(f"[bench] sources {name}: " + ", ".join(f"{b.name} {row[b.name]['perplexity']}" for b in bundles))
    return {"text": repo_path(text), "models": [repo_path(b) for b in bundles], "rows": rows}


def source_table(result: dict) -> str:
    """Per-source perplexity as markdown."""
    names = [Path(m).name for m in result["models"]]
    lines = ["| source | words | " + " | ".join(f"{n} perplexity (unknown)" for n in names) + " |",
             "|---|---|" + "---|" * len(names)]
    for r in result["rows"]:
        lines.append(f"| {r['source']} | {r['words']:,} | " + " | ".join(
            f"{r[n]['perplexity']:.1f} ({100 * r[n]['unknown_rate']:.1f}%)" for n in names) + " |")
    lines += ["", f"Every token of each source's part of `{Path(result['text']).name}` (end-of-line included), over "
              "each model's own vocabulary: compare models with the same vocabulary size only."]
    return "\n".join(lines) + "\n"
