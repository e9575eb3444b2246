"""Assessments: database rules, overdue recommendations, scorecard arithmetic and visibility."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerships.choices import FindingKind, FollowUpStatus
from partnerships.models import Assessment, ChallengeType, Finding, Indicator
from partnerships.services import scorecards
from partnerships.services.catalogues import CHALLENGE_TYPES, INDICATORS
from partnerships.services.catalogues import seed as seed_catalogues
from tests.factories import (
    AgreementFactory,
    AssessmentChallengeFactory,
    AssessmentFactory,
    ChallengeTypeFactory,
    ExerciseFactory,
    FindingFactory,
    IndicatorFactory,
    MeasurementFactory,
    OrganizationFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db
D = datetime.date


def _card(assessments, user=None, **period):
    period.setdefault("as_of", D(2025, 6, 1))
    return scorecards.build(assessments, user=user, subject="test", **period)


# --- catalogues -------------------------------------------------------------------------------------
def test_the_catalogues_are_seeded_and_reseeding_changes_nothing() -> None:
    seed_catalogues(Indicator, ChallengeType)
    assert set(Indicator.objects.values_list("slug", flat=True)) >= {row[0] for row in INDICATORS}
    assert set(ChallengeType.objects.values_list("slug", flat=True)) >= {row[0] for row in CHALLENGE_TYPES}
    counts = Indicator.objects.count(), ChallengeType.objects.count()
    seed_catalogues(Indicator, ChallengeType)
    assert (Indicator.objects.count(), ChallengeType.objects.count()) == counts
    language = ChallengeType.objects.get(slug="language")
    assert language.parent.slug == "communication-barriers"
    assert str(language) == "Communication barriers: Language"
    assert Indicator.objects.get(slug="time-to-integrate").lower_is_better


def test_the_challenge_taxonomy_has_two_levels() -> None:
    top = ChallengeTypeFactory()
    middle = ChallengeTypeFactory(parent=top)
    with pytest.raises(ValidationError) as error:
        ChallengeTypeFactory.build(parent=middle).full_clean()
    assert "two levels" in str(error.value.message_dict["parent"])


# --- constraints ------------------------------------------------------------------------------------
@pytest.mark.parametrize("subjects", [(), ("exercise", "program"), ("program", "agreement", "exercise")])
def test_an_assessment_has_exactly_one_subject_in_the_database(subjects: tuple[str, ...]) -> None:
    makers = {"program": ProgramFactory, "agreement": AgreementFactory, "exercise": ExerciseFactory}
    values = {name: makers[name]() if name in subjects else None for name in makers}
    assessment = AssessmentFactory.build(**values)
    with pytest.raises(ValidationError) as error:
        assessment.full_clean()
    assert "exactly one subject" in str(error.value)
    with pytest.raises(IntegrityError, match="assessment_exactly_one_subject"), transaction.atomic():
        assessment.save()


def test_each_kind_of_subject_is_accepted() -> None:
    for subject in ({"program": ProgramFactory()}, {"agreement": AgreementFactory()}, {"exercise": ExerciseFactory()}):
        assessment = AssessmentFactory.build(**({"exercise": None} | subject))
        assessment.full_clean()
        assessment.save()
        assert assessment.subject == next(iter(subject.values()))


@pytest.mark.parametrize("rating", [0, 6])
def test_the_overall_rating_is_from_1_to_5(rating: int) -> None:
    assessment = AssessmentFactory.build(exercise=ExerciseFactory(), overall_rating=rating)
    with pytest.raises(ValidationError) as error:
        assessment.full_clean()
    assert "overall_rating" in error.value.message_dict
    with pytest.raises(IntegrityError, match="assessment_rating_range"), transaction.atomic():
        assessment.save()


def test_an_assessment_without_a_rating_is_valid() -> None:
    AssessmentFactory.build(exercise=ExerciseFactory(), overall_rating=None).full_clean()


def test_a_measurement_needs_a_target_or_a_baseline_to_be_scored() -> None:
    measurement = MeasurementFactory.build(
        assessment=AssessmentFactory(), indicator=IndicatorFactory(), target=None, baseline=None, actual=3
    )
    with pytest.raises(ValidationError) as error:
        measurement.full_clean()
    assert "target or a baseline" in str(error.value.message_dict["target"])
    with pytest.raises(IntegrityError, match="measurement_has_target_or_baseline"), transaction.atomic():
        measurement.save()
    measurement.baseline = 2
    measurement.full_clean()
    measurement.save()


def test_a_measurement_is_dated_by_its_assessment_unless_given() -> None:
    assessment = AssessmentFactory(conducted_on=D(2024, 6, 14))
    measurement = MeasurementFactory(assessment=assessment)
    assert measurement.measured_on == D(2024, 6, 14)
    later = MeasurementFactory(assessment=assessment, indicator=measurement.indicator, measured_on=D(2024, 9, 1))
    assert later.measured_on == D(2024, 9, 1)
    with pytest.raises(IntegrityError, match="measurement_unique_per_day"), transaction.atomic():
        MeasurementFactory(assessment=assessment, indicator=measurement.indicator)


def test_only_closed_recommendations_have_a_closing_date() -> None:
    finding = FindingFactory.build(assessment=AssessmentFactory(), status=FollowUpStatus.OPEN, closed_on=D(2025, 1, 1))
    with pytest.raises(ValidationError) as error:
        finding.full_clean()
    assert "closed_on" in error.value.message_dict
    with pytest.raises(IntegrityError, match="finding_closed_only_when_done"), transaction.atomic():
        finding.save()


def test_a_finding_has_no_follow_up_status() -> None:
    finding = FindingFactory.build(assessment=AssessmentFactory(), kind=FindingKind.FINDING, status="in_progress")
    with pytest.raises(ValidationError) as error:
        finding.full_clean()
    assert "status" in error.value.message_dict
    with pytest.raises(IntegrityError, match="finding_status_for_recommendations"), transaction.atomic():
        finding.save()


def test_marking_a_recommendation_done_dates_its_closing() -> None:
    finding = FindingFactory(status=FollowUpStatus.DONE)
    assert finding.closed_on is not None


def test_a_challenge_is_recorded_once_per_assessment() -> None:
    row = AssessmentChallengeFactory()
    with pytest.raises(IntegrityError, match="assessmentchallenge_unique_type"), transaction.atomic():
        AssessmentChallengeFactory(assessment=row.assessment, challenge_type=row.challenge_type)


# --- overdue recommendations --------------------------------------------------------------------------
DUE = D(2025, 3, 31)


@pytest.mark.parametrize(
    ("status", "due_on", "kind", "on", "overdue"),
    [
        ("open", DUE, "recommendation", D(2025, 4, 1), True),  # the day after: overdue
        ("in_progress", DUE, "recommendation", D(2025, 4, 1), True),
        ("open", DUE, "recommendation", DUE, False),  # due today: not yet
        ("open", DUE, "recommendation", D(2025, 3, 30), False),
        ("done", DUE, "recommendation", D(2026, 1, 1), False),
        ("dropped", DUE, "recommendation", D(2026, 1, 1), False),
        ("open", None, "recommendation", D(2030, 1, 1), False),  # no due date: never overdue
        ("open", DUE, "finding", D(2026, 1, 1), False),  # findings are not promises
    ],
)
def test_overdue_recommendations(status: str, due_on, kind: str, on, overdue: bool) -> None:
    finding = FindingFactory(status=status, due_on=due_on, kind=kind)
    assert finding.is_overdue(on) is overdue
    assert Finding.objects.overdue(on=on).filter(pk=finding.pk).exists() is overdue


def test_overdue_on_the_29th_of_february() -> None:
    finding = FindingFactory(due_on=D(2024, 2, 29))
    assert not finding.is_overdue(D(2024, 2, 29))
    assert finding.is_overdue(D(2024, 3, 1))


# --- scorecard arithmetic -------------------------------------------------------------------------
@pytest.fixture
def program_with_evidence():
    """A program assessed three times, by hand:

    readiness (higher is better): 2023 68 vs 75 (missed), 2025 76 vs 75 (met)
    time to integrate (lower is better): 2023 14 vs 10 (missed), 2024 9 vs 10 (met), 2025 10 vs 10 (met, equal)
    cost savings: 2025 baseline 0, no target (listed, not scored); 2025 target 40, no actual yet (not scored)
    → 3 of 5 scored measurements met: 60 %.
    """
    program = ProgramFactory()
    exercise = ExerciseFactory(program=program)
    readiness = IndicatorFactory(slug="ready", name="Readiness")
    integrate = IndicatorFactory(slug="integrate", name="Integration time", direction="lower", unit="days")
    savings = IndicatorFactory(slug="savings", name="Savings")
    first = AssessmentFactory(exercise=None, program=program, conducted_on=D(2023, 11, 15), overall_rating=3)
    second = AssessmentFactory(exercise=exercise, conducted_on=D(2024, 6, 14), overall_rating=4)
    third = AssessmentFactory(exercise=None, program=program, conducted_on=D(2025, 10, 30), overall_rating=None)
    MeasurementFactory(assessment=first, indicator=readiness, baseline=62, target=75, actual=68)
    MeasurementFactory(assessment=third, indicator=readiness, baseline=62, target=75, actual=76)
    MeasurementFactory(assessment=first, indicator=integrate, baseline=21, target=10, actual=14)
    MeasurementFactory(assessment=second, indicator=integrate, target=10, actual=9)
    MeasurementFactory(assessment=third, indicator=integrate, target=10, actual=10)
    MeasurementFactory(assessment=third, indicator=savings, baseline=0, target=None, actual=12)
    MeasurementFactory(
        assessment=third, indicator=savings, target=40, actual=None, measured_on=D(2025, 12, 31), baseline=None
    )
    owner = OrganizationFactory()
    FindingFactory(assessment=first, due_on=D(2024, 6, 30), status="done", owner=owner)
    FindingFactory(assessment=first, due_on=D(2024, 12, 31), status="in_progress", owner=owner)
    FindingFactory(assessment=second, due_on=D(2025, 3, 31), status="open")
    FindingFactory(assessment=second, due_on=D(2027, 3, 1), status="open")
    FindingFactory(assessment=third, due_on=None, status="dropped")
    FindingFactory(assessment=third, kind="finding", due_on=None)
    language = ChallengeTypeFactory(name="Language", parent=ChallengeTypeFactory(name="Communication"))
    culture = ChallengeTypeFactory(name="Culture", parent=language.parent)
    gaps = ChallengeTypeFactory(name="Gaps")
    AssessmentChallengeFactory(assessment=first, challenge_type=language, severity="high")
    AssessmentChallengeFactory(assessment=first, challenge_type=culture)
    AssessmentChallengeFactory(assessment=second, challenge_type=language)
    AssessmentChallengeFactory(assessment=third, challenge_type=gaps, severity="high")
    return {"program": program, "first": first, "second": second, "third": third, "exercise": exercise}


def test_scorecard_arithmetic_on_a_hand_computed_program(program_with_evidence: dict) -> None:
    card = _card(scorecards.for_program(program_with_evidence["program"], None), as_of=D(2025, 6, 1))
    assert [a.pk for a in card.assessments] == [program_with_evidence[k].pk for k in ("first", "second", "third")]
    assert (card.targets_scored, card.targets_met) == (5, 3)
    assert card.share_met == Decimal("0.6")
    assert card.average_rating == Decimal("3.50")
    trends = {trend.indicator.slug: trend for trend in card.indicators}
    assert [p.met for p in trends["ready"].points] == [False, True]
    # Lower is better: 14 misses a target of 10; 9 and exactly 10 meet it.
    assert [p.met for p in trends["integrate"].points] == [False, True, True]
    assert (trends["integrate"].scored, trends["integrate"].met) == (3, 2)
    # No target, or no value yet: listed, never scored.
    assert [p.met for p in trends["savings"].points] == [None, None]
    assert trends["savings"].scored == 0
    assert trends["savings"].latest.actual == 12
    assert trends["savings"].latest_target == 40
    # Progress from baseline toward target: (68 - 62) / (75 - 62) and, lower being better, (14 - 21) / (10 - 21).
    assert trends["ready"].points[0].progress == Decimal(6) / Decimal(13)
    assert trends["integrate"].points[0].progress == Decimal(7) / Decimal(11)
    assert card.recommendations == {
        "open": 2,
        "in_progress": 1,
        "done": 1,
        "dropped": 1,
        "overdue": 2,  # 31 Dec 2024 (in progress) and 31 Mar 2025 (open), as of 1 Jun 2025
        "total": 5,
    }
    assert [f.due_on for f in card.pending] == [D(2024, 12, 31), D(2025, 3, 31), D(2027, 3, 1)]
    assert [f.due_on for f in card.overdue] == [D(2024, 12, 31), D(2025, 3, 31)]
    by_type = {(c.parent, c.name): (c.assessments, c.high_severity) for c in card.challenges}
    assert by_type == {
        ("Communication", "Language"): (2, 1),
        ("Communication", "Culture"): (1, 0),
        (None, "Gaps"): (1, 1),
    }
    assert card.challenges[0].name == "Language"
    # The first assessment saw both language and culture: it counts once for their group.
    assert card.challenge_groups == [("Communication", 2), ("Gaps", 1)]


def test_the_period_selects_assessments_by_their_date(program_with_evidence: dict) -> None:
    assessments = scorecards.for_program(program_with_evidence["program"], None)
    card = _card(assessments, start=D(2024, 1, 1), end=D(2024, 12, 31))
    assert [a.pk for a in card.assessments] == [program_with_evidence["second"].pk]
    assert (card.targets_scored, card.targets_met) == (1, 1)
    assert card.recommendations["total"] == 2
    assert [c.name for c in card.challenges] == ["Language"]
    empty = _card(assessments, start=D(2030, 1, 1))
    assert empty.assessments == []
    assert empty.share_met is None
    assert empty.average_rating is None


def test_overdue_follows_the_as_of_day(program_with_evidence: dict) -> None:
    assessments = scorecards.for_program(program_with_evidence["program"], None)
    assert _card(assessments, as_of=D(2024, 12, 31)).recommendations["overdue"] == 0
    assert _card(assessments, as_of=D(2025, 1, 1)).recommendations["overdue"] == 1
    assert _card(assessments, as_of=D(2027, 3, 2)).recommendations["overdue"] == 3


def test_series_agreement_and_nation_scorecards_pick_their_assessments(program_with_evidence: dict) -> None:
    exercise = program_with_evidence["exercise"]
    series = _card(scorecards.for_series(exercise.series.upper(), None))
    assert [a.pk for a in series.assessments] == [program_with_evidence["second"].pk]
    agreement = AgreementFactory()
    of_agreement = AssessmentFactory(exercise=None, agreement=agreement)
    assert [a.pk for a in _card(scorecards.for_agreement(agreement, None)).assessments] == [of_agreement.pk]
    from tests.factories import ExerciseParticipantFactory

    participant = ExerciseParticipantFactory(exercise=exercise)
    nation_card = _card(scorecards.for_nation(participant.nation, None))
    assert [a.pk for a in nation_card.assessments] == [program_with_evidence["second"].pk]


# --- visibility ----------------------------------------------------------------------------------------
def test_restricted_assessments_never_change_a_figure_an_unauthorised_user_sees(
    program_with_evidence: dict, analyst, cleared_analyst
) -> None:
    program = program_with_evidence["program"]
    before = scorecards.as_json(_card(scorecards.for_program(program, analyst), user=analyst))
    # A restricted assessment, and a public one of a restricted exercise of the same program.
    secret = AssessmentFactory(exercise=None, program=program, visibility="restricted", overall_rating=1)
    hidden_exercise = ExerciseFactory(program=program, visibility="restricted", series="Secret series")
    behind = AssessmentFactory(exercise=hidden_exercise, overall_rating=1)
    for assessment in (secret, behind):
        MeasurementFactory(assessment=assessment, indicator=Indicator.objects.get(slug="ready"), target=99, actual=1)
        FindingFactory(assessment=assessment, due_on=D(2020, 1, 1))
        AssessmentChallengeFactory(assessment=assessment, challenge_type=ChallengeTypeFactory(name="Secret trouble"))
    after = scorecards.as_json(_card(scorecards.for_program(program, analyst), user=analyst))
    assert after == before
    cleared = _card(scorecards.for_program(program, cleared_analyst), user=cleared_analyst)
    assert len(cleared.assessments) == 5
    assert cleared.targets_scored == 7
    assert "Secret trouble" in [c.name for c in cleared.challenges]


def test_a_restricted_owner_or_assessor_is_not_named_to_an_unauthorised_user(analyst, cleared_analyst) -> None:
    hidden = OrganizationFactory(name="Secret Directorate", visibility="restricted")
    assessment = AssessmentFactory(assessor=hidden)
    MeasurementFactory(assessment=assessment)
    FindingFactory(assessment=assessment, owner=hidden)
    queryset = Assessment.objects.filter(pk=assessment.pk)
    seen = scorecards.as_json(_card(queryset.visible_to(analyst), user=analyst))
    assert "Secret Directorate" not in str(seen)
    # Named neutrally, as on every page: the link exists, the name and the id stay hidden.
    assert seen["recommendations"]["pending"][0]["owner"] == "restricted record"
    assert seen["assessments"][0]["assessor"] == "restricted record"
    cleared = scorecards.as_json(_card(queryset, user=cleared_analyst))
    assert "Secret Directorate" in str(cleared)


# --- pages ---------------------------------------------------------------------------------------------
@pytest.fixture
def analyst_client(analyst) -> Client:
    client = Client()
    client.force_login(analyst)
    return client


def test_the_program_scorecard_page_answers_the_question(program_with_evidence: dict, analyst_client: Client) -> None:
    url = reverse("partnerships:scorecard-program", args=[program_with_evidence["program"].pk])
    response = analyst_client.get(url, {"as_of": "2025-06-01"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "60%" in page
    assert "3 of 5 measurements" in page
    assert "overdue on 1 Jun 2025" in page
    assert page.count('class="tag missed">overdue') == 2
    assert "Communication: Language" in page
    assert response.context["card"].targets_met == 3


def test_scorecard_pages_say_what_is_wrong_with_the_period(program_with_evidence: dict, analyst_client) -> None:
    url = reverse("partnerships:scorecard-program", args=[program_with_evidence["program"].pk])
    response = analyst_client.get(url, {"start": "2025-01-01", "end": "2024-01-01"})
    assert response.status_code == 200
    assert "The period ends before it starts." in response.content.decode()
    empty = analyst_client.get(url, {"start": "2030-01-01"})
    assert "No assessments in this period" in empty.content.decode()


def test_scorecard_pages_of_every_subject_render(program_with_evidence: dict, analyst_client: Client) -> None:
    from tests.factories import ExerciseParticipantFactory

    participant = ExerciseParticipantFactory(exercise=program_with_evidence["exercise"])
    agreement = AgreementFactory()
    AssessmentFactory(exercise=None, agreement=agreement)
    for name, key in (
        ("scorecard-series", program_with_evidence["exercise"].series.lower()),
        ("scorecard-agreement", agreement.pk),
        ("scorecard-nation", participant.nation.iso3),
    ):
        response = analyst_client.get(reverse(f"partnerships:{name}", args=[key]))
        assert response.status_code == 200, name
        assert len(response.context["card"].assessments) == 1
    assert analyst_client.get(reverse("partnerships:scorecard-series", args=["No such series"])).status_code == 404
    assert analyst_client.get(reverse("partnerships:scorecard-nation", args=["XXX"])).status_code == 404


def test_a_restricted_subject_has_no_scorecard_for_an_unauthorised_user(analyst_client: Client) -> None:
    program = ProgramFactory(visibility="restricted")
    assert analyst_client.get(reverse("partnerships:scorecard-program", args=[program.pk])).status_code == 404


def test_scorecard_page_query_count_does_not_grow_with_the_evidence(
    program_with_evidence: dict, analyst_client: Client
) -> None:
    program = program_with_evidence["program"]
    url = reverse("partnerships:scorecard-program", args=[program.pk])
    analyst_client.get(url)
    with CaptureQueriesContext(connection) as small:
        analyst_client.get(url)
    for _ in range(20):
        assessment = AssessmentFactory(exercise=None, program=program, assessor=OrganizationFactory())
        MeasurementFactory(assessment=assessment, indicator=IndicatorFactory())
        FindingFactory(assessment=assessment, owner=OrganizationFactory())
        AssessmentChallengeFactory(assessment=assessment)
    with CaptureQueriesContext(connection) as large:
        response = analyst_client.get(url)
    assert len(response.context["card"].assessments) == 23
    assert len(small) == len(large), [q["sql"][:120] for q in large.captured_queries]


def test_subject_pages_list_their_assessments_and_link_the_scorecard(
    program_with_evidence: dict, analyst_client: Client
) -> None:
    program = program_with_evidence["program"]
    page = analyst_client.get(reverse("partnerships:program-detail", args=[program.pk])).content.decode()
    assert program_with_evidence["first"].title in page
    assert reverse("partnerships:scorecard-program", args=[program.pk]) in page
    detail = analyst_client.get(reverse("partnerships:assessment-detail", args=[program_with_evidence["second"].pk]))
    text = detail.content.decode()
    assert reverse("partnerships:scorecard-series", args=[program_with_evidence["exercise"].series]) in text
    assert "Integration time" in text


def test_global_search_finds_assessments_the_user_may_see(analyst_client: Client) -> None:
    AssessmentFactory(title="Cobra Gold interoperability review")
    AssessmentFactory(title="Cobra Gold secret review", visibility="restricted")
    AssessmentFactory(title="Cobra Gold hidden-subject review", exercise=ExerciseFactory(visibility="restricted"))
    response = analyst_client.get(reverse("partnerships:search"), {"q": "Cobra Gold review"})
    groups = {group.label: group for group in response.context["groups"]}
    assert [a.title for a in groups["Assessments"].results] == ["Cobra Gold interoperability review"]
    assert groups["Assessments"].total == 1
