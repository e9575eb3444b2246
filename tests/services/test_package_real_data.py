"""The data package of a registry holding real published datasets and the demo records.

The nations (ISO and COW), the COW alliances with their parties by
period, sources and aliases, and the demo's programs, exercises, transfers
and assessments, with a few records restricted: frictionless finds the
package valid, a registry loaded from it exports the same bytes, and a
public package holds none of the restricted records nor links to them.

In a module of its own: the module-scoped import holds its transaction open until the module ends.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from partnerships.choices import Visibility
from partnerships.models import Agreement, AgreementAlias, Nation, Program
from partnerships.services.demo import load_demo
from partnerships.services.importers import IMPORTERS
from partnerships.services.nations import seed_nations
from partnerships.services.package import export_package
from partnerships.services.package_import import import_package
from tests.factories import UserFactory
from tests.services.package_helpers import csv_files, empty_registry, frictionless_problems, read_rows

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def real_registry(django_db_setup, django_db_blocker, tmp_path_factory):
    """Import the nations, COW and ATOP alliances and the demo once, restrict a few records, export the package."""
    from django.db import connection, transaction

    with django_db_blocker.unblock(), transaction.atomic():
        seed_nations()
        for kind, path in (
            ("countries", "countries/country-codes.csv"),
            ("cow-states", "cow/states2016.csv"),
            ("cow-alliances", "cow/alliance_v4.1_by_member.csv"),
        ):
            IMPORTERS[kind]().run(DATA / path)
        # Not ATOP as well: it would take a minute more, and COW's alliances already give parties by period,
        # sources and the curated list's aliases.
        load_demo()
        # An alliance with other names, a state that is party to alliances, a program agreements belong to.
        restricted = {
            "agreement": AgreementAlias.objects.order_by("agreement_id").first().agreement,
            "nation": Nation.objects.get(iso3="CUB"),
            "program": Program.objects.filter(agreements__isnull=False).order_by("pk").first(),
        }
        for record in restricted.values():
            type(record).objects.filter(pk=record.pk).update(visibility=Visibility.RESTRICTED)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        package = tmp_path_factory.mktemp("real") / "package"
        export_package(directory=package)
        yield {"package": package, "restricted": restricted}
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_real_package_holds_every_resource_and_is_valid_for_frictionless(real_registry) -> None:
    package = real_registry["package"]
    descriptor = json.loads((package / "datapackage.json").read_text())

    assert frictionless_problems(package) == []
    rows = {item["name"]: item["rows"] for item in descriptor["resources"]}
    assert rows["agreements"] == Agreement.objects.count() > 400
    empty = {name for name, count in rows.items() if count == 0}
    # No dataset gives organizations other names, nor sources for organizations, exercises or transfers.
    assert empty == {"organization-aliases", "organization-sources", "exercise-sources", "resource-sources"}
    assert {source["dataset"] for source in descriptor["sources"]} >= {"iso-3166", "cow-states", "cow-alliances"}
    assert descriptor["licenses"]


@pytest.mark.django_db
def test_a_registry_loaded_from_the_real_package_exports_the_same_bytes(real_registry, tmp_path: Path) -> None:
    package = real_registry["package"]
    empty_registry()

    import_package(directory=package)
    export_package(directory=tmp_path / "again")

    assert csv_files(tmp_path / "again") == csv_files(package)
    assert (tmp_path / "again" / "datapackage.json").read_bytes() == (package / "datapackage.json").read_bytes()


@pytest.mark.django_db
def test_the_real_public_package_holds_no_restricted_record_nor_link_to_one(real_registry, tmp_path: Path) -> None:
    restricted = real_registry["restricted"]
    export_package(directory=tmp_path / "public", user=UserFactory())
    package = tmp_path / "public"

    assert frictionless_problems(package) == []  # every link left names a row of the package
    for kind, resource in (("agreement", "agreements"), ("nation", "nations"), ("program", "programs")):
        assert str(restricted[kind].pk) not in {row["id"] for row in read_rows(package, resource)}, kind
    alias_ids = {str(pk) for pk in restricted["agreement"].aliases.values_list("pk", flat=True)}
    assert alias_ids
    assert not alias_ids & {row["id"] for row in read_rows(package, "agreement-aliases")}
    assert not any(row["program_id"] == str(restricted["program"].pk) for row in read_rows(package, "agreements"))
    cuba = str(restricted["nation"].pk)
    assert not any(row["nation_id"] == cuba for row in read_rows(package, "agreement-parties"))
    everything = b"".join(path.read_bytes() for path in package.rglob("*.csv"))
    assert restricted["agreement"].title.encode() not in everything
