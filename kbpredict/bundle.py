"""A model bundle: ``model.onnx`` + ``vocab.model`` + the ``model.json`` sidecar that describes them.

The sidecar is the contract between ``export`` (which writes it) and the runtime (which checks it
before trusting anything else in the directory): format version, tensor names, sizes, special
ids, the sha256 of every file, and the training summary and metrics.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import KbpredictError, ModelCorruptError, ModelFormatError, ModelNotFoundError

SIDECAR = "model.json"
FORMAT = "kbpredict-bundle"
# 2: the vocabulary may be gzip-compressed (vocab.model.gz); version 1 bundles are read as before
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)


@dataclass(frozen=True)
class TensorNames:
    """Names of the graph's inputs and outputs."""

    tokens: str = "tokens"  # int64 [1, T]
    state_h: str = "state_h"  # float32 [num_layers, 1, hidden_size]
    state_c: str = "state_c"
    log_probs: str = "log_probs"  # float32 [1, vocab_size], after the last position
    state_h_out: str = "state_h_out"
    state_c_out: str = "state_c_out"


@dataclass(frozen=True)
class ModelShape:
    """Sizes the runtime needs to build state and check the vocabulary."""

    vocab_size: int
    embedding_size: int
    hidden_size: int
    num_layers: int
    cell: str
    parameters: int


@dataclass(frozen=True)
class BundleInfo:
    """Everything ``model.json`` says, as typed fields."""

    shape: ModelShape
    special_ids: dict[str, int]
    files: dict[str, dict[str, Any]]  # name -> {"sha256": ..., "bytes": ...}
    model_file: str = "model.onnx"
    vocab_file: str = "vocab.model"
    wordlist_file: str | None = None  # words outside the vocabulary, for completion (optional)
    # words people capitalize mid-sentence ("Michael", "Friday"), one spelling a line (optional)
    capitals_file: str | None = None
    # words whose period does not end a sentence ("dr", "e.g"), one a line (optional: the English
    # list without it)
    abbreviations_file: str | None = None
    # the words never suggested, in the shipped list's format, in place of the shipped (English)
    # list (optional: a model of another language, exported with --offensive FILE)
    offensive_file: str | None = None
    # common misspellings and the words they mean, in the shipped list's format, in place of the
    # shipped (English) list (optional: a model of another language, exported with --misspellings)
    misspellings_file: str | None = None
    # chat shorthand and what it stands for, in the shipped list's format, in place of the shipped
    # (English) list (optional: a model of another language, exported with --shorthand)
    shorthand_file: str | None = None
    precision: str = "int8"
    tensors: TensorNames = field(default_factory=TensorNames)
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    # Token ids fed, one per call from the zero state, before a text begins. Empty (bundles of
    # older exports): begin-of-text alone. Exports write begin-of-text then end-of-line: in
    # training text a message starts after a line break, so that is the context a model knows.
    start_ids: tuple[int, ...] = ()
    # The graph's operators as ``domain;opset;Op`` (exports record them; ``kbpredict info`` shows them).
    operators: tuple[str, ...] = ()
    # Files for apps outside Python (``python -m export.mobile``), optional: the model in ORT
    # format, its reduced operator config, and the vocabulary as plain text.
    ort_file: str | None = None
    operators_file: str | None = None
    words_file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form written to ``model.json``."""
        data = asdict(self)
        return {"format": FORMAT, **data}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "BundleInfo":
        """Parse ``model.json``; raises :class:`ModelFormatError` on anything unexpected."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ModelFormatError(f"{SIDECAR} does not describe a kbpredict bundle")
        version = data.get("format_version")
        if version not in READABLE_VERSIONS:
            raise ModelFormatError(
                f"bundle format version {version} is not supported by this kbpredict (it reads versions "
                f"{', '.join(map(str, READABLE_VERSIONS))}); re-export the model or upgrade kbpredict"
            )
        try:
            return cls(
                shape=ModelShape(**data["shape"]),
                special_ids={str(k): int(v) for k, v in data["special_ids"].items()},
                files={str(k): dict(v) for k, v in data["files"].items()},
                model_file=str(data["model_file"]),
                vocab_file=str(data["vocab_file"]),
                wordlist_file=str(data["wordlist_file"]) if data.get("wordlist_file") else None,
                precision=str(data["precision"]),
                tensors=TensorNames(**data["tensors"]),
                training=dict(data.get("training") or {}),
                metrics=dict(data.get("metrics") or {}),
                format_version=version,
                start_ids=tuple(int(i) for i in data.get("start_ids") or ()),
                operators=tuple(str(o) for o in data.get("operators") or ()),
                ort_file=_optional(data, "ort_file"),
                operators_file=_optional(data, "operators_file"),
                words_file=_optional(data, "words_file"),
                capitals_file=_optional(data, "capitals_file"),
                abbreviations_file=_optional(data, "abbreviations_file"),
                offensive_file=_optional(data, "offensive_file"),
                misspellings_file=_optional(data, "misspellings_file"),
                shorthand_file=_optional(data, "shorthand_file"),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelFormatError(f"{SIDECAR} is missing or has a malformed field: {exc}") from None


def _optional(data: dict[str, Any], key: str) -> str | None:
    return str(data[key]) if data.get(key) else None


def file_digest(path: Path) -> str:
    """sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_files(directory: Path, names: list[str]) -> dict[str, dict[str, Any]]:
    """The ``files`` entry of the sidecar: size and sha256 of each named file."""
    return {name: {"bytes": (directory / name).stat().st_size, "sha256": file_digest(directory / name)}
            for name in names}


def read_bundle(directory: str | Path, *, verify: bool = True) -> tuple[Path, BundleInfo]:
    """Open a bundle directory: parse the sidecar and verify every file's size and checksum.

    Every failure is a :class:`ModelNotFoundError` or :class:`ModelCorruptError` naming the path:
    an unreadable directory or file (permissions, I/O errors) included."""
    try:
        return _read_bundle(Path(directory).expanduser(), verify)
    except KbpredictError:
        raise  # (some are OSErrors too) already clear
    except OSError as exc:
        raise unreadable(exc, directory) from None


def unreadable(exc: OSError, fallback: str | Path) -> ModelNotFoundError | ModelCorruptError:
    """The error to raise for an OS error met while reading a bundle."""
    where = exc.filename or fallback
    if isinstance(exc, PermissionError):
        return ModelNotFoundError(f"cannot read {where}: permission denied")
    return ModelCorruptError(f"cannot read {where}: {exc.strerror or exc}")


def _read_bundle(directory: Path, verify: bool) -> tuple[Path, BundleInfo]:
    if not directory.exists():
        raise ModelNotFoundError(f"no model bundle at {directory}")
    if not directory.is_dir():
        raise ModelNotFoundError(f"{directory} is a file; a model bundle is a directory holding {SIDECAR}")
    sidecar = directory / SIDECAR
    if not sidecar.is_file():
        raise ModelNotFoundError(f"{directory} has no {SIDECAR}: not a kbpredict model bundle")
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelCorruptError(f"{sidecar} is not valid JSON ({exc}); re-export or re-install the model") from None
    info = BundleInfo.from_dict(data)
    for name in (info.model_file, info.vocab_file, info.wordlist_file, info.capitals_file, info.abbreviations_file,
                 info.offensive_file, info.misspellings_file, info.shorthand_file, info.ort_file, info.operators_file,
                 info.words_file):
        if name is None:
            continue
        if name not in info.files:
            raise ModelFormatError(f"{SIDECAR} gives no checksum for {name}")
    for name, expected in info.files.items():
        path = directory / name
        if not path.is_file():
            raise ModelNotFoundError(f"{path} is missing from the bundle")
        if verify:
            size = path.stat().st_size
            if size != expected.get("bytes"):
                raise ModelCorruptError(
                    f"{path} is {size} bytes, {SIDECAR} says {expected.get('bytes')}: truncated or replaced; "
                    "re-export or re-install the model"
                )
            if file_digest(path) != expected.get("sha256"):
                raise ModelCorruptError(
                    f"{path} fails its sha256 check: the file was altered or mismatched with {SIDECAR}"
                )
    return directory, info
