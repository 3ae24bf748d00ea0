"""JSON Lines article collections: one JSON object per line, read as a stream.

Owns the record schema: ``text`` (required, a non-empty string), and the optional strings
``title``, ``date``, ``url``, ``publisher``, ``retrieved`` and ``id`` (what identifies the
record in its file when it has no URL). Each line becomes an
``Article`` whose source is ``"path:LINE"`` or an ``InputError`` for that line; a bad line
never stops the lines after it. Lines are read one at a time, never the whole file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import IO, Any

from kg.errors import InputError
from kg.reading.article import MAX_ARTICLE_BYTES, Article, Unread, check_text, source_digest
from kg.reading.text import clean_body, clean_inline, parse_date

MAX_LINE_BYTES = MAX_ARTICLE_BYTES
_OPTIONAL_TEXT = ("title", "url", "publisher")
_OPTIONAL_DATES = ("date", "retrieved")
_BOM = b"\xef\xbb\xbf"
_BLANK = b" \t\r\n\x0b\x0c"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _string_field(record: dict[str, Any], name: str, source: str, line: int) -> str | None:
    value = record.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(source, f'field "{name}" must be a string, not {_json_type(value)}', line)
    return value


def article_from_record(record: Any, source: str, line: int, key_path: str | None = None) -> Article:
    """One decoded JSON value → ``Article``; raises ``InputError`` naming the line.

    Its identity key (used when it has no URL, or no title and date) is its ``id`` field
    within the file, else the file (``key_path``, absolute) and line; none for standard input
    without ``id``."""
    if not isinstance(record, dict):
        raise InputError(source, f"not a JSON object (found {_json_type(record)})", line)
    if "text" not in record:
        raise InputError(source, 'missing required field "text"', line)
    raw_text = _string_field(record, "text", source, line)
    if raw_text is None:
        raise InputError(source, 'field "text" is null; it must hold the article text', line)
    text = clean_body(raw_text)
    if not text:
        if raw_text.strip(" \t\r\n"):
            raise InputError(source, 'field "text" holds no article text (only invisible or control characters)', line)
        raise InputError(source, 'field "text" is empty', line)
    check_text(text, source, line)
    values: dict[str, str | None] = {}
    for name in _OPTIONAL_TEXT:
        value = _string_field(record, name, source, line)
        values[name] = (clean_inline(value) or None) if value is not None else None
    dates: dict[str, dt.date | None] = {}
    for name in _OPTIONAL_DATES:
        value = _string_field(record, name, source, line)
        if value is None or not value.strip():
            dates[name] = None
            continue
        parsed = parse_date(value)
        if parsed is None:
            shown = value if len(value) <= 40 else value[:40] + "..."
            raise InputError(
                source, f'field "{name}": cannot read {json.dumps(shown)} as a full date '
                "(use ISO 8601, e.g. 2012-12-05)", line,
            )  # fmt: skip
        dates[name] = parsed
    record_id = _string_field(record, "id", source, line)
    scope = key_path if key_path is not None else source
    if record_id is not None and record_id.strip():
        key: str | None = f"id:{scope}#{record_id.strip()}"
    else:
        key = f"line:{key_path}:{line}" if key_path is not None else None
    return Article(
        source=f"{source}:{line}",
        text=text,
        title=values["title"],
        date=dates["date"],
        publisher=values["publisher"],
        url=values["url"],
        retrieved=dates["retrieved"],
        key=key,
    )


def _lines(stream: IO[bytes], max_line_bytes: int) -> Iterator[tuple[bytes | None, int]]:
    """The stream's lines with their sizes in bytes; None for a line over the limit."""
    while True:
        chunk = stream.readline(max_line_bytes + 1)
        if not chunk:
            return
        if len(chunk) <= max_line_bytes or chunk.endswith(b"\n"):
            yield chunk, len(chunk)
            continue
        size = len(chunk)
        while chunk and not chunk.endswith(b"\n"):  # skip the rest of the long line
            chunk = stream.readline(max_line_bytes + 1)
            size += len(chunk)
        yield None, size


def _parse_line(line: str, source: str, number: int, key_path: str | None = None) -> Article | InputError:
    try:
        record = json.loads(line.strip(" \t\r\n"))
    except json.JSONDecodeError as err:
        # "Unterminated string starting at" already ends in "at"
        where = "column" if err.msg.endswith(" at") else "at column"
        return InputError(source, f"not valid JSON ({err.msg} {where} {err.colno})", number)
    except RecursionError:
        return InputError(source, "not valid JSON (nested too deeply)", number)
    except ValueError as err:  # e.g. integers too long to convert
        return InputError(source, f"not valid JSON ({err})", number)
    try:
        return article_from_record(record, source, number, key_path)
    except InputError as err:
        return err


def iter_jsonl(
    stream: IO[bytes], source: str, *, max_line_bytes: int = MAX_LINE_BYTES, key_path: str | None = None,
    skip: Callable[[str], bool] | None = None,
) -> Iterator[Article | Unread | InputError]:
    """Articles (and per-line errors) from a binary JSON Lines stream, line by line.

    Each article's ``digest`` is that of its line (with its number and the file); a line whose
    digest ``skip`` accepts is not decoded: an ``Unread`` record stands in its place.
    Blank lines are skipped. A first record line that is not UTF-8 means the stream is not
    text at all: one error is yielded and reading stops. A stream without any record
    yields one "empty file" error.
    """
    seen_content = False
    offset = 0
    for number, (raw, size) in enumerate(_lines(stream, max_line_bytes), start=1):
        start, offset = offset, offset + size
        if raw is None:
            seen_content = True
            limit_mb = max_line_bytes // (1024 * 1024)
            yield InputError(source, f"line too long (over {limit_mb} MB)", number)
            continue
        if number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
            start += len(_BOM)
        if not raw.strip(_BLANK):
            continue
        digest = source_digest("jsonl", f"{source}:{number}", key_path, raw)
        if skip is not None and skip(digest):
            seen_content = True
            yield Unread(f"{source}:{number}", digest)
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            problem = f"not valid UTF-8 at byte {start + err.start}"
            if not seen_content:
                yield InputError(source, problem)
                return
            yield InputError(source, problem, number)
            continue
        seen_content = True
        parsed = _parse_line(line, source, number, key_path)
        yield dataclasses.replace(parsed, digest=digest) if isinstance(parsed, Article) else parsed
    if not seen_content:
        yield InputError(source, "empty file")
