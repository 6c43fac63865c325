"""int8 quantization with onnxruntime's own tools, plus the one rewrite they need here.

``quantize_dynamic`` turns the LSTMs into ``DynamicQuantizeLSTM`` and each MatMul into
``MatMulInteger`` with per-channel int8 weights. The tied matrix is read by the MatMul *and* the
embedding Gather; left alone, the quantizer keeps an fp32 copy of it for the Gather (a second,
4x larger copy of the biggest tensor). :func:`tie_embedding` points the Gather at the int8 matrix
instead -- gather int8 columns, then scale them by their own per-channel scales -- and drops the
fp32 copy, so the bundle holds one int8 matrix. :func:`precision_report` proves it.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .onnx_graph import OUTPUT_WEIGHT

# A matrix (two or more dimensions above 1) of at least this many elements must be int8.
# Vectors -- biases, per-channel scales -- stay float: they are small and need the precision.
LARGE_TENSOR = 4096


def quantize_int8(fp32_path: Path, int8_path: Path) -> None:
    """Dynamic int8 quantization of every MatMul and LSTM weight, per channel."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)  # the quantizer logs a pre-processing hint as a warning
    quantize_dynamic(
        str(fp32_path), str(int8_path), weight_type=QuantType.QInt8, per_channel=True,
        op_types_to_quantize=["MatMul", "LSTM"], extra_options={"MatMulConstBOnly": True},
    )
    model = onnx.load(str(int8_path))
    tie_embedding(model)
    onnx.checker.check_model(model)
    onnx.save(model, str(int8_path))


def tie_embedding(model: onnx.ModelProto) -> None:
    """Make the embedding Gather read the quantized output matrix; remove the fp32 copy."""
    graph = model.graph
    inits = {init.name: init for init in graph.initializer}
    quantized, scale, zero_point = (f"{OUTPUT_WEIGHT}_quantized", f"{OUTPUT_WEIGHT}_scale",
                                    f"{OUTPUT_WEIGHT}_zero_point")
    if quantized not in inits or scale not in inits:
        raise RuntimeError("the quantizer did not produce an int8 output matrix; cannot tie the embedding")
    gathers = [n for n in graph.node if n.op_type == "Gather" and n.input[0] == OUTPUT_WEIGHT]
    if len(gathers) != 1:
        raise RuntimeError("expected exactly one embedding Gather on the output matrix")
    gather = gathers[0]
    tokens, output = gather.input[1], gather.output[0]
    scale_values = numpy_helper.to_array(inits[scale])
    new_nodes = [
        helper.make_node("Gather", [quantized, tokens], ["embedded_t_int8"], axis=1),  # [E, T] int8
        helper.make_node("Cast", ["embedded_t_int8"], ["embedded_t_levels"], to=TensorProto.FLOAT),
    ]
    levels = "embedded_t_levels"
    if zero_point in inits and np.any(numpy_helper.to_array(inits[zero_point])):
        # Symmetric int8 has zero points of 0; handle the general case all the same.
        graph.initializer.append(numpy_helper.from_array(
            numpy_helper.to_array(inits[zero_point]).astype(np.float32), "output_weight_zero_point_float"))
        if scale_values.ndim:
            new_nodes.append(helper.make_node("Gather", ["output_weight_zero_point_float", tokens], ["embedded_zp"]))
        else:
            new_nodes.append(helper.make_node("Identity", ["output_weight_zero_point_float"], ["embedded_zp"]))
        new_nodes.append(helper.make_node("Sub", [levels, "embedded_zp"], ["embedded_t_centered"]))
        levels = "embedded_t_centered"
    if scale_values.ndim:  # per-channel: one scale per vocabulary column, gathered like the column
        new_nodes.append(helper.make_node("Gather", [scale, tokens], ["embedded_scale"]))
        new_nodes.append(helper.make_node("Mul", [levels, "embedded_scale"], [output]))
    else:
        new_nodes.append(helper.make_node("Mul", [levels, scale], [output]))
    position = list(graph.node).index(gather)
    graph.node.remove(gather)
    for offset, node in enumerate(new_nodes):
        graph.node.insert(position + offset, node)
    if not any(OUTPUT_WEIGHT in n.input for n in graph.node):
        graph.initializer.remove(inits[OUTPUT_WEIGHT])


def precision_report(model: onnx.ModelProto) -> dict[str, dict[str, object]]:
    """Every matrix initializer of at least :data:`LARGE_TENSOR` elements, with its element type."""
    report = {}
    for init in model.graph.initializer:
        count = int(np.prod(init.dims)) if init.dims else 1
        if count >= LARGE_TENSOR and sum(d > 1 for d in init.dims) >= 2:
            report[init.name] = {"dtype": TensorProto.DataType.Name(init.data_type).lower(),
                                 "shape": list(init.dims)}
    return report


def large_float_tensors(model: onnx.ModelProto) -> list[str]:
    """Names of large initializers that are not 8-bit: empty for a properly quantized bundle."""
    return [name for name, item in precision_report(model).items() if item["dtype"] not in ("int8", "uint8")]
