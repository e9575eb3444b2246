"""Each analyst's own settings of the list pages: the columns chosen, and named saved searches."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.http import QueryDict
from django.urls import reverse

# The list pages (``partnerships.web.lists.LIST_PAGES``) a preference or a search belongs to.
LIST_KEYS = [
    ("agreement", "Agreements"),
    ("exercise", "Exercises"),
    ("resource", "Resource-sharing records"),
    ("program", "Programs"),
    ("organization", "Organizations"),
    ("nation", "Nations"),
    ("assessment", "Assessments"),
]
# The longest query string a saved search keeps (a list's filters, columns and ordering).
MAX_QUERY = 2000


class ListPreference(models.Model):
    """The columns a user chose for one list page, shown when the page's URL chooses none."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_preferences")
    list_key = models.CharField(max_length=32, choices=LIST_KEYS, help_text="The list page.")
    columns = ArrayField(models.CharField(max_length=40), help_text="Column names, as ?columns= takes them.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "list_key"], name="list_preference_one_per_list")]

    def __str__(self) -> str:
        return f"{self.user} · {self.list_key}: {', '.join(self.columns)}"


class SavedSearch(models.Model):
    """A list page's filters, named and kept by one user; shared as the list's URL with its query string.

    Opening the URL applies the same filters for whoever opens it: each sees
    the records they may see.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=100)
    list_key = models.CharField(max_length=32, choices=LIST_KEYS, help_text="The list page.")
    query = models.CharField(max_length=MAX_QUERY, blank=True, help_text="The list's query string, without '?'.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "saved searches"
        indexes = [models.Index(fields=["user", "list_key"], name="saved_search_user_list_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        """Return the list page's URL with the search's query string: what "open" and "share" give."""
        url = reverse(f"partnerships:{self.list_key}-list")
        return f"{url}?{self.query}" if self.query else url

    @staticmethod
    def clean_query(params: QueryDict, drop: set[str]) -> str:
        """Return ``params`` as a saved search keeps them: without ``drop`` (page, export…) or empty values."""
        pairs = [(name, value) for name, values in params.lists() if name not in drop for value in values if value]
        return urlencode(pairs)
