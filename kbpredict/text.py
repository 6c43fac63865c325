"""The one set of text rules shared by training and the runtime.

Training normalizes a corpus and splits it into tokens with these functions; the runtime splits
what the user typed with the very same ones, so both see words the same way.

A *word* is a maximal run of word characters: letters and digits (``str.isalnum``), combining
marks (so Devanagari or decomposed Latin stay whole), zero-width joiners, the apostrophe and the
hyphen -- the definition of ``../shared/PROTOCOL.md``. Every other visible character is a
punctuation token of its own. A line break is the end-of-line token ``"\\n"``. Case is kept.
"""

from __future__ import annotations

import re
import unicodedata

END_OF_LINE = "\n"
# The longest word worth a vocabulary entry or a suggestion (sentencepiece's default, 16, would
# drop common long words; a longer "word" is a pasted hash, URL or run of letters).
MAX_WORD_LENGTH = 48
# WikiText's literal marker for an out-of-vocabulary word; only training text contains it.
UNKNOWN_MARKER = "<unk>"


def _mark_ranges() -> str:
    # Combining marks (category M) live in a few BMP blocks; scanning just those keeps import
    # cheap (~2 ms) while still covering Indic, Arabic, Hebrew, Thai and combining Latin marks.
    spans = [(0x0300, 0x1DFF), (0x20D0, 0x20FF), (0x302A, 0x302F), (0xA66F, 0xABFF), (0xFE00, 0xFE2F)]
    ranges: list[tuple[int, int]] = []
    for lo, hi in spans:
        for cp in range(lo, hi + 1):
            if unicodedata.category(chr(cp))[0] == "M":
                if ranges and ranges[-1][1] == cp - 1:
                    ranges[-1] = (ranges[-1][0], cp)
                else:
                    ranges.append((cp, cp))
    return "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)


# Letters/digits are [^\W_]; apostrophe, typographic apostrophe, hyphen, ZWNJ, ZWJ; marks.
_WORD_CLASS = r"[^\W_]|['\u2019\-\u200c\u200d" + _mark_ranges() + "]"
_WORD = f"(?:{_WORD_CLASS})+"
# Everything that separates tokens without being one: whitespace (but not the line break) and
# the remaining control and format characters.
_SEPARATOR_CLASS = r"[^\S\n]|[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b\u2060\ufeff]"
_TOKEN_RE = re.compile(f"{_WORD}|\n|(?!{_SEPARATOR_CLASS})(?!{_WORD_CLASS}).", re.DOTALL)
_TOKEN_WITH_UNK_RE = re.compile(re.escape(UNKNOWN_MARKER) + "|" + _TOKEN_RE.pattern, re.DOTALL)
_WORD_CHAR_RE = re.compile(_WORD_CLASS)
_NON_WORD_CHAR_RE = re.compile(f"(?!{_WORD_CLASS}).", re.DOTALL)
_SCAN_CHUNK = 256
_WORD_RUN_RE = re.compile(_WORD)
_ALNUM_RE = re.compile(r"[^\W_]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_LINE_BREAKS_RE = re.compile("\r\n?|[\x85\u2028\u2029]")
_SPACES_RE = re.compile(f"(?:{_SEPARATOR_CLASS})+")

# WikiText's tokenization artifacts (PROTOCOL.md, "Test text").
_WIKITEXT_HEADING_RE = re.compile(r"^\s*(=\s+)+.*?(\s+=)+\s*$")
_WIKITEXT_TOP_HEADING_RE = re.compile(r"^\s*=\s+[^=].*?\s+=\s*$")
# Web and e-mail addresses: their parts are no words the user types ("github", a path's "foo"),
# and some are secrets (a reset link's token, an account's address): neither learned nor offered.
ADDRESS_RE = re.compile(  # each starts where a run of its characters starts: linear time on any text
    r"(?i)(?:(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*://|\bwww\.)\S+|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ADDRESS_MARKERS = ("://", "@", "www.", "WWW.")
_SPACES = " \t\n"


def address_spans(text: str, start: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each web or e-mail address (:data:`ADDRESS_RE`) in ``text[start:]``, found
    around their marks ("://", "@", "www." or "WWW.") only: a text without one costs a few C-speed
    searches (the pattern over 2,000 characters took 130 µs; a case-blind search for "www." 9 µs,
    so a mixed-case "Www." without "://" is the one address the pattern finds and this does not)."""
    found: set[tuple[int, int]] = set()
    for mark in _ADDRESS_MARKERS:
        j = text.find(mark, start)
        while j >= 0:  # the pattern over the run of non-spaces around the mark
            lo = max(start, max(text.rfind(c, start, j) for c in _SPACES) + 1)
            ends = [k for k in (text.find(c, j) for c in _SPACES) if k >= 0]
            hi = min(ends) if ends else len(text)
            found.update(match.span() for match in ADDRESS_RE.finditer(text, lo, hi))
            j = text.find(mark, hi)
    return sorted(found)


_WIKITEXT_AT_MARKERS = ((" @-@ ", "-"), (" @,@ ", ","), (" @.@ ", "."))
_SPACE_BEFORE_RE = re.compile(r" +(?=[,.;:!?')])")
_SPACE_AFTER_RE = re.compile(r"(?<=\() +")


def clean_token(token: str) -> str:
    """Canonical spelling of one token: NFC, typographic apostrophe as ``'``, no lone surrogates."""
    if token.isascii():
        return token
    token = _SURROGATE_RE.sub("\ufffd", token)
    return unicodedata.normalize("NFC", token).replace("\u2019", "'")


_OPENING_QUOTES = "'\u2018\u2019"
_CLOSING_QUOTES = "'\u2019"


def quoted_word(token: str) -> str:
    """The word inside a token wrapped in quotation marks ("'hello'" -> "hello"), else the token.
    A token keeps the apostrophes at its edges ("'em", "goin'"), so a word quoted in single marks
    is one token with them: cached and learned so, it came back quoted ("I said 'hello' and hello"
    became "'hello'")."""
    if (len(token) > 2 and token[0] in _OPENING_QUOTES and token[-1] in _CLOSING_QUOTES
            and token[1].isalnum() and token[-2].isalnum()):
        return token[1:-1]
    return token


def quoted_words(tokens: "list[str]", before: str = "") -> "list[str]":
    """:func:`quoted_word` of each token; and a word right after a typographic opening mark
    (\u2018, a token of its own) without the closing mark it ends with: phones type 'hello' as
    \u2018hello\u2019, the tokens "\u2018" and "hello'". ``before``: the token before the first."""
    words = [quoted_word(t) for t in tokens]
    for j, t in enumerate(words):
        if ((tokens[j - 1] if j else before) == "\u2018" and len(t) > 1 and t[-1] in _CLOSING_QUOTES
                and t[-2].isalnum()):
            words[j] = t[:-1]
    return words


# The combining diacritics of Latin, Greek and Cyrillic, but not the breve of Cyrillic й and ў:
# those are letters of their own with their own keys ("мой" and "мои" are different words).
_ACCENTS_RE = re.compile("[\u0300-\u0305\u0307-\u036f]|(?<![\u0438\u0443])\u0306")
# Latin letters with a stroke or a ligature that Unicode does not decompose, as they are typed on
# a keyboard without them: "strasse" finds Straße, "lodz" Łódź, "oresund" Øresund.
_PLAIN_LETTERS = str.maketrans({"ł": "l", "ß": "ss", "ø": "o", "đ": "d", "æ": "ae", "œ": "oe", "ı": "i",
                                "þ": "th", "ð": "d", "ħ": "h", "ŧ": "t"})


def fold(text: str) -> str:
    """The key words are matched by: lower case, no accents, no apostrophes.

    ``"Don't"`` -> ``"dont"``, ``"Zürich"`` -> ``"zurich"``, ``"CAFÉ"`` -> ``"cafe"``,
    ``"Straße"`` -> ``"strasse"``, ``"Łódź"`` -> ``"lodz"``: so typing ``dont``, ``im`` or ``zur``
    finds don't, I'm and Zürich, as on a phone keyboard. Only the diacritics of the Latin, Greek
    and Cyrillic scripts are dropped (not the breve of Cyrillic й and ў, letters of their own);
    other scripts' marks (an Indic vowel sign) are letters of the word and stay.
    """
    key = text.lower()
    if not key.isascii():
        key = _ACCENTS_RE.sub("", unicodedata.normalize("NFD", key)).translate(_PLAIN_LETTERS)
        key = unicodedata.normalize("NFC", key.replace("\u2019", "'"))
    return key.replace("'", "") if "'" in key else key


def fold_all(words: list[str]) -> list[str]:
    """:func:`fold` of many words (an index at load): the ASCII ones, for which fold is lower case
    without apostrophes, in a few string calls; the others one at a time. A word that is its own
    key is shared, not copied."""
    if not words:
        return []
    folded = "\n".join(words).lower().replace("'", "").split("\n")
    if len(folded) != len(words):  # a word with a line break in it: one at a time
        folded = [fold(w) for w in words]
    return [(w if k == w else k) if w.isascii() else fold(w) for w, k in zip(words, folded)]


def tokenize(text: str, *, unknown_marker: bool = False) -> list[str]:
    """Split ``text`` into word, punctuation and end-of-line tokens, each cleaned.

    With ``unknown_marker`` the literal ``<unk>`` of WikiText stays one token (training text only;
    the runtime never needs it). Appending text after a separator never changes the tokens before
    it, which is what lets the runtime tokenize incrementally.
    """
    pattern = _TOKEN_WITH_UNK_RE if unknown_marker else _TOKEN_RE
    return [clean_token(t) for t in pattern.findall(text)]


def token_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[str, int, int]]:
    """Tokens of ``text[start:end]`` (both token boundaries), each with its start and end offsets."""
    matches = _TOKEN_RE.finditer(text, start) if end is None else _TOKEN_RE.finditer(text, start, end)
    return [(clean_token(m.group()), m.start(), m.end()) for m in matches]


def token_boundary_at_or_after(text: str, offset: int) -> int:
    """The first offset at or after ``offset`` where no word continues across: tokenizing
    ``text`` from there gives exactly the tokens of the whole text that start there or later."""
    if offset <= 0:
        return 0
    if offset >= len(text):
        return len(text)
    if is_word_char(text[offset - 1]) and is_word_char(text[offset]):
        return _WORD_RUN_RE.match(text, offset).end()
    return offset


def is_word(text: str) -> bool:
    """True if ``text`` is nothing but word characters (so typing it never ends a word)."""
    return _WORD_RUN_RE.fullmatch(text) is not None


def is_word_char(char: str) -> bool:
    """True if ``char`` continues a word (letter, digit, mark, joiner, apostrophe, hyphen)."""
    return _WORD_CHAR_RE.fullmatch(char) is not None


# An e-mail address that a corpus's cleaning ran together ("john@gmail.com" -> "johngmailcom"):
# the conversational training text has "gmailcom", "yahoocom" and "kannangmailcom" -- someone's
# address, which the bar offered for "kannan".
_MAIL_REMNANT_RE = re.compile(r"(?i)(?:mail|gmai|yahoo|aol|icloud|outlook|rediff|msn)(?:com|net|org)$")
ADDRESS_TAILS = ("com", "net", "org", "COM", "NET", "ORG", "Com", "Net", "Org")


def is_address_remnant(word: str) -> bool:
    """True for an e-mail address with its "@" and "." taken out ("gmailcom", "johnyahoocom")."""
    return word.endswith(ADDRESS_TAILS) and _MAIL_REMNANT_RE.search(word) is not None


def is_suggestable(word: str) -> bool:
    """Only tokens with a letter or digit, and no longer than a sane word (``MAX_WORD_LENGTH``;
    not a pasted hash or URL), are worth a slot in the suggestion bar; and no e-mail address run
    together (:func:`is_address_remnant`)."""
    return len(word) <= MAX_WORD_LENGTH and _ALNUM_RE.search(word) is not None and not is_address_remnant(word)


def split_trailing_word(text: str) -> tuple[str, str]:
    """Split text before the cursor into (committed text, word being typed).

    Scans backwards from the cursor a chunk at a time, so the cost is the length of the word
    (at C speed: a pasted megabyte "word" costs milliseconds), not of the text.
    """
    start = len(text)
    while start > 0:
        lo = max(0, start - _SCAN_CHUNK)
        chunk = text[lo:start]
        if _WORD_RUN_RE.fullmatch(chunk):
            start = lo
            continue
        last = None
        for last in _NON_WORD_CHAR_RE.finditer(chunk):
            pass
        start = lo + last.end()
        break
    return text[:start], text[start:]


def normalize(text: str, *, wikitext: bool = False) -> str:
    """Normalize raw text into keyboard-like text.

    Always: lone surrogates become U+FFFD, Unicode NFC, every line-break convention becomes
    ``\\n``, control/format characters and runs of spaces become one space, lines are stripped.
    With ``wikitext`` also the WikiText rules of PROTOCOL.md: heading lines dropped, ``@-@``-style
    markers joined, spaces removed before ``, . ; : ! ? ' )`` and after ``(``, empty lines dropped.
    """
    text = _SURROGATE_RE.sub("\ufffd", text)
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS_RE.sub("\n", text)
    lines = []
    for line in text.split("\n"):
        if wikitext:
            if _WIKITEXT_HEADING_RE.match(line):
                continue
            for marker, joined in _WIKITEXT_AT_MARKERS:
                line = line.replace(marker, joined)
        line = _SPACES_RE.sub(" ", line).strip()
        if wikitext:
            line = _SPACE_AFTER_RE.sub("", _SPACE_BEFORE_RE.sub("", line))
            if not line:
                continue
        lines.append(line)
    return "\n".join(lines)


def wikitext_heading_level(line: str) -> int:
    """0 for an ordinary line, 1 for a top-level ``= Title =`` (a new article), 2 for a section."""
    if not _WIKITEXT_HEADING_RE.match(line):
        return 0
    return 1 if _WIKITEXT_TOP_HEADING_RE.match(line) else 2


def protocol_tokens(text: str, *, wikitext: bool = True) -> list[str]:
    """The whitespace tokens of PROTOCOL.md's typed stream (used by the benchmark); ``wikitext=False``
    for text people typed (no WikiText rules, only the general normalization)."""
    return normalize(text, wikitext=wikitext).split()
