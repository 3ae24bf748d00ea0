"""Writing an output file atomically: a temporary file beside the target, fsynced, then
renamed over it, so a crash or an error never leaves a truncated or half-written file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from kg.errors import KgError


def new_file_mode() -> int:
    """The permissions a plain ``open(path, "w")`` would give a new file."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomically(target: Path, write: Callable[[BinaryIO], None],
                     error: type[KgError] = KgError) -> None:
    """Call ``write(handle)`` on a temporary file, then replace ``target`` with it.

    An existing target keeps its permissions; an ``OSError`` becomes ``error`` naming the
    target; on any failure the temporary file is removed and the target is left untouched."""
    if target.is_dir():
        raise error(f"cannot export to {target}: it is a directory")
    directory = target.parent if str(target.parent) else Path(".")
    try:
        mode = target.stat().st_mode & 0o7777 if target.exists() else new_file_mode()
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise error(f"cannot write {target}: {exc.strerror or exc}") from None
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise error(f"cannot write {target}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
