"""The admin: every page renders for staff, constant queries, cross-row rules, visibility, history."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerships.models import (
    Agreement,
    AgreementParty,
    ApiToken,
    Assessment,
    ChallengeType,
    DuplicateCandidate,
    Exercise,
    Finding,
    Indicator,
    ListPreference,
    Membership,
    MergeRecord,
    Nation,
    Organization,
    Program,
    ResourceSharing,
    SavedSearch,
)
from tests.factories import (
    AgreementFactory,
    AssessmentChallengeFactory,
    AssessmentFactory,
    ChallengeTypeFactory,
    ExerciseFactory,
    ExerciseParticipantFactory,
    FindingFactory,
    IndicatorFactory,
    MeasurementFactory,
    MembershipFactory,
    MultinationalFactory,
    NationFactory,
    OrganizationFactory,
    ProgramFactory,
    ResourceSharingFactory,
    bilateral_agreement,
)

pytestmark = pytest.mark.django_db

# The sources inline of a record without source rows, as a browser sends it.
NO_SOURCES = {
    "sources-TOTAL_FORMS": "0",
    "sources-INITIAL_FORMS": "0",
    "sources-MIN_NUM_FORMS": "0",
    "sources-MAX_NUM_FORMS": "1000",
}


def _agreement_with_parties() -> Agreement:
    return bilateral_agreement(NationFactory(), NationFactory(), program=ProgramFactory())


def _exercise_with_participants() -> Exercise:
    exercise = ExerciseFactory(program=ProgramFactory(), agreement=AgreementFactory())
    ExerciseParticipantFactory(exercise=exercise, role="host")
    ExerciseParticipantFactory(exercise=exercise, nation=None, organization=OrganizationFactory())
    return exercise


def _organization_with_members() -> Organization:
    organization = MultinationalFactory(parent=MultinationalFactory())
    MembershipFactory(organization=organization)
    return organization


def _resource() -> ResourceSharing:
    return ResourceSharingFactory(program=ProgramFactory(), agreement=AgreementFactory())


def _assessment_with_evidence() -> Assessment:
    assessment = AssessmentFactory(assessor=OrganizationFactory())
    MeasurementFactory(assessment=assessment)
    FindingFactory(assessment=assessment, owner=OrganizationFactory())
    AssessmentChallengeFactory(assessment=assessment)
    return assessment


# One builder per registered model: each makes one fully linked row.
BUILDERS: dict[type[models.Model], Callable[[], models.Model]] = {
    Nation: NationFactory,
    Organization: _organization_with_members,
    Membership: MembershipFactory,
    Program: lambda: ProgramFactory(lead_nation=NationFactory(), lead_organization=OrganizationFactory()),
    Agreement: _agreement_with_parties,
    Exercise: _exercise_with_participants,
    ResourceSharing: _resource,
    Assessment: _assessment_with_evidence,
    Finding: lambda: FindingFactory(owner=OrganizationFactory()),
    Indicator: IndicatorFactory,
    ChallengeType: lambda: ChallengeTypeFactory(parent=ChallengeTypeFactory()),
}
MODELS = list(BUILDERS)


def admin_url(model: type[models.Model], view: str, *args: object) -> str:
    return reverse(f"admin:partnerships_{model._meta.model_name}_{view}", args=args)


def test_every_registry_model_is_registered_in_the_admin() -> None:
    registered = {model for model in admin.site._registry if model._meta.app_label == "partnerships"}
    # Each user's list preferences and saved searches are there too (superusers see everyone's).
    assert registered == {*MODELS, ApiToken, DuplicateCandidate, MergeRecord, ListPreference, SavedSearch}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("view", ["changelist", "add", "change", "history"])
def test_admin_pages_render_for_staff(model, view: str, editor_client: Client, superuser_client: Client) -> None:
    record = BUILDERS[model]()
    args = (record.pk,) if view in ("change", "history") else ()
    url = admin_url(model, view, *args)
    for client in (editor_client, superuser_client):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if view == "change":
            assert str(record) in response.content.decode()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("view", ["changelist", "add", "change"])
def test_admin_pages_redirect_anonymous_users_to_login(model, view: str, client: Client) -> None:
    record = BUILDERS[model]()
    url = admin_url(model, view, *((record.pk,) if view == "change" else ()))
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_query_count_does_not_grow_with_rows(model, superuser_client: Client) -> None:
    url = admin_url(model, "changelist")
    BUILDERS[model]()
    with CaptureQueriesContext(connection) as one_row:
        assert superuser_client.get(url).status_code == 200
    for _ in range(49):
        BUILDERS[model]()
    assert model.objects.count() >= 50
    with CaptureQueriesContext(connection) as fifty_rows:
        response = superuser_client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 50
    assert len(fifty_rows) == len(one_row), [q["sql"][:160] for q in fifty_rows.captured_queries]


# --- Editing through the admin ---------------------------------------------------


# The "Also known as" inline's management form, empty, as a browser sends it.
ALIASES_FORMSET = {
    "aliases-TOTAL_FORMS": "0",
    "aliases-INITIAL_FORMS": "0",
    "aliases-MIN_NUM_FORMS": "0",
    "aliases-MAX_NUM_FORMS": "1000",
}


def _agreement_form(**overrides: object) -> dict[str, object]:
    data = {
        "title": "Enhanced Defense Cooperation Agreement",
        "short_name": "EDCA",
        "kind": "defense_cooperation",
        "scope": "bilateral",
        "status": "in_force",
        "signed_on": "2014-04-28",
        "in_force_from": "2014-06-25",
        # A browser always sends a select's value: each date's precision, "day" unless changed.
        "signed_on_precision": "day",
        "in_force_from_precision": "day",
        "ended_on_precision": "day",
        "visibility": "public",
        "source_url": "https://example.org/edca",
        "source_text": "Text of the agreement",
        "parties-TOTAL_FORMS": "0",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "1000",
        **NO_SOURCES,
        **ALIASES_FORMSET,
    }
    data.update(overrides)
    return data


def _with_parties(data: dict[str, object], nations: list[Nation]) -> dict[str, object]:
    data["parties-TOTAL_FORMS"] = str(len(nations))
    for index, nation in enumerate(nations):
        data[f"parties-{index}-nation"] = str(nation.pk)
        data[f"parties-{index}-role"] = "party"
        data.update(_party_precisions(index))
    return data


def _party_precisions(index: int) -> dict[str, str]:
    return {f"parties-{index}-joined_on_precision": "day", f"parties-{index}-withdrew_on_precision": "day"}


def test_admin_rejects_a_bilateral_agreement_with_one_party(editor_client: Client) -> None:
    usa = NationFactory()
    response = editor_client.post(admin_url(Agreement, "add"), _with_parties(_agreement_form(), [usa]))
    assert response.status_code == 200
    assert "A bilateral agreement has exactly two distinct parties; this one has 1." in response.content.decode()
    assert not Agreement.objects.exists()


def test_admin_edits_each_date_precision_next_to_its_date(editor_client: Client) -> None:
    usa, phl = NationFactory(), NationFactory()
    data = _with_parties(_agreement_form(signed_on="1951-01-01", signed_on_precision="year"), [usa, phl])
    data["parties-0-joined_on"], data["parties-0-joined_on_precision"] = "1951-08-01", "month"
    response = editor_client.post(admin_url(Agreement, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    agreement = Agreement.objects.get()
    assert agreement.signed_on_precision == "year"
    assert agreement.parties.get(nation=usa).joined_on_precision == "month"
    page = editor_client.get(admin_url(Agreement, "change", agreement.pk)).content.decode()
    assert 'name="signed_on_precision"' in page
    assert 'name="parties-0-withdrew_on_precision"' in page


def test_admin_rejects_the_same_party_twice(editor_client: Client) -> None:
    usa = NationFactory()
    response = editor_client.post(admin_url(Agreement, "add"), _with_parties(_agreement_form(), [usa, usa]))
    assert "listed more than once" in response.content.decode()
    assert not Agreement.objects.exists()


def test_admin_shows_date_errors_next_to_the_field(editor_client: Client) -> None:
    form = _with_parties(_agreement_form(in_force_from="2014-04-01"), NationFactory.create_batch(2))
    response = editor_client.post(admin_url(Agreement, "add"), form)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["in_force_from"] == ["The in-force date cannot be before the signature date."]
    assert not Agreement.objects.exists()


def test_admin_saves_a_valid_agreement_and_records_who_changed_it(editor, editor_client: Client) -> None:
    usa, phl = NationFactory.create_batch(2)
    response = editor_client.post(admin_url(Agreement, "add"), _with_parties(_agreement_form(), [usa, phl]))
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    agreement = Agreement.objects.get()
    assert {p.nation for p in agreement.parties.all()} == {usa, phl}
    assert agreement.history.get().history_user == editor
    assert agreement.parties.first().history.get().history_user == editor


def test_history_page_shows_who_changed_what(editor, editor_client: Client) -> None:
    agreement = _agreement_with_parties()
    url = admin_url(Agreement, "change", agreement.pk)
    page = editor_client.get(url)
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "provisions"}
    data.update(
        _agreement_form(
            title=agreement.title,
            short_name="Renamed",
            program=agreement.program_id,
            signed_on=agreement.signed_on.isoformat(),
            in_force_from=agreement.in_force_from.isoformat(),
        )
    )
    parties = list(agreement.parties.all())
    data.update({"parties-TOTAL_FORMS": "2", "parties-INITIAL_FORMS": "2"})
    for index, party in enumerate(parties):
        data.update(
            {
                f"parties-{index}-id": party.pk,
                f"parties-{index}-agreement": agreement.pk,
                f"parties-{index}-nation": party.nation_id,
                f"parties-{index}-role": party.role,
                **_party_precisions(index),
            }
        )
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    history = editor_client.get(admin_url(Agreement, "history", agreement.pk)).content.decode()
    assert "editor" in history
    assert "Renamed" in history


# --- Visibility in the admin ----------------------------------------------------------


def test_editor_without_clearance_never_sees_a_restricted_record(editor_client: Client) -> None:
    secret = AgreementFactory(title="Secret Basing Arrangement", visibility="restricted")
    AgreementFactory(title="Public Agreement")
    changelist = editor_client.get(admin_url(Agreement, "changelist")).content.decode()
    assert "Public Agreement" in changelist
    assert "Secret Basing Arrangement" not in changelist
    change = editor_client.get(admin_url(Agreement, "change", secret.pk))
    assert change.status_code == 302  # the admin's "does not exist" redirect
    assert editor_client.get(admin_url(Agreement, "history", secret.pk)).status_code == 404
    assert editor_client.get(admin_url(Agreement, "delete", secret.pk)).status_code == 302


def test_cleared_staff_see_restricted_records(superuser_client: Client) -> None:
    secret = AgreementFactory(title="Secret Basing Arrangement", visibility="restricted")
    assert "Secret Basing Arrangement" in superuser_client.get(admin_url(Agreement, "changelist")).content.decode()
    assert superuser_client.get(admin_url(Agreement, "change", secret.pk)).status_code == 200


def test_autocomplete_never_offers_a_restricted_record(editor_client: Client) -> None:
    NationFactory(name="Hiddenland", visibility="restricted")
    NationFactory(name="Hiddenburg")
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"term": "Hidden", "app_label": "partnerships", "model_name": "agreementparty", "field_name": "nation"},
    )
    names = [result["text"] for result in response.json()["results"]]
    assert names == ["Hiddenburg"]


def test_list_filter_and_choices_never_name_a_restricted_program(editor_client: Client) -> None:
    ProgramFactory(name="Covert Program", visibility="restricted")
    ProgramFactory(name="Open Program")
    changelist = editor_client.get(admin_url(Agreement, "changelist")).content.decode()
    assert "Open Program" in changelist
    assert "Covert Program" not in changelist
    add_page = editor_client.get(admin_url(Exercise, "add")).content.decode()
    assert "Covert Program" not in add_page


def test_history_of_a_deleted_restricted_record_is_hidden(editor_client: Client, superuser_client: Client) -> None:
    secret = ProgramFactory(visibility="restricted")
    pk = secret.pk
    secret.delete()
    assert editor_client.get(admin_url(Program, "history", pk)).status_code == 404
    assert superuser_client.get(admin_url(Program, "history", pk)).status_code == 200


def test_restricted_party_hidden_from_editor_still_counts_towards_the_bilateral_rule(editor_client: Client) -> None:
    secret_nation = NationFactory(visibility="restricted")
    public_nation = NationFactory()
    agreement = bilateral_agreement(public_nation, secret_nation)
    url = admin_url(Agreement, "change", agreement.pk)
    page = editor_client.get(url)
    assert page.status_code == 200
    assert secret_nation.name not in page.content.decode()
    visible_party = agreement.parties.get(nation=public_nation)
    data = _agreement_form(
        title=agreement.title,
        signed_on=agreement.signed_on.isoformat(),
        in_force_from=agreement.in_force_from.isoformat(),
        provisions=["basing_access"],
    )
    data.update(
        {
            "parties-TOTAL_FORMS": "1",
            "parties-INITIAL_FORMS": "1",
            "parties-0-id": visible_party.pk,
            "parties-0-agreement": agreement.pk,
            "parties-0-nation": public_nation.pk,
            "parties-0-role": "party",
            **_party_precisions(0),
        }
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.non_form_errors()
    assert agreement.parties.count() == 2


def test_membership_inline_on_organization_is_saved(editor_client: Client) -> None:
    nation = NationFactory()
    data = {
        "name": "Partnership Council",
        "acronym": "PC",
        "kind": "multinational",
        "visibility": "public",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        **NO_SOURCES,
        "memberships-0-nation": nation.pk,
        "memberships-0-role": "member",
        "memberships-0-joined_on": "2001-01-01",
        "memberships-0-visibility": "public",
        **ALIASES_FORMSET,
    }
    response = editor_client.post(admin_url(Organization, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Membership.objects.get().joined_on == datetime.date(2001, 1, 1)


# --- API tokens ---------------------------------------------------------------------------


def test_staff_create_a_token_in_the_admin_and_see_its_key_once(superuser, superuser_client: Client) -> None:
    response = superuser_client.post(
        reverse("admin:partnerships_apitoken_add"),
        {"user": superuser.pk, "name": "dashboard", "write_enabled": "on"},
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="dashboard")
    shown = [str(m) for m in response.context["messages"]]
    key = next(text.split("<code>")[1].split("</code>")[0] for text in shown if "<code>" in text)
    assert ApiToken.authenticate(key) == token
    assert token.key_digest != key
    assert token.write_enabled
    change_page = superuser_client.get(reverse("admin:partnerships_apitoken_change", args=[token.pk]))
    assert key not in change_page.content.decode()


def test_staff_revoke_tokens_from_the_admin(superuser, superuser_client: Client) -> None:
    issued = ApiToken.issue(user=superuser, name="old pipeline")
    response = superuser_client.post(
        reverse("admin:partnerships_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [issued.token.pk]},
        follow=True,
    )
    assert response.status_code == 200
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None
    assert ApiToken.authenticate(issued.key) is None


def test_staff_who_are_not_superusers_manage_only_their_own_tokens(editor, superuser, editor_client: Client) -> None:
    # A token acts as its user: issuing one for somebody else would borrow their permissions.
    theirs = ApiToken.issue(user=superuser, name="superuser pipeline").token
    mine = ApiToken.issue(user=editor, name="editor pipeline").token
    changelist = editor_client.get(reverse("admin:partnerships_apitoken_changelist")).content.decode()
    assert "editor pipeline" in changelist
    assert "superuser pipeline" not in changelist
    assert editor_client.get(reverse("admin:partnerships_apitoken_change", args=[theirs.pk])).status_code == 302
    response = editor_client.post(
        reverse("admin:partnerships_apitoken_add"), {"user": superuser.pk, "name": "borrowed", "write_enabled": "on"}
    )
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert not ApiToken.objects.filter(name="borrowed").exists()
    assert mine.user == editor


# --- Importing from the admin ---------------------------------------------------------------


STATES = (
    "stateabb,ccode,statenme,styear,stmonth,stday,endyear,endmonth,endday,version\n"
    "QUA,1931,Uploadland,1900,1,1,2016,12,31,2016\n"
)


def _upload(client: Client, text: str, **fields: object):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"kind": "cow-states", "visibility": "public", **fields}
    data["file"] = SimpleUploadedFile("states.csv", text.encode(), content_type="text/csv")
    return client.post(reverse("admin-import"), data)


def test_staff_import_a_dataset_from_the_admin_starting_with_a_dry_run(editor_client: Client) -> None:
    page = editor_client.get(reverse("admin:index")).content.decode()
    assert reverse("admin-import") in page
    dry = _upload(editor_client, STATES, dry_run="on")
    assert dry.status_code == 200
    assert "Dry run: nothing was written" in dry.content.decode()
    assert not Nation.objects.filter(cow_code=1931).exists()
    real = _upload(editor_client, STATES)
    assert "Imported" in real.content.decode()
    assert "Layout: COW state system membership (states2016 layout): 1 rows" in real.content.decode()
    assert Nation.objects.get(cow_code=1931).name == "Uploadland"


def test_an_older_sipri_register_uploaded_under_its_own_name_takes_the_supplier_from_it(
    editor_client: Client,
) -> None:
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    from partnerships.services.nations import seed_nations

    seed_nations()
    register = (Path(__file__).resolve().parent / "data/layouts/us-trade-register.csv").read_bytes()
    data = {"kind": "sipri", "visibility": "public"}
    data["file"] = SimpleUploadedFile("us-trade-register.csv", register, content_type="text/csv")
    html = editor_client.post(reverse("admin-import"), data).content.decode()
    assert "Imported" in html
    assert "supplier United States, from the file name us-trade-register.csv" in html
    assert ResourceSharing.objects.filter(provider_nation__iso3="USA").count() == 11


def test_admin_import_lists_rejected_rows_and_writes_nothing(editor_client: Client) -> None:
    response = _upload(editor_client, STATES + "QUB,x,Badland,1900,1,1,2016,12,31,2016\n")
    html = response.content.decode()
    assert "Nothing was written" in html
    assert "ccode: “x” is not a number" in html
    assert not Nation.objects.filter(cow_code=1931).exists()


def test_admin_import_needs_permissions(client: Client, editor_client: Client) -> None:
    assert client.get(reverse("admin-import")).status_code == 302
    refused = _upload(editor_client, STATES, visibility="restricted")
    assert refused.status_code == 403
    assert not Nation.objects.filter(cow_code=1931).exists()


# --- Assessments: inlines for measurements, findings and challenges --------------------


def _assessment_form(exercise: Exercise, indicator: Indicator, **measurement: str) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Balikatan 2026 after-action review",
        "kind": "after_action_review",
        "conducted_on": "2026-06-01",
        "exercise": str(exercise.pk),
        "visibility": "public",
        "source_url": "",
        "source_text": "",
    }
    for prefix in ("measurements", "findings", "challenges"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data["measurements-TOTAL_FORMS"] = "1"
    data["measurements-0-indicator"] = str(indicator.pk)
    data.update({f"measurements-0-{key}": value for key, value in measurement.items()})
    data.update(
        {
            "findings-TOTAL_FORMS": "1",
            "findings-0-kind": "recommendation",
            "findings-0-status": "open",
            "findings-0-text": "Certify a common data link profile.",
            "findings-0-due_on": "2026-12-31",
        }
    )
    return data


def test_admin_edits_an_assessment_with_its_evidence_inline(editor_client: Client) -> None:
    exercise, indicator = ExerciseFactory(), IndicatorFactory()
    refused = editor_client.post(admin_url(Assessment, "add"), _assessment_form(exercise, indicator, actual="80"))
    assert refused.status_code == 200
    assert "Give a target or a baseline" in refused.content.decode()
    assert not Assessment.objects.exists()
    both = _assessment_form(exercise, indicator, target="75", actual="80") | {"program": str(ProgramFactory().pk)}
    refused = editor_client.post(admin_url(Assessment, "add"), both)
    assert "Choose exactly one subject" in refused.content.decode()
    response = editor_client.post(
        admin_url(Assessment, "add"), _assessment_form(exercise, indicator, target="75", actual="80")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assessment = Assessment.objects.get()
    measurement = assessment.measurements.get()
    assert measurement.measured_on == datetime.date(2026, 6, 1)
    assert measurement.met is True
    assert assessment.findings.get().due_on == datetime.date(2026, 12, 31)
    assert assessment.history.get().history_user.username == "editor"


def test_the_seeded_indicators_cannot_be_deleted_in_the_admin(superuser_client: Client) -> None:
    seeded = Indicator.objects.get(slug="interoperability")
    assert superuser_client.get(admin_url(Indicator, "delete", seeded.pk)).status_code == 403
    own = IndicatorFactory()
    assert superuser_client.get(admin_url(Indicator, "delete", own.pk)).status_code == 200


def test_the_follow_up_tracker_filters_overdue_recommendations(editor_client: Client) -> None:
    late = FindingFactory(due_on=datetime.date(2020, 1, 1))
    FindingFactory(due_on=datetime.date(2999, 1, 1))
    response = editor_client.get(admin_url(Finding, "changelist"), {"overdue": "yes"})
    assert [row.pk for row in response.context["cl"].result_list] == [late.pk]


def test_an_editor_never_sees_a_restricted_assessments_rows_in_the_admin(editor_client: Client) -> None:
    hidden = AssessmentFactory(exercise=ExerciseFactory(visibility="restricted"), title="Hidden review")
    finding = FindingFactory(assessment=hidden, text="Hidden recommendation")
    assert editor_client.get(admin_url(Finding, "change", finding.pk)).status_code == 302  # "does not exist"
    assert editor_client.get(admin_url(Finding, "history", finding.pk)).status_code == 404
    assert editor_client.get(admin_url(Assessment, "history", hidden.pk)).status_code == 404
    listing = editor_client.get(admin_url(Finding, "changelist")).content.decode()
    assert "Hidden recommendation" not in listing


def test_an_editor_cannot_delete_what_would_take_hidden_records_with_it(editor_client: Client) -> None:
    hidden = NationFactory(name="Hidden Nation", visibility="restricted")
    agreement = bilateral_agreement(NationFactory(), hidden)
    url = admin_url(Agreement, "delete", agreement.pk)
    page = editor_client.get(url).content.decode()
    assert "Hidden Nation" not in page
    assert "1 related record(s) you may not see" in page
    editor_client.post(url, {"post": "yes"})
    assert Agreement.objects.filter(pk=agreement.pk).exists()


def test_list_columns_never_name_a_restricted_record(editor_client: Client) -> None:
    FindingFactory(owner=OrganizationFactory(name="Hidden Directorate", visibility="restricted"))
    page = editor_client.get(admin_url(Finding, "changelist")).content.decode()
    assert "Hidden Directorate" not in page
    assert "restricted record" in page  # the neutral name used everywhere


def test_admin_obligations_keep_as_the_agreement_apart_from_none(editor_client: Client) -> None:
    agreement = _agreement_with_parties()
    first, second = agreement.parties.order_by("id")
    AgreementParty.objects.filter(pk=second.pk).update(obligations=[])  # coded "no obligations", as data can be
    url = admin_url(Agreement, "change", agreement.pk)
    page = editor_client.get(url).content.decode()
    assert 'value="as_the_agreement"' in page

    def post(first_obligations: list[str]) -> Any:
        data = _agreement_form(
            title=agreement.title,
            short_name="Renamed",
            program=agreement.program_id,
            signed_on=agreement.signed_on.isoformat(),
            in_force_from=agreement.in_force_from.isoformat(),
        )
        data.update({"parties-TOTAL_FORMS": "2", "parties-INITIAL_FORMS": "2"})
        for index, (party, obligations) in enumerate(((first, first_obligations), (second, []))):
            data.update(
                {
                    f"parties-{index}-id": party.pk,
                    f"parties-{index}-agreement": agreement.pk,
                    f"parties-{index}-nation": party.nation_id,
                    f"parties-{index}-role": party.role,
                    f"parties-{index}-obligations": obligations,  # the checkboxes as the page ticked them
                    **_party_precisions(index),
                }
            )
        return editor_client.post(url, data)

    # Saved as shown: "as the agreement" stays unset, an empty set stays empty.
    assert post(["as_the_agreement"]).status_code == 302
    assert list(agreement.parties.order_by("id").values_list("obligations", flat=True)) == [None, []]
    refused = post(["as_the_agreement", "mutual_defense"])
    assert refused.status_code == 200
    assert "not both" in refused.content.decode()
    assert post(["mutual_defense"]).status_code == 302
    assert list(agreement.parties.order_by("id").values_list("obligations", flat=True)) == [["mutual_defense"], []]


# --- The review queue of duplicate candidates ----------------------------------------


def _duplicate_pair(**fields: object) -> tuple[Agreement, Agreement]:
    """One treaty twice: curated, and a dataset's record of it, with the same parties, two days apart."""
    from partnerships.models import AgreementSource

    nations = [NationFactory(), NationFactory()]
    curated = bilateral_agreement(*nations, title=f"Mutual Defense Treaty {Agreement.objects.count()}", **fields)
    signed = curated.signed_on + datetime.timedelta(days=2)
    dataset = bilateral_agreement(
        *nations,
        title=f"COW alliance {Agreement.objects.count()}",
        signed_on=signed,
        in_force_from=curated.in_force_from,
    )
    AgreementSource.objects.create(record=dataset, dataset="cow-alliances", dataset_id=str(dataset.pk), followed=True)
    return curated, dataset


def _queue() -> str:
    return reverse("admin:partnerships_duplicatecandidate_changelist")


def test_the_review_queue_shows_both_records_side_by_side(superuser_client: Client) -> None:
    from partnerships.services.duplicates import propose_candidates

    curated, dataset = _duplicate_pair()
    assert propose_candidates() == 1
    response = superuser_client.get(_queue())
    assert response.status_code == 200
    page = response.content.decode()
    assert curated.title in page
    assert dataset.title in page
    assert "same parties (2)" in page
    assert f"cow-alliances:{dataset.pk}" in page
    assert "2 parties" in page
    assert superuser_client.get(_queue() + "?kind=loa").context["cl"].result_count == 0
    assert superuser_client.get(_queue() + "?status=kept_apart").context["cl"].result_count == 0


def test_the_review_queue_hides_pairs_with_restricted_records_from_staff_without_clearance(
    editor_client: Client, superuser_client: Client
) -> None:
    from partnerships.models import DuplicateCandidate
    from partnerships.services.duplicates import propose_candidates

    secret, _ = _duplicate_pair(visibility="restricted")
    public, _ = _duplicate_pair(signed_on=datetime.date(2015, 4, 28), in_force_from=datetime.date(2015, 6, 25))
    assert propose_candidates() == 2
    hidden = DuplicateCandidate.objects.involving(secret).get()
    response = editor_client.get(_queue())
    assert response.context["cl"].result_count == 1
    assert secret.title not in response.content.decode()
    assert public.title in response.content.decode()
    review = reverse("admin:partnerships_duplicatecandidate_change", args=[hidden.pk])
    assert editor_client.get(review).status_code == 404
    assert editor_client.post(review, {"decision": "keep_apart"}).status_code == 404
    assert superuser_client.get(_queue()).context["cl"].result_count == 2
    assert superuser_client.get(review).status_code == 200


def test_staff_merge_a_pair_from_its_page_and_history_says_so(superuser, superuser_client: Client) -> None:
    from partnerships.models import DuplicateCandidate, MergeRecord
    from partnerships.services.duplicates import propose_candidates

    curated, dataset = _duplicate_pair()
    exercise = ExerciseFactory(agreement=dataset)
    propose_candidates()
    candidate = DuplicateCandidate.objects.get()
    review = reverse("admin:partnerships_duplicatecandidate_change", args=[candidate.pk])
    page = superuser_client.get(review)
    assert page.status_code == 200
    assert page.context["default_survivor"] == curated.pk  # curated by staff: it follows no dataset
    response = superuser_client.post(review, {"decision": "merge", "survivor": curated.pk})
    assert response.status_code == 302
    assert not Agreement.objects.filter(pk=dataset.pk).exists()
    exercise.refresh_from_db()
    assert exercise.agreement == curated
    latest = curated.history.latest()
    assert latest.history_change_reason == f"merged agreement {dataset.pk} into {curated.pk}"
    assert latest.history_user == superuser
    assert latest.history_channel == "admin"
    merge = MergeRecord.objects.get()
    # Undone from the list of merges: the record is back with its exercise.
    changelist = reverse("admin:partnerships_mergerecord_changelist")
    assert superuser_client.get(changelist).status_code == 200
    response = superuser_client.post(changelist, {"action": "undo_action", "_selected_action": [merge.pk]})
    assert response.status_code == 302
    exercise.refresh_from_db()
    assert exercise.agreement_id == dataset.pk
    assert DuplicateCandidate.objects.get().status == "open"


def test_staff_keep_pairs_apart_from_the_queue(editor, editor_client: Client) -> None:
    from partnerships.models import DuplicateCandidate
    from partnerships.services.duplicates import kept_apart, propose_candidates

    curated, dataset = _duplicate_pair()
    propose_candidates()
    candidate = DuplicateCandidate.objects.get()
    response = editor_client.post(_queue(), {"action": "keep_apart_action", "_selected_action": [candidate.pk]})
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == "kept_apart"
    assert candidate.decided_by == editor
    assert kept_apart(curated, dataset)
    assert propose_candidates() == 0
    assert editor_client.get(_queue()).context["cl"].result_count == 0


def test_review_queue_query_count_does_not_grow_with_rows(superuser_client: Client) -> None:
    from partnerships.services.duplicates import propose_candidates

    _duplicate_pair()
    propose_candidates()
    with CaptureQueriesContext(connection) as one_row:
        assert superuser_client.get(_queue()).status_code == 200
    for year in range(1960, 1990):
        _duplicate_pair(signed_on=datetime.date(year, 4, 28), in_force_from=datetime.date(year, 6, 25))
    assert propose_candidates() == 31
    with CaptureQueriesContext(connection) as many_rows:
        response = superuser_client.get(_queue())
    assert response.context["cl"].result_count == 31
    assert len(many_rows) == len(one_row), [q["sql"][:160] for q in many_rows.captured_queries]
