"""The runtime: suggestions, incremental sessions equal to stateless ones, bad input, bad bundles."""

import gzip
import json
import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbpredict.context import AnchoredStates
from kbpredict.spacing import Edit
from kbpredict.text import tokenize
from kbpredict import (
    DefaultModelMissingError,
    InvalidArgumentError,
    ModelCorruptError,
    ModelFormatError,
    ModelNotFoundError,
    Predictor,
    Suggestion,
)
from tests.conftest import refresh_checksums
from tests.corpus import NOUNS, VERBS, sentences


class CountingModel:
    """Wraps the ONNX model to count LSTM calls and the tokens they feed."""

    def __init__(self, model):
        self._model, self.calls, self.tokens = model, 0, 0

    def feed(self, ids, state):
        self.calls += 1
        self.tokens += len(ids)
        return self._model.feed(ids, state)


@pytest.fixture
def counted(predictor, monkeypatch):
    counter = CountingModel(predictor.model)
    monkeypatch.setattr(predictor, "model", counter)
    return counter


def words(suggestions):
    return [s.word for s in suggestions]


def test_runtime_imports_neither_torch_nor_onnx(bundle):
    code = (
        "import sys; import kbpredict, kbpredict.cli; from kbpredict import Predictor; "
        f"Predictor.load({str(bundle)!r}).suggest('I would like to ', 3); "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'onnx')]; print(bad); sys.exit(bool(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_suggestions_follow_what_the_model_learned(predictor):
    assert set(words(predictor.suggest("I would like to ", 3))) <= set(VERBS)
    assert sum(w in NOUNS for w in words(predictor.suggest("We went to London to see a ", 3))) >= 2
    assert words(predictor.suggest("I would like to vi", 1)) == ["visit"]  # completion of a prefix


def test_completion_follows_the_typed_case(predictor):
    assert words(predictor.suggest("I would like to VI", 1)) == ["VISIT"]
    assert words(predictor.suggest("I would like to Vi", 1)) == ["Visit"]
    assert words(predictor.suggest("We went to lon", 1)) == ["London"]  # a proper noun keeps its capital


def test_typographic_apostrophes_and_decomposed_accents_still_match(predictor):
    assert "it's" in words(predictor.suggest("The small city is near Paris, and it\u2019", 3))
    session = predictor.session()
    for ch in "The small city is near Paris, and it\u2019":
        session.type(ch)
    assert "it's" in words(session.suggestions(3))


def test_case_variants_share_one_slot(predictor):
    found = words(predictor.suggest("", 10))
    assert len({w.lower() for w in found}) == len(found)


def test_scores_are_probabilities_in_descending_order(predictor):
    found = predictor.suggest("The ", 5)
    assert all(0 < s.score <= 1 for s in found)
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)


def test_keystrokes_inside_a_word_never_run_the_lstm(predictor, counted):
    session = predictor.session()
    session.type("I would like to ")
    calls = counted.calls
    for ch in "visi":
        session.type(ch)
        assert session.suggestions(3)
    session.type("t")
    assert "visit" not in words(session.suggestions(3))  # the word as typed: space commits it
    assert counted.calls == calls
    session.type(" ")
    assert counted.calls == calls + 1  # the committed word: exactly one LSTM step


def test_backspace_across_a_word_boundary_restores_without_recomputing(predictor, counted):
    session = predictor.session()
    for ch in "I would like to see ":
        session.type(ch)
    expected = session.suggestions(3)
    session.type("the ")
    calls = counted.calls
    session.backspace(4)  # back to "I would like to see "
    assert counted.calls == calls
    assert session.suggestions(3) == expected
    session.backspace(2)  # into "se": completing "see"
    assert counted.calls == calls and session.current_word == "se"


def test_backspace_after_a_paste_feeds_a_window_not_the_text(predictor, counted):
    span = 3 * AnchoredStates.anchor_chars  # the two chains' context, at most
    session = predictor.session()
    text = " ".join(sentences(150, seed=3)) + " "
    window = max(len(tokenize(text[i:i + span])) for i in range(0, len(text), 20))
    assert len(tokenize(text)) > 3 * window
    session.update(text)
    before = counted.tokens
    for _ in range(len(text)):
        tokens = counted.tokens
        session.backspace(1)
        assert counted.tokens - tokens <= window
    assert session.text == ""
    # each position costs one call from its checkpoint (fewer than a group of tokens) plus the
    # chains' group calls: linear in the text, not a re-feed of the text per backspace
    assert counted.tokens - before <= (AnchoredStates.group_tokens + 3) * len(tokenize(text))


def test_update_reuses_the_longest_common_prefix(predictor, counted):
    group = AnchoredStates.group_tokens
    session = predictor.session()
    session.update("We went to Paris to buy a book yesterday. ")
    tokens = counted.tokens
    session.update("We went to Paris to buy a book yesterday. I would like to ")
    # only the new tokens (I, would, like, to) and those since the last checkpoint before them
    assert 4 <= counted.tokens - tokens < 4 + group
    tokens = counted.tokens
    session.update("We went to Paris to read a book yesterday. ")  # an edit in the middle
    assert len("read a book yesterday .".split()) <= counted.tokens - tokens < 5 + group


def test_accept_returns_the_replacement_and_commits_the_word(predictor):
    session = predictor.session()
    session.type("I would like to vi")
    top = session.suggestions(1)[0]
    assert top.word == "visit" and session.current_word == "vi"
    assert session.accept(top) == Edit(2, "visit ")
    assert session.text == "I would like to visit " and session.current_word == ""
    assert words(session.suggestions(3)) == words(predictor.suggest("I would like to visit ", 3))


EDIT = st.one_of(
    st.tuples(st.just("type"), st.sampled_from(sentences(20, seed=5) + [" ", ", ", "x", "\n", "é", "👍"])),
    st.tuples(st.just("chars"), st.text(alphabet="abcdefghij ,.'\n\u2018\u2019", min_size=1, max_size=12)),
    st.tuples(st.just("backspace"), st.integers(1, 30)),
    st.tuples(st.just("paste"), st.sampled_from(sentences(10, seed=6))),
    st.tuples(st.just("jump"), st.integers(0, 200)),
    st.tuples(st.just("accept"), st.integers(0, 2)),
    # a slip of a word typed, autocorrected as an app does at space or a mark, maybe taken back
    # (Backspace right after it)
    st.tuples(st.just("slip"), st.tuples(st.sampled_from([" hoouse", " gerden", " vsiit", " lodnon", " teh"]),
                                         st.sampled_from([" ", "?", ","]), st.booleans())),
    st.tuples(st.just("revert"), st.just(0)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(EDIT, min_size=1, max_size=12))
def test_sessions_equal_the_stateless_suggest_after_any_edits(predictor, edits):
    session = predictor.session()
    text = ""
    for kind, arg in edits:
        if kind == "type":
            edit = session.type(arg)
            text = edit.apply(text + arg) if edit else text + arg
        elif kind == "chars":
            for ch in arg:  # key by key, applying the spacing edits as an app does
                edit = session.type(ch)
                text = edit.apply(text + ch) if edit else text + ch
        elif kind == "backspace":
            session.backspace(arg)
            text = text[: max(0, len(text) - arg)]
        elif kind == "paste":
            text += " " + arg
            session.update(text)
        elif kind == "jump":
            text = text[:arg]
            session.update(text)
        elif kind == "slip":
            slip, ending, take_back = arg
            for ch in slip:
                edit = session.type(ch)
                text = edit.apply(text + ch) if edit else text + ch
            auto = session.autocorrection(ending)
            if auto is not None:
                text = session.accept(auto, space=ending == " ").apply(text)
            if ending != " " or auto is None:
                edit = session.type(ending)
                text = edit.apply(text + ending) if edit else text + ending
            if take_back:
                edit = session.revert()
                assert (edit is not None) == (auto is not None)
                if edit is not None:
                    text = edit.apply(text)
                    assert session.autocorrection(ending) is None  # the word is kept now
        elif kind == "revert":
            edit = session.revert()
            if edit is not None:
                text = edit.apply(text)
        else:
            options = session.suggestions(3)
            if options:
                pick = options[min(arg, len(options) - 1)]
                text = session.accept(pick).apply(text)
        assert session.text == text
        assert session.suggestions(3) == predictor.suggest(text, 3)


def test_empty_and_odd_text_gets_sane_answers(predictor):
    assert predictor.suggest("", 3)  # start of a text field: next-word suggestions
    for text in ["\x00\x01\x07", "   ", "\n\n", "👍🏽🎉 ", "नमस्ते ", "你好世界", "ab\ud800cd ", "\u202e\u200b", "((((", "zzzzqqq"]:
        result = predictor.suggest(text, 3)
        assert isinstance(result, list) and all(isinstance(s, Suggestion) for s in result)


def test_a_one_megabyte_paste_is_bounded(predictor, counted):
    text = " ".join(sentences(30000, seed=9))[:1_000_000]
    assert len(text) >= 1_000_000
    session = predictor.session()
    started = time.perf_counter()
    session.update(text)
    assert session.suggestions(3)  # the window ends with a word: there are next words to show
    # the two chains' windows (at most 2 and 1 anchor spans of text), not 200k tokens
    assert counted.tokens <= len(tokenize(text[-3 * AnchoredStates.anchor_chars:]))
    assert time.perf_counter() - started < 30
    session.type(" and")  # and typing continues normally afterwards
    assert session.current_word == "and"


def test_invalid_k_is_refused(predictor):
    for k in (0, -1, 2.5, "3", True):
        with pytest.raises(InvalidArgumentError):
            predictor.suggest("the ", k)
    assert len(predictor.suggest("the ", 10_000)) <= len(predictor.vocab)


# -- bundles ------------------------------------------------------------------------------------

def test_missing_bundle_directory(tmp_path):
    with pytest.raises(ModelNotFoundError, match="no model bundle"):
        Predictor.load(tmp_path / "nope")


def test_loading_leaves_the_garbage_collector_as_it_found_it(bundle, tmp_path, monkeypatch):
    """Loading runs with the collector off (it would scan the process several times over the
    index's objects), and hands it back as the app had it, after a failed load too."""
    import gc

    assert gc.isenabled()
    seen = []
    own = Predictor._load.__func__
    monkeypatch.setattr(Predictor, "_load", classmethod(lambda cls, *args: (seen.append(gc.isenabled()),
                                                                            own(cls, *args))[1]))
    try:
        Predictor.load(bundle)
        assert seen == [False] and gc.isenabled()
        with pytest.raises(ModelNotFoundError):
            Predictor.load(tmp_path / "nope")
        assert gc.isenabled()
        gc.disable()  # an app that runs without it
        Predictor.load(bundle)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_file_instead_of_a_directory(tmp_path):
    (tmp_path / "model.onnx").write_bytes(b"x")
    with pytest.raises(ModelNotFoundError, match="directory"):
        Predictor.load(tmp_path / "model.onnx")


def test_missing_model_file(bundle_copy):
    (bundle_copy / "model.onnx").unlink()
    with pytest.raises(ModelNotFoundError, match="model.onnx"):
        Predictor.load(bundle_copy)


def test_truncated_model_file(bundle_copy):
    data = (bundle_copy / "model.onnx").read_bytes()
    (bundle_copy / "model.onnx").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelCorruptError, match="truncated"):
        Predictor.load(bundle_copy)


def test_altered_file_fails_its_checksum(bundle_copy):
    data = bytearray((bundle_copy / "vocab.model.gz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (bundle_copy / "vocab.model.gz").write_bytes(bytes(data))
    with pytest.raises(ModelCorruptError, match="sha256"):
        Predictor.load(bundle_copy)


def test_corrupt_sidecar(bundle_copy):
    (bundle_copy / "model.json").write_text("{not json")
    with pytest.raises(ModelCorruptError, match="not valid JSON"):
        Predictor.load(bundle_copy)


def test_a_version_1_bundle_with_an_uncompressed_vocabulary_still_loads(bundle_copy, predictor):
    sidecar = json.loads((bundle_copy / "model.json").read_text())
    compressed = bundle_copy / sidecar["vocab_file"]
    (bundle_copy / "vocab.model").write_bytes(gzip.decompress(compressed.read_bytes()))
    compressed.unlink()
    sidecar.update(format_version=1, vocab_file="vocab.model",
                   files={("vocab.model" if name == compressed.name else name): entry
                          for name, entry in sidecar["files"].items()})
    (bundle_copy / "model.json").write_text(json.dumps(sidecar))
    refresh_checksums(bundle_copy)
    old = Predictor.load(bundle_copy)
    assert old.info.format_version == 1
    assert old.suggest("the cat ", 3) == predictor.suggest("the cat ", 3)


def test_a_damaged_compressed_vocabulary_is_a_clear_error(bundle_copy):
    data = (bundle_copy / "vocab.model.gz").read_bytes()
    (bundle_copy / "vocab.model.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelCorruptError, match="vocab.model.gz"):
        Predictor.load(bundle_copy, verify=False)


def test_newer_format_version_is_refused(bundle_copy):
    sidecar = json.loads((bundle_copy / "model.json").read_text())
    sidecar["format_version"] = 99
    (bundle_copy / "model.json").write_text(json.dumps(sidecar))
    with pytest.raises(ModelFormatError, match="version 99"):
        Predictor.load(bundle_copy)


def test_mismatched_vocabulary_is_detected_even_with_fresh_checksums(bundle_copy, corpus_dir, tmp_path):
    from train.data import token_lines
    from train.vocab import build_vocabulary

    other = build_vocabulary(token_lines([str(corpus_dir / "train.txt")], "plain"), 30)
    (bundle_copy / "vocab.model.gz").write_bytes(gzip.compress(other))
    refresh_checksums(bundle_copy)
    with pytest.raises(ModelFormatError, match="different models"):
        Predictor.load(bundle_copy)


def test_garbage_onnx_with_matching_checksum(bundle_copy):
    (bundle_copy / "model.onnx").write_bytes(b"\x00not an onnx model" * 10)
    refresh_checksums(bundle_copy)
    with pytest.raises(ModelCorruptError, match="onnxruntime cannot load"):
        Predictor.load(bundle_copy)


def test_default_model_missing_is_explained(monkeypatch, tmp_path):
    import kbpredict.predictor as predictor_module

    monkeypatch.setattr(predictor_module, "default_model_path", lambda: tmp_path / "default")
    with pytest.raises(DefaultModelMissingError, match="ships no default model"):
        Predictor.load()


@pytest.mark.parametrize("spread", [0.01, 1.0, 5.0, 30.0])
def test_top_k_shortcut_is_exact(spread):
    import numpy as np

    from kbpredict.candidates import _top_indices

    rng = np.random.default_rng(int(spread * 10))
    for size, want in [(40_000, 16), (500, 16), (10, 16), (3, 1)]:
        scores = (rng.standard_normal(size) * spread).astype(np.float32)
        scores[: size // 10] = scores[0]  # ties too
        top = _top_indices(scores, min(want, size))
        assert np.array_equal(np.sort(scores[top])[::-1], np.sort(scores)[::-1][: len(top)])
        assert list(scores[top]) == sorted(scores[top], reverse=True)


def test_a_word_outside_the_vocabulary_typed_once_is_offered_again(predictor):
    text = "We went to Zorblatt to see a book. The old river is near Zo"
    assert "Zorblatt" in words(predictor.suggest(text, 3))
    assert "Zorblatt" not in words(predictor.suggest(text, 3, adapt=False))
    # It is the text's own word: gone when the text no longer holds it.
    assert "Zorblatt" not in words(predictor.suggest("We went to London. The old river is near Zo", 3))


def test_the_word_that_followed_before_comes_back_after_the_same_word(predictor):
    text = "Anna Quelmorth read the old letter. Later Anna "
    assert "Quelmorth" in words(predictor.suggest(text, 3))
    assert "Quelmorth" not in words(predictor.suggest(text, 3, adapt=False))


def test_the_word_exactly_as_typed_is_not_offered(predictor):
    for text, typed in [("I would like to visit", "visit"), ("We went to London", "London"), ("the", "the")]:
        assert typed not in words(predictor.suggest(text, 3))
    # ... but the same letters in another case are: "the" at the start may become "The".
    assert words(predictor.suggest("I would like to vis", 1)) == ["visit"]


def test_adapt_must_be_a_bool(predictor):
    with pytest.raises(InvalidArgumentError):
        predictor.session(adapt="yes")


def test_text_arguments_must_be_strings(predictor):
    # None or a number from an app's bug is refused, never typed as "None" or "5"
    import numpy as np

    session = predictor.session()
    session.update("see you ")
    for call in (lambda: session.update(None), lambda: session.type(None), lambda: session.type(5),
                 lambda: session.accept(None), lambda: session.backspace("3"), lambda: session.backspace(1.5),
                 lambda: predictor.suggest(b"hello")):
        with pytest.raises(InvalidArgumentError):
            call()
    assert session.text == "see you "  # nothing changed
    session.backspace(np.int64(4))
    assert session.text == "see "


def test_recent_words_mix_the_model_with_the_texts_words():
    import numpy as np

    from kbpredict.candidates import CandidateIndex, RecentWords

    vocab = ["<unk>", "<s>", "</s>", "the", "cat", "dog"]
    index = CandidateIndex(vocab, [3, 4, 5], [("zed", 3), ("zap", 1)], unknown_id=0)
    p = np.array([0.1, 0.0001, 0.05, 0.5, 0.2, 0.1499])
    recent = RecentWords(index, ["cat", "cat", "Quorn", "zed"], ["cat"])
    a = RecentWords.weight * 4 / (4 + RecentWords.prior_words)
    b = RecentWords.pair_weight * 1 / (1 + RecentWords.prior_pairs)
    mu = RecentWords.oov_weight
    expected = {
        "cat": (1 - a - b) * 0.2 + a * 2 / 4 + b * 1,
        "Quorn": (1 - a - b) * 0.1 * (mu * 1 / 2) + a * 1 / 4,  # in neither vocabulary nor word list
        "zed": (1 - a - b) * 0.1 * ((1 - mu) * 3 / 4 + mu * 1 / 2) + a * 1 / 4,
    }
    mixed = recent.mixture(np.log(p), 0, len(recent))
    assert dict(zip(recent.surfaces, mixed.tolist())) == pytest.approx(expected)
    # The suggestion bar uses the same numbers; the model's own words are scaled by 1 - a - b.
    top = {s.word: s.score for s in index.top(np.log(p), "", 6, recent)}
    assert top["cat"] == pytest.approx(expected["cat"])
    assert top["the"] == pytest.approx((1 - a - b) * 0.5)
    assert top["Quorn"] == pytest.approx(expected["Quorn"])
    # No recent words, no pairs: the model alone.
    alone = RecentWords(index, ["dog"], [])
    assert alone.model_weight == pytest.approx(1 - RecentWords.weight / (1 + RecentWords.prior_words))


def test_recent_words_are_a_function_of_the_words_not_of_their_order_or_the_located_table():
    from kbpredict.candidates import CandidateIndex, LocatedWords, RecentWords

    vocab = ["<unk>", "<s>", "</s>", "the", "The", "cat", "dog", "its", "it's"]
    index = CandidateIndex(vocab, [3, 4, 5, 6, 7, 8], [("zed", 3), ("Zed", 1)], unknown_id=0)
    log_probs = np.log(np.array([0.1, 0.0001, 0.05, 0.3, 0.1, 0.2, 0.1, 0.05, 0.0999]))
    words = ["the", "cat", "The", "zed", "it's", "Quorn", "cat", "its", "Zed", "dog"]

    def mixed(recent):
        return dict(zip(recent.surfaces, recent.mixture(log_probs, 0, len(recent)).tolist()))

    fresh = RecentWords(index, words, ["cat"], previous="dog")
    assert fresh.keys == sorted(fresh.keys)
    # a table that has seen other words first, and the words in another order: the same cache
    seen = LocatedWords(index)
    seen.rows(["Quorn", "zzz", "dog", "aardvark", "it's"])
    again = RecentWords(index, words[::-1], ["cat"], seen, previous="dog")
    assert again.surfaces == fresh.surfaces and again.keys == fresh.keys
    assert mixed(again) == pytest.approx(mixed(fresh))
    # the previous token is not offered again by the unigram cache: "dog" has the model's share only
    assert mixed(fresh)["dog"] == pytest.approx(fresh.model_weight * 0.1)


def test_the_located_table_stays_bounded_and_ordered(monkeypatch):
    from kbpredict.candidates import CandidateIndex, LocatedWords

    vocab = ["<unk>", "<s>", "</s>"] + [f"w{i:03d}" for i in range(300)]
    index = CandidateIndex(vocab, list(range(3, 303)), unknown_id=0)
    monkeypatch.setattr(LocatedWords, "limit", 50)
    table = LocatedWords(index)
    rng = np.random.default_rng(0)
    for _ in range(40):
        words = list(dict.fromkeys(f"w{i:03d}" for i in rng.integers(0, 300, size=12)))
        rows = table.rows(words)
        assert len(table) <= 50
        assert [table.surfaces[r] for r in rows.tolist()] == words
        held = sorted(range(len(table)), key=lambda r: (table.keys[r], table.surfaces[r]))
        assert np.all(np.diff(table.rank[held]) > 0)  # the ranks keep (key, spelling) order
    twice = table.rows(["x1", "x2", "x1"]).tolist()  # a new word given twice: one row
    assert twice[0] == twice[2] != twice[1] and table.surfaces.count("x1") == 1
    many = [f"w{i:03d}" for i in range(120)]  # more words at once than the bound
    assert [table.surfaces[r] for r in table.rows(many).tolist()] == many


def test_next_words_from_the_whole_index_are_the_best_entries(predictor):
    """The next-word shortcut (the model's distribution as it is, the word list by share) gives
    what scoring every entry would."""
    index = predictor.index
    rng = np.random.default_rng(1)
    for _ in range(5):
        log_probs = predictor.start[1] + rng.normal(0, 2, size=len(predictor.start[1])).astype(np.float32)
        pool = index.pool(log_probs, "", 20)
        lo, hi = index.span("")
        every = {}
        for j in range(lo, hi):
            offset = float(index._offsets[j]) if index._offsets is not None else 0.0
            every[index._surfaces[j]] = max(every.get(index._surfaces[j], -np.inf),
                                            float(log_probs[index._ids[j]]) + offset)
        best = sorted(every.items(), key=lambda item: -item[1])[:20]
        assert pool == pytest.approx({w: float(np.exp(score)) for w, score in best}, rel=1e-5)


def test_a_typed_apostrophe_finds_its_words_among_many_more_likely_ones():
    from kbpredict.candidates import CandidateIndex, apostrophe_at

    assert [apostrophe_at(w) for w in ["I'm", "don't", "dont", "'cause", "rock'n'roll", "Zü’s", "o'"]] == \
        [1, 3, -1, -1, 4, 2, 1]
    others = [f"i{chr(97 + a)}{chr(97 + b)}" for a in range(10) for b in range(10)]  # 100 "i" words
    vocab = ["<unk>", "<s>", "</s>", "I'm", "I'll", "Im", "it's"] + others
    index = CandidateIndex(vocab, list(range(3, len(vocab))), unknown_id=0)
    probs = np.full(len(vocab), 0.9 / len(others))
    probs[:7] = [0.01, 0.0, 0.0, 0.004, 0.003, 0.002, 0.001]
    log_probs = np.log(probs + 1e-12)
    pool = index.pool(log_probs, "I'", 5)
    assert set(pool) == {"I'm", "I'll"}  # no "i" word without an apostrophe there, no "it's"
    assert set(index.pool(log_probs, "I'm", 5)) == {"I'm", "Im"}  # (arrange merges or drops "Im")
    assert len(index.pool(log_probs, "I", 5)) == 5


def test_a_long_text_keeps_the_cache_bounded(predictor):
    session = predictor.session()
    session.update(" ".join(f"Word{i}" for i in range(5000)) + " ")
    recent = session._recent
    assert 0 < len(recent) < 400  # only the last 2,000 characters' words
    assert "Word4999" in recent.surfaces and "Word10" not in recent.surfaces


def test_the_candidate_index_sorts_by_folded_spelling_with_every_script():
    """Words are kept sorted by (fold(word), word), so a prefix is one slice: ASCII words are
    folded in bulk at load, the others one by one (accents, Greek final sigma, dotted capital I)."""
    import numpy as np

    from kbpredict.candidates import CandidateIndex
    from kbpredict.text import fold

    vocab = ["<unk>", "<s>", "</s>", "Café", "cafe", "Don't", "dont", "ΟΔΟΣ", "İstanbul", "Zürich", "zebra",
             "rock'n'roll", "A", "a", "ab"]
    extra = [("Ærø", 3), ("über", 2), ("never", 0), ("zed", 5)]
    index = CandidateIndex(vocab, list(range(3, len(vocab))), extra, unknown_id=0)
    entries = sorted([(fold(w), w, i) for i, w in enumerate(vocab) if i >= 3]
                     + [(fold(w), w, 0) for w, c in extra if c > 0])
    assert index._keys == [k for k, _, _ in entries]
    assert index._surfaces == [w for _, w, _ in entries]
    assert index._ids.tolist() == [i for _, _, i in entries]
    offsets = dict(zip(index._surfaces, index._offsets.tolist()))
    assert offsets["zed"] == pytest.approx(np.log(5 / 10)) and offsets["cafe"] == 0.0
    assert [index._surfaces[j] for j in range(*index.span("cafe"))] == ["Café", "cafe"]
    assert [index._surfaces[j] for j in range(*index.span("uber"))] == ["über"]
    assert index._ends.tolist()[:2] == [2, 2]  # "a", "A": one run of equal keys


def test_only_the_word_lists_most_common_words_are_corrected_into(monkeypatch):
    """Typing slips are corrected into the model's words and the word list's most common ones (a
    bounded index build at load); a rarer listed word is still completed and known."""
    import numpy as np

    import kbpredict.candidates as candidates

    monkeypatch.setattr(candidates, "CORRECTABLE_EXTRA_WORDS", 2)
    vocab = ["<unk>", "<s>", "</s>", "cat", "dog"]
    extra = [("quimbly", 2), ("zorblax", 9), ("frobnik", 5)]  # quimbly is the rarest
    index = candidates.CandidateIndex(vocab, [3, 4], extra, unknown_id=0)
    log_probs = np.log(np.full(len(vocab), 0.2))
    assert "zorblax" in index.corrections(log_probs, "zorbkax", 5)[1]
    assert "frobnik" in index.corrections(log_probs, "frobnjk", 5)[1]
    assert "quimbly" not in index.corrections(log_probs, "quimbky", 5)[1]
    assert "quimbly" in index.pool(log_probs, "quim", 5)
    assert index.entry("quimbly") == (0, pytest.approx(2 / 16), True)


def test_a_word_list_is_read_whole_or_line_by_line(tmp_path):
    """A bundle's words.tsv.gz as export writes it, and one with broken lines (skipped)."""
    import gzip

    from kbpredict.candidates import read_wordlist

    good = tmp_path / "good.tsv.gz"
    good.write_bytes(gzip.compress("Kanga\t72\nZürich\t5\nrock'n'roll\t0\n".encode()))
    assert read_wordlist(good) == [("Kanga", 72), ("Zürich", 5), ("rock'n'roll", 0)]
    broken = tmp_path / "broken.tsv.gz"
    broken.write_bytes(gzip.compress("Kanga\t72\nno count here\nlbw\t-3\nWoozle\t1.5\n\tt9\nRoo\t4".encode()))
    assert read_wordlist(broken) == [("Kanga", 72), ("Roo", 4)]
    empty = tmp_path / "empty.tsv.gz"
    empty.write_bytes(gzip.compress(b""))
    assert read_wordlist(empty) == []


def test_the_word_just_typed_gets_no_cache_boost_right_after_itself():
    import numpy as np

    from kbpredict.candidates import CandidateIndex, RecentWords

    index = CandidateIndex(["<unk>", "<s>", "</s>", "cat", "dog"], [3, 4], unknown_id=0)
    log_probs = np.log(np.array([0.1, 0.1, 0.1, 0.4, 0.3]))
    after_cat = RecentWords(index, ["cat", "cat", "dog"], [], previous="cat")
    after_dog = RecentWords(index, ["cat", "cat", "dog"], [], previous="dog")
    a = 1 - after_cat.model_weight
    cat_after_cat, dog_after_cat = after_cat.mixture(log_probs, 0, 2)
    cat_after_dog, _ = after_dog.mixture(log_probs, 0, 2)
    assert cat_after_cat == pytest.approx((1 - a) * 0.4)  # "cat cat": the model alone
    assert dog_after_cat == pytest.approx((1 - a) * 0.3 + a / 3)
    assert cat_after_dog == pytest.approx((1 - a) * 0.4 + a * 2 / 3)


def on_threads(work, count=4) -> list[BaseException]:
    """Run ``work(i)`` for i in range(count), each on its own thread; the errors they raised."""
    import threading

    errors: list[BaseException] = []

    def run(i):
        try:
            work(i)
        except BaseException as exc:  # noqa: BLE001 (any error is the failure)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_threads_sharing_one_session_take_turns_and_leave_it_sound(predictor):
    import random

    session = predictor.session()

    def hammer(seed):
        rng = random.Random(seed)
        for _ in range(300):
            action = rng.randrange(4)
            if action == 0:
                session.type(rng.choice(["I would ", "like to ", "vi", "sit ", "the old house. "]))
            elif action == 1:
                session.backspace(rng.randrange(1, 8))
            elif action == 2:
                session.update(session.text[: rng.randrange(len(session.text) + 1)])
            else:
                session.suggestions(3)

    assert on_threads(hammer) == []
    fresh = predictor.session()
    fresh.update(session.text)
    assert session.suggestions(3) == fresh.suggestions(3)  # internally consistent, as if typed at once


def test_a_huge_word_typed_once_is_never_offered(predictor):
    session = predictor.session()
    long_word = "Zq" + "x" * 1500
    session.type(f"I saw {long_word} there. I saw Zq")
    assert all(len(s.word) <= 48 for s in session.suggestions(3))
    assert long_word not in [s.word for s in session.suggestions(3)]


def test_a_text_starts_from_the_bundles_start_ids(bundle_copy, predictor):
    import json

    import numpy as np

    from kbpredict import ModelFormatError, Predictor

    specials = predictor.vocab.specials
    sidecar = json.loads((bundle_copy / "model.json").read_text())
    assert sidecar["start_ids"] == [specials.begin_of_text, specials.end_of_line]  # what export writes

    def state_after(ids):
        state, log_probs = predictor.model.initial_state(), None
        for token in ids:
            log_probs, state = predictor.model.feed([token], state)
        return log_probs

    assert np.array_equal(predictor.start[1], state_after(sidecar["start_ids"]))
    del sidecar["start_ids"]  # a bundle from an older export: begin-of-text alone
    (bundle_copy / "model.json").write_text(json.dumps(sidecar))
    older = Predictor.load(bundle_copy)
    assert np.array_equal(older.start[1], state_after([specials.begin_of_text]))
    sidecar["start_ids"] = [10**9]
    (bundle_copy / "model.json").write_text(json.dumps(sidecar))
    with pytest.raises(ModelFormatError, match="start_ids"):
        Predictor.load(bundle_copy)


def test_one_predictor_shared_by_threads_gives_every_session_its_own_answers(predictor):
    texts = [" ".join(sentences(12, seed=50 + i)) + " " for i in range(4)]

    def typed(text):
        session = predictor.session()
        shown = []
        for ch in text:
            session.type(ch)
            shown.append(words(session.suggestions(3)))
        return shown

    expected = [typed(t) for t in texts]  # one at a time
    results: dict[int, list] = {}
    assert on_threads(lambda i: results.__setitem__(i, typed(texts[i]))) == []
    assert [results[i] for i in range(4)] == expected


def test_reset_empties_the_field_and_forgets_its_words(predictor):
    session = predictor.session()
    session.type("Zorblatt met Quelmorth. Zorblatt ")
    session.reset()
    assert session.text == "" and session.current_word == ""
    fresh = predictor.session()
    assert session.suggestions(3) == fresh.suggestions(3)
    session.type("Zor")
    assert "Zorblatt" not in words(session.suggestions(3))  # the text cache went with the text


def test_accept_reuses_cached_states(predictor, counted):
    session = predictor.session()
    session.update(" ".join(sentences(40, seed=60)) + " I would like to vi")
    calls = counted.calls
    session.accept("visit")
    assert counted.calls == calls + 1  # one step, the accepted word: the text before it is cached
    session.type(", ")
    session.backspace(2)
    calls = counted.calls
    session.accept("the")  # right after the comma was taken back: the state after "visit" is cached
    assert counted.calls == calls + 1


@pytest.mark.parametrize("sample, expected", [
    (" = Valkyria Chronicles = \n Senjō no Valkyria 3 @-@ the game is\n", "wikitext"),
    ("It cost 1 @,@ 000 dollars .\n", "wikitext"),
    ("hey how are you\nsee you at 5\n", "plain"),
    ("a = b and c @ d\n", "plain"),
])
def test_text_format_auto_recognizes_wikitext(sample, expected):
    from train.data import detect_format

    assert detect_format(sample) == expected


def test_the_same_text_gets_the_same_suggestions_however_it_arrived(predictor):
    text = " ".join(sentences(120, seed=70)) + " "
    assert len(text) > 8 * AnchoredStates.anchor_chars  # far past any window of the context
    session = predictor.session()
    for ch in text:
        session.type(ch)
    typed = [(s.word, s.score) for s in session.suggestions(3)]
    pasted = predictor.session()
    pasted.update(text)
    jumped = predictor.session()
    jumped.update(text + "and then some more words here")
    jumped.update(text[:40])
    jumped.update(text)
    backspaced = predictor.session()
    backspaced.update(text + "and more " + text[:900])
    backspaced.backspace(len("and more " + text[:900]))
    for other in (pasted, jumped, backspaced):
        assert [(s.word, s.score) for s in other.suggestions(3)] == typed  # bit-identical scores


def test_states_from_a_longer_text_are_not_reused_after_backspacing(predictor):
    # the probe: a state cached while a shortened text was fed must not come back
    numbers = " ".join(map(str, range(258))) + " "
    session = predictor.session()
    session.update(numbers)
    session.backspace(8)
    fresh = predictor.session()
    fresh.update(numbers[:-8])
    assert [(s.word, s.score) for s in session.suggestions(3)] == [(s.word, s.score) for s in fresh.suggestions(3)]


EDITS = st.lists(st.one_of(
    st.tuples(st.just("type"), st.sampled_from(["the ", "cat", " ", ". ", "sat on a mat", "\n", "I'm ", ", "])),
    st.tuples(st.just("backspace"), st.integers(1, 30)),
    st.tuples(st.just("jump"), st.floats(0, 1)),
    st.tuples(st.just("paste"), st.integers(0, 400)),
), min_size=1, max_size=40)


@pytest.fixture
def small_windows(monkeypatch):
    """Windows, groups and caches a few tokens long, so a short edit stream crosses many of them."""
    from kbpredict.candidates import RecentWords
    from kbpredict.context import TokenWindow

    for owner, name, value in ((AnchoredStates, "anchor_chars", 40), (AnchoredStates, "group_tokens", 4),
                               (AnchoredStates, "max_checkpoints", 12), (AnchoredStates, "recent_results", 3),
                               (AnchoredStates, "switch_tokens", 8), (AnchoredStates, "step_states", 5),
                               (TokenWindow, "trim_tokens", 8), (TokenWindow, "slack_chars", 50), (TokenWindow, "reach_back_chars", 20),
                               (RecentWords, "window_chars", 100)):
        monkeypatch.setattr(owner, name, value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDITS)
def test_random_edit_streams_match_a_fresh_session_far_past_the_windows(predictor, edits, small_windows):
    filler = " ".join(sentences(40, seed=11)) + " "
    session = predictor.session()
    text = ""
    for op, arg in edits:
        if op == "type":
            session.type(arg)
            text += arg
        elif op == "backspace":
            session.backspace(arg)
            text = text[: max(0, len(text) - arg)]
        elif op == "jump":
            text = text[: int(len(text) * arg)]
            session.update(text)
        else:
            text += filler[:arg]
            session.update(text)
        assert session.text == text
        fresh = predictor.session()
        fresh.update(text)
        assert [(s.word, s.score) for s in session.suggestions(3)] == [(s.word, s.score) for s in fresh.suggestions(3)]


@pytest.mark.parametrize("field, value, message", [
    (("tensors", "tokens"), "input_ids", "lacks the tensors"),
    (("tensors", "log_probs"), "logits", "lacks the tensors"),
    (("shape", "hidden_size"), 7, "state shape"),
    (("special_ids", "end_of_line"), 5, "special ids"),
    (("special_ids", "unknown"), 3, "special ids"),
    (("shape", "vocab_size"), 12, "different models"),
])
def test_the_loader_names_what_disagrees_in_model_json(bundle_copy, field, value, message):
    sidecar = json.loads((bundle_copy / "model.json").read_text())
    sidecar[field[0]][field[1]] = value
    (bundle_copy / "model.json").write_text(json.dumps(sidecar))
    with pytest.raises(ModelFormatError, match=message):
        Predictor.load(bundle_copy)


def _fed_one_by_one(predictor, text):
    """The state and next-token probabilities after ``text`` (under one group of tokens: fed one
    call per token, as a session feeds a short text)."""
    ids = predictor.vocab.encode(tokenize(text))
    assert len(ids) < AnchoredStates.group_tokens
    log_probs, state = predictor.start[1], predictor.start[0]
    for token in ids:
        log_probs, state = predictor.model.feed([token], state)
    return state, np.exp(log_probs.astype(np.float64))


def _spellings(predictor, word):
    return [i for i, w in enumerate(predictor.vocab.words) if w.lower() == word.lower()]


def test_where_a_message_may_end_the_words_that_start_the_next_one_count_too(predictor):
    # the training text's lines are messages: after "... yesterday." the model expects a line
    # break, but a text field goes on with a space, so the next word may as well start a message
    line_break = predictor.vocab.specials.end_of_line
    texts = [s for s in sentences(40, seed=71) if len(tokenize(s)) < AnchoredStates.group_tokens - 1]
    checked = 0
    for text in texts:
        state, probs = _fed_one_by_one(predictor, text)
        p_break = probs[line_break]
        if p_break < AnchoredStates.line_break_mass:
            continue
        after, _ = predictor.model.feed([line_break], state)
        expected = probs + p_break * np.exp(after.astype(np.float64))
        for s in predictor.suggest(text + " ", 3, adapt=False):
            ids = _spellings(predictor, s.word)  # the bar's entry sums the word's case variants
            assert s.score == pytest.approx(expected[ids].sum(), rel=1e-4), (text, s)
            assert s.score > probs[ids].sum()  # the words after a break added their share
        checked += 1
    assert checked >= 3  # one line in four ends a paragraph: the model learned to expect breaks


def test_where_no_line_break_is_expected_the_model_alone_speaks(predictor):
    text = "I would like to"
    _, probs = _fed_one_by_one(predictor, text)
    assert probs[predictor.vocab.specials.end_of_line] < AnchoredStates.line_break_mass
    for s in predictor.suggest(text + " ", 3, adapt=False):
        assert s.score == pytest.approx(probs[_spellings(predictor, s.word)].sum(), rel=1e-4)
