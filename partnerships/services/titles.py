"""Generated descriptive titles for agreements known only from a dataset.

A dataset codes an alliance by number ("ATOP alliance 3260"), which no one
searches for. Until staff or the curated treaty list name it, the registry
describes it: "Defense pact: United States, Canada, United Kingdom and 9
others, 1949" — its strongest obligation, the members at signature as the
registry names them (the first listed, then how many others), and the year.

Only titles whose ``title_origin`` is ``generated`` are ever rewritten: a
title staff typed stays as typed, and one from the curated list is the
list's (``partnerships.services.reference_names``). Two records may not share
a title on the same day (a database constraint), and the same alliance coded
by two datasets often gets the same description: the second to ask for it
gets the dataset and its id after it, "… 1949 (ATOP 3180)".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import models
from django.db.models.functions import Lower

from partnerships.choices import Provision, TitleOrigin, Visibility

# From the strongest obligation to the weakest: a title names the strongest any party undertook.
KINDS = (
    (Provision.MUTUAL_DEFENSE, "Defense pact"),
    (Provision.OFFENSE, "Offense pact"),
    (Provision.NEUTRALITY, "Neutrality pact"),
    (Provision.NON_AGGRESSION, "Non-aggression pact"),
    (Provision.CONSULTATION, "Consultation (entente) agreement"),
)
# Members named before "and N others".
NAMED_MEMBERS = 3
# How titles name the datasets when two records would otherwise share one.
DATASET_LABELS = {"cow-alliances": "COW", "atop": "ATOP"}
TITLE_MAX_LENGTH = 300


def generated_title(*, provisions: Iterable[str], names: list[str], unnamed: int = 0, year: int | None) -> str:
    """Return the description of an agreement: its kind, its members, its year.

    ``names`` are the members the title may name, in the order listed;
    ``unnamed`` counts members it may not name (restricted records), which
    are only counted among the others.
    """
    owed = set(provisions)
    kind = next((label for provision, label in KINDS if provision in owed), "Alliance")
    total = len(names) + unnamed
    if total == 0:
        members = ""
    elif unnamed == 0 and total <= NAMED_MEMBERS:
        members = names[0] if total == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    else:
        shown = names[:NAMED_MEMBERS]
        others = total - len(shown)
        tail = f"{others} other{'s' if others != 1 else ''}"
        members = f"{', '.join(shown)} and {tail}" if shown else tail
    title = f"{kind}: {members}" if members else kind
    return f"{title}, {year}" if year is not None else title


def _founding_parties(agreement: Any) -> list[Any]:
    """Return the party rows of the members at signature, one per member, in the order first listed.

    Members who joined later are not in the title (NATO's twelve, not its
    thirty); when no row starts by the signature day, every member counts.
    """
    start: date | None = agreement.signed_on or agreement.in_force_from
    rows = agreement.parties.select_related("nation", "organization").order_by("pk")
    first: dict[tuple[str, int | None], Any] = {}
    for row in rows:
        key = ("nation", row.nation_id) if row.nation_id is not None else ("organization", row.organization_id)
        first.setdefault(key, row)
    founding = [row for row in first.values() if start is None or row.joined_on is None or row.joined_on <= start]
    return founding or list(first.values())


def _name(row: Any) -> str | None:
    """The name a title gives a party's actor: None for a record not everyone may see."""
    actor = row.nation if row.nation_id is not None else row.organization
    if actor is None or actor.visibility != Visibility.PUBLIC:
        return None
    return actor.name if row.nation_id is not None else (actor.acronym or actor.name)


def describe(agreement: Any) -> str:
    """Return the generated title for ``agreement`` from its saved parties, provisions and dates."""
    names = [_name(row) for row in _founding_parties(agreement)]
    day = agreement.signed_on or agreement.in_force_from
    return generated_title(
        provisions=agreement.provisions or [],
        names=[name for name in names if name is not None],
        unnamed=sum(1 for name in names if name is None),
        year=day.year if day else None,
    )


def distinct_title(agreement: Any, title: str) -> str:
    """Return ``title``, or ``title`` with the record's dataset and id when another record holds it that day.

    Titles are unique per signature day, case-insensitive (a database
    constraint). The record that holds a title keeps it; the one asking
    second is told apart by where it comes from.
    """
    if agreement.signed_on is not None:
        taken = (
            type(agreement)
            ._default_manager.annotate(_title=Lower("title"))
            .filter(_title=title.lower(), signed_on=agreement.signed_on)
            .exclude(pk=agreement.pk)
        )
        if taken.exists():
            # The dataset it follows (or, curated, its first dataset source) tells it apart.
            source = (
                agreement.sources.exclude(dataset="").order_by("-followed", "dataset", "dataset_id").first()
                if agreement.pk
                else None
            )
            label = DATASET_LABELS.get(source.dataset, source.dataset) if source else "record"
            suffix = f" ({label} {source.dataset_id if source else agreement.pk})"
            title = title[: TITLE_MAX_LENGTH - len(suffix)] + suffix
    return title[:TITLE_MAX_LENGTH]


def refresh_generated_title(agreement: models.Model) -> bool:
    """Describe ``agreement`` again if its title is generated; return whether the title changed.

    Saved with its history row, like any change. A title staff typed, or one
    from the curated list, is left alone.
    """
    if agreement.title_origin != TitleOrigin.GENERATED:
        return False
    title = distinct_title(agreement, describe(agreement))
    if title == agreement.title:
        return False
    agreement.title = title
    agreement.save(update_fields=["title", "updated_at"])
    return True
