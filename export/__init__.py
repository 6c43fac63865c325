"""Export a trained checkpoint to an ONNX bundle (int8 by default) and prove its parity."""
