"""GET /export/aggregate.csv: the `aggregate` query as a CSV file, for funders' spreadsheets.

The handler authenticates exactly as /graphql does, then runs the same service call in one
transaction under the viewer, so row-level security and the narrow aggregate path apply
alike; the CSV is the GraphQL answer cell by cell. It must never compute, filter or
suppress anything itself: `rows_of` only writes out what the service decided.

The file: one row per cell, period by period, categories in their order.

    period_start, period, <key>, <key>_label (per `by` dimension, in `by` order),
    value, partners, n, status, reason, explanation, unstable

- `status` is `shown`, `suppressed` or `no_data`. A suppressed cell's value is `suppressed`
  and its reason says why; a cell nobody reported says `no data`. Never blank.
- Numbers are written in full: the shortest decimal that reads back as the same float
  (Python's repr), whole numbers without `.0`. `partners` is blank for an indicator's own
  data and for hidden cells; `n` is blank when hidden or unknown.
- Text that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) gets
  a leading apostrophe: category labels are the community's own words. Only the columns
  that carry names and labels are defused; a negative value stays a number.
- The body starts with a UTF-8 byte-order mark so that Excel reads accented labels.

These conventions are `services.spreadsheets.dialect`, shared with the observations' files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.auth import AuthenticationError, TokenVerifier, authenticate
from api.database import Database
from api.graphql import unauthorized, unavailable
from api.operations import RequestError
from api.rate_limit import RateLimiter, client_of, rate_limited
from schema.analytics.queries import subject_ids
from schema.error_codes import GraphQLErrorCode
from schema.limits.rules import EXTRA_WEIGHT
from schema.observations.types import breakdown_cell
from services.analytics import aggregates
from services.analytics.aggregates import Aggregate
from services.analytics.suppression import EXPLANATIONS, Cell, Reason
from services.collaboratives import service as collaboratives
from services.errors import DomainError, ErrorCode, Problem
from services.faults import is_unavailable
from services.periods import label as period_label
from services.spreadsheets.dialect import BOM, defused, filename, number, written
from services.translations import service as translations
from services.translations.languages import LanguagePreference, parse_accept_language
from services.viewer import Scope

Labels = Mapping[tuple[str, str], tuple[str, str]]  # (dimension, category) -> (name, label)

PARAMETERS = frozenset({"of", "by", "from", "to", "as_of"})
FIXED_BEFORE = ["period_start", "period"]
FIXED_AFTER = [
    "value", "partners", "n", "status", "reason", "explanation", "unstable", "release",
    "released_at",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class ExportQuery:
    of: str
    by: list[str]
    start: date | None
    end: date | None
    as_of: datetime | None = None


class AggregateExport:
    """The route's handler; shares /graphql's token verifier (and its JWKS cache) and rate
    limit: an export costs what the same `aggregate` query would."""

    def __init__(self, database: Database, verifier: TokenVerifier, limiter: RateLimiter) -> None:
        self.database = database
        self.verifier = verifier
        self.limiter = limiter

    async def handle(self, request: Request) -> Response:
        try:
            return await self._export(request)
        except Exception as e:  # a database that cannot serve is a 503 to retry, not a 500
            if is_unavailable(e):
                return unavailable().response()
            raise

    async def _export(self, request: Request) -> Response:
        try:
            viewer = await authenticate(request, self.verifier, self.database)
        except AuthenticationError as e:
            return unauthorized(e.message).response()
        if viewer.is_anonymous:
            return unauthorized("an export needs a bearer token or an API key").response()
        if not viewer.may(Scope.READ):
            message = f"this API key does not hold the `{Scope.READ.value}` scope"
            return RequestError(403, GraphQLErrorCode.FORBIDDEN, message).response()
        allowance = self.limiter.meter(client_of(viewer, request)).charge(
            EXTRA_WEIGHT["Query.aggregate"]
        )
        if allowance is not None and not allowance.allowed:
            return rate_limited(allowance).response()
        try:
            query = parse(request.query_params)
            shared_measure_id, indicator_id = subject_ids(query.of)
            async with self.database.unit_of_work(viewer) as session:
                result = await aggregates.aggregate(
                    session=session,
                    viewer=viewer,
                    shared_measure_id=shared_measure_id,
                    indicator_id=indicator_id,
                    start=query.start,
                    end=query.end,
                    by=query.by,
                    as_of=query.as_of,
                )
                labels = await _labels(session, result.subject.collaborative_id, request)
        except DomainError as e:
            return refused(e)
        name = filename(result.subject.name, "aggregate.csv")
        return Response(
            BOM + written(rows_of(result, labels)),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )


async def _labels(session: AsyncSession, collaborative_id: UUID, request: Request) -> Labels:
    """Category labels in the language the request prefers (Accept-Language), as GraphQL."""
    collaborative = (await collaboratives.get_many(session=session, ids=[collaborative_id]))[
        collaborative_id
    ]
    preference = LanguagePreference(parse_accept_language(request.headers.get("accept-language")))
    language = preference.resolve(
        collaborative.id, collaborative.languages, collaborative.default_language
    )
    return await translations.labels(
        session=session, collaborative_id=collaborative_id, language=language
    )


def parse(params: QueryParams) -> ExportQuery:
    """The query string, or a DomainError naming each parameter that is wrong."""
    problems = [
        Problem((name,), ErrorCode.INVALID, "is not a parameter of this export")
        for name in sorted(set(params) - PARAMETERS)
    ]
    problems += [
        Problem((name,), ErrorCode.INVALID, "may be given only once")
        for name in ("of", "from", "to", "as_of")
        if len(params.getlist(name)) > 1
    ]
    of = params.get("of", "").strip()
    if not of:
        required = "is required: a shared measure's or an indicator's id"
        problems.append(Problem(("of",), ErrorCode.REQUIRED, required))
    by = params.getlist("by")  # the service checks each key, as for GraphQL
    start, end = (_date(params, name, problems) for name in ("from", "to"))
    as_of = _moment(params, problems)
    if problems:
        raise DomainError(problems)
    return ExportQuery(of=of, by=by, start=start, end=end, as_of=as_of)


def _moment(params: QueryParams, problems: list[Problem]) -> datetime | None:
    raw = params.get("as_of")
    if raw is None or raw == "":
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        problems.append(
            Problem(("as_of",), ErrorCode.INVALID, "must be a moment as YYYY-MM-DDTHH:MM:SSZ")
        )
        return None


def _date(params: QueryParams, name: str, problems: list[Problem]) -> date | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(Problem((name,), ErrorCode.INVALID, "must be a date as YYYY-MM-DD"))
        return None


def refused(error: DomainError) -> JSONResponse:
    """404 for a subject the viewer may not read (hidden and absent alike), else 400."""
    for problem in error.problems:
        if problem.field[:1] == ("of",) and problem.code is ErrorCode.NOT_FOUND:
            body = {"errors": [{"message": _text(problem), "extensions": {"code": "NOT_FOUND"}}]}
            return JSONResponse(body, status_code=404, headers={"Cache-Control": "no-store"})
    errors = [
        {
            "message": _text(p),
            "extensions": {"code": "BAD_REQUEST", "field": list(p.field), "reason": p.code.value},
        }
        for p in error.problems
    ]
    return JSONResponse({"errors": errors}, status_code=400, headers={"Cache-Control": "no-store"})


def _text(problem: Problem) -> str:
    return f"{'.'.join(problem.field)}: {problem.message}"


def rows_of(aggregate: Aggregate, labels: Labels) -> list[list[str]]:
    """The header and one row per cell, every value as the text to write."""
    keys = [d.key for d, _ in aggregate.by]
    rows = [[defused(name) for name in _headers(keys)]]
    for cell in aggregate.cells:
        items = dict(cell.breakdown)
        grouping = []
        for key in keys:
            category = items[key]
            category_label = breakdown_cell(labels, key, category).category_label
            grouping += [defused(category), defused(category_label)]
        release = aggregate.releases.get(cell.period)
        rows.append(
            [
                cell.period.isoformat(),
                period_label(aggregate.subject.granularity, cell.period),
                *grouping,
                *_outcome(cell),
                "" if release is None else str(release.number),
                ""
                if release is None or release.released_at is None
                else release.released_at.isoformat(),
            ]
        )
    return rows


def _headers(keys: list[str]) -> list[str]:
    """Fixed columns around two per dimension; a dimension key never shadows another column."""
    taken = set(FIXED_BEFORE + FIXED_AFTER)
    grouping = []
    for key in keys:
        for name in (key, f"{key}_label"):
            while name in taken:
                name = f"by_{name}"
            taken.add(name)
            grouping.append(name)
    return [*FIXED_BEFORE, *grouping, *FIXED_AFTER]


def _outcome(cell: Cell) -> list[str]:
    """value, partners, n, status, reason, explanation, unstable."""
    if cell.reason is None:
        assert cell.value is not None
        value, status = number(cell.value), "shown"
    elif cell.reason is Reason.NO_DATA:
        value, status = "no data", "no_data"
    elif cell.reason is Reason.NOT_RELEASED:
        value, status = "not released", "not_released"
    else:
        value, status = "suppressed", "suppressed"
    return [
        value,
        "" if cell.partners is None else str(cell.partners),
        "" if cell.n is None else number(cell.n),
        status,
        cell.reason.value if cell.reason else "",
        EXPLANATIONS[cell.reason] if cell.reason else "",
        "true" if cell.unstable else "false",
    ]
