"""One resolver from every dataset's country names and codes to the registry's nations.

Codes are looked up directly (ISO alpha-2/alpha-3, COW number and
abbreviation). Names are matched exactly (case and accents ignored), then
through the ``countrycode`` package's regular expressions, the crosswalk
political scientists maintain for exactly this. A name that matches nothing
is reported by the importer with its row: it is never dropped, never guessed.

Names are dated: a row of 1960 naming "Germany" means the German Federal
Republic, one of 1995 naming "West Germany" means Germany. :meth:`NationResolver.on_date`
turns the named state into the state that existed on the row's date, through
the successions in ``partnerships/reference/state_successions.csv`` (dates
from the COW state system) and the nations' own ``exists_from``/``exists_until``.
"""

from __future__ import annotations

import csv
import functools
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from partnerships.models import Nation

SUCCESSIONS = Path(__file__).resolve().parents[2] / "reference" / "state_successions.csv"
GW_COW_CODES = Path(__file__).resolve().parents[2] / "reference" / "gw_cow_codes.csv"
# Which way a dated name may follow a succession: a successor's name before the day means its
# predecessor (not for an absorbed state: "Germany" in 1960 is not the GDR), a predecessor's name
# from the day on means its successor (not after a dissolution, which left several, or a secession,
# after which the predecessor goes on).
BACKWARD = {"continued", "dissolved", "seceded"}
FORWARD = {"continued", "absorbed"}


@dataclass(frozen=True)
class Succession:
    predecessor: str  # a COW number or an ISO alpha-3 code
    successor: str
    on: date  # the successor's first day
    relation: str


def successions(path: Path = SUCCESSIONS) -> list[Succession]:
    """Return the curated successions between states (see partnerships/reference/README.md)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Succession(row["predecessor"], row["successor"], date.fromisoformat(row["on"]), row["relation"])
            for row in csv.DictReader(handle)
        ]


@dataclass(frozen=True)
class GwDifference:
    gwcode: int
    cow_code: int
    since: date | None
    until: date | None  # the first day it no longer holds


@lru_cache(maxsize=1)
@functools.cache
def gw_differences(path: Path = GW_COW_CODES) -> tuple[GwDifference, ...]:
    """Return the Gleditsch-Ward numbers that mean another COW number (see partnerships/reference/README.md).

    Read once per process: a long MME file asks for every participant row."""
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(
            GwDifference(
                int(row["gwcode"]),
                int(row["cow_code"]),
                date.fromisoformat(row["from"]) if row["from"] else None,
                date.fromisoformat(row["until"]) if row["until"] else None,
            )
            for row in csv.DictReader(handle)
        )


def cow_code_of_gw(code: int, day: date | None) -> int:
    """Return the COW number of the state Gleditsch-Ward number ``code`` means on ``day`` (undated: its first)."""
    for difference in gw_differences():
        if difference.gwcode != code:
            continue
        if day is None:
            if difference.since is None:
                return difference.cow_code
            continue  # undated: the number's own state (260 is the German Federal Republic)
        started = difference.since is None or difference.since <= day
        if started and (difference.until is None or day < difference.until):
            return difference.cow_code
    return code


def exists_on(nation: Nation, day: date) -> bool:
    """Return whether the state existed on ``day`` as far as the registry knows (unknown dates: it did)."""
    return (nation.exists_from is None or nation.exists_from <= day) and (
        nation.exists_until is None or day < nation.exists_until
    )


def normalise(name: str) -> str:
    """Return a name folded for comparison: no accents, lower case, single spaces."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(folded.lower().replace("&", "and").split())


# Spellings seen in the datasets that the countrycode crosswalk does not know (or takes for another
# state: it reads "West Germany" as Germany), by ISO alpha-3 code or COW number.
ALIASES: dict[str, str | int] = {
    "st. christopher": "KNA",
    "st christopher": "KNA",
    "saint christopher": "KNA",
    "west germany": 260,
    "east germany": 265,
}


@lru_cache(maxsize=4096)
def _countrycode(name: str, destination: str) -> str | int | None:
    from countrycode import countrycode

    result = countrycode(name, origin="country.name", destination=destination)
    return result if result not in ("", None) else None


class NationResolver:
    """Resolves codes and names to nations; load once per import (it reads the nation table)."""

    def __init__(self) -> None:
        self.reload()

    def reload(self) -> None:
        nations = list(Nation.objects.all())
        self.by_iso2 = {n.iso2: n for n in nations if n.iso2}
        self.by_iso3 = {n.iso3: n for n in nations if n.iso3}
        self.by_cow_code = {n.cow_code: n for n in nations if n.cow_code is not None}
        self.by_cow_abbr = {n.cow_abbr: n for n in nations if n.cow_abbr}
        self.by_name = {normalise(n.name): n for n in nations}
        self.successions = successions()

    def remember(self, nation: Nation) -> None:
        """Index a nation created or changed during the import."""
        if nation.iso2:
            self.by_iso2[nation.iso2] = nation
        if nation.iso3:
            self.by_iso3[nation.iso3] = nation
        if nation.cow_code is not None:
            self.by_cow_code[nation.cow_code] = nation
        if nation.cow_abbr:
            self.by_cow_abbr[nation.cow_abbr] = nation
        self.by_name[normalise(nation.name)] = nation

    def cow(self, code: int | None) -> Nation | None:
        return self.by_cow_code.get(code) if code is not None else None

    def gw(self, code: int | None, day: date | None = None) -> Nation | None:
        """Return the nation a Gleditsch-Ward number means on ``day``: the COW state it stands for then.

        The two lists share their numbers but for a handful of states
        (``gw_cow_codes.csv``): Gleditsch-Ward 260 is Germany from 1990-10-03
        (COW 255), 678 Yemen from 1990-05-22 (COW 679), 340 Serbia (COW 345),
        970-973 Kiribati, Nauru, Tonga and Tuvalu (COW 946, 970, 955, 947).
        """
        return self.by_cow_code.get(cow_code_of_gw(code, day)) if code is not None else None

    def code(self, code: str) -> Nation | None:
        """Return the nation a COW number or ISO alpha-3 code (as the successions list names them) means."""
        return self.by_cow_code.get(int(code)) if code.isdigit() else self.by_iso3.get(code)

    def on_date(self, nation: Nation | None, day: date | None) -> Nation | None:
        """Return the state that existed on ``day`` where ``nation`` is named: itself, or its predecessor or successor.

        Undated names (``day`` None) and states the successions do not concern
        are returned as they are.
        """
        if nation is None or day is None:
            return nation
        for succession in self.successions:
            predecessor, successor = self.code(succession.predecessor), self.code(succession.successor)
            if predecessor is None or successor is None:
                continue  # a state this registry does not hold
            if (
                successor.pk == nation.pk
                and day < succession.on
                and succession.relation in BACKWARD
                and exists_on(predecessor, day)
            ):
                return predecessor
            if (
                predecessor.pk == nation.pk
                and day >= succession.on
                and succession.relation in FORWARD
                and exists_on(successor, day)
            ):
                return successor
        return nation

    def name(self, name: str) -> Nation | None:
        """Return the nation a country name means, or None when no crosswalk knows it."""
        text = name.strip()
        if not text:
            return None
        exact = self.by_name.get(normalise(text))
        if exact is not None:
            return exact
        alias = ALIASES.get(normalise(text))
        if isinstance(alias, int) and alias in self.by_cow_code:
            return self.by_cow_code[alias]
        if isinstance(alias, str) and alias in self.by_iso3:
            return self.by_iso3[alias]
        cown = _countrycode(text, "cown")
        if cown is not None and int(cown) in self.by_cow_code:
            return self.by_cow_code[int(cown)]
        iso3 = _countrycode(text, "iso3c")
        if iso3 is not None and iso3 in self.by_iso3:
            return self.by_iso3[iso3]
        return None
