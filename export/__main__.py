"""``python -m export --checkpoint CKPT --out BUNDLE_DIR [--fp32] [--valid FILE]``"""

from __future__ import annotations

import argparse
import sys

from .parity import format_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m export",
                                     description="Export a trained checkpoint to a kbpredict model bundle.")
    parser.add_argument("--checkpoint", required=True, help="a checkpoint written by python -m train (best.pt)")
    parser.add_argument("--out", required=True, help="bundle directory to write")
    parser.add_argument("--fp32", action="store_true", help="keep float32 weights (default: int8)")
    parser.add_argument("--valid", help="validation text for the parity checks (default: the training run's)")
    parser.add_argument("--positions", type=int, default=2000, help="validation positions for parity (default 2000)")
    parser.add_argument("--words-from", nargs="+", metavar="FILE",
                        help="text for the completion word list (default: the training text, if present)")
    parser.add_argument("--words-min-count", type=int, default=2, help="keep words seen this often (default 2)")
    parser.add_argument("--no-words", action="store_true", help="ship no completion word list")
    args = parser.parse_args(argv)
    from .exporter import export_bundle

    try:
        info, report = export_bundle(args.checkpoint, args.out, fp32=args.fp32, valid=args.valid,
                                     positions=args.positions, words_from=args.words_from,
                                     words_min_count=args.words_min_count, wordlist=not args.no_words)
    except (FileNotFoundError, ValueError, RuntimeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    size = sum(f["bytes"] for f in info.files.values())
    print(f"wrote {args.out}: {info.precision}, {info.shape.parameters:,} parameters, "
          f"{info.shape.vocab_size:,} words + {info.metrics.get('wordlist_words', 0):,} completion-only words, "
          f"{size / 1e6:.2f} MB")
    if report is None:
        print("no validation text: parity not checked (pass --valid FILE)")
        return 0
    print(format_report(report))
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
