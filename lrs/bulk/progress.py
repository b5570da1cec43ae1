"""A plain-text progress bar on standard error: done / total, rate per second and time left.

On a terminal one line is redrawn in place (`\\r`) a few times a second; otherwise (a log file, CI) a line is
written every few seconds, so logs stay readable. No dependency, no colours.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import TextIO

TERMINAL_INTERVAL = 0.25
LOG_INTERVAL = 10.0


def duration(seconds: float) -> str:
    """`0:01:05` for 65 s; `--:--` when unknown."""
    if math.isnan(seconds) or seconds < 0 or seconds > 1e8:
        return "--:--"
    whole = int(seconds + 0.5)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


class ProgressBar:
    """Counts `unit`s towards `total` (None: unknown; then `update(fraction=...)` can tell how far along)."""

    def __init__(
        self,
        label: str,
        total: int | None,
        *,
        unit: str = "statements",
        done: int = 0,
        stream: TextIO | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self._now = clock or time.monotonic
        self._started = self._now()
        self._initial = done
        self.done = done
        self._fraction: float | None = None
        self._last_draw = float("-inf")
        self._drawn: tuple[int, float | None] | None = None
        self._finished = False
        self._width = 0
        self._terminal = bool(getattr(self.stream, "isatty", lambda: False)())
        self._interval = TERMINAL_INTERVAL if self._terminal else LOG_INTERVAL

    @property
    def elapsed(self) -> float:
        return self._now() - self._started

    @property
    def rate(self) -> float:
        """Units per second in this run (units already done when the bar started do not count)."""
        elapsed = self.elapsed
        return (self.done - self._initial) / elapsed if elapsed > 0 else 0.0

    def update(self, done: int, *, fraction: float | None = None) -> None:
        self.done = done
        if fraction is not None:
            self._fraction = fraction
        if self._now() - self._last_draw >= self._interval:
            self._draw()

    def note(self, text: str) -> None:
        """A message line (e.g. a rejected statement) printed above the bar."""
        if self._terminal and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self._width = 0
        self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self) -> None:
        """Draw the final state (unless a log line shows it already) and end the line."""
        self._finished = True
        if self._terminal or self._drawn != (self.done, self._fraction):
            self._draw()
        if self._terminal:
            self.stream.write("\n")
            self.stream.flush()
        self._width = 0

    def line(self) -> str:
        done, elapsed = self.done, self.elapsed
        parts = [f"{self.label}: {done:,}"]
        left = float("nan")
        if self.total is not None:
            parts[0] += f"/{self.total:,} {self.unit}"
            if self.total:
                parts.append(f"{100 * done / self.total:5.1f}%")
            rate = self.rate
            if rate > 0:
                left = (self.total - done) / rate
        else:
            parts[0] += f" {self.unit}"
            if self._fraction is not None:
                parts.append(f"{100 * self._fraction:5.1f}% of the file")
                if self._fraction > 0:
                    left = elapsed * (1 - self._fraction) / self._fraction
        parts.append(f"{self.rate:,.0f}/s")
        parts.append(f"elapsed {duration(elapsed)}")
        if not self._finished:
            parts.append(f"ETA {duration(left)}")
        return "  ".join(parts)

    def _draw(self) -> None:
        self._last_draw = self._now()
        self._drawn = (self.done, self._fraction)
        text = self.line()
        if self._terminal:
            padding = " " * max(0, self._width - len(text))
            self.stream.write("\r" + text + padding)
            self._width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
