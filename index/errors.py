"""The one exception tree of zeitungssuche.

Every error the project raises on purpose is a :class:`ZsucheError`. The
command line turns them into a clean message and an exit code; library users
catch :class:`ZsucheError` (or a subclass) and never see a Whoosh exception.
"""

from __future__ import annotations

from pathlib import Path


class ZsucheError(Exception):
    """Base class of every error raised by zeitungssuche."""

    #: what the user can do about it, shown after the message
    hint: str = ""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        if hint:
            self.hint = hint

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:
        text = self.message
        return f"{text} ({self.hint})" if self.hint else text


class ArticleError(ZsucheError):
    """An article file (or one JSONL line) could not be read.

    ``path`` and ``line`` say where; ``line`` is 1-based, or ``None`` when the
    whole file is at fault (empty, binary, unreadable).
    """

    def __init__(
        self,
        path: str | Path | None,
        reason: str,
        *,
        line: int | None = None,
        hint: str = "",
    ) -> None:
        self.path = str(path) if path is not None else "<text>"
        self.line = line
        self.reason = reason
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {reason}", hint=hint)


class IndexStoreError(ZsucheError):
    """The index on disk is missing, unreadable, locked or not writable."""


class SchemaVersionError(IndexStoreError):
    """The index was written by another schema version and must be rebuilt."""

    hint = "rebuild with `zsuche index`"


class IndexLockedError(IndexStoreError):
    """Another process holds the index's write lock."""


class IndexNotFoundError(IndexStoreError):
    """No index exists at the given location."""

    hint = "build one with `zsuche index PATH`"


class QueryError(ZsucheError):
    """A search query is malformed, too large or names an unknown field.

    ``position`` is the 0-based character offset of the problem in ``query``
    where it is known.
    """

    def __init__(
        self, query: str, reason: str, *, position: int | None = None, hint: str = ""
    ) -> None:
        self.query = query
        self.reason = reason
        self.position = position
        super().__init__(f"bad query {query!r}: {reason}", hint=hint)

    def pointer(self) -> str:
        """The query with a caret under the problem, for terminals."""
        if self.position is None:
            return self.query
        pos = max(0, min(self.position, len(self.query)))
        return f"{self.query}\n{' ' * pos}^"


class ArticleNotFoundError(ZsucheError):
    """No article with the given id is in the index."""


class AnalysisError(ZsucheError):
    """The analyzer was configured wrongly (unknown stemmer, bad option)."""
