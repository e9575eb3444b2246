"""Assessment resources, scorecards and survey upload, over real HTTP."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

import pytest
from django.db import models

from partnerships.models import Assessment, AssessmentChallenge, ChallengeType, Finding, Indicator, Measurement
from tests.api.conftest import Api
from tests.api.test_resources import ResourceTests, check_baseline, query_count
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

pytestmark = pytest.mark.django_db(transaction=True)
D = datetime.date


class TestAssessments(ResourceTests):
    endpoint = "assessments"
    model = Assessment
    brief_fields = {"id", "url", "display", "title", "kind", "conducted_on"}

    def make(self, **fields: Any) -> models.Model:
        assessment = AssessmentFactory(assessor=OrganizationFactory(), **fields)
        MeasurementFactory(assessment=assessment)
        FindingFactory(assessment=assessment)
        AssessmentChallengeFactory(assessment=assessment)
        return assessment

    def make_deletable(self) -> models.Model:
        return AssessmentFactory()

    def create_payload(self) -> dict[str, Any]:
        return {
            "title": "Balikatan 2026 after-action review",
            "kind": "after_action_review",
            "exercise": ExerciseFactory().pk,
            "conducted_on": "2026-06-01",
            "assessor": OrganizationFactory().pk,
            "overall_rating": 4,
        }

    def update_payload(self) -> dict[str, Any]:
        return {"summary": "Revised after the partners' comments.", "overall_rating": 5}

    def test_exactly_one_subject_is_explained_on_the_field(self, writer_api: Api) -> None:
        payload = self.create_payload() | {"program": ProgramFactory().pk}
        response = writer_api.post(self.endpoint, payload)
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["attr"] == "program"
        assert "exactly one subject" in error["detail"]
        rating = writer_api.post(self.endpoint, self.create_payload() | {"overall_rating": 9})
        assert rating.status_code == 400
        assert rating.json()["errors"][0]["attr"] == "overall_rating"

    def test_a_public_assessment_of_a_restricted_exercise_stays_hidden(
        self, reader_api: Api, cleared_reader_api: Api
    ) -> None:
        hidden = self.make(exercise=ExerciseFactory(visibility="restricted"))
        assert reader_api.get(f"{self.endpoint}/{hidden.pk}/").status_code == 404
        assert hidden.pk not in {row["id"] for row in reader_api.get(self.endpoint).json()["results"]}
        assert reader_api.get("measurements").json()["count"] == 0
        assert cleared_reader_api.get(f"{self.endpoint}/{hidden.pk}/").status_code == 200

    def test_filters(self, reader_api: Api) -> None:
        program = ProgramFactory()
        of_program = AssessmentFactory(exercise=None, program=program, conducted_on=D(2023, 1, 1), kind="kpi_review")
        series = AssessmentFactory(exercise=ExerciseFactory(series="Balikatan"), conducted_on=D(2025, 1, 1))
        AssessmentFactory(exercise=None, agreement=AgreementFactory(), conducted_on=D(2024, 1, 1))

        def ids(**params: Any) -> set[int]:
            response = reader_api.get(self.endpoint, params=params)
            assert response.status_code == 200, response.json()
            return {row["id"] for row in response.json()["results"]}

        assert ids(subject_type="program") == {of_program.pk}
        assert ids(series="balikatan") == {series.pk}
        assert ids(program_id=program.pk) == {of_program.pk}
        assert ids(kind="kpi_review") == {of_program.pk}
        assert ids(conducted_on__gte="2024-06-01") == {series.pk}
        bad = reader_api.get(self.endpoint, params={"subject_type": "nation"})
        assert bad.status_code == 400
        assert bad.json()["errors"][0]["attr"] == "subject_type"


class AssessmentRowTests(ResourceTests):
    """Rows of an assessment: they are visible exactly when their assessment is."""

    omit_field = "created_at"

    def public(self) -> models.QuerySet:
        return self.model.objects.filter(assessment__visibility="public")

    def row(self, assessment: Assessment, **fields: Any) -> models.Model:
        raise NotImplementedError

    def make(self, **fields: Any) -> models.Model:
        visibility = fields.pop("visibility", "public")
        return self.row(AssessmentFactory(visibility=visibility), **fields)

    def test_restricted_record_is_shown_to_a_cleared_user(self, cleared_reader_api: Api) -> None:
        secret = self.make(visibility="restricted")
        response = cleared_reader_api.get(f"{self.endpoint}/{secret.pk}/")
        assert response.status_code == 200
        assert response.json()["assessment"]["id"] == secret.assessment_id

    def test_making_a_record_restricted_needs_clearance(self, writer_api: Api) -> None:
        record = self.make()
        hidden = AssessmentFactory(visibility="restricted")
        response = writer_api.patch(f"{self.endpoint}/{record.pk}/", {"assessment": hidden.pk})
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "assessment"


class TestMeasurements(AssessmentRowTests):
    endpoint = "measurements"
    model = Measurement
    brief_fields = {"id", "url", "display", "indicator", "measured_on", "baseline", "target", "actual"}

    def row(self, assessment: Assessment, **fields: Any) -> models.Model:
        return MeasurementFactory(assessment=assessment, **fields)

    def create_payload(self) -> dict[str, Any]:
        return {
            "assessment": AssessmentFactory().pk,
            "indicator": IndicatorFactory().pk,
            "target": "75",
            "actual": "80",
        }

    def update_payload(self) -> dict[str, Any]:
        return {"actual": "70.0000"}

    def test_a_measurement_needs_a_target_or_baseline_and_scores_against_it(self, writer_api: Api) -> None:
        payload = self.create_payload() | {"target": None}
        response = writer_api.post(self.endpoint, payload)
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "target"
        created = writer_api.post(self.endpoint, self.create_payload())
        assert created.status_code == 201
        body = created.json()
        assert body["met"] is True
        assert body["measured_on"] == Assessment.objects.get(pk=body["assessment"]["id"]).conducted_on.isoformat()
        lower = IndicatorFactory(direction="lower")
        missed = writer_api.post(self.endpoint, self.create_payload() | {"indicator": lower.pk})
        assert missed.json()["met"] is False

    def test_filter_by_indicator_slug(self, reader_api: Api) -> None:
        wanted = MeasurementFactory(indicator=IndicatorFactory(slug="readiness"))
        MeasurementFactory()
        response = reader_api.get(self.endpoint, params={"indicator": "readiness"})
        assert [row["id"] for row in response.json()["results"]] == [wanted.pk]


class TestFindings(AssessmentRowTests):
    endpoint = "findings"
    model = Finding
    brief_fields = {"id", "url", "display", "kind", "status", "due_on"}

    def row(self, assessment: Assessment, **fields: Any) -> models.Model:
        return FindingFactory(assessment=assessment, owner=OrganizationFactory(), **fields)

    def create_payload(self) -> dict[str, Any]:
        return {
            "assessment": AssessmentFactory().pk,
            "text": "Certify a common tactical data link profile.",
            "owner": OrganizationFactory().pk,
            "due_on": "2026-03-31",
        }

    def update_payload(self) -> dict[str, Any]:
        return {"status": "in_progress", "follow_up": "Profile drafted."}

    def test_overdue_recommendations_are_found_by_date(self, reader_api: Api) -> None:
        late = FindingFactory(due_on=D(2025, 3, 31), status="open")
        FindingFactory(due_on=D(2025, 4, 1), status="open")
        FindingFactory(due_on=D(2025, 1, 1), status="done")
        response = reader_api.get(self.endpoint, params={"overdue_on": "2025-04-01"})
        assert [row["id"] for row in response.json()["results"]] == [late.pk]
        assert response.json()["results"][0]["overdue"] is True


class TestAssessmentChallenges(AssessmentRowTests):
    endpoint = "assessment-challenges"
    model = AssessmentChallenge
    brief_fields = {"id", "url", "display", "severity"}

    def row(self, assessment: Assessment, **fields: Any) -> models.Model:
        return AssessmentChallengeFactory(
            assessment=assessment, challenge_type=ChallengeTypeFactory(parent=ChallengeTypeFactory()), **fields
        )

    def create_payload(self) -> dict[str, Any]:
        return {"assessment": AssessmentFactory().pk, "challenge_type": ChallengeTypeFactory().pk, "severity": "high"}

    def update_payload(self) -> dict[str, Any]:
        return {"severity": "low", "notes": "Interpreters arrived."}


class CatalogueTests:
    endpoint: ClassVar[str]
    factory: ClassVar[Any]

    def test_catalogue_is_readable_and_writable_with_permission(
        self, reader_api: Api, writer_api: Api, anonymous_api: Api
    ) -> None:
        row = self.factory()
        assert anonymous_api.get(self.endpoint).status_code == 401
        listed = reader_api.get(self.endpoint, params={"limit": 1000})
        assert row.pk in {r["id"] for r in listed.json()["results"]}
        assert reader_api.patch(f"{self.endpoint}/{row.pk}/", {"name": "Renamed"}).status_code == 403
        response = writer_api.patch(f"{self.endpoint}/{row.pk}/", {"name": "Renamed"})
        assert response.status_code == 200, response.json()
        assert response.json()["name"] == "Renamed"
        one = reader_api.get(self.endpoint)
        for _ in range(10):
            self.factory()
        more = reader_api.get(self.endpoint)
        assert query_count(one) == query_count(more)
        check_baseline(self.endpoint, query_count(more))


class TestIndicators(CatalogueTests):
    endpoint = "indicators"
    factory = IndicatorFactory

    def test_the_seeded_catalogue_is_listed(self, reader_api: Api) -> None:
        from partnerships.services.catalogues import seed

        seed(Indicator, ChallengeType)
        slugs = {row["slug"] for row in reader_api.get(self.endpoint, params={"limit": 100}).json()["results"]}
        assert {"operational-readiness", "interoperability", "time-to-integrate"} <= slugs


class TestChallengeTypes(CatalogueTests):
    endpoint = "challenge-types"
    factory = ChallengeTypeFactory


# --- scorecards ----------------------------------------------------------------------------------------
@pytest.fixture
def program_card() -> dict[str, Any]:
    program = ProgramFactory()
    readiness = IndicatorFactory(slug="readiness", name="Readiness")
    integrate = IndicatorFactory(slug="integrate", name="Integration", direction="lower")
    early = AssessmentFactory(exercise=None, program=program, conducted_on=D(2023, 11, 1), overall_rating=3)
    late = AssessmentFactory(exercise=ExerciseFactory(program=program), conducted_on=D(2025, 6, 1), overall_rating=5)
    MeasurementFactory(assessment=early, indicator=readiness, target=75, actual=68, baseline=62)
    MeasurementFactory(assessment=late, indicator=readiness, target=75, actual=76)
    MeasurementFactory(assessment=late, indicator=integrate, target=10, actual=12)
    FindingFactory(assessment=early, due_on=D(2024, 6, 30), status="open", text="Publish the SOP.")
    FindingFactory(assessment=late, due_on=D(2026, 6, 30), status="in_progress")
    AssessmentChallengeFactory(assessment=late, challenge_type=ChallengeTypeFactory(slug="language"))
    secret = AssessmentFactory(exercise=None, program=program, visibility="restricted", overall_rating=1)
    MeasurementFactory(assessment=secret, indicator=readiness, target=99, actual=1)
    return {"program": program}


def test_a_programs_scorecard_as_json(program_card: dict, reader_api: Api, cleared_reader_api: Api) -> None:
    url = f"scorecards/programs/{program_card['program'].pk}/"
    response = reader_api.get(url, params={"as_of": "2025-01-01"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["subject_type"] == "program"
    assert body["targets"] == {"scored": 3, "met": 1, "share_met": "0.3333"}
    assert body["average_rating"] == "4"
    assert len(body["assessments"]) == 2
    indicators = {row["slug"]: row for row in body["indicators"]}
    assert indicators["readiness"]["latest"]["actual"] == "76"
    assert [p["met"] for p in indicators["readiness"]["trend"]] == [False, True]
    assert indicators["readiness"]["trend"][0]["progress"] == "0.4615"
    assert indicators["integrate"]["latest"]["met"] is False
    recommendations = body["recommendations"]
    assert (recommendations["open"], recommendations["in_progress"], recommendations["overdue"]) == (1, 1, 1)
    assert recommendations["pending"][0]["text"] == "Publish the SOP."
    assert recommendations["pending"][0]["overdue"] is True
    assert body["challenges"][0]["slug"] == "language"
    # The cleared user sees the restricted assessment counted.
    cleared = cleared_reader_api.get(url, params={"as_of": "2025-01-01"}).json()
    assert cleared["targets"]["scored"] == 4
    # The period filter.
    period = reader_api.get(url, params={"start": "2025-01-01", "end": "2025-12-31"}).json()
    assert [a["conducted_on"] for a in period["assessments"]] == ["2025-06-01"]


def test_scorecard_parameters_are_checked(program_card: dict, reader_api: Api) -> None:
    url = f"scorecards/programs/{program_card['program'].pk}/"
    bad = reader_api.get(url, params={"start": "2025-02-30"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "start"
    backwards = reader_api.get(url, params={"start": "2025-01-01", "end": "2024-01-01"})
    assert backwards.json()["errors"][0]["attr"] == "end"
    unknown = reader_api.get(url, params={"period": "all"})
    assert unknown.json()["errors"][0]["attr"] == "period"
    assert reader_api.get("scorecards/programs/999999/").status_code == 404
    hidden = ProgramFactory(visibility="restricted")
    assert reader_api.get(f"scorecards/programs/{hidden.pk}/").status_code == 404


def test_series_agreement_and_nation_scorecards(reader_api: Api) -> None:
    from tests.factories import ExerciseParticipantFactory

    exercise = ExerciseFactory(series="Cobra Gold")
    participant = ExerciseParticipantFactory(exercise=exercise)
    AssessmentFactory(exercise=exercise)
    agreement = AgreementFactory()
    AssessmentFactory(exercise=None, agreement=agreement)
    for url in (
        "scorecards/series/cobra gold/",
        f"scorecards/agreements/{agreement.pk}/",
        f"scorecards/nations/{participant.nation.iso3}/",
    ):
        response = reader_api.get(url)
        assert response.status_code == 200, url
        assert len(response.json()["assessments"]) == 1
    assert reader_api.get("scorecards/series/Nothing/").status_code == 404
    assert reader_api.get("scorecards/nations/XXX/").status_code == 404


def test_scorecard_query_count_does_not_grow(program_card: dict, reader_api: Api) -> None:
    program = program_card["program"]
    url = f"scorecards/programs/{program.pk}/"
    reader_api.get(url)
    small = reader_api.get(url)
    for _ in range(10):
        assessment = AssessmentFactory(exercise=None, program=program, assessor=OrganizationFactory())
        MeasurementFactory(assessment=assessment)
        FindingFactory(assessment=assessment, owner=OrganizationFactory())
        AssessmentChallengeFactory(assessment=assessment)
    large = reader_api.get(url)
    assert len(large.json()["assessments"]) == 12
    assert query_count(small) == query_count(large)


# --- survey upload -------------------------------------------------------------------------------------
SURVEY = b"respondent,question,answer\nR1,interop,4\nR2,interop,5\nR3,interop,\n"


def _upload(api: Api, assessment: Assessment, body: bytes, **params: Any) -> Any:
    return api.request(
        "POST", f"assessments/{assessment.pk}/survey/", data=body, params=params, headers={"Content-Type": "text/csv"}
    )


def test_survey_upload_creates_measurements(writer_api: Api) -> None:
    IndicatorFactory(slug="interop", scale="likert_5")
    assessment = AssessmentFactory()
    response = _upload(writer_api, assessment, SURVEY, target="interop=4")
    assert response.status_code == 201, response.json()
    assert response.json()["measurements"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert response.json()["no_answer"] == 1
    measurement = Measurement.objects.get(assessment=assessment)
    assert str(measurement.actual) == "4.5000"
    again = _upload(writer_api, assessment, SURVEY)
    assert again.status_code == 200
    assert again.json()["measurements"]["unchanged"] == 1


def test_survey_upload_reports_bad_rows_and_writes_nothing(writer_api: Api) -> None:
    IndicatorFactory(slug="interop", scale="likert_5")
    assessment = AssessmentFactory()
    response = _upload(writer_api, assessment, SURVEY + b"R4,interop,7\nR5,morale,3\n", target="interop=4")
    assert response.status_code == 400
    errors = {error["attr"]: error["detail"] for error in response.json()["errors"]}
    assert "not a whole number from 1 to 5" in errors["row 5"]
    assert "not an indicator" in errors["row 6"]
    assert "nothing was written" in errors["file"]
    assert not Measurement.objects.exists()
    missing = _upload(writer_api, assessment, b"who,what\n1,2\n")
    assert missing.status_code == 400
    assert "Missing column" in missing.json()["errors"][0]["detail"]


def test_survey_upload_needs_permission_and_a_visible_assessment(reader_api: Api, writer_api: Api) -> None:
    IndicatorFactory(slug="interop", scale="likert_5")
    assessment = AssessmentFactory()
    assert _upload(reader_api, assessment, SURVEY, target="interop=4").status_code == 403
    hidden = AssessmentFactory(visibility="restricted")
    assert _upload(writer_api, hidden, SURVEY, target="interop=4").status_code == 404
    assert not Measurement.objects.exists()
