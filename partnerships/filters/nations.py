"""Nations named the way people name them: by code or by name, among the nations a user may see.

A nation filter's value is an ISO alpha-2 or alpha-3 code, a COW
abbreviation (bare, where no ISO alpha-3 code is spelled so, or ``cow:``
prefixed), a ``cow:`` number, an id, or a name: "Philippines",
"philippines", "Cote d'Ivoire" for "Côte d\u2019Ivoire", or the unambiguous start
of one ("Phil"). Only the nations given (the ones the user may see) are
looked at, so a restricted nation is as unknown as a missing one, by code
and by name alike.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from django import forms
from django.db import models

# How many candidates an "ambiguous name" message lists.
CANDIDATES_SHOWN = 8
# Letters a nation's name is written with (Latin, with accents), and what may stand between its words.
NAME_PATTERN = "[A-Za-zÀ-ɏ][A-Za-zÀ-ɏ\u2019'., ()&-]{1,119}"
CODE_PATTERN = r"[A-Za-z]{2,3}|[Cc][Oo][Ww]:(?:[A-Za-z]{1,8}|[0-9]{1,6})|[0-9]{1,18}"
# In a comma-separated list (party_all=USA,PHL) a name has no comma.
NAME_IN_LIST_PATTERN = "[A-Za-zÀ-ɏ][A-Za-zÀ-ɏ\u2019'. ()&-]{1,119}"
# What a nation filter reads: a code, a cow: code, an id, or a name.
NATION_VALUE_PATTERN = rf"^ *(?:{CODE_PATTERN}|{NAME_PATTERN}) *$"
NATION_VALUE = re.compile(NATION_VALUE_PATTERN)
MAX_INTEGER = 2**63 - 1


def folded(text: str) -> str:
    """Return ``text`` as names are compared: without accents, case-folded, one space between words.

    "Côte d\u2019Ivoire" and "cote d'ivoire" fold alike; "&" reads as "and".
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    plain = plain.replace("\u2019", "'").replace("\u2018", "'").replace("&", " and ")
    return " ".join(plain.casefold().split())


# The code list's English names besides the registry's own: "United States of America" for US, "United
# Kingdom" for UK, "Korea, Republic of"…
REFERENCE_NAME_COLUMNS = ("country.name.en", "cldr.name.en", "iso.name.en", "un.name.en", "cow.name", "p4.name")


@lru_cache(maxsize=1)
def reference_names() -> dict[str, frozenset[str]]:
    """Return other English names of each state, by ISO alpha-3 code and by ``cow:NUMBER``, folded.

    From the ``countrycode`` code list the registry's nations come from
    (``services/nations.py``), so that "United Kingdom" finds the nation the
    registry calls "UK".
    """
    from countrycode import codelist

    names: dict[str, set[str]] = {}
    for index, iso3 in enumerate(codelist["iso3c"]):
        cow_code = codelist["cown"][index]
        spelled = {
            folded(re.sub(r" \(the\)$", "", value))
            for column in REFERENCE_NAME_COLUMNS
            if isinstance(value := codelist[column][index], str) and value
        }
        for key in (iso3, f"cow:{int(cow_code)}" if cow_code is not None else None):
            if key:
                names.setdefault(key, set()).update(spelled)
    return {key: frozenset(value) for key, value in names.items()}


@dataclass(frozen=True)
class NationEntry:
    pk: int
    name: str
    iso2: str | None
    iso3: str | None
    cow_code: int | None
    cow_abbr: str | None
    # Its name and the code list's other names for it, folded.
    names: frozenset[str] = field(default=frozenset(), compare=False)

    @property
    def code(self) -> str:
        return self.iso3 or self.cow_abbr or str(self.cow_code)

    @property
    def label(self) -> str:
        """ "Philippines (PHL)": how a candidate is named in a message."""
        return f"{self.name} ({self.code})"


class NationIndex:
    """The nations of one queryset, loaded once (one query) on first use, resolvable by code or name."""

    def __init__(self, nations: models.QuerySet) -> None:
        self.nations = nations
        self._entries: list[NationEntry] | None = None

    @property
    def entries(self) -> list[NationEntry]:
        if self._entries is None:
            rows = self.nations.order_by("name", "pk").values_list("pk", "name", "iso2", "iso3", "cow_code", "cow_abbr")
            others = reference_names()
            self._entries = []
            for row in rows:
                entry = NationEntry(*row)
                # A historical state without ISO code takes the code list's names of its COW number only.
                key = entry.iso3 or (f"cow:{entry.cow_code}" if entry.cow_code is not None else "")
                names = frozenset({folded(entry.name), *others.get(key, ())})
                self._entries.append(NationEntry(*row, names=names))
        return self._entries

    def by_pk(self, pk: int) -> NationEntry | None:
        return next((entry for entry in self.entries if entry.pk == pk), None)

    def resolve(self, value: str) -> NationEntry | None:
        """Return the nation ``value`` names, or None when it names none of these nations.

        Raise ``forms.ValidationError`` (code ``ambiguous_nation``) listing the
        candidates when a name, or the start of one, fits several nations.
        """
        text = value.strip()
        found = self._by_code(text)
        if found is not None or _is_code_only(text):
            return found
        return self._by_name(text, value)

    def _by_code(self, text: str) -> NationEntry | None:
        lowered = text.lower()
        if lowered.startswith("cow:"):
            code = text[4:].strip()
            if _is_number(code):
                return next((e for e in self.entries if e.cow_code == int(code)), None)
            return next((e for e in self.entries if e.cow_abbr == code.upper()), None)
        if _is_number(text):
            return self.by_pk(int(text))
        upper = text.upper()
        if len(text) == 2 and text.isalpha():
            return next((e for e in self.entries if e.iso2 == upper), None)
        if len(text) == 3 and text.isalpha():
            # ISO first; a COW abbreviation (PHI, UKG, RVN) where no ISO alpha-3 code is spelled so.
            return next((e for e in self.entries if e.iso3 == upper), None) or next(
                (e for e in self.entries if e.cow_abbr == upper), None
            )
        return None

    def _by_name(self, text: str, value: str) -> NationEntry | None:
        wanted = folded(text)
        if not wanted:
            return None
        for matches in (
            [entry for entry in self.entries if wanted in entry.names],
            [entry for entry in self.entries if any(name.startswith(wanted) for name in entry.names)],
            # The start of a later word: "Korea" for North Korea and South Korea.
            [entry for entry in self.entries if any(f" {wanted}" in f" {name}" for name in entry.names)],
        ):
            if len(matches) == 1:
                return matches[0]
            if matches:
                raise ambiguous(value, matches)
        return None


def ambiguous(value: str, matches: list[NationEntry]) -> forms.ValidationError:
    shown = ", ".join(entry.label for entry in matches[:CANDIDATES_SHOWN])
    more = f" and {len(matches) - CANDIDATES_SHOWN} more" if len(matches) > CANDIDATES_SHOWN else ""
    return forms.ValidationError(
        "“%(value)s” fits several nations: %(candidates)s%(more)s. Give the full name or a code.",
        code="ambiguous_nation",
        params={"value": value, "candidates": shown, "more": more},
    )


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit() and int(text) <= MAX_INTEGER


def _is_code_only(text: str) -> bool:
    """Whether ``text`` can only be a code (``cow:…`` or an id), never the start of a name."""
    return text.lower().startswith("cow:") or _is_number(text)
