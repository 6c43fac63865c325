"""``python -m train.prepare --text PATH... --out DATA_DIR``: stream a corpus of any size into shards.

Reads files, directories, globs and ``.gz`` files line by line (never whole). Unless ``--vocab``
gives a vocabulary, a first pass counts words (memory grows with distinct words, capped at
``--vocab-max-types``, default 2,000,000, by pruning the rarest) and sentencepiece builds the
vocabulary from those counts; a second pass writes int32 token ids in shards of
``--shard-tokens`` plus ``manifest.json`` with counts and sha256 checksums. Memory stays bounded
by the word counts and a 1M-token write buffer, whatever the input size.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from kbpredict.vocab import Vocabulary

from .data import DataError
from .shards import ShardWriter, expand_inputs, stream_lines, write_manifest
from .vocab import build_vocabulary

BUFFER_TOKENS = 1 << 20  # ids held in memory before they are appended to a shard


class _Progress:
    def __init__(self, label: str, total_bytes: int):
        self.label, self.total, self.last = label, max(1, total_bytes), 0.0

    def show(self, done_bytes: int, tokens: int, final: bool = False) -> None:
        now = time.time()
        if final or now - self.last > 1:
            self.last = now
            print(f"\r[prepare] {self.label}: {100 * min(done_bytes, self.total) / self.total:5.1f}% of "
                  f"{self.total / 1e6:,.0f} MB, {tokens:,} tokens", end="\n" if final else "",
                  file=sys.stderr, flush=True)


def _token_lines(files: list[Path], text_format: str):
    for path in files:
        for _, tokens in stream_lines(path, text_format):
            yield tokens


def encode_split(files: list[Path], text_format: str, vocab: Vocabulary, out: Path, split: str,
                 shard_tokens: int) -> list[dict]:
    """Stream ``files`` into ``{split}-NNNNN.bin`` shards; returns their manifest entries."""
    writer = ShardWriter(out, split, shard_tokens)
    progress = _Progress(split, sum(p.stat().st_size for p in files))
    bos, eol = vocab.specials.begin_of_text, vocab.specials.end_of_line
    buffer: list[int] = []
    tokens = done = 0
    for path in files:
        for starts_document, line in stream_lines(path, text_format):
            if starts_document:
                buffer.append(bos)
            buffer.extend(vocab.encode(line))
            buffer.append(eol)
            if len(buffer) >= BUFFER_TOKENS:
                writer.write(np.asarray(buffer, dtype=np.int32))
                tokens += len(buffer)
                buffer.clear()
                progress.show(done + path.stat().st_size // 2, tokens)
        done += path.stat().st_size
        progress.show(done, tokens + len(buffer))
    writer.write(np.asarray(buffer, dtype=np.int32))
    writer.close()
    progress.show(done, tokens + len(buffer), final=True)
    return writer.shards


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m train.prepare", description=__doc__.splitlines()[0])
    parser.add_argument("--text", nargs="+", required=True, help="training text: files, directories, globs, .gz")
    parser.add_argument("--valid", nargs="+", default=[], help="validation text, same forms")
    parser.add_argument("--out", required=True, help="data directory to write")
    parser.add_argument("--text-format", default="auto", choices=["auto", "plain", "wikitext", "tokens"])
    parser.add_argument("--vocab", help="an existing sentencepiece vocabulary to apply")
    parser.add_argument("--vocab-size", type=int, default=25_000)
    parser.add_argument("--vocab-max-types", type=int, default=2_000_000,
                        help="distinct words counted before the rarest are pruned (bounds memory)")
    parser.add_argument("--shard-tokens", type=int, default=50_000_000, help="tokens per shard (200 MB)")
    args = parser.parse_args(argv)
    try:
        files = expand_inputs(args.text)
        valid = expand_inputs(args.valid) if args.valid else []
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        if args.vocab:
            shutil.copyfile(args.vocab, out / "vocab.model")
        else:
            print(f"[prepare] counting words for a {args.vocab_size:,}-word vocabulary", file=sys.stderr)
            (out / "vocab.model").write_bytes(build_vocabulary(
                _token_lines(files, args.text_format), args.vocab_size, max_types=args.vocab_max_types))
        vocab = Vocabulary.from_file(str(out / "vocab.model"))
        splits = {"train": encode_split(files, args.text_format, vocab, out, "train", args.shard_tokens)}
        if valid:
            splits["valid"] = encode_split(valid, args.text_format, vocab, out, "valid", args.shard_tokens)
    except (DataError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    manifest = {
        "format": "kbpredict-shards", "version": 1, "dtype": "int32-le", "vocab_file": "vocab.model",
        "vocab_size": len(vocab), "vocab_sha256": vocab.serialized_digest(), "text_format": args.text_format,
        "special_ids": {"unknown": vocab.specials.unknown, "begin_of_text": vocab.specials.begin_of_text,
                        "end_of_line": vocab.specials.end_of_line},
        "sources": {"train": [str(p) for p in files], "valid": [str(p) for p in valid]},
        "tokens": {name: sum(s["tokens"] for s in shards) for name, shards in splits.items()},
        "splits": splits,
    }
    write_manifest(out, manifest)
    print(f"[prepare] wrote {out}: " + ", ".join(f"{k} {v:,} tokens" for k, v in manifest["tokens"].items()),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
