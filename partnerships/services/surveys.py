"""Survey ingestion: participant answers in a CSV file become indicator measurements of an assessment.

The file has one answer per row, in three columns::

    respondent,question,answer
    R001,interoperability,4
    R001,cost-savings,2.5
    R002,interoperability,

``question`` names an indicator by its slug (or its name, in any case).
``answer`` is a whole number from 1 to 5 for a Likert indicator and any
number for a numeric one; an empty answer, ``NA`` or ``N/A`` means the
respondent did not answer. Each question's answers are aggregated into one
measurement of the assessment, on the assessment's date: the mean as the
actual value, the number of answers, and their distribution (count per
value for Likert indicators; minimum, median and maximum for numbers).

The measurement keeps the target and baseline it already has; ``targets``
and ``baselines`` (by slug) set them; otherwise the previous measurement of
the indicator for the same subject gives the baseline. A question with no
target or baseline at all is an error, since it could not be scored.

All or nothing: any bad row (reported with its number) and nothing is
written. Importing the same file again changes nothing; importing another
file for the same assessment replaces the aggregates of its questions.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from partnerships.audit import Channel, recorded_as
from partnerships.choices import IndicatorScale
from partnerships.models import Assessment, Indicator, Measurement
from partnerships.services.importers.base import ImportAborted, Rejection, decode, read_rows

COLUMNS = ("respondent", "question", "answer")
NO_ANSWER = {"", "na", "n/a"}
PLACES = Decimal("0.0001")
# The largest value a measurement stores (numeric(14, 4)).
MAX_VALUE = Decimal("9999999999.9999")


@dataclass
class SurveyReport:
    assessment: Assessment
    path: str
    dry_run: bool = False
    rows_read: int = 0
    answers: int = 0
    skipped: int = 0
    respondents: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)  # created / updated / unchanged measurements
    committed: bool = False

    def summary(self) -> str:
        state = "dry run, nothing written" if self.dry_run else ("written" if self.committed else "nothing written")
        lines = [
            f"survey for “{self.assessment}”: {self.path}",
            f"  rows read: {self.rows_read}, answers: {self.answers}, no answer: {self.skipped}, "
            f"respondents: {self.respondents}, rejected: {len(self.rejected)} ({state})",
            "  measurements: " + ", ".join(f"{self.outcomes[o]} {o}" for o in ("created", "updated", "unchanged")),
        ]
        lines += [f"  row {r.row}: {'; '.join(r.reasons)}" for r in self.rejected[:50]]
        if len(self.rejected) > 50:
            lines.append(f"  … and {len(self.rejected) - 50} more rejected rows")
        return "\n".join(lines)


def _parse_answer(text: str, indicator: Indicator) -> Decimal:
    try:
        value = Decimal(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
    except InvalidOperation:
        raise ValueError(f"answer “{text}” is not a number") from None
    if not value.is_finite():
        raise ValueError(f"answer “{text}” is not a number")
    if indicator.scale == IndicatorScale.LIKERT_5:
        if value != value.to_integral_value() or not 1 <= value <= 5:
            raise ValueError(f"answer “{text}” is not a whole number from 1 to 5 ({indicator.name} is a Likert scale)")
        return value.to_integral_value()
    if abs(value) > MAX_VALUE:
        raise ValueError(f"answer “{text}” is too large")
    return value


def _indicator_lookup() -> dict[str, Indicator]:
    lookup: dict[str, Indicator] = {}
    for indicator in Indicator.objects.all():
        lookup[indicator.name.casefold()] = indicator
        lookup[indicator.slug.casefold()] = indicator
    return lookup


def _plain(value: Decimal) -> str:
    """The number as written by people: 10, not 1E+1; 2.5, not 2.5000."""
    return format(value.normalize(), "f")


def _aggregate(indicator: Indicator, answers: list[Decimal]) -> dict[str, object]:
    mean = (sum(answers) / len(answers)).quantize(PLACES)
    if indicator.scale == IndicatorScale.LIKERT_5:
        counts = Counter(int(value) for value in answers)
        distribution: dict[str, object] = {str(value): counts.get(value, 0) for value in range(1, 6)}
    else:
        distribution = {
            "min": _plain(min(answers)),
            "median": _plain(Decimal(statistics.median(answers)).quantize(PLACES)),
            "max": _plain(max(answers)),
        }
    return {"actual": mean, "response_count": len(answers), "distribution": distribution}


def _previous_actual(assessment: Assessment, indicator: Indicator) -> Decimal | None:
    """The latest earlier measured value of ``indicator`` for the same subject, if any."""
    subject = {f"assessment__{name}": getattr(assessment, name) for name in ("program", "agreement", "exercise")}
    earlier = (
        Measurement.objects.filter(indicator=indicator, actual__isnull=False, measured_on__lt=assessment.conducted_on)
        .filter(**{key: value for key, value in subject.items() if value is not None})
        .order_by("-measured_on", "-id")
        .values_list("actual", flat=True)
        .first()
    )
    return earlier


def ingest(
    assessment: Assessment,
    path: Path | str,
    *,
    raw: bytes | None = None,
    targets: dict[str, Decimal] | None = None,
    baselines: dict[str, Decimal] | None = None,
    dry_run: bool = False,
    encoding: str | None = None,
) -> SurveyReport:
    """Read a survey file into ``assessment``'s measurements; all or nothing.

    Raise ImportAborted when the file cannot be read at all or a question
    cannot be scored; return the report (``committed`` False and
    ``rejected`` filled) when rows are bad.
    """
    targets, baselines = targets or {}, baselines or {}
    report = SurveyReport(assessment=assessment, path=str(path), dry_run=dry_run)
    data = raw if raw is not None else Path(path).read_bytes()
    text = decode(data, encoding)
    indicators = _indicator_lookup()
    for slug in (*targets, *baselines):
        if slug.casefold() not in indicators:
            raise ImportAborted(f"--target/--baseline name “{slug}”, which is not an indicator.")
    answers: dict[Indicator, list[Decimal]] = defaultdict(list)
    seen: dict[tuple[str, int], int] = {}
    respondents: set[str] = set()
    for number, row in read_rows(text, COLUMNS):
        report.rows_read += 1
        reasons: list[str] = []
        respondent, question, answer = row["respondent"], row["question"], row["answer"]
        indicator = indicators.get(question.casefold())
        if not respondent:
            reasons.append("respondent is empty")
        if indicator is None:
            reasons.append(f"question “{question}” is not an indicator (use its slug, e.g. interoperability)")
        elif respondent:
            key = (respondent.casefold(), indicator.pk)
            if key in seen:
                reasons.append(f"respondent {respondent} already answered {indicator.slug} in row {seen[key]}")
            else:
                seen[key] = number
        value = None
        if indicator is not None and answer.casefold() not in NO_ANSWER:
            try:
                value = _parse_answer(answer, indicator)
            except ValueError as exc:
                reasons.append(str(exc))
        if reasons:
            report.rejected.append(Rejection(row=number, reasons=reasons, data=row))
            continue
        respondents.add(respondent.casefold())
        if value is None:
            report.skipped += 1
            continue
        report.answers += 1
        answers[indicator].append(value)  # type: ignore[index]
    report.respondents = len(respondents)
    if report.rows_read == 0:
        raise ImportAborted("The file has no answers.")
    if report.rejected:
        return report
    with recorded_as(Channel.IMPORT), transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        for indicator, values in answers.items():
            _store(report, locked, indicator, values, targets, baselines)
        if dry_run:
            transaction.set_rollback(True)
        else:
            report.committed = True
    return report


def _store(
    report: SurveyReport,
    assessment: Assessment,
    indicator: Indicator,
    values: list[Decimal],
    targets: dict[str, Decimal],
    baselines: dict[str, Decimal],
) -> None:
    wanted = _aggregate(indicator, values)
    named = {slug.casefold(): value for slug, value in targets.items()}
    named_baselines = {slug.casefold(): value for slug, value in baselines.items()}
    for key in (indicator.slug, indicator.name.casefold()):
        if key in named:
            wanted["target"] = named[key]
        if key in named_baselines:
            wanted["baseline"] = named_baselines[key]
    measurement = Measurement.objects.filter(
        assessment=assessment, indicator=indicator, measured_on=assessment.conducted_on
    ).first()
    if measurement is None:
        measurement = Measurement(assessment=assessment, indicator=indicator, measured_on=assessment.conducted_on)
    target = wanted.get("target", measurement.target)
    baseline = wanted.get("baseline", measurement.baseline)
    if target is None and baseline is None:
        previous = _previous_actual(assessment, indicator)
        if previous is None:
            raise ImportAborted(
                f"Question {indicator.slug} has no target or baseline, so it could not be scored: "
                f"give one with --target {indicator.slug}=VALUE (or set it on the assessment's measurement)."
            )
        wanted["baseline"] = previous
    changed = [name for name, value in wanted.items() if getattr(measurement, name) != value]
    if measurement.pk is not None and not changed:
        report.outcomes["unchanged"] += 1
        return
    for name in changed:
        setattr(measurement, name, wanted[name])
    outcome = "updated" if measurement.pk is not None else "created"
    measurement.full_clean()
    measurement.save()
    report.outcomes[outcome] += 1


def parse_assignments(values: list[str], option: str) -> dict[str, Decimal]:
    """Parse repeated ``slug=value`` options; raise ImportAborted naming a malformed one."""
    parsed: dict[str, Decimal] = {}
    for item in values:
        slug, sep, number = item.partition("=")
        try:
            value = Decimal(number.strip())
            if not sep or not slug.strip() or not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            raise ImportAborted(f"{option} “{item}” is not SLUG=NUMBER, e.g. {option} interoperability=4") from None
        parsed[slug.strip()] = value
    return parsed
