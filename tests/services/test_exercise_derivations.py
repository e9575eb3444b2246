"""Generated exercise names, point-in-country, and the curation markers staff edits set."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.urls import reverse

from partnerships.choices import Domain, ExerciseKind, ParticipantRole
from partnerships.models import Exercise
from partnerships.services.exercises import derive_exercise_location, generated_name, sovereign_of
from partnerships.services.importers.resolver import NationResolver
from partnerships.services.locations import country_at
from tests.factories import ExerciseFactory, ExerciseParticipantFactory, NationFactory


def test_a_generated_name_lists_domains_up_to_three_participants_and_the_year() -> None:
    name = generated_name(
        domains=[Domain.SEA],
        kind=ExerciseKind.FIELD_TRAINING,
        participants=["United States", "Japan"],
        start=date(1995, 6, 1),
    )
    assert name == "Naval exercise: United States and Japan, 1995"
    three = generated_name(domains=[Domain.AIR], kind="", participants=["A", "B", "C"], start=date(2001, 1, 1))
    assert three == "Air exercise: A, B and C, 2001"


def test_a_generated_name_names_two_participants_and_counts_the_others() -> None:
    name = generated_name(
        domains=[Domain.SEA, Domain.LAND, Domain.AIR],
        kind=ExerciseKind.FIELD_TRAINING,
        participants=["United States", "Japan", "Australia", "Canada", "Chile"],
        start=date(1995, 6, 1),
    )
    assert name == "Land, naval and air exercise: United States, Japan and 3 others, 1995"
    four = generated_name(domains=[], kind="", participants=["A", "B", "C", "D"], start=None)
    assert four == "Military exercise: A, B and 2 others"


def test_a_generated_name_without_domains_says_command_post_for_a_command_post_exercise() -> None:
    name = generated_name(domains=[], kind=ExerciseKind.COMMAND_POST, participants=["Chile"], start=date(1990, 1, 1))
    assert name == "Command post exercise: Chile, 1990"


def test_a_participant_named_twice_is_listed_once() -> None:
    name = generated_name(domains=[Domain.CYBER], kind="", participants=["A", "A", "B"], start=date(2020, 1, 1))
    assert name == "Cyber exercise: A and B, 2020"


@pytest.mark.parametrize(
    ("place", "latitude", "longitude", "iso3"),
    [
        ("Manila", 14.5995, 120.9842, "PHL"),
        ("Subic Bay naval base", 14.80, 120.28, "PHL"),
        ("Singapore", 1.29, 103.85, "SGP"),
        ("Bahrain", 26.07, 50.55, "BHR"),
        ("Berlin", 52.52, 13.40, "DEU"),
        ("Vieques, Puerto Rico", 18.1262854, -65.4400985, "PRI"),
        ("Camp Lejeune, North Carolina", 34.68, -77.34, "USA"),
        ("the open Pacific", 0.0, -150.0, None),
        ("the central Mediterranean", 34.5531284, 18.0480105, None),
    ],
)
def test_a_point_lies_in_the_country_that_holds_it_and_the_open_sea_in_none(
    place: str, latitude: float, longitude: float, iso3: str | None
) -> None:
    hit = country_at(latitude=latitude, longitude=longitude)
    assert (hit.country.iso3 if hit else None) == iso3, place


def test_a_point_just_off_a_coast_is_in_that_countrys_territorial_sea() -> None:
    hit = country_at(latitude=14.45, longitude=120.50)  # Manila Bay's mouth, at sea
    assert hit is not None
    assert hit.country.iso3 == "PHL"


def test_a_point_off_the_globe_is_refused() -> None:
    with pytest.raises(ValueError, match="not a point on Earth"):
        country_at(latitude=91, longitude=0)


def test_a_territory_belongs_to_the_state_that_held_it_that_day() -> None:
    assert sovereign_of("PRI", on=date(1980, 1, 1)) == "USA"
    assert sovereign_of("HKG", on=date(1990, 1, 1)) == "GBR"
    assert sovereign_of("HKG", on=date(2000, 1, 1)) == "CHN"
    assert sovereign_of("PHL", on=date(2000, 1, 1)) == "PHL"


@pytest.mark.django_db
def test_the_derived_country_is_the_state_of_the_day_and_its_participant_becomes_host() -> None:
    west = NationFactory(name="German Federal Republic", iso3=None, cow_code=260, exists_until=date(1990, 10, 3))
    east = NationFactory(name="German Democratic Republic", iso3=None, cow_code=265, exists_until=date(1990, 10, 3))
    germany = NationFactory(name="Germany", iso3="DEU", cow_code=255)
    exercise = ExerciseFactory(latitude=50.0, longitude=8.5, start_date=date(1985, 9, 1), end_date=date(1985, 9, 9))
    host = ExerciseParticipantFactory(exercise=exercise, nation=west)
    ExerciseParticipantFactory(exercise=exercise, nation=NationFactory())
    changed, promoted = derive_exercise_location(exercise=exercise, resolver=NationResolver())
    exercise.refresh_from_db()
    assert changed
    assert exercise.location_country == west
    assert exercise.location_country_derived
    assert promoted == [host]
    assert germany != east  # Frankfurt in 1985 is neither today's Germany nor the GDR
    # Running it again changes nothing.
    assert derive_exercise_location(exercise=exercise, resolver=NationResolver()) == (False, [])


@pytest.mark.django_db
def test_a_host_staff_set_is_never_demoted_and_a_chosen_country_is_kept() -> None:
    NationFactory(name="Philippines", iso3="PHL")
    chosen = NationFactory(name="Japan", iso3="JPN")
    exercise = ExerciseFactory(latitude=14.5995, longitude=120.9842, location_country=chosen)
    staff_host = ExerciseParticipantFactory(exercise=exercise, role=ParticipantRole.HOST)
    derive_exercise_location(exercise=exercise, resolver=NationResolver())
    exercise.refresh_from_db()
    staff_host.refresh_from_db()
    assert exercise.location_country == chosen
    assert not exercise.location_country_derived
    assert staff_host.role == ParticipantRole.HOST


@pytest.mark.django_db
def test_coordinates_out_of_range_or_alone_are_refused_with_a_field_message() -> None:
    from django.core.exceptions import ValidationError

    exercise = ExerciseFactory.build(latitude=95, longitude=10)
    with pytest.raises(ValidationError) as error:
        exercise.full_clean()
    assert "latitude" in error.value.message_dict
    exercise = ExerciseFactory.build(latitude=10, longitude=None)
    with pytest.raises(ValidationError) as error:
        exercise.full_clean()
    assert "longitude" in error.value.message_dict


@pytest.mark.django_db
def test_the_database_refuses_a_latitude_out_of_range() -> None:
    from django.db import IntegrityError

    exercise = ExerciseFactory()
    with pytest.raises(IntegrityError):
        Exercise.objects.filter(pk=exercise.pk).update(latitude=-91, longitude=0)


@pytest.mark.django_db
def test_a_name_written_through_the_api_is_curated(superuser_client) -> None:
    exercise = ExerciseFactory(name="Naval exercise: A and B, 1995", name_generated=True)
    url = reverse("api:exercise-detail", args=[exercise.pk])
    response = superuser_client.patch(url, json.dumps({"series": "Other"}), content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["name_generated"] is True
    response = superuser_client.patch(url, json.dumps({"name": "Sea Breeze 95"}), content_type="application/json")
    assert response.status_code == 200, response.content
    exercise.refresh_from_db()
    assert exercise.name == "Sea Breeze 95"
    assert not exercise.name_generated


def test_curating_a_typed_name_or_a_chosen_country_clears_its_marker() -> None:
    exercise = Exercise(name="Naval exercise: A and B, 1995", name_generated=True, location_country_derived=True)
    exercise.curate(["series"])
    assert exercise.name_generated
    assert exercise.location_country_derived
    exercise.curate(["name", "location_country"])
    assert not exercise.name_generated
    assert not exercise.location_country_derived


@pytest.mark.django_db
def test_the_exercise_list_filters_by_location_country_and_shows_it(superuser_client) -> None:
    philippines = NationFactory(name="Philippines", iso3="PHL")
    here = ExerciseFactory(name="Here", location_country=philippines, location_country_derived=True)
    ExerciseFactory(name="Elsewhere")
    response = superuser_client.get(reverse("api:exercise-list"), {"location_country": "PHL"})
    assert [row["id"] for row in response.json()["results"]] == [here.pk]
    page = superuser_client.get(reverse("partnerships:exercise-list"), {"location_country": "PHL"})
    assert page.status_code == 200
    assert b"Philippines" in page.content
    assert b"Elsewhere" not in page.content
    detail = superuser_client.get(reverse("partnerships:exercise-detail", args=[here.pk]))
    assert b"derived from coordinates" in detail.content
