"""The registry's list of nations, from the ``countrycode`` package's code list.

``countrycode`` (a port of the R package political scientists use) carries
ISO 3166-1 codes, Correlates of War numbers and abbreviations, and World Bank
regions for current and historical states, so the registry never keeps a
hand-typed table of codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from partnerships.audit import channel_of
from partnerships.choices import Region
from partnerships.models import Nation

_REGIONS = {label: value for value, label in Region.choices}


@dataclass(frozen=True)
class SeedResult:
    created: int
    updated: int
    unchanged: int


def reference_nations() -> list[dict[str, object]]:
    """Return one dict of Nation field values per state or territory in the code list.

    Entries with neither an ISO alpha-3 code nor a COW number (e.g. "Unknown")
    are not nations and are left out.
    """
    from countrycode import codelist

    rows = []
    for index, name in enumerate(codelist["country.name.en"]):
        iso3 = codelist["iso3c"][index]
        cow_code = codelist["cown"][index]
        if not iso3 and cow_code is None:
            continue
        numeric = codelist["iso3n"][index]
        rows.append(
            {
                "name": name,
                "iso2": codelist["iso2c"][index] or None,
                "iso3": iso3 or None,
                "iso_numeric": f"{int(numeric):03d}" if numeric is not None and iso3 else None,
                "cow_code": int(cow_code) if cow_code is not None else None,
                "cow_abbr": codelist["cowc"][index] or None,
                "region": _REGIONS.get(codelist["region"][index] or "", ""),
            }
        )
    return rows


@transaction.atomic
def seed_nations() -> SeedResult:
    """Create or update a Nation for every entry of the code list; return the counts.

    Matching is by ISO alpha-3 code, else by COW number, so running it again
    changes nothing and edits to other fields (visibility, sources) survive.
    """
    existing_by_iso3 = {n.iso3: n for n in Nation.objects.exclude(iso3=None)}
    existing_by_cow = {n.cow_code: n for n in Nation.objects.exclude(cow_code=None)}
    new: list[Nation] = []
    updated = unchanged = 0
    source_text = "ISO 3166-1 and Correlates of War codes from the countrycode package's code list."
    for values in reference_nations():
        nation = existing_by_iso3.get(values["iso3"]) or existing_by_cow.get(values["cow_code"])
        if nation is None:
            new.append(Nation(**values, source_text=source_text))
            continue
        changed = [field for field, value in values.items() if value and getattr(nation, field) != value]
        if changed:
            for field in changed:
                setattr(nation, field, values[field])
            nation.save()
            updated += 1
        else:
            unchanged += 1
    # One INSERT for the whole list (and one for its history) instead of 270 round trips.
    bulk_create_with_history(new, Nation, batch_size=500, custom_historical_attrs={"history_channel": channel_of(None)})
    return SeedResult(created=len(new), updated=updated, unchanged=unchanged)


def reference_region(*, iso3: str | None = None, cow_code: int | None = None) -> str:
    """Return the World Bank region the code list gives a state, or "" if it has none."""
    for values in reference_nations():
        if (iso3 and values["iso3"] == iso3) or (cow_code is not None and values["cow_code"] == cow_code):
            return str(values["region"])
    return ""
