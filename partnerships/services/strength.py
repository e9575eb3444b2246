"""Partnership strength: one index per pair of nations and year, from agreements, exercises and transfers.

For a pair of nations and a year, three components, each on a scale of 0 to 1:

- **agreements** — how deep the obligations are that bind them that year:
  the deepest tier among the agreements in force between them (defense or
  offense 1, neutrality or non-aggression 0.6, consultation 0.4, any of the
  registry's other provisions 0.2, none coded 0.1), placed within its band by
  how many distinct agreements they share: ``depth * (0.8 + 0.2 * (1 - 1/n))``.
  One defense pact gives 0.8, many approach 1; no number of consultation
  pacts reaches one defense pact.
- **exercises** — joint exercises starting that year, each weighing
  ``1/(nations taking part - 1)`` (a bilateral exercise 1, a 40-nation one
  1/39), summed to ``x`` and saturated as ``x / (x + 3)``: three bilateral
  exercises (or their equivalent) give 0.5, twenty-seven 0.9.
- **transfers** — resources ordered that year, either way: SIPRI TIV
  (millions) plus monetary values in USD (in millions, as TIV is priced in
  millions of constant U.S. dollars), summed to ``t`` and saturated as
  ``t / (t + 100)``.

The index is their weighted mean, times 100: ``100 * Σ wᵢcᵢ / Σ wᵢ``, with
weights 0.5, 0.25, 0.25 by default. Saturating scales, rather than a share
of the year's largest pair, make a pair's value depend on that pair's
records only: it does not move when records of other nations are added, and
it needs no pass over the whole dyad table.

The rules are the dyad table's (``services/dyads.py``): parties count only
in their periods as parties, an organization of a nation counts as the
nation, multinational organizations are not nations, an agreement known
only from a dataset that has ended stops at that dataset's end unless
``extend_open``, and only what the user may see counts — restricted
nations, organizations, agreements, exercises and transfers never do.
Four queries whatever the number of partners or years (``strength_records``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from partnerships.choices import Provision
from partnerships.models import Nation
from partnerships.services.strength_records import Raw, raw_components, visible_nations

# The share of the agreements band that the number of agreements decides.
COUNT_SHARE = 0.2
# Half-saturation points: the raw amount that scores 0.5.
EXERCISE_HALF = 3.0  # bilateral-exercise equivalents in a year
TRANSFER_HALF = 100.0  # TIV (or USD) millions in a year
COMPONENTS = ("agreements", "exercises", "transfers")
DEFAULT_WEIGHTS = {"agreements": 0.5, "exercises": 0.25, "transfers": 0.25}
MAX_WEIGHT = 100


def agreements_score(depth: float, count: int) -> float:
    """Return the agreements component: the depth's band, placed in it by the number of agreements."""
    if count <= 0:
        return 0.0
    return depth * (1 - COUNT_SHARE + COUNT_SHARE * (1 - 1 / count))


def saturate(amount: float, half: float) -> float:
    """Return ``amount / (amount + half)``: 0 for nothing, 0.5 at ``half``, approaching 1."""
    return amount / (amount + half) if amount > 0 else 0.0


@dataclass(frozen=True)
class Weights:
    agreements: float = DEFAULT_WEIGHTS["agreements"]
    exercises: float = DEFAULT_WEIGHTS["exercises"]
    transfers: float = DEFAULT_WEIGHTS["transfers"]

    def __post_init__(self) -> None:
        values = [self.agreements, self.exercises, self.transfers]
        if not all(math.isfinite(value) and 0 <= value <= MAX_WEIGHT for value in values):
            raise ValueError(f"Each weight lies between 0 and {MAX_WEIGHT}.")
        if sum(values) <= 0:
            raise ValueError("At least one weight must be above 0.")

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in COMPONENTS}


@dataclass(frozen=True)
class Score:
    """One pair's index in one year, with each component (0-1) and the figures behind it."""

    index: float
    agreements: float
    exercises: float
    transfers: float
    raw: Raw

    def as_dict(self) -> dict[str, Any]:
        raw = self.raw
        return {
            "index": round(self.index, 2),
            "agreements": {
                "score": round(self.agreements, 4),
                "count": len(raw.agreements),
                "depth": raw.depth,
                "provisions": [p for p in Provision.values if p in raw.provisions],
            },
            "exercises": {
                "score": round(self.exercises, 4),
                "count": raw.exercises,
                "weighted": round(raw.exercise_weight, 4),
            },
            "transfers": {
                "score": round(self.transfers, 4),
                "count": raw.transfers,
                "tiv": float(raw.tiv),
                "value_usd": float(raw.usd),
            },
        }


def score(raw: Raw, weights: Weights) -> Score:
    """Return the index of ``raw``'s pair and year under ``weights``."""
    parts = {
        "agreements": agreements_score(raw.depth, len(raw.agreements)),
        "exercises": saturate(raw.exercise_weight, EXERCISE_HALF),
        "transfers": saturate(float(raw.tiv) + float(raw.usd) / 1_000_000, TRANSFER_HALF),
    }
    total = sum(getattr(weights, name) for name in COMPONENTS)
    index = 100 * sum(getattr(weights, name) * parts[name] for name in COMPONENTS) / total
    return Score(index=index, raw=raw, **parts)


@dataclass(frozen=True)
class Ranked:
    partner: dict[str, Any]
    score: Score


def partners_in_year(
    *, user: Any, nation: Nation, year: int, weights: Weights, extend_open: bool = False
) -> list[Ranked]:
    """Return ``nation``'s partners in ``year``, strongest first (ties by name)."""
    nations = visible_nations(user=user)
    found = raw_components(
        user=user, nation=nation.pk, first_year=year, last_year=year, nations=nations, extend_open=extend_open
    )
    ranked = [Ranked(nations[partner], score(raw, weights)) for (partner, _), raw in found.items()]
    return sorted(ranked, key=lambda item: (-item.score.index, item.partner["name"]))


def pair_over_time(
    *, user: Any, a: Nation, b: Nation, first_year: int, last_year: int, weights: Weights, extend_open: bool = False
) -> list[tuple[int, Score]]:
    """Return [(year, score)] for the pair, every year from ``first_year`` to ``last_year`` (zeros included)."""
    nations = visible_nations(user=user)
    found = raw_components(
        user=user,
        nation=a.pk,
        partner=b.pk,
        first_year=first_year,
        last_year=last_year,
        nations=nations,
        extend_open=extend_open,
    )
    return [(year, score(found.get((b.pk, year)) or Raw(), weights)) for year in range(first_year, last_year + 1)]


@dataclass(frozen=True)
class DecadeRank:
    partner: dict[str, Any]
    index: float  # the mean of the decade's yearly indexes
    agreements: float
    exercises: float
    transfers: float


def top_partners_by_decade(
    *,
    user: Any,
    nation: Nation,
    first_year: int,
    last_year: int,
    weights: Weights,
    top: int = 10,
    extend_open: bool = False,
) -> list[tuple[int, list[DecadeRank]]]:
    """Return [(decade, its ``top`` partners)] for the decades with any partner, oldest first.

    A partner's value for a decade is the mean of its yearly index over the
    decade's years within ``first_year``-``last_year`` (a year without
    anything between the pair counts as 0).
    """
    nations = visible_nations(user=user)
    found = raw_components(
        user=user,
        nation=nation.pk,
        first_year=first_year,
        last_year=last_year,
        nations=nations,
        extend_open=extend_open,
    )
    sums: dict[int, dict[int, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0, 0.0, 0.0]))
    for (partner, year), raw in found.items():
        scored = score(raw, weights)
        totals = sums[year - year % 10][partner]
        for position, value in enumerate((scored.index, scored.agreements, scored.exercises, scored.transfers)):
            totals[position] += value
    decades = []
    for decade in sorted(sums):
        years = min(decade + 9, last_year) - max(decade, first_year) + 1
        ranked = sorted(
            (
                DecadeRank(nations[partner], *(value / years for value in totals))
                for partner, totals in sums[decade].items()
            ),
            key=lambda item: (-item.index, item.partner["name"]),
        )
        decades.append((decade, ranked[:top]))
    return decades
