"""How far a long import or export is: a bar redrawn in place on a terminal, plain periodic lines otherwise.

On a terminal (the stream's ``isatty()`` is true) one line is redrawn, a few
times a second at most::

    Importing mme [#########----------------]  37% 1,371/3,706 rows, 412 rows/s, 0:06 left

Anywhere else (a log file, CI) a line is written at each tenth and at least
every ``every`` seconds while the job moves, and a last one, with the time it
took, when it closes::

    Importing mme: 1,371/3,706 rows (37%), 412 rows/s, 0:06 left
    Importing mme: 3,706/3,706 rows (100%) in 9.1 s, 407 rows/s

A job of several parts (``load_datasets``: six imports) is one display: each
part is a :meth:`Progress.section` of it, and the bar, the rate and the time
left are those of the whole.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

BAR_WIDTH = 25


def duration(seconds: float) -> str:
    """Return ``seconds`` as a clock reads: "0:06", "12:40", "1:02:03"."""
    minutes, secs = divmod(max(round(seconds), 0), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Report the progress of ``total`` units of work on ``stream`` (nothing at all when it is None).

    ``total`` None means unknown: the count and the rate are shown, no bar and
    no time left. ``unit`` names what ``total`` counts; the rate is of rows,
    which are the units themselves unless :meth:`update` is given ``rows``
    (a dyad export measures its way in years and writes rows). ``clock``
    returns seconds (tests give their own).
    """

    def __init__(
        self,
        stream: TextIO | None,
        total: int | None,
        label: str,
        *,
        unit: str = "rows",
        every: float = 10.0,
        redraw: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream, self.label, self.unit = stream, label, unit
        self.total = None if total is None else max(total, 0)
        self.every, self.redraw, self.clock = every, redraw, clock
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())
        self.started = clock()
        self.done = 0
        self.rows: int | None = None
        self.closed = False
        self._part = ""  # the section being worked on, shown after the label
        self._base = 0  # units done in the sections already closed
        self._written_at: float | None = None
        self._tenth = 0
        self._width = 0

    # --- reporting --------------------------------------------------------------------
    def update(self, done: int, *, rows: int | None = None) -> None:
        """Say that ``done`` units are done (and ``rows`` rows written, when they are not the units)."""
        self.done, self.rows = done, rows
        if self.stream is None or self.closed:
            return
        now = self.clock()
        if self.tty:
            if self._written_at is None or now - self._written_at >= self.redraw or self._finished():
                self._draw(now)
            return
        tenth = int(10 * self._fraction()) if self.total else 0
        since = now - (self.started if self._written_at is None else self._written_at)
        # The last tenth is left to close(), whose line says how long the whole took.
        if (tenth > self._tenth and not self._finished()) or since >= self.every:
            self._tenth = max(tenth, self._tenth)
            self._line(self._status(now))

    def advance(self, step: int = 1) -> None:
        """Say that ``step`` more units are done."""
        self.update(self.done + step)

    def section(self, label: str, total: int) -> Section:
        """Return the part of this job called ``label``, ``total`` units of it; close it when it is done."""
        return Section(self, label, total)

    def close(self) -> None:
        """End the display: a new line after the bar, or the plain line that says how long it took."""
        if self.stream is None or self.closed:
            return
        now = self.clock()
        self._part = ""
        if self.tty:
            self._draw(now)
            self.stream.write("\n")
            self.stream.flush()
        else:
            self._line(self._ending(now))
        self.closed = True

    # --- what is shown ----------------------------------------------------------------
    def _finished(self) -> bool:
        return self.total is not None and self._base + self.done >= self.total

    def _fraction(self) -> float:
        if not self.total:
            return 1.0 if self.total == 0 else 0.0
        return min((self._base + self.done) / self.total, 1.0)

    def _counted(self) -> int:
        return self._base + (self.done if self.rows is None else self.rows)

    def _rate(self, now: float) -> str:
        elapsed = now - self.started
        return f"{self._counted() / elapsed:,.0f} rows/s" if elapsed > 0 else "… rows/s"

    def _left(self, now: float) -> str:
        fraction = self._fraction()
        if fraction <= 0:
            return "time left unknown"
        return f"{duration((now - self.started) * (1 - fraction) / fraction)} left"

    def _name(self) -> str:
        return f"{self.label} ({self._part})" if self._part else self.label

    def _amount(self) -> str:
        done = f"{self._base + self.done:,}"
        amount = f"{done}/{self.total:,} {self.unit}" if self.total is not None else f"{done} {self.unit}"
        if self.rows is not None:
            amount += f", {self._counted():,} rows"
        return amount

    def _status(self, now: float) -> str:
        if self.total is None:
            return f"{self._name()}: {self._amount()}, {self._rate(now)}"
        percent = int(100 * self._fraction())
        return f"{self._name()}: {self._amount()} ({percent}%), {self._rate(now)}, {self._left(now)}"

    def _ending(self, now: float) -> str:
        took = f"in {now - self.started:.1f} s, {self._rate(now)}"
        if self.total is None:
            return f"{self._name()}: {self._amount()} {took}"
        percent = int(100 * self._fraction())
        stopped = "" if self._finished() else "stopped at "
        return f"{self._name()}: {stopped}{self._amount()} ({percent}%) {took}"

    def _draw(self, now: float) -> None:
        assert self.stream is not None
        if self.total is None:
            text = f"{self._name()} {self._amount()}, {self._rate(now)}"
        else:
            fraction = self._fraction()
            filled = int(BAR_WIDTH * fraction)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            left = "" if self._finished() else f", {self._left(now)}"
            text = f"{self._name()} [{bar}] {int(100 * fraction):3d}% {self._amount()}, {self._rate(now)}{left}"
        # Spaces over what a longer previous line left on the screen.
        self.stream.write(f"\r{text}{' ' * max(self._width - len(text), 0)}")
        self.stream.flush()
        self._width = len(text)
        self._written_at = now

    def _line(self, text: str) -> None:
        assert self.stream is not None
        self.stream.write(f"{text}\n")
        self.stream.flush()
        self._written_at = self.clock()


class Section:
    """One part of a :class:`Progress` (one dataset of several): updated and closed as a Progress is."""

    def __init__(self, whole: Progress, label: str, total: int) -> None:
        self.whole, self.label, self.total = whole, label, max(total, 0)
        self.started = whole.clock()
        self.done = 0
        whole._part = label
        whole.update(0)

    def update(self, done: int) -> None:
        self.done = min(done, self.total)
        self.whole._part = self.label
        self.whole.update(self.done)

    def close(self) -> None:
        """Count this part as done in the whole; in a log, say how long it took."""
        whole = self.whole
        if whole.closed:
            return
        whole._base += self.total
        whole.done = 0
        if whole.stream is not None and not whole.tty:
            took = whole.clock() - self.started
            whole._line(f"{whole.label} ({self.label}): {self.total:,} {whole.unit} in {took:.1f} s")
