"""Management commands' own behaviour (the importers, the demo and the embedded database have their own tests)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from partnerships.models import ApiToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_create_api_token_without_a_name_names_it_after_its_user_access_and_day() -> None:
    user = UserFactory(username="pipeline")
    out = StringIO()
    call_command("create_api_token", "pipeline", "--write", stdout=out, stderr=StringIO())
    token = ApiToken.objects.get(user=user)
    assert token.name == f"pipeline, read-write, issued {timezone.localdate().isoformat()} (command line)"
    assert token.write_enabled
    assert ApiToken.authenticate(out.getvalue().strip()) == token
