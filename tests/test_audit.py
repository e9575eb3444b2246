"""Audit integrity: every history row says who, when and through which channel; history cannot be edited."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse

from partnerships.audit import Channel, recorded_as
from partnerships.models import Agreement, Exercise, Nation, Program
from tests.factories import ExerciseFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def test_a_change_in_the_admin_is_recorded_as_admin(editor_client: Client, editor) -> None:
    program = ProgramFactory()
    url = reverse("admin:partnerships_program_change", args=[program.pk])
    data = {
        "name": "Renamed in the admin",
        "program_type": program.program_type,
        "objectives": program.objectives,
        "visibility": "public",
    }
    assert editor_client.post(url, data).status_code == 302
    latest = program.history.latest()
    assert (latest.history_channel, latest.history_user, latest.history_type) == ("admin", editor, "~")
    assert latest.history_date is not None
    page = editor_client.get(reverse("admin:partnerships_program_history", args=[program.pk])).content.decode()
    assert '<th scope="col">channel</th>' in page
    assert "<td>Admin</td>" in page


def test_outside_a_request_changes_are_system_unless_said_otherwise() -> None:
    assert ProgramFactory().history.latest().history_channel == Channel.SYSTEM
    with recorded_as(Channel.IMPORT):
        assert ProgramFactory().history.latest().history_channel == Channel.IMPORT


def test_imports_are_recorded_as_import() -> None:
    call_command("load_demo", stdout=StringIO())
    assert set(Nation.history.values_list("history_channel", flat=True)) == {"import"}
    assert set(Agreement.history.values_list("history_channel", flat=True)) == {"import"}


def test_the_pages_show_the_channel_of_each_change(editor_client: Client) -> None:
    program = ProgramFactory()
    page = editor_client.get(reverse("partnerships:program-detail", args=[program.pk])).content.decode()
    assert "System (shell, scripts, migrations)" in page


def test_history_has_no_way_to_be_edited_or_deleted(editor_client: Client) -> None:
    assert not [model for model in admin.site._registry if model.__name__.startswith("Historical")]
    for name in ("historicalprogram_change", "historicalprogram_delete", "historicalprogram_changelist"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:partnerships_{name}")
    program = ProgramFactory()
    before = list(program.history.values("history_id", "name", "history_channel", "history_date"))
    url = reverse("admin:partnerships_program_change", args=[program.pk])
    data = {"name": "Changed", "program_type": program.program_type, "visibility": "public"}
    assert editor_client.post(url, data).status_code == 302
    # A change adds a row; the rows before it are exactly as they were.
    after = list(
        program.history.order_by("history_date").values("history_id", "name", "history_channel", "history_date")
    )
    assert after[: len(before)] == before
    assert len(after) == len(before) + 1
    # Deleting the record keeps its history, with a last row saying so.
    assert (
        editor_client.post(reverse("admin:partnerships_program_delete", args=[program.pk]), {"post": "yes"}).status_code
        == 302
    )
    rows = Program.history.filter(id=program.pk).order_by("history_date")
    assert [row.history_type for row in rows] == ["+", "~", "-"]
    assert rows.last().history_channel == "admin"


def test_the_api_offers_no_history_endpoint(client: Client) -> None:
    assert client.get("/api/v1/history/").status_code in (401, 404)


def test_editing_only_the_location_records_only_the_location(editor_client: Client) -> None:
    from partnerships.services.history import changes

    exercise = ExerciseFactory(domains=["land", "sea"], location="Luzon")
    # Purposes as the demo data stored them before values were kept in the choices'
    # order (maritime security before humanitarian assistance), row and history alike.
    legacy = ["warfighting", "maritime_security", "humanitarian"]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE partnerships_exercise SET purposes = %s WHERE id = %s", [legacy, exercise.pk])
        cursor.execute("UPDATE partnerships_historicalexercise SET purposes = %s WHERE id = %s", [legacy, exercise.pk])
    data = {
        "name": exercise.name,
        "series": exercise.series,
        "kind": exercise.kind,
        "status": exercise.status,
        "domains": ["land", "sea"],
        "purposes": ["warfighting", "humanitarian", "maritime_security"],  # the checkboxes' order
        "start_date": "2024-04-22",
        "start_date_precision": "day",
        "end_date": "2024-05-10",
        "end_date_precision": "day",
        "location": "Palawan",
        "visibility": "public",
        "participants-TOTAL_FORMS": "0",
        "participants-INITIAL_FORMS": "0",
        "participants-MIN_NUM_FORMS": "0",
        "participants-MAX_NUM_FORMS": "1000",
        # The sources inline, empty, as a browser sends it.
        "sources-TOTAL_FORMS": "0",
        "sources-INITIAL_FORMS": "0",
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "1000",
    }
    response = editor_client.post(reverse("admin:partnerships_exercise_change", args=[exercise.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    # The analyst pages' history and the admin's both list the location alone.
    latest = changes(Exercise.objects.get(pk=exercise.pk), user=None)[0]
    assert [(c["field"], c["old"], c["new"]) for c in latest["changes"]] == [("location", "Luzon", "Palawan")]
    page = editor_client.get(reverse("admin:partnerships_exercise_history", args=[exercise.pk])).content.decode()
    assert "<strong>Location:</strong>" in page
    assert "Purposes:" not in page
