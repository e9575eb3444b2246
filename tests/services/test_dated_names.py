"""Names mean the state that existed on the row's date; names SIPRI marks as non-state are organizations.

Small sample files written here (data/ holds only the UK register):
a German register with deals before and after reunification, a U.S. register
with non-state and multinational recipients, and an MME sample. The state
list is a sample of COW's own rows, so that the states have COW's dates.
"""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import pytest
from django.urls import reverse

from partnerships.models import Exercise, Nation, Organization, ResourceSharing
from partnerships.services.importers import IMPORTERS
from partnerships.services.importers.resolver import NationResolver, successions
from partnerships.services.nations import seed_nations

DATA = Path(__file__).resolve().parents[2] / "data"
COW_SAMPLE = """stateabb,ccode,statenme,styear,stmonth,stday,endyear,endmonth,endday,version
USA,2,United States of America,1816,1,1,2016,12,31,2016
GRC,350,Greece,1828,8,1,2016,12,31,2016
TUR,640,Turkey,1816,1,1,2016,12,31,2016
GMY,255,Germany,1816,1,1,1945,5,8,2016
GMY,255,Germany,1990,10,3,2016,12,31,2016
GFR,260,German Federal Republic,1955,5,5,1990,10,2,2016
GDR,265,German Democratic Republic,1954,3,25,1990,10,2,2016
CZE,315,Czechoslovakia,1918,10,28,1939,3,15,2016
CZE,315,Czechoslovakia,1945,5,10,1992,12,31,2016
CZR,316,Czech Republic,1993,1,1,2016,12,31,2016
SLO,317,Slovakia,1993,1,1,2016,12,31,2016
YUG,345,Yugoslavia,1878,7,13,1941,4,20,2016
YUG,345,Yugoslavia,1944,10,20,2016,12,31,2016
RUS,365,Russia,1816,1,1,2016,12,31,2016
ANG,540,Angola,1975,11,11,2016,12,31,2016
AFG,700,Afghanistan,1919,5,1,2016,12,31,2016
YAR,678,Yemen Arab Republic,1926,9,2,1990,5,21,2016
YEM,679,Yemen,1990,5,22,2016,12,31,2016
YPR,680,Yemen People's Republic,1967,11,30,1990,5,21,2016
DRV,816,Vietnam,1954,7,21,2016,12,31,2016
RVN,817,Republic of Vietnam,1954,6,4,1975,4,30,2016
"""
SIPRI_HEADER = (
    "Recipient,Supplier,Year of order,Number ordered,Weapon designation,Weapon description,Number delivered,"
    "Year(s) of delivery,status,Comments,SIPRI TIV per unit,SIPRI TIV for total order,"
    "SIPRI TIV of delivered weapons"
)
# A German register as SIPRI exports it: "Germany" is the supplier before and after reunification.
GERMAN_REGISTER = f"""{SIPRI_HEADER}
Greece,Germany,1956,50,M-47 Patton,tank,50,1957,Second hand,Ex-FRG aid,0.8,40,40
Turkey,Germany,1974,77,Leopard-1,tank,77,1975; 1976,New,,2.5,192.5,192.5
Greece,Germany,1981,106,Leopard-1,tank,106,1983; 1984,New,,2.5,265,265
Soviet Union,Germany,1989,2,Do-228,light transport aircraft,2,1990,New,,1.2,2.4,2.4
Yugoslavia,Germany,1985,4,MTU-396,diesel engine,4,1986,New,For patrol craft,0.3,1.2,1.2
Czechoslovakia,Germany,1990,2,Bo-105,light helicopter,2,1991,New,,0.9,1.8,1.8
Turkey,Germany,2005,298,Leopard-2A4,tank,298,2006; 2007,Second hand,,2.6,774.8,774.8
Russia,Germany,2011,1,Combat training centre,simulator,0,,New,Deal cancelled 2014,5,5,0
Czech Republic,Germany,2014,22,Leopard-2A4,tank,22,2014,Second hand,Gift,2.6,57.2,57.2
Yemen,Germany,1980,2,Bo-105,light helicopter,2,1981,New,,0.9,1.8,1.8
"""
# A U.S. register with SIPRI's marks: * non-state actor, ** international organization.
US_REGISTER = f"""{SIPRI_HEADER}
UNITA (Angola)*,United States,1986,310,FIM-92 Stinger,portable SAM,310,1986; 1987; 1988,New,Covert aid,0.07,21.7,21.7
Mujahedin (Afghanistan)*,United States,1986,250,FIM-92 Stinger,portable SAM,250,1986; 1987,New,Covert aid,0.07,17.5,17.5
Angola,United States,2013,2,C-212 Aviocar,transport aircraft,2,2014,Second hand,,1.6,3.2,3.2
United Nations**,United States,1993,4,HMMWV,APV,4,1993,New,For UN operations in Somalia,0.1,0.4,0.4
unknown recipient(s),United States,1990,10,M-113,APC,10,1991,Second hand,,0.2,2,2
"""


@pytest.fixture
def states(db, tmp_path: Path) -> dict[int, Nation]:
    """The code list's nations, with COW's numbers and dates for the states the samples name."""
    seed_nations()
    path = tmp_path / "states.csv"
    path.write_text(COW_SAMPLE)
    report = IMPORTERS["cow-states"]().run(path)
    assert report.committed, report.summary()
    return {nation.cow_code: nation for nation in Nation.objects.exclude(cow_code=None)}


def _import(kind: str, text: str, tmp_path: Path, **options: object):
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    return IMPORTERS[kind]().run(path, **options)


def test_the_resolver_gives_the_state_that_existed_on_the_date(states) -> None:
    resolver = NationResolver()

    def on(name: str, day: str) -> int:
        return resolver.on_date(resolver.name(name), datetime.date.fromisoformat(day)).cow_code

    assert on("Germany", "1960-01-01") == 260
    assert on("Germany", "1990-10-02") == 260
    assert on("Germany", "1990-10-03") == 255
    assert on("Germany", "1900-01-01") == 255  # the German Empire, before there was a West Germany
    assert on("West Germany", "1960-01-01") == 260
    assert on("West Germany", "1995-01-01") == 255
    assert on("East Germany", "1980-01-01") == 265
    assert on("East Germany", "1995-01-01") == 255
    assert on("Yemen", "1980-01-01") == 678  # the Yemen Arab Republic, which united Yemen continues
    assert on("South Yemen", "1995-01-01") == 679
    assert on("Czech Republic", "1985-01-01") == 315
    assert on("Slovakia", "1985-01-01") == 315
    assert on("Czechoslovakia", "1995-01-01") == 315  # dissolved into two: which one would be a guess
    assert on("South Vietnam", "1980-01-01") == 816
    assert on("Vietnam", "1970-01-01") == 816  # COW's Vietnam is the DRV; the RVN was absorbed
    assert on("Soviet Union", "1980-01-01") == on("Russia", "2000-01-01") == 365  # one COW state
    assert resolver.on_date(resolver.name("Serbia"), datetime.date(1999, 1, 1)).cow_code == 345
    assert resolver.on_date(resolver.name("Serbia"), datetime.date(2010, 1, 1)).iso3 == "SRB"
    assert resolver.on_date(resolver.name("Germany"), None).cow_code == 255  # undated: as today


def test_german_register_deals_before_reunification_are_west_germanys(states, tmp_path: Path) -> None:
    report = _import("sipri", GERMAN_REGISTER, tmp_path)
    assert report.committed, report.summary()
    deals = ResourceSharing.objects.filter(sources__dataset="sipri").select_related(
        "provider_nation", "recipient_nation"
    )
    suppliers = {(deal.start_date.year, deal.designation): deal.provider_nation.cow_code for deal in deals}
    assert {year for (year, _), code in suppliers.items() if code == 260} == {1956, 1974, 1980, 1981, 1985, 1989, 1990}
    assert {year for (year, _), code in suppliers.items() if code == 255} == {2005, 2011, 2014}
    recipients = {deal.start_date.year: deal.recipient_nation for deal in deals if deal.start_date.year != 1956}
    assert recipients[1989].cow_code == recipients[2011].cow_code == 365
    assert recipients[1985].cow_code == 345
    assert recipients[1990].cow_code == 315
    assert recipients[2014].cow_code == 316
    assert recipients[1980].cow_code == 678  # "Yemen" in 1980: North Yemen
    assert {deal.start_date.year for deal in deals if deal.recipient_nation.cow_code == 640} == {1974, 2005}


def test_date_dependent_resolutions_are_named_in_the_import_report(states, tmp_path: Path) -> None:
    report = _import("sipri", GERMAN_REGISTER, tmp_path)
    summary = report.summary()
    print(summary)
    assert len(report.dated) == 8  # seven German supplier rows, and "Yemen" in 1980
    assert (
        "Supplier “Germany” → German Federal Republic (COW 260), not Germany: 7 rows dated 1956-01-01 to 1990-01-01"
        in summary
    )
    assert "Recipient “Yemen” → Yemen Arab Republic (COW 678), not Yemen: 1 rows dated 1980-01-01 (rows 11)" in summary
    # Importing again resolves the same way and changes nothing.
    again = _import("sipri", GERMAN_REGISTER, tmp_path)
    assert again.outcomes[("resource-sharing records", "unchanged")] == 10
    assert len(again.dated) == 8


def test_a_rejected_rows_dated_names_are_not_reported(states, tmp_path: Path) -> None:
    text = GERMAN_REGISTER.replace("Greece,Germany,1956,50", "Greece,Germany,1956,-50")
    report = _import("sipri", text, tmp_path, skip_invalid=True)
    assert report.rows_rejected == 1
    assert len(report.dated) == 7


def test_mme_participants_are_the_states_of_the_exercise_date(states, tmp_path: Path) -> None:
    columns = (
        "MMEID,Ex_Name,Series_Name,Location,StartDate,s.year,s.month,s.day,EndDate,e.year,e.month,e.day,"
        "CPX,Air,Land,Sea,Amphibious,Cyber,Warfighting,Peacekeeping,Humanitarian,FocusDescription,StateA,StateB,StateC"
    )
    text = (
        f"{columns}\n"
        "1,Reforger 85,Reforger,West Germany,1/14/85,1985,1,14,2/20/85,1985,2,20,0,1,1,0,0,0,1,0,0,NA,"
        "United States of America,Germany,West Germany\n"
        "2,Display Determination 95,Display Determination,Turkey,9/1/95,1995,9,1,9/20/95,1995,9,20,"
        "0,1,0,1,0,0,1,0,0,NA,Turkey,Germany,United States of America\n"
    )
    report = _import("mme", text, tmp_path)
    assert report.committed, report.summary()
    reforger = Exercise.objects.get(sources__dataset="mme", sources__dataset_id="1")
    assert {p.nation.cow_code for p in reforger.participants.all()} == {2, 260}  # Germany and West Germany: one state
    later = Exercise.objects.get(sources__dataset="mme", sources__dataset_id="2")
    assert {p.nation.cow_code for p in later.participants.all()} == {2, 255, 640}
    assert [r.column for r in report.dated] == ["StateB"]


def test_the_successions_carry_the_cow_state_lists_dates() -> None:
    spans: dict[int, list[tuple[datetime.date, datetime.date]]] = {}
    with (DATA / "cow/states2016.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            start = datetime.date(int(row["styear"]), int(row["stmonth"]), int(row["stday"]))
            end = datetime.date(int(row["endyear"]), int(row["endmonth"]), int(row["endday"]))
            spans.setdefault(int(row["ccode"]), []).append((start, end))
    every_start = {start for periods in spans.values() for start, _ in periods}
    for succession in successions():
        # Serbia is the registry's own record (COW continues 345): its day is another state's start (Montenegro's).
        days = set() if succession.successor.isdigit() else every_start
        for code, side in ((succession.predecessor, "end"), (succession.successor, "start")):
            if not code.isdigit():
                continue
            for start, end in spans[int(code)]:
                days.add(start if side == "start" else end + datetime.timedelta(days=1))
        assert succession.on in days, succession


def test_sipri_non_state_recipients_become_non_state_actors(states, tmp_path: Path) -> None:
    report = _import("sipri", US_REGISTER, tmp_path, skip_invalid=True)
    print(report.summary())
    assert [r.reasons for r in report.rejected] == [
        ["Recipient: “unknown recipient(s)” matches no nation or organization"]
    ]
    assert report.outcomes[("organizations", "created")] == 3
    unita = Organization.objects.get(name="UNITA")
    assert (unita.kind, unita.nation, unita.operates_in.iso3) == ("non_state", None, "AGO")
    assert Organization.objects.get(name="Mujahedin").operates_in.iso3 == "AFG"
    assert Organization.objects.get(name="United Nations").kind == "multinational"
    stingers = ResourceSharing.objects.get(recipient_organization=unita)
    assert stingers.recipient_nation is None
    # Importing again finds them: nothing is created twice.
    again = _import("sipri", US_REGISTER, tmp_path, skip_invalid=True)
    assert again.outcomes[("organizations", "created")] == 0
    assert Organization.objects.filter(name="UNITA").count() == 1


def test_a_transfer_to_unita_is_never_counted_as_angolas(states, tmp_path: Path, superuser_client) -> None:
    _import("sipri", US_REGISTER, tmp_path, skip_invalid=True)
    unita = Organization.objects.get(name="UNITA")
    aircraft = ResourceSharing.objects.get(recipient_nation__iso3="AGO")

    listed = superuser_client.get("/api/v1/resources/", {"recipient": "AGO"}).json()
    assert [row["id"] for row in listed["results"]] == [aircraft.pk]

    angola = Nation.objects.get(iso3="AGO")
    dyads = superuser_client.get("/api/v1/dyads/", {"directed": "true"})
    rows = list(csv.DictReader(b"".join(dyads.streaming_content).decode().splitlines()[:-1]))
    angola_years = {row["year"] for row in rows if "540" in (row["cow_a"], row["cow_b"])}
    assert angola_years
    assert min(angola_years) == "2013"

    network = superuser_client.get("/api/v1/network/", {"as_of": "1987-01-01", "kind": "resource"}).json()
    touching = {(link["source"], link["target"]) for link in network["links"]}
    assert all(f"n{angola.pk}" not in pair for pair in touching)
    assert any(f"o{unita.pk}" in pair for pair in touching)

    profile = superuser_client.get(reverse("partnerships:nation-detail", args=[Nation.objects.get(iso3="AGO").pk]))
    page = profile.content.decode()
    received = page.split("Non-state actors operating here")[0]
    assert "Stinger" not in received
    assert "C-212" in page
    assert "Non-state actors operating here" in page
    assert unita.name in page

    detail = superuser_client.get(f"/api/v1/organizations/{unita.pk}/").json()
    assert detail["nation"] is None
    assert detail["operates_in"]["iso3"] == "AGO"
    assert detail["kind"] == "non_state"
    assert [
        o["name"] for o in superuser_client.get("/api/v1/organizations/", {"operates_in": "AGO"}).json()["results"]
    ] == ["UNITA"]
