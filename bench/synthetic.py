"""A synthetic registry at scale S, M or L, generated reproducibly and loaded with ``COPY``.

    python3 bench/synthetic.py --scale L [--seed 7]     # into the configured database

Scale L is the size the performance targets are set for: 100,000 agreements
with about 400,000 parties, 100,000 exercises with about 1,000,000
participations, 1,000,000 resource-sharing records and 20,000 organizations
(plus 2,000 programs and the memberships of the multinational organizations).
M is a tenth of L and S a hundredth, about the size of the real datasets
(COW + ATOP: 1,159 alliances; MME: 3,706 exercises; a SIPRI register: 1,938
transfers).

The shapes are those of the real data: a few nations take part in most
records (Zipf weights, the United States first), party and participant counts
have a long tail (most agreements are bilateral, a few have dozens of
parties, up to 60 as in ATOP; exercises up to 40 participants, as in MME),
dates run from 1945 to 2025 with more records in later years, and 5 % of
records (2 % of organizations) are restricted. Every record says it is
synthetic, as an import of a dataset named "synthetic" would: organizations,
agreements, exercises and resource-sharing records follow it (``follows``)
and have one source row each, with the record's id as ``dataset_id`` and a
citation that says so; programs and memberships name it in
``source_dataset``. One agreement in twenty has an acronym, a few also a
common name or a name in French.

The same seed and scale give the same rows, ids included. Rows stream into
PostgreSQL with ``COPY`` while the registry's secondary indexes are dropped;
the indexes are rebuilt afterwards and the tables analysed. Foreign keys are
not checked row by row during the load (``session_replication_role =
replica``): the generator only writes ids it has made. CHECK constraints are
checked, and the unique indexes are checked when they are rebuilt. Triggers do
not fire either: the nation each party, participant and transfer end counts as
(``actor_nation``, which a trigger keeps) is written by the generator itself.
History rows are not generated: these records were never edited.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent

SCALES = {"S": 0.01, "M": 0.1, "L": 1.0}
TABLES = [
    "partnerships_organization",
    "partnerships_organizationsource",
    "partnerships_organizationalias",
    "partnerships_membership",
    "partnerships_program",
    "partnerships_agreement",
    "partnerships_agreementsource",
    "partnerships_agreementalias",
    "partnerships_agreementparty",
    "partnerships_exercise",
    "partnerships_exercisesource",
    "partnerships_exerciseparticipant",
    "partnerships_resourcesharing",
    "partnerships_resourcesource",
]
# The dataset the synthetic records come from, as their source rows and ``follows`` name it.
DATASET = "synthetic"
# The hubs, in order of weight; the other nations follow in a seeded shuffle.
HUBS = ["USA", "GBR", "FRA", "DEU", "RUS", "CHN", "IND", "JPN", "AUS", "TUR", "ITA", "CAN", "KOR", "POL", "BRA"]
BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)
CHUNK = 50_000

SERIES_NAMES = [
    "Balikatan", "RIMPAC", "Cobra Gold", "Talisman Sabre", "BALTOPS", "Malabar", "Sea Breeze", "Cold Response",
    "Anakonda", "Trident Juncture", "Saber Strike", "Khaan Quest", "African Lion", "Flintlock", "Pitch Black",
    "Red Flag", "Keen Sword", "Vostok", "Zapad", "Peace Mission", "Bright Star", "Eager Lion", "Garuda Shield",
    "Pacific Vanguard", "Steadfast Defender", "Dynamic Mongoose", "Northern Edge", "Cutlass Express",
    "Obangame Express", "Tradewinds", "UNITAS", "Kakadu", "Komodo", "Iron Wolf", "Swift Response",
]  # fmt: skip
SYLLABLES = [
    "al",
    "ba",
    "cor",
    "da",
    "el",
    "fa",
    "gar",
    "hal",
    "in",
    "jor",
    "ka",
    "lu",
    "mar",
    "nor",
    "or",
    "pa",
    "qua",
    "ro",
    "sal",
    "ta",
    "ur",
    "val",
    "wes",
    "xan",
    "yor",
    "zen",
]
EXERCISE_WORDS = [
    "Shield",
    "Sabre",
    "Eagle",
    "Trident",
    "Lion",
    "Falcon",
    "Thunder",
    "Resolve",
    "Guardian",
    "Horizon",
    "Spear",
    "Anchor",
]
EQUIPMENT = [
    ("F-16C Fighting Falcon", "fighter aircraft", "aircraft"),
    ("Leopard 2A4", "main battle tank", "tanks"),
    ("M1A2 Abrams", "main battle tank", "tanks"),
    ("AH-64E Apache", "attack helicopter", "helicopters"),
    ("UH-60M Black Hawk", "transport helicopter", "helicopters"),
    ("C-130J Hercules", "transport aircraft", "aircraft"),
    ("P-8A Poseidon", "maritime patrol aircraft", "aircraft"),
    ("Patriot PAC-3", "surface-to-air missile system", "batteries"),
    ("NASAMS", "surface-to-air missile system", "batteries"),
    ("HIMARS", "multiple rocket launcher", "launchers"),
    ("Javelin", "anti-tank missile", "missiles"),
    ("Harpoon Block II", "anti-ship missile", "missiles"),
    ("Bayraktar TB2", "armed drone", "drones"),
    ("ScanEagle", "reconnaissance drone", "drones"),
    ("Type 209", "diesel submarine", "submarines"),
    ("Oliver Hazard Perry class", "frigate", "ships"),
    ("Cyclone class", "patrol boat", "ships"),
    ("M113", "armoured personnel carrier", "vehicles"),
    ("Humvee", "light utility vehicle", "vehicles"),
    ("AN/TPQ-36", "counter-battery radar", "radars"),
    ("Gripen C", "fighter aircraft", "aircraft"),
    ("Rafale", "fighter aircraft", "aircraft"),
    ("Su-30MK", "fighter aircraft", "aircraft"),
    ("T-90S", "main battle tank", "tanks"),
    ("Mi-17", "transport helicopter", "helicopters"),
    ("CAESAR", "self-propelled howitzer", "howitzers"),
    ("K9 Thunder", "self-propelled howitzer", "howitzers"),
    ("Boxer", "infantry fighting vehicle", "vehicles"),
]
NON_EQUIPMENT = {
    "training": ["pilot training course", "officer exchange programme", "maritime security training",
                 "counter-IED training", "peacekeeping pre-deployment training", "cyber defence course"],
    "technology": ["secure communications technology", "radar signal processing know-how",
                   "missile guidance co-development", "night vision technology licence"],
    "personnel": ["liaison officers", "military advisers", "instructors seconded"],
    "facilities": ["joint use of naval base", "shared training range", "airfield access rights"],
    "intelligence": ["maritime domain awareness data", "satellite imagery sharing", "early warning data"],
    "funding": ["foreign military financing grant", "capacity building fund", "coastal security assistance"],
    "logistics": ["fuel and spare parts support", "airlift support", "ammunition resupply"],
}  # fmt: skip
CATEGORY_WEIGHTS = [
    ("equipment", 40), ("training", 20), ("technology", 10), ("funding", 10), ("logistics", 8),
    ("personnel", 5), ("facilities", 4), ("intelligence", 3),
]  # fmt: skip
AGREEMENT_KINDS = {
    "treaty": "Treaty of Friendship and Defense Cooperation",
    "executive_agreement": "Executive Agreement on Defense Cooperation",
    "mou": "Memorandum of Understanding on Defense Cooperation",
    "framework": "Framework Agreement on Security Cooperation",
    "sofa": "Status of Forces Agreement",
    "defense_cooperation": "Defense Cooperation Agreement",
    "loa": "Letter of Offer and Acceptance",
    "alliance": "Alliance Treaty",
    "other": "Arrangement on Military Cooperation",
}
PROVISION_WEIGHTS = {
    "mutual_defense": 0.3, "offense": 0.03, "neutrality": 0.05, "non_aggression": 0.08, "consultation": 0.25,
    "training_exercises": 0.35, "intelligence_sharing": 0.15, "technology_transfer": 0.12, "procurement": 0.15,
    "basing_access": 0.08, "logistics": 0.15, "status_of_forces": 0.1, "research_development": 0.07,
}  # fmt: skip
# The kinds of organizations that belong to a nation (a non-state actor belongs to none).
ORG_KINDS = ["ministry_of_defense", "armed_service", "command", "intelligence_agency", "defense_agency"]
ORG_UNITS = [
    "Army",
    "Navy",
    "Air",
    "Force",
    "Marine",
    "Corps",
    "Joint",
    "Staff",
    "Logistics",
    "Command",
    "Cyber",
    "Command",
    "Procurement",
    "Agency",
]
DOMAINS = ["land", "sea", "air", "amphibious", "cyber", "space"]
PURPOSES = ["warfighting", "peacekeeping", "humanitarian", "maritime_security", "counterterrorism", "search_rescue"]


@dataclass
class Counts:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def copy_value(value: Any) -> str:
    """Return ``value`` in COPY's text format (the generator writes no tabs, newlines or backslashes)."""
    if value is None:
        return "\\N"
    if isinstance(value, list | tuple):
        return "{" + ",".join(str(item) for item in value) + "}"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


def as_lines(rows: Iterator[Sequence[Any]]) -> Iterator[str]:
    """Return ``rows`` in COPY's text format, one line (without its newline) each."""
    return ("\t".join(map(copy_value, row)) for row in rows)


def copy_lines(cursor: Any, table: str, columns: Sequence[str], lines: Iterator[str]) -> int:
    """Stream ``lines`` (rows already in COPY's text format, without the newline) into ``table``; return how many."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    written = 0
    buffer = io.StringIO()
    pending = 0
    for line in lines:
        buffer.write(line)
        buffer.write("\n")
        pending += 1
        if pending == CHUNK:
            buffer.seek(0)
            cursor.copy_expert(statement, buffer)
            written += pending
            buffer, pending = io.StringIO(), 0
    if pending:
        buffer.seek(0)
        cursor.copy_expert(statement, buffer)
        written += pending
    return written


class Generator:
    """Makes the rows of one scale from one seed; every method draws from the same random stream."""

    def __init__(self, *, scale: str, seed: int, nations: list[dict[str, Any]]) -> None:
        self.factor = SCALES[scale]
        self.scale = scale
        self.seed = seed
        self.random = random.Random(f"registry-bench-{seed}")
        codes = {n["iso3"]: n["id"] for n in nations if n["iso3"]}
        hubs = [codes[code] for code in HUBS if code in codes]
        others = sorted(n["id"] for n in nations if n["id"] not in hubs)
        self.random.shuffle(others)
        self.nations = hubs + others
        self.nation_names = {n["id"]: n["name"] for n in nations}
        # Zipf weights: the first nations take part in most records.
        self.party_weights = list(accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(self.nations))))
        self.recipient_weights = list(accumulate(1 / (rank + 1) ** 0.6 for rank in range(len(self.nations))))
        self.organizations = max(int(20_000 * self.factor), 40)
        self.programs = max(int(2_000 * self.factor), 20)
        self.agreements = max(int(100_000 * self.factor), 100)
        self.exercises = max(int(100_000 * self.factor), 100)
        self.resources = max(int(1_000_000 * self.factor), 1_000)
        self.org_nation: dict[int, int | None] = {}
        self.agreement_years: list[int] = []
        self.scopes: list[str] = []
        self.agreement_aliases: list[tuple[int, str, str, str]] = []
        self.clock = 0
        self.citation = f"Synthetic benchmark record (scale {self.scale}, seed {self.seed})."

    # ---- shared pieces -------------------------------------------------
    def common(self, pk: int, *, restricted_share: float = 0.05) -> list[Any]:
        """The ``COMMON`` columns of a record type with one dataset at most (programs, memberships)."""
        visibility, moment = self.stamp(restricted_share)
        return [pk, visibility, "", self.citation, DATASET, f"seed-{self.seed}", str(pk), moment, moment]

    def sourced(self, pk: int, *, restricted_share: float = 0.05) -> list[Any]:
        """The ``SOURCED`` columns of a record type with source rows: as imported, its citation is on its source row."""
        visibility, moment = self.stamp(restricted_share)
        return [pk, visibility, "", "", DATASET, moment, moment]

    def stamp(self, restricted_share: float) -> tuple[str, datetime]:
        """A record's visibility (restricted with probability ``restricted_share``) and its creation time."""
        self.clock += 1
        visibility = "restricted" if self.random.random() < restricted_share else "public"
        return visibility, BASE_TIME + timedelta(seconds=self.clock)

    def year(self, first: int = 1945, last: int = 2025) -> int:
        """A year in [first, last], later years more likely (the registry grows with time)."""
        return first + int((last - first + 1) * self.random.random() ** 0.6)

    def day_in(self, year: int) -> date:
        return date(year, 1, 1) + timedelta(days=self.random.randrange(365))

    def nation(self, weights: list[float] | None = None) -> int:
        return self.random.choices(self.nations, cum_weights=weights or self.party_weights)[0]

    def actors(self, count: int, *, organization_share: float) -> list[tuple[int | None, int | None]]:
        """``count`` distinct (nation, organization) pairs, exactly one of each set, hubs most likely."""
        count = min(count, len(self.nations))
        nations: set[int] = set()
        organizations: set[int] = set()
        chosen: list[tuple[int | None, int | None]] = []
        while len(chosen) < count:
            if self.random.random() < organization_share:
                org = self.random.randint(1, self.organizations)
                if org not in organizations:
                    organizations.add(org)
                    chosen.append((None, org))
            else:
                nation = self.nation()
                if nation not in nations:
                    nations.add(nation)
                    chosen.append((nation, None))
        return chosen

    def counted(self, nation: int | None, organization: int | None) -> int | None:
        """The nation an actor counts as (the ``actor_nation`` columns): the nation, or the organization's."""
        return nation if nation is not None else self.org_nation[organization]  # type: ignore[index]

    def long_tail(self, minimum: int, scale: float, cap: int) -> int:
        return min(minimum + int((self.random.paretovariate(1.5) - 1) * scale), cap)

    # ---- tables --------------------------------------------------------
    def organization_rows(self) -> Iterator[list[Any]]:
        for pk in range(1, self.organizations + 1):
            multinational = self.random.random() < 0.08
            kind = "multinational" if multinational else self.random.choice(ORG_KINDS)
            nation = None if multinational else self.nation()
            self.org_nation[pk] = nation
            founded = self.day_in(self.year(1900, 2020))
            if multinational:
                name = f"{self.random.choice(SYLLABLES).title()}{self.random.choice(SYLLABLES)} Defence Council {pk}"
            else:
                name = f"{self.nation_names[nation]} {self.random.choice(ORG_UNITS)} {pk}"
            acronym = "".join(word[0] for word in name.split()[:-1] if word[0].isalpha()).upper()[:10]
            yield [
                *self.sourced(pk, restricted_share=0.02),
                name, acronym, kind, nation, None, None, founded, None, "", "",
            ]  # fmt: skip

    def membership_rows(self) -> Iterator[list[Any]]:
        pk = 0
        for org, nation in self.org_nation.items():
            if nation is not None:
                continue
            members = self.actors(self.long_tail(3, 4, 60), organization_share=0)
            for member, _ in members:
                pk += 1
                joined = self.day_in(self.year(1950, 2024))
                yield [*self.common(pk, restricted_share=0), org, member, "member", joined, None]

    def program_rows(self) -> Iterator[list[Any]]:
        types = ["bilateral_partnership", "multilateral_partnership", "joint_exercise_program",
                 "logistical_partnership", "development", "security_assistance"]  # fmt: skip
        objectives = ["collective_security", "interoperability", "defense_rnd", "diplomacy_trust", "capacity_building"]
        for pk in range(1, self.programs + 1):
            start = self.day_in(self.year(1950, 2024))
            ended = start + timedelta(days=self.random.randrange(365, 365 * 30)) if self.random.random() < 0.3 else None
            word = self.random.choice(EXERCISE_WORDS)
            yield [
                *self.common(pk),
                f"{word} Partnership Initiative {pk}", f"{word[:3].upper()}{pk}", self.random.choice(types),
                self.random.sample(objectives, self.random.randint(1, 3)), self.nation(), None, start, ended, "",
            ]  # fmt: skip

    def agreement_rows(self) -> Iterator[list[Any]]:
        kinds = list(AGREEMENT_KINDS)
        for pk in range(1, self.agreements + 1):
            kind = self.random.choice(kinds)
            bilateral = self.random.random() < 0.7
            self.scopes.append("bilateral" if bilateral else "multilateral")
            roll = self.random.random()
            signed = self.day_in(self.year())
            in_force = signed + timedelta(days=self.random.randrange(0, 400))
            expires = ended = None
            if roll < 0.05:
                status, signed, in_force = "negotiating", None, None
            elif roll < 0.15:
                status, in_force = "signed", None
            elif roll < 0.65:
                status = "in_force"
                if self.random.random() < 0.2:
                    expires = in_force + timedelta(days=365 * self.random.randint(5, 50))
            elif roll < 0.68:
                status = "suspended"
            else:
                status = self.random.choice(["expired", "terminated"])
                ended = in_force + timedelta(days=self.random.randrange(365, 365 * 40))
            provisions = [p for p, share in PROVISION_WEIGHTS.items() if self.random.random() < share]
            self.agreement_years.append(signed.year if signed else 2025)
            title = f"{AGREEMENT_KINDS[kind]} No. {pk}"
            program = self.random.randint(1, self.programs) if self.random.random() < 0.2 else None
            self.add_aliases(pk, kind)
            yield [
                *self.sourced(pk),
                title, f"A-{pk}", "generated", kind, "bilateral" if bilateral else "multilateral", status,
                signed, in_force, expires, ended, provisions, program, "",
            ]  # fmt: skip

    def add_aliases(self, pk: int, kind: str) -> None:
        """Give one agreement in twenty an acronym, one in a hundred a common name, one in 500 a French name.

        Drawn from the id, not the random stream, so that aliases change no other row.
        """
        if pk % 20:
            return
        words = AGREEMENT_KINDS[kind].split()
        acronym = "".join(word[0] for word in words if word[0].isupper())
        self.agreement_aliases.append((pk, f"{acronym}-{pk}", "acronym", ""))
        if pk % 100 == 0:
            self.agreement_aliases.append((pk, f"{words[0]} Accord {pk}", "common_name", ""))
        if pk % 500 == 0:
            self.agreement_aliases.append((pk, f"Accord de coopération militaire n° {pk}", "other_language", "fr"))

    def agreement_alias_rows(self) -> Iterator[list[Any]]:
        for pk, (agreement, name, kind, language) in enumerate(self.agreement_aliases, 1):
            yield [pk, name, kind, language, BASE_TIME, BASE_TIME, agreement]

    def source_lines(self, count: int) -> Iterator[str]:
        """The source rows of records 1 to ``count`` (``SOURCE_COLUMNS``), one each, followed, as an import writes.

        ``values`` is empty: no key facts to compare, so nothing differs (and the
        API has no actor in them to mask for analysts without clearance).
        Formatted here rather than by ``copy_value``: at scale L there are 1.2
        million of them.
        """
        stamp = copy_value(BASE_TIME)
        dataset = f"{DATASET}\tseed-{self.seed}"
        # url (empty), citation, imported_at, followed, values, crosswalk, differs.
        rest = f"\t{self.citation}\t{stamp}\tt\t{{}}\t{{}}\t{{}}"
        for pk in range(1, count + 1):
            yield f"{pk}\t{stamp}\t{stamp}\t{pk}\t{dataset}\t{pk}\t{rest}"

    def party_rows(self) -> Iterator[list[Any]]:
        pk = 0
        self.random.seed(f"registry-bench-{self.seed}-parties")
        for agreement in range(1, self.agreements + 1):
            bilateral = self.scopes[agreement - 1] == "bilateral"
            count = 2 if bilateral else self.long_tail(3, 4.2, 60)
            for index, (nation, org) in enumerate(self.actors(count, organization_share=0.1)):
                pk += 1
                joined = withdrew = None
                if not bilateral and index > 2 and self.random.random() < 0.3:
                    joined = self.day_in(min(self.agreement_years[agreement - 1] + self.random.randint(1, 20), 2025))
                    if self.random.random() < 0.2:
                        withdrew = joined + timedelta(days=self.random.randrange(365, 365 * 20))
                yield [
                    pk, BASE_TIME, BASE_TIME, nation, org, agreement, "party", joined, withdrew, "",
                    self.counted(nation, org),
                ]  # fmt: skip

    def exercise_rows(self) -> Iterator[list[Any]]:
        series_count = max(self.exercises // 20, 10)
        for pk in range(1, self.exercises + 1):
            series_no = int(series_count * self.random.random() ** 2)
            if series_no < len(SERIES_NAMES):
                series = SERIES_NAMES[series_no]
            else:
                series = f"{self.random.choice(EXERCISE_WORDS)} {SYLLABLES[series_no % 26].title()}{series_no}"
            year = self.year(1950, 2026)
            start = self.day_in(year)
            end = start + timedelta(days=self.random.randrange(1, 30))
            roll = self.random.random()
            status = "completed" if roll < 0.85 else ("planned" if roll < 0.95 else "cancelled")
            if status == "completed" and end >= date(2026, 11, 1):
                status = "planned"
            yield [
                *self.sourced(pk),
                f"{series} {year}-{pk}", False, series, self.random.choice(["field_training", "command_post",
                                                                           "combined", "tabletop", "simulation"]),
                self.random.sample(DOMAINS, self.random.randint(1, 3)),
                self.random.sample(PURPOSES, self.random.randint(1, 2)), status, start, end, "", None, None, None,
                False, self.random.randint(1, self.programs) if self.random.random() < 0.2 else None,
                self.random.randint(1, self.agreements) if self.random.random() < 0.1 else None, "", "",
            ]  # fmt: skip

    def participant_rows(self) -> Iterator[list[Any]]:
        pk = 0
        self.random.seed(f"registry-bench-{self.seed}-participants")
        for exercise in range(1, self.exercises + 1):
            count = self.long_tail(2, 7.0, 40)
            for index, (nation, org) in enumerate(self.actors(count, organization_share=0.1)):
                pk += 1
                role = "host" if index == 0 else ("observer" if self.random.random() < 0.05 else "participant")
                personnel = self.random.randint(20, 5000) if self.random.random() < 0.4 else None
                yield [pk, BASE_TIME, BASE_TIME, nation, org, exercise, role, personnel, "", self.counted(nation, org)]

    def resource_rows(self) -> Iterator[list[Any]]:
        categories = [name for name, _ in CATEGORY_WEIGHTS]
        cumulative = list(accumulate(weight for _, weight in CATEGORY_WEIGHTS))
        statuses = ["completed"] * 6 + ["in_progress", "ordered", "approved", "proposed", "cancelled"]
        for pk in range(1, self.resources + 1):
            provider_org = recipient_org = None
            provider = self.nation()
            if self.random.random() < 0.1:
                provider_org, provider = self.random.randint(1, self.organizations), None
            recipient = self.nation(self.recipient_weights)
            while recipient == provider:
                recipient = self.nation(self.recipient_weights)
            if self.random.random() < 0.1:
                recipient_org, recipient = self.random.randint(1, self.organizations), None
                if recipient_org == provider_org:
                    recipient_org = recipient_org % self.organizations + 1
            category = self.random.choices(categories, cum_weights=cumulative)[0]
            start = self.day_in(self.year(1950, 2025))
            end = start + timedelta(days=self.random.randrange(30, 365 * 6)) if self.random.random() < 0.7 else None
            quantity = unit = designation = tiv_unit = tiv_total = None
            years: list[int] = []
            if category == "equipment":
                designation, kind, unit = self.random.choice(EQUIPMENT)
                quantity = self.random.randint(1, 200)
                description = f"{quantity} {designation} {kind}"
                if self.random.random() < 0.5:
                    tiv_unit = round(self.random.lognormvariate(1.5, 1.2), 3)
                    tiv_total = round(tiv_unit * quantity, 3)
                    years = sorted({start.year + offset for offset in range(self.random.randint(1, 4))})
            else:
                description = self.random.choice(NON_EQUIPMENT[category])
            value = round(min(self.random.lognormvariate(16, 2), 9e13), 2) if self.random.random() < 0.5 else None
            yield [
                *self.sourced(pk),
                f"SYN-{pk}" if self.random.random() < 0.3 else "", provider, provider_org, recipient, recipient_org,
                category, description, quantity, unit or "", value, "USD" if value is not None else "", start, end,
                self.random.choice(statuses), designation or "", "", None, years, tiv_unit, tiv_total, None,
                self.random.randint(1, self.agreements) if self.random.random() < 0.15 else None,
                self.random.randint(1, self.programs) if self.random.random() < 0.1 else None,
                self.counted(provider, provider_org), self.counted(recipient, recipient_org),
            ]  # fmt: skip


COMMON = ["id", "visibility", "source_url", "source_text", "source_dataset", "source_version", "source_id",
          "created_at", "updated_at"]  # fmt: skip
SOURCED = ["id", "visibility", "source_url", "source_text", "follows", "created_at", "updated_at"]
SOURCE_COLUMNS = ["id", "created_at", "updated_at", "record_id", "dataset", "version", "dataset_id", "url", "citation",
                  "imported_at", "followed", "values", "crosswalk", "differs"]  # fmt: skip
COLUMNS = {
    "partnerships_organization": [*SOURCED, "name", "acronym", "kind", "nation_id", "operates_in_id", "parent_id",
                                  "founded_on", "dissolved_on", "website", "description"],
    "partnerships_membership": [*COMMON, "organization_id", "nation_id", "role", "joined_on", "left_on"],
    "partnerships_program": [*COMMON, "name", "acronym", "program_type", "objectives", "lead_nation_id",
                             "lead_organization_id", "started_on", "ended_on", "description"],
    "partnerships_agreement": [*SOURCED, "title", "short_name", "title_origin", "kind", "scope", "status",
                               "signed_on", "in_force_from", "expires_on", "ended_on", "provisions", "program_id",
                               "description"],
    "partnerships_agreementalias": ["id", "name", "kind", "language", "created_at", "updated_at", "agreement_id"],
    "partnerships_agreementparty": ["id", "created_at", "updated_at", "nation_id", "organization_id", "agreement_id",
                                    "role", "joined_on", "withdrew_on", "notes", "actor_nation_id"],
    "partnerships_exercise": [*SOURCED, "name", "name_generated", "series", "kind", "domains", "purposes", "status",
                              "start_date", "end_date", "location", "latitude", "longitude", "location_country_id",
                              "location_country_derived", "program_id", "agreement_id", "objectives", "outcomes"],
    "partnerships_exerciseparticipant": ["id", "created_at", "updated_at", "nation_id", "organization_id",
                                         "exercise_id", "role", "personnel", "notes", "actor_nation_id"],
    "partnerships_organizationsource": SOURCE_COLUMNS,
    "partnerships_agreementsource": SOURCE_COLUMNS,
    "partnerships_exercisesource": SOURCE_COLUMNS,
    "partnerships_resourcesource": SOURCE_COLUMNS,
    "partnerships_resourcesharing": [*SOURCED, "reference", "provider_nation_id", "provider_organization_id",
                                     "recipient_nation_id", "recipient_organization_id", "category", "description",
                                     "quantity", "unit", "value", "currency", "start_date", "end_date", "status",
                                     "designation", "condition", "quantity_delivered", "delivery_years", "tiv_unit",
                                     "tiv_total", "tiv_delivered", "agreement_id", "program_id",
                                     "provider_actor_nation_id", "recipient_actor_nation_id"],
}  # fmt: skip


def secondary_indexes(cursor: Any) -> list[tuple[str, str]]:
    """Return (name, definition) of the registry tables' indexes other than primary keys and constraints'."""
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relname = ANY(%s) AND NOT x.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
        ORDER BY i.relname
        """,
        [TABLES],
    )
    return list(cursor.fetchall())


def build(*, scale: str, seed: int, replace: bool = False, log: Callable[[str], None] = print) -> Counts:
    """Fill the registry tables of the configured database with scale ``scale``; return the counts.

    The tables must hold no agreements, unless ``replace``: then everything in them is replaced.
    """
    from django.db import connection, transaction

    from partnerships.models import Agreement, Nation
    from partnerships.services.nations import seed_nations

    if not replace and Agreement.objects.exists():
        raise SystemExit("The database already holds agreements: build in an empty database, or replace them.")
    seed_nations()
    nations = list(Nation.objects.values("id", "iso3", "name"))
    generator = Generator(scale=scale, seed=seed, nations=nations)
    counts = Counts()
    began = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        indexes = secondary_indexes(cursor)
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        # In this order: each step's rows follow from the random stream the steps before it left.
        steps: list[tuple[str, Callable[[], Iterator[str]]]] = [
            ("partnerships_organization", lambda: as_lines(generator.organization_rows())),
            ("partnerships_organizationsource", lambda: generator.source_lines(generator.organizations)),
            ("partnerships_membership", lambda: as_lines(generator.membership_rows())),
            ("partnerships_program", lambda: as_lines(generator.program_rows())),
            ("partnerships_agreement", lambda: as_lines(generator.agreement_rows())),
            ("partnerships_agreementsource", lambda: generator.source_lines(generator.agreements)),
            ("partnerships_agreementalias", lambda: as_lines(generator.agreement_alias_rows())),
            ("partnerships_agreementparty", lambda: as_lines(generator.party_rows())),
            ("partnerships_exercise", lambda: as_lines(generator.exercise_rows())),
            ("partnerships_exercisesource", lambda: generator.source_lines(generator.exercises)),
            ("partnerships_exerciseparticipant", lambda: as_lines(generator.participant_rows())),
            ("partnerships_resourcesharing", lambda: as_lines(generator.resource_rows())),
            ("partnerships_resourcesource", lambda: generator.source_lines(generator.resources)),
        ]
        for table, lines in steps:
            started = time.monotonic()
            counts.rows[table] = copy_lines(cursor, table, COLUMNS[table], lines())
            counts.seconds[table] = time.monotonic() - started
            log(f"  {table}: {counts.rows[table]:,} rows in {counts.seconds[table]:.1f} s")
        started = time.monotonic()
        for _, definition in indexes:
            cursor.execute(definition)
        counts.seconds["indexes"] = time.monotonic() - started
        log(f"  {len(indexes)} indexes rebuilt in {counts.seconds['indexes']:.1f} s")
        for table in TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT max(id) FROM {table}), 1))"
            )
        # The load ran with triggers off: raise the data version they would have (cached answers).
        cursor.execute('UPDATE "partnerships_data_version" SET "version" = "version" + 1')
    started = time.monotonic()
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
    counts.seconds["analyze"] = time.monotonic() - started
    counts.seconds["total"] = time.monotonic() - began
    log(f"  vacuum analyze in {counts.seconds['analyze']:.1f} s; total {counts.seconds['total']:.1f} s")
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="S")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--replace", action="store_true", help="Replace the records already in the database.")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry_site.settings")
    import django

    django.setup()
    build(scale=args.scale, seed=args.seed, replace=args.replace)


if __name__ == "__main__":
    main()
