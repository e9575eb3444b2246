"""What the registry derives for an exercise: a descriptive name, its location country, its hosts.

* A source that names no exercise gets a **generated name** from its domains,
  main participants and year ("Naval exercise: United States, Japan and 3
  others, 1995"), marked ``name_generated``; imports regenerate it, and a name
  typed by staff is never replaced (:meth:`Exercise.curate`).
* The **location country** is the state whose territory (or territorial sea)
  holds the exercise's coordinates on its start date (:mod:`locations` finds
  today's country; the state successions turn it into the state of that day),
  marked ``location_country_derived``; a country staff chose is kept.
* The **host** is the participant whose territory that is. Hosts are only ever
  added: a host staff set by hand is never demoted.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction

from partnerships.choices import Domain, ExerciseKind, ParticipantRole
from partnerships.models import Exercise, ExerciseParticipant, Nation
from partnerships.services.locations import country_at

if TYPE_CHECKING:
    # Only a type here: the importers package imports this module (the MME importer derives with it).
    from partnerships.services.importers.resolver import NationResolver

TERRITORIES = Path(__file__).resolve().parents[1] / "reference" / "territories.csv"
# How a domain reads in a name, in the order of Domain's choices.
DOMAIN_WORDS = {
    Domain.LAND: "land",
    Domain.SEA: "naval",
    Domain.AIR: "air",
    Domain.AMPHIBIOUS: "amphibious",
    Domain.CYBER: "cyber",
    Domain.SPACE: "space",
}
# A name lists all participants up to this many; beyond, the first two and "and N others".
NAMED_PARTICIPANTS = 3


def _listed(words: Sequence[str]) -> str:
    """Return "a", "a and b", "a, b and c"."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def generated_name(*, domains: Iterable[str], kind: str, participants: Sequence[str], start: date | None) -> str:
    """Return a descriptive name for an exercise its source does not name.

    "<Domains> exercise: <participants>, <year>": the domains in the order of
    their choices ("Land, naval and air exercise"; none: "Command post
    exercise" for a command post exercise, else "Military exercise"); up to
    three participants by name, more as the first two "and N others"; the
    start year, or no year when the start is unknown.
    """
    words = [DOMAIN_WORDS[domain] for domain in Domain if domain in set(domains)]
    if words:
        label = f"{_listed(words).capitalize()} exercise"
    else:
        label = "Command post exercise" if kind == ExerciseKind.COMMAND_POST else "Military exercise"
    names = list(dict.fromkeys(participants))
    if len(names) > NAMED_PARTICIPANTS:
        others = len(names) - 2
        who = f"{names[0]}, {names[1]} and {others} other{'s' if others > 1 else ''}"
    else:
        who = _listed(names) if names else ""
    parts = [label + (f": {who}" if who else "")]
    if start is not None:
        parts.append(str(start.year))
    return ", ".join(parts)


@dataclass(frozen=True)
class _Territory:
    territory: str
    sovereign: str
    since: date | None


@lru_cache(maxsize=1)
def _territories(path: Path = TERRITORIES) -> dict[str, list[_Territory]]:
    """Return the dependent territories by ISO alpha-3, each with its sovereign states, latest first."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [
            _Territory(row["territory"], row["sovereign"], date.fromisoformat(row["from"]) if row["from"] else None)
            for row in csv.DictReader(handle)
        ]
    by_code: dict[str, list[_Territory]] = {}
    for row in sorted(rows, key=lambda row: row.since or date.min, reverse=True):
        by_code.setdefault(row.territory, []).append(row)
    return by_code


def sovereign_of(iso3: str, *, on: date | None) -> str:
    """Return the ISO alpha-3 code of the state a territory belonged to on ``on`` (a state: itself)."""
    for row in _territories().get(iso3, []):
        if row.since is None or on is None or row.since <= on:
            return row.sovereign
    return iso3


def _states_on(nation: Nation, day: date, resolver: NationResolver) -> list[Nation]:
    """Return the states that held ``nation``'s present territory on ``day`` (several before a unification)."""
    from partnerships.services.importers.resolver import exists_on

    states = [resolver.on_date(nation, day)]
    for succession in resolver.successions:
        if succession.relation != "absorbed" or day >= succession.on:
            continue
        predecessor, successor = resolver.code(succession.predecessor), resolver.code(succession.successor)
        if predecessor is not None and successor is not None and successor.pk == nation.pk:
            states.append(predecessor)
    return [state for state in dict.fromkeys(states) if state is not None and exists_on(state, day)]


def derived_location_country(
    *,
    latitude: Decimal | float | None,
    longitude: Decimal | float | None,
    on: date | None,
    participants: Iterable[Nation],
    resolver: NationResolver,
) -> Nation | None:
    """Return the state whose territory held the point on ``on``, or None when none did or it cannot be told.

    None for a point at sea beyond any territorial sea, in a country the
    registry does not hold, or in a state that did not exist that day (Croatia
    in 1985). Where today's country was then several states (Germany before
    3 October 1990), the one among the ``participants``, if exactly one is.
    """
    if latitude is None or longitude is None:
        return None
    hit = country_at(latitude=float(latitude), longitude=float(longitude))
    if hit is None:
        return None
    if hit.country.iso3:
        nation = resolver.by_iso3.get(sovereign_of(hit.country.iso3, on=on))
    else:
        nation = resolver.name(hit.country.name)  # Kosovo has no ISO code
    if nation is None or on is None:
        return nation
    states = _states_on(nation, on, resolver)
    if len(states) <= 1:
        return states[0] if states else None
    taking_part = {participant.pk for participant in participants}
    among = [state for state in states if state.pk in taking_part]
    return among[0] if len(among) == 1 else None


def is_host(nation: Nation | None, location_country: Nation | None) -> bool:
    """Return whether a participant ``nation`` hosts an exercise held in ``location_country``."""
    return nation is not None and location_country is not None and nation.pk == location_country.pk


@transaction.atomic
def promote_hosts(*, exercise: Exercise) -> list[ExerciseParticipant]:
    """Make host the participant whose territory the exercise's location country is; return the rows changed.

    Only adds hosts (participant → host): hosts staff set by hand, and
    observers, are left as they are.
    """
    if exercise.location_country_id is None:
        return []
    rows = list(exercise.participants.filter(nation_id=exercise.location_country_id, role=ParticipantRole.PARTICIPANT))
    for row in rows:
        row.role = ParticipantRole.HOST
        row.save(update_fields=["role", "updated_at"])
    return rows


@transaction.atomic
def derive_exercise_location(*, exercise: Exercise, resolver: NationResolver) -> tuple[bool, list[ExerciseParticipant]]:
    """Derive the exercise's location country from its coordinates, then its hosts.

    A location country staff chose (``location_country_derived`` false and a
    country set) is kept; a derived one follows the coordinates. Return
    whether the exercise changed, and the participants made host.
    """
    changed = False
    if exercise.location_country_derived or exercise.location_country_id is None:
        nations = [row.nation for row in exercise.participants.select_related("nation") if row.nation is not None]
        country = derived_location_country(
            latitude=exercise.latitude,
            longitude=exercise.longitude,
            on=exercise.start_date,
            participants=nations,
            resolver=resolver,
        )
        derived = country is not None
        if exercise.location_country_id != (country and country.pk) or exercise.location_country_derived != derived:
            exercise.location_country, exercise.location_country_derived = country, derived
            exercise.save(update_fields=["location_country", "location_country_derived", "updated_at"])
            changed = True
    return changed, promote_hosts(exercise=exercise)
