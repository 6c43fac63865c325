"""Writing into a bundle directory so that a reader never sees half a file: each file is copied
next to its place and renamed over it (atomic on one file system), and ``model.json``, which
vouches for the files' checksums, is written last the same way."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from kbpredict.bundle import SIDECAR


def install(source: Path, directory: Path, name: str) -> None:
    """Put a copy of ``source`` at ``directory / name`` at once."""
    temporary = directory / f".{name}.tmp"
    shutil.copyfile(source, temporary)
    os.replace(temporary, directory / name)


def write_sidecar(directory: Path, data: dict[str, Any]) -> None:
    """Write ``model.json`` (``data``, as JSON) into ``directory`` at once."""
    temporary = directory / f".{SIDECAR}.tmp"
    temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, directory / SIDECAR)
