"""Analysts' saved searches and remembered list columns in the admin: superusers see everyone's, staff their own."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.html import format_html

from partnerships.admin_guards import GuardedAdminMixin
from partnerships.models import ListPreference, SavedSearch


class OwnRowsMixin:
    """Rows of other users are shown to superusers only: a search's filters say what its owner works on."""

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)


@admin.register(SavedSearch)
class SavedSearchAdmin(GuardedAdminMixin, OwnRowsMixin, admin.ModelAdmin):
    list_display = ("name", "user", "list_key", "link", "created_at")
    list_filter = ("list_key",)
    list_select_related = ("user",)
    search_fields = ("name", "query", "user__username")
    autocomplete_fields = ("user",)
    readonly_fields = ("created_at",)

    @admin.display(description="Open")
    def link(self, obj: SavedSearch) -> str:
        return format_html('<a href="{}">open the list</a>', obj.get_absolute_url())


@admin.register(ListPreference)
class ListPreferenceAdmin(GuardedAdminMixin, OwnRowsMixin, admin.ModelAdmin):
    list_display = ("user", "list_key", "columns", "updated_at")
    list_filter = ("list_key",)
    list_select_related = ("user",)
    search_fields = ("user__username", "list_key")
    autocomplete_fields = ("user",)
    readonly_fields = ("updated_at",)
