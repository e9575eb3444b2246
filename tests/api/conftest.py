"""Fixtures for API tests: a live server reached over real HTTP, and users with tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import requests
from django.contrib.auth.models import Permission

from partnerships.models import ApiToken
from tests.factories import UserFactory


@dataclass
class Api:
    """A client for the live server's API, authenticated with a token (or not at all)."""

    base: str
    key: str | None = None
    user: Any = None
    token: ApiToken | None = None

    def url(self, path: str) -> str:
        if path.startswith("http"):
            return path
        path = path.lstrip("/")
        if not path.endswith("/"):
            path += "/"
        return f"{self.base}/api/v1/{path}"

    def request(self, method: str, path: str, *, headers: dict | None = None, **kwargs: Any) -> requests.Response:
        all_headers = {"Accept": "application/json"}
        if self.key:
            all_headers["Authorization"] = f"Token {self.key}"
        all_headers.update(headers or {})
        kwargs.setdefault("allow_redirects", False)
        return requests.request(method, self.url(path), headers=all_headers, timeout=30, **kwargs)

    def get(self, path: str, params: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, params=params, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


def _user_with(username: str, *, restricted: bool, write: bool) -> Any:
    user = UserFactory(username=username)
    permissions = Permission.objects.filter(content_type__app_label="partnerships")
    if not restricted:
        permissions = permissions.exclude(codename="view_restricted")
    if not write:
        permissions = permissions.filter(codename="view_restricted") if restricted else permissions.none()
    user.user_permissions.set(permissions)
    return user


def _api(live_server: Any, user: Any, *, write_token: bool) -> Api:
    issued = ApiToken.issue(user=user, name=f"{user.username} token", write_enabled=write_token)
    return Api(base=live_server.url, key=issued.key, user=user, token=issued.token)


@pytest.fixture
def anonymous_api(live_server: Any) -> Api:
    return Api(base=live_server.url)


@pytest.fixture
def reader_api(live_server: Any, transactional_db: None) -> Api:
    """Logged in, no model permissions, no clearance: reads public records only."""
    return _api(live_server, _user_with("reader", restricted=False, write=False), write_token=False)


@pytest.fixture
def cleared_reader_api(live_server: Any, transactional_db: None) -> Api:
    """May read restricted records, may not write."""
    return _api(live_server, _user_with("cleared", restricted=True, write=False), write_token=False)


@pytest.fixture
def writer_api(live_server: Any, transactional_db: None) -> Api:
    """Every add/change/delete permission and a write-enabled token, but no clearance."""
    return _api(live_server, _user_with("writer", restricted=False, write=True), write_token=True)


@pytest.fixture
def read_only_token_writer_api(live_server: Any, transactional_db: None) -> Api:
    """A user who may write, holding a read-only token."""
    return _api(live_server, _user_with("writer2", restricted=False, write=True), write_token=False)


@pytest.fixture
def admin_api(live_server: Any, transactional_db: None) -> Api:
    user = UserFactory(username="admin", is_staff=True, is_superuser=True)
    return _api(live_server, user, write_token=True)
