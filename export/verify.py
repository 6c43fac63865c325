"""``python -m export.verify BUNDLE_DIR [--checkpoint CKPT] [--valid FILE]``: re-prove a bundle's parity.

Always, from the bundle alone: every file matches its checksum, every large matrix of an int8
bundle is int8, the bundle's own ``model.onnx`` gives the same predictions fed token by token as
in multi-token feeds, and its perplexity on the validation positions is the one recorded at export
(so a changed weight is caught). With the checkpoint it was exported from (``--checkpoint``, or the
recorded one if it is on this machine): torch vs the ONNX fp32 graph, and int8 vs fp32, over the
same positions. Exits 0 when every check that ran holds, 1 when one fails, 2 when none can run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

# The perplexity the bundle gives now must be the recorded one to within this share.
RECORDED_PPL_TOLERANCE = 0.001


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m export.verify", description=__doc__.splitlines()[0])
    parser.add_argument("bundle", help="bundle directory written by python -m export")
    parser.add_argument("--checkpoint", help="the checkpoint it was exported from (default: as recorded, if present)")
    parser.add_argument("--valid", help="validation text (default: the one parity was recorded on)")
    parser.add_argument("--positions", type=int, help="validation positions (default: as recorded, else 2000)")
    args = parser.parse_args(argv)

    import onnx

    from kbpredict.errors import KbpredictError
    from kbpredict.lm import OnnxLanguageModel
    from kbpredict.predictor import Predictor
    from train.checkpoint import load_checkpoint, load_model

    from .onnx_graph import build_graph
    from .parity import (check_bundle_model, check_parity, default_validation_file, format_report, local_path,
                         validation_ids)
    from .quantize import large_float_tensors

    try:
        predictor = Predictor.load(args.bundle, verify_parity=False)
    except KbpredictError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    info = predictor.info
    print(f"{args.bundle}: checksums OK ({', '.join(info.files)})")
    recorded = info.metrics.get("parity") or {}
    if recorded.get("passed") is False:
        print("note: this bundle was marked failed at export: " + "; ".join(recorded.get("failures") or []))
    valid = args.valid or (local_path(recorded["valid_file"]) if recorded.get("valid_file") else None) \
        or default_validation_file(info.training)
    if not valid or not Path(valid).is_file():
        print(f"error: validation text {valid!r} not found; pass --valid", file=sys.stderr)
        return 2
    positions = args.positions or recorded.get("positions") or 2000
    bundle_model = onnx.load(str(predictor.path / info.model_file))
    if info.precision == "int8":
        leftovers = large_float_tensors(bundle_model)
        if leftovers:
            print(f"FAILED: float matrices in an int8 bundle: {leftovers}", file=sys.stderr)
            return 1
        print("every large matrix is int8")

    checkpoint = args.checkpoint or info.training.get("checkpoint")
    have_checkpoint = bool(checkpoint) and Path(checkpoint).is_file()
    if args.checkpoint and not have_checkpoint:
        print(f"error: checkpoint {checkpoint!r} not found", file=sys.stderr)
        return 2
    text_format = info.training.get("train_config", {}).get("text_format", "auto")
    ids = validation_ids(valid, predictor.vocab.plain(), positions, text_format)  # the model's own ids
    failures: list[str] = []
    if have_checkpoint:
        payload = load_checkpoint(checkpoint)
        model, vocab = load_model(payload)
        if vocab.serialized() != predictor.vocab.serialized():
            print("FAILED: the bundle's vocabulary is not the checkpoint's", file=sys.stderr)
            return 1
        with tempfile.TemporaryDirectory() as tmp:
            from train.config import ModelConfig

            if info.precision == "fp32":
                fp32, int8 = predictor.model, None  # the bundle's own graph against torch
            else:
                fp32_path = Path(tmp, "fp32.onnx")
                state = {k: v.numpy() for k, v in model.state_dict().items()}
                onnx.save(build_graph(state, ModelConfig(**payload["model_config"])), str(fp32_path))
                fp32, int8 = OnnxLanguageModel(fp32_path, info), predictor.model
            report = check_parity(model, fp32, int8, ids)
        print(format_report(report))
        failures += list(report.failures)
        now = report.int8_ppl if report.int8_ppl is not None else report.fp32_ppl
    else:
        print(f"no checkpoint here ({checkpoint or 'none recorded'}): torch vs ONNX and int8 vs fp32 are not "
              "checked; the bundle's own model is checked against what was recorded at export")
        alone = check_bundle_model(predictor.model, ids, info.precision)
        print(f"{info.precision} over {alone.positions} validation positions: perplexity {alone.ppl:.3f}; "
              f"token-by-token vs {alone.feeds} multi-token feeds max |dlogp| {alone.incremental_vs_whole_max_abs_diff:.2e}, "
              f"top-3 agreement {100 * alone.incremental_vs_whole_top3:.1f}%")
        failures += list(alone.failures)
        now = alone.ppl
    # The perplexity of the bundle's own model, against the one recorded at export.
    key = "int8_ppl" if info.precision == "int8" else "fp32_ppl"
    if recorded.get(key) and recorded.get("positions") == positions and Path(valid).name == Path(
            recorded.get("valid_file", "")).name:
        drift = abs(now / recorded[key] - 1)
        print(f"perplexity now {now:.3f}, recorded at export {recorded[key]:.3f} "
              f"(difference {100 * drift:.3f}%, limit {100 * RECORDED_PPL_TOLERANCE:g}%)")
        if not drift <= RECORDED_PPL_TOLERANCE:
            failures.append(f"perplexity {now:.3f} differs from the {recorded[key]:.3f} recorded at export")
    elif not have_checkpoint:
        print("error: no perplexity recorded on these positions and no checkpoint: nothing to compare with",
              file=sys.stderr)
        return 2
    if failures:
        print("FAILED: " + "; ".join(failures), file=sys.stderr)
        return 1
    print("verified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
