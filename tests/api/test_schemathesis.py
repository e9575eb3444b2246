"""Property-based tests over the live OpenAPI schema: no 5xx, no response that breaks the schema.

Schemathesis generates requests for every operation from the schema itself
(a bounded number per operation, so CI stays quick) and checks each
response against it, as a superuser with a write-enabled token.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from django.apps import apps
from django.db import connection
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks as st_checks

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
# Examples per operation: bounded so that CI stays quick (SCHEMATHESIS_EXAMPLES raises it locally).
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "12"))

CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_headers_conformance,
    st_checks.response_schema_conformance,
]


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


def test_every_operation_conforms_to_the_schema(api_schema: Any, token: str) -> None:
    # One Hypothesis run per operation, driven here rather than through
    # schemathesis' pytest integration, which does not support pytest 9 yet.
    headers = {"Authorization": f"Token {token}"}
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 7 * 6
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # collect every operation's failure, not just the first
            failures[operation.label] = str(exc)[:2000]
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())


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
            assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}"
            # The same checks as above (schemathesis' "positive data" check does not know that
            # the filters' lookups refuse values their declared types would allow, such as "null").
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

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
