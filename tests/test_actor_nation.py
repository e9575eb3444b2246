"""The nation each party, participant and transfer end counts as, kept by the database.

``actor_nation`` (``provider_actor_nation`` / ``recipient_actor_nation`` on
transfers) is the row's nation, or its organization's nation, or nothing for
a multinational organization or a non-state actor. Triggers keep it through
every way a row is written and when an organization moves to another nation;
``involving()`` reads it instead of an ``OR`` across the organizations' table,
and must answer exactly as that ``OR`` did.
"""

from __future__ import annotations

import datetime
import json
import random
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.test import Client

from partnerships import choices
from partnerships.models import (
    Agreement,
    AgreementParty,
    ApiToken,
    Exercise,
    ExerciseParticipant,
    Nation,
    Organization,
    ResourceSharing,
)
from partnerships.models.agreements import counted_nation
from partnerships.models.base import active_on_q
from partnerships.services.access import FULL_ACCESS
from partnerships.services.importers import IMPORTERS
from partnerships.services.nations import seed_nations
from partnerships.services.package_schema import BY_MODEL
from partnerships.services.record_io import RECORD_TYPES, export_records
from tests.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    ExerciseFactory,
    ExerciseParticipantFactory,
    MultinationalFactory,
    NationFactory,
    OrganizationFactory,
    ResourceSharingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Every row whose kept nation is not the one its keys give, with the total of rows checked.
MISMATCHES = """
    SELECT 'party', p.id, p.actor_nation_id IS NOT DISTINCT FROM coalesce(p.nation_id, o.nation_id)
    FROM partnerships_agreementparty p LEFT JOIN partnerships_organization o ON o.id = p.organization_id
    UNION ALL
    SELECT 'participant', p.id, p.actor_nation_id IS NOT DISTINCT FROM coalesce(p.nation_id, o.nation_id)
    FROM partnerships_exerciseparticipant p LEFT JOIN partnerships_organization o ON o.id = p.organization_id
    UNION ALL
    SELECT 'provider', r.id, r.provider_actor_nation_id IS NOT DISTINCT FROM coalesce(r.provider_nation_id, o.nation_id)
    FROM partnerships_resourcesharing r LEFT JOIN partnerships_organization o ON o.id = r.provider_organization_id
    UNION ALL
    SELECT 'recipient', r.id,
           r.recipient_actor_nation_id IS NOT DISTINCT FROM coalesce(r.recipient_nation_id, o.nation_id)
    FROM partnerships_resourcesharing r LEFT JOIN partnerships_organization o ON o.id = r.recipient_organization_id
"""


def assert_all_kept() -> int:
    """Assert every row's kept nation is the one its keys give; return how many rows were checked."""
    with connection.cursor() as cursor:
        cursor.execute(MISMATCHES)
        rows = cursor.fetchall()
    wrong = [(kind, pk) for kind, pk, right in rows if not right]
    assert not wrong, f"rows whose actor nation is stale: {wrong}"
    return len(rows)


def stored(row: Any, field: str = "actor_nation_id") -> int | None:
    """The value in the database (an instance just updated may hold the old one in memory)."""
    return type(row)._base_manager.values_list(field, flat=True).get(pk=row.pk)


@pytest.fixture
def actors() -> dict[str, Any]:
    """Two nations, an organization of each, a multinational organization and a non-state actor."""
    home, away = NationFactory.create_batch(2)
    return {
        "home": home,
        "away": away,
        "ministry": OrganizationFactory(nation=home),
        "navy": OrganizationFactory(nation=away),
        "alliance": MultinationalFactory(),
        "rebels": OrganizationFactory(operates_in=home),
    }


# --- every write path ------------------------------------------------------------------


def test_a_created_row_counts_as_its_nation_or_its_organizations(actors: dict) -> None:
    home, away = actors["home"], actors["away"]
    own = AgreementPartyFactory(nation=home)
    through = AgreementPartyFactory(nation=None, organization=actors["ministry"])
    multinational = ExerciseParticipantFactory(nation=None, organization=actors["alliance"])
    non_state = ExerciseParticipantFactory(nation=None, organization=actors["rebels"])
    flow = ResourceSharingFactory(provider_nation=None, provider_organization=actors["navy"], recipient_nation=home)

    assert [stored(r) for r in (own, through, multinational, non_state)] == [home.pk, home.pk, None, None]
    assert (stored(flow, "provider_actor_nation_id"), stored(flow, "recipient_actor_nation_id")) == (away.pk, home.pk)
    # An insert reads the value back: the instance just created holds it too.
    assert (own.actor_nation_id, through.actor_nation_id, multinational.actor_nation_id) == (home.pk, home.pk, None)
    assert (flow.provider_actor_nation_id, flow.recipient_actor_nation_id) == (away.pk, home.pk)


def test_saving_a_row_with_another_actor_follows_it(actors: dict) -> None:
    party = AgreementPartyFactory(nation=actors["home"])
    party.nation, party.organization = None, actors["navy"]
    party.save()
    assert stored(party) == actors["away"].pk
    flow = ResourceSharingFactory(provider_nation=actors["home"], recipient_nation=actors["away"])
    flow.recipient_nation, flow.recipient_organization = None, actors["alliance"]
    flow.save()
    assert stored(flow, "recipient_actor_nation_id") is None
    assert stored(flow, "provider_actor_nation_id") == actors["home"].pk
    assert_all_kept()


def test_saving_only_other_fields_keeps_it(actors: dict) -> None:
    party = AgreementPartyFactory(nation=None, organization=actors["ministry"])
    party.notes = "Signed by the minister"
    party.save(update_fields=["notes"])
    assert stored(party) == actors["home"].pk


def test_bulk_created_rows_count_as_their_nations(actors: dict) -> None:
    agreement, exercise = AgreementFactory(scope=choices.AgreementScope.MULTILATERAL), ExerciseFactory()
    parties = AgreementParty.objects.bulk_create(
        [
            AgreementParty(agreement=agreement, nation=actors["away"]),
            AgreementParty(agreement=agreement, organization=actors["ministry"]),
            AgreementParty(agreement=agreement, organization=actors["alliance"]),
        ]
    )
    participants = ExerciseParticipant.objects.bulk_create(
        [ExerciseParticipant(exercise=exercise, organization=actors["navy"])]
    )
    assert [stored(p) for p in parties] == [actors["away"].pk, actors["home"].pk, None]
    assert [p.actor_nation_id for p in parties] == [actors["away"].pk, actors["home"].pk, None]
    assert stored(participants[0]) == actors["away"].pk
    assert_all_kept()


def test_queryset_updates_of_the_nation_or_the_organization_are_followed(actors: dict) -> None:
    party = AgreementPartyFactory(nation=actors["home"])
    participant = ExerciseParticipantFactory(nation=actors["home"])
    flow = ResourceSharingFactory(provider_nation=actors["home"], recipient_nation=actors["away"])

    AgreementParty.objects.filter(pk=party.pk).update(nation=None, organization=actors["navy"])
    ExerciseParticipant.objects.filter(pk=participant.pk).update(nation=actors["away"])
    ResourceSharing.objects.filter(pk=flow.pk).update(provider_nation=None, provider_organization=actors["alliance"])
    AgreementParty.objects.bulk_update([AgreementParty(pk=party.pk, organization=actors["ministry"])], ["organization"])

    assert stored(party) == actors["home"].pk
    assert stored(participant) == actors["away"].pk
    assert stored(flow, "provider_actor_nation_id") is None
    assert_all_kept()


def test_a_stray_write_to_the_kept_column_is_replaced(actors: dict) -> None:
    party = AgreementPartyFactory(nation=actors["home"])
    flow = ResourceSharingFactory(provider_nation=actors["home"], recipient_nation=actors["away"])
    AgreementParty.objects.filter(pk=party.pk).update(actor_nation=actors["away"])
    ResourceSharing.objects.filter(pk=flow.pk).update(provider_actor_nation=None, recipient_actor_nation=None)
    assert stored(party) == actors["home"].pk
    assert_all_kept()


def test_an_organization_moving_to_another_nation_takes_its_rows_along(actors: dict) -> None:
    ministry, home, away = actors["ministry"], actors["home"], actors["away"]
    party = AgreementPartyFactory(nation=None, organization=ministry)
    participant = ExerciseParticipantFactory(nation=None, organization=ministry)
    provided = ResourceSharingFactory(provider_nation=None, provider_organization=ministry, recipient_nation=away)
    received = ResourceSharingFactory(provider_nation=away, recipient_nation=None, recipient_organization=ministry)
    untouched = AgreementPartyFactory(nation=None, organization=actors["navy"])

    ministry.nation = away
    ministry.save()
    assert [stored(party), stored(participant)] == [away.pk, away.pk]
    assert stored(provided, "provider_actor_nation_id") == stored(received, "recipient_actor_nation_id") == away.pk
    assert stored(untouched) == away.pk  # the navy was away's already

    # Through a queryset update too, and to no nation at all (a ministry of a state that ceased to exist).
    Organization.objects.filter(pk=ministry.pk).update(nation=None)
    assert [stored(party), stored(participant), stored(provided, "provider_actor_nation_id")] == [None, None, None]
    Organization.objects.filter(pk=ministry.pk).update(nation=home)
    assert stored(received, "recipient_actor_nation_id") == home.pk
    assert_all_kept()


def test_an_organization_with_no_nation_counts_as_none(actors: dict) -> None:
    party = AgreementPartyFactory(nation=None, organization=actors["alliance"])
    assert stored(party) is None
    assert not Agreement.objects.involving(Nation.objects.all()).filter(pk=party.agreement_id).exists()


def test_the_importers_write_the_nation_each_row_counts_as(tmp_path: Path) -> None:
    from tests.services.test_importers import ALLIANCE_HEADER, SIPRI_HEADER

    seed_nations()
    thailand = Nation.objects.get(iso3="THA")
    OrganizationFactory(name="Royal Thai Navy", acronym="RTN", nation=thailand)
    alliances = tmp_path / "alliances.csv"
    alliances.write_text(
        ALLIANCE_HEADER
        + "\n9001,2,United States,1,1,1990,,,,Type I: Defense Pact,1,1,1990,,,,0,1,1,0,0,0,4.1"
        + "\n9001,200,United Kingdom,1,1,1990,,,,Type I: Defense Pact,1,1,1990,,,,0,1,1,0,0,0,4.1\n"
    )
    transfers = tmp_path / "sipri.csv"
    transfers.write_text(
        SIPRI_HEADER
        + "\nRoyal Thai Navy,United Kingdom,2005,2,Type-23,frigate,2,2006,Second hand,,10,20,20"
        + "\nNATO**,United Kingdom,2006,1,Sentry,AEW aircraft,1,2007,New,,10,10,10"
        + "\nChile,United Kingdom,2007,1,Type-22,frigate,1,2008,New,,10,10,10\n"
    )
    exercises = tmp_path / "mme.csv"
    exercises.write_text(
        "MMEID,Ex_Name,Series_Name,Location,StartDate,s.year,s.month,s.day,EndDate,e.year,e.month,e.day,CPX,Air,"
        "Land,Sea,Amphibious,Cyber,Warfighting,Peacekeeping,Humanitarian,FocusDescription,StateA,StateB\n"
        "m1,Cobra Gold 04,Cobra Gold,Thailand,5/1/04,,,,5/9/04,,,,0,1,1,0,0,0,1,0,0,drills,Thailand,United States\n"
    )
    for kind, path in (("cow-alliances", alliances), ("sipri", transfers), ("mme", exercises)):
        report = IMPORTERS[kind]().run(path)
        assert report.committed, report.summary()

    navy_deal = ResourceSharing.objects.get(designation="Type-23")
    assert stored(navy_deal, "recipient_actor_nation_id") == thailand.pk
    assert stored(ResourceSharing.objects.get(designation="Sentry"), "recipient_actor_nation_id") is None
    assert ResourceSharing.objects.involving(thailand, direction="received").get() == navy_deal
    assert Exercise.objects.involving(thailand).count() == 1
    assert Agreement.objects.involving(Nation.objects.get(iso3="GBR")).count() == 1
    assert assert_all_kept() == 2 + 2 + 2 * 3


def test_the_admin_inline_saves_the_nation_an_organization_party_counts_as(editor_client: Client, actors: dict) -> None:
    from tests.test_admin import _agreement_form, _party_precisions, admin_url

    data = _agreement_form()
    data["parties-TOTAL_FORMS"] = "2"
    data.update({"parties-0-nation": str(actors["away"].pk), "parties-0-role": "party", **_party_precisions(0)})
    data.update(
        {"parties-1-organization": str(actors["ministry"].pk), "parties-1-role": "party", **_party_precisions(1)}
    )
    response = editor_client.post(admin_url(Agreement, "add"), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    agreement = Agreement.objects.get()
    assert set(agreement.parties.values_list("actor_nation", flat=True)) == {actors["away"].pk, actors["home"].pk}
    # The change page neither shows nor edits the kept column.
    page = editor_client.get(admin_url(Agreement, "change", agreement.pk)).content.decode()
    assert "actor_nation" not in page


def _api_client() -> Client:
    from django.contrib.auth.models import Permission

    user = UserFactory(username="api-writer")
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="partnerships").exclude(codename="view_restricted")
    )
    issued = ApiToken.issue(user=user, name="writer", write_enabled=True)
    return Client(HTTP_AUTHORIZATION=f"Token {issued.key}", HTTP_ACCEPT="application/json")


def _send(client: Client, method: str, path: str, body: dict) -> dict:
    response = getattr(client, method)(f"/api/v1/{path}", json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 201), response.content
    payload = response.json()
    assert not {key for key in payload if "actor_nation" in key}  # never part of the API
    return payload


def test_api_writes_of_parties_participants_and_transfers(actors: dict) -> None:
    client = _api_client()
    home, away, ministry, navy = actors["home"], actors["away"], actors["ministry"], actors["navy"]
    agreement = _send(
        client,
        "post",
        "agreements/",
        {
            "title": "Memorandum on Maritime Cooperation",
            "kind": "mou",
            "scope": "bilateral",
            "status": "signed",
            "signed_on": "2020-01-31",
            "parties": [{"nation": away.iso3}, {"organization": ministry.pk}],
        },
    )
    assert set(AgreementParty.objects.filter(agreement=agreement["id"]).values_list("actor_nation", flat=True)) == {
        home.pk,
        away.pk,
    }
    _send(
        client,
        "patch",
        f"agreements/{agreement['id']}/",
        {"parties": [{"organization": navy.pk}, {"organization": ministry.pk}]},
    )
    assert set(AgreementParty.objects.filter(agreement=agreement["id"]).values_list("actor_nation", flat=True)) == {
        home.pk,
        away.pk,
    }

    exercise = _send(
        client,
        "post",
        "exercises/",
        {
            "name": "Sea Breeze 2024",
            "kind": "field_training",
            "status": "planned",
            "participants": [{"organization": actors["alliance"].pk}, {"nation": home.iso3}],
        },
    )
    participants = ExerciseParticipant.objects.filter(exercise=exercise["id"])
    assert sorted(participants.values_list("actor_nation", flat=True), key=str) == sorted([None, home.pk], key=str)
    _send(client, "patch", f"exercises/{exercise['id']}/", {"participants": [{"organization": navy.pk}]})
    assert list(participants.values_list("actor_nation", flat=True)) == [away.pk]

    flow = _send(
        client,
        "post",
        "resources/",
        {
            "provider_organization": ministry.pk,
            "recipient_nation": away.iso3,
            "category": "training",
            "description": "Staff college places",
            "status": "completed",
        },
    )
    row = ResourceSharing.objects.filter(pk=flow["id"])
    assert row.values_list("provider_actor_nation", "recipient_actor_nation").get() == (home.pk, away.pk)
    _send(client, "patch", f"resources/{flow['id']}/", {"recipient_nation": None, "recipient_organization": navy.pk})
    assert row.values_list("provider_actor_nation", "recipient_actor_nation").get() == (home.pk, away.pk)
    _send(client, "patch", f"resources/{flow['id']}/", {"provider_organization": None, "provider_nation": away.pk})
    assert row.values_list("provider_actor_nation", "recipient_actor_nation").get() == (away.pk, away.pk)
    assert_all_kept()


def test_a_record_file_import_writes_the_nation_each_party_counts_as(tmp_path: Path, actors: dict) -> None:
    home, away, ministry = actors["home"], actors["away"], actors["ministry"]
    document = {
        "record_type": "agreements",
        "records": [
            {
                "title": "Staff Talks Accord",
                "kind": "mou",
                "scope": "bilateral",
                "status": "signed",
                "signed_on": "2021-03-01",
                "parties": [
                    {"actor": f"nation:{away.iso3}"},
                    {"actor": f"organization:{ministry.name}|{home.iso3}"},
                ],
            }
        ],
    }
    path = tmp_path / "agreements.json"
    path.write_text(json.dumps(document))
    report = IMPORTERS["records"]().run(path)
    assert report.committed, report.summary()
    agreement = Agreement.objects.get(title="Staff Talks Accord")
    assert set(agreement.parties.values_list("actor_nation", flat=True)) == {home.pk, away.pk}
    # The record file itself never carries the kept column.
    assert "actor_nation" not in json.dumps(list(export_records(RECORD_TYPES["agreements"], user=FULL_ACCESS)))


def test_the_kept_columns_stay_out_of_history_the_package_record_files_and_merge_records(actors: dict) -> None:
    from partnerships.services.merges import field_values

    for model, names in (
        (AgreementParty, {"actor_nation"}),
        (ExerciseParticipant, {"actor_nation"}),
        (ResourceSharing, {"provider_actor_nation", "recipient_actor_nation"}),
    ):
        assert names <= {field.name for field in model._meta.fields}
        assert not names & {field.name for field in model.history.model._meta.fields}
        assert not {f"{name}_id" for name in names} & set(BY_MODEL[model].header)
    party = AgreementPartyFactory(nation=None, organization=actors["ministry"])
    ResourceSharingFactory(provider_nation=None, provider_organization=actors["navy"])
    assert "actor_nation_id" not in field_values(party)
    assert not hasattr(party.history.latest(), "actor_nation_id")
    for name in ("agreements", "resources"):
        records = json.dumps(list(export_records(RECORD_TYPES[name], user=FULL_ACCESS)))
        assert "actor_nation" not in records


# --- involving() answers as the OR across organizations did ---------------------------------


def _old_q(ids: list[int], prefix: str = "") -> Q:
    return Q(**{f"{prefix}nation__in": ids}) | Q(**{f"{prefix}organization__nation__in": ids})


def _random_world(rng: random.Random) -> dict[str, list]:
    nations = NationFactory.create_batch(8)
    organizations = [OrganizationFactory(nation=rng.choice(nations)) for _ in range(6)]
    organizations += [MultinationalFactory() for _ in range(2)] + [OrganizationFactory(operates_in=nations[0])]

    def actor() -> dict[str, Any]:
        if rng.random() < 0.4:
            return {"nation": None, "organization": rng.choice(organizations)}
        return {"nation": rng.choice(nations), "organization": None}

    def distinct_actors() -> list[dict[str, Any]]:
        chosen = (actor() for _ in range(rng.randint(1, 5)))
        return list({(a["nation"], a["organization"]): a for a in chosen}.values())

    for _ in range(25):
        agreement = AgreementFactory(scope=choices.AgreementScope.MULTILATERAL)
        for chosen in distinct_actors():
            joined = datetime.date(2000 + rng.randint(0, 20), 1, 1) if rng.random() < 0.3 else None
            withdrew = datetime.date(2012, 1, 1) if joined is None and rng.random() < 0.2 else None
            AgreementParty.objects.create(agreement=agreement, joined_on=joined, withdrew_on=withdrew, **chosen)
    for _ in range(20):
        exercise = ExerciseFactory()
        for chosen in distinct_actors():
            role = rng.choice([choices.ParticipantRole.HOST, choices.ParticipantRole.PARTICIPANT])
            ExerciseParticipant.objects.create(exercise=exercise, role=role, **chosen)
    for _ in range(40):
        provider, recipient = actor(), actor()
        if provider == recipient:
            continue
        ResourceSharingFactory(
            provider_nation=provider["nation"],
            provider_organization=provider["organization"],
            recipient_nation=recipient["nation"],
            recipient_organization=recipient["organization"],
        )
    # Organizations move, by save() and by a queryset update; rows change actor.
    for organization in rng.sample(organizations[:6], 3):
        organization.nation = rng.choice(nations)
        organization.save()
    Organization.objects.filter(pk=organizations[0].pk).update(nation=rng.choice(nations))
    for party in rng.sample(list(AgreementParty.objects.filter(organization__isnull=False)), 3):
        taken = set(party.agreement.parties.values_list("organization", flat=True))
        free = [organization for organization in organizations if organization.pk not in taken]
        if free:
            AgreementParty.objects.filter(pk=party.pk).update(organization=rng.choice(free))
    return {"nations": nations}


@pytest.mark.parametrize("seed", range(4))
def test_involving_answers_as_the_or_across_organizations_did(seed: int) -> None:
    rng = random.Random(seed)
    world = _random_world(rng)
    assert_all_kept()
    on = datetime.date(2010, 6, 1)
    for _ in range(6):
        ids = [nation.pk for nation in rng.sample(world["nations"], rng.randint(1, 3))]

        parties = AgreementParty.objects.filter(_old_q(ids), agreement=OuterRef("pk"))
        old = Agreement.objects.filter(Exists(parties))
        assert set(Agreement.objects.involving(ids)) == set(old)
        dated = Agreement.objects.filter(Exists(parties.filter(active_on_q("joined_on", "withdrew_on", on))))
        assert set(Agreement.objects.involving(ids, on=on)) == set(dated)

        hosts = ExerciseParticipant.objects.filter(_old_q(ids), exercise=OuterRef("pk"), role="host")
        assert set(Exercise.objects.involving(ids, role="host")) == set(Exercise.objects.filter(Exists(hosts)))

        provided, received = _old_q(ids, "provider_"), _old_q(ids, "recipient_")
        flows = ResourceSharing.objects
        assert set(flows.involving(ids)) == set(flows.filter(provided | received))
        assert set(flows.involving(ids, direction="provided")) == set(flows.filter(provided))
        assert set(flows.involving(ids, direction="received")) == set(flows.filter(received))

    # counted_nation() gives every row the nation the join gave it.
    old_counted = Coalesce("nation_id", "organization__nation_id")
    rows = AgreementParty.objects.annotate(new=counted_nation(), old=old_counted).values_list("new", "old")
    assert all(new == old for new, old in rows)
    flows = ResourceSharing.objects.annotate(
        new=counted_nation("recipient_"), old=Coalesce("recipient_nation_id", "recipient_organization__nation_id")
    )
    assert all(new == old for new, old in flows.values_list("new", "old"))
