"""``python -m bench serve``: the JSON-lines server under a scripted client.

100,000 requests over 100 sessions, about 1% of them malformed, written to ``kbpredict serve``
in a subprocess while its responses are read: every line must get its response, in order, with
the expected success or error, and the server must exit 0 at end of input. The server reports its
own time per request (reading the line, JSON in and out, checks, writing) apart from the library
calls it makes; the issue's bar is that overhead's median.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

MALFORMED = ["{", "null", "[]", "{\"op\": \"fly\"}", "{\"op\": \"type\"}", "{\"op\": \"type\", \"session\": 5}",
             "}{", "\"\\ud800\"", "{\"op\": \"backspace\", \"session\": \"s0\", \"n\": \"x\"}", "\x00\x01",
             "{\"op\": \"suggest\", \"session\": \"s0\", \"k\": 10000}"]


def script(words: list[str], requests: int = 100_000, sessions: int = 100, malformed: float = 0.01,
           seed: int = 0) -> tuple[list[str], list[bool]]:
    """The request lines and whether each should succeed: each session types messages of the test
    text key by key, with backspaces, accepts, cursor jumps (update), plain queries, finishes."""
    rng = random.Random(seed)
    lines: list[str] = []
    ok: list[bool] = []

    def add(request: dict, success: bool = True) -> None:
        lines.append(json.dumps({"id": len(lines), **request}))
        ok.append(success)

    names = [f"s{i}" for i in range(sessions)]
    typed = {name: "" for name in names}
    cursor = {name: rng.randrange(len(words)) for name in names}
    for name in names:
        add({"op": "open", "session": name})
    while len(lines) < requests - 1:
        if rng.random() < malformed:
            lines.append(rng.choice(MALFORMED))
            ok.append(False)
            continue
        name = rng.choice(names)
        roll = rng.random()
        if roll < 0.86:  # the next key of the session's text
            word = words[cursor[name] % len(words)]
            position = len(typed[name]) - typed[name].rfind(" ") - 1
            key = word[position] if position < len(word) else " "
            if key == " ":
                cursor[name] += 1
            typed[name] += key
            add({"op": "type", "session": name, "text": key})
        elif roll < 0.92:
            n = rng.randint(1, 3)
            typed[name] = typed[name][: max(0, len(typed[name]) - n)]
            add({"op": "backspace", "session": name, "n": n})
        elif roll < 0.95:
            add({"op": "suggest", "session": name, "k": rng.randint(1, 5)})
        elif roll < 0.97:
            word = words[cursor[name] % len(words)]
            cursor[name] += 1
            typed[name] = typed[name][: len(typed[name]) - (len(typed[name]) - typed[name].rfind(" ") - 1)] + word + " "
            add({"op": "accept", "session": name, "word": word})
        elif roll < 0.99:
            typed[name] = typed[name][: rng.randint(0, len(typed[name]))]  # a cursor jump back
            add({"op": "update", "session": name, "text": typed[name]})
        else:
            typed[name] = ""
            add({"op": "finish", "session": name})
    add({"op": "stats"})
    return lines, ok


def run(bundle: Path | None, words: list[str], requests: int = 100_000, sessions: int = 100,
        malformed: float = 0.01) -> dict:
    """Drive ``kbpredict serve`` with the script; the figures and the checks' outcome."""
    lines, expected = script(words, requests, sessions, malformed)
    command = [sys.executable, "-m", "kbpredict", "serve", "--no-learn", "--max-sessions", str(sessions)]
    if bundle is not None:
        command += ["--model", str(bundle)]
    started = time.perf_counter()
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def write() -> None:
        try:
            for line in lines:
                server.stdin.write(line.encode("utf-8") + b"\n")
            server.stdin.close()
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    responses = [json.loads(line) for line in server.stdout]
    writer.join()
    code = server.wait(timeout=60)
    elapsed = time.perf_counter() - started
    stderr = server.stderr.read().decode("utf-8", "replace")
    answered = len(responses) == len(lines)
    matches = answered and all(r["ok"] == want for r, want in zip(responses, expected))
    in_order = answered and all(r["id"] == i for i, (r, want) in enumerate(zip(responses, expected)) if want)
    stats = responses[-1] if answered else {}
    return {
        "requests": len(lines), "sessions": sessions, "malformed": expected.count(False),
        "responses": len(responses), "every_line_answered": answered, "expected_outcomes": matches,
        "in_order": in_order, "exit_code": code, "stderr": stderr[-2000:],
        "wall_s": round(elapsed, 2), "requests_per_s": round(len(lines) / elapsed),
        "server_errors": stats.get("errors"),
        "overhead_median_us": stats.get("overhead_median_us"), "overhead_p99_us": stats.get("overhead_p99_us"),
        "library_median_us": stats.get("library_median_us"), "library_p99_us": stats.get("library_p99_us"),
    }


def table(result: dict) -> str:
    """The markdown summary."""
    passed = (result["every_line_answered"] and result["expected_outcomes"] and result["in_order"]
              and result["exit_code"] == 0)
    return "\n".join([
        "| figure | value |", "|---|---|",
        f"| requests (sessions; malformed lines) | {result['requests']:,} ({result['sessions']}; {result['malformed']:,}) |",
        f"| responses; every line answered, in order, with the expected outcome; exit code | {result['responses']:,}; "
        f"{'yes' if passed else '**no**'}; {result['exit_code']} |",
        f"| server overhead per request (reading, JSON, checks, writing), median / p99 (µs) | "
        f"{result['overhead_median_us']} / {result['overhead_p99_us']} |",
        f"| library calls per request, median / p99 (µs) | {result['library_median_us']} / {result['library_p99_us']} |",
        f"| wall time, client and server (s); requests per second | {result['wall_s']}; {result['requests_per_s']:,} |",
        f"| goal: every line answered, no crash; overhead median ≤ 50 µs | "
        f"{'met' if passed and (result['overhead_median_us'] or 1e9) <= 50 else '**not met**'} |",
    ]) + "\n"
