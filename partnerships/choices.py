"""Enumerations shared by models, filters, serializers and importers.

Values are stable identifiers stored in the database and used in the API;
labels are what people read. Never rename a value without a data migration.
"""

from __future__ import annotations

from django.db import models


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public"
    RESTRICTED = "restricted", "Restricted"


class DatePrecision(models.TextChoices):
    """How much of a date the source gives: the whole day, only the month, or only the year.

    The stored date is still a whole day (the first of the month or year for a
    start, the last for an end), so that every filter and as-of question keeps
    working on it; the precision says how to show it ("2007", "Mar 1985").
    """

    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class Region(models.TextChoices):
    """World Bank regions: they cover historical states too, unlike UN M49."""

    EAST_ASIA_PACIFIC = "east_asia_pacific", "East Asia & Pacific"
    EUROPE_CENTRAL_ASIA = "europe_central_asia", "Europe & Central Asia"
    LATIN_AMERICA_CARIBBEAN = "latin_america_caribbean", "Latin America & Caribbean"
    MIDDLE_EAST_NORTH_AFRICA = "middle_east_north_africa", "Middle East & North Africa"
    NORTH_AMERICA = "north_america", "North America"
    SOUTH_ASIA = "south_asia", "South Asia"
    SUB_SAHARAN_AFRICA = "sub_saharan_africa", "Sub-Saharan Africa"


class OrganizationKind(models.TextChoices):
    MINISTRY_OF_DEFENSE = "ministry_of_defense", "Ministry of defense"
    ARMED_SERVICE = "armed_service", "Armed service"
    COMMAND = "command", "Command"
    INTELLIGENCE_AGENCY = "intelligence_agency", "Intelligence agency"
    DEFENSE_AGENCY = "defense_agency", "Defense agency"
    MULTINATIONAL = "multinational", "Multinational organization"
    NON_STATE = "non_state", "Non-state actor"


class MembershipRole(models.TextChoices):
    MEMBER = "member", "Member"
    PARTNER = "partner", "Partner"
    OBSERVER = "observer", "Observer"


class ProgramType(models.TextChoices):
    BILATERAL_PARTNERSHIP = "bilateral_partnership", "Bilateral partnership"
    MULTILATERAL_PARTNERSHIP = "multilateral_partnership", "Multilateral partnership"
    JOINT_EXERCISE_PROGRAM = "joint_exercise_program", "Joint exercise program"
    LOGISTICAL_PARTNERSHIP = "logistical_partnership", "Logistical partnership"
    DEVELOPMENT = "development", "Development (capacity building)"
    SECURITY_ASSISTANCE = "security_assistance", "Security assistance"


class ProgramObjective(models.TextChoices):
    COLLECTIVE_SECURITY = "collective_security", "Collective security"
    INTEROPERABILITY = "interoperability", "Interoperability"
    DEFENSE_RND = "defense_rnd", "Defense technology R&D"
    DIPLOMACY_TRUST = "diplomacy_trust", "Diplomacy and trust"
    CAPACITY_BUILDING = "capacity_building", "Capacity building"


class AgreementKind(models.TextChoices):
    TREATY = "treaty", "Treaty"
    EXECUTIVE_AGREEMENT = "executive_agreement", "Executive agreement"
    MOU = "mou", "Memorandum of understanding"
    FRAMEWORK = "framework", "Framework document"
    SOFA = "sofa", "Status of forces agreement"
    DEFENSE_COOPERATION = "defense_cooperation", "Defense cooperation agreement"
    LOA = "loa", "Letter of offer and acceptance"
    ALLIANCE = "alliance", "Alliance (dataset record)"
    OTHER = "other", "Other instrument"


class TitleOrigin(models.TextChoices):
    """Who wrote an agreement's title, which decides who may rewrite it."""

    # Typed by staff (the admin, the API): nothing the registry does replaces it.
    STAFF = "staff", "Typed by staff"
    # From the curated list of well-known treaties (partnerships/reference/treaties.csv).
    REFERENCE = "reference", "From the curated treaty list"
    # Described from the record's obligations, parties and year; rewritten when they change.
    GENERATED = "generated", "Generated from the record"


class AliasKind(models.TextChoices):
    ACRONYM = "acronym", "Acronym"
    COMMON_NAME = "common_name", "Common name"
    FORMER_NAME = "former_name", "Former name"
    OTHER_LANGUAGE = "other_language", "Other language"


class AgreementScope(models.TextChoices):
    BILATERAL = "bilateral", "Bilateral"
    MULTILATERAL = "multilateral", "Multilateral"


class AgreementStatus(models.TextChoices):
    NEGOTIATING = "negotiating", "Negotiating"
    SIGNED = "signed", "Signed"
    IN_FORCE = "in_force", "In force"
    SUSPENDED = "suspended", "Suspended"
    EXPIRED = "expired", "Expired"
    TERMINATED = "terminated", "Terminated"


class Provision(models.TextChoices):
    # The alliance-data categories (COW, ATOP) first, then the registry's own.
    MUTUAL_DEFENSE = "mutual_defense", "Mutual defense"
    OFFENSE = "offense", "Offense"
    NEUTRALITY = "neutrality", "Neutrality"
    NON_AGGRESSION = "non_aggression", "Non-aggression"
    CONSULTATION = "consultation", "Consultation (entente)"
    TRAINING_EXERCISES = "training_exercises", "Training and exercises"
    INTELLIGENCE_SHARING = "intelligence_sharing", "Intelligence sharing"
    TECHNOLOGY_TRANSFER = "technology_transfer", "Technology transfer"
    PROCUREMENT = "procurement", "Procurement"
    BASING_ACCESS = "basing_access", "Basing and access"
    LOGISTICS = "logistics", "Logistics"
    STATUS_OF_FORCES = "status_of_forces", "Status of forces"
    RESEARCH_DEVELOPMENT = "research_development", "Research and development"


class PartyRole(models.TextChoices):
    PARTY = "party", "Party"
    SIGNATORY = "signatory", "Signatory (not ratified)"
    OBSERVER = "observer", "Observer"
    GUARANTOR = "guarantor", "Guarantor"
    DEPOSITARY = "depositary", "Depositary"


class ExerciseKind(models.TextChoices):
    FIELD_TRAINING = "field_training", "Field training (live)"
    COMMAND_POST = "command_post", "Command post"
    TABLETOP = "tabletop", "Tabletop"
    SIMULATION = "simulation", "Computer-assisted simulation"
    COMBINED = "combined", "Combined (live and command post)"


class Domain(models.TextChoices):
    LAND = "land", "Land"
    SEA = "sea", "Sea"
    AIR = "air", "Air"
    AMPHIBIOUS = "amphibious", "Amphibious"
    CYBER = "cyber", "Cyber"
    SPACE = "space", "Space"


class ExercisePurpose(models.TextChoices):
    WARFIGHTING = "warfighting", "Warfighting"
    PEACEKEEPING = "peacekeeping", "Peacekeeping"
    HUMANITARIAN = "humanitarian", "Humanitarian assistance and disaster relief"
    MARITIME_SECURITY = "maritime_security", "Maritime security"
    COUNTERTERRORISM = "counterterrorism", "Counterterrorism"
    SEARCH_RESCUE = "search_rescue", "Search and rescue"


class ExerciseStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    PLANNED = "planned", "Planned"
    ONGOING = "ongoing", "Ongoing"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class ParticipantRole(models.TextChoices):
    HOST = "host", "Host"
    PARTICIPANT = "participant", "Participant"
    OBSERVER = "observer", "Observer"


class ResourceCategory(models.TextChoices):
    TECHNOLOGY = "technology", "Technology"
    EQUIPMENT = "equipment", "Equipment"
    PERSONNEL = "personnel", "Personnel"
    TRAINING = "training", "Training"
    FACILITIES = "facilities", "Facilities"
    INTELLIGENCE = "intelligence", "Intelligence"
    FUNDING = "funding", "Funding"
    LOGISTICS = "logistics", "Logistics"


class ResourceStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    ORDERED = "ordered", "Ordered"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class AssessmentKind(models.TextChoices):
    AFTER_ACTION_REVIEW = "after_action_review", "After-action review"
    SURVEY = "survey", "Participant survey"
    OPEN_FORUM = "open_forum", "Open forum"
    KPI_REVIEW = "kpi_review", "KPI review"
    INDEPENDENT_EVALUATION = "independent_evaluation", "Independent evaluation"


class IndicatorDirection(models.TextChoices):
    HIGHER_IS_BETTER = "higher", "Higher is better"
    LOWER_IS_BETTER = "lower", "Lower is better"


class IndicatorScale(models.TextChoices):
    LIKERT_5 = "likert_5", "Likert scale (1 to 5)"
    NUMERIC = "numeric", "Number"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


class FindingKind(models.TextChoices):
    FINDING = "finding", "Finding"
    RECOMMENDATION = "recommendation", "Recommendation"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class CandidateStatus(models.TextChoices):
    """Where staff's review of a pair of possibly duplicate records stands."""

    OPEN = "open", "Open"
    MERGED = "merged", "Merged"
    KEPT_APART = "kept_apart", "Kept apart"
