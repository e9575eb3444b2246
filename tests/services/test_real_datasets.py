"""The real published datasets in data/ imported whole: every row accounted for, known facts hold.

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
from partnerships.services.datasets import load_datasets
from partnerships.services.importers import IMPORTERS
from tests.services.test_importers import records_written

DATA = Path(__file__).resolve().parents[2] / "data"


# When each import of the module's fixture ran, by kind: its history rows say what it wrote.
WINDOWS: dict[str, tuple[datetime.datetime, datetime.datetime]] = {}


@pytest.fixture(scope="module")
def real_datasets(django_db_setup, django_db_blocker, tmp_path_factory):
    """Load every published dataset into the empty registry once for the module, as `load_datasets` does.

    Rolled back at the module's end. ATOP, SIPRI and MME name states the
    registry cannot resolve (reported, with reasons): their manifest keeps the rest.
    """
    from django.db import connection, transaction

    if not DATA.exists():  # pragma: no cover - data/ is in the repository
        pytest.fail(f"{DATA} is missing")
    with django_db_blocker.unblock(), transaction.atomic():
        assert not Nation.objects.exists()
        result = load_datasets(rejects_dir=tmp_path_factory.mktemp("rejects"))
        for load in result.loads:
            WINDOWS[load.dataset.kind] = (load.started_at, load.finished_at)
        # Statistics of the imported rows, as autovacuum gathers them on a server after an import: without
        # them the planner takes these uncommitted tables for empty ones and nests loops over thousands of rows.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        yield result.reports()
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
def test_load_datasets_imports_every_dataset_into_an_empty_registry_and_a_second_run_changes_nothing(
    real_datasets, settings, tmp_path: Path
) -> None:
    """The fixture loaded the manifest into the empty registry; `load_datasets` again writes nothing at all."""
    from io import StringIO

    from django.core.management import call_command

    from partnerships.services.datasets import read_manifest, unlisted_files

    manifest = read_manifest()
    assert list(real_datasets) == [dataset.kind for dataset in manifest]
    for dataset in manifest:
        report = real_datasets[dataset.kind]
        assert report.committed, dataset.kind
        assert report.rows_read == dataset.rows, dataset.kind
        assert sum(n for (_label, outcome), n in report.outcomes.items() if outcome == "created") > 0, dataset.kind

    settings.VAR_DIR = tmp_path
    out = StringIO()
    start = timezone.now()
    call_command("load_datasets", stdout=out, stderr=StringIO())
    end = timezone.now()
    table = out.getvalue()
    print(f"\n{table}")
    assert "Nothing changed" in table
    kinds = set(real_datasets)
    rows = {cells[0]: cells[1:] for cells in map(str.split, table.splitlines()) if cells and cells[0] in kinds}
    for dataset in manifest:
        read, created, updated, _unchanged, rejected, _seconds = rows[dataset.kind]
        assert (read, created, updated) == (f"{dataset.rows:,}", "0", "0"), dataset.kind
        assert rejected == f"{real_datasets[dataset.kind].rows_rejected:,}", dataset.kind
    history_models = [m for m in apps.get_app_config("partnerships").get_models() if hasattr(m, "history")]
    assert {m.__name__: records_written(m, start, end) for m in history_models} == {
        m.__name__: (0, 0) for m in history_models
    }
    # Rejected rows went to the var folder, not beside the published files.
    assert (tmp_path / "rejects" / "mme.rejected.csv").exists()
    assert unlisted_files(manifest) == []


@pytest.mark.django_db
def test_real_alliances_match_known_facts(real_datasets) -> None:
    usa, uk, ussr = (Nation.objects.get(cow_code=code) for code in (2, 200, 365))

    def provisions(a: Nation, b: Nation, year: int) -> set[str]:
        day = datetime.date(year, 6, 30)
        shared = (
            Agreement.objects.filter(sources__dataset="cow-alliances")
            .in_force(on=day)
            .involving(a, on=day)
            .involving(b, on=day)
        )
        return {provision for agreement in shared for provision in agreement.provisions}

    assert "mutual_defense" in provisions(usa, uk, 1960)  # NATO
    assert provisions(usa, uk, 1925) == {"consultation"}  # an entente, no defense pact
    assert "mutual_defense" not in provisions(usa, ussr, 1960)
    assert Agreement.objects.filter(sources__dataset="cow-alliances").count() == 414
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
    assert Agreement.objects.filter(sources__dataset="atop").count() == 745 - sum(
        1 for r in report.rejected if str(r.row).startswith("ATOP alliance")
    )
    for agreement in Agreement.objects.filter(sources__dataset="atop").prefetch_related("parties")[:200]:
        agreement.validate_parties()


@pytest.mark.django_db
def test_mme_rows_are_accounted_for(real_datasets) -> None:
    from partnerships.models import Exercise

    report = real_datasets["mme"]
    print(f"\n{report.summary()}")
    assert report.rows_read == 3707
    exercises = Exercise.objects.filter(sources__dataset="mme").count()
    assert exercises + report.rows_rejected == report.rows_read
    reasons = " ".join(reason for r in report.rejected for reason in r.reasons)
    assert "Baltic States" in reasons  # a group of states, not a state: reported, not guessed
    assert "appears twice" in reasons
    balikatan = Exercise.objects.filter(sources__dataset="mme", series__iexact="Balikatan").first()
    assert balikatan is not None
    assert balikatan.participants.filter(nation__iso3="PHL").exists()


@pytest.mark.django_db
def test_sipri_rows_are_accounted_for(real_datasets) -> None:
    from partnerships.models import ResourceSharing

    report = real_datasets["sipri"]
    print(f"\n{report.summary()}")
    assert report.rows_read == 1938
    records = ResourceSharing.objects.filter(sources__dataset="sipri")
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
    atop = set(found.filter(sources__dataset="atop").values_list("sources__dataset_id", flat=True))
    assert atop == _atop_memberships(840, on)
    # SEATO (ATOP 3260): the Philippines left on 30 June 1977, the alliance lived on (the U.S. and Thailand).
    assert ("3260" in atop) is (on.year == 1970)
    usa = AgreementFilterSet({"party": "USA", "in_force_on": day}, queryset=Agreement.objects.all()).qs
    assert usa.filter(sources__dataset="atop", sources__dataset_id="3260").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["1960-01-01", "1980-01-01"])
def test_party_all_by_name_finds_the_alliances_both_nations_were_members_of_that_day(real_datasets, day: str) -> None:
    from partnerships.filters import AgreementFilterSet

    on = datetime.date.fromisoformat(day)
    params = {"party_all": "United States of America, philippines", "in_force_on": day}
    filterset = AgreementFilterSet(params, queryset=Agreement.objects.all())
    assert filterset.is_valid(), filterset.errors
    atop = set(filterset.qs.filter(sources__dataset="atop").values_list("sources__dataset_id", flat=True))
    both = _atop_memberships(2, on) & _atop_memberships(840, on)
    assert both
    assert atop == both
    # SEATO (ATOP 3260) joined them until the Philippines left in 1977.
    assert ("3260" in atop) is (on.year == 1960)


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

    seato = Agreement.objects.get(sources__dataset="atop", sources__dataset_id="3260")

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
    deals = ResourceSharing.objects.filter(sources__dataset="sipri", provider_nation__cow_code=200)
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
    deals = ResourceSharing.objects.filter(sources__dataset="sipri", recipient_organization=mujahedin)
    assert deals.count() == len(marked)
    assert not deals.filter(recipient_nation__isnull=False).exists()
    afghanistan = ResourceSharing.objects.filter(sources__dataset="sipri").involving(mujahedin.operates_in)
    assert not afghanistan.filter(pk__in=deals).exists()
    # International organizations (**) are multinational organizations; only unknown recipients stay rejected.
    assert Organization.objects.get(name="United Nations").kind == "multinational"
    assert Organization.objects.get(name="NATO").kind == "multinational"
    assert [row.data["Recipient"] for row in real_datasets["sipri"].rejected] == ["unknown recipient(s)"]


@pytest.mark.django_db
def test_mme_participants_are_the_states_of_the_exercise_date(real_datasets) -> None:
    from partnerships.models import ExerciseParticipant

    participants = ExerciseParticipant.objects.filter(exercise__sources__dataset="mme")
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
    nato = Agreement.objects.get(sources__dataset="cow-alliances", sources__dataset_id="227")
    from partnerships.services.coverage import last_known

    # ATOP 4.01 (to 2018) describes NATO too and takes precedence: the record is last known in 2018.
    assert nato.follows == "atop"
    assert last_known(nato).covers_until == datetime.date(2018, 12, 31)


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
    records = ResourceSharing.objects.filter(sources__dataset="sipri")
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
    exercises = Exercise.objects.filter(sources__dataset="mme").values_list(
        "sources__dataset_id", "start_date_precision", "end_date_precision", "start_date", "end_date"
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
    saved = Agreement.objects.filter(sources__dataset="atop").values_list(
        "sources__dataset_id", "signed_on_precision", "in_force_from_precision", "ended_on_precision"
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
    parties = AgreementParty.objects.filter(agreement__sources__dataset="atop")
    imprecise_entries = set(
        parties.exclude(joined_on_precision="day").values_list("agreement__sources__dataset_id", "nation__cow_code")
    )
    imported = {atopid for atopid, *_ in saved}  # alliance 1320 is not: its member 8152 has no COW state
    assert imprecise_entries == {(atopid, member) for atopid, member in entries if atopid in imported}
    exits = parties.exclude(withdrew_on_precision="day").count()
    assert exits > 0
    # COW v4.1 gives every day of every date: nothing imprecise in the records that follow it (those
    # ATOP describes too follow ATOP, which takes precedence).
    cow = Agreement.objects.filter(follows="cow-alliances")
    assert not cow.exclude(signed_on_precision="day", ended_on_precision="day").exists()
    assert not AgreementParty.objects.filter(agreement__follows="cow-alliances").exclude(
        joined_on_precision="day", withdrew_on_precision="day"
    )
    print(
        f"\nATOP: {imprecise['start']} alliance starts and {imprecise['end']} ends, "
        f"{len(imprecise_entries)} member entries and {exits} member exits at month or year precision; COW: none"
    )


# --- One record per real-world alliance --------------------------------------------------------


def _atop_cow_crosswalk() -> dict[str, str]:
    """ATOP alliance → COW alliance, as ATOP's own cow4id column gives it (read from the file)."""
    text = (DATA / "atop/atop4.01_alliance-level.csv").read_text(encoding="latin-1")
    return {
        row["atopid"]: row["cow4id"] for row in csv.DictReader(text.splitlines()) if row["cow4id"] not in ("", "0", ".")
    }


@pytest.mark.django_db
def test_an_atop_alliance_coded_by_cow_is_the_cow_record_not_a_second_one(real_datasets) -> None:
    from partnerships.models import AgreementSource

    crosswalk = _atop_cow_crosswalk()
    cow_ids = {
        row["version4id"]
        for row in csv.DictReader((DATA / "cow/alliance_v4.1_by_member.csv").read_text(encoding="latin-1").splitlines())
    }
    atop_ids = set(AgreementSource.objects.filter(dataset="atop").values_list("dataset_id", flat=True))
    # Each COW alliance is one record; an ATOP alliance naming it joins that record, the first one only
    # (ATOP codes two of its alliances as COW 300: the second stays a record of its own).
    expected_joined: dict[str, str] = {}
    for atopid in sorted(atop_ids, key=int):
        cow = crosswalk.get(atopid)
        if cow in cow_ids and cow not in expected_joined.values():
            expected_joined[atopid] = cow
    records = {
        (source.dataset, source.dataset_id): source.record_id
        for source in AgreementSource.objects.filter(dataset__in=["atop", "cow-alliances"])
    }
    for atopid, cow in expected_joined.items():
        assert records[("atop", atopid)] == records[("cow-alliances", cow)], (atopid, cow)
    assert Agreement.objects.count() == len(cow_ids) + len(atop_ids) - len(expected_joined)
    assert len(expected_joined) > 250
    # NATO and the U.S.-Philippines treaty: one record each, with both datasets as sources.
    for cow, atop in (("227", "3180"), ("231", "3210")):
        record = Agreement.objects.get(sources__dataset="cow-alliances", sources__dataset_id=cow)
        assert set(record.sources.values_list("dataset", "dataset_id")) == {("cow-alliances", cow), ("atop", atop)}
        # ATOP takes precedence: the record follows it, with ATOP's members; COW's are kept on its source row.
        assert record.follows == "atop"
        assert record.sources.get(dataset="atop").followed
        assert not record.sources.get(dataset="cow-alliances").followed
    print(f"\n{len(expected_joined)} ATOP alliances joined their COW record; {Agreement.objects.count()} agreements")


@pytest.mark.django_db
def test_each_source_row_keeps_the_members_its_file_gives(real_datasets) -> None:
    from partnerships.models import AgreementSource

    text = (DATA / "cow/alliance_v4.1_by_member.csv").read_text(encoding="latin-1")
    members: dict[str, set[int]] = {}
    for row in csv.DictReader(text.splitlines()):
        members.setdefault(row["version4id"], set()).add(int(row["ccode"]))
    codes = dict(Nation.objects.values_list("pk", "cow_code"))
    for source in AgreementSource.objects.filter(dataset="cow-alliances"):
        given = {codes[int(actor.split(":")[1])] for actor in source.values["members"]}
        assert given == members[source.dataset_id], source.dataset_id


@pytest.mark.django_db
def test_sources_that_disagree_are_marked_and_found_by_the_filter(real_datasets) -> None:
    from partnerships.filters.records import AgreementFilterSet

    nato = Agreement.objects.get(sources__dataset="cow-alliances", sources__dataset_id="227")
    cow = nato.sources.get(dataset="cow-alliances")
    atop = nato.sources.get(dataset="atop")
    # The record follows ATOP: its own source agrees with it; COW, whose members end in 2012, need not.
    assert atop.differs == []
    assert set(cow.differs) <= {"signed_on", "in_force_from", "ended_on", "provisions", "members", "member_periods"}
    disagreeing = AgreementFilterSet({"disagreement": "true"}, Agreement.objects.all()).qs
    agreeing = AgreementFilterSet({"disagreement": "false"}, Agreement.objects.all()).qs
    assert disagreeing.count() + agreeing.count() == Agreement.objects.count()
    assert disagreeing.exists()
    for record in disagreeing[:50]:
        assert any(source.differs for source in record.sources.all())


@pytest.mark.django_db
def test_a_merged_pair_counts_once_survives_reimports_and_its_undo_restores_every_row(real_datasets) -> None:
    from partnerships.models.duplicates import DuplicateCandidate
    from partnerships.services.access import FULL_ACCESS
    from partnerships.services.duplicates import default_survivor, keep_apart, propose_candidates
    from partnerships.services.dyads import dyad_years
    from partnerships.services.merges import merge_records, undo_merge
    from partnerships.services.network import build_network
    from tests.services.test_duplicates import _snapshot

    waiting = propose_candidates()
    assert waiting == DuplicateCandidate.objects.filter(status="open").count()
    assert waiting > 0, "the published datasets hold pairs no crosswalk decides"
    candidate = DuplicateCandidate.objects.filter(status="open").order_by("-score", "id").first()
    survivor = default_survivor(candidate)
    other = candidate.second if survivor == candidate.first else candidate.first
    year = max(filter(None, [survivor.in_force_from, other.in_force_from])).year

    def agreements_of_pairs() -> dict[tuple[str, str], int]:
        rows = dyad_years(user=FULL_ACCESS, first_year=year, last_year=year)
        header = next(rows)
        a, b, n = header.index("cow_a"), header.index("cow_b"), header.index("agreements")
        return {(str(row[a]), str(row[b])): int(row[n]) for row in rows}

    shared_pairs = {pair for pair, count in agreements_of_pairs().items() if count >= 2}

    def network_links() -> dict[tuple[str, str], int]:
        network = build_network(user=FULL_ACCESS, kinds=("agreement",))
        return {(link["source"], link["target"]): link["count"] for link in network["links"]}

    before, counts_before, links_before = _snapshot(), agreements_of_pairs(), network_links()
    merge = merge_records(survivor=survivor, other=other, user=None)
    counts_after, links_after = agreements_of_pairs(), network_links()
    # The network too: a link both records made counts the merged treaty once.
    assert any(links_after.get(pair, 0) == count - 1 for pair, count in links_before.items())
    assert all(links_after.get(pair, 0) >= count - 1 for pair, count in links_before.items())
    # Every pair of nations both records linked now counts the merged treaty once: one fewer agreement.
    lowered = {pair for pair in counts_before if counts_after.get(pair, 0) == counts_before[pair] - 1}
    assert lowered, "the merge changed no pair's count"
    assert lowered <= shared_pairs
    # Re-importing both alliance datasets after the merge changes nothing and duplicates nothing.
    for kind, path, options in (
        ("cow-alliances", "cow/alliance_v4.1_by_member.csv", {}),
        ("atop", "atop", {"skip_invalid": True}),
    ):
        report = IMPORTERS[kind]().run(DATA / path, **options)
        changed = {k: v for k, v in report.outcomes.items() if k[1] not in ("unchanged", "dropped") and v}
        assert changed == {}, (kind, changed)
    undo_merge(merge=merge, user=None)
    after = _snapshot()
    for table in before:
        if table != "partnerships.DuplicateCandidate":
            assert after[table] == before[table], table
    # Kept apart: never proposed again, and a re-import respects it.
    keep_apart(first=candidate.first, second=candidate.second, user=None)
    propose_candidates()
    assert not DuplicateCandidate.objects.filter(pk=candidate.pk, status="open").exists()
    report = IMPORTERS["cow-alliances"]().run(DATA / "cow/alliance_v4.1_by_member.csv")
    assert report.attached == []
    assert {k: v for k, v in report.outcomes.items() if k[1] not in ("unchanged", "dropped") and v} == {}


# --- SIPRI's figures as the pages, the CSV export and the API show them ----------------------


def _sipri_number(text: str) -> Decimal:
    # SIPRI brackets uncertain figures, "(10)"; a blank is no figure.
    return Decimal(text.strip().strip("()").replace(",", "") or "0")


@pytest.mark.django_db
def test_sipri_totals_on_the_pages_csv_and_api_equal_the_file(real_datasets) -> None:
    import io

    from django.test import Client
    from django.urls import reverse

    from tests.factories import UserFactory

    # From the file itself: every deal with India as the recipient, and the deliveries of 2010.
    rows = [row for row in _sipri_rows() if row["Recipient"] == "India"]
    expected = {
        "Number ordered": sum(_sipri_number(row["Number ordered"]) for row in rows),
        "Number delivered": sum(_sipri_number(row["Number delivered"]) for row in rows),
        "TIV of the orders": sum(_sipri_number(row["SIPRI TIV for total order"]) for row in rows),
        "TIV delivered": sum(_sipri_number(row["SIPRI TIV of delivered weapons"]) for row in rows),
    }
    assert len(rows) > 100  # more than a page: the totals are over every match
    client = Client()
    client.force_login(UserFactory(username="sipri-reader"))
    url = reverse("partnerships:resource-list")

    page = client.get(url, {"recipient": "IND", "columns": ["designation", "tiv_total"]})
    assert page.context["paginator"].count == len(rows)
    assert len(page.context["rows"]) == 50
    assert {total["label"]: total["value"] for total in page.context["totals"]} == expected
    print(f"\nSIPRI, UK deals with India: {len(rows)} rows; totals {expected}")

    export = client.get(url, {"recipient": "IND", "export": "csv"})
    *lines, trailer = b"".join(export.streaming_content).decode().splitlines()
    assert trailer == f"# complete: {len(rows)} rows"
    exported = list(csv.DictReader(io.StringIO("\n".join(lines))))
    assert sum(Decimal(row["TIV of the order"] or "0") for row in exported) == expected["TIV of the orders"]
    assert sum(Decimal(row["TIV delivered"] or "0") for row in exported) == expected["TIV delivered"]
    assert sorted(row["Designation"] for row in exported) == sorted(row["Weapon designation"] for row in rows)
    assert sorted(row["Delivery years"] for row in exported) == sorted(row["Year(s) of delivery"] for row in rows)

    api = client.get("/api/v1/resources/", {"recipient": "IND", "fields": "id,tiv_total,tiv_delivered", "limit": 1000})
    assert api.status_code == 200
    results = api.json()["results"]
    assert len(results) == len(rows)
    assert sum(Decimal(r["tiv_total"] or "0") for r in results) == expected["TIV of the orders"]
    delivered_2010 = [
        row
        for row in _sipri_rows()
        if row["Recipient"] != "unknown recipient(s)" and "2010" in row["Year(s) of delivery"]
    ]
    by_year = client.get("/api/v1/resources/", {"delivery_year": 2010, "fields": "id", "limit": 1000})
    assert by_year.json()["count"] == len(delivered_2010)


def _mme_rows() -> list[dict[str, str]]:
    with (DATA / "mme/mme_v7.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.django_db
def test_every_balikatan_held_in_the_philippines_has_it_as_host_and_host_phl_finds_them(
    real_datasets, superuser_client
) -> None:
    from django.urls import reverse

    from partnerships.models import Exercise
    from partnerships.services.locations import country_at

    # Independently of the importer: the Balikatan rows of the file whose coordinates lie in the Philippines.
    balikatan = [r for r in _mme_rows() if "balikatan" in f"{r['Series_Name']} {r['Ex_Name']}".lower()]
    in_philippines = set()
    for row in balikatan:
        hit = country_at(latitude=float(row["lat"]), longitude=float(row["lon"]))
        if hit is not None and hit.country.iso3 == "PHL":
            in_philippines.add(row["MMEID"])
    # Three editions sit at the Philippines' centroid, in the inland seas 32 km from the nearest 1:50m coast:
    # beyond the 12-mile territorial sea the derivation uses, so in no country (see the README).
    assert len(in_philippines) >= 18, balikatan
    hosted = set(
        Exercise.objects.filter(sources__dataset="mme")
        .hosted_by(Nation.objects.get(iso3="PHL"))
        .values_list("sources__dataset_id", flat=True)
    )
    assert in_philippines <= hosted
    response = superuser_client.get(reverse("api:exercise-list"), {"host": "PHL", "limit": 1000})
    found = {row["id"] for row in response.json()["results"]}
    expected = set(
        Exercise.objects.filter(sources__dataset="mme", sources__dataset_id__in=in_philippines).values_list(
            "pk", flat=True
        )
    )
    assert expected <= found
    print(
        f"\nBalikatan: {len(balikatan)} in the file, {len(in_philippines)} in the Philippines, host=PHL finds them all"
    )


@pytest.mark.django_db
def test_no_mme_exercise_is_unnamed_and_a_generated_name_names_its_participants(real_datasets) -> None:
    from partnerships.models import Exercise

    mme = Exercise.objects.filter(sources__dataset="mme")
    assert not mme.filter(name__startswith="Unnamed exercise").exists()
    generated = mme.filter(name_generated=True).prefetch_related("participants__nation")
    unnamed = {r["MMEID"] for r in _mme_rows() if r["Ex_Name"].strip().lower() in ("", "na", "-9", "-99", "n/a")}
    assert set(generated.values_list("sources__dataset_id", flat=True)) <= unnamed
    assert generated.count() >= 1000
    for exercise in generated:
        if ": " not in exercise.name:  # no participant to name
            assert not exercise.participants.exists(), exercise.name
            continue
        who = exercise.name.split(": ", 1)[1].rsplit(", ", 1)[0]
        named = [part for part in who.replace(" and ", ", ").split(", ") if not part.endswith(" others")]
        names = {row.nation.name for row in exercise.participants.all() if row.nation is not None}
        names |= {
            row.organization.acronym or row.organization.name for row in exercise.participants.all() if row.organization
        }
        assert set(named) <= names, exercise.name
        assert str(exercise.start_date.year) in exercise.name


@pytest.mark.django_db
def test_mme_exercises_get_a_location_country_at_their_date(real_datasets) -> None:
    from partnerships.models import Exercise

    mme = Exercise.objects.filter(sources__dataset="mme")
    located = mme.filter(location_country__isnull=False)
    assert located.count() > 2500
    assert not located.filter(location_country_derived=False).exists()
    # Germany before reunification: the West Germany of the day, never today's Germany.
    assert not located.filter(location_country__cow_code=255, start_date__lt=datetime.date(1990, 10, 3)).exists()
    hosts = mme.filter(participants__role="host").distinct().count()
    print(f"\nMME: {mme.count()} exercises, {located.count()} with a location country, {hosts} with a host")


@pytest.mark.django_db
def test_a_second_mme_import_changes_nothing_and_keeps_a_name_staff_typed(real_datasets) -> None:
    from django.db import transaction

    from partnerships.models import Exercise

    with transaction.atomic():
        exercise = Exercise.objects.filter(sources__dataset="mme", name_generated=True).first()
        exercise.curate(["name"])
        exercise.name = "Exercise named by staff"
        exercise.save()
        report = IMPORTERS["mme"]().run(DATA / "mme/mme_v7.csv", skip_invalid=True)
        print(f"\n{report.summary()}")
        # The SIPRI register, loaded before MME, created the organizations MME names (NATO): the rows the
        # first import rejected are rejected again, and nothing is created or updated.
        first = real_datasets["mme"]
        assert [r.row for r in report.rejected] == [r.row for r in first.rejected]
        assert not any("NATO" in " ".join(r.reasons) for r in first.rejected)
        for label in ("exercises", "exercise participants"):
            assert report.outcomes[(label, "created")] == 0
            assert report.outcomes[(label, "updated")] == 0
        exercise.refresh_from_db()
        assert exercise.name == "Exercise named by staff"
        assert not exercise.name_generated
        transaction.set_rollback(True)


PLACEHOLDER = re.compile(r"^(ATOP|COW) alliance \d+$")


@pytest.mark.django_db
def test_no_dataset_agreement_keeps_its_placeholder_title(real_datasets) -> None:
    titles = (
        Agreement.objects.filter(sources__dataset__in=["atop", "cow-alliances"])
        .distinct()
        .values_list("title", flat=True)
    )
    # One record per alliance COW and ATOP both describe (ATOP's cow4id): about 760, not 1,158.
    assert titles.count() > 700
    assert not [title for title in titles if PLACEHOLDER.match(title)]
    nato = Agreement.objects.get(sources__dataset="cow-alliances", sources__dataset_id="227")
    assert nato.title == "North Atlantic Treaty"
    described = Agreement.objects.get(sources__dataset="cow-alliances", sources__dataset_id="236").title_origin
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
            if first is None or not ids & set(first.sources.values_list("dataset", "dataset_id")):
                misses.append(("search", name, first))
            results = client.get(api, {"q": name, "fields": "id,sources", "limit": 3}).json()
            top = results["results"][0] if results["results"] else {}
            if not ids & {(source["dataset"], source["dataset_id"]) for source in top.get("sources", [])}:
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


# The decades every component but transfers covers at least in part: COW alliances end in 2012, ATOP in
# 2018 (agreements stop there), MME exercises run 1980-2010. The 2020s have SIPRI's transfers only.
STRENGTH_DECADES = [1950, 1960, 1970, 1980, 1990, 2000, 2010]


@pytest.mark.django_db
def test_the_uk_is_among_the_us_strongest_partners_every_decade_and_the_ussr_never(real_datasets) -> None:
    from partnerships.services import strength
    from tests.factories import UserFactory

    analyst = UserFactory(username="strength-reader")
    usa = Nation.objects.get(iso3="USA")
    decades = dict(
        strength.top_partners_by_decade(
            user=analyst, nation=usa, first_year=1950, last_year=2019, weights=strength.Weights()
        )
    )
    assert list(decades) == STRENGTH_DECADES
    soviet = Nation.objects.get(cow_code=365)
    for decade, ranks in decades.items():
        top = [rank.partner["id"] for rank in ranks]
        assert len(top) == 10, decade
        assert Nation.objects.get(iso3="GBR").pk in top, decade
        assert soviet.pk not in top, decade


def _mme_exercises_of(year: int, first: str, second: str, *, rejected: set[str]) -> tuple[int, float]:
    """Count the exercises of ``year`` in the MME file both states took part in, and sum 1/(states - 1);
    ``rejected``: the MME ids the import refused (reported with their reasons), not in the registry."""
    count, weight = 0, 0.0
    with (DATA / "mme/mme_v7.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            states = {value.strip() for name, value in row.items() if name.startswith("State") and value.strip()}
            if row["s.year"] == str(year) and {first, second} <= states and row["MMEID"] not in rejected:
                count += 1
                weight += 1 / (len(states) - 1)
    return count, weight


@pytest.mark.django_db
def test_the_exercises_component_of_the_us_and_the_uk_is_the_mme_files(real_datasets) -> None:
    from partnerships.services import strength
    from tests.factories import UserFactory

    rejected = {rejection.data["MMEID"] for rejection in real_datasets["mme"].rejected}
    assert rejected  # end dates before their start, "Baltic States", ids twice: see the MME test above
    count, weight = _mme_exercises_of(2000, "United States", "United Kingdom", rejected=rejected)
    assert count > 10
    series = dict(
        strength.pair_over_time(
            user=UserFactory(username="strength-pair"),
            a=Nation.objects.get(iso3="USA"),
            b=Nation.objects.get(iso3="GBR"),
            first_year=2000,
            last_year=2000,
            weights=strength.Weights(),
        )
    )
    assert series[2000].raw.exercises == count
    assert series[2000].raw.exercise_weight == pytest.approx(weight)
    assert series[2000].exercises == pytest.approx(weight / (weight + strength.EXERCISE_HALF))


def _day(year: str, month: str, day: str, *, end: bool = False) -> datetime.date | None:
    """A member file's date; a missing month or day is the period's first (or, for an end, last) one."""
    if not year or int(year) <= 0:
        return None
    month_number = int(month or 0) or (12 if end else 1)
    return datetime.date(int(year), month_number, int(day or 0) or (28 if end else 1))


def _defense_partners_in_member_file(
    rows: list[dict[str, str]], columns: dict[str, str], on: datetime.date
) -> set[int]:
    """COW codes of the states sharing with the U.S. (2) an alliance both were members of on ``on``, with a
    defense obligation for either of them there (the dyadic convention), read straight from a member file."""
    members: dict[str, dict[int, int]] = {}
    for row in rows:
        start = _day(row[columns["start_year"]], row[columns["start_month"]], row[columns["start_day"]])
        exit_year = row[columns["end_year"]]
        end = (
            None
            if exit_year in ("", "0")
            else _day(exit_year, row[columns["end_month"]], row[columns["end_day"]], end=True)
        )
        if start is not None and start <= on and (end is None or end > on):
            alliance = members.setdefault(row[columns["alliance"]], {})
            alliance[int(row[columns["state"]])] = alliance.get(int(row[columns["state"]]), 0) | int(row["defense"])
    return {
        state
        for alliance in members.values()
        if 2 in alliance
        for state, defense in alliance.items()
        if state != 2 and (defense or alliance[2])
    }


def _logged_in_client():
    from django.test import Client

    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory(username="real-data-reader", is_superuser=True))
    return client


@pytest.mark.django_db
def test_the_us_defense_partners_of_1960_are_those_of_the_atop_and_cow_member_files(real_datasets) -> None:
    from django.urls import reverse

    on = datetime.date(1960, 1, 1)
    with (DATA / "cow/alliance_v4.1_by_member.csv").open(encoding="utf-8", newline="") as handle:
        cow = _defense_partners_in_member_file(
            list(csv.DictReader(handle)),
            {"alliance": "version4id", "state": "ccode", "start_year": "mem_st_year", "start_month": "mem_st_month",
             "start_day": "mem_st_day", "end_year": "mem_end_year", "end_month": "mem_end_month",
             "end_day": "mem_end_day"},
            on,
        )  # fmt: skip
    with (DATA / "atop/atop4.01_member-level.csv").open(encoding="utf-8", newline="") as handle:
        atop = _defense_partners_in_member_file(
            list(csv.DictReader(handle)),
            {"alliance": "atopid", "state": "member", "start_year": "yrent", "start_month": "moent",
             "start_day": "dayent", "end_year": "yrexit", "end_month": "moexit", "end_day": "dayexit"},
            on,
        )  # fmt: skip
    response = _logged_in_client().get(
        reverse("partnerships:partners"),
        {"nation": "USA", "on": "1960-01-01", "kind": "agreement", "provision": "mutual_defense"},
    )
    assert response.status_code == 200
    shown = {row.nation["cow_code"] for row in response.context["table"].partners}
    assert cow <= atop  # every COW defense partner is also ATOP's; ATOP adds a couple
    assert shown == cow | atop
    assert len(shown) == 43


@pytest.mark.django_db
def test_the_uk_transfers_to_saudi_arabia_on_compare_are_the_sipri_rows(real_datasets) -> None:
    from django.urls import reverse

    with (DATA / "sipri/uk-trade-register.csv").open(encoding="latin-1", newline="") as handle:
        expected = [row for row in csv.DictReader(handle) if row["Recipient"] == "Saudi Arabia"]
    response = _logged_in_client().get(reverse("partnerships:compare"), {"a": "GBR", "b": "SAU"})
    assert response.status_code == 200
    transfers = response.context["result"].transfers
    assert len(transfers) == len(expected) == 54
    assert {(t["provider"], t["recipient"]) for t in transfers} == {
        tuple(Nation.objects.get(iso3=code).pk for code in ("GBR", "SAU"))
    }
    assert sum(t["tiv_total"] or 0 for t in transfers) == sum(
        Decimal(row["SIPRI TIV for total order"] or "0") for row in expected
    )
    assert sum(t["tiv_delivered"] or 0 for t in transfers) == sum(
        Decimal(row["SIPRI TIV of delivered weapons"] or "0") for row in expected
    )
    assert sorted((t["start_date"].year, t["designation"]) for t in transfers) == sorted(
        (int(row["Year of order"]), row["Weapon designation"]) for row in expected
    )
    from django.utils.html import escape

    page = response.content.decode()
    for row in expected:  # each order is on the page with its delivery years
        assert escape(row["Weapon designation"]) in page
        years = ", ".join(year.strip() for year in row["Year(s) of delivery"].split(";") if year.strip())
        assert years in page


@pytest.mark.django_db
def test_every_imported_row_counts_as_its_nation_or_its_organizations(real_datasets) -> None:
    """ATOP, COW, MME and SIPRI write parties, participants and transfers: each keeps the nation it counts as."""
    from tests.test_actor_nation import assert_all_kept

    assert assert_all_kept() > 10_000
