"""Export a trained checkpoint to an ONNX bundle (int8 by default) and prove its parity."""

import os as _os

# Like the runtime (kbpredict/__init__.py): no onnxruntime telemetry or device id from our tools.
_os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
