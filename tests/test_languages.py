"""A model trained on another language than English: the runtime's English rules stay out of its way.

The tests train the 'test' preset on small Polish and French texts they write themselves, as
someone training kbpredict for their language would (README: "Train and export your own model").
"""

from __future__ import annotations

import random

import pytest

from tests.conftest import train_model

NOUNS = ["chleb", "mleko", "kawę", "gazetę", "książkę"]
PLACES = ["sklepie", "Łodzi", "Krakowie", "pracy", "szkole"]
NAMES = ["Ania", "Łukasz", "Paweł", "Zosia"]
DAYS = ["sobotę", "niedzielę", "piątek"]


def lines_of(sentences: list[str], per_line: int) -> str:
    """The sentences, ``per_line`` to a line."""
    return "\n".join(" ".join(sentences[i : i + per_line]) for i in range(0, len(sentences), per_line)) + "\n"


def polish(count: int, seed: int) -> str:
    """``count`` sentences of a few templates, four to a line. "i" is "and", "w" "in", "z" "with"."""
    rng = random.Random(seed)
    sentences = []
    for _ in range(count):
        noun, other, place = rng.choice(NOUNS), rng.choice(NOUNS), rng.choice(PLACES)
        name, day = rng.choice(NAMES), rng.choice(DAYS)
        sentences.append(rng.choice([
            f"Kupiłem {noun} i {other} w {place}.",
            f"Idę z {name} do pracy w {day}.",
            f"{name} i {rng.choice(NAMES)} są w {place}.",
            f"Czy masz czas w {day}?",
            f"Mam {rng.randrange(2, 9)} {noun} w domu, a {name} nie.",
            f"Kupię coś, np. {noun} albo {other}, a {name} nie.",  # "np." ("e.g.") is followed by lower case
            "Nie wiem co. A ty?",  # Polish "co" ("what") ends sentences: no "Co." (company) here
        ]))
    return lines_of(sentences, 4)


def trained_on(write, name: str, factory):
    """The test preset trained on ``write(count, seed)``'s text: its run directory."""
    corpus = factory.mktemp(name)
    (corpus / "train.txt").write_text(write(1200, seed=1), encoding="utf-8")
    (corpus / "valid.txt").write_text(write(120, seed=2), encoding="utf-8")
    return train_model(corpus, factory.mktemp(f"{name}-run"))


def exported(run, factory):
    from export.exporter import export_bundle
    from kbpredict import Predictor

    out = factory.mktemp("bundle")
    export_bundle(str(run / "best.pt"), str(out))
    return Predictor.load(out)


@pytest.fixture(scope="module")
def polish_run(tmp_path_factory):
    return trained_on(polish, "polish", tmp_path_factory)


@pytest.fixture(scope="module")
def polish_model(polish_run, tmp_path_factory):
    return exported(polish_run, tmp_path_factory)


def typed(predictor, text: str):
    session = predictor.session()
    session.type(text)
    return session


def bar(predictor, text: str, k: int = 3) -> list[str]:
    return [s.word for s in typed(predictor, text).suggestions(k)]


def test_i_is_a_word_like_any_other_where_the_language_has_no_pronoun_i(polish_model):
    # Polish "i" is "and": the English rules made it "I" in the bar and space turned it into "I"
    assert not polish_model.index.pronoun_i
    assert "i" in bar(polish_model, "Kupiłem chleb ")
    assert "I" not in bar(polish_model, "Kupiłem chleb ", k=8)
    assert typed(polish_model, "Kupiłem chleb i").autocorrection() is None
    assert "I" not in bar(polish_model, "Kupiłem chleb i", k=8)
    # ... also under an app's own autocorrect policy
    from kbpredict.bar import Autocorrect

    session = polish_model.session()
    session.autocorrect_policy = Autocorrect(keep={"np"})
    session.type("Kupiłem chleb i")
    assert session.autocorrection() is None and not session.autocorrect_policy.pronoun


def test_a_common_one_letter_word_of_the_language_is_a_next_word(polish_model):
    # "w" ("in") is one of Polish's commonest words, no initial
    assert "w" in bar(polish_model, "Kupiłem chleb i mleko ")
    assert "z" in bar(polish_model, "Kupiłem chleb ", k=8)  # ("with") less likely there, still a word


def test_letters_without_their_stroke_find_the_word(polish_model):
    # typed on a keyboard without Polish letters, "l" stands for "ł", as "z" for "ż" or "ź"
    assert typed(polish_model, "Kupilem").autocorrection().word == "Kupiłem"
    assert "Łodzi" in bar(polish_model, "Ania i Zosia są w Lo")


def test_the_abbreviations_are_the_languages_own(polish_model):
    # learned from the training text at export: after "np." ("e.g.") the sentence goes on, and
    # the English list's "co." (company) is dropped: in Polish, "co." ("what.") ends sentences
    assert "np" in polish_model.abbreviations and "co" not in polish_model.abbreviations
    words = bar(polish_model, "Kupię coś, np. ")
    assert words and all(w.islower() for w in words if w.lower() in NOUNS)
    assert any(w in NOUNS for w in words)  # the English list made them "Książkę", "Gazetę"


FOODS = ["pain", "fromage", "café", "gâteau"]


def french(count: int, seed: int) -> str:
    """Sentences with elisions ("c'est", "j'ai", "l'ai"), and a chat writer's lines that type them
    without the apostrophe ("mdr cest nul"): the model knows those spellings, and after "mdr" finds
    "cest" likelier than "c'est", as an English model trained on chat finds "thats" in places."""
    rng = random.Random(seed)
    sentences = []
    for _ in range(count):
        food = rng.choice(FOODS)
        sentences.append(rng.choices([
            f"C’est un bon {food}.",
            f"J’ai acheté du {food} aujourd’hui.",
            "Je pense que c’est vrai, je l’ai vu.",
            f"On mange du {food} ce soir ?",
            "mdr cest nul",
        ], weights=[3, 3, 3, 2, 1])[0])
    return lines_of(sentences, 3)


@pytest.fixture(scope="module")
def french_model(tmp_path_factory):
    return exported(trained_on(french, "french", tmp_path_factory), tmp_path_factory)


def test_an_elision_typed_without_its_apostrophe_gets_it_back(french_model):
    # "cest" is a word of the model, likelier than "c'est" after "mdr", but the training text
    # writes "c'est" far more often: space restores the apostrophe, as it does for "dont"
    assert french_model.vocab.token_id("cest") != french_model.vocab.specials.unknown
    assert typed(french_model, "Le pain. mdr cest").autocorrection().word == "c'est"  # (’ is read as ')
    assert typed(french_model, "Je pense que cest").autocorrection().word == "c'est"
    assert "aujourd'hui" in bar(french_model, "J'ai acheté du pain aujourdh")


def test_a_model_of_another_language_ships_its_own_offensive_word_list(polish_run, polish_model, tmp_path):
    from export.__main__ import main as export_main
    from kbpredict import Predictor
    from kbpredict.blocklist import Blocklist

    # (a stand-in for the language's offensive words: a noun of the test text)
    listed = tmp_path / "offensive.txt"
    listed.write_text("# the test's list\ngazet*\n", encoding="utf-8")
    assert "gazetę" in bar(polish_model, "Kupię coś, np. ")
    out = tmp_path / "bundle"
    assert export_main(["--checkpoint", str(polish_run / "best.pt"), "--out", str(out),
                        "--offensive", str(listed)]) == 0
    assert (out / "offensive.txt").read_text(encoding="utf-8") == listed.read_text(encoding="utf-8")
    model = Predictor.load(out)
    assert model.info.offensive_file == "offensive.txt"
    assert "gazetę" not in bar(model, "Kupię coś, np. ", k=8) and "gazetę" not in bar(model, "Kupię gaz", k=8)
    # in place of the English list, which blocks words of other languages ("cum" is Romanian "how")
    assert Blocklist.shipped().blocks("fucking") and not model.blocklist.blocks("fucking")
    assert not Predictor.load(out, block_offensive=False).blocklist.blocks("gazetę")
    # a list that is no list is refused before anything is written
    for bad in (b"\xff\xfe", b"# only a comment\n", b"x" * 200 + b"\n"):
        listed.write_bytes(bad)
        assert export_main(["--checkpoint", str(polish_run / "best.pt"), "--out", str(tmp_path / "not"),
                            "--offensive", str(listed)]) == 2
        assert not (tmp_path / "not").exists()
    # a re-export without the list takes it out of the bundle
    assert export_main(["--checkpoint", str(polish_run / "best.pt"), "--out", str(out)]) == 0
    assert not (out / "offensive.txt").exists() and Predictor.load(out).blocklist.blocks("fucking")


def numbers(count: int, seed: int) -> str:
    """Polish sentences about phone and house numbers ("numer" is Polish for "number"), one in
    ten of the phone numbers' "telefonu" misspelled "telefnu"."""
    rng = random.Random(seed)
    sentences = [rng.choice([f"Podaj mi numer {rng.choices(['telefonu', 'telefnu'], [9, 1])[0]}, {rng.choice(NAMES)}.",
                             "Jaki masz numer domu?", f"Mam nowy numer w {rng.choice(DAYS)}.",
                             f"Kupiłem {rng.choice(NOUNS)} w {rng.choice(PLACES)}."])
                 for _ in range(count)]
    return lines_of(sentences, 4)


@pytest.fixture(scope="module")
def numbers_run(tmp_path_factory):
    return trained_on(numbers, "numbers", tmp_path_factory)


@pytest.fixture(scope="module")
def numbers_model(numbers_run, tmp_path_factory):
    return exported(numbers_run, tmp_path_factory)


def test_a_word_of_the_language_is_no_english_misspelling(numbers_model, shipped_model):
    from kbpredict.lexicon import misspelled_keys

    # "numer" is in the English list of misspellings (of "number"): the bar never offered it in a
    # model of Polish, and space replaced it
    assert "numer" in misspelled_keys() and "numer" not in numbers_model.misspellings
    assert "numer" in bar(numbers_model, "Podaj mi nu")
    assert typed(numbers_model, "Podaj mi numer").autocorrection() is None
    assert typed(shipped_model, "so much numer").autocorrection().word == "number"


def test_a_model_of_another_language_ships_its_own_misspellings(numbers_run, numbers_model, tmp_path):
    from export.__main__ import main as export_main
    from kbpredict import Predictor
    from kbpredict.bar import Autocorrect

    listed = tmp_path / "misspellings.txt"
    listed.write_text("# the test's list\ntelefnu\ttelefonu\n", encoding="utf-8")
    assert "telefnu" in bar(numbers_model, "Podaj mi numer tel", k=8)  # a word of the model
    out = tmp_path / "bundle"
    assert export_main(["--checkpoint", str(numbers_run / "best.pt"), "--out", str(out),
                        "--misspellings", str(listed)]) == 0
    model = Predictor.load(out)
    assert model.info.misspellings_file == "misspellings.txt"
    assert model.misspellings == {"telefnu": ("telefonu",)}  # in place of the English list
    assert "telefnu" not in bar(model, "Podaj mi numer tel", k=8)
    session = typed(model, "Podaj mi numer telefnu")
    assert session.autocorrection().word == "telefonu" and session.suggestions(3)[0].word == "telefonu"
    # an app's own policy with the model's misspellings means what the bundle's list says
    assert Autocorrect(min_letters=3, misspelled=model.misspellings).means("Telefnu") == ("Telefonu",)
    # a list that is no list is refused before anything is written
    for bad in (b"\xff\xfe", b"# only a comment\n", b"two words\ttelefonu\n"):
        listed.write_bytes(bad)
        assert export_main(["--checkpoint", str(numbers_run / "best.pt"), "--out", str(tmp_path / "not"),
                            "--misspellings", str(listed)]) == 2
        assert not (tmp_path / "not").exists()
    # a re-export without the list takes it out of the bundle
    assert export_main(["--checkpoint", str(numbers_run / "best.pt"), "--out", str(out)]) == 0
    assert not (out / "misspellings.txt").exists() and "telefnu" not in Predictor.load(out).misspellings


def test_a_model_of_another_language_ships_its_own_shorthand(numbers_run, numbers_model, tmp_path):
    from export.__main__ import main as export_main
    from kbpredict import Predictor, lexicon

    listed = tmp_path / "shorthand.txt"
    listed.write_text("# the test's list\ntlf\ttelefonu\nnwm\tnie wiem\n", encoding="utf-8")
    assert bar(numbers_model, "Podaj mi numer tlf")[:1] != ["telefonu"]
    out = tmp_path / "bundle"
    assert export_main(["--checkpoint", str(numbers_run / "best.pt"), "--out", str(out),
                        "--shorthand", str(listed)]) == 0
    model = Predictor.load(out)
    assert model.info.shorthand_file == "shorthand.txt"
    assert model.shorthand == {"tlf": "telefonu", "nwm": "nie wiem"}
    assert model.index.shorthand == {"tlf", "nwm"}  # in place of the English list ("omw")
    session = typed(model, "Podaj mi numer tlf")
    assert session.suggestions(3)[0].word == "telefonu" and session.autocorrection() is None  # kept as typed
    # a list that is no list is refused before anything is written
    for bad in (b"\xff\xfe", b"# only a comment\n", b"tlf telefonu\n", b"tlf\t\n"):
        listed.write_bytes(bad)
        assert export_main(["--checkpoint", str(numbers_run / "best.pt"), "--out", str(tmp_path / "not"),
                            "--shorthand", str(listed)]) == 2
        assert not (tmp_path / "not").exists()
    # a re-export without the list takes it out of the bundle
    assert export_main(["--checkpoint", str(numbers_run / "best.pt"), "--out", str(out)]) == 0
    assert not (out / "shorthand.txt").exists() and Predictor.load(out).shorthand == lexicon.shorthand()


def test_english_shorthand_offers_no_word_the_model_does_not_know(polish_model, shipped_model):
    assert "tomorrow" not in bar(polish_model, "Kupiłem tmr", k=8)
    assert bar(shipped_model, "see you tmr")[0] == "tomorrow"


def test_the_english_model_keeps_its_pronoun(shipped_model):
    assert shipped_model.index.pronoun_i
    session = typed(shipped_model, "so i")
    assert session.autocorrection().word == "I"


@pytest.fixture(scope="module")
def shipped_model():
    from kbpredict import Predictor

    return Predictor.load()

