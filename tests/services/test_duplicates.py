"""Duplicate candidates: proposed for one treaty recorded twice, never for what sources or staff keep apart;
merges move everything to the survivor, and an undo puts every row back where it was."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.db import models

from partnerships.choices import AgreementKind, AgreementScope, CandidateStatus
from partnerships.models import (
    Agreement,
    AgreementParty,
    AgreementSource,
    Assessment,
    DuplicateCandidate,
    Exercise,
    ResourceSharing,
)
from partnerships.services.duplicates import keep_apart, kept_apart, propose_candidates
from partnerships.services.merges import merge_records, undo_merge
from tests.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    AssessmentFactory,
    ExerciseFactory,
    NationFactory,
    ResourceSharingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SIGNED = datetime.date(1949, 4, 4)


def _alliance(title: str, members: list, *, signed: datetime.date = SIGNED, **fields: Any) -> Agreement:
    fields.setdefault("kind", AgreementKind.ALLIANCE)
    fields.setdefault("in_force_from", signed + datetime.timedelta(days=140))
    agreement = AgreementFactory(title=title, scope=AgreementScope.MULTILATERAL, signed_on=signed, **fields)
    for nation in members:
        AgreementPartyFactory(agreement=agreement, nation=nation)
    return agreement


def _source(record: Agreement, dataset: str = "", dataset_id: str = "", **fields: Any) -> AgreementSource:
    return AgreementSource.objects.create(record=record, dataset=dataset, dataset_id=dataset_id, **fields)


@pytest.fixture
def nato():
    """NATO three times: curated by staff, COW alliance 227, ATOP alliance 3180 (which names COW 227)."""
    members = NationFactory.create_batch(12)
    curated = _alliance("North Atlantic Treaty", members, kind=AgreementKind.TREATY)
    _source(curated, citation="North Atlantic Treaty, Washington D.C., 4 April 1949.")
    cow = _alliance("COW alliance 227", members, signed=SIGNED + datetime.timedelta(days=2))
    _source(cow, "cow-alliances", "227", followed=True)
    atop = _alliance("North Atlantic Treaty Organization", members[:11])
    _source(atop, "atop", "3180", followed=True, crosswalk=["cow-alliances:227"])
    return {"curated": curated, "cow": cow, "atop": atop, "members": members}


def _candidate(a: Agreement, b: Agreement) -> DuplicateCandidate | None:
    return DuplicateCandidate.objects.pair(a, b).first()


def test_one_treaty_recorded_twice_is_proposed_with_its_reasons(nato) -> None:
    assert propose_candidates(model=Agreement) == 2
    candidate = _candidate(nato["curated"], nato["cow"])
    assert candidate is not None
    assert candidate.status == CandidateStatus.OPEN
    assert candidate.first_id < candidate.second_id
    assert candidate.reasons[0] == "same parties (12)"
    assert "signed 2 days apart (4 Apr 1949 and 6 Apr 1949)" in candidate.reasons
    assert any(reason.startswith("compatible kinds") for reason in candidate.reasons)
    similar = _candidate(nato["curated"], nato["atop"])
    assert similar.reasons[0] == "parties mostly the same: 11 in common of 12 (Jaccard 0.92)"
    assert any(reason.startswith("similar titles") for reason in similar.reasons)
    assert 0 < candidate.score <= 1
    assert 0 < similar.score <= 1


def test_a_crosswalk_decides_and_no_pair_is_proposed_for_it(nato) -> None:
    propose_candidates(model=Agreement)
    assert _candidate(nato["cow"], nato["atop"]) is None


def test_two_records_of_one_dataset_are_never_proposed() -> None:
    members = NationFactory.create_batch(3)
    first = _alliance("ATOP alliance 1", members)
    second = _alliance("ATOP alliance 2", members)
    _source(first, "atop", "1", followed=True)
    _source(second, "atop", "2", followed=True)
    assert propose_candidates(model=Agreement) == 0


def test_other_parties_far_dates_or_other_kinds_are_not_proposed() -> None:
    members = NationFactory.create_batch(3)
    base = _alliance("Treaty of Friendship", members, kind=AgreementKind.TREATY)
    _alliance("Treaty of Friendship and Trade", [*members[:2], NationFactory()], kind=AgreementKind.TREATY)
    _alliance("Friendship Treaty", members, kind=AgreementKind.TREATY, signed=SIGNED + datetime.timedelta(days=8))
    _alliance("Treaty of Friendship (LOA)", members, kind=AgreementKind.LOA, signed=SIGNED)
    assert propose_candidates(model=Agreement) == 0
    assert not DuplicateCandidate.objects.involving(base).exists()


def test_dates_known_only_to_the_year_are_compared_by_year() -> None:
    members = NationFactory.create_batch(2)
    _alliance("Pact of Mutual Defense", members, kind=AgreementKind.TREATY)
    _alliance(
        "COW alliance 5",
        members,
        signed=datetime.date(1949, 12, 31),
        signed_on_precision="year",
        in_force_from=None,
        status="signed",
    )
    assert propose_candidates(model=Agreement) == 1
    (candidate,) = DuplicateCandidate.objects.all()
    assert "signed in the same year (4 Apr 1949 and 1949; known only to the year)" in candidate.reasons


def test_pairs_kept_apart_are_never_proposed_again(nato) -> None:
    staff = UserFactory(is_staff=True)
    propose_candidates(model=Agreement)
    keep_apart(first=nato["cow"], second=nato["curated"], user=staff)
    assert kept_apart(nato["curated"], nato["cow"])
    assert kept_apart(nato["cow"].pk, nato["curated"].pk)
    assert not kept_apart(nato["curated"], nato["atop"])
    assert propose_candidates(model=Agreement) == 1
    call_command("find_duplicates", stdout=open("/dev/null", "w"))  # noqa: SIM115
    candidate = _candidate(nato["curated"], nato["cow"])
    assert candidate.status == CandidateStatus.KEPT_APART
    assert candidate.decided_by == staff
    assert DuplicateCandidate.objects.filter(status=CandidateStatus.OPEN).count() == 1


def test_refresh_removes_open_pairs_no_longer_found(nato) -> None:
    propose_candidates(model=Agreement)
    AgreementParty.objects.filter(agreement=nato["cow"]).exclude(nation__in=nato["members"][:2]).delete()
    assert propose_candidates(model=Agreement) == 1
    assert _candidate(nato["curated"], nato["cow"]) is None


def _snapshot() -> dict[str, dict[int, dict[str, Any]]]:
    """Every row of every table pointing at agreements (and the agreements, and the review rows), by id."""
    models_ = {Agreement, DuplicateCandidate, *(rel.related_model for rel in Agreement._meta.related_objects)}
    snapshot = {}
    for model in models_:
        # updated_at moves on purpose: a sync must see that a row changed agreement, and changed back.
        fields = [f.attname for f in model._meta.concrete_fields if f.name != "updated_at" and not f.generated]
        snapshot[model._meta.label] = {row["id"]: row for row in model._base_manager.values(*fields)}
    return snapshot


@pytest.fixture
def linked(nato):
    """The curated NATO and COW 227 with everything that can link an agreement, and periods that clash."""
    curated, cow = nato["curated"], nato["cow"]
    _first, second = nato["members"][:2]
    # COW: an identical period for the first member, and a second one overlapping the curated one's.
    AgreementParty.objects.filter(agreement=curated, nation=second).update(withdrew_on=datetime.date(1966, 7, 1))
    AgreementParty.objects.filter(agreement=cow, nation=second).update(joined_on=datetime.date(1960, 1, 1))
    AgreementPartyFactory(agreement=cow, nation=NationFactory(), joined_on=datetime.date(1952, 2, 18))
    for record in (curated, cow):
        ExerciseFactory(agreement=record)
        ResourceSharingFactory(agreement=record)
        AssessmentFactory(agreement=record, exercise=None)
    _source(cow, citation="Gibler, International Military Alliances, 2009.")
    propose_candidates(model=Agreement)
    return nato


def test_merge_moves_every_linked_row_to_the_survivor_and_deletes_the_other(linked) -> None:
    staff = UserFactory(is_staff=True)
    curated, cow = linked["curated"], linked["cow"]
    cow_id = cow.pk
    exercises = set(Exercise.objects.filter(agreement__in=[curated, cow]).values_list("pk", flat=True))
    resources = set(ResourceSharing.objects.filter(agreement__in=[curated, cow]).values_list("pk", flat=True))
    assessments = set(Assessment.objects.filter(agreement__in=[curated, cow]).values_list("pk", flat=True))
    sources = set(AgreementSource.objects.filter(record__in=[curated, cow]).values_list("pk", flat=True))

    merge = merge_records(survivor=curated, other=cow, user=staff)

    assert not Agreement.objects.filter(pk=cow_id).exists()
    assert set(curated.exercises.values_list("pk", flat=True)) == exercises
    assert set(curated.resources.values_list("pk", flat=True)) == resources
    assert set(curated.assessments.values_list("pk", flat=True)) == assessments
    assert set(curated.sources.values_list("pk", flat=True)) == sources
    # The curated record follows no dataset, and stays curated: COW's source is no longer followed.
    assert not curated.sources.filter(followed=True).exists()
    # Twelve members: the identical periods collapsed, the overlapping one gave way; the new member moved.
    assert curated.parties.values("nation").distinct().count() == 13
    dropped = {entry["why"] for entry in merge.moved["dropped"]}
    assert dropped == {"identical", "overlaps"}
    assert len(merge.moved["dropped"]) == 12
    candidate = merge.candidate
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.MERGED
    assert candidate.decided_by == staff
    reason = f"merged agreement {cow_id} into {curated.pk}"
    assert curated.history.latest().history_change_reason == reason
    deleted = Agreement.history.filter(id=cow_id).latest()
    assert deleted.history_type == "-"
    assert deleted.history_change_reason == reason
    assert Exercise.history.filter(history_change_reason=reason).exists()


def test_the_followed_source_of_the_survivor_stays_the_one_followed(linked) -> None:
    cow, atop = linked["cow"], linked["atop"]
    merge_records(survivor=cow, other=atop, user=None)
    assert list(cow.sources.filter(followed=True).values_list("dataset", flat=True)) == ["cow-alliances"]


def test_undo_puts_every_row_back_where_it_was(linked) -> None:
    staff = UserFactory(is_staff=True)
    curated, cow = linked["curated"], linked["cow"]
    keep_apart(first=cow, second=linked["atop"], user=staff)  # a decision about the merged record, kept too
    before = _snapshot()
    merge = merge_records(survivor=curated, other=cow, user=staff)
    assert kept_apart(curated, linked["atop"])
    assert _snapshot() != before

    restored = undo_merge(merge=merge, user=staff)

    assert restored.pk == cow.pk
    assert _snapshot() == before
    assert _candidate(curated, cow).status == CandidateStatus.OPEN
    assert not kept_apart(curated, linked["atop"])
    assert kept_apart(cow, linked["atop"])
    merge.refresh_from_db()
    assert merge.undone_by == staff
    assert merge.undone_at is not None
    assert Agreement.history.filter(id=cow.pk).latest().history_type == "+"


def test_merges_undone_in_reverse_order_restore_everything(linked) -> None:
    curated, cow, atop = linked["curated"], linked["cow"], linked["atop"]
    before = _snapshot()
    first = merge_records(survivor=cow, other=atop, user=None)
    second = merge_records(survivor=curated, other=cow, user=None)
    undo_merge(merge=second, user=None)
    undo_merge(merge=first, user=None)
    assert _snapshot() == before


def test_every_relation_to_agreements_is_one_the_merge_moves() -> None:
    # A new relation is moved by the merge without change; this lists them so a reviewer sees one appear.
    names = {f"{rel.related_model.__name__}.{rel.field.name}" for rel in Agreement._meta.related_objects}
    assert {
        "AgreementParty.agreement",
        "AgreementSource.record",
        "Exercise.agreement",
        "ResourceSharing.agreement",
        "Assessment.agreement",
    } <= names
    assert all(isinstance(rel.field, models.ForeignKey) for rel in Agreement._meta.related_objects)
