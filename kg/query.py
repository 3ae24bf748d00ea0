"""Named SPARQL queries: finding them, binding parameters safely, running and printing them.

The questions kg can answer live in ``queries/*.rq``, one per file, each opening with a
comment block that says what it answers and which columns it returns. This module

* lists and loads them (``named_queries``, ``load_query``, ``query_header``);
* binds ``name=value`` parameters to query variables without ever pasting user text into
  SPARQL: each value becomes an RDF term, written by the RDF engine's own escaping, inside a
  ``VALUES`` block placed at the start of the query's WHERE clause (``bind_params``);
* runs a query against a :class:`kg.store.Store` (``run_query`` → :class:`QueryResult`); on
  the embedded store, a final ``ORDER BY`` of answer columns is split off
  (``split_order_by``) and the rows sorted by :mod:`kg.ordering`;
* writes results as an aligned table, CSV, TSV, SPARQL results JSON or XML, or, for
  CONSTRUCT/DESCRIBE, as RDF (``format_result``).
"""

from __future__ import annotations

import csv
import functools
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal as TypingLiteral
from typing import TextIO
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.errors import QueryError, UsageError
from kg.formats import RESULT_FORMATS, rdf_format, result_format
from kg.ordering import OrderKey, sort_rows
from kg.rdf.iris import is_valid_iri
from kg.store import Store, Term, check_syntax, collector_paused, to_engine

__all__ = [
    "ExternalTarget",
    "QueryResult",
    "QueryText",
    "bind_params",
    "check_nesting",
    "decode_escapes",
    "external_targets",
    "format_result",
    "load_query",
    "named_queries",
    "param_term",
    "query_header",
    "query_variables",
    "run_query",
    "sparql_tokens",
    "split_order_by",
]

QUERY_SUFFIX = ".rq"
LOOKUP_DIR = "lookup"
"""Beside the named queries: ``lookup/NAME.rq``, a plain form of NAME that gives the same rows
and order; the named form is tuned for whole listings (hash joins over full scans), the
lookup form follows index lookups from parameter values."""
_XSD_STRING = str(XSD.string)


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
        """:func:`split_order_by` of the text, worked out once per query text."""
        return split_order_by(self.text)


@dataclass
class QueryResult:
    """The answer to a query.

    ``kind`` is "select" (``vars`` and ``rows``; None in a row is an unbound variable),
    "ask" (``boolean``) or "graph" (CONSTRUCT/DESCRIBE: ``graph``).
    """

    kind: TypingLiteral["select", "ask", "graph"]
    vars: list[str] = field(default_factory=list)
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None

    def __len__(self) -> int:
        if self.kind == "graph" and self.graph is not None:
            return len(self.graph)
        if self.kind == "ask":
            return 1
        return len(self.rows)


# --- finding and loading queries ---------------------------------------------------------


def _default_queries_dir() -> Path:
    from kg.resources import resource_path  # deferred: resolved only when asked

    return resource_path("queries")


def named_queries(queries_dir: str | Path | None = None) -> dict[str, Path]:
    """The named queries, name (file stem) → path, sorted by name."""
    directory = Path(queries_dir) if queries_dir is not None else _default_queries_dir()
    if not directory.is_dir():
        return {}
    files = sorted(p for p in directory.iterdir() if p.suffix == QUERY_SUFFIX and p.is_file())
    return {path.stem: path for path in files}


def _read(path: Path, name: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QueryError(f"no such query file: {path}") from None
    except UnicodeDecodeError:
        raise QueryError(f"query {name}: {path} is not UTF-8 text") from None
    except OSError as error:
        raise QueryError(f"cannot read query file {path}: {error.strerror or error}") from None


def load_query(
    name_or_path: str,
    stdin: TextIO | None = None,
    *,
    queries_dir: str | Path | None = None,
) -> QueryText:
    """Load a query given by name, by a path to a file (``*.rq`` or containing ``/``), or ``-`` (stdin).

    An unknown name raises ``QueryError`` listing the known names.
    """
    if name_or_path == "-":
        stream = stdin if stdin is not None else sys.stdin
        text = stream.read()
        if not text.strip():
            raise QueryError("the query read from stdin is empty")
        return QueryText("<stdin>", text, "<stdin>")
    looks_like_path = name_or_path.endswith(QUERY_SUFFIX) or "/" in name_or_path or "\\" in name_or_path
    if looks_like_path:
        path = Path(name_or_path)
        return QueryText(path.stem, _read(path, path.stem), str(path))
    known = named_queries(queries_dir)
    if name_or_path not in known:
        listing = ", ".join(known) if known else "(none installed)"
        raise QueryError(
            f"unknown query {name_or_path!r}; known queries: {listing} (or give a path to a .rq file)"
        )
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


# --- a small SPARQL lexer: enough to find variables and the WHERE clause -----------------

_VARNAME = (
    "[A-Za-z0-9_\u00b7\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u203f-\u2040\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
    "\U00010000-\U000effff]+"
)
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'''(?:[^'\\]|\\.|'(?!''))*'''
              |"(?:[^"\\\n\r]|\\.)*"
              |'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]"""
    + _VARNAME
    + r""")
  | (?P<word>[^\W\d][\w\-.:%]*|:[\w\-.:%]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def _tokens(text: str) -> list[_Token]:
    """Significant tokens (no whitespace or comments)."""
    out = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("ws", "comment"):
            out.append(_Token(kind, match.group(), match.start()))
    return out


def sparql_tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) of the significant tokens of a SPARQL text — the one SPARQL lexer of kg:
    kinds are ``string``, ``iri``, ``var``, ``word`` (keywords and prefixed names), ``other``."""
    return [(t.kind, t.text) for t in _tokens(text)]


_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def decode_escapes(text: str) -> str:
    """``text`` with SPARQL codepoint escapes (``\\uXXXX``, ``\\UXXXXXXXX``) decoded."""

    def char(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)

    return _ESCAPE.sub(char, text)


@dataclass(frozen=True)
class ExternalTarget:
    """A ``SERVICE`` endpoint or ``LOAD`` source named by a query or update."""

    keyword: str  # "SERVICE" or "LOAD"
    written: str  # as written: <iri>, prefix:name or ?variable
    iri: str | None  # the absolute IRI; None when it cannot be known before running
    problem: str | None = None  # why ``iri`` is None, in words


def external_targets(text: str) -> list[ExternalTarget]:
    """What a query or update would reach out to: ``SERVICE`` endpoints and ``LOAD`` sources.

    The one reading of targets in kg (``kg query --endpoint`` checks and ``kg serve``'s
    allow-list both use it). Prefixed names are expanded with the text's ``PREFIX``
    declarations, relative IRIs resolved against its ``BASE``; a target that cannot be known
    before running (``SERVICE ?var``, an undeclared prefix, a relative IRI without a base)
    has no ``iri`` and says why. The text is read as written and with codepoint escapes
    decoded (``\\u0053ERVICE`` is ``SERVICE`` to the engine), and the targets of both readings
    are returned, each once, in order.
    """
    found: list[ExternalTarget] = []
    for version in dict.fromkeys((text, decode_escapes(text))):
        found.extend(_targets(sparql_tokens(version)))
    return list(dict.fromkeys(found))


def _target(keyword: str, kind: str, token: str, prefixes: Mapping[str, str], base: str | None) -> ExternalTarget:
    import urllib.parse

    if kind == "iri":
        iri = token[1:-1]
        if not urllib.parse.urlsplit(iri).scheme:
            if base is None:
                return ExternalTarget(keyword, token, None, f"{keyword} {token} is a relative IRI: give the full IRI")
            iri = urllib.parse.urljoin(base, iri)
        return ExternalTarget(keyword, token, iri)
    if kind == "word" and ":" in token:
        prefix, _, local = token.partition(":")
        if prefix not in prefixes:
            return ExternalTarget(keyword, token, None, f"{keyword} {token}: the prefix {prefix}: is not declared")
        return ExternalTarget(keyword, token, prefixes[prefix] + local)
    if kind == "var":
        return ExternalTarget(keyword, token, None, f"{keyword} {token}: an endpoint taken from the data "
                                                    "cannot be checked before the query runs")
    return ExternalTarget(keyword, token, None, f"{keyword} is followed by {token!r}, not an IRI")


def _targets(tokens: Sequence[tuple[str, str]]) -> list[ExternalTarget]:
    import urllib.parse

    prefixes: dict[str, str] = {}
    base: str | None = None
    targets: list[ExternalTarget] = []
    index = 0
    while index < len(tokens):
        kind, token = tokens[index]
        upper = token.upper() if kind == "word" else ""
        if upper == "PREFIX" and index + 2 < len(tokens) and tokens[index + 2][0] == "iri":
            name = tokens[index + 1][1]
            iri = tokens[index + 2][1][1:-1]
            if base is not None and not urllib.parse.urlsplit(iri).scheme:
                iri = urllib.parse.urljoin(base, iri)
            prefixes[name[:-1] if name.endswith(":") else name] = iri
            index += 3
            continue
        if upper == "BASE" and index + 1 < len(tokens) and tokens[index + 1][0] == "iri":
            iri = tokens[index + 1][1][1:-1]
            base = urllib.parse.urljoin(base, iri) if base else iri
            index += 2
            continue
        if upper in ("SERVICE", "LOAD"):
            position = index + 1
            if position < len(tokens) and tokens[position][1].upper() == "SILENT":
                position += 1
            if position >= len(tokens):
                targets.append(ExternalTarget(upper, "", None, f"{upper} without an IRI"))
                break
            targets.append(_target(upper, *tokens[position], prefixes, base))
            index = position + 1
            continue
        index += 1
    return targets


def query_variables(text: str) -> list[str]:
    """The names of the variables a query mentions, in order of first appearance."""
    return list(dict.fromkeys(t.text[1:] for t in _tokens(text) if t.kind == "var"))


def _matching(tokens: Sequence[_Token], open_index: int, pair: str = "{}") -> int:
    """The index of the token that closes the bracket ``pair[0]`` at ``open_index``."""
    opening, closing = pair
    depth = 0
    for index in range(open_index, len(tokens)):
        if tokens[index].text == opening:
            depth += 1
        elif tokens[index].text == closing:
            depth -= 1
            if depth == 0:
                return index
    raise QueryError("unbalanced braces" if pair == "{}" else "unbalanced parentheses")


def _matching_brace(tokens: Sequence[_Token], open_index: int) -> int:
    return _matching(tokens, open_index, "{}")


def _query_form(tokens: Sequence[_Token]) -> int | None:
    """The index of the token naming the query form (SELECT, CONSTRUCT, DESCRIBE, ASK)."""
    forms = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
    return next((i for i, t in enumerate(tokens) if t.kind == "word" and t.text.upper() in forms), None)


def _where_clause(tokens: Sequence[_Token]) -> tuple[int, int]:
    """Indexes of the ``{`` and ``}`` tokens around the outermost WHERE pattern."""
    start = _query_form(tokens)
    if start is None:
        raise QueryError("not a SPARQL query (no SELECT, CONSTRUCT, DESCRIBE or ASK)")
    index = start + 1
    if tokens[start].text.upper() == "CONSTRUCT":
        if index < len(tokens) and tokens[index].text == "{":
            index = _matching_brace(tokens, index) + 1
        else:
            raise QueryError(
                "parameters need the long form CONSTRUCT { template } WHERE { pattern }, "
                "not CONSTRUCT WHERE { … }"
            )
    parens = 0
    for i in range(index, len(tokens)):
        text = tokens[i].text
        if text == "(":
            parens += 1
        elif text == ")":
            parens -= 1
        elif text == "{" and parens == 0:
            return i, _matching_brace(tokens, i)
    raise QueryError("the query has no WHERE clause to bind parameters in")


def split_order_by(text: str) -> tuple[str, list[OrderKey]] | None:
    """A SELECT query without its final ``ORDER BY`` clause, and that clause's keys.

    Only when the clause ends the query (no LIMIT, OFFSET or VALUES after it) and orders by
    plain variables (``?v``, ``ASC(?v)``, ``DESC(?v)``) that the query projects; otherwise
    None. The text before the clause is kept as it is.
    """
    try:
        tokens = _tokens(text)
        form = _query_form(tokens)
        if form is None or tokens[form].text.upper() != "SELECT":
            return None
        _open_index, close_index = _where_clause(tokens)
    except QueryError:
        return None
    depth = 0
    order = None
    for index in range(close_index + 1, len(tokens) - 1):
        word = tokens[index].text
        if word in ("(", "{"):
            depth += 1
        elif word in (")", "}"):
            depth -= 1
        elif (depth == 0 and word.upper() == "ORDER" and tokens[index + 1].kind == "word"
              and tokens[index + 1].text.upper() == "BY"):
            order = index
            break
    if order is None:
        return None
    keys: list[OrderKey] = []
    index = order + 2
    while index < len(tokens):
        token = tokens[index]
        if token.kind == "var":
            keys.append(OrderKey(token.text[1:]))
            index += 1
        elif (token.kind == "word" and token.text.upper() in ("ASC", "DESC") and index + 3 < len(tokens)
              and tokens[index + 1].text == "(" and tokens[index + 2].kind == "var" and tokens[index + 3].text == ")"):
            keys.append(OrderKey(tokens[index + 2].text[1:], descending=token.text.upper() == "DESC"))
            index += 4
        else:
            return None
    projected = _projected(tokens, form)
    if not keys or any(key.variable not in projected for key in keys):
        return None  # ordering by a variable the answer does not hold: the engine must sort
    return text[:tokens[order].start], keys


# --- parameters ----------------------------------------------------------------------------

_IRI_LIKE = re.compile(r"^https?://", re.IGNORECASE)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+\.\d*|\.\d+)$")
_QUOTED = re.compile(r'^"(?P<value>.*)"(?:@(?P<lang>[A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^<(?P<datatype>[^<>]*)>)?$', re.DOTALL)


def _param_iri(text: str, value: str) -> URIRef:
    """The IRI ``text`` (from the parameter value ``value``), checked before rdflib sees it."""
    if not is_valid_iri(text):
        raise QueryError(
            f"invalid IRI in parameter value {value!r}: an IRI is absolute and has no spaces, "
            'control characters or <>"{}|^`\\ (quote it, name="…", to pass it as text)'
        )
    return URIRef(text)


def param_term(value: str) -> URIRef | Literal:
    """The RDF term a parameter value stands for.

    ``<iri>`` or a value starting with ``http://``/``https://`` → IRI; ``"text"`` (optionally
    ``"text"@lang`` or ``"text"^^<datatype>``) → that literal, taken verbatim; ``YYYY-MM-DD``
    → xsd:date; ``12`` → xsd:integer; ``1.5`` → xsd:decimal; anything else → a plain string.
    Raises ``QueryError`` for an invalid IRI.
    """
    term: URIRef | Literal
    if value.startswith("<") and value.endswith(">") and len(value) >= 2:
        term = _param_iri(value[1:-1], value)
    elif _IRI_LIKE.match(value):
        term = _param_iri(value, value)
    else:
        quoted = _QUOTED.match(value)
        if quoted:
            if quoted.group("lang"):
                term = Literal(quoted.group("value"), lang=quoted.group("lang"))
            elif quoted.group("datatype"):
                datatype = _param_iri(quoted.group("datatype"), value)
                term = Literal(quoted.group("value"), datatype=datatype, normalize=False)
            else:
                term = Literal(quoted.group("value"))
        elif _DATE.match(value):
            term = Literal(value, datatype=XSD.date, normalize=False)
        elif _INTEGER.match(value):
            term = Literal(value, datatype=XSD.integer, normalize=False)
        elif _DECIMAL.match(value):
            term = Literal(value, datatype=XSD.decimal, normalize=False)
        else:
            term = Literal(value)
    try:
        to_engine(term)
        if isinstance(term, Literal) and term.datatype is not None:
            to_engine(URIRef(term.datatype))
    except ValueError as error:
        raise QueryError(
            f"invalid IRI in parameter value {value!r}: {error} "
            '(quote it, name="…", to pass it as text)'
        ) from None
    return term


def _group_variables(tokens: Sequence[_Token], start: int, end: int, *, binds: bool = True) -> list[str]:
    """The variables the group pattern ``tokens[start:end]`` binds or tests, in order of first
    appearance: all it mentions, except that a sub-select shows only the variables it projects,
    and, unless ``binds``, the ``BIND (… AS ?name)`` targets of the group itself (not of its
    inner groups): a VALUES block at the group's start may not bind them too."""
    names: list[str] = []
    depth = 0
    index = start
    while index < end:
        token = tokens[index]
        if token.kind == "var" and (binds or depth > 0 or tokens[index - 1].text.upper() != "AS"):
            names.append(token.text[1:])
        elif token.kind == "word" and token.text.upper() == "SELECT" and tokens[index - 1].text == "{":
            names.extend(_projected(tokens, index))
            index = _matching_brace(tokens, index - 1)  # a sub-select fills the group it opens
            depth -= 1
        elif token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        index += 1
    return list(dict.fromkeys(names))


def _projected(tokens: Sequence[_Token], select: int) -> list[str]:
    """The variables the sub-select starting at ``tokens[select]`` projects (``*``: all its
    pattern's variables; ``(expression AS ?name)``: ``?name`` only)."""
    names: list[str] = []
    parens = 0
    star = False
    for index in range(select + 1, len(tokens)):
        token = tokens[index]
        if token.text == "(":
            parens += 1
        elif token.text == ")":
            parens -= 1
        elif token.text == "*" and parens == 0:
            star = True
        elif token.kind == "var" and (parens == 0 or tokens[index - 1].text.upper() == "AS"):
            names.append(token.text[1:])
        elif token.text == "{" and parens == 0:
            return _group_variables(tokens, index + 1, _matching_brace(tokens, index)) if star else names
    raise QueryError("a sub-select has no WHERE clause")


def _not_a_parameter(tokens: Sequence[_Token], name: str, accepted: Sequence[str]) -> str:
    """Why ``?name`` cannot be a parameter, and which names can."""
    listing = ", ".join(f"?{v}" for v in accepted) or "none"
    mentions = [i for i, t in enumerate(tokens) if t.kind == "var" and t.text[1:] == name]
    if not mentions:
        return f"the query has no variable ?{name} (parameters it accepts: {listing})"
    if any(tokens[i - 1].text.upper() == "AS" for i in mentions if i > 0):
        why = f"?{name} is computed by the query (… AS ?{name}), not matched by its WHERE pattern"
    else:
        why = f"?{name} is used only outside the query's WHERE pattern, or in a sub-select that does not return it"
    return f"{why}, so a parameter cannot restrict it (parameters it accepts: {listing})"


def _matching_paren(tokens: Sequence[_Token], open_index: int) -> int:
    return _matching(tokens, open_index, "()")


def _word(token: _Token) -> str:
    return token.text.upper() if token.kind == "word" else ""


def _certain(tokens: Sequence[_Token], start: int, end: int) -> set[str]:
    """The variables that every solution of the group pattern ``tokens[start:end]`` binds.

    Conservative: a variable counts only when a triple pattern of the group (or of every
    branch of a UNION, or a group or sub-select that certainly binds and returns it, or a
    VALUES block without UNDEF) binds it. OPTIONAL, MINUS, SERVICE, FILTER and BIND add
    nothing: what they bind may be unbound in some rows.
    """
    if start < end and _word(tokens[start]) == "SELECT":
        return _select_certain(tokens, start, end)[0]
    certain: set[str] = set()
    index = start
    while index < end:
        token = tokens[index]
        word = _word(token)
        if word in ("OPTIONAL", "MINUS", "SERVICE"):
            brace = next(i for i in range(index + 1, end) if tokens[i].text == "{")
            index = _matching_brace(tokens, brace) + 1
        elif word == "GRAPH":
            target, brace = tokens[index + 1], index + 2
            close = _matching_brace(tokens, brace)
            certain |= _certain(tokens, brace + 1, close)
            if target.kind == "var":
                certain.add(target.text[1:])
            index = close + 1
        elif word == "FILTER":
            position = index + 1
            while position < end and _word(tokens[position]) in ("NOT", "EXISTS"):
                position += 1
            if tokens[position].text == "{":
                index = _matching_brace(tokens, position) + 1
            else:
                if tokens[position].text != "(":
                    position += 1  # a function name: FILTER regex(…), FILTER <iri>(…)
                index = _matching_paren(tokens, position) + 1
        elif word == "BIND":
            index = _matching_paren(tokens, index + 1) + 1
        elif word == "VALUES":
            position = index + 1
            if tokens[position].text == "(":
                close = _matching_paren(tokens, position)
                names = [t.text[1:] for t in tokens[position:close] if t.kind == "var"]
                position = close + 1
            else:
                names = [tokens[position].text[1:]]
                position += 1
            close = _matching_brace(tokens, position)
            if not any(_word(t) == "UNDEF" for t in tokens[position:close]):
                certain.update(names)
            index = close + 1
        elif token.text == "{":
            close = _matching_brace(tokens, index)
            branches = [_certain(tokens, index + 1, close)]
            while close + 1 < end and _word(tokens[close + 1]) == "UNION":
                opening = close + 2
                close = _matching_brace(tokens, opening)
                branches.append(_certain(tokens, opening + 1, close))
            certain |= set.intersection(*branches)
            index = close + 1
        else:
            if token.kind == "var":
                certain.add(token.text[1:])
            index += 1
    return certain


def _select_certain(tokens: Sequence[_Token], select: int, end: int) -> tuple[set[str], bool]:
    """For the SELECT at ``tokens[select]`` (its text ending before ``tokens[end]``): the
    columns every row binds to a value its WHERE pattern matched (plain projected variables,
    group keys when it groups), and whether LIMIT or OFFSET cut its answer."""
    plain: set[str] = set()
    star = False
    parens = 0
    index = select + 1
    while tokens[index].text != "{" or parens:
        token = tokens[index]
        if token.text == "(":
            parens += 1
        elif token.text == ")":
            parens -= 1
        elif token.text == "*" and not parens:
            star = True
        elif token.kind == "var" and not parens:
            plain.add(token.text[1:])
        index += 1
    close = _matching_brace(tokens, index)
    inner = _certain(tokens, index + 1, close)
    result = inner if star else plain & inner
    keys: set[str] | None = None
    in_group_by = False
    limited = False
    depth = 0
    for token in tokens[close + 1:end]:
        word = _word(token) if depth == 0 else ""
        if token.text in ("(", "{"):
            depth += 1
        elif token.text in (")", "}"):
            depth -= 1
        elif word == "GROUP":
            keys, in_group_by = set(), True
        elif word in ("HAVING", "ORDER", "VALUES", "LIMIT", "OFFSET"):
            in_group_by = False
            limited = limited or word in ("LIMIT", "OFFSET")
        elif token.kind == "var" and depth == 0 and in_group_by and keys is not None:
            keys.add(token.text[1:])
    if keys is not None:
        result = result & keys
    return result, limited


def _plan(tokens: Sequence[_Token], names: Sequence[str], *, columns_only: bool) -> tuple[list[str], list[str]]:
    """Which parameters a VALUES block in the WHERE clause can bind (``inject``) and which
    must filter the finished answer instead (``wrap``); raises ``QueryError`` for a name that
    is neither. A column is injected only when every row of the answer binds it to a value
    the WHERE pattern matched: then joining the value first gives exactly the rows whose
    column holds it. A column filled inside an OPTIONAL, computed by ``AS``, aggregated or
    cut by LIMIT is filtered after the query: joining it first would write the value into
    rows that lack it."""
    open_index, close_index = _where_clause(tokens)
    form = _query_form(tokens)
    assert form is not None
    select = tokens[form].text.upper() == "SELECT"
    accepted = _group_variables(tokens, open_index + 1, close_index, binds=False)
    columns = _projected(tokens, form) if select else []
    certain, limited = _select_certain(tokens, form, len(tokens)) if select else (set(), False)
    inject: list[str] = []
    wrap: list[str] = []
    for name in names:
        if name in columns:
            (inject if name in certain and not limited else wrap).append(name)
        elif select and columns_only:
            listing = ", ".join(f"?{c}" for c in columns)
            raise QueryError(f"?{name} is not a column of the answer; a parameter names one of its columns: {listing}")
        elif name in accepted:
            inject.append(name)
        else:
            raise QueryError(_not_a_parameter(tokens, name, list(dict.fromkeys([*columns, *accepted]))))
    return inject, wrap


def _engine_terms(params: Mapping[str, str | Term]) -> dict[str, str]:
    """Parameter name (without ``?``) → its value as an RDF term in N-Triples syntax."""
    terms: dict[str, str] = {}
    for raw_name, value in params.items():
        name = raw_name[1:] if raw_name[:1] in "?$" else raw_name
        # rdflib terms are str too: only plain text is read as a parameter value
        term = value if isinstance(value, Node) else param_term(value)
        try:
            terms[name] = str(to_engine(term))
        except ValueError as error:
            raise QueryError(f"invalid value for ?{name}: {error}") from None
    return terms


def _inject(text: str, tokens: Sequence[_Token], terms: Mapping[str, str]) -> str:
    """``text`` with a VALUES block of ``terms`` at the start of its WHERE clause."""
    if not terms:
        return text
    open_index, close_index = _where_clause(tokens)
    values = f" VALUES ({' '.join(f'?{n}' for n in terms)}) {{ ({' '.join(terms.values())}) }} "
    head_end = tokens[open_index].end
    after_brace = tokens[open_index + 1] if open_index + 1 < len(tokens) else None
    if after_brace is not None and after_brace.kind == "word" and after_brace.text.upper() == "SELECT":
        # The WHERE clause is a bare sub-select: wrap it in a group to join it with VALUES.
        close = tokens[close_index].start
        return text[:head_end] + values + "{ " + text[head_end:close] + " } " + text[close:]
    return text[:head_end] + values + text[head_end:]


def _filter_answer(text: str, terms: Mapping[str, str]) -> str:
    """A SELECT query giving the rows of ``text`` whose columns hold exactly ``terms``
    (``sameTerm``: an unbound column matches nothing), in the same order."""
    split = split_order_by(text)
    body_text, order = (split[0], text[len(split[0]):]) if split else (text, "")
    tokens = _tokens(body_text)
    form = _query_form(tokens)
    assert form is not None
    columns = " ".join(f"?{c}" for c in _projected(tokens, form))
    prologue, body = body_text[:tokens[form].start], body_text[tokens[form].start:]
    condition = " && ".join(f"sameTerm(?{name}, {term})" for name, term in terms.items())
    return f"{prologue}SELECT {columns} WHERE {{ {{ {body}\n}} FILTER ({condition}) }}\n{order}"


def bind_params(text: str, params: Mapping[str, str | Term], *, columns_only: bool = False) -> str:
    """The query with ``params`` bound: a parameter only ever narrows the answer.

    Values are converted to RDF terms (strings via :func:`param_term`) and written in
    N-Triples syntax by the RDF engine, so no value can change the query's structure.

    * A column of a SELECT answer gives exactly the rows whose column holds that term: when
      every row binds the column from the WHERE pattern, by a ``VALUES`` block at the start
      of the WHERE clause (index lookups); otherwise (a column filled in an OPTIONAL, computed
      by ``AS``, an aggregate, an answer cut by LIMIT) by filtering the finished answer with
      ``sameTerm``, which is as slow as the whole listing.
    * With ``columns_only`` (named queries) any other name is refused, listing the columns.
    * Otherwise a variable of the WHERE pattern (of an ASK or CONSTRUCT, or a SELECT's
      non-column variable, such as a FILTER threshold) is bound by the VALUES block.

    Raises ``QueryError`` for a parameter that is none of these (a variable computed by
    ``BIND`` in the WHERE clause, one only a sub-select sees, one of a CONSTRUCT template only).
    """
    if not params:
        return text
    tokens = _tokens(text)
    terms = _engine_terms(params)
    inject, wrap = _plan(tokens, list(terms), columns_only=columns_only)
    bound = _inject(text, tokens, {name: terms[name] for name in inject})
    return _filter_answer(bound, {name: terms[name] for name in wrap}) if wrap else bound


def _choose_text(query: QueryText, params: Mapping[str, str | Term]) -> str:
    """The text to run with ``params``: the lookup form when a parameter binds in its WHERE
    clause (index lookups from the value), else the tuned form (the answer is filtered)."""
    if query.lookup is None:
        return query.text
    names = [n[1:] if n[:1] in "?$" else n for n in params]
    try:
        inject, _wrap = _plan(_tokens(query.lookup), names, columns_only=query.named)
    except QueryError:
        return query.text
    return query.lookup if inject else query.text


# --- running ---------------------------------------------------------------------------------

MAX_NESTING = 256
"""How deep ``{``, ``(`` and ``[`` may nest in a query or update. The engine's parser recurses
once per level and crashes the process (a segmentation fault, no message) somewhere past a
few thousand; real queries nest a dozen levels at most."""


def check_nesting(text: str, limit: int = MAX_NESTING) -> None:
    """Raise ``QueryError`` (one line, with the line and column) when brackets in ``text``
    nest deeper than ``limit``, before any parser (kg's or the engine's) sees it. Brackets in
    strings, IRIs and comments do not count; the text is read as written and with codepoint
    escapes decoded, as the engine reads it."""
    for version in dict.fromkeys((text, decode_escapes(text))):
        depth = 0
        for token in _tokens(version):
            if token.text in ("{", "(", "["):
                depth += 1
                if depth > limit:
                    line = version.count("\n", 0, token.start) + 1
                    column = token.start - (version.rfind("\n", 0, token.start) + 1) + 1
                    raise QueryError(f"brackets nest more than {limit} deep (line {line}, column {column}): "
                                     "kg refuses such a query before the SPARQL engine, which could crash on it")
            elif token.text in ("}", ")", "]"):
                depth = max(0, depth - 1)


def run_query(
    store: Store,
    query: str | QueryText,
    params: Mapping[str, str | Term] | None = None,
    *,
    prefixes: Mapping[str, str] | None = None,
) -> QueryResult:
    """Run a query (text or :class:`QueryText`) with parameters bound safely.

    Raises ``QueryError`` naming the query, with the parser's message on one line.
    """
    name = query.name if isinstance(query, QueryText) else "query"
    text = query.text if isinstance(query, QueryText) else query
    if params and isinstance(query, QueryText):
        text = _choose_text(query, params)  # the same answer; from bound values, index lookups beat scans
    named = isinstance(query, QueryText) and query.named
    try:
        check_nesting(text)
        check_syntax(text, prefixes=prefixes)
        bound = bind_params(text, params or {}, columns_only=named)
    except QueryError as error:
        raise QueryError(f"{name}: {error}") from None
    # The embedded engine's ORDER BY re-reads long strings from disk at every comparison:
    # kg sorts the answer itself when it can (kg.ordering), and lets the engine order the rest.
    if not store.embedded:
        split = None
    elif isinstance(query, QueryText) and bound is query.text:
        split = query.order_split
    else:
        split = split_order_by(bound)
    try:
        with collector_paused():
            answer = store.query(split[0] if split else bound, prefixes=prefixes)
            if split and isinstance(answer, tuple):
                ordered = sort_rows(answer[0], answer[1], split[1])
                answer = (answer[0], ordered) if ordered is not None else store.query(bound, prefixes=prefixes)
    except QueryError as error:
        if bound is not text:
            raise QueryError(f"{name}: cannot bind parameters: {error}") from None
        raise QueryError(f"{name}: {error}") from None
    if isinstance(answer, bool):
        return QueryResult("ask", boolean=answer)
    if isinstance(answer, Graph):
        return QueryResult("graph", graph=answer)
    variables, rows = answer
    return QueryResult("select", vars=variables, rows=rows)


# --- result formats ---------------------------------------------------------------------------


def _lexical(term: Term | None) -> str:
    """A term as plain text: IRIs as the IRI, literals as their lexical form, ``_:id`` for blanks."""
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _ntriples(term: Term | None) -> str:
    """A term in N-Triples syntax, tabs and line breaks escaped (for TSV)."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    text = (
        str(term)
        .replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    if term.language:
        return f'"{text}"@{term.language}'
    if term.datatype is not None and str(term.datatype) != _XSD_STRING:
        return f'"{text}"^^<{term.datatype}>'
    return f'"{text}"'


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype is not None and str(term.datatype) != _XSD_STRING:
        out["datatype"] = str(term.datatype)
    return out


def _cell(term: Term | None) -> str:
    text = _lexical(term)
    if isinstance(term, Literal) and term.language:
        text += f"@{term.language}"
    return text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", " ")


def _write_table(result: QueryResult, out: TextIO) -> None:
    if result.kind == "ask":
        out.write(f"{'true' if result.boolean else 'false'}\n")
        return
    header = list(result.vars)
    cells = [[_cell(term) for term in row] for row in result.rows]
    widths = [len(name) for name in header]
    for row in cells:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row)]
    if header:
        out.write("  ".join(name.ljust(width) for name, width in zip(header, widths)).rstrip() + "\n")
        out.write("  ".join("-" * width for width in widths) + "\n")
        for row in cells:
            out.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() + "\n")
    count = len(result.rows)
    out.write(f"({count} row{'' if count == 1 else 's'})\n")


def _write_csv(result: QueryResult, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\r\n")
    if result.kind == "ask":
        writer.writerow(["true" if result.boolean else "false"])
        return
    writer.writerow(result.vars)
    for row in result.rows:
        writer.writerow([_lexical(term) for term in row])


def _write_tsv(result: QueryResult, out: TextIO) -> None:
    if result.kind == "ask":
        out.write(f"{'true' if result.boolean else 'false'}\n")
        return
    out.write("\t".join(f"?{name}" for name in result.vars) + "\n")
    for row in result.rows:
        out.write("\t".join(_ntriples(term) for term in row) + "\n")


def _write_json(result: QueryResult, out: TextIO) -> None:
    document: dict[str, object]
    if result.kind == "ask":
        document = {"head": {}, "boolean": bool(result.boolean)}
    else:
        bindings = [
            {name: _json_term(term) for name, term in zip(result.vars, row) if term is not None}
            for row in result.rows
        ]
        document = {"head": {"vars": list(result.vars)}, "results": {"bindings": bindings}}
    json.dump(document, out, ensure_ascii=False, indent=2)
    out.write("\n")


def _xml_term(term: Term) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{xml_escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{xml_escape(str(term))}</bnode>"
    attributes = ""
    if term.language:
        attributes = f" xml:lang={quoteattr(term.language)}"
    elif term.datatype is not None and str(term.datatype) != _XSD_STRING:
        attributes = f" datatype={quoteattr(str(term.datatype))}"
    return f"<literal{attributes}>{xml_escape(str(term))}</literal>"


def _write_xml(result: QueryResult, out: TextIO) -> None:
    out.write('<?xml version="1.0" encoding="utf-8"?>\n')
    out.write('<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n')
    if result.kind == "ask":
        out.write("  <head/>\n")
        out.write(f"  <boolean>{'true' if result.boolean else 'false'}</boolean>\n")
        out.write("</sparql>\n")
        return
    out.write("  <head>\n")
    for name in result.vars:
        out.write(f"    <variable name={quoteattr(name)}/>\n")
    out.write("  </head>\n  <results>\n")
    for row in result.rows:
        out.write("    <result>\n")
        for name, term in zip(result.vars, row):
            if term is not None:
                out.write(f"      <binding name={quoteattr(name)}>{_xml_term(term)}</binding>\n")
        out.write("    </result>\n")
    out.write("  </results>\n</sparql>\n")


_WRITERS = MappingProxyType(
    {
        "table": _write_table,
        "csv": _write_csv,
        "tsv": _write_tsv,
        "json": _write_json,
        "xml": _write_xml,
    }
)

_GRAPH_DEFAULTS = MappingProxyType({"table": "turtle", "json": "jsonld", "xml": "rdfxml"})
"""How result format names read when the answer is a graph (CONSTRUCT/DESCRIBE)."""


def _graph_text(graph: Graph, rdf) -> str:
    """A CONSTRUCT/DESCRIBE answer in an RDF format. In a dataset format (N-Quads, TriG) the
    answer is its triples in the default graph: N-Quads lines without a graph name (the
    N-Triples lines), a TriG default graph block; rdflib refuses a plain Graph there."""
    if rdf.name == "nquads":
        return graph.serialize(format="nt")
    if rdf.name == "trig":
        from rdflib import Dataset

        dataset = Dataset()
        for prefix, namespace in graph.namespaces():
            dataset.bind(prefix, namespace, override=False)
        for triple in graph:
            dataset.default_graph.add(triple)
        return dataset.serialize(format="trig")
    return graph.serialize(format=rdf.rdflib_name)


def format_result(result: QueryResult, fmt: str, out: TextIO) -> None:
    """Write ``result`` to ``out`` in format ``fmt``.

    SELECT/ASK: table (aligned columns, IRIs and lexical forms, ``@lang`` shown, a row
    count footer), csv (SPARQL 1.1 CSV: plain values, CRLF), tsv (SPARQL 1.1 TSV: N-Triples
    terms), json (SPARQL 1.1 results JSON) or xml (SPARQL results XML).
    CONSTRUCT/DESCRIBE: any RDF format (``table`` means turtle, ``json`` JSON-LD, ``xml`` RDF/XML);
    in N-Quads or TriG the answer's triples are in the default graph.
    """
    if result.kind == "graph":
        graph = result.graph if result.graph is not None else Graph()
        name = _GRAPH_DEFAULTS.get(fmt.strip().lower(), fmt)
        if name in ("csv", "tsv"):
            raise UsageError(f"a CONSTRUCT or DESCRIBE answer is RDF, not a table: use an RDF format, not {fmt}")
        rdf = rdf_format(name)
        text = _graph_text(graph, rdf)
        out.write(text if text.endswith("\n") or not text else text + "\n")
        return
    try:
        chosen = result_format(fmt)
    except UsageError:
        names = ", ".join(f.name for f in RESULT_FORMATS)
        raise UsageError(f"unknown result format {fmt!r} for a SELECT or ASK answer; use one of: {names}") from None
    _WRITERS[chosen.name](result, out)

