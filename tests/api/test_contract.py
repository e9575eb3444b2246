"""The API's contract beyond CRUD: lost updates, cursor sync, tokens, anonymous reads, throttling, schema."""

from __future__ import annotations

import threading
from datetime import timedelta
from io import StringIO

import pytest
import requests
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone
from openapi_spec_validator import validate

from partnerships.models import Agreement, ApiToken, Nation
from tests.api.conftest import Api
from tests.factories import NationFactory, UserFactory, bilateral_agreement

pytestmark = pytest.mark.django_db(transaction=True)


# --- Lost-update protection ------------------------------------------------------------


def test_stale_if_match_is_refused_with_412_and_changes_nothing(writer_api: Api) -> None:
    agreement = bilateral_agreement(NationFactory(), NationFactory(), short_name="Old")
    url = f"agreements/{agreement.pk}/"
    first_read = writer_api.get(url).headers["ETag"]
    assert writer_api.patch(url, {"short_name": "First"}, headers={"If-Match": first_read}).status_code == 200
    stale = writer_api.patch(url, {"short_name": "Second"}, headers={"If-Match": first_read})
    assert stale.status_code == 412
    assert stale.json()["errors"][0]["code"] == "precondition_failed"
    agreement.refresh_from_db()
    assert agreement.short_name == "First"
    assert writer_api.delete(url, headers={"If-Match": first_read}).status_code == 412
    assert Agreement.objects.filter(pk=agreement.pk).exists()


def test_two_clients_updating_the_same_version_at_once_one_wins_one_gets_412(writer_api: Api) -> None:
    agreement = bilateral_agreement(NationFactory(), NationFactory())
    url = f"agreements/{agreement.pk}/"
    etag = writer_api.get(url).headers["ETag"]
    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def update(name: str) -> None:
        barrier.wait()
        results[name] = writer_api.patch(url, {"short_name": name}, headers={"If-Match": etag}).status_code

    threads = [threading.Thread(target=update, args=(name,)) for name in ("alpha", "bravo")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results.values()) == [200, 412], results
    winner = next(name for name, code in results.items() if code == 200)
    agreement.refresh_from_db()
    assert agreement.short_name == winner


def test_if_none_match_answers_304_and_wildcard_if_match_is_accepted(reader_api: Api, writer_api: Api) -> None:
    nation = NationFactory()
    first = reader_api.get(f"nations/{nation.pk}/")
    again = reader_api.get(f"nations/{nation.pk}/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert writer_api.patch(f"nations/{nation.pk}/", {"name": "Any"}, headers={"If-Match": "*"}).status_code == 200


def test_changing_parties_changes_the_agreement_etag_and_history(writer_api: Api) -> None:
    first, second, third = NationFactory.create_batch(3)
    agreement = bilateral_agreement(first, second)
    url = f"agreements/{agreement.pk}/"
    etag = writer_api.get(url).headers["ETag"]
    response = writer_api.patch(url, {"parties": [{"nation": first.pk}, {"nation": third.pk}]})
    assert response.status_code == 200, response.json()
    assert response.headers["ETag"] != etag
    assert {row["nation"]["id"] for row in response.json()["parties"]} == {first.pk, third.pk}
    removed = agreement.parties.model.history.filter(nation=second, history_type="-").get()
    assert removed.history_user == writer_api.user


# --- Cursor synchronisation --------------------------------------------------------------


def test_cursor_walk_stays_correct_while_records_are_added_and_deleted(reader_api: Api) -> None:
    nations = NationFactory.create_batch(25)
    seen: list[int] = []
    page = reader_api.get("nations", params={"after": 0, "limit": 10}).json()
    seen += [row["id"] for row in page["results"]]
    assert page["count"] is None
    # Between pages: delete one record already seen and one not yet seen, add two.
    Nation.objects.filter(pk__in=[nations[0].pk, nations[15].pk]).delete()
    added = NationFactory.create_batch(2)
    next_url = page["next"]
    while next_url:
        page = reader_api.get(next_url).json()
        seen += [row["id"] for row in page["results"]]
        next_url = page["next"]
    assert len(seen) == len(set(seen)), "a record was returned twice"
    survivors = {n.pk for n in nations} - {nations[15].pk}
    assert survivors <= set(seen), "a record that existed throughout was skipped"
    assert nations[15].pk not in seen
    assert {n.pk for n in added} <= set(seen)
    assert seen == sorted(seen)


def test_cursor_pages_are_the_next_ids_and_ordering_orders_within_them(reader_api: Api) -> None:
    # The schema allows any combination of after, ordering, offset and count: each one means something.
    NationFactory(name="Zland")
    NationFactory(name="Aland")
    NationFactory(name="Mland")
    ids = sorted(row["id"] for row in reader_api.get("nations", params={"limit": 1000}).json()["results"])
    page = reader_api.get("nations", params={"after": 0, "ordering": "-name", "limit": 2, "count": "exact"}).json()
    assert sorted(row["id"] for row in page["results"]) == ids[:2]
    names = [row["name"] for row in page["results"]]
    assert names == sorted(names, reverse=True)
    assert (page["count"], page["count_exact"]) == (len(ids), True)
    assert f"after={ids[1]}" in page["next"]
    skipped = reader_api.get("nations", params={"after": 0, "offset": 1, "limit": 1}).json()
    assert [row["id"] for row in skipped["results"]] == [ids[1]]
    assert skipped["count"] is None


def test_limit_is_capped_at_1000_and_pages_are_deterministic(reader_api: Api) -> None:
    NationFactory.create_batch(5, name="Same name")
    big = reader_api.get("nations", params={"limit": 5000})
    assert big.status_code == 200
    assert "limit=1000" in (big.json()["next"] or "limit=1000")
    first = reader_api.get("nations", params={"ordering": "name", "limit": 2}).json()["results"]
    second = reader_api.get("nations", params={"ordering": "name", "limit": 2, "offset": 2}).json()["results"]
    assert not {r["id"] for r in first} & {r["id"] for r in second}


# --- Authentication and tokens -----------------------------------------------------------


def test_expired_and_revoked_tokens_are_refused(live_server, transactional_db) -> None:
    user = UserFactory()
    expired = ApiToken.issue(user=user, name="old", expires_at=timezone.now() - timedelta(seconds=1))
    revoked = ApiToken.issue(user=user, name="gone")
    revoked.token.revoke()
    for issued in (expired, revoked):
        response = Api(base=live_server.url, key=issued.key).get("nations")
        assert response.status_code == 401
        assert response.json()["errors"][0]["detail"] == "Invalid, expired or revoked token."
    wrong = Api(base=live_server.url, key=expired.key[:-2] + "xx").get("nations")
    assert wrong.status_code == 401


def test_tokens_are_stored_hashed_and_record_their_last_use(reader_api: Api) -> None:
    token = ApiToken.objects.get(pk=reader_api.token.pk)
    assert reader_api.key not in (token.key_digest, token.prefix)
    assert token.last_used_at is None
    assert reader_api.get("nations").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_brings_its_users_permissions_in_the_same_query(transactional_db, django_assert_num_queries) -> None:
    from django.contrib.auth.models import Group, Permission

    clearance = Permission.objects.get(codename="view_restricted")
    add_nation = Permission.objects.get(codename="add_nation")
    cleared_by_group = UserFactory()
    group = Group.objects.create(name="cleared")
    group.permissions.add(clearance)
    cleared_by_group.groups.add(group)
    cleared_by_group.user_permissions.add(add_nation)
    uncleared = UserFactory()
    for user, restricted in ((cleared_by_group, True), (uncleared, False)):
        key = ApiToken.issue(user=user, name="perms").key
        with django_assert_num_queries(1):
            token = ApiToken.authenticate(key)
            assert token.user.has_perm("partnerships.view_restricted") is restricted
            assert token.user.has_perm("partnerships.add_nation") is restricted
            assert not token.user.has_perm("partnerships.delete_nation")
        fresh = type(user).objects.get(pk=user.pk)
        assert token.user.get_user_permissions() == fresh.get_user_permissions()
        assert token.user.get_group_permissions() == fresh.get_group_permissions()
        assert token.user.get_all_permissions() == fresh.get_all_permissions()


def test_a_superusers_token_has_every_permission(transactional_db) -> None:
    from django.contrib.auth.models import Permission

    admin = UserFactory(is_superuser=True)
    token = ApiToken.authenticate(ApiToken.issue(user=admin, name="all").key)
    assert token.user.has_perm("partnerships.view_restricted")
    assert token.user.get_all_permissions() == {
        f"{app}.{codename}" for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }


def test_bearer_keyword_works_too(reader_api: Api) -> None:
    response = Api(base=reader_api.base).get("nations", headers={"Authorization": f"Bearer {reader_api.key}"})
    assert response.status_code == 200


def test_create_api_token_command_prints_the_key_once(live_server, transactional_db) -> None:
    UserFactory(username="pipeline")
    out, err = StringIO(), StringIO()
    call_command(
        "create_api_token", "pipeline", "--name", "nightly sync", "--expires-in-days", "30", stdout=out, stderr=err
    )
    key = out.getvalue().strip()
    token = ApiToken.objects.get(name="nightly sync")
    assert not token.write_enabled
    assert token.expires_at > timezone.now() + timedelta(days=29)
    assert "shown this once" in err.getvalue()
    assert Api(base=live_server.url, key=key).get("nations").status_code == 200


def test_session_writes_need_csrf(live_server, transactional_db) -> None:
    import requests

    user = UserFactory(username="browser", is_superuser=True, is_staff=True)
    session = requests.Session()
    login_page = session.get(f"{live_server.url}/admin/login/")
    session.post(
        f"{live_server.url}/admin/login/",
        data={
            "username": user.username,
            "password": "correct horse battery staple",
            "csrfmiddlewaretoken": login_page.cookies["csrftoken"],
        },
        headers={"Referer": f"{live_server.url}/admin/login/"},
    )
    assert session.get(f"{live_server.url}/api/v1/nations/").status_code == 200
    refused = session.post(f"{live_server.url}/api/v1/nations/", json={"name": "Csrfland", "iso3": "QCF"})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["errors"][0]["detail"]
    accepted = session.post(
        f"{live_server.url}/api/v1/nations/",
        json={"name": "Csrfland", "iso3": "QCF"},
        headers={"X-CSRFToken": session.cookies["csrftoken"], "Referer": f"{live_server.url}/"},
    )
    assert accepted.status_code == 201, accepted.json()


# --- Anonymous reads, throttling, methods --------------------------------------------------


def test_anonymous_reads_public_records_only_when_the_setting_allows(anonymous_api: Api, transactional_db) -> None:
    public = NationFactory()
    secret = NationFactory(visibility="restricted")
    assert anonymous_api.get("nations").status_code == 401
    with override_settings(REGISTRY_PUBLIC_READ=True):
        listing = anonymous_api.get("nations").json()
        assert [row["id"] for row in listing["results"]] == [public.pk]
        assert listing["count"] == 1
        assert anonymous_api.get(f"nations/{secret.pk}/").status_code == 404
        assert anonymous_api.post("nations", {"name": "X", "iso3": "QXA"}).status_code == 401


def test_throttling_per_token_and_per_anonymous_client(reader_api: Api, anonymous_api: Api) -> None:
    from django.core.cache import cache

    cache.clear()
    with override_settings(API_THROTTLE_USER="3/minute", API_THROTTLE_ANON="2/minute"):
        codes = [reader_api.get("nations").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = reader_api.get("nations")
        assert limited.json()["errors"][0]["code"] == "throttled"
        assert int(limited.headers["Retry-After"]) > 0
        anonymous = [anonymous_api.get("nations").status_code for _ in range(3)]
        assert anonymous == [401, 401, 429]
    cache.clear()


def test_wrong_method_is_405_in_the_error_shape(writer_api: Api) -> None:
    nation = NationFactory()
    response = writer_api.post(f"nations/{nation.pk}/", {})
    assert response.status_code == 405
    assert response.json()["type"] == "client_error"
    assert response.json()["errors"][0]["code"] == "method_not_allowed"


# --- Schema and documentation --------------------------------------------------------------


def test_openapi_schema_is_valid_and_documents_errors_and_parameters(live_server) -> None:
    import requests

    schema = requests.get(f"{live_server.url}/api/schema/?format=json", timeout=30).json()
    validate(schema)
    list_op = schema["paths"]["/api/v1/agreements/"]["get"]
    names = {p["name"] for p in list_op["parameters"]}
    assert {"party", "in_force_on", "updated_since", "q", "ordering", "limit", "offset", "after", "brief"} <= names
    assert {"400", "401", "403", "429"} <= set(list_op["responses"])
    update = schema["paths"]["/api/v1/agreements/{id}/"]["patch"]
    assert {"400", "404", "412", "415"} <= set(update["responses"])
    assert "If-Match" in {p["name"] for p in update["parameters"]}
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    # Every operation that takes a body may answer 413 (over 2.5 MB); the dyad table says how it ends.
    for path, item in schema["paths"].items():
        for method in {"post", "put", "patch"} & set(item):
            assert "413" in item[method]["responses"], (method, path)
    assert "# complete: N rows" in schema["paths"]["/api/v1/dyads/"]["get"]["description"]


def test_api_docs_are_served_from_local_files(live_server) -> None:
    import requests

    swagger = requests.get(f"{live_server.url}/api/docs/", timeout=30).text
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in swagger
    redoc = requests.get(f"{live_server.url}/api/docs/redoc/", timeout=30).text
    assert "/api/docs/redoc-dist/bundles/redoc.standalone.js" in redoc
    for page in (swagger, redoc):
        assert "https://" not in page
        assert "googleapis" not in page
    bundle = requests.get(f"{live_server.url}/api/docs/redoc-dist/bundles/redoc.standalone.js", timeout=30)
    assert bundle.status_code == 200
    assert "cdn.redoc.ly/redoc/logo-mini.svg" not in bundle.text
    assert "Redoc" in bundle.text


def test_unknown_body_fields_are_refused_but_read_only_ones_are_ignored(writer_api: Api) -> None:
    agreement = bilateral_agreement(NationFactory(), NationFactory())
    url = f"agreements/{agreement.pk}/"
    response = writer_api.patch(url, {"descripton": "typo", "parties": [{"nation": 1, "rol": "party"}]})
    assert response.status_code == 400
    assert {error["attr"] for error in response.json()["errors"]} == {"descripton"}
    nested = writer_api.patch(url, {"parties": [{"nation": 1, "rol": "party"}]})
    assert nested.status_code == 400
    assert nested.json()["errors"][0]["attr"] == "parties.0.rol"
    body = writer_api.get(url).json()
    body["short_name"] = "Round trip"
    response = writer_api.put(url, body)
    assert response.status_code == 200, response.json()
    assert response.json()["short_name"] == "Round trip"


def test_revoke_api_token_command(live_server, transactional_db) -> None:
    issued = ApiToken.issue(user=UserFactory(), name="leaked")
    out = StringIO()
    call_command("revoke_api_token", f"ppr_{issued.token.prefix}", stdout=out)
    assert "Revoked" in out.getvalue()
    assert Api(base=live_server.url, key=issued.key).get("nations").status_code == 401
    again = StringIO()
    call_command("revoke_api_token", str(issued.token.pk), stdout=again)
    assert "already revoked" in again.getvalue()
    with pytest.raises(CommandError):
        call_command("revoke_api_token", "nosuchtoken")


def test_a_malformed_id_in_the_path_is_a_404(reader_api: Api, writer_api: Api) -> None:
    assert reader_api.get("agreements/abc/").status_code == 404
    assert writer_api.patch("agreements/abc/", {"short_name": "x"}).status_code == 404


# --- Counts ------------------------------------------------------------------------------------


def test_counts_beyond_the_exact_limit_are_estimates_and_paging_does_not_depend_on_them(
    reader_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from partnerships.services import counting

    NationFactory.create_batch(7)
    total = reader_api.get("nations").json()["count"]
    monkeypatch.setattr(counting, "EXACT_COUNT_LIMIT", 3)  # the live server runs in this process
    page = reader_api.get("nations", params={"limit": 2}).json()
    assert page["count_exact"] is False
    assert page["count"] >= 4  # PostgreSQL's estimate, never below the limit plus one
    seen, next_url = [row["id"] for row in page["results"]], page["next"]
    while next_url:  # every record is reachable, whatever the estimate says
        page = reader_api.get(next_url).json()
        seen += [row["id"] for row in page["results"]]
        next_url = page["next"]
    assert len(seen) == len(set(seen)) == total
    exact = reader_api.get("nations", params={"count": "exact"}).json()
    assert (exact["count"], exact["count_exact"]) == (total, True)
    refused = reader_api.get("nations", params={"count": "roughly"})
    assert refused.status_code == 400
    assert "count" in refused.text
    cursor = reader_api.get("nations", params={"after": 0, "count": "exact"})
    assert (cursor.json()["count"], cursor.json()["count_exact"]) == (total, True)


# --- What schemathesis found: the schema and the behaviour agree ------------------------


def test_an_unknown_address_under_api_is_a_json_404(reader_api: Api) -> None:
    for path in ("/api/v1/nope/", "/api/nope/", "/api/v1/nations/1.5/"):
        response = requests.get(f"{reader_api.base}{path}", headers={"Authorization": f"Token {reader_api.key}"})
        assert response.status_code == 404, path
        assert response.headers["Content-Type"] == "application/json", path
        assert response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize(
    ("path", "params", "attr"),
    [
        ("organizations", {"acronym__empty": "maybe"}, "acronym__empty"),
        ("organizations", {"acronym__empty": ""}, "acronym__empty"),
        ("nations", {"brief": "yes"}, "brief"),
        ("nations", {"brief": ""}, "brief"),
        ("nations", {"updated_since": ""}, "updated_since"),
        ("nations", {"updated_since": "2026-11-24"}, "updated_since"),
        ("nations", {"limit": ""}, "limit"),
        ("nations", {"offset": "+5"}, "offset"),
        ("nations", {"count": ""}, "count"),
        ("nations", {"exists_from": "01/31/2000"}, "exists_from"),
        ("nations", {"exists_from": ""}, "exists_from"),
        ("nations", {"cow_code__gt": "5.0"}, "cow_code__gt"),
        ("nations", {"region": ""}, "region"),
        ("resources", {"value__gt": "1e3"}, "value__gt"),
        ("agreements", {"in_force_on": "2000-1-1"}, "in_force_on"),
        ("agreements", {"party_organization_id": ""}, "party_organization_id"),
    ],
)
def test_a_malformed_query_value_is_a_400_naming_its_parameter(
    reader_api: Api, path: str, params: dict, attr: str
) -> None:
    response = reader_api.get(path, params=params)
    assert response.status_code == 400, response.text
    assert [error["attr"] for error in response.json()["errors"]] == [attr]


def test_empty_text_filters_and_well_formed_values_are_accepted(reader_api: Api) -> None:
    for params in ({"acronym": ""}, {"acronym__empty": "TRUE"}, {"brief": "1"}, {"value__gt": "-1.5"}):
        path = "resources" if "value__gt" in params else "organizations"
        assert reader_api.get(path, params=params).status_code == 200, params


def test_fields_may_name_any_field_of_the_record_and_narrow_the_brief_form(reader_api: Api) -> None:
    NationFactory()
    brief = reader_api.get("nations", params={"brief": "true", "fields": " id , region"}).json()["results"][0]
    assert set(brief) == {"id"}  # region is no part of the brief form
    assert reader_api.get("nations", params={"omit": "nope"}).status_code == 400


def test_a_malformed_if_match_is_a_400_and_a_malformed_body_is_refused_before_the_version(writer_api: Api) -> None:
    agreement = bilateral_agreement(NationFactory(), NationFactory())
    path = f"agreements/{agreement.pk}"
    malformed = writer_api.patch(path, json={"short_name": "X"}, headers={"If-Match": "0"})
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["attr"] == "If-Match"
    stale = {"If-Match": 'W/"1-1"'}
    assert writer_api.patch(path, json={"short_name": 7}, headers=stale).status_code == 400
    assert writer_api.patch(path, json={"short_name": "X"}, headers=stale).status_code == 412
    assert writer_api.delete(path, headers={"If-Match": ""}).status_code == 400


def test_a_number_sent_for_a_text_field_is_refused(writer_api: Api) -> None:
    response = writer_api.post("challenge-types", json={"slug": "x", "name": "X", "description": 0})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "description"


@pytest.mark.parametrize(("path", "name"), [("dyads", "region"), ("network", "as_of"), ("network", "program")])
def test_an_empty_value_is_refused_by_the_network_and_the_dyads(reader_api: Api, path: str, name: str) -> None:
    response = reader_api.get(path, params={name: ""})
    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == [name]


def test_the_network_of_a_program_that_does_not_exist_is_empty(reader_api: Api) -> None:
    response = reader_api.get("network", params={"program": 999999})
    assert response.status_code == 200
    assert response.json()["links"] == []


def test_the_schema_documents_what_the_server_answers(live_server) -> None:
    schema = requests.get(f"{live_server.url}/api/schema/?format=json", timeout=30).json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert {"400", "413", "414", "429", "431", "503"} <= set(operation["responses"]), (method, path)
            # The HTTP server in front answers these two itself, in HTML.
            assert "text/html" in operation["responses"]["414"]["content"]
    components = schema["components"]["schemas"]
    # The links echo the caller's query string: any text, not an RFC 3986 URI.
    assert "format" not in components["PaginatedNationList"]["properties"]["next"]
    # ?brief shows a measurement's indicator by its slug.
    assert {"type": "string"}.items() <= components["Measurement"]["properties"]["indicator"]["anyOf"][1].items()
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/agreements/"]["get"]["parameters"]}
    assert parameters["ended_on__lt"]["items"].get("nullable") is None
    assert parameters["provisions"]["items"]["type"] == "string"
    assert "title" in parameters["fields"]["pattern"]
    network = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/network/"]["get"]["parameters"]}
    assert network["exercise_years"]["minimum"] == 1
    # The focused view's parameters (issue 16), with their bounds.
    assert network["depth"]["maximum"] == 2
    assert network["limit"]["minimum"] == network["hubs"]["minimum"] - 1 == 1
    assert "pattern" in network["focus"]
    assert {"provision", "last_known", "outside"} <= set(network)


# --- Dates at their precision ------------------------------------------------------------


def test_each_date_has_its_precision_beside_it_readable_and_writable(writer_api: Api) -> None:
    agreement = bilateral_agreement(NationFactory(), NationFactory())
    url = f"agreements/{agreement.pk}/"
    body = writer_api.get(url).json()
    # The full ISO date stays (for compatibility); the precision says how much of it the source gives.
    assert (body["signed_on"], body["signed_on_precision"]) == (agreement.signed_on.isoformat(), "day")
    assert {party["joined_on_precision"] for party in body["parties"]} == {"day"}
    changed = writer_api.patch(url, {"signed_on": "1950-01-01", "signed_on_precision": "year", "status": "signed"})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["signed_on_precision"] == "year"
    agreement.refresh_from_db()
    assert agreement.signed_on_precision == "year"
    refused = writer_api.patch(url, {"signed_on_precision": "decade"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "signed_on_precision"


def test_the_schema_documents_every_date_precision(live_server) -> None:
    import requests

    schema = requests.get(f"{live_server.url}/api/schema/?format=json", timeout=30).json()
    components = schema["components"]["schemas"]
    assert components["DatePrecisionEnum"]["enum"] == ["day", "month", "year"]
    for name, fields in {
        "Agreement": ("signed_on", "in_force_from", "ended_on"),
        "AgreementParty": ("joined_on", "withdrew_on"),
        "Exercise": ("start_date", "end_date"),
        "ResourceSharing": ("start_date", "end_date"),
    }.items():
        for field in fields:
            documented = components[name]["properties"][f"{field}_precision"]
            assert "DatePrecisionEnum" in str(documented), (name, field)
            assert "only the month, or only the year" in documented["description"], (name, field)
