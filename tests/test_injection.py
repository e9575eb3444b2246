"""Hostile text: markup stored in every text field of every record is shown as text, never run.

One record of each model has every free-text field set to a payload that
would run script if a page put it into HTML unescaped; every page that
shows those records (lists, details, search, timeline, scorecards, admin
lists and change pages, the browsable API) must contain it only escaped,
and CSV exports must neither carry live spreadsheet formulas.
"""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.urls import reverse

from partnerships.models import (
    Agreement,
    Assessment,
    Exercise,
    Finding,
    Nation,
    Organization,
    Program,
    ResourceSharing,
)
from partnerships.web.lists import LIST_PAGES
from tests.factories import (
    AgreementPartyFactory,
    AssessmentChallengeFactory,
    AssessmentFactory,
    ExerciseFactory,
    ExerciseParticipantFactory,
    FindingFactory,
    MeasurementFactory,
    NationFactory,
    OrganizationFactory,
    ProgramFactory,
    ResourceSharingFactory,
)

pytestmark = pytest.mark.django_db
PAYLOAD = "<script>x()</script>\"'><img src=x onerror=x()>"
SHORT = "<b onclick=x()>"
FORMULA = '=HYPERLINK("http://evil.example","x")'


def _hostile(model: type[models.Model]) -> dict[str, str]:
    """Every free-text field of ``model`` (no choices, no codes), filled with a payload that fits."""
    values = {}
    for field in model._meta.fields:
        if not isinstance(field, models.CharField | models.TextField) or field.choices:
            continue
        if field.name.startswith("source_") and field.name != "source_text":
            continue  # provenance: set by importers, and a URL field
        if isinstance(field, models.URLField | models.SlugField) or field.name in (
            "iso2",
            "iso3",
            "iso_numeric",
            "cow_abbr",
            "currency",
        ):
            continue
        limit = field.max_length or 10_000
        values[field.name] = PAYLOAD if limit >= len(PAYLOAD) + 12 else SHORT if limit >= len(SHORT) + 3 else None
        if values[field.name] is None:
            del values[field.name]
    return values


def _unique(values: dict[str, str], tag: str) -> dict[str, str]:
    """Make names unique (models refuse two records with one name) without losing the markup."""
    return {
        name: f"{value} {tag}" if name in ("name", "title", "reference") else value for name, value in values.items()
    }


@pytest.fixture
def hostile_world() -> dict[str, Any]:
    nation = NationFactory(**_unique(_hostile(Nation), "n"))
    organization = OrganizationFactory(nation=nation, **_unique(_hostile(Organization), "o"))
    program = ProgramFactory(lead_nation=nation, lead_organization=organization, **_unique(_hostile(Program), "p"))
    agreement = Agreement.objects.create(
        kind="mou",
        scope="multilateral",
        status="signed",
        signed_on=datetime.date(2020, 1, 1),
        program=program,
        **_unique(_hostile(Agreement), "a"),
    )
    for _ in range(2):
        AgreementPartyFactory(agreement=agreement, notes=PAYLOAD)
    AgreementPartyFactory(agreement=agreement, nation=nation)
    exercise = ExerciseFactory(program=program, agreement=agreement, **_unique(_hostile(Exercise), "e"))
    ExerciseParticipantFactory(exercise=exercise, nation=nation, role="host", notes=PAYLOAD)
    resource = ResourceSharingFactory(
        provider_nation=nation, program=program, agreement=agreement, **_unique(_hostile(ResourceSharing), "r")
    )
    ResourceSharingFactory(reference="", description=FORMULA)
    assessment = AssessmentFactory(
        exercise=None, program=program, assessor=organization, **_unique(_hostile(Assessment), "s")
    )
    MeasurementFactory(assessment=assessment, notes=PAYLOAD)
    FindingFactory(assessment=assessment, owner=organization, **_hostile(Finding))
    AssessmentChallengeFactory(assessment=assessment, notes=PAYLOAD)
    return {
        "nation": nation,
        "organization": organization,
        "program": program,
        "agreement": agreement,
        "exercise": exercise,
        "resource": resource,
        "assessment": assessment,
    }


def _assert_escaped(body: str, where: str) -> None:
    assert "<script>x()</script>" not in body, where
    assert "onerror=x()>" not in body, where
    assert "<b onclick=x()>" not in body, where
    assert "&lt;script&gt;x()&lt;/script&gt;" in body or "&lt;b onclick=x()&gt;" in body, f"{where}: payload not shown"


def test_pages_show_markup_as_text(hostile_world: dict, superuser_client: Client) -> None:
    client = superuser_client
    pages = [reverse(f"partnerships:{key}-list") for key in LIST_PAGES]
    pages += [reverse(f"partnerships:{key}-detail", args=[record.pk]) for key, record in hostile_world.items()]
    pages += [
        reverse("partnerships:search") + "?q=script",
        reverse("partnerships:timeline"),
        reverse("partnerships:scorecard-program", args=[hostile_world["program"].pk]),
        reverse("partnerships:dashboard"),
    ]
    for record in hostile_world.values():
        opts = record._meta
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk]))
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[record.pk]))
    pages.append(reverse("admin:partnerships_finding_changelist"))
    checked = 0
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_escaped(response.content.decode(), url)
        checked += 1
    assert checked >= 35


def test_the_browsable_api_escapes_and_json_stays_json(hostile_world: dict, superuser_client: Client) -> None:
    url = reverse("api:agreement-detail", args=[hostile_world["agreement"].pk])
    html = superuser_client.get(url, HTTP_ACCEPT="text/html")
    assert html["Content-Type"].startswith("text/html")
    _assert_escaped(html.content.decode(), url)
    data = superuser_client.get(url, HTTP_ACCEPT="application/json")
    assert data["Content-Type"] == "application/json"
    assert data["X-Content-Type-Options"] == "nosniff"
    assert data.json()["description"].startswith(PAYLOAD)  # stored and returned exactly, as data


def test_csv_exports_carry_no_live_formulas(hostile_world: dict, superuser_client: Client) -> None:
    for key in LIST_PAGES:
        response = superuser_client.get(reverse(f"partnerships:{key}-list") + "?export=csv")
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        for row in rows[1:]:
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@")) or cell.lstrip("-").replace(".", "").isdigit(), (
                    key,
                    cell,
                )
    resources = superuser_client.get(reverse("partnerships:resource-list") + "?export=csv&q=HYPERLINK")
    text = b"".join(resources.streaming_content).decode()
    assert "'=HYPERLINK" in text
