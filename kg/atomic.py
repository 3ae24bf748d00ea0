"""Writing an output file atomically: a temporary file beside the target, fsynced, then
renamed over it, so a crash or an error never leaves a truncated or half-written file.

The temporary file is ``.NAME.kg-PID-RANDOM.tmp`` (NAME the target's name, PID the writer's).
It is removed when the write fails, when the writer is interrupted (Ctrl-C) and when it is
ended by SIGTERM or SIGHUP (the handlers are installed only while the file is written, in the
main thread, and the signal then ends the process as it would have). A SIGKILL (or a power
cut) can leave one behind: the next write to the same target removes the temporary files of
writers that are no longer running, and those of the naming before the PID was in it
(``.NAME.XXXXXXXX.tmp``) once they are an hour old.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from kg.errors import KgError

if TYPE_CHECKING:
    from types import FrameType

    _Handler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None
    """What ``signal.signal`` returns and takes: a function, SIG_DFL or SIG_IGN, or None for a
    handler not set from Python."""

__all__ = ["STALE_LEGACY_SECONDS", "new_file_mode", "pid_alive", "remove_stale_temp_files", "temp_prefix",
           "write_atomically"]

STALE_LEGACY_SECONDS = 3600
"""A temporary file of the old naming (no PID in it) older than this is taken for a dead writer's."""
_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
_LEGACY = re.compile(r"[a-z0-9_]{8}\.tmp")  # what tempfile.mkstemp put between the prefix and .tmp


def new_file_mode() -> int:
    """The permissions a plain ``open(path, "w")`` would give a new file."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def temp_prefix(target: Path, pid: int | None = None) -> str:
    """The start of the names of the temporary files written for ``target`` by process ``pid``."""
    return f".{target.name}.kg-{os.getpid() if pid is None else pid}-"


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (owned by us or not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def remove_stale_temp_files(target: Path) -> list[Path]:
    """Remove the temporary files left beside ``target`` by writers that are gone; returns them.

    Only files of our own naming: ``.NAME.kg-PID-….tmp`` whose process is not running, and
    ``.NAME.XXXXXXXX.tmp`` (the naming before) older than ``STALE_LEGACY_SECONDS``.
    """
    directory = target.parent if str(target.parent) else Path(".")
    start = f".{target.name}."
    ours = re.compile(re.escape(start) + r"kg-(\d+)-[^/]*\.tmp")
    removed: list[Path] = []
    try:
        names = [name for name in os.listdir(directory) if name.startswith(start) and name.endswith(".tmp")]
    except OSError:
        return removed
    now = time.time()
    for name in names:
        path = directory / name
        match = ours.fullmatch(name)
        if match:
            pid = int(match.group(1))
            stale = pid != os.getpid() and not pid_alive(pid)
        elif _LEGACY.fullmatch(name[len(start):]):
            try:
                stale = now - path.stat().st_mtime > STALE_LEGACY_SECONDS
            except OSError:
                continue
        else:
            continue
        if stale:
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


@contextlib.contextmanager
def _removed_on_signals(temp: Path) -> Iterator[None]:
    """While the block runs (main thread only), SIGTERM and SIGHUP remove ``temp`` first, then
    end the process as the signal would have."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, _Handler] = {}

    def handler(signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(OSError):
            temp.unlink()
        old = previous.get(signum, signal.SIG_DFL)
        if callable(old):
            old(signum, frame)
            return
        if old == signal.SIG_IGN:
            return
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    try:
        for signum in _SIGNALS:
            previous[signum] = signal.signal(signum, handler)
    except (ValueError, OSError):  # pragma: no cover - not the main thread after all
        pass
    try:
        yield
    finally:
        for signum, old in previous.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(signum, old)


def write_atomically(target: Path, write: Callable[[BinaryIO], None],
                     error: type[KgError] = KgError) -> None:
    """Call ``write(handle)`` on a temporary file, then replace ``target`` with it.

    An existing target keeps its permissions; an ``OSError`` becomes ``error`` naming the
    target; on any failure, interruption or SIGTERM/SIGHUP the temporary file is removed and
    the target is left untouched. Stale temporary files of earlier writers are removed first."""
    if target.is_dir():
        raise error(f"cannot export to {target}: it is a directory")
    directory = target.parent if str(target.parent) else Path(".")
    remove_stale_temp_files(target)
    try:
        mode = target.stat().st_mode & 0o7777 if target.exists() else new_file_mode()
        fd, temp_name = tempfile.mkstemp(prefix=temp_prefix(target), suffix=".tmp", dir=directory)
    except OSError as exc:
        raise error(f"cannot write {target}: {exc.strerror or exc}") from None
    temp = Path(temp_name)
    try:
        with _removed_on_signals(temp):
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
