"""One sweep over every URL pattern of the site, as four kinds of user, over real HTTP.

Every registry model gets a restricted record whose text carries a marker;
the sweep reads every page, API endpoint, export, search, network, scorecard
and admin URL (list, detail, change, history, delete confirmation,
autocomplete…) as an anonymous visitor, an analyst without clearance, an
editor (staff with every change permission but no clearance) and an admin.
Only the admin may ever receive the marker; API counts must equal what the
user may see; nothing answers 5xx. Then every write (API POST/PUT/PATCH/DELETE,
admin add/change/delete) is tried by those who may not make it, and nothing
in the database changes.

A URL pattern the sweep cannot fill in fails the test unless it is listed in
SKIPPED with the reason, so a new page is swept the day it is added.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

import pytest
import requests
from django.apps import apps
from django.contrib.auth.models import Permission
from django.db import connection, models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from partnerships.api.urls import router
from partnerships.models import ApiToken, Assessment, Nation
from partnerships.web.views import DETAIL_MODELS
from tests.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    AssessmentChallengeFactory,
    AssessmentFactory,
    ChallengeTypeFactory,
    ExerciseFactory,
    ExerciseParticipantFactory,
    FindingFactory,
    IndicatorFactory,
    MeasurementFactory,
    MembershipFactory,
    MultinationalFactory,
    NationFactory,
    OrganizationFactory,
    ProgramFactory,
    ResourceSharingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)
MARKER = "ZQXSECRET"
# Patterns the sweep does not request, and why.
SKIPPED = {
    "admin:view_on_site": "redirects to a model's get_absolute_url; registry models define none",
    "admin/(?P<url>.*)$": "the admin's catch-all 404 for unknown admin URLs",
    "admin:logout": "POST only; logging out is not a read",
    "logout": "POST only; logging out is not a read",
    "api:assessment-survey": "POST only; swept with the writes below",
    "admin:auth_user_password_change": "sets another user's password; admins only, no registry records",
}


def _walk(patterns: list, prefix: str = "", namespace: str | None = None) -> list[tuple[str, str | None]]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace
            full = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            found += _walk(entry.url_patterns, prefix + str(entry.pattern), full)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            found.append((prefix + str(entry.pattern), name))
    return found


def _parameters(route: str) -> list[str]:
    return re.findall(r"(?<!\?P)<(?:\w+:)?(\w+)>", route) + re.findall(r"\(\?P<(\w+)>", route)


@pytest.fixture
def world() -> dict[str, Any]:
    """Public records, and one restricted record (or row) of every model, each carrying the marker."""
    secret: dict[type[models.Model], models.Model] = {}
    nation = NationFactory(name=f"{MARKER} Nation", visibility="restricted")
    secret[Nation] = nation
    public_nation = NationFactory(name="Openland")
    organization = OrganizationFactory(name=f"{MARKER} Directorate", visibility="restricted")
    secret[type(organization)] = organization
    program = ProgramFactory(name=f"{MARKER} Program", visibility="restricted")
    secret[type(program)] = program
    agreement = AgreementFactory(title=f"{MARKER} Agreement", visibility="restricted")
    party = AgreementPartyFactory(agreement=agreement, nation=public_nation, notes=f"{MARKER} party")
    secret[type(agreement)] = agreement
    secret[type(party)] = party
    exercise = ExerciseFactory(name=f"{MARKER} Exercise", series=f"{MARKER} Series", visibility="restricted")
    participant = ExerciseParticipantFactory(exercise=exercise, nation=public_nation, notes=f"{MARKER} participant")
    secret[type(exercise)] = exercise
    secret[type(participant)] = participant
    resource = ResourceSharingFactory(
        reference=f"{MARKER}-1", description=f"{MARKER} transfer", visibility="restricted"
    )
    secret[type(resource)] = resource
    membership = MembershipFactory(
        organization=MultinationalFactory(), nation=public_nation, visibility="restricted", source_text=MARKER
    )
    secret[type(membership)] = membership
    assessment = AssessmentFactory(title=f"{MARKER} Assessment", visibility="restricted", summary=MARKER)
    secret[type(assessment)] = assessment
    measurement = MeasurementFactory(assessment=assessment, notes=MARKER)
    secret[type(measurement)] = measurement
    finding = FindingFactory(assessment=assessment, text=f"{MARKER} finding")
    secret[type(finding)] = finding
    challenge = AssessmentChallengeFactory(assessment=assessment, notes=MARKER)
    secret[type(challenge)] = challenge
    # Public records that point at restricted ones, and a public assessment of a restricted exercise.
    open_agreement = AgreementFactory(title="Open agreement", scope="multilateral")
    AgreementPartyFactory(agreement=open_agreement, nation=public_nation)
    AgreementPartyFactory(agreement=open_agreement, nation=NationFactory())
    AgreementPartyFactory(agreement=open_agreement, nation=nation)
    AssessmentFactory(title=f"{MARKER} behind a restricted exercise", exercise=exercise)
    FindingFactory(assessment=AssessmentFactory(title="Open review"), owner=organization)
    # Someone else's API token: staff see only their own.
    secret[ApiToken] = ApiToken.issue(user=UserFactory(username="token-owner"), name=f"{MARKER} token").token
    public = {
        "program": ProgramFactory(name="Open program"),
        "agreement": open_agreement,
        "exercise": ExerciseFactory(name="Open exercise", series="Open series"),
        "nation": public_nation,
        "indicator": IndicatorFactory(),
        "challengetype": ChallengeTypeFactory(),
    }
    return {"secret": secret, "public": public}


def _users() -> dict[str, Any]:
    analyst = UserFactory(username="sweep-analyst")
    editor = UserFactory(username="sweep-editor", is_staff=True)
    editor.user_permissions.set(
        Permission.objects.filter(content_type__app_label="partnerships").exclude(codename="view_restricted")
    )
    admin = UserFactory(username="sweep-admin", is_staff=True, is_superuser=True)
    return {"anonymous": None, "analyst": analyst, "editor": editor, "admin": admin}


def _session(live_server: Any, user: Any) -> requests.Session:
    session = requests.Session()
    session.headers["Accept"] = "text/html,application/json"
    if user is not None:
        client = Client()
        client.force_login(user)
        session.cookies.set("sessionid", client.cookies["sessionid"].value, domain="localhost.local")
        session.cookies.set("sessionid", client.cookies["sessionid"].value)
    return session


def _api_models() -> dict[str, type[models.Model]]:
    return {basename: viewset.queryset.model for _prefix, viewset, basename in router.registry}


def _model_for(name: str) -> type[models.Model] | None:
    if name.startswith("admin:") and name.count("_") >= 2:
        app_label, rest = name[len("admin:") :].split("_", 1)
        model_name = rest.rsplit("_", 1)[0]
        if rest.endswith("_simple_history"):
            model_name = rest[: -len("_simple_history")]
        try:
            return apps.get_model(app_label, model_name)
        except (LookupError, ValueError):
            return None
    if name.startswith("api:") and name.endswith(("-list", "-detail")):
        return _api_models().get(name[len("api:") :].rsplit("-", 1)[0])
    if name.startswith("partnerships:") and name.endswith(("-list", "-detail")):
        return DETAIL_MODELS.get(name[len("partnerships:") :].rsplit("-", 1)[0])
    return None


def _targets(world: dict, model: type[models.Model] | None) -> list[models.Model]:
    secret = world["secret"].get(model) if model is not None else None
    publics = [record for record in world["public"].values() if model is not None and isinstance(record, model)]
    return [record for record in (secret, *publics) if record is not None]


def _urls(world: dict) -> list[tuple[str, str]]:
    """Return (pattern name, URL) for every pattern, with every restricted and public record filled in."""
    urls: list[tuple[str, str]] = []
    unfilled = []
    for route, name in _walk(get_resolver().url_patterns):
        key = name or route
        if key in SKIPPED:
            continue
        parameters = [p for p in _parameters(route) if p != "format"]
        if name is None:
            # The admin's redirect from <object_id>/ to <object_id>/change/: swept through the named URLs.
            assert route.startswith("admin/"), route
            assert route.endswith("<path:object_id>/"), route
            continue
        if "format" in _parameters(route) and not parameters:
            continue  # the list with a format suffix: the same view as the list
        model = _model_for(name)
        if name.endswith("_simple_history"):
            # simple-history's "see this version" page: positional (object id, history id).
            for record in _targets(world, model):
                urls.append((name, reverse(name, args=[record.pk, record.history.latest().history_id])))
            if _targets(world, model) or model._meta.app_label in ("auth", "axes"):
                continue
        if not parameters:
            urls.append((name, reverse(name)))
            continue
        filled = False
        if name.startswith(("api:scorecard-", "partnerships:scorecard-")):
            kind = name.rsplit("-", 1)[1]
            secret = {
                "program": world["secret"][type(world["public"]["program"])].pk,
                "agreement": world["secret"][type(world["public"]["agreement"])].pk,
                "series": f"{MARKER} Series",
                "nation": world["secret"][Nation].pk,
            }[kind]
            public = {
                "program": world["public"]["program"].pk,
                "agreement": world["public"]["agreement"].pk,
                "series": "Open series",
                "nation": world["public"]["nation"].iso3,
            }[kind]
            urls += [(name, reverse(name, kwargs={"key": value})) for value in (secret, public)]
            filled = True
        elif name == "partnerships:nation-code":
            for nation in (world["secret"][Nation], world["public"]["nation"]):
                urls.append((name, reverse(name, kwargs={"code": nation.iso3})))
            filled = True
        elif name == "admin:app_list":
            urls += [(name, reverse(name, kwargs={"app_label": label})) for label in ("partnerships", "auth", "axes")]
            filled = True
        elif name == "api:api-root":
            continue
        elif model is not None:
            for record in _targets(world, model):
                kwargs = {}
                for parameter in parameters:
                    if parameter in ("pk", "object_id"):
                        kwargs[parameter] = record.pk
                    elif parameter == "version_id":
                        kwargs[parameter] = record.history.latest().history_id
                if len(kwargs) == len(parameters):
                    urls.append((name, reverse(name, kwargs=kwargs)))
                    filled = True
            if not _targets(world, model) and model._meta.app_label in ("auth", "axes"):
                filled = True  # no records of these; their list and add pages are swept
        if not filled:
            unfilled.append(key)
    assert not unfilled, f"the sweep cannot fill in these URL patterns; teach it or list them in SKIPPED: {unfilled}"
    urls += [
        # Queries use the marker's first letters: matching it, without a page that echoes them leaking it.
        ("partnerships:search", reverse("partnerships:search") + f"?q={MARKER[:-1]}"),
        (
            "admin:autocomplete",
            reverse("admin:autocomplete") + f"?app_label=partnerships&model_name=agreement"
            f"&field_name=program&term={MARKER[:-1]}",
        ),
        ("partnerships:agreement-list", reverse("partnerships:agreement-list") + "?export=csv"),
        ("partnerships:assessment-list", reverse("partnerships:assessment-list") + "?export=csv"),
        ("api:dyads", reverse("api:dyads") + "?format=csv"),
        ("partnerships:timeline", reverse("partnerships:timeline") + f"?q={MARKER[:-1]}"),
    ]
    return urls


def _snapshot() -> dict[str, Any]:
    state = {}
    with connection.cursor() as cursor:
        for model in apps.get_app_config("partnerships").get_models():
            table = model._meta.db_table
            column = "updated_at" if any(f.name == "updated_at" for f in model._meta.fields) else "id"
            cursor.execute(f'SELECT count(*), max("{column}") FROM "{table}"')
            state[table] = cursor.fetchone()
    return state


def test_nobody_sees_or_changes_what_they_may_not(world: dict, live_server: Any) -> None:
    users = _users()
    urls = _urls(world)
    assert len(urls) > 200
    sessions = {role: _session(live_server, user) for role, user in users.items()}
    leaks, errors, admin_saw = [], [], set()
    requests_sent = 0
    for name, url in urls:
        for role, session in sessions.items():
            response = session.get(f"{live_server.url}{url}", allow_redirects=False, timeout=60)
            requests_sent += 1
            if response.status_code >= 500:
                errors.append((role, url, response.status_code))
            # A "not found" page may repeat the path asked for (the series name is in it).
            body = response.content.decode(errors="replace").replace(unquote(url.split("?")[0]), "")
            if MARKER in body:
                if role == "admin":
                    admin_saw.add(name)
                else:
                    leaks.append((role, url, response.status_code))
            counted = role in ("analyst", "editor") and name.startswith("api:") and name.endswith("-list")
            if counted and "?" not in url and response.status_code == 200:
                model = _model_for(name)
                visible = model.objects.visible_to(users[role]).count()
                assert response.json()["count"] == visible, (role, url)
    assert not errors, errors
    assert not leaks, "\n".join(map(str, leaks))
    # The markers are real: the admin sees them on the lists of every kind of record.
    for name in ("partnerships:agreement-list", "partnerships:assessment-list", "api:finding-list", "api:nation-list"):
        assert name in admin_saw, name
    assert requests_sent == len(urls) * 4

    # --- writes by those who may not make them ----------------------------------------------------------
    editor_key = ApiToken.issue(user=users["editor"], name="sweep", write_enabled=True).key
    analyst_key = ApiToken.issue(user=users["analyst"], name="sweep", write_enabled=True).key
    before = _snapshot()
    tokens = {"anonymous": None, "analyst": analyst_key, "editor": editor_key}
    refused = 0
    for _prefix, viewset, basename in router.registry:
        model = viewset.queryset.model
        list_url = f"{live_server.url}{reverse(f'api:{basename}-list')}"
        for role, key in tokens.items():
            headers = {"Authorization": f"Token {key}"} if key else {}
            if role != "editor":
                response = requests.post(list_url, json={}, headers=headers, timeout=60)
                assert response.status_code in (401, 403), (role, list_url, response.status_code)
                refused += 1
            secret = world["secret"].get(model)
            if secret is None:
                continue
            detail = f"{live_server.url}{reverse(f'api:{basename}-detail', args=[secret.pk])}"
            for method in ("PUT", "PATCH", "DELETE"):
                response = requests.request(method, detail, json={}, headers=headers, timeout=60)
                expected = (404,) if role == "editor" else (401, 403)
                assert response.status_code in expected, (role, method, detail, response.status_code)
                refused += 1
    survey = reverse("api:assessment-survey", args=[world["secret"][Assessment].pk])
    response = requests.post(
        f"{live_server.url}{survey}",
        data=b"respondent,question,answer\n",
        timeout=60,
        headers={"Authorization": f"Token {editor_key}", "Content-Type": "text/csv"},
    )
    assert response.status_code in (403, 404)
    # The admin: an analyst is not staff; an editor cannot reach restricted records.
    for role in ("analyst", "editor"):
        client = Client()
        client.force_login(users[role])
        for model, record in world["secret"].items():
            if not hasattr(model, "visibility") and model._meta.model_name not in ("measurement", "finding"):
                continue
            for view in ("change", "delete"):
                try:
                    url = reverse(f"admin:partnerships_{model._meta.model_name}_{view}", args=[record.pk])
                except Exception:
                    continue
                response = client.post(url, {"post": "yes", "name": "Changed", "title": "Changed"})
                assert response.status_code in (302, 403, 404), (role, url, response.status_code)
                if response.status_code == 302:
                    assert "/login/" in response["Location"] or response["Location"].startswith("/admin/")
                refused += 1
    assert _snapshot() == before
    assert refused > 50
