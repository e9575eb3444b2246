"""The partnership network: nations and organizations as nodes, cooperation as links.

Links come from agreements (every pair of parties), joint exercises (every
pair of participants) and resource flows (provider → recipient). Each link
aggregates the records behind it and weighs them (obligation depth for
agreements, fewer participants weighing more for exercises). Only records,
rows and actors the user may see take part.

Readable views (see README "Partnership network"):

- **Focused**: one nation, its partners (``depth=1``) and their partners
  (``depth=2``), the ``limit`` strongest at each step. Read from the database
  restricted to the records of the nations in view.
- **Hubs**: a record with more than ``hubs`` actors is drawn as one node linked
  to each of its actors ("member" links) rather than as a clique.
- **Region**: links with at least one end in the region, so the partners
  outside it that its nations link to (the United States in East Asia) stay,
  marked ``outside_region``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from typing import Any

from partnerships.models import Nation, Organization
from partnerships.services import network_focus
from partnerships.services.links import url_maker
from partnerships.services.network_records import LINK_KINDS, Actors, Record, Scope, read_records

# How many records a link lists by name (the count covers them all).
RECORDS_PER_LINK = 5
MAX_DEPTH = 2
HUB_KIND = "member"
# The network page's defaults: more than 6 parties make a hub (NATO, the Rio Treaty, a 34-party
# non-aggression treaty, RIMPAC; not a trilateral pact), and the 20 strongest partners per step.
DEFAULT_HUBS = 6
DEFAULT_LIMIT = 20
# The obligations the page filters by: the alliance-data categories, deepest first.
PAGE_PROVISIONS = ("mutual_defense", "offense", "neutrality", "non_aggression", "consultation")


@dataclass
class Link:
    source: str
    target: str
    kind: str
    count: int = 0
    weight: float = 0.0
    last_known: int = 0
    records: list[dict[str, str]] = field(default_factory=list)


def years_before(day: date, years: int) -> date:
    """Return the same calendar day ``years`` earlier (28 February for a 29th), or the first day of year 1."""
    if day.year - years < date.min.year:
        return date.min
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def hub_id(record: Record) -> str:
    return f"h{record.kind[0]}{record.pk}"


class _Graph:
    """Links from records: pairs, or a hub per record with more than ``hubs`` actors."""

    def __init__(self, *, hubs: int | None) -> None:
        self.hubs = hubs
        self.links: dict[tuple[str, str, str], Link] = {}
        self.hub_records: dict[str, Record] = {}
        self.seen: set[tuple[str, int]] = set()
        # The focused view: how many partners each step found, before ``limit``.
        self.found: dict[int, int] = {}

    def add_records(self, records: list[Record]) -> None:
        for record in records:
            if (record.kind, record.pk) in self.seen:
                continue
            self.seen.add((record.kind, record.pk))
            if self.hubs is not None and len(record.actors) > self.hubs:
                hub = hub_id(record)
                self.hub_records[hub] = record
                for actor in record.actors:
                    self._add(actor, hub, HUB_KIND, record, directed=True)
            elif record.directed:
                self._add(record.actors[0], record.actors[-1], record.kind, record, directed=True)
            else:
                for a, b in combinations(record.actors, 2):
                    self._add(a, b, record.kind, record)

    def _add(self, a: str, b: str, kind: str, record: Record, *, directed: bool = False) -> None:
        # Called for every pair of every record (hundreds of thousands of times for the world at scale).
        if a == b:
            return
        key = (a, b, kind) if directed or a < b else (b, a, kind)
        link = self.links.get(key)
        if link is None:
            link = self.links[key] = Link(source=key[0], target=key[1], kind=kind)
        link.count += 1
        link.weight += record.weight
        link.last_known += record.last_known
        if len(link.records) < RECORDS_PER_LINK:
            link.records.append({"label": record.label, "url": record.url})

    def neighbours(self) -> dict[str, dict[str, float]]:
        """Each end's neighbours with the weight of all links between them."""
        around: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for link in self.links.values():
            around[link.source][link.target] += link.weight
            around[link.target][link.source] += link.weight
        return around


def build_network(
    *,
    user: Any,
    kinds: tuple[str, ...] = LINK_KINDS,
    as_of: date | None = None,
    program_id: int | None = None,
    region: str | None = None,
    exercise_years: int = 5,
    focus: int | None = None,
    depth: int = 1,
    limit: int | None = None,
    provisions: tuple[str, ...] = (),
    hubs: int | None = None,
    last_known: bool = False,
    outside: bool = True,
) -> dict[str, Any]:
    """Return ``{"nodes": [...], "links": [...], "as_of": ..., "counts": ..., "shown": ...}`` for ``user``.

    ``as_of`` keeps agreements in force on that day (and parties who were
    parties then; not dataset-only agreements past their dataset's end, whose
    status is unknown: see ``services/coverage.py``), resource flows under way
    then, and exercises held in the ``exercise_years`` before it.
    ``provisions`` keeps agreements binding a party to one of them (and no
    exercises or flows). ``focus`` (a nation id) gives the focused view,
    ``depth`` steps out; ``limit`` keeps the strongest partners at each step
    (focused) or the strongest links (otherwise). ``hubs``: records with more
    actors are one node. With ``focus`` or ``hubs``, a nation's own
    organizations count as the nation. ``last_known`` also draws the
    dataset-only agreements past their dataset's end, their links counting
    them in ``last_known``. ``outside=False`` keeps a region's links between
    its own nations only (and multinational organizations), as before.
    """
    from partnerships.models import Program

    if program_id is not None and not Program.objects.visible_to(user).filter(pk=program_id).exists():
        # A program the user may not see filters as one that does not exist: it matches nothing.
        program_id = 0
    scope = Scope(
        user=user,
        kinds=kinds,
        as_of=as_of,
        program_id=program_id,
        provisions=provisions,
        exercise_years=exercise_years,
        last_known=last_known,
        fold=focus is not None or hubs is not None,
    )
    graph = _Graph(hubs=hubs)
    if focus is not None:
        levels = _focused(graph, scope, focus=f"n{focus}", depth=min(depth, MAX_DEPTH), limit=limit, region=region)
        return _assemble(graph, user=user, as_of=as_of, region=region, levels=levels, limit=None)
    if region and (hubs is None or hubs >= 2):
        return _region(scope, region=region, hubs=hubs, limit=limit, outside=outside)
    graph.add_records(read_records(scope, region=region))
    return _assemble(graph, user=user, as_of=as_of, region=region, levels=None, limit=limit, outside=outside)


def _focused(
    graph: _Graph, scope: Scope, *, focus: str, depth: int, limit: int | None, region: str | None
) -> dict[str, int]:
    """Fill ``graph`` step by step out from ``focus``; return the level of each node kept (focus 0).

    Each step's partners are weighed and ranked in PostgreSQL (``network_focus.rank``), then only the
    links between the nodes kept are read, summed (``network_focus.links``)."""
    levels = {focus: 0}
    frontier = [focus]
    region_nations: set[str] | None = None
    if region:
        region_nations = {f"n{pk}" for pk in Nation.objects.filter(region=region).values_list("pk", flat=True)}
    with network_focus.session() as cursor:
        steps = 0
        for level in range(1, depth + 1):
            kept, graph.found[level] = network_focus.rank(
                cursor,
                scope,
                step=level,
                frontier=[node for node in frontier if node[0] in "no"],
                hubs=[node for node in frontier if node[0] == "h"],
                hub_limit=graph.hubs,
                exclude=set(levels),
                region_nations=region_nations,
                limit=limit,
            )
            steps = level
            for node in kept:
                levels[node] = level
            frontier = kept
        # The records read: those of the focus and of the nodes at each step but the last.
        links, graph.hub_records = network_focus.links(
            cursor, scope, steps=steps, levels=levels, hub_limit=graph.hubs, per_link=RECORDS_PER_LINK
        )
    for link in links:
        graph.links[(link["source"], link["target"], link["kind"])] = Link(**link)
    return levels


def _region(scope: Scope, *, region: str, hubs: int | None, limit: int | None, outside: bool) -> dict[str, Any]:
    """A region's network formed in PostgreSQL: its records' pairs (or hubs) summed per link, filtered and the
    ``limit`` strongest chosen there (``network_focus.region_links``), the graph the records would give."""
    graph = _Graph(hubs=hubs)
    with network_focus.session(hashed=True) as cursor:
        table, actors = network_focus.region_table(cursor, scope, Actors.in_region(region))
        nodes = _nodes(graph, user=scope.user, ends=set(actors))
        links, graph.hub_records, shown_links = network_focus.region_links(
            cursor,
            scope,
            table=table,
            regions={node_id: node["region"] for node_id, node in nodes.items()},
            region=region,
            outside=outside,
            hub_limit=hubs,
            per_link=RECORDS_PER_LINK,
            limit=limit,
        )
    for hub, record in graph.hub_records.items():
        nodes[hub] = _hub_node(hub, record, nodes)
    return _shape(
        graph,
        [Link(**link) for link in links],
        nodes,
        as_of=scope.as_of,
        region=region,
        levels=None,
        limit=limit,
        shown_links=shown_links,
    )


def _assemble(
    graph: _Graph,
    *,
    user: Any,
    as_of: date | None,
    region: str | None,
    levels: dict[str, int] | None,
    limit: int | None,
    outside: bool = True,
) -> dict[str, Any]:
    links_in = list(graph.links.values())
    if levels is not None:
        # The focused view: links between nodes kept, from one step to the next, or to a hub.
        links_in = [
            link
            for link in links_in
            if link.source in levels
            and link.target in levels
            and (levels[link.source] != levels[link.target] or link.kind == HUB_KIND)
        ]
    ends = {end for link in links_in for end in (link.source, link.target)}
    if levels is not None:
        ends |= {node for node, level in levels.items() if level == 0}
    nodes = _nodes(graph, user=user, ends=ends)
    kept_links = []
    for link in links_in:
        source, target = nodes.get(link.source), nodes.get(link.target)
        if source is None or target is None:
            continue  # an end the user may not see
        # A region: links with at least one end in it, so its partners elsewhere stay (marked outside_region).
        # A hub's members elsewhere are left to its count of parties (a 57-party pact would bring Europe).
        if region and levels is None and source["region"] != region and target["region"] != region:
            continue
        if (
            region
            and levels is None
            and not outside
            and any(end["region"] not in (region, None) for end in (source, target))
        ):
            continue
        kept_links.append(link)
    if region and levels is None and graph.hubs is not None:
        # A hub stays when one of its members in the region does.
        touching = {
            link.target for link in kept_links if link.kind == HUB_KIND and nodes[link.source].get("region") == region
        }
        kept_links = [link for link in kept_links if link.kind != HUB_KIND or link.target in touching]
    shown_links = len(kept_links)
    if limit is not None:
        kept_links.sort(key=lambda link: (-link.weight, -link.count, link.source, link.target))
        kept_links = kept_links[:limit]
    return _shape(
        graph, kept_links, nodes, as_of=as_of, region=region, levels=levels, limit=limit, shown_links=shown_links
    )


def _shape(
    graph: _Graph,
    kept_links: list[Link],
    nodes: dict[str, dict[str, Any]],
    *,
    as_of: date | None,
    region: str | None,
    levels: dict[str, int] | None,
    limit: int | None,
    shown_links: int,
) -> dict[str, Any]:
    """The answer from the links kept (in the graph's order) and the nodes they may name."""
    neighbours: dict[str, set[str]] = defaultdict(set)
    strength: dict[str, float] = defaultdict(float)
    for link in kept_links:
        neighbours[link.source].add(link.target)
        neighbours[link.target].add(link.source)
        strength[link.source] += link.weight
        strength[link.target] += link.weight
    kept = []
    for node_id, node in nodes.items():
        if not neighbours[node_id] and not (levels is not None and levels.get(node_id) == 0):
            continue
        node = dict(node, degree=len(neighbours[node_id]), weight=round(strength[node_id], 3))
        if levels is not None:
            node["level"] = levels[node_id]
        if region and node["kind"] != "hub":
            node["outside_region"] = node["region"] != region
        kept.append(node)
    if levels is not None:
        kept.sort(key=lambda node: (node["level"], -node["weight"], node["label"]))
    else:
        kept.sort(key=lambda node: (-node["degree"], node["label"]))
    out_links = [
        {
            "source": link.source,
            "target": link.target,
            "kind": link.kind,
            "count": link.count,
            "weight": round(link.weight, 3),
            "last_known": link.last_known,
            "records": link.records,
        }
        for link in kept_links
    ]
    if levels is not None:
        out_links.sort(key=lambda link: (-link["weight"], link["kind"], link["source"], link["target"]))
    else:
        out_links.sort(key=lambda link: (link["kind"], link["source"], link["target"]))
    result = {
        "as_of": as_of.isoformat() if as_of else None,
        "nodes": kept,
        "links": out_links,
        "counts": {kind: sum(1 for link in out_links if link["kind"] == kind) for kind in (*LINK_KINDS, HUB_KIND)},
    }
    if levels is not None:
        result["partners"] = {str(level): count for level, count in graph.found.items()}
    elif limit is not None:
        result["links_before_limit"] = shown_links
    return result


def _nodes(graph: _Graph, *, user: Any, ends: set[str]) -> dict[str, dict[str, Any]]:
    """The nodes ``ends`` names that ``user`` may see: one query for nations, one for organizations."""
    hubs = {hub: record for hub, record in graph.hub_records.items() if hub in ends}
    # A hub counts its actors the user may see: they are looked up with the nodes drawn.
    actors = ends.union(*(record.actors for record in hubs.values()))
    nation_ids = {int(end[1:]) for end in actors if end[0] == "n"}
    organization_ids = {int(end[1:]) for end in actors if end[0] == "o"}
    nodes: dict[str, dict[str, Any]] = {}
    nation_url = url_maker("partnerships:nation-detail")
    organization_url = url_maker("partnerships:organization-detail")
    for n in (
        Nation.objects.visible_to(user).filter(pk__in=nation_ids).values("id", "name", "iso3", "cow_abbr", "region")
    ):
        nodes[f"n{n['id']}"] = {
            "id": f"n{n['id']}",
            "kind": "nation",
            "label": n["name"],
            "code": n["iso3"] or n["cow_abbr"] or "",
            "region": n["region"] or None,
            "url": nation_url(n["id"]),
        }
    for o in (
        Organization.objects.visible_to(user)
        .filter(pk__in=organization_ids)
        .values("id", "name", "acronym", "kind", "nation__region")
    ):
        nodes[f"o{o['id']}"] = {
            "id": f"o{o['id']}",
            "kind": "organization",
            "label": o["name"],
            "code": o["acronym"],
            "region": o["nation__region"] or None,
            "multinational": o["kind"] == "multinational",
            "url": organization_url(o["id"]),
        }
    for hub, record in hubs.items():
        nodes[hub] = _hub_node(hub, record, nodes)
    return nodes


def _hub_node(hub: str, record: Record, nodes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A hub's node, counting the parties among ``nodes`` (those the user may see)."""
    return {
        "id": hub,
        "kind": "hub",
        "label": record.label,
        "code": "",
        "region": None,
        "record_kind": record.kind,
        "parties": sum(1 for actor in record.actors if actor in nodes),
        "url": record.url,
    }
