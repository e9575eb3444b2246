"""Illustrative assessments for the demo programs, agreements and exercises.

EVERYTHING HERE IS INVENTED to show what the assessment pages and scorecards
do. The subjects are the real demo records, but no figure, finding,
recommendation or challenge below comes from a real review; titles begin
with “Illustrative:” and every record says so in its summary and source.
"""

from __future__ import annotations

from typing import Any

from partnerships.services.demo_data import EDCA_TITLE

DATASET = "demo-illustrative"
NOTICE = (
    "ILLUSTRATIVE DEMO DATA — invented to demonstrate the registry's scorecards. "
    "Not a real assessment: no figure, finding or recommendation here comes from a real review."
)
SOURCE = "Illustrative demo data written for the registry's demonstration; not a real assessment and not a real source."


def _m(
    indicator: str, *, target: str | None = None, actual: str | None = None, baseline: str | None = None, **extra: Any
):
    return {"indicator": indicator, "target": target, "actual": actual, "baseline": baseline, **extra}


def _r(
    text: str,
    *,
    owner: str | None,
    due: str | None,
    status: str = "open",
    closed: str | None = None,
    follow_up: str = "",
):
    return {
        "kind": "recommendation",
        "text": text,
        "owner": owner,
        "due_on": due,
        "status": status,
        "closed_on": closed,
        "follow_up": follow_up,
    }


def _f(text: str):
    return {
        "kind": "finding",
        "text": text,
        "owner": None,
        "due_on": None,
        "status": "open",
        "closed_on": None,
        "follow_up": "",
    }


ASSESSMENTS: list[dict[str, Any]] = [
    {
        "key": "us-ph-kpi-2023",
        "title": "Illustrative: U.S.-Philippines alliance KPI review 2023",
        "kind": "kpi_review",
        "program": "US-PH",
        "conducted_on": "2023-11-15",
        "assessor": "INDOPACOM",
        "overall_rating": 3,
        "measurements": [
            _m("operational-readiness", baseline="62", target="75", actual="68"),
            _m("interoperability", baseline="3.1", target="4", actual="3.6"),
            _m("time-to-integrate", baseline="21", target="10", actual="14"),
        ],
        "findings": [
            _f("Combined staff procedures were agreed for the first time but not yet rehearsed at scale."),
            _r(
                "Publish a combined standard operating procedure for maritime domain awareness sharing.",
                owner="INDOPACOM",
                due="2024-06-30",
                status="done",
                closed="2024-05-20",
                follow_up="Issued before Balikatan 2024 (illustrative).",
            ),
            _r(
                "Set up a standing bilingual liaison cell for exercise planning.",
                owner="AFP",
                due="2024-12-31",
                status="in_progress",
                follow_up="Cell staffed at half strength.",
            ),
        ],
        "challenges": [("procedures", "medium", ""), ("resource-disparity", "medium", "")],
    },
    {
        "key": "balikatan-2024-aar",
        "title": "Illustrative: Balikatan 2024 after-action review",
        "kind": "after_action_review",
        "exercise": "Balikatan 2024",
        "conducted_on": "2024-06-14",
        "assessor": "AFP",
        "overall_rating": 4,
        "measurements": [
            _m("joint-training-outcomes", target="85", actual="88"),
            _m("interoperability", target="4", actual="3.8", baseline="3.6"),
            _m("information-sharing", target="4", actual="4.1"),
            _m("time-to-integrate", target="10", actual="9", baseline="14"),
        ],
        "findings": [
            _f("Tactical data links between partner aircraft worked only through a relay ship."),
            _r(
                "Certify a common tactical data link profile for Philippine and U.S. aircraft.",
                owner="INDOPACOM",
                due="2025-03-31",
                status="open",
            ),
            _r(
                "Translate the exercise's command-and-control orders into Filipino for field units.",
                owner="AFP",
                due="2025-01-31",
                status="done",
                closed="2025-01-10",
            ),
            _r(
                "Plan maritime key-terrain security serials with observer nations from the outset.",
                owner="AFP",
                due="2027-03-01",
                status="open",
            ),
        ],
        "challenges": [
            ("interoperability-gaps", "high", "Data links (illustrative)."),
            ("language", "medium", ""),
            ("legal-political", "low", "Site access approvals (illustrative)."),
        ],
    },
    {
        "key": "balikatan-2025-survey",
        "title": "Illustrative: Balikatan 2025 participant survey",
        "kind": "survey",
        "exercise": "Balikatan 2025",
        "conducted_on": "2025-05-20",
        "assessor": "AFP",
        "overall_rating": None,
        "measurements": [
            _m(
                "interoperability",
                target="4",
                actual="4.2",
                response_count=120,
                distribution={"1": 2, "2": 6, "3": 14, "4": 40, "5": 58},
            ),
            _m(
                "information-sharing",
                target="4",
                actual="3.7",
                response_count=118,
                distribution={"1": 4, "2": 10, "3": 28, "4": 46, "5": 30},
            ),
        ],
        "findings": [
            _r(
                "Give junior staff officers access to the combined planning portal.",
                owner="INDOPACOM",
                due="2025-09-30",
                status="in_progress",
            ),
        ],
        "challenges": [("procedures", "medium", ""), ("interoperability-gaps", "medium", "")],
    },
    {
        "key": "us-ph-kpi-2025",
        "title": "Illustrative: U.S.-Philippines alliance KPI review 2025",
        "kind": "kpi_review",
        "program": "US-PH",
        "conducted_on": "2025-10-30",
        "assessor": "INDOPACOM",
        "overall_rating": 4,
        "measurements": [
            _m("operational-readiness", baseline="62", target="75", actual="76"),
            _m("interoperability", baseline="3.1", target="4", actual="4.1"),
            _m("time-to-integrate", baseline="21", target="10", actual="9"),
            _m("cost-savings", target="40", baseline="0"),
        ],
        "findings": [
            _r("Measure cost savings from shared logistics at EDCA sites.", owner="DSCA", due="2026-06-30"),
        ],
        "challenges": [("resource-disparity", "medium", ""), ("divergent-interests", "low", "")],
    },
    {
        "key": "edca-evaluation-2024",
        "title": "Illustrative: EDCA independent evaluation 2024",
        "kind": "independent_evaluation",
        "agreement": EDCA_TITLE,
        "conducted_on": "2024-09-10",
        "assessor": "DoD",
        "overall_rating": 3,
        "measurements": [_m("cost-savings", baseline="0", target="25", actual="18")],
        "findings": [
            _r("Agree a multi-year construction schedule for the agreed locations.", owner="DoD", due="2025-06-30"),
        ],
        "challenges": [("legal-political", "high", ""), ("divergent-interests", "medium", "")],
    },
    {
        "key": "rimpac-2024-forum",
        "title": "Illustrative: RIMPAC 2024 open forum",
        "kind": "open_forum",
        "exercise": "RIMPAC 2024",
        "conducted_on": "2024-08-15",
        "assessor": "USN",
        "overall_rating": 4,
        "measurements": [_m("interoperability", target="4", actual="4.3")],
        "findings": [_f("Smaller navies asked for earlier release of the exercise's communications plan.")],
        "challenges": [("language", "low", ""), ("resource-disparity", "high", "")],
    },
]
