"""Time a large spreadsheet import end to end, as a partner runs it: `tablero import`.

Starts `tablero serve` on a fresh embedded database (or uses --url with a seeded demo),
defines a monthly measure for Casa de la Familia broken down by race/ethnicity, income and
neighborhood (140 cells a month), writes ROWS rows of it as CSV (and .xlsx with --xlsx),
and times the import (upload, reading, checking, writing, all in one transaction) and the
export back. Not a test: the figure depends on the machine and on what else it runs.

    python -m bench.imports [--rows 100000] [--xlsx] [--url http://127.0.0.1:8000]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import tempfile
import time
from pathlib import Path

import httpx

from bench.__main__ import clean_env, free_port, serving, tablero

CASA = "UGFydG5lcjoyODgwNjBlYS03YzcwLTUxYjgtYmQxNi1hYWUxOGY1MDE5Zjc="
CREATE = """mutation($input: CreateMeasureInput!) { createMeasure(input: $input) {
  measure { id } userErrors { field message } } }"""
DIMENSION_IDS = """{ collaborative(slug: "riverside") { dimensions(first: 20) {
  nodes { id key categories { key } } } } }"""


def _graphql(url: str, token: str, query: str, variables: dict | None = None) -> dict:
    response = httpx.post(
        f"{url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    response.raise_for_status()
    return response.json()["data"]


def define_measure(url: str, token: str) -> tuple[str, list[tuple[str, list[str]]]]:
    """A new measure by race/ethnicity, income and neighborhood, and those dimensions."""
    nodes = _graphql(url, token, DIMENSION_IDS)["collaborative"]["dimensions"]["nodes"]
    chosen = [n for n in nodes if n["key"] in ("race_ethnicity", "income", "neighborhood")]
    created = _graphql(
        url,
        token,
        CREATE,
        {
            "input": {
                "partnerId": CASA,
                "name": f"Bench {time.time_ns()}",
                "quadrant": "HOW_MUCH",
                "unit": "COUNT",
                "direction": "HIGHER_IS_BETTER",
                "granularity": "MONTH",
                "dimensionIds": [n["id"] for n in chosen],
            }
        },
    )["createMeasure"]
    assert not created["userErrors"], created
    dims = sorted((n["key"], [c["key"] for c in n["categories"]]) for n in chosen)
    return created["measure"]["id"], dims


def rows(count: int, dims: list[tuple[str, list[str]]]) -> list[list[str]]:
    """`count` rows: every cell (total, each category, each combination) month by month."""
    cells = list(itertools.product(*[["", *categories] for _, categories in dims]))
    out = []
    for i in range(count):
        month, at = divmod(i, len(cells))
        period = f"{1900 + month // 12}-{month % 12 + 1:02d}"
        out.append([period, *cells[at], str(100 + i % 997), str(200 + i % 991), 'é, "ok"'])
    return out


def write_files(folder: Path, count: int, dims: list, xlsx: bool) -> list[Path]:
    header = ["period", *(key for key, _ in dims), "value", "n", "note"]
    data = rows(count, dims)
    csv_path = folder / "bench.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *data])
    paths = [csv_path]
    if xlsx:
        from services.spreadsheets.writing import Worksheet, workbook

        path = folder / "bench.xlsx"
        path.write_bytes(workbook([Worksheet("observations", header, data)]))
        paths.append(path)
    return paths


def run(url: str, env: dict[str, str], count: int, xlsx: bool) -> None:
    token = tablero("token", "--email", "steward@demo.tablero.example", env=env).stdout.strip()
    env = {**env, "TABLERO_URL": url, "TABLERO_TOKEN": token}
    with tempfile.TemporaryDirectory(prefix="tablero-bench-files-") as folder:
        for path in write_files(Path(folder), count, define_measure(url, token)[1], xlsx):
            measure, _ = define_measure(url, token)  # a fresh measure per file
            size = path.stat().st_size / 2**20
            started = time.perf_counter()
            result = tablero("import", str(path), "--measure", measure, env=env, timeout=900)
            took = time.perf_counter() - started
            assert result.returncode == 0, result.stdout + result.stderr
            print(f"import {count:,} rows of {path.suffix} ({size:.1f} MiB): {took:6.1f} s")
            print(f"  {result.stdout.strip()}")
            started = time.perf_counter()
            out = Path(folder) / f"export{path.suffix}"
            fmt = path.suffix.lstrip(".")
            result = tablero(
                "export", "--measure", measure, "--format", fmt, "-o", str(out), env=env
            )
            assert result.returncode == 0, result.stderr
            took = time.perf_counter() - started
            print(f"export {count:,} rows as {path.suffix}: {took:6.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--xlsx", action="store_true", help="time an .xlsx file too")
    parser.add_argument("--url", help="use a running server (with the demo) instead")
    args = parser.parse_args()
    if args.url:
        run(args.url, clean_env(), args.rows, args.xlsx)
        return
    with tempfile.TemporaryDirectory(prefix="tablero-bench-") as data_dir:
        port = free_port()
        env = clean_env(
            TABLERO_DATA_DIR=str(Path(data_dir)),
            TABLERO_PORT=str(port),
            TABLERO_LOG_LEVEL="warning",
        )
        with serving(env, port):
            run(f"http://127.0.0.1:{port}", env, args.rows, args.xlsx)


if __name__ == "__main__":
    main()
