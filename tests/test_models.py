"""The model layer's rules: every database constraint, violated directly and through validation."""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, models, transaction

from partnerships import choices
from partnerships.models import (
    Agreement,
    AgreementParty,
    Exercise,
    ExerciseParticipant,
    Membership,
    Nation,
    Organization,
    Program,
    ResourceSharing,
)
from partnerships.models.base import ChoiceArrayField
from tests.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    ExerciseFactory,
    ExerciseParticipantFactory,
    MembershipFactory,
    MultinationalFactory,
    NationFactory,
    OrganizationFactory,
    ProgramFactory,
    ResourceSharingFactory,
)

pytestmark = pytest.mark.django_db
D = datetime.date


@dataclass
class Case:
    """A row that breaks one rule: how to build it, and what validation must say."""

    id: str
    build: Callable[[], models.Model]
    message: str
    field: str = NON_FIELD_ERRORS
    constraint_only: bool = False  # the rule has no Python-side validation (cross-row in the database)


def _agreement(**fields: object) -> Agreement:
    values = {
        "title": "Mutual Defense Treaty",
        "kind": choices.AgreementKind.TREATY,
        "scope": choices.AgreementScope.BILATERAL,
        "status": choices.AgreementStatus.IN_FORCE,
        "signed_on": D(1951, 8, 30),
        "in_force_from": D(1952, 8, 27),
    }
    values.update(fields)
    return Agreement(**values)


def _exercise(**fields: object) -> Exercise:
    values = {
        "name": "Balikatan 2024",
        "kind": choices.ExerciseKind.FIELD_TRAINING,
        "status": choices.ExerciseStatus.COMPLETED,
        "start_date": D(2024, 4, 22),
        "end_date": D(2024, 5, 10),
    }
    values.update(fields)
    return Exercise(**values)


def _resource(**fields: object) -> ResourceSharing:
    values = {
        "provider_nation": NationFactory(),
        "recipient_nation": NationFactory(),
        "category": choices.ResourceCategory.FUNDING,
        "description": "Infrastructure",
        "status": choices.ResourceStatus.COMPLETED,
        "value": Decimal("82000000"),
        "currency": "USD",
    }
    values.update(fields)
    return ResourceSharing(**values)


def _second_org_same_name() -> Organization:
    first = OrganizationFactory(name="Department of Defense")
    return Organization(name="department of defense", kind=first.kind, nation=first.nation)


def _second_multinational_same_name() -> Organization:
    MultinationalFactory(name="North Atlantic Treaty Organization")
    return Organization(name="North Atlantic Treaty Organization", kind=choices.OrganizationKind.MULTINATIONAL)


def _own_parent() -> Organization:
    org = OrganizationFactory()
    org.parent = org
    return org


def _overlapping_membership() -> Membership:
    first = MembershipFactory(joined_on=D(1949, 8, 24), left_on=D(1966, 7, 1))
    return Membership(organization=first.organization, nation=first.nation, joined_on=D(1960, 1, 1))


def _duplicate_party(kind: str) -> AgreementParty:
    party = (
        AgreementPartyFactory()
        if kind == "nation"
        else AgreementPartyFactory(nation=None, organization=OrganizationFactory())
    )
    return AgreementParty(agreement=party.agreement, nation=party.nation, organization=party.organization)


def _duplicate_participant(kind: str) -> ExerciseParticipant:
    row = (
        ExerciseParticipantFactory()
        if kind == "nation"
        else ExerciseParticipantFactory(nation=None, organization=OrganizationFactory())
    )
    return ExerciseParticipant(exercise=row.exercise, nation=row.nation, organization=row.organization)


CASES = [
    # Nations
    Case("nation-without-codes", lambda: Nation(name="Nowhere"), "needs an ISO alpha-3 code or a COW number"),
    Case("nation-iso2-format", lambda: Nation(name="X", iso3="QAA", iso2="P1"), "two capital letters"),
    Case("nation-iso3-format", lambda: Nation(name="X", iso3="PH"), "three capital letters"),
    Case("nation-iso-numeric-format", lambda: Nation(name="X", iso3="QAA", iso_numeric="60A"), "three digits"),
    Case("nation-cow-abbr-format", lambda: Nation(name="X", cow_code=999, cow_abbr="P1I"), "three capital letters"),
    Case(
        "nation-existence-order",
        lambda: Nation(name="X", iso3="QAA", exists_from=D(1991, 1, 1), exists_until=D(1990, 1, 1)),
        "cannot end before it begins",
    ),
    Case(
        "nation-unique-iso3",
        lambda: Nation(name="Copy", iso3=NationFactory().iso3),
        "ISO alpha-3 already exists",
        field="iso3",
    ),
    Case(
        "nation-unique-cow-code",
        lambda: Nation(name="Copy", cow_code=NationFactory().cow_code),
        "COW number already exists",
        field="cow_code",
    ),
    # Organizations and memberships
    Case(
        "organization-multinational-with-nation",
        lambda: Organization(name="NATO", kind=choices.OrganizationKind.MULTINATIONAL, nation=NationFactory()),
        "belongs to no single nation",
    ),
    Case(
        "organization-dates-order",
        lambda: OrganizationFactory.build(nation=NationFactory(), founded_on=D(2000, 1, 1), dissolved_on=D(1999, 1, 1)),
        "cannot be dissolved before it was founded",
    ),
    Case("organization-own-parent", _own_parent, "circular", field="parent"),
    Case("organization-unique-name-per-nation", _second_org_same_name, "already has an organization with this name"),
    Case(
        "organization-unique-name-without-nation",
        _second_multinational_same_name,
        "without a nation already has this name",
    ),
    Case(
        "membership-left-before-joined",
        lambda: MembershipFactory.build(
            organization=MultinationalFactory(),
            nation=NationFactory(),
            joined_on=D(2000, 1, 1),
            left_on=D(2000, 1, 1),
        ),
        "must leave after the day it joined",
    ),
    Case("membership-overlap", _overlapping_membership, "already has a membership of this organization"),
    # Programs
    Case(
        "program-unique-name",
        lambda: Program(name=ProgramFactory(name="Partnership for Peace").name.upper(), program_type="development"),
        "program with this name already exists",
    ),
    Case(
        "program-dates-order",
        lambda: ProgramFactory.build(started_on=D(2000, 1, 1), ended_on=D(1999, 1, 1)),
        "cannot end before it starts",
    ),
    # Agreements: date order
    Case(
        "agreement-in-force-before-signed",
        lambda: _agreement(signed_on=D(2014, 4, 28), in_force_from=D(2014, 4, 27)),
        "in-force date cannot be before the signature date",
        field="in_force_from",
    ),
    Case(
        "agreement-ended-before-in-force",
        lambda: _agreement(status="terminated", in_force_from=D(2000, 1, 1), ended_on=D(1999, 12, 31)),
        "end date cannot be before the in-force date",
        field="ended_on",
    ),
    Case(
        "agreement-ended-before-signed",
        lambda: _agreement(status="terminated", signed_on=D(2000, 1, 1), in_force_from=None, ended_on=D(1999, 1, 1)),
        "end date cannot be before the signature date",
        field="ended_on",
    ),
    Case(
        "agreement-expires-before-in-force",
        lambda: _agreement(expires_on=D(1952, 1, 1)),
        "expiry date cannot be before the in-force date",
        field="expires_on",
    ),
    # Agreements: status consistent with dates
    Case(
        "agreement-signed-without-date",
        lambda: _agreement(status="signed", signed_on=None, in_force_from=None),
        "signed agreement needs its signature date",
        field="signed_on",
    ),
    Case(
        "agreement-in-force-without-date",
        lambda: _agreement(in_force_from=None),
        "needs its in-force date",
        field="in_force_from",
    ),
    Case(
        "agreement-in-force-with-end",
        lambda: _agreement(ended_on=D(2000, 1, 1)),
        "has not ended",
        field="ended_on",
    ),
    Case(
        "agreement-terminated-without-end",
        lambda: _agreement(status="terminated"),
        "needs its end date",
        field="ended_on",
    ),
    Case(
        "agreement-expired-without-end",
        lambda: _agreement(status="expired"),
        "needs its end date",
        field="ended_on",
    ),
    Case(
        "agreement-negotiating-with-dates",
        lambda: _agreement(status="negotiating", in_force_from=None),
        "under negotiation has no signature date",
        field="signed_on",
    ),
    Case(
        "agreement-unique-title-and-signature",
        lambda: _agreement(title=AgreementFactory(signed_on=D(1951, 8, 30)).title.lower()),
        "title signed on this day already exists",
    ),
    # Parties
    Case(
        "party-without-actor",
        lambda: AgreementParty(agreement=AgreementFactory()),
        "either a nation or an organization",
        field="nation",
    ),
    Case(
        "party-with-both-actors",
        lambda: AgreementParty(
            agreement=AgreementFactory(), nation=NationFactory(), organization=OrganizationFactory()
        ),
        "either a nation or an organization",
        field="nation",
    ),
    Case("party-nation-twice", lambda: _duplicate_party("nation"), "nation is already a party"),
    Case("party-organization-twice", lambda: _duplicate_party("organization"), "organization is already a party"),
    Case(
        "party-withdrew-before-joined",
        lambda: AgreementParty(
            agreement=AgreementFactory(), nation=NationFactory(), joined_on=D(2000, 1, 1), withdrew_on=D(1999, 1, 1)
        ),
        "must withdraw after the day it joined",
        field="withdrew_on",
    ),
    # Exercises and participants
    Case(
        "exercise-dates-order",
        lambda: _exercise(end_date=D(2024, 4, 1)),
        "end date cannot be before the start date",
        field="end_date",
    ),
    Case(
        "exercise-ongoing-without-start",
        lambda: _exercise(status="ongoing", start_date=None, end_date=None),
        "needs its start date",
        field="start_date",
    ),
    Case(
        "exercise-completed-without-end",
        lambda: _exercise(end_date=None),
        "completed exercise needs its end date",
        field="end_date",
    ),
    Case(
        "exercise-unique-name-start",
        lambda: _exercise(name=ExerciseFactory(start_date=D(2024, 4, 22)).name.upper()),
        "starting on this day already exists",
    ),
    Case(
        "participant-without-actor",
        lambda: ExerciseParticipant(exercise=ExerciseFactory()),
        "either a nation or an organization",
        field="nation",
    ),
    Case("participant-nation-twice", lambda: _duplicate_participant("nation"), "nation is already listed"),
    Case(
        "participant-organization-twice",
        lambda: _duplicate_participant("organization"),
        "organization is already listed",
    ),
    Case(
        "participant-negative-personnel",
        lambda: ExerciseParticipant(exercise=ExerciseFactory(), nation=NationFactory(), personnel=-5),
        "greater than or equal to 0",
        field="personnel",
    ),
    # Resource sharing
    Case(
        "resource-without-provider",
        lambda: _resource(provider_nation=None),
        "as the provider",
        field="provider_nation",
    ),
    Case(
        "resource-two-providers",
        lambda: _resource(provider_organization=OrganizationFactory()),
        "as the provider",
        field="provider_nation",
    ),
    Case(
        "resource-without-recipient",
        lambda: _resource(recipient_nation=None),
        "as the recipient",
        field="recipient_nation",
    ),
    Case(
        "resource-provider-is-recipient",
        lambda: (lambda nation: _resource(provider_nation=nation, recipient_nation=nation))(NationFactory()),
        "must differ from the provider",
        field="recipient_nation",
    ),
    Case(
        "resource-negative-quantity",
        lambda: _resource(quantity=Decimal("-1")),
        "greater than or equal to 0",
        field="quantity",
    ),
    Case(
        "resource-negative-value",
        lambda: _resource(value=Decimal("-1")),
        "greater than or equal to 0",
        field="value",
    ),
    Case("resource-currency-format", lambda: _resource(currency="US$"), "not an ISO 4217 currency", field="currency"),
    Case("resource-value-without-currency", lambda: _resource(currency=""), "needs its currency", field="currency"),
    Case(
        "resource-dates-order",
        lambda: _resource(start_date=D(2020, 1, 2), end_date=D(2020, 1, 1)),
        "end date cannot be before the start date",
        field="end_date",
    ),
    Case(
        "resource-unique-reference",
        lambda: _resource(reference=ResourceSharingFactory().reference),
        "with this reference already exists",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_database_rejects_the_row_directly(case: Case) -> None:
    instance = case.build()
    with pytest.raises(IntegrityError), transaction.atomic():
        instance.save()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_validation_rejects_the_row_with_a_clear_message(case: Case) -> None:
    instance = case.build()
    with pytest.raises(ValidationError) as raised:
        instance.full_clean()
    errors = raised.value.message_dict
    assert case.field in errors, f"expected an error on {case.field!r}, got {errors}"
    assert any(case.message in message for message in errors[case.field]), errors


def test_membership_needs_a_multinational_organization() -> None:
    membership = Membership(organization=OrganizationFactory(), nation=NationFactory(), joined_on=D(2000, 1, 1))
    with pytest.raises(ValidationError) as raised:
        membership.full_clean()
    assert "only be members of multinational organizations" in str(raised.value.message_dict["organization"])


def test_a_valid_agreement_passes_validation() -> None:
    agreement = _agreement()
    agreement.full_clean()
    agreement.save()
    assert Agreement.objects.filter(pk=agreement.pk).exists()


def test_nation_codes_are_normalised_by_validation() -> None:
    nation = Nation(name="Philippines", iso2="ph", iso3="phl", cow_abbr="", iso_numeric="608")
    nation.full_clean()
    assert (nation.iso2, nation.iso3, nation.cow_abbr) == ("PH", "PHL", None)


@pytest.mark.parametrize(
    ("scope", "count", "message"),
    [
        ("bilateral", 1, "exactly two distinct parties; this one has 1"),
        ("bilateral", 3, "exactly two distinct parties; this one has 3"),
        ("multilateral", 1, "at least two parties; this one has 1"),
    ],
)
def test_party_count_must_suit_the_scope(scope: str, count: int, message: str) -> None:
    agreement = AgreementFactory(scope=scope)
    for _ in range(count):
        AgreementPartyFactory(agreement=agreement)
    with pytest.raises(ValidationError) as raised:
        agreement.validate_parties()
    assert message in raised.value.messages[0]


def test_party_listed_twice_for_the_same_time_is_rejected_before_saving() -> None:
    agreement = AgreementFactory()
    nation, other = NationFactory(), NationFactory()
    undated = [(("nation", nation.pk), None, None), (("nation", nation.pk), None, None)]
    overlapping = [
        (("nation", nation.pk), datetime.date(1950, 1, 1), datetime.date(1960, 1, 1)),
        (("nation", nation.pk), datetime.date(1959, 12, 31), None),
    ]
    for parties in (undated, overlapping):
        with pytest.raises(ValidationError) as raised:
            agreement.validate_parties([*parties, (("nation", other.pk), None, None)])
        assert "more than once for the same time" in raised.value.messages[0]


def test_a_party_may_have_several_periods_that_do_not_overlap() -> None:
    agreement = AgreementFactory(scope="bilateral")
    nation, other = NationFactory(), NationFactory()
    left, rejoined = datetime.date(1960, 1, 1), datetime.date(1970, 1, 1)
    AgreementPartyFactory(agreement=agreement, nation=nation, joined_on=None, withdrew_on=left)
    AgreementPartyFactory(agreement=agreement, nation=nation, joined_on=left, withdrew_on=rejoined)
    AgreementPartyFactory(agreement=agreement, nation=nation, joined_on=rejoined, obligations=["consultation"])
    AgreementPartyFactory(agreement=agreement, nation=other)
    agreement.validate_parties()  # two distinct parties: still bilateral
    assert agreement.parties.count() == 4
    # The database itself refuses a period overlapping another of the same party.
    with pytest.raises(IntegrityError), transaction.atomic():
        AgreementParty.objects.create(agreement=agreement, nation=nation, joined_on=datetime.date(1969, 12, 31))
    on = datetime.date(1965, 6, 1)
    assert list(Agreement.objects.involving(nation, on=on)) == [agreement]
    assert AgreementParty.objects.filter(agreement=agreement, nation=nation).active(on=on).count() == 1


def test_bilateral_agreement_with_two_parties_is_valid() -> None:
    agreement = AgreementFactory()
    AgreementPartyFactory(agreement=agreement)
    AgreementPartyFactory(agreement=agreement, nation=None, organization=OrganizationFactory())
    agreement.validate_parties()
    assert agreement.parties.count() == 2


# Every multi-choice field of every record (a new one needs a builder below).
MULTI_CHOICE_FIELDS = [
    (model, field.name)
    for model in django_apps.get_app_config("partnerships").get_models()
    if not model.__name__.startswith("Historical")
    for field in model._meta.concrete_fields
    if isinstance(field, ChoiceArrayField)
]
MULTI_CHOICE_BUILDERS: dict[type[models.Model], Callable[..., models.Model]] = {
    Agreement: AgreementFactory,
    AgreementParty: AgreementPartyFactory,
    Exercise: ExerciseFactory,
    Program: ProgramFactory,
}


@pytest.mark.parametrize(
    ("model", "field_name"), MULTI_CHOICE_FIELDS, ids=[f"{m.__name__}.{f}" for m, f in MULTI_CHOICE_FIELDS]
)
def test_multi_choice_values_are_stored_once_each_in_the_choices_order(model: type, field_name: str) -> None:
    choices = [value for value, _label in model._meta.get_field(field_name).base_field.flatchoices]
    given = [choices[2], choices[0], choices[2], choices[1]]
    canonical = choices[:3]
    record = MULTI_CHOICE_BUILDERS[model](**{field_name: given})
    assert getattr(record, field_name) == canonical
    assert model.objects.values_list(field_name, flat=True).get(pk=record.pk) == canonical
    assert getattr(record.history.latest(), field_name) == canonical
    # Writes that bypass save() too.
    model.objects.filter(pk=record.pk).update(**{field_name: list(reversed(given))})
    assert model.objects.values_list(field_name, flat=True).get(pk=record.pk) == canonical


def test_the_migration_orders_the_values_written_before_without_touching_the_records() -> None:
    exercise = ExerciseFactory(purposes=[choices.ExercisePurpose.WARFIGHTING])
    # Written as the demo data and the MME importer did before the field ordered values itself.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE partnerships_exercise SET purposes = %s, domains = %s WHERE id = %s",
            [["maritime_security", "warfighting", "maritime_security"], ["air", "land", "bogus"], exercise.pk],
        )
    updated_at, history = Exercise.objects.get(pk=exercise.pk).updated_at, exercise.history.count()
    migration = importlib.import_module("partnerships.migrations.0012_multi_choice_canonical_order")
    with connection.schema_editor() as editor:
        migration.canonicalise(django_apps, editor)
    stored = Exercise.objects.get(pk=exercise.pk)
    assert (stored.purposes, stored.domains) == (["warfighting", "maritime_security"], ["land", "air", "bogus"])
    assert (stored.updated_at, exercise.history.count()) == (updated_at, history)
