"""Candidate duplicates: pairs of agreements that may be one real-world agreement, for staff to review.

Crosswalks (ATOP's ``cow4id``) attach a dataset's record to the record it
names. Where none decides, :func:`propose_candidates` looks for pairs with
the same parties (for alliances, member sets that mostly agree), signed
within a few days of each other, of compatible kinds and with similar
titles, and stores each with a score and its reasons in words
(:class:`~partnerships.models.DuplicateCandidate`). Staff merge a pair
(``partnerships.services.merges``) or keep it apart (:func:`keep_apart`);
a pair kept apart is never proposed again.

Scale: pairs are formed in SQL, never all against all. Two blocks feed the
scoring: pairs sharing a party among the first few of each record's parties
in order of rarity (the prefix filter for a Jaccard threshold: two sets with
a Jaccard similarity of at least t share one of their first
``n - ceil(t·n) + 1`` members, so a bilateral agreement is compared only with
those sharing its rarer party), and pairs whose titles are similar by
trigram (the title's trigram index serves ``%``); both signed within a year
of each other, when both dates are known.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from partnerships.choices import AgreementKind, CandidateStatus, DatePrecision
from partnerships.dates import partial_date
from partnerships.models import Agreement, AgreementParty, AgreementSource, DuplicateCandidate
from partnerships.models.base import pk_of


@dataclass(frozen=True)
class Settings:
    """The thresholds of a run; the defaults are what the command and the importers use."""

    days: int = 7  # the most days apart two day-precision signature dates may be
    jaccard: Decimal = Decimal("0.8")  # the least share of common parties (alliances' member sets)
    title_similarity: float = 0.5  # the least trigram similarity of titles when parties do not decide
    min_score: float = 0.5


DEFAULTS = Settings()

# Dataset records of alliances do not say which instrument made the alliance: any of these may be it.
_ALLIANCE_INSTRUMENTS = frozenset(
    {
        AgreementKind.TREATY,
        AgreementKind.EXECUTIVE_AGREEMENT,
        AgreementKind.DEFENSE_COOPERATION,
        AgreementKind.FRAMEWORK,
        AgreementKind.MOU,
    }
)
_PRECISION_RANK = {DatePrecision.DAY: 0, DatePrecision.MONTH: 1, DatePrecision.YEAR: 2}


def compatible_kinds(a: str, b: str) -> bool:
    """Return whether agreements of kinds ``a`` and ``b`` may be one instrument.

    The same kind, "other instrument" with any, and an alliance (a dataset's
    record) with the instruments that make alliances.
    """
    if a == b or AgreementKind.OTHER in (a, b):
        return True
    pair = {a, b}
    return AgreementKind.ALLIANCE in pair and bool(pair & _ALLIANCE_INSTRUMENTS)


@dataclass
class _Record:
    id: int
    title: str
    kind: str
    signed_on: date | None
    precision: str
    parties: frozenset[str] = frozenset()
    datasets: set[str] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)
    crosswalk: set[str] = field(default_factory=set)


def _blocked_pairs(settings: Settings) -> list[tuple[int, int, float]]:
    """Return (lower id, higher id, title similarity) of every pair worth scoring, formed in SQL."""
    agreement = Agreement._meta.db_table
    party = AgreementParty._meta.db_table
    near_in_time = (
        "(a1.signed_on IS NULL OR a2.signed_on IS NULL "
        "OR abs(extract(year FROM a1.signed_on) - extract(year FROM a2.signed_on)) <= 1)"
    )
    sql = f"""
        WITH actors AS (
            SELECT DISTINCT agreement_id,
                   CASE WHEN nation_id IS NOT NULL THEN 'nation:' || nation_id
                        ELSE 'organization:' || organization_id END AS actor
            FROM {party}
        ),
        sizes AS (SELECT agreement_id, count(*) AS n FROM actors GROUP BY agreement_id),
        frequency AS (SELECT actor, count(*) AS f FROM actors GROUP BY actor),
        ranked AS (
            SELECT a.agreement_id, a.actor, s.n,
                   row_number() OVER (PARTITION BY a.agreement_id ORDER BY f.f, a.actor) AS rank
            FROM actors a JOIN sizes s USING (agreement_id) JOIN frequency f USING (actor)
        ),
        prefix AS (
            SELECT agreement_id, actor, n FROM ranked WHERE rank <= n - ceil(%(jaccard)s::numeric * n) + 1
        ),
        pairs AS (
            SELECT p1.agreement_id AS low, p2.agreement_id AS high
            FROM prefix p1
            JOIN prefix p2 ON p1.actor = p2.actor AND p1.agreement_id < p2.agreement_id
            WHERE p2.n BETWEEN ceil(%(jaccard)s::numeric * p1.n) AND floor(p1.n / %(jaccard)s::numeric)
            UNION
            SELECT a1.id, a2.id
            FROM {agreement} a1
            JOIN {agreement} a2 ON upper(a2.title) %% upper(a1.title) AND a1.id < a2.id
            WHERE {near_in_time}
        )
        SELECT pairs.low, pairs.high, similarity(upper(a1.title), upper(a2.title))
        FROM pairs
        JOIN {agreement} a1 ON a1.id = pairs.low
        JOIN {agreement} a2 ON a2.id = pairs.high
        WHERE {near_in_time}
    """
    with transaction.atomic(), connection.cursor() as cursor:
        # The trigram operator % uses this threshold (and the title's GIN index); local to the transaction.
        cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(settings.title_similarity)])
        cursor.execute(sql, {"jaccard": settings.jaccard})
        return [(low, high, float(similarity)) for low, high, similarity in cursor.fetchall()]


def _records(ids: set[int]) -> dict[int, _Record]:
    """Return what the scoring needs of each agreement: dates, kind, parties, sources (three queries)."""
    records = {
        row["id"]: _Record(
            id=row["id"],
            title=row["title"],
            kind=row["kind"],
            signed_on=row["signed_on"],
            precision=row["signed_on_precision"],
        )
        for row in Agreement.objects.filter(pk__in=ids).values(
            "id", "title", "kind", "signed_on", "signed_on_precision"
        )
    }
    parties: dict[int, set[str]] = defaultdict(set)
    for agreement_id, nation_id, organization_id in AgreementParty.objects.filter(agreement__in=ids).values_list(
        "agreement_id", "nation_id", "organization_id"
    ):
        parties[agreement_id].add(f"nation:{nation_id}" if nation_id else f"organization:{organization_id}")
    for agreement_id, members in parties.items():
        records[agreement_id].parties = frozenset(members)
    for agreement_id, dataset, dataset_id, crosswalk in AgreementSource.objects.filter(record__in=ids).values_list(
        "record_id", "dataset", "dataset_id", "crosswalk"
    ):
        if dataset:
            records[agreement_id].datasets.add(dataset)
            records[agreement_id].keys.add(f"{dataset}:{dataset_id}")
        records[agreement_id].crosswalk.update(crosswalk)
    return records


def _decided_by_sources(a: _Record, b: _Record) -> bool:
    """Whether the sources already decide the pair: the same dataset on both, or a crosswalk into the other's.

    Two records of one dataset are two records by that dataset's own account
    (two ATOP alliances are two alliances). A crosswalk naming a record of a
    dataset the other record has a source of says whether they are one: the
    importers attach by it, and a merge proposal would second-guess it.
    """
    if a.datasets & b.datasets:
        return True
    return any(key.split(":", 1)[0] in two.datasets for one, two in ((a, b), (b, a)) for key in one.crosswalk)


def _date_evidence(a: _Record, b: _Record, settings: Settings) -> tuple[bool | None, float, str]:
    """Return (dates agree or None when unknown, closeness from 0 to 1, the reason in words)."""
    if a.signed_on is None or b.signed_on is None:
        return None, 0.0, ""
    coarser = max(a.precision, b.precision, key=lambda precision: _PRECISION_RANK.get(precision, 0))
    shown = f"{partial_date(a.signed_on, a.precision)} and {partial_date(b.signed_on, b.precision)}"
    if coarser == DatePrecision.YEAR:
        same = a.signed_on.year == b.signed_on.year
        return same, 1.0 if same else 0.0, f"signed in the same year ({shown}; known only to the year)"
    if coarser == DatePrecision.MONTH:
        same = (a.signed_on.year, a.signed_on.month) == (b.signed_on.year, b.signed_on.month)
        return same, 1.0 if same else 0.0, f"signed in the same month ({shown}; known only to the month)"
    days = abs((a.signed_on - b.signed_on).days)
    if days > settings.days:
        return False, 0.0, ""
    if days == 0:
        return True, 1.0, f"signed the same day ({shown})"
    return True, 1 - days / (settings.days + 1), f"signed {days} day{'s' if days > 1 else ''} apart ({shown})"


def score_pair(a: _Record, b: _Record, title_similarity: float, settings: Settings) -> tuple[float, list[str]] | None:
    """Return (score, reasons) if ``a`` and ``b`` may be one agreement, or None.

    Parties weigh most (0.45, by their Jaccard similarity), then the signature
    dates (0.25), titles (0.2, trigram similarity) and kind (0.1). A pair is
    proposed when its kinds are compatible, its dates (if both known) agree,
    and its parties agree, or, where one has no parties recorded, its titles
    are similar; and its score reaches the minimum.
    """
    if not compatible_kinds(a.kind, b.kind):
        return None
    dates_agree, closeness, date_reason = _date_evidence(a, b, settings)
    if dates_agree is False:
        return None
    reasons = []
    jaccard = 0.0
    if a.parties and b.parties:
        common = len(a.parties & b.parties)
        jaccard = common / len(a.parties | b.parties)
        if Decimal(str(jaccard)) < settings.jaccard:
            return None
        if a.parties == b.parties:
            reasons.append(f"same parties ({common})")
        else:
            reasons.append(
                f"parties mostly the same: {common} in common of {len(a.parties | b.parties)} (Jaccard {jaccard:.2f})"
            )
    elif title_similarity < settings.title_similarity:
        return None
    else:
        reasons.append("parties not recorded on one of them")
    if date_reason:
        reasons.append(date_reason)
    else:
        reasons.append("signature date not recorded on one of them")
    labels = dict(AgreementKind.choices)
    if a.kind == b.kind:
        reasons.append(f"same kind ({labels.get(a.kind, a.kind)})")
    else:
        reasons.append(f"compatible kinds ({labels.get(a.kind, a.kind)}, {labels.get(b.kind, b.kind)})")
    if title_similarity >= 0.3:
        reasons.append(f"similar titles (trigram similarity {title_similarity:.2f})")
    score = 0.45 * jaccard + 0.25 * closeness + 0.2 * title_similarity + (0.1 if a.kind == b.kind else 0.05)
    score = round(min(score, 1.0), 3)
    if score < settings.min_score:
        return None
    return score, reasons


def find_candidates(*, settings: Settings = DEFAULTS) -> dict[tuple[int, int], tuple[float, list[str]]]:
    """Return {(lower id, higher id): (score, reasons)} of every pair worth a review, decided ones included."""
    pairs = _blocked_pairs(settings)
    records = _records({pk for low, high, _ in pairs for pk in (low, high)})
    found = {}
    for low, high, similarity in pairs:
        a, b = records.get(low), records.get(high)
        if a is None or b is None or _decided_by_sources(a, b):
            continue
        scored = score_pair(a, b, similarity, settings)
        if scored is not None:
            found[(low, high)] = scored
    return found


@transaction.atomic
def propose_candidates(*, model: type[models.Model] = Agreement, settings: Settings = DEFAULTS) -> int:
    """Refresh the open candidates of ``model``'s records; return how many pairs are open now.

    New pairs are added, open ones re-scored, open ones no longer found
    removed; pairs staff decided (kept apart, merged) are left as they are
    and never proposed again. Importers call this at the end of a run.
    Raise ValueError for a record type without duplicate review (only
    agreements have it).
    """
    if model is not Agreement:
        raise ValueError(f"Duplicate candidates are proposed for agreements only, not {model.__name__}.")
    # One refresh at a time: two would insert the same new pairs.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('partnerships.propose_candidates'))")
    found = find_candidates(settings=settings)
    existing = {(row.first_id, row.second_id): row for row in DuplicateCandidate.objects.all()}
    stale = [row.pk for key, row in existing.items() if row.status == CandidateStatus.OPEN and key not in found]
    DuplicateCandidate.objects.filter(pk__in=stale).delete()
    now = timezone.now()
    changed, new = [], []
    for (low, high), (score, reasons) in found.items():
        row = existing.get((low, high))
        if row is None:
            new.append(DuplicateCandidate(first_id=low, second_id=high, score=score, reasons=reasons))
        elif row.status == CandidateStatus.OPEN and (row.score != score or row.reasons != reasons):
            row.score, row.reasons, row.updated_at = score, reasons, now
            changed.append(row)
    DuplicateCandidate.objects.bulk_create(new, batch_size=1000)
    DuplicateCandidate.objects.bulk_update(changed, ["score", "reasons", "updated_at"], batch_size=1000)
    return DuplicateCandidate.objects.filter(status=CandidateStatus.OPEN).count()


def kept_apart(a: Agreement | int, b: Agreement | int) -> bool:
    """Return whether staff kept agreements ``a`` and ``b`` apart (importers must not attach one to the other)."""
    if pk_of(a) == pk_of(b):
        return False
    return DuplicateCandidate.objects.pair(a, b).filter(status=CandidateStatus.KEPT_APART).exists()


@transaction.atomic
def keep_apart(*, first: Agreement | int, second: Agreement | int, user: Any) -> DuplicateCandidate:
    """Record that staff hold ``first`` and ``second`` to be different agreements; return the pair's row.

    The pair need not have been proposed: staff may keep apart any two records.
    Raise ValueError for a record paired with itself.
    """
    low, high = sorted((pk_of(first), pk_of(second)))
    if low == high:
        raise ValueError("A record cannot be kept apart from itself.")
    candidate, _ = DuplicateCandidate.objects.select_for_update().get_or_create(
        first_id=low, second_id=high, defaults={"score": 0, "reasons": ["kept apart by staff"]}
    )
    candidate.status = CandidateStatus.KEPT_APART
    candidate.decided_by = user if getattr(user, "pk", None) else None
    candidate.decided_at = timezone.now()
    candidate.save()
    return candidate


def default_survivor(candidate: DuplicateCandidate) -> Agreement:
    """Return the record a merge keeps unless staff choose: the one staff curated (it follows no
    dataset), else the older one (the lower id)."""
    first, second = candidate.first, candidate.second
    followed = set(
        AgreementSource.objects.filter(record__in=[first, second], followed=True).values_list("record_id", flat=True)
    )
    if first.pk in followed and second.pk not in followed:
        return second
    return first
