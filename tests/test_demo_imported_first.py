"""`load_demo` after the datasets were imported: the demo's treaty is the imported record, not a second one.

A file of its own because it needs a database without the demo, and tests/test_demo.py
holds the demo loaded for the whole module.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from partnerships.models import Agreement
from partnerships.services.demo import load_demo
from partnerships.services.nations import seed_nations
from tests.test_demo import NAT, _import_cow_227, _nato_parties, _snapshot

pytestmark = pytest.mark.django_db


def test_a_treaty_imported_before_the_demo_becomes_the_demo_treaty(tmp_path: Path) -> None:
    seed_nations()
    _import_cow_227(tmp_path)
    imported = Agreement.objects.get(sources__dataset="cow-alliances", sources__dataset_id="227")
    assert imported.follows == "cow-alliances"

    result = load_demo()
    assert result.adopted["agreements"] == 1
    treaty = Agreement.objects.get(title=NAT)
    assert treaty.pk == imported.pk
    assert not Agreement.objects.filter(title__startswith="COW alliance").exists()
    assert Agreement.objects.filter(sources__dataset="cow-alliances", sources__dataset_id="227").count() == 1
    assert treaty.follows == ""
    assert not treaty.sources.filter(followed=True).exists()
    assert {source.key for source in treaty.sources.all()} == {"cow-alliances:227", "atop:3180"}
    assert treaty.short_name == "Washington Treaty"
    assert treaty.in_force_from == datetime.date(1949, 8, 24)
    assert treaty.parties.count() == _nato_parties()
    assert "members" in treaty.sources.get(dataset="cow-alliances").differs

    before = _snapshot()
    again = load_demo()
    assert sum(again.created.values()) == 0
    assert not again.adopted
    assert _snapshot() == before
    _import_cow_227(tmp_path)  # and a re-import leaves the curated treaty as it is
    assert _snapshot() == before


def test_the_demo_loads_after_the_published_nation_lists() -> None:
    """ISO list then COW states, as the README orders them, then the demo: one South Korea, the demo's KOR."""
    from django.core.management import call_command

    from partnerships.models import Exercise, Nation

    data = Path(__file__).resolve().parents[1] / "data"
    call_command("import_data", "countries", str(data / "countries" / "country-codes.csv"), verbosity=0)
    call_command("import_data", "cow-states", str(data / "cow" / "states2016.csv"), verbosity=0)

    load_demo()

    south = Nation.objects.get(iso3="KOR")
    assert (south.cow_code, south.cow_abbr) == (732, "ROK")
    assert Nation.objects.get(cow_code=730).iso3 is None  # COW's Korea, until 1905
    assert Exercise.objects.filter(participants__nation=south).exists()


def test_an_organization_imported_under_its_acronym_becomes_the_demo_organization(tmp_path: Path) -> None:
    """SIPRI's register names NATO "NATO**": the demo's North Atlantic Treaty Organization is that record."""
    from partnerships.models import Organization
    from partnerships.services.importers import IMPORTERS

    seed_nations()
    data = Path(__file__).resolve().parents[1] / "data"
    lines = (data / "sipri" / "uk-trade-register.csv").read_bytes().decode("cp1252").splitlines()
    nato_rows = [line for line in lines[1:] if line.startswith("NATO**,")]
    assert len(nato_rows) >= 3  # the register's own rows, unchanged
    register = tmp_path / "uk-trade-register.csv"
    register.write_text("\n".join([lines[0], *nato_rows]) + "\n", encoding="utf-8")
    IMPORTERS["sipri"]().run(register)
    imported = Organization.objects.get(name__iexact="NATO", nation=None)

    load_demo()

    nato = Organization.objects.filter(nation=None, acronym__iexact="NATO") | Organization.objects.filter(
        nation=None, name__iexact="NATO"
    )
    assert list(nato.distinct().values_list("pk", flat=True)) == [imported.pk]
    assert not Organization.objects.filter(name="North Atlantic Treaty Organization").exclude(pk=imported.pk).exists()
    # The demo's NATO rows (memberships, Partnership for Peace parties) link to it.
    assert imported.memberships.exists()
    assert load_demo().created.get("organizations", 0) == 0
