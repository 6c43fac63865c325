"""Perplexity of a bundle on a test text, every token counted including end-of-line."""

from __future__ import annotations

import math
import time

import numpy as np

from kbpredict import Predictor
from train.data import documents, encode_documents, read_text


def perplexity(predictor: Predictor, path: str, text_format: str | None = None, max_tokens: int = 0,
               progress=None) -> dict:
    """Feed the test text token by token from begin-of-text; exp of the mean negative log-prob.

    The text is tokenized the way the model's training text was (its recorded text format):
    WikiText is normalized like the training text, already-tokenized text (PTB) is kept as is.
    Begin-of-text ids are context, not predictions, so they are not counted.
    """
    if text_format is None:
        text_format = predictor.info.training.get("train_config", {}).get("text_format", "auto")
    # the model's own ids: the runtime reads "tmr" as "tomorrow", but "tmr" is what is predicted
    ids = encode_documents(documents(read_text(path), text_format), predictor.vocab.plain())
    bos, unk = predictor.vocab.specials.begin_of_text, predictor.vocab.specials.unknown
    if max_tokens:
        ids = ids[: max_tokens + 1]
    model = predictor.model
    state = model.initial_state()
    nll, counted = 0.0, 0
    started = time.perf_counter()
    log_probs = None
    for position, token in enumerate(ids.tolist()):
        if log_probs is not None and token != bos:
            nll -= float(log_probs[token])
            counted += 1
        if token == bos:
            state = model.initial_state()
        log_probs, state = model.feed([token], state)
        if progress is not None and position % 1000 == 0:
            progress(position, len(ids))
    return {
        "test_file": str(path), "text_format": text_format, "tokens": counted,
        "perplexity": round(math.exp(nll / max(1, counted)), 2),
        "unknown_rate": round(float(np.mean(ids == unk)), 4),
        "vocabulary": len(predictor.vocab), "precision": predictor.info.precision,
        "seconds": round(time.perf_counter() - started, 1),
    }
