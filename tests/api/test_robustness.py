"""No 5xx over real HTTP: the inputs issue 13 found answering 500, and the dyad table's year bounds.

Each case is one that answered 500 (or ran for a minute) before: OPTIONS
on a record with a write token, dates at the calendar's ends, NUL
characters in addresses, parameters and forms, bodies over the size limit,
JSON nested too deep, a CSV cell too long for the csv module, and dyad
years far outside the data.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
import requests
from django.test import Client

from partnerships.api.urls import router
from tests.api.conftest import Api
from tests.factories import (
    AssessmentChallengeFactory,
    AssessmentFactory,
    FindingFactory,
    MeasurementFactory,
    MembershipFactory,
    NationFactory,
    ProgramFactory,
    ResourceSharingFactory,
    UserFactory,
    bilateral_agreement,
)

pytestmark = pytest.mark.django_db(transaction=True)
D = datetime.date
LIMIT = 2_621_440  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE


@pytest.fixture
def records(transactional_db: None) -> dict[str, Any]:
    """A record of every API resource, and the ids that name them."""
    phl, usa = NationFactory(iso3="PHL", iso2="PH"), NationFactory(iso3="USA", iso2="US")
    agreement = bilateral_agreement(
        phl, usa, program=ProgramFactory(), in_force_from=D(1999, 6, 1), status="in_force", signed_on=D(1998, 2, 10)
    )
    ResourceSharingFactory(provider_nation=usa, recipient_nation=phl, start_date=D(2005, 1, 1))
    MembershipFactory(nation=phl)
    assessment = AssessmentFactory(exercise__start_date=D(2010, 4, 1), exercise__end_date=D(2010, 4, 20))
    MeasurementFactory(assessment=assessment)
    FindingFactory(assessment=assessment)
    AssessmentChallengeFactory(assessment=assessment)
    return {"agreement": agreement, "assessment": assessment, "series": assessment.exercise.series or "x"}


@pytest.fixture
def staff_session(live_server: Any, transactional_db: None) -> requests.Session:
    """A browser-like session of a logged-in superuser, for pages and the admin over real HTTP."""
    client = Client()
    client.force_login(UserFactory(username="staff", is_staff=True, is_superuser=True))
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    return session


def test_options_on_every_record_with_a_write_token_describes_it(records: dict, admin_api: Api) -> None:
    for prefix, viewset, _basename in router.registry:
        model = viewset.queryset.model
        record = model.objects.first()
        assert record is not None, f"no {model.__name__} to ask about"
        response = admin_api.request("OPTIONS", f"{prefix}/{record.pk}/")
        assert response.status_code == 200, (prefix, response.text[:300])
        assert "PUT" in response.json()["actions"], prefix
    assert len(router.registry) == 13


def test_the_network_answers_for_any_day_of_the_calendar(records: dict, reader_api: Api) -> None:
    for as_of in ("0001-01-01", "0004-02-29", "9999-12-31"):
        response = reader_api.get("network/", {"as_of": as_of, "exercise_years": 100})
        assert response.status_code == 200, response.text[:300]
        assert response.json()["as_of"] == as_of


NUL_ON_PAGES = [
    "/search/?q=%00",
    "/nations/PHL%00/",
    "/nations/PHL%00/scorecard/",
    "/exercises/series/Bali%00katan/scorecard/",
    "/agreements/?q=%00",
    "/admin/partnerships/agreement/?visibility__exact=%00",
    "/admin/autocomplete/?term=%00&app_label=partnerships&model_name=agreementparty&field_name=nation",
    "/admin/partnerships/agreement/%00/change/",
]


def test_a_nul_character_anywhere_is_a_400_that_says_where(
    records: dict, live_server: Any, staff_session: requests.Session, admin_api: Api
) -> None:
    for path in [*NUL_ON_PAGES, f"/programs/{records['agreement'].program_id}/scorecard/?start=%00"]:
        page = staff_session.get(live_server.url + path, timeout=30, allow_redirects=False)
        assert page.status_code == 400, path
        assert "contains a NUL character" in page.text, path
        assert page.headers["Content-Type"].startswith("text/html"), path
    for path, attr in [
        ("scorecards/series/Bali%00katan/", None),
        ("scorecards/nations/PHL%00/", None),
        (f"scorecards/agreements/{records['agreement'].pk}/?start=%00", "start"),
        ("agreements/?q=a%00b", "q"),
        ("dyads/?region=%00", "region"),
    ]:
        response = admin_api.get(admin_api.base + "/api/v1/" + path)
        assert response.status_code == 400, path
        body = response.json()
        assert body["errors"][0]["code"] == "null_characters_not_allowed", path
        assert body["errors"][0]["attr"] == attr, path
    form = staff_session.post(
        live_server.url + "/admin/login/", data={"username": "staff\x00", "password": "x"}, timeout=30
    )
    assert form.status_code == 400
    assert "The form field “username” contains a NUL character" in form.text
    cookie = requests.get(live_server.url + "/", headers={"Cookie": "sessionid=abc\x00def"}, timeout=30)
    assert cookie.status_code == 400


def test_a_body_too_large_too_deep_or_unreadable_is_a_4xx_saying_so(
    records: dict, live_server: Any, staff_session: requests.Session, admin_api: Api
) -> None:
    survey = f"assessments/{records['assessment'].pk}/survey/"
    # Over the size limit: 413, in the API's shape or as a page.
    big = json.dumps({"title": "x" * LIMIT, "kind": "mou"})
    for path, body, content_type in [
        ("agreements/", big, "application/json"),
        (survey, b"respondent,question,answer\n" * 100_000, "text/csv"),
    ]:
        response = admin_api.post(path, data=body, headers={"Content-Type": content_type})
        assert response.status_code == 413, path
        assert response.json()["type"] == "client_error"
        assert response.json()["errors"][0]["code"] == "request_too_large"
        assert "2.5 MB" in response.json()["errors"][0]["detail"]
    add = live_server.url + "/admin/partnerships/program/add/"
    form = staff_session.post(add, data={"name": "x" * LIMIT}, timeout=30)
    assert form.status_code == 413
    assert "larger than the registry accepts (2.5 MB)" in form.text
    # In a multipart upload only the files may exceed the limit: Django counts the rest and refuses it.
    upload = staff_session.post(add, files={"name": (None, "x" * LIMIT)}, timeout=30)
    assert upload.status_code == 413
    # JSON nested too deep: 400 (Python's decoder would give up with a RecursionError).
    for depth in (40, 100_000):
        body = '{"parties": ' + "[" * depth + "]" * depth + "}"
        response = admin_api.post("agreements/", data=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, depth
        assert "nested more than 32 levels deep" in response.json()["errors"][0]["detail"]
    shallow = admin_api.post("agreements/", json={"parties": [[[]]]})
    assert shallow.status_code == 400
    assert shallow.json()["type"] == "validation_error"  # read, then refused field by field
    # A CSV cell longer than the csv module reads: a 400 naming the row.
    body = "respondent,question,answer\nR1,interoperability,3\nR2,interoperability," + "4" * 200_000 + "\n"
    response = admin_api.post(survey, data=body.encode(), headers={"Content-Type": "text/csv"})
    assert response.status_code == 400
    assert "Row 3 cannot be read as CSV" in response.json()["errors"][0]["detail"]


def test_dyad_years_outside_the_data_are_refused_naming_its_years(records: dict, reader_api: Api) -> None:
    from django.core.management import CommandError, call_command

    this_year = datetime.date.today().year
    response = reader_api.get("dyads/", {"year_from": 1, "year_to": 9999, "directed": "true"})
    assert response.status_code == 400
    expected = f"The data covers 1999 to {this_year}: choose a year in that range."
    assert {(e["attr"], e["detail"]) for e in response.json()["errors"]} == {
        ("year_from", expected),
        ("year_to", expected),
    }
    assert reader_api.get("dyads/", {"year_to": this_year + 1}).status_code == 400
    inside = reader_api.get("dyads/", {"year_from": 1999, "year_to": this_year})
    assert inside.status_code == 200
    lines = inside.text.splitlines()
    assert lines[-1] == f"# complete: {len(lines) - 2} rows"
    assert lines[1].startswith("1999,")  # in force from 1999, the data's first year
    everything = reader_api.get("dyads/")  # by default, the data's years
    assert everything.text == inside.text
    with pytest.raises(CommandError, match=rf"--from and --to: The data covers 1999 to {this_year}"):
        call_command("export_data", "dyads", "--from", "1", "--to", "9999")


def test_an_empty_string_for_a_link_is_refused_not_read_as_null(records: dict, admin_api: Api) -> None:
    """Schemathesis found ``{"parent": ""}`` creating a challenge type with no parent: the schema says id or null."""
    from partnerships.models import ChallengeType

    before = ChallengeType.objects.count()
    response = admin_api.post("challenge-types/", json={"parent": "", "name": "Fuel", "slug": "fuel"})
    assert response.status_code == 400, response.text
    assert {(error["attr"], error["detail"]) for error in response.json()["errors"]} == {
        ("parent", "Give an id, or null to leave it unlinked, not an empty string.")
    }
    assert ChallengeType.objects.count() == before
    # A nation link says it may also be a code; null still clears a link.
    nation = admin_api.post("organizations/", json={"name": "Fleet", "nation": "", "kind": "armed_service"})
    assert nation.status_code == 400, nation.text
    assert {(error["attr"], error["detail"]) for error in nation.json()["errors"]} == {
        ("nation", "Give an id or a nation code, or null to leave it unlinked, not an empty string.")
    }
    created = admin_api.post("challenge-types/", json={"parent": None, "name": "Fuel", "slug": "fuel"})
    assert created.status_code == 201, created.text
    assert created.json()["parent"] is None


def test_text_longer_than_its_maximum_is_refused_even_when_spaces_would_trim_it(records: dict, admin_api: Api) -> None:
    """Schemathesis sent a unit of 41 characters starting with a form feed: DRF trimmed it to 40 and created the
    indicator, though the schema's maxLength (40) is of the text as sent."""
    from partnerships.models import Indicator

    before = Indicator.objects.count()
    body = {"slug": "h10_x", "name": "Readiness", "unit": "\f" + "Q" * 40, "direction": "lower", "scale": "numeric"}
    response = admin_api.post("indicators/", json=body)
    assert response.status_code == 400, response.text
    assert {(error["attr"], error["detail"]) for error in response.json()["errors"]} == {
        ("unit", "Ensure this field has no more than 40 characters.")
    }
    assert Indicator.objects.count() == before
    # Within the maximum as sent, surrounding spaces are still trimmed.
    created = admin_api.post("indicators/", json={**body, "unit": " " + "Q" * 39})
    assert created.status_code == 201, created.text
    assert created.json()["unit"] == "Q" * 39
