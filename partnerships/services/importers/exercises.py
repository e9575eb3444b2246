"""Multinational Military Exercises v7 (D'Orazio and Galambos): one exercise per row, participants by name."""

from __future__ import annotations

import calendar
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from simple_history.utils import bulk_create_with_history

from partnerships.audit import channel_of
from partnerships.choices import DatePrecision, Domain, ExerciseKind, ExercisePurpose, ExerciseStatus, ParticipantRole
from partnerships.models import Exercise, ExerciseParticipant, Organization
from partnerships.services import sources
from partnerships.services.exercises import derived_location_country, generated_name, is_host
from partnerships.services.importers.base import Importer, RowRejected, parse_int, related_in_hand
from partnerships.services.importers.layouts import Layout, Rows
from partnerships.services.importers.resolver import NationResolver

STATE_COLUMNS = tuple(
    [f"State{letter}" for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"] + [f"StateA{letter}" for letter in "ABCDEFGHIJKLM"]
)
MISSING = {"", "-9", "-99", "na", "n/a"}
DOMAINS = {
    "Air": Domain.AIR,
    "Land": Domain.LAND,
    "Sea": Domain.SEA,
    "Amphibious": Domain.AMPHIBIOUS,
    "Cyber": Domain.CYBER,
}
PURPOSES = {
    "Warfighting": ExercisePurpose.WARFIGHTING,
    "Peacekeeping": ExercisePurpose.PEACEKEEPING,
    "Humanitarian": ExercisePurpose.HUMANITARIAN,
}
SOURCE_URL = "https://doi.org/10.7910/DVN/KHFODX"
SOURCE_TEXT = "D'Orazio, Vito and Kevin Galambos, Multinational Military Exercises dataset, v7."
SLASHED = re.compile(r"^(\d{1,2}|xx)/(\d{1,2}|xx)/(\d{2}|\d{4})$")
DASHED = re.compile(r"^(\d{4})-(\d{1,2}|xx)-(\d{1,2}|xx)$")
SEVEN_PLACES = Decimal("0.0000001")


def coordinate(text: str, column: str, limit: int) -> Decimal | None:
    """Return a degree value rounded to 7 decimals (about 1 cm), None when missing; reject one out of range."""
    if text.strip().lower() in MISSING:
        return None
    try:
        value = Decimal(text.strip()).quantize(SEVEN_PLACES)
    except InvalidOperation:
        raise RowRejected(f"{column}: “{text}” is not a number of degrees") from None
    if not -limit <= value <= limit:
        raise RowRejected(f"{column}: {text} is not between -{limit} and {limit} degrees")
    return value


def _number(text: str) -> int | None:
    """The number in ``text``, None for ``xx`` (unknown) or anything but ASCII digits."""
    return int(text) if text.isascii() and text.isdigit() else None


def mme_date(text: str, year: str, month: str, day: str, column: str, *, end: bool) -> tuple[date | None, str]:
    """Return (date, precision) from the split columns, or from ``1/14/80`` / ``1980-01-xx`` text.

    ``xx`` (or a blank split column) is an unknown day or month: the date is
    the first of the month (or year) for a start and the last for an end, and
    its precision is "month" (or "year"). Two-digit years are 19xx from 50 up,
    20xx below.
    """
    y = m = d = None
    try:
        if _number(year) is not None and (_number(month) is not None or month.lower() == "xx"):
            y, m = int(year), _number(month)
            d = _number(day) if m is not None else None
        elif match := SLASHED.match(text):
            m, d, y = _number(match.group(1)), _number(match.group(2)), int(match.group(3))
            if y < 100:
                y += 1900 if y >= 50 else 2000
        elif match := DASHED.match(text):
            y, m, d = int(match.group(1)), _number(match.group(2)), _number(match.group(3))
        elif text.strip().lower() in MISSING:
            return None, DatePrecision.DAY
        else:
            raise RowRejected(f"{column}: “{text}” is not a date (m/d/yy or yyyy-mm-dd, xx for an unknown day)")
        if m is None:
            d = None  # a day without its month means nothing
        precision = DatePrecision.YEAR if m is None else DatePrecision.MONTH if d is None else DatePrecision.DAY
        if m is None:
            m = 12 if end else 1
        if d is None:
            d = calendar.monthrange(y, m)[1] if end else 1
        return date(y, m, d), precision
    except (ValueError, OverflowError, calendar.IllegalMonthError):
        raise RowRejected(f"{column}: “{text}” is not a date") from None


EXERCISE_COLUMNS = (
    "MMEID",
    "Ex_Name",
    "Series_Name",
    "Location",
    "StartDate",
    "s.year",
    "s.month",
    "s.day",
    "EndDate",
    "e.year",
    "e.month",
    "e.day",
    "CPX",
    *DOMAINS,
    *PURPOSES,
    "FocusDescription",
)
# The long layout's columns that describe a participant rather than the exercise (one row per
# participant and year: an exercise spanning New Year repeats its participants).
PARTICIPANT_COLUMNS = ("gwcode", "country", "year", "participant_count")


def group_participants(importer: Importer, path: Path, rows: Rows) -> Rows:
    """Return one exercise row per MMEID from the long layout's participant rows, numbered by its first row.

    Each exercise row carries its participants as (label, name, Gleditsch-Ward
    code) in ``__participants``, each once; rows of one exercise that
    disagree on the exercise's own columns are named in ``__conflicts`` for
    the import to reject.
    """
    exercises: dict[str, tuple[int | str, dict[str, Any]]] = {}
    for number, row in rows:
        mmeid = row["MMEID"]
        if mmeid not in exercises:
            first = {key: value for key, value in row.items() if key not in PARTICIPANT_COLUMNS}
            exercises[mmeid] = (number, {**first, "__participants": [], "__conflicts": []})
        first_number, exercise = exercises[mmeid]
        differs = [c for c in EXERCISE_COLUMNS if row[c] != exercise[c]]
        if differs:
            exercise["__conflicts"].append(f"row {number} differs from row {first_number} on {', '.join(differs)}")
        participant = (f"row {number} gwcode/country", row["country"], row["gwcode"])
        if all((name, code) != (participant[1], participant[2]) for _, name, code in exercise["__participants"]):
            exercise["__participants"].append(participant)
    return list(exercises.values())


# One row per participant (and per year of the exercise), with its Gleditsch-Ward number, as the data
# behind troopdata's mme_long are distributed (data-raw/mme-v7-long.csv).
LONG_LAYOUT = Layout(
    "MME v7, long layout",
    required=(*EXERCISE_COLUMNS, "gwcode", "country"),
    optional=("lat", "lon", "year", "participant_count"),
    reshape=group_participants,
    file_rows="participant rows",
    rows="exercises",
)


class MmeImporter(Importer):
    kind = "mme"
    dataset = "mme"
    version = "7"
    source_url = SOURCE_URL
    source_text = SOURCE_TEXT
    description = "Multinational Military Exercises v7 (mme/mme_v7.csv)"
    layout_name = "MME v7, wide layout"
    required_columns = (*EXERCISE_COLUMNS, "StateA")
    # Coordinates are read when the file has them (v7 does; a file without them imports as before).
    optional_columns = ("lat", "lon", *STATE_COLUMNS[1:])
    other_layouts = (LONG_LAYOUT,)

    def prepare(self) -> None:
        self.resolver = NationResolver()
        self.organizations = {
            name: org
            for org in Organization.objects.filter(kind="multinational")
            for name in {org.name.lower(), org.acronym.lower()} - {""}
        }
        self.seen: dict[str, int] = {}
        # What staff curated on records imported before: a typed name, a chosen location country.
        self.curated: dict[str, tuple[bool, bool]] = {
            source_id: (not generated, not derived and country_id is not None)
            for source_id, generated, derived, country_id in Exercise.objects.filter(
                sources__dataset=self.dataset
            ).values_list("sources__dataset_id", "name_generated", "location_country_derived", "location_country_id")
        }

    def import_row(self, number: int, row: dict[str, str]) -> None:
        mmeid = row["MMEID"]
        if not mmeid:
            raise RowRejected("MMEID: empty")
        if mmeid in self.seen:
            raise RowRejected(f"MMEID {mmeid} appears twice (first on row {self.seen[mmeid]}); only the first is kept")
        self.seen[mmeid] = number
        start, start_precision = mme_date(
            row["StartDate"], row["s.year"], row["s.month"], row["s.day"], "StartDate", end=False
        )
        end, end_precision = mme_date(row["EndDate"], row["e.year"], row["e.month"], row["e.day"], "EndDate", end=True)
        if start is None:
            raise RowRejected("StartDate: missing")
        if row.get("__conflicts"):
            raise RowRejected(f"MMEID {mmeid}: the rows of this exercise disagree: {'; '.join(row['__conflicts'])}")
        participants, unresolved = [], []
        for column, name, gwcode in self.named(row):
            code = parse_int(gwcode, f"{column} (gwcode)", missing=("", "na", "NA", "-9"))
            if name.lower() in MISSING and code is None:
                continue
            # A code or name means the state that existed when the exercise began ("Germany" in 1985:
            # West Germany; Gleditsch-Ward 260 in 1995: Germany, COW 255).
            named = self.resolver.name(name) if code is None else self.resolver.gw(code, start)
            nation = self.nation_on(named, start, resolver=self.resolver, number=number, column=column, name=name)
            organization = None if nation or code is not None else self.organizations.get(name.lower())
            if nation is None and organization is None:
                unresolved.append(f"{column} “{name}”" + (f" (Gleditsch-Ward {code})" if code is not None else ""))
                continue
            participants.append((nation, organization))
        if unresolved:
            raise RowRejected(f"participant(s) matching no nation or organization: {', '.join(unresolved)}")
        if len({(n and n.pk, o and o.pk) for n, o in participants}) < len(participants):
            participants = list(dict.fromkeys(participants))  # a state listed twice takes part once
        latitude, longitude = coordinate(row.get("lat", ""), "lat", 90), coordinate(row.get("lon", ""), "lon", 180)
        if (latitude is None) != (longitude is None):
            raise RowRejected("lat, lon: give both coordinates or neither")
        series = row["Series_Name"] if row["Series_Name"].lower() not in MISSING else ""
        kind = ExerciseKind.COMMAND_POST if row["CPX"] == "1" else ExerciseKind.FIELD_TRAINING
        domains = [domain for column, domain in DOMAINS.items() if row[column] == "1"]
        name_curated, country_curated = self.curated.get(mmeid, (False, False))
        location: dict[str, Any] = {}
        if not country_curated:
            country = derived_location_country(
                latitude=latitude,
                longitude=longitude,
                on=start,
                participants=[nation for nation, _ in participants if nation is not None],
                resolver=self.resolver,
            )
            location = {"location_country": country, "location_country_derived": country is not None}
        naming: dict[str, Any] = {"name": row["Ex_Name"][:200], "name_generated": False}
        if row["Ex_Name"].lower() in MISSING:
            naming = {} if name_curated else self.generated(mmeid, participants, location, domains, kind, start)
        values: dict[str, Any] = {
            **naming,
            "series": series[:120],
            "kind": kind,
            "domains": domains,
            "purposes": [purpose for column, purpose in PURPOSES.items() if row[column] == "1"],
            "status": ExerciseStatus.COMPLETED if end else ExerciseStatus.ONGOING,
            "start_date": start,
            "start_date_precision": start_precision,
            "end_date": end,
            "end_date_precision": end_precision,
            "location": row["Location"][:300] if row["Location"].lower() not in MISSING else "",
            "latitude": latitude,
            "longitude": longitude,
            **location,
            "objectives": row["FocusDescription"] if row["FocusDescription"].lower() not in MISSING else "",
        }
        year = start.year

        def same_edition() -> list[Exercise]:
            # A curated edition of the series that year (Balikatan 2008): the row describes it too.
            if not series:
                return []
            return list(Exercise.objects.filter(series__iexact=series, start_date__year=year))

        actors = [sources.actor(nation, organization) for nation, organization in participants]
        exercise = self.upsert(Exercise, mmeid, values, match=same_edition, facts={"participants": sorted(set(actors))})
        if exercise.pk not in self.followed:
            return
        # An exercise this row has just created has no participants yet.
        created = (Exercise, exercise.pk) in self.created_records
        existing = {} if created else {row.actor_key: row for row in exercise.participants.all()}
        new = []
        for nation, organization in participants:
            key = ("nation", nation.pk) if nation else ("organization", organization.pk)
            host = is_host(nation, exercise.location_country)
            if key in existing:
                row = existing[key]
                # Hosts are only added: one staff set by hand is never demoted, nor an observer promoted.
                if host and row.role == ParticipantRole.PARTICIPANT:
                    row.role = ParticipantRole.HOST
                    row.save(update_fields=["role", "updated_at"])
                    self.report.note("exercise participants", (exercise.pk, key), "updated")  # type: ignore[union-attr]
                else:
                    self.report.note("exercise participants", (exercise.pk, key), "unchanged")  # type: ignore[union-attr]
                continue
            participant = ExerciseParticipant(
                exercise=exercise,
                nation=nation,
                organization=organization,
                role=ParticipantRole.HOST if host else ParticipantRole.PARTICIPANT,
            )
            # Field checks and clean() only: uniqueness is guaranteed above, and the
            # database constraints still refuse anything that slips through.
            participant.clean_fields(exclude=["exercise", *related_in_hand(participant)])
            participant.clean()
            new.append(participant)
        bulk_create_with_history(
            new, ExerciseParticipant, custom_historical_attrs={"history_channel": channel_of(None)}
        )
        for participant in new:
            self.report.note("exercise participants", (exercise.pk, participant.actor_key), "created")  # type: ignore[union-attr]

    @staticmethod
    def named(row: dict[str, Any]) -> list[tuple[str, str, str]]:
        """Return the row's participants as (column, name, Gleditsch-Ward code or ""), in either layout."""
        if "__participants" in row:
            return row["__participants"]
        return [(column, row.get(column, ""), "") for column in STATE_COLUMNS]

    def generated(
        self,
        mmeid: str,
        participants: list[tuple[Any, Any]],
        location: dict[str, Any],
        domains: list[str],
        kind: str,
        start: date,
    ) -> dict[str, Any]:
        """Return the name fields of an exercise MME does not name: generated, the host named first.

        Two unnamed exercises starting the same day with the same domains and
        main participants would share a name, which the registry refuses: the
        later one's name then ends with its MME id.
        """
        country = location.get("location_country")
        ordered = sorted(participants, key=lambda pair: not is_host(pair[0], country))
        names = [nation.name if nation else (org.acronym or org.name) for nation, org in ordered]
        name = generated_name(domains=domains, kind=kind, participants=names, start=start)[:180]
        taken = (
            Exercise.objects.filter(name__iexact=name, start_date=start)
            .exclude(sources__dataset=self.dataset, sources__dataset_id=mmeid)
            .exists()
        )
        return {"name": f"{name} ({mmeid})" if taken else name, "name_generated": True}
