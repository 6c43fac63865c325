"""kbpredict: on-device next-word prediction and word completion for keyboards.

    >>> from kbpredict import Predictor
    >>> predictor = Predictor.load()             # the shipped default model
    >>> predictor.suggest("I would like to ")    # [Suggestion(word='see', score=0.04), ...]
"""

from .candidates import Suggestion
from .errors import (
    DefaultModelMissingError,
    InvalidArgumentError,
    KbpredictError,
    ModelCorruptError,
    ModelError,
    ModelFormatError,
    ModelNotFoundError,
)
from .predictor import Predictor
from .session import Session

__version__ = "0.1.0"

__all__ = [
    "Predictor", "Session", "Suggestion", "KbpredictError", "ModelError", "ModelNotFoundError",
    "DefaultModelMissingError", "ModelCorruptError", "ModelFormatError", "InvalidArgumentError", "__version__",
]
