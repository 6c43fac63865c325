"""``python -m train.prepare --text PATH... --out DATA_DIR``: stream a corpus of any size into shards.

Reads files, directories, globs and ``.gz`` files line by line (never whole), each with an
optional weight in the mix (``PATH@WEIGHT``, see :mod:`train.mix`). Unless ``--vocab``
gives a vocabulary, a first pass counts words (memory grows with distinct words, capped at
``--vocab-max-types``, default 2,000,000, by pruning the rarest) and sentencepiece builds the
vocabulary from those counts; a second pass writes int32 token ids in shards of
``--shard-tokens`` plus ``manifest.json`` with counts and sha256 checksums. Memory stays bounded
by the word counts and a 1M-token write buffer, whatever the input size.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from kbpredict.errors import ModelCorruptError
from kbpredict.vocab import Vocabulary

from .data import DataError
from .mix import Source, mixed_blocks, parse_sources
from .shards import ShardWriter, expand_inputs, write_manifest
from .vocab import build_vocabulary

BUFFER_TOKENS = 1 << 20  # ids held in memory before they are appended to a shard


class _Progress:
    def __init__(self, label: str):
        self.label, self.started, self.last = label, time.time(), 0.0

    def show(self, tokens: int, final: bool = False) -> None:
        now = time.time()
        if final or now - self.last > 1:
            self.last = now
            print(f"\r[prepare] {self.label}: {tokens:,} tokens in {now - self.started:,.0f} s",
                  end="\n" if final else "", file=sys.stderr, flush=True)


def _token_lines(sources: list[Source], text_format: str, masks: tuple[str, ...]):
    for _, block in mixed_blocks(sources, text_format, masks=masks):
        for _, tokens in block:
            yield tokens


def encode_split(sources: list[Source], text_format: str, vocab: Vocabulary, out: Path, split: str,
                 shard_tokens: int, *, interleave: bool = False, masks: tuple[str, ...] = ()
                 ) -> tuple[list[dict], list[int]]:
    """Stream the mix into ``{split}-NNNNN.bin`` shards; returns their manifest entries and the
    tokens each source contributed."""
    writer = ShardWriter(out, split, shard_tokens)
    progress = _Progress(split)
    bos, eol = vocab.specials.begin_of_text, vocab.specials.end_of_line
    buffer: list[int] = []
    per_source = [0] * len(sources)
    tokens = 0
    for index, block in mixed_blocks(sources, text_format, interleave=interleave, masks=masks):
        before = len(buffer)
        for starts_document, line in block:
            if starts_document:
                buffer.append(bos)
            buffer.extend(vocab.encode(line))
            buffer.append(eol)
        per_source[index] += len(buffer) - before
        if len(buffer) >= BUFFER_TOKENS:
            writer.write(np.asarray(buffer, dtype=np.int32))
            tokens += len(buffer)
            buffer.clear()
            progress.show(tokens)
    writer.write(np.asarray(buffer, dtype=np.int32))
    tokens += len(buffer)
    writer.close()
    progress.show(tokens, final=True)
    return writer.shards, per_source


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m train.prepare", description=__doc__.splitlines()[0])
    parser.add_argument("--text", nargs="+", required=True, metavar="PATH[@WEIGHT]",
                        help="training text: files, directories, globs, .gz; @WEIGHT (default 1) is the "
                             "expected number of copies of each block of --block-lines lines, e.g. "
                             "chat.txt.gz@1.5 or forum/@0.5")
    parser.add_argument("--valid", nargs="+", default=[], help="validation text, same forms (no weights)")
    parser.add_argument("--out", required=True, help="data directory to write")
    parser.add_argument("--text-format", default="auto", choices=["auto", "plain", "wikitext", "tokens"])
    parser.add_argument("--vocab", help="an existing sentencepiece vocabulary to apply")
    parser.add_argument("--vocab-size", type=int, default=25_000)
    parser.add_argument("--vocab-max-types", type=int, default=2_000_000,
                        help="distinct words counted before the rarest are pruned (bounds memory)")
    parser.add_argument("--shard-tokens", type=int, default=50_000_000, help="tokens per shard (200 MB)")
    parser.add_argument("--interleave", action="store_true",
                        help="merge the sources block by block in proportion to their sizes (recommended for a "
                             "mix: every part of the stream then holds every source) instead of one after another")
    parser.add_argument("--mask", nargs="+", default=[], metavar="TEXT",
                        help="placeholders to read as the unknown word, e.g. [NAME] in GoEmotions")
    args = parser.parse_args(argv)
    masks = tuple(args.mask)
    try:
        sources = parse_sources(args.text)
        valid = [Source(p) for p in expand_inputs(args.valid)] if args.valid else []
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        if args.vocab:
            # a bundle's vocab.model.gz too: the data directory holds it uncompressed
            (out / "vocab.model").write_bytes(Vocabulary.from_file(args.vocab).serialized())
        else:
            print(f"[prepare] counting words for a {args.vocab_size:,}-word vocabulary", file=sys.stderr)
            (out / "vocab.model").write_bytes(build_vocabulary(
                _token_lines(sources, args.text_format, masks), args.vocab_size, max_types=args.vocab_max_types))
        vocab = Vocabulary.from_file(str(out / "vocab.model"))
        shards, per_source = encode_split(sources, args.text_format, vocab, out, "train", args.shard_tokens,
                                          interleave=args.interleave, masks=masks)
        splits = {"train": shards}
        if valid:
            splits["valid"], _ = encode_split(valid, args.text_format, vocab, out, "valid", args.shard_tokens,
                                              masks=masks)
    except (DataError, OSError, ModelCorruptError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    manifest = {
        "format": "kbpredict-shards", "version": 1, "dtype": "int32-le", "vocab_file": "vocab.model",
        "vocab_size": len(vocab), "vocab_sha256": vocab.serialized_digest(), "text_format": args.text_format,
        "special_ids": {"unknown": vocab.specials.unknown, "begin_of_text": vocab.specials.begin_of_text,
                        "end_of_line": vocab.specials.end_of_line},
        "sources": {"train": [str(s.path) for s in sources], "valid": [str(s.path) for s in valid]},
        # what the model was trained on, for model.json: each source's weight and its tokens in the mix
        "mix": [{"file": str(s.path), "weight": s.weight, "tokens": n} for s, n in zip(sources, per_source)],
        "interleave": args.interleave, "masks": list(masks),
        "tokens": {name: sum(s["tokens"] for s in shards) for name, shards in splits.items()},
        "splits": splits,
    }
    write_manifest(out, manifest)
    print(f"[prepare] wrote {out}: " + ", ".join(f"{k} {v:,} tokens" for k, v in manifest["tokens"].items()),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
