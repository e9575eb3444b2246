"""Generated titles of dataset agreements: described from the record, kept up to date, never over staff's title."""

from __future__ import annotations

from pathlib import Path

import pytest

from partnerships.choices import TitleOrigin
from partnerships.models import Agreement, Nation
from partnerships.services.nations import seed_nations
from partnerships.services.records import save_record
from partnerships.services.titles import generated_title
from tests.factories import with_source
from tests.services.test_importers import ALLIANCE_HEADER, run, write

US_UK = [
    "9201,2,United States,1,1,1990,,,,Type I: Defense Pact,1,1,1990,,,,0,1,1,0,0,0,4.1",
    "9201,200,United Kingdom,1,1,1990,,,,Type I: Defense Pact,1,1,1990,,,,0,1,1,0,0,0,4.1",
]
CANADA = "9201,20,Canada,1,1,1990,,,,Type I: Defense Pact,1,1,1990,,,,0,1,1,0,0,0,4.1"


def _import(tmp_path: Path, rows: list[str]) -> Agreement:
    report = run("cow-alliances", write(tmp_path, ALLIANCE_HEADER + "\n" + "\n".join(rows)))
    assert report.committed, report.summary()
    return Agreement.objects.get(sources__dataset="cow-alliances", sources__dataset_id="9201")


def _name(cow_code: int) -> str:
    return Nation.objects.get(cow_code=cow_code).name


def test_a_title_names_the_strongest_obligation_the_first_members_and_the_year() -> None:
    names = ["United States", "Canada", "United Kingdom", "France", "Belgium"]
    assert (
        generated_title(provisions=["consultation", "mutual_defense"], names=names + ["Italy"] * 7, year=1949)
        == "Defense pact: United States, Canada, United Kingdom and 9 others, 1949"
    )
    assert generated_title(provisions=["non_aggression"], names=names[:2], year=1939) == (
        "Non-aggression pact: United States and Canada, 1939"
    )
    assert generated_title(provisions=["consultation"], names=names[:3], year=None) == (
        "Consultation (entente) agreement: United States, Canada and United Kingdom"
    )
    # A member the title may not name (a restricted record) is only counted.
    assert generated_title(provisions=["neutrality"], names=["Canada"], unnamed=1, year=1990) == (
        "Neutrality pact: Canada and 1 other, 1990"
    )


@pytest.mark.django_db
def test_an_imported_alliance_is_described_and_its_title_follows_its_members(tmp_path: Path) -> None:
    seed_nations()
    agreement = _import(tmp_path, US_UK)
    assert agreement.title_origin == TitleOrigin.GENERATED
    assert agreement.title == f"Defense pact: {_name(2)} and {_name(200)}, 1990"
    history = agreement.history.count()

    agreement = _import(tmp_path, US_UK)  # a re-import changes nothing
    assert agreement.history.count() == history

    agreement = _import(tmp_path, [*US_UK, CANADA])
    assert agreement.title == f"Defense pact: {_name(2)}, {_name(200)} and {_name(20)}, 1990"
    assert agreement.history.latest().title == agreement.title


@pytest.mark.django_db
def test_a_title_staff_typed_survives_a_reimport(tmp_path: Path) -> None:
    seed_nations()
    agreement = _import(tmp_path, US_UK)
    save_record(instance=agreement, fields={"title": "Atlantic Defense Accord"})
    agreement.refresh_from_db()
    assert agreement.title_origin == TitleOrigin.STAFF

    agreement = _import(tmp_path, [*US_UK, CANADA])
    assert agreement.title == "Atlantic Defense Accord"
    assert agreement.title_origin == TitleOrigin.STAFF
    assert agreement.parties.count() == 3


@pytest.mark.django_db
def test_a_write_that_changes_the_parties_describes_the_agreement_again(tmp_path: Path) -> None:
    seed_nations()
    agreement = _import(tmp_path, US_UK)
    canada = Nation.objects.get(cow_code=20)
    rows = [{"nation": party.nation, "joined_on": party.joined_on} for party in agreement.parties.all()]
    save_record(
        instance=agreement,
        fields={"title": agreement.title, "scope": "multilateral"},
        rows_relation="parties",
        rows=[*rows, {"nation": canada}],
    )
    agreement.refresh_from_db()
    assert agreement.title_origin == TitleOrigin.GENERATED
    assert agreement.title.endswith(f"and {canada.name}, 1990")


@pytest.mark.django_db
def test_two_records_of_the_same_alliance_are_told_apart_by_their_dataset(tmp_path: Path) -> None:
    seed_nations()
    first = _import(tmp_path, US_UK)
    twin = Agreement.objects.get(pk=first.pk)
    twin.pk = twin.id = None
    twin.title = "ATOP alliance 9999"
    twin.save()
    with_source(twin, "atop", "9999")
    for party in first.parties.all():
        party.pk = party.id = None
        party.agreement = twin
        party.save()
    from partnerships.services.titles import refresh_generated_title

    assert refresh_generated_title(twin)
    assert twin.title == f"{first.title} (ATOP 9999)"
    assert not refresh_generated_title(twin)


@pytest.mark.django_db
def test_an_import_gives_a_curated_treaty_its_name_and_the_command_changes_nothing_after(tmp_path: Path) -> None:
    from io import StringIO

    from django.core.management import call_command

    seed_nations()
    rows = [
        f"227,{code},{name},4,4,1949,,,,Type I: Defense Pact,4,4,1949,,,,0,1,1,0,0,0,4.1"
        for code, name in ((2, "United States"), (20, "Canada"), (200, "United Kingdom"))
    ]
    run("cow-alliances", write(tmp_path, ALLIANCE_HEADER + "\n" + "\n".join(rows)))
    nato = Agreement.objects.get(sources__dataset="cow-alliances", sources__dataset_id="227")
    assert (nato.title, nato.title_origin) == ("North Atlantic Treaty", TitleOrigin.REFERENCE)
    assert {"NATO", "Washington Treaty", "Traité de l'Atlantique Nord"} <= set(
        nato.aliases.values_list("name", flat=True)
    )
    history = (nato.history.count(), nato.aliases.count())
    out = StringIO()
    call_command("apply_reference_names", stdout=out)
    assert "0 generated titles rewritten; curated list: 0 agreements retitled, 0 aliases added" in out.getvalue()
    assert (nato.history.count(), nato.aliases.count()) == history
    # Staff's title stays: the list then only adds the aliases staff may have removed.
    save_record(instance=nato, fields={"title": "Treaty of Washington"})
    nato.aliases.filter(name="NATO").delete()
    call_command("apply_reference_names", stdout=out)
    nato.refresh_from_db()
    assert nato.title == "Treaty of Washington"
    assert nato.aliases.filter(name="North Atlantic Treaty").exists()
    assert nato.aliases.filter(name="NATO").exists()
