"""Parsing, validation and the request's limits, once per distinct document.

Replaces Strawberry's parser and validation caches: a query text is parsed (within the token
and size limits), its aliases counted, validated (suggestions and introspection as
configured) and its cost plan compiled once per process; each request only evaluates the
plan against its variables, checks the budget and charges the client's rate limit before
anything runs. The cost and what remains of the rate limit go into `extensions`.

Validating a new document can take long whatever its size (a rule compares fields
pairwise: two hundred copies of one field with arguments take seconds), so documents not
seen before are prepared on a worker thread, off the event loop that answers everyone
else, and the client is charged for the time they took.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    NoSchemaIntrospectionCustomRule,
    parse,
    specified_rules,
    validate,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from schema.error_codes import GraphQLErrorCode, coded_error
from schema.limits.cost import Plan, compile_plan, count_aliases
from schema.limits.meter import Meter
from services.rate_limits.budget import Allowance

# graphql-core's wording when a document has more tokens or comments than allowed
TOKEN_LIMIT_MESSAGE = "Syntax Error: Document contains more than"
# Preparing a new document costs the client nothing up to FREE_MILLISECONDS (ordinary
# documents take a few), then POINTS_PER_MILLISECOND: about what running a query costs per
# millisecond, so new documents are no cheaper a way to spend the service's time.
FREE_MILLISECONDS = 100
POINTS_PER_MILLISECOND = 20


@dataclass(frozen=True, slots=True)
class QueryLimits:
    """What one request may ask (Settings carry them; README explains them)."""

    max_cost: int = 10_000
    max_depth: int = 12
    max_aliases: int = 50
    max_tokens: int = 2_000
    max_document_bytes: int = 32_768
    max_page: int = 100
    introspection: bool = True
    suggestions: bool = True


def _with_code(error: GraphQLError, code: GraphQLErrorCode) -> GraphQLError:
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        extensions={**(error.extensions or {}), "code": code.value},
    )


@dataclass
class Prepared:
    """One query text: its document (None when it does not parse), why it may not run, and
    its plans by operation name."""

    document: DocumentNode | None
    errors: list[GraphQLError]
    plans: dict[str | None, Plan | None] = field(default_factory=dict)


class PreparedDocuments:
    """Documents by query text, least recently used dropped first."""

    def __init__(self, limits: QueryLimits, maxsize: int = 256) -> None:
        self.limits = limits
        self.maxsize = maxsize
        self._entries: OrderedDict[str, Prepared] = OrderedDict()
        self._worker: ThreadPoolExecutor | None = None  # started on the first new document
        rules = [*specified_rules, MaybeNullValidationRule, OneOfInputValidationRule]
        if not limits.introspection:
            rules.append(NoSchemaIntrospectionCustomRule)
        self.rules = tuple(rules)

    async def get(self, schema: GraphQLSchema, query: str) -> tuple[Prepared, float]:
        """The prepared document, and the milliseconds preparing it took (0 when cached).

        One worker thread prepares new documents one at a time: a slow one delays other new
        documents, never the event loop nor the documents already prepared.
        """
        entry = self._entries.get(query)
        if entry is not None:
            self._entries.move_to_end(query)
            return entry, 0.0
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prepare")
        started = time.perf_counter()
        entry = await asyncio.get_running_loop().run_in_executor(
            self._worker, self.prepare, schema, query
        )
        spent = (time.perf_counter() - started) * 1000
        self._entries[query] = entry
        if len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)
        return entry, spent

    def prepare(self, schema: GraphQLSchema, query: str) -> Prepared:
        """Parse, count aliases (before validating: that costs nothing) and validate.

        Pure, so it runs on the worker thread.
        """
        limits = self.limits
        try:
            document = parse(
                query, max_lexical_tokens=limits.max_tokens, max_comments=limits.max_tokens
            )
        except GraphQLError as e:
            too_long = e.message.startswith(TOKEN_LIMIT_MESSAGE)
            code = (
                GraphQLErrorCode.COST_LIMIT if too_long else GraphQLErrorCode.GRAPHQL_PARSE_FAILED
            )
            return Prepared(None, [_with_code(e, code)])
        except RecursionError:
            return Prepared(None, [_too_deep("the document")])
        aliases = count_aliases(document)
        if aliases > limits.max_aliases:
            return Prepared(
                document,
                [
                    coded_error(
                        GraphQLErrorCode.COST_LIMIT,
                        f"the document has {aliases} aliases; the limit is {limits.max_aliases}",
                        aliases=aliases,
                        limit=limits.max_aliases,
                    )
                ],
            )
        errors = validate(schema, document, self.rules, hide_suggestions=not limits.suggestions)
        if errors:
            code = GraphQLErrorCode.GRAPHQL_VALIDATION_FAILED
            return Prepared(document, [_with_code(e, code) for e in errors])
        return Prepared(document, [])

    def plan(self, schema: GraphQLSchema, prepared: Prepared, operation: str | None) -> Plan | None:
        if operation not in prepared.plans:
            assert prepared.document is not None
            prepared.plans[operation] = compile_plan(
                schema, prepared.document, operation, max_page=self.limits.max_page
            )
        return prepared.plans[operation]


def _too_deep(what: str) -> GraphQLError:
    return coded_error(GraphQLErrorCode.COST_LIMIT, f"{what} is nested too deeply")


class RequestLimits(SchemaExtension):
    """Every limit of one request, in the order the request meets them."""

    def __init__(self, documents: PreparedDocuments) -> None:
        self.documents = documents
        self.limits = documents.limits
        self.prepared: Prepared | None = None
        self.cost: int | None = None
        self.allowance: Allowance | None = None

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        query = context.query or ""
        size = len(query.encode())
        if size > self.limits.max_document_bytes:
            raise coded_error(
                GraphQLErrorCode.COST_LIMIT,
                f"the document is {size} bytes; the limit is {self.limits.max_document_bytes}",
                bytes=size,
                limit=self.limits.max_document_bytes,
            )
        self.prepared, spent = await self.documents.get(context.schema._schema, query)
        meter: Meter | None = getattr(context.context, "meter", None)
        if spent > FREE_MILLISECONDS and meter is not None:
            meter.debit(math.ceil((spent - FREE_MILLISECONDS) * POINTS_PER_MILLISECOND))
        if self.prepared.document is None:
            raise self.prepared.errors[0]  # it does not parse: one error says where
        context.graphql_document = self.prepared.document
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.pre_execution_errors = self._check(context)
        yield

    def _check(self, context: Any) -> list[GraphQLError]:
        assert self.prepared is not None
        if self.prepared.errors:
            return self.prepared.errors
        schema = context.schema._schema
        try:
            plan = self.documents.plan(schema, self.prepared, context.operation_name)
        except RecursionError:
            return [_too_deep("the query")]
        if plan is None:
            return []  # no such operation: execution says so
        if plan.depth > self.limits.max_depth:
            return [
                coded_error(
                    GraphQLErrorCode.COST_LIMIT,
                    f"the query is nested {plan.depth} deep; the limit is {self.limits.max_depth}",
                    depth=plan.depth,
                    limit=self.limits.max_depth,
                )
            ]
        self.cost = plan.cost(context.variables)
        if self.cost > self.limits.max_cost:
            return [
                coded_error(
                    GraphQLErrorCode.COST_LIMIT,
                    f"the query would cost {self.cost}; the budget of one request is "
                    f"{self.limits.max_cost}: ask for fewer or smaller lists",
                    cost=self.cost,
                    limit=self.limits.max_cost,
                )
            ]
        meter: Meter | None = getattr(context.context, "meter", None)
        self.allowance = meter.charge(self.cost) if meter is not None else None
        if self.allowance is not None and not self.allowance.allowed:
            return [
                coded_error(
                    GraphQLErrorCode.RATE_LIMITED,
                    f"this client spent its budget of {self.allowance.limit} per minute: "
                    f"retry in {self.allowance.reset_seconds} s",
                    retryAfter=self.allowance.reset_seconds,
                )
            ]
        return []

    def get_results(self) -> dict[str, Any]:
        results: dict[str, Any] = {}
        if self.cost is not None:
            results["cost"] = {"requested": self.cost, "limit": self.limits.max_cost}
        if self.allowance is not None:
            results["rateLimit"] = self.allowance.report()
        return results
