"""One resolver from every dataset's country names and codes to the registry's nations.

Codes are looked up directly (ISO alpha-2/alpha-3, COW number and
abbreviation). Names are matched exactly (case and accents ignored), then
through the ``countrycode`` package's regular expressions, the crosswalk
political scientists maintain for exactly this. A name that matches nothing
is reported by the importer with its row: it is never dropped, never guessed.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from partnerships.models import Nation


def normalise(name: str) -> str:
    """Return a name folded for comparison: no accents, lower case, single spaces."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(folded.lower().replace("&", "and").split())


# Spellings seen in the datasets that the countrycode crosswalk does not know, by ISO alpha-3 code.
ALIASES = {"st. christopher": "KNA", "st christopher": "KNA", "saint christopher": "KNA"}


@lru_cache(maxsize=4096)
def _countrycode(name: str, destination: str) -> str | int | None:
    from countrycode import countrycode

    result = countrycode(name, origin="country.name", destination=destination)
    return result if result not in ("", None) else None


class NationResolver:
    """Resolves codes and names to nations; load once per import (it reads the nation table)."""

    def __init__(self) -> None:
        self.reload()

    def reload(self) -> None:
        nations = list(Nation.objects.all())
        self.by_iso2 = {n.iso2: n for n in nations if n.iso2}
        self.by_iso3 = {n.iso3: n for n in nations if n.iso3}
        self.by_cow_code = {n.cow_code: n for n in nations if n.cow_code is not None}
        self.by_cow_abbr = {n.cow_abbr: n for n in nations if n.cow_abbr}
        self.by_name = {normalise(n.name): n for n in nations}

    def remember(self, nation: Nation) -> None:
        """Index a nation created or changed during the import."""
        if nation.iso2:
            self.by_iso2[nation.iso2] = nation
        if nation.iso3:
            self.by_iso3[nation.iso3] = nation
        if nation.cow_code is not None:
            self.by_cow_code[nation.cow_code] = nation
        if nation.cow_abbr:
            self.by_cow_abbr[nation.cow_abbr] = nation
        self.by_name[normalise(nation.name)] = nation

    def cow(self, code: int | None) -> Nation | None:
        return self.by_cow_code.get(code) if code is not None else None

    def name(self, name: str) -> Nation | None:
        """Return the nation a country name means, or None when no crosswalk knows it."""
        text = name.strip()
        if not text:
            return None
        exact = self.by_name.get(normalise(text))
        if exact is not None:
            return exact
        alias = ALIASES.get(normalise(text))
        if alias is not None and alias in self.by_iso3:
            return self.by_iso3[alias]
        cown = _countrycode(text, "cown")
        if cown is not None and int(cown) in self.by_cow_code:
            return self.by_cow_code[int(cown)]
        iso3 = _countrycode(text, "iso3c")
        if iso3 is not None and iso3 in self.by_iso3:
            return self.by_iso3[iso3]
        return None
