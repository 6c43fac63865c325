"""The weighted training mix: block sampling, interleaving, masks, and what prepare records."""

import json

import numpy as np
import pytest

from train.data import DataError
from train.mix import Source, block_copies, mixed_blocks, parse_sources
from train.prepare import main as prepare


def _write(path, prefix, lines):
    path.write_text("".join(f"{prefix}{i} says hello\n" for i in range(lines)), encoding="utf-8")
    return path


def _first_words(blocks):
    return [(index, block[0][1][0]) for index, block in blocks]


def test_a_weight_is_the_expected_number_of_copies_of_each_block(tmp_path):
    path = _write(tmp_path / "a.txt", "a", 2000)  # 200 blocks of 10 lines
    counts = {}
    for weight in (0.5, 1, 1.5, 2):
        firsts = [w for _, w in _first_words(mixed_blocks([Source(path, weight)], "plain", block_lines=10))]
        counts[weight] = len(firsts)
        again = [w for _, w in _first_words(mixed_blocks([Source(path, weight)], "plain", block_lines=10))]
        assert firsts == again  # the same blocks on every pass (vocabulary count, then encoding)
        if weight == 2:
            assert sorted(firsts) == sorted([f"a{10 * b}" for b in range(200)] * 2)
    assert counts[1] == 200 and counts[2] == 400
    assert 70 < counts[0.5] < 130 and 270 < counts[1.5] < 330
    kept = [b for b in range(200) if block_copies(Source(path, 0.5), b)]
    assert len(kept) == counts[0.5]


def test_a_skipped_block_starts_a_new_document_and_a_following_one_does_not(tmp_path):
    path = _write(tmp_path / "a.txt", "a", 200)
    source = Source(path, 0.5)
    previous = None
    for _, block in mixed_blocks([source], "plain", block_lines=10):
        number = int(block[0][1][0][1:]) // 10
        assert block[0][0] == (previous != number - 1)
        assert not any(starts for starts, _ in block[1:])
        previous = number


def test_interleaving_spreads_every_source_over_the_whole_stream(tmp_path):
    big = _write(tmp_path / "big.txt", "b", 3000)
    small = _write(tmp_path / "small.txt", "s", 300)
    order = [index for index, _ in mixed_blocks([Source(big), Source(small, 2)], "plain", block_lines=10,
                                                interleave=True)]
    assert order.count(0) == 300 and order.count(1) == 60
    positions = np.flatnonzero(np.array(order) == 1) / len(order)
    assert positions[0] < 0.05 and positions[-1] > 0.95  # from the start to the end, not in one stretch
    assert np.all(np.diff(positions) < 0.05)
    sequential = [index for index, _ in mixed_blocks([Source(big), Source(small, 2)], "plain", block_lines=10)]
    assert sequential == sorted(sequential)


def test_masks_become_the_unknown_word(tmp_path):
    path = tmp_path / "m.txt"
    path.write_text("thanks [NAME] for this\n", encoding="utf-8")
    [(_, block)] = mixed_blocks([Source(path)], "plain", masks=("[NAME]",))
    assert block == [(True, ["thanks", "<unk>", "for", "this"])]


def test_source_specs(tmp_path):
    plain = _write(tmp_path / "x@home.txt", "x", 3)
    weighted = parse_sources([f"{plain}@2.5", str(plain)])
    assert weighted == [Source(plain, 2.5), Source(plain, 1.0)]  # an "@" in a name stays part of it
    for bad in (f"{plain}@-1", f"{plain}@nan"):
        with pytest.raises(DataError, match="weight"):
            parse_sources([bad])
    with pytest.raises(DataError, match="weight 0"):
        parse_sources([f"{plain}@0"])


def test_prepare_records_the_mix_and_weights_the_vocabulary(tmp_path, capsys):
    common = _write(tmp_path / "common.txt", "c", 400)
    rare = tmp_path / "rare.txt"
    rare.write_text("zebra quokka [NAME]\n" * 30, encoding="utf-8")
    out = tmp_path / "data"
    assert prepare(["--text", f"{common}@1", f"{rare}@0", "--out", str(out), "--vocab-size", "60",
                    "--interleave", "--mask", "[NAME]"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert [m["weight"] for m in manifest["mix"]] == [1.0, 0.0]
    assert manifest["mix"][1]["tokens"] == 0 and manifest["mix"][0]["tokens"] == manifest["tokens"]["train"]
    assert manifest["interleave"] is True and manifest["masks"] == ["[NAME]"]
    from kbpredict.vocab import Vocabulary

    vocab = Vocabulary.from_file(str(out / "vocab.model"))
    assert vocab.token_id("hello") != vocab.specials.unknown
    assert vocab.token_id("zebra") == vocab.specials.unknown  # a weight-0 source adds no words
    assert prepare(["--text", f"{common}@x2", "--out", str(tmp_path / "bad")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_prepare_applies_a_bundles_compressed_vocabulary(tmp_path, capsys):
    """``--vocab`` takes a bundle's vocab.model.gz (a model trained further on new text keeps its
    vocabulary); the data directory holds it uncompressed, as training reads it."""
    import gzip

    from kbpredict.vocab import Vocabulary

    common = _write(tmp_path / "common.txt", "c", 50)
    first = tmp_path / "first"
    assert prepare(["--text", str(common), "--out", str(first), "--vocab-size", "40"]) == 0
    plain = (first / "vocab.model").read_bytes()
    (tmp_path / "vocab.model.gz").write_bytes(gzip.compress(plain))
    again = tmp_path / "again"
    assert prepare(["--text", str(common), "--out", str(again), "--vocab", str(tmp_path / "vocab.model.gz")]) == 0
    assert Vocabulary.from_file(str(again / "vocab.model")).serialized() == Vocabulary.from_bytes(plain).serialized()
    assert (again / "vocab.model").read_bytes()[:2] != b"\x1f\x8b"
    (tmp_path / "broken.gz").write_bytes(gzip.compress(plain)[:40])
    assert prepare(["--text", str(common), "--out", str(tmp_path / "bad"), "--vocab", str(tmp_path / "broken.gz")]) == 2
    assert "broken.gz" in capsys.readouterr().err
