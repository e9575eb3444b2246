"""The one way of naming a related record: its name and link, or a neutral "restricted record".

A public record may link a restricted one (an agreement under a restricted
program, an organization whose parent is restricted). Wherever such a link is
shown — list and CSV columns, filter chips, detail pages, history, charts,
exports, the admin, the API — it goes through a :class:`Namer` for the user
looking: to a user who may not see the linked record it is
:data:`RESTRICTED`, with no name, no id and no link, everywhere alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from partnerships.choices import Visibility
from partnerships.models import (
    Agreement,
    Assessment,
    Exercise,
    Nation,
    Organization,
    Program,
    ResourceSharing,
    can_view_restricted,
)
from partnerships.services.links import url_maker

RESTRICTED_LABEL = "restricted record"

# The analyst page of each record type that has one.
DETAIL_PAGES: dict[type[models.Model], str] = {
    Nation: "partnerships:nation-detail",
    Organization: "partnerships:organization-detail",
    Program: "partnerships:program-detail",
    Agreement: "partnerships:agreement-detail",
    Exercise: "partnerships:exercise-detail",
    ResourceSharing: "partnerships:resource-detail",
    Assessment: "partnerships:assessment-detail",
}


class RestrictedName(str):
    """The text shown for a related record the user may not see.

    A plain string in CSV files and JSON; in HTML (templates call
    ``__html__``) a muted span, so readers tell it from a record named so.
    """

    __slots__ = ()

    def __html__(self) -> str:
        return format_html('<span class="restricted-link">{}</span>', str(self))


RESTRICTED = RestrictedName(RESTRICTED_LABEL)


def hidden_from(record: models.Model | None, *, cleared: bool) -> bool:
    """Return whether ``record`` is a restricted record a user (``cleared`` or not) may not see."""
    if record is None or cleared:
        return False
    return getattr(record, "visibility", Visibility.PUBLIC) != Visibility.PUBLIC


class Namer:
    """Names related records for one user; build one per request (or export) and reuse it."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.cleared = can_view_restricted(user)
        self._urls: dict[str, Callable[[Any], str]] = {}

    def hides(self, record: models.Model | None) -> bool:
        """Return whether ``record`` is linked but may not be shown to this user."""
        return hidden_from(record, cleared=self.cleared)

    def name(self, record: models.Model | None, text: Callable[[Any], str] = str) -> str:
        """Return ``text(record)``; ``""`` when there is no record; :data:`RESTRICTED` when it is hidden."""
        if record is None:
            return ""
        if self.hides(record):
            return RESTRICTED
        return text(record)

    def actor(self, record: models.Model | None) -> str:
        """Return a nation or organization as a reader tells them apart: name, then code.

        "Philippines (PHL)"; "Indian Navy (IN, India)" (an acronym never
        stands alone, where it would read like a country code); "NATO"-like
        multinational bodies "North Atlantic Treaty Organization (NATO)". The
        organization's nation is named only when the user may see it.
        :data:`RESTRICTED` for an actor the user may not see; ``""`` for none.
        """
        return self.name(record, self._actor_text)

    def _actor_text(self, record: Any) -> str:
        if isinstance(record, Nation):
            return f"{record.name} ({record.code})"
        nation = getattr(record, "nation", None)
        details = [record.acronym] if getattr(record, "acronym", "") else []
        if nation is not None and not self.hides(nation):
            details.append(nation.name)
        return f"{record.name} ({', '.join(details)})" if details else record.name

    def url(self, record: models.Model | None) -> str | None:
        """Return the analyst page of ``record``, or None when it has none or is hidden."""
        if record is None or self.hides(record):
            return None
        page = DETAIL_PAGES.get(type(record))
        if page is None:
            return None
        maker = self._urls.get(page)
        if maker is None:
            maker = self._urls[page] = url_maker(page)
        return maker(record.pk)

    def link(self, record: models.Model | None, text: Callable[[Any], str] = str) -> str:
        """Return HTML: a link to ``record`` named by ``text``, :data:`RESTRICTED`, or a dash when there is none."""
        if record is None:
            return mark_safe('<span class="muted">—</span>')
        if self.hides(record):
            return RESTRICTED.__html__()
        url = self.url(record)
        if url is None:
            return format_html("{}", text(record))
        return format_html('<a href="{}">{}</a>', url, text(record))


def namer_for(request: Any) -> Namer:
    """Return the request's :class:`Namer`, made once per request."""
    namer = getattr(request, "_registry_namer", None)
    if namer is None or namer.user is not request.user:
        namer = Namer(request.user)
        request._registry_namer = namer
    return namer
