"""What a change's history row records beyond simple-history's who and when: the channel, the API token."""

from __future__ import annotations

from typing import Any

from simple_history.models import HistoricalRecords

from partnerships.audit import channel_of, token_reason


def note_api_token(sender: Any, history_instance: Any, **kwargs: Any) -> None:
    """Record "via API token …" as the change reason when a token made the change."""
    request = getattr(HistoricalRecords.context, "request", None)
    token = getattr(request, "api_token", None)
    if token is not None and not history_instance.history_change_reason:
        history_instance.history_change_reason = token_reason(token)


def note_channel(sender: Any, history_instance: Any, **kwargs: Any) -> None:
    """Record the channel (admin, API, pages, import, system) the change came through."""
    history_instance.history_channel = channel_of(getattr(HistoricalRecords.context, "request", None))
