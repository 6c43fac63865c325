"""``kbpredict serve``: the runtime for apps in any language, as JSON lines over stdin/stdout.

One request per line, one response per request, in order::

    {"id": 1, "op": "open", "session": "chat"}
    {"id": 1, "ok": true}
    {"id": 2, "op": "type", "session": "chat", "text": "see you tom"}
    {"id": 2, "ok": true, "suggestions": [{"word": "tomorrow", "score": 0.91, "kind": "completion"}, ...],
     "autocorrect": null, "autocorrect_at_mark": null, "edit": null}
    {"id": 3, "op": "nope"}
    {"id": 3, "ok": false, "error": {"code": "unknown_op", "message": "unknown op 'nope'; ..."}}

Every edit (``type``, ``backspace``, ``update``, ``accept``, ``revert``) answers with the suggestions after
it (``k``, default 3; ``"k": 0`` for none), so a keyboard needs one round trip per key:
``autocorrect`` is what space puts in place of the word being typed, ``autocorrect_at_mark`` what
a mark ending it does (``. , ? ! : ;``; accepted with ``"space": false``). A bad
request -- not JSON, not an object, an unknown op or session, a wrong argument, a line over the
size limit -- gets an error response and the server goes on; end of input ends it (exit 0).
Responses are ASCII JSON (``\\u`` escapes), valid whatever was typed.

The ``OPS`` table below is the protocol's reference; ``{"op": "help"}`` returns it.
"""

from __future__ import annotations

import json
import math
import sys
import time
from typing import IO, Any, Callable

import numpy as np

from .errors import InvalidArgumentError, KbpredictError
from .session import Session

PROTOCOL_VERSION = 1
MAX_REQUEST_BYTES = 16 * 2**20  # a 10 MB paste fits
MAX_SESSIONS = 1000
MAX_NAME = 256
MAX_K = 20
TIMED = 100_000  # requests whose timings `stats` summarizes (the last ones)

# op -> (arguments: name -> (type, required), what it does)
OPS: dict[str, tuple[dict[str, tuple[type, bool]], str]] = {
    "open": ({"session": (str, True), "adapt": (bool, False), "correct": (bool, False), "incognito": (bool, False),
              "text": (str, False)},
             "open a session (one per text field); learns into the personal model at 'finish' unless incognito"),
    "type": ({"session": (str, True), "text": (str, True), "k": (int, False)},
             "characters typed at the cursor; answers suggestions, autocorrect and an edit for the app (or null)"),
    "backspace": ({"session": (str, True), "n": (int, False), "k": (int, False)}, "delete n characters (default 1)"),
    "update": ({"session": (str, True), "text": (str, True), "k": (int, False)},
               "the whole text before the cursor changed (paste, cursor jump)"),
    "accept": ({"session": (str, True), "word": (str, True), "space": (bool, False), "k": (int, False)},
               "accept a suggestion: answers the edit for the app (delete, insert); space false: the word "
               "alone, for the autocorrection a mark ending the word applies"),
    "revert": ({"session": (str, True), "k": (int, False)},
               "Backspace right after an autocorrection: put back the word as typed (and keep it from then "
               "on); answers the edit for the app, or null when there is none to take back (then backspace)"),
    "suggest": ({"session": (str, True), "k": (int, False)}, "the suggestions now"),
    "text": ({"session": (str, True)}, "the text before the cursor as the session sees it"),
    "finish": ({"session": (str, True)}, "the text was sent: learn it (unless incognito) and start afresh"),
    "reset": ({"session": (str, True)}, "the field was cleared"),
    "close": ({"session": (str, True)}, "close a session"),
    "learn": ({"text": (str, False), "texts": (list, False)}, "personal model: learn text the user wrote"),
    "words": ({}, "personal model: the learned words"),
    "forget": ({"word": (str, True)}, "personal model: forget a word and its pairs"),
    "block": ({"word": (str, True)}, "personal model: never suggest or learn a word"),
    "unblock": ({"word": (str, True)}, "personal model: allow a blocked word again"),
    "clear": ({}, "personal model: forget everything learned"),
    "info": ({}, "the model and server"),
    "stats": ({}, "requests served, errors; per request, the server's own time (overhead: reading, JSON, "
                  "checks, writing) and the library's, median and p99 in µs"),
    "help": ({}, "this list"),
}


_KINDS = {str: "a string", int: "a whole number", bool: "true or false", list: "a list"}


class RequestError(Exception):
    """A request the server answers with an error."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _suggestions(session: Session, k: int) -> list[dict[str, Any]]:
    return [{"word": s.word, "score": round(s.score, 6), "kind": s.kind} for s in session.suggestions(k)]


class Server:
    """The request handler, separate from the I/O loop so apps and tests can call it directly."""

    def __init__(self, predictor, personal=None, max_sessions: int = MAX_SESSIONS,
                 max_request_bytes: int = MAX_REQUEST_BYTES):
        self.predictor = predictor
        self.personal = personal
        self.max_sessions = max_sessions
        self.max_request_bytes = max_request_bytes
        self.sessions: dict[str, Session] = {}
        self.requests = 0
        self.errors = 0
        # seconds in the library (Session, PersonalModel) for the request being handled
        self.library_seconds = 0.0
        # the last TIMED requests' handling time minus library time (reading, JSON, checks,
        # writing), and their library time: two fixed arrays, whatever the server's uptime
        self._timings = np.zeros((2, TIMED))
        self._timed_requests = 0
        self._handlers: dict[str, Callable[[dict], dict]] = {op: getattr(self, "_op_" + op) for op in OPS}

    # -- one request -----------------------------------------------------------------------------
    def handle(self, line: bytes | str) -> dict[str, Any]:
        """The response to one request line (never raises)."""
        self.requests += 1
        self.library_seconds = 0.0
        request_id = None
        try:
            if len(line) > self.max_request_bytes:
                raise RequestError("too_large", f"request over {self.max_request_bytes:,} bytes")
            try:
                request = json.loads(line)
            except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
                raise RequestError("bad_json", f"not a JSON line: {str(exc)[:200]}") from None
            if not isinstance(request, dict):
                raise RequestError("bad_request", "a request is a JSON object with an 'op'")
            request_id = request.get("id")
            op = request.get("op")
            handler = self._handlers.get(op) if isinstance(op, str) else None
            if handler is None:
                raise RequestError("unknown_op", f"unknown op {str(op)[:50]!r}; ops: {', '.join(OPS)}")
            self._check(op, request)
            return {"id": request_id, "ok": True, **handler(request)}
        except RequestError as exc:
            return self._error(request_id, exc.code, str(exc))
        except InvalidArgumentError as exc:
            return self._error(request_id, "bad_argument", str(exc))
        except KbpredictError as exc:  # e.g. the personal model's file cannot be written
            return self._error(request_id, "failed", str(exc))
        except Exception as exc:  # a bug of ours: answer it, keep serving
            return self._error(request_id, "internal", f"{type(exc).__name__}: {exc}")

    def _error(self, request_id, code: str, message: str) -> dict[str, Any]:
        self.errors += 1
        return {"id": request_id, "ok": False, "error": {"code": code, "message": message}}

    @staticmethod
    def _check(op: str, request: dict) -> None:
        arguments = OPS[op][0]
        for name, (kind, required) in arguments.items():
            if name not in request:
                if required:
                    raise RequestError("bad_argument", f"'{op}' needs '{name}'")
                continue
            value = request[name]
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise RequestError("bad_argument", f"'{name}' must be {_KINDS[kind]}")
        unknown = set(request) - set(arguments) - {"id", "op"}
        if unknown:
            raise RequestError("bad_argument", f"'{op}' takes no {', '.join(sorted(map(str, unknown)))}")
        k = request.get("k")
        if k is not None and not 0 <= k <= MAX_K:
            raise RequestError("bad_argument", f"'k' must be 0..{MAX_K}")

    def _session(self, request: dict) -> Session:
        session = self.sessions.get(request["session"])
        if session is None:
            raise RequestError("no_session", f"no session {request['session'][:MAX_NAME]!r}: open it first")
        return session

    def _timed(self, call: Callable, *args):
        start = time.perf_counter()
        try:
            return call(*args)
        finally:
            self.library_seconds += time.perf_counter() - start

    def _after_edit(self, session: Session, request: dict, edit=None) -> dict[str, Any]:
        k = request.get("k", 3)
        start = time.perf_counter()
        # at least 3, the autocorrect candidate's own query: then it is the session's memo, not
        # a second arrangement of the bar
        suggestions = _suggestions(session, max(k, 3))[:k] if k else []
        auto = session.autocorrection() if k else None
        at_mark = session.autocorrection(".") if auto is not None else None  # (the same memo)
        self.library_seconds += time.perf_counter() - start
        return {"suggestions": suggestions, "autocorrect": auto.word if auto is not None else None,
                "autocorrect_at_mark": at_mark.word if at_mark is not None else None,
                "edit": {"delete": edit.delete, "insert": edit.insert} if edit is not None else None}

    def _personal_model(self):
        if self.personal is None:
            raise RequestError("no_personal_model", "the server runs without a personal model (--no-learn)")
        return self.personal

    # -- sessions ----------------------------------------------------------------------------------
    def _op_open(self, request: dict) -> dict:
        name = request["session"]
        if not name or len(name) > MAX_NAME:
            raise RequestError("bad_argument", f"a session name is 1..{MAX_NAME} characters")
        if name in self.sessions:
            raise RequestError("session_exists", f"session {name!r} is open already")
        if len(self.sessions) >= self.max_sessions:
            raise RequestError("too_many_sessions", f"{self.max_sessions} sessions are open: close some")
        session = self._timed(self.predictor.session, request.get("adapt", True), self.personal,
                              request.get("incognito", False), request.get("correct", True))
        if request.get("text"):
            self._timed(session.update, request["text"])
        self.sessions[name] = session
        return {}

    def _op_type(self, request: dict) -> dict:
        session = self._session(request)
        return self._after_edit(session, request, self._timed(session.type, request["text"]))

    def _op_backspace(self, request: dict) -> dict:
        session = self._session(request)
        n = request.get("n", 1)
        if n < 0:
            raise RequestError("bad_argument", "'n' must be 0 or more")
        self._timed(session.backspace, n)
        return self._after_edit(session, request)

    def _op_update(self, request: dict) -> dict:
        session = self._session(request)
        self._timed(session.update, request["text"])
        return self._after_edit(session, request)

    def _op_accept(self, request: dict) -> dict:
        session = self._session(request)
        return self._after_edit(session, request, self._timed(session.accept, request["word"],
                                                              request.get("space", True)))

    def _op_revert(self, request: dict) -> dict:
        session = self._session(request)
        return self._after_edit(session, request, self._timed(session.revert))

    def _op_suggest(self, request: dict) -> dict:
        return self._after_edit(self._session(request), request)

    def _op_text(self, request: dict) -> dict:
        session = self._session(request)
        return {"text": session.text, "word": session.current_word}

    def _op_finish(self, request: dict) -> dict:
        return {"learned": self._timed(self._session(request).finish)}

    def _op_reset(self, request: dict) -> dict:
        self._timed(self._session(request).reset)
        return {}

    def _op_close(self, request: dict) -> dict:
        self._session(request)
        del self.sessions[request["session"]]
        return {}

    # -- the personal model ------------------------------------------------------------------------
    def _op_learn(self, request: dict) -> dict:
        personal = self._personal_model()
        texts = list(request.get("texts") or []) + ([request["text"]] if "text" in request else [])
        if not all(isinstance(t, str) for t in texts):
            raise RequestError("bad_argument", "'texts' must be a list of strings")
        return {"learned": self._timed(personal.learn_texts, texts)}

    def _op_words(self, request: dict) -> dict:
        personal = self._personal_model()
        learned = self._timed(personal.words, self.predictor.index)
        return {"words": [{"word": w.word, "count": w.count, "uses": w.uses, "last_used": w.last_used,
                           "confirmed": w.confirmed, "suggested": w.suggestable} for w in learned],
                "blocked": sorted(personal.blocked_words())}

    def _op_forget(self, request: dict) -> dict:
        return {"forgotten": self._timed(self._personal_model().forget, request["word"])}

    def _op_block(self, request: dict) -> dict:
        self._timed(self._personal_model().block, request["word"])
        return {}

    def _op_unblock(self, request: dict) -> dict:
        return {"unblocked": self._timed(self._personal_model().unblock, request["word"])}

    def _op_clear(self, request: dict) -> dict:
        self._timed(self._personal_model().clear)
        return {}

    # -- about the server --------------------------------------------------------------------------
    def _op_info(self, request: dict) -> dict:
        info = self.predictor.info
        return {"protocol": PROTOCOL_VERSION, "model": str(self.predictor.path), "precision": info.precision,
                "vocabulary": info.shape.vocab_size, "parameters": info.shape.parameters,
                "personal_model": str(self.personal.path) if self.personal is not None else None,
                "sessions": len(self.sessions), "max_sessions": self.max_sessions,
                "max_request_bytes": self.max_request_bytes}

    def _op_stats(self, request: dict) -> dict:
        summary = {}
        filled = min(self._timed_requests, TIMED)
        for name, seconds in (("overhead", self._timings[0, :filled]), ("library", self._timings[1, :filled])):
            if filled:
                micros = seconds * 1e6
                summary[f"{name}_median_us"] = round(float(np.median(micros)), 2)
                summary[f"{name}_p99_us"] = round(float(np.percentile(micros, 99)), 2)
        return {"requests": self.requests, "errors": self.errors, "sessions": len(self.sessions), **summary}

    def _op_help(self, request: dict) -> dict:
        return {"protocol": PROTOCOL_VERSION, "ops": {
            op: {"arguments": {name: {"type": _KINDS[kind], "required": required}
                               for name, (kind, required) in arguments.items()}, "does": does}
            for op, (arguments, does) in OPS.items()}}

    # -- the loop ------------------------------------------------------------------------------
    def serve(self, stdin: IO[bytes], stdout: IO[bytes]) -> int:
        """Answer every line of ``stdin`` until it ends; 0 then, or when the reader goes away."""
        limit = self.max_request_bytes
        while True:
            line = stdin.readline(limit + 1)
            if not line:
                return 0
            start = time.perf_counter()
            if len(line) > limit and not line.endswith(b"\n"):
                while True:  # drop the rest of the oversized line, in bounded pieces
                    rest = stdin.readline(1 << 20)
                    if not rest or rest.endswith(b"\n"):
                        break
            response = self.handle(line)
            try:
                stdout.write(_encode(response))
                stdout.flush()
            except (BrokenPipeError, ValueError):  # the reader closed the pipe
                return 0
            slot = self._timed_requests % TIMED
            self._timings[0, slot] = time.perf_counter() - start - self.library_seconds
            self._timings[1, slot] = self.library_seconds
            self._timed_requests += 1


def _encode(response: dict[str, Any]) -> bytes:
    try:
        text = json.dumps(response, separators=(",", ":"), allow_nan=False)
    except ValueError:  # a NaN score: never emit invalid JSON
        text = json.dumps(_finite(response), separators=(",", ":"))
    return text.encode("ascii") + b"\n"


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def run(predictor, personal=None, max_sessions: int = MAX_SESSIONS, max_request_bytes: int = MAX_REQUEST_BYTES) -> int:
    """Serve standard input/output (binary, so any bytes arrive as they are)."""
    server = Server(predictor, personal, max_sessions, max_request_bytes)
    try:
        return server.serve(sys.stdin.buffer, sys.stdout.buffer)
    except KeyboardInterrupt:
        return 130
