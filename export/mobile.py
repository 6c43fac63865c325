"""``python -m export.mobile BUNDLE [--out DIR]``: the files an app outside Python needs.

Adds to a bundle (in place, or in a copy at ``--out``):

- ``model.ort``: the model in onnxruntime's ORT format (what onnxruntime's mobile and minimal
  builds load), converted by onnxruntime's own tool with the *basic* graph optimizations, the
  level the Python runtime uses (the extended fusions of the quantized MatMul run a step ~25%
  slower at batch 1). Its outputs are checked equal to ``model.onnx``'s (max abs diff <= 1e-6).
- ``required_operators.config``: the reduced operator config for a custom minimal onnxruntime
  build (``build.sh --minimal_build --include_ops_by_config``): exactly the operators, opsets and
  types the model uses, as onnxruntime's tool writes it.
- ``words.txt``: the vocabulary as plain text, one word per line in id order (the special ids'
  lines hold their sentencepiece names: ``<unk>``, ``<s>``, ``</s>``), so a runtime needs no
  sentencepiece for a word-level model.

``model.json`` lists the new files with their checksums (``ort_file``, ``words_file``,
``operators_file``) and the operator list.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

# Like the runtime: no onnxruntime telemetry from our tools.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

ORT_FILE = "model.ort"
WORDS_FILE = "words.txt"
OPERATORS_FILE = "required_operators.config"
# The ORT model must compute exactly what model.onnx does.
ORT_MAX_ABS_DIFF = 1e-6
OPTIMIZATION_LEVEL = "basic"


def convert_to_ort(model_path: Path, out_dir: Path) -> tuple[Path, Path]:
    """``model.onnx`` -> (``model.ort``, ``required_operators.config``) in ``out_dir``, by
    onnxruntime's ``convert_onnx_models_to_ort`` (fixed basic optimizations, type reduction)."""
    import logging

    from onnxruntime.tools.convert_onnx_models_to_ort import OptimizationStyle, convert_onnx_models_to_ort

    logging.getLogger("ort_format_model.utils").setLevel(logging.WARNING)  # its INFO line names a temp path

    with tempfile.TemporaryDirectory(prefix="kbpredict-ort-") as tmp:
        source = Path(tmp, "model.onnx")
        shutil.copyfile(model_path, source)
        converted = Path(tmp, "out")
        previous = os.environ.get("ORT_CONVERT_ONNX_MODELS_TO_ORT_OPTIMIZATION_LEVEL")
        os.environ["ORT_CONVERT_ONNX_MODELS_TO_ORT_OPTIMIZATION_LEVEL"] = OPTIMIZATION_LEVEL
        log = io.StringIO()
        try:
            with contextlib.redirect_stdout(log):
                convert_onnx_models_to_ort(source, output_dir=converted, optimization_styles=[OptimizationStyle.Fixed],
                                           enable_type_reduction=True)
        except Exception as exc:
            raise RuntimeError(f"onnxruntime could not convert {model_path} to ORT format: {exc}\n{log.getvalue()}") \
                from None
        finally:
            if previous is None:
                os.environ.pop("ORT_CONVERT_ONNX_MODELS_TO_ORT_OPTIMIZATION_LEVEL", None)
            else:
                os.environ["ORT_CONVERT_ONNX_MODELS_TO_ORT_OPTIMIZATION_LEVEL"] = previous
        models = sorted(converted.glob("*.ort"))
        configs = sorted(converted.glob("*.config"))
        if len(models) != 1 or len(configs) != 1:
            raise RuntimeError(f"unexpected output of onnxruntime's converter: {sorted(p.name for p in converted.iterdir())}")
        ort_path, config_path = out_dir / ORT_FILE, out_dir / OPERATORS_FILE
        shutil.copyfile(models[0], ort_path)
        # The tool's first lines name the temporary path it converted; say what the file is instead.
        lines = [line for line in configs[0].read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
        config_path.write_text(
            f"# Operators and types {ORT_FILE} needs (onnxruntime's convert_onnx_models_to_ort, optimization level "
            f"{OPTIMIZATION_LEVEL}, type reduction).\n# For a minimal build: ./build.sh --minimal_build "
            f"--include_ops_by_config {OPERATORS_FILE} --enable_reduced_operator_type_support\n"
            + "\n".join(lines) + "\n", encoding="utf-8")
    return ort_path, config_path


def operators_from_config(config: str) -> list[str]:
    """``domain;opset;Op`` for every operator of a reduced operator config (types dropped)."""
    found = []
    for line in config.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        domain, opset, ops = line.split(";", 2)
        depth, start = 0, 0
        for i, ch in enumerate(ops + ","):  # the type lists are JSON objects with commas inside
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == "," and depth == 0:
                found.append(f"{domain};{opset};{ops[start:i].split('{', 1)[0]}")
                start = i + 1
    return sorted(found)


def write_words(vocab_path: Path, out: Path) -> int:
    """The sentencepiece vocabulary as plain text, one entry per line in id order: a word's line
    is the word, a special id's line its sentencepiece name. Returns the number of lines."""
    import sentencepiece as spm

    from kbpredict.vocab import WORD_START, read_model_bytes

    processor = spm.SentencePieceProcessor()
    processor.load_from_serialized_proto(read_model_bytes(str(vocab_path)))
    pieces = processor.id_to_piece(list(range(processor.get_piece_size())))
    lines = []
    for i, piece in enumerate(pieces):
        word = piece[len(WORD_START):] if piece.startswith(WORD_START) else piece
        if not word or any(ch.isspace() for ch in word):
            raise ValueError(f"vocabulary entry {i} ({piece!r}) cannot be written one per line")
        lines.append(word)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def probe_ids(vocab_size: int, positions: int = 256, seed: int = 0) -> np.ndarray:
    """Token ids for the ORT-vs-ONNX check: a fixed pseudo-random stream over the whole vocabulary."""
    return np.random.default_rng(seed).integers(0, vocab_size, size=positions)


def compare_models(onnx_path: Path, ort_path: Path, info, positions: int = 256) -> float:
    """Largest absolute difference between the two models' outputs (log-probs and state), fed a
    probe stream one token per call and then as one multi-token call."""
    from kbpredict.lm import OnnxLanguageModel

    a, b = OnnxLanguageModel(onnx_path, info), OnnxLanguageModel(ort_path, info)
    ids = probe_ids(info.shape.vocab_size, positions)
    worst = 0.0
    state_a, state_b = a.initial_state(), b.initial_state()
    for token in ids:
        out_a, state_a = a.feed([int(token)], state_a)
        out_b, state_b = b.feed([int(token)], state_b)
        worst = max(worst, float(np.abs(out_a - out_b).max()), float(np.abs(state_a.h - state_b.h).max()),
                    float(np.abs(state_a.c - state_b.c).max()))
    out_a, state_a = a.feed(ids.tolist(), a.initial_state())
    out_b, state_b = b.feed(ids.tolist(), b.initial_state())
    return max(worst, float(np.abs(out_a - out_b).max()), float(np.abs(state_a.h - state_b.h).max()))


def add_mobile_files(bundle: str | Path, out: str | Path | None = None) -> dict:
    """Write ``model.ort``, ``required_operators.config`` and ``words.txt`` into the bundle (or a
    copy of it at ``out``) and list them in its ``model.json``. Refuses (RuntimeError, the bundle
    left as it was) if the ORT model's outputs differ from ``model.onnx``'s. Returns a summary."""
    from kbpredict.bundle import SIDECAR, BundleInfo, describe_files, read_bundle

    from .files import install, write_sidecar

    source, info = read_bundle(bundle)
    target = Path(out) if out is not None else source
    if target.resolve() != source.resolve():
        if target.exists() and any(target.iterdir()):
            raise FileExistsError(f"{target} exists and is not empty")
        shutil.copytree(source, target, dirs_exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kbpredict-mobile-") as tmp:
        staging = Path(tmp)
        ort_path, config_path = convert_to_ort(source / info.model_file, staging)
        diff = compare_models(source / info.model_file, ort_path, info)
        if not diff <= ORT_MAX_ABS_DIFF:
            raise RuntimeError(f"{ORT_FILE} differs from {info.model_file} by {diff:.3g} (limit {ORT_MAX_ABS_DIFF:g})")
        words = write_words(source / info.vocab_file, staging / WORDS_FILE)
        if words != info.shape.vocab_size:
            raise RuntimeError(f"{WORDS_FILE} has {words} entries, the model {info.shape.vocab_size}")
        operators = operators_from_config(config_path.read_text(encoding="utf-8"))
        if info.operators and list(info.operators) != operators:
            raise RuntimeError(f"the ORT model needs the operators {operators}, the exported graph has "
                               f"{list(info.operators)}")
        for name in (ORT_FILE, OPERATORS_FILE, WORDS_FILE):
            install(staging / name, target, name)
    data = json.loads((target / SIDECAR).read_text(encoding="utf-8"))
    names = list(dict.fromkeys([*data["files"], ORT_FILE, OPERATORS_FILE, WORDS_FILE]))
    data.update(files=describe_files(target, names), ort_file=ORT_FILE, words_file=WORDS_FILE,
                operators_file=OPERATORS_FILE, operators=operators)
    data.setdefault("metrics", {})["ort_parity"] = {"max_abs_diff": diff, "limit": ORT_MAX_ABS_DIFF,
                                                    "positions": len(probe_ids(info.shape.vocab_size))}
    BundleInfo.from_dict(data)  # still a bundle this runtime reads
    write_sidecar(target, data)
    return {"bundle": str(target), "operators": operators, "max_abs_diff": diff,
            "bytes": {name: (target / name).stat().st_size for name in (ORT_FILE, OPERATORS_FILE, WORDS_FILE)}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m export.mobile",
                                     description="Add model.ort, its reduced operator config and a plain "
                                                 "vocabulary (words.txt) to a bundle, for apps outside Python.")
    parser.add_argument("bundle", help="a bundle directory written by python -m export")
    parser.add_argument("--out", help="write a copy of the bundle here instead of adding to it in place")
    args = parser.parse_args(argv)
    from kbpredict.errors import KbpredictError

    try:
        summary = add_mobile_files(args.bundle, args.out)
    except (KbpredictError, OSError, RuntimeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    sizes = ", ".join(f"{name} {size / 1e6:.2f} MB" for name, size in summary["bytes"].items())
    print(f"wrote {summary['bundle']}: {sizes}; ORT vs ONNX max abs diff {summary['max_abs_diff']:.3g}")
    print("operators: " + ", ".join(summary["operators"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
