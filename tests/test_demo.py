"""`manage.py load_demo`: real, cited records, loaded once however often it runs."""

from __future__ import annotations

import datetime
import json
import shutil
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from partnerships.models import (
    Agreement,
    AgreementSource,
    Assessment,
    AssessmentChallenge,
    ChallengeType,
    Exercise,
    Finding,
    Indicator,
    Measurement,
    Membership,
    Nation,
    Organization,
    Program,
    ResourceSharing,
)
from partnerships.services.demo import DemoDataError, load_demo
from partnerships.services.demo_files import DEMO_DIR, FILES
from partnerships.services.importers import IMPORTERS

pytestmark = pytest.mark.django_db
CITED_MODELS = [Organization, Membership, Program, Agreement, Exercise, ResourceSharing]
# What the demo's assessments bring: their catalogues (seeded by every run) and their evidence.
ASSESSMENT_MODELS = [Indicator, ChallengeType, Assessment, Measurement, Finding, AssessmentChallenge]


@pytest.fixture(scope="module")
def loaded_once(django_db_setup, django_db_blocker):
    """Load the demo once for the module, inside a transaction rolled back at its end.

    Each test still runs in its own savepoint, so tests that change records
    leave nothing behind for the next one.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("load_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(loaded_once: str, db) -> str:
    return loaded_once


def _snapshot() -> dict[str, tuple[int, int, object]]:
    """Return, per model, the row count, the history row count and the latest update time."""
    snapshot = {}
    for model in [Nation, *CITED_MODELS, AgreementSource, *ASSESSMENT_MODELS]:
        latest = model.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
        snapshot[model.__name__] = (model.objects.count(), model.history.count(), latest)
    return snapshot


def test_load_demo_twice_changes_nothing(demo: str) -> None:
    before = _snapshot()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert _snapshot() == before
    assert "Demo data loaded: 0 records created." in out.getvalue()


def test_load_demo_reports_what_it_created(demo: str) -> None:
    assert f"agreements: {Agreement.objects.count()} created, 0 already present" in demo
    assert f"exercises: {Exercise.objects.count()} created, 0 already present" in demo
    created = int(demo.rsplit("Demo data loaded: ", 1)[1].split()[0])
    assert created == sum(model.objects.count() for model in [Nation, *CITED_MODELS, AgreementSource, Assessment])


def test_demo_assessments_are_marked_as_illustrative(demo: str) -> None:
    assessments = Assessment.objects.all()
    assert assessments.count() == 6
    for assessment in assessments:
        assert assessment.title.startswith("Illustrative:")
        assert assessment.summary.startswith("ILLUSTRATIVE DEMO DATA")
        assert "not a real assessment" in assessment.source_text
        assert assessment.source_url == ""
    assert Measurement.objects.filter(assessment__in=assessments).exclude(notes="Illustrative figure.").count() == 0
    # Enough evidence for the program's scorecard to answer its questions.
    assert Measurement.objects.filter(assessment__in=assessments, actual__isnull=False).count() >= 10
    assert Finding.objects.filter(kind="recommendation").exclude(status="done").exists()


def test_load_demo_leaves_an_editors_correction_alone(demo: str) -> None:
    edca = Agreement.objects.get(short_name="EDCA")
    edca.description = "Corrected by an editor"
    edca.save()
    call_command("load_demo", stdout=StringIO())
    edca.refresh_from_db()
    assert edca.description == "Corrected by an editor"


@pytest.mark.parametrize("model", CITED_MODELS, ids=lambda m: m.__name__)
def test_every_demo_record_carries_a_source_citation(demo: str, model) -> None:
    assert model.objects.exists()
    uncited = model.objects.filter(source_url="") | model.objects.filter(source_text="")
    assert not uncited.exists(), list(uncited)


def test_demo_has_nato_with_its_enlargement(demo: str) -> None:
    nato = Organization.objects.get(acronym="NATO")
    members = Membership.objects.filter(organization=nato)
    assert members.current(on=datetime.date(2024, 6, 1)).count() == 32
    assert members.get(nation__iso3="FIN").joined_on == datetime.date(2023, 4, 4)
    assert members.get(nation__iso3="SWE").joined_on == datetime.date(2024, 3, 7)
    assert members.current(on=datetime.date(1990, 1, 1)).count() == 16


def test_demo_nato_accession_of_1955_is_west_germanys_and_united_germany_continues_it(demo: str) -> None:
    nato = Organization.objects.get(acronym="NATO")
    west, germany = Nation.objects.get(cow_code=260), Nation.objects.get(iso3="DEU")
    assert (west.exists_from, west.exists_until) == (datetime.date(1955, 5, 5), datetime.date(1990, 10, 3))
    in_1960, in_2000 = datetime.date(1960, 1, 1), datetime.date(2000, 1, 1)
    members_1960 = set(
        Membership.objects.filter(organization=nato).current(on=in_1960).values_list("nation", flat=True)
    )
    assert west.pk in members_1960
    assert germany.pk not in members_1960
    treaty = Agreement.objects.get(title="North Atlantic Treaty")
    usa = Nation.objects.get(iso3="USA")
    partners_1960 = Agreement.objects.in_force(on=in_1960).involving(usa, on=in_1960)
    assert partners_1960.involving(west, on=in_1960).filter(pk=treaty.pk).exists()
    assert not partners_1960.involving(germany, on=in_1960).exists()  # no "Germany" beside West Germany in 1960
    assert Agreement.objects.involving(germany, on=in_2000).filter(pk=treaty.pk).exists()
    assert not Agreement.objects.involving(west, on=in_2000).exists()


def test_demo_has_the_partnership_for_peace_of_1994(demo: str) -> None:
    pfp = Program.objects.get(acronym="PfP")
    assert pfp.started_on.year == 1994
    framework = pfp.agreements.filter(kind="framework")
    assert framework.count() >= 6
    assert all(agreement.signed_on.year == 1994 for agreement in framework)
    assert framework.involving(Nation.objects.get(iso3="ROU")).exists()


def test_demo_has_edca_signed_in_2014_between_the_us_and_the_philippines(demo: str) -> None:
    edca = Agreement.objects.get(short_name="EDCA")
    assert edca.signed_on == datetime.date(2014, 4, 28)
    assert {party.nation.iso3 for party in edca.parties.all()} == {"USA", "PHL"}
    edca.validate_parties()
    assert Agreement.objects.in_force(on=datetime.date(2024, 1, 1)).filter(pk=edca.pk).exists()


def test_demo_has_aukus_fms_and_cooperative_threat_reduction(demo: str) -> None:
    aukus = Program.objects.get(acronym="AUKUS")
    assert aukus.started_on == datetime.date(2021, 9, 15)
    assert Program.objects.get(acronym="FMS").lead_organization.acronym == "DSCA"
    ctr = Program.objects.get(acronym="CTR")
    assert ctr.started_on.year == 1991
    for program in (aukus, ctr, Program.objects.get(acronym="FMS")):
        assert program.resources.exists(), program


@pytest.mark.parametrize("series", ["Balikatan", "RIMPAC", "Talisman Sabre", "Cobra Gold", "BALTOPS", "Malabar"])
def test_demo_has_real_exercises_with_participants(demo: str, series: str) -> None:
    editions = Exercise.objects.filter(series=series)
    assert editions.exists()
    for exercise in editions:
        assert exercise.participants.filter(role="host").exists(), exercise
        assert exercise.participants.count() >= 2, exercise


def test_demo_bilateral_agreements_have_two_parties(demo: str) -> None:
    for agreement in Agreement.objects.all():
        agreement.validate_parties()
        agreement.full_clean()


# --- the data files -------------------------------------------------------------------------------


def _entries(name: str) -> list[dict]:
    return json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))


def test_the_demo_records_are_those_of_the_data_files(demo: str) -> None:
    for spec in FILES:
        assert _entries(spec.file), spec.file
    assert set(Agreement.objects.values_list("title", flat=True)) == {e["title"] for e in _entries("agreements.json")}
    assert set(Exercise.objects.values_list("name", flat=True)) == {e["name"] for e in _entries("exercises.json")}
    assert Membership.objects.count() == len(_entries("memberships.json"))
    references = set(ResourceSharing.objects.values_list("reference", flat=True))
    assert references == {e["reference"] for e in _entries("resources.json")}
    assert Assessment.objects.count() == len(_entries("assessments.json"))
    treaty = Agreement.objects.get(title="North Atlantic Treaty")
    entry = next(e for e in _entries("agreements.json") if e["title"] == "North Atlantic Treaty")
    assert (treaty.source_url, treaty.source_text) == (entry["source_url"], entry["source_text"])
    assert treaty.parties.count() == len(entry["parties"])


def test_no_demo_record_is_a_python_literal_any_more() -> None:
    import importlib.util

    assert importlib.util.find_spec("partnerships.services.demo_data") is None
    assert importlib.util.find_spec("partnerships.services.demo_assessments") is None


def _copy(tmp_path: Path, name: str, change: Callable[[list[dict]], None]) -> Path:
    """Return a copy of the demo files in which ``change`` has edited the entries of ``name``."""
    directory = tmp_path / "demo"
    shutil.copytree(DEMO_DIR, directory)
    entries = json.loads((directory / name).read_text(encoding="utf-8"))
    change(entries)
    (directory / name).write_text(json.dumps(entries, indent=2), encoding="utf-8")
    return directory


def _new_exercise(**changes: object) -> dict:
    exercise = {
        "name": "Demo Test Exercise 2030",
        "series": "Demo Test",
        "kind": "combined",
        "status": "planned",
        "start_date": "2030-05-01",
        "end_date": "2030-05-10",
        "source_url": "https://example.org/exercise",
        "source_text": "Test.",
        "participants": [{"nation": "USA", "role": "host"}, {"nation": "PHL", "role": "participant"}],
    }
    exercise.update(changes)
    return exercise


def _set(index: int, **values: object) -> Callable[[list[dict]], None]:
    return lambda entries: entries[index].update(values)


def _drop(index: int, key: str) -> Callable[[list[dict]], None]:
    return lambda entries: entries[index].pop(key)


def _append(entry: dict) -> Callable[[list[dict]], None]:
    return lambda entries: entries.append(entry)


EXERCISE_COUNT = len(_entries("exercises.json"))
BAD_ENTRIES = {
    "a date that is not one": (
        "agreements.json",
        _set(1, signed_on="1994-02-30"),
        "agreements.json, entry 2 (Partnership for Peace Framework Document - Romania): "
        "signed_on: '1994-02-30' is not a date (YYYY-MM-DD)",
    ),
    "an enum value that does not exist": (
        "resources.json",
        _set(0, status="lost"),
        "resources.json, entry 1 (DEMO-FMS-POL-F35): status: 'lost' is not one of",
    ),
    "a misspelt key": (
        "organizations.json",
        _set(2, acronymm="DSCA"),
        "organizations.json, entry 3 (DSCA): unknown key 'acronymm'",
    ),
    "a missing key": (
        "memberships.json",
        _drop(4, "joined_on"),
        "memberships.json, entry 5 (NATO ISL ?): missing 'joined_on'",
    ),
    "a decimal written as a float": (
        "resources.json",
        _set(1, value=895000000.0),
        "resources.json, entry 2 (DEMO-FMS-AUS-TOMAHAWK): value: 895000000.0 should be a number written as a string",
    ),
    "a participant that is not an object": (
        "exercises.json",
        _append(_new_exercise(participants=["USA"])),
        f"exercises.json, entry {EXERCISE_COUNT + 1} (Demo Test Exercise 2030): participants item 1: "
        "should be an object",
    ),
    "an unknown nation code": (
        "exercises.json",
        _append(_new_exercise(participants=[{"nation": "USA", "role": "host"}, {"nation": "XXX", "role": "observer"}])),
        f"exercises.json, entry {EXERCISE_COUNT + 1} (Demo Test Exercise 2030): names an unknown nation code 'XXX'",
    ),
    "a model rule broken": (
        "exercises.json",
        _append(_new_exercise(end_date="2030-04-01")),
        f"exercises.json, entry {EXERCISE_COUNT + 1} (Demo Test Exercise 2030): end_date: The end date cannot be "
        "before the start date.",
    ),
}


@pytest.mark.parametrize(("name", "change", "message"), BAD_ENTRIES.values(), ids=BAD_ENTRIES.keys())
def test_a_bad_entry_is_named_with_its_file_and_nothing_is_written(
    demo: str, tmp_path: Path, name: str, change: Callable[[list[dict]], None], message: str
) -> None:
    directory = _copy(tmp_path, name, change)
    before = _snapshot()
    with pytest.raises(DemoDataError) as error:
        load_demo(directory=directory)
    assert message in str(error.value)
    assert str(directory / name) in str(error.value)
    assert _snapshot() == before


def test_a_file_that_is_not_json_is_named(demo: str, tmp_path: Path) -> None:
    directory = tmp_path / "demo"
    shutil.copytree(DEMO_DIR, directory)
    (directory / "programs.json").write_text('[{"name": "Partnership for Peace",', encoding="utf-8")
    with pytest.raises(DemoDataError, match=r"programs\.json: not valid JSON"):
        load_demo(directory=directory)


def test_the_files_name_themselves_from_the_project_root_in_errors(demo: str) -> None:
    from partnerships.services.demo_files import shown

    assert shown(DEMO_DIR / "agreements.json") == "partnerships/reference/demo/agreements.json"


def test_a_record_added_to_a_file_is_created_and_the_others_left_alone(demo: str, tmp_path: Path) -> None:
    directory = _copy(tmp_path, "exercises.json", _append(_new_exercise()))
    result = load_demo(directory=directory)
    assert result.created["exercises"] == 1
    assert sum(result.created.values()) == 1
    added = Exercise.objects.get(name="Demo Test Exercise 2030")
    assert {(p.nation.iso3, p.role) for p in added.participants.all()} == {("USA", "host"), ("PHL", "participant")}


# --- the datasets that describe the demo's treaties -------------------------------------------------

NAT, MDT = (
    "North Atlantic Treaty",
    "Mutual Defense Treaty between the Republic of the Philippines and the United States of America",
)
# Three of COW Formal Alliances v4.1's member rows of alliance 227, the North Atlantic Treaty (as in data/cow/).
COW_227 = """version4id,ccode,state_name,all_st_day,all_st_month,all_st_year,all_end_day,all_end_month,all_end_year,\
ss_type,mem_st_day,mem_st_month,mem_st_year,mem_end_day,mem_end_month,mem_end_year,left_censor,right_censor,defense,\
neutrality,nonaggression,entente,version
227,2,"United States of America",4,4,1949,,,,"Type I: Defense Pact",4,4,1949,,,,0,1,1,0,1,1,4.1
227,20,"Canada",4,4,1949,,,,"Type I: Defense Pact",4,4,1949,,,,0,1,1,0,1,1,4.1
227,200,"United Kingdom",4,4,1949,,,,"Type I: Defense Pact",4,4,1949,,,,0,1,1,0,1,1,4.1
"""


def _import_cow_227(tmp_path: Path) -> None:
    path = tmp_path / "cow-227.csv"
    path.write_text(COW_227, encoding="utf-8")
    report = IMPORTERS["cow-alliances"]().run(path)
    assert report.committed, report.summary()


def _nato_parties() -> int:
    return len(next(e for e in _entries("agreements.json") if e["title"] == NAT)["parties"])


def test_the_demo_treaties_name_their_dataset_records_and_follow_none(demo: str) -> None:
    for title, ids in ((NAT, {"cow-alliances:227", "atop:3180"}), (MDT, {"cow-alliances:231", "atop:3210"})):
        treaty = Agreement.objects.get(title=title)
        assert treaty.follows == ""
        assert {source.key for source in treaty.sources.all()} == ids
        assert not treaty.sources.filter(followed=True).exists()
    assert AgreementSource.objects.count() == 4


def test_an_import_after_the_demo_attaches_to_the_demo_treaty(demo: str, tmp_path: Path) -> None:
    _import_cow_227(tmp_path)
    treaty = Agreement.objects.get(sources__dataset="cow-alliances", sources__dataset_id="227")
    assert treaty.title == NAT
    assert Agreement.objects.filter(title__in=[NAT, "COW alliance 227"]).count() == 1
    assert treaty.follows == ""  # curated: the import wrote its source row only
    assert treaty.parties.count() == _nato_parties()
    source = treaty.sources.get(dataset="cow-alliances")
    assert not source.followed
    assert len(source.values["members"]) == 3
    assert "members" in source.differs


def test_a_treaty_both_the_demo_and_an_import_created_is_a_conflict_to_merge(demo: str, tmp_path: Path) -> None:
    treaty = Agreement.objects.get(title=NAT)
    treaty.sources.all().delete()  # as a registry that loaded the demo before it named its datasets
    _import_cow_227(tmp_path)
    imported = Agreement.objects.get(sources__dataset="cow-alliances", sources__dataset_id="227")
    assert imported.pk != treaty.pk
    before = _snapshot()
    with pytest.raises(DemoDataError) as error:
        load_demo()
    message = str(error.value)
    assert f"agreements.json, entry 1 ({NAT}): the demo's agreement #{treaty.pk} exists" in message
    assert f"cow-alliances:227 on agreement #{imported.pk} “{imported.title}”" in message
    assert "merge them" in message
    assert _snapshot() == before


def test_a_source_naming_an_unknown_dataset_is_refused(demo: str, tmp_path: Path) -> None:
    directory = _copy(tmp_path, "agreements.json", lambda entries: entries[0]["sources"][0].update(dataset="cow"))
    with pytest.raises(DemoDataError, match=r"agreements\.json, entry 1 \(North Atlantic Treaty\): sources item 1: "):
        load_demo(directory=directory)
