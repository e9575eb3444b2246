"""/healthz (process up) and /readyz (database reachable, migrations applied)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse


def test_healthz_answers_without_login_or_database(client: Client) -> None:
    # No django_db mark: any database access would fail this test.
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_checks_the_database_and_the_migrations(client: Client) -> None:
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "pending_migrations": []}


@pytest.mark.django_db(transaction=True)
def test_readyz_reports_pending_migrations_with_503(client: Client) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'partnerships' AND name = '0006_filter_indexes'")
    try:
        response = client.get(reverse("readyz"))
        assert response.status_code == 503
        assert response.json()["pending_migrations"] == ["partnerships.0006_filter_indexes"]
        assert int(response["Retry-After"]) > 0
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, now())",
                ["partnerships", "0006_filter_indexes"],
            )


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_when_the_database_is_unreachable(client: Client) -> None:
    from django.db import connections

    original = connections["default"].settings_dict.copy()
    connections["default"].close()
    connections["default"].settings_dict.update(HOST="127.0.0.1", PORT="1", NAME="nowhere")
    try:
        response = client.get(reverse("readyz"))
    finally:
        connections["default"].close()
        connections["default"].settings_dict.update(original)
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
    assert int(response["Retry-After"]) > 0
