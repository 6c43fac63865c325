"""A small synthetic English corpus with learnable regularities, written by the tests themselves."""

from __future__ import annotations

import random

VERBS = ["see", "visit", "buy", "read"]
NOUNS = ["book", "house", "garden", "river", "letter", "city"]
ADJECTIVES = ["old", "small", "quiet", "green"]
NAMES = ["Anna", "London", "Paris", "Maria"]


def sentences(count: int, seed: int = 0) -> list[str]:
    """``count`` sentences from a few templates, each with a predictable continuation."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        template = rng.randrange(5)
        noun, adj, verb, name = rng.choice(NOUNS), rng.choice(ADJECTIVES), rng.choice(VERBS), rng.choice(NAMES)
        if template == 0:
            out.append(f"I would like to {verb} the {adj} {noun}.")
        elif template == 1:
            out.append(f"The {adj} {noun} is near {name}, and it's lovely.")
        elif template == 2:
            out.append(f"We went to {name} to {verb} a {noun} yesterday.")
        elif template == 3:
            out.append(f"\"Thank you very much,\" said {name}.")
        else:
            out.append(f"There were {rng.randrange(2, 40)} {noun}s in the well-known {adj} {noun}.")
    return out


def text(count: int, seed: int = 0, per_line: int = 4) -> str:
    """Paragraphs of ``per_line`` sentences."""
    items = sentences(count, seed)
    return "\n".join(" ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)) + "\n"
