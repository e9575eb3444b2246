"""A record's sources: the facts each gives, which one the record follows, where they disagree.

Every source row keeps, in ``values``, the key facts as that source gives
them, in the same shape ``facts_of(record)`` gives the record's own: dates
as ISO strings, lists sorted, members as ``[actor, joined, withdrew,
obligations]`` with the actor as ``nation:ID`` or ``organization:ID``. So a
disagreement is a plain comparison, fact by fact, of the facts a source
gives (a source that says nothing of a fact does not disagree on it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from partnerships.models import (
    Agreement,
    Exercise,
    Nation,
    Organization,
    ResourceSharing,
)

# The key facts of each record type: (name, label).
FACTS: dict[type[models.Model], tuple[tuple[str, str], ...]] = {
    Agreement: (
        ("signed_on", "signed on"),
        ("in_force_from", "in force from"),
        ("ended_on", "ended on"),
        ("provisions", "provisions"),
        ("members", "members"),
        ("member_periods", "members' periods and obligations"),
    ),
    Exercise: (
        ("name", "name"),
        ("start_date", "start date"),
        ("end_date", "end date"),
        ("participants", "participants"),
    ),
    ResourceSharing: (
        ("provider", "provider"),
        ("recipient", "recipient"),
        ("start_date", "order date"),
        ("quantity", "number ordered"),
        ("quantity_delivered", "number delivered"),
        ("delivery_years", "delivery years"),
        ("tiv_total", "TIV of the order"),
        ("tiv_delivered", "TIV delivered"),
    ),
    Organization: (("name", "name"), ("acronym", "acronym"), ("kind", "kind")),
    Nation: (
        ("name", "name"),
        ("iso3", "ISO alpha-3"),
        ("cow_code", "COW code"),
        ("exists_from", "exists from"),
        ("exists_until", "exists until"),
    ),
}
FACT_LABELS: dict[str, str] = {name: label for facts in FACTS.values() for name, label in facts}
# Plain field facts, read from the record (or an importer's values) as they are.
_FIELD_FACTS = {
    model: tuple(name for name, _ in facts if name not in ("members", "member_periods", "participants"))
    for model, facts in FACTS.items()
}


def plain(value: Any) -> Any:
    """Return ``value`` as the JSON a source row stores it in (dates ISO, decimals as text, lists sorted)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return sorted(plain(item) for item in value)
    return value


def actor(nation: Any, organization: Any) -> str:
    """Return a party or participant as ``nation:ID`` / ``organization:ID``."""
    if nation is not None:
        return f"nation:{nation if isinstance(nation, int) else nation.pk}"
    return f"organization:{organization if isinstance(organization, int) else organization.pk}"


def member_facts(periods: Iterable[tuple[str, Any, Any, Any]]) -> dict[str, Any]:
    """Return the facts "members" and "member_periods" of (actor, joined, withdrew, obligations) periods."""
    unique = {
        (who, plain(joined), plain(withdrew), None if owed is None else tuple(sorted(owed)))
        for who, joined, withdrew, owed in periods
    }
    rows = sorted(
        ([who, joined, withdrew, None if owed is None else list(owed)] for who, joined, withdrew, owed in unique),
        key=lambda row: (row[0], row[1] or "", row[2] or ""),
    )
    return {"members": sorted({row[0] for row in rows}), "member_periods": rows}


def facts_from_values(model: type[models.Model], values: dict[str, Any]) -> dict[str, Any]:
    """Return the key facts in an importer's field ``values`` (those it gives), as a source row stores them."""
    facts = {name: plain(values[name]) for name in _FIELD_FACTS[model] if name in values}
    if model is ResourceSharing:
        for side in ("provider", "recipient"):
            if f"{side}_nation" in values or f"{side}_organization" in values:
                facts[side] = actor(values.get(f"{side}_nation"), values.get(f"{side}_organization"))
    return facts


def facts_of(record: models.Model) -> dict[str, Any]:
    """Return the record's own key facts, in the shape source rows store them."""
    model = type(record)
    facts = {name: plain(getattr(record, name)) for name in _FIELD_FACTS[model]}
    if model is Agreement:
        facts.update(
            member_facts(
                (actor(p.nation_id, p.organization_id), p.joined_on, p.withdrew_on, p.obligations)
                for p in record.parties.all()
            )
        )
    elif model is Exercise:
        facts["participants"] = sorted(actor(p.nation_id, p.organization_id) for p in record.participants.all())
    elif model is ResourceSharing:
        facts["provider"] = actor(record.provider_nation_id, record.provider_organization_id)
        facts["recipient"] = actor(record.recipient_nation_id, record.recipient_organization_id)
    return facts


def differences(source_values: dict[str, Any], record_facts: dict[str, Any]) -> list[str]:
    """Return the names of the facts the source gives with another value than the record's, in FACTS order."""
    return [name for name in FACT_LABELS if name in source_values and source_values[name] != record_facts.get(name)]


def refresh_differs(record: models.Model) -> list[str]:
    """Mark on each of the record's sources where it now disagrees with the record; return all those facts."""
    record_facts = facts_of(record)
    every: set[str] = set()
    for source in record.sources.all():
        differs = differences(source.values, record_facts)
        every.update(differs)
        if differs != source.differs:
            # Derived, like a search document: not a change anyone made, so no history row.
            type(source).objects.filter(pk=source.pk).update(differs=differs)
            source.differs = differs
    return [name for name in FACT_LABELS if name in every]


@transaction.atomic
def follow(record: models.Model, source: Any) -> None:
    """Make ``record`` follow ``source`` (one of its source rows), or no source (None: curated by staff).

    Keeps the source rows' ``followed`` flags and the record's ``follows``
    together; each change is saved with its history.
    """
    for current in record.sources.filter(followed=True):
        if source is None or current.pk != source.pk:
            current.followed = False
            current.save()
    if source is not None and not source.followed:
        source.followed = True
        source.save()
    dataset = source.dataset if source is not None else ""
    if record.follows != dataset:
        record.follows = dataset
        record.save(update_fields=["follows", "updated_at"])


@transaction.atomic
def after_edit(record: models.Model) -> None:
    """After a staff edit: the record stops following a source it no longer agrees with, then mark disagreements.

    Imports of a followed source rewrite the record's facts; once staff have
    changed one, the record is theirs (curated), and the source's later
    values go to its source row only, where the page shows them beside the record's.
    """
    record_facts = facts_of(record)
    followed = record.sources.filter(followed=True).first()
    if followed is not None and differences(followed.values, record_facts):
        follow(record, None)
    refresh_differs(record)


# Facts that name nations or organizations: the admin shows how many, never who (a restricted one's id
# must not reach a user who may not see it; the record's page names them as its reader may see them).
ACTOR_FACTS = ("members", "member_periods", "participants", "provider", "recipient")


def describe_values(source: Any) -> str:
    """Return a source row's values in words, one fact per line (for the admin); actors only counted."""
    lines = []
    for name, value in source.values.items():
        label = FACT_LABELS.get(name, name.replace("_", " "))
        if name in ACTOR_FACTS:
            value = f"{len(value)} given" if isinstance(value, list) else ("given" if value else "—")
        elif isinstance(value, list):
            value = ", ".join(str(item) for item in value) or "none"
        lines.append(f"{label}: {value if value not in (None, '') else '—'}")
    return "\n".join(lines)


def _actor_names(keys: set[str], user: Any) -> dict[str, str]:
    """Return the names of the actors ``keys`` (``nation:ID``…) ``user`` may see; the others are left out."""
    ids: dict[str, list[int]] = {"nation": [], "organization": []}
    for key in keys:
        kind, _, pk = key.partition(":")
        if kind in ids and pk.isdigit():
            ids[kind].append(int(pk))
    names = {
        f"nation:{pk}": name
        for pk, name in Nation.objects.visible_to(user).filter(pk__in=ids["nation"]).values_list("pk", "name")
    }
    for pk, name, acronym in (
        Organization.objects.visible_to(user).filter(pk__in=ids["organization"]).values_list("pk", "name", "acronym")
    ):
        names[f"organization:{pk}"] = acronym or name
    return names


def _shown(name: str, value: Any, names: dict[str, str]) -> str:
    """Return one fact's value in words for the comparison table."""
    from partnerships.services.naming import RESTRICTED_LABEL

    if value in (None, "", []):
        return "—"
    if name in ("members", "participants"):
        shown = sorted(names.get(key, RESTRICTED_LABEL) for key in value)
        return f"{len(shown)}: " + ", ".join(shown[:6]) + (f" and {len(shown) - 6} more" if len(shown) > 6 else "")
    if name == "member_periods":
        return f"{len(value)} periods"
    if name in ("provider", "recipient"):
        return names.get(value, RESTRICTED_LABEL)
    if isinstance(value, list):
        return ", ".join(str(item).replace("_", " ") for item in value)
    return str(value)


def comparison(record: models.Model, sources_: list[Any], *, user: Any) -> list[dict[str, Any]]:
    """Return the key facts side by side: the record's value and each source's, and which differ.

    One row per fact any source gives, in FACTS order: ``{"label", "record",
    "cells": [{"text", "differs", "given"}]}``. Actors are named as ``user``
    may see them (a restricted nation is "restricted record").
    """
    record_facts = facts_of(record)
    given = [name for name, _ in FACTS[type(record)] if any(name in source.values for source in sources_)]
    keys: set[str] = set()
    for facts in [record_facts, *(source.values for source in sources_)]:
        for name in ("members", "participants"):
            keys.update(facts.get(name) or [])
        for name in ("provider", "recipient"):
            if facts.get(name):
                keys.add(facts[name])
    names = _actor_names(keys, user)
    rows = []
    for name in given:
        cells = []
        for source in sources_:
            if name not in source.values:
                cells.append({"text": "not given", "differs": False, "given": False})
                continue
            value = source.values[name]
            differs = value != record_facts.get(name)
            text = _shown(name, value, names)
            if differs and name in ("members", "participants"):
                extra = sorted(
                    names.get(key, "restricted record") for key in set(value) - set(record_facts.get(name) or [])
                )
                missing = sorted(
                    names.get(key, "restricted record") for key in set(record_facts.get(name) or []) - set(value)
                )
                text += "".join(
                    [
                        f" · also: {', '.join(extra)}" if extra else "",
                        f" · not: {', '.join(missing)}" if missing else "",
                    ]
                )
            cells.append({"text": text, "differs": differs, "given": True})
        rows.append({"label": FACT_LABELS[name], "record": _shown(name, record_facts.get(name), names), "cells": cells})
    return rows
