"""Each analyst's list settings: the columns remembered per list, and named saved searches."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from partnerships.models import ListPreference, SavedSearch

# The query-string parameters a saved search leaves out: where the reader is, not what they asked.
NOT_SAVED = {"page", "export", "columns"}
# Saved searches a user keeps at most, so that the dashboard's card and the list pages stay short.
MAX_SAVED_SEARCHES = 100


def remembered_columns(*, user: Any, list_key: str) -> list[str] | None:
    """Return the columns ``user`` chose for the list ``list_key``, or None (anonymous, or never chosen)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return ListPreference.objects.filter(user=user, list_key=list_key).values_list("columns", flat=True).first()


@transaction.atomic
def remember_columns(*, user: Any, list_key: str, columns: list[str], default: list[str]) -> None:
    """Keep ``columns`` as ``user``'s choice for the list; choosing the default columns forgets the choice."""
    if columns == default:
        forget_columns(user=user, list_key=list_key)
        return
    ListPreference.objects.update_or_create(user=user, list_key=list_key, defaults={"columns": columns})


def forget_columns(*, user: Any, list_key: str) -> None:
    """Drop ``user``'s choice of columns for the list: the page shows its default columns again."""
    ListPreference.objects.filter(user=user, list_key=list_key).delete()


def saved_searches(*, user: Any, list_key: str | None = None) -> QuerySet[SavedSearch]:
    """Return ``user``'s saved searches (of one list, with ``list_key``), by name; none for anonymous visitors."""
    if not getattr(user, "is_authenticated", False):
        return SavedSearch.objects.none()
    searches = SavedSearch.objects.filter(user=user)
    return searches.filter(list_key=list_key) if list_key else searches


@transaction.atomic
def save_search(*, user: Any, name: str, list_key: str, params: Any) -> SavedSearch:
    """Save the list's query ``params`` (a QueryDict) under ``name`` for ``user``.

    A search of the same name on the same list is replaced. Raise ValueError
    when the user already keeps :data:`MAX_SAVED_SEARCHES`.
    """
    query = SavedSearch.clean_query(params, NOT_SAVED)
    existing = SavedSearch.objects.filter(user=user, list_key=list_key, name=name).first()
    if existing is not None:
        existing.query = query
        existing.save(update_fields=["query"])
        return existing
    if SavedSearch.objects.filter(user=user).count() >= MAX_SAVED_SEARCHES:
        raise ValueError(f"You keep {MAX_SAVED_SEARCHES} saved searches already: delete one first.")
    return SavedSearch.objects.create(user=user, name=name, list_key=list_key, query=query)


def delete_search(*, user: Any, pk: int) -> SavedSearch:
    """Delete ``user``'s saved search ``pk`` and return it; raise SavedSearch.DoesNotExist for another's."""
    search = SavedSearch.objects.get(user=user, pk=pk)
    search.delete()
    return search
