"""A small SPARQL lexer: enough to find a query's variables, its WHERE clause, its
``ORDER BY`` clauses, the endpoints it would call, and how deep its brackets nest.

The one reading of SPARQL text in kg: parameter binding (:mod:`kg.sparql.params`), the
offline check of ``SERVICE`` calls and ``kg serve``'s allow-list (:func:`external_targets`),
the sort of answers by kg (:func:`split_order_by`), the total order of every ``ORDER BY``
(:func:`order_by_ends` and :func:`tokens_from`, for :mod:`kg.sparql.total_order`) and the
nesting guard (:func:`check_nesting`) all read the tokens made here. Imports nothing heavy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kg.errors import QueryError

if TYPE_CHECKING:
    from kg.ordering import OrderKey

__all__ = [
    "MAX_NESTING",
    "ExternalTarget",
    "Token",
    "check_nesting",
    "decode_escapes",
    "external_targets",
    "group_variables",
    "lex",
    "matching",
    "matching_brace",
    "matching_paren",
    "order_by_ends",
    "projected",
    "query_form",
    "query_variables",
    "sparql_tokens",
    "tokens_from",
    "split_order_by",
    "where_clause",
    "word_of",
]

_VARNAME = (
    "[A-Za-z0-9_\u00b7\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u203f-\u2040\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
    "\U00010000-\U000effff]+"
)
# The pieces of SPARQL that may hold any text (so no token inside them counts), in the
# VERBOSE syntax both patterns below are compiled with.
_COMMENT = r"\#[^\n\r]*"
_STRING = r"""\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'''(?:[^'\\]|\\.|'(?!''))*'''
              |"(?:[^"\\\n\r]|\\.)*"
              |'(?:[^'\\\n\r]|\\.)*'"""
_IRI = r"""<[^<>"{}|^`\\\x00-\x20]*>"""
_VAR = "[?$]" + _VARNAME
_TOKEN = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<comment>{_COMMENT})
  | (?P<string>{_STRING})
  | (?P<iri>{_IRI})
  | (?P<var>{_VAR})
  | (?P<word>[^\W\d][\w\-.:%]*|:[\w\-.:%]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def lex(text: str) -> list[Token]:
    """Significant tokens (no whitespace or comments)."""
    return list(tokens_from(text))


def tokens_from(text: str, start: int = 0) -> Iterator[Token]:
    """The significant tokens of ``text`` from the offset ``start`` (a token boundary: not
    inside a string, an IRI or a comment), made one at a time as they are read."""
    for match in _TOKEN.finditer(text, start):
        kind = match.lastgroup or "other"
        if kind not in ("ws", "comment"):
            yield Token(kind, match.group(), match.start())


_ORDER_BY = re.compile(
    rf"""(?P<skip>{_COMMENT} | {_STRING} | {_IRI} | {_VAR})
      | (?<![\w:%.-])ORDER\s+BY\b""",
    re.VERBOSE | re.DOTALL | re.IGNORECASE,
)


def order_by_ends(text: str) -> list[int]:
    """The offset just after each ``ORDER BY`` keyword pair of ``text`` (not in a string, an
    IRI, a comment or a variable's name), found by one pattern without lexing the text."""
    return [match.end() for match in _ORDER_BY.finditer(text) if match.lastgroup != "skip"]


def sparql_tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) of the significant tokens of a SPARQL text — the one SPARQL lexer of kg:
    kinds are ``string``, ``iri``, ``var``, ``word`` (keywords and prefixed names), ``other``."""
    return [(t.kind, t.text) for t in lex(text)]


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
    return list(dict.fromkeys(t.text[1:] for t in lex(text) if t.kind == "var"))


def matching(tokens: Sequence[Token], open_index: int, pair: str = "{}") -> int:
    """The index of the token that closes the bracket ``pair[0]`` at ``open_index``."""
    opening, closing = pair[0], pair[1]
    depth = 0
    for index in range(open_index, len(tokens)):
        if tokens[index].text == opening:
            depth += 1
        elif tokens[index].text == closing:
            depth -= 1
            if depth == 0:
                return index
    raise QueryError("unbalanced braces" if pair == "{}" else "unbalanced parentheses")


def matching_brace(tokens: Sequence[Token], open_index: int) -> int:
    return matching(tokens, open_index, "{}")


def query_form(tokens: Sequence[Token]) -> int | None:
    """The index of the token naming the query form (SELECT, CONSTRUCT, DESCRIBE, ASK)."""
    forms = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
    return next((i for i, t in enumerate(tokens) if t.kind == "word" and t.text.upper() in forms), None)


def where_clause(tokens: Sequence[Token]) -> tuple[int, int]:
    """Indexes of the ``{`` and ``}`` tokens around the outermost WHERE pattern."""
    start = query_form(tokens)
    if start is None:
        raise QueryError("not a SPARQL query (no SELECT, CONSTRUCT, DESCRIBE or ASK)")
    index = start + 1
    if tokens[start].text.upper() == "CONSTRUCT":
        if index < len(tokens) and tokens[index].text == "{":
            index = matching_brace(tokens, index) + 1
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
            return i, matching_brace(tokens, i)
    raise QueryError("the query has no WHERE clause to bind parameters in")



def group_variables(tokens: Sequence[Token], start: int, end: int, *, binds: bool = True) -> list[str]:
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
            names.extend(projected(tokens, index))
            index = matching_brace(tokens, index - 1)  # a sub-select fills the group it opens
            depth -= 1
        elif token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        index += 1
    return list(dict.fromkeys(names))


def projected(tokens: Sequence[Token], select: int) -> list[str]:
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
            return group_variables(tokens, index + 1, matching_brace(tokens, index)) if star else names
    raise QueryError("a sub-select has no WHERE clause")



def matching_paren(tokens: Sequence[Token], open_index: int) -> int:
    return matching(tokens, open_index, "()")


def word_of(token: Token) -> str:
    return token.text.upper() if token.kind == "word" else ""



def split_order_by(text: str) -> tuple[str, list[OrderKey]] | None:
    """A SELECT query without its final ``ORDER BY`` clause, and that clause's keys.

    Only when the clause ends the query (no LIMIT, OFFSET or VALUES after it) and orders by
    plain variables (``?v``, ``ASC(?v)``, ``DESC(?v)``) that the query projects; otherwise
    None. The text before the clause is kept as it is.
    """
    from kg.ordering import OrderKey  # deferred: kg.ordering compares RDF terms, the lexer does not

    try:
        tokens = lex(text)
        form = query_form(tokens)
        if form is None or tokens[form].text.upper() != "SELECT":
            return None
        _open_index, close_index = where_clause(tokens)
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
    columns = projected(tokens, form)
    if not keys or any(key.variable not in columns for key in keys):
        return None  # ordering by a variable the answer does not hold: the engine must sort
    return text[:tokens[order].start], keys


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
        for token in lex(version):
            if token.text in ("{", "(", "["):
                depth += 1
                if depth > limit:
                    line = version.count("\n", 0, token.start) + 1
                    column = token.start - (version.rfind("\n", 0, token.start) + 1) + 1
                    raise QueryError(f"brackets nest more than {limit} deep (line {line}, column {column}): "
                                     "kg refuses such a query before the SPARQL engine, which could crash on it")
            elif token.text in ("}", ")", "]"):
                depth = max(0, depth - 1)

