"""No 5xx, whatever a request carries: every analyst page and admin list, fuzzed with Hypothesis.

The parameter names come from the code, not from this file: each list page's
FilterSet and its own parameters, the timeline's FilterSet, the scorecards'
period form, each admin changelist's filters, search, ordering and date
hierarchy, and the autocomplete fields; the path segments from the URL
patterns. A new filter, list or route is fuzzed without anyone adding it
here. Values are hostile: NUL characters, huge and negative numbers, digits
that are not ASCII, dates at and past the calendar's ends, long strings, odd
Unicode, repeated parameters. Every request goes through the whole stack
(Django's test client, all middleware) as a superuser, who may open every
page; the answer must be below 500, and a NUL must be refused with a 400
that says so. Each target runs a few fixed hostile requests and a bounded
number of generated ones (``FUZZ_EXAMPLES``), derandomized so that CI is
repeatable.
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, PAGE_VAR, SEARCH_VAR
from django.test import Client, RequestFactory
from django.urls import URLPattern, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnerships.filters import AgreementFilterSet
from partnerships.web import urls as web_urls
from partnerships.web.lists import LIST_PAGES
from partnerships.web.scorecards import PeriodForm
from partnerships.web.strength import StrengthForm
from partnerships.web.views import RESERVED
from tests.factories import (
    AssessmentChallengeFactory,
    AssessmentFactory,
    ExerciseFactory,
    ExerciseParticipantFactory,
    FindingFactory,
    MeasurementFactory,
    MembershipFactory,
    NationFactory,
    ProgramFactory,
    ResourceSharingFactory,
    UserFactory,
    bilateral_agreement,
)

pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NUL = "\x00"
# Values that broke, or could break, something between the URL and PostgreSQL.
HOSTILE = [
    NUL,
    "PHL\x00",
    "",
    " ",
    "-1",
    "0",
    "²",  # str.isdigit() says yes, int() says no
    "٣",
    "1e400",
    "NaN",
    "99999999999999999999999",
    str(2**63),
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2020-02-30",
    "2024-01-01T00:00:00+99:00",
    "true",
    "null",
    "'",
    '"',
    "%",
    "\\",
    "<script>",
    "../../etc/passwd",
    "cow:99999999999999999999",
    "-id",
    "x" * 3000,
    "Ω\u202e\ufeff🇵🇭",
]
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.dates().map(str),
)
# Every target first gets two fixed requests: a NUL in every parameter (refused with a 400 that says so), and
# every parameter at once with one of these, in turn.
EXTREMES = ["²", "9999-12-31", "99999999999999999999999", "0001-01-01", "-1", "x" * 3000]


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    """A few records of every kind, linked, so that filters, scorecards and changelists have rows to work on."""
    program = ProgramFactory()
    phl, usa = NationFactory(iso3="PHL", iso2="PH"), NationFactory(iso3="USA", iso2="US")
    agreement = bilateral_agreement(phl, usa, program=program)
    exercise = ExerciseFactory(series="Balikatan", program=program, agreement=agreement)
    ExerciseParticipantFactory(exercise=exercise, nation=phl, role="host")
    ResourceSharingFactory(provider_nation=usa, recipient_nation=phl, program=program)
    MembershipFactory(nation=phl)
    assessment = AssessmentFactory(program=program, exercise=None)
    AssessmentFactory(exercise=exercise)
    MeasurementFactory(assessment=assessment)
    FindingFactory(assessment=assessment, kind="recommendation")
    AssessmentChallengeFactory(assessment=assessment)
    return {"program": program, "agreement": agreement, "series": "Balikatan", "nation": "PHL"}


@pytest.fixture
def staff(world: dict[str, Any]) -> Any:
    return UserFactory(username="fuzz-staff", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(staff: Any) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def _answer(client: Client, url: str) -> Any:
    """GET ``url``; fail on a 5xx (or an exception) with the URL; return the response, its stream read."""
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    assert response.status_code < 500, f"{response.status_code} for {url[:300]!r}"
    return response


def _query(pairs: list[tuple[str, str]]) -> str:
    return urlencode(pairs, quote_via=quote)


def _fuzz_query(client: Client, path: str, names: list[str]) -> None:
    """Send ``path`` fixed and generated hostile queries over ``names`` (and unknown names)."""
    known = sorted(set(names))
    refused = _answer(client, f"{path}?{_query([(name, NUL) for name in known or ['q']])}")
    assert refused.status_code == 400, path
    assert "NUL character" in refused.content.decode(), path
    _answer(client, f"{path}?{_query([(n, EXTREMES[i % len(EXTREMES)]) for i, n in enumerate(known or ['q'])])}")
    name = st.one_of(st.sampled_from(known), st.text(max_size=12)) if known else st.text(max_size=12)

    @FUZZ
    @given(pairs=st.lists(st.tuples(name, VALUES), min_size=1, max_size=5))
    def probe(pairs: list[tuple[str, str]]) -> None:
        _answer(client, f"{path}?{_query(pairs)}")

    probe()


def _fuzz_segments(client: Client, templates: list[str]) -> None:
    """Fill each ``{}`` of ``templates`` with fixed and generated hostile path segments."""
    for template in templates:
        assert _answer(client, template.format(quote("PHL\x00", safe=""))).status_code == 400, template
        _answer(client, template.format(quote("²", safe="")))

    # One draw serves one of many templates, and most answers are a quick 404: more draws, for about the same time.
    @settings(FUZZ, max_examples=EXAMPLES * 5)
    @given(template=st.sampled_from(templates), segment=VALUES.filter(bool))
    def probe(template: str, segment: str) -> None:
        _answer(client, template.format(quote(segment, safe="")))

    probe()


def _templates(patterns: list[Any], prefix: str) -> list[str]:
    """Return the URL patterns that take path arguments, each argument as ``{}``: ``/agreements/{}/``."""
    templates = []
    for pattern in patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLPattern) and "<" in route:
            templates.append(prefix + re.sub(r"<(?:\w+:)?\w+>", "{}", route))
    return templates


def _analyst_queries(world: dict[str, Any]) -> dict[str, list[str]]:
    """Every analyst page that reads its query string, with the parameter names it reads."""
    scorecard_keys = {
        "program": world["program"].pk,
        "agreement": world["agreement"].pk,
        "series": world["series"],
        "nation": world["nation"],
    }
    pages = {
        reverse(f"partnerships:{key}-list"): [*page.filterset.base_filters, *RESERVED, "export"]
        for key, page in LIST_PAGES.items()
    }
    pages[reverse("partnerships:search")] = ["q"]
    pages[reverse("partnerships:timeline")] = [*AgreementFilterSet.base_filters, "party", "program_id"]
    pages[reverse("partnerships:network")] = []
    pages[reverse("partnerships:dashboard")] = []
    pages[reverse("partnerships:strength")] = [*StrengthForm.base_fields, "export"]
    for kind, key in scorecard_keys.items():
        pages[reverse(f"partnerships:scorecard-{kind}", args=[key])] = list(PeriodForm.base_fields)
    return pages


def test_every_analyst_page_answers_hostile_parameters_without_a_server_error(
    world: dict[str, Any], staff_client: Client
) -> None:
    for path, names in _analyst_queries(world).items():
        _fuzz_query(staff_client, path, names)


def test_every_analyst_path_answers_hostile_segments_without_a_server_error(staff_client: Client) -> None:
    templates = _templates(web_urls.urlpatterns, "/")
    assert "/nations/{}/scorecard/" in templates
    assert "/agreements/{}/" in templates
    _fuzz_segments(staff_client, templates)


def _changelist_parameters(model_admin: admin.ModelAdmin, user: Any) -> list[str]:
    """The query parameters of a changelist: each list filter's, the date hierarchy's, search, order, page."""
    request = RequestFactory().get("/")
    request.user = user
    changelist = model_admin.get_changelist_instance(request)
    names = [name for spec in changelist.filter_specs for name in spec.expected_parameters()]
    if changelist.date_hierarchy:
        names += [f"{changelist.date_hierarchy}__{part}" for part in ("year", "month", "day")]
    return [*names, SEARCH_VAR, ORDER_VAR, PAGE_VAR]


def _admins() -> list[tuple[str, admin.ModelAdmin]]:
    return [
        (f"/admin/{model._meta.app_label}/{model._meta.model_name}/", model_admin)
        for model, model_admin in admin.site._registry.items()
    ]


def test_every_admin_changelist_answers_hostile_parameters_without_a_server_error(
    staff: Any, staff_client: Client
) -> None:
    for path, model_admin in _admins():
        names = _changelist_parameters(model_admin, staff)
        if model_admin.model._meta.app_label == "partnerships":
            assert len(names) > 3, f"{path} has no list filters to fuzz"
        _fuzz_query(staff_client, path, names)


def test_admin_object_pages_and_autocomplete_answer_hostile_input_without_a_server_error(
    staff_client: Client,
) -> None:
    templates = [template for path, model_admin in _admins() for template in _templates(model_admin.get_urls(), path)]
    _fuzz_segments(staff_client, templates)
    fields = [
        (model._meta.app_label, model._meta.model_name, field)
        for model, model_admin in admin.site._registry.items()
        for field in model_admin.autocomplete_fields
    ]
    assert fields
    autocomplete = reverse("admin:autocomplete")

    def ask(pairs: list[tuple[str, str]]) -> Any:
        return _answer(staff_client, f"{autocomplete}?{_query(pairs)}")

    refused = ask([("term", NUL), ("app_label", "partnerships"), ("model_name", "agreement")])
    assert refused.status_code == 400

    @FUZZ
    @given(
        field=st.one_of(st.sampled_from(fields), st.tuples(VALUES, VALUES, VALUES)),
        term=VALUES,
        page=st.one_of(st.none(), VALUES),
    )
    def probe(field: tuple[str, str, str], term: str, page: str | None) -> None:
        pairs = [("app_label", field[0]), ("model_name", field[1]), ("field_name", field[2]), ("term", term)]
        ask([*pairs, *([("page", page)] if page is not None else [])])

    probe()
