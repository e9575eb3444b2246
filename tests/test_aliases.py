"""Aliases of agreements and organizations: searched, shown, edited in the admin and the API, never leaked."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from partnerships.choices import AliasKind, TitleOrigin
from partnerships.filters import AgreementFilterSet, OrganizationFilterSet
from partnerships.models import Agreement, AgreementAlias
from partnerships.services.search import search
from tests.factories import (
    AgreementAliasFactory,
    AgreementFactory,
    AgreementPartyFactory,
    OrganizationAliasFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db


def _agreement(**kwargs: object) -> Agreement:
    agreement = AgreementFactory(**kwargs)
    AgreementPartyFactory(agreement=agreement)
    AgreementPartyFactory(agreement=agreement)
    return agreement


def test_an_exact_alias_ranks_its_record_first_in_global_search(analyst) -> None:
    seato = _agreement(title="Southeast Asia Collective Defense Treaty")
    AgreementAliasFactory(agreement=seato, name="Manila Pact")
    AgreementAliasFactory(agreement=seato, name="SEATO", kind=AliasKind.ACRONYM)
    _agreement(title="Manila Pact on fisheries and the Manila pact review", description="Manila Pact Manila Pact")
    for text in ("Manila Pact", "manila pact", "SEATO"):
        groups = {group.label: group for group in search(user=analyst, text=text)}
        assert groups["Agreements"].results[0] == seato, text
    # A misspelt alias finds it too.
    groups = {group.label: group for group in search(user=analyst, text="SEATOO")}
    assert seato in groups["Agreements"].results


def test_the_q_filter_searches_aliases_and_ranks_an_exact_alias_first(analyst) -> None:
    target = _agreement(title="Inter-American Treaty of Reciprocal Assistance")
    AgreementAliasFactory(agreement=target, name="Rio Treaty")
    _agreement(title="Rio Treaty on river navigation, second protocol")
    found = AgreementFilterSet({"q": "Rio Treaty"}, queryset=Agreement.objects.all()).qs
    assert found.first() == target
    organization = OrganizationFactory(name="Southeast Asia Treaty Organization")
    OrganizationAliasFactory(organization=organization, name="SEATO", kind=AliasKind.ACRONYM)
    assert list(OrganizationFilterSet({"q": "seato"}, queryset=organization._meta.model.objects.all()).qs) == [
        organization
    ]


def test_aliases_of_a_restricted_record_never_reach_users_without_clearance(analyst, cleared_analyst) -> None:
    hidden = _agreement(title="Operation Quiet Harbor", visibility="restricted")
    AgreementAliasFactory(agreement=hidden, name="Blue Lantern Accord")
    assert not search(user=analyst, text="Blue Lantern Accord")
    assert not AgreementFilterSet({"q": "Blue Lantern"}, queryset=Agreement.objects.visible_to(analyst)).qs.exists()
    assert not AgreementAlias.objects.visible_to(analyst).exists()
    assert AgreementAlias.objects.visible_to(cleared_analyst).count() == 1
    groups = search(user=cleared_analyst, text="Blue Lantern Accord")
    assert groups[0].results == [hidden]


def test_the_record_page_shows_also_known_as(analyst) -> None:
    agreement = _agreement(title="North Atlantic Treaty")
    AgreementAliasFactory(agreement=agreement, name="Traité de l'Atlantique Nord", kind="other_language", language="fr")
    client = Client()
    client.force_login(analyst)
    page = client.get(reverse("partnerships:agreement-detail", args=[agreement.pk])).content.decode()
    assert "Also known as" in page
    assert "Traité de l&#x27;Atlantique Nord" in page
    assert 'lang="fr"' in page


def test_the_api_reads_and_writes_aliases_and_refuses_a_duplicate_on_the_field(superuser) -> None:
    agreement = _agreement(title="Warsaw Treaty")
    AgreementAliasFactory(agreement=agreement, name="Warsaw Pact")
    client = Client()
    client.force_login(superuser)
    url = reverse("api:agreement-detail", args=[agreement.pk])
    body = client.get(url).json()
    assert [alias["name"] for alias in body["aliases"]] == ["Warsaw Pact"]
    assert body["title_origin"] == TitleOrigin.STAFF

    aliases = [{"name": "Warsaw Pact", "kind": "common_name"}, {"name": "Варшавский договор", "kind": "other_language"}]
    refused = client.patch(url, {"aliases": aliases}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"].startswith("aliases")

    aliases[1]["language"] = "ru"
    duplicate = client.patch(url, {"aliases": [*aliases, {"name": "WARSAW PACT"}]}, content_type="application/json")
    assert duplicate.status_code == 400
    assert duplicate.json()["errors"][0]["attr"] == "aliases"
    assert list(agreement.aliases.values_list("name", flat=True)) == ["Warsaw Pact"]

    saved = client.patch(url, {"aliases": aliases}, content_type="application/json")
    assert saved.status_code == 200, saved.content
    saved_aliases = sorted(agreement.aliases.values_list("name", "language"))
    assert saved_aliases == [("Warsaw Pact", ""), ("Варшавский договор", "ru")]
    # Writing the same title back keeps its origin; typing another makes it staff's.
    agreement.title_origin = TitleOrigin.GENERATED
    agreement.save()
    client.patch(url, {"title": "Warsaw Treaty"}, content_type="application/json")
    agreement.refresh_from_db()
    assert agreement.title_origin == TitleOrigin.GENERATED
    retitled = {"title": "Treaty of Friendship, Co-operation and Mutual Assistance"}
    client.patch(url, retitled, content_type="application/json")
    agreement.refresh_from_db()
    assert agreement.title_origin == TitleOrigin.STAFF


def test_the_admin_inline_edits_aliases_with_history_and_refuses_a_duplicate(superuser_client) -> None:
    organization = OrganizationFactory(name="Central Treaty Organization", acronym="CENTO")
    url = reverse("admin:partnerships_organization_change", args=[organization.pk])
    page = superuser_client.get(url)
    assert page.status_code == 200
    data = _form_data(page)
    prefix = "aliases"
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "2",
            f"{prefix}-0-name": "Baghdad Pact Organization",
            f"{prefix}-0-kind": "former_name",
            f"{prefix}-1-name": "baghdad pact organization",
            f"{prefix}-1-kind": "common_name",
        }
    )
    refused = superuser_client.post(url, data)
    assert refused.status_code == 200
    assert "already has this alias" in refused.content.decode()
    assert not organization.aliases.exists()

    data[f"{prefix}-TOTAL_FORMS"] = "1"
    saved = superuser_client.post(url, data)
    assert saved.status_code == 302
    alias = organization.aliases.get()
    assert alias.name == "Baghdad Pact Organization"
    assert alias.history.count() == 1


def _form_data(page) -> dict[str, str]:
    """The change form's fields as the browser would send them."""
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{formset.formset.prefix}-{name}"] = management[name].value()
    return data
