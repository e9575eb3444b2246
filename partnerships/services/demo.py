"""Load the real, cited case studies in ``demo_data`` into the registry.

Records are matched by their natural keys. Missing ones are created; records
that already exist are left exactly as they are, so re-running the loader
changes nothing and never overwrites an editor's corrections.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from partnerships.audit import Channel, recorded_as
from partnerships.models import (
    Agreement,
    AgreementParty,
    Assessment,
    AssessmentChallenge,
    ChallengeType,
    Exercise,
    ExerciseParticipant,
    Finding,
    Indicator,
    Measurement,
    Membership,
    Nation,
    Organization,
    Program,
    ResourceSharing,
    validate_participant_set,
)
from partnerships.services import demo_assessments, demo_data
from partnerships.services.catalogues import seed as seed_catalogues
from partnerships.services.nations import seed_nations

DATE_FIELDS = {
    "founded_on",
    "joined_on",
    "left_on",
    "started_on",
    "ended_on",
    "signed_on",
    "in_force_from",
    "expires_on",
    "start_date",
    "end_date",
    "withdrew_on",
    "exists_from",
    "exists_until",
}
DECIMAL_FIELDS = {"quantity", "value"}


@dataclass
class DemoResult:
    created: Counter = field(default_factory=Counter)
    existing: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        labels = sorted(set(self.created) | set(self.existing))
        return "\n".join(
            f"{label}: {self.created[label]} created, {self.existing[label]} already present" for label in labels
        )


class _Loader:
    def __init__(self) -> None:
        self.result = DemoResult()
        self.nations = {n.iso3: n for n in Nation.objects.exclude(iso3=None)}
        self.organizations: dict[str, Organization] = {}
        self.programs: dict[str, Program] = {}
        self.agreements: dict[str, Agreement] = {}

    # --- references -------------------------------------------------------
    def nation(self, code: str | None) -> Nation | None:
        if code is None:
            return None
        try:
            return self.nations[code]
        except KeyError:
            raise ValueError(f"Demo data names an unknown nation code {code!r}.") from None

    def organization(self, acronym: str | None) -> Organization | None:
        return None if acronym is None else self.organizations[acronym]

    def program(self, acronym: str | None) -> Program | None:
        return None if acronym is None else self.programs[acronym]

    def agreement(self, title: str | None) -> Agreement | None:
        return None if title is None else self.agreements[title]

    # --- writing ------------------------------------------------------------
    @staticmethod
    def values(spec: dict[str, Any], *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
        values = {}
        for key, value in spec.items():
            if key in skip:
                continue
            if key in DATE_FIELDS and value is not None:
                value = date.fromisoformat(value)
            elif key in DECIMAL_FIELDS and value is not None:
                value = Decimal(value)
            values[key] = value
        return values

    def get_or_create(
        self, model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]
    ) -> tuple[models.Model, bool]:
        label = model._meta.verbose_name_plural
        existing = model._default_manager.filter(**lookup).first()
        if existing is not None:
            self.result.existing[label] += 1
            return existing, False
        instance = model(**values)
        instance.full_clean()
        instance.save()
        self.result.created[label] += 1
        return instance, True

    def actor_rows(
        self, model: type[models.Model], parent_field: str, parent: models.Model, rows: list[dict[str, Any]]
    ) -> list[models.Model]:
        instances = []
        for row in rows:
            values = self.values(row, skip=("nation", "organization"))
            instance = model(
                **{parent_field: parent},
                nation=self.nation(row.get("nation")),
                organization=self.organization(row.get("organization")),
                **values,
            )
            instance.full_clean(exclude=[parent_field])
            instances.append(instance)
        return instances

    # --- record types -------------------------------------------------------
    def load(self) -> DemoResult:
        for spec in demo_data.NATIONS:
            nation, _ = self.get_or_create(Nation, {"cow_code": spec["cow_code"]}, self.values(spec))
            self.nations[nation.code] = nation

        for spec in demo_data.ORGANIZATIONS:
            nation = self.nation(spec.get("nation"))
            values = self.values(spec, skip=("nation", "parent"))
            values.update(nation=nation, parent=self.organization(spec.get("parent")))
            org, _ = self.get_or_create(Organization, {"name__iexact": spec["name"], "nation": nation}, values)
            self.organizations[spec["acronym"]] = org

        for spec in demo_data.MEMBERSHIPS:
            values = self.values(spec, skip=("organization", "nation"))
            values.update(organization=self.organization(spec["organization"]), nation=self.nation(spec["nation"]))
            lookup = {k: values[k] for k in ("organization", "nation", "joined_on")}
            self.get_or_create(Membership, lookup, values)

        for spec in demo_data.PROGRAMS:
            values = self.values(spec, skip=("lead_nation", "lead_organization"))
            values.update(
                lead_nation=self.nation(spec.get("lead_nation")),
                lead_organization=self.organization(spec.get("lead_organization")),
            )
            program, _ = self.get_or_create(Program, {"name__iexact": spec["name"]}, values)
            self.programs[spec["acronym"]] = program

        for spec in demo_data.AGREEMENTS:
            values = self.values(spec, skip=("program", "parties"))
            values["program"] = self.program(spec.get("program"))
            lookup = {"title__iexact": spec["title"], "signed_on": values["signed_on"]}
            agreement, created = self.get_or_create(Agreement, lookup, values)
            self.agreements[spec["title"]] = agreement
            if created:
                parties = self.actor_rows(AgreementParty, "agreement", agreement, spec["parties"])
                agreement.validate_parties([party.period_key for party in parties])
                for party in parties:
                    party.save()

        for spec in demo_data.EXERCISES:
            values = self.values(spec, skip=("program", "agreement", "participants"))
            values.update(program=self.program(spec.get("program")), agreement=self.agreement(spec.get("agreement")))
            lookup = {"name__iexact": spec["name"], "start_date": values["start_date"]}
            exercise, created = self.get_or_create(Exercise, lookup, values)
            if created:
                participants = self.actor_rows(ExerciseParticipant, "exercise", exercise, spec["participants"])
                validate_participant_set([p.actor_key for p in participants])
                for participant in participants:
                    participant.save()

        for spec in demo_data.RESOURCES:
            actor_keys = ("provider_nation", "provider_organization", "recipient_nation", "recipient_organization")
            values = self.values(spec, skip=("program", "agreement", *actor_keys))
            values.update(
                provider_nation=self.nation(spec.get("provider_nation")),
                provider_organization=self.organization(spec.get("provider_organization")),
                recipient_nation=self.nation(spec.get("recipient_nation")),
                recipient_organization=self.organization(spec.get("recipient_organization")),
                program=self.program(spec.get("program")),
                agreement=self.agreement(spec.get("agreement")),
            )
            self.get_or_create(ResourceSharing, {"reference": spec["reference"]}, values)
        self.load_assessments()
        return self.result

    def load_assessments(self) -> None:
        """The illustrative assessments: invented figures on the real demo records, marked as such."""
        seed_catalogues(Indicator, ChallengeType)
        indicators = {indicator.slug: indicator for indicator in Indicator.objects.all()}
        challenge_types = {row.slug: row for row in ChallengeType.objects.all()}
        exercises = {
            e.name: e
            for e in Exercise.objects.filter(name__in=[s.get("exercise") for s in demo_assessments.ASSESSMENTS])
        }
        for spec in demo_assessments.ASSESSMENTS:
            values = {
                "title": spec["title"],
                "kind": spec["kind"],
                "program": self.program(spec.get("program")),
                "agreement": self.agreement(spec.get("agreement")),
                "exercise": exercises[spec["exercise"]] if spec.get("exercise") else None,
                "conducted_on": date.fromisoformat(spec["conducted_on"]),
                "assessor": self.organization(spec.get("assessor")),
                "overall_rating": spec.get("overall_rating"),
                "summary": demo_assessments.NOTICE,
                "source_text": demo_assessments.SOURCE,
                "source_dataset": demo_assessments.DATASET,
                "source_id": spec["key"],
            }
            lookup = {"source_dataset": demo_assessments.DATASET, "source_id": spec["key"]}
            assessment, created = self.get_or_create(Assessment, lookup, values)
            if not created:
                continue
            for row in spec["measurements"]:
                decimals = {
                    k: Decimal(row[k]) if row.get(k) is not None else None for k in ("target", "actual", "baseline")
                }
                measurement = Measurement(
                    assessment=assessment,
                    indicator=indicators[row["indicator"]],
                    response_count=row.get("response_count"),
                    distribution=row.get("distribution"),
                    notes="Illustrative figure.",
                    **decimals,
                )
                measurement.full_clean()
                measurement.save()
            for row in spec["findings"]:
                finding = Finding(
                    assessment=assessment,
                    kind=row["kind"],
                    text=row["text"],
                    owner=self.organization(row["owner"]),
                    due_on=date.fromisoformat(row["due_on"]) if row["due_on"] else None,
                    status=row["status"],
                    closed_on=date.fromisoformat(row["closed_on"]) if row["closed_on"] else None,
                    follow_up=row["follow_up"],
                )
                finding.full_clean()
                finding.save()
            for slug, severity, notes in spec["challenges"]:
                challenge = AssessmentChallenge(
                    assessment=assessment, challenge_type=challenge_types[slug], severity=severity, notes=notes
                )
                challenge.full_clean()
                challenge.save()


@transaction.atomic
def load_demo() -> DemoResult:
    """Load the nations and the cited demo records; return what was created and what was already there.

    Raise ``ValidationError`` (and write nothing) if a demo record breaks a model rule.
    """
    with recorded_as(Channel.IMPORT):
        seed = seed_nations()
        result = _Loader().load()
    result.created["nations"] += seed.created
    result.existing["nations"] += seed.updated + seed.unchanged
    return result
