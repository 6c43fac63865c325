"""Models side by side (cell, size): the figures a default model is chosen by."""

from __future__ import annotations

from pathlib import Path

from kbpredict import Predictor

from .perplexity import perplexity
from .protocol import load_test_tokens
from .run import Progress, kbpredict_accuracy
from .speed import bundle_size, keystrokes


def compare(bundles: list[Path], test: Path, ppl_test: Path, words: int, ppl_tokens: int = 0) -> list[dict]:
    """KSR@3, next-word top-3, perplexity, parameters, bundle size and word-commit p99 per bundle."""
    tokens = load_test_tokens(str(test), words)
    rows = []
    for bundle in bundles:
        predictor = Predictor.load(bundle)
        info = predictor.info
        accuracy, _ = kbpredict_accuracy(bundle, tokens)
        alone, _ = kbpredict_accuracy(bundle, tokens, adapt=False)
        speed = keystrokes(predictor, tokens[:3000])
        ppl = perplexity(predictor, str(ppl_test), max_tokens=ppl_tokens, progress=Progress(f"{bundle.name} ppl"))
        rows.append({
            "model": str(bundle), "cell": info.shape.cell, "embedding_size": info.shape.embedding_size,
            "hidden_size": info.shape.hidden_size, "layers": info.shape.num_layers,
            "vocabulary": info.shape.vocab_size, "parameters": info.shape.parameters,
            "bundle_mb": round(bundle_size(bundle)["bundle_bytes"] / 1e6, 2),
            "ksr": accuracy["ksr"], "next_word_top3": accuracy["next_word_top3"], "perplexity": ppl["perplexity"],
            "ksr_model_only": alone["ksr"], "next_word_top3_model_only": alone["next_word_top3"],
            "ppl_tokens": ppl["tokens"], "word_commit_p99_us": speed["word_commit"]["p99_us"],
            "in_word_p99_us": speed["in_word_keystroke"]["p99_us"], "test_tokens": len(tokens),
            "training": {k: info.training.get(k) for k in ("step", "epoch", "elapsed_s")},
        })
    return rows


def table(rows: list[dict]) -> str:
    """The comparison as markdown."""
    lines = ["| model | cell | emb / hidden | params | bundle MB | KSR@3 | next-word top-3 | KSR@3 / top-3, "
             "model only | perplexity | word commit p99 (µs) |", "|---|---|---|---|---|---|---|---|---|---|"]

    def pct(value) -> str:
        return "–" if value is None else f"{100 * value:.1f}%"

    for r in rows:
        lines.append(f"| `{Path(r['model']).name}` | {r['cell'].upper()} | {r['embedding_size']} / {r['hidden_size']} "
                     f"| {r['parameters'] / 1e6:.2f}M | {r['bundle_mb']:.2f} | {pct(r['ksr'])} | "
                     f"{pct(r['next_word_top3'])} | {pct(r.get('ksr_model_only'))} / "
                     f"{pct(r.get('next_word_top3_model_only'))} | {r['perplexity']:.1f} | "
                     f"{r['word_commit_p99_us']:.0f} |")
    tokens = rows[0]["test_tokens"] if rows else 0
    lines += ["", f"KSR@3 and next-word top-3: WikiText-2 raw test, first {tokens:,} tokens (PROTOCOL.md), driven "
              "through the Session, with the text cache (\"model only\": without it). Perplexity: WikiText-2 tokens test over each model's own vocabulary, so it "
              "compares only models with the same vocabulary size. Word-commit p99: one thread, 3,000 words."]
    return "\n".join(lines) + "\n"
