"""SPARQL ``ORDER BY`` over answer rows held in memory: the sort key of each RDF term.

The embedded engine sorts by reading the text of long strings and IRIs from disk again at
every comparison, which makes its ``ORDER BY`` the slowest step of many named queries. When
the whole answer is read anyway, kg sorts the rows itself (:func:`sort_rows`), in the order
SPARQL 1.1 (section 15.1) and the engine define:

* unbound < blank nodes < IRIs < literals;
* IRIs by their text (code point order, which is UTF-8 byte order), blank nodes by their
  label (SPARQL leaves that open; the engine does so);
* literals by value within one family: strings (``xsd:string``), strings of one language,
  integers and decimals, floats and doubles, booleans, dates without a timezone, date-times
  without a timezone.

How an engine orders literals of different families, ill-typed literals, NaN or values with
timezones is its own choice; for a column holding any of those, :func:`sort_rows` returns None
and the caller lets the engine order the answer.

Rows may hold rdflib terms or the engine's (pyoxigraph) terms: both are read through
:func:`kg.sparql.writers.term_parts`, literal values from their lexical forms, and both get
the same keys. This module imports no rdflib.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kg.sparql.writers import term_parts

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = ["OrderKey", "sort_rows"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER = _XSD + "integer"
_DECIMAL = _XSD + "decimal"
_FLOATING = {_XSD + "float", _XSD + "double"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?$")
_BOOLEAN = _XSD + "boolean"
_DATE_TYPE = _XSD + "date"
_DATETIME_TYPE = _XSD + "dateTime"

_DECIMAL_LIMIT = 10**20
_UNBOUND = (0, None)
_KINDS = {"bnode": 1, "uri": 2}


@dataclass(frozen=True)
class OrderKey:
    """One comparator of an ``ORDER BY`` clause: a variable, ascending or descending."""

    variable: str
    descending: bool = False


def _fraction_digits(value: Decimal) -> int:
    """How many digits a decimal has after the point, trailing zeros left out."""
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # a finite decimal
    significant = "".join(map(str, digits)).rstrip("0")
    if not significant:
        return 0  # zero
    return max(0, -exponent - (len(digits) - len(significant)))


def _literal_key(text: str, language: str | None, datatype: str | None) -> tuple[str, object] | None:
    """(family, value) of a literal from its parts (:func:`kg.sparql.writers.term_parts`: the
    datatype is None for a plain or language-tagged string), or None when its order is the
    engine's choice. Values are read from the lexical form by the functions rdflib reads them
    with (``int``, ``Decimal``, ``float``, ``date.fromisoformat``, ``datetime.fromisoformat``),
    so rdflib and engine terms get the same keys. ``decimal`` and ``datetime`` are imported
    by the branches that read such values: sorting strings and IRIs loads neither."""
    if language:
        return f"@{language.lower()}", text
    if datatype is None:
        return "string", text
    try:
        if datatype == _INTEGER:
            value = int(text)
            # the engine's integers are 64-bit
            return ("exact", value) if -2**63 <= value < 2**63 else None
        if datatype == _DECIMAL:
            from decimal import Decimal

            number = Decimal(text)
            # and its decimals have 18 fractional digits
            if number.is_finite() and abs(number) < _DECIMAL_LIMIT and _fraction_digits(number) <= 18:
                return "exact", number
            return None
        if datatype in _FLOATING:
            floating = float(text)
            return None if math.isnan(floating) else ("floating", floating)
        if datatype == _BOOLEAN:
            return ("boolean", text in ("true", "1")) if text in ("true", "false", "1", "0") else None
        if datatype == _DATE_TYPE:
            from datetime import date

            return ("date", date.fromisoformat(text)) if _DATE.match(text) else None
        if datatype == _DATETIME_TYPE:
            if not _DATETIME.match(text):
                return None
            from datetime import datetime

            moment = datetime.fromisoformat(text)
            return ("datetime", moment) if moment.tzinfo is None else None
    except (ValueError, ArithmeticError):  # not a valid lexical form: ill-typed
        return None
    return None


def _column(values: Sequence[object]) -> tuple[list[int], list[object]] | None:
    """The sort key of each value of one answer column (rdflib or engine terms, None for
    unbound), as two lists: the kind of term (0 unbound, 1 blank node, 2 IRI, 3 literal) and the value
    within its kind; None when the column's literals are not all of one family."""
    # Keyed by identity: an answer holds one object per distinct term, and hashing rdflib
    # literals is slow. Every value stays referenced by ``values`` while this runs.
    cache: dict[int, tuple[int, object]] = {}
    family: str | None = None
    kinds: list[int] = []
    keys: list[object] = []
    for value in values:
        key = cache.get(id(value))
        if key is None:
            if value is None:
                key = _UNBOUND
            else:
                try:
                    kind, text, language, datatype = term_parts(value)
                except TypeError:  # not an RDF term
                    return None
                if kind == "literal":
                    found = _literal_key(text, language, datatype)
                    if found is None:
                        return None
                    if family is None:
                        family = found[0]
                    elif found[0] != family:
                        return None
                    key = (3, found[1])
                else:
                    key = (_KINDS[kind], text)
            cache[id(value)] = key
        kinds.append(key[0])
        keys.append(key[1])
    return kinds, keys


def sort_rows(variables: Sequence[str], rows: Sequence[tuple], order: Sequence[OrderKey]) -> list[tuple] | None:
    """``rows`` (tuples in the order of ``variables``) sorted by ``order``, as ``ORDER BY``
    would; None when a key is not a column of the rows or a column's order is the engine's
    choice (see the module docstring). Rows equal on every key keep their order."""
    index = {name: position for position, name in enumerate(variables)}
    if any(key.variable not in index for key in order):
        return None
    # one stable sort per run of keys with the same direction, the last run first; within a
    # run, each row's key is one flat tuple: per column its kind (left out when the whole
    # column has one kind) and its value, which only meets values of the same kind
    runs: list[tuple[bool, list[Sequence[object]]]] = []
    for key in order:
        column = _column([row[index[key.variable]] for row in rows])
        if column is None:
            return None
        kinds, values = column
        distinct = set(kinds)
        if not distinct or distinct == {0}:
            continue  # all unbound: all equal
        parts: list[Sequence[object]] = [values] if len(distinct) == 1 else [kinds, values]
        if runs and runs[-1][0] == key.descending:
            runs[-1][1].extend(parts)
        else:
            runs.append((key.descending, parts))
    positions = list(range(len(rows)))
    for descending, parts in reversed(runs):
        # Any: each key meets only keys of its own kind, which compare (see _column)
        combined: Sequence[Any] = parts[0] if len(parts) == 1 else list(zip(*parts))
        positions.sort(key=combined.__getitem__, reverse=descending)
    return [rows[position] for position in positions]
