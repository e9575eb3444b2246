"""The query forms of the partners, comparison and dyad-year views, shared by the pages and the API.

Nations are read as the list filters read them (``NationCodeField``: ISO
codes, ``cow:`` codes or ids, resolved among the nations the user may see),
so whatever those filters learn to accept, these accept too.
"""

from __future__ import annotations

from typing import Any

from django import forms

from partnerships.choices import Provision, Region
from partnerships.filters.base import NO_NATION, BoundedIntegerField, IsoDateField, NationCodeField, StrictBooleanField
from partnerships.models import Nation
from partnerships.services.dyads import DATASETS
from partnerships.services.links_between import LINK_KINDS
from partnerships.services.partners import DEFAULT_EXERCISE_YEARS, ORDERINGS, Window, parse_when

ORDERING_CHOICES = [(key, key) for key in ORDERINGS] + [(f"-{key}", f"-{key}") for key in ORDERINGS]
# How many nations one comparison takes: a, b, c, d, e (or nation= repeated).
COMPARE_LETTERS = ("a", "b", "c", "d", "e")


class NationField(NationCodeField):
    """One nation by code, among those the user may see; one that names none is an error, not an empty result."""

    def clean(self, value: Any) -> int:
        if value in self.empty_values:
            if not self.required:
                return None  # type: ignore[return-value]
            return super().clean(value)  # "This field is required."
        pk = super().clean(value)
        if pk == NO_NATION:
            raise forms.ValidationError(
                "“%(value)s” names no nation you may see.", code="unknown_nation", params={"value": value}
            )
        return pk


def _with_nations(form: forms.Form, user: Any, names: tuple[str, ...]) -> None:
    visible = Nation.objects.visible_to(user)
    for name in names:
        form.fields[name].nations = visible


class PartnersQuery(forms.Form):
    nation = NationField(help_text="The nation: ISO alpha-2/alpha-3 (USA), cow:NUMBER, cow:ABBR or id.")
    on = IsoDateField(required=False, help_text="A day (YYYY-MM-DD); default today unless year is given.")
    year = BoundedIntegerField(
        required=False, min_value=1, max_value=9998, help_text="A year instead of a day: any time in it."
    )
    since = forms.CharField(
        required=False,
        strip=False,
        help_text="Also list the partners gained and lost since this day (YYYY-MM-DD) or year (YYYY).",
    )
    kind = forms.MultipleChoiceField(
        choices=[(k, k) for k in LINK_KINDS], required=False, help_text="Link kinds (repeat); all by default."
    )
    provision = forms.MultipleChoiceField(
        choices=Provision.choices,
        required=False,
        help_text="Only agreements giving one of these obligations or provisions, and the partners they link.",
    )
    region = forms.ChoiceField(choices=Region.choices, required=False, help_text="The partners' region.")
    exercise_years = BoundedIntegerField(
        required=False,
        min_value=1,
        max_value=100,
        help_text=f"With on: exercises started in this many years up to the day (default {DEFAULT_EXERCISE_YEARS}).",
    )
    extend_open = StrictBooleanField(
        required=False,
        help_text="Count agreements known only from a dataset that has ended, and open then, as still in force.",
    )
    ordering = forms.ChoiceField(
        choices=ORDERING_CHOICES,
        required=False,
        help_text="name, agreements, exercises, transfers or depth; - first reverses.",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _with_nations(self, user, ("nation",))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("on") and data.get("year"):
            self.add_error("year", "Give a day (on) or a year, not both.")
        if data.get("on") and data["on"].year > 9998:
            self.add_error("on", "Choose a day before the year 9999.")
        since = data.get("since")
        if since:
            try:
                data["since_window"] = parse_when(since)
            except ValueError as exc:
                self.add_error("since", str(exc))
        return data

    def window(self, today: Any) -> Window:
        data = self.cleaned_data
        if data.get("year"):
            return Window.of_year(data["year"])
        return Window.day(data.get("on") or today)

    def options(self) -> dict[str, Any]:
        """The keyword arguments of ``services.partners.partners`` besides user, nation and window."""
        data = self.cleaned_data
        return {
            "kinds": tuple(k for k in LINK_KINDS if k in (data.get("kind") or LINK_KINDS)),
            "provisions": tuple(data.get("provision") or ()),
            "region": data.get("region") or None,
            "exercise_years": data.get("exercise_years") or DEFAULT_EXERCISE_YEARS,
            "extend_open": bool(data.get("extend_open")),
            "ordering": data.get("ordering") or "name",
        }


class CompareQuery(forms.Form):
    """Two to five nations: ``a=``, ``b=`` (… ``e=``) and/or ``nation=`` repeated, in that order."""

    kind = forms.MultipleChoiceField(
        choices=[(k, k) for k in LINK_KINDS], required=False, help_text="Link kinds of partner overlap; all by default."
    )
    year = forms.IntegerField(
        required=False, min_value=1, max_value=9999, help_text="The year whose partners are named."
    )
    extend_open = StrictBooleanField(required=False)

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        self.codes = [(letter, data.get(letter)) for letter in COMPARE_LETTERS if data.get(letter)]
        self.codes += [("nation", code) for code in data.getlist("nation") if code]
        self.visible = Nation.objects.visible_to(user)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        ids: list[int] = []
        for name, code in self.codes:
            field = NationField()
            field.nations = self.visible
            try:
                pk = field.clean(code)
            except forms.ValidationError as exc:
                self.add_error(None, f"{name}: {' '.join(exc.messages)}")
                continue
            if pk in ids:
                self.add_error(None, f"{name}: “{code}” is already compared.")
            else:
                ids.append(pk)
        if len(self.codes) < 2:
            self.add_error(None, "Name two nations to compare (a= and b=), or more with c=… or repeated nation=.")
        if len(self.codes) > len(COMPARE_LETTERS):
            self.add_error(None, f"Compare at most {len(COMPARE_LETTERS)} nations at once.")
        data["nations"] = ids
        return data


class DyadQuery(forms.Form):
    year_from = BoundedIntegerField(required=False, min_value=1, max_value=9999)
    year_to = BoundedIntegerField(required=False, min_value=1, max_value=9999)
    nation = NationField(required=False)
    partner = NationField(required=False)
    region = forms.ChoiceField(choices=Region.choices, required=False)
    provision = forms.ChoiceField(choices=Provision.choices, required=False)
    dataset = forms.ChoiceField(choices=[(d, d) for d in DATASETS], required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _with_nations(self, user, ("nation", "partner"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, last = data.get("year_from"), data.get("year_to")
        if first and last and last < first:
            self.add_error("year_to", "Must not be before year_from.")
        if data.get("partner") and not data.get("nation"):
            self.add_error("partner", "Choose the nation too: partner narrows a nation's rows.")
        return data
