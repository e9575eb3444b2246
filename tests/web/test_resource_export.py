"""The resource-sharing list's CSV export: built from ``values()`` rows, the same file the list's columns give."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerships.models import ResourceSharing
from partnerships.web import lists
from tests.factories import NationFactory, OrganizationFactory, ResourceSharingFactory, ResourceSourceFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def _export(client: Client, params: dict | None = None) -> str:
    response = client.get(reverse("partnerships:resource-list"), {**(params or {}), "export": "csv"})
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def _instance_export(client: Client, monkeypatch: pytest.MonkeyPatch, params: dict | None = None) -> str:
    """The export as the list's columns write it from model instances (no ``export_rows``)."""
    with monkeypatch.context() as patch:
        patch.setitem(lists.LIST_PAGES, "resource", dataclasses.replace(lists.RESOURCES, export_rows=None))
        return _export(client, params)


@pytest.fixture
def deals(db) -> dict:
    shy = NationFactory(name="Shyland", visibility="restricted")
    navy = OrganizationFactory(name="Navy, of Aland", acronym="AN", nation=NationFactory(name="Aland"))
    hidden_navy = OrganizationFactory(name="Shy Navy", acronym="SN", nation=shy)  # public, its nation is not
    secret_unit = OrganizationFactory(name="Secret Unit", visibility="restricted")
    multinational = OrganizationFactory(name="Alliance", acronym="", nation=None)
    sipri = ResourceSharingFactory(
        reference="",
        description="=cmd| an order described at length, longer than sixty characters, cut in the list",
        provider_organization=navy,
        provider_nation=None,
        recipient_organization=hidden_navy,
        recipient_nation=None,
        quantity=Decimal("12.500"),
        quantity_delivered=Decimal("4"),
        value=Decimal("1234.50"),
        currency="EUR",
        start_date=D(2007, 1, 1),
        start_date_precision="year",
        status="delivered",
        designation="AW101",
        condition="second hand",
        delivery_years=[2008, 2009],
        tiv_unit=Decimal("5.800"),
        tiv_total=Decimal("75.000"),
        tiv_delivered=Decimal("23.2"),
    )
    ResourceSourceFactory(record=sipri, dataset="sipri")
    ResourceSourceFactory(record=sipri, dataset="cow-alliances", differs=["value"])
    plain = ResourceSharingFactory(recipient_organization=multinational, recipient_nation=None, quantity=None)
    ResourceSourceFactory(record=plain, dataset="")
    return {
        "sipri": sipri,
        "plain": plain,
        "secret": ResourceSharingFactory(reference="SECRET-DEAL", visibility="restricted"),
        "to_shy": ResourceSharingFactory(reference="TO-SHY", recipient_nation=shy),
        "from_unit": ResourceSharingFactory(
            reference="FROM-UNIT", provider_organization=secret_unit, provider_nation=None
        ),
    }


def test_the_export_is_the_file_the_columns_write_from_model_instances(
    deals: dict, analyst_client: Client, cleared_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    for client in (analyst_client, cleared_client):
        for params in ({}, {"ordering": "-value"}, {"q": "Patrol"}):
            assert _export(client, params) == _instance_export(client, monkeypatch, params)


def test_the_export_leaves_out_restricted_records_and_names_no_restricted_actor(
    deals: dict, analyst_client: Client, cleared_client: Client
) -> None:
    text = _export(analyst_client)
    assert text.rstrip().endswith("# complete: 2 rows")
    for hidden in ("SECRET-DEAL", "TO-SHY", "FROM-UNIT", "Shyland", "Secret Unit"):
        assert hidden not in text
    assert "Shy Navy (SN)" in text  # its nation, restricted, is not named
    assert '"Navy, of Aland (AN, Aland)"' in text
    assert "'=cmd| an order" in text  # a spreadsheet formula is neutralised
    assert "COW · sipri ≠" in text  # datasets by short name where they have one; one of them differs
    cleared = _export(cleared_client)
    assert cleared.rstrip().endswith("# complete: 5 rows")
    assert "Shy Navy (SN, Shyland)" in cleared
    assert "Secret Unit" in cleared


def test_the_export_takes_the_same_queries_for_a_few_rows_as_for_thousands(deals: dict, analyst_client: Client) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            _export(analyst_client)
        return len(captured)

    few = queries()
    template = deals["plain"]
    ResourceSharing.objects.bulk_create(
        ResourceSharing(
            reference=f"BULK-{n}",
            provider_nation_id=template.provider_nation_id,
            recipient_nation_id=template.recipient_nation_id,
            recipient_organization_id=template.recipient_organization_id,
            category=template.category,
            description="Bulk",
            status=template.status,
            start_date=D(2001, 1, 1),
        )
        for n in range(2_100)
    )
    assert queries() == few
