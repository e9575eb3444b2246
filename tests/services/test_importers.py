"""Importers: file quirks, all-or-nothing, dry runs, skipped rows, idempotence, and the real datasets."""

from __future__ import annotations

import datetime
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.utils import timezone

from partnerships.models import Agreement, Nation
from partnerships.services.importers import IMPORTERS, ImportAborted
from partnerships.services.nations import seed_nations

DATA = Path(__file__).resolve().parents[2] / "data"
STATES_HEADER = "stateabb,ccode,statenme,styear,stmonth,stday,endyear,endmonth,endday,version"
ALLIANCE_HEADER = (
    "version4id,ccode,state_name,all_st_day,all_st_month,all_st_year,all_end_day,all_end_month,all_end_year,"
    "ss_type,mem_st_day,mem_st_month,mem_st_year,mem_end_day,mem_end_month,mem_end_year,left_censor,"
    "right_censor,defense,neutrality,nonaggression,entente,version"
)


def write(tmp_path: Path, text: str, *, encoding: str = "utf-8", name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(kind: str, path: Path, **options: object):
    return IMPORTERS[kind]().run(path, **options)


@pytest.mark.django_db
class TestFileQuirks:
    def test_utf8_with_bom_crlf_line_endings(self, tmp_path: Path) -> None:
        text = "\ufeff" + STATES_HEADER + "\r\n" + "QAB,1901,Testland,1900,1,1,2016,12,31,2016\r\n"
        report = run("cow-states", write(tmp_path, text))
        assert report.committed
        assert report.rows_read == 1
        assert Nation.objects.get(cow_code=1901).name == "Testland"

    def test_windows_1252_is_detected(self, tmp_path: Path) -> None:
        text = STATES_HEADER + "\n" + "QAC,1902,Côte Testée,1900,1,1,2016,12,31,2016\n"
        run("cow-states", write(tmp_path, text, encoding="cp1252"))
        assert Nation.objects.get(cow_code=1902).name == "Côte Testée"

    def test_bare_carriage_return_line_endings(self, tmp_path: Path) -> None:
        text = (
            STATES_HEADER
            + "\r"
            + "QAD,1903,Crland,1900,1,1,2016,12,31,2016\r"
            + "QAE,1904,Crland Two,1901,1,1,1950,6,30,2016\r"
        )
        report = run("cow-states", write(tmp_path, text))
        assert report.rows_read == 2
        assert Nation.objects.get(cow_code=1904).exists_until == datetime.date(1950, 7, 1)

    def test_unknown_day_becomes_the_first_or_last_of_the_month(self, tmp_path: Path) -> None:
        text = STATES_HEADER + "\n" + "QAF,1905,Dayless,1900,3,,1950,2,,2016\n"
        run("cow-states", write(tmp_path, text))
        nation = Nation.objects.get(cow_code=1905)
        assert nation.exists_from == datetime.date(1900, 3, 1)
        assert nation.exists_until == datetime.date(1950, 3, 1)  # the day after 28 February 1950

    def test_missing_columns_are_named_before_any_row_is_read(self, tmp_path: Path) -> None:
        text = "stateabb,ccode,name\nQAG,1906,Nameless\n"
        with pytest.raises(ImportAborted, match="missing column\\(s\\) statenme, styear"):
            run("cow-states", write(tmp_path, text))
        assert not Nation.objects.filter(cow_code=1906).exists()

    def test_column_names_match_whatever_their_case_spaces_or_byte_order_mark(self, tmp_path: Path) -> None:
        header = " StateAbb ,CCode,StateNme,StYear,StMonth,StDay,EndYear,EndMonth,EndDay,Version"
        text = "\ufeff" + header + "\n" + "QAI,1908,Capitaland,1900,1,1,2016,12,31,2016\n"
        # Named UTF-8, the mark is read as a character of the first column's name.
        report = run("cow-states", write(tmp_path, text), encoding="utf-8")
        assert report.committed, report.summary()
        assert Nation.objects.get(cow_code=1908).cow_abbr == "QAI"

    def test_only_the_columns_really_missing_are_named(self, tmp_path: Path) -> None:
        # StateAbb, CCode and StateNme alone are COW's code list (see test_layouts): a file with two of them is
        # in no layout, and each layout's missing columns are named.
        text = "StateAbb,CCode,name\nQAJ,1909,Partland\n"
        with pytest.raises(ImportAborted) as refused:
            run("cow-states", write(tmp_path, text))
        assert str(refused.value).splitlines()[2:] == [
            "  - COW state system membership (states2016 layout): missing column(s) statenme, styear, stmonth, "
            "stday, endyear, endmonth, endday.",
            "  - COW country codes (COW-country-codes.csv: StateAbb, CCode, StateNme, no dates): "
            "missing column(s) statenme.",
        ]

    def test_a_column_given_twice_is_refused_rather_than_guessed(self, tmp_path: Path) -> None:
        text = STATES_HEADER + ",CCODE\n" + "QAK,1910,Twiceland,1900,1,1,2016,12,31,2016,1911\n"
        with pytest.raises(ImportAborted, match="Column ccode appears twice"):
            run("cow-states", write(tmp_path, text))
        assert not Nation.objects.filter(cow_code__in=[1910, 1911]).exists()

    def test_named_encoding_that_does_not_fit_is_refused(self, tmp_path: Path) -> None:
        text = STATES_HEADER + "\n" + "QAH,1907,Côte,1900,1,1,2016,12,31,2016\n"
        with pytest.raises(ImportAborted, match="not valid utf-8"):
            run("cow-states", write(tmp_path, text, encoding="cp1252"), encoding="utf-8")


@pytest.mark.django_db
def test_a_cow_state_is_not_merged_into_the_iso_state_that_succeeded_another_cow_number(tmp_path: Path) -> None:
    """COW's "Korea" (730, until 1905) reads as South Korea by name; the code list gives South Korea 732."""
    south = Nation.objects.create(name="South Korea", iso2="KR", iso3="KOR")
    text = (
        STATES_HEADER
        + "\nKOR,730,Korea,1887,1,1,1905,11,17,2016"
        + "\nPRK,731,North Korea,1948,9,9,2016,12,31,2016"
        + "\nROK,732,South Korea,1949,6,29,2016,12,31,2016\n"
    )
    run("cow-states", write(tmp_path, text))
    south.refresh_from_db()
    assert (south.cow_code, south.cow_abbr) == (732, "ROK")
    korea = Nation.objects.get(cow_code=730)
    assert (korea.name, korea.iso3, korea.exists_until) == ("Korea", None, datetime.date(1905, 11, 18))
    assert Nation.objects.filter(name__icontains="Korea").count() == 3


@pytest.mark.django_db
class TestAllOrNothing:
    GOOD = "QBA,1911,Goodland,1900,1,1,2016,12,31,2016\nQBB,1912,Fineland,1900,1,1,2016,12,31,2016\n"
    BAD_LAST = "QBC,x,Badland,1900,1,1,2016,12,31,2016\n"

    def test_a_bad_row_at_the_end_of_the_file_writes_nothing(self, tmp_path: Path) -> None:
        report = run("cow-states", write(tmp_path, STATES_HEADER + "\n" + self.GOOD + self.BAD_LAST))
        assert not report.committed
        assert [(r.row, r.reasons) for r in report.rejected] == [(4, ["ccode: “x” is not a number"])]
        assert not Nation.objects.filter(cow_code__in=[1911, 1912]).exists()

    def test_skip_invalid_keeps_the_good_rows_and_writes_the_rejects(self, tmp_path: Path) -> None:
        rejects = tmp_path / "rejects.csv"
        report = run(
            "cow-states",
            write(tmp_path, STATES_HEADER + "\n" + self.GOOD + self.BAD_LAST),
            skip_invalid=True,
            rejects_path=rejects,
        )
        assert report.committed
        assert Nation.objects.filter(cow_code__in=[1911, 1912]).count() == 2
        lines = rejects.read_text().splitlines()
        assert lines[0].startswith("row,reasons,stateabb")
        assert lines[1].startswith("4,ccode: “x” is not a number,QBC")

    def test_dry_run_reports_and_writes_nothing(self, tmp_path: Path) -> None:
        report = run("cow-states", write(tmp_path, STATES_HEADER + "\n" + self.GOOD), dry_run=True)
        assert report.outcomes[("nations", "created")] == 2
        assert not report.committed
        assert not Nation.objects.filter(cow_code__in=[1911, 1912]).exists()

    def test_re_import_changes_nothing(self, tmp_path: Path) -> None:
        path = write(tmp_path, STATES_HEADER + "\n" + self.GOOD)
        run("cow-states", path)
        history = Nation.history.count()
        again = run("cow-states", path)
        assert again.outcomes[("nations", "unchanged")] == 2
        assert Nation.history.count() == history

    def test_command_reports_rows_and_refuses_partial_imports(self, tmp_path: Path) -> None:
        out = StringIO()
        with pytest.raises(CommandError, match="1 row\\(s\\) rejected, so nothing was written"):
            call_command(
                "import_data",
                "cow-states",
                str(write(tmp_path, STATES_HEADER + "\n" + self.GOOD + self.BAD_LAST)),
                stdout=out,
                stderr=StringIO(),
            )
        assert "row 4: ccode" in out.getvalue()


@pytest.mark.django_db
def test_an_alliance_member_that_matches_no_nation_is_reported_not_guessed(tmp_path: Path) -> None:
    seed_nations()
    text = (
        ALLIANCE_HEADER
        + "\n"
        + "\n".join(
            [
                "9001,2,United States,1,1,1990,,,,Type I: Defense Pact,1,1,1990,,,,0,1,1,0,0,0,4.1",
                "9001,4242,Atlantis,1,1,1990,,,,Type I: Defense Pact,1,1,1990,,,,0,1,1,0,0,0,4.1",
            ]
        )
    )
    report = run("cow-alliances", write(tmp_path, text))
    assert report.rejected[0].row == 3
    assert "ccode 4242 (Atlantis) matches no nation" in report.rejected[0].reasons[0]
    assert not Agreement.objects.filter(sources__dataset="cow-alliances").exists()


def records_written(model: type[models.Model], start: datetime.datetime, end: datetime.datetime) -> tuple[int, int]:
    """Return how many ``model`` records were created, and how many others updated, between two instants.

    Read from the history rows (every write leaves one), counting only records
    the import did not remove again: what an import really wrote, whatever its report says.
    """
    rows = model.history.filter(history_date__gte=start, history_date__lte=end)  # type: ignore[attr-defined]
    created = set(rows.filter(history_type="+").values_list("id", flat=True))
    changed = set(rows.filter(history_type="~").values_list("id", flat=True)) - created
    # Kept at the end of the window: a record the import created and removed again (dropped) was not
    # written; one a later import removed (a COW party period ATOP's took the place of) was.
    removed = set(rows.filter(history_type="-").values_list("id", flat=True))
    return len(created - removed), len(changed - removed)


ALLIANCE_ROWS = [
    # 9101: the United Kingdom in two periods (it left at the end of 1995, rejoined in 1997): two party rows.
    "9101,2,United States,1,1,1990,,,,Type I: Defense Pact,1,1,1990,,,,0,1,1,0,0,0,4.1",
    "9101,200,United Kingdom,1,1,1990,,,,Type I: Defense Pact,1,1,1990,31,12,1995,0,1,1,0,0,0,4.1",
    "9101,200,United Kingdom,1,1,1990,,,,Type I: Defense Pact,1,1,1997,,,,0,1,1,0,0,0,4.1",
    # 9102: its second member is nobody, so the alliance keeps one party and is dropped.
    "9102,2,United States,1,1,1991,,,,Type I: Defense Pact,1,1,1991,,,,0,1,1,0,0,0,4.1",
    "9102,4242,Atlantis,1,1,1991,,,,Type I: Defense Pact,1,1,1991,,,,0,1,1,0,0,0,4.1",
    # 9103: its first row creates the agreement, then its member leaves before joining: refused.
    "9103,2,United States,1,1,1992,,,,Type III: Entente,1,1,1995,31,12,1990,0,1,0,0,0,1,4.1",
    "9103,200,United Kingdom,1,1,1992,,,,Type III: Entente,1,1,1992,,,,0,1,0,0,0,1,4.1",
    "9103,20,Canada,1,1,1992,,,,Type III: Entente,1,1,1992,,,,0,1,0,0,0,1,4.1",
]


@pytest.mark.django_db
def test_the_report_counts_exactly_what_the_import_wrote(tmp_path: Path) -> None:
    from partnerships.models import AgreementParty, AgreementSource

    seed_nations()
    path = write(tmp_path, ALLIANCE_HEADER + "\n" + "\n".join(ALLIANCE_ROWS))
    start = timezone.now()
    report = run("cow-alliances", path, skip_invalid=True)
    end = timezone.now()
    assert report.committed
    assert [str(r.row) for r in report.rejected] == ["6", "7", "COW alliance 9102"]
    for label, model in (
        ("agreements", Agreement),
        ("agreement parties", AgreementParty),
        ("agreement sources", AgreementSource),
    ):
        created, updated = records_written(model, start, end)
        assert (report.outcomes[(label, "created")], report.outcomes[(label, "updated")]) == (created, updated)
    assert Agreement.objects.filter(sources__dataset="cow-alliances").count() == 2
    # Line 1 is the layout read (see layouts.py), line 2 the rows read.
    layout = "  COW Formal Alliances v4.1 by member (cow/alliance_v4.1_by_member.csv): 8 rows"
    assert report.summary().splitlines()[1] == layout
    assert report.summary().splitlines()[3:6] == [
        "  agreement parties: 5 created, 0 updated, 0 unchanged, 1 created then dropped",
        "  agreement sources: 2 created, 0 updated, 0 unchanged, 1 created then dropped",
        "  agreements: 2 created, 0 updated, 0 unchanged, 1 created then dropped",
    ]
    # Every row is still accounted for: once among its member's outcomes, or refused.
    member_rows = sum(n for (label, _outcome), n in report.outcomes.items() if label == "agreement parties")
    assert member_rows + 2 == report.rows_read

    renamed = write(tmp_path, ALLIANCE_HEADER + "\n" + "\n".join(ALLIANCE_ROWS).replace("Type I:", "Type 1:"))
    start = timezone.now()
    again = run("cow-alliances", renamed, skip_invalid=True)
    end = timezone.now()
    assert records_written(Agreement, start, end) == (0, 1)
    assert again.summary().splitlines()[3:6] == [
        "  agreement parties: 0 created, 0 updated, 5 unchanged, 1 created then dropped",
        "  agreement sources: 0 created, 0 updated, 2 unchanged, 1 created then dropped",
        "  agreements: 0 created, 1 updated, 1 unchanged, 1 created then dropped",
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_of_the_same_file_never_duplicate(tmp_path: Path) -> None:
    path = write(tmp_path, STATES_HEADER + "\n" + TestAllOrNothing.GOOD)
    errors: list[BaseException] = []
    reports = []

    def worker() -> None:
        try:
            reports.append(run("cow-states", path))
        except BaseException as exc:  # report it to the test thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert [r.rejected for r in reports] == [[], []], [r.summary() for r in reports]
    assert Nation.objects.filter(cow_code__in=[1911, 1912]).count() == 2


SIPRI_HEADER = (
    "Recipient,Supplier,Year of order,Number ordered,Weapon designation,Weapon description,Number delivered,"
    "Year(s) of delivery,status,Comments,SIPRI TIV per unit,SIPRI TIV for total order,SIPRI TIV of delivered weapons"
)


@pytest.mark.django_db
def test_sipri_rows_in_windows_1252_with_partial_deliveries(tmp_path: Path) -> None:
    from partnerships.models import ResourceSharing

    seed_nations()
    text = (
        SIPRI_HEADER
        + "\r\n"
        + "\r\n".join(
            [
                "Chile,United Kingdom,2005,(3),Type-23,frigate,2,2006; 2007,Second hand,Señor Comments,10,30,20",
                "Chile,United Kingdom,1990,1,Type-22,frigate,0,,New,,10,10,0",
                "Atlantis,United Kingdom,1990,1,Type-22,frigate,0,,New,,10,10,0",
            ]
        )
    )
    report = run("sipri", write(tmp_path, text, encoding="cp1252"), skip_invalid=True)
    assert [(r.row, r.reasons) for r in report.rejected] == [
        (4, ["Recipient: “Atlantis” matches no nation or organization"])
    ]
    frigates = ResourceSharing.objects.get(designation="Type-23")
    assert (frigates.quantity, frigates.quantity_delivered, frigates.status) == (3, 2, "in_progress")
    assert frigates.delivery_years == [2006, 2007]
    assert "Señor Comments" in frigates.description
    assert ResourceSharing.objects.get(designation="Type-22").status == "ordered"
    again = run("sipri", write(tmp_path, text, encoding="cp1252"), skip_invalid=True)
    assert again.outcomes[("resource-sharing records", "unchanged")] == 2


@pytest.mark.django_db
def test_mme_dates_with_unknown_days_and_two_digit_years(tmp_path: Path) -> None:
    from partnerships.models import Exercise

    seed_nations()
    header = (
        "MMEID,Ex_Name,Series_Name,Location,StartDate,s.year,s.month,s.day,EndDate,e.year,e.month,e.day,CPX,Air,"
        "Land,Sea,Amphibious,Cyber,Warfighting,Peacekeeping,Humanitarian,FocusDescription,StateA,StateB"
    )
    rows = [
        "m1,Cobra Gold 04,Cobra Gold,Thailand,5/xx/04,,,,5/xx/04,,,,0,1,1,0,0,0,1,0,0,drills,Thailand,United States",
        "m2,-9,,Gulf,1980-02-xx,,,,1980-03-04,,,,1,0,0,1,0,0,0,0,1,,Oman,United Kingdom",
    ]
    report = run("mme", write(tmp_path, header + "\n" + "\n".join(rows)))
    assert report.committed, report.summary()
    cobra = Exercise.objects.get(sources__dataset_id="m1")
    assert (cobra.start_date, cobra.end_date) == (datetime.date(2004, 5, 1), datetime.date(2004, 5, 31))
    assert cobra.domains == ["land", "air"]  # the file's columns are Air, Land: stored in the choices' order
    assert {p.nation.iso3 for p in cobra.participants.all()} == {"THA", "USA"}
    unnamed = Exercise.objects.get(sources__dataset_id="m2")
    # MME names no exercise here: the name is generated from its domains, participants and year.
    assert unnamed.name == "Naval exercise: Oman and United Kingdom, 1980"
    assert unnamed.name_generated
    assert unnamed.kind == "command_post"
    assert unnamed.purposes == ["humanitarian"]
    # An unknown day keeps the date's precision: the month, not the first or last day of it.
    assert (cobra.start_date_precision, cobra.end_date_precision) == ("month", "month")
    assert (unnamed.start_date_precision, unnamed.end_date_precision) == ("month", "day")


@pytest.mark.parametrize(
    ("text", "year", "month", "day", "end", "expected"),
    [
        ("1/14/80", "", "", "", False, (datetime.date(1980, 1, 14), "day")),
        ("", "1980", "1", "xx", False, (datetime.date(1980, 1, 1), "month")),
        ("", "1980", "2", "", True, (datetime.date(1980, 2, 29), "month")),
        ("1980-xx-xx", "", "", "", False, (datetime.date(1980, 1, 1), "year")),
        ("xx/xx/95", "", "", "", True, (datetime.date(1995, 12, 31), "year")),
        ("", "1995", "xx", "xx", True, (datetime.date(1995, 12, 31), "year")),
        ("-9", "", "", "", True, (None, "day")),
    ],
)
def test_mme_dates_come_with_their_precision(
    text: str, year: str, month: str, day: str, end: bool, expected: tuple[object, str]
) -> None:
    from partnerships.services.importers.exercises import mme_date

    assert mme_date(text, year, month, day, "StartDate", end=end) == expected


@pytest.mark.parametrize(
    ("year", "month", "day", "expected"),
    [("1950", "5", "12", "day"), ("1950", "5", "0", "month"), ("1950", "0", "0", "year"), ("0", "0", "0", "day")],
)
def test_an_atop_date_with_zeros_for_unknown_parts_is_a_month_or_a_year(
    year: str, month: str, day: str, expected: str
) -> None:
    from partnerships.services.importers.base import precision_of

    assert precision_of(year, month, day, missing=("", "0", "-9")) == expected


@pytest.mark.django_db
def test_command_skip_invalid_writes_rejects_beside_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, STATES_HEADER + "\n" + TestAllOrNothing.GOOD + TestAllOrNothing.BAD_LAST, name="states.csv")
    out = StringIO()
    call_command("import_data", "cow-states", str(path), "--skip-invalid", stdout=out, stderr=StringIO())
    rejects = tmp_path / "states.rejected.csv"
    assert rejects.exists()
    assert "QBC" in rejects.read_text()
    assert f"rejected rows with their reasons: {rejects}" in out.getvalue()
    assert Nation.objects.filter(cow_code__in=[1911, 1912]).count() == 2


@pytest.mark.django_db
def test_command_refuses_a_file_it_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="missing column\\(s\\) Recipient, Supplier"):
        call_command("import_data", "sipri", str(write(tmp_path, "a,b\n1,2\n")), stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_data", "mme", str(tmp_path / "nope.csv"), stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "broken",
    [
        {"end_date": datetime.date(2000, 1, 1), "start_date": datetime.date(2001, 1, 1)},
        {"status": "completed", "end_date": None},
        {"latitude": 95, "longitude": 10},
        {"latitude": 10, "longitude": None},
        {"start_date_precision": "week"},
    ],
)
def test_constraints_validated_at_once_give_full_cleans_messages(broken: dict) -> None:
    """The importers' one-query validation of CHECK constraints refuses what full_clean() refuses, in its words."""
    from django.core.exceptions import ValidationError

    from partnerships.models import Exercise
    from partnerships.services.importers.base import validate_constraints_at_once

    exercise = Exercise(
        name="Constraint probe",
        kind="field_training",
        status="completed",
        start_date=datetime.date(2000, 6, 1),
        end_date=datetime.date(2000, 6, 2),
    )
    validate_constraints_at_once(exercise)  # a valid record passes
    for name, value in broken.items():
        setattr(exercise, name, value)
    with pytest.raises(ValidationError) as expected:
        exercise.validate_constraints()
    with pytest.raises(ValidationError) as batched:
        validate_constraints_at_once(exercise)
    assert batched.value.message_dict == expected.value.message_dict


@pytest.mark.django_db
def test_an_mme_edition_of_a_curated_exercise_series_attaches_to_it(tmp_path: Path) -> None:
    from partnerships.models import Exercise, ExerciseParticipant, Nation

    seed_nations()
    curated = Exercise.objects.create(
        name="Cobra Gold 2004 (curated)",
        series="Cobra Gold",
        kind="field_training",
        status="completed",
        start_date=datetime.date(2004, 5, 10),
        end_date=datetime.date(2004, 5, 24),
    )
    ExerciseParticipant.objects.create(exercise=curated, nation=Nation.objects.get(iso3="THA"), role="host")
    header = (
        "MMEID,Ex_Name,Series_Name,Location,StartDate,s.year,s.month,s.day,EndDate,e.year,e.month,e.day,CPX,Air,"
        "Land,Sea,Amphibious,Cyber,Warfighting,Peacekeeping,Humanitarian,FocusDescription,StateA,StateB"
    )
    rows = [
        "m1,Cobra Gold 04,cobra gold,Thailand,5/xx/04,,,,5/xx/04,,,,0,1,1,0,0,0,1,0,0,drills,Thailand,United States",
        "m2,Cobra Gold 05,Cobra Gold,Thailand,5/xx/05,,,,5/xx/05,,,,0,1,1,0,0,0,1,0,0,drills,Thailand,United States",
    ]
    report = run("mme", write(tmp_path, header + "\n" + "\n".join(rows)))
    assert report.committed, report.summary()
    # The 2004 row describes the curated edition: a source of it, not a second record; staff's values stay.
    assert report.attached == ["exercises"]
    assert Exercise.objects.filter(series__iexact="cobra gold").count() == 2
    curated.refresh_from_db()
    source = curated.sources.get()
    assert (source.dataset, source.dataset_id, source.followed, curated.follows) == ("mme", "m1", False, "")
    assert curated.name == "Cobra Gold 2004 (curated)"
    assert list(curated.participants.values_list("nation__iso3", flat=True)) == ["THA"]
    # MME gives another start and another participant list: the disagreement is marked.
    assert set(source.differs) >= {"name", "start_date", "participants"}
    # The 2005 row had no curated edition: a record of its own, following MME.
    assert Exercise.objects.get(sources__dataset_id="m2").follows == "mme"
    again = run("mme", write(tmp_path, header + "\n" + "\n".join(rows)))
    assert again.attached == []
    assert {k: v for k, v in again.outcomes.items() if k[1] != "unchanged" and v} == {}
