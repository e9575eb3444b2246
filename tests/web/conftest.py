"""Logged-in page clients shared by the web tests."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def analyst_client(analyst) -> Client:
    client = Client()
    client.force_login(analyst)
    return client


@pytest.fixture
def cleared_client(cleared_analyst) -> Client:
    client = Client()
    client.force_login(cleared_analyst)
    return client
