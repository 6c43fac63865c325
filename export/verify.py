"""``python -m export.verify BUNDLE_DIR [--checkpoint CKPT] [--valid FILE]``: re-prove a bundle's parity.

Checks that every file matches its checksum, that every large matrix of an int8 bundle is int8,
and the parity bars: torch vs ONNX fp32 (rebuilt from the checkpoint), ONNX int8 vs fp32, and
token-by-token vs whole-sequence feeding. Exits 0 when all hold.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m export.verify", description=__doc__.splitlines()[0])
    parser.add_argument("bundle", help="bundle directory written by python -m export")
    parser.add_argument("--checkpoint", help="the checkpoint it was exported from (default: as recorded)")
    parser.add_argument("--valid", help="validation text (default: the training run's)")
    parser.add_argument("--positions", type=int, default=2000)
    args = parser.parse_args(argv)

    import onnx

    from kbpredict.errors import KbpredictError
    from kbpredict.lm import OnnxLanguageModel
    from kbpredict.predictor import Predictor
    from train.checkpoint import load_checkpoint, load_model

    from .onnx_graph import build_graph
    from .parity import check_parity, default_validation_file, format_report, validation_ids
    from .quantize import large_float_tensors

    try:
        predictor = Predictor.load(args.bundle)
    except KbpredictError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    info = predictor.info
    print(f"{args.bundle}: checksums OK ({', '.join(info.files)})")
    checkpoint = args.checkpoint or info.training.get("checkpoint")
    if not checkpoint or not Path(checkpoint).is_file():
        print(f"error: checkpoint {checkpoint!r} not found; pass --checkpoint", file=sys.stderr)
        return 2
    valid = args.valid or default_validation_file(info.training)
    if not valid:
        print("error: no validation text recorded or found; pass --valid", file=sys.stderr)
        return 2
    payload = load_checkpoint(checkpoint)
    model, vocab = load_model(payload)
    if vocab.serialized() != predictor.vocab.serialized():
        print("FAILED: the bundle's vocabulary is not the checkpoint's", file=sys.stderr)
        return 1
    bundle_model = onnx.load(str(predictor.path / info.model_file))
    if info.precision == "int8":
        leftovers = large_float_tensors(bundle_model)
        if leftovers:
            print(f"FAILED: float matrices in an int8 bundle: {leftovers}", file=sys.stderr)
            return 1
        print("every large matrix is int8")
    with tempfile.TemporaryDirectory() as tmp:
        from train.config import ModelConfig

        fp32_path = Path(tmp, "fp32.onnx")
        state = {k: v.numpy() for k, v in model.state_dict().items()}
        onnx.save(build_graph(state, ModelConfig(**payload["model_config"])), str(fp32_path))
        fp32 = OnnxLanguageModel(fp32_path, info)
        int8 = predictor.model if info.precision == "int8" else None
        ids = validation_ids(valid, vocab, args.positions, payload["train_config"].get("text_format", "auto"))
        report = check_parity(model, fp32, int8, ids)
    print(format_report(report))
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
