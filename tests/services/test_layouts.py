"""Layouts recognised by their header: the shipped files and real excerpts of each kind's other layouts.

The excerpts in ``tests/data/layouts/`` are cut from real files (their
README names each source). Gleditsch-Ward codes resolve through the same
resolver as COW's, to the COW state they mean on the row's date.
"""

from __future__ import annotations

import datetime
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from partnerships.models import Exercise, Nation, ResourceSharing
from partnerships.services.importers import IMPORTERS, ImportAborted
from partnerships.services.importers.base import decode
from partnerships.services.importers.layouts import detect, layouts_of
from partnerships.services.importers.resolver import NationResolver, cow_code_of_gw
from partnerships.services.nations import seed_nations

DATA = Path(__file__).resolve().parents[2] / "data"
LAYOUTS = Path(__file__).resolve().parents[1] / "data" / "layouts"


def detected(kind: str, path: Path) -> str:
    return detect(layouts_of(IMPORTERS[kind]), decode(path.read_bytes()), kind=kind).name


@pytest.mark.parametrize(
    ("kind", "path", "layout"),
    [
        ("countries", DATA / "countries/country-codes.csv", "ISO 3166, datasets/country-codes layout"),
        ("countries", LAYOUTS / "iso3166-all.csv", "ISO 3166, all.csv layout"),
        ("cow-states", DATA / "cow/states2016.csv", "COW state system membership (states2016 layout)"),
        ("cow-states", LAYOUTS / "COW-country-codes.csv", "COW country codes"),
        ("mme", DATA / "mme/mme_v7.csv", "MME v7, wide layout"),
        ("mme", LAYOUTS / "mme-v7-long.csv", "MME v7, long layout"),
        ("sipri", DATA / "sipri/uk-trade-register.csv", "SIPRI trade register, current layout"),
        ("sipri", LAYOUTS / "us-trade-register.csv", "SIPRI trade register, older layout"),
    ],
)
def test_each_file_is_recognised_by_its_header(kind: str, path: Path, layout: str) -> None:
    assert detected(kind, path).startswith(layout)


def test_the_states_header_is_read_as_the_states_not_as_the_code_list_it_contains() -> None:
    """The states file has the code list's three columns too: the layout that uses more of the header wins."""
    assert detected("cow-states", DATA / "cow/states2016.csv").startswith("COW state system membership")


def test_the_first_rows_decide_between_layouts_the_header_fits_equally() -> None:
    """Two layouts with the same columns: the one whose ``confirms`` accepts the first rows is read."""
    from partnerships.services.importers.layouts import Layout

    codes = Layout("numbers", required=("code", "name"), confirms=lambda rows: all(r["code"].isdigit() for r in rows))
    letters = Layout("letters", required=("code", "name"), confirms=lambda rows: all(r["code"].isalpha() for r in rows))
    assert detect((codes, letters), "code,name\n2,United States\n20,Canada\n", kind="test").name == "numbers"
    assert detect((codes, letters), "code,name\nUSA,United States\nCAN,Canada\n", kind="test").name == "letters"


def test_an_unknown_layout_is_refused_with_the_layouts_accepted_and_the_columns_found(tmp_path: Path) -> None:
    path = tmp_path / "exercises.csv"
    path.write_text("MMEID,Ex_Name,participant,code\nmme1,Test,Canada,20\n", encoding="utf-8")
    with pytest.raises(ImportAborted) as refused:
        IMPORTERS["mme"]().run(path)
    message = str(refused.value)
    assert message.startswith(
        "This file is in no layout mme reads. It has the columns: MMEID, Ex_Name, participant, code."
    )
    assert "\n  - MME v7, wide layout: missing column(s) Series_Name, Location," in message
    assert message.endswith("FocusDescription, gwcode, country.")  # the long layout's last missing columns
    assert "MME v7, long layout: missing column(s) Series_Name" in message


def test_the_command_refuses_an_unknown_layout_and_writes_nothing(tmp_path: Path, db: None) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("code,label\nAFG,Afghanistan\n", encoding="utf-8")
    with pytest.raises(CommandError, match="countries reads these layouts:") as refused:
        call_command("import_data", "countries", str(path), stdout=StringIO())
    assert "ISO 3166, all.csv layout (lukes/ISO-3166-Countries-with-Regional-Codes): missing column(s) name" in str(
        refused.value
    )
    assert not Nation.objects.exists()


@pytest.mark.django_db
def test_the_cow_code_list_with_bare_cr_line_endings_gives_codes_and_names_without_dates() -> None:
    report = IMPORTERS["cow-states"]().run(LAYOUTS / "COW-country-codes.csv")
    assert report.committed, report.summary()
    assert report.rows_read == 27
    assert "COW country codes (COW-country-codes.csv: StateAbb, CCode, StateNme, no dates): 27 rows" in report.summary()
    # One nation per state: a state's rows for each of its membership spells are one nation.
    assert Nation.objects.count() == 24
    hanover = Nation.objects.get(cow_code=240)
    assert (hanover.name, hanover.cow_abbr, hanover.exists_from, hanover.exists_until) == ("Hanover", "HAN", None, None)
    assert Nation.objects.get(cow_abbr="NAU").cow_code == 970
    again = IMPORTERS["cow-states"]().run(LAYOUTS / "COW-country-codes.csv")
    assert again.outcomes[("nations", "created")] == again.outcomes[("nations", "updated")] == 0
    # The state list then gives the same states their dates, without a second record of any.
    IMPORTERS["cow-states"]().run(DATA / "cow/states2016.csv")
    assert Nation.objects.filter(cow_code=240).count() == 1
    hanover.refresh_from_db()
    assert (hanover.exists_from, hanover.exists_until) == (datetime.date(1837, 6, 20), datetime.date(1866, 7, 27))


@pytest.mark.django_db
def test_the_iso_all_csv_layout_gives_the_same_nations_as_the_country_codes_table() -> None:
    report = IMPORTERS["countries"]().run(LAYOUTS / "iso3166-all.csv")
    assert report.committed, report.summary()
    assert "ISO 3166, all.csv layout (lukes/ISO-3166-Countries-with-Regional-Codes): 14 rows" in report.summary()
    afghanistan = Nation.objects.get(iso3="AFG")
    assert (afghanistan.iso2, afghanistan.iso_numeric, afghanistan.name) == ("AF", "004", "Afghanistan")
    assert Nation.objects.get(iso3="PSE").name == "Palestine, State of"
    before = {n.iso3: (n.pk, n.iso2, n.iso_numeric) for n in Nation.objects.all()}
    IMPORTERS["countries"]().run(DATA / "countries/country-codes.csv")
    after = {n.iso3: (n.pk, n.iso2, n.iso_numeric) for n in Nation.objects.filter(iso3__in=before)}
    assert after == before  # the same records, codes agreeing: nothing duplicated


@pytest.fixture
def states(db: None) -> None:
    """Nations with their COW numbers and COW's dates (the shipped state list)."""
    seed_nations()
    report = IMPORTERS["cow-states"]().run(DATA / "cow/states2016.csv")
    assert report.committed, report.summary()


@pytest.mark.parametrize(
    ("gwcode", "day", "cow_code"),
    [
        (260, datetime.date(1985, 6, 1), 260),  # the German Federal Republic in both lists
        (260, datetime.date(1995, 6, 1), 255),  # unified Germany: Gleditsch-Ward keep 260, COW 255
        (678, datetime.date(1985, 6, 1), 678),  # the Yemen Arab Republic in both
        (678, datetime.date(1995, 6, 1), 679),  # unified Yemen: Gleditsch-Ward keep 678, COW 679
        (680, datetime.date(1985, 6, 1), 680),  # South Yemen in both
        (340, datetime.date(1900, 6, 1), 345),  # Serbia before 1915: COW numbers it 345 too
        (970, datetime.date(2005, 6, 1), 946),  # Kiribati, which is Nauru's number in COW
        (971, datetime.date(2005, 6, 1), 970),  # Nauru
        (972, datetime.date(2005, 6, 1), 955),  # Tonga
        (973, datetime.date(2005, 6, 1), 947),  # Tuvalu
        (816, datetime.date(2010, 6, 1), 816),  # Vietnam in both
        (817, datetime.date(1970, 6, 1), 817),  # the Republic of Vietnam in both
        (365, datetime.date(1980, 6, 1), 365),  # the same number elsewhere
    ],
)
def test_gleditsch_ward_codes_resolve_to_the_cow_state_they_mean(
    states: None, gwcode: int, day: datetime.date, cow_code: int
) -> None:
    assert NationResolver().gw(gwcode, day).cow_code == cow_code


def test_gleditsch_ward_340_after_2006_is_the_registrys_serbia(states: None) -> None:
    resolver = NationResolver()
    day = datetime.date(2010, 6, 1)
    assert resolver.on_date(resolver.gw(340, day), day).iso3 == "SRB"


def test_the_gw_table_agrees_with_the_countrycode_package_where_both_give_a_number() -> None:
    """The package's states with two numbers: the same undated, or the table's difference today.

    Germany is the one state today whose numbers differ (260, 255). The
    package gives "Vietnam" Gleditsch-Ward 817, which is the Republic of
    Vietnam in Gleditsch and Ward's list (816 is Vietnam there, as in COW's):
    the table does not follow it.
    """
    from countrycode import codelist

    today = datetime.date(2016, 12, 31)
    differ, same = [], 0
    for name, gwn, cown in zip(codelist["country.name.en"], codelist["gwn"], codelist["cown"], strict=True):
        if gwn is None or cown is None or name == "Vietnam":
            continue
        if gwn == cown:
            assert cow_code_of_gw(int(gwn), None) == int(cown), name
            same += 1
        else:
            assert cow_code_of_gw(int(gwn), today) == int(cown), name
            differ.append(name)
    assert differ == ["Germany"]
    assert same > 150
    assert cow_code_of_gw(817, today) == 817  # not the package's "Vietnam"


def test_mme_long_rows_give_the_same_exercises_as_the_wide_rows(states: None, tmp_path: Path) -> None:
    long_report = IMPORTERS["mme"]().run(LAYOUTS / "mme-v7-long.csv")
    assert long_report.committed, long_report.summary()
    assert "MME v7, long layout: 26 participant rows → 7 exercises" in long_report.summary()
    assert long_report.rows_read == 7
    long_view = _exercises()
    assert long_view["mme100"][-1] == sorted([20, 200, 2, 210, 260, 325, 640])
    assert long_view["mme102"][-1] == sorted([265, 290, 365])
    assert long_view["mme1023"][-1] == []  # MME names no participant ("-9"): none in either layout

    # The same exercises' rows of the shipped wide file: read over the long layout's records, nothing changes.
    ids = set(long_view)
    lines = (DATA / "mme/mme_v7.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    wide = tmp_path / "mme_wide.csv"
    wide.write_text(lines[0] + "".join(line for line in lines[1:] if line.split(",", 1)[0] in ids), encoding="utf-8")
    wide_report = IMPORTERS["mme"]().run(wide)
    assert wide_report.committed, wide_report.summary()
    assert "MME v7, wide layout: 7 rows" in wide_report.summary()
    for label in ("exercises", "exercise participants", "exercise sources"):
        assert wide_report.outcomes[(label, "created")] == wide_report.outcomes[(label, "updated")] == 0, label
    assert _exercises() == long_view


def _exercises() -> dict[str, tuple]:
    view = {}
    for exercise in Exercise.objects.prefetch_related("participants__nation", "sources"):
        (source,) = exercise.sources.all()
        participants = sorted(p.nation.cow_code for p in exercise.participants.all())
        view[source.dataset_id] = (
            exercise.name,
            exercise.series,
            exercise.start_date,
            exercise.start_date_precision,
            exercise.end_date,
            exercise.domains,
            exercise.location,
            exercise.latitude,
            exercise.location_country_id,
            exercise.objectives,
            source.values,
            participants,
        )
    return view


def test_mme_long_rows_resolve_gleditsch_ward_codes_on_the_exercises_date(states: None, tmp_path: Path) -> None:
    """A long file built from the excerpt's header: 260 and 678 in 1995 are Germany and Yemen (COW 255, 679)."""
    header = (LAYOUTS / "mme-v7-long.csv").read_text(encoding="utf-8").splitlines()[0]
    rest = "Test,,,1/10/95,1995,1,10,1/12/95,1995,1,12,0,0,1,0,0,0,1,0,0,test,NA,3"
    path = tmp_path / "long.csv"
    path.write_text(
        f"{header}\n"
        f"t1,Test,NA,260,Germany,1995,{rest}\n"
        f"t1,Test,NA,678,Yemen,1995,{rest}\n"
        f"t1,Test,NA,972,Tonga,1995,{rest}\n",
        encoding="utf-8",
    )
    report = IMPORTERS["mme"]().run(path)
    assert report.committed, report.summary()
    (exercise,) = Exercise.objects.all()
    assert sorted(p.nation.cow_code for p in exercise.participants.all()) == [255, 679, 955]


def test_mme_long_rows_of_one_exercise_that_disagree_are_rejected(states: None, tmp_path: Path) -> None:
    lines = (LAYOUTS / "mme-v7-long.csv").read_text(encoding="utf-8").splitlines()
    broken = lines[14].replace("7/5/92,1992,7,5,7/5/92", "7/6/92,1992,7,6,7/5/92")  # mme1001's second row
    assert broken != lines[14]
    path = tmp_path / "long.csv"
    path.write_text("\n".join([lines[0], lines[13], broken]) + "\n", encoding="utf-8")
    report = IMPORTERS["mme"]().run(path)
    assert not report.committed
    (rejection,) = report.rejected
    assert rejection.row == 2
    assert rejection.reasons == [
        "MMEID mme1001: the rows of this exercise disagree: row 3 differs from row 2 on StartDate, s.day"
    ]
    assert not Exercise.objects.exists()


def test_sipri_older_register_takes_its_supplier_from_the_file_name(db: None) -> None:
    seed_nations()
    report = IMPORTERS["sipri"]().run(LAYOUTS / "us-trade-register.csv")
    assert report.committed, report.summary()
    assert (
        "SIPRI trade register, older layout (deals under recipient lines, the register's supplier): "
        "14 lines → 11 deals; supplier United States, from the file name us-trade-register.csv"
    ) in report.summary()
    deals = ResourceSharing.objects.select_related("provider_nation", "recipient_nation")
    assert {deal.provider_nation.iso3 for deal in deals} == {"USA"}
    assert sorted(deal.recipient_nation.iso3 for deal in deals) == ["AFG"] * 4 + ["ALB"] * 4 + ["DZA"] * 3
    cessna = deals.get(designation="Cessna-208 Caravanlight")
    assert (cessna.quantity, cessna.delivery_years, cessna.unit) == (26, [2011, 2012], "transport ac")
    helicopter = deals.get(designation="S-70/UH-60L")
    assert (helicopter.quantity_delivered, helicopter.delivery_years, helicopter.status) == (None, [], "ordered")
    again = IMPORTERS["sipri"]().run(LAYOUTS / "us-trade-register.csv")
    assert again.outcomes[("resource-sharing records", "unchanged")] == 11, again.summary()


def test_sipri_older_register_without_a_known_supplier_is_refused(db: None, tmp_path: Path) -> None:
    seed_nations()
    path = tmp_path / "register.csv"
    shutil.copy(LAYOUTS / "us-trade-register.csv", path)
    with pytest.raises(CommandError, match=r"--supplier NAME .*<iso2>-trade-register\.csv") as refused:
        call_command("import_data", "sipri", str(path), stdout=StringIO())
    assert "Nothing was written" in str(refused.value)
    assert not ResourceSharing.objects.exists()
    with pytest.raises(CommandError, match="“Atlantis” \\(--supplier\\) matches no nation"):
        call_command("import_data", "sipri", str(path), "--supplier", "Atlantis", stdout=StringIO())
    out = StringIO()
    call_command("import_data", "sipri", str(path), "--supplier", "US", stdout=out)
    assert "supplier United States, from --supplier" in out.getvalue()
    assert ResourceSharing.objects.count() == 11
    with pytest.raises(CommandError, match="--supplier is for sipri registers only"):
        call_command("import_data", "mme", str(path), "--supplier", "US", stdout=StringIO())
