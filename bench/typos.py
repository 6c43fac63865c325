"""``python -m bench typos``: how well the bar fixes a slip of the finger.

Words of 3 or more letters (no quote at either edge) are sampled (seeded) from the test stream (PROTOCOL.md's normalized
tokens, the conversational test text by default). Each gets one realistic typo -- a neighbouring
key, two letters swapped, a letter left out, an extra letter (doubled or a neighbouring key) --
and is typed in full after its real context (the text before it, through one Session, as a
keyboard sees it). Reported:

- **top-3**: the intended word is in the bar (spelled exactly as intended; case-insensitive too);
- **autocorrect right**: :meth:`Session.autocorrection` is the intended word;
- **false autocorrect**: the same sampled words typed *correctly* -- how often space would replace
  them with something else;
- **at a mark**: the same two figures for the sampled words that a mark ends in the text
  ("tonight?"), with :meth:`Session.autocorrection` given that mark, as a keyboard applies it
  when the mark is typed;
- **keystroke savings with the typo**: the word typed letter by letter with its typo, the
  intended word tapped as soon as the bar shows it (one key) or else the whole typo and space:
  the keys saved against typing the intended word and space (PROTOCOL.md's keystroke savings,
  on words with a slip; the bar before the first letter counts too).

``--tune`` runs the same on the *validation* text over a grid of :class:`kbpredict.bar.Autocorrect`
policies and prints the best one whose false-autocorrect rate stays under the limit.
"""

from __future__ import annotations

import random
import time
from dataclasses import replace

from kbpredict import Predictor
from kbpredict.bar import Autocorrect
from kbpredict.spacing import ATTACHING
from kbpredict.typos import NEIGHBOURS

from .protocol import load_test_tokens, split_token

KINDS = ("neighbour", "transpose", "omit", "insert")


def make_typo(word: str, rng: random.Random) -> tuple[str, str] | None:
    """One realistic typo of ``word`` (kind, misspelling), or None if none applies."""
    letters = [i for i, ch in enumerate(word) if ch.isalpha()]
    if len(letters) < 3:
        return None
    for _ in range(10):
        kind = rng.choice(KINDS)
        i = rng.choice(letters)
        ch = word[i]
        if kind == "neighbour":
            near = sorted(NEIGHBOURS.get(ch.lower(), ()))
            if not near:
                continue
            new = rng.choice(near)
            typo = word[:i] + (new.upper() if ch.isupper() else new) + word[i + 1:]
        elif kind == "transpose":
            if i + 1 >= len(word) or not word[i + 1].isalpha() or word[i + 1] == ch:
                continue
            typo = word[:i] + word[i + 1] + ch + word[i + 2:]
        elif kind == "omit":
            typo = word[:i] + word[i + 1:]
        else:
            near = sorted(NEIGHBOURS.get(ch.lower(), ())) + [ch.lower()]
            extra = rng.choice(near)
            typo = word[: i + 1] + extra + word[i + 1:]
        if typo.lower() != word.lower():
            return kind, _cased_as(word, typo)
    return None


def _cased_as(word: str, typo: str) -> str:
    """The typo with the capitals where a phone puts them: shift capitalizes the first key pressed
    (a swap in "How" gives "Ohw", not "oHw"; an extra letter before it "Jhow"), caps lock every
    key. A word with capitals inside ("iPhone") keeps the typo's own."""
    if word.isupper():
        return typo.upper()
    if word[:1].isupper() and word[1:] == word[1:].lower():
        return typo[:1].upper() + typo[1:].lower()
    return typo


def samples(tokens: list[str], count: int, seed: int = 0) -> list[tuple[int, str, str, str]]:
    """(token index, intended word, kind, typo) for ``count`` sampled words of 3+ letters."""
    rng = random.Random(seed)
    eligible = []
    for i, token in enumerate(tokens):
        lead, word, rest = split_token(token)
        # a quote at a word's edge is a quotation mark, not part of the word ('Then, spanish')
        if (not lead and sum(ch.isalpha() for ch in word) >= 3 and word.replace("'", "").isalpha()
                and not word.startswith("'") and not word.endswith("'")):
            eligible.append(i)
    chosen = sorted(rng.sample(eligible, min(count, len(eligible))))
    found = []
    for i in chosen:
        word = split_token(tokens[i])[1]
        typo = make_typo(word, rng)
        if typo is not None:
            found.append((i, word, *typo))
    return found


def _context(tokens: list[str], i: int, chars: int = 2000) -> str:
    text = " ".join(tokens[:i]) + " " if i else ""
    return text[-chars:] if len(text) > chars else text


def _keys_used(session, context: str, word: str, typed: str) -> int:
    """Keys to enter ``word`` after ``context``, typing ``typed`` letter by letter and tapping the
    word as soon as the bar shows it, or else all of ``typed`` and space."""
    session.update(context)
    for n in range(len(typed) + 1):
        if word in [s.word for s in session.suggestions(3)]:
            return n + 1
        if n < len(typed):
            session.type(typed[n])
    return len(typed) + 1


def evaluate(predictor: Predictor, tokens: list[str], picked: list[tuple[int, str, str, str]],
             policies: list[Autocorrect], progress=None) -> dict:
    """Tallies for every policy (top-3 does not depend on the policy)."""
    session = predictor.session()
    in_top3 = in_top3_ci = 0
    by_kind: dict[str, list[int]] = {}
    right = [0] * len(policies)
    false = [0] * len(policies)
    saved = saved_typed_right = keys = 0
    right_by_kind: dict[str, int] = {}  # (the first policy's)
    saved_by_kind: dict[str, list[int]] = {}
    at_mark = [0, 0, 0]  # words a mark ends: how many, autocorrect right, false (the first policy's)
    started = time.perf_counter()
    for n, (i, word, kind, typo) in enumerate(picked):
        context = _context(tokens, i)
        used = _keys_used(session, context, word, typo)
        saved += len(word) + 1 - used
        saved_typed_right += len(word) + 1 - _keys_used(session, context, word, word)
        keys += len(word) + 1
        tally = saved_by_kind.setdefault(kind, [0, 0])
        tally[0] += len(word) + 1 - used
        tally[1] += len(word) + 1
        session.update(context + typo)
        bar = [s.word for s in session.suggestions(3)]
        hit = word in bar
        in_top3 += hit
        in_top3_ci += word.lower() in {w.lower() for w in bar}
        by_kind.setdefault(kind, [0, 0])
        by_kind[kind][0] += hit
        by_kind[kind][1] += 1
        for j, policy in enumerate(policies):
            session.autocorrect_policy = policy
            auto = session.autocorrection()
            right[j] += auto is not None and auto.word == word
            if j == 0:
                right_by_kind[kind] = right_by_kind.get(kind, 0) + (auto is not None and auto.word == word)
        mark = split_token(tokens[i])[2][:1]
        if mark in ATTACHING:
            session.autocorrect_policy = policies[0]
            auto = session.autocorrection(mark)
            at_mark[0] += 1
            at_mark[1] += auto is not None and auto.word == word
        session.update(context + word)
        for j, policy in enumerate(policies):
            session.autocorrect_policy = policy
            auto = session.autocorrection()
            false[j] += auto is not None and auto.word != word
        if mark in ATTACHING:
            session.autocorrect_policy = policies[0]
            auto = session.autocorrection(mark)
            at_mark[2] += auto is not None and auto.word != word
        if progress and (n + 1) % 200 == 0:
            progress(n + 1, len(picked))
    total = max(1, len(picked))
    return {
        "samples": len(picked),
        "top3": in_top3 / total,
        "top3_case_insensitive": in_top3_ci / total,
        "top3_by_kind": {k: hits / max(1, n) for k, (hits, n) in sorted(by_kind.items())},
        "autocorrect_right_by_kind": {k: right_by_kind.get(k, 0) / max(1, n) for k, (_, n) in sorted(by_kind.items())},
        "ksr_with_typo": saved / max(1, keys),
        "ksr_typed_right": saved_typed_right / max(1, keys),
        "ksr_with_typo_by_kind": {k: s / max(1, n) for k, (s, n) in sorted(saved_by_kind.items())},
        "at_mark": {"samples": at_mark[0], "autocorrect_right": at_mark[1] / max(1, at_mark[0]),
                    "false_autocorrect": at_mark[2] / max(1, at_mark[0])},
        "policies": [{"ratio": p.ratio, "unknown_share": p.unknown_share,
                      "autocorrect_right": right[j] / total, "false_autocorrect": false[j] / total}
                     for j, p in enumerate(policies)],
        "seconds": round(time.perf_counter() - started, 1),
    }


def run(bundle, test, words: int, count: int, seed: int = 0, tune: bool = False, limit: float = 0.01) -> dict:
    predictor = Predictor.load(bundle)
    tokens = load_test_tokens(str(test), words)
    picked = samples(tokens, count, seed)
    shipped = Autocorrect()
    if tune:
        policies = [replace(shipped, ratio=r, unknown_share=u)
                    for r in (0.4, 0.8, 1.6, 3.2) for u in (0.0000025, 0.000005, 0.00001, 0.00005)]
    else:
        policies = [shipped]
    result = evaluate(predictor, tokens, picked, policies,
                      lambda done, total: print(f"  {done}/{total} typos", flush=True))
    result.update({"test": str(test), "words": len(tokens), "seed": seed, "model": str(predictor.path)})
    if tune:
        ok = [p for p in result["policies"] if p["false_autocorrect"] <= limit * 0.8]
        result["best"] = max(ok, key=lambda p: p["autocorrect_right"]) if ok else None
    else:
        result.update(result.pop("policies")[0])
    return result


def table(result: dict) -> str:
    lines = [f"Typos: {result['samples']} words of 3+ letters from {result['test']} "
             f"(first {result['words']:,} words, seed {result['seed']}), one typo each, typed in context.", "",
             "| measure | result | target |", "|---|---|---|",
             f"| intended word in the top 3 | {result['top3']:.1%} (case-insensitive {result['top3_case_insensitive']:.1%}) | ≥ 75% |"]
    if "autocorrect_right" in result:
        lines += [f"| autocorrect candidate is the intended word | {result['autocorrect_right']:.1%} | ≥ 60% |",
                  f"| correctly typed word autocorrected into another | {result['false_autocorrect']:.2%} | ≤ 1% |"]
    mark = result.get("at_mark")
    if mark and mark["samples"]:
        lines += [f"| … of the {mark['samples']} words a mark ends (`. , ? ! : ;`), autocorrected as the mark is "
                  f"typed: right / false | {mark['autocorrect_right']:.1%} / {mark['false_autocorrect']:.2%} | |"]
    if "ksr_with_typo" in result:
        lines += [f"| keystroke savings on the words typed with their typo (typed right) | "
                  f"{result['ksr_with_typo']:.1%} ({result['ksr_typed_right']:.1%}) | |"]
    lines += ["", "Top 3 by kind of typo: " + ", ".join(f"{k} {v:.1%}" for k, v in result["top3_by_kind"].items())]
    if "autocorrect_right_by_kind" in result:
        lines += ["", "Autocorrect right by kind of typo: "
                  + ", ".join(f"{k} {v:.1%}" for k, v in result["autocorrect_right_by_kind"].items())]
    if "ksr_with_typo_by_kind" in result:
        lines += ["", "Keystroke savings with the typo by kind: "
                  + ", ".join(f"{k} {v:.1%}" for k, v in result["ksr_with_typo_by_kind"].items())]
    return "\n".join(lines) + "\n"
