"""The ``kbpredict`` command: predict, info, the interactive demo, and the personal model (learn, words).

Library errors become one-line messages with a non-zero exit; nothing here prints a traceback
(set ``KBPREDICT_DEBUG=1`` to see one for an unexpected error).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import KbpredictError

MODEL_HELP = "model bundle directory (default: the shipped model)"
ADAPT_HELP = "don't mix the text's own words into the suggestions (the model alone)"
PERSONAL_HELP = "the personal model file (default: personal.sqlite3 in your user data directory)"
# kbpredict.typos.LAYOUTS' names (not imported: `kbpredict --help` loads no numpy)
LAYOUT_NAMES = ("qwerty", "qwertz", "azerty", "jcuken")
layout_option = click.option("--layout", type=click.Choice(LAYOUT_NAMES, case_sensitive=False), default="qwerty",
                             show_default=True, help="your keyboard's layout: slips onto a neighbouring key cost less")


def _load(model: str | None, threads: int = 1, layout: str = "qwerty"):
    from .predictor import Predictor

    try:
        return Predictor.load(model, threads=threads, layout=layout)
    except KbpredictError as exc:
        raise click.ClickException(str(exc)) from None


def _safe(text: str) -> str:
    # Arguments that were not valid UTF-8 arrive with lone surrogates; never echo those raw.
    return text.encode("utf-8", "replace").decode("utf-8")


def _shown(word: str, most: int = 60) -> str:
    """A typed word as the CLI echoes it: a pasted run of 100,000 letters is not printed back
    whole, but its ends and its length."""
    if len(word) <= most:
        return _safe(word)
    return f"{_safe(word[:24])}…{_safe(word[-24:])} ({len(word):,} characters)"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kbpredict")
def cli() -> None:
    """On-device next-word prediction and word completion."""


@cli.command()
@click.argument("text")
@click.option("-k", "k", type=click.IntRange(1, 100), default=3, show_default=True, help="number of suggestions")
@click.option("--model", type=click.Path(), default=None, help=MODEL_HELP)
@click.option("--threads", type=click.IntRange(1, 64), default=1, show_default=True, help="onnxruntime threads")
@click.option("--no-adapt", is_flag=True, help=ADAPT_HELP)
@click.option("--personal", "personal_path", type=click.Path(dir_okay=False), default=None, help=PERSONAL_HELP)
@click.option("--no-learn", is_flag=True, help="leave your learned words out (the personal model is never written here)")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@layout_option
def predict(text: str, k: int, model: str | None, threads: int, no_adapt: bool, personal_path: str | None,
            no_learn: bool, as_json: bool, layout: str) -> None:
    """Suggest the next word (after a space) or complete the word TEXT ends with.

    TEXT is the text before the cursor; "-" reads it from standard input. Your learned words
    (`kbpredict learn`) are mixed in if you have any; nothing is learned from TEXT.
    """
    if text == "-":
        text = sys.stdin.read()
        if text.endswith("\n"):  # echo's newline ends the input, it is not a line break typed
            text = text[:-1]
    predictor = _load(model, threads, layout)
    personal = None if no_learn else _personal(personal_path, create=False)
    started = time.perf_counter()
    session = predictor.session(adapt=not no_adapt, personal=personal, incognito=True)
    session.update(text)
    suggestions = session.suggestions(k)
    auto = session.autocorrection()
    elapsed_ms = (time.perf_counter() - started) * 1e3
    if as_json:
        click.echo(json.dumps({
            "completing": _safe(session.current_word),
            "suggestions": [{"word": s.word, "score": s.score, "kind": s.kind} for s in suggestions],
            "autocorrect": auto.word if auto is not None else None,
            "milliseconds": round(elapsed_ms, 3),
        }, ensure_ascii=False))
        return
    if not suggestions:
        click.echo(f"no suggestions for {_shown(session.current_word)!r}")
        return
    if session.current_word:
        click.echo(f'completing "{_shown(session.current_word)}" (end the text with a space for next-word suggestions)')
    width = max(len(s.word) for s in suggestions)
    for rank, s in enumerate(suggestions, 1):
        click.echo(f"{rank}. {s.word:<{width}}  {s.score:.4f}  {s.kind}")
    if auto is not None:
        click.echo(f"space would autocorrect \"{_safe(session.current_word)}\" to \"{auto.word}\"")


def _info_dict(predictor) -> dict[str, Any]:
    info = predictor.info
    files = {name: entry["bytes"] for name, entry in info.files.items()}
    parity = info.metrics.get("parity", {})
    return {
        "path": str(predictor.path),
        "precision": info.precision,
        "bundle_bytes": sum(files.values()),
        "files": files,
        "vocabulary": info.shape.vocab_size,
        "completion_words": predictor.index.listed_words,
        "parameters": info.shape.parameters,
        "cell": info.shape.cell,
        "layers": info.shape.num_layers,
        "embedding_size": info.shape.embedding_size,
        "hidden_size": info.shape.hidden_size,
        "valid_ppl": info.metrics.get("valid_ppl_torch"),
        "valid_files": info.training.get("valid_files") or [],
        "parity": {k: parity.get(k) for k in ("positions", "fp32_ppl", "int8_ppl", "int8_top3_agreement",
                                               "torch_vs_fp32_max_abs_diff", "passed", "skipped", "valid_file")
                   if k in parity},
        "operators": list(info.operators),
        "ort_file": info.ort_file,
        "operators_file": info.operators_file,
        "words_file": info.words_file,
        "trained": {k: info.training.get(k) for k in ("train_files", "train_tokens", "step", "epoch",
                                                       "elapsed_s", "exported", "mix") if k in info.training},
    }


def _size(nbytes: int) -> str:
    """A file size for people: "4.40 MB", "4.7 KB"."""
    return f"{nbytes / 1e6:.2f} MB" if nbytes >= 100_000 else f"{nbytes / 1e3:.1f} KB"


def _source_name(path: str) -> str:
    """``selfdialogue`` for ``.../train/selfdialogue.txt.gz``, ``wikitext-2-tokens`` for ``.../train.txt``."""
    stem = os.path.basename(path).split(".")[0]
    return os.path.basename(os.path.dirname(path)) or stem if stem in ("train", "valid", "test") else stem


@cli.command()
@click.option("--model", type=click.Path(), default=None, help=MODEL_HELP)
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def info(model: str | None, as_json: bool) -> None:
    """Describe a model bundle: size, vocabulary, parameters, metrics."""
    data = _info_dict(_load(model))
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(f"model       {data['path']}")
    click.echo(f"size        {data['bundle_bytes'] / 1e6:.2f} MB ({data['precision']}; "
               + ", ".join(f"{n} {_size(b)}" for n, b in data["files"].items()) + ")")
    click.echo(f"vocabulary  {data['vocabulary']:,} words"
               + (f", and {data['completion_words']:,} more completed from words.tsv.gz" if data["completion_words"] else ""))
    click.echo(f"network     {data['parameters']:,} parameters: {data['layers']} x {data['cell'].upper()} "
               f"{data['hidden_size']}, embedding {data['embedding_size']} (tied)")
    if data["operators"]:
        names = [name if domain == "ai.onnx" else f"{domain} {name}"
                 for domain, _, name in (op.split(";", 2) for op in data["operators"])]
        click.echo(f"operators   {len(names)}: {', '.join(names)}")
    else:
        click.echo("operators   not recorded (exported by an older kbpredict)")
    if data["ort_file"]:
        click.echo(f"mobile      {data['ort_file']} (ORT format), {data['operators_file']} (reduced operator config), "
                   f"{data['words_file']} (plain vocabulary)")
    parity = data["parity"]
    if data["valid_ppl"] is not None:
        names = [os.path.basename(p) for p in data["valid_files"]] or (
            [os.path.basename(parity["valid_file"])] if parity.get("valid_file") else [])
        click.echo(f"validation  perplexity {data['valid_ppl']:.2f} on all of "
                   f"{', '.join(names) or 'its validation text'} (torch fp32, at training time)")
    if "int8_ppl" in parity:
        where = os.path.basename(parity["valid_file"]) if parity.get("valid_file") else "the validation text"
        click.echo(f"int8        perplexity {parity['int8_ppl']:.2f} vs fp32 {parity['fp32_ppl']:.2f}, "
                   f"top-3 agreement {100 * parity['int8_top3_agreement']:.1f}% "
                   f"(parity check: the first {parity.get('positions', 0):,} tokens of {where})")
    if parity.get("skipped"):
        click.echo("parity      not checked at export (--skip-parity)")
    elif parity.get("passed") is False:
        click.echo("parity      FAILED at export: the runtime refuses this bundle")
    trained = data["trained"]
    if trained:
        mix = trained.get("mix") or []
        total = sum(m["tokens"] for m in mix)
        sources = (", ".join(f"{_source_name(m['file'])} {100 * m['tokens'] / total:.0f}%"
                             for m in sorted(mix, key=lambda m: -m["tokens"]) if m["tokens"])
                   if total else ", ".join(os.path.basename(p) for p in trained.get("train_files") or []))
        click.echo(f"trained     {trained.get('step', '?')} steps; training text {trained.get('train_tokens', 0):,} "
                   f"tokens ({sources})")


def _personal(path: str | None, create: bool = True):
    """The personal model at ``path`` (default: the user data directory); one-line errors, and a
    warning line if an unusable file was moved aside. None if it does not exist and ``create`` is False."""
    import warnings

    from .personal import PersonalModel, PersonalModelError, default_path

    where = Path(path) if path else default_path()
    if not create and not where.exists():
        return None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = PersonalModel(where)
    except PersonalModelError as exc:
        raise click.ClickException(str(exc)) from None
    for warning in caught:
        click.echo(f"Warning: {warning.message}", err=True)
    return model


@cli.command()
@click.option("--model", type=click.Path(), default=None, help=MODEL_HELP)
@click.option("--no-adapt", is_flag=True, help=ADAPT_HELP)
@click.option("--personal", "personal_path", type=click.Path(dir_okay=False), default=None, help=PERSONAL_HELP)
@click.option("--incognito", is_flag=True, help="use your learned words but learn nothing from this text")
@click.option("--no-learn", is_flag=True, help="no personal model at all: neither read nor write it")
@layout_option
def demo(model: str | None, no_adapt: bool, personal_path: str | None, incognito: bool, no_learn: bool,
         layout: str) -> None:
    """Live autocomplete: type, and see the top 3 suggestions as you go (Ctrl-D quits).

    Your words are learned when you quit (unless --incognito or --no-learn), into the personal
    model file, and offered in later runs; `kbpredict words` shows and forgets them.
    """
    try:
        from .demo import run_demo
    except ImportError:
        raise click.ClickException("the demo needs prompt_toolkit: pip install 'kbpredict[demo]'") from None
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise click.ClickException("the demo needs an interactive terminal; try: kbpredict predict \"TEXT\"")
    predictor = _load(model, layout=layout)
    # Incognito reads the personal model if there is one; it never creates the file.
    personal = None if no_learn else _personal(personal_path, create=not incognito)
    text, learned = run_demo(predictor, adapt=not no_adapt, personal=personal, incognito=incognito)
    if text:
        click.echo(f"typed {len(text.split())} words"
                   + (f"; learned {learned} into {personal.path}" if learned else ""))


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--personal", "personal_path", type=click.Path(dir_okay=False), default=None, help=PERSONAL_HELP)
def learn(files: tuple[str, ...], personal_path: str | None) -> None:
    """Learn your words from text you wrote (sent messages, notes): one text per line.

    "-" reads standard input.
    """
    for name in files:  # every file readable and text before anything is learned or created
        if name == "-":
            continue
        try:
            with open(name, "rb") as handle:
                head = handle.read(65536)
        except OSError as exc:
            raise click.ClickException(f"cannot read {name}: {exc.strerror or exc}; nothing learned") from None
        if b"\0" in head:
            raise click.ClickException(f"{name} looks like a binary file, not text; nothing learned")
    model = _personal(personal_path)
    total = 0
    for name in files:
        try:
            handle = click.open_file(name, encoding="utf-8", errors="replace")
            with handle:
                batch: list[str] = []
                for line in handle:
                    batch.append(line)
                    if len(batch) == 1000:  # one save per thousand texts
                        total += model.learn_texts(batch)
                        batch.clear()
                total += model.learn_texts(batch)
        except OSError as exc:
            raise click.ClickException(f"cannot read {name}: {exc.strerror or exc}") from None
    click.echo(f"learned {total:,} words into {model.path}")


@cli.command()
@click.option("--personal", "personal_path", type=click.Path(dir_okay=False), default=None, help=PERSONAL_HELP)
@click.option("--forget", "forget_words", multiple=True, metavar="WORD", help="forget a word and its pairs")
@click.option("--block", "block_words", multiple=True, metavar="WORD", help="never suggest or learn a word")
@click.option("--unblock", "unblock_words", multiple=True, metavar="WORD", help="allow a blocked word again")
@click.option("--clear", is_flag=True, help="forget everything learned (blocked words stay blocked)")
@click.option("--model", type=click.Path(), default=None, help=MODEL_HELP + "; says which words are suggested")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def words(personal_path: str | None, forget_words, block_words, unblock_words, clear: bool, model: str | None,
          as_json: bool) -> None:
    """Show, forget and block the words kbpredict learned from you."""
    from .personal import word_problem

    changing = bool(forget_words or block_words or unblock_words or clear)
    problem = next(filter(None, [*map(word_problem, (*forget_words, *block_words)),
                                 *(word_problem(w, several=True) for w in unblock_words)]), None)
    if problem is not None:  # (told the same way whether or not a personal model file exists yet)
        raise click.BadParameter(problem, param_hint="WORD")
    # Only a block needs a file to keep it in: forgetting, unblocking or clearing creates none.
    personal = _personal(personal_path, create=bool(block_words))
    if personal is None:
        for word in forget_words:
            click.echo(f"{word} was not learned", err=as_json)
        for word in unblock_words:
            click.echo(f"{word} was not blocked", err=as_json)
        if clear:
            click.echo("nothing learned to forget", err=as_json)
        if changing and not as_json:
            return
        click.echo(json.dumps({"path": None, "words": [], "blocked": []}) if as_json
                   else "nothing learned yet (no personal model file)")
        return
    for word in forget_words:
        click.echo(f"forgot {word}" if personal.forget(word) else f"{word} was not learned", err=as_json)
    for word in block_words:
        personal.block(word)
        click.echo(f"blocked {word}", err=as_json)
    for word in unblock_words:
        click.echo(f"unblocked {word}" if personal.unblock(word) else f"{word} was not blocked", err=as_json)
    if clear:
        personal.clear()
        click.echo("forgot everything learned", err=as_json)
    if changing and not as_json:
        return
    vocabulary = _load(model).index if model or not as_json else None
    learned = personal.words(vocabulary)
    blocked = sorted(personal.blocked_words())
    if as_json:
        click.echo(json.dumps({"path": str(personal.path), "blocked": blocked, "words": [
            {"word": w.word, "count": w.count, "uses": w.uses, "last_used": w.last_used, "confirmed": w.confirmed,
             "suggested": w.suggestable} for w in learned]}, ensure_ascii=False))
        return
    click.echo(f"{personal.path}: {len(learned):,} learned words" + (f", {len(blocked)} blocked" if blocked else ""))
    for w in learned[:200]:
        note = "" if w.suggestable else "  (not suggested yet: used once)"
        click.echo(f"{w.count:8.1f}  {_safe(w.word)}{note}")
    if len(learned) > 200:
        click.echo(f"... and {len(learned) - 200:,} more (--json lists all)")
    if blocked:
        click.echo("blocked: " + ", ".join(_safe(b) for b in blocked))


@cli.command()
@click.option("--model", type=click.Path(), default=None, help=MODEL_HELP)
@click.option("--threads", type=click.IntRange(1, 64), default=1, show_default=True, help="onnxruntime threads")
@click.option("--personal", "personal_path", type=click.Path(dir_okay=False), default=None, help=PERSONAL_HELP)
@click.option("--no-learn", is_flag=True, help="no personal model: neither read nor write it (its ops answer an error)")
@click.option("--max-sessions", type=click.IntRange(1, 1_000_000), default=1000, show_default=True,
              help="sessions open at once")
@layout_option
def serve(model: str | None, threads: int, personal_path: str | None, no_learn: bool, max_sessions: int,
          layout: str) -> None:
    """Serve apps in any language: JSON lines on stdin, one response line each on stdout.

    {"id": 1, "op": "open", "session": "s"} then {"id": 2, "op": "type", "session": "s", "text": "h"}
    and so on; {"op": "help"} lists every op. Ends at end of input. See README, "Embedding in an app".
    """
    from .serve import run

    predictor = _load(model, threads, layout)
    personal = None if no_learn else _personal(personal_path)
    sys.exit(run(predictor, personal, max_sessions=max_sessions))


def main() -> None:
    """Console entry point: run the CLI, turning any unexpected error into one line."""
    try:
        code = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KbpredictError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # the last line of defence: never a traceback for a user
        if os.environ.get("KBPREDICT_DEBUG"):
            raise
        click.echo(f"Error: unexpected {type(exc).__name__}: {exc} (KBPREDICT_DEBUG=1 shows details)", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
