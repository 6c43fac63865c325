"""Files for apps outside Python: model.ort, its reduced operator config, the plain vocabulary."""

import json
import subprocess
import sys

import numpy as np
import onnx
import pytest
import sentencepiece as spm

from export.mobile import ORT_MAX_ABS_DIFF, add_mobile_files, compare_models, operators_from_config
from export.onnx_graph import graph_operators
from kbpredict import Predictor
from kbpredict.errors import ModelCorruptError, ModelNotFoundError
from kbpredict.lm import OnnxLanguageModel
from kbpredict.vocab import WORD_START, read_model_bytes


@pytest.fixture(scope="module")
def mobile_bundle(bundle, tmp_path_factory):
    out = tmp_path_factory.mktemp("mobile") / "bundle"
    add_mobile_files(bundle, out)
    return out


def test_the_ort_model_gives_the_onnx_models_outputs(mobile_bundle):
    info = Predictor.load(mobile_bundle).info
    onnx_lm = OnnxLanguageModel(mobile_bundle / "model.onnx", info)
    ort_lm = OnnxLanguageModel(mobile_bundle / "model.ort", info)
    ids = np.random.default_rng(7).integers(0, info.shape.vocab_size, size=40).tolist()  # not the export's probe
    a, state_a = onnx_lm.feed(ids, onnx_lm.initial_state())
    b, state_b = ort_lm.feed(ids, ort_lm.initial_state())
    assert np.abs(a - b).max() <= 1e-6 and np.abs(state_a.h - state_b.h).max() <= 1e-6
    assert np.abs(state_a.c - state_b.c).max() <= 1e-6
    recorded = json.loads((mobile_bundle / "model.json").read_text())["metrics"]["ort_parity"]
    assert recorded["max_abs_diff"] <= ORT_MAX_ABS_DIFF == recorded["limit"] <= 1e-6


def test_the_runtime_runs_either_format_with_the_same_suggestions(mobile_bundle):
    by_onnx = Predictor.load(mobile_bundle)
    by_ort = Predictor.load(mobile_bundle, model_format="ort")
    for text in ("the ", "I was a", "we will be at the "):
        assert by_onnx.suggest(text, 5) == by_ort.suggest(text, 5)


def test_the_operator_config_is_exactly_what_the_graph_uses(mobile_bundle):
    config = (mobile_bundle / "required_operators.config").read_text()
    listed = operators_from_config(config)
    from_graph = graph_operators(onnx.load(str(mobile_bundle / "model.onnx")))
    assert listed == from_graph
    node_types = {n.op_type for n in onnx.load(str(mobile_bundle / "model.onnx")).graph.node}
    assert {op.split(";")[2] for op in listed} == node_types
    assert "com.microsoft;1;DynamicQuantizeLSTM" in listed  # the op the old onnxruntime-mobile package lacks
    sidecar = json.loads((mobile_bundle / "model.json").read_text())
    assert sidecar["operators"] == listed
    assert "/tmp" not in config and "kbpredict-ort" not in config  # no temporary path leaks into the bundle


def test_the_export_records_the_graphs_operators(bundle):
    sidecar = json.loads((bundle / "model.json").read_text())
    assert sidecar["operators"] == graph_operators(onnx.load(str(bundle / "model.onnx")))
    assert "ort_file" not in sidecar or sidecar["ort_file"] is None


def test_operators_from_config_reads_type_lists_with_commas():
    config = ('# comment\nai.onnx;13;Cast{"inputs": {"0": ["int32_t", "int8_t"]}},Concat,Gather{"inputs": '
              '{"0": ["float"], "1": ["int64_t"]}}\ncom.microsoft;1;DynamicQuantizeLSTM\n')
    assert operators_from_config(config) == ["ai.onnx;13;Cast", "ai.onnx;13;Concat", "ai.onnx;13;Gather",
                                             "com.microsoft;1;DynamicQuantizeLSTM"]


def test_words_txt_agrees_with_the_sentencepiece_vocabulary_id_for_id(mobile_bundle):
    words = (mobile_bundle / "words.txt").read_text(encoding="utf-8").split("\n")
    assert words[-1] == ""
    words = words[:-1]
    processor = spm.SentencePieceProcessor()
    processor.load_from_serialized_proto(read_model_bytes(str(mobile_bundle / "vocab.model.gz")))
    assert len(words) == processor.get_piece_size()
    sidecar = json.loads((mobile_bundle / "model.json").read_text())
    specials = set(sidecar["special_ids"].values())
    for i, word in enumerate(words):
        assert processor.id_to_piece(i) == (word if i in specials else WORD_START + word)
        if i not in specials:
            assert processor.piece_to_id(WORD_START + word) == i
    assert words[sidecar["special_ids"]["unknown"]] == "<unk>"


def test_the_new_files_are_checksummed(mobile_bundle, tmp_path):
    import shutil

    damaged = tmp_path / "damaged"
    shutil.copytree(mobile_bundle, damaged)
    data = bytearray((damaged / "model.ort").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (damaged / "model.ort").write_bytes(bytes(data))
    with pytest.raises(ModelCorruptError, match="model.ort"):
        Predictor.load(damaged)


def test_asking_for_ort_on_a_bundle_without_it_is_a_clear_error(bundle):
    with pytest.raises(ModelNotFoundError, match="export.mobile"):
        Predictor.load(bundle, model_format="ort")
    with pytest.raises(ValueError, match="model_format"):
        Predictor.load(bundle, model_format="tflite")


def test_mobile_in_place_then_re_export_drops_the_stale_mobile_files(trained_run, tmp_path):
    from export.exporter import export_bundle

    out = tmp_path / "b"
    export_bundle(str(trained_run / "best.pt"), str(out))
    add_mobile_files(out)
    assert (out / "model.ort").is_file() and Predictor.load(out, model_format="ort")
    export_bundle(str(trained_run / "best.pt"), str(out))  # a new model: the old model.ort would not match
    assert not (out / "model.ort").exists() and not (out / "words.txt").exists()
    Predictor.load(out)


def test_the_command_line_writes_a_copy_and_errors_in_one_line(bundle, tmp_path):
    out = tmp_path / "copy"
    done = subprocess.run([sys.executable, "-m", "export.mobile", str(bundle), "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "max abs diff" in done.stdout and "DynamicQuantizeLSTM" in done.stdout
    assert (out / "model.ort").is_file() and not (bundle / "model.ort").exists()
    again = subprocess.run([sys.executable, "-m", "export.mobile", str(bundle), "--out", str(out)],
                           capture_output=True, text=True)
    assert again.returncode == 1 and again.stderr.count("\n") == 1 and "not empty" in again.stderr
    missing = subprocess.run([sys.executable, "-m", "export.mobile", str(tmp_path / "nowhere")],
                             capture_output=True, text=True)
    assert missing.returncode == 1 and missing.stderr.startswith("error: no model bundle")


def test_compare_models_sees_a_different_model(mobile_bundle, bundle_and_report, tmp_path):
    import shutil

    from tests.conftest import refresh_checksums

    other = tmp_path / "other"
    shutil.copytree(mobile_bundle, other)
    model = onnx.load(str(other / "model.onnx"))
    for tensor in model.graph.initializer:
        if tensor.name.endswith("_scale"):
            values = onnx.numpy_helper.to_array(tensor) * 1.01
            tensor.CopyFrom(onnx.numpy_helper.from_array(values.astype(np.float32), tensor.name))
            break
    onnx.save(model, str(other / "model.onnx"))
    refresh_checksums(other)
    info = Predictor.load(other, verify_parity=False).info
    assert compare_models(other / "model.onnx", other / "model.ort", info) > 1e-3


def test_info_lists_the_operators(mobile_bundle):
    from click.testing import CliRunner

    from kbpredict.cli import cli

    result = CliRunner().invoke(cli, ["info", "--model", str(mobile_bundle)])
    assert result.exit_code == 0, result.output
    assert "DynamicQuantizeLSTM" in result.output and "model.ort" in result.output
    data = json.loads(CliRunner().invoke(cli, ["info", "--model", str(mobile_bundle), "--json"]).output)
    assert data["operators"] == operators_from_config((mobile_bundle / "required_operators.config").read_text())


def test_export_with_ort_writes_the_mobile_files(trained_run, tmp_path):
    out = tmp_path / "b"
    done = subprocess.run([sys.executable, "-m", "export", "--checkpoint", str(trained_run / "best.pt"),
                           "--out", str(out), "--ort"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    sidecar = json.loads((out / "model.json").read_text())
    assert (sidecar["ort_file"], sidecar["words_file"], sidecar["operators_file"]) == (
        "model.ort", "words.txt", "required_operators.config")
    assert {"model.ort", "words.txt", "required_operators.config"} <= set(sidecar["files"])
    assert Predictor.load(out, model_format="ort").suggest("the ", 3) == Predictor.load(out).suggest("the ", 3)
