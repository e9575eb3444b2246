"""The seeded catalogues: indicators and the challenge taxonomy.

Migration 0008 creates these rows; staff add their own in the admin. The
slugs are stable identifiers (the API and survey files use them).
"""

from __future__ import annotations

# slug, name, unit, direction, scale, description
INDICATORS = (
    (
        "operational-readiness",
        "Operational readiness",
        "%",
        "higher",
        "numeric",
        "Share of committed units certified ready for the combined mission.",
    ),
    (
        "interoperability",
        "Interoperability",
        "score (1-5)",
        "higher",
        "likert_5",
        "How well partner forces worked together: procedures, communications, equipment.",
    ),
    (
        "joint-training-outcomes",
        "Joint training outcomes",
        "%",
        "higher",
        "numeric",
        "Share of the exercise's training objectives assessed as met.",
    ),
    (
        "information-sharing",
        "Information sharing",
        "score (1-5)",
        "higher",
        "likert_5",
        "How timely and complete the information exchanged between partners was.",
    ),
    (
        "cost-savings",
        "Cost savings",
        "USD million",
        "higher",
        "numeric",
        "Costs avoided through shared logistics, facilities or procurement.",
    ),
    (
        "time-to-integrate",
        "Time to integrate a partner unit",
        "days",
        "lower",
        "numeric",
        "Days from a partner unit's arrival to its full integration into the combined force.",
    ),
)

# slug, name, parent slug, description
CHALLENGE_TYPES = (
    ("divergent-interests", "Divergent national interests", None, "Partners' priorities or threat views differ."),
    ("communication-barriers", "Communication barriers", None, "Partners do not understand each other readily."),
    ("language", "Language", "communication-barriers", "No common working language, or too few interpreters."),
    ("culture", "Culture", "communication-barriers", "Different military and organizational cultures."),
    ("procedures", "Procedures", "communication-barriers", "Different doctrine, staff procedures or formats."),
    ("resource-disparity", "Resource disparity", None, "Partners bring very unequal means or funding."),
    (
        "legal-political",
        "Legal and political obstacles",
        None,
        "Legal limits, authorizations, ratification or domestic politics stand in the way.",
    ),
    (
        "interoperability-gaps",
        "Interoperability gaps",
        None,
        "Equipment, networks or data standards that do not connect.",
    ),
)


def seed(indicator_model: type, challenge_model: type) -> None:
    """Create the seeded rows, or bring them back to the catalogue; write nothing when they already match.

    Used by the migration (so it takes the historical models) and by every
    ``load_demo``: a row is saved only when a value differs, so running it
    again adds no history rows and leaves ``updated_at`` alone.
    """
    for slug, name, unit, direction, scale, description in INDICATORS:
        values = {
            "name": name,
            "unit": unit,
            "direction": direction,
            "scale": scale,
            "description": description,
            "built_in": True,
        }
        _ensure(indicator_model, slug, values)
    parents: dict[str, object] = {}
    for slug, name, parent, description in CHALLENGE_TYPES:
        values = {"name": name, "parent": parents.get(parent), "description": description}
        parents[slug] = _ensure(challenge_model, slug, values)


def _ensure(model: type, slug: str, values: dict[str, object]) -> object:
    """Return the row with ``slug``, created or updated to ``values`` only if it differs from them."""
    row = model.objects.filter(slug=slug).first()
    if row is None:
        return model.objects.create(slug=slug, **values)
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if changed:
        for name in changed:
            setattr(row, name, values[name])
        row.save()
    return row
