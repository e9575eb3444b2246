"""WSGI entry point (gunicorn ``registry_site.wsgi``)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from registry_site.heartbeat import keep_alive

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry_site.settings")
# Long streamed exports keep their gunicorn worker alive while they send (registry_site.heartbeat).
application = keep_alive(get_wsgi_application())
