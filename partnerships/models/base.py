"""What every registry record shares: visibility, timestamps, source citation, history."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Self

from django import forms
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models

from partnerships.audit import AuditedHistoricalRecords
from partnerships.choices import DatePrecision, Visibility

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

VIEW_RESTRICTED_PERMISSION = "partnerships.view_restricted"


def can_view_restricted(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """Return whether ``user`` may see records whose visibility is restricted."""
    return bool(user is not None and user.is_active and user.has_perm(VIEW_RESTRICTED_PERMISSION))


def pk_of(value: models.Model | int | str) -> int | str:
    """Return the primary key of a model instance, or the value itself if it is one."""
    return value.pk if isinstance(value, models.Model) else value


def pks_of(values: object) -> list[int | str]:
    """Return primary keys for one instance or key, or for an iterable of them."""
    if isinstance(values, models.Model | int | str):
        return [pk_of(values)]
    return [pk_of(value) for value in values]  # type: ignore[attr-defined]


class ChoiceArrayField(ArrayField):
    """An array of choices, edited as a list of checkboxes instead of comma-separated text.

    The array is a set in meaning: every value written to the database is in
    the order of the field's choices, each value once, whoever writes it (the
    admin, the API, an importer, ``QuerySet.update()``). So two writers of the
    same set store the same array, and a history row never shows a change
    where only the order differed. A value that is not one of the choices is
    kept, after the known ones, for validation to report.
    """

    def canonical(self, value: Any) -> Any:
        """Return ``value`` in the choices' order without repeats; anything but a list or tuple unchanged."""
        if not isinstance(value, list | tuple):
            return value
        position = {choice: index for index, (choice, _label) in enumerate(self.base_field.flatchoices)}
        try:
            unique = list(dict.fromkeys(value))
        except TypeError:  # an unhashable item: not a choice at all, left for validation to refuse
            return value
        return sorted(unique, key=lambda item: (item not in position, position.get(item, 0)))

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        # Put the canonical value on the instance too, so that the instance, its
        # history row (copied from the instance) and the database all agree.
        value = self.canonical(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        # Writes that bypass pre_save (QuerySet.update(), bulk_update()) pass here;
        # so do lookups, where the order and repeats mean nothing either.
        return super().get_db_prep_value(self.canonical(value), connection, prepared)

    def formfield(self, **kwargs: Any) -> forms.Field:
        defaults = {
            "form_class": forms.TypedMultipleChoiceField,
            "choices": self.base_field.choices,
            "coerce": self.base_field.to_python,
            "widget": forms.CheckboxSelectMultiple,
        }
        defaults.update(kwargs)
        # ArrayField.formfield would force its own SimpleArrayField; skip to Field's.
        return super(ArrayField, self).formfield(**defaults)


def canonical_values(model: type[models.Model], values: dict[str, Any]) -> dict[str, Any]:
    """Return ``values`` for ``model`` with each multi-choice value in the form it is stored in.

    Code that compares new values with a saved record before writing (the
    importers' "unchanged" check) must compare like with like, or a file
    listing the same choices in another order would count as a change.
    """
    canonical = dict(values)
    for field in model._meta.concrete_fields:
        if isinstance(field, ChoiceArrayField) and field.name in values:
            canonical[field.name] = field.canonical(values[field.name])
    return canonical


class SyncQuerySet(models.QuerySet):
    """What every API resource's rows offer: incremental sync."""

    def updated_since(self, moment: Any) -> Self:
        """Return rows created or changed at or after ``moment`` (incremental sync)."""
        return self.filter(updated_at__gte=moment)


class CatalogueQuerySet(SyncQuerySet):
    """Reference lists (indicators, challenge types): visible to everyone who may read the registry."""

    def visible_to(self, user: AbstractBaseUser | AnonymousUser | None) -> Self:
        return self.all()


class VisibilityQuerySet(SyncQuerySet):
    """Named filters shared by every record type."""

    def visible_to(self, user: AbstractBaseUser | AnonymousUser | None) -> Self:
        """Return the records ``user`` may see: all of them, or only public ones.

        Every page, API response, export and count goes through this method.
        """
        if can_view_restricted(user):
            return self.all()
        return self.filter(visibility=Visibility.PUBLIC)


# Columns the database derives from a row's other columns (a generated search document, the nation an actor
# row counts as): history need not keep them, and restoring an old version must not write them.
DERIVED_FIELDS = ("search_document", "actor_nation", "provider_actor_nation", "recipient_actor_nation")


def kept_by_database(field: models.Field) -> bool:
    """Return whether the database computes ``field`` (a generated column, or one a trigger keeps).

    Such a field is never written, imported or exported by the registry's own code: the data package,
    record files and merge records leave it out, as history does (``DERIVED_FIELDS``).
    """
    return bool(field.generated or getattr(field, "kept_by_database", False))


class KeptForeignKey(models.ForeignKey):
    """A foreign key whose value the database keeps (a trigger), derived from the row's other columns.

    Django writes whatever the instance holds, and the trigger replaces it; an
    insert reads the trigger's value back (``db_returning``), so a created
    instance holds it. After an update of an existing row the instance in
    memory may still hold the old one: read the field from the database
    (``refresh_from_db(fields=[...])``) rather than from an instance just saved.
    It is not validated either: it follows from keys that are.
    """

    kept_by_database = True
    db_returning = True  # type: ignore[assignment]

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        # The database sets the value from foreign keys it checks already: checking it would only cost a query.
        return None


class RegistryHistoricalRecords(AuditedHistoricalRecords):
    """Historical records whose excluded fields are only those the model has.

    The exclusions are declared once on the abstract base; simple-history
    would otherwise look each of them up on every model (a membership has no
    search document) and fail when showing an old version.
    """

    def create_history_model(self, model: type[models.Model], inherited: bool) -> type[models.Model]:
        history_model = super().create_history_model(model, inherited)
        present = {field.name for field in model._meta.local_fields}
        history_model._history_excluded_fields = [name for name in self.excluded_fields if name in present]
        return history_model


class RegistryRecord(models.Model):
    """Abstract base of every top-level record."""

    visibility = models.CharField(
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
        db_index=True,
        help_text="Restricted records are shown only to users allowed to view restricted records.",
    )
    # The record's own citation, as staff give it. Datasets a record was imported from are its source
    # rows (partnerships.models.sources), or, for the record types without them, DatasetProvenance.
    source_url = models.URLField(
        "source URL", max_length=500, blank=True, help_text="Where the facts in this record come from."
    )
    source_text = models.TextField(
        "source citation", blank=True, help_text="The citation as text: author, title, date, quotation."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = RegistryHistoricalRecords(inherit=True, excluded_fields=list(DERIVED_FIELDS))

    objects = VisibilityQuerySet.as_manager()

    class Meta:
        abstract = True


class Sourced(models.Model):
    """A record type with source rows (``partnerships.models.sources``): which dataset its fields follow.

    The source rows say which one is followed (``followed``); this copy on
    the record lets every list, count and dyad table ask "known only from
    ATOP?" without a join. ``partnerships.services.sources`` keeps the two
    together.
    """

    follows = models.CharField(
        max_length=40,
        blank=True,
        db_index=True,
        editable=False,
        help_text="The dataset the record's fields follow (an import of it updates them); "
        "empty when staff curated the record.",
    )

    class Meta:
        abstract = True


class DatasetProvenance(models.Model):
    """The dataset a record was imported from, for record types without source rows.

    Agreements, exercises, resource-sharing records, organizations and
    nations can have several sources (``partnerships.models.sources``);
    programs, memberships and assessments come from one dataset at most.
    """

    source_dataset = models.CharField(
        max_length=40, blank=True, help_text="The dataset this record was imported from, e.g. cow-alliances."
    )
    source_version = models.CharField(max_length=20, blank=True, help_text="The dataset's version, e.g. 4.1.")
    source_id = models.CharField(
        "source row id", max_length=80, blank=True, help_text="The record's identifier in that dataset."
    )

    class Meta:
        abstract = True


def search_document_field(primary: tuple[str, ...], secondary: tuple[str, ...] = ()) -> models.GeneratedField:
    """Return a stored full-text document of ``primary`` (weight A) and ``secondary`` (weight B) fields.

    PostgreSQL keeps it up to date (a generated column), and a GIN index on
    it lets global search find and rank matches among millions of rows
    without building every row's document for each query.
    """
    vector = SearchVector(*primary, weight="A", config="english")
    if secondary:
        vector = vector + SearchVector(*secondary, weight="B", config="english")
    return models.GeneratedField(expression=vector, output_field=SearchVectorField(), db_persist=True)


def provenance_constraint(model_name: str) -> models.UniqueConstraint:
    """Return the constraint that makes (dataset, source id) a natural key: re-imports update, never duplicate."""
    return models.UniqueConstraint(
        fields=["source_dataset", "source_id"],
        condition=~models.Q(source_dataset=""),
        name=f"{model_name}_unique_provenance",
        violation_error_message="A record imported from this dataset with this source id already exists.",
    )


def precision_field(date_field: str, *, exclusive_end: bool = False) -> models.CharField:
    """Return the field that says how precise the date ``date_field`` is (day, month or year).

    ``exclusive_end``: the date is the first day no longer in force, so its
    month or year is read from the day before it (``partnerships.dates``).
    """
    last_day = (
        f" {date_field} is the first day no longer in force: with month or year precision, the month or year "
        "is that of the day before it (the last day in force)."
        if exclusive_end
        else ""
    )
    return models.CharField(
        f"{date_field.replace('_', ' ')} precision",
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        # Also in the database: rows written by raw SQL (bulk loads, the benchmark's data) are days too.
        db_default=DatePrecision.DAY,
        help_text=(
            f"How much of {date_field} the source gives: the day, only the month, or only the year "
            "(the date is then the first day of that month or year for a start, the last for an end). "
            "Pages and CSV exports show the date only as far as it is known." + last_day
        ),
    )


def precision_constraint(model_name: str, *date_fields: str) -> models.CheckConstraint:
    """Return the CHECK that every ``<date field>_precision`` of the model is day, month or year."""
    condition = models.Q()
    for name in date_fields:
        condition &= models.Q(**{f"{name}_precision__in": DatePrecision.values})
    return models.CheckConstraint(
        condition=condition,
        name=f"{model_name}_date_precisions_valid",
        violation_error_message="A date's precision is day, month or year.",
    )


class TimestampedRow(models.Model):
    """Abstract base of rows that belong to a record (parties, participants)."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = RegistryHistoricalRecords(inherit=True, excluded_fields=list(DERIVED_FIELDS))

    class Meta:
        abstract = True


def active_on_q(
    start: str, end: str, on: date, *, start_required: bool = False, end_inclusive: bool = False
) -> models.Q:
    """Return a Q true when ``on`` lies between the ``start`` and ``end`` date fields.

    A missing end means "still going". A missing start means "since ever",
    unless ``start_required`` (then nothing without a start matches). The end
    is exclusive (the first day no longer active) unless ``end_inclusive``.
    """
    started = models.Q(**{f"{start}__lte": on})
    if not start_required:
        started |= models.Q(**{f"{start}__isnull": True})
    end_lookup = f"{end}__gte" if end_inclusive else f"{end}__gt"
    return started & (models.Q(**{f"{end}__isnull": True}) | models.Q(**{end_lookup: on}))
