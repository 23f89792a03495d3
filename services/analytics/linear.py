"""Which unknowns a system of linear equations pins down exactly. Pure; exact arithmetic.

Complementary suppression asks: given the published cells, does some hidden cell follow
from the additive relations between cells (a total is the sum of its parts)? Hidden cells
are the unknowns; each relation is an equation; a hidden cell is disclosed exactly when its
unit vector lies in the row space of the equations over the unknowns.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import TypeVar

U = TypeVar("U", bound=Hashable)

Equation = Mapping[U, int]  # unknown -> coefficient; the known terms do not matter here


def determined(equations: Iterable[Equation[U]], unknowns: Sequence[U]) -> list[U]:
    """The unknowns whose value follows from the equations, in the order of `unknowns`."""
    column = {u: i for i, u in enumerate(unknowns)}
    rows = []
    for equation in equations:
        row = {column[u]: Fraction(c) for u, c in equation.items() if c and u in column}
        if row:
            rows.append(row)
    reduced = _reduced_row_echelon(rows, len(unknowns))
    return [unknowns[pivot] for pivot, row in reduced if len(row) == 1]


def _reduced_row_echelon(
    rows: list[dict[int, Fraction]], width: int
) -> list[tuple[int, dict[int, Fraction]]]:
    """Gauss-Jordan elimination on sparse rows; returns (pivot column, row) pairs."""
    pivots: list[tuple[int, dict[int, Fraction]]] = []
    remaining = rows
    for col in range(width):
        chosen = next((r for r in remaining if r.get(col)), None)
        if chosen is None:
            continue
        remaining = [r for r in remaining if r is not chosen]
        scale = chosen[col]
        pivot_row = {c: v / scale for c, v in chosen.items()}
        remaining = [_eliminate(r, pivot_row, col) for r in remaining]
        pivots = [(p, _eliminate(r, pivot_row, col)) for p, r in pivots]
        pivots.append((col, pivot_row))
    return pivots


def _eliminate(
    row: dict[int, Fraction], pivot_row: dict[int, Fraction], col: int
) -> dict[int, Fraction]:
    factor = row.get(col)
    if not factor:
        return row
    result = dict(row)
    for c, v in pivot_row.items():
        updated = result.get(c, Fraction(0)) - factor * v
        if updated:
            result[c] = updated
        else:
            result.pop(c, None)
    return result
