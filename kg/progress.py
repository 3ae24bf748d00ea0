"""A one-line progress bar on stderr for long runs: done/total, rate, triples, errors, ETA.

Shown only when its stream is a terminal (and the caller did not ask for quiet); otherwise
every method is a no-op, so logs and pipes never see control characters. The line is
redrawn at most every ``interval`` seconds; ``message`` prints a line (an error, say) above
the bar without tearing it. The total may arrive late (``set_total``, e.g. from a thread
counting the input) or never (stdin): without it the bar shows counts and rate, no ETA.

Commands made of a few long steps (``kg validate``, ``kg analyse``, ``kg link``) use
:func:`steps`: the bar counts steps, names the one running and shows the time spent,
redrawn every second by a ticker thread while a step gives no news of its own.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress", "format_duration", "steps"]

_BAR_WIDTH = 24


def format_duration(seconds: float) -> str:
    """``75`` → ``"1:15"``, ``3700`` → ``"1:01:40"``."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Counts of a running build (or the steps of a command), drawn on one terminal line.

    ``counts=False`` leaves out the rate, triples and errors (a command that counts steps)."""

    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None, total: int | None = None,
                 unit: str = "articles", interval: float = 0.2, clock: Callable[[], float] = time.monotonic,
                 counts: bool = True) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.total = total
        self.unit = unit
        self.interval = interval
        self.clock = clock
        self.counts = counts
        self.label = ""
        self.done = 0
        self.triples = 0
        self.errors = 0
        self._start = clock()
        self._drawn_at: float | None = None
        self._shown = False
        self._lock = threading.Lock()
        self._drawing = threading.RLock()  # the ticker thread and the caller both draw
        self._ticker: threading.Thread | None = None
        self._stopped = threading.Event()

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

    def step(self, label: str) -> None:
        """Start the step ``label``; the one before it (if any) counts as done."""
        if self.label:
            self.done += 1
        self.label = label
        self._draw(force=True)

    def relabel(self, label: str) -> None:
        """Rename the running step (``"reading the store: 40,000 triples"``), drawn at most every ``interval``."""
        self.label = label
        self._draw(force=False)

    def tick(self, every: float = 1.0) -> None:
        """Redraw the bar every ``every`` seconds from a daemon thread until :meth:`close`,
        so the time spent moves while a long step gives no news of its own."""
        if not self.enabled or self._ticker is not None:
            return

        def run() -> None:
            while not self._stopped.wait(every):
                self._draw(force=True)

        self._ticker = threading.Thread(target=run, name="kg-progress", daemon=True)
        self._ticker.start()

    def message(self, text: str) -> None:
        """Print ``text`` on its own line (above the bar, when shown)."""
        with self._drawing:
            if self.enabled and self._shown:
                self.stream.write("\r\x1b[K")
            self.stream.write(text.rstrip("\n") + "\n")
            if self.enabled and self._shown:
                self._draw(force=True)
            else:
                self.stream.flush()

    def close(self) -> None:
        """Stop the ticker and erase the bar (the caller prints its own summary)."""
        self._stopped.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
        with self._drawing:
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
        if self.label:
            parts.append(self.label)
        if self.counts:
            parts.append(f"{rate:,.1f}/s")
            parts.append(f"{self.triples:,} triples")
            parts.append(f"{self.errors:,} error{'s' if self.errors != 1 else ''}")
            if total and rate > 0:
                parts.append(f"ETA {format_duration(max(0, total - self.done) / rate)}")
        else:
            parts.append(format_duration(self.clock() - self._start))
        text = "  ".join(parts)
        return text if len(text) <= width else text[: max(0, width - 1)] + "…"

    def _draw(self, *, force: bool) -> None:
        if not self.enabled:
            return
        with self._drawing:
            now = self.clock()
            if not force and self._drawn_at is not None and now - self._drawn_at < self.interval:
                return
            self._drawn_at = now
            import shutil  # deferred: loads bz2, lzma and zlib, and only a drawn bar needs it

            width = max(20, shutil.get_terminal_size((100, 24)).columns - 1)
            self.stream.write("\r" + self.line(width) + "\x1b[K")
            self.stream.flush()
            self._shown = True


def steps(total: int, *, quiet: bool = False, stream: TextIO | None = None) -> Progress:
    """A bar for a command of ``total`` long steps, on ``stream`` (stderr) when it is a
    terminal and not ``quiet``; call ``step(label)`` as each begins, ``close()`` at the end."""
    bar = Progress(stream, enabled=False if quiet else None, total=total, unit="steps", counts=False, interval=0)
    bar.tick()
    return bar
