"""Global search: every record type, ranked by PostgreSQL full-text search, tolerant of misspellings.

Full-text search (English stemming) ranks records that contain the words;
trigram word similarity (pg_trgm) finds the ones a typo would miss
("Phillipines" → Philippines). Each type is searched through
``visible_to(user)``, so restricted records never appear, nor count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, TrigramWordSimilarity
from django.db import models
from django.db.models.functions import Coalesce, Greatest

from partnerships.models import Agreement, Assessment, Exercise, Nation, Organization, Program, ResourceSharing

# Word similarity a misspelling must reach to count as a match (pg_trgm's default is 0.6).
MIN_SIMILARITY = 0.45


@dataclass(frozen=True)
class SearchTarget:
    model: type[models.Model]
    label: str
    # Fields weighted A (names, codes) and B (descriptions) in the full-text vector.
    primary: tuple[str, ...]
    secondary: tuple[str, ...] = ()
    select_related: tuple[str, ...] = ()


TARGETS = (
    SearchTarget(Nation, "Nations", ("name", "iso3", "iso2", "cow_abbr")),
    SearchTarget(Organization, "Organizations", ("name", "acronym"), ("description",), ("nation",)),
    SearchTarget(Program, "Programs", ("name", "acronym"), ("description",)),
    SearchTarget(Agreement, "Agreements", ("title", "short_name"), ("description",)),
    SearchTarget(Exercise, "Exercises", ("name", "series"), ("location", "objectives", "outcomes")),
    SearchTarget(
        ResourceSharing,
        "Resource-sharing records",
        ("reference", "description"),
        ("unit",),
        ("provider_nation", "provider_organization", "recipient_nation", "recipient_organization"),
    ),
    SearchTarget(Assessment, "Assessments", ("title",), ("summary",)),
)


@dataclass
class SearchGroup:
    label: str
    model: type[models.Model]
    results: list[Any] = field(default_factory=list)
    total: int = 0


def _ranked(target: SearchTarget, queryset: models.QuerySet, text: str) -> models.QuerySet:
    vector = SearchVector(*target.primary, weight="A", config="english")
    if target.secondary:
        vector = vector + SearchVector(*target.secondary, weight="B", config="english")
    query = SearchQuery(text, search_type="websearch", config="english")
    similarities = [TrigramWordSimilarity(text, Coalesce(name, models.Value(""))) for name in target.primary]
    similarity = Greatest(*similarities) if len(similarities) > 1 else similarities[0]
    return (
        queryset.annotate(rank=SearchRank(vector, query), similarity=similarity)
        .filter(models.Q(rank__gt=0) | models.Q(similarity__gte=MIN_SIMILARITY))
        .order_by(-(models.F("rank") + models.F("similarity")), "pk")
    )


def search(*, user: Any, text: str, per_type: int = 10) -> list[SearchGroup]:
    """Return, for each record type with matches, the best ``per_type`` records and the number found.

    Records are ranked by full-text relevance plus trigram similarity; only
    records ``user`` may see are searched.
    """
    text = " ".join(text.split())[:200]
    if not text:
        return []
    groups = []
    for target in TARGETS:
        queryset = _ranked(target, target.model.objects.visible_to(user), text)
        results = list(queryset.select_related(*target.select_related)[:per_type])
        if not results:
            continue
        total = len(results) if len(results) < per_type else queryset.count()
        groups.append(SearchGroup(label=target.label, model=target.model, results=results, total=total))
    return groups
