"""The focused network weighed in PostgreSQL: partners ranked, links summed, only the kept ones read.

The synthetic United States at benchmark scale L is party to tens of
thousands of records on a day; turning each into a Python record to keep its
20 strongest partners took 11 to 16 s. Here one query per step weighs every
candidate partner (``GROUP BY`` partner, each record's weight a ``CASE`` on its
deepest obligation, exercises ``2 / participants``, flows 0.5; a record with
more than ``hubs`` actors counts as a hub node) and keeps the ``limit``
strongest, and one more sums the links between the nodes kept, naming the
first ``RECORDS_PER_LINK`` records of each (by id). The weights, the ranking
(weight, then node id) and the links are those of the graph built record by
record in :mod:`partnerships.services.network`, which tests compare.

Rows come from the same visible, dated querysets as
:mod:`partnerships.services.network_records` (their SQL is embedded), so
restricted records, parties and actors take no part. Actors are folded: a
nation's own organizations count as the nation.

A region's view (``region_table``, ``region_links``) reads its records the
same way, folded only with ``hubs`` as the graph is, and forms, filters, sums
and ranks every pair in one query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, models, transaction
from django.db.models.functions import Cast, Concat

from partnerships.models import Agreement, Exercise, ExerciseParticipant, ResourceSharing
from partnerships.models.agreements import counted_nation
from partnerships.services.coverage import open_beyond_coverage_q
from partnerships.services.links import url_maker
from partnerships.services.network_records import (
    COOPERATION_DEPTH,
    OBLIGATION_DEPTH,
    RESOURCE_WEIGHT,
    Actors,
    Record,
    Scope,
    _last_known,
    agreements_in_scope,
)

# The temporary table of each step of a request (dropped when its transaction ends).
STEP_TABLE = "network_focus_step_"
KIND_INITIAL = {"agreement": "a", "exercise": "e", "resource": "r"}


def _actor(prefix: str = "", *, fold: bool) -> models.Expression:
    """``n<id>`` for a nation or (``fold``) an organization of one (the nation the row counts as, kept on it),
    else ``o<id>``: the graph's node ids."""
    text = models.CharField()
    nation = counted_nation(prefix).name if fold else f"{prefix}nation_id"
    return models.Case(
        models.When(**{f"{nation}__isnull": False}, then=Concat(models.Value("n"), Cast(nation, text))),
        default=Concat(models.Value("o"), Cast(f"{prefix}organization_id", text)),
        output_field=text,
    )


def _obligation_sql(column: str) -> str:
    """The ``CASE`` giving an agreement the weight of its deepest obligation (``obligation_depth``)."""
    by_depth: dict[float, list[str]] = defaultdict(list)
    for provision, depth in OBLIGATION_DEPTH.items():
        by_depth[depth].append(provision)
    whens = " ".join(
        f"WHEN {column} && ARRAY[{', '.join(repr(p) for p in sorted(by_depth[depth]))}]::varchar[] THEN {depth}"
        for depth in sorted(by_depth, reverse=True)
        if depth > COOPERATION_DEPTH
    )
    return f"(CASE {whens} ELSE {COOPERATION_DEPTH} END)::float8"


def _members(scope: Scope, actors: Actors, hubs: dict[str, list[int]]) -> tuple[str, list[Any]]:
    """SQL for the rows (kind, rid, actor, role, w, lk) of the records involving ``actors`` or named in ``hubs``.

    ``w`` is an agreement's obligation weight or a flow's (an exercise's depends on its count of actors);
    ``role`` 0 for a flow's provider, 1 for its recipient; ``lk`` 1 for a "last known" agreement.
    """
    # The first SELECT names the columns (and keeps the UNION valid with no kind asked for).
    parts = [
        "SELECT NULL::text AS kind, NULL::int AS rid, NULL::text AS actor, 0 AS role, NULL::float8 AS w, 0 AS lk "
        "WHERE false"
    ]
    params: list[Any] = []

    def add(queryset: models.QuerySet, select: str) -> None:
        try:
            sql, qparams = queryset.query.sql_with_params()
        except EmptyResultSet:
            return  # a condition on an empty list (a region none of whose nations the user may see): no rows
        parts.append(f"SELECT {select} FROM ({sql}) AS t")  # columns named by the annotations
        params.extend(qparams)

    if "agreement" in scope.kinds:
        agreements, parties = agreements_in_scope(scope)
        involved = models.Exists(parties.filter(actors.q(), agreement=models.OuterRef("pk")))
        agreements = agreements.filter(involved | models.Q(pk__in=hubs.get("agreement", [])))
        lk: Any = models.Value(0)
        if scope.last_known and scope.as_of is not None:
            lk = models.Case(
                models.When(
                    models.Exists(
                        Agreement.objects.filter(
                            open_beyond_coverage_q(on=scope.as_of), pk=models.OuterRef("agreement")
                        )
                    ),
                    then=models.Value(1),
                ),
                default=models.Value(0),
            )
        rows = (
            parties.filter(agreement__in=agreements.order_by().values("pk"))
            .order_by()
            .annotate(
                rid=models.F("agreement_id"),
                node=_actor(fold=scope.fold),
                prov=models.F("agreement__provisions"),
                lk=lk,
            )
            .values("rid", "node", "prov", "lk")
        )
        add(rows, f"'agreement', t.rid, t.node, 0, {_obligation_sql('t.prov')}, t.lk")
    if "exercise" in scope.kinds and not scope.provisions:
        from partnerships.services.network import years_before

        exercises = Exercise.objects.visible_to(scope.user)
        if scope.as_of is not None:
            exercises = exercises.filter(
                start_date__lte=scope.as_of, start_date__gt=years_before(scope.as_of, scope.exercise_years)
            )
        if scope.program_id is not None:
            exercises = exercises.filter(program_id=scope.program_id)
        participants = ExerciseParticipant.objects.visible_to(scope.user)
        involved = models.Exists(participants.filter(actors.q(), exercise=models.OuterRef("pk")))
        exercises = exercises.filter(involved | models.Q(pk__in=hubs.get("exercise", [])))
        rows = (
            participants.filter(exercise__in=exercises.order_by().values("pk"))
            .order_by()
            .annotate(rid=models.F("exercise_id"), node=_actor(fold=scope.fold))
            .values("rid", "node")
        )
        add(rows, "'exercise', t.rid, t.node, 0, NULL::float8, 0")
    if "resource" in scope.kinds and not scope.provisions:
        flows = ResourceSharing.objects.visible_to(scope.user)
        if scope.as_of is not None:
            flows = flows.active(on=scope.as_of).filter(start_date__isnull=False)
        if scope.program_id is not None:
            flows = flows.filter(program_id=scope.program_id)
        ends = {"nation": "provider_nation", "organization": "provider_organization"}
        other = {"nation": "recipient_nation", "organization": "recipient_organization"}
        flows = flows.filter(actors.q(**ends) | actors.q(**other)).order_by()
        for role, side in enumerate(("provider", "recipient")):
            rows = flows.annotate(rid=models.F("id"), node=_actor(f"{side}_", fold=scope.fold))
            add(rows.values("rid", "node"), f"'resource', t.rid, t.node, {role}, {RESOURCE_WEIGHT}::float8, 0")
    return " UNION ALL ".join(parts), params


def _step_table(cursor: Any, step: int, scope: Scope, actors: Actors, hubs: dict[str, list[int]]) -> str:
    """Fill the temporary table of one step's rows, distinct (read once, used to rank and to sum links)."""
    members, params = _members(scope, actors, hubs)
    table = f"{STEP_TABLE}{int(step)}"
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {table} ON COMMIT DROP AS "
        f"SELECT DISTINCT kind, rid, actor, role, w, lk FROM ({members}) AS u",
        params,
    )
    cursor.execute(f"ANALYZE {table}")
    return table


def _records_sql(tables: list[str], hub_limit: int | None) -> str:
    """CTEs ``m`` (the rows of ``tables``) and ``c`` (per record: its weight for a pair, whether it is a hub)."""
    is_hub = "false" if hub_limit is None else f"(kind <> 'resource' AND count(*) > {int(hub_limit)})"
    rows = " UNION ".join(f"SELECT * FROM {table}" for table in tables)
    return f"""
        m AS MATERIALIZED ({rows}),
        c AS MATERIALIZED (
            SELECT kind, rid,
                   -- float8 division, as Python's 2 / n (a numeric one rounds differently once cast)
                   CASE WHEN kind = 'exercise' THEN least(1.0, 2.0::float8 / count(*)) ELSE max(w) END AS w,
                   max(lk) AS lk, {is_hub} AS hub,
                   'h' || left(kind, 1) || rid AS hub_id
            FROM m GROUP BY kind, rid
        )"""


def rank(
    cursor: Any,
    scope: Scope,
    *,
    step: int,
    frontier: list[str],
    hubs: list[str],
    hub_limit: int | None,
    exclude: set[str],
    region_nations: set[str] | None,
    limit: int | None,
) -> tuple[list[str], int]:
    """Return the ``limit`` strongest neighbours of ``frontier`` (actors and hub nodes) not in ``exclude``,
    strongest first (then by id), and how many there were. Reads the step's rows into its table."""
    actors = [node for node in frontier if node[0] in "no"]
    table = _step_table(cursor, step, scope, Actors.of(actors), _hub_ids(hubs))
    records = _records_sql([table], hub_limit)
    region = "true" if region_nations is None else "(node NOT LIKE 'n%%' OR node = ANY(%s::text[]))"
    sql = f"""
        WITH {records},
        f AS (SELECT m.* FROM m WHERE actor = ANY(%s::text[])),
        contributions AS (
            -- a pair record: each other actor of a frontier actor's record
            SELECT o.actor AS node, c.w FROM f
            JOIN c ON c.kind = f.kind AND c.rid = f.rid AND NOT c.hub AND c.kind <> 'resource'
            JOIN m o ON o.kind = f.kind AND o.rid = f.rid AND o.actor <> f.actor
            UNION ALL
            -- a flow: the other end
            SELECT o.actor, c.w FROM f
            JOIN c ON c.kind = f.kind AND c.rid = f.rid AND c.kind = 'resource'
            JOIN m o ON o.kind = f.kind AND o.rid = f.rid AND o.role <> f.role AND o.actor <> f.actor
            UNION ALL
            -- a hub record: the hub
            SELECT c.hub_id, c.w FROM (SELECT DISTINCT kind, rid, actor FROM f) AS f
            JOIN c ON c.kind = f.kind AND c.rid = f.rid AND c.hub
            UNION ALL
            -- a hub in the frontier: its members
            SELECT m.actor, c.w FROM c JOIN (SELECT DISTINCT kind, rid, actor FROM m) AS m
            ON m.kind = c.kind AND m.rid = c.rid WHERE c.hub_id = ANY(%s::text[])
        ),
        ranked AS (
            SELECT node, round(sum(w)::numeric, 9) AS weight FROM contributions
            WHERE NOT node = ANY(%s::text[]) AND {region} GROUP BY node
        )
        SELECT node, count(*) OVER () FROM ranked ORDER BY weight DESC, node COLLATE "C"
        {"" if limit is None else f"LIMIT {int(limit)}"}"""
    params = [actors, list(hubs), sorted(exclude)]
    if region_nations is not None:
        params.append(sorted(region_nations))
    cursor.execute(sql, params)
    rows = cursor.fetchall()
    return [node for node, _ in rows], (rows[0][1] if rows else 0)


@contextmanager
def session(*, hashed: bool = False) -> Iterator[Any]:
    """A cursor in a transaction (the steps' temporary tables live in it) without nested loops: the CTEs' row
    estimates are far too low, and a nested loop over them at scale L ran for minutes; hash joins take seconds.
    Without JIT either: those estimates (millions of rows) made PostgreSQL compile the region's query, a second of
    the 4 it took at L; and with the memory to sort and hash its half million rows without spilling to disk.
    ``hashed``: no merge joins either."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL enable_nestloop = off; SET LOCAL jit = off; SET LOCAL work_mem = '64MB'"
            # The region's pairs: merge joins sorted its half million rows by text three times (6 s at L, 2.5 hashed).
            + ("; SET LOCAL enable_mergejoin = off" if hashed else "")
        )
        yield cursor


def _hub_ids(hubs: list[str]) -> dict[str, list[int]]:
    kinds = {initial: kind for kind, initial in KIND_INITIAL.items()}
    out: dict[str, list[int]] = defaultdict(list)
    for hub in hubs:
        out[kinds[hub[1]]].append(int(hub[2:]))
    return out


def links(
    cursor: Any, scope: Scope, *, steps: int, levels: dict[str, int], hub_limit: int | None, per_link: int
) -> tuple[list[dict[str, Any]], dict[str, Record]]:
    """Return the links between the nodes of ``levels`` from the records of the ``steps`` read (summed: count,
    weight, last known, the first ``per_link`` records by id, as (kind, id)), and the hubs among them."""
    hubs = [node for node in levels if node[0] == "h"]
    records = _records_sql([f"{STEP_TABLE}{step}" for step in range(1, steps + 1)], hub_limit)
    sql = f"""
        WITH {records},
        lv AS (SELECT * FROM unnest(%s::text[], %s::int[]) AS lv(node, level)),
        k AS (SELECT m.*, lv.level FROM m JOIN lv ON lv.node = m.actor),
        pairs AS (
            SELECT a.actor AS source, b.actor AS target, a.kind, a.kind AS rkind, a.rid FROM k a
            JOIN k b ON b.kind = a.kind AND b.rid = a.rid AND a.actor < b.actor COLLATE "C" AND a.level <> b.level
            JOIN c ON c.kind = a.kind AND c.rid = a.rid AND NOT c.hub AND c.kind <> 'resource'
            UNION ALL
            SELECT a.actor, b.actor, a.kind, a.kind, a.rid FROM k a
            JOIN k b ON b.kind = a.kind AND b.rid = a.rid AND a.role = 0 AND b.role = 1
                AND a.actor <> b.actor AND a.level <> b.level
            WHERE a.kind = 'resource'
            UNION ALL
            SELECT DISTINCT k.actor, c.hub_id, 'member', k.kind, k.rid FROM k
            JOIN c ON c.kind = k.kind AND c.rid = k.rid AND c.hub
            JOIN lv ON lv.node = c.hub_id
        )
        SELECT p.source, p.target, p.kind, count(*), sum(c.w), sum(c.lk),
               (array_agg(c.kind || ':' || c.rid ORDER BY c.rid))[1:%s::int]
        FROM pairs p JOIN c ON c.kind = p.rkind AND c.rid = p.rid
        GROUP BY p.source, p.target, p.kind"""
    nodes = list(levels)
    cursor.execute(sql, [nodes, [levels[node] for node in nodes], per_link])
    return _named_links(cursor, scope, cursor.fetchall(), records=records, hubs=hubs)


def _named_links(
    cursor: Any, scope: Scope, rows: list[tuple], *, records: str, hubs: list[str]
) -> tuple[list[dict[str, Any]], dict[str, Record]]:
    """The links of ``rows`` (source, target, kind, count, weight, last known, named records) with their records
    labelled, and the records of ``hubs`` (their actors read from the CTEs ``records``)."""
    hub_actors: dict[str, list[str]] = {}
    if hubs:
        cursor.execute(
            f"WITH {records} SELECT c.hub_id, array_agg(DISTINCT m.actor) FROM c JOIN m USING (kind, rid) "
            "WHERE c.hub_id = ANY(%s::text[]) GROUP BY c.hub_id",
            [hubs],
        )
        hub_actors = dict(cursor.fetchall())
    named = {tuple(item.split(":")) for row in rows for item in row[6]}
    named |= {(("agreement" if hub[1] == "a" else "exercise"), hub[2:]) for hub in hubs}
    labels = _labels(scope, named)
    out = [
        {
            "source": source,
            "target": target,
            "kind": kind,
            "count": count,
            "weight": weight,
            "last_known": int(last_known),
            "records": [labels[tuple(item.split(":"))] for item in named_records],
        }
        for source, target, kind, count, weight, last_known, named_records, *_ in rows
    ]
    hub_records: dict[str, Record] = {}
    for hub in hubs:
        if hub in hub_actors:
            label = labels[("agreement" if hub[1] == "a" else "exercise", hub[2:])]
            hub_records[hub] = Record(
                "agreement" if hub[1] == "a" else "exercise",
                int(hub[2:]),
                label["label"],
                label["url"],
                0.0,
                tuple(sorted(hub_actors[hub])),
            )
    return out, hub_records


def region_table(cursor: Any, scope: Scope, actors: Actors) -> tuple[str, list[str]]:
    """Fill the temporary table of the rows of the records involving ``actors`` (a region's); return its name
    and the actors of those records."""
    table = _step_table(cursor, 1, scope, actors, {})
    cursor.execute(f"SELECT DISTINCT actor FROM {table}")
    return table, [actor for (actor,) in cursor.fetchall()]


def region_links(
    cursor: Any,
    scope: Scope,
    *,
    table: str,
    regions: dict[str, str | None],
    region: str,
    outside: bool,
    hub_limit: int | None,
    per_link: int,
    limit: int | None,
) -> tuple[list[dict[str, Any]], dict[str, Record], int]:
    """Return a region's links from the records of ``table`` (formed per record and summed, as ``links``), the
    hubs among them, and how many links there were before ``limit``.

    ``regions`` names the actors the user may see, with their region: a link keeps two of them (or one and a
    hub), one in ``region``, and (``outside`` false) none in another. The order is the record-by-record
    graph's: its ``limit`` strongest (weight, count, ends, kind) or, without a limit, the order it formed
    them in (kind, first record, ends), on which its sums of node weights depend.
    """
    records = _records_sql([table], hub_limit)
    if limit is None:
        order = 'first_kind, first_rid, source COLLATE "C", target COLLATE "C"'
    else:
        order = f'weight DESC, n DESC, source COLLATE "C", target COLLATE "C", kind LIMIT {int(limit)}'
    sql = f"""
        WITH {records},
        nd AS (SELECT * FROM unnest(%(nodes)s::text[], %(regions)s::text[]) AS nd(node, region)),
        k AS (SELECT m.kind, m.rid, m.actor, m.role, m.w, m.lk, nd.region FROM m JOIN nd ON nd.node = m.actor),
        pairs AS (
            SELECT a.actor AS source, b.actor AS target, a.kind, a.kind AS rkind, a.rid, c.w, c.lk,
                   a.region AS sr, b.region AS tr FROM k a
            JOIN k b ON b.kind = a.kind AND b.rid = a.rid AND a.actor < b.actor COLLATE "C"
            JOIN c ON c.kind = a.kind AND c.rid = a.rid AND NOT c.hub AND c.kind <> 'resource'
            UNION ALL
            -- a flow's weight is its rows' own
            SELECT a.actor, b.actor, a.kind, a.kind, a.rid, a.w, a.lk, a.region, b.region FROM k a
            JOIN k b ON b.kind = a.kind AND b.rid = a.rid AND a.role = 0 AND b.role = 1 AND a.actor <> b.actor
            WHERE a.kind = 'resource'
            UNION ALL
            SELECT DISTINCT k.actor, c.hub_id, 'member', k.kind, k.rid, c.w, c.lk, k.region, NULL::text FROM k
            JOIN c ON c.kind = k.kind AND c.rid = k.rid AND c.hub
        ),
        kept AS (
            SELECT * FROM pairs WHERE (sr = %(region)s OR tr = %(region)s)
            AND (%(outside)s OR (coalesce(sr, %(region)s) = %(region)s AND coalesce(tr, %(region)s) = %(region)s))
        ),
        summed AS (
            -- the weights summed record by record in id order, as the graph adds them (the same float)
            SELECT source, target, kind, count(*) AS n, sum(w ORDER BY rid) AS weight, sum(lk) AS lk,
                   (array_agg(rkind || ':' || rid ORDER BY rid))[1:%(per_link)s::int] AS named,
                   min(rkind) AS first_kind, min(rid) AS first_rid
            FROM kept GROUP BY source, target, kind
        )
        SELECT source, target, kind, n, weight, lk, named, count(*) OVER () FROM summed ORDER BY {order}"""
    nodes = list(regions)
    params = {
        "nodes": nodes,
        "regions": [regions[node] for node in nodes],
        "region": region,
        "outside": outside,
        "per_link": per_link,
    }
    cursor.execute(sql, params)
    rows = cursor.fetchall()
    hubs = sorted({row[1] for row in rows if row[2] == "member"}, key=lambda hub: (hub[1], int(hub[2:])))
    out, hub_records = _named_links(cursor, scope, rows, records=records, hubs=hubs)
    return out, hub_records, (rows[0][7] if rows else 0)


def _labels(scope: Scope, named: set[tuple[str, str]]) -> dict[tuple[str, str], dict[str, str]]:
    """Label and URL of the records named, as :mod:`network_records` writes them."""
    ids: dict[str, list[int]] = defaultdict(list)
    for kind, pk in named:
        ids[kind].append(int(pk))
    labels: dict[tuple[str, str], dict[str, str]] = {}
    if ids["agreement"]:
        url = url_maker("partnerships:agreement-detail")
        for pk, short_name, title, *dates in Agreement.objects.filter(pk__in=ids["agreement"]).values_list(
            "pk", "short_name", "title", "follows", "in_force_from", "ended_on", "expires_on"
        ):
            label = short_name or title
            last_known = _last_known(scope.as_of, *dates) if scope.last_known else ""
            if last_known:
                label = f"{label} (last known {last_known})"
            labels[("agreement", str(pk))] = {"label": label, "url": url(pk)}
    if ids["exercise"]:
        url = url_maker("partnerships:exercise-detail")
        for pk, name in Exercise.objects.filter(pk__in=ids["exercise"]).values_list("pk", "name"):
            labels[("exercise", str(pk))] = {"label": name, "url": url(pk)}
    if ids["resource"]:
        url = url_maker("partnerships:resource-detail")
        for pk, category, description in ResourceSharing.objects.filter(pk__in=ids["resource"]).values_list(
            "pk", "category", "description"
        ):
            labels[("resource", str(pk))] = {"label": f"{category}: {description[:60]}", "url": url(pk)}
    return labels
