"""Staff editing in the Django admin, with history, autocomplete and visibility rules.

Every admin here shows a user only the records ``visible_to()`` lets them
see: changelists, change pages, history, autocomplete answers, the choices
of foreign-key fields and of list filters.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import NestedObjects
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db import models, router
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin

# The review queue of candidate duplicates and the list of merges register themselves there.
from partnerships import (
    admin_duplicates,  # noqa: F401
    admin_personal,  # noqa: F401
)
from partnerships.admin_guards import GuardedAdminMixin, GuardedChangeList, guard_registered_admins
from partnerships.choices import Provision, TitleOrigin, Visibility
from partnerships.models import (
    Agreement,
    AgreementAlias,
    AgreementParty,
    AgreementSource,
    ApiToken,
    Assessment,
    AssessmentChallenge,
    ChallengeType,
    Exercise,
    ExerciseParticipant,
    ExerciseSource,
    Finding,
    Indicator,
    Measurement,
    Membership,
    Nation,
    NationSource,
    Organization,
    OrganizationAlias,
    OrganizationSource,
    Program,
    ResourceSharing,
    ResourceSource,
    can_view_restricted,
    validate_participant_set,
)
from partnerships.models.base import kept_by_database
from partnerships.services import sources
from partnerships.services.history import IGNORED, ChangeFormatter
from partnerships.services.naming import RESTRICTED, RESTRICTED_LABEL, Namer, hidden_from
from partnerships.services.titles import refresh_generated_title

TIMESTAMPS = ("created_at", "updated_at")
AUDIT_FIELDS = ("source_dataset", "source_version", "source_id", *TIMESTAMPS)
# Record types with one dataset at most (programs, memberships, assessments) show it here.
RECORD_FIELDSET = ("Visibility and source", {"fields": ("visibility", "source_url", "source_text", *AUDIT_FIELDS)})
# Record types with source rows list their datasets in the Sources inline; these are staff's own citation.
SOURCED_FIELDSET = ("Visibility and citation", {"fields": ("visibility", "source_url", "source_text", *TIMESTAMPS)})


def _visible(queryset: models.QuerySet, request: HttpRequest) -> models.QuerySet:
    """Narrow ``queryset`` to what the request's user may see, if its model has visibility."""
    if hasattr(queryset, "visible_to"):
        return queryset.visible_to(request.user)
    return queryset


class VisibleRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A foreign-key list filter that never names a restricted record to users who may not see it."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        ordering = self.field_admin_ordering(field, request, model_admin)
        limit = None
        if not can_view_restricted(request.user) and any(
            f.name == "visibility" for f in field.related_model._meta.get_fields()
        ):
            limit = {"visibility": Visibility.PUBLIC}
        return field.get_choices(include_blank=False, ordering=ordering, limit_choices_to=limit)


def _may_see(record: models.Model, user: Any) -> bool:
    """Whether ``user`` may see ``record`` (records without visibility rules are open to staff)."""
    manager = type(record)._default_manager
    if not hasattr(manager, "visible_to"):
        return True
    return manager.visible_to(user).filter(pk=record.pk).exists()


def _restrictable(field: Any) -> bool:
    """Whether ``field`` links records that may be restricted (a foreign key to a model with visibility)."""
    return (
        isinstance(field, models.ForeignKey)
        and field.related_model is not None
        and any(f.name == "visibility" for f in field.related_model._meta.fields)
    )


def _through_restrictable(model: type[models.Model], path: str) -> bool:
    """Whether the lookup ``path`` (a search field) passes through a record that may be restricted."""
    for part in path.lstrip("^=@").split("__")[:-1]:
        field = model._meta.get_field(part)
        related = field.related_model
        if related is None:
            return False
        if any(f.name == "visibility" for f in related._meta.fields):
            return True
        model = related
    return False


def _visible_link(field: models.ForeignKey) -> Any:
    """A list column for a link to a record that may be restricted: its name, or “restricted record” if hidden.

    The column sorts by the link's id for cleared users only: sorting by a
    hidden record's id would tell its id away.
    """
    namer = Namer(None)

    def column(obj: models.Model) -> str:
        return namer.name(getattr(obj, field.name)) or "-"

    column.short_description = field.verbose_name  # type: ignore[attr-defined]
    return column


class RestrictedStandIn:
    """Stands for a linked record the user may not see, where the admin displays links read-only.

    Its empty id makes the admin's link to it fail to reverse, so the admin
    shows its text, “restricted record”, with no link; saving the record
    keeps the real link (the id on the record is untouched).
    """

    pk = id = ""
    visibility = Visibility.RESTRICTED

    def __str__(self) -> str:
        return RESTRICTED_LABEL


class RestrictedLinkWidget(forms.Widget):
    """Shows a link to a record the user may not see as “restricted record”, with no input: the link is kept."""

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> str:
        return RESTRICTED.__html__()

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return None  # disabled: Django keeps the initial value whatever is posted


def _only_public(value: str) -> None:
    if value != Visibility.PUBLIC:
        raise ValidationError(
            "You may not make records restricted: you could not see them afterwards.", code="restricted"
        )


def keep_hidden_links(form_class: type[forms.BaseForm], user: Any) -> type[forms.BaseForm]:
    """Return ``form_class`` changed so that ``user``, if not cleared for restricted records, neither sees
    nor changes a link to a restricted record, and cannot make a record restricted.

    Each such link is shown as “restricted record” and kept as it is, so a
    save by someone who cannot see it never erases it.
    """
    if can_view_restricted(user):
        return form_class

    class KeepHiddenLinks(form_class):  # type: ignore[valid-type, misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if "visibility" in self.fields:
                self.fields["visibility"].validators.append(_only_public)
                self.fields["visibility"].help_text = "Only users who may see restricted records can restrict one."
            instance = getattr(self, "instance", None)
            if instance is None or instance.pk is None:
                return
            for model_field in instance._meta.fields:
                # A column the database keeps (actor_nation) is neither shown nor edited: reading its record
                # would only cost a query per row.
                if (
                    not _restrictable(model_field)
                    or kept_by_database(model_field)
                    or getattr(instance, model_field.attname) is None
                ):
                    continue
                if not hidden_from(getattr(instance, model_field.name), cleared=False):
                    continue
                # Read-only displays (view-only users, inline rows) show the instance's link: a stand-in.
                model_field.set_cached_value(instance, RestrictedStandIn())
                field = self.fields.get(model_field.name)
                if field is None:
                    continue
                field.disabled = True
                field.required = False
                field.queryset = model_field.related_model._default_manager.filter(
                    pk=getattr(instance, model_field.attname)
                )
                field.widget = RestrictedLinkWidget()
                field.help_text = (
                    "Links a record you may not see. It is kept as it is; only users who may see restricted "
                    "records can change it."
                )

    KeepHiddenLinks.__name__ = form_class.__name__
    return KeepHiddenLinks


class VisibleChangeList(GuardedChangeList):
    """A changelist whose lookups on links never match through a record the user may not see.

    ``?program__id__exact=6`` (or ``?program=6``, ``?program__gte=6``…) with
    program 6 restricted answers as for an id that does not exist: only
    links to records the user may see are compared.
    """

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> models.QuerySet:
        queryset = super().get_queryset(request, exclude_parameters)
        if can_view_restricted(request.user):
            return queryset
        fields = {}
        for field in self.model._meta.fields:
            if _restrictable(field):
                fields[field.name] = fields[field.attname] = field
        for key in self.get_filters_params():
            parts = key.split("__")
            field = fields.get(parts[0])
            if field is not None and parts[-1] != "isnull":
                queryset = queryset.filter(**{f"{field.name}__visibility": Visibility.PUBLIC})
        return queryset


class VisibilityMixin:
    """Apply ``visible_to()`` to the admin's queryset, to every related choice and column, and to deletions."""

    # Links whose record is always visible when the row is (visible_to() requires it): searching through them
    # reveals nothing.
    visible_with_record: tuple[str, ...] = ()

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return _visible(super().get_queryset(request), request)

    def get_list_display(self, request: HttpRequest) -> Any:
        names = super().get_list_display(request)  # type: ignore[misc]
        if can_view_restricted(request.user):
            return names
        columns = []
        for name in names:
            field = next((f for f in self.model._meta.fields if f.name == name), None)  # type: ignore[attr-defined]
            columns.append(_visible_link(field) if _restrictable(field) else name)
        return columns

    def get_search_fields(self, request: HttpRequest) -> Any:
        """Search through links only for cleared users: a match on a hidden record's name would reveal it."""
        fields = super().get_search_fields(request)  # type: ignore[misc]
        if can_view_restricted(request.user):
            return fields
        safe = getattr(self, "visible_with_record", ())
        return tuple(
            name
            for name in fields
            if name.lstrip("^=@").split("__")[0] in safe or not _through_restrictable(self.model, name)  # type: ignore[attr-defined]
        )

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return VisibleChangeList

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        return keep_hidden_links(super().get_form(request, obj, **kwargs), request.user)  # type: ignore[misc]

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        # Inlines: each row's form keeps the hidden links of its own row.
        kwargs.setdefault("form", keep_hidden_links(self.form, request.user))  # type: ignore[attr-defined]
        return super().get_formset(request, obj, **kwargs)  # type: ignore[misc]

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple:
        """Refuse a deletion that would take records the user may not see with it, without naming them."""
        result = super().get_deleted_objects(objs, request)  # type: ignore[misc]
        if can_view_restricted(request.user):
            return result
        collector = NestedObjects(using=router.db_for_write(self.model), origin=objs)  # type: ignore[attr-defined]
        collector.collect(objs)
        related = [obj for rows in collector.data.values() for obj in rows] + list(collector.protected)
        hidden = sum(1 for obj in related if not _may_see(obj, request.user))
        if hidden:
            return [], {}, set(), [f"{hidden} related record(s) you may not see: ask a user cleared for them"]
        return result

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and hasattr(formfield, "queryset"):
            formfield.queryset = _visible(formfield.queryset, request)
        return formfield

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        if formfield is not None and hasattr(formfield, "queryset"):
            formfield.queryset = _visible(formfield.queryset, request)
        return formfield


class VisibleHistoryMixin:
    """Keep simple-history's fallback to historical rows from showing records the user may not see.

    The history page also shows the channel of each change (admin, API, pages, import, system).
    """

    history_list_display = ("channel",)
    # The current record's name on every row, not each version's own: an old version may name a record
    # (a nation, a provider) that is restricted now.
    object_history_list_template = "admin/partnerships/object_history_list.html"

    def set_history_delta_changes(
        self, request: HttpRequest, historical_records: Any, foreign_keys_are_objs: bool = True
    ) -> None:
        """Name changed links as the analyst pages do (``ChangeFormatter``): never a restricted name, never an id."""
        formatter = ChangeFormatter(self.model, Namer(request.user))  # type: ignore[attr-defined]
        pending = []
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(current, foreign_keys_are_objs=False)
                changed = [change for change in delta.changes if change.field not in IGNORED]
                for change in changed:
                    formatter.expect(change.field, change.old, change.new)
                pending.append((previous, changed))
            previous = current
        for record, changed in pending:
            record.history_delta_changes = [
                {
                    "field": capfirst(self.model._meta.get_field(change.field).verbose_name),  # type: ignore[attr-defined]
                    "old": formatter.display(change.field, change.old),
                    "new": formatter.display(change.field, change.new),
                }
                for change in changed
            ]

    def _check_history_access(self, request: HttpRequest, object_id: str) -> None:
        # simple-history falls back to the historical rows when the object is
        # not in get_queryset(); refuse instead of leaking a restricted record.
        if self.get_queryset(request).filter(pk=object_id).exists():  # type: ignore[attr-defined]
            return
        if self.model._default_manager.filter(pk=object_id).exists():  # type: ignore[attr-defined]
            raise Http404("No such record.")  # it exists, but this user may not see it
        history = self.model.history.filter(id=object_id).order_by("-history_date").first()  # type: ignore[attr-defined]
        if history is None:
            raise Http404("No such record.")
        if can_view_restricted(request.user):
            return
        # A deleted record's last state tells whether it was public; rows without
        # their own visibility (findings…) are shown only to cleared users.
        if getattr(history, "visibility", None) != Visibility.PUBLIC:
            raise Http404("No such record.")

    def history_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        self._check_history_access(request, object_id)
        return super().history_view(request, object_id, extra_context)  # type: ignore[misc]

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        self._check_history_access(request, object_id)
        current = self.get_queryset(request).filter(pk=object_id).first()  # type: ignore[attr-defined]
        if current is not None:
            # The page names the record as it is now: an old version may name a record restricted since.
            title = self.history_form_view_title(request, current)  # type: ignore[attr-defined]
            extra_context = {"original": current, "title": title, **(extra_context or {})}
        return super().history_form_view(request, object_id, version_id, extra_context)  # type: ignore[misc]


class RecordAdmin(GuardedAdminMixin, VisibleHistoryMixin, VisibilityMixin, SimpleHistoryAdmin):
    """Base admin for every registry record: history, audit fields, visibility."""

    readonly_fields = AUDIT_FIELDS
    # Editors paste links without a scheme; https is right for every source we cite.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_per_page = 50
    save_on_top = True
    show_full_result_count = False


class SourcedRecordAdmin(RecordAdmin):
    """Admin of a record type with source rows: its datasets and citations are an inline, not fields."""

    readonly_fields = TIMESTAMPS

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # A staff edit of a fact the followed source gives makes the record curated: the next import
        # of that source updates its source row, not the staff's values. Then mark what now disagrees.
        sources.after_edit(form.instance)


class SourceInline(admin.StackedInline):
    """A record's sources: datasets (written by imports) and citations (written by staff)."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = (
        ("dataset", "version", "dataset_id"),
        ("url", "followed"),
        "citation",
        ("imported_at", "crosswalk_text", "differs_text"),
        "values_text",
    )
    readonly_fields = ("imported_at", "crosswalk_text", "differs_text", "values_text")
    extra = 0
    classes = ("collapse",)

    @admin.display(description="same record in other datasets")
    def crosswalk_text(self, obj: Any) -> str:
        return ", ".join(obj.crosswalk) or "—"

    @admin.display(description="disagrees with the record on")
    def differs_text(self, obj: Any) -> str:
        return ", ".join(sources.FACT_LABELS.get(name, name) for name in obj.differs) or "—"

    @admin.display(description="values this source gives")
    def values_text(self, obj: Any) -> str:
        return sources.describe_values(obj) or "—"


class AgreementSourceInline(SourceInline):
    model = AgreementSource


class ExerciseSourceInline(SourceInline):
    model = ExerciseSource


class ResourceSourceInline(SourceInline):
    model = ResourceSource


class OrganizationSourceInline(SourceInline):
    model = OrganizationSource


class NationSourceInline(SourceInline):
    model = NationSource


class ActorInlineFormSet(BaseInlineFormSet):
    """Collects the (kind, id) of every party or participant kept by the formset."""

    def kept_actor_keys(self) -> list[tuple[str, int | None]]:
        return [key for key, *_ in self.kept_periods()]

    def kept_periods(self) -> list[tuple[tuple[str, int | None], Any, Any]]:
        """(actor key, joined_on, withdrew_on) of every row kept: joined_on/withdrew_on None where rows have none."""
        keys = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            nation, organization = data.get("nation"), data.get("organization")
            period = (data.get("joined_on"), data.get("withdrew_on"))
            if nation is not None:
                keys.append((("nation", nation.pk), *period))
            elif organization is not None:
                keys.append((("organization", organization.pk), *period))
        # Rows the editor may not see are not in the formset but still count.
        if self.instance.pk is not None:
            shown = {form.instance.pk for form in self.forms if form.instance.pk}
            hidden = self.model._default_manager.filter(**{self.fk.name: self.instance}).exclude(pk__in=shown)
            keys.extend(
                (row.actor_key, getattr(row, "joined_on", None), getattr(row, "withdrew_on", None)) for row in hidden
            )
        return keys


class AgreementPartyFormSet(ActorInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        try:
            self.instance.validate_parties(self.kept_periods())
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc


class ExerciseParticipantFormSet(ActorInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        try:
            validate_participant_set(self.kept_actor_keys())
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc


class ActorRowInline(VisibilityMixin, admin.TabularInline):
    autocomplete_fields = ("nation", "organization")
    extra = 0

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return super().get_queryset(request).select_related("nation", "organization")


AS_THE_AGREEMENT = "as_the_agreement"


class ObligationsField(forms.TypedMultipleChoiceField):
    """A party's obligations: "as the agreement" (stored as not set), none (an empty list), or a choice of them."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("coerce", None)
        kwargs.pop("empty_value", None)
        kwargs.pop("max_length", None)
        kwargs.pop("base_field", None)
        choices = [(AS_THE_AGREEMENT, "As the agreement's provisions"), *Provision.choices]
        kwargs.update(required=False, choices=choices)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return [AS_THE_AGREEMENT] if value is None else value

    def clean(self, value: Any) -> list[str] | None:
        chosen = super().clean(value)
        if AS_THE_AGREEMENT in chosen:
            if len(chosen) > 1:
                raise ValidationError(
                    "Either “as the agreement's provisions” or this party's own obligations, not both."
                )
            return None
        return chosen

    def has_changed(self, initial: Any, data: Any) -> bool:
        return super().has_changed(self.prepare_value(initial), data)


class AgreementPartyForm(forms.ModelForm):
    obligations = ObligationsField(
        label="Obligations", help_text=AgreementParty._meta.get_field("obligations").help_text
    )

    class Meta:
        model = AgreementParty
        fields = (
            "nation",
            "organization",
            "role",
            "joined_on",
            "joined_on_precision",
            "withdrew_on",
            "withdrew_on_precision",
            "obligations",
            "notes",
        )


class AgreementPartyInline(ActorRowInline):
    model = AgreementParty
    form = AgreementPartyForm
    formset = AgreementPartyFormSet
    fields = AgreementPartyForm.Meta.fields

    def get_extra(self, request: HttpRequest, obj: Agreement | None = None, **kwargs: Any) -> int:
        return 2 if obj is None else 0


class ExerciseParticipantInline(ActorRowInline):
    model = ExerciseParticipant
    formset = ExerciseParticipantFormSet
    fields = ("nation", "organization", "role", "personnel", "notes")


class MembershipInline(VisibilityMixin, admin.TabularInline):
    model = Membership
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fk_name = "organization"
    autocomplete_fields = ("nation",)
    fields = ("nation", "role", "joined_on", "left_on", "visibility", "source_url")
    extra = 0

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return super().get_queryset(request).select_related("nation", "organization")


class AliasFormSet(BaseInlineFormSet):
    """Refuses two aliases of the record that differ only in case, on the second one's name."""

    def clean(self) -> None:
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("name"):
                continue
            key = " ".join(data["name"].split()).lower()
            if key in seen:
                form.add_error("name", "This record already has this alias (ignoring case): list it once.")
            seen.add(key)


class AliasInline(admin.TabularInline):
    """A record's other names; each change is kept in the alias's history, like the other inlines' rows."""

    formset = AliasFormSet
    fields = ("name", "kind", "language")
    extra = 0
    verbose_name = "alias"
    verbose_name_plural = "also known as (aliases)"


class AgreementAliasInline(AliasInline):
    model = AgreementAlias


class OrganizationAliasInline(AliasInline):
    model = OrganizationAlias


@admin.register(Nation)
class NationAdmin(SourcedRecordAdmin):
    list_display = ("name", "iso2", "iso3", "cow_code", "cow_abbr", "region", "visibility", "updated_at")
    list_filter = ("region", "visibility")
    search_fields = ("name", "iso2", "iso3", "cow_abbr", "=cow_code")
    ordering = ("name", "id")
    inlines = (NationSourceInline,)
    fieldsets = (
        (None, {"fields": ("name", "region", "exists_from", "exists_until")}),
        ("Codes", {"fields": ("iso2", "iso3", "iso_numeric", "cow_code", "cow_abbr")}),
        SOURCED_FIELDSET,
    )


@admin.register(Organization)
class OrganizationAdmin(SourcedRecordAdmin):
    list_display = ("name", "acronym", "kind", "nation", "parent", "visibility", "updated_at")
    list_filter = ("kind", "visibility", ("nation", VisibleRelatedFieldListFilter))
    list_select_related = ("nation", "parent", "operates_in")
    search_fields = ("name", "acronym", "nation__name", "nation__iso3")
    autocomplete_fields = ("nation", "operates_in", "parent")
    inlines = (MembershipInline, OrganizationSourceInline, OrganizationAliasInline)
    fieldsets = (
        (
            None,
            {"fields": ("name", "acronym", "kind", "nation", "operates_in", "parent", "founded_on", "dissolved_on")},
        ),
        ("About", {"fields": ("website", "description")}),
        SOURCED_FIELDSET,
    )


@admin.register(Membership)
class MembershipAdmin(RecordAdmin):
    list_display = ("nation", "organization", "role", "joined_on", "left_on", "visibility")
    list_filter = ("role", "visibility", ("organization", VisibleRelatedFieldListFilter), "joined_on")
    list_select_related = ("nation", "organization")
    search_fields = ("nation__name", "nation__iso3", "organization__name", "organization__acronym")
    visible_with_record = ("nation", "organization")
    autocomplete_fields = ("nation", "organization")
    date_hierarchy = "joined_on"


@admin.register(Program)
class ProgramAdmin(RecordAdmin):
    list_display = (
        "name",
        "acronym",
        "program_type",
        "lead_nation",
        "lead_organization",
        "started_on",
        "ended_on",
        "visibility",
    )
    list_filter = ("program_type", "visibility", "started_on")
    list_select_related = ("lead_nation", "lead_organization")
    search_fields = ("name", "acronym", "description")
    autocomplete_fields = ("lead_nation", "lead_organization")
    fieldsets = (
        (None, {"fields": ("name", "acronym", "program_type", "objectives", "description")}),
        ("Lead and dates", {"fields": ("lead_nation", "lead_organization", "started_on", "ended_on")}),
        RECORD_FIELDSET,
    )


@admin.register(Agreement)
class AgreementAdmin(SourcedRecordAdmin):
    list_display = (
        "title",
        "short_name",
        "kind",
        "scope",
        "status",
        "signed_on",
        "in_force_from",
        "ended_on",
        "program",
        "party_count",
        "visibility",
    )
    list_filter = (
        "status",
        "scope",
        "kind",
        "visibility",
        ("program", VisibleRelatedFieldListFilter),
        "signed_on",
        ("ended_on", admin.EmptyFieldListFilter),
    )
    list_select_related = ("program",)
    search_fields = ("title", "short_name", "description", "parties__nation__name", "parties__organization__acronym")
    autocomplete_fields = ("program",)
    date_hierarchy = "signed_on"
    inlines = (AgreementPartyInline, AgreementSourceInline, AgreementAliasInline)
    readonly_fields = (*SourcedRecordAdmin.readonly_fields, "title_origin")
    fieldsets = (
        (None, {"fields": ("title", "title_origin", "short_name", "kind", "scope", "status", "program")}),
        (
            "Dates",
            {
                "fields": (
                    ("signed_on", "signed_on_precision"),
                    ("in_force_from", "in_force_from_precision"),
                    "expires_on",
                    ("ended_on", "ended_on_precision"),
                )
            },
        ),
        ("Content", {"fields": ("provisions", "description")}),
        SOURCED_FIELDSET,
    )

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return super().get_queryset(request).annotate(_party_count=Count("parties", distinct=True))

    @admin.display(description="parties", ordering="_party_count")
    def party_count(self, obj: Agreement) -> int:
        return obj._party_count

    def save_model(self, request: HttpRequest, obj: Agreement, form: Any, change: bool) -> None:
        # A title an editor typed is theirs: no import or generated description replaces it.
        if change and "title" in form.changed_data:
            obj.title_origin = TitleOrigin.STAFF
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # A generated title names the parties: describe the agreement again now that they are saved.
        refresh_generated_title(form.instance)


@admin.register(Exercise)
class ExerciseAdmin(SourcedRecordAdmin):
    list_display = (
        "name",
        "series",
        "kind",
        "status",
        "start_date",
        "end_date",
        "location",
        "location_country",
        "participant_count",
        "visibility",
    )
    list_filter = (
        "status",
        "kind",
        "visibility",
        ("program", VisibleRelatedFieldListFilter),
        "name_generated",
        "location_country_derived",
        "start_date",
    )
    list_select_related = ("program", "agreement", "location_country")
    search_fields = ("name", "series", "location", "participants__nation__name")
    autocomplete_fields = ("program", "agreement", "location_country")
    date_hierarchy = "start_date"
    inlines = (ExerciseParticipantInline, ExerciseSourceInline)
    # Imports set these markers; typing a name or choosing a country by hand clears them (Exercise.curate).
    readonly_fields = (*SourcedRecordAdmin.readonly_fields, "name_generated", "location_country_derived")
    fieldsets = (
        (None, {"fields": ("name", "name_generated", "series", "kind", "status", "domains", "purposes")}),
        (
            "When and where",
            {
                "fields": (
                    ("start_date", "start_date_precision"),
                    ("end_date", "end_date_precision"),
                    "location",
                    ("latitude", "longitude"),
                    ("location_country", "location_country_derived"),
                )
            },
        ),
        ("Under", {"fields": ("program", "agreement")}),
        ("Content", {"fields": ("objectives", "outcomes")}),
        SOURCED_FIELDSET,
    )

    def save_model(self, request: HttpRequest, obj: Exercise, form: Any, change: bool) -> None:
        obj.curate(form.changed_data)
        super().save_model(request, obj, form, change)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return super().get_queryset(request).annotate(_participant_count=Count("participants", distinct=True))

    @admin.display(description="participants", ordering="_participant_count")
    def participant_count(self, obj: Exercise) -> int:
        return obj._participant_count


@admin.register(ResourceSharing)
class ResourceSharingAdmin(SourcedRecordAdmin):
    list_display = (
        "__str__",
        "reference",
        "category",
        "status",
        "quantity",
        "unit",
        "value",
        "currency",
        "start_date",
        "program",
        "visibility",
    )
    list_filter = ("category", "status", "visibility", ("program", VisibleRelatedFieldListFilter), "start_date")
    list_select_related = (
        "provider_nation",
        "provider_organization",
        "recipient_nation",
        "recipient_organization",
        "program",
    )
    search_fields = (
        "reference",
        "description",
        "provider_nation__name",
        "recipient_nation__name",
        "provider_organization__name",
        "recipient_organization__name",
    )
    visible_with_record = ("provider_nation", "recipient_nation", "provider_organization", "recipient_organization")
    autocomplete_fields = (
        "provider_nation",
        "provider_organization",
        "recipient_nation",
        "recipient_organization",
        "agreement",
        "program",
    )
    date_hierarchy = "start_date"
    inlines = (ResourceSourceInline,)
    fieldsets = (
        (None, {"fields": ("reference", "category", "status", "description", "designation", "condition")}),
        (
            "Provider and recipient",
            {"fields": (("provider_nation", "provider_organization"), ("recipient_nation", "recipient_organization"))},
        ),
        (
            "Quantity and value",
            {
                "fields": (
                    ("quantity", "unit"),
                    ("quantity_delivered", "delivery_years"),
                    ("value", "currency"),
                    ("tiv_unit", "tiv_total", "tiv_delivered"),
                )
            },
        ),
        (
            "Dates and context",
            {
                "fields": (
                    ("start_date", "start_date_precision"),
                    ("end_date", "end_date_precision"),
                    "agreement",
                    "program",
                )
            },
        ),
        SOURCED_FIELDSET,
    )


class MeasurementInline(admin.TabularInline):
    model = Measurement
    fields = ("indicator", "measured_on", "baseline", "target", "actual", "response_count", "notes")
    readonly_fields = ("response_count",)
    extra = 0

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return super().get_queryset(request).select_related("indicator")


class FindingInline(VisibilityMixin, admin.StackedInline):
    model = Finding
    fields = (("kind", "status"), "text", ("owner", "due_on", "closed_on"), "follow_up")
    autocomplete_fields = ("owner",)
    extra = 0


class AssessmentChallengeInline(admin.TabularInline):
    model = AssessmentChallenge
    fields = ("challenge_type", "severity", "notes")
    extra = 0

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return super().get_queryset(request).select_related("challenge_type", "challenge_type__parent")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "challenge_type":
            kwargs["queryset"] = ChallengeType.objects.select_related("parent").order_by("parent__name", "name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Assessment)
class AssessmentAdmin(RecordAdmin):
    list_display = ("title", "kind", "subject", "conducted_on", "assessor", "overall_rating", "visibility")
    list_filter = ("kind", "visibility", "overall_rating", "conducted_on", ("program", VisibleRelatedFieldListFilter))
    list_select_related = ("program", "agreement", "exercise", "assessor")
    search_fields = ("title", "summary", "program__name", "agreement__title", "exercise__name")
    visible_with_record = ("program", "agreement", "exercise")
    autocomplete_fields = ("program", "agreement", "exercise", "assessor")
    date_hierarchy = "conducted_on"
    inlines = (MeasurementInline, FindingInline, AssessmentChallengeInline)
    fieldsets = (
        (None, {"fields": ("title", "kind", "conducted_on", "assessor", "overall_rating", "summary")}),
        (
            "Subject",
            {
                "fields": ("program", "agreement", "exercise"),
                "description": "Choose exactly one: the program, the agreement or the exercise assessed.",
            },
        ),
        RECORD_FIELDSET,
    )

    @admin.display(description="subject")
    def subject(self, obj: Assessment) -> str:
        return f"{obj.subject_kind.capitalize()}: {obj.subject}" if obj.subject_kind else ""


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Overdue today"), ("no", "Not overdue")]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        from django.utils import timezone

        overdue = Finding.objects.overdue(on=timezone.localdate()).values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=overdue)
        if self.value() == "no":
            return queryset.exclude(pk__in=overdue)
        return queryset


@admin.register(Finding)
class FindingAdmin(GuardedAdminMixin, VisibleHistoryMixin, VisibilityMixin, SimpleHistoryAdmin):
    """The follow-up tracker: every recommendation, its owner, due date and status."""

    list_display = ("__str__", "assessment", "owner", "due_on", "status", "closed_on")
    list_editable = ("status",)
    list_filter = ("kind", "status", OverdueFilter, "due_on")
    list_select_related = ("assessment", "owner")
    search_fields = ("text", "follow_up", "assessment__title")
    visible_with_record = ("assessment",)
    autocomplete_fields = ("assessment", "owner")
    date_hierarchy = "due_on"
    list_per_page = 50
    show_full_result_count = False
    fields = ("assessment", ("kind", "status"), "text", ("owner", "due_on", "closed_on"), "follow_up")


@admin.register(Indicator)
class IndicatorAdmin(GuardedAdminMixin, SimpleHistoryAdmin):
    history_list_display = ("channel",)
    list_display = ("name", "slug", "unit", "direction", "scale", "built_in")
    list_filter = ("direction", "scale", "built_in")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "unit", "direction", "scale", "description")

    def has_delete_permission(self, request: HttpRequest, obj: Indicator | None = None) -> bool:
        # The seeded catalogue is shared vocabulary: keep it (staff may add their own indicators).
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.built_in)


@admin.register(ChallengeType)
class ChallengeTypeAdmin(GuardedAdminMixin, SimpleHistoryAdmin):
    history_list_display = ("channel",)
    list_display = ("__str__", "slug", "parent")
    list_select_related = ("parent",)
    list_filter = (("parent", admin.EmptyFieldListFilter),)
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "parent", "description")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "parent":
            kwargs["queryset"] = ChallengeType.objects.filter(parent__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ApiTokenAddForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ("user", "name", "write_enabled", "expires_at")


@admin.register(ApiToken)
class ApiTokenAdmin(GuardedAdminMixin, VisibleHistoryMixin, SimpleHistoryAdmin):
    """Staff create tokens here (the key is shown once, on creation) and revoke them."""

    list_display = ("__str__", "user", "write_enabled", "expires_at", "last_used_at", "revoked_at", "created_at")
    list_filter = ("write_enabled", ("revoked_at", admin.EmptyFieldListFilter), "expires_at")
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username")
    autocomplete_fields = ("user",)
    readonly_fields = ("prefix", "last_used_at", "revoked_at", "created_at")
    actions = ("revoke",)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        # A token acts as its user: only superusers see, or issue, tokens of other users.
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "user" and not request.user.is_superuser:
            formfield.queryset = formfield.queryset.filter(pk=request.user.pk)
        return formfield

    def get_form(self, request: HttpRequest, obj: ApiToken | None = None, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("user", "name", "write_enabled", "expires_at")
        return ("user", "name", "prefix", "write_enabled", "expires_at", "last_used_at", "revoked_at", "created_at")

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        return (*self.readonly_fields, "user")

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        issued = ApiToken.issue(
            user=obj.user, name=obj.name, write_enabled=obj.write_enabled, expires_at=obj.expires_at
        )
        obj.pk = issued.token.pk
        obj.prefix = issued.token.prefix
        messages.warning(
            request,
            format_html(
                "The key of token “{}” is <code>{}</code>. Copy it now: it is stored only as a hash "
                "and will not be shown again.",
                obj.name,
                issued.key,
            ),
        )

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            token.revoke()
            revoked += 1
        messages.success(request, f"Revoked {revoked} token(s).")


# The other apps' admins (auth, django-axes) were registered before this module ran: partnerships comes
# last in INSTALLED_APPS. django-axes's lists of login attempts have a date hierarchy too.
guard_registered_admins(admin.site)
