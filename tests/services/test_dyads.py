"""Dyad-year tables: provisions, counts and flows per pair and year, visibility, the API endpoint."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from partnerships.services.dyads import PROVISION_COLUMNS, dyad_years
from tests.factories import (
    AgreementPartyFactory,
    ExerciseFactory,
    ExerciseParticipantFactory,
    NationFactory,
    OrganizationFactory,
    ResourceSharingFactory,
    bilateral_agreement,
)

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def pair(db):
    usa = NationFactory(name="Aland", iso3="QAL", cow_code=2001)
    phl = NationFactory(name="Bland", iso3="QBL", cow_code=2002)
    treaty = bilateral_agreement(
        usa,
        phl,
        kind="treaty",
        signed_on=D(1951, 8, 30),
        in_force_from=D(1952, 8, 27),
        provisions=["mutual_defense", "consultation"],
    )
    exercise = ExerciseFactory(start_date=D(1990, 4, 1), end_date=D(1990, 4, 20))
    ExerciseParticipantFactory(exercise=exercise, nation=usa)
    ExerciseParticipantFactory(exercise=exercise, nation=None, organization=OrganizationFactory(nation=phl))
    ResourceSharingFactory(
        provider_nation=usa,
        recipient_nation=phl,
        start_date=D(1990, 1, 1),
        end_date=None,
        value=Decimal("1000"),
        currency="USD",
    )
    return {"a": usa, "b": phl, "treaty": treaty}


def whole(text: str) -> list[dict[str, str]]:
    """The rows of an exported dyad file, checking that it ends with its ``# complete`` line and that line's count."""
    *lines, trailer = text.splitlines()
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    assert trailer == f"# complete: {len(rows)} rows"
    return rows


def table(user, **options):
    rows = dyad_years(user=user, **options)
    header = next(rows)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_a_pair_has_a_row_for_each_year_something_is_between_them(pair, analyst) -> None:
    rows = table(analyst, first_year=1951, last_year=1990)
    years = [row["year"] for row in rows]
    assert years == list(range(1952, 1991))  # in force from 1952; nothing in 1951
    row_1990 = rows[-1]
    assert (row_1990["mutual_defense"], row_1990["consultation"], row_1990["neutrality"]) == (1, 1, 0)
    assert row_1990["agreements"] == 1
    assert row_1990["exercises"] == 1  # one side took part through its own organization
    assert (row_1990["resources_a_to_b"], row_1990["value_usd_a_to_b"], row_1990["resources_b_to_a"]) == (
        1,
        Decimal("1000"),
        0,
    )


def test_a_nation_taking_part_itself_and_through_its_organization_counts_the_exercise_once(pair, analyst) -> None:
    exercise = ExerciseFactory(start_date=D(1995, 6, 1), end_date=D(1995, 6, 9))
    ExerciseParticipantFactory(exercise=exercise, nation=pair["a"])
    ExerciseParticipantFactory(exercise=exercise, nation=None, organization=OrganizationFactory(nation=pair["a"]))
    ExerciseParticipantFactory(exercise=exercise, nation=pair["b"])
    (row,) = table(analyst, first_year=1995, last_year=1995)
    assert row["exercises"] == 1
    (involving,) = table(analyst, first_year=1995, last_year=1995, involving=pair["a"].pk)
    assert involving["exercises"] == 1


def test_directed_rows_go_both_ways(pair, analyst) -> None:
    rows = [row for row in table(analyst, first_year=1990, last_year=1990, directed=True)]
    assert [(row["nation_a"], row["nation_b"]) for row in rows] == [("Aland", "Bland"), ("Bland", "Aland")]
    assert [row["resources_a_to_b"] for row in rows] == [1, 0]


def test_a_withdrawn_party_and_a_restricted_agreement_do_not_count(pair, analyst, cleared_analyst) -> None:
    secret = bilateral_agreement(pair["a"], pair["b"], visibility="restricted", provisions=["intelligence_sharing"])
    assert table(analyst, first_year=2020, last_year=2020)[0]["intelligence_sharing"] == 0
    assert table(cleared_analyst, first_year=2020, last_year=2020)[0]["intelligence_sharing"] == 1
    third = NationFactory(name="Cland")
    AgreementPartyFactory(agreement=secret, nation=third, withdrew_on=D(2000, 1, 1))
    pairs = {(r["nation_a"], r["nation_b"]) for r in table(cleared_analyst, first_year=2001, last_year=2001)}
    assert ("Aland", "Cland") not in pairs


def test_dyads_api_streams_csv_and_refuses_bad_parameters(pair, analyst) -> None:
    client = Client()
    client.force_login(analyst)
    response = client.get(reverse("api:dyads"), {"year_from": 1990, "year_to": 1990})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = whole(b"".join(response.streaming_content).decode())
    assert len(rows) == 1
    assert rows[0]["iso3_a"] == "QAL"
    assert client.get(reverse("api:dyads"), {"year_from": 1990, "year_to": 1980}).status_code == 400
    assert client.get(reverse("api:dyads"), {"decade": 1990}).status_code == 400
    assert Client().get(reverse("api:dyads")).status_code == 401


def test_export_data_dyads_command_writes_the_table_for_everyone_or_as_a_user(pair, analyst, tmp_path) -> None:
    from io import StringIO

    from django.core.management import call_command

    bilateral_agreement(pair["a"], pair["b"], visibility="restricted", provisions=["intelligence_sharing"])
    everything, as_analyst = tmp_path / "all.csv", tmp_path / "analyst.csv"
    err = StringIO()
    call_command("export_data", "dyads", "--from", "2020", "--to", "2020", "--output", str(everything), stderr=err)
    call_command(
        "export_data",
        "dyads",
        "--from",
        "2020",
        "--to",
        "2020",
        "--as-user",
        analyst.username,
        "--output",
        str(as_analyst),
        stderr=StringIO(),
    )
    assert "Wrote 1 dyads row(s)" in err.getvalue()
    full = whole(everything.read_text())
    limited = whole(as_analyst.read_text())
    assert (full[0]["intelligence_sharing"], limited[0]["intelligence_sharing"]) == ("1", "0")
    directed = tmp_path / "directed.csv"
    call_command(
        "export_data",
        "dyads",
        "--from",
        "1990",
        "--to",
        "1990",
        "--directed",
        "--output",
        str(directed),
        stderr=StringIO(),
    )
    assert len(whole(directed.read_text())) == 2


def test_a_nation_party_itself_and_through_its_organization_owes_each_year_what_either_owed_then(analyst) -> None:
    c, d = NationFactory(name="Cland"), NationFactory(name="Dland")
    treaty = bilateral_agreement(c, d, in_force_from=D(2001, 1, 1), signed_on=D(2001, 1, 1), provisions=["neutrality"])
    treaty.parties.filter(nation=c).update(withdrew_on=D(2004, 1, 1), obligations=["mutual_defense"])
    navy = OrganizationFactory(nation=c)
    AgreementPartyFactory(
        agreement=treaty, nation=None, organization=navy, joined_on=D(2003, 6, 1), obligations=["consultation"]
    )
    rows = {row["year"]: row for row in table(analyst, first_year=2000, last_year=2005)}
    owed = {year: {name for name in PROVISION_COLUMNS if rows[year][name]} for year in rows}
    assert owed == {
        2001: {"mutual_defense", "neutrality"},
        2002: {"mutual_defense", "neutrality"},
        2003: {"mutual_defense", "consultation", "neutrality"},
        2004: {"consultation", "neutrality"},
        2005: {"consultation", "neutrality"},
    }
    assert {rows[year]["agreements"] for year in rows} == {1}


def test_the_streamed_table_is_the_rows_as_csv_lines_writes_them(pair, analyst, cleared_analyst) -> None:
    from partnerships.services.dyads import dyad_csv
    from partnerships.services.exports import csv_lines, csv_text

    a, b = pair["a"], pair["b"]
    comma = NationFactory(name="Korea, Republic of", iso3="QKR", cow_code=None)
    formula = NationFactory(name="=Formula Land", iso3=None, cow_code=2003)
    hidden = NationFactory(name="Hidden Land", visibility="restricted")
    bilateral_agreement(
        a, comma, in_force_from=D(1989, 3, 1), signed_on=D(1989, 3, 1), provisions=["training_exercises"]
    )
    bilateral_agreement(b, hidden, in_force_from=D(1989, 3, 1), signed_on=D(1989, 3, 1))
    bilateral_agreement(formula, comma, in_force_from=D(1990, 1, 1), signed_on=D(1990, 1, 1), visibility="restricted")
    ResourceSharingFactory(
        provider_nation=comma, recipient_nation=a, start_date=D(1990, 5, 1), value=Decimal("12.50"), tiv_total=3
    )
    ResourceSharingFactory(provider_nation=formula, recipient_nation=b, start_date=D(1991, 5, 1), currency="EUR")
    for user in (analyst, cleared_analyst):
        for directed in (False, True):
            rows = dyad_years(user=user, first_year=1988, last_year=1992, directed=directed)
            expected = "".join(csv_lines(next(rows), rows))
            lines = dyad_csv(user=user, first_year=1988, last_year=1992, directed=directed)
            streamed = "".join(csv_text(next(dyad_years(user=user, directed=directed)), lines))
            assert streamed == expected
            assert '"Korea, Republic of"' in streamed
            assert "'=Formula Land" in streamed
            assert ",12.50," in streamed
            assert ("Hidden Land" in streamed) == (user == cleared_analyst)
