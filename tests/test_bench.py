"""The benchmark's own arithmetic and drivers, on tiny hand-made inputs."""

import shutil

import pytest

from bench.protocol import is_word_char, simulate, split_token
from tests.corpus import VERBS, text


class TextEngine:
    """Keeps the typed text like a keyboard field; subclasses decide what to suggest."""

    name = "text"

    def __init__(self, tokens):
        self.tokens, self.text = tokens, ""

    def type(self, chars):
        self.text += chars

    def backspace(self, n):
        self.text = self.text[: len(self.text) - n]

    def accept(self, word):
        start = len(self.text)
        while start and is_word_char(self.text[start - 1]):
            start -= 1
        self.text = self.text[:start] + word + " "

    def target(self):
        return split_token(self.tokens[self.text.count(" ")])[1]

    def suggestions(self, k):
        return []


class Oracle(TextEngine):
    name = "oracle"

    def suggestions(self, k):
        return [self.target()]


class AfterTwoLetters(TextEngine):
    """Knows the word once two of its letters are typed, and only in lower case."""

    def suggestions(self, k):
        partial = self.text.split(" ")[-1].lstrip("(\"")
        return [self.target().lower()] if len(partial) >= 2 else []


TOKENS = ["Hello", "(world),", "—", "it's", "a", "fine-tuned", "day."]
KEYS_WITHOUT = sum(len(t) + 1 for t in TOKENS)


def test_split_token_follows_the_protocol():
    assert split_token("(world),") == ("(", "world", "),")
    assert split_token("fine-tuned") == ("", "fine-tuned", "")
    assert split_token("—") == ("—", "", "")
    assert split_token("U.S.") == ("", "U", ".S.")


def test_an_engine_that_never_suggests_saves_nothing():
    result, _ = simulate(TextEngine(TOKENS), TOKENS)
    assert result.keys_without == KEYS_WITHOUT == result.keys_with
    assert result.ksr == 0 and result.next_word_top3 == 0 and result.completion_after_1_top3 == 0


def test_the_oracle_scores_the_ceiling():
    result, _ = simulate(Oracle(TOKENS), TOKENS)
    # per token: lead + 1 tap + rest; the pure-punctuation token "—" is typed with its space
    expected = 1 + (1 + 1 + 2) + 2 + 1 + 1 + 1 + (1 + 1)
    assert result.keys_with == expected
    assert result.ksr == pytest.approx(1 - expected / KEYS_WITHOUT)
    assert result.next_word_top1 == result.next_word_top3 == 1.0


def test_case_sensitive_and_insensitive_savings_differ_only_by_case():
    result, _ = simulate(AfterTwoLetters(TOKENS), TOKENS)
    # Words of 3+ letters are tapped after 2 letters (3 keys instead of len + 1): Hello 3, world 3,
    # it's 2, fine-tuned 8, day 1 saved case-insensitively; "Hello" is offered as "hello", so the
    # case-sensitive count loses its 3.
    assert KEYS_WITHOUT == 40
    assert result.keys_with == 40 - 14
    assert result.ksr == pytest.approx(14 / 40)
    assert result.ksr_case_insensitive == pytest.approx(17 / 40)
    assert result.completion_after_2_top3 > 0 and result.completion_after_1_top3 == 0


@pytest.mark.parametrize("engine_class", [TextEngine, Oracle, AfterTwoLetters])
def test_the_engine_ends_with_the_typed_stream(engine_class):
    engine = engine_class(TOKENS)
    simulate(engine, TOKENS)
    assert engine.text == " ".join(TOKENS) + " "


def test_kbpredict_is_driven_through_its_session(predictor):
    from bench.engines import KbpredictEngine

    tokens = text(30, seed=21).split()
    engine = KbpredictEngine(predictor)
    result, counts = simulate(engine, tokens, time_queries=True)
    assert engine.session.text == " ".join(tokens) + " "
    assert 0.2 < result.ksr < 0.85  # the tiny model learned the corpus's patterns
    # every query is timed with the edit call before it: in-word keys and word commits
    assert len(counts.in_word_seconds) + len(counts.commit_seconds) == result.queries > len(tokens)
    assert len(counts.commit_seconds) == len(tokens)  # one next-word query per token
    assert all(t > 0 for t in counts.in_word_seconds + counts.commit_seconds)


def test_key_latency_includes_the_edit_call(predictor):
    """A slow edit call shows in the per-key latency, not only a slow suggestions() call."""
    import time

    from bench.engines import KbpredictEngine

    class SlowTyping(KbpredictEngine):
        def type(self, chars):
            time.sleep(0.002)
            super().type(chars)

    tokens = text(10, seed=22).split()
    _, counts = simulate(SlowTyping(predictor), tokens, time_queries=True)
    assert min(counts.in_word_seconds) >= 0.002  # every in-word query follows one typed letter


@pytest.mark.skipif(shutil.which("text2ngram") is None or shutil.which("g++") is None,
                    reason="Presage is not installed (bench/presage/setup.sh installs it)")
def test_presage_driver_round_trip(tmp_path, corpus_dir):
    from bench.presage_engine import PresageEngine, build_database, driver_path

    corpus = tmp_path / "train.txt"
    corpus.write_text(text(300, seed=3).replace("book", "<unk>"), encoding="utf-8")
    database = build_database(corpus, tmp_path / "lm.db")
    with PresageEngine(database, driver=driver_path(tmp_path / "build")) as engine:
        engine.type("I would like to ")
        shown = engine.suggestions(3)
        assert shown and set(shown) <= set(VERBS)
        engine.type("Vi")
        assert engine.suggestions(3)[0] == "Visit"  # the typed letters stay as typed
        engine.accept("Visit")
        engine.type("the small ")
        assert "unk" not in engine.suggestions(3)  # Presage's "unk" is never shown
        assert len(engine.micros) == 3 and engine.last_query_seconds == engine.micros[-1] / 1e6


def test_report_puts_both_engines_side_by_side_and_marks_the_goals(tmp_path):
    from bench.report import write_report

    def accuracy(name, ksr, top3):
        keys = ["ksr_case_insensitive", "next_word_top1", "next_word_top1_case_insensitive",
                "next_word_top3_case_insensitive", "completion_after_1_top1", "completion_after_1_top3",
                "completion_after_2_top1", "completion_after_2_top3"]
        return {"engine": name, "ksr": ksr, "next_word_top3": top3, **{k: 0.1 for k in keys},
                "key_latency": {"in_word": {"median_us": 50.0, "p99_us": 90.0},
                                "commit": {"median_us": 500.0, "p99_us": 900.0}}}

    percentile = {"median_us": 40.0, "p95_us": 60.0, "p99_us": 80.0}
    speed = {"precision": "int8", "in_word_keystroke": percentile, "word_commit": dict(percentile, p99_us=900.0),
             "paste_200_words": percentile, "cold_start_ms": 190.0, "import_ms": 120.0,
             "load_to_first_suggestion_ms": 70.0, "peak_rss_mb": 80.0, "rss_after_import_mb": 50.0,
             "rss_anon_mb": 45.0, "rss_file_mb": 35.0,
             "bundle_bytes": 4_900_000}
    results = {"started": "now", "seconds": 1.0, "machine": "2 cores",
               "model": {"path": "m", "precision": "int8", "parameters": 1, "vocabulary": 2, "cell": "lstm",
                         "hidden_size": 3},
               "texts": [{"name": "conversational/test.txt", "file": "c", "tokens": 10,
                          "accuracy": [accuracy("kbpredict", 0.56, 0.36), accuracy("presage 3-gram (same text)", 0.45, 0.25),
                                       accuracy("kbpredict, model only", 0.5, 0.3)]},
                         {"name": "wikitext-2/test.txt", "file": "w", "tokens": 10,
                          "accuracy": [accuracy("kbpredict", 0.48, 0.30), accuracy("presage 3-gram (same text)", 0.45, 0.25)]}],
               "speed": [speed], "perplexity": [], "latency_samples": {"a": [1.0, 2.0], "b": [3.0, 4.0]}}
    report = write_report(results, tmp_path).read_text()
    assert report.index("## Prediction quality: conversational/test.txt (headline)") < report.index(
        "## Prediction quality: wikitext-2/test.txt")
    assert "| KSR@3 (case-sensitive, headline) | 56.0% | 45.0% | 50.0% | 1.24× |" in report
    assert "| conversational/test.txt: KSR@3 ≥ Presage (same text) + 10 points | 56.0% vs 45.0% (+11.0) | met |" in report
    assert "| conversational/test.txt: next-word top-3 ≥ 1.4× Presage | 1.44× | met |" in report
    assert "| wikitext-2/test.txt: KSR@3 ≥ 50% | 48.0% | **not met** |" in report
    assert "| RSS ≤ 60 MB | 80.0 MB (45.0 MB private) | **not met** |" in report
    assert "(RssFile) (MB) | 45.0 / 35.0 |" in report
    assert "| latency per in-word key: edit call + suggestions, median / p99 (µs) | 50.0 / 90.0 |" in report
    assert "do not see the same context" in report
    assert (tmp_path / "latency.png").exists() or (tmp_path / "plots-skipped.txt").exists()

    # Without Presage the model-only row is the second column: nothing is labelled Presage.
    for t in results["texts"]:
        t["accuracy"] = [r for r in t["accuracy"] if not r["engine"].startswith("presage")]
    report = write_report(results, tmp_path).read_text()
    assert "| metric | kbpredict | kbpredict, model only | kbpredict / kbpredict, model only |" in report
    quality = report[: report.index("## Speed")]
    assert "Presage" not in quality and "presage" not in quality
    assert "| conversational/test.txt: KSR@3 ≥ Presage (same text) + 10 points | – (no Presage) | **not met** |" in report


def test_tuning_the_text_cache_ranks_settings_and_restores_the_shipped_ones(bundle):
    from kbpredict.candidates import RecentWords

    from bench.tune_recent import tune

    shipped = RecentWords.weight, RecentWords.pair_weight
    # A text that repeats itself (two names outside the vocabulary): the cache must help.
    tokens = (text(15, seed=31) + " Zorblatt Quelmorth said yes. " + text(15, seed=32)
              + " Zorblatt Quelmorth said no.").split()
    found = tune(bundle, tokens, {"weight": [0.0, 0.1], "pair_weight": [0.0, 0.2]})
    assert (RecentWords.weight, RecentWords.pair_weight) == shipped
    rows = found["rows"]
    assert [r["ksr"] for r in rows] == sorted((r["ksr"] for r in rows), reverse=True)
    assert rows[0]["ksr"] > found["model_only"]["ksr"]


def test_perplexity_of_several_bundles_to_json(bundle, corpus_dir, tmp_path):
    import json

    from bench.__main__ import main

    out = tmp_path / "ppl.json"
    assert main(["perplexity", "--model", str(bundle), "--also", str(bundle), "--test",
                 str(corpus_dir / "valid.txt"), "--out", str(out)]) == 0
    rows = json.loads(out.read_text())["rows"]
    assert len(rows) == 2 and rows[0]["perplexity"] == rows[1]["perplexity"]


def test_perplexity_agrees_with_the_torch_model_it_was_exported_from(bundle, trained_run, corpus_dir):
    """The bench's figure, against an independent computation: the checkpoint in torch, one pass
    over the same tokens, state reset at each begin-of-text, begin-of-text never predicted."""
    import math

    import numpy as np
    import torch

    from bench.perplexity import perplexity
    from kbpredict import Predictor
    from train.checkpoint import load_checkpoint, load_model
    from train.data import documents, encode_documents, read_text

    predictor = Predictor.load(bundle)
    ours = perplexity(predictor, str(corpus_dir / "valid.txt"))
    model, vocab = load_model(load_checkpoint(trained_run / "best.pt"))
    model.eval()
    ids = encode_documents(documents(read_text(str(corpus_dir / "valid.txt")), "auto"), vocab)
    bos = vocab.specials.begin_of_text
    starts = [i for i, t in enumerate(ids.tolist()) if t == bos] + [len(ids)]
    nll, counted = 0.0, 0
    with torch.no_grad():
        for a, b in zip(starts, starts[1:]):
            piece = torch.from_numpy(ids[a:b].astype(np.int64))[None]
            logits, _ = model(piece, model.initial_state(1))
            log_probs = torch.log_softmax(logits[0].double(), -1)
            targets = piece[0, 1:]
            nll -= float(log_probs[torch.arange(len(targets)), targets].sum())
            counted += len(targets)
    expected = math.exp(nll / counted)
    assert ours["tokens"] == counted
    assert abs(ours["perplexity"] / expected - 1) < 0.03  # int8 vs torch fp32: parity's bar


def test_compare_puts_models_side_by_side_with_and_without_the_text_cache(bundle, corpus_dir, tmp_path):
    from bench.compare import compare, table
    from bench.perplexity import perplexity
    from kbpredict import Predictor

    test = tmp_path / "test.txt"
    test.write_text(text(40, seed=41), encoding="utf-8")
    other = tmp_path / "other.txt"
    other.write_text(text(40, seed=42), encoding="utf-8")
    rows = compare([bundle], [test, other], [corpus_dir / "valid.txt"], words=300)
    row = rows[0]
    first, second = row["texts"]
    assert first["tokens"] == second["tokens"] == 300 and row["parameters"] > 0
    assert row["perplexity"][0]["perplexity"] == perplexity(Predictor.load(bundle), str(corpus_dir / "valid.txt"))[
        "perplexity"]
    assert 0 < first["ksr"] < 1 and 0 < first["ksr_model_only"] < 1
    assert first["ksr"] != first["ksr_model_only"]  # two different runs: with and without the text cache
    assert first["ksr"] != second["ksr"]  # each text measured on its own
    rendered = table(rows)
    assert f"KSR@3 {tmp_path.name}/test.txt" in rendered and f"KSR@3 {tmp_path.name}/other.txt" in rendered
    for t in row["texts"]:
        assert f"{100 * t['ksr']:.1f}%" in rendered and f"{100 * t['ksr_model_only']:.1f}%" in rendered


def test_personal_bench_learns_from_a_users_stream(bundle, tmp_path, monkeypatch):
    import json

    import bench.personal as personal
    from bench.__main__ import main

    # a two-source "conversational" text in the bench's format: each source's word count known
    first = "\n".join(["We went to Zorblatt to see the old house."] * 12)
    second = "\n".join(["I would like to read the small book."] * 12)
    test = tmp_path / "test.txt"
    test.write_text(first + "\n" + second + "\n", encoding="utf-8")
    words = lambda part: len(part.split())  # noqa: E731
    monkeypatch.setattr(personal, "SOURCES", [("zorblatt", words(first), 0), ("books", words(second), 0)])
    out = tmp_path / "personal.json"
    assert main(["personal", "--model", str(bundle), "--test", str(test), "--fill", "", "--out", str(out)]) == 0
    rows = {r["source"]: r for r in json.loads(out.read_text())["rows"]}
    assert rows["zorblatt"]["messages"] == 12 and rows["zorblatt"]["learned_words"] > 0
    # a name outside the vocabulary, used in every message: learning it pays in the second half
    assert rows["zorblatt"]["ksr_learning_on"] > rows["zorblatt"]["ksr_learning_off"]
    assert main(["personal", "--model", str(bundle), "--test", str(test), "--sources", "nope", "--fill", "",
                 "--out", str(out)]) == 2
    folder = tmp_path / "results"
    folder.mkdir()
    with pytest.raises(SystemExit) as stopped:  # a directory as --out: said at once, not after the run
        main(["personal", "--model", str(bundle), "--test", str(test), "--fill", "", "--out", str(folder)])
    assert stopped.value.code == 2 and not list(folder.iterdir()) and not (tmp_path / "results.md").exists()


def test_perplexity_per_source(bundle, tmp_path, monkeypatch):
    import json

    import bench.personal as personal
    from bench.__main__ import main

    first, second = "I would like to read the small book.", "Zorblatt Quelmorth xyzzy plugh."
    text_file = tmp_path / "valid.txt"
    text_file.write_text(f"{first}\n{second}\n", encoding="utf-8")
    monkeypatch.setattr(personal, "SOURCES", [("books", 0, len(first.split())), ("odd", 0, len(second.split()))])
    out = tmp_path / "sources.json"
    assert main(["sources", "--models", str(bundle), "--text", str(text_file), "--out", str(out)]) == 0
    rows = {r["source"]: r[bundle.name] for r in json.loads(out.read_text())["rows"]}
    assert rows["books"]["perplexity"] < rows["odd"]["perplexity"]  # the corpus's own phrasing is likelier
    assert rows["odd"]["unknown_rate"] > rows["books"]["unknown_rate"] == 0
    assert "| books | 8 |" in (tmp_path / "sources.md").read_text()


def test_edits_time_every_kind_of_edit_and_the_huge_paste(bundle, predictor):
    from bench.speed import edits, huge_paste

    tokens = ("we went to the shop and then I saw her , she said hi . " * 40).split()
    found = edits(predictor, tokens, jumps=5, chars=3000)["edits_100kb"]
    assert found["text_chars"] == 3000
    assert found["backspace"]["count"] == 3000 and found["jump"]["count"] == found["jump_back"]["count"] == 5
    assert found["all"]["max_us"] >= found["backspace"]["p99_us"] > 0
    huge = huge_paste(bundle, tokens, chars=200_000)["paste_10mb"]
    assert huge["chars"] == 200_000 and huge["ms"] > 0 and huge["string_mb"] > 0


def test_the_ort_model_is_measured_beside_the_onnx_one_against_the_memory_floor(bundle, tmp_path):
    from bench.report import speed_table
    from bench.run import ort_bundle
    from bench.speed import measure, memory_bandwidth, physical_limit

    tokens = ("we went to the shop and then I saw her , she said hi . " * 20).split()
    mobile = ort_bundle(bundle, tmp_path / "mobile")
    assert mobile == tmp_path / "mobile" and ort_bundle(mobile, tmp_path / "unused") == mobile
    onnx_figures = measure(bundle, tokens, cold_runs=1)
    ort_figures = measure(mobile, tokens, cold_runs=1, model_format="ort", edits_too=False)
    assert ort_figures["precision"].endswith("model.ort") and "edits_100kb" not in ort_figures
    shipped = {"model.ort", "words.txt", "model.json"} | ({"words.tsv.gz"} if (bundle / "words.tsv.gz").exists() else set())
    assert set(ort_figures["files"]) == shipped
    assert ort_figures["model_step"]["count"] == 2000 and ort_figures["weight_bytes"] == onnx_figures["weight_bytes"]
    # weights: most of the model file, never more
    assert 0.5 * (bundle / "model.onnx").stat().st_size < onnx_figures["weight_bytes"] <= (bundle / "model.onnx").stat().st_size
    bandwidth = memory_bandwidth(megabytes=64, repeats=1)
    assert bandwidth["read_gb_per_s"] > 0.1
    for figures in (onnx_figures, ort_figures):
        figures["physical_limit"] = physical_limit(figures, bandwidth)
    floor = onnx_figures["physical_limit"]["floor_us"]
    assert floor == pytest.approx(onnx_figures["weight_bytes"] / (bandwidth["read_gb_per_s"] * 1e3), abs=0.06)
    assert onnx_figures["physical_limit"]["commit_median_over_floor"] == pytest.approx(
        onnx_figures["word_commit"]["median_us"] / floor, rel=0.1)
    table = "\n".join(speed_table([onnx_figures, ort_figures], bandwidth))
    assert "| figure | int8 | int8, model.ort |" in table
    backspace_row = next(line for line in table.splitlines() if "backspace run" in line)
    assert backspace_row.endswith("| – |")  # the .ort column does not repeat the session's edits
    assert "single-core read bandwidth" in table


def test_edits_report_the_threads_cpu_time_beside_wall_time(predictor):
    from bench.speed import edits

    tokens = ("we went to the shop and then I saw her , she said hi . " * 40).split()
    found = edits(predictor, tokens, jumps=3, chars=2000)["edits_100kb"]
    for kind in ("all", "backspace", "jump"):
        assert 0 < found[kind]["cpu_max_us"] and found[kind]["cpu_p99_us"] <= found[kind]["cpu_max_us"]
        # CPU time never exceeds wall time by more than the clocks' granularity
        assert found[kind]["cpu_max_us"] <= found[kind]["max_us"] * 1.05 + 50


def test_keystrokes_with_a_typo_count_the_letters_typed_until_the_bar_shows_the_word():
    from bench.typos import _keys_used
    from kbpredict.candidates import Suggestion

    class Bar:
        """A stand-in session whose bar shows "hello" once "hel" (or the slip "hwl") is typed."""

        def update(self, text):
            self.typed = ""

        def type(self, ch):
            self.typed += ch

        def suggestions(self, k):
            return [Suggestion("hello", 0.5)] if self.typed in ("hel", "hwl", "hello") else []

    assert _keys_used(Bar(), "", "hello", "hello") == 4  # h, e, l, then the tap
    assert _keys_used(Bar(), "", "hello", "hwl") == 4  # the slip is corrected in the bar
    assert _keys_used(Bar(), "", "hello", "hxllo") == 6  # never shown: all five letters and space
