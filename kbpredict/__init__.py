"""kbpredict: on-device next-word prediction and word completion for keyboards.

    >>> from kbpredict import Predictor
    >>> predictor = Predictor.load()             # the shipped default model
    >>> predictor.suggest("I would like to ")    # [Suggestion(word='see', score=0.04), ...]
"""

import os as _os

# onnxruntime writes a device id and a telemetry queue under ~/.cache/Microsoft unless this is set
# before it is imported. A keyboard engine writes nothing the user did not ask for; an app that
# wants the telemetry sets the variable itself first.
_os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

from .candidates import Suggestion  # noqa: E402 (after the telemetry switch)
from .errors import (  # noqa: E402
    DefaultModelMissingError,
    InvalidArgumentError,
    KbpredictError,
    ModelCorruptError,
    ModelError,
    ModelFormatError,
    ModelNotFoundError,
)
from .personal import LearnedWord, PersonalModel, PersonalModelError, PersonalModelWarning  # noqa: E402
from .predictor import Predictor  # noqa: E402
from .session import Session  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "Predictor", "Session", "Suggestion", "PersonalModel", "LearnedWord", "PersonalModelError",
    "PersonalModelWarning", "KbpredictError", "ModelError", "ModelNotFoundError",
    "DefaultModelMissingError", "ModelCorruptError", "ModelFormatError", "InvalidArgumentError", "__version__",
]
