"""One sweep over every URL pattern of the site, as four kinds of user, over real HTTP.

Every registry model gets a restricted record whose text carries a marker;
the sweep reads every page, API endpoint, export, search, network, scorecard
and admin URL (list, detail, change, history, delete confirmation,
autocomplete…) as an anonymous visitor, an analyst without clearance, an
editor (staff with every change permission but no clearance) and an admin.
Only the admin may ever receive the marker; API counts must equal what the
user may see; nothing answers 5xx. Then every write (API POST/PUT/PATCH/DELETE,
admin add/change/delete) is tried by those who may not make it, and nothing
in the database changes.

A URL pattern the sweep cannot fill in fails the test unless it is listed in
SKIPPED with the reason, so a new page is swept the day it is added.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import requests
from django.apps import apps
from django.contrib.admin import site
from django.contrib.auth.models import Permission
from django.db import connection, models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from partnerships.api.urls import router
from partnerships.filters import FILTERSETS
from partnerships.models import (
    Agreement,
    AgreementAlias,
    AgreementParty,
    ApiToken,
    Assessment,
    AssessmentChallenge,
    Exercise,
    ExerciseParticipant,
    Finding,
    ListPreference,
    Measurement,
    Membership,
    Nation,
    Organization,
    OrganizationAlias,
    Program,
    ResourceSharing,
    SavedSearch,
)
from partnerships.models.base import kept_by_database
from partnerships.models.duplicates import DuplicateCandidate, MergeRecord
from partnerships.models.sources import (
    AgreementSource,
    ExerciseSource,
    NationSource,
    OrganizationSource,
    ResourceSource,
)
from partnerships.web.lists import LIST_PAGES
from partnerships.web.views import DETAIL_MODELS
from tests.factories import (
    AgreementAliasFactory,
    AgreementFactory,
    AgreementPartyFactory,
    AgreementSourceFactory,
    AssessmentChallengeFactory,
    AssessmentFactory,
    ChallengeTypeFactory,
    DuplicateCandidateFactory,
    ExerciseFactory,
    ExerciseParticipantFactory,
    ExerciseSourceFactory,
    FindingFactory,
    IndicatorFactory,
    MeasurementFactory,
    MembershipFactory,
    MergeRecordFactory,
    MultinationalFactory,
    NationFactory,
    NationSourceFactory,
    OrganizationAliasFactory,
    OrganizationFactory,
    OrganizationSourceFactory,
    ProgramFactory,
    ResourceSharingFactory,
    ResourceSourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)
MARKER = "ZQXSECRET"
# The restricted records' ids: long and distinctive, so that a page naming one by id is caught.
SECRET_IDS = {
    "nation": 8642001,
    "organization": 8642002,
    "program": 8642003,
    "agreement": 8642004,
    "exercise": 8642005,
    "assessment": 8642007,
}
LOGIN_NEXT = re.compile(r'\?next=[^"]*')
NOT_FOUND_MESSAGE = re.compile("with ID \u201c\\d+\u201d doesn\u2019t exist")
# A link that must be one of two or three: setting one clears the others.
EXCLUSIVE = (
    ("nation", "organization"),
    ("provider_nation", "provider_organization"),
    ("recipient_nation", "recipient_organization"),
    ("program", "agreement", "exercise"),
)
FACTORIES = {
    Organization: OrganizationFactory,
    Membership: MembershipFactory,
    Program: ProgramFactory,
    Agreement: AgreementFactory,
    AgreementParty: AgreementPartyFactory,
    AgreementAlias: AgreementAliasFactory,
    OrganizationAlias: OrganizationAliasFactory,
    Exercise: ExerciseFactory,
    ExerciseParticipant: ExerciseParticipantFactory,
    ResourceSharing: ResourceSharingFactory,
    Assessment: AssessmentFactory,
    Measurement: MeasurementFactory,
    Finding: FindingFactory,
    AssessmentChallenge: AssessmentChallengeFactory,
    AgreementSource: AgreementSourceFactory,
    ExerciseSource: ExerciseSourceFactory,
    ResourceSource: ResourceSourceFactory,
    OrganizationSource: OrganizationSourceFactory,
    NationSource: NationSourceFactory,
    DuplicateCandidate: DuplicateCandidateFactory,
    MergeRecord: MergeRecordFactory,
}
# Patterns the sweep does not request, and why.
SKIPPED = {
    "admin:view_on_site": "redirects to a model's get_absolute_url; registry models define none",
    "admin/(?P<url>.*)$": "the admin's catch-all 404 for unknown admin URLs",
    "admin:logout": "POST only; logging out is not a read",
    "logout": "POST only; logging out is not a read",
    "api:assessment-survey": "POST only; swept with the writes below",
    "admin:auth_user_password_change": "sets another user's password; admins only, no registry records",
    "partnerships:saved-search-delete": "POST only, the owner's own searches; tests/web/test_lists_personal.py",
    "partnerships:list-columns-reset": "POST only, the user's own columns; tests/web/test_lists_personal.py",
}


def _walk(patterns: list, prefix: str = "", namespace: str | None = None) -> list[tuple[str, str | None]]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace
            full = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            found += _walk(entry.url_patterns, prefix + str(entry.pattern), full)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            found.append((prefix + str(entry.pattern), name))
    return found


def _parameters(route: str) -> list[str]:
    return re.findall(r"(?<!\?P)<(?:\w+:)?(\w+)>", route) + re.findall(r"\(\?P<(\w+)>", route)


@pytest.fixture
def world() -> dict[str, Any]:
    """Public records, and one restricted record (or row) of every model, each carrying the marker."""
    secret: dict[type[models.Model], models.Model] = {}
    nation = NationFactory(id=SECRET_IDS["nation"], name=f"{MARKER} Nation", visibility="restricted")
    secret[Nation] = nation
    public_nation = NationFactory(name="Openland")
    organization = OrganizationFactory(
        id=SECRET_IDS["organization"], name=f"{MARKER} Directorate", visibility="restricted", description=MARKER
    )
    secret[type(organization)] = organization
    program = ProgramFactory(
        id=SECRET_IDS["program"], name=f"{MARKER} Program", acronym=MARKER, visibility="restricted", description=MARKER
    )
    secret[type(program)] = program
    agreement = AgreementFactory(
        id=SECRET_IDS["agreement"], title=f"{MARKER} Agreement", short_name=MARKER, visibility="restricted"
    )
    party = AgreementPartyFactory(agreement=agreement, nation=public_nation, notes=f"{MARKER} party")
    secret[type(agreement)] = agreement
    secret[type(party)] = party
    # Aliases are as visible as their record: a restricted record's aliases carry the marker too.
    secret[AgreementAlias] = AgreementAliasFactory(agreement=agreement, name=f"{MARKER} Pact")
    secret[OrganizationAlias] = OrganizationAliasFactory(organization=organization, name=f"{MARKER} Bureau")
    exercise = ExerciseFactory(
        id=SECRET_IDS["exercise"], name=f"{MARKER} Exercise", series=f"{MARKER} Series", visibility="restricted"
    )
    participant = ExerciseParticipantFactory(exercise=exercise, nation=public_nation, notes=f"{MARKER} participant")
    secret[type(exercise)] = exercise
    secret[type(participant)] = participant
    resource = ResourceSharingFactory(
        reference=f"{MARKER}-1", description=f"{MARKER} transfer", visibility="restricted"
    )
    secret[type(resource)] = resource
    membership = MembershipFactory(
        organization=MultinationalFactory(), nation=public_nation, visibility="restricted", source_text=MARKER
    )
    secret[type(membership)] = membership
    assessment = AssessmentFactory(
        id=SECRET_IDS["assessment"], title=f"{MARKER} Assessment", visibility="restricted", summary=MARKER
    )
    secret[type(assessment)] = assessment
    measurement = MeasurementFactory(assessment=assessment, notes=MARKER)
    secret[type(measurement)] = measurement
    finding = FindingFactory(assessment=assessment, text=f"{MARKER} finding")
    secret[type(finding)] = finding
    challenge = AssessmentChallengeFactory(assessment=assessment, notes=MARKER)
    secret[type(challenge)] = challenge
    # Sources are as visible as their record: a restricted record's sources carry the marker too.
    for record, source_factory in (
        (nation, NationSourceFactory),
        (organization, OrganizationSourceFactory),
        (agreement, AgreementSourceFactory),
        (exercise, ExerciseSourceFactory),
        (resource, ResourceSourceFactory),
    ):
        secret[source_factory._meta.model] = source_factory(record=record, citation=f"{MARKER} citation")
    # Public records that point at restricted ones, and a public assessment of a restricted exercise.
    open_agreement = AgreementFactory(title="Open agreement", scope="multilateral")
    AgreementPartyFactory(agreement=open_agreement, nation=public_nation)
    # A public record's source that names the restricted nation among its members: shown as restricted.
    hidden = f"nation:{SECRET_IDS['nation']}"
    AgreementSourceFactory(
        record=open_agreement,
        values={"members": [hidden], "member_periods": [[hidden, "1990-01-01", None, None]]},
    )
    AgreementPartyFactory(agreement=open_agreement, nation=NationFactory())
    AgreementPartyFactory(agreement=open_agreement, nation=nation)
    AssessmentFactory(title=f"{MARKER} behind a restricted exercise", exercise=exercise)
    FindingFactory(assessment=AssessmentFactory(title="Open review"), owner=organization)
    # Someone else's API token: staff see only their own.
    secret[ApiToken] = ApiToken.issue(user=UserFactory(username="token-owner"), name=f"{MARKER} token").token
    # Someone else's saved search and columns: staff see only their own in the admin.
    owner = secret[ApiToken].user
    secret[SavedSearch] = SavedSearch.objects.create(
        user=owner, name=f"{MARKER} search", list_key="agreement", query=f"q={MARKER}"
    )
    secret[ListPreference] = ListPreference.objects.create(user=owner, list_key="agreement", columns=["sources"])
    public = {
        "program": ProgramFactory(name="Open program"),
        "agreement": open_agreement,
        "exercise": ExerciseFactory(name="Open exercise", series="Open series"),
        "nation": public_nation,
        "indicator": IndicatorFactory(),
        "challengetype": ChallengeTypeFactory(),
    }
    for record in secret.values():
        _mark_every_text_field(record)
    linkers = _link_restricted_records(secret, public)
    return {"secret": secret, "public": public, "linkers": linkers}


def restricted_links() -> list[tuple[type[models.Model], models.ForeignKey]]:
    """Return every (model, foreign key) that can link a record with visibility: the links the rule covers."""
    links = []
    for model in apps.get_app_config("partnerships").get_models():
        if model not in FACTORIES:
            assert model._meta.model_name.startswith("historical") or not any(
                isinstance(f, models.ForeignKey) and hasattr(f.related_model, "visibility") for f in model._meta.fields
            ), f"{model.__name__} links records that may be restricted: add its factory to FACTORIES"
            continue
        for field in model._meta.fields:
            # The nation an actor row counts as is the database's to keep, from the links below: nobody sets it.
            if kept_by_database(field):
                continue
            if isinstance(field, models.ForeignKey) and any(
                f.name == "visibility" for f in field.related_model._meta.fields
            ):
                links.append((model, field))
    return links


def _mark_every_text_field(record: models.Model) -> None:
    """Put the marker in every free-text field of ``record`` that can hold it (codes and choices cannot)."""
    values: dict[str, str] = {}
    for field in record._meta.fields:
        if (
            field.choices
            or field.is_relation
            or field.unique
            or not isinstance(field, models.CharField | models.TextField)
        ):
            continue
        if isinstance(field, models.URLField):
            values[field.name] = f"https://example.org/{MARKER}"
        elif (field.max_length or 1000) >= len(MARKER) + 12:
            values[field.name] = f"{MARKER} {field.name}"[: field.max_length]
    type(record)._default_manager.filter(pk=record.pk).update(**values)


def _exclusive(model: type[models.Model], name: str) -> tuple[str, ...]:
    fields = {field.name for field in model._meta.fields if field.null}
    for group in EXCLUSIVE:
        if name in group and set(group) <= fields and (model is Assessment or "exercise" not in group):
            return group
    return (name,)


def _link_restricted_records(secret: dict, public: dict) -> list[models.Model]:
    """Make one public record per link that can name a restricted record, linked first to a public record
    and then changed to the restricted one (so that its history shows the change)."""
    open_targets = {
        Nation: public["nation"],
        Organization: OrganizationFactory(name="Open Directorate"),
        Program: public["program"],
        Agreement: public["agreement"],
        Exercise: public["exercise"],
        Assessment: AssessmentFactory(title="Open assessment"),
        ResourceSharing: ResourceSharingFactory(reference="Open transfer"),
    }
    linkers = []
    for model, field in restricted_links():
        cleared = {name: None for name in _exclusive(model, field.name) if name != field.name}
        record = FACTORIES[model](**{field.name: open_targets[field.related_model]}, **cleared)
        setattr(record, field.name, secret[field.related_model])
        record.save()
        if isinstance(record, Agreement):
            AgreementPartyFactory(agreement=record)  # a valid bilateral agreement: two parties
            AgreementPartyFactory(agreement=record)
        linkers.append(record)
    return linkers


def _users() -> dict[str, Any]:
    analyst = UserFactory(username="sweep-analyst")
    editor = UserFactory(username="sweep-editor", is_staff=True)
    editor.user_permissions.set(
        Permission.objects.filter(content_type__app_label="partnerships").exclude(codename="view_restricted")
    )
    staffview = UserFactory(username="sweep-staffview", is_staff=True)
    staffview.user_permissions.set(
        Permission.objects.filter(content_type__app_label="partnerships", codename__startswith="view_").exclude(
            codename="view_restricted"
        )
    )
    admin = UserFactory(username="sweep-admin", is_staff=True, is_superuser=True)
    return {"anonymous": None, "analyst": analyst, "staffview": staffview, "editor": editor, "admin": admin}


def _session(live_server: Any, user: Any) -> requests.Session:
    session = requests.Session()
    session.headers["Accept"] = "text/html,application/json"
    if user is not None:
        client = Client()
        client.force_login(user)
        session.cookies.set("sessionid", client.cookies["sessionid"].value, domain="localhost.local")
        session.cookies.set("sessionid", client.cookies["sessionid"].value)
    return session


def _api_models() -> dict[str, type[models.Model]]:
    return {basename: viewset.queryset.model for _prefix, viewset, basename in router.registry}


def _model_for(name: str) -> type[models.Model] | None:
    if name.startswith("admin:") and name.count("_") >= 2:
        app_label, rest = name[len("admin:") :].split("_", 1)
        model_name = rest.rsplit("_", 1)[0]
        if rest.endswith("_simple_history"):
            model_name = rest[: -len("_simple_history")]
        try:
            return apps.get_model(app_label, model_name)
        except (LookupError, ValueError):
            return None
    if name.startswith("api:") and name.endswith(("-list", "-detail")):
        return _api_models().get(name[len("api:") :].rsplit("-", 1)[0])
    if name.startswith("partnerships:") and name.endswith(("-list", "-detail")):
        return DETAIL_MODELS.get(name[len("partnerships:") :].rsplit("-", 1)[0])
    return None


def _targets(world: dict, model: type[models.Model] | None) -> list[models.Model]:
    secret = world["secret"].get(model) if model is not None else None
    publics = [record for record in world["public"].values() if model is not None and isinstance(record, model)]
    publics += [record for record in world["linkers"] if model is not None and type(record) is model]
    return [record for record in (secret, *publics) if record is not None]


def _urls(world: dict) -> list[tuple[str, str]]:
    """Return (pattern name, URL) for every pattern, with every restricted and public record filled in."""
    urls: list[tuple[str, str]] = []
    unfilled = []
    for route, name in _walk(get_resolver().url_patterns):
        key = name or route
        if key in SKIPPED:
            continue
        parameters = [p for p in _parameters(route) if p != "format"]
        if name is None:
            # The admin's redirect from <object_id>/ to <object_id>/change/: swept through the named URLs.
            assert route.startswith("admin/"), route
            assert route.endswith("<path:object_id>/"), route
            continue
        if "format" in _parameters(route) and not parameters:
            continue  # the list with a format suffix: the same view as the list
        model = _model_for(name)
        if name.endswith("_simple_history"):
            # simple-history's "see this version" page: positional (object id, history id).
            for record in _targets(world, model):
                urls.append((name, reverse(name, args=[record.pk, record.history.latest().history_id])))
            if _targets(world, model) or model._meta.app_label in ("auth", "axes"):
                continue
        if not parameters:
            urls.append((name, reverse(name)))
            continue
        filled = False
        if name.startswith(("api:scorecard-", "partnerships:scorecard-")):
            kind = name.rsplit("-", 1)[1]
            secret = {
                "program": world["secret"][type(world["public"]["program"])].pk,
                "agreement": world["secret"][type(world["public"]["agreement"])].pk,
                "series": f"{MARKER} Series",
                "nation": world["secret"][Nation].pk,
            }[kind]
            public = {
                "program": world["public"]["program"].pk,
                "agreement": world["public"]["agreement"].pk,
                "series": "Open series",
                "nation": world["public"]["nation"].iso3,
            }[kind]
            urls += [(name, reverse(name, kwargs={"key": value})) for value in (secret, public)]
            filled = True
        elif name == "partnerships:nation-code":
            for nation in (world["secret"][Nation], world["public"]["nation"]):
                urls.append((name, reverse(name, kwargs={"code": nation.iso3})))
            filled = True
        elif name == "admin:app_list":
            urls += [(name, reverse(name, kwargs={"app_label": label})) for label in ("partnerships", "auth", "axes")]
            filled = True
        elif name == "api:api-root":
            continue
        elif model is not None:
            for record in _targets(world, model):
                kwargs = {}
                for parameter in parameters:
                    if parameter in ("pk", "object_id"):
                        kwargs[parameter] = record.pk
                    elif parameter == "version_id":
                        kwargs[parameter] = record.history.latest().history_id
                if len(kwargs) == len(parameters):
                    urls.append((name, reverse(name, kwargs=kwargs)))
                    filled = True
            if not _targets(world, model) and model._meta.app_label in ("auth", "axes"):
                filled = True  # no records of these; their list and add pages are swept
        if not filled:
            unfilled.append(key)
    assert not unfilled, f"the sweep cannot fill in these URL patterns; teach it or list them in SKIPPED: {unfilled}"
    urls += [
        # Queries use the marker's first letters: matching it, without a page that echoes them leaking it.
        ("partnerships:search", reverse("partnerships:search") + f"?q={MARKER[:-1]}"),
        (
            "admin:autocomplete",
            reverse("admin:autocomplete") + f"?app_label=partnerships&model_name=agreement"
            f"&field_name=program&term={MARKER[:-1]}",
        ),
        ("api:dyads", reverse("api:dyads") + "?format=csv"),
        ("partnerships:timeline", reverse("partnerships:timeline") + f"?q={MARKER[:-1]}"),
        (
            "partnerships:suggest-actors",
            reverse("partnerships:suggest-actors") + f"?q={MARKER[:-1]}&kinds=nation,organization",
        ),
        # The readable network: hubs named after records, partners of partners, a region's outside partners.
        ("api:network", reverse("api:network") + f"?focus={world['public']['nation'].pk}&depth=2&hubs=2"),
        ("api:network", reverse("api:network") + "?hubs=2&region=east_asia_pacific"),
        ("api:network", reverse("api:network") + "?hubs=2&limit=5"),
    ]
    # Every chart's downloads: the figures and the drawing of what the page shows, nothing more.
    public_code = world["public"]["nation"].iso3
    for chart_format in ("csv", "svg"):
        urls += [
            ("partnerships:dashboard", reverse("partnerships:dashboard") + f"?chart=agreements&format={chart_format}"),
            ("partnerships:dashboard", reverse("partnerships:dashboard") + f"?chart=exercises&format={chart_format}"),
            (
                "partnerships:nation-code",
                reverse("partnerships:nation-code", kwargs={"code": public_code})
                + f"?chart=partners&format={chart_format}",
            ),
        ]
    # Partnership strength of the public nation (whose partners include the secret one) and of the pair.
    secret_code = world["secret"][Nation].iso3
    for name in ("api:strength", "partnerships:strength"):
        urls += [
            (name, reverse(name) + f"?nation={public_code}&year=2015"),
            (name, reverse(name) + f"?a={public_code}&b={secret_code}"),
        ]
    urls.append(("partnerships:strength", reverse("partnerships:strength") + f"?nation={public_code}&export=csv"))
    # The partners, comparison and dyad pages of the nations the restricted records link, and of the
    # restricted nation itself (as unknown as a missing one).
    openland, transfer = world["public"]["nation"].pk, world["secret"][ResourceSharing]
    ends = f"a={transfer.provider_nation_id}&b={transfer.recipient_nation_id}"
    for nation in (openland, world["secret"][Nation].pk):
        urls += [
            ("partnerships:partners", f"{reverse('partnerships:partners')}?nation={nation}&since=2015"),
            ("partnerships:partners", f"{reverse('partnerships:partners')}?nation={nation}&year=2014&export=csv"),
            ("api:partners", f"{reverse('api:partners')}?nation={nation}&since=2015"),
            ("partnerships:compare", f"{reverse('partnerships:compare')}?a={openland}&b={nation}"),
            ("partnerships:dyads", f"{reverse('partnerships:dyads')}?nation={nation}&year_from=2014"),
        ]
    urls += [
        ("partnerships:partners", f"{reverse('partnerships:partners')}?nation={transfer.provider_nation_id}&year=2015"),
        ("partnerships:compare", f"{reverse('partnerships:compare')}?{ends}"),
        ("partnerships:compare", f"{reverse('partnerships:compare')}?{ends}&export=csv&table=transfers"),
        ("partnerships:compare", f"{reverse('partnerships:compare')}?{ends}&export=csv&table=overlap"),
        ("partnerships:dyads", f"{reverse('partnerships:dyads')}?year_from=2014&export=csv"),
    ]
    # Every list as a CSV export and as JSON, and filtered by the id of each restricted record it can link.
    for key in LIST_PAGES:
        urls.append((f"partnerships:{key}-list", reverse(f"partnerships:{key}-list") + "?export=csv"))
    for basename in _api_models():
        urls.append((f"api:{basename}-list", reverse(f"api:{basename}-list") + "?format=json"))
    urls += [(name, url) for name, url, _model in _id_filter_urls(world)]
    return urls


def _hidden_id_filters(filterset: type) -> list[tuple[str, type[models.Model]]]:
    """Return (parameter, linked model) for each id filter of ``filterset`` that can name a restricted record."""
    found = []
    for name, filter_ in filterset.base_filters.items():
        related = getattr(filter_, "related_model", None)
        if name in ("party_organization_id", "participant_organization_id"):
            related = Organization
        if related is not None and any(f.name == "visibility" for f in related._meta.fields):
            found.append((name, related))
    return found


def _id_filter_urls(world: dict, missing: int | None = None) -> list[tuple[str, str, type[models.Model]]]:
    """Return (pattern name, URL, linked model) filtering each list by a restricted record's id (or ``missing``)."""
    secret_ids = {type(record): record.pk for record in world["secret"].values()}
    urls = []
    for key, page in LIST_PAGES.items():
        for name, related in _hidden_id_filters(FILTERSETS[page.model]):
            value = missing or secret_ids[related]
            urls.append((f"partnerships:{key}-list", f"{reverse(f'partnerships:{key}-list')}?{name}={value}", related))
    for basename, model in _api_models().items():
        if model not in FILTERSETS:
            continue
        for name, related in _hidden_id_filters(FILTERSETS[model]):
            value = missing or secret_ids[related]
            urls.append((f"api:{basename}-list", f"{reverse(f'api:{basename}-list')}?{name}={value}", related))
    for model in site._registry:
        if model._meta.app_label != "partnerships":
            continue
        for field in model._meta.fields:
            if isinstance(field, models.ForeignKey) and field.related_model in secret_ids:
                value = missing or secret_ids[field.related_model]
                changelist = reverse(f"admin:partnerships_{model._meta.model_name}_changelist")
                for lookup in (f"{field.name}__id__exact", field.name, f"{field.name}__in"):
                    urls.append(
                        (f"admin:{model._meta.model_name}", f"{changelist}?{lookup}={value}", field.related_model)
                    )
    urls.append(
        (
            "partnerships:timeline",
            f"{reverse('partnerships:timeline')}?program_id={missing or secret_ids[Program]}",
            Program,
        )
    )
    urls.append(("api:network", f"{reverse('api:network')}?program={missing or secret_ids[Program]}", Program))
    # The focused network on a hidden nation answers as on one that does not exist.
    urls.append(("api:network", f"{reverse('api:network')}?focus={missing or secret_ids[Nation]}&depth=2", Nation))
    return urls


def _snapshot() -> dict[str, Any]:
    state = {}
    with connection.cursor() as cursor:
        for model in apps.get_app_config("partnerships").get_models():
            table = model._meta.db_table
            column = "updated_at" if any(f.name == "updated_at" for f in model._meta.fields) else "id"
            cursor.execute(f'SELECT count(*), max("{column}") FROM "{table}"')
            state[table] = cursor.fetchone()
    return state


def test_nobody_sees_or_changes_what_they_may_not(world: dict, live_server: Any, settings: Any) -> None:
    settings.REGISTRY_PUBLIC_READ = True  # anonymous visitors read the public pages: sweep them too
    users = _users()
    urls = _urls(world)
    assert len(urls) > 200
    sessions = {role: _session(live_server, user) for role, user in users.items()}
    leaks, errors, admin_saw = [], [], set()
    requests_sent = 0
    for name, url in urls:
        for role, session in sessions.items():
            response = session.get(f"{live_server.url}{url}", allow_redirects=False, timeout=60)
            requests_sent += 1
            if response.status_code >= 500:
                errors.append((role, url, response.status_code))
            # A "not found" page may repeat the path asked for (the series name is in it).
            path = url.split("?")[0]
            body = response.content.decode(errors="replace").replace(unquote(path), "")
            body = LOGIN_NEXT.sub("", body)  # the page's "Log in" link returns to the URL asked for
            if MARKER in body:
                if role == "admin":
                    admin_saw.add(name)
                else:
                    leaks.append((role, url, response.status_code))
            # Nor by id: unless the URL itself carries it (a filter's chip repeats what was asked), or the
            # admin says, after a request for such a URL, that the id it was asked for does not exist.
            body = NOT_FOUND_MESSAGE.sub("", body)
            if role != "admin" and not any(str(pk) in url for pk in SECRET_IDS.values()):
                named = [pk for pk in SECRET_IDS.values() if str(pk) in body]
                if named:
                    leaks.append((role, url, response.status_code, f"ids {named}"))
            counted = role in ("analyst", "editor") and name.startswith("api:") and name.endswith("-list")
            if counted and "?" not in url and response.status_code == 200:
                model = _model_for(name)
                visible = model.objects.visible_to(users[role]).count()
                assert response.json()["count"] == visible, (role, url)
    assert not errors, errors
    assert not leaks, "\n".join(map(str, leaks))
    # The markers are real: the admin sees them on the lists of every kind of record.
    for name in ("partnerships:agreement-list", "partnerships:assessment-list", "api:finding-list", "api:nation-list"):
        assert name in admin_saw, name
    assert requests_sent == len(urls) * len(users)

    # --- writes by those who may not make them ----------------------------------------------------------
    editor_key = ApiToken.issue(user=users["editor"], name="sweep", write_enabled=True).key
    analyst_key = ApiToken.issue(user=users["analyst"], name="sweep", write_enabled=True).key
    before = _snapshot()
    tokens = {"anonymous": None, "analyst": analyst_key, "editor": editor_key}
    refused = 0
    for _prefix, viewset, basename in router.registry:
        model = viewset.queryset.model
        list_url = f"{live_server.url}{reverse(f'api:{basename}-list')}"
        for role, key in tokens.items():
            headers = {"Authorization": f"Token {key}"} if key else {}
            if role != "editor":
                response = requests.post(list_url, json={}, headers=headers, timeout=60)
                assert response.status_code in (401, 403), (role, list_url, response.status_code)
                refused += 1
            secret = world["secret"].get(model)
            if secret is None:
                continue
            detail = f"{live_server.url}{reverse(f'api:{basename}-detail', args=[secret.pk])}"
            for method in ("PUT", "PATCH", "DELETE"):
                response = requests.request(method, detail, json={}, headers=headers, timeout=60)
                expected = (404,) if role == "editor" else (401, 403)
                assert response.status_code in expected, (role, method, detail, response.status_code)
                refused += 1
    survey = reverse("api:assessment-survey", args=[world["secret"][Assessment].pk])
    response = requests.post(
        f"{live_server.url}{survey}",
        data=b"respondent,question,answer\n",
        timeout=60,
        headers={"Authorization": f"Token {editor_key}", "Content-Type": "text/csv"},
    )
    assert response.status_code in (403, 404)
    # The admin: an analyst is not staff; an editor cannot reach restricted records.
    for role in ("analyst", "editor"):
        client = Client()
        client.force_login(users[role])
        for model, record in world["secret"].items():
            if not hasattr(model, "visibility") and model._meta.model_name not in ("measurement", "finding"):
                continue
            for view in ("change", "delete"):
                try:
                    url = reverse(f"admin:partnerships_{model._meta.model_name}_{view}", args=[record.pk])
                except Exception:
                    continue
                response = client.post(url, {"post": "yes", "name": "Changed", "title": "Changed"})
                assert response.status_code in (302, 403, 404), (role, url, response.status_code)
                if response.status_code == 302:
                    assert "/login/" in response["Location"] or response["Location"].startswith("/admin/")
                refused += 1
    assert _snapshot() == before
    assert refused > 50


MISSING_ID = 9999991
CSRF = re.compile(r'(csrfmiddlewaretoken" value="|csrfToken": "|csrf_token" content=")[^"]+')


def _normalized(body: str, value: int) -> str:
    """A page with the id asked for, and the per-response CSRF token, blanked out."""
    return CSRF.sub(r"\1…", body.replace(str(value), "<id>"))


def test_filters_by_a_hidden_id_answer_as_for_a_missing_id(world: dict, live_server: Any, settings: Any) -> None:
    settings.REGISTRY_PUBLIC_READ = True
    users = _users()
    hidden = _id_filter_urls(world)
    missing = _id_filter_urls(world, missing=MISSING_ID)
    assert len(hidden) == len(missing) > 60
    compared = 0
    for role in ("anonymous", "analyst", "staffview", "editor"):
        session = _session(live_server, users[role])
        for (name, url, related), (_, missing_url, _) in zip(hidden, missing, strict=True):
            if name.startswith("admin:") and role in ("anonymous", "analyst"):
                continue  # not staff: the admin answers with its login page either way
            secret_id = SECRET_IDS[related._meta.model_name]
            one = session.get(f"{live_server.url}{url}", allow_redirects=False, timeout=60)
            other = session.get(f"{live_server.url}{missing_url}", allow_redirects=False, timeout=60)
            assert one.status_code == other.status_code, (role, url, one.status_code, other.status_code)
            assert _normalized(one.text, secret_id) == _normalized(other.text, MISSING_ID), (role, url)
            compared += 1
    # The comparison has teeth: a cleared user's answer differs (the public linkers match the hidden id).
    session = _session(live_server, users["admin"])
    program_filter = f"{reverse('api:agreement-list')}?program_id="
    cleared = session.get(f"{live_server.url}{program_filter}{SECRET_IDS['program']}", timeout=60).json()
    assert cleared["count"] >= 1
    assert session.get(f"{live_server.url}{program_filter}{MISSING_ID}", timeout=60).json()["count"] == 0
    assert compared > 200


def _admin_post_data(response: Any) -> dict[str, Any]:
    """Return what a browser posts when its user presses Save on an admin change page without changing a thing."""
    data: dict[str, Any] = {"_save": "Save"}

    def add(form: Any) -> None:
        for name, field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if field.disabled or value is None or value is False:
                continue
            if isinstance(value, list | tuple):
                data[key] = [str(item) for item in value]
            else:
                data[key] = "on" if value is True else str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for form in inline.formset.forms:
            add(form)
    return data


def _links_of(record: models.Model) -> dict[str, Any]:
    fresh = type(record)._default_manager.get(pk=record.pk)
    return {field.name: getattr(fresh, field.attname) for field in fresh._meta.fields if field.is_relation}


def test_writes_by_users_who_cannot_see_a_link_keep_it(world: dict, live_server: Any) -> None:
    """API PUT and PATCH, the admin's Save and a record-file import, by an editor without clearance."""
    from partnerships.services.importers.records import RecordsImporter
    from partnerships.services.record_io import RECORD_TYPES, export_records

    users = _users()
    editor = users["editor"]
    key = ApiToken.issue(user=editor, name="write-back", write_enabled=True).key
    api = requests.Session()
    api.headers.update({"Authorization": f"Token {key}", "Accept": "application/json"})
    admin = Client()
    admin.force_login(editor)
    basenames = {model: basename for basename, model in _api_models().items()}
    # Parents of hidden rows: a public agreement and exercise, each with a party/participant the editor may not see.
    parents = []
    for linker in world["linkers"]:
        parent = getattr(linker, "agreement", None) if isinstance(linker, AgreementParty) else None
        parent = parent or (linker.exercise if isinstance(linker, ExerciseParticipant) else None)
        visible = parent is not None and type(parent).objects.visible_to(editor).filter(pk=parent.pk).exists()
        if visible:
            # A second, visible party: the agreement stays valid (bilateral) when sent back.
            if isinstance(parent, Agreement):
                AgreementPartyFactory(agreement=parent)
            else:
                ExerciseParticipantFactory(exercise=parent)
            parents.append(parent)
    records = [r for r in world["linkers"] if type(r).objects.visible_to(editor).filter(pk=r.pk).exists()] + parents
    linking = {type(r) for r in world["linkers"] if r in records}
    assert {Organization, Program, Agreement, Exercise, ResourceSharing, Assessment, Finding} <= linking
    checked = 0
    for record in records:
        before = _links_of(record)
        rows_before = _rows(record)
        model = type(record)
        url = f"{live_server.url}{reverse(f'api:{basenames[model]}-detail', args=[record.pk])}"
        read = api.get(url, timeout=60)
        assert read.status_code == 200, (url, read.status_code)
        body = read.json()
        assert MARKER not in read.text
        response = api.put(url, json=body, timeout=60)
        assert response.status_code == 200, (url, response.text)
        response = api.patch(url, json={}, timeout=60)
        assert response.status_code == 200, (url, response.text)
        hidden_fields = [name for name, value in body.items() if isinstance(value, dict) and value.get("restricted")]
        for name in hidden_fields:
            erased = api.patch(url, json={name: None}, timeout=60)
            assert erased.status_code == 400, (url, name, erased.text)
            assert erased.json()["errors"][0]["attr"] == name
        assert _links_of(record) == before, url
        assert _rows(record) == rows_before, url
        # The admin: Save without changing anything.
        change = reverse(f"admin:partnerships_{model._meta.model_name}_change", args=[record.pk])
        page = admin.get(change)
        assert page.status_code == 200, change
        assert MARKER not in page.content.decode()
        saved = admin.post(change, _admin_post_data(page))
        assert saved.status_code == 302, (change, saved.context["errors"] if saved.context else saved)
        assert _links_of(record) == before, change
        assert _rows(record) == rows_before, change
        checked += 1
    assert checked >= len(linking)
    # Record files: exported by the editor (hidden links read "restricted record"), imported back by the editor.
    for name in ("organizations", "programs", "agreements", "exercises", "resources"):
        record_type = RECORD_TYPES[name]
        exported = list(export_records(record_type, user=editor))
        assert MARKER not in str(exported)
        snapshot = {r.pk: (_links_of(r), _rows(r)) for r in record_type.model.objects.all()}
        path = Path(tempfile.mkdtemp()) / f"{name}.json"
        path.write_text(json.dumps({"record_type": name, "records": exported}))
        report = RecordsImporter(user=editor).run(path)
        assert not report.rejected, (name, report.rejected)
        assert {r.pk: (_links_of(r), _rows(r)) for r in record_type.model.objects.all()} == snapshot, name


def _rows(record: models.Model) -> list[tuple]:
    relation = {Agreement: "parties", Exercise: "participants"}.get(type(record))
    if relation is None:
        return []
    return sorted(row.actor_key for row in getattr(record, relation).all())


def test_the_admin_refuses_to_make_a_record_restricted_without_clearance(world: dict) -> None:
    editor = _users()["editor"]
    client = Client()
    client.force_login(editor)
    program = world["public"]["program"]
    change = reverse("admin:partnerships_program_change", args=[program.pk])
    data = _admin_post_data(client.get(change))
    response = client.post(change, {**data, "visibility": "restricted"})
    assert response.status_code == 200
    assert "You may not make records restricted" in response.content.decode()
    program.refresh_from_db()
    assert program.visibility == "public"
    add = client.post(
        reverse("admin:partnerships_nation_add"),
        {"name": "Hidden Land", "iso3": "HLD", "region": "europe_central_asia", "visibility": "restricted"},
    )
    assert add.status_code == 200
    assert "You may not make records restricted" in add.content.decode()
    assert not Nation.objects.filter(name="Hidden Land").exists()
