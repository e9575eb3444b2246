"""Keep a gunicorn worker alive while it streams a long response, and only while the stream moves.

gunicorn's arbiter kills a worker that has not signalled it is alive for
``timeout`` seconds (``GUNICORN_TIMEOUT``), and a sync worker signals only
between requests: a dyad-year export that takes longer than the timeout was
killed mid-file. ``gunicorn.conf.py`` registers the worker's ``notify`` here
when the worker starts, and ``keep_alive`` wraps the WSGI application so that
each chunk a *streaming* response hands to the server also counts as a sign
of life (at most once a second). A request that stops sending — a query that
hangs, a client that stopped reading — is still killed at the timeout, as any
other request is. Outside gunicorn nothing is registered and nothing changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

# Signs of life more often than this would only cost system calls.
INTERVAL = 1.0
_notify: Callable[[], None] | None = None


def register(notify: Callable[[], None]) -> None:
    """Make ``notify`` (the gunicorn worker's) what streaming responses call to say the worker is alive."""
    global _notify
    _notify = notify


def keep_alive(application: Callable[..., Any]) -> Callable[..., Any]:
    """Return ``application`` with its streaming responses signalling life as they send chunks."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        result = application(environ, start_response)
        # Django's streaming responses say so; files handed to the server's sendfile and ordinary responses do not.
        if _notify is None or not getattr(result, "streaming", False):
            return result
        return _Beating(result, _notify)

    return wrapped


class _Beating:
    """A streaming response's chunks, with a sign of life before each (at most once per INTERVAL)."""

    def __init__(self, response: Any, notify: Callable[[], None]) -> None:
        self.response, self.notify = response, notify

    def __iter__(self) -> Iterator[bytes]:
        last = 0.0
        for chunk in self.response:
            now = time.monotonic()
            if now - last >= INTERVAL:
                self.notify()
                last = now
            yield chunk

    def close(self) -> None:
        # The response's close() ends the request for Django (request_finished: connections are released).
        self.response.close()
