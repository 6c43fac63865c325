"""Tune the text cache's weights (``kbpredict.candidates.RecentWords``) for keystroke savings.

Tuned on WikiText-2 *validation* text, never on the test text the bench reports: each setting is
one PROTOCOL.md simulation through the incremental Session, and the model-only session (no cache)
is the first row for reference. ``python -m bench tune-recent`` writes the rows as JSON.
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from pathlib import Path

from kbpredict import Predictor
from kbpredict.candidates import RecentWords

from .engines import KbpredictEngine
from .protocol import simulate

# The grid: each knob's values around the shipped setting.
GRID: dict[str, list[float]] = {
    "weight": [0.05, 0.1, 0.15],
    "pair_weight": [0.1, 0.2],
    "prior_pairs": [0, 1],
}


@contextmanager
def knobs(**values: float):
    """Set RecentWords' class attributes for the duration of the block."""
    old = {name: getattr(RecentWords, name) for name in values}
    try:
        for name, value in values.items():
            setattr(RecentWords, name, value)
        yield
    finally:
        for name, value in old.items():
            setattr(RecentWords, name, value)


def evaluate(predictor: Predictor, tokens: list[str], adapt: bool = True, k: int = 3) -> dict:
    engine = KbpredictEngine(predictor, adapt=adapt)
    result, _ = simulate(engine, tokens, k)
    row = result.to_dict()
    return {key: round(row[key], 4) for key in ("ksr", "ksr_case_insensitive", "next_word_top1", "next_word_top3",
                                                "completion_after_1_top3", "completion_after_2_top3")}


def tune(bundle: Path, tokens: list[str], grid: dict[str, list[float]] = GRID, progress=None) -> dict:
    """Every combination of ``grid``; rows sorted best KSR first, plus the model-only baseline."""
    predictor = Predictor.load(bundle)
    shipped = {name: getattr(RecentWords, name) for name in grid}
    baseline = evaluate(predictor, tokens, adapt=False)
    rows = []
    combos = list(itertools.product(*grid.values()))
    for done, values in enumerate(combos):
        setting = dict(zip(grid, values))
        with knobs(**setting):
            rows.append({**setting, **evaluate(predictor, tokens)})
        if progress is not None:
            progress(done + 1, len(combos))
    rows.sort(key=lambda row: -row["ksr"])
    return {"tokens": len(tokens), "model_only": baseline, "shipped": shipped, "rows": rows}
