"""Agreements (treaties, MoUs, SOFAs, LOAs…) and their parties."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Self

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce, Lower, Upper
from django.db.models.lookups import GreaterThan

from partnerships.choices import AgreementKind, AgreementScope, AgreementStatus, PartyRole, Provision, TitleOrigin
from partnerships.models.actors import Nation, no_overlapping_periods
from partnerships.models.base import (
    ChoiceArrayField,
    RegistryRecord,
    Sourced,
    TimestampedRow,
    VisibilityQuerySet,
    active_on_q,
    can_view_restricted,
    pks_of,
    precision_constraint,
    precision_field,
    search_document_field,
)
from partnerships.models.parties import ActorReference, actor_visible_q, exactly_one_q
from partnerships.models.programs import Program

ActorKey = tuple[str, int | None]
# A party row as the party rules see it: who, from when, until when (exclusive).
PartyPeriod = tuple[ActorKey, date | None, date | None]


def counted_nation(prefix: str = "") -> models.F:
    """The nation an actor row counts as: its nation, or the nation of its organization (None: multinational).

    Read from the row's ``actor_nation`` column (``provider_actor_nation`` with
    ``prefix="provider_"``), which the database keeps: no join.
    """
    return models.F(f"{prefix}actor_nation_id")


def involving_q(nations: Nation | int | Iterable[Nation | int], *, prefix: str = "") -> models.Q:
    """Return a Q true for actor rows naming one of ``nations`` or one of their own organizations.

    One indexed column (``actor_nation``, kept by the database), not an ``OR`` across a join.
    """
    return models.Q(**{f"{prefix}actor_nation__in": pks_of(nations)})


class AgreementQuerySet(VisibilityQuerySet):
    def in_force(self, *, on: date) -> Self:
        """Return agreements in force on ``on``.

        In force from ``in_force_from`` (inclusive) until ``ended_on`` or, when
        it has not ended, the scheduled ``expires_on`` (both exclusive: the
        first day no longer in force). Dates decide, not ``status``, which
        describes the agreement today.
        """
        end = Coalesce("ended_on", "expires_on")
        return self.filter(
            models.Q(in_force_from__lte=on)
            & (models.Q(ended_on__isnull=True, expires_on__isnull=True) | models.Q(GreaterThan(end, on)))
        )

    def involving(self, nation: Nation | int | Iterable[Nation | int], *, on: date | None = None) -> Self:
        """Return agreements with ``nation`` (or one of its organizations) as a party.

        ``nation`` may also be several nations: any of them matches.

        With ``on``, only parties on that day count: a party that withdrew
        before it, or joined after it, does not.
        """
        parties = AgreementParty.objects.filter(involving_q(nation), agreement=models.OuterRef("pk"))
        if on is not None:
            parties = parties.filter(active_on_q("joined_on", "withdrew_on", on))
        return self.filter(models.Exists(parties))


class Agreement(Sourced, RegistryRecord):
    """A legal instrument between nations and/or organizations."""

    title = models.CharField(max_length=300, help_text="Official title, e.g. 'Enhanced Defense Cooperation Agreement'.")
    short_name = models.CharField(max_length=80, blank=True, help_text="Common short name, e.g. EDCA.")
    title_origin = models.CharField(
        max_length=16,
        choices=TitleOrigin.choices,
        default=TitleOrigin.STAFF,
        db_default=TitleOrigin.STAFF,
        help_text=(
            "Who wrote the title. Staff: kept as typed, whatever an import finds. Curated list: the common "
            "title from partnerships/reference/treaties.csv. Generated: described from the obligations, parties "
            "and year, and rewritten when they change. Editing the title in the admin or the API makes it staff's."
        ),
    )
    kind = models.CharField(max_length=32, choices=AgreementKind.choices, db_index=True)
    scope = models.CharField(max_length=16, choices=AgreementScope.choices, db_index=True)
    status = models.CharField(max_length=16, choices=AgreementStatus.choices, db_index=True)
    signed_on = models.DateField(null=True, blank=True, db_index=True)
    signed_on_precision = precision_field("signed_on")
    in_force_from = models.DateField(
        "in force from", null=True, blank=True, db_index=True, help_text="The day it entered into force."
    )
    in_force_from_precision = precision_field("in_force_from")
    expires_on = models.DateField(
        null=True, blank=True, help_text="Scheduled expiry, if the text sets one (first day no longer in force)."
    )
    ended_on = models.DateField(
        null=True,
        blank=True,
        db_index=True,
        help_text="The first day it was no longer in force (expired or terminated).",
    )
    ended_on_precision = precision_field("ended_on", exclusive_end=True)
    provisions = ChoiceArrayField(models.CharField(max_length=32, choices=Provision.choices), default=list, blank=True)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, null=True, blank=True, related_name="agreements")
    description = models.TextField(blank=True)

    search_document = search_document_field(("title", "short_name"), ("description",))

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_on", "title", "id"]
        permissions = [
            # One permission for every record type; it lives here because a
            # permission needs a model. Checked by VisibilityQuerySet.visible_to().
            ("view_restricted", "Can view restricted records of every type"),
        ]
        indexes = [
            GinIndex(fields=["search_document"], name="agreement_search_gin"),
            # Global search matches misspelt names by trigram word similarity on every name field.
            GinIndex(OpClass(Upper("short_name"), name="gin_trgm_ops"), name="agreement_short_name_trgm"),
            GinIndex(fields=["provisions"], name="agreement_provisions_gin"),
            models.Index(Lower("title"), name="agreement_title_lower_idx"),
            GinIndex(OpClass(Upper("title"), name="gin_trgm_ops"), name="agreement_title_trgm"),
            models.Index(fields=["expires_on"], name="agreement_expires_idx"),
            # in_force(on=) compares the start with the end (or scheduled expiry).
            models.Index(fields=["in_force_from", "ended_on", "expires_on"], name="agreement_in_force_span_idx"),
        ]
        constraints = [
            precision_constraint("agreement", "signed_on", "in_force_from", "ended_on"),
            models.UniqueConstraint(
                Lower("title"),
                "signed_on",
                name="agreement_unique_title_signed_on",
                violation_error_message="An agreement with this title signed on this day already exists.",
            ),
            models.CheckConstraint(
                condition=models.Q(signed_on__isnull=True)
                | models.Q(in_force_from__isnull=True)
                | models.Q(in_force_from__gte=models.F("signed_on")),
                name="agreement_in_force_not_before_signed",
                violation_error_message="An agreement cannot enter into force before it is signed.",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(in_force_from__isnull=True)
                | models.Q(ended_on__gte=models.F("in_force_from")),
                name="agreement_end_not_before_in_force",
                violation_error_message="An agreement cannot end before it enters into force.",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(signed_on__isnull=True)
                | models.Q(ended_on__gte=models.F("signed_on")),
                name="agreement_end_not_before_signed",
                violation_error_message="An agreement cannot end before it is signed.",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(in_force_from__isnull=True)
                | models.Q(expires_on__gte=models.F("in_force_from")),
                name="agreement_expiry_not_before_in_force",
                violation_error_message="An agreement cannot expire before it enters into force.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=AgreementStatus.SIGNED) | models.Q(signed_on__isnull=False),
                name="agreement_signed_has_signed_on",
                violation_error_message="A signed agreement needs its signature date.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=[AgreementStatus.IN_FORCE, AgreementStatus.SUSPENDED])
                | models.Q(in_force_from__isnull=False),
                name="agreement_in_force_has_in_force_from",
                violation_error_message="An agreement in force (or suspended) needs its in-force date.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=AgreementStatus.IN_FORCE) | models.Q(ended_on__isnull=True),
                name="agreement_in_force_has_no_end",
                violation_error_message="An agreement in force has not ended: clear the end date or change the status.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=[AgreementStatus.EXPIRED, AgreementStatus.TERMINATED])
                | models.Q(ended_on__isnull=False),
                name="agreement_ended_has_ended_on",
                violation_error_message="An expired or terminated agreement needs its end date.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=AgreementStatus.NEGOTIATING)
                | models.Q(signed_on__isnull=True, in_force_from__isnull=True, ended_on__isnull=True),
                name="agreement_negotiating_has_no_dates",
                violation_error_message="An agreement under negotiation has no signature, in-force or end date.",
            ),
        ]

    def __str__(self) -> str:
        year = f" ({self.signed_on.year})" if self.signed_on else ""
        return f"{self.short_name or self.title}{year}"

    def clean(self) -> None:
        """Check the dates' order and that the status agrees with them, naming the field at fault."""
        errors: dict[str, str] = {}
        signed, in_force, expires, ended = self.signed_on, self.in_force_from, self.expires_on, self.ended_on
        if signed and in_force and in_force < signed:
            errors["in_force_from"] = "The in-force date cannot be before the signature date."
        if ended and in_force and ended < in_force:
            errors["ended_on"] = "The end date cannot be before the in-force date."
        elif ended and signed and ended < signed:
            errors["ended_on"] = "The end date cannot be before the signature date."
        if expires and in_force and expires < in_force:
            errors["expires_on"] = "The expiry date cannot be before the in-force date."
        status = self.status
        if status == AgreementStatus.SIGNED and not signed:
            errors.setdefault("signed_on", "A signed agreement needs its signature date.")
        if status in (AgreementStatus.IN_FORCE, AgreementStatus.SUSPENDED) and not in_force:
            errors.setdefault(
                "in_force_from", f"An agreement with status “{self.get_status_display()}” needs its in-force date."
            )
        if status == AgreementStatus.IN_FORCE and ended:
            errors.setdefault(
                "ended_on", "An agreement in force has not ended: clear the end date or change the status."
            )
        if status in (AgreementStatus.EXPIRED, AgreementStatus.TERMINATED) and not ended:
            errors.setdefault("ended_on", f"An agreement with status “{self.get_status_display()}” needs its end date.")
        if status == AgreementStatus.NEGOTIATING:
            for field, label in (("signed_on", "signature"), ("in_force_from", "in-force"), ("ended_on", "end")):
                if getattr(self, field):
                    errors.setdefault(field, f"An agreement under negotiation has no {label} date yet.")
        if errors:
            raise ValidationError(errors)

    def validate_parties(self, parties: Iterable[PartyPeriod] | None = None) -> None:
        """Raise ValidationError unless the parties suit the agreement's scope.

        ``parties`` are (("nation", id) / ("organization", id), joined_on,
        withdrew_on) of the party rows about to be saved (forms and
        serializers pass them before saving); by default the saved parties
        are checked. A bilateral agreement has exactly two distinct parties,
        a multilateral one at least two, and no party has two rows for the
        same time.
        """
        if parties is None:
            parties = [party.period_key for party in self.parties.all()]
        validate_party_set(scope=self.scope, parties=list(parties))


def validate_party_set(*, scope: str, parties: list[PartyPeriod]) -> None:
    """Raise ValidationError unless ``parties`` is a valid party list for ``scope``.

    ``parties`` are (actor key, joined_on, withdrew_on) of each party row: a
    nation or organization may be a party for several periods (it left and
    rejoined, or its obligations changed), which must not overlap. The scope
    counts distinct parties.
    """
    periods: dict[ActorKey, list[tuple[date | None, date | None]]] = defaultdict(list)
    for key, joined, withdrew in parties:
        periods[key].append((joined, withdrew))
    if any(_overlap(spans) for spans in periods.values()):
        raise ValidationError(
            "The same party is listed more than once for the same time; list each nation or organization once, "
            "or once per period with dates that do not overlap.",
            code="duplicate_party",
        )
    count = len(periods)
    if scope == AgreementScope.BILATERAL and count != 2:
        raise ValidationError(
            f"A bilateral agreement has exactly two distinct parties; this one has {count}.",
            code="bilateral_party_count",
        )
    if scope == AgreementScope.MULTILATERAL and count < 2:
        raise ValidationError(
            f"A multilateral agreement needs at least two parties; this one has {count}.",
            code="multilateral_party_count",
        )


def _overlap(spans: list[tuple[date | None, date | None]]) -> bool:
    """Whether any two of the [joined, withdrew) spans share a day (a missing date is open-ended)."""
    ordered = sorted(spans, key=lambda span: span[0] or date.min)
    return any(
        earlier_end is None or earlier_end > (later_start or date.min)
        for (_, earlier_end), (later_start, _) in itertools.pairwise(ordered)
    )


class AgreementPartyQuerySet(models.QuerySet):
    def visible_to(self, user: object) -> Self:
        """Return party rows ``user`` may see: agreement and named actor both visible."""
        if can_view_restricted(user):  # type: ignore[arg-type]
            return self.all()
        return self.filter(actor_visible_q(), agreement__visibility="public")

    def active(self, *, on: date) -> Self:
        """Return parties that were parties on ``on`` (joined, not yet withdrawn)."""
        return self.filter(active_on_q("joined_on", "withdrew_on", on))


class AgreementParty(ActorReference, TimestampedRow):
    """A nation or organization that is party to an agreement, for one period.

    A party that left and rejoined, or whose obligations changed (alliance
    data code them per member and phase), has one row per period; the
    database refuses two rows of the same party for overlapping periods.
    """

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(max_length=16, choices=PartyRole.choices, default=PartyRole.PARTY)
    joined_on = models.DateField(
        null=True,
        blank=True,
        help_text="When this period began, if later than the agreement itself (accession, rejoining).",
    )
    joined_on_precision = precision_field("joined_on")
    withdrew_on = models.DateField(
        null=True,
        blank=True,
        help_text="The first day of this period no longer a party; empty if it still is.",
    )
    withdrew_on_precision = precision_field("withdrew_on", exclusive_end=True)
    obligations = ChoiceArrayField(
        models.CharField(max_length=32, choices=Provision.choices),
        null=True,
        blank=True,
        help_text=(
            "What this party undertook in this period, where it differs between parties (alliance data code "
            "obligations per member and phase). Not set: the agreement's provisions; an empty list: none."
        ),
    )
    notes = models.CharField(max_length=300, blank=True)

    objects = AgreementPartyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "agreement parties"
        ordering = ["agreement", "id"]
        constraints = [
            precision_constraint("agreementparty", "joined_on", "withdrew_on"),
            models.CheckConstraint(
                condition=exactly_one_q("nation", "organization"),
                name="agreementparty_exactly_one_actor",
                violation_error_message="A party is either a nation or an organization: choose exactly one.",
            ),
            *(
                no_overlapping_periods(
                    f"agreementparty_{actor}_no_overlap",
                    ("agreement", actor),
                    "joined_on",
                    "withdrew_on",
                    condition=models.Q(**{f"{actor}__isnull": False}),
                    message=f"This {actor} is already a party to this agreement in that period.",
                )
                for actor in ("nation", "organization")
            ),
            models.CheckConstraint(
                condition=models.Q(withdrew_on__isnull=True)
                | models.Q(joined_on__isnull=True)
                | models.Q(withdrew_on__gt=models.F("joined_on")),
                name="agreementparty_withdrew_after_joined",
                violation_error_message="A party must withdraw after the day it joined.",
            ),
        ]
        indexes = [
            models.Index(fields=["nation", "agreement"], name="agreementparty_nation_idx"),
            # involving(): the agreements of a nation, itself or through one of its organizations; with on=,
            # the dates too, so that the party rows of a nation are read from the index alone.
            models.Index(
                fields=["actor_nation", "agreement"],
                include=["joined_on", "withdrew_on"],
                name="agreementparty_actor_idx",
            ),
        ]

    @property
    def period_key(self) -> PartyPeriod:
        """Return (actor key, joined_on, withdrew_on), as the party rules compare rows."""
        return (self.actor_key, self.joined_on, self.withdrew_on)

    def get_obligations_display(self) -> str:
        """The obligations as people read them: "as the agreement", "none", or their labels."""
        if self.obligations is None:
            return "as the agreement"
        labels = dict(Provision.choices)
        return ", ".join(str(labels.get(item, item)) for item in self.obligations) or "none"

    def obligations_in_force(self) -> list[str]:
        """Return what this party undertook in this period: its own obligations, else the agreement's provisions."""
        return list(self.agreement.provisions if self.obligations is None else self.obligations)

    def clean(self) -> None:
        if (self.nation_id is None) == (self.organization_id is None):
            # Attached to "nation" so that the same rule's CHECK constraint does not repeat it.
            raise ValidationError(
                {"nation": "Choose either a nation or an organization as the party, not both or neither."}
            )
        if self.joined_on and self.withdrew_on and self.withdrew_on <= self.joined_on:
            raise ValidationError({"withdrew_on": "A party must withdraw after the day it joined."})
