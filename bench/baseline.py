"""The raw-SQL baseline: each API scenario's page from one hand-written query and plain JSON serialisation.

A bare WSGI application, served by the same gunicorn configuration as the
registry and reading the same database, so that the benchmark can compare
the registry with the practical limit of this stack (Python, gunicorn,
psycopg2, PostgreSQL) in the same run, on the same data. It answers the
pages an analyst without the restricted-records permission gets: the same
records, in the same order, with the same nested parties, exercises,
transfers, source rows and aliases, built by PostgreSQL (``json_build_object``)
in one query per page.
Like the registry, it counts matches exactly up to 1,000 (then reports 1,001).
No Django request handling, serializers, filters or permissions.

    GET /agreements/?party=USA&in_force_on=2015-01-01&provision=mutual_defense&limit=50&offset=0
    GET /exercises/?participant=USA&start_date_gte=2000-01-01&domain=sea&limit=50&offset=0
    GET /resources/?provider=USA&start_date_gte=2000-01-01&category=equipment&limit=50&offset=0
    GET /agreements/<id>/
    GET /agreements/?after=0&limit=1000            (cursor page, by id)

Settings (the database) are read from the registry's settings module, as the
registry would; nothing else of Django is used.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import psycopg2

BASE_DIR = Path(__file__).resolve().parent.parent

# Brief JSON of a nation or organization named by a row: the API's NationBrief / OrganizationBrief.
NATION_BRIEF = """json_build_object('id', {n}.id, 'url', %(base)s || '/api/v1/nations/' || {n}.id || '/',
    'display', {n}.name, 'name', {n}.name, 'iso3', {n}.iso3, 'cow_code', {n}.cow_code)"""
ORG_DISPLAY = "CASE WHEN {o}.acronym <> '' THEN {o}.name || ' (' || {o}.acronym || ')' ELSE {o}.name END"
ORG_BRIEF = """json_build_object('id', {o}.id, 'url', %(base)s || '/api/v1/organizations/' || {o}.id || '/',
    'display', CASE WHEN {o}.acronym <> '' THEN {o}.name || ' (' || {o}.acronym || ')' ELSE {o}.name END,
    'name', {o}.name, 'acronym', {o}.acronym)"""
# Whole seconds, as every timestamp of the synthetic data is (DRF would add microseconds where there are some).
STAMP = """to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""
# The record's source rows (the API's SourceSerializer), in the order of Source.Meta.ordering. For an analyst
# without clearance the API writes "restricted record" for the restricted nations and organizations named in
# ``values`` (members, participants, provider, recipient: serializers._hidden_actors); the synthetic records'
# values are empty, so they are returned as stored. A baseline for data with such values would rewrite them.
SOURCES = (
    """(SELECT coalesce(json_agg(json_build_object('dataset', s.dataset, 'version', s.version,
                    'dataset_id', s.dataset_id, 'url', s.url, 'citation', s.citation,
                    'imported_at', """
    + STAMP.format(column="s.imported_at")
    + """, 'followed', s.followed,
                    'values', s.values, 'differs', s.differs)
                  ORDER BY s.followed DESC, s.dataset, s.dataset_id, s.id), '[]')
                FROM {table} s WHERE s.record_id = {t}.id)"""
)
# The fields of a record type with source rows (serializers.SOURCED_FIELDS).
RECORD = (
    """'visibility', {t}.visibility, 'source_url', {t}.source_url, 'source_text', {t}.source_text,
    'follows', {t}.follows, 'sources', """
    + SOURCES
    + """,
    'created_at', """
    + STAMP.format(column="{t}.created_at")
    + """,
    'updated_at', """
    + STAMP.format(column="{t}.updated_at")
)
# An agreement's or organization's aliases (AgreementAliasSerializer), in the order of Alias.Meta.ordering;
# an alias is as visible as its record, which the page already is.
ALIASES = """(SELECT coalesce(json_agg(json_build_object('id', l.id, 'name', l.name, 'kind', l.kind,
                    'language', l.language) ORDER BY l.kind, l.name, l.id), '[]')
                FROM {table} l WHERE l.{key} = {t}.id)"""
ACTOR_VISIBLE = (
    "(p.nation_id IS NULL OR pn.visibility = 'public') AND (p.organization_id IS NULL OR po.visibility = 'public')"
)
RESOURCE_DISPLAY = (
    "coalesce(rpn.name, " + ORG_DISPLAY.format(o="rpo") + ") || ' → ' || "
    "coalesce(rrn.name, " + ORG_DISPLAY.format(o="rro") + ") || ': ' || initcap(r.category)"
)
# A link to a record the analyst may not see: named neutrally, as the API does.
RESTRICTED_BRIEF = "json_build_object('id', NULL, 'url', NULL, 'display', 'restricted record', 'restricted', true)"
PROGRAM_BRIEF = (
    """(SELECT CASE WHEN g.visibility = 'public' THEN
                  json_build_object('id', g.id, 'url', %(base)s || '/api/v1/programs/' || g.id || '/',
                  'display', """
    + ORG_DISPLAY.format(o="g")
    + """, 'name', g.name, 'acronym', g.acronym) ELSE """
    + RESTRICTED_BRIEF
    + """ END
                FROM partnerships_program g WHERE g.id = {t}.program_id)"""
)
AGREEMENT_BRIEF = (
    """(SELECT CASE WHEN x.visibility = 'public' THEN
                  json_build_object('id', x.id, 'url', %(base)s || '/api/v1/agreements/' || x.id || '/',
                  'display', coalesce(nullif(x.short_name, ''), x.title)
                             || coalesce(' (' || extract(year FROM x.signed_on) || ')', ''),
                  'title', x.title, 'signed_on', x.signed_on) ELSE """
    + RESTRICTED_BRIEF
    + """ END
                FROM partnerships_agreement x WHERE x.id = {t}.agreement_id)"""
)


def _known_until() -> str:
    """The API's ``known_until``: the last day a dataset covers, for its records still open when it ends.

    Built from the same reference file as the registry (partnerships/reference/dataset_coverage.csv).
    """
    import csv

    path = Path(__file__).resolve().parents[1] / "partnerships" / "reference" / "dataset_coverage.csv"
    cases = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            day = row["covers_until"]
            cases.append(
                f"WHEN a.follows = '{row['dataset']}' AND a.ended_on IS NULL"
                f" AND a.in_force_from <= DATE '{day}'"
                f" AND (a.expires_on IS NULL OR a.expires_on > DATE '{day}') THEN '{day}'"
            )
    return "CASE " + " ".join(cases) + " END" if cases else "NULL"


AGREEMENT_JSON = (
    """json_build_object('id', a.id, 'url', %(base)s || '/api/v1/agreements/' || a.id || '/',
    'display', coalesce(nullif(a.short_name, ''), a.title)
               || coalesce(' (' || extract(year FROM a.signed_on) || ')', ''),
    'title', a.title, 'title_origin', a.title_origin, 'short_name', a.short_name,
    'aliases', """
    + ALIASES.format(table="partnerships_agreementalias", key="agreement_id", t="a")
    + """,
    'kind', a.kind, 'scope', a.scope, 'status', a.status,
    'signed_on', a.signed_on, 'signed_on_precision', a.signed_on_precision,
    'in_force_from', a.in_force_from, 'in_force_from_precision', a.in_force_from_precision,
    'expires_on', a.expires_on, 'ended_on', a.ended_on, 'ended_on_precision', a.ended_on_precision,
    'provisions', a.provisions,
    'known_until', """
    + _known_until()
    + """,
    'program', """
    + PROGRAM_BRIEF.format(t="a")
    + """,
    'parties', (SELECT coalesce(json_agg(json_build_object('id', p.id,
                    'nation', CASE WHEN pn.id IS NULL THEN NULL ELSE """
    + NATION_BRIEF.format(n="pn")
    + """ END,
                    'organization', CASE WHEN po.id IS NULL THEN NULL ELSE """
    + ORG_BRIEF.format(o="po")
    + """ END,
                    'role', p.role, 'joined_on', p.joined_on, 'joined_on_precision', p.joined_on_precision,
                    'withdrew_on', p.withdrew_on, 'withdrew_on_precision', p.withdrew_on_precision,
                    'obligations', p.obligations, 'notes', p.notes)
                  ORDER BY p.id), '[]')
                FROM partnerships_agreementparty p
                LEFT JOIN partnerships_nation pn ON pn.id = p.nation_id
                LEFT JOIN partnerships_organization po ON po.id = p.organization_id
                WHERE p.agreement_id = a.id AND """
    + ACTOR_VISIBLE
    + """),
    'description', a.description,
    'exercises', (SELECT coalesce(json_agg(json_build_object('id', e.id,
                      'url', %(base)s || '/api/v1/exercises/' || e.id || '/', 'display', e.name, 'name', e.name,
                      'start_date', e.start_date) ORDER BY e.start_date DESC, e.name, e.id), '[]')
                  FROM partnerships_exercise e WHERE e.agreement_id = a.id AND e.visibility = 'public'),
    'resources', (SELECT coalesce(json_agg(json_build_object('id', r.id,
                      'url', %(base)s || '/api/v1/resources/' || r.id || '/', 'display', """
    + RESOURCE_DISPLAY
    + """,
                      'reference', r.reference) ORDER BY r.start_date DESC, r.id), '[]')
                  FROM partnerships_resourcesharing r
                  LEFT JOIN partnerships_nation rpn ON rpn.id = r.provider_nation_id
                  LEFT JOIN partnerships_organization rpo ON rpo.id = r.provider_organization_id
                  LEFT JOIN partnerships_nation rrn ON rrn.id = r.recipient_nation_id
                  LEFT JOIN partnerships_organization rro ON rro.id = r.recipient_organization_id
                  WHERE r.agreement_id = a.id AND r.visibility = 'public'
                    AND coalesce(rpn.visibility, rpo.visibility) = 'public'
                    AND coalesce(rrn.visibility, rro.visibility) = 'public'),
    """
    + RECORD.format(t="a", table="partnerships_agreementsource")
    + ")"
)

EXERCISE_JSON = (
    """json_build_object('id', e.id, 'url', %(base)s || '/api/v1/exercises/' || e.id || '/', 'display', e.name,
    'name', e.name, 'series', e.series, 'kind', e.kind, 'domains', e.domains, 'purposes', e.purposes,
    'status', e.status, 'start_date', e.start_date, 'start_date_precision', e.start_date_precision,
    'end_date', e.end_date, 'end_date_precision', e.end_date_precision, 'location', e.location,
    'latitude', e.latitude::text, 'longitude', e.longitude::text,
    'location_country', (SELECT CASE WHEN lc.visibility = 'public' THEN """
    + NATION_BRIEF.format(n="lc")
    + " ELSE "
    + RESTRICTED_BRIEF
    + """ END
                         FROM partnerships_nation lc WHERE lc.id = e.location_country_id),
    'location_country_derived', e.location_country_derived, 'name_generated', e.name_generated,
    'program', """
    + PROGRAM_BRIEF.format(t="e")
    + """,
    'agreement', """
    + AGREEMENT_BRIEF.format(t="e")
    + """,
    'participants', (SELECT coalesce(json_agg(json_build_object('id', p.id,
                    'nation', CASE WHEN pn.id IS NULL THEN NULL ELSE """
    + NATION_BRIEF.format(n="pn")
    + """ END,
                    'organization', CASE WHEN po.id IS NULL THEN NULL ELSE """
    + ORG_BRIEF.format(o="po")
    + """ END,
                    'role', p.role, 'personnel', p.personnel, 'notes', p.notes) ORDER BY p.id), '[]')
                FROM partnerships_exerciseparticipant p
                LEFT JOIN partnerships_nation pn ON pn.id = p.nation_id
                LEFT JOIN partnerships_organization po ON po.id = p.organization_id
                WHERE p.exercise_id = e.id AND """
    + ACTOR_VISIBLE
    + """),
    'objectives', e.objectives, 'outcomes', e.outcomes, """
    + RECORD.format(t="e", table="partnerships_exercisesource")
    + ")"
)

RESOURCE_JSON = (
    """json_build_object('id', r.id, 'url', %(base)s || '/api/v1/resources/' || r.id || '/', 'display', """
    + RESOURCE_DISPLAY
    + """,
    'reference', r.reference,
    'provider_nation', CASE WHEN rpn.id IS NULL THEN NULL ELSE """
    + NATION_BRIEF.format(n="rpn")
    + """ END,
    'provider_organization', CASE WHEN rpo.id IS NULL THEN NULL ELSE """
    + ORG_BRIEF.format(o="rpo")
    + """ END,
    'recipient_nation', CASE WHEN rrn.id IS NULL THEN NULL ELSE """
    + NATION_BRIEF.format(n="rrn")
    + """ END,
    'recipient_organization', CASE WHEN rro.id IS NULL THEN NULL ELSE """
    + ORG_BRIEF.format(o="rro")
    + """ END,
    'category', r.category, 'description', r.description, 'designation', r.designation, 'condition', r.condition,
    'quantity', r.quantity::text, 'quantity_delivered', r.quantity_delivered::text, 'unit', r.unit,
    'value', r.value::text, 'currency', r.currency,
    'start_date', r.start_date, 'start_date_precision', r.start_date_precision,
    'end_date', r.end_date, 'end_date_precision', r.end_date_precision,
    'delivery_years', r.delivery_years, 'tiv_unit', r.tiv_unit::text, 'tiv_total', r.tiv_total::text,
    'tiv_delivered', r.tiv_delivered::text, 'status', r.status,
    'agreement', """
    + AGREEMENT_BRIEF.format(t="r")
    + """,
    'program', """
    + PROGRAM_BRIEF.format(t="r")
    + """,
    """
    + RECORD.format(t="r", table="partnerships_resourcesource")
    + ")"
)
RESOURCE_JOINS = """
    LEFT JOIN partnerships_nation rpn ON rpn.id = r.provider_nation_id
    LEFT JOIN partnerships_organization rpo ON rpo.id = r.provider_organization_id
    LEFT JOIN partnerships_nation rrn ON rrn.id = r.recipient_nation_id
    LEFT JOIN partnerships_organization rro ON rro.id = r.recipient_organization_id"""
RESTRICTED_NATIONS = "(SELECT id FROM partnerships_nation WHERE visibility = 'restricted')"
RESTRICTED_ORGANIZATIONS = "(SELECT id FROM partnerships_organization WHERE visibility = 'restricted')"
RESOURCE_VISIBLE = f"""r.visibility = 'public'
    AND (r.provider_nation_id IS NULL OR r.provider_nation_id NOT IN {RESTRICTED_NATIONS})
    AND (r.recipient_nation_id IS NULL OR r.recipient_nation_id NOT IN {RESTRICTED_NATIONS})
    AND (r.provider_organization_id IS NULL OR r.provider_organization_id NOT IN {RESTRICTED_ORGANIZATIONS})
    AND (r.recipient_organization_id IS NULL OR r.recipient_organization_id NOT IN {RESTRICTED_ORGANIZATIONS})"""


def _list_query(nation: str, matches: str, table: str, alias: str, order: str, json: str, joins: str = "") -> str:
    """One statement for a list page: the matches (named ``nation`` for the actor filter), the page of
    them in the API's order (``order`` descending, then id descending), each row's JSON, and the count
    up to 1,001, as the registry counts."""
    return f"""
        WITH nation AS (SELECT id FROM partnerships_nation WHERE iso3 = %({nation})s),
        matches AS NOT MATERIALIZED ({matches}),
        page AS (SELECT id FROM matches ORDER BY {order} DESC, id DESC LIMIT %(limit)s OFFSET %(offset)s)
        SELECT (SELECT count(*) FROM (SELECT 1 FROM matches LIMIT 1001) counted), {json}
        FROM page JOIN {table} {alias} ON {alias}.id = page.id {joins}
        ORDER BY {alias}.{order} DESC, {alias}.id DESC"""


# "Involving a nation" reads the nation each party and participant counts as (``actor_nation``, kept by the
# database): one indexed column instead of an OR across the organizations. OFFSET 0 keeps each EXISTS a probe
# per candidate record: planned as a join, PostgreSQL would guess an average nation's share of the rows (it
# cannot see which nation the CTE names) and read every participation of the United States at scale L.
# Transfers keep their two single-table conditions (the nation's organizations by id): there the column's
# index serves the page, but the count then reads all of the nation's transfers since the date, and the
# early-stopping scan below was as fast or faster when measured at scale L.
QUERIES = {
    "agreements": _list_query(
        "party",
        """SELECT a.id, a.signed_on FROM partnerships_agreement a
            WHERE a.visibility = 'public'
              AND a.provisions && ARRAY[%(provision)s]::varchar[]
              AND a.in_force_from <= %(on)s
              AND ((a.ended_on IS NULL AND a.expires_on IS NULL) OR coalesce(a.ended_on, a.expires_on) > %(on)s)
              AND EXISTS (SELECT 1 FROM partnerships_agreementparty p
                          WHERE p.agreement_id = a.id AND p.actor_nation_id IN (SELECT id FROM nation)
                            AND (p.joined_on IS NULL OR p.joined_on <= %(on)s)
                            AND (p.withdrew_on IS NULL OR p.withdrew_on > %(on)s) OFFSET 0)""",
        "partnerships_agreement",
        "a",
        "signed_on",
        AGREEMENT_JSON,
    ),
    "exercises": _list_query(
        "participant",
        """SELECT e.id, e.start_date FROM partnerships_exercise e
            WHERE e.visibility = 'public'
              AND e.domains && ARRAY[%(domain)s]::varchar[]
              AND e.start_date >= %(start_date_gte)s
              AND EXISTS (SELECT 1 FROM partnerships_exerciseparticipant p
                          WHERE p.exercise_id = e.id AND p.actor_nation_id = (SELECT id FROM nation) OFFSET 0)""",
        "partnerships_exercise",
        "e",
        "start_date",
        EXERCISE_JSON,
    ),
    "resources": _list_query(
        "provider",
        f"""SELECT r.id, r.start_date FROM partnerships_resourcesharing r
            WHERE {RESOURCE_VISIBLE}
              AND r.category = %(category)s
              AND r.start_date >= %(start_date_gte)s
              AND (r.provider_nation_id IN (SELECT id FROM nation)
                   OR r.provider_organization_id IN (SELECT o.id FROM partnerships_organization o
                                                     WHERE o.nation_id IN (SELECT id FROM nation)))""",
        "partnerships_resourcesharing",
        "r",
        "start_date",
        RESOURCE_JSON,
        RESOURCE_JOINS,
    ),
    "agreement": f"""
        SELECT 1, {AGREEMENT_JSON} FROM partnerships_agreement a WHERE a.id = %(pk)s AND a.visibility = 'public'""",
    "agreements_after": f"""
        SELECT NULL, {AGREEMENT_JSON} FROM partnerships_agreement a
        WHERE a.id > %(after)s AND a.visibility = 'public' ORDER BY a.id LIMIT %(limit)s""",
}
DEFAULTS = {
    "agreements": {"party": "USA", "on": "2015-01-01", "provision": "mutual_defense"},
    "exercises": {"participant": "USA", "start_date_gte": "2000-01-01", "domain": "sea"},
    "resources": {"provider": "USA", "start_date_gte": "2000-01-01", "category": "equipment"},
}


def connection_settings() -> dict[str, Any]:
    """Return psycopg2.connect() arguments for the registry's configured database."""
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry_site.settings")
    from django.conf import settings

    database = settings.DATABASES["default"]
    arguments = {
        "dbname": database["NAME"],
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
    }
    return {key: value for key, value in arguments.items() if value is not None}


class Baseline:
    """The WSGI application; one persistent connection per worker process."""

    def __init__(self) -> None:
        self.settings = connection_settings()
        self.connection: Any = None

    def cursor(self) -> Any:
        if self.connection is None or self.connection.closed:
            self.connection = psycopg2.connect(**self.settings)
            self.connection.autocommit = True
        return self.connection.cursor()

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        query = {key: values[-1] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
        base = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', 'localhost')}"
        try:
            status, body = self.answer(path, query, base)
        except (KeyError, ValueError) as error:
            status, body = "400 Bad Request", {"detail": f"bad parameter: {error}"}
        data = json.dumps(body, default=str).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    def answer(self, path: str, query: dict[str, str], base: str) -> tuple[str, Any]:
        detail = re.fullmatch(r"/agreements/(\d+)/", path)
        limit = min(int(query.get("limit", 50)), 1000)
        with self.cursor() as cursor:
            if detail:
                cursor.execute(QUERIES["agreement"], {"base": base, "pk": int(detail.group(1))})
                row = cursor.fetchone()
                return ("200 OK", row[1]) if row else ("404 Not Found", {"detail": "Not found."})
            if path == "/agreements/" and "after" in query:
                arguments = {"base": base, "after": int(query["after"]), "limit": limit}
                cursor.execute(QUERIES["agreements_after"], arguments)
                results = [row[1] for row in cursor.fetchall()]
                after = results[-1]["id"] if len(results) == limit else None
                next_link = f"{base}/agreements/?after={after}&limit={limit}" if after else None
                return "200 OK", {"count": None, "next": next_link, "previous": None, "results": results}
            name = path.strip("/")
            if name not in DEFAULTS:
                return "404 Not Found", {"detail": "Not found."}
            params = {**DEFAULTS[name], **query, "base": base, "limit": limit, "offset": int(query.get("offset", 0))}
            cursor.execute(QUERIES[name], params)
            rows = cursor.fetchall()
        count = rows[0][0] if rows else 0
        more = params["offset"] + limit < count
        next_link = f"{base}{path}?offset={params['offset'] + limit}&limit={limit}" if more else None
        return "200 OK", {"count": count, "next": next_link, "previous": None, "results": [row[1] for row in rows]}


application = Baseline()
