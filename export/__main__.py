"""``python -m export --checkpoint CKPT --out BUNDLE_DIR [--fp32] [--valid FILE] [--offensive FILE]
[--misspellings FILE] [--shorthand FILE] [--skip-parity] [--ort]``

Parity (torch vs ONNX fp32 vs ONNX int8, token by token vs multi-token feeds) is checked on a
validation text. A bundle that fails it is written marked failed -- ``Predictor.load`` refuses it --
and the exit status is 1; without a validation text nothing is written (status 2) unless
``--skip-parity`` says to export unchecked.
"""

from __future__ import annotations

import argparse
import sys

from .mobile import main as mobile_main
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
    parser.add_argument("--ort", action="store_true",
                        help="also write model.ort, its reduced operator config and words.txt, for apps outside "
                             "Python (the same as python -m export.mobile BUNDLE afterwards)")
    parser.add_argument("--offensive", metavar="FILE",
                        help="the words never to suggest, for a model of another language than English: one word "
                             "or pattern (word*) a line, as kbpredict/data/offensive.txt; shipped in the bundle "
                             "in place of kbpredict's English list")
    parser.add_argument("--misspellings", metavar="FILE",
                        help="common misspellings of a language other than English and the words they mean: "
                             "one a line, each meaning after a tab, as kbpredict/data/misspellings.txt; shipped "
                             "in the bundle in place of kbpredict's English list")
    parser.add_argument("--shorthand", metavar="FILE",
                        help="chat shorthand of a language other than English: one a line, a tab and what it "
                             "stands for, as kbpredict/data/shorthand.txt; shipped in the bundle in place of "
                             "kbpredict's English list")
    parser.add_argument("--skip-parity", action="store_true",
                        help="export without checking parity (model.json records it was not checked)")
    args = parser.parse_args(argv)
    from .exporter import export_bundle

    try:
        info, report = export_bundle(args.checkpoint, args.out, fp32=args.fp32, valid=args.valid,
                                     positions=args.positions, words_from=args.words_from,
                                     words_min_count=args.words_min_count, wordlist=not args.no_words,
                                     skip_parity=args.skip_parity, offensive=args.offensive,
                                     misspellings=args.misspellings, shorthand=args.shorthand)
    except (FileNotFoundError, ValueError, RuntimeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    size = sum(f["bytes"] for f in info.files.values())
    print(f"wrote {args.out}: {info.precision}, {info.shape.parameters:,} parameters, "
          f"{info.shape.vocab_size:,} words + {info.metrics.get('wordlist_words', 0):,} completion-only words, "
          f"{size / 1e6:.2f} MB")
    if report is None:
        print("parity not checked (--skip-parity)")
    else:
        print(format_report(report))
        if not report.passed:
            print(f"error: {args.out} failed its parity check and is marked failed: Predictor.load refuses it",
                  file=sys.stderr)
            return 1
    return mobile_main([args.out]) if args.ort else 0


if __name__ == "__main__":
    sys.exit(main())
