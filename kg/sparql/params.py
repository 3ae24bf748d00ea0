"""Parameters of a query: ``name=value`` bound as RDF terms, never pasted into SPARQL.

Each value becomes an RDF term (:func:`engine_term`; :func:`param_term` gives the same term as
an rdflib term), written in N-Triples syntax by the RDF engine, inside a ``VALUES`` block at
the start of the query's WHERE clause, or, for a column the WHERE pattern does not always
bind, in a ``sameTerm`` filter of the finished answer (:func:`bind_params`). Named queries
with a plain lookup form run that form when a parameter binds in its WHERE clause
(:func:`choose_text`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.errors import QueryError
from kg.sparql.catalogue import QueryText
from kg.sparql.lexer import (
    Token,
    group_variables,
    lex,
    matching_brace,
    matching_paren,
    projected,
    query_form,
    split_order_by,
    where_clause,
    word_of,
)

if TYPE_CHECKING:
    from rdflib import Literal, URIRef

    from kg.store import Term

__all__ = ["bind_params", "choose_text", "engine_term", "param_term"]

# How _reading tells parameter values apart; compiled (and cached) by re when first matched:
# a query without parameters never needs them.
_IRI_LIKE = r"(?i)^https?://"
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_INTEGER = r"^[+-]?\d+$"
_DECIMAL = r"^[+-]?(\d+\.\d*|\.\d+)$"
_QUOTED = r'(?s)^"(?P<value>.*)"(?:@(?P<lang>[A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^<(?P<datatype>[^<>]*)>)?$'
_XSD = "http://www.w3.org/2001/XMLSchema#"
_INVALID_IRI = ('an IRI is absolute and has no spaces, control characters or <>"{}|^`\\ '
                '(quote it, name="…", to pass it as text)')


def _checked_iri(text: str, value: str) -> str:
    """The IRI ``text`` (from the parameter value ``value``), checked as kg mints IRIs."""
    from kg.rdf.iris import is_valid_iri  # deferred: only a parameter needs it

    if not is_valid_iri(text):
        raise QueryError(f"invalid IRI in parameter value {value!r}: {_INVALID_IRI}")
    return text


def _reading(value: str) -> tuple[str, str, str | None, str | None]:
    """What a parameter value stands for: ("iri", iri, None, None) or ("literal", lexical
    form, language, datatype IRI) — the one reading behind :func:`engine_term` and
    :func:`param_term`."""
    if value.startswith("<") and value.endswith(">") and len(value) >= 2:
        return "iri", _checked_iri(value[1:-1], value), None, None
    if re.match(_IRI_LIKE, value):
        return "iri", _checked_iri(value, value), None, None
    quoted = re.match(_QUOTED, value)
    if quoted:
        if quoted.group("lang"):
            return "literal", quoted.group("value"), quoted.group("lang"), None
        if quoted.group("datatype"):
            return "literal", quoted.group("value"), None, _checked_iri(quoted.group("datatype"), value)
        return "literal", quoted.group("value"), None, None
    if re.match(_DATE, value):
        return "literal", value, None, _XSD + "date"
    if re.match(_INTEGER, value):
        return "literal", value, None, _XSD + "integer"
    if re.match(_DECIMAL, value):
        return "literal", value, None, _XSD + "decimal"
    return "literal", value, None, None


def engine_term(value: str) -> ox.NamedNode | ox.Literal:
    """The RDF term a parameter value stands for, as an engine (pyoxigraph) term.

    ``<iri>`` or a value starting with ``http://``/``https://`` → IRI; ``"text"`` (optionally
    ``"text"@lang`` or ``"text"^^<datatype>``) → that literal, taken verbatim; ``YYYY-MM-DD``
    → xsd:date; ``12`` → xsd:integer; ``1.5`` → xsd:decimal; anything else → a plain string.
    Raises ``QueryError`` (one line) for an invalid IRI or language tag.
    """
    kind, text, language, datatype = _reading(value)
    try:
        if kind == "iri":
            return ox.NamedNode(text)
        if language is not None:
            return ox.Literal(text, language=language)
        if datatype is not None:
            return ox.Literal(text, datatype=ox.NamedNode(datatype))
        return ox.Literal(text)
    except ValueError as error:
        raise QueryError(f"invalid IRI in parameter value {value!r}: {error} "
                         '(quote it, name="…", to pass it as text)') from None


def param_term(value: str) -> URIRef | Literal:
    """:func:`engine_term` of ``value`` as an rdflib term (``Literal`` keeps the lexical form)."""
    from rdflib import Literal, URIRef  # deferred: binding itself needs no rdflib

    engine_term(value)  # the same checks
    kind, text, language, datatype = _reading(value)
    if kind == "iri":
        return URIRef(text)
    if datatype is not None:
        return Literal(text, datatype=URIRef(datatype), normalize=False)
    return Literal(text, lang=language)


def _not_a_parameter(tokens: Sequence[Token], name: str, accepted: Sequence[str]) -> str:
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



def _certain(tokens: Sequence[Token], start: int, end: int) -> set[str]:
    """The variables that every solution of the group pattern ``tokens[start:end]`` binds.

    Conservative: a variable counts only when a triple pattern of the group (or of every
    branch of a UNION, or a group or sub-select that certainly binds and returns it, or a
    VALUES block without UNDEF) binds it. OPTIONAL, MINUS, SERVICE, FILTER and BIND add
    nothing: what they bind may be unbound in some rows.
    """
    if start < end and word_of(tokens[start]) == "SELECT":
        return _select_certain(tokens, start, end)[0]
    certain: set[str] = set()
    index = start
    while index < end:
        token = tokens[index]
        word = word_of(token)
        if word in ("OPTIONAL", "MINUS", "SERVICE"):
            brace = next(i for i in range(index + 1, end) if tokens[i].text == "{")
            index = matching_brace(tokens, brace) + 1
        elif word == "GRAPH":
            target, brace = tokens[index + 1], index + 2
            close = matching_brace(tokens, brace)
            certain |= _certain(tokens, brace + 1, close)
            if target.kind == "var":
                certain.add(target.text[1:])
            index = close + 1
        elif word == "FILTER":
            position = index + 1
            while position < end and word_of(tokens[position]) in ("NOT", "EXISTS"):
                position += 1
            if tokens[position].text == "{":
                index = matching_brace(tokens, position) + 1
            else:
                if tokens[position].text != "(":
                    position += 1  # a function name: FILTER regex(…), FILTER <iri>(…)
                index = matching_paren(tokens, position) + 1
        elif word == "BIND":
            index = matching_paren(tokens, index + 1) + 1
        elif word == "VALUES":
            position = index + 1
            if tokens[position].text == "(":
                close = matching_paren(tokens, position)
                names = [t.text[1:] for t in tokens[position:close] if t.kind == "var"]
                position = close + 1
            else:
                names = [tokens[position].text[1:]]
                position += 1
            close = matching_brace(tokens, position)
            if not any(word_of(t) == "UNDEF" for t in tokens[position:close]):
                certain.update(names)
            index = close + 1
        elif token.text == "{":
            close = matching_brace(tokens, index)
            branches = [_certain(tokens, index + 1, close)]
            while close + 1 < end and word_of(tokens[close + 1]) == "UNION":
                opening = close + 2
                close = matching_brace(tokens, opening)
                branches.append(_certain(tokens, opening + 1, close))
            certain |= set.intersection(*branches)
            index = close + 1
        else:
            if token.kind == "var":
                certain.add(token.text[1:])
            index += 1
    return certain


def _select_certain(tokens: Sequence[Token], select: int, end: int) -> tuple[set[str], bool]:
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
    close = matching_brace(tokens, index)
    inner = _certain(tokens, index + 1, close)
    result = inner if star else plain & inner
    keys: set[str] | None = None
    in_group_by = False
    limited = False
    depth = 0
    for token in tokens[close + 1:end]:
        word = word_of(token) if depth == 0 else ""
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


def _plan(tokens: Sequence[Token], names: Sequence[str], *, columns_only: bool) -> tuple[list[str], list[str]]:
    """Which parameters a VALUES block in the WHERE clause can bind (``inject``) and which
    must filter the finished answer instead (``wrap``); raises ``QueryError`` for a name that
    is neither. A column is injected only when every row of the answer binds it to a value
    the WHERE pattern matched: then joining the value first gives exactly the rows whose
    column holds it. A column filled inside an OPTIONAL, computed by ``AS``, aggregated or
    cut by LIMIT is filtered after the query: joining it first would write the value into
    rows that lack it."""
    open_index, close_index = where_clause(tokens)
    form = query_form(tokens)
    assert form is not None
    select = tokens[form].text.upper() == "SELECT"
    accepted = group_variables(tokens, open_index + 1, close_index, binds=False)
    columns = projected(tokens, form) if select else []
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



def _engine_terms(params: Mapping[str, Any]) -> dict[str, str]:
    """Parameter name (without ``?``) → its value as an RDF term in N-Triples syntax.

    A value is plain text (read by :func:`engine_term`), an engine term, or an rdflib term
    (converted by the store's term conversion)."""
    terms: dict[str, str] = {}
    for raw_name, value in params.items():
        name = raw_name[1:] if raw_name[:1] in "?$" else raw_name
        # rdflib terms are str too: only plain text is read as a parameter value
        if type(value) is str:
            terms[name] = str(engine_term(value))
        elif isinstance(value, (ox.NamedNode, ox.BlankNode, ox.Literal)):
            terms[name] = str(value)
        else:
            from kg.store import to_engine

            try:
                terms[name] = str(to_engine(value))
            except ValueError as error:
                raise QueryError(f"invalid value for ?{name}: {error}") from None
    return terms


def _inject(text: str, tokens: Sequence[Token], terms: Mapping[str, str]) -> str:
    """``text`` with a VALUES block of ``terms`` at the start of its WHERE clause."""
    if not terms:
        return text
    open_index, close_index = where_clause(tokens)
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
    tokens = lex(body_text)
    form = query_form(tokens)
    assert form is not None
    columns = " ".join(f"?{c}" for c in projected(tokens, form))
    prologue, body = body_text[:tokens[form].start], body_text[tokens[form].start:]
    condition = " && ".join(f"sameTerm(?{name}, {term})" for name, term in terms.items())
    return f"{prologue}SELECT {columns} WHERE {{ {{ {body}\n}} FILTER ({condition}) }}\n{order}"


def bind_params(text: str, params: Mapping[str, str | Term], *, columns_only: bool = False) -> str:
    """The query with ``params`` bound: a parameter only ever narrows the answer.

    Values are converted to RDF terms (strings via :func:`engine_term`) and written in
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
    terms = _engine_terms(params)
    tokens, inject, wrap = _prepared(text, tuple(terms), columns_only)
    bound = _inject(text, tokens, {name: terms[name] for name in inject})
    return _filter_answer(bound, {name: terms[name] for name in wrap}) if wrap else bound


@functools.lru_cache(maxsize=64)
def _prepared(text: str, names: tuple[str, ...],
              columns_only: bool) -> tuple[tuple[Token, ...], tuple[str, ...], tuple[str, ...]]:
    """The tokens of ``text`` and :func:`_plan` of ``names``, worked out once per query text
    and names: a caller binding one query to many values (``kg link`` asks thousands of
    names) lexes it once. The answer depends on its arguments alone (all immutable)."""
    tokens = tuple(lex(text))
    inject, wrap = _plan(tokens, list(names), columns_only=columns_only)
    return tokens, tuple(inject), tuple(wrap)


def choose_text(query: QueryText, params: Mapping[str, str | Term]) -> str:
    """The text to run with ``params``: the lookup form when a parameter binds in its WHERE
    clause (index lookups from the value), else the tuned form (the answer is filtered)."""
    if query.lookup is None:
        return query.text
    names = [n[1:] if n[:1] in "?$" else n for n in params]
    try:
        inject, _wrap = _plan(lex(query.lookup), names, columns_only=query.named)
    except QueryError:
        return query.text
    return query.lookup if inject else query.text
