"""Merging two records that are one real-world record, and undoing a merge.

The survivor takes every row that pointed at the other record, found through
the model's relations (``_meta.related_objects``), so a relation added later
(aliases, a new kind of evidence) moves too without a change here: source
rows, party periods, exercises, resource-sharing records, assessments.
Rows the survivor already has are dropped: a party period identical to one
of the survivor's collapses into it, one overlapping it (the database
refuses two periods of one party at once) gives way to the survivor's, and
so does a row another unique constraint refuses. The other record is then
deleted. Everything moved or dropped is written down in a
:class:`~partnerships.models.MergeRecord`, so :func:`undo_merge` can put the
other record back, with its id, and every row where it was.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from partnerships.choices import CandidateStatus
from partnerships.models import Agreement, AgreementParty, DuplicateCandidate, MergeRecord
from partnerships.models.base import kept_by_database
from partnerships.services.sources import refresh_differs

# The rows of these relations are compared with the survivor's before they move (see _party_conflict).
_PARTY_FIELDS = ("role", "joined_on", "joined_on_precision", "withdrew_on", "withdrew_on_precision", "obligations")


class MergeError(ValueError):
    """A merge or an undo that cannot be made as asked; the message says why."""


def field_values(row: models.Model) -> dict[str, Any]:
    """Return the row's stored values by column (those the database derives left out), as a merge record keeps them."""
    return {
        field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields if not kept_by_database(field)
    }


def _relations(model: type[models.Model]) -> list[models.ForeignObjectRel]:
    """Return every relation whose rows point at a ``model`` record (hidden ones are not the record's own)."""
    relations = []
    for relation in model._meta.related_objects:
        if relation.many_to_many:
            raise MergeError(f"{relation.related_model.__name__} links {model.__name__} many-to-many: not merged.")
        relations.append(relation)
    # Sources first: the other's followed source must stop being followed before it moves.
    return sorted(relations, key=lambda relation: relation.related_model._meta.label != "partnerships.AgreementSource")


def _key(relation: models.ForeignObjectRel) -> str:
    return f"{relation.related_model._meta.label_lower}.{relation.field.name}"


def _relation_of(key: str) -> tuple[type[models.Model], models.ForeignKey]:
    label, name = key.rsplit(".", 1)
    model = apps.get_model(label)
    return model, model._meta.get_field(name)


def _overlap(a: tuple[date | None, date | None], b: tuple[date | None, date | None]) -> bool:
    """Whether two [joined, withdrew) periods share a day (a missing date is open)."""
    return (a[1] is None or b[0] is None or b[0] < a[1]) and (b[1] is None or a[0] is None or a[0] < b[1])


def _party_conflict(row: AgreementParty, kept: list[AgreementParty]) -> str:
    """Return why the other's party period gives way to the survivor's ("identical", "overlaps"), or ""."""
    for party in kept:
        if party.actor_key != row.actor_key:
            continue
        if all(getattr(party, name) == getattr(row, name) for name in _PARTY_FIELDS):
            return "identical"
        if _overlap((party.joined_on, party.withdrew_on), (row.joined_on, row.withdrew_on)):
            return "overlaps"
    return ""


def _save(row: models.Model, fields: list[str], *, reason: str, user: Any) -> None:
    """Save ``fields`` of ``row`` with a history row giving ``reason`` (and its last change time, for syncs)."""
    if any(field.name == "updated_at" for field in row._meta.concrete_fields):
        fields = [*fields, "updated_at"]
    row._change_reason = reason
    if getattr(user, "pk", None):
        row._history_user = user
    row.save(update_fields=fields)


def _drop(row: models.Model, why: str, *, reason: str, user: Any) -> dict[str, Any]:
    """Delete ``row`` (which the survivor already has) and return what an undo needs to recreate it."""
    for relation in row._meta.related_objects:
        if relation.related_model._base_manager.filter(**{relation.field.name: row.pk}).exists():
            raise MergeError(f"{row._meta.verbose_name} {row.pk} clashes with the survivor's and has rows of its own.")
    entry = {"model": row._meta.label_lower, "why": why, "values": field_values(row)}
    row._change_reason = reason
    if getattr(user, "pk", None):
        row._history_user = user
    row.delete()
    return entry


def _move(row: models.Model, field: models.ForeignKey, target: int, *, reason: str, user: Any) -> bool:
    """Point ``row`` at ``target``; return False, changing nothing, if a constraint refuses it."""
    setattr(row, field.attname, target)
    try:
        with transaction.atomic():
            _save(row, [field.attname], reason=reason, user=user)
    except IntegrityError:
        return False
    return True


def _settle_candidates(*, survivor: Agreement, other: Agreement, merged: DuplicateCandidate, user: Any) -> dict:
    """Remove the other record's other review rows; a pair kept apart is kept apart from the survivor too.

    Return what an undo needs: the rows removed, the pairs created and the pairs changed.
    """
    rows = list(DuplicateCandidate.objects.involving(other).exclude(pk=merged.pk))
    record: dict[str, list] = {"deleted": [field_values(row) for row in rows], "created": [], "changed": []}
    now = timezone.now()
    for row in rows:
        if row.status != CandidateStatus.KEPT_APART:
            continue  # open pairs are proposed again, for the survivor, by the next refresh
        third = row.second_id if row.first_id == other.pk else row.first_id
        if third is None or third == survivor.pk:
            continue
        low, high = sorted((survivor.pk, third))
        existing = DuplicateCandidate.objects.filter(first=low, second=high).first()
        if existing is None:
            created = DuplicateCandidate.objects.create(
                first_id=low,
                second_id=high,
                score=row.score,
                reasons=[*row.reasons, f"kept apart from agreement {other.pk}, merged into {survivor.pk}"],
                status=CandidateStatus.KEPT_APART,
                decided_by_id=row.decided_by_id,
                decided_at=row.decided_at or now,
            )
            record["created"].append(created.pk)
        elif existing.status == CandidateStatus.OPEN:
            record["changed"].append(field_values(existing))
            existing.status, existing.decided_by_id, existing.decided_at = (
                CandidateStatus.KEPT_APART,
                row.decided_by_id,
                row.decided_at or now,
            )
            existing.save()
    DuplicateCandidate.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return record


@transaction.atomic
def merge_records(*, survivor: Agreement, other: Agreement, user: Any) -> MergeRecord:
    """Merge ``other`` into ``survivor``: move every row pointing at it, delete it; return the merge's record.

    Of the sources, at most one stays followed: the survivor's own (the other
    record's followed source described the other's fields, not these). The
    pair's review row is marked merged. Raise MergeError for a record merged
    with itself or a relation that cannot be moved.
    """
    if type(survivor) is not type(other) or type(survivor) is not Agreement:
        raise MergeError("Only two agreements can be merged.")
    if survivor.pk == other.pk:
        raise MergeError("A record cannot be merged with itself.")
    survivor = Agreement.objects.select_for_update().get(pk=survivor.pk)
    other = Agreement.objects.select_for_update().get(pk=other.pk)
    reason = f"merged agreement {other.pk} into {survivor.pk}"
    now = timezone.now()
    decider = user if getattr(user, "pk", None) else None

    low, high = sorted((survivor.pk, other.pk))
    candidate, proposed_by_merge = DuplicateCandidate.objects.select_for_update().get_or_create(
        first_id=low, second_id=high, defaults={"score": 0, "reasons": ["merged by staff"]}
    )
    moved: dict[str, Any] = {
        "record": field_values(other),
        "relations": {},
        "dropped": [],
        "unfollowed": [],
        "candidate": field_values(candidate),
        # A pair nobody proposed: the undo removes its row again instead of opening it.
        "candidate_created": proposed_by_merge,
        "candidates": _settle_candidates(survivor=survivor, other=other, merged=candidate, user=user),
        # Earlier merges into the other record: its deletion empties their survivor; an undo fills it in again.
        "survived": list(MergeRecord.objects.filter(survivor=other.pk).values_list("pk", flat=True)),
    }
    survivor_parties = list(survivor.parties.all())
    for relation in _relations(Agreement):
        field = relation.field
        rows = list(relation.related_model._base_manager.filter(**{field.name: other.pk}).order_by("pk"))
        if relation.related_model._meta.label == "partnerships.AgreementSource":
            for source in rows:
                if source.followed:
                    source.followed = False
                    _save(source, ["followed"], reason=reason, user=user)
                    moved["unfollowed"].append(source.pk)
        ids = []
        for row in rows:
            why = _party_conflict(row, survivor_parties) if isinstance(row, AgreementParty) else ""
            if not why and _move(row, field, survivor.pk, reason=reason, user=user):
                ids.append(row.pk)
                continue
            setattr(row, field.attname, other.pk)
            moved["dropped"].append(_drop(row, why or "refused by a constraint", reason=reason, user=user))
        if ids:
            moved["relations"][_key(relation)] = ids

    candidate.status, candidate.decided_by, candidate.decided_at = CandidateStatus.MERGED, decider, now
    candidate.save()
    merge = MergeRecord.objects.create(
        candidate=candidate,
        survivor=survivor,
        other_id=other.pk,
        other_title=other.title,
        other_visibility=other.visibility,
        moved=moved,
        merged_by=decider,
    )
    other._change_reason = reason
    if decider is not None:
        other._history_user = decider
        survivor._history_user = decider
    other.delete()
    survivor._change_reason = reason
    survivor.save()
    refresh_differs(survivor)
    return merge


def _recreate(model: type[models.Model], values: dict[str, Any], *, reason: str, user: Any) -> models.Model:
    """Insert a row again with the values (and id) it had, created_at included."""
    fields = {field.attname: field for field in model._meta.concrete_fields}
    row = model(**{name: fields[name].to_python(value) for name, value in values.items() if name in fields})
    row._change_reason = reason
    if getattr(user, "pk", None):
        row._history_user = user
    row.save(force_insert=True)
    if "created_at" in values and "created_at" in fields:
        # auto_now_add stamped the insert with now: the row was created when it first was.
        model._base_manager.filter(pk=row.pk).update(created_at=fields["created_at"].to_python(values["created_at"]))
    return row


@transaction.atomic
def undo_merge(*, merge: MergeRecord, user: Any) -> Agreement:
    """Undo ``merge``: recreate the merged record with its id, move back every row that moved, recreate the
    dropped ones, follow again the sources it followed, and open its review again; return the record.

    Rows moved on since (to a third record) stay where they are now. Raise
    MergeError if the merge was undone already, or its survivor is gone
    (merged into another record since: undo that merge first).
    """
    merge = MergeRecord.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise MergeError("This merge has been undone already.")
    if merge.survivor_id is None:
        raise MergeError("The surviving record no longer exists: undo the later merge that removed it first.")
    if Agreement.objects.filter(pk=merge.other_id).exists():
        raise MergeError(f"Agreement {merge.other_id} exists again.")
    survivor = Agreement.objects.select_for_update().get(pk=merge.survivor_id)
    moved = merge.moved
    reason = f"undid the merge of agreement {merge.other_id} into {survivor.pk}"
    other = _recreate(Agreement, moved["record"], reason=reason, user=user)

    for key, ids in moved["relations"].items():
        model, field = _relation_of(key)
        for row in model._base_manager.filter(pk__in=ids, **{field.attname: survivor.pk}).order_by("pk"):
            setattr(row, field.attname, other.pk)
            _save(row, [field.attname], reason=reason, user=user)
    for entry in moved["dropped"]:
        _recreate(apps.get_model(entry["model"]), entry["values"], reason=reason, user=user)
    for source in other.sources.filter(pk__in=moved["unfollowed"]):
        source.followed = True
        _save(source, ["followed"], reason=reason, user=user)

    candidates = moved["candidates"]
    DuplicateCandidate.objects.filter(pk__in=candidates["created"]).delete()
    for values in candidates["changed"]:
        DuplicateCandidate.objects.filter(pk=values["id"]).update(
            **{name: value for name, value in values.items() if name != "id"}
        )
    for values in candidates["deleted"]:
        _recreate(DuplicateCandidate, values, reason=reason, user=user)
        # Merges of that pair lost their link to it when it was removed.
        MergeRecord.objects.filter(candidate__isnull=True, moved__candidate__id=values["id"]).update(
            candidate=values["id"]
        )
    # By the id recorded: a later merge may have removed the row (and emptied merge.candidate), and its undo
    # recreated it.
    candidate_id = moved["candidate"]["id"]
    if moved.get("candidate_created"):
        DuplicateCandidate.objects.filter(pk=candidate_id).delete()
    else:
        # Its score and reasons as they were; open again, for staff to decide anew.
        values = moved["candidate"]
        DuplicateCandidate.objects.filter(pk=candidate_id).update(
            first_id=values["first_id"],
            second_id=values["second_id"],
            status=CandidateStatus.OPEN,
            decided_by=None,
            decided_at=None,
            updated_at=timezone.now(),
        )

    MergeRecord.objects.filter(pk__in=moved["survived"], survivor__isnull=True).update(survivor=other.pk)
    merge.undone_at = timezone.now()
    merge.undone_by = user if getattr(user, "pk", None) else None
    merge.save(update_fields=["undone_at", "undone_by"])
    survivor._change_reason = reason
    if getattr(user, "pk", None):
        survivor._history_user = user
    survivor.save()
    refresh_differs(survivor)
    refresh_differs(other)
    return other
