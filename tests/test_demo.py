"""`manage.py load_demo`: real, cited records, loaded once however often it runs."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from partnerships.models import (
    Agreement,
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
    for model in [Nation, *CITED_MODELS, *ASSESSMENT_MODELS]:
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
    assert created == sum(model.objects.count() for model in [Nation, *CITED_MODELS, Assessment])


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
