"""The library's exceptions. The CLI turns each into a one-line message and a non-zero exit."""


class KbpredictError(Exception):
    """Base class of every error kbpredict raises on purpose."""


class ModelError(KbpredictError):
    """A model bundle cannot be used."""


class ModelNotFoundError(ModelError, FileNotFoundError):
    """The bundle directory, or a file it needs, does not exist."""


class DefaultModelMissingError(ModelNotFoundError):
    """This installation ships no default model."""


class ModelCorruptError(ModelError):
    """A bundle file is truncated, altered or unreadable (checksum or parse failure)."""


class ModelFormatError(ModelError):
    """The bundle is readable but not something this version of kbpredict understands."""


class InvalidArgumentError(KbpredictError, ValueError):
    """An argument is out of range (for example ``k < 1``)."""
