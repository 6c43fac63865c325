"""Spaces around accepted suggestions and punctuation, as phone keyboards handle them.

- Accepting a suggestion inserts the word and a space (an *automatic* space); right after
  punctuation that ends a word (``Hi.``, ``Hello,``) it inserts the space before the word too.
- Typing ``. , ? ! : ;`` right after an automatic space moves the space after the mark:
  "tomorrow ." becomes "tomorrow. " (the new space is automatic too, so "..." and "?!" work).
- A space typed right after an automatic space is absorbed (it would make two).

The session tells the app what to change with an :class:`Edit`: delete ``delete`` characters
before the cursor, then insert ``insert``. The app applies it to its own text field.
"""

from __future__ import annotations

from dataclasses import dataclass

# Marks that attach to the word before them: typed after an automatic space, they take its place.
ATTACHING = frozenset(".,?!:;")
# After these, an accepted word needs a space first ("Hi." + "The" -> "Hi. The ").
SPACE_AFTER = frozenset(".,?!:;)]}…”")


@dataclass(frozen=True)
class Edit:
    """A change for the app to make at the cursor: delete ``delete`` characters before it, then
    insert ``insert``."""

    delete: int
    insert: str

    def apply(self, text_before_cursor: str) -> str:
        """The text before the cursor after this edit (a convenience for apps and tests)."""
        kept = text_before_cursor[: len(text_before_cursor) - self.delete] if self.delete else text_before_cursor
        return kept + self.insert


def accepted_text(committed: str, word: str, typed: str = "") -> str:
    """What accepting ``word`` inserts after ``committed`` (the text before the word being typed),
    in place of ``typed``. A word already begun right after a mark ("7:3") stays attached to it."""
    lead = " " if not typed and committed and committed[-1] in SPACE_AFTER else ""
    return lead + word + " "


def after_automatic_space(chars: str) -> Edit | None:
    """The edit that follows typing ``chars`` right after an automatic space (the app has already
    inserted them), or None if nothing changes."""
    if chars in ATTACHING:
        return Edit(2, chars + " ")  # "word ." -> "word. "
    if chars == " ":
        return Edit(1, "")  # the second space is absorbed
    return None
