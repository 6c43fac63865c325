"""Export: the ONNX graph, int8 quantization that really is int8, and parity at every hand-off."""

import json
import subprocess
import sys

import numpy as np
import onnx
import pytest

from export.exporter import export_bundle
import export.parity as parity
from export.quantize import large_float_tensors, precision_report
from kbpredict import Predictor
from kbpredict.candidates import read_wordlist
from kbpredict.errors import ModelCorruptError
from tests.conftest import refresh_checksums, train_model


def test_the_parity_limits_are_the_foundation_bars():
    # loosening a limit in export/parity.py must fail here, not pass silently
    assert parity.TORCH_FP32_MAX_DIFF <= 1e-4 and parity.INCREMENTAL_MAX_DIFF_FP32 <= 1e-4
    assert parity.INT8_TOP3_AGREEMENT >= 0.95 and parity.INT8_PPL_RATIO <= 1.03
    assert parity.INCREMENTAL_MAX_DIFF_INT8 <= 0.5 and parity.INCREMENTAL_TOP3_INT8 >= 0.9


def test_export_meets_every_parity_bar(bundle_and_report):
    _, report = bundle_and_report
    assert report.passed, report.failures
    assert report.positions > 500 and report.feeds > 20  # every position of the text, many multi-token feeds
    assert report.torch_vs_fp32_max_abs_diff <= 1e-4
    assert report.int8_top3_agreement >= 0.95
    assert report.int8_ppl_ratio <= 1.03
    assert report.incremental_vs_whole_fp32_max_abs_diff <= 1e-4
    assert report.incremental_vs_whole_int8_max_abs_diff <= 0.5


def test_every_large_matrix_is_int8_and_the_tied_matrix_is_stored_once(bundle):
    model = onnx.load(str(bundle / "model.onnx"))
    assert large_float_tensors(model) == []
    assert any(name.startswith("lstm0_W") for name in precision_report(model))
    dtypes = {init.name: onnx.TensorProto.DataType.Name(init.data_type) for init in model.graph.initializer}
    assert dtypes["output_weight_quantized"] == "INT8"
    assert "output_weight" not in dtypes  # no fp32 copy left behind for the embedding lookup
    matrices = [i for i in model.graph.initializer if sum(d > 1 for d in i.dims) >= 2]
    assert matrices and all(i.data_type == onnx.TensorProto.INT8 for i in matrices)
    ops = {node.op_type for node in model.graph.node}
    assert "DynamicQuantizeLSTM" in ops and "LSTM" not in ops


def test_sidecar_describes_the_bundle(bundle):
    sidecar = json.loads((bundle / "model.json").read_text())
    assert sidecar["format"] == "kbpredict-bundle" and sidecar["format_version"] == 2
    # (the test corpus has no words outside the vocabulary and no capitals; the abbreviations
    # are the English list, which its text does not contradict)
    assert set(sidecar["files"]) == {"model.onnx", "vocab.model.gz", "abbreviations.txt"}
    assert sidecar["vocab_file"] == "vocab.model.gz" and sidecar["abbreviations_file"] == "abbreviations.txt"
    assert (bundle / "vocab.model.gz").read_bytes()[:2] == b"\x1f\x8b"  # gzip, a third of the size
    assert all(len(entry["sha256"]) == 64 for entry in sidecar["files"].values())
    assert sidecar["special_ids"] == {"unknown": 0, "begin_of_text": 1, "end_of_line": 2}
    assert sidecar["tensors"]["tokens"] == "tokens"
    assert sidecar["metrics"]["parity"]["passed"] is True
    assert sidecar["training"]["step"] > 0 and sidecar["shape"]["vocab_size"] > 3


def test_feeding_one_token_at_a_time_equals_the_whole_sequence(predictor):
    ids = predictor.vocab.encode("I would like to see the old house .".split())
    model = predictor.model
    state = model.initial_state()
    for token in ids:
        stepwise, state = model.feed([token], state)
    whole, whole_state = model.feed(ids, model.initial_state())
    # int8 activations are quantized per call, so chunked feeding is close, not bit-identical
    assert np.abs(stepwise - whole).max() < 0.05
    assert set(np.argsort(-stepwise)[:3]) == set(np.argsort(-whole)[:3])


@pytest.mark.slow
@pytest.mark.parametrize("cell", ["cifg", "lstm"])
def test_two_layer_models_export_with_parity_in_both_precisions(corpus_dir, tmp_path, cell):
    run = train_model(corpus_dir, tmp_path / "run", cell=cell, num_layers=2, max_steps=60)
    for fp32 in (True, False):
        info, report = export_bundle(str(run / "best.pt"), str(tmp_path / f"bundle-{fp32}"), fp32=fp32)
        assert report.passed, report.failures
        assert info.precision == ("fp32" if fp32 else "int8")
        assert Predictor.load(tmp_path / f"bundle-{fp32}").suggest("I would like to ")


def verify(bundle, *args):
    return subprocess.run([sys.executable, "-m", "export.verify", str(bundle), *args], capture_output=True, text=True)


def test_verify_command_re_proves_parity(bundle):
    result = verify(bundle)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every large matrix is int8" in result.stdout and "PASSED" in result.stdout
    assert "perplexity now" in result.stdout and result.stdout.rstrip().endswith("verified")


def _perturb_a_weight_matrix(bundle):
    model = onnx.load(str(bundle / "model.onnx"))
    matrix = next(i for i in model.graph.initializer if i.name == "lstm0_W_quantized")
    values = onnx.numpy_helper.to_array(matrix).copy()
    values.flat[::3] = -values.flat[::3]  # a third of the weights change sign
    matrix.CopyFrom(onnx.numpy_helper.from_array(values, matrix.name))
    onnx.save(model, str(bundle / "model.onnx"))
    refresh_checksums(bundle)  # so that parity, not the checksum, is what catches it


def test_verify_fails_on_a_bundle_with_a_perturbed_weight_matrix(bundle_copy):
    _perturb_a_weight_matrix(bundle_copy)
    Predictor.load(bundle_copy)  # it still loads: nothing but parity can tell
    result = verify(bundle_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED" in result.stdout + result.stderr


def test_verify_without_the_checkpoint_checks_the_bundle_against_its_record(bundle_copy):
    sidecar = json.loads((bundle_copy / "model.json").read_text())
    sidecar["training"]["checkpoint"] = str(bundle_copy / "gone.pt")
    (bundle_copy / "model.json").write_text(json.dumps(sidecar))
    result = verify(bundle_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no checkpoint here" in result.stdout and "perplexity now" in result.stdout
    _perturb_a_weight_matrix(bundle_copy)
    result = verify(bundle_copy)
    assert result.returncode == 1 and "recorded at export" in result.stderr, result.stdout + result.stderr


def test_a_bundle_marked_failed_is_refused(bundle_copy):
    sidecar = json.loads((bundle_copy / "model.json").read_text())
    sidecar["metrics"]["parity"].update(passed=False, failures=["int8 top-3 agreement 0.5 < 0.95"])
    (bundle_copy / "model.json").write_text(json.dumps(sidecar))
    with pytest.raises(ModelCorruptError, match="failed its parity check"):
        Predictor.load(bundle_copy)
    assert Predictor.load(bundle_copy, verify_parity=False).suggest("I would like to ")


def test_export_that_fails_parity_exits_1_and_leaves_a_bundle_load_refuses(trained_run, tmp_path, monkeypatch):
    from export.__main__ import main

    monkeypatch.setattr(parity, "INT8_TOP3_AGREEMENT", 1.01)  # no model can meet this
    out = tmp_path / "failed"
    assert main(["--checkpoint", str(trained_run / "best.pt"), "--out", str(out), "--positions", "200"]) == 1
    assert json.loads((out / "model.json").read_text())["metrics"]["parity"]["passed"] is False
    with pytest.raises(ModelCorruptError):
        Predictor.load(out)


def test_export_without_a_validation_text_refuses_unless_told_to_skip(trained_run, tmp_path, monkeypatch):
    from export.__main__ import main
    import export.exporter as exporter

    monkeypatch.setattr(exporter, "default_validation_file", lambda summary: None)  # as on another machine
    out = tmp_path / "unchecked"
    assert main(["--checkpoint", str(trained_run / "best.pt"), "--out", str(out)]) == 2
    assert not out.exists()  # nothing written
    assert main(["--checkpoint", str(trained_run / "best.pt"), "--out", str(out), "--skip-parity"]) == 0
    assert json.loads((out / "model.json").read_text())["metrics"]["parity"] == {"skipped": True}
    assert Predictor.load(out).suggest("I would like to ")


def test_export_flags_shape_the_bundle(trained_run, corpus_dir, tmp_path):
    from export.__main__ import main

    checkpoint = str(trained_run / "best.pt")
    words = tmp_path / "words.txt"
    words.write_text("Zorblatt Zorblatt Zorblatt Quelmorth\n", encoding="utf-8")
    base = ["--checkpoint", checkpoint, "--positions", "100"]

    assert main(base + ["--out", str(tmp_path / "from"), "--words-from", str(words), "--words-min-count", "2"]) == 0
    listed = dict(read_wordlist(tmp_path / "from" / "words.tsv.gz"))
    assert listed == {"Zorblatt": 3}  # only the file's words, and only those seen twice

    assert main(base + ["--out", str(tmp_path / "none"), "--no-words"]) == 0
    assert not (tmp_path / "none" / "words.tsv.gz").exists()
    assert Predictor.load(tmp_path / "none").info.wordlist_file is None

    assert main(base + ["--out", str(tmp_path / "fp32"), "--fp32", "--no-words"]) == 0
    model = onnx.load(str(tmp_path / "fp32" / "model.onnx"))
    assert "LSTM" in {n.op_type for n in model.graph.node} and Predictor.load(tmp_path / "fp32").info.precision == "fp32"
    # verify checks the fp32 bundle's own model.onnx against torch
    result = verify(tmp_path / "fp32")
    assert result.returncode == 0 and "torch vs ONNX fp32" in result.stdout, result.stdout + result.stderr


def test_verify_fails_on_a_damaged_bundle(bundle_copy):
    (bundle_copy / "vocab.model.gz").write_bytes(b"garbage")
    result = subprocess.run([sys.executable, "-m", "export.verify", str(bundle_copy)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "vocab.model.gz" in result.stderr and "Traceback" not in result.stderr


def test_export_of_a_missing_checkpoint_is_a_clear_error(tmp_path):
    result = subprocess.run([sys.executable, "-m", "export", "--checkpoint", str(tmp_path / "x.pt"),
                             "--out", str(tmp_path / "b")], capture_output=True, text=True)
    assert result.returncode == 2 and "no checkpoint" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def small_vocab_bundle(corpus_dir, tmp_path_factory):
    """A model whose vocabulary leaves out some corpus words, exported with the word list."""
    root = tmp_path_factory.mktemp("small-vocab")
    run = train_model(corpus_dir, root / "run", vocab_size=30, max_steps=40)
    info, _ = export_bundle(str(run / "best.pt"), str(root / "bundle"), positions=100)
    return root / "bundle", info


def test_words_outside_the_vocabulary_are_still_completed(small_vocab_bundle):
    from kbpredict.candidates import read_wordlist

    bundle, info = small_vocab_bundle
    assert info.wordlist_file == "words.tsv.gz" and "words.tsv.gz" in info.files
    predictor = Predictor.load(bundle)
    extra = dict(read_wordlist(bundle / "words.tsv.gz"))
    assert extra and all(predictor.vocab.token_id(w) == predictor.vocab.specials.unknown for w in extra)
    word = max(extra, key=lambda w: (extra[w], len(w)))  # the commonest out-of-vocabulary word
    found = [s.word for s in predictor.suggest("We went to " + word[:-1], 3)]
    assert word in found or word.capitalize() in found


def test_a_corrupt_word_list_is_reported(small_vocab_bundle, tmp_path):
    import shutil

    from kbpredict import ModelCorruptError

    target = tmp_path / "bundle"
    shutil.copytree(small_vocab_bundle[0], target)
    (target / "words.tsv.gz").write_bytes(b"not gzip at all")
    refresh_checksums(target)
    with pytest.raises(ModelCorruptError, match="words.tsv.gz"):
        Predictor.load(target)


def test_export_without_the_word_list(trained_run, tmp_path):
    info, _ = export_bundle(str(trained_run / "best.pt"), str(tmp_path / "b"), wordlist=False, positions=50)
    assert info.wordlist_file is None and not (tmp_path / "b" / "words.tsv.gz").exists()


def test_the_word_list_leaves_out_misspellings_of_common_words(tmp_path):
    from collections import Counter

    from export.wordlist import build_wordlist, looks_like_slip

    counts = Counter({"receive": 1400, "recieve": 12, "recieved": 9, "received": 1400, "until": 4700,
                      "untill": 19, "appointment": 4800, "appoinment": 22, "more": 27000, "mole": 53,
                      "scared": 3000, "scar": 40, "scarred": 8, "Thier": 9, "their": 20000, "fins": 24,
                      "find": 15000, "literally": 805, "liberally": 5, "cleans": 5, "clean": 542,
                      "really": 9000, "reallt": 4, "reslly": 3, "Absolutley": 4, "absolutely": 2000,
                      "Alan": 500, "Allan": 8, "dropped": 900, "cropped": 6, "Marlborough": 62,
                      "many": 9000, "Manny": 20, "yeast": 425, "Yeats": 8, "called": 8735, "caller": 4})
    # swapped or doubled letters, a neighbouring key (6+ letters), a letter missing (9+ letters),
    # also in a sentence's capitalized first word of 8+ letters
    for slip in ("recieve", "recieved", "untill", "appoinment", "reallt", "reslly", "Absolutley"):
        assert looks_like_slip(slip, counts[slip], counts), slip
    # real words one letter from a common one, inflections and names stay
    for word in ("mole", "scarred", "fins", "liberally", "cleans", "Allan", "cropped", "Marlborough", "Manny",
                 "Yeats", "caller"):
        assert not looks_like_slip(word, counts[word], counts), word
    assert not looks_like_slip("recieve", 12, Counter({"receive": 300}))  # not rare enough next to it

    text = tmp_path / "train.txt"
    text.write_text("I did not recieve it\n" * 2 + "I will receive it\n" * 120 + "the zorblax came\n" * 2)

    class Vocab:  # every word but these two is outside it
        specials = type("S", (), {"unknown": 0})

        def token_id(self, word):
            return 5 if word in ("receive", "the") else 0

    listed = dict(build_wordlist([text], "plain", Vocab()))
    assert "zorblax" in listed and "recieve" not in listed


def test_the_word_list_leaves_out_numbers_and_quotation_marks_stuck_to_words(tmp_path):
    from export.wordlist import build_wordlist

    text = tmp_path / "train.txt"
    text.write_text("call 415-788-3800 or 12345 about the 1990s 'We said 'em 'tis 33-yard 'Sup\n" * 3
                    + "mail kannangmailcom or joeyahoocom at Telecom Famicom dotcom\n" * 3)

    class Vocab:
        specials = type("S", (), {"unknown": 0})

        def token_id(self, word):
            return 0

    listed = dict(build_wordlist([text], "plain", Vocab(), min_count=3))
    assert {"1990s", "'em", "'tis", "33-yard", "call", "said", "Telecom", "Famicom", "dotcom"} <= set(listed)
    assert not {"415-788-3800", "12345", "'We", "'Sup", "kannangmailcom", "joeyahoocom"} & set(listed)


def test_the_word_list_leaves_out_words_run_together_and_cut_contractions(tmp_path):
    from export.wordlist import build_wordlist

    text = tmp_path / "train.txt"
    text.write_text("hello i am here\n" * 60 + "we couldn't go\n" * 200 + "hello i said\n" * 40
                    + "helloi am here , we couldn go , get firewood , ofcourse\n" * 3 + "of course\n" * 300
                    + "the fire is warm , the wood is dry\n" * 300 + "a fire wood stack\n" * 5 + "firewood please\n" * 10
                    + "this- and that-\n" * 3 + "Yes , please\n" * 300 + "Yesplease\n" * 3)

    class Vocab:
        specials = type("S", (), {"unknown": 0})

        def token_id(self, word):
            return 0

    listed = dict(build_wordlist([text], "plain", Vocab(), min_count=3))
    assert "firewood" in listed  # written together more often than apart
    assert not {"helloi", "ofcourse", "couldn", "this-", "that-", "Yesplease"} & set(listed)


def test_the_word_list_leaves_out_spellings_with_shift_held_too_long(tmp_path):
    from export.wordlist import build_wordlist

    text = tmp_path / "train.txt"
    text.write_text("THanks and PLaza and SMith\n" * 3 + "thanks Thanks plaza Plaza Smith\n" * 40
                    + "my TVs and HITs at UConn with NSync\n" * 3 + "tvs hits hits\n" * 40)

    class Vocab:
        specials = type("S", (), {"unknown": 0})

        def token_id(self, word):
            return 0

    listed = dict(build_wordlist([text], "plain", Vocab(), min_count=3))
    assert not {"THanks", "PLaza", "SMith"} & set(listed)
    assert {"Thanks", "Plaza", "Smith", "TVs", "HITs", "UConn", "NSync"} <= set(listed)


def test_a_bundles_lists_are_rebuilt_from_its_training_text_without_the_checkpoint(small_vocab_bundle, tmp_path,
                                                                                   corpus_dir, capsys):
    import shutil

    from export.lists import main as lists_main
    from kbpredict.candidates import read_wordlist

    bundle = tmp_path / "bundle"
    shutil.copytree(small_vocab_bundle[0], bundle)
    before = {p.name: p.read_bytes() for p in bundle.iterdir()}
    assert lists_main([str(bundle)]) == 0  # the text and the minimum count that model.json records
    assert "completion-only words" in capsys.readouterr().out
    assert {p.name: p.read_bytes() for p in bundle.iterdir()} == before  # what the export wrote

    more = tmp_path / "more.txt"
    more.write_text((corpus_dir / "train.txt").read_text() + "we saw the zorblax today\n" * 3)
    assert lists_main([str(bundle), "--text", str(more)]) == 0
    assert "zorblax" in dict(read_wordlist(bundle / "words.tsv.gz"))
    for name in ("model.onnx", "vocab.model.gz"):
        assert (bundle / name).read_bytes() == before[name]
    predictor = Predictor.load(bundle)  # model.json vouches for the new files
    assert predictor.info.metrics["wordlist_words"] == len(read_wordlist(bundle / "words.tsv.gz"))
    assert "zorblax" in [s.word for s in predictor.suggest("we saw the zorbl", 3)]


def test_rebuilding_a_bundles_lists_says_what_is_missing(small_vocab_bundle, tmp_path, capsys):
    import json
    import shutil

    from export.lists import main as lists_main

    bundle = tmp_path / "bundle"
    shutil.copytree(small_vocab_bundle[0], bundle)
    assert lists_main([str(bundle), "--text", str(tmp_path / "nowhere.txt")]) == 2
    assert "no such file" in capsys.readouterr().err
    sidecar = json.loads((bundle / "model.json").read_text())
    del sidecar["metrics"]["wordlist_min_count"]  # an export from before it was recorded
    (bundle / "model.json").write_text(json.dumps(sidecar))
    assert lists_main([str(bundle)]) == 2
    assert "--words-min-count" in capsys.readouterr().err
    assert lists_main([str(tmp_path / "no-bundle")]) == 2
    assert "error:" in capsys.readouterr().err


# -- the abbreviations -------------------------------------------------------------------------
def test_words_with_a_period_are_counted_by_what_follows_them():
    from export.abbreviations import classify, period_counts

    following, words = period_counts([
        "Ich habe z.B. das Buch. Das ist gut.",
        "Frag Dr. Brandt (z.B. morgen) oder Dr. Who... oder ratebeer.com heute.",
        "Ich bin so müde. . . echt",
        "Bis morgen.",
    ])
    assert following["z.b"] == {"das": 1, "morgen": 1}  # "(z.B." is looked up as "z.b" too
    assert following["dr"] == {"Brandt": 1, "Who": 1}
    assert following["buch"] == {"Das": 1} and following["morgen"] == {"": 1}  # "": the line ends
    assert "ratebeer" not in following and "who" not in following  # an address, an ellipsis
    assert "müde" not in following  # an ellipsis typed with spaces
    words["who"] = 5  # "Who" is a capitalized common word: "Dr. Who" reads as a new sentence
    seen = classify(following["dr"], words)
    assert (seen.goes_on, seen.new_sentence, seen.neutral, seen.line_end) == (0, 1, 1, 0)
    assert classify(following["buch"], {"das": 3, "Das": 1}).new_sentence == 1


def test_the_abbreviations_are_learned_from_the_text_and_the_english_list_checked_by_it():
    from export.abbreviations import build_abbreviations, period_counts

    lines = (["Das ist z.B. ein Buch, bzw. ein Heft."] * 10   # a sentence goes on: learned
             + ["Ich war bei Dr. Brandt, Dr. Weber und Dr. Klein."] * 4  # names only: learned
             + ["Ich sat. Das war gut. Ich sat. Dann ging ich."] * 6  # "sat" ends sentences here
             + ["Er kam heim. Dann aß er. Es war spät."] * 12  # the text's usual sentence ends
             + ["Ich mag u. dich"] * 12 + ["u und u und u"] * 100  # "u" mostly without a period
             + ["Es ist nicht schwer. das ist es nicht."] * 3  # a few lower-case starts: no abbreviation
             + ["ich weiß, dass es das dann war"] * 40)  # these words are lower-case words
    following, words = period_counts(lines)
    listed = build_abbreviations(following, words, english=["sat", "mr", "ft"])
    assert {"z.b", "bzw", "dr"} <= set(listed)
    assert "mr" in listed and "ft" in listed  # not in the text: the English list stands
    assert "sat" not in listed  # the text shows it ending sentences
    assert not {"heim", "er", "spät", "u", "schwer", "buch", "heft"} & set(listed)


def test_export_writes_the_abbreviations_and_the_session_reads_them(trained_run, tmp_path):
    import shutil

    from kbpredict.casing import ABBREVIATIONS

    text = tmp_path / "chat.txt"
    text.write_text(("We had cake, e.g. carrot cake, and tea.\n" + "I sat. The tea was cold.\n") * 12
                    + "We met at Qrx. mid town and talked.\n" * 12 + "the cake was good\n" * 30, encoding="utf-8")
    info, _ = export_bundle(str(trained_run / "best.pt"), str(tmp_path / "b"), positions=50, words_from=[str(text)])
    bundle = tmp_path / "b"
    assert info.abbreviations_file == "abbreviations.txt" and "abbreviations.txt" in info.files
    listed = set((bundle / "abbreviations.txt").read_text(encoding="utf-8").split())
    assert "qrx" in listed and "e.g" in listed and "sat" not in listed
    assert json.loads((bundle / "model.json").read_text())["metrics"]["abbreviations"] == len(listed)
    predictor = Predictor.load(bundle)
    assert predictor.abbreviations == listed

    def starts_sentence(text: str) -> bool:
        session = predictor.session()
        session.type(text)
        return session.suggestions(3)[0].word[:1].isupper()  # the test model's next words are lower case

    assert not starts_sentence("We met at Qrx. ") and not starts_sentence("Cake, e.g. ")
    assert starts_sentence("We met. ") and starts_sentence("I sat. ")
    # a bundle of an older export, without the file: the English list
    old = tmp_path / "old"
    shutil.copytree(bundle, old)
    (old / "abbreviations.txt").unlink()
    sidecar = json.loads((old / "model.json").read_text())
    del sidecar["abbreviations_file"], sidecar["files"]["abbreviations.txt"]
    (old / "model.json").write_text(json.dumps(sidecar))
    assert Predictor.load(old).abbreviations == ABBREVIATIONS
    # a corrupt list is one clear error
    (bundle / "abbreviations.txt").write_bytes(b"\xff\xfe not UTF-8")
    refresh_checksums(bundle)
    with pytest.raises(ModelCorruptError, match="abbreviations.txt"):
        Predictor.load(bundle)


# -- the capitals list -------------------------------------------------------------------------
def _counts_of(tmp_path, text):
    from export.capitals import mid_sentence_counts

    path = tmp_path / "text.txt"
    path.write_text(text, encoding="utf-8")
    return mid_sentence_counts([path], "plain")


def test_capitals_are_counted_mid_sentence_in_lines_written_with_capitals(tmp_path):
    counts, after_capital, heads = _counts_of(tmp_path, (
        "We met Quilla in town. Quilla said hi!\n"   # the second "Quilla" starts a sentence
        "i met quilla in town\n"                      # no capitals at all: no evidence
        "WE MET QUILLA IN TOWN, Quilla TOO\n"         # shouted: no evidence
        '"Oh!" replied Quilla, at the Grand Hotel.\n'))
    assert counts["Quilla"] == 2 and counts["quilla"] == 0 and counts["QUILLA"] == 0
    assert counts["replied"] == 0  # after "!" and a quote, a sentence starts
    assert counts["Hotel"] == 1 and after_capital["Hotel"] == 1 and after_capital["Quilla"] == 0
    assert heads == {("Grand", "Hotel"): 1}  # a capitalized word followed by another: a name's head


def test_the_capitals_list_holds_names_not_words_written_either_way(tmp_path):
    from export.capitals import build_capitals

    counts, after_capital, heads = _counts_of(tmp_path, (
        "we flew to Zorbia with Quilla and stayed at the Blue Hostel.\n" * 5
        + "the hostel was nice and we had Apple pie, apple juice and an apple.\n" * 3
        + "i love zorbia and the hostel so much\n" * 20))  # an all-lower-case source
    spellings = ["Zorbia", "zorbia", "Quilla", "Hostel", "hostel", "apple", "Apple", "Blue", "stayed"]
    assert build_capitals(counts, after_capital, spellings, heads=heads) == ["Zorbia"]
    # "Quilla" has no lower-case spelling to tell apart; "Hostel" is the tail of a name; "apple"
    # is written in lower case too; "Blue" was not a suggestable lower-case word


def test_a_word_capitalized_as_the_head_of_one_name_is_not_a_capital(tmp_path):
    """A title or shop that a template source repeats ("Pillow Talk", "Taco Bell") says nothing
    of how the word is written; a first name followed by many surnames does."""
    from export.capitals import build_capitals

    text = ("Do you like After, Pillow Talk or Say Anything?\n" * 30
            + "I need a new pillow for my bed, the old pillow is flat.\n" * 3
            + "We met Brin Adams, Brin Cole, Brin Dunne and Brin at the fair.\n" * 5
            + "my friend brin is here\n")
    counts, after_capital, heads = _counts_of(tmp_path, text)
    assert counts["Pillow"] == 30 and heads[("Pillow", "Talk")] == 30
    spellings = ["Pillow", "pillow", "Brin", "brin"]
    assert build_capitals(counts, after_capital, spellings, heads=heads) == ["Brin"]
    # without the heads, the repeated title outweighs the word's own lower-case uses
    assert build_capitals(counts, after_capital, spellings) == ["Brin", "Pillow"]


def test_export_writes_the_capitals_list_and_the_bar_spells_by_it(trained_run, tmp_path):
    from kbpredict.candidates import read_capitals

    text = tmp_path / "chat.txt"
    text.write_text(("we flew to Zorbia last week and loved it.\n" * 4
                     + "i want to fly to zorbia again\n" * 30), encoding="utf-8")
    info, _ = export_bundle(str(trained_run / "best.pt"), str(tmp_path / "b"), positions=50,
                            words_from=[str(text)])
    bundle = tmp_path / "b"
    assert info.capitals_file == "capitals.txt.gz" and "capitals.txt.gz" in info.files
    assert read_capitals(bundle / "capitals.txt.gz") == ["Zorbia"]
    assert json.loads((bundle / "model.json").read_text())["metrics"]["capitals_words"] == 1
    predictor = Predictor.load(bundle)
    # the model learned "zorbia" far more often, from the lower-case lines; the list wins, except
    # in a text typed without capitals
    assert "Zorbia" in [s.word for s in predictor.suggest("We want to go to zor", 3)]
    assert "zorbia" not in [s.word for s in predictor.suggest("We want to go to zor", 3)]
    assert "zorbia" in [s.word for s in predictor.suggest("we want to go to zor", 3)]
    # a corrupt list is one clear error
    (bundle / "capitals.txt.gz").write_bytes(b"not gzip at all")
    refresh_checksums(bundle)
    with pytest.raises(ModelCorruptError, match="capitals.txt.gz"):
        Predictor.load(bundle)
