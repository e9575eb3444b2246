"""Each analyst's own list settings — saved searches, remembered columns — and the nation fields' suggestions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from partnerships.models import SavedSearch
from partnerships.services import preferences, suggestions
from partnerships.web.lists import LIST_PAGES


class SavedSearchForm(forms.Form):
    name = forms.CharField(
        max_length=100, strip=True, help_text="E.g. “U.S.-Philippines agreements in force”.", label="Name"
    )


class LoginRequiredPost(View):
    """A change to the user's own settings: a login is needed, whatever anonymous public read allows."""

    http_method_names = ["post"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)


def _next(request: HttpRequest, default: str) -> str:
    """Where to go back to after a change: the ``next`` field when it is a URL of this site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


class SavedSearchDeleteView(LoginRequiredPost):
    """Delete one of the user's saved searches; another user's is a 404, as a missing one."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        search = get_object_or_404(preferences.saved_searches(user=request.user), pk=pk)
        preferences.delete_search(user=request.user, pk=search.pk)
        messages.success(request, f"Deleted the saved search “{search.name}”.")
        return HttpResponseRedirect(_next(request, reverse("partnerships:dashboard")))


class ColumnsResetView(LoginRequiredPost):
    """Forget the user's columns for a list: it shows its default columns again."""

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        if key not in LIST_PAGES:
            return HttpResponse("Unknown list.", status=404, content_type="text/plain")
        preferences.forget_columns(user=request.user, list_key=key)
        messages.success(request, "The list shows its default columns again.")
        return HttpResponseRedirect(_next(request, reverse(f"partnerships:{key}-list")))


def save_search_from_list(request: HttpRequest, key: str) -> tuple[SavedSearch | None, SavedSearchForm]:
    """Save the list's query (``request.GET``) under the posted name; return the search, or the form with errors."""
    form = SavedSearchForm(request.POST)
    if not form.is_valid():
        return None, form
    try:
        search = preferences.save_search(
            user=request.user, name=form.cleaned_data["name"], list_key=key, params=request.GET
        )
    except ValueError as exc:
        form.add_error(None, str(exc))
        return None, form
    return search, form


class ActorSuggestionsView(View):
    """``/suggest/actors/?q=Phil``: nations (and, with ``kinds=nation,organization``, organizations) for a field.

    JSON ``{"results": [{"kind", "value", "code", "name", "label"}]}``, only
    what the user may see. ``limit`` (1 to 25, default 10). Bad parameters are a
    400 naming them.
    """

    known = {"q", "kinds", "limit"}

    def get(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        if not request.user.is_authenticated and not settings.REGISTRY_PUBLIC_READ:
            return JsonResponse({"detail": "Log in to get suggestions."}, status=403)
        errors: dict[str, list[str]] = {name: ["Unknown query parameter."] for name in set(request.GET) - self.known}
        text = request.GET.get("q", "")
        if len(text) > suggestions.MAX_TEXT:
            errors["q"] = [f"At most {suggestions.MAX_TEXT} characters."]
        kinds = tuple(part.strip() for part in request.GET.get("kinds", "nation").split(",") if part.strip())
        if not kinds or set(kinds) - set(suggestions.KINDS):
            errors["kinds"] = [f"Comma-separated, among: {', '.join(suggestions.KINDS)}."]
        limit_text = request.GET.get("limit", str(suggestions.DEFAULT_LIMIT))
        if not (limit_text.isascii() and limit_text.isdigit() and 1 <= int(limit_text) <= suggestions.MAX_LIMIT):
            errors["limit"] = [f"A whole number from 1 to {suggestions.MAX_LIMIT}."]
        if errors:
            return JsonResponse(errors, status=400)
        results = suggestions.suggest(user=request.user, text=text, kinds=kinds, limit=int(limit_text))
        response = JsonResponse({"results": results})
        response["Cache-Control"] = "private, max-age=60"
        return response
