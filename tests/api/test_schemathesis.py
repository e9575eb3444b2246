"""Property-based tests over the live OpenAPI schema: every check schemathesis has, on every operation.

Schemathesis generates requests from the schema itself, valid ones and
invalid ones, and holds each response to every check it registers: no 5xx,
documented statuses, content types, headers and bodies, invalid requests
refused, valid ones accepted, undeclared methods answered 405, credentials
not ignored, deleted records gone… A bounded number of cases per operation
(SCHEMATHESIS_EXAMPLES, SCHEMATHESIS_COVERAGE, SCHEMATHESIS_SCENARIOS raise
them locally), as a superuser with a write-enabled token, on the test database.

Driven here rather than through schemathesis' pytest integration, which does
not support pytest 9 yet.
"""

from __future__ import annotations

import os
import random
import re
from typing import Any

import pytest
import schemathesis
from django.apps import apps
from django.db import connection
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks as st_checks
from schemathesis.core.transport import Response
from schemathesis.generation import GenerationMode
from schemathesis.generation.meta import CoverageScenario

from partnerships.api.schema import IF_MATCH_PATTERN
from partnerships.models import ApiToken, ChallengeType, Indicator
from partnerships.services import catalogues
from tests.factories import (
    ExerciseParticipantFactory,
    MembershipFactory,
    NationFactory,
    ProgramFactory,
    ResourceSharingFactory,
    UserFactory,
    bilateral_agreement,
)

pytestmark = pytest.mark.django_db(transaction=True)
# Examples per operation and generation mode: bounded so that CI stays quick (SCHEMATHESIS_EXAMPLES raises it).
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))
# Coverage-phase cases per operation (besides its undeclared-method probes), drawn with a fixed seed.
COVERAGE_CASES = int(os.environ.get("SCHEMATHESIS_COVERAGE", "12"))
# Draw new cases on every run instead of the same ones (to explore locally; CI draws the same).
RANDOM = os.environ.get("SCHEMATHESIS_RANDOM") == "1"

st_checks.load_all_checks()
BUILT_IN_CHECKS = [check for check in st_checks.CHECKS.get_all() if not st_checks.is_check_class(check)]
WRITE_METHODS = {"POST", "PUT", "PATCH"}


def positive_data_acceptance(ctx: Any, response: Response, case: Any) -> bool | None:
    """Schemathesis' check, minus the refusals a schema cannot predict (and only those).

    The schema states each field's type, format, length and choices. What it
    cannot state is the registry's rules across fields and records: an end
    before its start, two parties to a bilateral agreement, a slug already
    taken, a link to a record that does not exist. A write breaking one is
    valid by schema and rightly refused with a 400 that names the field, as
    the admin would. Queries stay strict: any valid query must be answered.
    Likewise a well-formed If-Match naming another version of the record is
    refused with 412: that is what If-Match is for.
    """
    if case.method in WRITE_METHODS and response.status_code == 400 and _blames_only_the_body(response, case):
        return None
    # The dyad table's years must lie within the data's (the README says so, and a 400 names the year).
    if case.path == "/api/v1/dyads/" and response.status_code == 400 and _blames_only(response, DYAD_YEARS):
        return None
    # Strength takes either nation and year or a and b (a rule across parameters no schema states), names of
    # nations that exist, and weights not all 0: a 400 naming those parameters is the documented answer.
    if case.path == "/api/v1/strength/" and response.status_code == 400 and _blames_only(response, STRENGTH_RULES):
        return None
    # A nation code that names no nation the caller may see, a day and a year together, or a `since` that is
    # no day of the calendar (2023-02-30): the partners' rules a pattern cannot state, each named in the 400.
    if case.path == "/api/v1/partners/" and response.status_code == 400 and _blames_only(response, PARTNER_RULES):
        return None
    # The network's focus must name a nation the caller may see (a code no pattern can check): a 400 naming it.
    if case.path == "/api/v1/network/" and response.status_code == 400 and _blames_only(response, NETWORK_RULES):
        return None
    if response.status_code == 412 and case.headers and case.headers.get("If-Match"):
        return None
    # A nation filter's name fitting several nations ("United") is refused with a 400 listing them: which
    # names are shared depends on the nations stored, not on the schema.
    if response.status_code == 400 and _only_ambiguous_nations(response):
        return None
    return st_checks.positive_data_acceptance(ctx, response, case)


DYAD_YEARS = {"year_from", "year_to"}
STRENGTH_RULES = {None, "nation", "year", "a", "b", "year_from", "year_to", "w_agreements"}
PARTNER_RULES = {"nation", "on", "year", "since"}
NETWORK_RULES = {"focus"}


def _blamed(response: Response) -> list[Any]:
    try:
        return [error.get("attr") for error in response.json()["errors"]]
    except (ValueError, KeyError, TypeError, AttributeError):
        return []


def _only_ambiguous_nations(response: Response) -> bool:
    try:
        codes = [error.get("code") for error in response.json()["errors"]]
    except (ValueError, KeyError, TypeError, AttributeError):
        return False
    return bool(codes) and set(codes) == {"ambiguous_nation"}


def _blames_only_the_body(response: Response, case: Any) -> bool:
    blamed = _blamed(response)
    # An error naming If-Match blames the header, unless the body itself has a field of that name (an unknown
    # field, refused as such: schemathesis once sent {"If-Match": -2330253} in a program's body).
    body = set(case.body) if isinstance(case.body, dict) else set()
    return bool(blamed) and not (({"If-Match"} - body) | set(case.query or {})) & set(blamed)


def _blames_only(response: Response, names: set[str]) -> bool:
    blamed = _blamed(response)
    return bool(blamed) and set(blamed) <= names


positive_data_acceptance.__name__ = "positive_data_acceptance"
CHECKS = [
    positive_data_acceptance if check is st_checks.positive_data_acceptance else check for check in BUILT_IN_CHECKS
] + [st_checks.max_response_time]


def test_every_check_schemathesis_registers_is_run() -> None:
    names = {check.__name__ for check in CHECKS}
    assert names >= {
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "positive_data_acceptance",
        "missing_required_header",
        "unsupported_method",
        "allow_header_conformance",
        "use_after_free",
        "ensure_resource_availability",
        "ignored_auth",
        "object_level_authorization",
        "max_response_time",
    }
    assert names == {check.__name__ for check in BUILT_IN_CHECKS} | {"max_response_time"}


def _records() -> None:
    NationFactory.create_batch(3)
    bilateral_agreement(NationFactory(), NationFactory(), program=ProgramFactory())
    ExerciseParticipantFactory()
    ResourceSharingFactory()
    MembershipFactory()


def _start_again() -> None:
    """Put the registry back as the fixture made it, ids included (the tokens stay).

    Every stateful scenario then starts from the same records: what one scenario
    created or deleted cannot change what the next one draws, which Hypothesis
    would rightly call flaky.
    """
    tables = [
        model._meta.db_table
        for model in apps.get_app_config("partnerships").get_models()
        if model is not ApiToken and model._meta.db_table != "partnerships_historicalapitoken"
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    catalogues.seed(Indicator, ChallengeType)
    _records()


@pytest.fixture
def api_schema(live_server: Any, transactional_db: None) -> Any:
    _records()
    return schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json")


@pytest.fixture
def token(transactional_db: None) -> str:
    user = UserFactory(username="fuzzer", is_staff=True, is_superuser=True)
    return ApiToken.issue(user=user, name="schemathesis", write_enabled=True).key


def _operations(api_schema: Any) -> list[Any]:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 7 * 6
    return operations


def _report(failures: dict[str, str]) -> str:
    return "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())


# Schemathesis 4.32.5's coverage phase narrows header values to letters and digits and, when the
# declared pattern cannot be met that way (an entity tag needs quotes), still offers a value such as
# `If-Match: 0` as valid data although the schema's own pattern refuses it. Such a case is invalid by
# the schema: it is checked as invalid data (the server must refuse it, naming the header), never
# skipped. Every other coverage case is checked with every check.
def _breaks_the_if_match_pattern(case: Any) -> bool:
    value = (case.headers or {}).get("If-Match")
    return value is not None and re.match(IF_MATCH_PATTERN, value) is None


def _checked_as_invalid(case: Any, headers: dict[str, str]) -> None:
    response = case.call(headers=headers)
    # Refused: for the header (400 naming it), or first for a path that names no record (404).
    assert response.status_code in (400, 404), (case.method, case.formatted_path, response.status_code)
    if response.status_code == 400:
        assert "If-Match" in _blamed(response), response.text[:300]
    others = [check for check in CHECKS if check.__name__ != "positive_data_acceptance"]
    case.validate_response(response, checks=others)


@pytest.mark.parametrize(
    "mode",
    [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    ids=str,
)
def test_every_operation_conforms_to_the_schema(api_schema: Any, token: str, mode: GenerationMode) -> None:
    # One Hypothesis run per operation and mode: valid requests, then requests the schema forbids.
    headers = {"Authorization": f"Token {token}"}
    failures: dict[str, str] = {}
    for operation in _operations(api_schema):

        @given(case=operation.as_strategy(generation_mode=mode))
        # The same cases every run, so that CI is repeatable (random runs found a new case on two runs out of
        # three once every operation had been fixed for the others); SCHEMATHESIS_RANDOM=1 explores afresh.
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=not RANDOM,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        # Collect every operation's failure, not just the first (schemathesis reports a BaseExceptionGroup).
        except (Exception, BaseExceptionGroup) as exc:
            failures[operation.label] = str(exc)[:8000]  # the whole request, to reproduce it
    assert not failures, _report(failures)


def test_coverage_probes_conform_to_the_schema(api_schema: Any, token: str) -> None:
    """Schemathesis' coverage phase: boundary values, each parameter missing or of the wrong type, other methods.

    All of an operation's probes with an undeclared method run (405 expected),
    and a fixed sample of the others, COVERAGE_CASES per operation.
    """
    headers = {"Authorization": f"Token {token}"}
    failures: dict[str, str] = {}
    draw = random.Random(13)
    for operation in _operations(api_schema):
        cases = list(
            api_schema.iter_coverage_cases(
                operation,
                generation_modes=list(GenerationMode),
                generation_config=api_schema.config.generation_for(operation=operation, phase="coverage"),
            )
        )
        methods = [case for case in cases if _scenario(case) == CoverageScenario.UNSPECIFIED_HTTP_METHOD]
        others = [case for case in cases if _scenario(case) != CoverageScenario.UNSPECIFIED_HTTP_METHOD]
        for case in methods + draw.sample(others, min(COVERAGE_CASES, len(others))):
            try:
                if _breaks_the_if_match_pattern(case):
                    _checked_as_invalid(case, headers)
                else:
                    case.call_and_validate(headers=headers, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as exc:
                failures.setdefault(operation.label, "")
                failures[operation.label] += f"{case.method} {case.formatted_path} {case.query}: {str(exc)[:1500]}\n"
    assert not failures, _report(failures)


def _scenario(case: Any) -> Any:
    data = case.meta.phase.data if case.meta is not None else None
    return getattr(data, "scenario", None)


# Scenarios: steps chained through the links schemathesis infers between operations
# (create → read → change → delete, a list's ids → their details…). Bounded like the above.
STATEFUL_SCENARIOS = int(os.environ.get("SCHEMATHESIS_SCENARIOS", "25"))


def test_chained_operations_conform_to_the_schema(api_schema: Any, token: str) -> None:
    workflow = api_schema.as_state_machine()
    assert len(workflow.bundles) > 50  # the links between operations were found
    calls: list[int] = []

    class Workflow(workflow):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            _start_again()

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": {"Authorization": f"Token {token}"}}

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
            calls.append(response.status_code)
            # Every check, with the scenario's record of earlier steps (use_after_free and
            # ensure_resource_availability look there for what was created and deleted).
            case.validate_response(
                response, checks=CHECKS, transport_kwargs=kwargs, recorder=getattr(self, "recorder", None)
            )

    Workflow.run(
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=6,
            deadline=None,
            # No shrinking: replaying against a database the earlier steps changed is not reproducible.
            # The same scenarios every run, so that CI is repeatable; raise SCHEMATHESIS_SCENARIOS to explore.
            phases=[Phase.generate],
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    assert len(calls) >= STATEFUL_SCENARIOS


def test_a_body_field_named_like_a_header_is_a_body_field_refused_as_unknown(api_schema: Any, token: str) -> None:
    """The positive check excuses a 400 naming only body fields; a body field called If-Match is one of them
    (schemathesis sent ``{"If-Match": -2330253, …}`` to POST /programs/, and the check took it for the header)."""
    operation = next(op for op in _operations(api_schema) if op.label == "POST /api/v1/programs/")
    body = {"If-Match": -2330253, "name": "Fuzzed", "program_type": "bilateral_partnership"}
    case = operation.Case(body=body, media_type="application/json")
    response = case.call(headers={"Authorization": f"Token {token}"})
    assert response.status_code == 400
    assert _blamed(response) == ["If-Match"]
    assert _blames_only_the_body(response, case)
    case.validate_response(response, checks=[positive_data_acceptance])
    # The If-Match header itself, when it is what the 400 names, is still not excused.
    header_case = operation.Case(
        body={"name": "Fuzzed"}, headers={"If-Match": '"stale"'}, media_type="application/json"
    )
    assert not _blames_only_the_body(response, header_case)
