"""``python -m bench {all,accuracy,perplexity,latency,compare,tune-recent,personal,train-throughput}``: what users care about, measured the same way."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .run import DEFAULT_PPL_TEST, DEFAULT_PPL_TESTS, DEFAULT_TEST, DEFAULT_TESTS, DEFAULT_VALID


def _model(value: str | None) -> Path:
    from kbpredict.predictor import default_model_path

    return Path(value) if value else default_model_path()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    every = sub.add_parser("all", help="everything, side by side with Presage, into one report")
    every.add_argument("--model", help="bundle directory (default: the shipped model)")
    every.add_argument("--fp32-model", help="an fp32 bundle of the same model, for the speed table")
    every.add_argument("--words", type=int, default=20_000, help="test tokens (PROTOCOL.md: 20,000)")
    every.add_argument("--test", nargs="+", default=[str(t) for t in DEFAULT_TESTS],
                       help="test texts; the first is the headline (default: conversational, then WikiText-2)")
    every.add_argument("--ppl-test", nargs="+", default=[str(t) for t in DEFAULT_PPL_TESTS],
                       help="perplexity texts (default: conversational test, WikiText-2 tokens test)")
    every.add_argument("--ppl-tokens", type=int, default=0, help="perplexity on the first N tokens (0: all)")
    every.add_argument("--train-text", help="Presage's training text (default: the model's, from model.json)")
    every.add_argument("--no-shipped-presage", action="store_true", help="skip Presage's own English database")
    every.add_argument("--cold-runs", type=int, default=5)
    every.add_argument("--results", default="bench/results")

    accuracy = sub.add_parser("accuracy", help="KSR@3 and top-k accuracy through the incremental Session")
    accuracy.add_argument("--model")
    accuracy.add_argument("--test", default=str(DEFAULT_TEST))
    accuracy.add_argument("--words", type=int, default=20_000)
    accuracy.add_argument("--k", type=int, default=3)
    accuracy.add_argument("--no-adapt", action="store_true", help="the model alone, without the text cache")
    accuracy.add_argument("--no-correct", action="store_true", help="without typo corrections in the bar")

    ppl = sub.add_parser("perplexity", help="perplexity over a tokenized test set")
    ppl.add_argument("--model")
    ppl.add_argument("--test", default=str(DEFAULT_PPL_TEST))
    ppl.add_argument("--text-format", choices=["auto", "plain", "wikitext", "tokens"])
    ppl.add_argument("--max-tokens", type=int, default=0)
    ppl.add_argument("--also", nargs="+", default=[], metavar="DIR", help="more bundles on the same test text")
    ppl.add_argument("--out", help="write the JSON here too")

    latency = sub.add_parser("latency", help="per-keystroke, per-word and paste latency, load time, memory, size")
    latency.add_argument("--model")
    latency.add_argument("--fp32-model")
    latency.add_argument("--test", default=str(DEFAULT_TEST))
    latency.add_argument("--words", type=int, default=5_000)
    latency.add_argument("--cold-runs", type=int, default=5)
    latency.add_argument("--ort", action="store_true",
                         help="also the model in ORT format (model.ort, added to a copy by python -m export.mobile)")
    latency.add_argument("--out", help="also write the figures here (JSON, and a .md table beside it)")

    served = sub.add_parser("serve", help="kbpredict serve under a scripted client: 100,000 requests, 1%% malformed")
    served.add_argument("--model")
    served.add_argument("--test", default=str(DEFAULT_TEST), help="text the sessions type")
    served.add_argument("--requests", type=int, default=100_000)
    served.add_argument("--sessions", type=int, default=100)
    served.add_argument("--malformed", type=float, default=0.01, help="share of malformed lines")
    served.add_argument("--out", help="write the JSON here too (and a .md table beside it)")

    throughput = sub.add_parser("train-throughput", help="training tokens/s: 1 process vs DDP processes")
    throughput.add_argument("--data", required=True, help="a directory from python -m train.prepare")
    throughput.add_argument("--steps", type=int, default=40)
    throughput.add_argument("--preset", default="default")
    throughput.add_argument("--out", help="write the JSON here too")

    versus = sub.add_parser("compare", help="several bundles side by side (cells, sizes)")
    versus.add_argument("--models", nargs="+", required=True)
    versus.add_argument("--test", nargs="+", default=[str(t) for t in DEFAULT_TESTS])
    versus.add_argument("--ppl-test", nargs="+", default=[str(t) for t in DEFAULT_PPL_TESTS])
    versus.add_argument("--words", type=int, default=20_000)
    versus.add_argument("--ppl-tokens", type=int, default=0)
    versus.add_argument("--results", default="bench/results", help="writes models.json and models.md here")
    versus.add_argument("--append", action="store_true", help="add rows to an existing models.json")

    tune = sub.add_parser("tune-recent", help="tune the text cache's weights on validation text (never test)")
    tune.add_argument("--model")
    tune.add_argument("--valid", default=str(DEFAULT_VALID))
    tune.add_argument("--words", type=int, default=20_000)
    tune.add_argument("--out", default="bench/results/tune_recent.json")

    personal = sub.add_parser("personal", help="learning the user's words on vs off, per source (KSR@3)")
    personal.add_argument("--model")
    personal.add_argument("--test", default=str(DEFAULT_TEST), help="the conversational test text")
    personal.add_argument("--sources", nargs="*", help="only these sources (default: all 14; none: latency only)")
    personal.add_argument("--words", type=int, default=0, help="at most this many words per source (0: all)")
    personal.add_argument("--out", default="bench/results/personal.json")
    personal.add_argument("--fill", default=str(DEFAULT_VALID),
                          help="text a 20,000-word personal model is learned from, for the latency rows "
                               "(default: the conversational validation text; '' skips them)")

    typos = sub.add_parser("typos", help="typo correction: one realistic typo per sampled word, typed in context")
    typos.add_argument("--model")
    typos.add_argument("--test", default=str(DEFAULT_TEST))
    typos.add_argument("--words", type=int, default=20_000, help="sample from the first N words")
    typos.add_argument("--samples", type=int, default=2_000)
    typos.add_argument("--seed", type=int, default=0)
    typos.add_argument("--tune", action="store_true",
                       help="grid over autocorrect policies (use --test on the validation text, never test)")
    typos.add_argument("--out", default="bench/results/typos.json")

    by_source = sub.add_parser("sources", help="perplexity per source of the conversational validation text")
    by_source.add_argument("--models", nargs="+", required=True)
    by_source.add_argument("--text", default=str(DEFAULT_VALID))
    by_source.add_argument("--out", default="bench/results/sources.json")

    args = parser.parse_args(argv)
    out = getattr(args, "out", None)
    if out and Path(out).is_dir():  # found before a run of minutes, not after it
        parser.error(f"--out {out} is a directory; give the path of the JSON file to write")
    from kbpredict import KbpredictError, Predictor

    try:
        if args.command == "all":
            from .run import run_all

            report = run_all(_model(args.model), Path(args.results), args.words, tests=[Path(t) for t in args.test],
                             ppl_tests=[Path(t) for t in args.ppl_test], ppl_tokens=args.ppl_tokens,
                             fp32_bundle=Path(args.fp32_model) if args.fp32_model else None,
                             train_text=args.train_text, shipped_presage=not args.no_shipped_presage,
                             cold_runs=args.cold_runs)
            print(report.read_text(encoding="utf-8"))
            print(f"[bench] wrote {report.parent}/", file=sys.stderr)
        elif args.command == "accuracy":
            from .run import kbpredict_accuracy
            from .protocol import load_test_tokens

            result, _ = kbpredict_accuracy(_model(args.model), load_test_tokens(args.test, args.words), args.k,
                                           adapt=not args.no_adapt, correct=not args.no_correct)
            print(json.dumps(result, indent=2))
        elif args.command == "perplexity":
            from .perplexity import perplexity
            from .run import Progress, repo_path

            rows = []
            for bundle in [_model(args.model), *map(Path, args.also)]:
                predictor = Predictor.load(bundle)
                row = perplexity(predictor, args.test, args.text_format, args.max_tokens, progress=Progress("perplexity"))
                rows.append({"model": repo_path(bundle), "parameters": predictor.info.shape.parameters, **row})
            result = rows[0] if len(rows) == 1 else {"rows": rows}
            print(json.dumps(result, indent=2))
            if args.out:
                from .report import save_json

                command = "python -m bench " + " ".join(sys.argv[1:] if argv is None else argv)
                save_json({**(result if "rows" in result else {"rows": [result]}), "command": command}, Path(args.out))
        elif args.command == "compare":
            from .compare import compare, table
            from .report import save_json

            rows = compare([Path(m) for m in args.models], [Path(t) for t in args.test],
                           [Path(t) for t in args.ppl_test], args.words, args.ppl_tokens)
            existing = Path(args.results) / "models.json"
            if args.append and existing.exists():
                rows = json.loads(existing.read_text())["rows"] + rows
            save_json({"rows": rows}, Path(args.results) / "models.json")
            (Path(args.results) / "models.md").write_text(table(rows), encoding="utf-8")
            print(table(rows))
        elif args.command == "tune-recent":
            from .protocol import load_test_tokens
            from .report import save_json
            from .run import Progress
            from .tune_recent import tune as tune_recent

            found = tune_recent(_model(args.model), load_test_tokens(args.valid, args.words),
                                progress=Progress("tune-recent"))
            save_json(found, Path(args.out))
            print(json.dumps({"model_only": found["model_only"], "best": found["rows"][:3]}, indent=2))
        elif args.command == "personal":
            from .personal import run as personal_bench, table as personal_table
            from .report import save_json

            found = personal_bench(_model(args.model), Path(args.test), args.sources, args.words,
                                   progress=lambda line: print(line, file=sys.stderr, flush=True),
                                   fill=Path(args.fill) if args.fill else None)
            save_json(found, Path(args.out))
            Path(args.out).with_suffix(".md").write_text(personal_table(found), encoding="utf-8")
            print(personal_table(found))
        elif args.command == "typos":
            from .typos import run as typos_bench, table as typos_table

            found = typos_bench(_model(args.model), Path(args.test), args.words, args.samples, args.seed, args.tune)
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            Path(args.out).write_text(json.dumps(found, indent=2), encoding="utf-8")
            if args.tune:
                for p in found["policies"]:
                    print(p)
                print("best:", found["best"])
            else:
                Path(args.out).with_suffix(".md").write_text(typos_table(found), encoding="utf-8")
                print(typos_table(found))
        elif args.command == "sources":
            from .personal import source_perplexity, source_table
            from .report import save_json

            found = source_perplexity([Path(m) for m in args.models], Path(args.text),
                                      progress=lambda line: print(line, file=sys.stderr, flush=True))
            save_json(found, Path(args.out))
            Path(args.out).with_suffix(".md").write_text(source_table(found), encoding="utf-8")
            print(source_table(found))
        elif args.command == "serve":
            from .protocol import load_test_tokens
            from .serve import run as serve_run
            from .serve import table as serve_table

            found = serve_run(_model(args.model) if args.model else None, load_test_tokens(args.test, 20_000),
                              args.requests, args.sessions, args.malformed)
            command = "python -m bench " + " ".join(sys.argv[1:] if argv is None else argv)
            print(serve_table(found))
            if args.out:
                from .report import save_json
                from .run import repo_path

                save_json({"command": command, "test": repo_path(args.test), **found}, Path(args.out))
                Path(args.out).with_suffix(".md").write_text(f"`{command}`\n\n" + serve_table(found), encoding="utf-8")
            if not (found["every_line_answered"] and found["expected_outcomes"] and found["exit_code"] == 0):
                print(f"error: the server failed the script: {found['stderr'][-500:]}", file=sys.stderr)
                return 1
        elif args.command == "train-throughput":
            from .training import measure as throughput

            rows = throughput(args.data, args.steps, args.preset)
            print(json.dumps(rows, indent=2))
            if args.out:
                Path(args.out).write_text(json.dumps({"machine": f"{os.cpu_count()} cores", "rows": rows}, indent=2))
        else:
            from .protocol import load_test_tokens
            from .run import speed_rows

            tokens = load_test_tokens(args.test, args.words)
            rows, bandwidth = speed_rows(_model(args.model), tokens, args.cold_runs, ort=args.ort,
                                         fp32_bundle=Path(args.fp32_model) if args.fp32_model else None)
            print(json.dumps(rows, indent=2))
            if args.out:
                from .report import speed_table
                from .run import repo_path

                for row in rows:
                    row["bundle"] = repo_path(row["bundle"])
                command = "python -m bench " + " ".join(sys.argv[1:] if argv is None else argv)
                Path(args.out).write_text(json.dumps({"command": command, "test": repo_path(args.test),
                                                      "words": len(tokens), "memory_bandwidth": bandwidth,
                                                      "rows": rows}, indent=2) + "\n")
                Path(args.out).with_suffix(".md").write_text(
                    f"`{command}` ({len(tokens):,} words of {repo_path(args.test)}, one thread)\n\n"
                    + "\n".join(speed_table(rows, bandwidth)) + "\n", encoding="utf-8")
    except KbpredictError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
