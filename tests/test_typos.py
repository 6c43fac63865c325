"""The typo index finds exactly the words one slip away, with the keyboard-aware costs."""

import random
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.typos import make_typo, samples
from kbpredict.errors import InvalidArgumentError
from kbpredict.typos import LAYOUTS, NEIGHBOURS, ErrorModel, TypoIndex, layout_neighbours, layout_rows

WORDS = sorted({"the", "they", "then", "there", "their", "three", "tomorrow", "tomato", "friend", "fiend",
                "receive", "relieve", "because", "beacon", "how", "hoe", "what", "wheat", "you", "yo", "go",
                "good", "god", "food", "form", "from", "for", "fur", "four", "sit", "site", "suit"})


def one_edit(a: str, b: str) -> bool:
    """True if b is a or one substitution, adjacent swap, insertion or deletion away from it."""
    if a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if abs(len(a) - len(b)) != 1:
        return False
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.ascii_lowercase[:12] + "ehortwy", min_size=2, max_size=8))
def test_every_word_one_edit_away_is_found(typed):
    index = TypoIndex(WORDS)
    found = {WORDS[j] for j in index.words(typed)}
    expected = {w for w in WORDS if one_edit(typed, w)}
    assert expected <= found  # the index may also find two-edit words (a letter dropped and one added)
    assert typed not in found


def test_the_index_built_in_blocks_finds_what_one_block_finds(monkeypatch):
    """Load builds the index in blocks of keys (bounded scratch memory): a word in any block,
    near a block's edge or not, is found with the same cost as from an index built at once."""
    import kbpredict.typos as typos

    rng = random.Random(3)
    words = sorted({"".join(rng.choice("abcdeforst") for _ in range(rng.randint(2, 9))) for _ in range(400)})
    whole = TypoIndex(words)
    monkeypatch.setattr(typos, "_BUILD_ROWS", 7)
    blocks = TypoIndex(words)
    assert sorted(blocks._hashes.tolist()) == sorted(whole._hashes.tolist())
    for word in words[::5]:
        for typed in {word[1:], word + "e", word[:-1] + "x", word[::-1]} - {word[1:2]}:  # 2+ letters
            found = blocks.words(typed)
            assert found == whole.words(typed)
            assert list(found) == sorted(found)  # in position order, however equal hashes sorted
            assert {words[j] for j in found} >= {w for w in words if one_edit(typed, w)}


def test_only_correctable_words_are_corrected_into():
    """The runtime indexes only the word list's most common words for corrections (a bounded
    build at load): the others are not found one slip away; a key is indexed if any of its
    spellings is correctable."""
    import numpy as np

    words = sorted(WORDS + ["three"])  # two entries with one key, as "the" and "The" have
    correctable = np.asarray([w not in ("tomato", "there") for w in words])
    correctable[words.index("three")] = False  # the first of the two; the second still counts
    index = TypoIndex(words, correctable=correctable)
    assert "tomato" not in {words[j] for j in index.words("tomatp")}
    assert "tomato" in {WORDS[j] for j in TypoIndex(WORDS).words("tomatp")}
    found = {words[j] for j in index.words("thre")}
    assert "three" in found and "there" not in found and "the" in found
    # completions with one slip still reach every word
    assert any(words[lo:hi] == ["tomato"] for lo, hi, _ in index.prefixes("tonat"))  # n is next to m


def test_costs_follow_the_keyboard():
    errors = ErrorModel()
    index = TypoIndex(WORDS)
    costs = {WORDS[j]: c for j, c in index.words("yoi").items()}
    assert costs["you"] == errors.substitute_neighbour  # i is next to u
    costs = {WORDS[j]: c for j, c in index.words("teh").items()}
    assert costs["the"] == errors.transpose
    costs = {WORDS[j]: c for j, c in index.words("tomorow").items()}
    assert costs["tomorrow"] == errors.omit_double
    costs = {WORDS[j]: c for j, c in index.words("goood").items()}
    assert costs["good"] == errors.insert_double
    costs = {WORDS[j]: c for j, c in index.words("hpw").items()}
    assert costs["how"] < costs.get("hoe", 99) or "hoe" not in costs  # p is next to o; w to e


def test_prefixes_complete_a_slipped_prefix():
    index = TypoIndex(WORDS)
    slices = index.prefixes("becua")
    assert any(WORDS[j] == "because" for lo, hi, _ in slices for j in range(lo, hi))
    assert index.prefixes("the") == []  # too short to guess


def test_neighbours_are_symmetric_and_local():
    assert all(a in NEIGHBOURS[b] for a in NEIGHBOURS for b in NEIGHBOURS[a])
    assert NEIGHBOURS["g"] == {"t", "y", "f", "h", "v", "b"}
    for name, rows in LAYOUTS.items():
        near = layout_neighbours(rows)
        assert set(near) == set("".join(rows)), name
        assert all(a in near[b] for a in near for b in near[a]) and all(1 < len(v) <= 6 for v in near.values()), name
    assert layout_neighbours(LAYOUTS["qwertz"])["z"] == {"t", "u", "g", "h"}  # where QWERTY has "y"
    assert layout_neighbours(LAYOUTS["azerty"])["a"] == {"z", "q"}


def test_the_layout_decides_which_slips_are_a_neighbouring_key():
    qwerty, jcuken = ErrorModel(), ErrorModel(neighbours=layout_neighbours(layout_rows("ЙЦУКЕН")))
    assert jcuken.substitution("т", "р") == jcuken.substitute_neighbour < qwerty.substitution("т", "р")
    assert qwerty.substitution("t", "r") == qwerty.substitute_neighbour < jcuken.substitution("t", "r")
    words = sorted(["привет", "приветствие", "прилив"])

    def cost(errors: ErrorModel) -> float:  # of "привер" as a slip in typing привет
        return min(c for lo, hi, c in TypoIndex(words, errors).prefixes("привер") if "привет" in words[lo:hi])

    # the last letter hit its neighbour on a Russian keyboard; elsewhere it is an extra letter
    assert cost(jcuken) == jcuken.substitute_neighbour < cost(qwerty)


@pytest.mark.parametrize("layout", ["dvorak", "", 5, [], [""], ["ab", "bc"], ["AB"], ["a1"]])
def test_a_wrong_layout_is_a_clear_error(layout):
    from kbpredict import Predictor

    with pytest.raises(InvalidArgumentError):
        layout_rows(layout)
    with pytest.raises(InvalidArgumentError, match="layout"):
        Predictor.load(layout=layout)


def test_the_cli_offers_every_layout():
    from kbpredict.cli import LAYOUT_NAMES

    assert LAYOUT_NAMES == tuple(LAYOUTS)


def test_the_bench_makes_one_realistic_typo_each():
    rng = random.Random(1)
    for word in ["tomorrow", "friend", "because", "what"] * 25:
        kind, typo = make_typo(word, rng)
        assert typo.lower() != word and one_edit(word, typo), (word, kind, typo)
    tokens = "'Then he said: I can't believe it's tomorrow, spanish' ok".split()
    picked = samples(tokens, 10)
    assert {word for _, word, _, _ in picked} <= {"said", "can't", "believe", "it's", "tomorrow"}


def test_the_bench_puts_capitals_where_a_phone_does():
    import random

    rng = random.Random(3)
    for word in ["How", "Because", "NASA", "iPhone"] * 20:
        kind, typo = make_typo(word, rng)
        if word == "NASA":
            assert typo.isupper()
        elif word == "iPhone":
            assert typo.lower() != word.lower()  # its own capitals, wherever the slip moved them
        else:  # shift capitalizes the first key pressed: "Ohw", not "oHw"
            assert typo[0].isupper() and typo[1:] == typo[1:].lower(), (kind, typo)


def test_the_memoized_costs_are_words_results_in_order_and_read_only():
    import numpy as np
    import pytest

    index = TypoIndex(WORDS)
    for typed in ("teh", "yo", "tomorow", "hpw", "zzzz", "teh"):
        firsts, costs = index.word_costs(typed)
        found = index.words(typed)
        assert firsts.tolist() == list(found) and np.allclose(costs, list(found.values()))
        with pytest.raises(ValueError):
            firsts[:1] = 0  # shared by every later call: nobody may change it
    assert index.word_costs("teh") is index.word_costs("teh")


def test_corrections_cover_every_spelling_of_a_word_one_slip_away():
    """The bar's correction candidates: each key one slip away with all its spellings ("the",
    "The"), and completions of a prefix with one slip (checked against a plain loop)."""
    import numpy as np

    from kbpredict.candidates import CandidateIndex

    words = ["<unk>", "the", "The", "THE", "they", "them", "then", "tomorrow", "Tomorrow", "tomato", "hoe", "how"]
    index = CandidateIndex(words, list(range(1, len(words))), [], 0)
    log_probs = np.log(np.full(len(words), 1.0 / len(words), dtype=np.float32))
    found, whole = index.corrections(log_probs, "teh", want=100)
    assert {"the", "The", "THE"} <= set(found) and {"the", "The", "THE"} <= whole
    found, whole = index.corrections(log_probs, "tomorr", want=100)  # a prefix: no slip, nothing to correct
    assert "tomorrow" not in whole
    found, whole = index.corrections(log_probs, "tomorw", want=100)  # one swap in a prefix of tomorrow
    assert {"tomorrow", "Tomorrow"} <= set(found) and not ({"tomorrow", "Tomorrow"} & whole)


def test_the_bench_counts_the_words_a_mark_ends_apart(predictor):
    from bench.typos import evaluate, table
    from kbpredict.bar import Autocorrect

    from .corpus import sentences

    tokens = " ".join(sentences(60, seed=4)).split()
    picked = samples(tokens, 40, seed=2)
    ended = [i for i, *_ in picked if tokens[i][-1:] in ".,?!:;"]
    assert ended  # ("house.", "Anna,")
    result = evaluate(predictor, tokens, picked, [Autocorrect()])
    mark = result["at_mark"]
    assert mark["samples"] == len(ended)
    assert 0 < mark["autocorrect_right"] <= 1 and 0 <= mark["false_autocorrect"] <= 1
    result.update(result.pop("policies")[0], test="t", words=len(tokens), seed=2)
    assert f"of the {len(ended)} words a mark ends" in table(result)
