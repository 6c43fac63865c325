"""Models side by side (cell, size, training text): the figures a default model is chosen by."""

from __future__ import annotations

from pathlib import Path

from kbpredict import Predictor

from .perplexity import perplexity
from .protocol import load_test_tokens
from .run import Progress, kbpredict_accuracy, repo_path, text_label
from .speed import bundle_size, keystrokes


def compare(bundles: list[Path], tests: list[Path], ppl_tests: list[Path], words: int,
            ppl_tokens: int = 0) -> list[dict]:
    """Per bundle: KSR@3 and next-word top-3 on every test text (with and without the text cache),
    perplexity on every perplexity text, parameters, bundle size and keystroke p99."""
    streams = [(text_label(t), load_test_tokens(str(t), words)) for t in tests]
    rows = []
    for bundle in bundles:
        predictor = Predictor.load(bundle)
        info = predictor.info
        texts = []
        for name, tokens in streams:
            accuracy, _ = kbpredict_accuracy(bundle, tokens)
            alone, _ = kbpredict_accuracy(bundle, tokens, adapt=False)
            texts.append({"text": name, "tokens": len(tokens), "ksr": accuracy["ksr"],
                          "next_word_top3": accuracy["next_word_top3"], "ksr_model_only": alone["ksr"],
                          "next_word_top3_model_only": alone["next_word_top3"]})
        speed = keystrokes(predictor, streams[0][1][:3000])
        ppl = [{"text": text_label(p), **perplexity(predictor, str(p), max_tokens=ppl_tokens,
                                                    progress=Progress(f"{bundle.name} ppl"))}
               for p in ppl_tests]
        rows.append({
            "model": repo_path(bundle), "cell": info.shape.cell, "embedding_size": info.shape.embedding_size,
            "hidden_size": info.shape.hidden_size, "layers": info.shape.num_layers,
            "vocabulary": info.shape.vocab_size, "parameters": info.shape.parameters,
            "bundle_mb": round(bundle_size(bundle)["bundle_bytes"] / 1e6, 2),
            "texts": texts, "perplexity": [{k: p[k] for k in ("text", "perplexity", "tokens", "unknown_rate")}
                                           for p in ppl],
            "word_commit_p99_us": speed["word_commit"]["p99_us"],
            "in_word_p99_us": speed["in_word_keystroke"]["p99_us"],
            "training": {k: info.training.get(k) for k in ("step", "epoch", "elapsed_s", "train_files")},
        })
    return rows


def table(rows: list[dict]) -> str:
    """The comparison as markdown: one row per model, the accuracy columns per test text."""

    def pct(value) -> str:
        return "–" if value is None else f"{100 * value:.1f}%"

    texts = [t["text"] for t in rows[0]["texts"]] if rows else []
    ppl_texts = [p["text"] for p in rows[0]["perplexity"]] if rows else []
    header = ["model", "cell", "emb / hidden", "vocab", "params", "bundle MB"]
    for name in texts:
        header += [f"KSR@3 {name}", f"next-word top-3 {name}", f"KSR@3 / top-3 model only, {name}"]
    header += [f"perplexity {name}" for name in ppl_texts] + ["word commit p99 (µs)"]
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    for r in rows:
        cells = [f"`{Path(r['model']).name}`", r["cell"].upper(), f"{r['embedding_size']} / {r['hidden_size']}",
                 f"{r['vocabulary']:,}", f"{r['parameters'] / 1e6:.2f}M", f"{r['bundle_mb']:.2f}"]
        for t in r["texts"]:
            cells += [pct(t["ksr"]), pct(t["next_word_top3"]),
                      f"{pct(t['ksr_model_only'])} / {pct(t['next_word_top3_model_only'])}"]
        cells += [f"{p['perplexity']:.1f}" for p in r["perplexity"]] + [f"{r['word_commit_p99_us']:.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    tokens = rows[0]["texts"][0]["tokens"] if rows and rows[0]["texts"] else 0
    lines += ["", f"KSR@3 and next-word top-3: the first {tokens:,} tokens of each test text (PROTOCOL.md; WikiText "
              "normalized as there, other text only generally), driven through the Session, with the text cache "
              "(\"model only\": without it). Perplexity: every token of the text including end-of-line, over each "
              "model's own vocabulary, so it compares only models with the same vocabulary (a smaller vocabulary "
              "maps more words to unknown and looks better). Word-commit p99: one thread, 3,000 words of the "
              "first text."]
    return "\n".join(lines) + "\n"
