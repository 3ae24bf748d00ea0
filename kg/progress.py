"""A one-line progress bar on stderr for long runs: done/total, rate, triples, errors, ETA.

Shown only when its stream is a terminal (and the caller did not ask for quiet); otherwise
every method is a no-op, so logs and pipes never see control characters. The line is
redrawn at most every ``interval`` seconds; ``message`` prints a line (an error, say) above
the bar without tearing it. The total may arrive late (``set_total``, e.g. from a thread
counting the input) or never (stdin): without it the bar shows counts and rate, no ETA.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress", "format_duration"]

_BAR_WIDTH = 24


def format_duration(seconds: float) -> str:
    """``75`` → ``"1:15"``, ``3700`` → ``"1:01:40"``."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Counts of a running build, drawn on one terminal line."""

    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None, total: int | None = None,
                 unit: str = "articles", interval: float = 0.2, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.total = total
        self.unit = unit
        self.interval = interval
        self.clock = clock
        self.done = 0
        self.triples = 0
        self.errors = 0
        self._start = clock()
        self._drawn_at: float | None = None
        self._shown = False
        self._lock = threading.Lock()

    # -- counting

    def set_total(self, total: int | None) -> None:
        """The expected number of items (None: unknown)."""
        with self._lock:
            self.total = total

    def advance(self, items: int = 1, *, triples: int = 0, errors: int = 0) -> None:
        """Count finished items (built or skipped), triples written and errors."""
        self.done += items
        self.triples += triples
        self.errors += errors
        self._draw(force=False)

    def message(self, text: str) -> None:
        """Print ``text`` on its own line (above the bar, when shown)."""
        if self.enabled and self._shown:
            self.stream.write("\r\x1b[K")
        self.stream.write(text.rstrip("\n") + "\n")
        if self.enabled and self._shown:
            self._draw(force=True)
        else:
            self.stream.flush()

    def close(self) -> None:
        """Erase the bar (the caller prints its own summary)."""
        if self.enabled and self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- drawing

    def rate(self) -> float:
        """Items per second since the start."""
        elapsed = self.clock() - self._start
        return self.done / elapsed if elapsed > 0 else 0.0

    def line(self, width: int = 100) -> str:
        """The text of the bar, at most ``width`` characters."""
        with self._lock:
            total = self.total
        rate = self.rate()
        parts = []
        if total:
            shown_total = max(total, self.done)
            filled = int(_BAR_WIDTH * self.done / shown_total)
            bar = "#" * filled + "." * (_BAR_WIDTH - filled)
            parts.append(f"[{bar}] {self.done:,}/{shown_total:,} {self.unit}")
        else:
            parts.append(f"{self.done:,} {self.unit}")
        parts.append(f"{rate:,.1f}/s")
        parts.append(f"{self.triples:,} triples")
        parts.append(f"{self.errors:,} error{'s' if self.errors != 1 else ''}")
        if total and rate > 0:
            parts.append(f"ETA {format_duration(max(0, total - self.done) / rate)}")
        text = "  ".join(parts)
        return text if len(text) <= width else text[: max(0, width - 1)] + "…"

    def _draw(self, *, force: bool) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if not force and self._drawn_at is not None and now - self._drawn_at < self.interval:
            return
        self._drawn_at = now
        width = max(20, shutil.get_terminal_size((100, 24)).columns - 1)
        self.stream.write("\r" + self.line(width) + "\x1b[K")
        self.stream.flush()
        self._shown = True
