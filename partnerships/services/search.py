"""Global search: every record type, ranked by PostgreSQL full-text search, tolerant of misspellings.

Full-text search (English stemming) over each record's stored search
document (a generated column with a GIN index) ranks records that contain
the words; trigram word similarity (pg_trgm, on trigram-indexed names) finds
the ones a typo would miss ("Phillipines" → Philippines). Agreements and
organizations are also found by their aliases ("Manila Pact", "SEATO"), and
a record one of whose names (an alias, or its own) is exactly the text,
ignoring case, comes first. Each type is
searched through ``visible_to(user)``, so restricted records never appear,
nor count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connections, models
from django.db.models.functions import Coalesce, Greatest, Upper

from partnerships.models import (
    Agreement,
    AgreementAlias,
    Assessment,
    Exercise,
    Nation,
    Organization,
    OrganizationAlias,
    Program,
    ResourceSharing,
)
from partnerships.models.aliases import aliases_of, named_exactly
from partnerships.services.counting import Count, bounded_count

# Word similarity a misspelling must reach to count as a match (pg_trgm's default is 0.6).
MIN_SIMILARITY = 0.45


@dataclass(frozen=True)
class SearchTarget:
    model: type[models.Model]
    label: str
    # Fields weighted A (names, codes) and B (descriptions) in the model's search_document;
    # misspellings are looked for in the primary ones.
    primary: tuple[str, ...]
    secondary: tuple[str, ...] = ()
    select_related: tuple[str, ...] = ()
    # The record type's alias table, searched with its names.
    aliases: type[models.Model] | None = None


TARGETS = (
    SearchTarget(Nation, "Nations", ("name", "iso3", "iso2", "cow_abbr")),
    SearchTarget(Organization, "Organizations", ("name", "acronym"), ("description",), ("nation",), OrganizationAlias),
    SearchTarget(Program, "Programs", ("name", "acronym"), ("description",)),
    SearchTarget(Agreement, "Agreements", ("title", "short_name"), ("description",), (), AgreementAlias),
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
    # False when ``total`` is the query planner's estimate (many thousands of matches).
    total_exact: bool = True

    @property
    def total_label(self) -> str:
        return Count(self.total, self.total_exact).label


def _full_text(target: SearchTarget, queryset: models.QuerySet, query: SearchQuery, text: str) -> models.QuerySet:
    """Records whose stored search document (or an alias's) matches ``query`` (GIN indexes), best first.

    A record named exactly ``text`` (ignoring case) by an alias or one of its
    own names comes before the others.
    """
    rank: models.Expression = SearchRank(models.F("search_document"), query)
    condition = models.Q(search_document=query)
    if target.aliases is None:
        return queryset.filter(condition).annotate(rank=rank).order_by("-rank", "pk")
    matching = aliases_of(target.aliases).filter(search_document=query)
    alias_rank = (
        matching.annotate(alias_rank=SearchRank(models.F("search_document"), query))
        .order_by("-alias_rank")
        .values("alias_rank")[:1]
    )
    return (
        queryset.filter(condition | models.Q(models.Exists(matching)))
        .annotate(
            exact=named_exactly(target.aliases, target.primary, text),
            rank=Greatest(rank, Coalesce(models.Subquery(alias_rank), models.Value(0.0))),
        )
        .order_by("-exact", "-rank", "pk")
    )


def _similar(target: SearchTarget, queryset: models.QuerySet, text: str) -> models.QuerySet:
    """Records with a name ``text`` is a (misspelt) word of, by trigram word similarity, best first.

    The condition is pg_trgm's ``%>`` operator on the upper-cased names, so
    that the trigram indexes (``UPPER(name) gin_trgm_ops``) serve it; the
    threshold is MIN_SIMILARITY (set on the connection by ``search``).
    """
    # The ids of the records one of whose names is similar, one indexed query per name, united: as an OR in
    # the records' own condition, PostgreSQL could use no index and computed the similarity of every record's
    # names (450 ms for the agreements of scale L, against 4 ms so).
    records = queryset.model._default_manager
    matching = [
        records.alias(_upper=Upper(name)).filter(_upper__trigram_word_similar=text).order_by().values("pk")
        for name in target.primary
    ]
    similarities = [TrigramWordSimilarity(text, Coalesce(name, models.Value(""))) for name in target.primary]
    if target.aliases is not None:
        matching.append(
            target.aliases._default_manager.alias(_upper=Upper("name"))
            .filter(_upper__trigram_word_similar=text)
            .order_by()
            .values(target.aliases.record_field)  # type: ignore[attr-defined]
        )
        similar_aliases = aliases_of(target.aliases).alias(_upper_name=Upper("name"))
        similar_aliases = similar_aliases.filter(_upper_name__trigram_word_similar=text)
        best = (
            similar_aliases.annotate(alias_similarity=TrigramWordSimilarity(text, "name"))
            .order_by("-alias_similarity")
            .values("alias_similarity")[:1]
        )
        similarities.append(Coalesce(models.Subquery(best), models.Value(0.0)))
    similarity = Greatest(*similarities) if len(similarities) > 1 else similarities[0]
    ids = matching[0].union(*matching[1:]) if len(matching) > 1 else matching[0]
    return queryset.filter(pk__in=ids).annotate(similarity=similarity).order_by("-similarity", "pk")


def _records(target: SearchTarget, ranked: models.QuerySet, count: int) -> list[Any]:
    """The first ``count`` records of ``ranked``, in order, with their related rows.

    The best ids are picked first, without joins; only those few records are
    then read with what they display. Joining every match before ranking cost
    more than the ranking itself.
    """
    ids = list(ranked.values_list("pk", flat=True)[:count])
    if not ids:
        return []
    found = target.model.objects.select_related(*target.select_related).in_bulk(ids)
    return [found[pk] for pk in ids]


def search(*, user: Any, text: str, per_type: int = 10) -> list[SearchGroup]:
    """Return, for each record type with matches, the best ``per_type`` records and the number found.

    Records containing the words (full-text search, English stemming) come
    first, ranked by relevance. When they are fewer than ``per_type``, records
    whose names the text resembles (a misspelling) follow, by similarity.
    Only records ``user`` may see are searched; counts above
    ``EXACT_COUNT_LIMIT`` are estimates.
    """
    text = " ".join(text.split())[:200]
    if not text:
        return []
    query = SearchQuery(text, search_type="websearch", config="english")
    prepared: set[str] = set()
    groups = []
    for target in TARGETS:
        visible = target.model.objects.visible_to(user)
        if visible.db not in prepared:
            with connections[visible.db].cursor() as cursor:
                cursor.execute("SET pg_trgm.word_similarity_threshold = %s", [MIN_SIMILARITY])
            prepared.add(visible.db)
        found = _full_text(target, visible, query, text)
        results = _records(target, found, per_type)
        if len(results) == per_type:
            counted = bounded_count(found)
            groups.append(
                SearchGroup(target.label, target.model, results, total=counted.value, total_exact=counted.exact)
            )
            continue
        similar = _similar(target, visible.exclude(pk__in=[record.pk for record in results]), text)
        more = _records(target, similar, per_type - len(results))
        if not results and not more:
            continue
        total = Count(len(more), True) if len(more) < per_type - len(results) else bounded_count(similar)
        groups.append(
            SearchGroup(
                target.label, target.model, results + more, total=len(results) + total.value, total_exact=total.exact
            )
        )
    return groups
