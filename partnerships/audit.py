"""Which channel a change came through, for its history row: admin, API, pages, import or system.

A request's path decides for changes made in a request; work outside a
request (importers, survey ingestion, the demo loader) says what it is with
``recorded_as(...)``; anything else (shell, scripts) is "system".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models


class Channel(models.TextChoices):
    ADMIN = "admin", "Admin"
    API = "api", "API"
    WEB = "web", "Analyst pages"
    IMPORT = "import", "Import"
    SYSTEM = "system", "System (shell, scripts, migrations)"


_current: ContextVar[str | None] = ContextVar("history_channel", default=None)


@contextmanager
def recorded_as(channel: str) -> Iterator[None]:
    """Record changes made inside the block as coming through ``channel``."""
    token = _current.set(channel)
    try:
        yield
    finally:
        _current.reset(token)


def channel_of(request: object | None) -> str:
    """Return the channel of a change made now, during ``request`` (or outside any)."""
    explicit = _current.get()
    if explicit is not None:
        return explicit
    path = getattr(request, "path", None)
    if path is None:
        return Channel.SYSTEM
    if path.startswith("/admin/"):
        return Channel.ADMIN
    if path.startswith("/api/"):
        return Channel.API
    return Channel.WEB


class HistoryChannelModel(models.Model):
    """Abstract base of every historical model: adds the channel column."""

    history_channel = models.CharField(
        "channel", max_length=8, choices=Channel.choices, default=Channel.SYSTEM, db_index=True
    )

    class Meta:
        abstract = True

    @property
    def channel(self) -> str:
        """The channel as people read it (the admin's history page shows this column)."""
        return self.get_history_channel_display()  # type: ignore[attr-defined]
