"""The lean read path (partnerships.api.lean) answers byte for byte what the serializers answer.

Random registries (restricted records, nations and organizations; parties
for several periods with and without obligations; partial dates; sources
naming restricted actors; aliases; records with nothing nested) are read
through every GET the three lean resources serve (lists, details, ?brief,
?fields, ?omit, orderings, cursor sync pages) by an analyst and by a cleared
user, once by the lean path and once by the serializers, and the responses
compared.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerships import choices
from partnerships.api import lean, views
from partnerships.api.serializers import SERIALIZERS
from partnerships.models import Agreement, Exercise, ResourceSharing
from tests.factories import (
    AgreementAliasFactory,
    AgreementFactory,
    AgreementPartyFactory,
    AgreementSourceFactory,
    ExerciseFactory,
    ExerciseParticipantFactory,
    ExerciseSourceFactory,
    MultinationalFactory,
    NationFactory,
    OrganizationFactory,
    ProgramFactory,
    ResourceSharingFactory,
    ResourceSourceFactory,
    UserFactory,
    with_source,
)

pytestmark = pytest.mark.django_db

ENDPOINTS = {"agreements": Agreement, "exercises": Exercise, "resources": ResourceSharing}
PRECISIONS = list(choices.DatePrecision.values)


def _day(rng: random.Random, start: int = 1950, end: int = 2024) -> datetime.date:
    return datetime.date(rng.randint(start, end), rng.randint(1, 12), rng.randint(1, 28))


def _visibility(rng: random.Random, share: float = 0.25) -> str:
    return "restricted" if rng.random() < share else "public"


def _stamp(rng: random.Random) -> datetime.datetime | None:
    if rng.random() < 0.3:
        return None
    return datetime.datetime(
        rng.randint(1990, 2024), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
        rng.randint(0, 59), rng.randint(0, 59), rng.choice([0, rng.randint(1, 999_999)]), tzinfo=datetime.UTC,
    )  # fmt: skip


def build_registry(seed: int) -> None:
    """Fill the database with a random registry exercising every shape the three resources render."""
    rng = random.Random(seed)
    nations = [NationFactory(visibility=_visibility(rng, 0.2)) for _ in range(6)]
    nations[0].iso3 = None
    nations[0].save()
    organizations = [
        OrganizationFactory(visibility=_visibility(rng, 0.3), acronym=rng.choice(["", "ACR"]), nation=nations[1])
        for _ in range(3)
    ] + [MultinationalFactory(visibility=_visibility(rng, 0.3))]
    programs = [ProgramFactory(visibility=_visibility(rng), acronym=rng.choice(["", "PX"])) for _ in range(3)]
    actors = [("nation", nation) for nation in nations] + [("organization", org) for org in organizations]

    def actor_keys(count: int) -> list[str]:
        return [f"{kind}:{actor.pk}" for kind, actor in rng.sample(actors, count)]

    def values() -> dict[str, Any]:
        keys = actor_keys(3)
        return rng.choice(
            [
                {},
                {"members": sorted(keys), "signed_on": "2001-02-03"},
                {"member_periods": [[key, "2001-01-01", None, ["consultation"]] for key in keys]},
                {"participants": keys[:2], "provider": keys[0], "recipient": keys[1], "quantity": "3"},
            ]
        )

    agreements = []
    for index in range(14):
        signed = _day(rng) if rng.random() < 0.8 else None
        fields: dict[str, Any] = {
            "title": f"Agreement {seed}-{index} {rng.choice(['on Defense', 'de coopération', 'Ω'])}",
            "short_name": rng.choice(["", f"AG{index}"]),
            "visibility": _visibility(rng),
            "scope": rng.choice(["bilateral", "multilateral"]),
            "provisions": rng.sample(list(choices.Provision.values), rng.randint(0, 3)),
            "program": rng.choice([None, *programs]),
            "signed_on": signed,
            "signed_on_precision": rng.choice(PRECISIONS),
            "description": rng.choice(["", "Text\nwith “quotes”"]),
            "source_url": rng.choice(["", "https://example.org/a"]),
        }
        if signed is None:
            fields.update(status="negotiating", in_force_from=None)
        elif rng.random() < 0.3:
            fields.update(status="signed", in_force_from=None)
        else:
            in_force = signed + datetime.timedelta(days=rng.randint(0, 400))
            fields.update(in_force_from=in_force, in_force_from_precision=rng.choice(PRECISIONS))
            if rng.random() < 0.4:
                fields.update(status="expired", ended_on=in_force + datetime.timedelta(days=rng.randint(1, 9000)))
                fields["ended_on_precision"] = rng.choice(PRECISIONS)
            else:
                fields.update(status="in_force", expires_on=rng.choice([None, datetime.date(2030, 1, 1)]))
        agreement = AgreementFactory(**fields)
        agreements.append(agreement)
        if rng.random() < 0.5:
            with_source(agreement, rng.choice(["cow-alliances", "atop", "other-dataset"]), f"A{seed}-{index}")
        for kind, actor in rng.sample(actors, rng.randint(0, 4)):
            periods = rng.choice(
                [[(None, None)], [(_day(rng, 1950, 1980), _day(rng, 1981, 1990)), (_day(rng, 1991, 2000), None)]]
            )
            for joined, withdrew in periods:
                AgreementPartyFactory(
                    agreement=agreement,
                    nation=actor if kind == "nation" else None,
                    organization=actor if kind == "organization" else None,
                    role=rng.choice(list(choices.PartyRole.values)),
                    joined_on=joined,
                    joined_on_precision=rng.choice(PRECISIONS),
                    withdrew_on=withdrew,
                    obligations=rng.choice([None, [], ["consultation", "mutual_defense"]]),
                    notes=rng.choice(["", "note"]),
                )
        for number in range(rng.randint(0, 2)):
            AgreementAliasFactory(
                agreement=agreement, name=f"Alias {index}-{number}", kind=rng.choice(list(choices.AliasKind.values)),
                language="fr" if rng.random() < 0.5 else "",
            )  # fmt: skip
        for _ in range(rng.randint(0, 2)):
            AgreementSourceFactory(
                record=agreement, values=values(), imported_at=_stamp(rng), differs=rng.choice([[], ["members"]]),
                dataset=rng.choice(["test-dataset", "atop-extra"]), citation=rng.choice(["", "A book"]),
            )  # fmt: skip

    for index in range(10):
        located = rng.random() < 0.6
        exercise = ExerciseFactory(
            name=f"Exercise {index}",
            visibility=_visibility(rng),
            domains=rng.sample(list(choices.Domain.values), rng.randint(0, 2)),
            start_date=_day(rng, 1990, 2020),
            start_date_precision=rng.choice(PRECISIONS),
            end_date=None if rng.random() < 0.3 else datetime.date(2022, 1, 1),
            status=rng.choice(["planned", "cancelled"]),
            latitude=Decimal(f"{rng.uniform(-80, 80):.4f}") if located else None,
            longitude=Decimal(f"{rng.uniform(-170, 170):.4f}") if located else None,
            location_country=rng.choice([None, *nations]),
            program=rng.choice([None, *programs]),
            agreement=rng.choice([None, *agreements]),
            name_generated=rng.random() < 0.3,
        )
        for kind, actor in rng.sample(actors, rng.randint(0, 3)):
            ExerciseParticipantFactory(
                exercise=exercise,
                nation=actor if kind == "nation" else None,
                organization=actor if kind == "organization" else None,
                role=rng.choice(list(choices.ParticipantRole.values)),
                personnel=rng.choice([None, 0, 1200]),
            )
        if rng.random() < 0.5:
            ExerciseSourceFactory(record=exercise, values=values(), imported_at=_stamp(rng))

    for index in range(12):
        provider, recipient = rng.sample(actors, 2)
        valued = rng.random() < 0.6
        resource = ResourceSharingFactory(
            reference=rng.choice(["", f"R-{seed}-{index}"]),
            visibility=_visibility(rng),
            provider_nation=provider[1] if provider[0] == "nation" else None,
            provider_organization=provider[1] if provider[0] == "organization" else None,
            recipient_nation=recipient[1] if recipient[0] == "nation" else None,
            recipient_organization=recipient[1] if recipient[0] == "organization" else None,
            category=rng.choice(list(choices.ResourceCategory.values)),
            quantity=rng.choice([None, Decimal("6"), Decimal("2.5")]),
            quantity_delivered=rng.choice([None, Decimal("1.25")]),
            value=Decimal("82000000.10") if valued else None,
            currency="USD" if valued else "",
            tiv_unit=rng.choice([None, Decimal("12.5")]),
            tiv_total=rng.choice([None, Decimal("75"), Decimal("0.001")]),
            delivery_years=rng.choice([[], [2016, 2017]]),
            start_date=rng.choice([None, datetime.date(2015, 1, 1)]),
            end_date=None,
            agreement=rng.choice([None, *agreements]),
            program=rng.choice([None, *programs]),
        )
        if rng.random() < 0.4:
            ResourceSourceFactory(record=resource, values=values(), imported_at=_stamp(rng))


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _get(client: Client, url: str, *, lean_path: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as patch:
        if not lean_path:
            patch.setattr(views, "reader_for", lambda *args: None)
        return client.get(url, HTTP_ACCEPT="application/json")


def _urls(endpoint: str, model: type) -> list[str]:
    base = reverse(f"api:{model._meta.model_name}-list")
    names = list(SERIALIZERS[model][0].Meta.fields)
    some = ",".join(sorted(random.Random(endpoint).sample(names, 6)))
    urls = [
        base,
        f"{base}?brief=1",
        f"{base}?brief=true&fields=id,display,{names[-1]}",
        f"{base}?fields={some}",
        f"{base}?fields=id,url,display,sources,created_at",
        f"{base}?omit=sources,url,display",
        f"{base}?limit=3&offset=2",
        f"{base}?ordering=-updated_at&limit=5",
        f"{base}?after=0&limit=4",
        f"{base}?after=0&limit=3&ordering=-id&count=exact",
        f"{base}?after=0&limit=4&brief=1",
    ]
    for pk in model.objects.order_by("pk").values_list("pk", flat=True):
        detail = reverse(f"api:{model._meta.model_name}-detail", args=[pk])
        urls += [detail, f"{detail}?brief=1", f"{detail}?fields={some}", f"{detail}?omit=parties,participants,url"
                 if endpoint != "resources" else f"{detail}?omit=provider_nation"]  # fmt: skip
    return urls


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("cleared", [False, True], ids=["analyst", "cleared"])
def test_lean_responses_are_the_serializers_byte_for_byte(
    seed: int, cleared: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_registry(seed)
    user = UserFactory(permissions=["partnerships.view_restricted"] if cleared else [])
    client = _client(user)
    compared = 0
    for endpoint, model in ENDPOINTS.items():
        pending = _urls(endpoint, model)
        seen: set[str] = set()
        while pending:
            url = pending.pop()
            if url in seen:
                continue
            seen.add(url)
            fast = _get(client, url, lean_path=True, monkeypatch=monkeypatch)
            slow = _get(client, url, lean_path=False, monkeypatch=monkeypatch)
            assert fast.status_code == slow.status_code, url
            assert fast.content == slow.content, url
            assert fast.headers.get("ETag") == slow.headers.get("ETag"), url
            compared += 1
            if fast.status_code == 200 and "results" in (body := fast.json()) and body["next"]:
                pending.append(body["next"].split("testserver", 1)[1])  # follow the sync to its end
    assert compared > 100


def test_the_three_resources_are_read_by_the_lean_path(analyst: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    build_registry(4)
    rendered: list[int] = []
    original = lean.LeanReader.render

    def spy(self: lean.LeanReader, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rendered.append(len(rows))
        return original(self, rows)

    monkeypatch.setattr(lean.LeanReader, "render", spy)
    client = _client(analyst)
    for model in ENDPOINTS.values():
        serializer_class, brief_class = SERIALIZERS[model]
        assert lean.plan_for(serializer_class) is not None
        assert lean.plan_for(brief_class) is not None
        record = model.objects.filter(visibility="public").order_by("pk").first()
        for url in (
            reverse(f"api:{model._meta.model_name}-list"),
            reverse(f"api:{model._meta.model_name}-detail", args=[record.pk]),
        ):
            assert client.get(url).status_code == 200
    assert len(rendered) == 6


def test_a_serializer_field_the_lean_path_does_not_know_keeps_the_serializers() -> None:
    class Odd(SERIALIZERS[Agreement][0]):
        odd = __import__("rest_framework").serializers.FloatField(source="id", read_only=True)

        class Meta(SERIALIZERS[Agreement][0].Meta):
            fields = (*SERIALIZERS[Agreement][0].Meta.fields, "odd")

    assert lean.plan_for(Odd) is None


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    # The registry's own queries: sessions, throttles and the like write now and then, whatever the page.
    return sum("partnerships_" in query["sql"] for query in captured.captured_queries)


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("cleared", [False, True], ids=["analyst", "cleared"])
def test_lean_query_count_does_not_grow_with_the_page(endpoint: str, cleared: bool) -> None:
    user = UserFactory(permissions=["partnerships.view_restricted"] if cleared else [])
    client = _client(user)
    model = ENDPOINTS[endpoint]
    base = reverse(f"api:{model._meta.model_name}-list")
    # Enough records that every nested list, brief table and source shape is there to read.
    for seed in (5, 6):
        build_registry(seed)
    client.get(base)  # the session's first request loads what later ones find cached
    urls = [base, f"{base}?after=0&limit=1000", f"{base}?brief=1"]
    before = [_queries(client, url) for url in urls]
    for seed in (7, 8, 9):
        build_registry(seed)
    assert [_queries(client, url) for url in urls] == before
    assert model.objects.count() >= 50


def test_lean_detail_answers_not_modified_to_its_etag(analyst: Any) -> None:
    build_registry(8)
    client = _client(analyst)
    record = Agreement.objects.filter(visibility="public").order_by("pk").first()
    url = reverse("api:agreement-detail", args=[record.pk])
    etag = client.get(url).headers["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    record.save()
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200
