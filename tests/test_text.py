"""The shared text rules: normalization, tokenization, and the incremental-tokenization property."""

from hypothesis import given, settings
from hypothesis import strategies as st

from kbpredict.text import (
    ADDRESS_RE,
    END_OF_LINE,
    address_spans,
    fold,
    is_word,
    is_word_char,
    is_suggestable,
    normalize,
    split_trailing_word,
    token_boundary_at_or_after,
    token_spans,
    tokenize,
)


def test_words_punctuation_and_case_are_kept():
    assert tokenize("Hello, World! I'm in London.") == ["Hello", ",", "World", "!", "I'm", "in", "London", "."]


def test_apostrophes_and_hyphens_stay_inside_words():
    assert tokenize("it\u2019s a well-known rock'n'roll") == ["it's", "a", "well-known", "rock'n'roll"]


def test_a_word_in_quotation_marks_is_the_word_inside():
    from kbpredict.text import quoted_word, quoted_words

    assert [quoted_word(t) for t in ("'hello'", "'90s'", "'em", "goin'", "''", "rock'n'roll")] == [
        "hello", "90s", "'em", "goin'", "''", "rock'n'roll"]
    # a phone's typographic quotes: the opening mark is a token of its own
    assert quoted_words(tokenize("I said \u2018hello\u2019 and goin'")) == ["I", "said", "\u2018", "hello", "and",
                                                                            "goin'"]


def test_other_scripts_marks_and_emoji():
    assert tokenize("नमस्ते दुनिया") == ["नमस्ते", "दुनिया"]  # vowel signs are marks, not separators
    assert tokenize("cafe\u0301") == ["café"]  # NFC
    assert tokenize("ok 👍🏽!") == ["ok", "👍", "🏽", "!"]
    assert tokenize("Привет, мир") == ["Привет", ",", "мир"]


def test_fold_matches_letters_as_a_keyboard_without_them_types_them():
    assert fold("Don't") == "dont" and fold("CAFÉ") == "cafe" and fold("Zürich") == "zurich"
    # letters Unicode does not decompose: German, Polish, Nordic, French, Turkish
    assert [fold(w) for w in ("Straße", "Łódź", "Øresund", "Æsir", "Œuvre", "ılık")] == \
        ["strasse", "lodz", "oresund", "aesir", "oeuvre", "ilik"]
    assert fold("Ёлка") == "елка"  # Russian writes ё as е
    # ... but Cyrillic й and ў are letters of their own: "мой" (my) is not "мои" (my, plural)
    assert fold("мой") != fold("мои") and fold("ЙОД") == "йод" and fold("ў") == "ў"


def test_control_characters_separate_and_line_breaks_are_tokens():
    assert tokenize("a\x00b\x07c\u200bd\te") == ["a", "b", "c", "d", "e"]
    assert tokenize("one\ntwo") == ["one", END_OF_LINE, "two"]


def test_unknown_marker_only_in_training_text():
    assert tokenize("a <unk> b", unknown_marker=True) == ["a", "<unk>", "b"]
    assert tokenize("a <unk> b") == ["a", "<", "unk", ">", "b"]


def test_lone_surrogates_become_replacement_characters():
    assert tokenize("ab\ud800cd") == ["ab", "\ufffd", "cd"]


def test_split_trailing_word():
    assert split_trailing_word("I would like to ta") == ("I would like to ", "ta")
    assert split_trailing_word("Hello, ") == ("Hello, ", "")
    assert split_trailing_word("(the") == ("(", "the")
    assert split_trailing_word("") == ("", "")


def test_wikitext_normalization_follows_the_protocol():
    raw = " = Title = \n \n The game @-@ play was \" great \" , it 's ( not ) 3 @.@ 5 @,@ 000 . \n = = Part = = \n"
    assert normalize(raw, wikitext=True) == "The game-play was \" great \", it's (not) 3.5,000."


def test_wikitext_documents_split_at_top_level_headings():
    from train.data import documents

    raw = " = A = \n text one . \n = = Sub = = \n more . \n = B = \n text two . \n"
    assert documents(raw, "wikitext") == [[["text", "one", "."], ["more", "."]], [["text", "two", "."]]]


def test_every_reader_applies_the_same_format_rules(tmp_path):
    """In memory (whole files), streamed line by line (plain and .gz) and through the weighted mix
    (weight 1, blocks shorter than the text) give the same documents, every format."""
    import gzip

    from train.data import documents, read_text
    from train.mix import Source, mixed_blocks
    from train.shards import stream_lines

    samples = {
        "wikitext": " = A = \n\n The game @-@ play , it 's ( not ) 3 @.@ 5 . \n = = Part = = \n more <unk> . \n = B = \n two \n",
        "tokens": "a b <unk> c\n\nd e\n",  # an empty line counts: its end-of-line is a token
        "plain": "Hello  world.\r\nSecond line\u2028third\n\n  \n\x00last one, \u201cquoted\u201d",
    }
    for text_format, text in samples.items():
        path = tmp_path / f"{text_format}.txt"
        path.write_bytes(text.encode("utf-8"))
        packed = tmp_path / f"{text_format}.txt.gz"
        packed.write_bytes(gzip.compress(text.encode("utf-8")))

        def as_documents(pairs):
            docs: list[list[list[str]]] = []
            for starts, tokens in pairs:
                if starts or not docs:
                    docs.append([])
                docs[-1].append(tokens)
            return docs

        whole = documents(read_text(str(path)), text_format)
        flat = lambda docs: [[t for line in doc for t in line + ["\n"]] for doc in docs]
        mixed = [pair for _, block in mixed_blocks([Source(packed)], text_format, block_lines=2) for pair in block]
        for name, pairs in [("streamed", stream_lines(path, text_format)), (".gz", stream_lines(packed, text_format)),
                            ("mix", mixed)]:
            assert flat(as_documents(pairs)) == flat(whole), (text_format, name)
    assert documents(samples["tokens"], "tokens") == [[["a", "b", "<unk>", "c"], [], ["d", "e"]]]


def test_plain_normalization_collapses_spaces_and_line_ends():
    assert normalize("a  \t b\r\nc\u2028d \x00 e") == "a b\nc\nd e"


def test_suggestable_needs_a_letter_or_digit():
    assert is_suggestable("word") and is_suggestable("42") and not is_suggestable("-") and not is_suggestable(",")


def test_an_email_address_run_together_is_no_suggestable_word():
    # a corpus's cleaning made "john@gmail.com" "johngmailcom"; the shipped vocabulary has "gmailcom"
    assert not any(map(is_suggestable, ["gmailcom", "kannangmailcom", "yahoocom", "HOTMAILCOM", "aolcom"]))
    assert all(map(is_suggestable, ["gmail", "Telecom", "Famicom", "Malcom", "dotcom", "mail"]))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.text(max_size=30))
def test_appending_after_a_separator_never_changes_earlier_tokens(head, tail):
    committed, _ = split_trailing_word(head)
    before = tokenize(committed)
    after = tokenize(committed + tail)
    assert after[: len(before)] == before


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_token_spans_resume_at_any_token_end(text):
    spans = token_spans(text)
    assert [t for t, _, _ in spans] == tokenize(text)
    for i, (_, _, end) in enumerate(spans):
        assert [t for t, _, _ in token_spans(text, end)] == [t for t, _, _ in spans[i + 1 :]]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab '-.,\n\u0301é", max_size=60), st.integers(min_value=0, max_value=70))
def test_tokenizing_from_a_boundary_gives_the_whole_texts_tokens_from_there(text, offset):
    boundary = token_boundary_at_or_after(text, offset)
    assert offset <= boundary <= len(text) or (offset > len(text) and boundary == len(text))
    whole = [(t, s) for t, s, _ in token_spans(text) if s >= min(offset, len(text))]
    assert [(t, s) for t, s, _ in token_spans(text, boundary)] == whole


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=700))
def test_split_trailing_word_scans_back_to_the_last_separator(text):
    committed, word = split_trailing_word(text)
    assert committed + word == text and (word == "" or is_word(word))
    assert committed == "" or not is_word_char(committed[-1])


_ADDRESS_PARTS = ["https://youtu.be/x?a=1", "john.smith@gmail.com", "@mike", "www.example.com/foo", "WWW.X.ORG",
                  "a://b", "x@y", "(see https://a.b/c)", "http:http://q", "mail:a@b.co.uk,", "ok", "so", "a.b"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_ADDRESS_PARTS) | st.text(alphabet="aw.:/@ \n\t ", max_size=8), max_size=12),
       st.sampled_from(["", " ", "\n", "\t", "/", " "]), st.integers(min_value=0, max_value=120))
def test_address_spans_are_the_patterns_matches_found_around_their_marks(parts, joint, start):
    text = joint.join(parts)
    assert address_spans(text, start) == [m.span() for m in ADDRESS_RE.finditer(text, start)]
