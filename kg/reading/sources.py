"""Article sources: paths, directories and stdin → a stream of ``Article`` records.

Owns which files are articles (by extension), the order directories are read in, the checks
every file passes before a format reader sees it (exists, regular, size, binary, UTF-8) and
the rule that a problem is *yielded* as an ``InputError`` so the caller can report it and go
on with the other articles. The formats themselves live in ``wire`` (.txt/.md and anything
unknown), ``html`` (.html/.htm) and ``jsonl`` (.jsonl, .jsonl.gz).
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import os
import stat
import sys
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

import kg
from kg.errors import InputError
from kg.reading.article import MAX_ARTICLE_BYTES, Article, Unread, check_text, source_digest
from kg.reading.html import parse_html
from kg.reading.jsonl import iter_jsonl
from kg.reading.wire import parse_wire

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

MAX_FILE_BYTES = MAX_ARTICLE_BYTES  # one article per file (a .jsonl file is checked line by line)
# Suffix → reader, the longest suffix first; the one list of what counts as an article file.
_KINDS = (
    (".jsonl.gz", "jsonl.gz"),
    (".jsonl", "jsonl"),
    (".html", "html"),
    (".htm", "html"),
    (".txt", "text"),
    (".md", "text"),
)
ARTICLE_SUFFIXES = tuple(suffix for suffix, _ in _KINDS)
STDIN = "-"
STDIN_SOURCE = "<stdin>"
_SNIFF_BYTES = 8192
_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_GZIP_MAGIC = b"\x1f\x8b"
_BLANK = b" \t\r\n\x0b\x0c"
Skip = Callable[[str], bool] | None
"""Given a source's ``digest`` (``kg.reading.article.source_digest``), whether to leave it
unread: the reader then yields an ``Unread`` record instead of decoding the bytes."""


def default_article_path() -> Path:
    """The bundled reference article (an AFP wire story of 5 December 2012)."""
    return Path(kg.__file__).parent / "data" / "global_alliance_2012.txt"


def file_key(path: str) -> str:
    """The identity key of a file's article: its absolute path, links resolved."""
    return "file:" + os.path.realpath(path)


def _kind(name: str) -> str | None:
    """"jsonl", "jsonl.gz", "html" or "text" for an article file name, else None."""
    lower = name.lower()
    return next((kind for suffix, kind in _KINDS if lower.endswith(suffix)), None)


def _os_problem(err: OSError) -> str:
    if isinstance(err, FileNotFoundError):
        return "not found"
    if isinstance(err, PermissionError):
        return "permission denied"
    if isinstance(err, IsADirectoryError):
        return "is a directory"
    return f"cannot read ({err.strerror or err})"


def _too_large(size: int) -> str:
    return f"too large ({size:,} bytes; the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB)"


def _not_text(head: bytes) -> str | None:
    """Why data starting with these bytes is not UTF-8 text, or None."""
    if head.startswith(_UTF16_BOMS):
        return "UTF-16 text; save the file as UTF-8"
    if head.startswith(_GZIP_MAGIC):
        return "gzip-compressed data; decompress it, or name a JSON Lines file *.jsonl.gz"
    if b"\x00" in head[:_SNIFF_BYTES]:
        return "binary file (contains NUL bytes)"
    return None


_INVISIBLE = "no article text (only invisible or control characters)"


def _decode(data: bytes, source: str) -> str:
    """Whole-file bytes → text, or ``InputError`` for empty, binary or non-UTF-8 data.

    "empty file" means no bytes, or only spaces, tabs and line breaks; a file of other
    invisible characters (form feeds, control characters) is not empty: it has no text."""
    if not data.strip(b" \t\r\n"):
        raise InputError(source, "empty file")
    if not data.strip(_BLANK):
        raise InputError(source, _INVISIBLE)
    if problem := _not_text(data):
        raise InputError(source, problem)
    skip = len(_BOM) if data.startswith(_BOM) else 0
    try:
        text = data[skip:].decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(source, f"not valid UTF-8 at byte {skip + err.start}") from None
    if not text.strip():
        spaces_only = all(char in "\t\r\n" or unicodedata.category(char)[0] == "Z" for char in text)
        raise InputError(source, "empty file" if spaces_only else _INVISIBLE)
    return text


def _from_bytes(data: bytes, source: str, kind: str) -> Article:
    text = _decode(data, source)
    if kind == "html":
        article = parse_html(text.encode("utf-8"), source)
    else:
        article = parse_wire(text, source)
    check_text(article.text, source)
    return article


class _Replay(io.RawIOBase):
    """A stream that first gives back bytes already read from it, then the rest."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        super().__init__()
        self._head = memoryview(head)
        self._at = 0
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        with memoryview(buffer) as view:  # BufferedReader gives a memoryview; RawIOBase.read a bytearray
            size = len(view)
            if self._at < len(self._head):
                data: bytes | memoryview = self._head[self._at : self._at + size]
                self._at += len(data)
            else:
                data = self._rest.read(size)
            view[: len(data)] = data
            return len(data)


def _sniff(stream: IO[bytes]) -> tuple[bytes, IO[bytes]]:
    """Read ahead to the first non-blank byte (at least 8 KB); return it and a replaying stream."""
    head = bytearray(stream.read(_SNIFF_BYTES))
    blank_until = 0  # head[:blank_until] is known to be blank
    while head and not head[blank_until:].strip(_BLANK) and len(head) <= MAX_FILE_BYTES:
        more = stream.read(_SNIFF_BYTES)
        if not more:
            break
        blank_until = len(head)
        head += more
    return bytes(head), io.BufferedReader(_Replay(bytes(head), stream))


def _read_jsonl_stream(stream: IO[bytes], source: str, *, keyed: bool = False,
                       skip: Skip = None) -> Iterator[Article | Unread | InputError]:
    head, replay = _sniff(stream)
    # Only the first line decides whether the whole file is binary: a NUL byte in a later
    # line is that line's problem (reported with its number), not the file's.
    first_line = head.lstrip(_BLANK).split(b"\n", 1)[0]
    if problem := _not_text(head[:2]) or _not_text(first_line):
        yield InputError(source, problem)
    else:
        yield from iter_jsonl(replay, source, key_path=os.path.realpath(source) if keyed else None, skip=skip)


def _read_jsonl(path: str, gzipped: bool, skip: Skip = None) -> Iterator[Article | Unread | InputError]:
    try:
        with open(path, "rb") as raw:
            # typeshed's GzipFile is a BufferedIOBase, not an IO[bytes], though it reads as one
            stream = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb")) if gzipped else raw
            yield from _read_jsonl_stream(stream, path, keyed=True, skip=skip)
    except gzip.BadGzipFile:
        yield InputError(path, "not a gzip file (the name ends in .gz)")
    except (EOFError, zlib.error):
        yield InputError(path, "damaged gzip data (the file is truncated or corrupt)")
    except OSError as err:
        yield InputError(path, _os_problem(err))


def _read_file(path: str, kind: str, skip: Skip = None) -> Iterator[Article | Unread | InputError]:
    """One regular file of a known kind ("text" for anything unknown)."""
    if kind in ("jsonl", "jsonl.gz"):
        yield from _read_jsonl(path, kind == "jsonl.gz", skip)
        return
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            yield InputError(path, _too_large(len(data)))
            return
        key = file_key(path)
        digest = source_digest(kind, path, key, data)
        if skip is not None and skip(digest):
            yield Unread(path, digest)
            return
        yield dataclasses.replace(_from_bytes(data, path, kind), key=key, digest=digest)
    except InputError as err:
        yield err
    except OSError as err:
        yield InputError(path, _os_problem(err))


def _read_stdin(skip: Skip = None) -> Iterator[Article | Unread | InputError]:
    stdin = sys.stdin
    if stdin is None:
        yield InputError(STDIN_SOURCE, "no standard input")
        return
    stream = getattr(stdin, "buffer", None)
    try:
        if stream is None:  # a text-only stand-in for stdin
            stream = io.BytesIO(stdin.read().encode("utf-8", "surrogateescape"))
        head, replay = _sniff(stream)
        if head.removeprefix(_BOM).lstrip(_BLANK).startswith(b"{"):
            yield from _read_jsonl_stream(replay, STDIN_SOURCE, skip=skip)
            return
        data = replay.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            yield InputError(STDIN_SOURCE, _too_large(len(data)))
            return
        digest = source_digest("text", STDIN_SOURCE, None, data)
        if skip is not None and skip(digest):
            yield Unread(STDIN_SOURCE, digest)
            return
        yield dataclasses.replace(_from_bytes(data, STDIN_SOURCE, "text"), digest=digest)
    except InputError as err:
        yield err
    except OSError as err:
        yield InputError(STDIN_SOURCE, _os_problem(err))


def _walk(root: str) -> Iterator[str | InputError]:
    """Article files under a directory, depth first, each folder's entries sorted by name.

    Hidden entries are skipped; symbolic links to folders are followed once (no loops).
    """
    seen: set[tuple[int, int]] = set()
    stack: list[Iterator[str]] = []

    def enter(folder: str) -> InputError | None:
        try:
            info = os.stat(folder)
            if (info.st_dev, info.st_ino) in seen:
                return None
            seen.add((info.st_dev, info.st_ino))
            names = sorted(n for n in os.listdir(folder) if not n.startswith("."))
        except OSError as err:
            return InputError(folder, _os_problem(err))
        stack.append(iter([os.path.join(folder, n) for n in names]))
        return None

    problem = enter(root)
    if problem:
        yield problem
        return  # one error for an unreadable folder, not a second "no article files"
    while stack:
        path = next(stack[-1], None)
        if path is None:
            stack.pop()
            continue
        try:
            info = os.stat(path)
        except OSError:
            continue  # dangling link or entry removed while walking
        if stat.S_ISDIR(info.st_mode):
            problem = enter(path)
            if problem:
                yield problem
        elif stat.S_ISREG(info.st_mode) and _kind(os.path.basename(path)):
            yield path


def _read_path(path: str, skip: Skip = None) -> Iterator[Article | Unread | InputError]:
    try:
        info = os.stat(path)
    except OSError as err:
        yield InputError(path, _os_problem(err))
        return
    if stat.S_ISDIR(info.st_mode):
        found = False
        for item in _walk(path):
            if isinstance(item, InputError):
                found = found or item.source == path  # the folder itself: already reported
                yield item
            else:
                found = True
                yield from _read_file(item, _kind(os.path.basename(item)) or "text", skip)
        if not found:
            yield InputError(path, "is a directory with no article files")
        return
    if not stat.S_ISREG(info.st_mode):
        yield InputError(path, 'not a regular file (use "-" to read standard input)')
        return
    kind = _kind(os.path.basename(path)) or "text"
    if kind not in ("jsonl", "jsonl.gz") and info.st_size > MAX_FILE_BYTES:
        yield InputError(path, _too_large(info.st_size))
        return
    yield from _read_file(path, kind, skip)


def iter_articles(paths: Iterable[str | os.PathLike[str]], *,
                  skip: Skip = None) -> Iterator[Article | Unread | InputError]:
    """Every article in the given files and directories, each yielded as soon as it is read.

    Directories are walked recursively in sorted order, reading ``.txt``, ``.md``,
    ``.html``, ``.htm``, ``.jsonl`` and ``.jsonl.gz`` files and skipping hidden entries; a
    file named explicitly with another extension is read as plain text; ``"-"`` reads
    standard input (JSON Lines if it starts with ``{``, else one text article). Problems
    are yielded as ``InputError`` values, never raised, so the caller can go on.

    Each article carries the ``digest`` of the bytes it was read from (a file, or one line of
    a JSON Lines file). With ``skip``, a source whose digest ``skip`` accepts is not decoded,
    cleaned or checked at all: an ``Unread`` record stands in its place (``kg.builder`` passes
    the digests its store already holds, so an unchanged corpus costs one hash per source).
    """
    for path in paths:
        name = os.fspath(path)
        if name == STDIN:
            yield from _read_stdin(skip)
        else:
            yield from _read_path(name, skip)


def article_from_text(text: str, source: str = "<text>") -> Article:
    """One article from text held in memory, read as a ``.txt`` file with that content is
    (a title line, a dateline, the same cleaning and language check); ``InputError`` naming
    ``source`` for text that is no article."""
    return _from_bytes(text.encode("utf-8", "surrogatepass"), source, "txt")


def read_file(path: str | os.PathLike[str]) -> list[Article]:
    """All articles of one file or directory; raises the first ``InputError`` met."""
    articles: list[Article] = []
    for item in iter_articles([path]):
        if isinstance(item, InputError):
            raise item
        if isinstance(item, Article):  # always, without a ``skip``
            articles.append(item)
    return articles
