"""The exception family of kg: every failure a user can cause is a ``KgError``.

The CLI turns a ``KgError`` into one line on stderr and a non-zero exit; anything else is a bug.
"""

from __future__ import annotations


class KgError(Exception):
    """Base class: ``str(error)`` is a complete one-line message for the user."""


class InputError(KgError):
    """An article source could not be read (missing, empty, binary, undecodable, malformed)."""

    def __init__(self, source: str, problem: str, line: int | None = None) -> None:
        self.source = source
        self.problem = problem
        self.line = line
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {problem}")


class StoreError(KgError):
    """The store could not be opened, read or written."""


class QueryError(KgError):
    """A query is unknown, malformed, or got bad parameters."""


class ValidationError(KgError):
    """A graph does not conform to the SHACL shapes."""


class UsageError(KgError):
    """The command line asks for something that cannot be done (exit code 2)."""
