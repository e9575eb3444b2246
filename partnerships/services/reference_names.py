"""The curated list of well-known alliances and treaties applied to the records the datasets import.

``partnerships/reference/treaties.csv`` names each treaty as people know it
and lists the dataset ids that code it. Applying it gives every agreement
carrying one of those ids the common title (unless staff typed its title)
and the list's aliases, each change with its history row. Applying it again
changes nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import models, transaction

from partnerships.choices import AliasKind, TitleOrigin
from partnerships.models import Agreement, AgreementAlias
from partnerships.services.titles import distinct_title

TREATIES = Path(__file__).resolve().parents[1] / "reference" / "treaties.csv"
# The list's columns of dataset ids, by the dataset each names.
ID_COLUMNS = {"cow-alliances": "cow_alliance_ids", "atop": "atop_ids"}


@dataclass(frozen=True)
class Treaty:
    key: str
    title: str
    aliases: tuple[tuple[str, str, str], ...]  # (name, kind, language)
    dataset_ids: dict[str, tuple[str, ...]]
    signed_on: date
    members: tuple[str, ...]
    citation: str
    citation_url: str


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split("|") if part.strip()]


def load_treaties(path: Path = TREATIES) -> list[Treaty]:
    """Return the curated treaties, in the file's order."""
    treaties = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            aliases = [(name, AliasKind.ACRONYM, "") for name in _split(row["acronyms"])]
            aliases += [(name, AliasKind.COMMON_NAME, "") for name in _split(row["other_names"])]
            for entry in _split(row["other_languages"]):
                language, name = entry.split(":", 1)
                aliases.append((name.strip(), AliasKind.OTHER_LANGUAGE, language.strip()))
            treaties.append(
                Treaty(
                    key=row["key"],
                    title=row["title"],
                    aliases=tuple(aliases),
                    dataset_ids={dataset: tuple(row[column].split()) for dataset, column in ID_COLUMNS.items()},
                    signed_on=date.fromisoformat(row["signed_on"]),
                    members=tuple(row["members"].split()),
                    citation=row["citation"],
                    citation_url=row["citation_url"],
                )
            )
    return treaties


def agreements_with_dataset_id(dataset: str, dataset_id: str) -> models.QuerySet:
    """Return the agreements that carry ``dataset_id`` of ``dataset`` (COW ``version4id``, ATOP ``atopid``).

    The one place that knows where a record keeps its dataset ids: everything
    here asks through it.
    """
    return Agreement.objects.filter(sources__dataset=dataset, sources__dataset_id=dataset_id)


@dataclass
class Applied:
    """What applying the list wrote: agreements retitled, aliases added."""

    retitled: list[Agreement] = field(default_factory=list)
    aliases: list[AgreementAlias] = field(default_factory=list)


@transaction.atomic
def apply_reference_names(*, datasets: Iterable[str] | None = None, path: Path = TREATIES) -> Applied:
    """Give the agreements of every curated treaty its common title and aliases; return what was written.

    ``datasets``: only records of these datasets (an import applies the list
    to what it imported). A title staff typed is never replaced; aliases are
    only added (staff may have added or corrected others). A record that
    cannot take the title as it is (another record holds it that day: the same
    treaty coded by another dataset) gets it with its dataset and id after it,
    and the plain title as an alias.
    """
    wanted = set(datasets) if datasets is not None else set(ID_COLUMNS)
    applied = Applied()
    for treaty in load_treaties(path):
        for dataset, ids in treaty.dataset_ids.items():
            if dataset not in wanted:
                continue
            for dataset_id in ids:
                for agreement in agreements_with_dataset_id(dataset, dataset_id):
                    _apply(treaty, agreement, applied)
    return applied


def _apply(treaty: Treaty, agreement: Agreement, applied: Applied) -> None:
    if agreement.title_origin != TitleOrigin.STAFF:
        title = distinct_title(agreement, treaty.title)
        if (agreement.title, agreement.title_origin) != (title, TitleOrigin.REFERENCE):
            agreement.title, agreement.title_origin = title, TitleOrigin.REFERENCE
            agreement.save(update_fields=["title", "title_origin", "updated_at"])
            applied.retitled.append(agreement)
    aliases = list(treaty.aliases)
    if agreement.title.lower() != treaty.title.lower():
        aliases.insert(0, (treaty.title, AliasKind.COMMON_NAME, ""))
    held = {name.lower() for name in agreement.aliases.values_list("name", flat=True)} | {agreement.title.lower()}
    for name, kind, language in aliases:
        if name.lower() in held:
            continue
        alias = AgreementAlias(agreement=agreement, name=name, kind=kind, language=language)
        alias.full_clean()
        alias.save()
        held.add(name.lower())
        applied.aliases.append(alias)
