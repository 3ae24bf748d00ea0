"""The Python front door: open a store, build articles into it, ask it questions, extract facts.

``import kg`` gives these four functions (and :class:`Rows`); each imports what it needs when
called, so ``import kg`` stays cheap and does no I/O. The ``kg`` command is a thin layer over
the same functions: ``kg build`` is :func:`build`, ``kg query`` is :func:`query`.

Examples
--------
>>> import kg
>>> store = kg.open()                           # in memory; kg.open("my-kg") for a folder
>>> report = kg.build([kg.sample_article()], store=store, fast=True)
>>> report.built, report.failed
(1, 0)
>>> rows = kg.query("members", store=store)
>>> "memberLabel" in rows.columns
True
>>> len(rows)
22
>>> albania = kg.query("members", store=store, memberLabel="Albania")
>>> [(row["memberLabel"], row["iso3"]) for row in albania]
[('Albania', 'ALB')]
>>> facts = kg.extract("Germany and France signed a treaty in Paris on Monday.", fast=True)
>>> sorted(actor.name for actor in facts.actors.values())
['France', 'Germany']
>>> store.close()
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from kg.errors import KgError, UsageError

if TYPE_CHECKING:  # only for the annotations: nothing below is imported at run time here
    from rdflib import Graph

    from kg.builder import BuildReport
    from kg.extraction.facts import ArticleFacts
    from kg.store import Store

__all__ = ["Rows", "build", "extract", "open", "query", "sample_article"]

def open(  # noqa: A001 - kg.open, as io.open and kg.store.open
    location: str | os.PathLike[str] | None = None,
    *,
    create: bool = True,
    read_only: bool = False,
) -> Store:
    """Open a knowledge-graph store.

    Parameters
    ----------
    location
        A folder (created when missing, unless ``create=False``), a SPARQL endpoint URL
        (``http://…`` or ``https://…``: a remote store), or ``None`` for a new store in memory.
    create
        Create a missing folder store; with ``False`` a missing store is an error.
    read_only
        Open without the writer lock; every write then raises ``StoreError``.

    Returns
    -------
    Store
        The store; use it as a context manager, or call ``close()``.

    Raises
    ------
    kg.errors.StoreError
        When the store cannot be opened (one line saying why).

    Examples
    --------
    >>> import kg
    >>> with kg.open() as store:
    ...     len(store)
    0
    """
    from kg import store as stores

    return stores.open(location, create=create, read_only=read_only)


def sample_article() -> Path:
    """The bundled reference article (a 2012 wire story), the default input of ``kg build``.

    Examples
    --------
    >>> import kg
    >>> kg.sample_article().name
    'global_alliance_2012.txt'
    """
    from kg.reading.sources import default_article_path

    return default_article_path()


def build(
    sources: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    store: Store | str | os.PathLike[str] | None = None,
    force: bool = False,
    fast: bool = False,
    jobs: int | None = 1,
    identity: bool = True,
    shards: str | os.PathLike[str] | None = None,
    on_article: Callable[[Any], None] | None = None,
    on_error: Callable[[str], None] | None = None,
    prune: bool = False,
) -> BuildReport:
    """Build articles into a store, one named graph per article, as ``kg build`` does.

    Parameters
    ----------
    sources
        Article files (``.txt .md .html .jsonl .jsonl.gz``), directories, glob patterns or
        N-Quads shards; one path or a list of them.
    store
        An open store (left open), or a location as for :func:`open` (opened and closed here).
        ``None`` with ``shards`` writes the shards only.
    force
        Rebuild articles even when unchanged.
    fast
        Rules only, without the statistical parser: several times faster, fewer facts right.
    jobs
        Worker processes that extract (``1``: this process; ``None``: kg's default for this
        machine, as the command line uses).
    identity
        Resolve surname-only persons across articles after the build.
    shards
        Also write every built graph as N-Quads shards into this (new or empty) directory.
    on_article, on_error
        Called with each built or skipped article's summary, and with each problem (one line).
    prune
        First remove the graphs of articles whose file inside one of the directories of
        ``sources`` is gone (deleted or renamed), as ``kg build --prune`` does (``kg.prune``).

    Returns
    -------
    kg.builder.BuildReport
        Counts (``built``, ``skipped``, ``duplicates``, ``pruned``, ``failed``, ``triples``), the
        facts per type, the first errors, and ``derived_dropped``: the graphs made from the
        articles before this build (``kg link``'s, ``kg analyse --write``'s) that a build which
        changed an article removed. A bad input never raises: it is counted and reported.

    Raises
    ------
    kg.errors.KgError
        When the store, the shard directory or the engine fails.
    """
    from kg.builder import build as run_build

    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    sources = [os.fspath(source) for source in sources]
    if store is None and shards is None:
        raise UsageError("build needs a store (or a location for one), shards, or both")
    if prune and store is None:
        raise UsageError("prune removes articles from a store: give store=")
    options: dict[str, Any] = {"force": force, "fast": fast, "jobs": jobs, "identity": identity,
                               "shards": shards, "on_article": on_article, "on_error": on_error,
                               "prune": prune}
    if store is None or hasattr(store, "query"):
        return run_build(sources, store, **options)
    with open(store) as opened:
        return run_build(sources, opened, **options)


@dataclass(frozen=True)
class Rows(Sequence[dict[str, Any]]):
    """The answer to a SELECT query: its columns and rows, as plain Python values or RDF terms.

    Iterating gives one ``dict`` per row (column → value: an IRI or blank node as ``str``, a
    literal as its Python value — ``int``, ``float``, ``Decimal``, ``datetime.date``, ``bool``
    or ``str`` — and ``None`` when unbound). ``terms`` keeps the RDF terms as the store gave them.

    Examples
    --------
    >>> rows = Rows(("name", "n"), ((_literal("Holder"), _literal(2)),))
    >>> list(rows)
    [{'name': 'Holder', 'n': 2}]
    >>> rows[0]["n"], len(rows)
    (2, 1)
    """

    columns: tuple[str, ...]
    terms: tuple[tuple[Any, ...], ...]

    def __len__(self) -> int:
        return len(self.terms)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self._row(row) for row in self.terms[index]]
        return self._row(self.terms[index])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self._row(row) for row in self.terms)

    def _row(self, row: tuple[Any, ...]) -> dict[str, Any]:
        return {name: python_value(term) for name, term in zip(self.columns, row)}

    def to_pandas(self) -> Any:
        """The rows as a ``pandas.DataFrame`` (one column per query column), pandas needed.

        Raises ``KgError`` naming the package to install when pandas is missing.
        """
        pandas = _optional("pandas", "to_pandas")
        return pandas.DataFrame(list(self), columns=list(self.columns))

    def to_polars(self) -> Any:
        """The rows as a ``polars.DataFrame`` (values as for iteration; polars needed)."""
        polars = _optional("polars", "to_polars")
        return polars.DataFrame([list(row.values()) for row in self], schema=list(self.columns), orient="row",
                                infer_schema_length=None)


def _optional(module: str, method: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise KgError(f"Rows.{method}() needs {module}: pip install {module}") from None


def python_value(term: Any) -> Any:
    """An RDF term's plain Python value: ``str`` for an IRI or a blank node (``_:label``), the
    literal's value for a literal (its text when the datatype is unknown or the text ill-typed),
    ``None`` for None."""
    if term is None:
        return None
    from rdflib import BNode, Literal

    if isinstance(term, Literal):
        value = term.toPython()
        return str(term) if value is term or term.ill_typed else value
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _literal(value: object) -> Any:  # for the docstring examples
    from rdflib import Literal

    return Literal(value)


def query(
    name_or_text: str,
    *,
    store: Store | str | os.PathLike[str],
    params: Mapping[str, str] | None = None,
    **columns: str,
) -> Rows | bool | Graph:
    """Ask a named query (``queries/NAME.rq``), a ``.rq`` file, or SPARQL text.

    Parameters
    ----------
    name_or_text
        ``"members"`` (see ``kg query --list``), a path to a ``.rq`` file, or a query text
        (starting with ``SELECT``, ``PREFIX``, ``ASK``, …).
    store
        An open store (left open), or a location as for :func:`open` (opened read-only here).
    params, **columns
        Values that narrow a named query's answer to the rows whose column equals them, as
        ``kg query --param``: ``member="https://w3id.org/kgnews/id/country/USA"``. A value
        that is not an IRI is compared with the column's literal text. ``params`` holds those
        whose name is not a Python identifier.

    Returns
    -------
    Rows or bool or rdflib.Graph
        The rows of a SELECT, the answer of an ASK, the triples of a CONSTRUCT or DESCRIBE.

    Raises
    ------
    kg.errors.QueryError
        For a malformed query or a parameter that names no column of a named query.
    kg.errors.UsageError
        For an unknown query name (with the closest names).

    Examples
    --------
    >>> import kg
    >>> with kg.open() as store:
    ...     kg.query("ASK { ?s ?p ?o }", store=store)
    False
    """
    from kg.sparql import load_query, run_query

    values = {**(params or {}), **columns}
    loaded = load_query(name_or_text)
    if hasattr(store, "query"):
        result = run_query(store, loaded, values)
    else:
        with open(store, create=False, read_only=True) as opened:
            result = run_query(opened, loaded, values)
    if result.kind == "ask":
        return bool(result.boolean)
    if result.kind == "graph":
        return result.graph
    return Rows(tuple(result.vars), tuple(tuple(row) for row in result.rows))


def extract(
    text: str,
    *,
    title: str | None = None,
    date: dt.date | str | None = None,
    url: str | None = None,
    publisher: str | None = None,
    fast: bool = False,
) -> ArticleFacts:
    """Extract the facts of one article's text, with no store: typed records with evidence.

    Parameters
    ----------
    text
        The article's body, as a ``.txt`` file would hold it (a first line that looks like a
        title and a dateline are read as such, as ``kg build`` reads files).
    title, date, url, publisher
        Metadata, overriding what the text gives; ``date`` as a ``datetime.date`` or ISO text.
    fast
        Rules only, without the statistical parser.

    Returns
    -------
    kg.extraction.facts.ArticleFacts
        ``actors`` (by key), ``posts``, ``agreements``, ``memberships``, ``quotes``,
        ``commitments``, ``events``, ``figures``; each fact has its ``evidence`` (sentence, offsets).

    Examples
    --------
    >>> import kg
    >>> facts = kg.extract("Interpol said its database grows 10% a year.", fast=True)
    >>> [figure.text for figure in facts.figures]
    ['10%']
    """
    import dataclasses

    from kg.extraction import extract_facts
    from kg.reading.sources import article_from_text

    if not isinstance(text, str):
        raise UsageError(f"extract wants the article's text as str, got {type(text).__name__}")
    article = article_from_text(text)
    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = title
    if date is not None:
        changes["date"] = date if isinstance(date, dt.date) else _iso_date(date)
    if url is not None:
        changes["url"] = url
    if publisher is not None:
        changes["publisher"] = publisher
    if changes:
        article = dataclasses.replace(article, **changes)
    return extract_facts(article, fast=fast)


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"date wants YYYY-MM-DD, got {value!r}") from None
