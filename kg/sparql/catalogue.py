"""The catalogue of queries kg ships: finding them by name, telling a name from a file or a
query text, loading them.

* The **public** named queries live in ``queries/NAME.rq`` (``kg query --list``; their names
  and columns are a contract), some with a plain lookup form in ``queries/lookup/NAME.rq``.
* The **internal** queries live with the code that runs them (the graph views' and identity
  resolution's ``view_*.rq`` in ``kg/graph/queries/``); they are not listed and their columns
  are not a contract. :func:`internal_query` loads one.

:func:`load_query` reads what a user typed as ``kg query ARGUMENT``; :func:`query_kind`
says how it reads it (the rule is documented there and in the README).
"""

from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TextIO

from kg.errors import QueryError, UsageError

if TYPE_CHECKING:
    from kg.ordering import OrderKey

__all__ = [
    "INTERNAL_DIRS",
    "LOOKUP_DIR",
    "QUERY_SUFFIX",
    "QueryText",
    "UnknownQuery",
    "internal_queries",
    "internal_query",
    "load_query",
    "named_queries",
    "query_header",
    "query_kind",
]

QUERY_SUFFIX = ".rq"
LOOKUP_DIR = "lookup"
"""Beside the named queries: ``lookup/NAME.rq``, a plain form of NAME that gives the same rows
and order; the named form is tuned for whole listings (hash joins over full scans), the
lookup form follows index lookups from parameter values."""

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
INTERNAL_DIRS: tuple[Path, ...] = (_PACKAGE_DIR / "graph" / "queries",)
"""Where the internal queries live, beside the modules that run them (inside the package, so
the wheel ships them)."""


class UnknownQuery(QueryError, UsageError):
    """A query name that is neither a public nor an internal query: a usage error (exit 2)."""


@dataclass(frozen=True)
class QueryText:
    """A SPARQL query and where it came from (``name`` is used in messages)."""

    name: str
    text: str
    source: str
    lookup: str | None = None  # a plain form of the same query, run when parameters are given
    named: bool = False  # a named query (queries/NAME.rq): parameters must name its columns

    @functools.cached_property
    def order_split(self) -> tuple[str, list[OrderKey]] | None:
        """:func:`kg.sparql.lexer.split_order_by` of the text, worked out once per query text."""
        from kg.sparql.lexer import split_order_by

        return split_order_by(self.text)


def _default_queries_dir() -> Path:
    from kg.resources import resource_path  # deferred: resolved only when asked

    return resource_path("queries")


def _listing(directory: Path) -> dict[str, Path]:
    if not directory.is_dir():
        return {}
    files = sorted(p for p in directory.iterdir() if p.suffix == QUERY_SUFFIX and p.is_file())
    return {path.stem: path for path in files}


def named_queries(queries_dir: str | Path | None = None) -> dict[str, Path]:
    """The public named queries, name (file stem) → path, sorted by name."""
    return _listing(Path(queries_dir) if queries_dir is not None else _default_queries_dir())


def internal_queries() -> dict[str, Path]:
    """The internal queries (``view_*``), name → path, sorted by name; not part of the contract."""
    found: dict[str, Path] = {}
    for directory in INTERNAL_DIRS:
        found.update(_listing(directory))
    return dict(sorted(found.items()))


def _read(path: Path, name: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QueryError(f"no such query file: {path}") from None
    except IsADirectoryError:
        raise QueryError(f"query file {path} is a directory") from None
    except UnicodeDecodeError:
        raise QueryError(f"query {name}: {path} is not UTF-8 text") from None
    except OSError as error:
        raise QueryError(f"cannot read query file {path}: {error.strerror or error}") from None


def internal_query(name: str) -> QueryText:
    """The internal query ``name`` (e.g. ``view_types``), as a named query (parameters name
    its columns). Raises ``QueryError`` when there is none of that name."""
    path = internal_queries().get(name)
    if path is None:
        raise QueryError(f"no internal query {name!r}")
    return QueryText(name, _read(path, name), str(path), named=True)


QueryKind = Literal["stdin", "text", "file", "name"]

_TEXT_START = re.compile(r"\s*(?:#|(?:PREFIX|BASE|SELECT|ASK|CONSTRUCT|DESCRIBE)(?=[\s*?$<({]))", re.IGNORECASE)


def query_kind(argument: str) -> QueryKind:
    """How ``kg query ARGUMENT`` reads its argument, in this order:

    1. ``-``: the query is read from stdin;
    2. SPARQL text: the argument starts (after blanks) with ``#`` or with one of the
       keywords a query can open with (``PREFIX``, ``BASE``, ``SELECT``, ``ASK``,
       ``CONSTRUCT``, ``DESCRIBE``, any case) followed by a blank or one of ``* ? $ < ( {``;
    3. a file: it ends with ``.rq`` or contains ``/`` (or ``\\``), e.g. ``./select``;
    4. otherwise a name (``members``): a public named query, else an internal one.

    A file whose name reads as text (``SELECT x.rq``) is given with a directory: ``./SELECT x.rq``.
    """
    if argument == "-":
        return "stdin"
    if _TEXT_START.match(argument):
        return "text"
    if argument.endswith(QUERY_SUFFIX) or "/" in argument or "\\" in argument:
        return "file"
    return "name"


def _unknown(name: str, known: dict[str, Path]) -> UnknownQuery:
    import difflib  # deferred: only a mistyped name needs it

    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    listing = ", ".join(known) if known else "(none installed)"
    return UnknownQuery(f"unknown query {name!r}{hint} (named queries: {listing}; "
                        "or give a .rq file, SPARQL text, or - for stdin)")


def load_query(
    name_or_path: str,
    stdin: TextIO | None = None,
    *,
    queries_dir: str | Path | None = None,
    internal: bool = True,
) -> QueryText:
    """Load a query given as a name, a path to a file, SPARQL text, or ``-`` (stdin), as
    :func:`query_kind` tells them apart.

    A name is looked up among the named queries (of ``queries_dir`` when given), then, with
    ``internal`` and no ``queries_dir``, among the internal ones. An unknown name raises
    :class:`UnknownQuery` (a ``QueryError`` and a ``UsageError``) with the closest names.
    """
    kind = query_kind(name_or_path)
    if kind == "stdin":
        stream = stdin if stdin is not None else sys.stdin
        text = stream.read()
        if not text.strip():
            raise QueryError("the query read from stdin is empty")
        return QueryText("<stdin>", text, "<stdin>")
    if kind == "text":
        return QueryText("query", name_or_path, "<command line>")
    if kind == "file":
        path = Path(name_or_path)
        if not path.exists() and path.suffix == QUERY_SUFFIX and path.name == name_or_path \
                and path.stem in named_queries(queries_dir):
            raise QueryError(f"no such query file: {path} (for the named query, kg query {path.stem})")
        return QueryText(path.stem, _read(path, path.stem), str(path))
    known = named_queries(queries_dir)
    if name_or_path not in known:
        if internal and queries_dir is None and name_or_path in internal_queries():
            return internal_query(name_or_path)
        raise _unknown(name_or_path, known)
    path = known[name_or_path]
    lookup = path.parent / LOOKUP_DIR / path.name
    return QueryText(name_or_path, _read(path, name_or_path), str(path),
                     _read(lookup, name_or_path) if lookup.is_file() else None, named=True)


def query_header(text: str) -> str:
    """The comment block that opens a query, without the ``#`` marks (for ``kg query --list``)."""
    lines: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            if lines:
                break
            continue
        if not stripped.startswith("#"):
            break
        body = stripped[1:]
        lines.append(body[1:] if body.startswith(" ") else body)
    return "\n".join(lines).strip()
