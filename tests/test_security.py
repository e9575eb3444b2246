"""Production hardening: deployment checks, security headers, login lockout, redirects, CSRF, request ids."""

from __future__ import annotations

import json
import logging
from ipaddress import ip_network

import pytest
import requests
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse

from partnerships.models import ApiToken
from registry_site.logs import JsonFormatter, RequestIdFilter
from tests.factories import AgreementFactory, UserFactory
from tests.processes import manage, production_environment

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
LIMIT = settings.AXES_FAILURE_LIMIT


# Settings are only read, never connected to.
UNUSED_DATABASE = "postgres://registry@127.0.0.1:1/registry"


def test_production_settings_pass_the_deployment_checklist() -> None:
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production_environment(DATABASE_URL=UNUSED_DATABASE)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout
    # Switching a protection off is reported: the check is real.
    weak = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=production_environment(SECURE_HSTS_SECONDS="0", DATABASE_URL=UNUSED_DATABASE),
        check=False,
    )
    assert weak.returncode != 0
    assert "security.W004" in weak.stderr + weak.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    environment = production_environment(DATABASE_URL=UNUSED_DATABASE)
    del environment["SECRET_KEY"]
    result = manage("check", env=environment, check=False)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_every_page_carries_the_security_headers(client: Client) -> None:
    UserFactory(username="analyst")
    client.force_login(UserFactory())
    response = client.get(reverse("partnerships:dashboard"))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    # HSTS is sent on HTTPS responses.
    secure = client.get(reverse("partnerships:dashboard"), secure=True)
    assert "max-age=31536000" in secure["Strict-Transport-Security"]
    assert "includeSubDomains" in secure["Strict-Transport-Security"]
    # The API documentation alone may use inline styles (its libraries inject them).
    docs = client.get(reverse("api-docs"))
    assert "'unsafe-inline'" in docs["Content-Security-Policy"].split("style-src ")[1].split(";")[0]
    assert "'unsafe-inline'" not in policy.split("style-src ")[1].split(";")[0]


def _directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_what_a_signed_in_user_is_shown_stays_out_of_shared_caches(client: Client, live_server) -> None:
    AgreementFactory()
    # Anonymous pages (public read) say nothing about privacy: nothing user-specific is in them.
    with override_settings(REGISTRY_PUBLIC_READ=True):
        assert "private" not in _directives(client.get("/agreements/"))
    client.force_login(UserFactory())
    page = client.get("/agreements/")
    assert page.status_code == 200
    assert "private" in _directives(page)
    assert "no-store" not in _directives(page)
    export = client.get("/agreements/?export=csv")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    assert {"private", "no-store"} <= _directives(export)
    # The admin keeps Django's own never-cache header, made private.
    assert {"private", "no-store", "no-cache"} <= _directives(client.get("/admin/login/"))
    # A token's API answers are private too (the user is known only inside DRF).
    issued = ApiToken.issue(user=UserFactory(), name="cache check", write_enabled=False)
    api = requests.get(
        f"{live_server.url}/api/v1/agreements/", headers={"Authorization": f"Token {issued.key}"}, timeout=30
    )
    assert api.status_code == 200
    assert "private" in {part.strip() for part in api.headers["Cache-Control"].split(",")}


@override_settings(SECURE_SSL_REDIRECT=True)
def test_plain_http_is_redirected_except_for_health_checks(client: Client) -> None:
    response = client.get("/agreements/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    assert client.get(reverse("healthz")).status_code == 200
    with override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):
        behind_proxy = client.get("/agreements/", HTTP_X_FORWARDED_PROTO="https")
        assert behind_proxy.status_code == 302  # to the login page: no HTTPS redirect loop


def test_sessions_expire() -> None:
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_passwords_are_checked_by_djangos_validators() -> None:
    user = UserFactory(username="analyst")
    for weak in ("password", "12345678", "analyst1", "short"):
        with pytest.raises(ValidationError):
            validate_password(weak, user)
    validate_password(PASSWORD, user)


# --- login lockout ----------------------------------------------------------------------------------
@pytest.mark.parametrize("login_url", ["login", "admin:login"])
def test_repeated_failed_logins_lock_the_account_for_a_while(login_url: str, client: Client) -> None:
    UserFactory(username="analyst", is_staff=True)
    url = reverse(login_url)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(url, {"username": "analyst", "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    locked = client.post(url, {"username": "analyst", "password": "wrong"})
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    # Even the right password is refused while locked.
    right = client.post(url, {"username": "analyst", "password": PASSWORD})
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another user is not affected.
    UserFactory(username="colleague", is_staff=True)
    other = client.post(url, {"username": "colleague", "password": PASSWORD})
    assert other.status_code == 302


def test_a_lockout_behind_the_proxy_spares_the_same_user_at_another_address() -> None:
    UserFactory(username="analyst")
    url = reverse("login")

    def log_in(password: str, *, peer: str, forwarded_for: str) -> int:
        data = {"username": "analyst", "password": password}
        return Client().post(url, data, REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded_for).status_code

    with override_settings(TRUSTED_PROXIES=(ip_network("10.0.0.2/32"),)):
        # Every request comes from the proxy (10.0.0.2), which names the client.
        failures = [log_in("wrong", peer="10.0.0.2", forwarded_for="192.0.2.10") for _ in range(LIMIT)]
        assert failures == [200] * (LIMIT - 1) + [429]
        assert log_in(PASSWORD, peer="10.0.0.2", forwarded_for="192.0.2.10") == 429
        # The user at another address, behind the same proxy, gets in.
        assert log_in(PASSWORD, peer="10.0.0.2", forwarded_for="192.0.2.11") == 302
        # A client that is no proxy forges X-Forwarded-For in vain: its own address is locked.
        forged = [log_in("wrong", peer="198.51.100.7", forwarded_for=f"192.0.2.{20 + n}") for n in range(LIMIT)]
        assert forged[-1] == 429


def test_a_successful_login_resets_the_failure_count(client: Client) -> None:
    UserFactory(username="analyst")
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(url, {"username": "analyst", "password": "wrong"})
    assert client.post(url, {"username": "analyst", "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(url, {"username": "analyst", "password": "wrong"}).status_code == 200


# --- redirects and CSRF -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "http://evil.example/agreements/", "https:evil.example"]
)
def test_no_open_redirect_after_login(target: str, client: Client) -> None:
    UserFactory(username="analyst")
    response = client.post(reverse("login"), {"username": "analyst", "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("partnerships:dashboard")


def test_a_local_next_page_is_honoured(client: Client) -> None:
    UserFactory(username="analyst")
    response = client.post(reverse("login"), {"username": "analyst", "password": PASSWORD, "next": "/agreements/"})
    assert response["Location"] == "/agreements/"


def test_state_changing_forms_need_the_csrf_token(superuser) -> None:
    client = Client(enforce_csrf_checks=True)
    UserFactory(username="analyst")
    assert client.post(reverse("login"), {"username": "analyst", "password": PASSWORD}).status_code == 403
    client.force_login(superuser)
    agreement = AgreementFactory()
    for url, data in (
        (reverse("admin:partnerships_program_add"), {"name": "Forged", "program_type": "development"}),
        (reverse("admin:partnerships_agreement_delete", args=[agreement.pk]), {"post": "yes"}),
        (reverse("admin-import"), {}),
        (reverse("logout"), {}),
        ("/api/v1/programs/", {"name": "Forged"}),
    ):
        response = client.post(url, data)
        assert response.status_code == 403, url
    from partnerships.models import Agreement, Program

    assert Agreement.objects.filter(pk=agreement.pk).exists()
    assert not Program.objects.filter(name="Forged").exists()


# --- request ids and logs -------------------------------------------------------------------------------
def test_every_response_carries_a_request_id(client: Client) -> None:
    first = client.get(reverse("healthz"))
    second = client.get(reverse("healthz"))
    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]
    kept = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="proxy-1234.abc")
    assert kept["X-Request-ID"] == "proxy-1234.abc"
    forged = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert forged["X-Request-ID"] != "bad id\nwith newline"
    assert len(forged["X-Request-ID"]) == 32


def test_log_lines_of_a_request_carry_its_id(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(RequestIdFilter())
    client.force_login(UserFactory())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/agreements/999999/", HTTP_X_REQUEST_ID="trace-42").status_code == 404
    assert [record.request_id for record in caplog.records if record.name == "django.request"] == ["trace-42"]


def test_json_log_lines() -> None:
    record = logging.LogRecord("partnerships.api.tokens", logging.INFO, __file__, 1, "used %s", ("x",), None)
    record.token_id = 7
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "used x"
    assert line["level"] == "INFO"
    assert line["request_id"] == "-"
    assert line["token_id"] == 7
