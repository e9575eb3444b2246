"""The admin's answer to malformed list parameters and record ids: its own refusals, never a 500.

Django's changelist turns a bad filter value into its "invalid lookup"
redirect (``?e=1``), except in the date hierarchy: a year too large for C
(OverflowError), or the last day or year of 9999 (the day after it does not
exist), escaped its guard. simple-history's history pages look a record up
by an id they never checked (``²`` passes ``str.isdigit`` but not ``int``).
Every admin of the site gets these guards: the registry's through
``GuardedAdminMixin``, other apps' (auth, django-axes) through
``guard_registered_admins``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse


class GuardedChangeList(ChangeList):
    """A changelist whose date-hierarchy values out of the calendar are invalid lookups, like any other."""

    def get_filters(self, request: HttpRequest) -> Any:
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as exc:
            raise IncorrectLookupParameters(exc) from exc


def _check_id(model: type[models.Model], value: str) -> None:
    """Raise Http404 unless ``value`` (as quoted in admin URLs) can be a primary key of ``model``."""
    try:
        model._meta.pk.to_python(unquote(value))
    except ValidationError:
        raise Http404("No such record.") from None


class GuardedAdminMixin:
    """Malformed list parameters redirect as invalid lookups; malformed ids in history pages are a 404."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        # Keep a changelist of the admin's own that already has the guard (the registry's visibility rule).
        changelist = super().get_changelist(request, **kwargs)  # type: ignore[misc]
        return changelist if issubclass(changelist, GuardedChangeList) else GuardedChangeList

    def history_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        _check_id(self.model, object_id)  # type: ignore[attr-defined]
        return super().history_view(request, object_id, extra_context)  # type: ignore[misc]

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        _check_id(self.model, object_id)  # type: ignore[attr-defined]
        _check_id(self.model.history.model, version_id)  # type: ignore[attr-defined]
        return super().history_form_view(request, object_id, version_id, extra_context)  # type: ignore[misc]


def guard_registered_admins(site: admin.AdminSite) -> None:
    """Give every admin registered on ``site`` without ``GuardedAdminMixin`` (other apps') the same guards."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, GuardedAdminMixin):
            continue
        cls = type(model_admin)
        guarded = type(cls.__name__, (GuardedAdminMixin, cls), {"__module__": cls.__module__})
        site.unregister(model)
        site.register(model, guarded)
