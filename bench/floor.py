"""The floor: the benchmark's answers from hand-written SQL through asyncpg in a minimal
Starlette route, under the same row-level security as the API.

What Tablero costs is only meaningful next to what the same answer costs with nothing in
between: no GraphQL parsing, validation or resolvers, no ORM, no DataLoaders. The floor is
that lower bound, kept honest. `POST /floor/<kind>` takes the body and headers the API takes
for that kind (bench/requests.py) and answers the same `data`, byte for byte (the API adds
its query cost under `extensions`; the floor has no query limits to report on):

- it connects as the API role (neither owner nor BYPASSRLS), so PostgreSQL's policies
  decide what every statement sees and writes, exactly as for the API;
- per request it verifies the bearer token (HS256, the API's issuer and audience), looks
  the account and its memberships up with one query (`tablero_identity_for_subject`, the
  SECURITY DEFINER function the API uses), and declares the viewer with the settings the
  policies read (`services.policy.rls_settings`): `BEGIN` and every `set_config(..., true)`
  go in one simple-protocol message whose literals are uuids only, then the kind's one
  statement, then `COMMIT`: four round trips for a person's read. Anonymous requests
  declare nobody: their one statement runs on its own, where the settings are empty as an
  anonymous viewer's are (one round trip). The statement timeout is the connections' own;
- reads are one hand-written statement per kind; Python only shapes the rows into the
  answer, with the API's own pure functions where it computes something (period labels,
  the baseline forecast, language matching, cursors, batch validation);
- `submit` writes what the API's `record_batch` writes, as the API role: the batch (its
  client key claims idempotency through the unique key, so a concurrent twin replays as
  the API's would) and its observations, in one statement, so the same triggers (owner,
  visibility, reach, reporting periods, the audit trail) and insert policies run, and
  RETURNING reads back what the API reads back. One statement before it reads what the
  checks need (the measure, its vocabulary, an earlier batch under the key, cells already
  reported); the rows are checked by the API's `validate_batch` (five round trips).

Left out, because the benchmark does not ask for them: API keys (`X-Api-Key`), JWKS keys,
`TABLERO_DATABASE_ROLE` (`SET LOCAL ROLE`), the rate limit, the request time limit, panels
and submissions about indicators rather than measures, and `node` ids of other types than
Partner (answered as null). The floor answers only the documents of bench/requests.py:
another one is refused. Of the API's writes, the advisory lock per client key and the
savepoint are left out: the batch's unique key already makes a concurrent retry wait and
replay, and one statement is all or nothing by itself.

    python -m bench.floor --port 8001   # TABLERO_DATABASE_URL, TABLERO_JWT_SECRET, ...
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import date
from functools import lru_cache
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import jwt
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.settings import Settings
from bench.requests import kinds
from schema.relay import from_global_id, to_global_id
from services.analytics.rules import Reason
from services.analytics.series import build_curve
from services.dashboards.models import ChartKind
from services.errors import DomainError, ErrorCode, Problem, not_found
from services.measures.models import Quadrant
from services.measures.units import Direction, Unit
from services.observations.models import ObservationStatus
from services.observations.service import MAX_BATCH
from services.observations.validation import (
    ObservationInput,
    Subject,
    breakdown_key,
    validate_batch,
)
from services.pagination import encode_cursor
from services.periods import Granularity, label
from services.policy import aggregate_readers, rls_settings
from services.text import unstorable
from services.translations.languages import match, parse_accept_language
from services.viewer import ANONYMOUS, Grant, Role, Scope, Viewer
from services.visibility import Visibility

POOL_SIZE = 10
# The documents fix these arguments (bench/requests.py); the floor answers those documents.
DASHBOARD_MEASURES, LATEST_COUNT, PAGE_SIZE, SERIES_MEASURES = 20, 8, 100, 20
AGGREGATE_BY = "race_ethnicity"
DASHBOARD_SLUG, DASHBOARD_LANGUAGE = "region", "es"
DOCUMENTS = {kind.name: kind.document for kind in kinds([])}

# GraphQL enums answer with their members' names.
UNIT = {u.value: u.name for u in Unit}
QUADRANT = {q.value: q.name for q in Quadrant}
VISIBILITY = {v.value: v.name for v in Visibility}
CHART = {c.value: c.name for c in ChartKind}
REASON = {r.value: r.name for r in Reason}

IDENTITY = (
    "SELECT account_id, collaborative_id, role, partner_id FROM tablero_identity_for_subject($1)"
)
# Only these characters ever reach the simple-protocol message: uuids and uuid arrays.
LITERAL = re.compile(r"[0-9a-f{},-]*")
# In the order the API declares them (api/database.py).
SETTINGS = (
    "account_id", "api_key_id", "request_id", "member_of", "partner_ids", "steward_of",
    "backbone_of",
)  # fmt: skip

# -- the statements, one per kind ------------------------------------------------------------

# A partner's first measures by name, each with its latest totals, newest first: the
# `node(id)` of a Partner, its `measures(first: 20)` and their `latestObservations(count: 8)`.
PARTNER_DASHBOARD = """
SELECT p.name AS partner_name, m.id, m.name, m.unit, o.granularities, o.starts, o.values, o.ns
FROM partner p
LEFT JOIN LATERAL (
  SELECT pm.collaborative_id, pm.id, pm.name, pm.unit FROM performance_measure pm
  WHERE pm.collaborative_id = p.collaborative_id AND pm.partner_id = p.id
  ORDER BY pm.name, pm.id LIMIT $2) m ON true
LEFT JOIN LATERAL (
  SELECT array_agg(l.granularity ORDER BY l.period_start DESC) AS granularities,
         array_agg(l.period_start ORDER BY l.period_start DESC) AS starts,
         array_agg(l.value ORDER BY l.period_start DESC) AS values,
         array_agg(l.n ORDER BY l.period_start DESC) AS ns
  FROM (SELECT o.granularity, o.period_start, o.value, o.n FROM observation o
        WHERE o.subject_id = m.id AND o.collaborative_id = m.collaborative_id
          AND o.is_current AND o.breakdown_key = ''
        ORDER BY o.period_start DESC LIMIT $3) l) o ON m.id IS NOT NULL
WHERE p.id = $1
ORDER BY m.name, m.id
"""

# A page of a collaborative's measures by name (one more row says there is a next page),
# each with its partner where the viewer may see it.
MEASURES_PAGE = """
SELECT m.id, m.name, m.unit, m.quadrant, m.visibility, p.id AS partner_id,
       p.name AS partner_name
FROM collaborative c
LEFT JOIN LATERAL (
  SELECT pm.collaborative_id, pm.id, pm.name, pm.unit, pm.quadrant, pm.visibility,
         pm.partner_id
  FROM performance_measure pm WHERE pm.collaborative_id = c.id
  ORDER BY pm.name, pm.id LIMIT $2) m ON true
LEFT JOIN partner p ON p.collaborative_id = m.collaborative_id AND p.id = m.partner_id
WHERE c.slug = $1
ORDER BY m.name, m.id
"""

# A shared measure's released cells by one dimension's categories, period by period: the
# latest release of each reporting period as of now, NOT_RELEASED where there is none yet
# and NO_DATA where a release holds no such cell (services/analytics/aggregates.py). $2 and
# $3 are the viewer's aggregate readers and member_of (policy.can_read_aggregates and
# policy.shared_measure_visible, which row-level security enforces as well).
FUNDER_AGGREGATE = """
WITH sm AS (
  SELECT s.collaborative_id, s.id, s.granularity FROM shared_measure s
  WHERE s.id = $1 AND s.collaborative_id = ANY ($2::uuid[])
    AND (s.status <> 'proposed' OR s.collaborative_id = ANY ($3::uuid[]))),
category AS (
  SELECT c.key, c.position FROM sm
  JOIN dimension d ON d.collaborative_id = sm.collaborative_id AND d.key = $4
  JOIN dimension_category c ON c.collaborative_id = d.collaborative_id
    AND c.dimension_id = d.id),
chosen AS (
  SELECT DISTINCT ON (r.period_start) r.period_start, r.id FROM sm
  JOIN release r ON r.collaborative_id = sm.collaborative_id AND r.granularity = sm.granularity
  WHERE r.released_at <= now()
  ORDER BY r.period_start, r.number DESC),
period AS (
  SELECT p.period_start, ch.id AS release_id FROM sm
  JOIN reporting_period p ON p.collaborative_id = sm.collaborative_id
    AND p.granularity = sm.granularity
  LEFT JOIN chosen ch ON ch.period_start = p.period_start
  WHERE p.opened_at <= now() OR ch.id IS NOT NULL)
SELECT sm.granularity, EXISTS (SELECT FROM category) AS dimension_found, period.period_start,
       period.release_id IS NOT NULL AS released, category.key, c.value, c.partners, c.n,
       c.reason
FROM sm
LEFT JOIN (period CROSS JOIN category) ON true
LEFT JOIN release_cell c ON c.collaborative_id = sm.collaborative_id
  AND c.release_id = period.release_id AND c.shared_measure_id = sm.id
  AND c.dimensions = $4 AND c.breakdown_key = $4 || '=' || category.key
ORDER BY period.period_start, category.position, category.key
"""

# A partner's measures in a collaborative, each with its totals' curve (oldest first) and
# its furthest target for the total: what the baseline forecast needs.
SERIES = """
SELECT m.id, m.name, m.granularity, m.direction, o.starts, o.values,
       t.period_start AS target_start, t.value AS target_value
FROM collaborative c
LEFT JOIN LATERAL (
  SELECT pm.collaborative_id, pm.id, pm.name, pm.granularity, pm.direction
  FROM performance_measure pm
  WHERE pm.collaborative_id = c.id AND pm.partner_id = $2
  ORDER BY pm.name, pm.id LIMIT $3) m ON true
LEFT JOIN LATERAL (
  SELECT array_agg(o.period_start ORDER BY o.period_start) AS starts,
         array_agg(o.value ORDER BY o.period_start) AS values
  FROM observation o
  WHERE o.subject_id = m.id AND o.collaborative_id = m.collaborative_id AND o.is_current
    AND o.breakdown_key = '') o ON m.id IS NOT NULL
LEFT JOIN LATERAL (
  SELECT t.period_start, t.value FROM target t
  WHERE t.collaborative_id = m.collaborative_id AND t.measure_id = m.id
    AND t.breakdown_key = ''
  ORDER BY t.period_start DESC LIMIT 1) t ON m.id IS NOT NULL
WHERE c.slug = $1
ORDER BY m.name, m.id
"""

# A dashboard's texts and panels in order, each with its measure (where the viewer may see
# it), the translations of all three, and the curve of the panel's cell and period range.
# Translations come as {"field/language": text}; the language is chosen in Python, as the
# API chooses it (services/translations/languages.py).
PUBLIC_DASHBOARD = """
SELECT d.title, d.description, c.languages, c.default_language,
       (SELECT json_object_agg(t.field || '/' || t.language, t.text) FROM translation t
        WHERE t.collaborative_id = d.collaborative_id AND t.subject_kind = 'dashboard'
          AND t.subject_id = d.id) AS dashboard_texts,
       pn.id AS panel_id, pn.title AS panel_title, pn.chart, pn.dimension, pn.category,
       pn.indicator_id, m.id AS measure_id, m.name, m.unit, m.granularity, m.direction,
       (SELECT json_object_agg(t.field || '/' || t.language, t.text) FROM translation t
        WHERE t.collaborative_id = pn.collaborative_id AND t.subject_kind = 'dashboard_panel'
          AND t.subject_id = pn.id) AS panel_texts,
       (SELECT json_object_agg(t.field || '/' || t.language, t.text) FROM translation t
        WHERE t.collaborative_id = m.collaborative_id
          AND t.subject_kind = 'performance_measure' AND t.subject_id = m.id) AS measure_texts,
       o.starts, o.values, tg.period_start AS target_start, tg.value AS target_value
FROM collaborative c
JOIN dashboard d ON d.collaborative_id = c.id AND d.slug = $2
LEFT JOIN dashboard_panel pn ON pn.collaborative_id = d.collaborative_id
  AND pn.dashboard_id = d.id
LEFT JOIN performance_measure m ON m.collaborative_id = pn.collaborative_id
  AND m.id = pn.measure_id
LEFT JOIN LATERAL (
  SELECT array_agg(o.period_start ORDER BY o.period_start) AS starts,
         array_agg(o.value ORDER BY o.period_start) AS values
  FROM observation o
  WHERE o.subject_id = m.id AND o.collaborative_id = m.collaborative_id AND o.is_current
    AND o.breakdown_key = {cell}
    AND (pn.period_from IS NULL OR o.period_start >= pn.period_from)
    AND (pn.period_to IS NULL OR o.period_start <= pn.period_to)) o ON m.id IS NOT NULL
LEFT JOIN LATERAL (
  SELECT t.period_start, t.value FROM target t
  WHERE t.collaborative_id = m.collaborative_id AND t.measure_id = m.id
    AND t.breakdown_key = {cell}
  ORDER BY t.period_start DESC LIMIT 1) tg ON m.id IS NOT NULL
WHERE c.slug = $1
ORDER BY pn.position
""".format(
    # The panel's cell as a breakdown key (one dimension): written out twice, because a
    # LATERAL subquery computing it once made PostgreSQL 18.6's planner crash (SIGSEGV).
    cell="CASE WHEN pn.dimension IS NOT NULL AND pn.category IS NOT NULL"
    " THEN pn.dimension || '=' || pn.category ELSE '' END"
)

# What submitting checks: the measure (if the viewer sees it), its vocabulary, the batch an
# earlier request recorded under the client key with its observations as the viewer sees
# them, and which of the sent cells already have a current value.
SUBMIT_CHECKS = """
WITH m AS (
  SELECT pm.collaborative_id, pm.id, pm.partner_id, pm.unit, pm.granularity
  FROM performance_measure pm WHERE pm.id = $1)
SELECT m.collaborative_id, m.partner_id, m.unit, m.granularity,
       (SELECT json_object_agg(d.key, (
          SELECT coalesce(json_agg(c.key), '[]') FROM dimension_category c
          WHERE c.collaborative_id = d.collaborative_id AND c.dimension_id = d.id))
        FROM measure_dimension md
        JOIN dimension d ON d.collaborative_id = md.collaborative_id AND d.id = md.dimension_id
        WHERE md.collaborative_id = m.collaborative_id AND md.measure_id = m.id) AS vocabulary,
       b.request_hash, b.observation_ids,
       (SELECT json_object_agg(o.id, o.revision) FROM observation o
        WHERE o.collaborative_id = b.collaborative_id AND o.id = ANY (b.observation_ids))
         AS revisions,
       taken.starts AS taken_starts, taken.keys AS taken_keys
FROM m
LEFT JOIN LATERAL (
  SELECT array_agg(o.period_start) AS starts, array_agg(o.breakdown_key) AS keys
  FROM observation o
  JOIN unnest($3::date[], $4::text[]) AS s(period_start, breakdown_key)
    ON o.period_start = s.period_start AND o.breakdown_key = s.breakdown_key
  WHERE o.collaborative_id = m.collaborative_id AND o.subject_id = m.id
    AND o.granularity = m.granularity AND o.is_current) taken ON true
LEFT JOIN observation_batch b ON b.collaborative_id = m.collaborative_id
  AND b.subject_id = m.id AND b.client_key = $2
"""

# The batch claims its client key (a concurrent twin waits for it, then claims nothing)
# and its observations go in with it, in one statement, as services/observations/service.py
# writes them: owner and visibility are the triggers' to fill in, every row is checked by
# the insert policies.
SUBMIT = """
WITH batch AS (
  INSERT INTO observation_batch (collaborative_id, id, measure_id, indicator_id, partner_id,
    client_key, request_hash, observation_ids)
  VALUES ($1, $2, $3, NULL, $4, $5, $6, $7::uuid[])
  ON CONFLICT (collaborative_id, subject_id, client_key) DO NOTHING
  RETURNING id),
written AS (
  INSERT INTO observation (collaborative_id, id, measure_id, indicator_id, status, granularity,
    period_start, breakdown, breakdown_key, value, numerator, denominator, n,
    suppressed_at_source, note, revision, is_current, batch_id, recorded_by_account,
    recorded_by_api_key, visibility)
  SELECT $1, r.id, $3, NULL, $8, $9, r.period_start, r.breakdown::jsonb, r.breakdown_key,
    r.value, r.numerator, r.denominator, r.n, r.suppressed_at_source, r.note, 1, true,
    batch.id, $10, NULL, 'private'
  FROM batch, unnest($7::uuid[], $11::date[], $12::text[], $13::text[], $14::float8[],
    $15::float8[], $16::float8[], $17::integer[], $18::text[], $19::text[])
    AS r(id, period_start, breakdown, breakdown_key, value, numerator, denominator, n,
         suppressed_at_source, note)
  RETURNING id, revision)
SELECT EXISTS (SELECT FROM batch) AS claimed,
       (SELECT json_object_agg(id, revision) FROM written) AS revisions
"""

# After losing the race for a client key: the winner's batch, now committed.
EARLIER_BATCH = """
SELECT b.request_hash, b.observation_ids,
       (SELECT json_object_agg(o.id, o.revision) FROM observation o
        WHERE o.collaborative_id = b.collaborative_id AND o.id = ANY (b.observation_ids))
         AS revisions
FROM observation_batch b
WHERE b.collaborative_id = $1 AND b.subject_id = $2 AND b.client_key = $3
"""


class RefusalError(Exception):
    """A request the floor does not answer with data: its status and why."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> Response:
        body = {"errors": [{"message": self.message, "extensions": {"code": self.code}}]}
        return JSONResponse(body, status_code=self.status)


@lru_cache(maxsize=4096)
def period_label(granularity: str, start: date) -> str:
    return label(Granularity(granularity), start)


def dump(data: Any) -> bytes:
    """The answer as the API writes it (api/answers.py): compact UTF-8, by orjson."""
    return orjson.dumps({"data": data})


def begin(viewer: Viewer, request_id: str) -> str:
    """`BEGIN` and the viewer's settings, as one simple-protocol message. Every literal is a
    uuid or an array of them (checked, never quoted blindly)."""
    settings = {**rls_settings(viewer), "request_id": request_id}
    calls = []
    for name in SETTINGS:
        value = settings[name]
        if not LITERAL.fullmatch(value):
            raise ValueError(f"refusing to send tablero.{name} = {value!r}")
        calls.append(f"set_config('tablero.{name}', '{value}', true)")
    return "BEGIN; SELECT " + ", ".join(calls)


async def _keep(conn: asyncpg.Connection) -> None:
    """Nothing to reset between requests: the floor changes no session state (settings are
    transaction-local), and asyncpg still rolls back a transaction left open."""


async def _codecs(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


@dataclass
class Floor:
    """The floor's state: how to verify tokens and a pool of API-role connections."""

    database_url: str
    secret: str
    issuer: str = "tablero"
    audience: str = "tablero-api"
    statement_timeout_ms: int = 5000
    pool_size: int = POOL_SIZE
    pool: asyncpg.Pool | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Floor:
        if settings.database_url is None:
            raise ValueError("the floor needs TABLERO_DATABASE_URL (the API role's)")
        return cls(
            database_url=settings.database_url,
            secret=settings.signing_secret,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            statement_timeout_ms=round(settings.statement_timeout_seconds * 1000),
        )

    async def open(self) -> None:
        if self.pool is None:
            self.pool = await asyncpg.create_pool(
                self.database_url,
                min_size=self.pool_size,
                max_size=self.pool_size,
                init=_codecs,
                reset=_keep,
                # Session-wide, as the API sets it per transaction: no statement more.
                server_settings={
                    "statement_timeout": str(self.statement_timeout_ms),
                    "application_name": "tablero-floor",
                },
            )

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
            self.pool = None

    def subject(self, request: Request) -> str | None:
        """The verified token's subject; None without an Authorization header."""
        authorization = request.headers.get("authorization")
        if authorization is None:
            return None
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise RefusalError(401, "UNAUTHENTICATED", "the Authorization header must be 'Bearer'")
        try:
            claims = jwt.decode(
                token.strip(),
                self.secret,
                algorithms=["HS256"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "sub", "aud", "iss"]},
            )
        except jwt.InvalidTokenError as e:
            raise RefusalError(401, "UNAUTHENTICATED", f"the token is not accepted: {e}") from e
        subject = str(claims["sub"])
        if unstorable(subject):
            raise RefusalError(401, "UNAUTHENTICATED", "the token's subject is not an account")
        return subject

    async def handle(self, request: Request) -> Response:
        name = request.path_params["kind"]
        answer = ANSWERS.get(name)
        if answer is None:
            return RefusalError(404, "NOT_FOUND", f"no request kind {name!r}").response()
        try:
            subject = self.subject(request)
            try:
                body = json.loads(await request.body())
            except ValueError as e:
                raise RefusalError(400, "BAD_USER_INPUT", "the body is not JSON") from e
            if not isinstance(body, dict) or body.get("query") != DOCUMENTS[name]:
                raise RefusalError(
                    400, "BAD_USER_INPUT", f"the floor answers {name}'s document only"
                )
            variables = body.get("variables") or {}
            assert self.pool is not None, "the floor's pool is not open"
            async with self.pool.acquire() as conn:
                viewer = ANONYMOUS if subject is None else await viewer_of(conn, subject)
                data = await answer(Ask(conn, viewer, variables, request))
        except RefusalError as refusal:
            return refusal.response()
        return Response(dump(data), media_type="application/json")

    async def ready(self, request: Request) -> Response:
        if self.pool is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        async with self.pool.acquire() as conn:
            await conn.fetchval("SELECT 1")
        return JSONResponse({"status": "ready"})


async def viewer_of(conn: asyncpg.Connection, subject: str) -> Viewer:
    """The account and its memberships, as services/accounts.viewer_for_subject makes them."""
    rows = await conn.fetch(IDENTITY, subject)
    if not rows:
        raise RefusalError(401, "UNAUTHENTICATED", "the token's subject is not a Tablero account")
    grants = tuple(
        Grant(
            collaborative_id=r["collaborative_id"], role=Role(r["role"]), partner_id=r["partner_id"]
        )
        for r in rows
        if r["collaborative_id"] is not None
    )
    return Viewer(account_id=rows[0]["account_id"], grants=grants)


@dataclass(frozen=True, slots=True)
class Ask:
    """One request as a kind's answer sees it."""

    conn: asyncpg.Connection
    viewer: Viewer
    variables: Mapping[str, Any]
    http: Request

    async def fetch(self, statement: str, *args: Any) -> list[asyncpg.Record]:
        """One statement as the viewer: within a transaction that declares the viewer, or on
        its own for nobody (whose settings are the empty defaults)."""
        if self.viewer.is_anonymous:
            return await self.conn.fetch(statement, *args)
        async with self.transaction():
            return await self.conn.fetch(statement, *args)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """The viewer's transaction: committed if the block succeeds, else rolled back."""
        try:
            await self.conn.execute(begin(self.viewer, uuid4().hex))
            yield
        except BaseException:
            if self.conn.is_in_transaction():
                await self.conn.execute("ROLLBACK")
            raise
        await self.conn.execute("COMMIT")


def raw(global_id: Any, type_name: str) -> UUID | None:
    decoded = from_global_id(global_id) if isinstance(global_id, str) else None
    return decoded[1] if decoded is not None and decoded[0] == type_name else None


# -- the answers, one per kind ---------------------------------------------------------------


async def partner_dashboard(r: Ask) -> dict[str, Any]:
    partner = raw(r.variables.get("partner"), "Partner")
    if partner is None:
        return {"node": None}
    rows = await r.fetch(PARTNER_DASHBOARD, partner, DASHBOARD_MEASURES, LATEST_COUNT)
    if not rows:
        return {"node": None}
    nodes = [
        {
            "id": to_global_id("Measure", row["id"]),
            "name": row["name"],
            "unit": UNIT[row["unit"]],
            "latestObservations": [
                {
                    "period": {"start": start.isoformat(), "label": period_label(g, start)},
                    "value": value,
                    "n": n,
                }
                for g, start, value, n in zip(
                    row["granularities"] or (), row["starts"] or (), row["values"] or (),
                    row["ns"] or (), strict=True,
                )
            ],
        }
        for row in rows
        if row["id"] is not None
    ]  # fmt: skip
    return {"node": {"name": rows[0]["partner_name"], "measures": {"nodes": nodes}}}


async def measures_page(r: Ask) -> dict[str, Any]:
    rows = await r.fetch(MEASURES_PAGE, r.variables.get("slug"), PAGE_SIZE + 1)
    if not rows:
        return {"collaborative": None}
    found = [row for row in rows if row["id"] is not None]
    page = found[:PAGE_SIZE]
    nodes = [
        {
            "id": to_global_id("Measure", row["id"]),
            "name": row["name"],
            "unit": UNIT[row["unit"]],
            "quadrant": QUADRANT[row["quadrant"]],
            "visibility": VISIBILITY[row["visibility"]],
            "partner": None
            if row["partner_id"] is None
            else {"id": to_global_id("Partner", row["partner_id"]), "name": row["partner_name"]},
        }
        for row in page
    ]
    end = encode_cursor([page[-1]["name"], page[-1]["id"]]) if page else None
    info = {"hasNextPage": len(found) > PAGE_SIZE, "endCursor": end}
    return {"collaborative": {"measures": {"nodes": nodes, "pageInfo": info}}}


async def funder_aggregate(r: Ask) -> dict[str, Any] | None:
    decoded = from_global_id(r.variables.get("of") or "")
    shared = decoded[1] if decoded is not None and decoded[0] == "SharedMeasure" else None
    rows = []
    if shared is not None:
        readers, members = list(aggregate_readers(r.viewer)), list(r.viewer.member_of)
        rows = await r.fetch(FUNDER_AGGREGATE, shared, readers, members, AGGREGATE_BY)
    if not rows:
        raise RefusalError(200, "NOT_FOUND", "no shared measure or indicator with this id")
    if not rows[0]["dimension_found"]:
        raise RefusalError(200, "NOT_FOUND", f"no dimension with the key {AGGREGATE_BY!r}")
    cells = []
    for row in rows:
        if row["period_start"] is None:
            continue
        reason = row["reason"]
        if not row["released"]:
            reason = Reason.NOT_RELEASED.value
        elif reason is None and row["value"] is None:
            reason = Reason.NO_DATA.value
        start, n = row["period_start"], row["n"]
        cells.append(
            {
                "period": {
                    "start": start.isoformat(),
                    "label": period_label(row["granularity"], start),
                },
                "breakdown": [{"category": row["key"]}],
                "value": row["value"] if reason is None else None,
                "partners": row["partners"] if reason is None else None,
                "n": float(n) if n is not None and reason is None else None,
                "suppressed": reason is not None,
                "reason": None if reason is None else REASON[reason],
            }
        )
    return {"aggregate": {"cells": cells}}


@dataclass(frozen=True, slots=True)
class _Point:
    """What services.analytics.series reads of an observation or a target."""

    period_start: date
    value: float | None
    breakdown_key: str = ""


@dataclass(frozen=True, slots=True)
class _Measure:
    """What services.analytics.series reads of a measure."""

    granularity: Granularity
    direction: Direction


def curve(row: asyncpg.Record, cell: dict[str, str]) -> Any:
    """The measure's curve of one cell (its rows and furthest target come from the
    statement), by the API's own pure function."""
    subject = _Measure(Granularity(row["granularity"]), Direction(row["direction"]))
    points = [_Point(s, v) for s, v in zip(row["starts"] or (), row["values"] or (), strict=True)]
    targets = []
    if row["target_start"] is not None:
        targets.append(_Point(row["target_start"], row["target_value"], breakdown_key(cell)))
    return build_curve(subject, cell, points, targets)  # type: ignore[arg-type]


async def series(r: Ask) -> dict[str, Any]:
    partner = raw(r.variables.get("partner"), "Partner") or UUID(int=0)
    rows = await r.fetch(SERIES, r.variables.get("slug"), partner, SERIES_MEASURES)
    if not rows:
        return {"collaborative": None}
    nodes = []
    for row in rows:
        if row["id"] is None:
            continue
        c = curve(row, {})
        forecast = c.forecast
        nodes.append(
            {
                "id": to_global_id("Measure", row["id"]),
                "name": row["name"],
                "series": {
                    "points": [
                        {"start": o.period_start.isoformat(), "value": o.value}
                        for o in c.observations
                    ],
                    "target": None if c.target is None else {"value": c.target.value},
                    "latestVsForecast": None if c.verdict is None else c.verdict.name,
                    "forecast": None
                    if forecast is None
                    else {
                        "slopePerPeriod": forecast.slope_per_period,
                        "points": [
                            {"start": p.period.isoformat(), "value": p.value}
                            for p in forecast.points
                        ],
                    },
                },
            }
        )
    return {"collaborative": {"measures": {"nodes": nodes}}}


def text_in(texts: Mapping[str, str] | None, field: str, language: str, base: str) -> str:
    return (texts or {}).get(f"{field}/{language}", base)


async def public_dashboard(r: Ask) -> dict[str, Any]:
    rows = await r.fetch(PUBLIC_DASHBOARD, r.variables.get("slug"), DASHBOARD_SLUG)
    if not rows:
        return {"dashboard": None}
    first = rows[0]
    ranges = (DASHBOARD_LANGUAGE, *parse_accept_language(r.http.headers.get("accept-language")))
    language = match(ranges, first["languages"], first["default_language"])
    if language == first["default_language"]:
        language = ""  # the default language's texts are the fields themselves
    panels = []
    for row in rows:
        if row["panel_id"] is None:
            continue
        if row["indicator_id"] is not None:
            raise RefusalError(500, "INTERNAL", "the floor does not chart indicators")
        panel: dict[str, Any] = {
            "position": len(panels),
            "title": text_in(row["panel_texts"], "title", language, row["panel_title"]),
            "chart": CHART[row["chart"]],
            "dimension": row["dimension"],
            "subject": None,
            "series": None,
        }
        if row["measure_id"] is not None:
            panel["subject"] = {
                "name": text_in(row["measure_texts"], "name", language, row["name"]),
                "unit": UNIT[row["unit"]],
            }
            dimension, category = row["dimension"], row["category"]
            c = curve(row, {dimension: category} if dimension and category else {})
            g = row["granularity"]
            panel["series"] = {
                "points": [
                    {
                        "start": o.period_start.isoformat(),
                        "label": period_label(g, o.period_start),
                        "value": o.value,
                    }
                    for o in c.observations
                ],
                "forecast": None
                if c.forecast is None
                else {
                    "points": [
                        {"start": p.period.isoformat(), "value": p.value} for p in c.forecast.points
                    ]
                },
            }
        panels.append(panel)
    texts = first["dashboard_texts"]
    return {
        "dashboard": {
            "title": text_in(texts, "title", language, first["title"]),
            "description": text_in(texts, "description", language, first["description"]),
            "panels": panels,
        }
    }


# -- submitting ------------------------------------------------------------------------------


def fingerprint(status: ObservationStatus, rows: Sequence[ObservationInput]) -> str:
    """The batch's content, as services/observations/service.py fingerprints it."""
    body = json.dumps([status.value, [asdict(r) for r in rows]], default=str, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def observation_inputs(sent: Sequence[Mapping[str, Any]]) -> list[ObservationInput]:
    """The rows as GraphQL coerces them: Floats are floats, the breakdown a mapping."""

    def number(value: Any) -> float | None:
        return None if value is None else float(value)

    return [
        ObservationInput(
            period_start=date.fromisoformat(o["periodStart"]),
            value=number(o.get("value")),
            numerator=number(o.get("numerator")),
            denominator=number(o.get("denominator")),
            n=o.get("n"),
            breakdown={c["dimension"]: c["category"] for c in o.get("breakdown") or ()},
            suppressed_at_source=o.get("suppressedAtSource"),
            note=o.get("note", ""),
        )
        for o in sent
    ]


def submitted(
    ids: Sequence[UUID], revisions: Mapping[str, int] | None, replayed: bool
) -> dict[str, Any]:
    """The payload: the batch's observations the viewer sees, in the batch's order."""
    found = revisions or {}
    observations = [
        {"id": to_global_id("Observation", i), "revision": found[str(i)]}
        for i in ids
        if str(i) in found
    ]
    return {
        "submitObservations": {
            "observations": observations,
            "replayed": replayed,
            "userErrors": [],
        }
    }


def refused(problems: Sequence[Problem]) -> dict[str, Any]:
    errors = [{"field": list(p.field), "message": p.message} for p in problems]
    return {"submitObservations": {"observations": [], "replayed": False, "userErrors": errors}}


async def submit(r: Ask) -> dict[str, Any]:
    try:
        async with r.transaction():
            return await _submit(r)
    except DomainError as e:
        return refused(e.problems)


async def _submit(r: Ask) -> dict[str, Any]:
    sent = r.variables.get("input") or {}
    measure = raw(sent.get("subjectId"), "Measure")
    status = ObservationStatus[sent.get("status") or "PUBLISHED"]
    rows = observation_inputs(sent.get("observations") or ())
    cells = [(row.period_start, breakdown_key(row.breakdown)) for row in rows]
    client_key = str(sent.get("clientKey", "")).strip()
    found = None
    if measure is not None:
        found = await r.conn.fetchrow(
            SUBMIT_CHECKS, measure, client_key, [c[0] for c in cells], [c[1] for c in cells]
        )
    # Twin of policy.can_report_on_measure.
    if found is None or not (
        found["partner_id"] in r.viewer.partner_ids and r.viewer.may(Scope.OBSERVATIONS_WRITE)
    ):
        raise not_found(("subjectId",), "measure or indicator")
    if not 1 <= len(client_key) <= 200:
        raise DomainError.single(("clientKey",), ErrorCode.INVALID, "must be 1 to 200 characters")
    if not 1 <= len(rows) <= MAX_BATCH:
        raise DomainError.single(
            ("observations",), ErrorCode.OUT_OF_RANGE, f"send 1 to {MAX_BATCH} observations"
        )
    key = fingerprint(status, rows)
    if found["request_hash"] is not None:
        return replay(found, key)
    vocabulary = {d: frozenset(c) for d, c in (found["vocabulary"] or {}).items()}
    subject = Subject(
        unit=Unit(found["unit"]),
        granularity=Granularity(found["granularity"]),
        vocabulary=vocabulary,
    )
    clean, problems = validate_batch(rows, subject)
    taken = set(zip(found["taken_starts"] or (), found["taken_keys"] or (), strict=True))
    problems += [
        Problem(
            ("observations", str(i), "periodStart"),
            ErrorCode.DUPLICATE,
            "this period and breakdown already has a value: correct it with correctObservation",
        )
        for i, (start, cell) in enumerate(cells)
        if (start, cell) in taken
    ]
    if problems:
        raise DomainError(problems)
    ids = [uuid4() for _ in clean]
    collaborative = found["collaborative_id"]
    try:
        written = await r.conn.fetchrow(
            SUBMIT, collaborative, uuid4(), measure, found["partner_id"], client_key, key, ids,
            status.value, found["granularity"], r.viewer.account_id,
            [c.period_start for c in clean], [json.dumps(c.breakdown) for c in clean],
            [c.breakdown_key for c in clean], [c.value for c in clean],
            [c.numerator for c in clean], [c.denominator for c in clean], [c.n for c in clean],
            [c.suppressed_at_source for c in clean], [c.note for c in clean],
        )  # fmt: skip
    except asyncpg.UniqueViolationError as e:
        raise DomainError.single(
            ("observations",), ErrorCode.DUPLICATE, "another batch reported these cells meanwhile"
        ) from e
    assert written is not None
    if written["claimed"]:
        return submitted(ids, written["revisions"], replayed=False)
    # A concurrent request with the same key got there first (and has committed).
    earlier = await r.conn.fetchrow(EARLIER_BATCH, collaborative, measure, client_key)
    if earlier is None:
        raise DomainError.single(
            ("observations",), ErrorCode.DUPLICATE, "another batch reported these cells meanwhile"
        )
    return replay(earlier, key)


def replay(earlier: asyncpg.Record, key: str) -> dict[str, Any]:
    """A client key seen before: the same content replays, other content is refused."""
    if earlier["request_hash"] != key:
        raise DomainError.single(
            ("clientKey",), ErrorCode.DUPLICATE, "was already used for a different batch"
        )
    return submitted(earlier["observation_ids"], earlier["revisions"], replayed=True)


Answer = Callable[[Ask], Awaitable[Any]]
ANSWERS: dict[str, Answer] = {
    "partner-dashboard": partner_dashboard,
    "member-dashboard": partner_dashboard,
    "measures-page": measures_page,
    "funder-aggregate": funder_aggregate,
    "series": series,
    "public-dashboard": public_dashboard,
    "submit": submit,
}


def create_app(floor: Floor) -> Starlette:
    """The floor's routes; the lifespan opens the pool (tests open it themselves)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await floor.open()
        yield
        await floor.close()

    return Starlette(
        routes=[
            Route("/floor/{kind}", floor.handle, methods=["POST"]),
            Route("/readyz", floor.ready, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def app_from_environment() -> Starlette:
    """The floor for one server process (uvicorn's `factory=True`), configured as the API is."""
    return create_app(Floor.from_settings(Settings()))  # type: ignore[call-arg]


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    settings = Settings()  # type: ignore[call-arg]
    # As many processes as the API runs (TABLERO_WORKERS), uvloop and httptools when
    # installed ("auto"), as uvicorn picks them for the API.
    uvicorn.run(
        "bench.floor:app_from_environment",
        factory=True,
        workers=settings.workers,
        host=args.host,
        port=args.port,
        log_level=settings.log_level.value,
        access_log=False,
    )


if __name__ == "__main__":
    main()
