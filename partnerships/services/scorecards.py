"""Scorecards: are the partners meeting their goals, and what did they promise to fix?

A scorecard summarises the assessments of one subject — a program (with its
agreements and exercises), an agreement, a recurring exercise series or a
nation — conducted within a period:

- for each indicator, its measurements in date order (the trend) with their
  targets, and how many of them met their target;
- the share of targets met: measurements with both an actual value and a
  target that meet it (at or above the target, or at or below it when lower
  is better), over all measurements with both. Measurements with no target,
  or no actual value yet, are listed but not counted;
- recommendations: open, in progress, overdue (pending after their due date,
  as of a given day), done and dropped, with the pending ones listed;
- challenges by how many assessments observed them.

Only assessments the user may see are read, so a restricted assessment
never changes a figure an unauthorised user sees. Each scorecard costs a
fixed number of queries whatever the number of assessments.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models.functions import Coalesce

from partnerships.choices import FindingKind, FollowUpStatus
from partnerships.models import (
    Agreement,
    Assessment,
    AssessmentChallenge,
    Finding,
    Indicator,
    Measurement,
    Nation,
    Program,
)
from partnerships.models.assessments import progress_toward_target, target_met
from partnerships.services.naming import Namer


@dataclass(frozen=True)
class Point:
    """One measurement on an indicator's trend."""

    measured_on: date
    actual: Decimal | None
    target: Decimal | None
    baseline: Decimal | None
    met: bool | None
    progress: Decimal | None
    assessment_id: int
    assessment: str
    response_count: int | None = None


@dataclass
class IndicatorTrend:
    indicator: Indicator
    points: list[Point] = field(default_factory=list)

    @property
    def scored(self) -> int:
        """Measurements with both an actual value and a target."""
        return sum(1 for point in self.points if point.met is not None)

    @property
    def met(self) -> int:
        return sum(1 for point in self.points if point.met)

    @property
    def latest(self) -> Point | None:
        """The most recent measurement with an actual value."""
        measured = [point for point in self.points if point.actual is not None]
        return measured[-1] if measured else None

    @property
    def latest_target(self) -> Decimal | None:
        targets = [point.target for point in self.points if point.target is not None]
        return targets[-1] if targets else None


@dataclass
class ChallengeCount:
    slug: str
    name: str
    parent: str | None
    assessments: int
    high_severity: int


@dataclass
class Scorecard:
    subject: str
    start: date | None
    end: date | None
    as_of: date
    assessments: list[Assessment]
    indicators: list[IndicatorTrend]
    recommendations: dict[str, int]
    pending: list[Finding]
    challenges: list[ChallengeCount]
    challenge_groups: list[tuple[str, int]] = field(default_factory=list)
    # Names assessors and owners for the user the scorecard is for.
    namer: Namer | None = None

    @property
    def targets_scored(self) -> int:
        return sum(trend.scored for trend in self.indicators)

    @property
    def targets_met(self) -> int:
        return sum(trend.met for trend in self.indicators)

    @property
    def share_met(self) -> Decimal | None:
        """Share of scored measurements meeting their target, from 0 to 1 (None when nothing is scored)."""
        if not self.targets_scored:
            return None
        return Decimal(self.targets_met) / Decimal(self.targets_scored)

    @property
    def average_rating(self) -> Decimal | None:
        ratings = [a.overall_rating for a in self.assessments if a.overall_rating is not None]
        if not ratings:
            return None
        return (Decimal(sum(ratings)) / Decimal(len(ratings))).quantize(Decimal("0.01"))

    @property
    def overdue(self) -> list[Finding]:
        return [finding for finding in self.pending if finding.is_overdue(self.as_of)]


def build(
    assessments: models.QuerySet,
    *,
    user: Any,
    subject: str,
    start: date | None = None,
    end: date | None = None,
    as_of: date,
) -> Scorecard:
    """Return the scorecard of ``assessments`` (already limited to what the user may see) in a period.

    The period selects assessments by the day they were conducted, both
    ends inclusive. Four queries: assessments, measurements, findings,
    challenges.
    """
    selected = assessments.conducted_between(start, end)
    chosen = list(
        selected.select_related("program", "agreement", "exercise", "assessor").order_by("conducted_on", "id")
    )
    ids = [assessment.pk for assessment in chosen]
    titles = {assessment.pk: assessment.title for assessment in chosen}
    return Scorecard(
        subject=subject,
        start=start,
        end=end,
        as_of=as_of,
        assessments=chosen,
        indicators=_trends(ids, titles),
        **_recommendations(ids, as_of),
        challenges=_challenges(ids),
        challenge_groups=_challenge_groups(ids),
        namer=Namer(user),
    )


def _trends(ids: list[int], titles: dict[int, str]) -> list[IndicatorTrend]:
    trends: dict[int, IndicatorTrend] = {}
    measurements = (
        Measurement.objects.filter(assessment__in=ids).select_related("indicator").order_by("measured_on", "id")
    )
    for m in measurements:
        trend = trends.setdefault(m.indicator_id, IndicatorTrend(indicator=m.indicator))
        trend.points.append(
            Point(
                measured_on=m.measured_on,
                actual=m.actual,
                target=m.target,
                baseline=m.baseline,
                met=target_met(m.actual, m.target, lower_is_better=m.indicator.lower_is_better),
                progress=progress_toward_target(m.baseline, m.target, m.actual),
                assessment_id=m.assessment_id,
                assessment=titles[m.assessment_id],
                response_count=m.response_count,
            )
        )
    return sorted(trends.values(), key=lambda trend: trend.indicator.name)


def _recommendations(ids: list[int], as_of: date) -> dict[str, Any]:
    rows = list(
        Finding.objects.filter(assessment__in=ids, kind=FindingKind.RECOMMENDATION)
        .select_related("owner", "assessment")
        .order_by(models.F("due_on").asc(nulls_last=True), "id")
    )
    counts = Counter(row.status for row in rows)
    summary = {status.value: counts.get(status.value, 0) for status in FollowUpStatus}
    pending = [row for row in rows if row.status in (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)]
    summary["overdue"] = sum(1 for row in pending if row.is_overdue(as_of))
    summary["total"] = len(rows)
    return {"recommendations": summary, "pending": pending}


def _challenges(ids: list[int]) -> list[ChallengeCount]:
    rows = (
        AssessmentChallenge.objects.filter(assessment__in=ids)
        .values("challenge_type__slug", "challenge_type__name", "challenge_type__parent__name")
        .annotate(
            assessments=models.Count("assessment", distinct=True),
            high=models.Count("id", filter=models.Q(severity="high")),
        )
    )
    counts = [
        ChallengeCount(
            slug=row["challenge_type__slug"],
            name=row["challenge_type__name"],
            parent=row["challenge_type__parent__name"],
            assessments=row["assessments"],
            high_severity=row["high"],
        )
        for row in rows
    ]
    return sorted(counts, key=lambda c: (-c.assessments, c.parent or c.name, c.name))


def _challenge_groups(ids: list[int]) -> list[tuple[str, int]]:
    """Return [(top-level type, assessments observing it or one of its subtypes)], most frequent first."""
    group = Coalesce("challenge_type__parent__name", "challenge_type__name")
    rows = (
        AssessmentChallenge.objects.filter(assessment__in=ids)
        .annotate(group=group)
        .values("group")
        .annotate(assessments=models.Count("assessment", distinct=True))
    )
    return sorted(((row["group"], row["assessments"]) for row in rows), key=lambda item: (-item[1], item[0]))


def as_json(card: Scorecard, *, url_for: Any = None) -> dict[str, Any]:
    """Return the scorecard as JSON-ready data (decimals as strings, as the API renders them)."""
    namer = card.namer or Namer(None)

    def number(value: Decimal | None) -> str | None:
        return None if value is None else format(value.normalize(), "f")

    def point(p: Point) -> dict[str, Any]:
        return {
            "measured_on": p.measured_on.isoformat(),
            "actual": number(p.actual),
            "target": number(p.target),
            "baseline": number(p.baseline),
            "met": p.met,
            "progress": number(p.progress.quantize(Decimal("0.0001"))) if p.progress is not None else None,
            "assessment": p.assessment_id,
            "response_count": p.response_count,
        }

    return {
        "subject": card.subject,
        "period": {
            "start": card.start.isoformat() if card.start else None,
            "end": card.end.isoformat() if card.end else None,
        },
        "as_of": card.as_of.isoformat(),
        "assessments": [
            {
                "id": a.pk,
                "title": a.title,
                "kind": a.kind,
                "conducted_on": a.conducted_on.isoformat(),
                "subject_type": a.subject_kind,
                "subject": str(a.subject),
                "overall_rating": a.overall_rating,
                "assessor": namer.name(a.assessor) or None,
                "url": url_for(a) if url_for else None,
            }
            for a in card.assessments
        ],
        "average_rating": number(card.average_rating),
        "targets": {
            "scored": card.targets_scored,
            "met": card.targets_met,
            "share_met": number(card.share_met.quantize(Decimal("0.0001"))) if card.share_met is not None else None,
        },
        "indicators": [
            {
                "slug": trend.indicator.slug,
                "name": trend.indicator.name,
                "unit": trend.indicator.unit,
                "direction": trend.indicator.direction,
                "measurements": len(trend.points),
                "scored": trend.scored,
                "met": trend.met,
                "latest": point(trend.latest) if trend.latest else None,
                "trend": [point(p) for p in trend.points],
            }
            for trend in card.indicators
        ],
        "recommendations": {
            **card.recommendations,
            "pending": [
                {
                    "id": f.pk,
                    "text": f.text,
                    "owner": namer.name(f.owner) or None,
                    "due_on": f.due_on.isoformat() if f.due_on else None,
                    "status": f.status,
                    "overdue": f.is_overdue(card.as_of),
                    "assessment": f.assessment_id,
                }
                for f in card.pending
            ],
        },
        "challenge_groups": [{"name": name, "assessments": count} for name, count in card.challenge_groups],
        "challenges": [
            {
                "slug": c.slug,
                "name": c.name,
                "parent": c.parent,
                "assessments": c.assessments,
                "high_severity": c.high_severity,
            }
            for c in card.challenges
        ],
    }


def for_program(program: Program, user: Any) -> models.QuerySet:
    """Assessments of the program itself and of its agreements and exercises."""
    return Assessment.objects.visible_to(user).of_program(program)


def for_agreement(agreement: Agreement, user: Any) -> models.QuerySet:
    return Assessment.objects.visible_to(user).filter(agreement=agreement)


def for_series(series: str, user: Any) -> models.QuerySet:
    """Assessments of every edition of a recurring exercise."""
    return Assessment.objects.visible_to(user).of_series(series)


def for_nation(nation: Nation, user: Any) -> models.QuerySet:
    """Assessments of programs the nation leads, agreements it is party to and exercises it joined.

    An assessment of a restricted agreement or exercise is itself hidden from
    users who may not see restricted records, so it never links them here.
    """
    return Assessment.objects.visible_to(user).involving(nation)
