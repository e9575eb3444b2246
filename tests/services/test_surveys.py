"""Survey ingestion: file quirks, row-numbered errors, all or nothing, idempotence, targets and baselines."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from partnerships.models import Indicator, Measurement
from partnerships.services.importers import ImportAborted
from partnerships.services.surveys import ingest, parse_assignments
from tests.factories import AssessmentFactory, ExerciseFactory, IndicatorFactory, MeasurementFactory

pytestmark = pytest.mark.django_db
D = datetime.date

GOOD = """respondent,question,answer
R1,interop,4
R1,savings,2.5
R2,interop,5
R2,savings,NA
R3,Interoperability Score,3
R3,savings,
R4,interop,N/A
"""


@pytest.fixture
def survey(tmp_path: Path):
    interop = IndicatorFactory(slug="interop", name="Interoperability score", scale="likert_5", unit="score")
    savings = IndicatorFactory(slug="savings", name="Savings", scale="numeric", unit="USD m")
    assessment = AssessmentFactory(kind="survey", conducted_on=D(2025, 5, 20))
    path = tmp_path / "answers.csv"

    def write(text: str, encoding: str = "utf-8") -> Path:
        path.write_bytes(text.encode(encoding))
        return path

    return {"assessment": assessment, "interop": interop, "savings": savings, "write": write}


def _measurement(survey: dict, indicator: str) -> Measurement:
    return Measurement.objects.get(assessment=survey["assessment"], indicator=survey[indicator])


def test_answers_become_one_measurement_per_question(survey: dict) -> None:
    report = ingest(survey["assessment"], survey["write"](GOOD), targets={"interop": Decimal(4), "savings": Decimal(3)})
    assert report.committed
    assert (report.rows_read, report.answers, report.skipped, report.respondents) == (7, 4, 3, 4)
    interop = _measurement(survey, "interop")
    # (4 + 5 + 3) / 3; the question was also named by the indicator's name, in another case.
    assert interop.actual == Decimal("4.0000")
    assert interop.response_count == 3
    assert interop.distribution == {"1": 0, "2": 0, "3": 1, "4": 1, "5": 1}
    assert interop.target == 4
    assert interop.measured_on == D(2025, 5, 20)
    assert interop.met is True
    savings = _measurement(survey, "savings")
    assert savings.actual == Decimal("2.5000")
    assert savings.response_count == 1
    assert savings.distribution == {"min": "2.5", "median": "2.5", "max": "2.5"}
    assert savings.met is False


@pytest.mark.parametrize(
    ("encoding", "newline", "bom"),
    [("utf-8", "\r\n", True), ("cp1252", "\r", False), ("utf-8", "\n", False)],
)
def test_encodings_and_line_endings(survey: dict, encoding: str, newline: str, bom: bool) -> None:
    text = "respondent,question,answer\nRené,interop,4\nZoë,interop,2\n".replace("\n", newline)
    raw = ("\ufeff" if bom else "") + text
    report = ingest(survey["assessment"], survey["write"](raw, encoding), targets={"interop": Decimal(4)})
    assert report.committed
    assert report.respondents == 2
    assert _measurement(survey, "interop").actual == 3


def test_numeric_answers_accept_a_decimal_comma_and_report_quartiles(survey: dict) -> None:
    text = 'respondent,question,answer\nA,savings,"1,5"\nB,savings,2\nC,savings,10\n'
    ingest(survey["assessment"], survey["write"](text), baselines={"savings": Decimal(0)})
    savings = _measurement(survey, "savings")
    assert savings.actual == Decimal("4.5000")
    assert savings.distribution == {"min": "1.5", "median": "2", "max": "10"}
    assert savings.baseline == 0
    assert savings.target is None


BAD = """respondent,question,answer
R1,interop,4
R2,interop,6
R3,interop,3.5
R4,morale,4
,interop,2
R1,interop,5
R5,savings,lots
R6,savings,1e400
R7,savings,inf
"""


def test_bad_rows_are_reported_by_number_and_nothing_is_written(survey: dict) -> None:
    MeasurementFactory(assessment=survey["assessment"], indicator=survey["interop"], target=4, actual=None)
    report = ingest(survey["assessment"], survey["write"](BAD), targets={"savings": Decimal(1)})
    assert not report.committed
    reasons = {rejection.row: " ".join(rejection.reasons) for rejection in report.rejected}
    assert set(reasons) == {3, 4, 5, 6, 7, 8, 9, 10}
    assert "not a whole number from 1 to 5" in reasons[3]
    assert "not a whole number from 1 to 5" in reasons[4]
    assert "“morale” is not an indicator" in reasons[5]
    assert "respondent is empty" in reasons[6]
    assert "already answered interop in row 2" in reasons[7]
    assert "not a number" in reasons[8]
    assert "too large" in reasons[9]
    assert "not a number" in reasons[10]
    # All or nothing: the good row 2 was not stored either.
    assert _measurement(survey, "interop").actual is None
    assert not Measurement.objects.filter(indicator=survey["savings"]).exists()
    assert "row 7: respondent R1 already answered" in report.summary()


def test_missing_columns_are_named_before_anything_is_read(survey: dict) -> None:
    with pytest.raises(ImportAborted, match="Missing column\\(s\\): answer"):
        ingest(survey["assessment"], survey["write"]("respondent,question\nR1,interop\n"))
    with pytest.raises(ImportAborted, match="no answers"):
        ingest(survey["assessment"], survey["write"]("respondent,question,answer\n"))


def test_a_question_without_target_or_baseline_cannot_be_scored(survey: dict) -> None:
    with pytest.raises(ImportAborted, match="--target interop=VALUE"):
        ingest(survey["assessment"], survey["write"]("respondent,question,answer\nR1,interop,4\n"))
    assert not Measurement.objects.exists()


def test_existing_targets_are_kept_and_reimporting_changes_nothing(survey: dict) -> None:
    MeasurementFactory(assessment=survey["assessment"], indicator=survey["interop"], target=4, baseline=3, actual=None)
    path = survey["write"]("respondent,question,answer\nR1,interop,4\nR2,interop,5\n")
    first = ingest(survey["assessment"], path)
    assert dict(first.outcomes) == {"updated": 1}
    measurement = _measurement(survey, "interop")
    assert (measurement.baseline, measurement.target, measurement.actual) == (3, 4, Decimal("4.5"))
    history = measurement.history.count()
    again = ingest(survey["assessment"], path)
    assert dict(again.outcomes) == {"unchanged": 1}
    assert measurement.history.count() == history
    # Another file for the same assessment replaces that question's figures.
    ingest(survey["assessment"], survey["write"]("respondent,question,answer\nR9,interop,1\n"))
    assert _measurement(survey, "interop").actual == 1
    assert _measurement(survey, "interop").response_count == 1


def test_the_previous_measurement_of_the_same_subject_gives_the_baseline(survey: dict) -> None:
    exercise = survey["assessment"].exercise
    earlier = AssessmentFactory(exercise=exercise, conducted_on=D(2024, 5, 1))
    MeasurementFactory(assessment=earlier, indicator=survey["interop"], target=4, actual=Decimal("3.2"))
    elsewhere = AssessmentFactory(exercise=ExerciseFactory(), conducted_on=D(2025, 1, 1))
    MeasurementFactory(assessment=elsewhere, indicator=survey["interop"], target=4, actual=Decimal("1.0"))
    ingest(survey["assessment"], survey["write"]("respondent,question,answer\nR1,interop,4\n"))
    measurement = _measurement(survey, "interop")
    assert measurement.baseline == Decimal("3.2")
    assert measurement.target is None


def test_dry_run_writes_nothing(survey: dict) -> None:
    report = ingest(survey["assessment"], survey["write"](GOOD), targets={"interop": 4, "savings": 3}, dry_run=True)
    assert report.outcomes["created"] == 2
    assert not report.committed
    assert not Measurement.objects.exists()


def test_target_options_are_parsed_and_checked(survey: dict) -> None:
    assert parse_assignments(["interop=4.5"], "--target") == {"interop": Decimal("4.5")}
    for bad in ("interop", "=4", "interop=high", "interop=nan"):
        with pytest.raises(ImportAborted, match="is not SLUG=NUMBER"):
            parse_assignments([bad], "--target")
    with pytest.raises(ImportAborted, match="“morale”, which is not an indicator"):
        ingest(survey["assessment"], survey["write"](GOOD), targets={"morale": Decimal(1)})


def test_the_command_reports_and_fails_clearly(survey: dict, capsys: pytest.CaptureFixture) -> None:
    pk = survey["assessment"].pk
    path = survey["write"](GOOD)
    call_command("import_survey", str(pk), str(path), "--target", "interop=4", "--target", "savings=3")
    out = capsys.readouterr().out
    assert "answers: 4, no answer: 3, respondents: 4" in out
    assert "2 created" in out
    with pytest.raises(CommandError, match="row\\(s\\) rejected, so nothing was written"):
        call_command("import_survey", str(pk), str(survey["write"](BAD)), "--target", "savings=1")
    with pytest.raises(CommandError, match="There is no assessment 999999"):
        call_command("import_survey", "999999", str(path))
    with pytest.raises(CommandError, match="Nothing was written"):
        call_command("import_survey", str(pk), str(path.with_name("missing.csv")))
    assert Indicator.objects.filter(slug="interop").exists()
