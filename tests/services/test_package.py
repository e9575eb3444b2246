"""The registry as a data package: valid for frictionless, loaded back byte for byte, restricted records kept in.

A small registry made with the factories touches every resource; the real
published datasets are exported and loaded back in ``test_package_real_data.py``.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from partnerships import choices
from partnerships.models import Agreement, AgreementParty, Exercise, Nation, ResourceSharing
from partnerships.services.package import export_package
from partnerships.services.package_import import PackageInvalid, import_package
from partnerships.services.package_meta import describe_datasets
from partnerships.services.package_schema import RESOURCES, PackageError
from tests.factories import (
    AgreementAliasFactory,
    AgreementFactory,
    AgreementPartyFactory,
    AgreementSourceFactory,
    AssessmentChallengeFactory,
    AssessmentFactory,
    ChallengeTypeFactory,
    ExerciseFactory,
    ExerciseParticipantFactory,
    ExerciseSourceFactory,
    FindingFactory,
    MeasurementFactory,
    MembershipFactory,
    MultinationalFactory,
    NationFactory,
    NationSourceFactory,
    OrganizationAliasFactory,
    OrganizationFactory,
    OrganizationSourceFactory,
    ProgramFactory,
    ResourceSharingFactory,
    ResourceSourceFactory,
    UserFactory,
)
from tests.services.package_helpers import csv_files, empty_registry, frictionless_problems, read_rows, rewrite

RESTRICTED = choices.Visibility.RESTRICTED
# Names given only to restricted records: none of them may appear in a package of public records.
SECRET_NAMES = (
    "Zedland",
    "QZZ",
    "Shadow Program",
    "Secret Accord",
    "Quiet Alias",
    "Hidden Directorate",
    "Covert Drill",
)


@pytest.fixture
def registry(db) -> dict[str, object]:
    """A registry with a row in every resource, and restricted records linked from public ones."""
    first, second = NationFactory(name="Aland"), NationFactory(name="Borduria")
    hidden_nation = NationFactory(name="Zedland", iso3="QZZ", visibility=RESTRICTED)
    hidden_program = ProgramFactory(name="Shadow Program", visibility=RESTRICTED)
    hidden_org = OrganizationFactory(name="Hidden Directorate", nation=first, visibility=RESTRICTED)
    # Public records linking restricted ones: the links stay in the registry, not in a public package.
    army = OrganizationFactory(name="Army of Aland", nation=first, parent=hidden_org)
    OrganizationFactory(name="Zedland Navy", nation=hidden_nation, visibility=RESTRICTED)
    OrganizationAliasFactory(organization=army, name="Aland Land Forces")
    NationSourceFactory(record=first, dataset="cow-states", dataset_id="ALA", followed=True)
    OrganizationSourceFactory(record=army, dataset="sipri", dataset_id="Aland Army")
    alliance = MultinationalFactory(name="Northern Alliance")
    MembershipFactory(organization=alliance, nation=first)
    MembershipFactory(organization=alliance, nation=hidden_nation, joined_on=datetime.date(1960, 1, 1))
    agreement = AgreementFactory(
        title="Treaty of Friendship", program=hidden_program, scope=choices.AgreementScope.MULTILATERAL
    )
    AgreementPartyFactory(agreement=agreement, nation=first, obligations=None)
    AgreementPartyFactory(
        agreement=agreement,
        nation=second,
        joined_on=datetime.date(2014, 6, 25),
        withdrew_on=datetime.date(2018, 1, 1),
        withdrew_on_precision=choices.DatePrecision.YEAR,
        obligations=[],
    )
    AgreementPartyFactory(
        agreement=agreement, nation=second, joined_on=datetime.date(2020, 1, 1), obligations=["consultation"]
    )
    AgreementPartyFactory(agreement=agreement, nation=None, organization=hidden_org)
    AgreementAliasFactory(agreement=agreement, name="ToF", kind=choices.AliasKind.ACRONYM)
    AgreementSourceFactory(
        record=agreement,
        dataset="cow-alliances",
        dataset_id="901",
        values={"members": [{"ccode": 2, "entered": "1950-01-01"}], "defense": 1},
        crosswalk=["atop:3180"],
        differs=["members"],
        imported_at=timezone.now(),
    )
    secret = AgreementFactory(title="Secret Accord", visibility=RESTRICTED)
    AgreementPartyFactory(agreement=secret, nation=first)
    AgreementPartyFactory(agreement=secret, nation=hidden_nation)
    AgreementAliasFactory(agreement=secret, name="Quiet Alias")
    AgreementSourceFactory(record=secret, dataset="atop", dataset_id="9999")
    exercise = ExerciseFactory(
        name="Balikatan 2024",
        domains=[choices.Domain.SEA, choices.Domain.LAND],
        latitude=Decimal("14.5995000"),
        longitude=Decimal("120.9842000"),
        location_country=first,
        agreement=secret,
    )
    ExerciseParticipantFactory(exercise=exercise, nation=first, role=choices.ParticipantRole.HOST, personnel=5000)
    ExerciseSourceFactory(record=exercise, dataset="mme", dataset_id="1234")
    ExerciseParticipantFactory(exercise=exercise, nation=hidden_nation)
    drill = ExerciseFactory(name="Covert Drill", visibility=RESTRICTED)
    transfer = ResourceSharingFactory(
        provider_nation=first,
        recipient_nation=second,
        delivery_years=[2016, 2015],
        tiv_total=Decimal("12.345"),
        agreement=secret,
        program=hidden_program,
    )
    ResourceSourceFactory(record=transfer, dataset="sipri", dataset_id="77")
    ResourceSharingFactory(provider_nation=first, recipient_nation=hidden_nation, description="Hidden transfer")
    parent_type = ChallengeTypeFactory(name="Barriers")
    challenge = ChallengeTypeFactory(name="Language", parent=parent_type)
    review = AssessmentFactory(exercise=exercise, assessor=hidden_org)
    MeasurementFactory(assessment=review, baseline=Decimal("1.5"), distribution={"5": 3, "1": 2}, response_count=5)
    FindingFactory(assessment=review, owner=hidden_org)
    AssessmentChallengeFactory(assessment=review, challenge_type=challenge)
    AssessmentFactory(exercise=drill, title="Review of the drill")
    return {
        "nation": hidden_nation,
        "program": hidden_program,
        "organization": hidden_org,
        "agreement": secret,
        "exercise": drill,
        "army": army,
        "treaty": agreement,
    }


def test_every_resource_has_rows_and_the_package_is_valid_for_frictionless(registry, tmp_path: Path) -> None:
    result = export_package(directory=tmp_path / "package")

    assert frictionless_problems(tmp_path / "package") == []
    assert all(result.rows[resource.name] > 0 for resource in RESOURCES), result.rows
    descriptor = json.loads((tmp_path / "package" / "datapackage.json").read_text())
    assert [item["name"] for item in descriptor["resources"]] == [resource.name for resource in RESOURCES]
    assert descriptor["registry"]["migration"].startswith("partnerships.0")
    assert descriptor["registry"]["content_hash"] == result.content_hash
    assert {source["dataset"] for source in descriptor["sources"]} >= {"cow-alliances", "atop"}
    parties = next(item for item in descriptor["resources"] if item["name"] == "agreement-parties")
    assert {"fields": ["agreement_id"], "reference": {"resource": "agreements", "fields": ["id"]}} in parties["schema"][
        "foreignKeys"
    ]
    status = next(f for f in descriptor["resources"][4]["schema"]["fields"] if f["name"] == "status")
    assert status["constraints"]["enum"] == choices.AgreementStatus.values


def test_a_registry_loaded_from_a_package_exports_the_same_bytes(registry, tmp_path: Path) -> None:
    export_package(directory=tmp_path / "first")
    empty_registry()

    loaded = import_package(directory=tmp_path / "first")
    export_package(directory=tmp_path / "second")

    assert loaded.rows["agreement-parties"] == AgreementParty.objects.count() == 6
    assert csv_files(tmp_path / "second") == csv_files(tmp_path / "first")
    assert (tmp_path / "second" / "datapackage.json").read_bytes() == (
        tmp_path / "first" / "datapackage.json"
    ).read_bytes()
    # Obligations not set and obligations none are different facts; both come back as they were.
    assert sorted(AgreementParty.objects.filter(nation__name="Borduria").values_list("obligations", flat=True)) == [
        [],
        ["consultation"],
    ]
    assert AgreementParty.objects.get(nation__name="Aland", agreement=registry["treaty"]).obligations is None
    # The next record made gets a new id, not one of the package's.
    loaded_ids = set(Nation.objects.values_list("pk", flat=True))
    assert NationFactory().pk > max(loaded_ids)


def test_restricted_records_and_links_to_them_never_leave_without_permission(registry, tmp_path: Path) -> None:
    UserFactory(username="reader")
    call_command("export_data", "package", str(tmp_path / "public"), "--as-user", "reader")
    package = tmp_path / "public"

    assert frictionless_problems(package) == []  # every link left names a row of the package
    everything = b"".join(path.read_bytes() for path in package.rglob("*") if path.is_file())
    for name in SECRET_NAMES:
        assert name.encode() not in everything, name
    for kind, resource in (
        ("nation", "nations"),
        ("program", "programs"),
        ("organization", "organizations"),
        ("agreement", "agreements"),
        ("exercise", "exercises"),
    ):
        assert str(registry[kind].pk) not in {row["id"] for row in read_rows(package, resource)}, kind
    army = next(row for row in read_rows(package, "organizations") if row["id"] == str(registry["army"].pk))
    assert army["parent_id"] == ""
    treaty = next(row for row in read_rows(package, "agreements") if row["id"] == str(registry["treaty"].pk))
    assert treaty["program_id"] == ""
    assert {row["nation_id"] for row in read_rows(package, "exercise-participants")} == {
        str(Nation.objects.get(name="Aland").pk)
    }
    assert json.loads((package / "datapackage.json").read_text())["registry"]["view"] == "public records only"


def test_a_registry_loaded_from_a_public_package_exports_the_same_bytes(registry, tmp_path: Path) -> None:
    export_package(directory=tmp_path / "public", user=UserFactory())
    empty_registry()

    import_package(directory=tmp_path / "public")
    export_package(directory=tmp_path / "again")

    assert csv_files(tmp_path / "again") == csv_files(tmp_path / "public")
    assert not Nation.objects.filter(name="Zedland").exists()


def test_a_user_allowed_restricted_records_exports_them(registry, tmp_path: Path) -> None:
    UserFactory(username="cleared", permissions=["partnerships.view_restricted"])
    export_package(directory=tmp_path / "everything")
    call_command("export_data", "package", str(tmp_path / "cleared"), "--as-user", "cleared")

    assert csv_files(tmp_path / "cleared") == csv_files(tmp_path / "everything")
    assert str(registry["agreement"].pk) in {row["id"] for row in read_rows(tmp_path / "cleared", "agreements")}


def test_a_package_loads_only_into_an_empty_registry(registry, tmp_path: Path) -> None:
    call_command("export_data", "package", str(tmp_path / "package"))

    with pytest.raises(CommandError, match=r"not empty \(it has 3 nations, .*2 agreements"):
        call_command("import_data", "package", str(tmp_path / "package"))


def test_a_package_is_written_only_into_a_new_folder(registry, tmp_path: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")

    with pytest.raises(PackageError, match="not an empty folder"):
        export_package(directory=tmp_path / "used")
    assert [path.name for path in (tmp_path / "used").iterdir()] == ["notes.txt"]
    assert [path.name for path in tmp_path.iterdir()] == ["used"]  # nothing half-written beside it


def test_bad_cells_are_reported_by_resource_row_and_field_and_nothing_is_written(registry, tmp_path: Path) -> None:
    package = tmp_path / "package"
    export_package(directory=package)
    empty_registry()

    def spoil_agreements(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        rows[0]["status"] = "dreaming"
        rows[1]["signed_on"] = "14 April 2014"
        return rows

    def spoil_parties(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        rows[2]["agreement_id"] = "999999"
        rows[3]["obligations"] = '["mutual_defense","world_peace"]'
        return rows

    rewrite(package, "agreements", spoil_agreements)
    rewrite(package, "agreement-parties", spoil_parties)

    with pytest.raises(PackageInvalid) as raised:
        import_package(directory=package)
    assert raised.value.problems == [
        "resource agreements, row 2, field status: “dreaming” is not one of "
        + ", ".join(choices.AgreementStatus.values),
        "resource agreements, row 3, field signed_on: “14 April 2014” is not an ISO 8601 date",
        "resource agreement-parties, row 4, field agreement_id: no row of agreements has id 999999",
        "resource agreement-parties, row 5, field obligations: “world_peace” is not one of "
        + ", ".join(choices.Provision.values),
    ]
    assert not Nation.objects.exists()
    assert frictionless_problems(package)  # frictionless agrees the package is broken


def test_a_link_within_a_resource_and_a_repeated_id_are_reported(registry, tmp_path: Path) -> None:
    package = tmp_path / "package"
    export_package(directory=package)
    empty_registry()

    def spoil_parent(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        rows[0]["parent_id"] = "999999"
        return rows

    rewrite(package, "organizations", spoil_parent)
    rewrite(package, "programs", lambda rows: [*rows, {**rows[0], "name": "Another program"}])

    with pytest.raises(PackageInvalid) as raised:
        import_package(directory=package)
    program = registry["program"].pk
    assert raised.value.problems == [
        "resource organizations, row 2, field parent_id: no row of organizations has id 999999",
        f"resource programs, row 3, field id: {program} is the id of an earlier row",
    ]


def test_a_file_changed_after_the_export_is_refused(registry, tmp_path: Path) -> None:
    package = tmp_path / "package"
    export_package(directory=package)
    empty_registry()
    path = package / "data" / "nations.csv"
    path.write_bytes(path.read_bytes().replace(b"Aland", b"Aaland"))

    with pytest.raises(PackageInvalid, match=r"data/nations\.csv is not the file the package was written with"):
        import_package(directory=package)


def test_a_missing_column_is_named(registry, tmp_path: Path) -> None:
    package = tmp_path / "package"
    export_package(directory=package)
    empty_registry()
    rewrite(package, "exercises", lambda rows: [{k: v for k, v in row.items() if k != "series"} for row in rows])

    with pytest.raises(PackageInvalid, match=r"resource exercises: missing column\(s\): series"):
        import_package(directory=package)


def test_a_row_the_database_refuses_is_named_and_nothing_is_written(registry, tmp_path: Path) -> None:
    package = tmp_path / "package"
    export_package(directory=package)
    empty_registry()

    def overlap(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        # A second row of the first party, for a period overlapping its first one.
        return [*rows, {**rows[0], "id": "999999"}]

    rewrite(package, "agreement-parties", overlap)

    with pytest.raises(PackageError, match=r"resource agreement-parties, row 8: This nation is already a party"):
        import_package(directory=package)
    assert not Nation.objects.exists()
    assert not Agreement.objects.exists()


def test_a_dry_run_writes_nothing(registry, tmp_path: Path) -> None:
    export_package(directory=tmp_path / "package")
    empty_registry()

    result = import_package(directory=tmp_path / "package", dry_run=True)

    assert result.rows["nations"] == 3
    assert not Nation.objects.exists()


def test_since_a_previous_package_the_changelog_lists_rows_added_changed_and_removed(registry, tmp_path: Path) -> None:
    export_package(directory=tmp_path / "v1")
    added = AgreementFactory(title="Accord of 2026")
    renamed = Exercise.objects.get(name="Balikatan 2024")
    renamed.name, renamed.series = "Balikatan 2024 (revised)", "Balikatan"
    renamed.save()
    removed = ResourceSharing.objects.get(description="Hidden transfer")
    removed_id = removed.pk
    removed.delete()

    call_command("export_data", "package", str(tmp_path / "v2"), "--since", str(tmp_path / "v1"))
    package = tmp_path / "v2"

    assert frictionless_problems(package) == []
    changes = read_rows(package, "../changes")  # changes.csv, beside data/
    assert {
        "resource": "agreements",
        "id": str(added.pk),
        "change": "added",
        "fields": "",
        "label": "Accord of 2026",
    } in changes
    assert {
        "resource": "exercises",
        "id": str(renamed.pk),
        "change": "changed",
        "fields": "name;series",
        "label": "Balikatan 2024 (revised)",
    } in changes
    assert {"resource": "resources", "id": str(removed_id), "change": "removed", "fields": ""}.items() <= next(
        row for row in changes if row["resource"] == "resources"
    ).items()
    assert len(changes) == 3
    changelog = (package / "CHANGELOG.md").read_text()
    assert "| agreements | 1 | 0 | 0 |" in changelog
    assert "| exercises | 0 | 1 | 0 |" in changelog
    assert "| resources | 0 | 0 | 1 |" in changelog
    assert f"- id {renamed.pk} Balikatan 2024 (revised) — name, series" in changelog
    descriptor = json.loads((package / "datapackage.json").read_text())
    previous = json.loads((tmp_path / "v1" / "datapackage.json").read_text())
    assert descriptor["changes"]["since"]["content_hash"] == previous["registry"]["content_hash"]
    assert descriptor["registry"]["content_hash"] != previous["registry"]["content_hash"]


def test_a_public_changelog_cannot_be_made_against_a_package_with_restricted_records(registry, tmp_path: Path) -> None:
    UserFactory(username="reader")
    export_package(directory=tmp_path / "v1")

    with pytest.raises(CommandError, match="may hold restricted records"):
        call_command(
            "export_data", "package", str(tmp_path / "v2"), "--since", str(tmp_path / "v1"), "--as-user", "reader"
        )
    assert [path.name for path in tmp_path.iterdir()] == ["v1"]  # neither the package nor its staging folder


def test_the_datasets_are_described_by_the_projects_manifest() -> None:
    """Each shipped dataset as ``data/manifest.json`` gives it (read here straight from the file); any other by name."""
    entries = {
        entry["kind"]: entry for entry in json.loads((settings.BASE_DIR / "data/manifest.json").read_text())["datasets"]
    }

    sources, licences = describe_datasets(["cow-alliances", "iso-3166", "mme", "elsewhere"])

    cow = entries["cow-alliances"]
    assert sources == [
        {
            "dataset": "cow-alliances",
            "title": cow["title"],
            "path": cow["source_url"],
            "version": "4.1",
            "citation": cow["citation"],
        },
        {"dataset": "elsewhere", "title": "elsewhere"},
        # The countries importer's records carry the dataset name iso-3166.
        {
            "dataset": "iso-3166",
            "title": entries["countries"]["title"],
            "path": entries["countries"]["source_url"],
            "version": entries["countries"]["version"],
            "citation": entries["countries"]["citation"],
        },
        {
            "dataset": "mme",
            "title": entries["mme"]["title"],
            "path": "https://doi.org/10.7910/DVN/KHFODX",
            "version": entries["mme"]["version"],
            "citation": entries["mme"]["citation"],
        },
    ]
    assert {**cow["licence"], "datasets": ["cow-alliances"]} in licences
    assert {**entries["countries"]["licence"], "datasets": ["iso-3166"]} in licences
    assert licences[[licence.get("name") for licence in licences].index("ODC-PDDL-1.0")]["datasets"] == ["iso-3166"]


def test_a_broken_manifest_is_reported_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(PackageError, match=r"The datasets' sources cannot be read: .*manifest\.json is malformed"):
        describe_datasets(["mme"], data_dir=tmp_path)
