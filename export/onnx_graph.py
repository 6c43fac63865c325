"""Build the fp32 ONNX graph of a trained model directly from its weights.

The graph is written by hand with ``onnx.helper`` rather than traced, so that it uses ONNX's own
``LSTM`` operator (which onnxruntime quantizes as a whole, and which does CIFG through
``input_forget=1``) and holds the tied embedding/output matrix exactly once::

    tokens [1,T] -> Gather(W_out [E,V], axis=1) -> LSTM x num_layers (state in, state out)
        -> last hidden -> (projection) -> MatMul W_out + bias -> LogSoftmax -> log_probs [1,V]
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from kbpredict.bundle import TensorNames
from train.config import ModelConfig

OPSET = 17
OUTPUT_WEIGHT = "output_weight"  # the tied [E, V] matrix; also read by the embedding lookup


def _lstm_weights(state: dict[str, np.ndarray], layer: int, cell: str, hidden: int):
    """Torch gate rows -> ONNX gate rows (input, output, forget, cell), as W, R, B."""
    if cell == "lstm":
        prefix = f"layers.{layer}."
        w, r = state[prefix + "weight_ih_l0"], state[prefix + "weight_hh_l0"]
        wb, rb = state[prefix + "bias_ih_l0"], state[prefix + "bias_hh_l0"]

        def reorder(m: np.ndarray) -> np.ndarray:
            i, f, g, o = np.split(m, 4)
            return np.concatenate([i, o, f, g])
    else:
        prefix = f"layers.{layer}."
        w, r = state[prefix + "weight_ih"], state[prefix + "weight_hh"]
        wb, rb = state[prefix + "bias_ih"], state[prefix + "bias_hh"]

        def reorder(m: np.ndarray) -> np.ndarray:
            # CIFG has no forget weights (f = 1 - i); ONNX still wants a block for them, all zero.
            i, g, o = np.split(m, 3)
            return np.concatenate([i, o, np.zeros_like(i), g])

    return (reorder(w)[None], reorder(r)[None], np.concatenate([reorder(wb), reorder(rb)])[None])


def build_graph(state_dict: dict[str, "np.ndarray"], config: ModelConfig,
                names: TensorNames = TensorNames()) -> onnx.ModelProto:
    """The fp32 graph for a model's state_dict (tensors as numpy arrays)."""
    state = {k: np.asarray(v, dtype=np.float32) for k, v in state_dict.items()}
    hidden, layers = config.hidden_size, config.num_layers
    inits = [
        numpy_helper.from_array(np.ascontiguousarray(state["embedding.weight"].T), OUTPUT_WEIGHT),
        numpy_helper.from_array(state["output_bias"], "output_bias"),
        numpy_helper.from_array(np.array([-1], np.int64), "flat_shape"),
        numpy_helper.from_array(np.array([1, hidden], np.int64), "row_shape"),
        numpy_helper.from_array(np.array([0], np.int64), "axis0"),
        numpy_helper.from_array(np.array([1], np.int64), "axis1"),
    ]
    nodes = [
        helper.make_node("Reshape", [names.tokens, "flat_shape"], ["token_list"]),
        helper.make_node("Gather", [OUTPUT_WEIGHT, "token_list"], ["embedded_t"], axis=1),  # [E, T]
        helper.make_node("Transpose", ["embedded_t"], ["embedded"], perm=[1, 0]),
        helper.make_node("Unsqueeze", ["embedded", "axis1"], ["layer0_input"]),  # [T, 1, E]
    ]
    h_outs, c_outs = [], []
    x = "layer0_input"
    for layer in range(layers):
        w, r, b = _lstm_weights(state, layer, config.cell, hidden)
        inits += [numpy_helper.from_array(w, f"lstm{layer}_W"), numpy_helper.from_array(r, f"lstm{layer}_R"),
                  numpy_helper.from_array(b, f"lstm{layer}_B"),
                  numpy_helper.from_array(np.array([layer], np.int64), f"layer{layer}_start"),
                  numpy_helper.from_array(np.array([layer + 1], np.int64), f"layer{layer}_end")]
        for s in ("h", "c"):
            source = names.state_h if s == "h" else names.state_c
            nodes.append(helper.make_node("Slice", [source, f"layer{layer}_start", f"layer{layer}_end", "axis0"],
                                          [f"layer{layer}_{s}0"]))
        nodes.append(helper.make_node(
            "LSTM", [x, f"lstm{layer}_W", f"lstm{layer}_R", f"lstm{layer}_B", "", f"layer{layer}_h0", f"layer{layer}_c0"],
            [f"layer{layer}_y", f"layer{layer}_h", f"layer{layer}_c"],
            hidden_size=hidden, input_forget=1 if config.cell == "cifg" else 0,
        ))
        nodes.append(helper.make_node("Squeeze", [f"layer{layer}_y", "axis1"], [f"layer{layer + 1}_input"]))
        x = f"layer{layer + 1}_input"
        h_outs.append(f"layer{layer}_h")
        c_outs.append(f"layer{layer}_c")
    nodes += [
        helper.make_node("Concat", h_outs, [names.state_h_out], axis=0),
        helper.make_node("Concat", c_outs, [names.state_c_out], axis=0),
        helper.make_node("Reshape", [h_outs[-1], "row_shape"], ["last_hidden"]),  # [1, H]
    ]
    features = "last_hidden"
    if "projection.weight" in state:
        inits += [numpy_helper.from_array(np.ascontiguousarray(state["projection.weight"].T), "projection_weight"),
                  numpy_helper.from_array(state["projection.bias"], "projection_bias")]
        nodes += [helper.make_node("MatMul", ["last_hidden", "projection_weight"], ["projected_raw"]),
                  helper.make_node("Add", ["projected_raw", "projection_bias"], ["projected"])]
        features = "projected"
    nodes += [
        helper.make_node("MatMul", [features, OUTPUT_WEIGHT], ["logits_raw"]),
        helper.make_node("Add", ["logits_raw", "output_bias"], ["logits"]),
        helper.make_node("LogSoftmax", ["logits"], [names.log_probs], axis=-1),
    ]
    state_shape = [layers, 1, hidden]
    graph = helper.make_graph(
        nodes, "kbpredict_lstm_lm",
        [helper.make_tensor_value_info(names.tokens, TensorProto.INT64, [1, "T"]),
         helper.make_tensor_value_info(names.state_h, TensorProto.FLOAT, state_shape),
         helper.make_tensor_value_info(names.state_c, TensorProto.FLOAT, state_shape)],
        [helper.make_tensor_value_info(names.log_probs, TensorProto.FLOAT, [1, config.vocab_size]),
         helper.make_tensor_value_info(names.state_h_out, TensorProto.FLOAT, state_shape),
         helper.make_tensor_value_info(names.state_c_out, TensorProto.FLOAT, state_shape)],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="kbpredict")
    model.ir_version = 8  # readable by onnxruntime >= 1.10 and mobile runtimes of that age
    onnx.checker.check_model(model)
    return model


def graph_operators(model: onnx.ModelProto) -> list[str]:
    """Every operator the graph uses as ``domain;opset;Op``, the opset being the version that
    defined the operator as the model imports it (the form of onnxruntime's reduced operator
    configs). Contrib operators (``com.microsoft``) take their domain's imported version."""
    from onnx import defs

    imported = {entry.domain or "ai.onnx": entry.version for entry in model.opset_import}
    found = set()
    for node in model.graph.node:
        domain = node.domain or "ai.onnx"
        version = (defs.get_schema(node.op_type, imported[domain]).since_version if domain == "ai.onnx"
                   else imported[domain])
        found.add(f"{domain};{version};{node.op_type}")
    return sorted(found)
