"""Presage, the peer: its 3-gram database built from our training text, queried through a C++ driver."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from .protocol import CONTEXT_CHARS, is_word_char

HERE = Path(__file__).resolve().parent
SHIPPED_DATABASE = "/usr/share/presage/database_en.db"
# Presage writes WikiText's <unk> as the word "unk"; it must never be shown (PROTOCOL.md).
HIDDEN_WORDS = {"unk"}

CONFIG_TEMPLATE = """<?xml version="1.0" encoding="UTF-8" standalone="no" ?>
<Presage>
  <PredictorRegistry><LOGGER>ERROR</LOGGER><PREDICTORS>BenchNgramPredictor</PREDICTORS></PredictorRegistry>
  <ContextTracker>
    <LOGGER>ERROR</LOGGER><SLIDING_WINDOW_SIZE>80</SLIDING_WINDOW_SIZE>
    <LOWERCASE_MODE>yes</LOWERCASE_MODE><ONLINE_LEARNING>no</ONLINE_LEARNING>
  </ContextTracker>
  <Selector>
    <LOGGER>ERROR</LOGGER><SUGGESTIONS>{suggestions}</SUGGESTIONS>
    <REPEAT_SUGGESTIONS>yes</REPEAT_SUGGESTIONS><GREEDY_SUGGESTION_THRESHOLD>0</GREEDY_SUGGESTION_THRESHOLD>
  </Selector>
  <PredictorActivator>
    <LOGGER>ERROR</LOGGER><PREDICT_TIME>1000</PREDICT_TIME>
    <MAX_PARTIAL_PREDICTION_SIZE>60</MAX_PARTIAL_PREDICTION_SIZE><COMBINATION_POLICY>Meritocracy</COMBINATION_POLICY>
  </PredictorActivator>
  <ProfileManager><LOGGER>ERROR</LOGGER><AUTOPERSIST>false</AUTOPERSIST></ProfileManager>
  <Predictors>
    <BenchNgramPredictor>
      <PREDICTOR>SmoothedNgramPredictor</PREDICTOR><LOGGER>ERROR</LOGGER>
      <DBFILENAME>{database}</DBFILENAME><DELTAS>0.01 0.1 0.89</DELTAS><LEARN>false</LEARN>
      <DatabaseConnector><LOGGER>ERROR</LOGGER></DatabaseConnector>
    </BenchNgramPredictor>
  </Predictors>
</Presage>
"""


class PresageUnavailable(RuntimeError):
    """Presage or its driver is not installed (run bench/presage/setup.sh)."""


def driver_path(build_dir: Path | None = None) -> Path:
    """Install Presage if needed and compile the driver; returns its path."""
    if shutil.which("g++") is None:
        raise PresageUnavailable("g++ is needed to compile the Presage driver")
    args = ["bash", str(HERE / "presage" / "setup.sh")] + ([str(build_dir)] if build_dir else [])
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise PresageUnavailable(f"Presage setup failed: {result.stderr.strip()[-500:]}")
    return Path(result.stdout.strip().splitlines()[-1])


def build_database(text_path: Path, database: Path, order: int = 3) -> Path:
    """Presage's n-gram tables (1..order) from a normalized text, with its own ``text2ngram``."""
    if shutil.which("text2ngram") is None:
        raise PresageUnavailable("text2ngram not found: run bench/presage/setup.sh")
    database.parent.mkdir(parents=True, exist_ok=True)
    tmp = database.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    for n in range(1, order + 1):
        args = ["text2ngram", "-n", str(n), "-l", "-f", "sqlite", "-o", str(tmp)] + (["-a"] if n > 1 else [])
        subprocess.run(args + [str(text_path)], check=True, capture_output=True)
    tmp.replace(database)
    return database


class PresageEngine:
    """The protocol's Engine for Presage: keeps the text, queries the driver with its last 2000 chars."""

    def __init__(self, database: str | Path, name: str = "presage", k: int = 3, driver: Path | None = None):
        self.name = name
        self._k = k
        self._dir = tempfile.TemporaryDirectory(prefix="kbpredict-presage-")
        config = Path(self._dir.name, "presage.xml")
        config.write_text(CONFIG_TEMPLATE.format(suggestions=k + 1, database=Path(database).resolve()))
        self._process = subprocess.Popen(
            [str(driver or driver_path()), str(config)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace", bufsize=1,
        )
        if self._process.stdout.readline().strip() != "ready":
            raise PresageUnavailable(f"the Presage driver did not start: {self._process.stderr.read()[-500:]}")
        self._text = ""
        self.micros: list[int] = []  # Presage::predict() time of each query
        self.last_query_seconds: float | None = None  # the same, of the last query (see protocol.Engine)

    def _partial(self) -> str:
        start = len(self._text)
        while start > 0 and is_word_char(self._text[start - 1]):
            start -= 1
        return self._text[start:]

    def type(self, chars: str) -> None:
        self._text += chars

    def backspace(self, n: int) -> None:
        self._text = self._text[: max(0, len(self._text) - n)]

    def accept(self, word: str) -> None:
        self._text = self._text[: len(self._text) - len(self._partial())] + word + " "

    def reset(self) -> None:
        self._text = ""

    def query(self, context: str) -> tuple[int, str, list[str]]:
        """One raw prediction: (microseconds, Presage's prefix, its suggestions)."""
        escaped = context.replace("\\", "\\\\").replace("\n", "\\n")
        self._process.stdin.write(escaped + "\n")
        self._process.stdin.flush()
        fields = self._process.stdout.readline().rstrip("\n").split("\t")
        if len(fields) < 2:
            raise PresageUnavailable(f"the Presage driver stopped: {self._process.stderr.read()[-500:]}")
        return int(fields[0]), fields[1], fields[2:]

    def suggestions(self, k: int) -> list[str]:
        micros, prefix, words = self.query(self._text[-CONTEXT_CHARS:])
        self.micros.append(micros)
        self.last_query_seconds = micros / 1e6
        partial = self._partial()
        # Presage lowercases: the typed letters stay as typed, the rest of its word is appended.
        shown = [partial + w[len(prefix):] for w in words if w and w not in HIDDEN_WORDS]
        return shown[:k]

    def close(self) -> None:
        if self._process.poll() is None:
            try:
                self._process.stdin.write("#quit\n")
                self._process.stdin.flush()
                self._process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self._process.kill()
        self._dir.cleanup()

    def __enter__(self) -> "PresageEngine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
