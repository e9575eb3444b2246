"""Cached analytical answers: filed under the database's data version, so that no write is ever served stale."""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

import pytest
from django.apps import apps
from django.db import DatabaseError, connection
from django.test import Client
from django.urls import reverse
from redis.exceptions import RedisError

from partnerships import choices
from partnerships.models import Agreement, AgreementParty, Organization
from partnerships.services import answer_cache
from partnerships.services.network import build_network
from registry_site import db_router
from tests.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    NationFactory,
    OrganizationFactory,
    UserFactory,
    bilateral_agreement,
)

D = datetime.date
# Tables that feed no analytical answer, and so have no data-version trigger.
NOT_FEEDING_ANSWERS = {
    "partnerships_listpreference",
    "partnerships_savedsearch",
    "partnerships_apitoken",
}
NETWORK = {"focus": "USA", "as_of": "2000-01-01", "depth": "1", "limit": "20", "hubs": "6"}


@pytest.fixture
def cache_on(settings: Any) -> None:
    settings.ANALYSIS_CACHE_SECONDS = 60
    settings.ANALYSIS_CACHE_MAX_BYTES = 8_000_000


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    """The U.S. allied to the Philippines since 1990, and to Japan by a restricted agreement."""
    n = {code: NationFactory(name=code, iso3=code) for code in ("USA", "PHL", "JPN", "FRA", "DEU")}
    bilateral_agreement(n["USA"], n["PHL"], in_force_from=D(1990, 1, 1), signed_on=D(1990, 1, 1))
    bilateral_agreement(
        n["USA"], n["JPN"], in_force_from=D(1990, 1, 1), signed_on=D(1990, 1, 1), visibility="restricted"
    )
    return n


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def analyst_client(analyst: Any) -> Client:
    return _client(analyst)


@pytest.fixture
def cleared_client(cleared_analyst: Any) -> Client:
    return _client(cleared_analyst)


def _partners(client: Client) -> set[str]:
    response = client.get(reverse("api:network"), NETWORK)
    assert response.status_code == 200
    return {node["label"] for node in response.json()["nodes"] if node.get("level") == 1}


@pytest.fixture
def computed() -> Any:
    """Count the network's computations (a request answered from the cache makes none)."""
    with mock.patch("partnerships.api.network.build_network", wraps=build_network) as spy:
        yield spy


@pytest.mark.django_db
def test_every_table_of_the_data_raises_the_version() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT event_object_table FROM information_schema.triggers WHERE trigger_name LIKE %s",
            ["%\\_data\\_version"],
        )
        triggered = {row[0] for row in cursor.fetchall()}
    tables = {
        model._meta.db_table
        for model in apps.get_app_config("partnerships").get_models()
        if not model._meta.db_table.startswith("partnerships_historical")
    }
    assert tables - NOT_FEEDING_ANSWERS - triggered == set()


@pytest.mark.django_db
def test_a_write_raises_the_version_in_its_own_transaction(world: dict) -> None:
    before = answer_cache.data_version()
    NationFactory()
    assert answer_cache.data_version() > before


def test_the_answer_is_cached_per_question(world: dict, cache_on: None, analyst_client: Client, computed: Any) -> None:
    assert _partners(analyst_client) == {"PHL"}
    assert _partners(analyst_client) == {"PHL"}
    assert computed.call_count == 1
    analyst_client.get(reverse("api:network"), {**NETWORK, "as_of": "1980-01-01"})
    assert computed.call_count == 2


def test_the_cached_answer_is_the_computed_one_byte_for_byte(
    world: dict, settings: Any, cache_on: None, analyst_client: Client
) -> None:
    url = reverse("api:network")
    cold, warm = analyst_client.get(url, NETWORK), analyst_client.get(url, NETWORK)
    settings.ANALYSIS_CACHE_SECONDS = 0
    uncached = analyst_client.get(url, NETWORK)
    assert cold.content == warm.content == uncached.content
    assert cold["Content-Type"] == warm["Content-Type"] == uncached["Content-Type"] == "application/json"


def test_an_orm_save_changes_the_answer_at_once(
    world: dict, cache_on: None, analyst_client: Client, computed: Any
) -> None:
    assert _partners(analyst_client) == {"PHL"}
    bilateral_agreement(world["USA"], world["FRA"], in_force_from=D(1995, 1, 1), signed_on=D(1995, 1, 1))
    assert _partners(analyst_client) == {"PHL", "FRA"}


def test_bulk_writes_change_the_answer_at_once(world: dict, cache_on: None, analyst_client: Client) -> None:
    assert _partners(analyst_client) == {"PHL"}
    pact = AgreementFactory(in_force_from=D(1995, 1, 1), signed_on=D(1995, 1, 1))
    assert _partners(analyst_client) == {"PHL"}
    AgreementParty.objects.bulk_create(
        [AgreementParty(agreement=pact, nation=world["USA"]), AgreementParty(agreement=pact, nation=world["DEU"])]
    )
    assert _partners(analyst_client) == {"PHL", "DEU"}
    Agreement.objects.filter(pk=pact.pk).update(visibility=choices.Visibility.RESTRICTED)
    assert _partners(analyst_client) == {"PHL"}
    AgreementParty.objects.filter(agreement=pact).delete()
    Agreement.objects.filter(pk=pact.pk).update(visibility=choices.Visibility.PUBLIC)
    assert _partners(analyst_client) == {"PHL"}


def test_raw_sql_as_importers_write_changes_the_answer_at_once(
    world: dict, cache_on: None, analyst_client: Client
) -> None:
    assert _partners(analyst_client) == {"PHL"}
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE partnerships_agreementparty SET nation_id = %s WHERE nation_id = %s",
            [world["DEU"].pk, world["PHL"].pk],
        )
    assert _partners(analyst_client) == {"DEU"}


def test_an_admin_change_changes_the_answer_at_once(world: dict, cache_on: None, analyst_client: Client) -> None:
    assert _partners(analyst_client) == {"PHL"}
    admin = _client(UserFactory(username="boss", is_staff=True, is_superuser=True))
    agreement = Agreement.objects.get(parties__nation=world["PHL"])
    response = admin.post(
        reverse("admin:partnerships_agreement_delete", args=[agreement.pk]), {"post": "yes"}, follow=False
    )
    assert response.status_code == 302
    assert _partners(analyst_client) == set()


def test_an_organization_moving_nation_is_never_served_stale(
    world: dict, cache_on: None, analyst_client: Client
) -> None:
    agency = OrganizationFactory(nation=world["DEU"], name="Agency")
    pact = AgreementFactory(in_force_from=D(1995, 1, 1), signed_on=D(1995, 1, 1))
    AgreementPartyFactory(agreement=pact, nation=world["USA"])
    AgreementPartyFactory(agreement=pact, nation=None, organization=agency)
    assert _partners(analyst_client) == {"PHL", "DEU"}
    agency.nation = world["FRA"]
    agency.save()
    assert _partners(analyst_client) == {"PHL", "FRA"}
    Organization.objects.filter(pk=agency.pk).update(nation=world["DEU"])
    assert _partners(analyst_client) == {"PHL", "DEU"}


def test_an_answer_for_a_cleared_user_is_never_served_to_others(
    world: dict, cache_on: None, cleared_client: Client, analyst_client: Client, computed: Any
) -> None:
    assert _partners(cleared_client) == {"PHL", "JPN"}
    assert _partners(analyst_client) == {"PHL"}
    assert _partners(cleared_client) == {"PHL", "JPN"}
    assert _partners(analyst_client) == {"PHL"}
    # One computation per visibility, not per user: another analyst gets the first one's.
    assert computed.call_count == 2
    assert _partners(_client(UserFactory(username="another"))) == {"PHL"}
    assert computed.call_count == 2


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("partnerships:partners", {"nation": "USA", "on": "2000-01-01", "since": "1985"}),
        ("partnerships:compare", {"a": "USA", "b": "PHL"}),
        ("partnerships:strength", {"nation": "USA"}),
        ("api:partners", {"nation": "USA", "on": "2000-01-01"}),
        ("api:strength", {"nation": "USA", "year": "2000"}),
    ],
)
def test_every_cached_view_hides_restricted_records_and_sees_new_ones(
    world: dict, cache_on: None, cleared_client: Client, analyst_client: Client, name: str, params: dict
) -> None:
    url = reverse(name, query=params)
    cleared = cleared_client.get(url).content.decode()
    assert "JPN" in cleared
    assert "JPN" not in analyst_client.get(url).content.decode()
    assert "DEU" not in analyst_client.get(url).content.decode()
    bilateral_agreement(world["USA"], world["DEU"], in_force_from=D(1995, 1, 1), signed_on=D(1995, 1, 1))
    assert "DEU" in analyst_client.get(url).content.decode()


def test_huge_answers_are_not_kept(world: dict, settings: Any, analyst_client: Client, computed: Any) -> None:
    settings.ANALYSIS_CACHE_SECONDS = 60
    settings.ANALYSIS_CACHE_MAX_BYTES = 100
    _partners(analyst_client)
    _partners(analyst_client)
    assert computed.call_count == 2


def test_the_cache_can_be_turned_off(world: dict, settings: Any, analyst_client: Client, computed: Any) -> None:
    settings.ANALYSIS_CACHE_SECONDS = 0
    _partners(analyst_client)
    _partners(analyst_client)
    assert computed.call_count == 2


def test_a_failing_cache_does_not_fail_the_answer(world: dict, cache_on: None, analyst_client: Client) -> None:
    down = mock.Mock(get=mock.Mock(side_effect=RedisError("down")), set=mock.Mock(side_effect=DatabaseError("down")))
    with mock.patch.object(answer_cache, "cache", down):
        assert _partners(analyst_client) == {"PHL"}
    assert down.get.called
    assert down.set.called


def test_keys_differ_by_visibility_version_and_question() -> None:
    key = {"view": "v", "params": {"a": D(2000, 1, 1), "b": (1, 2)}, "restricted": False, "version": 7}
    same = answer_cache.answer_key(**key)
    assert answer_cache.answer_key(**{**key, "params": {"b": [1, 2], "a": D(2000, 1, 1)}}) == same
    assert answer_cache.answer_key(**{**key, "restricted": True}) != same
    assert answer_cache.answer_key(**{**key, "version": 8}) != same
    assert answer_cache.answer_key(**{**key, "params": {"a": D(2000, 1, 2), "b": (1, 2)}}) != same
    with pytest.raises(TypeError):
        answer_cache.answer_key(**{**key, "params": {"a": object()}})


def test_reads_for_one_answer_go_to_one_replica(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_router, "replicas", lambda: [f"replica{i}" for i in range(1, 9)])
    router = db_router.PrimaryReplicaRouter()
    with db_router.one_database_for_reads() as alias:
        assert alias.startswith("replica")
        assert {router.db_for_read(Agreement) for _ in range(50)} == {alias}
    assert len({router.db_for_read(Agreement) for _ in range(200)}) > 1


def test_keys_change_with_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    key = {"view": "v", "params": {}, "restricted": False, "version": 7}
    before = answer_cache.answer_key(**key)
    monkeypatch.setattr(answer_cache, "code_version", lambda: "another release")
    assert answer_cache.answer_key(**key) != before
