"""Load the real, cited case studies in ``partnerships/reference/demo/`` into the registry.

The records are data files (see ``partnerships.services.demo_files``), read
and checked before anything is written. Records are matched by their natural
keys. Missing ones are created; records that already exist are left exactly as
they are, so re-running the loader changes nothing and never overwrites an
editor's corrections.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction

from partnerships.audit import Channel, recorded_as
from partnerships.models import (
    Agreement,
    AgreementParty,
    AgreementSource,
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
from partnerships.services import sources
from partnerships.services.catalogues import seed as seed_catalogues
from partnerships.services.demo_files import DEMO_DIR, Conflict, DemoDataError, Entry, UnknownReference, read_all
from partnerships.services.nations import seed_nations

__all__ = ["ILLUSTRATIVE_DATASET", "DemoDataError", "DemoResult", "load_demo"]

# The illustrative assessments: every one is marked as invented, whatever its file says.
ILLUSTRATIVE_DATASET = "demo-illustrative"
ILLUSTRATIVE_NOTICE = (
    "ILLUSTRATIVE DEMO DATA — invented to demonstrate the registry's scorecards. "
    "Not a real assessment: no figure, finding or recommendation here comes from a real review."
)
ILLUSTRATIVE_SOURCE = (
    "Illustrative demo data written for the registry's demonstration; not a real assessment and not a real source."
)


@dataclass
class DemoResult:
    created: Counter = field(default_factory=Counter)
    existing: Counter = field(default_factory=Counter)
    # Records an import had created before the demo, made the demo's (see _Loader.adopt).
    adopted: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        labels = sorted(set(self.created) | set(self.existing) | set(self.adopted))
        return "\n".join(
            f"{label}: {self.created[label]} created, {self.existing[label]} already present"
            + (f", {self.adopted[label]} imported before and made the demo's" if self.adopted[label] else "")
            for label in labels
        )


class _Loader:
    def __init__(self, files: dict[str, list[Entry]]) -> None:
        self.files = files
        self.result = DemoResult()
        self.nations = {n.iso3: n for n in Nation.objects.exclude(iso3=None)}
        self.organizations: dict[str, Organization] = {}
        self.programs: dict[str, Program] = {}
        self.agreements: dict[str, Agreement] = {}
        self.exercises: dict[str, Exercise] = {}

    # --- references -------------------------------------------------------
    @staticmethod
    def _named(kind: str, table: dict[str, Any], name: str | None) -> Any:
        if name is None:
            return None
        try:
            return table[name]
        except KeyError:
            raise UnknownReference(f"names an unknown {kind} {name!r}") from None

    def nation(self, code: str | None) -> Nation | None:
        return self._named("nation code", self.nations, code)

    def organization(self, acronym: str | None) -> Organization | None:
        return self._named("organization (by acronym, in organizations.json)", self.organizations, acronym)

    def program(self, acronym: str | None) -> Program | None:
        return self._named("program (by acronym, in programs.json)", self.programs, acronym)

    def agreement(self, title: str | None) -> Agreement | None:
        return self._named("agreement (by title, in agreements.json)", self.agreements, title)

    def exercise(self, name: str | None) -> Exercise | None:
        return self._named("exercise (by name, in exercises.json)", self.exercises, name)

    # --- writing ------------------------------------------------------------
    @staticmethod
    def values(spec: dict[str, Any], *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
        return {key: value for key, value in spec.items() if key not in skip}

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
        for entry in self.files["nations.json"]:
            with entry.checked():
                nation, _ = self.get_or_create(Nation, {"cow_code": entry.values["cow_code"]}, entry.values)
                self.nations[nation.code] = nation

        for entry in self.files["organizations.json"]:
            spec = entry.values
            with entry.checked():
                nation = self.nation(spec.get("nation"))
                values = self.values(spec, skip=("nation", "parent"))
                values.update(nation=nation, parent=self.organization(spec.get("parent")))
                # An import may have created it under its acronym (SIPRI's "NATO**" is "NATO"): adopt that one.
                same = models.Q(name__iexact=spec["name"]) | models.Q(name__iexact=spec["acronym"])
                found = Organization.objects.filter(same | models.Q(acronym__iexact=spec["acronym"]), nation=nation)
                pk = (
                    found.order_by(models.Case(models.When(name__iexact=spec["name"], then=0), default=1), "pk")
                    .values_list("pk", flat=True)
                    .first()
                )
                lookup = {"pk": pk} if pk is not None else {"name__iexact": spec["name"], "nation": nation}
                org, _ = self.get_or_create(Organization, lookup, values)
                self.organizations[spec["acronym"]] = org

        for entry in self.files["memberships.json"]:
            spec = entry.values
            with entry.checked():
                values = self.values(spec, skip=("organization", "nation"))
                values.update(organization=self.organization(spec["organization"]), nation=self.nation(spec["nation"]))
                lookup = {k: values[k] for k in ("organization", "nation", "joined_on")}
                self.get_or_create(Membership, lookup, values)

        for entry in self.files["programs.json"]:
            spec = entry.values
            with entry.checked():
                values = self.values(spec, skip=("lead_nation", "lead_organization"))
                values.update(
                    lead_nation=self.nation(spec.get("lead_nation")),
                    lead_organization=self.organization(spec.get("lead_organization")),
                )
                program, _ = self.get_or_create(Program, {"name__iexact": spec["name"]}, values)
                self.programs[spec["acronym"]] = program

        for entry in self.files["agreements.json"]:
            with entry.checked():
                self.agreements[entry.values["title"]] = self.load_agreement(entry.values)

        for entry in self.files["exercises.json"]:
            spec = entry.values
            with entry.checked():
                values = self.values(spec, skip=("program", "agreement", "participants"))
                values.update(
                    program=self.program(spec.get("program")), agreement=self.agreement(spec.get("agreement"))
                )
                lookup = {"name__iexact": spec["name"], "start_date": values["start_date"]}
                exercise, created = self.get_or_create(Exercise, lookup, values)
                self.exercises[spec["name"]] = exercise
                if created:
                    participants = self.actor_rows(ExerciseParticipant, "exercise", exercise, spec["participants"])
                    validate_participant_set([p.actor_key for p in participants])
                    for participant in participants:
                        participant.save()

        for entry in self.files["resources.json"]:
            spec = entry.values
            with entry.checked():
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

    def load_agreement(self, spec: dict[str, Any]) -> Agreement:
        """Return the demo's agreement: found by title and signature day, found through a source, or created.

        The datasets the entry names (``sources``) become source rows of the
        record that no import follows: the record is curated. An agreement
        an import created before the demo, found through such a source row,
        becomes the demo's rather than a second record of the same treaty.
        Raise Conflict if the demo's record and another one both exist.
        """
        values = self.values(spec, skip=("program", "parties", "sources"))
        values["program"] = self.program(spec.get("program"))
        label = Agreement._meta.verbose_name_plural
        named = spec.get("sources", [])
        by_title = Agreement.objects.filter(title__iexact=spec["title"], signed_on=values["signed_on"]).first()
        by_source = self.records_of(named)
        others = {pk: keys for pk, keys in by_source.items() if by_title is None or pk != by_title.pk}
        if others and (by_title is not None or len(others) > 1):
            records = {record.pk: record for record in Agreement.objects.filter(pk__in=[*others, *by_source])}
            described = "; ".join(
                f"{', '.join(keys)} on agreement #{pk} “{records[pk].title}”" for pk, keys in sorted(others.items())
            )
            mine = f"the demo's agreement #{by_title.pk} exists and " if by_title is not None else ""
            raise Conflict(
                f"{mine}its sources are on other records ({described}): merge them into one in the admin "
                "(or delete the extra one), then run load_demo again"
            )
        if by_title is not None and by_title.follows and by_title.pk in by_source:
            # An import found it first and gave it the common title (the curated treaty list): the record
            # is the demo's treaty, still the dataset's; it becomes the demo's, as one found by its source.
            agreement = self.adopt(by_title, values, spec["parties"])
            self.result.adopted[label] += 1
        elif by_title is not None:
            agreement = by_title
            self.result.existing[label] += 1
        elif others:
            agreement = self.adopt(Agreement.objects.get(pk=next(iter(others))), values, spec["parties"])
            self.result.adopted[label] += 1
        else:
            agreement = Agreement(**values)
            agreement.full_clean()
            agreement.save()
            self.result.created[label] += 1
            self.add_parties(agreement, spec["parties"])
        self.add_sources(agreement, named)
        return agreement

    @staticmethod
    def records_of(named: list[dict[str, Any]]) -> dict[int, list[str]]:
        """Return the agreements that have a source row the entry names, with those sources as dataset:id."""
        found: dict[int, list[str]] = {}
        for source in named:
            rows = AgreementSource.objects.from_dataset(source["dataset"], source["dataset_id"])
            for record_id in rows.values_list("record_id", flat=True):
                found.setdefault(record_id, []).append(f"{source['dataset']}:{source['dataset_id']}")
        return found

    def add_parties(self, agreement: Agreement, rows: list[dict[str, Any]]) -> None:
        parties = self.actor_rows(AgreementParty, "agreement", agreement, rows)
        agreement.validate_parties([party.period_key for party in parties])
        for party in parties:
            party.save()

    def adopt(self, record: Agreement, values: dict[str, Any], parties: list[dict[str, Any]]) -> Agreement:
        """Make an agreement an import created the demo's: its values and parties, following no dataset.

        Every field takes the demo's value (or the default, for a field the
        entry leaves out: an import's title and date precisions go), except
        ``visibility``: restricting a record is a decision the demo does not undo.
        The import's member periods stay on its source row, where the page
        shows them beside the demo's parties.
        """
        curated = Agreement(**values)
        for model_field in Agreement._meta.concrete_fields:
            if model_field.editable and not model_field.primary_key and model_field.name != "visibility":
                setattr(record, model_field.attname, getattr(curated, model_field.attname))
        record.full_clean()
        record.save()
        for party in record.parties.all():
            party.delete()
        self.add_parties(record, parties)
        sources.follow(record, None)
        return record

    def add_sources(self, agreement: Agreement, named: list[dict[str, Any]]) -> None:
        """Give the agreement a source row, followed by nothing, for each dataset record the entry names."""
        label = AgreementSource._meta.verbose_name_plural
        for spec in named:
            if AgreementSource.objects.from_dataset(spec["dataset"], spec["dataset_id"]).exists():
                continue  # on this record (another record's was a Conflict)
            source = AgreementSource(record=agreement, followed=False, **spec)
            source.full_clean()
            source.save()
            self.result.created[label] += 1
        if named:
            sources.refresh_differs(agreement)

    def load_assessments(self) -> None:
        """The illustrative assessments: invented figures on the real demo records, marked as such."""
        seed_catalogues(Indicator, ChallengeType)
        indicators = {indicator.slug: indicator for indicator in Indicator.objects.all()}
        challenge_types = {row.slug: row for row in ChallengeType.objects.all()}
        for entry in self.files["assessments.json"]:
            with entry.checked():
                self.load_assessment(entry.values, indicators, challenge_types)

    def load_assessment(
        self, spec: dict[str, Any], indicators: dict[str, Indicator], challenge_types: dict[str, ChallengeType]
    ) -> None:
        values = {
            "title": spec["title"],
            "kind": spec["kind"],
            "program": self.program(spec.get("program")),
            "agreement": self.agreement(spec.get("agreement")),
            "exercise": self.exercise(spec.get("exercise")),
            "conducted_on": spec["conducted_on"],
            "assessor": self.organization(spec.get("assessor")),
            "overall_rating": spec.get("overall_rating"),
            "summary": ILLUSTRATIVE_NOTICE,
            "source_text": ILLUSTRATIVE_SOURCE,
            "source_dataset": ILLUSTRATIVE_DATASET,
            "source_id": spec["key"],
        }
        lookup = {"source_dataset": ILLUSTRATIVE_DATASET, "source_id": spec["key"]}
        assessment, created = self.get_or_create(Assessment, lookup, values)
        if not created:
            return
        for row in spec["measurements"]:
            slug = row["indicator"]
            measurement = Measurement(
                assessment=assessment,
                indicator=self._named("indicator (a catalogue slug)", indicators, slug),
                response_count=row.get("response_count"),
                distribution=row.get("distribution"),
                notes="Illustrative figure.",
                target=row.get("target"),
                actual=row.get("actual"),
                baseline=row.get("baseline"),
            )
            measurement.full_clean()
            measurement.save()
        for row in spec["findings"]:
            finding = Finding(
                assessment=assessment,
                kind=row["kind"],
                text=row["text"],
                owner=self.organization(row.get("owner")),
                due_on=row.get("due_on"),
                status=row.get("status", "open"),
                closed_on=row.get("closed_on"),
                follow_up=row.get("follow_up", ""),
            )
            finding.full_clean()
            finding.save()
        for row in spec["challenges"]:
            challenge = AssessmentChallenge(
                assessment=assessment,
                challenge_type=self._named("challenge type (a catalogue slug)", challenge_types, row["challenge_type"]),
                severity=row["severity"],
                notes=row.get("notes", ""),
            )
            challenge.full_clean()
            challenge.save()


@transaction.atomic
def load_demo(*, directory: Path = DEMO_DIR) -> DemoResult:
    """Load the nations and the cited demo records; return what was created and what was already there.

    Raise ``DemoDataError`` naming the file and the entry (and write nothing) if
    a file cannot be read or an entry has a bad value, names an unknown record or
    breaks a model rule.
    """
    files = read_all(directory)
    with recorded_as(Channel.IMPORT):
        seed = seed_nations()
        result = _Loader(files).load()
    result.created["nations"] += seed.created
    result.existing["nations"] += seed.updated + seed.unchanged
    return result
