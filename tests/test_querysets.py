"""QuerySet methods on edge dates, and visibility on every one of them."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

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
from tests.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    ExerciseFactory,
    ExerciseParticipantFactory,
    MembershipFactory,
    NationFactory,
    OrganizationFactory,
    ProgramFactory,
    ResourceSharingFactory,
    bilateral_agreement,
)

pytestmark = pytest.mark.django_db
D = datetime.date
ONE_DAY = datetime.timedelta(days=1)


# --- Agreement.in_force -------------------------------------------------------


@pytest.fixture
def terminated() -> Agreement:
    return AgreementFactory(
        status=choices.AgreementStatus.TERMINATED,
        signed_on=D(1955, 5, 14),
        in_force_from=D(1955, 6, 4),
        ended_on=D(1991, 7, 1),
    )


def agreements_in_force_on(day: datetime.date) -> set[int]:
    return set(Agreement.objects.in_force(on=day).values_list("pk", flat=True))


def test_agreement_is_in_force_on_the_day_it_enters_into_force(terminated: Agreement) -> None:
    assert terminated.pk in agreements_in_force_on(terminated.in_force_from)


def test_agreement_is_not_in_force_the_day_before(terminated: Agreement) -> None:
    assert terminated.pk not in agreements_in_force_on(terminated.in_force_from - ONE_DAY)


def test_agreement_is_in_force_on_its_last_day(terminated: Agreement) -> None:
    assert terminated.pk in agreements_in_force_on(terminated.ended_on - ONE_DAY)


def test_agreement_is_not_in_force_on_the_day_it_ends(terminated: Agreement) -> None:
    assert terminated.pk not in agreements_in_force_on(terminated.ended_on)


def test_signed_agreement_never_in_force_is_never_in_force() -> None:
    signed = AgreementFactory(status=choices.AgreementStatus.SIGNED, in_force_from=None)
    assert signed.pk not in agreements_in_force_on(D(2030, 1, 1))


def test_scheduled_expiry_ends_an_agreement_without_end_date() -> None:
    agreement = AgreementFactory(in_force_from=D(2014, 6, 25), expires_on=D(2024, 6, 25))
    assert agreement.pk in agreements_in_force_on(D(2024, 6, 24))
    assert agreement.pk not in agreements_in_force_on(D(2024, 6, 25))


def test_actual_end_date_wins_over_scheduled_expiry() -> None:
    agreement = AgreementFactory(
        status=choices.AgreementStatus.TERMINATED,
        signed_on=D(2000, 1, 1),
        in_force_from=D(2000, 1, 1),
        expires_on=D(2010, 1, 1),
        ended_on=D(2005, 1, 1),
    )
    assert agreement.pk not in agreements_in_force_on(D(2006, 1, 1))


def test_agreement_in_force_without_end_is_in_force_far_ahead() -> None:
    agreement = AgreementFactory()
    assert agreement.pk in agreements_in_force_on(D(2100, 1, 1))


# --- Agreement.involving --------------------------------------------------------


def test_involving_finds_a_nation_party_and_not_others() -> None:
    usa, phl, other = NationFactory.create_batch(3)
    edca = bilateral_agreement(usa, phl)
    assert list(Agreement.objects.involving(usa)) == [edca]
    assert list(Agreement.objects.involving(phl.pk)) == [edca]
    assert not Agreement.objects.involving(other).exists()


def test_involving_finds_a_party_that_is_one_of_the_nations_organizations() -> None:
    usa = NationFactory()
    dsca = OrganizationFactory(nation=usa)
    agreement = AgreementFactory()
    AgreementPartyFactory(agreement=agreement, nation=None, organization=dsca)
    AgreementPartyFactory(agreement=agreement)
    assert list(Agreement.objects.involving(usa)) == [agreement]


def test_involving_returns_each_agreement_once() -> None:
    usa = NationFactory()
    agreement = AgreementFactory(scope=choices.AgreementScope.MULTILATERAL)
    AgreementPartyFactory(agreement=agreement, nation=usa)
    AgreementPartyFactory(agreement=agreement, nation=None, organization=OrganizationFactory(nation=usa))
    assert Agreement.objects.involving(usa).count() == 1


def test_party_that_withdrew_is_involved_until_the_day_it_withdrew() -> None:
    france = NationFactory()
    treaty = AgreementFactory(scope=choices.AgreementScope.MULTILATERAL)
    AgreementPartyFactory(agreement=treaty, nation=france, withdrew_on=D(1966, 7, 1))
    assert list(Agreement.objects.involving(france, on=D(1966, 6, 30))) == [treaty]
    assert not Agreement.objects.involving(france, on=D(1966, 7, 1)).exists()
    # Without a date, history counts: France was a party.
    assert list(Agreement.objects.involving(france)) == [treaty]


def test_party_that_joined_later_is_involved_from_the_day_it_joined() -> None:
    finland = NationFactory()
    treaty = AgreementFactory(scope=choices.AgreementScope.MULTILATERAL)
    AgreementPartyFactory(agreement=treaty, nation=finland, joined_on=D(2023, 4, 4))
    assert not Agreement.objects.involving(finland, on=D(2023, 4, 3)).exists()
    assert list(Agreement.objects.involving(finland, on=D(2023, 4, 4))) == [treaty]


def test_in_force_and_involving_combine() -> None:
    usa, phl = NationFactory.create_batch(2)
    old = bilateral_agreement(usa, phl, status="terminated", ended_on=D(2016, 1, 1))
    current = bilateral_agreement(usa, phl)
    assert list(Agreement.objects.in_force(on=D(2020, 1, 1)).involving(usa)) == [current]
    assert set(Agreement.objects.in_force(on=D(2015, 1, 1)).involving(usa)) == {old, current}


def test_party_rows_active_on_a_date() -> None:
    party = AgreementPartyFactory(joined_on=D(2000, 1, 1), withdrew_on=D(2010, 1, 1))
    assert list(AgreementParty.objects.active(on=D(2000, 1, 1))) == [party]
    assert not AgreementParty.objects.active(on=D(2010, 1, 1)).exists()


# --- Exercises ----------------------------------------------------------------------


def test_exercise_is_ongoing_from_its_first_to_its_last_day() -> None:
    exercise = ExerciseFactory(start_date=D(2024, 4, 22), end_date=D(2024, 5, 10))
    assert not Exercise.objects.ongoing(on=D(2024, 4, 21)).exists()
    assert list(Exercise.objects.ongoing(on=D(2024, 4, 22))) == [exercise]
    assert list(Exercise.objects.ongoing(on=D(2024, 5, 10))) == [exercise]
    assert not Exercise.objects.ongoing(on=D(2024, 5, 11)).exists()


def test_exercise_involving_and_hosted_by() -> None:
    phl, usa, aus = NationFactory.create_batch(3)
    exercise = ExerciseFactory()
    ExerciseParticipantFactory(exercise=exercise, nation=phl, role=choices.ParticipantRole.HOST)
    ExerciseParticipantFactory(exercise=exercise, nation=usa)
    ExerciseParticipantFactory(exercise=exercise, nation=None, organization=OrganizationFactory(nation=aus))
    assert list(Exercise.objects.involving(usa)) == [exercise]
    assert list(Exercise.objects.involving(aus)) == [exercise]
    assert list(Exercise.objects.hosted_by(phl)) == [exercise]
    assert not Exercise.objects.hosted_by(usa).exists()


# --- Resource sharing ---------------------------------------------------------------


def test_resource_sharing_is_active_on_its_first_and_last_day() -> None:
    record = ResourceSharingFactory(start_date=D(2015, 1, 1), end_date=D(2016, 12, 31))
    assert not ResourceSharing.objects.active(on=D(2014, 12, 31)).exists()
    assert list(ResourceSharing.objects.active(on=D(2015, 1, 1))) == [record]
    assert list(ResourceSharing.objects.active(on=D(2016, 12, 31))) == [record]
    assert not ResourceSharing.objects.active(on=D(2017, 1, 1)).exists()


def test_resource_sharing_involving_by_direction() -> None:
    usa, phl = NationFactory.create_batch(2)
    record = ResourceSharingFactory(provider_nation=usa, recipient_nation=phl)
    assert list(ResourceSharing.objects.involving(usa)) == [record]
    assert list(ResourceSharing.objects.involving(usa, direction="provided")) == [record]
    assert not ResourceSharing.objects.involving(usa, direction="received").exists()
    assert list(ResourceSharing.objects.involving(phl, direction="received")) == [record]
    with pytest.raises(ValueError, match="direction"):
        ResourceSharing.objects.involving(usa, direction="sideways")


# --- Memberships and programs ------------------------------------------------------------


def test_membership_is_current_from_joining_until_the_day_it_ends() -> None:
    membership = MembershipFactory(joined_on=D(1952, 2, 18), left_on=D(1974, 8, 14))
    assert not Membership.objects.current(on=D(1952, 2, 17)).exists()
    assert list(Membership.objects.current(on=D(1952, 2, 18))) == [membership]
    assert not Membership.objects.current(on=D(1974, 8, 14)).exists()


def test_program_is_active_while_it_runs() -> None:
    program = ProgramFactory(started_on=D(1991, 12, 12), ended_on=None)
    assert not Program.objects.active(on=D(1991, 12, 11)).exists()
    assert list(Program.objects.active(on=D(2024, 1, 1))) == [program]


# --- Visibility on every queryset method --------------------------------------------------


@pytest.fixture
def viewers(analyst, cleared_analyst, superuser):
    return {"anonymous": AnonymousUser(), "analyst": analyst, "cleared": cleared_analyst, "superuser": superuser}


SEES_RESTRICTED = {"anonymous": False, "analyst": False, "cleared": True, "superuser": True}


@pytest.mark.parametrize("viewer", SEES_RESTRICTED)
def test_visible_to_hides_restricted_records_of_every_type(viewer: str, viewers: dict) -> None:
    user = viewers[viewer]
    restricted = {
        Nation: NationFactory(visibility="restricted"),
        Organization: OrganizationFactory(visibility="restricted"),
        Membership: MembershipFactory(visibility="restricted"),
        Program: ProgramFactory(visibility="restricted"),
        Agreement: AgreementFactory(visibility="restricted"),
        Exercise: ExerciseFactory(visibility="restricted"),
        ResourceSharing: ResourceSharingFactory(visibility="restricted"),
    }
    public = ProgramFactory()
    for model, record in restricted.items():
        visible = set(model.objects.visible_to(user))
        assert (record in visible) is SEES_RESTRICTED[viewer], model.__name__
    assert public in Program.objects.visible_to(user)


@pytest.mark.parametrize("viewer", SEES_RESTRICTED)
def test_visibility_survives_every_agreement_queryset_method(viewer: str, viewers: dict) -> None:
    user = viewers[viewer]
    usa, phl = NationFactory.create_batch(2)
    public = bilateral_agreement(usa, phl)
    secret = bilateral_agreement(usa, phl, visibility="restricted")
    expected = {public, secret} if SEES_RESTRICTED[viewer] else {public}
    day = D(2020, 1, 1)
    assert set(Agreement.objects.visible_to(user).in_force(on=day)) == expected
    assert set(Agreement.objects.in_force(on=day).visible_to(user)) == expected
    assert set(Agreement.objects.visible_to(user).involving(usa)) == expected
    assert set(Agreement.objects.involving(usa, on=day).visible_to(user)) == expected
    assert Agreement.objects.visible_to(user).involving(phl).count() == len(expected)


@pytest.mark.parametrize("viewer", SEES_RESTRICTED)
def test_visibility_survives_exercise_and_resource_methods(viewer: str, viewers: dict) -> None:
    user = viewers[viewer]
    usa = NationFactory()
    public_ex = ExerciseParticipantFactory(nation=usa, role="host").exercise
    secret_ex = ExerciseParticipantFactory(nation=usa, role="host", exercise__visibility="restricted").exercise
    public_rs = ResourceSharingFactory(provider_nation=usa)
    secret_rs = ResourceSharingFactory(provider_nation=usa, visibility="restricted")
    sees = SEES_RESTRICTED[viewer]
    day = D(2024, 5, 1)
    assert set(Exercise.objects.visible_to(user).involving(usa)) == ({public_ex, secret_ex} if sees else {public_ex})
    assert set(Exercise.objects.hosted_by(usa).visible_to(user)) == ({public_ex, secret_ex} if sees else {public_ex})
    assert set(Exercise.objects.ongoing(on=day).visible_to(user)) == ({public_ex, secret_ex} if sees else {public_ex})
    assert set(ResourceSharing.objects.involving(usa).visible_to(user)) == (
        {public_rs, secret_rs} if sees else {public_rs}
    )
    assert set(ResourceSharing.objects.active(on=D(2015, 6, 1)).visible_to(user)) == (
        {public_rs, secret_rs} if sees else {public_rs}
    )


def test_rows_naming_a_restricted_actor_are_hidden_with_it(analyst, cleared_analyst) -> None:
    secret_nation = NationFactory(visibility="restricted")
    agreement = AgreementFactory()
    hidden_party = AgreementPartyFactory(agreement=agreement, nation=secret_nation)
    shown_party = AgreementPartyFactory(agreement=agreement)
    participant = ExerciseParticipantFactory(nation=secret_nation)
    transfer = ResourceSharingFactory(recipient_nation=secret_nation)
    membership = MembershipFactory(nation=secret_nation)

    assert list(AgreementParty.objects.visible_to(analyst)) == [shown_party]
    assert not ExerciseParticipant.objects.visible_to(analyst).exists()
    assert not ResourceSharing.objects.visible_to(analyst).exists()
    assert not Membership.objects.visible_to(analyst).exists()

    assert set(AgreementParty.objects.visible_to(cleared_analyst)) == {hidden_party, shown_party}
    assert list(ExerciseParticipant.objects.visible_to(cleared_analyst)) == [participant]
    assert list(ResourceSharing.objects.visible_to(cleared_analyst)) == [transfer]
    assert list(Membership.objects.visible_to(cleared_analyst)) == [membership]


def test_party_rows_of_a_restricted_agreement_are_hidden(analyst) -> None:
    party = AgreementPartyFactory(agreement__visibility="restricted")
    assert party not in AgreementParty.objects.visible_to(analyst)


def test_inactive_user_with_the_permission_sees_only_public_records(cleared_analyst) -> None:
    AgreementFactory(visibility="restricted")
    cleared_analyst.is_active = False
    assert not Agreement.objects.visible_to(cleared_analyst).exists()


def test_updated_since_returns_records_changed_at_or_after_a_moment() -> None:
    old = ProgramFactory()
    cutoff = old.updated_at + datetime.timedelta(microseconds=1)
    new = ProgramFactory()
    assert list(Program.objects.updated_since(cutoff)) == [new]
