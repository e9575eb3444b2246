"""Shared fixtures: users with each access level, and logged-in clients."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import UserFactory


@pytest.fixture
def analyst(db):
    """An active user who may see public records only."""
    return UserFactory(username="analyst")


@pytest.fixture
def cleared_analyst(db):
    """A user who may also see restricted records."""
    return UserFactory(username="cleared", permissions=["partnerships.view_restricted"])


@pytest.fixture
def editor(db):
    """A staff member who may edit every record but not see restricted ones."""
    from django.contrib.auth.models import Permission

    user = UserFactory(username="editor", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="partnerships").exclude(codename="view_restricted")
    )
    return user


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def editor_client(editor) -> Client:
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def superuser_client(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client
