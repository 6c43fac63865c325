"""The entry point apps use: load a bundle once, then suggest or open a session per text field."""

from __future__ import annotations

import ctypes
import gc
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from . import lexicon
from .blocklist import Blocklist
from .bundle import BundleInfo, read_bundle, unreadable
from .candidates import CandidateIndex, Suggestion, read_capitals, read_wordlist
from .casing import ABBREVIATIONS, read_abbreviations
from .errors import (DefaultModelMissingError, InvalidArgumentError, ModelCorruptError, ModelFormatError,
                     ModelNotFoundError)
from .lm import OnnxLanguageModel, State
from .personal import PersonalModel
from .session import Session
from .typos import ErrorModel, layout_neighbours, layout_rows
from .vocab import Vocabulary


def default_model_path() -> Path:
    """Where the shipped default bundle lives inside the installed package."""
    return Path(str(resources.files("kbpredict"))) / "models" / "default"


def _return_free_memory() -> None:
    """Give the heap memory that loading freed (the indexes' scratch, onnxruntime's set-up) back
    to the system: ~10-20 MB that glibc's malloc would otherwise keep. Linux/glibc only; elsewhere
    nothing is done."""
    if not sys.platform.startswith("linux"):
        return
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return
    trim.argtypes = [ctypes.c_size_t]
    trim(0)


def _read_listed(directory: Path, name: str | None, read: Callable[[Path], Any], default: Any = ()) -> Any:
    """An optional word file of the bundle, read by ``read``; ``default`` if the bundle has none."""
    if not name:
        return default
    try:
        return read(directory / name)
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise ModelCorruptError(f"{directory / name} is unreadable: {exc}") from None


@dataclass(eq=False)
class Predictor:
    """A loaded model bundle. Thread-safe to share; each text field gets its own :class:`Session`."""

    model: OnnxLanguageModel
    vocab: Vocabulary
    index: CandidateIndex
    info: BundleInfo
    path: Path
    start: tuple[State, np.ndarray]  # state and next-word distribution after the start ids
    blocklist: Blocklist  # words never suggested (offensive words unless loaded without)
    # words whose period does not end a sentence: the bundle's list, or the English one
    abbreviations: frozenset = ABBREVIATIONS
    # the common misspellings that are misspellings for this model, each with the words it means
    # (the bundle's list, or the English one less what the model's language writes as words:
    # lexicon.ForModel)
    misspellings: Mapping = field(default_factory=dict)
    # chat shorthand -> what it stands for: the bundle's list, or the English one (lexicon.shorthand)
    shorthand: dict = field(default_factory=lexicon.shorthand)

    @classmethod
    def load(cls, path: str | Path | None = None, *, threads: int = 1, verify: bool = True,
             block_offensive: bool = True, verify_parity: bool = True, model_format: str = "onnx",
             layout: str | Sequence[str] = "qwerty") -> "Predictor":
        """Load a bundle directory; ``None`` loads the default model shipped with kbpredict.

        Every file's size and sha256 are checked against ``model.json`` (``verify=False`` skips
        the hashing). ``threads`` is onnxruntime's intra-op thread count; 1 behaves like a phone.
        ``block_offensive``: never suggest the words of the offensive-word list (the bundle's own,
        ``offensive.txt``, for a model of another language; else the shipped English one); apps add
        and remove words with ``predictor.blocklist.add()`` / ``.remove()``, and switch it with
        ``predictor.blocklist.enabled``. A bundle whose parity check failed at export is refused
        (``verify_parity=False`` loads it anyway, for inspection: ``python -m export.verify``).
        ``model_format="ort"`` runs the bundle's ``model.ort`` (written by ``python -m export.mobile``,
        what onnxruntime's mobile builds load) instead of ``model.onnx``: the same outputs.
        ``layout``: the keyboard the user types on, for the cost of hitting a neighbouring key:
        ``"qwerty"``, ``"qwertz"``, ``"azerty"``, ``"jcuken"`` (Russian), or the rows of letter
        keys, top first (``kbpredict.typos.LAYOUTS``).
        """
        neighbours = layout_neighbours(layout_rows(layout))  # (a wrong layout fails before the work)
        # Loading builds ~100k objects (the word index), and on the way the garbage collector would
        # run a few full collections over every object of the process: 10-50 ms of the ~110 ms
        # load, measured. Nothing it builds is cyclic garbage, so it runs without the collector
        # (an app that switched the collector off keeps it off).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return cls._load(path, threads, verify, block_offensive, verify_parity, model_format,
                             ErrorModel(neighbours=neighbours))
        finally:
            if collecting:
                gc.enable()

    @classmethod
    def _load(cls, path: str | Path | None, threads: int, verify: bool, block_offensive: bool, verify_parity: bool,
              model_format: str, errors: ErrorModel) -> "Predictor":
        if model_format not in ("onnx", "ort"):
            raise InvalidArgumentError(f"model_format must be 'onnx' or 'ort', not {model_format!r}")
        if path is None:
            path = default_model_path()
            if not (path / "model.json").is_file():
                raise DefaultModelMissingError(
                    "this installation ships no default model; pass a bundle directory "
                    "(see README: 'Train and export your own model')"
                )
        directory, info = read_bundle(path, verify=verify)
        parity = info.metrics.get("parity") or {}
        if verify_parity and parity.get("passed") is False:
            raise ModelCorruptError(
                f"{directory} failed its parity check at export ({'; '.join(parity.get('failures') or ['no reason'])}): "
                "its ONNX model does not compute what the trained model does; export it again")
        try:
            vocab = Vocabulary.from_file(str(directory / info.vocab_file))
        except OSError as exc:
            raise unreadable(exc, directory / info.vocab_file) from None
        # "tmr" read as "tomorrow", a rare or unknown emoji as the best-learned one
        shorthand = _read_listed(directory, info.shorthand_file, lexicon.read_shorthand, lexicon.shorthand())
        vocab.aliases, vocab.unknown_emoji = lexicon.readings(vocab, shorthand)
        vocab.read_stretched = True  # "yesss" read as "yes"
        if len(vocab) != info.shape.vocab_size:
            raise ModelFormatError(
                f"{directory / info.vocab_file} has {len(vocab)} words but model.json says "
                f"{info.shape.vocab_size}: the files come from different models"
            )
        specials = {"unknown": vocab.specials.unknown, "begin_of_text": vocab.specials.begin_of_text,
                    "end_of_line": vocab.specials.end_of_line}
        wrong = sorted(k for k, v in specials.items() if info.special_ids.get(k) != v)
        if wrong:
            raise ModelFormatError(f"{directory}: special ids in model.json disagree with the vocabulary ({', '.join(wrong)})")
        model_file = info.model_file
        if model_format == "ort":
            if not info.ort_file:
                raise ModelNotFoundError(f"{directory} has no ORT-format model: python -m export.mobile {directory} "
                                         "writes one")
            model_file = info.ort_file
        model = OnnxLanguageModel(directory / model_file, info, threads=max(1, int(threads)))
        start_ids = list(info.start_ids) or [vocab.specials.begin_of_text]
        if not all(0 <= i < len(vocab) for i in start_ids):
            raise ModelFormatError(f"{directory / 'model.json'}: start_ids {start_ids} are outside the vocabulary")
        state = model.initial_state()
        for token in start_ids:  # one token per call, as the session feeds them
            start = model.feed([token], state)
            state = start[1]
        extra = _read_listed(directory, info.wordlist_file, read_wordlist)
        capitals = _read_listed(directory, info.capitals_file, read_capitals)
        abbreviations = _read_listed(directory, info.abbreviations_file, read_abbreviations, ABBREVIATIONS)
        enabled = bool(block_offensive)  # the model's language's own list, or the shipped English one
        blocklist = _read_listed(directory, info.offensive_file, lambda path: Blocklist.read(path, enabled), None)
        if blocklist is None:
            blocklist = Blocklist.shipped(enabled)
        index = CandidateIndex(vocab.words, vocab.suggestable_ids(), extra, vocab.specials.unknown,
                               vocab.log_frequencies(), capitals)
        index.shorthand = lexicon.shorthand_keys() if shorthand is lexicon.shorthand() else frozenset(shorthand)
        index.typos(errors)  # built now, not on the first keystroke
        listed = _read_listed(directory, info.misspellings_file, lexicon.read_misspellings, lexicon.misspellings())
        misspellings = lexicon.ForModel(listed, index.frequency_any_case)  # (decided when asked: no load time)
        index.misspelled = misspellings
        _return_free_memory()
        return cls(model=model, vocab=vocab, index=index, info=info, path=directory,
                   start=(start[1], start[0]), blocklist=blocklist,
                   abbreviations=abbreviations, misspellings=misspellings, shorthand=shorthand)

    def session(self, adapt: bool = True, personal: PersonalModel | None = None, incognito: bool = False,
                correct: bool = True) -> Session:
        """A fresh typing session for one text field.

        With ``adapt`` (the default) the words already in the field's text are mixed into the
        suggestions, so the names and terms of the text come back; ``False`` uses the model alone.
        ``personal`` mixes in the user's learned words (:class:`kbpredict.PersonalModel`), and
        :meth:`Session.finish` teaches it the finished text unless ``incognito``. ``correct``
        offers corrections of typing slips and an autocorrect candidate.
        """
        return Session(self, adapt, personal, incognito, correct)

    def suggest(self, text_before_cursor: str, k: int = 3, adapt: bool = True) -> list[Suggestion]:
        """Stateless convenience: the top-k suggestions for the text before the cursor."""
        session = Session(self, adapt)
        session.update(text_before_cursor)
        return session.suggestions(k)
