"""Dates at their precision: one way to show them on pages, in list columns and in CSV."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template

from partnerships.dates import PartialDate, at_precision, partial_date
from partnerships.models import Agreement, AgreementParty, Exercise

D = datetime.date


@pytest.mark.parametrize(
    ("precision", "shown", "iso"),
    [("day", "14 Jan 1980", "1980-01-14"), ("month", "Jan 1980", "1980-01"), ("year", "1980", "1980")],
)
def test_a_date_is_shown_as_far_as_it_is_known(precision: str, shown: str, iso: str) -> None:
    value = PartialDate(D(1980, 1, 14), precision)
    assert (str(value), value.isoformat()) == (shown, iso)


def test_an_imprecise_first_day_no_longer_in_force_shows_the_last_day_in_force() -> None:
    # An alliance that ended at some point of 1950 is stored as ended on 1951-01-01 (the first day after it).
    assert str(partial_date(D(1951, 1, 1), "year", exclusive_end=True)) == "1950"
    assert partial_date(D(1950, 6, 1), "month", exclusive_end=True).isoformat() == "1950-05"
    # A day is the day stored, as everywhere else.
    assert str(partial_date(D(1950, 6, 1), "day", exclusive_end=True)) == "1 Jun 1950"
    assert partial_date(None, "year") is None


def test_records_give_each_date_its_own_precision() -> None:
    agreement = Agreement(
        signed_on=D(1950, 1, 1),
        signed_on_precision="year",
        in_force_from=D(1950, 3, 1),
        in_force_from_precision="month",
        ended_on=D(1960, 1, 1),
        ended_on_precision="year",
        expires_on=D(1970, 1, 1),
    )
    shown = [str(at_precision(agreement, name)) for name in ("signed_on", "in_force_from", "ended_on", "expires_on")]
    assert shown == ["1950", "Mar 1950", "1959", "1 Jan 1970"]
    party = AgreementParty(joined_on=D(1952, 2, 1), joined_on_precision="month", withdrew_on=D(1955, 1, 1))
    assert (str(at_precision(party, "joined_on")), str(at_precision(party, "withdrew_on"))) == (
        "Feb 1952",
        "1 Jan 1955",
    )


def test_the_template_filter_shows_a_record_date_at_its_precision() -> None:
    exercise = Exercise(start_date=D(1985, 3, 1), start_date_precision="month", end_date=None)
    template = Template(
        '{% load registry %}{{ e|at_precision:"start_date" }} to {{ e|at_precision:"end_date"|default:"?" }}'
    )
    assert template.render(Context({"e": exercise})) == "Mar 1985 to ?"
