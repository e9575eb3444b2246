"""The nation list comes from the countrycode package: ISO and COW codes, historical states included."""

from __future__ import annotations

import pytest

from partnerships.models import Nation
from partnerships.services.nations import seed_nations

pytestmark = pytest.mark.django_db


def test_seed_nations_creates_current_and_historical_states() -> None:
    result = seed_nations()
    assert result.created == Nation.objects.count() > 250
    philippines = Nation.objects.get(iso3="PHL")
    assert (philippines.iso2, philippines.iso_numeric, philippines.cow_code, philippines.cow_abbr) == (
        "PH",
        "608",
        840,
        "PHI",
    )
    assert philippines.region == "east_asia_pacific"
    gdr = Nation.objects.get(cow_code=265)
    assert gdr.iso3 is None
    assert gdr.cow_abbr == "GDR"
    assert Nation.objects.get(cow_abbr="YUG").iso3 is None


def test_seed_nations_again_changes_nothing() -> None:
    seed_nations()
    history_rows = Nation.history.count()
    result = seed_nations()
    assert result.created == result.updated == 0
    assert Nation.history.count() == history_rows


def test_seed_nations_keeps_an_editors_visibility_and_source() -> None:
    seed_nations()
    Nation.objects.filter(iso3="PHL").update(visibility="restricted", source_text="checked by hand")
    seed_nations()
    philippines = Nation.objects.get(iso3="PHL")
    assert (philippines.visibility, philippines.source_text) == ("restricted", "checked by hand")
