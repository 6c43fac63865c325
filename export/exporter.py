"""Checkpoint -> bundle directory: ONNX (int8 or fp32), vocabulary, sidecar, with parity proven."""

from __future__ import annotations

import dataclasses
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import onnx

from kbpredict.blocklist import Blocklist
from kbpredict.bundle import BundleInfo, ModelShape, describe_files
from kbpredict.lexicon import listed_lines, parse_misspellings
from kbpredict.lm import OnnxLanguageModel
from train.checkpoint import load_checkpoint, load_model
from train.config import ModelConfig

from .files import install, write_sidecar
from .lists import ABBREVIATIONS_FILE, CAPITALS_FILE, WORDLIST_FILE, build_lists, write_lists
from .mobile import OPERATORS_FILE, ORT_FILE, WORDS_FILE
from .onnx_graph import build_graph, graph_operators
from .parity import ParityReport, check_parity, default_validation_file, validation_ids
from .quantize import large_float_tensors, precision_report, quantize_int8
from .wordlist import training_sources, write_gzip

MODEL_FILE = "model.onnx"
VOCAB_FILE = "vocab.model.gz"  # gzip: 150 KB instead of 460 (25k words)
PLAIN_VOCAB_FILE = "vocab.model"  # what exports before format version 2 wrote
OFFENSIVE_FILE = "offensive.txt"
MISSPELLINGS_FILE = "misspellings.txt"
SHORTHAND_FILE = "shorthand.txt"


def _info(directory: Path | None, config: ModelConfig, parameters: int, precision: str, vocab, training: dict,
          metrics: dict, wordlist: bool = False, operators: tuple[str, ...] = (), capitals: bool = False,
          abbreviations: bool = False, offensive: bool = False, misspellings: bool = False,
          shorthand: bool = False) -> BundleInfo:
    names = [MODEL_FILE, VOCAB_FILE] + ([WORDLIST_FILE] if wordlist else []) + ([CAPITALS_FILE] if capitals else []) + (
        [ABBREVIATIONS_FILE] if abbreviations else []) + ([OFFENSIVE_FILE] if offensive else []) + (
        [MISSPELLINGS_FILE] if misspellings else []) + ([SHORTHAND_FILE] if shorthand else [])
    return BundleInfo(
        shape=ModelShape(vocab_size=config.vocab_size, embedding_size=config.embedding_size,
                         hidden_size=config.hidden_size, num_layers=config.num_layers, cell=config.cell,
                         parameters=parameters),
        special_ids=dataclasses.asdict(vocab.specials),
        files=describe_files(directory, names) if directory else {},
        model_file=MODEL_FILE, vocab_file=VOCAB_FILE, wordlist_file=WORDLIST_FILE if wordlist else None,
        capitals_file=CAPITALS_FILE if capitals else None,
        abbreviations_file=ABBREVIATIONS_FILE if abbreviations else None,
        offensive_file=OFFENSIVE_FILE if offensive else None,
        misspellings_file=MISSPELLINGS_FILE if misspellings else None,
        shorthand_file=SHORTHAND_FILE if shorthand else None,
        precision=precision, training=training, metrics=metrics,
        start_ids=(vocab.specials.begin_of_text, vocab.specials.end_of_line), operators=operators,
    )


def _list_text(path: str, kind: str, form: str, bad: Callable[[str], bool], valid: Callable[[list[str]], bool]
               ) -> str:
    """The text of a word list to ship in the bundle, checked: UTF-8, no line that is ``bad``, and
    ``valid`` entries (``kind``, ``form``: what the list is and how it is written, for errors)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text: {kind} is {form}") from None
    lines = listed_lines(text)
    wrong = next((line for line in lines if len(line) > 200 or bad(line)), None)
    if wrong is not None:
        raise ValueError(f"{path}: {wrong[:40]!r} is no entry of {kind} ({form})")
    if not valid(lines):
        raise ValueError(f"{path} lists nothing ({kind} is {form}; # for comments)")
    return text


def _offensive_list(path: str) -> str:
    """An offensive-word list: one word or pattern a line."""
    return _list_text(path, "an offensive-word list", "one word or pattern a line",
                      lambda line: len(line.strip()) > 100, lambda lines: len(Blocklist([line.strip() for line in lines])) > 0)


def _misspellings_list(path: str) -> str:
    """A misspellings list: one misspelling a line, then what it means, each meaning after a tab
    (or nothing)."""
    return _list_text(path, "a misspellings list", "one misspelling a line, then what it means, each meaning after a tab",
                      lambda line: len(line.split("\t")[0].split()) != 1, lambda lines: bool(parse_misspellings(lines)))


def _shorthand_list(path: str) -> str:
    """A chat-shorthand list: one shorthand a line, a tab, and what it stands for."""
    def bad(line: str) -> bool:
        word, tab, meaning = line.partition("\t")
        return len(word.split()) != 1 or not tab or not meaning.strip()

    return _list_text(path, "a shorthand list", "one shorthand a line, a tab, and what it stands for", bad, bool)


def export_bundle(checkpoint_path: str, out: str, *, fp32: bool = False, valid: str | None = None,
                  positions: int = 2000, words_from: list[str] | None = None, words_min_count: int = 2,
                  wordlist: bool = True, skip_parity: bool = False,
                  offensive: str | None = None, misspellings: str | None = None, shorthand: str | None = None
                  ) -> tuple[BundleInfo, ParityReport | None]:
    """Write ``model.onnx``, ``vocab.model``, ``words.tsv.gz``, ``capitals.txt.gz``,
    ``abbreviations.txt`` and ``model.json`` into ``out``.

    The word list, the capitals list (:mod:`export.capitals`) and the abbreviations
    (:mod:`export.abbreviations`) come from ``words_from`` or else the training text recorded in
    the checkpoint, when it is still on this machine; ``wordlist=False`` leaves them out.
    ``offensive``: a list of the words never to suggest, in the format of
    ``kbpredict/data/offensive.txt``, copied into the bundle as ``offensive.txt`` for the runtime
    to use in place of its English list (a model of another language); ``misspellings``: the
    common misspellings of the language and the words they mean, in the format of
    ``kbpredict/data/misspellings.txt``, shipped as ``misspellings.txt`` in the same way; and
    ``shorthand``: its chat shorthand, as ``kbpredict/data/shorthand.txt``, as ``shorthand.txt``. Parity is
    checked on ``valid`` (default: the training run's validation text); a bundle that fails is
    written with ``parity.passed = false`` in ``model.json``, which ``Predictor.load`` refuses.
    With no validation text this raises :class:`FileNotFoundError` before writing anything, unless
    ``skip_parity``.
    """
    # a model of another language's own lists, checked before anything is written: file -> text
    own_lists = {name: check(path) for name, check, path in (
        (OFFENSIVE_FILE, _offensive_list, offensive), (MISSPELLINGS_FILE, _misspellings_list, misspellings),
        (SHORTHAND_FILE, _shorthand_list, shorthand)) if path}
    payload = load_checkpoint(checkpoint_path)
    if not skip_parity:
        valid = valid or default_validation_file(payload.get("summary", {}))
        if not valid or not Path(valid).is_file():
            raise FileNotFoundError(f"no validation text to check parity on ({valid or 'none recorded'}): "
                                    "pass --valid FILE, or --skip-parity to export unchecked")
    model, vocab = load_model(payload)
    config = ModelConfig(**payload["model_config"])
    state = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kbpredict-export-") as tmp:
        fp32_path = Path(tmp, "fp32.onnx")
        onnx.save(build_graph(state, config), str(fp32_path))
        final = fp32_path
        if not fp32:
            final = Path(tmp, "int8.onnx")
            quantize_int8(fp32_path, final)
            leftovers = large_float_tensors(onnx.load(str(final)))
            if leftovers:
                raise RuntimeError(f"quantization left float matrices: {leftovers}")
        write_gzip(Path(tmp) / VOCAB_FILE, vocab.serialized())
        extra: list = []
        capitals: list = []
        abbreviations: list = []
        if wordlist:
            if words_from:
                sources, text_format = [Path(p) for p in words_from], payload["train_config"].get("text_format", "auto")
                masks = tuple(payload.get("summary", {}).get("masks") or ())
            else:
                sources, text_format, masks = training_sources(
                    {**payload.get("summary", {}), "text_format": payload["train_config"].get("text_format")})
            if sources:
                extra, capitals, abbreviations = build_lists(sources, text_format, vocab, words_min_count, masks)
                write_lists(Path(tmp), extra, capitals, abbreviations)

        training = {**payload.get("summary", {}), "checkpoint": str(Path(checkpoint_path).resolve()),
                    "step": payload["step"], "epoch": payload["epoch"], "best_valid_ppl": payload["best_valid_ppl"],
                    "elapsed_s": round(payload["elapsed_s"], 1), "train_config": payload["train_config"],
                    "exported": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        metrics: dict = {"valid_ppl_torch": payload["best_valid_ppl"], "wordlist_words": len(extra),
                         **({"wordlist_min_count": words_min_count} if extra else {}),
                         "capitals_words": len(capitals), "abbreviations": len(abbreviations),
                         "large_matrices": precision_report(onnx.load(str(final)))}
        report = None
        if skip_parity:
            metrics["parity"] = {"skipped": True}
        else:
            shape_info = _info(None, config, model.num_parameters(), "fp32", vocab, {}, {})
            fp32_lm = OnnxLanguageModel(fp32_path, shape_info)
            int8_lm = None if fp32 else OnnxLanguageModel(final, shape_info)
            ids = validation_ids(valid, vocab, positions, payload["train_config"].get("text_format", "auto"))
            report = check_parity(model, fp32_lm, int8_lm, ids)
            metrics["parity"] = {"valid_file": str(Path(valid).resolve()), **report.to_dict()}
        operators = tuple(graph_operators(onnx.load(str(final))))
        outputs = [(MODEL_FILE, final), (VOCAB_FILE, Path(tmp) / VOCAB_FILE)]
        if extra:
            outputs.append((WORDLIST_FILE, Path(tmp) / WORDLIST_FILE))
        if capitals:
            outputs.append((CAPITALS_FILE, Path(tmp) / CAPITALS_FILE))
        if abbreviations:
            outputs.append((ABBREVIATIONS_FILE, Path(tmp) / ABBREVIATIONS_FILE))
        for name, text in own_lists.items():
            (Path(tmp) / name).write_text(text, encoding="utf-8")
            outputs.append((name, Path(tmp) / name))
        # Files of an earlier export that would not match this model (the mobile files are
        # written afresh by --ort / python -m export.mobile).
        stale = ([] if extra else [WORDLIST_FILE]) + ([] if capitals else [CAPITALS_FILE]) + (
            [] if abbreviations else [ABBREVIATIONS_FILE]) + [
            name for name in (OFFENSIVE_FILE, MISSPELLINGS_FILE, SHORTHAND_FILE) if name not in own_lists] + [
            PLAIN_VOCAB_FILE, ORT_FILE, OPERATORS_FILE, WORDS_FILE]
        for name in stale:
            if (out_dir / name).exists():
                (out_dir / name).unlink()
        for name, source in outputs:
            install(source, out_dir, name)
    info = _info(out_dir, config, model.num_parameters(), "fp32" if fp32 else "int8", vocab, training, metrics,
                 wordlist=bool(extra), operators=operators, capitals=bool(capitals),
                 abbreviations=bool(abbreviations), offensive=OFFENSIVE_FILE in own_lists,
                 misspellings=MISSPELLINGS_FILE in own_lists, shorthand=SHORTHAND_FILE in own_lists)
    write_sidecar(out_dir, info.to_dict())
    return info, report
