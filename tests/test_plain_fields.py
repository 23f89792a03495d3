"""Plain fields read directly (schema/execution.py) answer as graphql-core's own execution:
the same data and the same errors, whatever the objects hold."""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest
import strawberry

from schema.execution import PlainFieldsExecutionContext


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Point:
    x: int
    label: str | None
    colour: Colour

    @strawberry.field
    def double(self) -> int:
        return self.x * 2


@strawberry.type
class Period:
    start: int
    label: str | None


@strawberry.type
class Cell:
    period: Period | None
    points: list[Point]


@strawberry.type
class Chart:
    cells: list[Cell] | None = None
    points: list[Point]
    maybe: list[Point | None] | None
    inner: Point | None


def P(x: Any, label: Any, colour: Any) -> Point:  # noqa: N802
    return Point(x=x, label=label, colour=colour)


CHARTS: dict[str, Any] = {
    "plain": Chart(points=[P(1, "a", Colour.RED), P(2, None, Colour.BLUE)], maybe=None,
                   inner=P(3, "c", Colour.RED)),
    "a null item where none may be": Chart(points=[P(1, "a", Colour.RED), None],  # type: ignore[list-item]
                                            maybe=[None, P(4, "d", Colour.BLUE)], inner=None),
    "a null where the type promises a value": Chart(
        points=[P(None, "a", Colour.RED)], maybe=[], inner=None),  # type: ignore[arg-type]
    "a value its type cannot serialize": Chart(
        points=[P("many", "a", Colour.RED)], maybe=None, inner=None),  # type: ignore[arg-type]
    "not an enum member": Chart(points=[P(1, "a", "green")], maybe=None, inner=None),  # type: ignore[arg-type]
    "no list at all": Chart(points=None, maybe=None, inner=None),  # type: ignore[arg-type]
    "empty": Chart(points=[], maybe=[], inner=None),
}  # fmt: skip

CHARTS["nested plain objects"] = Chart(
    cells=[Cell(period=Period(start=1, label="a"), points=[P(1, "a", Colour.RED)]),
           Cell(period=None, points=[])],
    points=[], maybe=None, inner=None,
)  # fmt: skip
CHARTS["a null inside a nullable object"] = Chart(
    points=[], maybe=None, inner=P(None, "a", Colour.RED)
)
CHARTS["a nested null where none may be"] = Chart(
    cells=[Cell(period=Period(start=None, label="a"), points=[])],  # type: ignore[arg-type]
    points=[], maybe=None, inner=None,
)  # fmt: skip

QUERIES = [
    "{ chart { cells { period { start label } points { x colour } } } }",
    "{ chart { points { x label colour } maybe { x } inner { x label } } }",
    "{ chart { points { x double } maybe { label } } }",
    "{ chart { points { __typename x } } }",
    "{ chart { points { a: x b: x } } }",
]


def schema_for(chart: Chart, *, plain: bool) -> strawberry.Schema:
    @strawberry.type
    class Query:
        @strawberry.field
        def chart(self) -> Chart:
            return chart

    extra = {"execution_context_class": PlainFieldsExecutionContext} if plain else {}
    return strawberry.Schema(query=Query, **extra)


@pytest.mark.parametrize("case", sorted(CHARTS))
@pytest.mark.parametrize("query", QUERIES)
async def test_lists_of_plain_objects_answer_alike(case: str, query: str) -> None:
    answers = []
    for plain in (True, False):
        result = await schema_for(CHARTS[case], plain=plain).execute(query)
        errors = [(e.message, e.path) for e in result.errors or []]
        answers.append((result.data, errors))
    assert answers[0] == answers[1]


async def test_plain_lists_are_read_in_one_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[Any] = []
    original = PlainFieldsExecutionContext._read_rows

    def spy(self: Any, step: Any, source: Any) -> Any:
        found = original(self, step, source)
        read.append(found)
        return found

    monkeypatch.setattr(PlainFieldsExecutionContext, "_read_rows", spy)
    result = await schema_for(CHARTS["plain"], plain=True).execute(QUERIES[1])
    assert result.errors is None
    assert [
        {"x": 1, "label": "a", "colour": "RED"},
        {"x": 2, "label": None, "colour": "BLUE"},
    ] in read
