"""Every resource of the API, tested the same way over real HTTP (after NetBox's APIViewTestCases).

Each subclass of ResourceTests only says how to make a record and what to
send; the base class checks list, retrieve, create, update (PATCH and PUT)
and delete as an anonymous client, as a user without permission and with
permission, visibility of restricted records, rendering parameters, and the
query count of the list endpoint.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests
from django.conf import settings
from django.db import models
from django.test import Client

from partnerships.models import (
    Agreement,
    Exercise,
    Membership,
    Nation,
    Organization,
    Program,
    ResourceSharing,
)
from tests.api.conftest import Api
from tests.factories import (
    AgreementFactory,
    ExerciseFactory,
    ExerciseParticipantFactory,
    MembershipFactory,
    MultinationalFactory,
    NationFactory,
    OrganizationFactory,
    ProgramFactory,
    ResourceSharingFactory,
    UserFactory,
    bilateral_agreement,
)

pytestmark = pytest.mark.django_db(transaction=True)

BASELINES_FILE = Path(__file__).with_name("query_baselines.json")


def query_count(response: Any) -> int:
    return int(response.headers["X-Query-Count"])


def check_baseline(endpoint: str, count: int) -> None:
    """Assert ``count`` equals the recorded baseline (UPDATE_QUERY_BASELINES=1 records it)."""
    import os

    baselines = json.loads(BASELINES_FILE.read_text()) if BASELINES_FILE.exists() else {}
    if os.environ.get("UPDATE_QUERY_BASELINES") == "1":
        baselines[endpoint] = count
        BASELINES_FILE.write_text(json.dumps(baselines, indent=2, sort_keys=True) + "\n")
        return
    assert endpoint in baselines, f"no query baseline for {endpoint}: run with UPDATE_QUERY_BASELINES=1"
    assert count == baselines[endpoint], f"{endpoint} ran {count} queries; the baseline is {baselines[endpoint]}"


class ResourceTests:
    endpoint: ClassVar[str]
    model: ClassVar[type[models.Model]]
    brief_fields: ClassVar[set[str]]
    omit_field: ClassVar[str] = "source_text"

    def public(self) -> models.QuerySet:
        """The records a user without clearance may see."""
        return self.model.objects.filter(visibility="public")

    def make(self, **fields: Any) -> models.Model:
        """Create one fully linked record."""
        raise NotImplementedError

    def make_deletable(self) -> models.Model:
        """Create a record nothing else refers to."""
        return self.make()

    def create_payload(self) -> dict[str, Any]:
        """Return a valid body for POST (creating what it links to)."""
        raise NotImplementedError

    def update_payload(self) -> dict[str, Any]:
        """Return a valid PATCH body."""
        raise NotImplementedError

    # --- list ---------------------------------------------------------------------
    def test_list_needs_authentication(self, anonymous_api: Api) -> None:
        self.make()
        response = anonymous_api.get(self.endpoint)
        assert response.status_code == 401
        assert response.json()["type"] == "client_error"
        assert response.headers["WWW-Authenticate"].startswith("Token")

    def test_list_shows_public_records_only_to_a_user_without_clearance(self, reader_api: Api) -> None:
        public = self.make()
        self.make(visibility="restricted")
        response = reader_api.get(self.endpoint)
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == self.public().count()
        ids = {row["id"] for row in body["results"]}
        assert public.pk in ids
        assert not ids & set(self.model.objects.exclude(pk__in=self.public()).values_list("pk", flat=True))

    def test_list_shows_restricted_records_to_a_cleared_user(self, cleared_reader_api: Api) -> None:
        self.make()
        secret = self.make(visibility="restricted")
        response = cleared_reader_api.get(self.endpoint)
        assert response.status_code == 200
        assert secret.pk in {row["id"] for row in response.json()["results"]}
        assert response.json()["count"] == self.model.objects.count()

    def test_list_query_count_is_the_same_for_1_and_50_rows(self, cleared_reader_api: Api) -> None:
        self.make()
        cleared_reader_api.get(self.endpoint)  # warm-up: records the token's first use
        one = cleared_reader_api.get(self.endpoint)
        for _ in range(49):
            self.make()
        fifty = cleared_reader_api.get(self.endpoint)
        assert fifty.json()["count"] >= 50
        assert len(fifty.json()["results"]) == 50
        assert query_count(one) == query_count(fifty)
        check_baseline(self.endpoint, query_count(fifty))

    # --- retrieve -----------------------------------------------------------------
    def test_retrieve_needs_authentication(self, anonymous_api: Api) -> None:
        record = self.make()
        assert anonymous_api.get(f"{self.endpoint}/{record.pk}/").status_code == 401

    def test_retrieve_public_record_with_etag(self, reader_api: Api) -> None:
        record = self.make()
        response = reader_api.get(f"{self.endpoint}/{record.pk}/")
        assert response.status_code == 200
        body = response.json()
        assert body["id"] == record.pk
        assert body["display"] == str(record)
        assert body["url"].endswith(f"/api/v1/{self.endpoint}/{record.pk}/")
        assert response.headers["ETag"].startswith('W/"')

    def test_restricted_record_is_404_not_403_without_clearance(self, reader_api: Api) -> None:
        secret = self.make(visibility="restricted")
        response = reader_api.get(f"{self.endpoint}/{secret.pk}/")
        assert response.status_code == 404
        missing = reader_api.get(f"{self.endpoint}/{secret.pk + 100000}/")
        assert response.json() == missing.json()

    def test_restricted_record_is_shown_to_a_cleared_user(self, cleared_reader_api: Api) -> None:
        secret = self.make(visibility="restricted")
        response = cleared_reader_api.get(f"{self.endpoint}/{secret.pk}/")
        assert response.status_code == 200
        assert response.json()["visibility"] == "restricted"

    # --- rendering parameters -------------------------------------------------------
    def test_brief_fields_and_omit(self, reader_api: Api) -> None:
        record = self.make()
        brief = reader_api.get(f"{self.endpoint}/{record.pk}/", params={"brief": "1"}).json()
        assert set(brief) == self.brief_fields
        some = reader_api.get(self.endpoint, params={"fields": "id,display"}).json()["results"][0]
        assert set(some) == {"id", "display"}
        omitted = reader_api.get(f"{self.endpoint}/{record.pk}/", params={"omit": f"{self.omit_field},url"}).json()
        assert self.omit_field not in omitted
        assert "url" not in omitted
        assert "display" in omitted
        bad = reader_api.get(self.endpoint, params={"fields": "id,nonsense"})
        assert bad.status_code == 400
        assert bad.json()["errors"][0]["attr"] == "fields"

    # --- create -------------------------------------------------------------------
    def test_create_needs_authentication(self, anonymous_api: Api, transactional_db: None) -> None:
        payload = self.create_payload()
        assert anonymous_api.post(self.endpoint, payload).status_code == 401

    def test_create_needs_the_add_permission(self, reader_api: Api) -> None:
        response = reader_api.post(self.endpoint, self.create_payload())
        assert response.status_code == 403
        assert not self.model.objects.filter(pk__gt=0).exclude(pk__in=self._existing()).exists()

    def test_create_needs_a_write_enabled_token(self, read_only_token_writer_api: Api) -> None:
        response = read_only_token_writer_api.post(self.endpoint, self.create_payload())
        assert response.status_code == 403
        assert "read-only" in response.json()["errors"][0]["detail"]

    def test_create_with_permission_is_recorded_in_history(self, writer_api: Api) -> None:
        before = set(self._existing())
        response = writer_api.post(self.endpoint, self.create_payload())
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["id"] not in before
        assert response.headers["Location"] == body["url"]
        record = self.model.objects.get(pk=body["id"])
        history = record.history.get()
        assert history.history_type == "+"
        assert history.history_user == writer_api.user
        assert f"API token #{writer_api.token.pk}" in history.history_change_reason

    def test_create_rejects_json_of_the_wrong_type(self, writer_api: Api) -> None:
        response = writer_api.request("POST", self.endpoint, data="x=1", headers={"Content-Type": "text/plain"})
        assert response.status_code == 415
        assert response.json()["type"] == "client_error"

    # --- update -------------------------------------------------------------------
    def test_update_needs_authentication_and_permission(self, anonymous_api: Api, reader_api: Api) -> None:
        record = self.make()
        url = f"{self.endpoint}/{record.pk}/"
        assert anonymous_api.patch(url, self.update_payload()).status_code == 401
        assert reader_api.patch(url, self.update_payload()).status_code == 403

    def test_patch_with_permission(self, writer_api: Api) -> None:
        record = self.make()
        url = f"{self.endpoint}/{record.pk}/"
        etag = writer_api.get(url).headers["ETag"]
        payload = self.update_payload()
        response = writer_api.patch(url, payload, headers={"If-Match": etag})
        assert response.status_code == 200, response.json()
        for name, value in payload.items():
            if not isinstance(value, list | dict):
                assert response.json()[name] == value
        assert response.headers["ETag"] != etag
        assert record.history.latest().history_user == writer_api.user

    def test_put_replaces_the_record(self, writer_api: Api) -> None:
        record = self.make()
        payload = self.create_payload()
        response = writer_api.put(f"{self.endpoint}/{record.pk}/", payload)
        assert response.status_code == 200, response.json()
        assert response.json()["id"] == record.pk

    def test_restricted_record_cannot_be_changed_without_clearance(self, writer_api: Api) -> None:
        secret = self.make(visibility="restricted")
        response = writer_api.patch(f"{self.endpoint}/{secret.pk}/", self.update_payload())
        assert response.status_code == 404

    def test_making_a_record_restricted_needs_clearance(self, writer_api: Api) -> None:
        record = self.make()
        response = writer_api.patch(f"{self.endpoint}/{record.pk}/", {"visibility": "restricted"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "visibility"

    # --- delete -------------------------------------------------------------------
    def test_delete_needs_authentication_and_permission(self, anonymous_api: Api, reader_api: Api) -> None:
        record = self.make()
        url = f"{self.endpoint}/{record.pk}/"
        assert anonymous_api.delete(url).status_code == 401
        assert reader_api.delete(url).status_code == 403
        assert self.model.objects.filter(pk=record.pk).exists()

    def test_delete_with_permission(self, writer_api: Api) -> None:
        record = self.make_deletable()
        response = writer_api.delete(f"{self.endpoint}/{record.pk}/")
        assert response.status_code == 204
        assert not self.model.objects.filter(pk=record.pk).exists()
        assert record.history.latest().history_type == "-"

    def test_restricted_record_cannot_be_deleted_without_clearance(self, writer_api: Api) -> None:
        secret = self.make(visibility="restricted")
        assert writer_api.delete(f"{self.endpoint}/{secret.pk}/").status_code == 404
        assert self.model.objects.filter(pk=secret.pk).exists()

    def _existing(self) -> list[int]:
        return list(self.model.objects.values_list("pk", flat=True))


class TestNations(ResourceTests):
    endpoint = "nations"
    model = Nation
    brief_fields = {"id", "url", "display", "name", "iso3", "cow_code"}

    def make(self, **fields: Any) -> models.Model:
        return NationFactory(**fields)

    def create_payload(self) -> dict[str, Any]:
        return {"name": "Testland", "iso2": "qt", "iso3": "QTL", "cow_code": 1999, "region": "south_asia"}

    def update_payload(self) -> dict[str, Any]:
        return {"name": "Renamed Nation"}


class TestOrganizations(ResourceTests):
    endpoint = "organizations"
    model = Organization
    brief_fields = {"id", "url", "display", "name", "acronym"}

    def make(self, **fields: Any) -> models.Model:
        return OrganizationFactory(parent=OrganizationFactory(), **fields)

    def create_payload(self) -> dict[str, Any]:
        return {"name": "Ministry of Testing", "kind": "ministry_of_defense", "nation": NationFactory().iso3}

    def update_payload(self) -> dict[str, Any]:
        return {"acronym": "MOT"}


class TestMemberships(ResourceTests):
    endpoint = "memberships"
    model = Membership
    brief_fields = {"id", "url", "display", "joined_on"}

    def make(self, **fields: Any) -> models.Model:
        return MembershipFactory(**fields)

    def create_payload(self) -> dict[str, Any]:
        return {
            "organization": MultinationalFactory().pk,
            "nation": {"id": NationFactory().pk},
            "joined_on": "2004-03-29",
        }

    def update_payload(self) -> dict[str, Any]:
        return {"role": "observer"}


class TestPrograms(ResourceTests):
    endpoint = "programs"
    model = Program
    brief_fields = {"id", "url", "display", "name", "acronym"}

    def make(self, **fields: Any) -> models.Model:
        return ProgramFactory(lead_nation=NationFactory(), lead_organization=OrganizationFactory(), **fields)

    def create_payload(self) -> dict[str, Any]:
        return {
            "name": "Capacity Building Initiative",
            "program_type": "development",
            "objectives": ["capacity_building", "interoperability"],
            "lead_nation": NationFactory().pk,
        }

    def update_payload(self) -> dict[str, Any]:
        return {"description": "Updated through the API"}


class TestAgreements(ResourceTests):
    endpoint = "agreements"
    model = Agreement
    brief_fields = {"id", "url", "display", "title", "signed_on"}

    def make(self, **fields: Any) -> models.Model:
        agreement = self.make_deletable(**fields)
        ExerciseFactory(agreement=agreement)
        ResourceSharingFactory(agreement=agreement)
        return agreement

    def make_deletable(self, **fields: Any) -> models.Model:
        return bilateral_agreement(NationFactory(), NationFactory(), program=ProgramFactory(), **fields)

    def test_agreement_referred_to_by_exercises_cannot_be_deleted(self, writer_api: Api) -> None:
        agreement = self.make()
        response = writer_api.delete(f"agreements/{agreement.pk}/")
        assert response.status_code == 409
        assert "exercises" in response.json()["errors"][0]["detail"]
        assert Agreement.objects.filter(pk=agreement.pk).exists()

    def test_put_without_parties_clears_them_and_fails_the_bilateral_rule(self, writer_api: Api) -> None:
        agreement = self.make()
        payload = self.create_payload()
        del payload["parties"]
        response = writer_api.put(f"agreements/{agreement.pk}/", payload)
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {
                "code": "invalid",
                "detail": "A bilateral agreement has exactly two distinct parties; this one has 0.",
                "attr": "parties",
            }
        ]
        assert agreement.parties.count() == 2

    def test_repeated_provisions_are_stored_once_each_in_a_canonical_order(self, writer_api: Api) -> None:
        payload = self.create_payload()
        payload["provisions"] = ["logistics"] * 5_000 + ["consultation"] * 5_000 + ["logistics"]
        response = writer_api.post("agreements/", payload)
        assert response.status_code == 201, response.text[:500]
        assert response.json()["provisions"] == ["consultation", "logistics"]
        stored = Agreement.objects.get(pk=response.json()["id"])
        assert stored.provisions == ["consultation", "logistics"]
        assert stored.history.get().provisions == ["consultation", "logistics"]

    def create_payload(self) -> dict[str, Any]:
        first, second = NationFactory.create_batch(2)
        return {
            "title": "Memorandum on Maritime Cooperation",
            "kind": "mou",
            "scope": "bilateral",
            "status": "signed",
            "signed_on": "2020-01-31",
            "provisions": ["training_exercises", "logistics"],
            "parties": [{"nation": first.iso3}, {"nation": second.pk, "role": "party"}],
        }

    def update_payload(self) -> dict[str, Any]:
        return {"status": "in_force", "in_force_from": "2020-02-01", "short_name": "MMC"}


class TestExercises(ResourceTests):
    endpoint = "exercises"
    model = Exercise
    brief_fields = {"id", "url", "display", "name", "start_date"}

    def make(self, **fields: Any) -> models.Model:
        exercise = ExerciseFactory(program=ProgramFactory(), agreement=AgreementFactory(), **fields)
        ExerciseParticipantFactory(exercise=exercise, role="host")
        ExerciseParticipantFactory(exercise=exercise, nation=None, organization=OrganizationFactory())
        return exercise

    def create_payload(self) -> dict[str, Any]:
        return {
            "name": "Pacific Test 2026",
            "series": "Pacific Test",
            "kind": "field_training",
            "domains": ["sea", "air"],
            "status": "planned",
            "participants": [
                {"nation": NationFactory().pk, "role": "host", "personnel": 1200},
                {"organization": OrganizationFactory().pk, "role": "observer"},
            ],
        }

    def update_payload(self) -> dict[str, Any]:
        return {"status": "cancelled", "location": "Coral Sea"}


class TestResources(ResourceTests):
    endpoint = "resources"
    model = ResourceSharing
    brief_fields = {"id", "url", "display", "reference"}

    def make(self, **fields: Any) -> models.Model:
        return ResourceSharingFactory(program=ProgramFactory(), agreement=AgreementFactory(), **fields)

    def create_payload(self) -> dict[str, Any]:
        return {
            "provider_nation": NationFactory().pk,
            "recipient_organization": OrganizationFactory().pk,
            "category": "funding",
            "description": "Infrastructure at agreed locations",
            "value": "82000000.00",
            "currency": "USD",
            "status": "approved",
        }

    def update_payload(self) -> dict[str, Any]:
        return {"value": "85000000.00", "status": "in_progress", "designation": "AW101", "tiv_total": "75.000"}

    def sipri_payload(self, **fields: Any) -> dict[str, Any]:
        """A deal as SIPRI gives it: 6 helicopters ordered in 2007, delivered in 2010 and 2011."""
        return {
            "provider_nation": NationFactory().pk,
            "recipient_nation": NationFactory().pk,
            "category": "equipment",
            "description": "AW101 (transport helicopter)",
            "designation": "AW101",
            "condition": "New",
            "quantity": "6",
            "quantity_delivered": "6",
            "unit": "transport helicopter",
            "start_date": "2007-01-01",
            "start_date_precision": "year",
            "delivery_years": [2011, 2010, 2011],
            "tiv_unit": "12.5",
            "tiv_total": "75",
            "tiv_delivered": "75",
            "status": "completed",
            **fields,
        }

    def test_sipri_figures_are_written_and_read_back(self, writer_api: Api) -> None:
        response = writer_api.post(self.endpoint, self.sipri_payload())
        assert response.status_code == 201, response.json()
        body = writer_api.get(f"{self.endpoint}/{response.json()['id']}/").json()
        assert body["designation"] == "AW101"
        assert body["condition"] == "New"
        assert (body["quantity"], body["quantity_delivered"]) == ("6.00", "6.00")
        assert body["delivery_years"] == [2010, 2011]  # a set of years: in order, each once
        assert (body["tiv_unit"], body["tiv_total"], body["tiv_delivered"]) == ("12.500", "75.000", "75.000")
        record = ResourceSharing.objects.get(pk=body["id"])
        assert record.delivery_years == [2010, 2011]
        assert record.history.get().delivery_years == [2010, 2011]

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("tiv_total", "-1", "greater than or equal to 0"),
            ("tiv_unit", "-0.5", "greater than or equal to 0"),
            ("tiv_delivered", "-3", "greater than or equal to 0"),
            ("quantity_delivered", "-1", "greater than or equal to 0"),
            ("delivery_years", [1850], "greater than or equal to 1900"),
            ("delivery_years", [2010, 3000], "less than or equal to 2100"),
            ("delivery_years", [2005], "A delivery cannot come before the order: 2005 is before 2007"),
            ("delivery_years", "2010", "Expected a list"),
        ],
    )
    def test_sipri_figures_are_validated(self, writer_api: Api, field: str, value: Any, message: str) -> None:
        before = ResourceSharing.objects.count()
        response = writer_api.post(self.endpoint, self.sipri_payload(**{field: value}))
        assert response.status_code == 400
        (error,) = response.json()["errors"]
        assert error["attr"].split(".")[0] == field
        assert message in error["detail"]
        assert ResourceSharing.objects.count() == before

    def test_fields_omit_and_brief_select_the_sipri_figures(self, reader_api: Api) -> None:
        record = ResourceSharingFactory(designation="Kebir", tiv_total=55.8, delivery_years=[1982, 1983])
        some = reader_api.get(self.endpoint, params={"fields": "id,designation,tiv_total,delivery_years"}).json()
        assert some["results"] == [
            {"id": record.pk, "designation": "Kebir", "tiv_total": "55.800", "delivery_years": [1982, 1983]}
        ]
        omitted = reader_api.get(f"{self.endpoint}/{record.pk}/", params={"omit": "tiv_unit,tiv_total"}).json()
        assert "tiv_total" not in omitted
        assert "tiv_delivered" in omitted
        brief = reader_api.get(f"{self.endpoint}/{record.pk}/", params={"brief": "1", "fields": "id,tiv_total"}).json()
        assert brief == {"id": record.pk}

    def test_filters_by_delivery_year_designation_and_tiv(self, reader_api: Api) -> None:
        kebir = ResourceSharingFactory(designation="Kebir", tiv_total=55.8, delivery_years=[1982, 1983])
        lynx = ResourceSharingFactory(designation="Super Lynx", tiv_total=19, delivery_years=[2010, 2011])
        ResourceSharingFactory(designation="Kebir", tiv_total=1, visibility="restricted", delivery_years=[1983])

        def ids(**params: Any) -> list[int]:
            response = reader_api.get(self.endpoint, params=params)
            assert response.status_code == 200, response.json()
            return [row["id"] for row in response.json()["results"]]

        assert ids(delivery_year=1983) == [kebir.pk]
        assert sorted(ids(delivery_year=[1983, 2010])) == sorted([kebir.pk, lynx.pk])
        assert ids(delivery_year__n=1983) == [lynx.pk]
        assert ids(delivery_year=40000) == []
        assert ids(designation__ic="lynx") == [lynx.pk]
        assert ids(tiv_total__gte=20) == [kebir.pk]
        assert ids(ordering="-tiv_total") == [kebir.pk, lynx.pk]
        bad = reader_api.get(self.endpoint, params={"delivery_year": "1983a"})
        assert bad.status_code == 400
        assert bad.json()["errors"][0]["attr"] == "delivery_year"

    def test_schema_documents_the_sipri_figures(self, reader_api: Api) -> None:
        schema = reader_api.get(
            f"{reader_api.base}/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}
        )
        assert schema.status_code == 200
        document = schema.json()
        properties = document["components"]["schemas"]["ResourceSharing"]["properties"]
        for name in (
            "designation",
            "condition",
            "quantity_delivered",
            "delivery_years",
            "tiv_unit",
            "tiv_total",
            "tiv_delivered",
        ):
            assert properties[name].get("description"), name
        assert "trend-indicator value" in properties["tiv_total"]["description"]
        assert "not a price" in properties["tiv_delivered"]["description"]
        assert properties["delivery_years"]["items"]["minimum"] == 1900
        parameters = {p["name"] for p in document["paths"]["/api/v1/resources/"]["get"]["parameters"]}
        assert {"delivery_year", "delivery_year__n", "designation__ic", "tiv_delivered__gte"} <= parameters


def test_history_names_the_api_token_to_staff_only(writer_api: Api, live_server: Any) -> None:
    program = ProgramFactory(name="Before")
    assert writer_api.patch(f"programs/{program.pk}", {"name": "After"}).status_code == 200
    token = writer_api.token
    reason = program.history.latest().history_change_reason
    assert token.name in reason
    assert token.prefix in reason

    def history_as(user: Any) -> str:
        session = requests.Session()
        client = Client()
        client.force_login(user)
        session.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
        page = session.get(f"{live_server.url}/programs/{program.pk}/", timeout=30)
        assert page.status_code == 200
        return page.text

    for reader in (writer_api.user, UserFactory(username="analyst")):
        page = history_as(reader)
        assert "via an API token" in page
        assert token.name not in page
        assert token.prefix not in page
    staff_page = history_as(UserFactory(username="staffer", is_staff=True))
    assert token.name in staff_page
    assert f"ppr_{token.prefix}" in staff_page
