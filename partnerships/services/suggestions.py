"""Suggestions for the nation (and organization) fields of the filter forms, as the user types.

Only what the user may see is suggested. Nations are matched by code, name
or the start of a word of the name, ignoring case and accents; organizations
by name, acronym or alias. Two queries whatever the answer.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from partnerships.filters.nations import NationIndex, folded
from partnerships.models import Nation, Organization, OrganizationAlias
from partnerships.models.aliases import alias_contains_q
from partnerships.services.naming import Namer

KINDS = ("nation", "organization")
DEFAULT_LIMIT = 10
MAX_LIMIT = 25
MAX_TEXT = 100


def _nation_rank(text: str, code_text: str, entry: Any) -> int | None:
    """How well ``entry`` fits what was typed (lower is better), or None when it does not."""
    codes = {code for code in (entry.iso3, entry.iso2, entry.cow_abbr) if code}
    if code_text in codes:
        return 0
    if text in entry.names:
        return 1
    if any(name.startswith(text) for name in entry.names):
        return 2
    if any(f" {text}" in f" {name}" for name in entry.names):
        return 3
    if len(text) >= 3 and any(text in name for name in entry.names):
        return 4
    return None


def suggest(*, user: Any, text: str, kinds: tuple[str, ...] = ("nation",), limit: int = DEFAULT_LIMIT) -> list[dict]:
    """Return up to ``limit`` suggestions for ``text``, best first: nations, then organizations.

    Each is ``{"kind", "value", "label", "name", "code"}``; ``value`` is what a
    filter takes (a nation's code, an organization's id).
    """
    wanted = folded(text)
    if not wanted:
        return []
    results: list[dict] = []
    if "nation" in kinds:
        index = NationIndex(Nation.objects.visible_to(user))
        ranked = []
        for entry in index.entries:
            rank = _nation_rank(wanted, text.strip().upper(), entry)
            if rank is not None:
                ranked.append((rank, entry.name, entry))
        for _, _, entry in sorted(ranked, key=lambda item: item[:2])[:limit]:
            results.append(
                {"kind": "nation", "value": entry.code, "code": entry.code, "name": entry.name, "label": entry.label}
            )
    room = limit - len(results)
    if "organization" in kinds and room > 0:
        namer = Namer(user)
        words = text.split()
        condition = Q(acronym__iexact=text.strip())
        named = Q()
        for word in words:
            named &= Q(name__icontains=word) | alias_contains_q(OrganizationAlias, word)
        organizations = (
            Organization.objects.visible_to(user)
            .filter(condition | named)
            .select_related("nation")
            .order_by("name", "id")[:room]
        )
        for organization in organizations:
            results.append(
                {
                    "kind": "organization",
                    "value": str(organization.pk),
                    "code": organization.acronym,
                    "name": organization.name,
                    "label": namer.actor(organization),
                }
            )
    return results
