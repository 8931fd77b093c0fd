"""The exceptions the library raises. Each message is one line that says what to do.

The CLI and the chat print ``str(error)`` and never a traceback for these.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: a problem the user can fix; the message says how."""


class ConfigError(AssistantError):
    """A setting or command-line option has a value that cannot be used."""


class CorpusError(AssistantError):
    """The corpus directory is missing, empty, or holds an article that cannot be used."""


class ArticleError(CorpusError):
    """One article file cannot be read; ``reason`` says why (used to skip it)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexMissingError(AssistantError):
    """There is no built index where one is expected."""


class IndexMismatchError(AssistantError):
    """The index was built with other settings (model, chunker, format) than asked for."""


class IndexFormatError(IndexMismatchError):
    """The index was written by another version of this program, in a format this one does not read."""

    def __init__(self, message: str, found: object) -> None:
        super().__init__(message)
        self.found = found


class IndexCorruptError(AssistantError):
    """An index file is missing, truncated or altered."""


class IndexLockedError(AssistantError):
    """Another build holds the index lock."""


class IndexWriteError(AssistantError):
    """The index cannot be written (full disk, read-only or misnamed folder); the live one is unchanged."""


class ModelError(AssistantError):
    """The embedding model cannot be loaded."""


class QuestionError(AssistantError):
    """A question cannot be used (empty, no words, ...)."""


class QuestionSetError(AssistantError):
    """A question-set file is malformed or quotes text that is not in the corpus."""


class LLMError(AssistantError):
    """The optional language-model endpoint failed; the caller falls back to extractive answers."""


class InputError(AssistantError):
    """A file given to ``add`` cannot become an article; ``reason`` says why and what to do."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
