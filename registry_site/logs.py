"""Log lines that can be searched: every line carries the request id; JSON on request.

``LOG_FORMAT=json`` writes one JSON object per line (time, level, logger,
message, request_id, and any ``extra`` fields), for log collectors;
``plain`` (the default) writes the same as readable text.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from registry_site.middleware import request_id

# Attributes every LogRecord has; anything else was passed as ``extra``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "request_id",
    "request",
    "status_code",
}


class RequestIdFilter(logging.Filter):
    """Add the current request's id (``-`` outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # django.request logs 4xx/5xx responses after the middleware has
            # returned, but passes the request along.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
