"""The real published datasets in ../shared/data imported whole: every row accounted for, known facts hold.

In a module of its own: the module-scoped import holds its transaction (and the
importers' advisory locks) open until the module ends, and pytest-django runs
transactional tests, such as the concurrency test, after all the others.
"""

from __future__ import annotations

import csv
import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import timezone

from partnerships.models import Agreement, Nation
from partnerships.services.importers import IMPORTERS
from partnerships.services.nations import seed_nations
from tests.services.test_importers import records_written

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


# When each import of the module's fixture ran, by kind: its history rows say what it wrote.
WINDOWS: dict[str, tuple[datetime.datetime, datetime.datetime]] = {}


def run(kind: str, path: Path, **options: object):
    start = timezone.now()
    report = IMPORTERS[kind]().run(path, **options)
    WINDOWS[kind] = (start, timezone.now())
    return report


@pytest.fixture(scope="module")
def real_datasets(django_db_setup, django_db_blocker):
    """Import the full published files once for the module (rolled back at its end)."""
    from django.db import transaction

    if not DATA.exists():  # pragma: no cover - shared/ sits beside every clone, CI included
        pytest.fail(f"{DATA} is missing")
    with django_db_blocker.unblock(), transaction.atomic():
        seed_nations()
        reports = {
            kind: run(kind, DATA / path)
            for kind, path in (
                ("countries", "countries/country-codes.csv"),
                ("cow-states", "cow/states2016.csv"),
                ("cow-alliances", "cow/alliance_v4.1_by_member.csv"),
            )
        }
        # These two name states the registry cannot resolve (reported, with reasons): keep the rest.
        reports["atop"] = run("atop", DATA / "atop", skip_invalid=True)
        reports["mme"] = run("mme", DATA / "mme/mme_v7.csv", skip_invalid=True)
        reports["sipri"] = run("sipri", DATA / "sipri/uk-trade-register.csv", skip_invalid=True)
        yield reports
        transaction.set_rollback(True)


def _data_rows(path: Path) -> int:
    return len(path.read_bytes().decode("utf-8", errors="replace").replace("\r\n", "\n").strip().split("\n")) - 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("countries", "countries/country-codes.csv"),
        ("cow-states", "cow/states2016.csv"),
        ("cow-alliances", "cow/alliance_v4.1_by_member.csv"),
    ],
)
def test_every_row_of_the_real_files_is_accounted_for(real_datasets, kind: str, path: str) -> None:
    report = real_datasets[kind]
    print(f"\n{report.summary()}")
    assert report.rows_read == _data_rows(DATA / path)
    assert report.committed
    assert report.rows_rejected == 0
    written = sum(n for (label, _), n in report.outcomes.items() if label in ("nations", "agreement parties"))
    assert written + report.rows_rejected == report.rows_read


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["countries", "cow-states", "cow-alliances", "atop", "mme", "sipri"])
def test_every_report_counts_what_its_import_wrote(real_datasets, kind: str) -> None:
    report = real_datasets[kind]
    models_by_label = {str(m._meta.verbose_name_plural): m for m in apps.get_app_config("partnerships").get_models()}
    counted = {
        label: (report.outcomes[(label, "created")], report.outcomes[(label, "updated")])
        for label in {label for label, _outcome in report.outcomes}
    }
    written = {label: records_written(models_by_label[label], *WINDOWS[kind]) for label in counted}
    assert counted == written


@pytest.mark.django_db
def test_real_alliances_match_known_facts(real_datasets) -> None:
    usa, uk, ussr = (Nation.objects.get(cow_code=code) for code in (2, 200, 365))

    def provisions(a: Nation, b: Nation, year: int) -> set[str]:
        day = datetime.date(year, 6, 30)
        shared = (
            Agreement.objects.filter(source_dataset="cow-alliances")
            .in_force(on=day)
            .involving(a, on=day)
            .involving(b, on=day)
        )
        return {provision for agreement in shared for provision in agreement.provisions}

    assert "mutual_defense" in provisions(usa, uk, 1960)  # NATO
    assert provisions(usa, uk, 1925) == {"consultation"}  # an entente, no defense pact
    assert "mutual_defense" not in provisions(usa, ussr, 1960)
    assert Agreement.objects.filter(source_dataset="cow-alliances").count() == 414
    gfr = Nation.objects.get(cow_code=260)
    assert gfr.iso3 is None
    assert gfr.exists_until == datetime.date(1990, 10, 3)


@pytest.mark.django_db
def test_nations_are_merged_one_record_per_state(real_datasets) -> None:
    philippines = Nation.objects.get(iso3="PHL")
    assert (philippines.cow_code, philippines.cow_abbr, philippines.iso_numeric) == (840, "PHI", "608")
    assert Nation.objects.filter(name__icontains="Philippines").count() == 1
    assert Nation.objects.filter(cow_code=730).exists()  # Korea (1887-1905), a state the code list lacks


@pytest.mark.django_db
def test_atop_rows_are_accounted_for_and_the_unresolvable_member_reported(real_datasets) -> None:
    report = real_datasets["atop"]
    print(f"\n{report.summary()}")
    assert report.rows_read == _data_rows(DATA / "atop/atop4.01_alliance-level.csv") + _data_rows(
        DATA / "atop/atop4.01_member-level.csv"
    )
    assert report.committed
    reasons = {str(r.row): r.reasons for r in report.rejected}
    assert "member 8152 matches no nation" in reasons["atop4.01_member-level.csv row 203"][0]
    assert Agreement.objects.filter(source_dataset="atop").count() == 745 - sum(
        1 for r in report.rejected if str(r.row).startswith("ATOP alliance")
    )
    for agreement in Agreement.objects.filter(source_dataset="atop").prefetch_related("parties")[:200]:
        agreement.validate_parties()


@pytest.mark.django_db
def test_mme_rows_are_accounted_for(real_datasets) -> None:
    from partnerships.models import Exercise

    report = real_datasets["mme"]
    print(f"\n{report.summary()}")
    assert report.rows_read == 3707
    exercises = Exercise.objects.filter(source_dataset="mme").count()
    assert exercises + report.rows_rejected == report.rows_read
    reasons = " ".join(reason for r in report.rejected for reason in r.reasons)
    assert "Baltic States" in reasons  # a group of states, not a state: reported, not guessed
    assert "appears twice" in reasons
    balikatan = Exercise.objects.filter(source_dataset="mme", series__iexact="Balikatan").first()
    assert balikatan is not None
    assert balikatan.participants.filter(nation__iso3="PHL").exists()


@pytest.mark.django_db
def test_sipri_rows_are_accounted_for(real_datasets) -> None:
    from partnerships.models import ResourceSharing

    report = real_datasets["sipri"]
    print(f"\n{report.summary()}")
    assert report.rows_read == 1938
    records = ResourceSharing.objects.filter(source_dataset="sipri")
    assert records.count() + report.rows_rejected == report.rows_read
    assert {str(r.reasons[0]).split(":")[0] for r in report.rejected} == {"Recipient"}
    helicopters = records.get(recipient_nation__name="Afghanistan", designation="Mi-17")
    assert helicopters.provider_nation.iso3 == "GBR"
    assert (helicopters.quantity, helicopters.quantity_delivered, helicopters.delivery_years) == (2, 2, [2010])
    assert helicopters.status == "completed"
    assert helicopters.tiv_total == Decimal("5.8")
    engines = records.filter(recipient_nation__name="Algeria", designation="aircraft engine", quantity=10).get()
    assert engines.delivery_years == [1977, 1978, 1979]
    assert engines.end_date == datetime.date(1979, 12, 31)


def _dyads(first: int, last: int) -> dict[tuple[int, str, str], dict[str, str]]:
    from partnerships.services.access import FULL_ACCESS
    from partnerships.services.dyads import dyad_years

    rows = dyad_years(user=FULL_ACCESS, first_year=first, last_year=last)
    header = next(rows)
    table = {}
    for row in rows:
        record = dict(zip(header, [str(value) for value in row], strict=True))
        table[(int(record["year"]), record["cow_a"], record["cow_b"])] = record
        table[(int(record["year"]), record["cow_b"], record["cow_a"])] = record
    return table


@pytest.mark.django_db
def test_dyad_years_match_the_source_files(real_datasets) -> None:
    table = _dyads(1925, 1960)
    usa_uk_1960 = table[(1960, "2", "200")]
    assert usa_uk_1960["mutual_defense"] == "1"  # NATO
    usa_uk_1925 = table[(1925, "2", "200")]
    assert usa_uk_1925["consultation"] == "1"  # an entente (the Four-Power Treaty of 1921)
    assert usa_uk_1925["mutual_defense"] == "0"
    usa_ussr_1960 = table.get((1960, "2", "365"))
    assert usa_ussr_1960 is None or usa_ussr_1960["mutual_defense"] == "0"


@pytest.mark.django_db
def test_every_country_name_in_the_mme_file_resolves_or_is_a_known_non_state(real_datasets) -> None:
    import csv

    from partnerships.services.importers.exercises import MISSING, STATE_COLUMNS
    from partnerships.services.importers.resolver import NationResolver

    with (DATA / "mme/mme_v7.csv").open(encoding="utf-8", newline="") as handle:
        names = {row[c] for row in csv.DictReader(handle) for c in STATE_COLUMNS if row.get(c)}
    names = {name for name in names if name.lower() not in MISSING}
    resolver = NationResolver()
    unresolved = {name for name in names if resolver.name(name) is None}
    # Not states: a group of states, a dissolved Dutch territory, an alliance (an organization of the registry).
    assert unresolved == {"Baltic States", "Netherlands Antilles", "NATO"}
    assert len(names) > 180
    assert resolver.name("Serbia").iso3 == "SRB"
    assert resolver.name("st. christopher").iso3 == "KNA"


def _atop_memberships(cow_code: int, day: datetime.date) -> set[str]:
    """ATOP alliances in force on ``day`` with ``cow_code`` a member that day, read straight from the files."""
    import csv

    def when(year: str, month: str, dayno: str, *, end: bool = False) -> datetime.date | None:
        if year in ("", "0"):
            return None
        y, m = int(year), int(month) if month not in ("", "0") else (12 if end else 1)
        d = int(dayno) if dayno not in ("", "0") else (31 if end and m == 12 else 1)
        if end and dayno in ("", "0") and m != 12:
            d = (datetime.date(y, m + 1, 1) - datetime.timedelta(days=1)).day
        return datetime.date(y, m, d)

    def read(name: str) -> list[dict[str, str]]:
        return list(csv.DictReader((DATA / "atop" / name).read_text(encoding="latin-1").splitlines()))

    in_force = set()
    for row in read("atop4.01_alliance-level.csv"):
        begin = when(row["begyr"], row["begmo"], row["begday"])
        end = when(row["endyr"], row["endmo"], row["endday"], end=True)
        if begin and begin <= day and (row["ineffect"] == "1" or end is None or day <= end):
            in_force.add(row["atopid"])
    members = set()
    for row in read("atop4.01_member-level.csv"):
        if row["member"] != str(cow_code) or row["atopid"] not in in_force:
            continue
        entry = when(row["yrent"], row["moent"], row["dayent"])
        exit_ = when(row["yrexit"], row["moexit"], row["dayexit"], end=True)
        if (entry is None or entry <= day) and (exit_ is None or day <= exit_):
            members.add(row["atopid"])
    return members


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["1970-01-01", "2024-01-01"])
def test_a_party_filter_with_a_date_counts_only_parties_on_that_date(real_datasets, day: str) -> None:
    from partnerships.filters import AgreementFilterSet

    on = datetime.date.fromisoformat(day)
    found = AgreementFilterSet({"party": "PHL", "in_force_on": day}, queryset=Agreement.objects.all()).qs
    atop = set(found.filter(source_dataset="atop").values_list("source_id", flat=True))
    assert atop == _atop_memberships(840, on)
    # SEATO (ATOP 3260): the Philippines left on 30 June 1977, the alliance lived on (the U.S. and Thailand).
    assert ("3260" in atop) is (on.year == 1970)
    usa = AgreementFilterSet({"party": "USA", "in_force_on": day}, queryset=Agreement.objects.all()).qs
    assert usa.filter(source_dataset="atop", source_id="3260").exists()


COW_OBLIGATIONS = {
    "defense": "mutual_defense",
    "neutrality": "neutrality",
    "nonaggression": "non_aggression",
    "entente": "consultation",
}


def _cow_dyad_years_from_the_member_file() -> dict[tuple[int, str, str], set[str]]:
    """The COW dyad-years, 1816-2012, computed straight from the member file (one row per member and period).

    A pair of states is allied in a year when both have a row in the same
    alliance covering part of that year; it carries every obligation either
    row gives. A blank end means the alliance (or membership) lasted to the
    end of the data, 2012.
    """
    import csv
    from collections import defaultdict
    from itertools import combinations

    text = (DATA / "cow/alliance_v4.1_by_member.csv").read_text(encoding="latin-1")
    members = defaultdict(list)
    for row in csv.DictReader(text.splitlines()):
        first = int(row["mem_st_year"])
        last = int(row["mem_end_year"] or row["all_end_year"] or 2012)
        owed = {name for column, name in COW_OBLIGATIONS.items() if row[column] == "1"}
        members[row["version4id"]].append((row["ccode"], first, last, owed))
    table: dict[tuple[int, str, str], set[str]] = defaultdict(set)
    for rows in members.values():
        for (a, first_a, last_a, owed_a), (b, first_b, last_b, owed_b) in combinations(rows, 2):
            if a == b:
                continue
            for year in range(max(first_a, first_b), min(last_a, last_b, 2012) + 1):
                table[(year, *sorted((a, b), key=int))] |= owed_a | owed_b
    return table


@pytest.mark.django_db
def test_the_cow_dyad_years_equal_those_of_the_cow_member_file(real_datasets) -> None:
    from partnerships.services.access import FULL_ACCESS
    from partnerships.services.dyads import dyad_years

    expected = _cow_dyad_years_from_the_member_file()
    rows = dyad_years(user=FULL_ACCESS, first_year=1816, last_year=2012, dataset="cow-alliances")
    header = next(rows)
    exported: dict[tuple[int, str, str], set[str]] = {}
    for values in rows:
        row = dict(zip(header, [str(value) for value in values], strict=True))
        key = (int(row["year"]), *sorted((row["cow_a"], row["cow_b"]), key=int))
        exported[key] = {name for name in COW_OBLIGATIONS.values() if row[name] == "1"}
        # Only what COW codes: no ATOP offense pact, no exercise or transfer.
        assert (row["offense"], row["exercises"], row["resources_a_to_b"]) == ("0", "0", "0"), row
    print(f"\n{len(expected)} COW dyad-years in the member file, {len(exported)} exported")
    assert sorted(set(exported) - set(expected))[:20] == []  # none added
    assert sorted(set(expected) - set(exported))[:20] == []  # none missing
    differing = sorted(key for key in expected if expected[key] != exported[key])
    assert [(key, expected[key], exported[key]) for key in differing[:20]] == []
    # As the issue found them: the Balkan Pact's second phase, gaps in memberships.
    assert "mutual_defense" in exported[(1954, "345", "350")]  # Yugoslavia-Greece
    assert (1942, "315", "365") not in exported  # Czechoslovakia-USSR
    # Trinidad and Tobago and Barbados in the Rio Treaty: each member's own obligations, not the first
    # member's (the United States'); Barbados alone is coded with non-aggression, and either member counts.
    assert exported[(1980, "52", "53")] == {"mutual_defense", "non_aggression", "consultation"}


@pytest.mark.django_db
def test_a_multi_phase_atop_member_keeps_each_period(real_datasets) -> None:
    from partnerships.models import AgreementParty

    seato = Agreement.objects.get(source_dataset="atop", source_id="3260")

    def periods(cow_code: int) -> list[tuple[datetime.date | None, datetime.date | None]]:
        rows = AgreementParty.objects.filter(agreement=seato, nation__cow_code=cow_code).order_by("joined_on")
        return list(rows.values_list("joined_on", "withdrew_on"))

    # The United States: phase 1 from 1954 until the day phase 2 began, 30 June 1977 (its last day in
    # ATOP's member file is the first of the next phase: the period ends where the next begins).
    assert periods(2) == [
        (datetime.date(1954, 9, 8), datetime.date(1977, 6, 30)),
        (datetime.date(1977, 6, 30), None),
    ]
    assert periods(840) == [(datetime.date(1954, 9, 8), datetime.date(1977, 7, 1))]  # the Philippines left
    seato.validate_parties()


def _sipri_rows() -> list[dict[str, str]]:
    import csv
    import io

    text = (DATA / "sipri/uk-trade-register.csv").read_bytes().decode("cp1252")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.django_db
def test_uk_deals_to_germany_before_reunification_are_west_germanys(real_datasets) -> None:
    from partnerships.models import ResourceSharing

    # From the file itself: deals to "Germany" or "West Germany" ordered before 3 October 1990
    # (SIPRI gives the year; a year up to 1990 begins before reunification).
    rows = [row for row in _sipri_rows() if row["Recipient"] in ("Germany", "West Germany")]
    before = sorted(int(row["Year of order"]) for row in rows if int(row["Year of order"]) <= 1990)
    after = sorted(int(row["Year of order"]) for row in rows if int(row["Year of order"]) > 1990)
    assert len(before) > 20
    assert after
    deals = ResourceSharing.objects.filter(source_dataset="sipri", provider_nation__cow_code=200)
    west = sorted(deals.filter(recipient_nation__cow_code=260).values_list("start_date__year", flat=True))
    united = sorted(deals.filter(recipient_nation__cow_code=255).values_list("start_date__year", flat=True))
    assert (west, united) == (before, after)
    report = real_datasets["sipri"]
    print(f"\n{report.summary()}")
    assert (
        f"Recipient “Germany” → German Federal Republic (COW 260), not Germany: {len(before)} rows dated "
        f"{before[0]}-01-01 to {before[-1]}-01-01" in report.summary()
    )


@pytest.mark.django_db
def test_uk_deals_to_non_state_actors_go_to_non_state_organizations(real_datasets) -> None:
    from partnerships.models import Organization, ResourceSharing

    marked = [row for row in _sipri_rows() if row["Recipient"].endswith("*") and not row["Recipient"].endswith("**")]
    assert {row["Recipient"] for row in marked} == {"Mujahedin (Afghanistan)*"}
    mujahedin = Organization.objects.get(name="Mujahedin")
    assert (mujahedin.kind, mujahedin.nation, mujahedin.operates_in.iso3) == ("non_state", None, "AFG")
    deals = ResourceSharing.objects.filter(source_dataset="sipri", recipient_organization=mujahedin)
    assert deals.count() == len(marked)
    assert not deals.filter(recipient_nation__isnull=False).exists()
    afghanistan = ResourceSharing.objects.filter(source_dataset="sipri").involving(mujahedin.operates_in)
    assert not afghanistan.filter(pk__in=deals).exists()
    # International organizations (**) are multinational organizations; only unknown recipients stay rejected.
    assert Organization.objects.get(name="United Nations").kind == "multinational"
    assert Organization.objects.get(name="NATO").kind == "multinational"
    assert [row.data["Recipient"] for row in real_datasets["sipri"].rejected] == ["unknown recipient(s)"]


@pytest.mark.django_db
def test_mme_participants_are_the_states_of_the_exercise_date(real_datasets) -> None:
    from partnerships.models import ExerciseParticipant

    participants = ExerciseParticipant.objects.filter(exercise__source_dataset="mme")
    west = participants.filter(nation__cow_code=260)
    assert west.exists()
    assert not west.filter(exercise__start_date__gte=datetime.date(1990, 10, 3)).exists()
    assert not participants.filter(nation__cow_code=255, exercise__start_date__lt=datetime.date(1990, 10, 3)).exists()
    report = real_datasets["mme"]
    assert any(r.nation.cow_code == 260 for r in report.dated)


@pytest.mark.django_db
def test_dataset_only_alliances_stop_where_their_dataset_ends(real_datasets) -> None:
    import csv

    from partnerships.services.access import FULL_ACCESS
    from partnerships.services.dyads import dyad_years

    def pairs(year: int, **options: object) -> set[frozenset[str]]:
        rows = dyad_years(user=FULL_ACCESS, first_year=year, last_year=year, dataset="cow-alliances", **options)
        header = next(rows)
        return {frozenset((str(row[header.index("cow_a")]), str(row[header.index("cow_b")]))) for row in rows}

    # COW v4.1 ends in 2012: alliances with a blank end were in force then, and that is all it says.
    text = (DATA / "cow/alliance_v4.1_by_member.csv").read_text(encoding="latin-1")
    open_alliances = {row["version4id"] for row in csv.DictReader(text.splitlines()) if not row["all_end_year"]}
    assert open_alliances  # NATO (227) among them
    assert pairs(2012)
    assert pairs(2013) == set()
    assert frozenset(("2", "200")) in pairs(2013, extend_open=True)  # the U.S. and the U.K. in NATO, carried on
    nato = Agreement.objects.get(source_dataset="cow-alliances", source_id="227")
    from partnerships.services.coverage import last_known

    assert last_known(nato).covers_until == datetime.date(2012, 12, 31)


# --- Dates at their precision ---------------------------------------------------------------


def _known(part: str, *unknown: str) -> bool:
    return part.strip().lower() not in ("", *unknown)


@pytest.mark.django_db
def test_sipri_dates_are_years(real_datasets) -> None:
    from partnerships.dates import at_precision
    from partnerships.models import ResourceSharing

    # From the file: SIPRI gives an order year and delivery years, never a month or a day.
    rows = [row for row in _sipri_rows() if row["Recipient"] != "unknown recipient(s)"]
    delivered = sum(1 for row in rows if row["Year(s) of delivery"].strip())
    records = ResourceSharing.objects.filter(source_dataset="sipri")
    assert records.count() == len(rows)
    assert records.filter(start_date_precision="year").count() == len(rows)
    assert records.filter(end_date__isnull=False, end_date_precision="year").count() == delivered
    assert not records.filter(end_date__isnull=True).exclude(end_date_precision="day").exists()
    # Shown as the year SIPRI gives, not as 1 January of it.
    engines = records.filter(recipient_nation__name="Algeria", designation="aircraft engine", quantity=10).get()
    assert (str(at_precision(engines, "start_date")), str(at_precision(engines, "end_date"))) == ("1976", "1979")
    assert at_precision(engines, "start_date").isoformat() == "1976"
    print(f"\nSIPRI: {len(rows)} order dates and {delivered} last-delivery dates at year precision")


@pytest.mark.django_db
def test_mme_dates_with_an_unknown_day_are_months(real_datasets) -> None:
    from partnerships.models import Exercise

    # From the file: an `xx` (or missing) day is month precision, an unknown month year precision.
    with (DATA / "mme/mme_v7.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))

    def expected(year: str, month: str, day: str) -> str:
        if not _known(month, "xx"):
            return "year"
        return "day" if _known(day, "xx") and day.strip().isdigit() else "month"

    first_rows: dict[str, dict[str, str]] = {}
    for row in rows:
        first_rows.setdefault(row["MMEID"], row)
    exercises = Exercise.objects.filter(source_dataset="mme").values_list(
        "source_id", "start_date_precision", "end_date_precision", "start_date", "end_date"
    )
    assert len(exercises) > 3600
    months = {"start": 0, "end": 0}
    for mmeid, start_precision, end_precision, start, end in exercises:
        row = first_rows[mmeid]
        assert start_precision == expected(row["s.year"], row["s.month"], row["s.day"]), mmeid
        assert end_precision == expected(row["e.year"], row["e.month"], row["e.day"]), mmeid
        months["start"] += start_precision == "month"
        months["end"] += end_precision == "month"
        if start_precision == "month":
            assert start.day == 1  # the first of the month for a start…
        if end_precision == "month":
            assert (end + datetime.timedelta(days=1)).day == 1  # …the last for an end
    assert months["start"] > 700
    assert months["end"] > 1000
    print(f"\nMME: {months['start']} start dates and {months['end']} end dates at month precision")


@pytest.mark.django_db
def test_atop_and_cow_dates_keep_their_precision(real_datasets) -> None:
    from partnerships.models import AgreementParty

    def precision(month: str, day: str) -> str:
        if not _known(month, "0", "-9"):
            return "year"
        return "month" if not _known(day, "0", "-9") else "day"

    text = (DATA / "atop/atop4.01_alliance-level.csv").read_text(encoding="latin-1")
    expected = {}
    for row in csv.DictReader(text.splitlines()):
        ended = row["ineffect"] != "1" and _known(row["endyr"], "0", "-9")
        expected[row["atopid"]] = (
            precision(row["begmo"], row["begday"]),
            precision(row["endmo"], row["endday"]) if ended else "day",
        )
    saved = Agreement.objects.filter(source_dataset="atop").values_list(
        "source_id", "signed_on_precision", "in_force_from_precision", "ended_on_precision"
    )
    for atopid, signed, in_force, ended in saved:
        assert (signed, ended) == expected[atopid], atopid
        assert in_force == signed
    imprecise = {
        "start": sum(1 for _, signed, _, _ in saved if signed != "day"),
        "end": sum(1 for *_, ended in saved if ended != "day"),
    }
    assert imprecise["start"] >= 1
    assert imprecise["end"] >= 10
    # Member entries and exits: every imprecise one in the member file is imprecise in the registry.
    members = list(csv.DictReader((DATA / "atop/atop4.01_member-level.csv").read_text(encoding="latin-1").splitlines()))
    entries = {
        (row["atopid"], int(row["member"]))
        for row in members
        if _known(row["yrent"], "0", "-9") and precision(row["moent"], row["dayent"]) != "day"
    }
    parties = AgreementParty.objects.filter(agreement__source_dataset="atop")
    imprecise_entries = set(
        parties.exclude(joined_on_precision="day").values_list("agreement__source_id", "nation__cow_code")
    )
    imported = {atopid for atopid, *_ in saved}  # alliance 1320 is not: its member 8152 has no COW state
    assert imprecise_entries == {(atopid, member) for atopid, member in entries if atopid in imported}
    exits = parties.exclude(withdrew_on_precision="day").count()
    assert exits > 0
    # COW v4.1 gives every day of every date: nothing imprecise.
    cow = Agreement.objects.filter(source_dataset="cow-alliances")
    assert not cow.exclude(signed_on_precision="day", ended_on_precision="day").exists()
    assert not AgreementParty.objects.filter(agreement__source_dataset="cow-alliances").exclude(
        joined_on_precision="day", withdrew_on_precision="day"
    )
    print(
        f"\nATOP: {imprecise['start']} alliance starts and {imprecise['end']} ends, "
        f"{len(imprecise_entries)} member entries and {exits} member exits at month or year precision; COW: none"
    )


PLACEHOLDER = re.compile(r"^(ATOP|COW) alliance \d+$")


@pytest.mark.django_db
def test_no_dataset_agreement_keeps_its_placeholder_title(real_datasets) -> None:
    titles = Agreement.objects.filter(source_dataset__in=["atop", "cow-alliances"]).values_list("title", flat=True)
    assert titles.count() > 1000
    assert not [title for title in titles if PLACEHOLDER.match(title)]
    nato = Agreement.objects.get(source_dataset="cow-alliances", source_id="227")
    assert nato.title == "North Atlantic Treaty"
    described = Agreement.objects.get(source_dataset="cow-alliances", source_id="236").title_origin
    assert described == "reference"


def _curated_names(treaty) -> list[str]:
    return [treaty.title, *(name for name, _kind, _language in treaty.aliases)]


def _curated_ids(treaty) -> set[tuple[str, str]]:
    return {(dataset, dataset_id) for dataset, ids in treaty.dataset_ids.items() for dataset_id in ids}


@pytest.mark.django_db
def test_every_curated_name_finds_its_treaty_first(real_datasets) -> None:
    """Global search and the API's ``q``: any record carrying the curated ids is "that treaty"."""
    from django.test import Client
    from django.urls import reverse

    from partnerships.services.reference_names import load_treaties
    from partnerships.services.search import search
    from tests.factories import UserFactory

    user = UserFactory(username="names-reader", permissions=["partnerships.view_restricted"])
    client = Client()
    client.force_login(user)
    api = reverse("api:agreement-list")
    misses = []
    for treaty in load_treaties():
        ids = _curated_ids(treaty)
        for name in _curated_names(treaty):
            groups = {group.label: group for group in search(user=user, text=name)}
            agreements = groups.get("Agreements")
            first = agreements.results[0] if agreements else None
            if first is None or (first.source_dataset, first.source_id) not in ids:
                misses.append(("search", name, first))
            results = client.get(api, {"q": name, "fields": "id,source_dataset,source_id", "limit": 3}).json()
            top = results["results"][0] if results["results"] else {}
            if (top.get("source_dataset"), top.get("source_id")) not in ids:
                misses.append(("api q", name, top))
    assert not misses


@pytest.mark.django_db
def test_applying_the_curated_list_again_changes_nothing(real_datasets) -> None:
    from partnerships.models import AgreementAlias
    from partnerships.services.reference_names import apply_reference_names

    aliases = AgreementAlias.objects.count()
    assert aliases > 100
    applied = apply_reference_names()
    assert (applied.retitled, applied.aliases) == ([], [])
    assert AgreementAlias.objects.count() == aliases
