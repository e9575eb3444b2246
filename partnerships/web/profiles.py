"""A nation's profile page: sections with counts, each paginated on its own, and a partners chart that names them.

Each section reads one page of its rows (``?exercises_joined_page=2``, the
other sections' pages kept), newest first, so the page's height and its
number of queries stay the same whatever the nation's record: the United
States' 1,883 exercises are 95 pages of one section, not one list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from partnerships.choices import Provision
from partnerships.models import (
    Agreement,
    AgreementParty,
    Exercise,
    Membership,
    Nation,
    Organization,
    ResourceSharing,
)
from partnerships.models.agreements import involving_q
from partnerships.services import coverage, profiles
from partnerships.web import charts

PER_SECTION = 15
# Obligations the partners chart filters by: the alliance-data categories first, as in the dyad table.
OBLIGATIONS = [(value, label) for value, label in Provision.choices]
# Partners named in a bar's tooltip before "and N more".
TOOLTIP_NAMES = 12


@dataclass
class Section:
    key: str  # also the anchor and, with "_page", the page parameter
    title: str
    page: Page
    links: dict[str, str]  # previous/next: the page's query with this section's page changed

    @property
    def count(self) -> int:
        return self.page.paginator.count


def _section(request: HttpRequest, key: str, title: str, queryset: models.QuerySet) -> Section:
    parameter = f"{key}_page"
    page = Paginator(queryset, PER_SECTION).get_page(request.GET.get(parameter))
    links = {}
    for name, number in (
        ("previous", page.previous_page_number() if page.has_previous() else None),
        ("next", page.next_page_number() if page.has_next() else None),
    ):
        if number is not None:
            params = request.GET.copy()
            params[parameter] = str(number)
            links[name] = f"?{params.urlencode()}#{key}"
    return Section(key, title, page, links)


def _newest(field: str) -> list[Any]:
    return [models.F(field).desc(nulls_last=True), "-id"]


def nation_context(nation: Nation, request: HttpRequest) -> tuple[dict[str, Any], list[str]]:
    """Return the profile's context and the errors of its parameters (an unknown obligation, a bad year)."""
    user = request.user
    today = timezone.localdate()
    errors: list[str] = []
    agreements = Agreement.objects.visible_to(user).involving(nation).select_related("program")
    # In force today with this nation a party today: not an alliance it has since left. Those known only
    # from a dataset that ended before today were in force when it ended: last known, not confirmed.
    in_force = Agreement.objects.visible_to(user).involving(nation, on=today).in_force(on=today)
    unknown_today = coverage.open_beyond_coverage_q(on=today)
    exercises = Exercise.objects.visible_to(user).involving(nation)
    hosted = Exercise.objects.visible_to(user).hosted_by(nation).values("pk")
    resources = ResourceSharing.objects.visible_to(user)
    sections = {
        "in_force": _section(
            request,
            "in_force",
            "Agreements in force now",
            in_force.exclude(unknown_today).select_related("program").order_by(*_newest("in_force_from")),
        ),
        "last_known": _section(
            request,
            "last_known",
            "Last known in force",
            in_force.filter(unknown_today).select_related("program").order_by(*_newest("in_force_from")),
        ),
        # Not in force today, or no longer with this nation: when it left says which.
        "past": _section(
            request,
            "past",
            "Other agreements (signed, ended, left or not yet in force)",
            agreements.exclude(pk__in=in_force.values("pk"))
            .annotate(
                left_on=models.Subquery(
                    AgreementParty.objects.visible_to(user)
                    .filter(involving_q(nation), agreement=models.OuterRef("pk"))
                    .order_by(models.F("withdrew_on").desc(nulls_first=True))
                    .values("withdrew_on")[:1]
                )
            )
            .order_by(*_newest("signed_on")),
        ),
        "hosted": _section(
            request,
            "hosted",
            "Exercises hosted",
            exercises.filter(pk__in=hosted).order_by(*_newest("start_date")),
        ),
        "joined": _section(
            request,
            "joined",
            "Exercises joined",
            exercises.exclude(pk__in=hosted).order_by(*_newest("start_date")),
        ),
        "given": _section(
            request,
            "given",
            "Transfers and support given",
            resources.involving(nation, direction="provided")
            .select_related("recipient_nation", "recipient_organization")
            .order_by(*_newest("start_date")),
        ),
        "received": _section(
            request,
            "received",
            "Transfers and support received",
            resources.involving(nation, direction="received")
            .select_related("provider_nation", "provider_organization")
            .order_by(*_newest("start_date")),
        ),
    }
    obligation = request.GET.get("obligation") or None
    if obligation is not None and obligation not in dict(OBLIGATIONS):
        errors.append(f"obligation: “{obligation}” is not an obligation; choose one of {', '.join(dict(OBLIGATIONS))}.")
        obligation = None
    history = profiles.partner_history(nation=nation, user=user, obligation=obligation)
    chosen_year, partners_table = _partners_year(request, history, errors)
    label = "Partners with an agreement in force"
    if obligation:
        label += f" that includes {dict(OBLIGATIONS)[obligation].lower()}"
    context = {
        "sections": sections,
        # The names earlier versions of the page used, for the sections themselves.
        "agreements_in_force": sections["in_force"].page,
        "agreements_last_known": sections["last_known"].page,
        "agreements_past": sections["past"].page,
        "memberships": list(Membership.objects.visible_to(user).filter(nation=nation).select_related("organization")),
        "organizations": list(Organization.objects.visible_to(user).filter(nation=nation).order_by("name")),
        "non_state_actors": list(Organization.objects.visible_to(user).filter(operates_in=nation).order_by("name")),
        "partners_chart": charts.bar_chart(
            history.series(),
            label=label,
            name="partners",
            titles=_tooltips(history),
            level=True,
            value_label="Partners",
        ),
        "partners_now": history.years[-1].count if history.years else 0,
        "partners_last_known": next((row for row in reversed(history.years) if row.count), None),
        "coverage_note": "; ".join(
            f"{item.name} in {item.covers_until.year}" for item in coverage.coverages().values()
        ),
        "partners_year": chosen_year,
        "partners_table": partners_table,
        "obligation": obligation,
        "obligations": OBLIGATIONS,
        "partner_years": [row.year for row in reversed(history.years)],
        "download_title": nation.iso3 or nation.name,
        "profile_errors": errors,
    }
    return context, errors


def _tooltips(history: profiles.PartnerHistory) -> dict[int, str]:
    titles = {}
    for row in history.years:
        names = [partner.name for partner, _ in history.named(row)]
        shown = ", ".join(names[:TOOLTIP_NAMES])
        more = f" and {len(names) - TOOLTIP_NAMES} more" if len(names) > TOOLTIP_NAMES else ""
        titles[row.year] = f"{row.year}: {row.count} partner{'s' if row.count != 1 else ''}" + (
            f": {shown}{more}" if names else ""
        )
    return titles


def _partners_year(
    request: HttpRequest, history: profiles.PartnerHistory, errors: list[str]
) -> tuple[int | None, list[tuple[profiles.Partner, list[str]]]]:
    """The year the partner table names (``?partners_year=``, else the latest) and its partners."""
    if not history.years:
        return None, []
    text = request.GET.get("partners_year", "")
    # The latest year with partners: after a dataset ends, the last years may have none the registry knows of.
    year = next((row.year for row in reversed(history.years) if row.count), history.years[-1].year)
    if text:
        first, last = history.years[0].year, history.years[-1].year
        if not (text.isascii() and text.isdigit()) or not first <= int(text) <= last:
            errors.append(f"partners_year: “{text}” is not a year between {first} and {last}.")
        else:
            year = int(text)
    row = history.year(year)
    return year, history.named(row) if row else []
