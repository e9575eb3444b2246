"""Which channel a change came through, for its history row: admin, API, pages, import or system.

A request's path decides for changes made in a request; work outside a
request (importers, survey ingestion, the demo loader) says what it is with
``recorded_as(...)``; anything else (shell, scripts) is "system".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models
from simple_history.models import HistoricalChanges, HistoricalRecords, ModelDelta


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


# A change made with an API token records the token in its reason; the token's
# name and key prefix are for staff, who manage tokens: others read "via an API token".
_TOKEN_REASON = re.compile(r"via API token #\d+ “.*?” \(ppr_[0-9a-f]+…\)")
TOKEN_REASON_FOR_OTHERS = "via an API token"


def token_reason(token: Any) -> str:
    """Return the change reason recorded for a change made with ``token``."""
    return f"via API token #{token.pk} “{token.name}” (ppr_{token.prefix}…)"


def reason_for(reason: str, user: Any) -> str:
    """Return a history row's ``reason`` as ``user`` may read it: token names and prefixes for staff only."""
    if getattr(user, "is_staff", False):
        return reason
    return _TOKEN_REASON.sub(TOKEN_REASON_FOR_OTHERS, reason)


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


class AuditedChanges(HistoricalChanges):
    """simple-history's comparison of two history rows, listing only values whose meaning changed.

    A multi-choice value (``ChoiceArrayField``) is a set: rows written before
    its values were stored in a canonical order may differ from later ones in
    order alone, and that is no change. Both the record pages and the admin's
    history page compare rows through ``diff_against``.
    """

    def diff_against(self, old_history: HistoricalChanges, *args: Any, **kwargs: Any) -> ModelDelta:
        delta = super().diff_against(old_history, *args, **kwargs)
        changes = [change for change in delta.changes if not self._same_meaning(change.field, change.old, change.new)]
        if len(changes) == len(delta.changes):
            return delta
        return ModelDelta(changes, [change.field for change in changes], delta.old_record, delta.new_record)

    def _same_meaning(self, field_name: str, old: Any, new: Any) -> bool:
        canonical = getattr(self._meta.get_field(field_name), "canonical", None)  # type: ignore[attr-defined]
        return canonical is not None and canonical(old) == canonical(new)


class AuditedHistoricalRecords(HistoricalRecords):
    """Historical records that carry the channel of each change and compare rows by meaning."""

    def __init__(self, *args: Any, bases: list[type] | tuple[type, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, bases=[HistoryChannelModel, *bases], **kwargs)
        # simple-history puts its HistoricalChanges first among the bases, ahead of
        # anything passed in: put the subclass in its place so its diff_against wins.
        self.bases = (AuditedChanges, *self.bases[1:])
