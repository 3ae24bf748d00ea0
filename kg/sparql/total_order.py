"""Make every ``ORDER BY`` the embedded engine evaluates a total order, so it cannot crash.

The engine (Oxigraph 0.5) sorts with a comparison that is not transitive when one column
holds values of families SPARQL does not compare with each other: numbers are compared by
value among themselves, but by their lexical form with a string (``10 < "5" < 9 < 10``);
date-times with and without a timezone, and general durations, are only partly ordered.
Its sort detects the contradiction and aborts the whole process (a Rust panic, exit 134,
a backtrace on stderr), whatever kg does around it.

:func:`total_order` rewrites each ``ORDER BY`` clause of a query or update (the final one
and those of subqueries) so that every condition is preceded by a *family key* with the same
direction: a plain string that is the same for values the engine compares consistently, and
different (so ordered first) otherwise. The families, in their order:

* no key — unbound values, blank nodes and IRIs (the engine orders them consistently: in this
  order, blank nodes and IRIs by their text);
* ``"1"`` — numbers (``isNUMERIC``: integers, decimals, floats, doubles), except NaN;
* ``"2<datatype>"``, ``"2<datatype>z"`` — each date or time datatype (those ``TZ`` reads),
  without and with a timezone;
* ``"3<lexical form>"`` — ``xsd:duration`` (months and seconds together are only partly
  ordered: these compare by their text);
* ``"4<datatype>"`` — every other datatype on its own: booleans, NaN (a double), the two
  duration subtypes, ill-typed literals (``"abc"^^xsd:integer``), unknown datatypes;
* ``"5"`` — strings and language-tagged strings, which the engine orders by their text.

Within one family the engine's own order is kept, so an answer whose sort keys are all of
one family (the usual case) comes in exactly the order SPARQL 1.1 (section 15.1) defines;
across families, where SPARQL leaves the order open, they come in the order above. The key
is short (a few hundred characters): the engine parses it with every query, and ``kg link``
sends thousands. A clause kg cannot read (a construct this reader does not know) is left as
written.
"""

from __future__ import annotations

from kg.errors import QueryError
from kg.sparql.lexer import Token, decode_escapes, matching, order_by_ends, tokens_from

__all__ = ["family_key", "total_order"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_ENDS = {"LIMIT", "OFFSET", "VALUES"}  # what may follow an ORDER BY clause (and "}" or the end)
_FAMILY = (
    'COALESCE(IF(isNUMERIC({x}) && {x} = {x}, "1", CONCAT("2", STR(DATATYPE({x})), IF(TZ({x}) = "", "", "z"))), '
    f'IF(DATATYPE({{x}}) = <{_XSD}duration>, CONCAT("3", STR({{x}})), '
    f'IF(LANG({{x}}) != "" || DATATYPE({{x}}) = <{_XSD}string>, "5", CONCAT("4", STR(DATATYPE({{x}}))))))'
)
"""The family key of ``{x}``. For a number the first ``IF`` gives "1"; for another literal
``TZ`` fails unless it is a date or time, and ``COALESCE`` goes on to the durations, the
strings and the other datatypes; for a blank node or an IRI everything fails: no key."""


def family_key(expression: str) -> str:
    """The SPARQL expression of the family key of ``expression`` (see the module docstring)."""
    return _FAMILY.format(x=expression)


def _condition_end(tokens: list[Token], index: int) -> int | None:
    """The index just past the order condition starting at ``index``, or None when the
    token there does not start one (the clause ends) or kg cannot read it."""
    token = tokens[index]
    following = tokens[index + 1].text if index + 1 < len(tokens) else ""
    if token.kind == "var":
        return index + 1
    if token.text == "(":
        return matching(tokens, index, "()") + 1
    word = token.text.upper() if token.kind == "word" else ""
    if word == "NOT" and following.upper() == "EXISTS" and index + 2 < len(tokens) and tokens[index + 2].text == "{":
        return matching(tokens, index + 2, "{}") + 1
    if word == "EXISTS" and following == "{":
        return matching(tokens, index + 1, "{}") + 1
    if token.kind in ("word", "iri") and following == "(" and word not in _ENDS:
        return matching(tokens, index + 1, "()") + 1  # a built-in or function call, ASC(…), DESC(…)
    return None


def _clause_tokens(text: str, start: int) -> list[Token]:
    """The tokens of the ORDER BY conditions starting at the offset ``start``: read one at a
    time up to what ends the clause (``LIMIT``, ``OFFSET``, ``VALUES`` or ``}`` outside any
    bracket, or the end), so that a long query is not lexed for its last line."""
    tokens: list[Token] = []
    depth = 0
    for token in tokens_from(text, start):
        if depth == 0 and (token.text == "}" or (token.kind == "word" and token.text.upper() in _ENDS)):
            break
        if token.text in ("(", "{", "["):
            depth += 1
        elif token.text in (")", "}", "]"):
            depth -= 1
        tokens.append(token)
    return tokens


def _rewrite_clause(text: str, tokens: list[Token]) -> list[str] | None:
    """The rewritten conditions of one ORDER BY clause (its tokens, :func:`_clause_tokens`);
    None when the clause cannot be read."""
    conditions: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        end = _condition_end(tokens, index)
        if end is None:
            return None
        written = text[token.start:tokens[end - 1].end]
        word = token.text.upper() if token.kind == "word" else ""
        if word in ("ASC", "DESC") and tokens[index + 1].text == "(":
            direction, expression = word, text[tokens[index + 1].start:tokens[end - 1].end]  # "( … )"
        else:
            direction, expression = "ASC", written
        conditions.append(f"{direction}({family_key(expression)}) {written}")
        index = end
    return conditions or None


def total_order(text: str) -> str:
    """``text`` (a query or an update) with each ``ORDER BY`` condition preceded by its
    family key, so that the engine's sort is a total order; ``text`` itself when it has no
    ORDER BY or one kg cannot read. The answer's order only changes where the engine's
    comparison contradicted itself. Only the ORDER BY clauses are lexed."""
    if "\\u" in text or "\\U" in text:  # the engine decodes codepoint escapes before parsing
        text_read = decode_escapes(text)
    else:
        text_read = text
    if "ORDER" not in text_read.upper():
        return text
    pieces: list[str] = []
    done = 0  # text_read before this offset is in pieces
    try:
        for start in order_by_ends(text_read):
            tokens = _clause_tokens(text_read, start)
            conditions = _rewrite_clause(text_read, tokens) if tokens else None
            if conditions is None:
                continue
            pieces.append(text_read[done:tokens[0].start])
            pieces.append(" ".join(conditions))
            done = tokens[-1].end
    except (QueryError, IndexError):  # unbalanced brackets and the like: the engine reports them
        return text
    if not pieces:
        return text
    pieces.append(text_read[done:])
    return "".join(pieces)
