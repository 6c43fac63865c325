"""The language model as onnxruntime runs it: feed token ids and a state, get log-probs and a new state."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import onnxruntime as ort

from .bundle import BundleInfo
from .errors import ModelCorruptError, ModelFormatError


@dataclass(frozen=True, eq=False)
class State:
    """The LSTM state (h, c), each float32 [num_layers, 1, hidden_size]. Owned by the caller."""

    h: np.ndarray
    c: np.ndarray


def session_options(threads: int = 1) -> ort.SessionOptions:
    """One intra-op thread by default, as on a phone; no spinning threads burning a core."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # Measured on the default int8 bundle: BASIC runs a step ~25% faster than ALL (whose extra
    # fusions of the quantized MatMul do not pay off at batch 1) and uses the same memory.
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    return options


class OnnxLanguageModel:
    """A loaded ``model.onnx``; checks that its inputs and outputs are what the sidecar says."""

    def __init__(self, model_path: str | Path, info: BundleInfo, threads: int = 1):
        try:
            self._session = ort.InferenceSession(str(model_path), session_options(threads),
                                                 providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors for broken files
            raise ModelCorruptError(f"onnxruntime cannot load {model_path}: {str(exc).splitlines()[0]}") from None
        self.info = info
        names = info.tensors
        inputs = {i.name: i for i in self._session.get_inputs()}
        outputs = {o.name: o for o in self._session.get_outputs()}
        missing = {names.tokens, names.state_h, names.state_c} - inputs.keys()
        missing |= {names.log_probs, names.state_h_out, names.state_c_out} - outputs.keys()
        if missing:
            raise ModelFormatError(f"{model_path} lacks the tensors {sorted(missing)} named in model.json")
        shape = info.shape
        if outputs[names.log_probs].shape[-1] != shape.vocab_size:
            raise ModelFormatError(
                f"{model_path} predicts {outputs[names.log_probs].shape[-1]} words but model.json says "
                f"{shape.vocab_size}: the files come from different models"
            )
        if list(inputs[names.state_h].shape) != [shape.num_layers, 1, shape.hidden_size]:
            raise ModelFormatError(f"{model_path}: state shape {inputs[names.state_h].shape} disagrees with model.json")
        self._outputs = [names.log_probs, names.state_h_out, names.state_c_out]
        self._state_shape = (shape.num_layers, 1, shape.hidden_size)

    def initial_state(self) -> State:
        """The zero state the model starts every text from."""
        return State(np.zeros(self._state_shape, np.float32), np.zeros(self._state_shape, np.float32))

    def feed(self, ids: Sequence[int], state: State) -> tuple[np.ndarray, State]:
        """Run the model over ``ids`` from ``state``: (log-probs of the next token [V], new state)."""
        names = self.info.tensors
        log_probs, h, c = self._session.run(self._outputs, {
            names.tokens: np.asarray(ids, dtype=np.int64).reshape(1, -1),
            names.state_h: state.h,
            names.state_c: state.c,
        })
        return log_probs[0], State(h, c)
