"""Other names of agreements and organizations: acronyms, common and former names, names in other languages.

One table per record type, sharing an abstract base: every alias row has a
real foreign key to its record (no GenericForeignKey), and its visibility is
its record's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Self

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower, Upper

from partnerships.choices import AliasKind, Visibility
from partnerships.models.actors import Organization
from partnerships.models.agreements import Agreement
from partnerships.models.base import RegistryHistoricalRecords, can_view_restricted, search_document_field

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class AliasQuerySet(models.QuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser | None) -> Self:
        """Return the aliases of records ``user`` may see: an alias is as visible as its record."""
        if can_view_restricted(user):
            return self.all()
        return self.filter(**{f"{self.model.record_field}__visibility": Visibility.PUBLIC})


class Alias(models.Model):
    """Abstract base of the alias tables: a name, what kind of name it is and, for another language, which."""

    # The foreign key to the record, named by each concrete table.
    record_field: ClassVar[str]

    name = models.CharField(max_length=300, help_text="The name as people write it, e.g. SEATO or Manila Pact.")
    kind = models.CharField(max_length=16, choices=AliasKind.choices, default=AliasKind.COMMON_NAME)
    language = models.CharField(
        max_length=12,
        blank=True,
        help_text="For a name in another language: its code (ISO 639-1 or BCP 47, e.g. fr, ru, zh-Hans).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    search_document = search_document_field(("name",))

    history = RegistryHistoricalRecords(inherit=True, excluded_fields=["search_document"])

    objects = AliasQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["kind", "name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def record(self) -> models.Model:
        return getattr(self, self.record_field)

    def clean(self) -> None:
        self.name = " ".join((self.name or "").split())
        self.language = (self.language or "").strip()
        if self.kind == AliasKind.OTHER_LANGUAGE and not self.language:
            raise ValidationError({"language": "Give the language of a name in another language (e.g. fr)."})
        if self.language and not all(part.isascii() and part.isalnum() for part in self.language.split("-")):
            raise ValidationError({"language": "A language code is letters and hyphens, e.g. fr or zh-Hans."})


def _alias_meta(table: str, record_field: str) -> type:
    """Return the Meta of a concrete alias table: unique name per record (case-insensitive) and search indexes."""

    class Meta(Alias.Meta):
        verbose_name = "alias"
        verbose_name_plural = f"{table} aliases"
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                record_field,
                name=f"{table}alias_unique_name",
                violation_error_message=f"This {table} already has this alias.",
            ),
            models.CheckConstraint(
                condition=~models.Q(name=""),
                name=f"{table}alias_name_not_blank",
                violation_error_message="An alias needs a name.",
            ),
        ]
        indexes = [
            GinIndex(fields=["search_document"], name=f"{table[:3]}alias_search_gin"),
            # Exact matches (case-insensitive) rank first in search; misspellings match by trigram similarity.
            models.Index(Lower("name"), name=f"{table[:3]}alias_lower_idx"),
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name=f"{table[:3]}alias_name_trgm"),
        ]

    return Meta


class AgreementAlias(Alias):
    record_field = "agreement"

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="aliases")

    Meta = _alias_meta("agreement", "agreement")


class OrganizationAlias(Alias):
    record_field = "organization"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="aliases")

    Meta = _alias_meta("organization", "organization")


def aliases_of(alias_model: type[models.Model]) -> models.QuerySet:
    """Return the aliases of the record in the outer query (``OuterRef("pk")``), for subqueries.

    An alias is as visible as its record: the outer query has already kept
    only the records the user may see, so no alias of another record can match.
    """
    return alias_model._default_manager.filter(**{alias_model.record_field: models.OuterRef("pk")})  # type: ignore[attr-defined]


def alias_contains_q(alias_model: type[models.Model], word: str) -> models.Q:
    """Return a Q true for records one of whose aliases contains ``word`` (case-insensitive)."""
    return models.Q(models.Exists(aliases_of(alias_model).filter(name__icontains=word)))


def named_exactly(alias_model: type[models.Model], names: tuple[str, ...], text: str) -> models.Expression:
    """Return a boolean expression: the record's alias or one of its ``names`` fields is ``text``, ignoring case.

    Search results sort on it first: who types "SEATO" or "Rio Treaty" means that treaty.
    """
    wanted = " ".join(text.split()).lower()
    exact = models.Q(models.Exists(aliases_of(alias_model).annotate(_lower=Lower("name")).filter(_lower=wanted)))
    for name in names:
        exact |= models.Q(**{f"{name}__iexact": wanted})
    return models.ExpressionWrapper(exact, output_field=models.BooleanField())
