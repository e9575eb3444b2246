"""gunicorn settings for production and the load tests.

    gunicorn -c registry_site/gunicorn.conf.py registry_site.wsgi


Every value can be set from the environment; the defaults suit a small server
behind a reverse proxy that terminates TLS.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each handles one request at a time; (2 x cores) + 1 keeps the CPUs busy while others wait on PostgreSQL.
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 1)
# A request running longer than this is killed (its transaction rolls back). Streamed exports are the exception
# while they keep sending: each chunk tells the arbiter the worker is alive (post_worker_init below).
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then, so that no slow leak can grow without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Heartbeat files in memory, not on a possibly slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Whether a request came over HTTPS is Django's to decide (TRUST_X_FORWARDED_PROTO):
# gunicorn's default believes X-Forwarded-Proto from any peer in forwarded_allow_ips,
# and on a loopback or unix-socket proxy that is every client the proxy passes on.
secure_scheme_headers: dict[str, str] = {}
# Peers allowed to set the forwarder headers (SCRIPT_NAME, PATH_INFO) gunicorn
# maps. The client's address is Django's too (TRUSTED_PROXIES).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The request id the app puts in X-Request-ID, so access and application logs can be matched.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'


def post_worker_init(worker: object) -> None:
    """Let streaming responses keep this worker alive while they send (registry_site.heartbeat).

    A sync worker otherwise tells the arbiter it is alive only between
    requests, so an export longer than ``timeout`` was killed mid-file.
    """
    from registry_site import heartbeat

    heartbeat.register(worker.notify)  # type: ignore[attr-defined]
