"""importObservations: a spreadsheet as one batch, through the real endpoint.

The fixture (a members-only percent measure by race and language, a public count measure,
an indicator, one headers set per kind of viewer) is in tests/import_fixture.py.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import openpyxl
import pytest
from sqlmodel import func, select, text

from api.settings import Settings
from services.observations.models import Observation
from tests.factories import graphql
from tests.import_fixture import Imports, build_imports, errors_of, upload

HEADER = "period,race_ethnicity,language,value,numerator,denominator,n,suppressed_at_source,note"
GOOD = (
    f"{HEADER}\r\n"
    "2025-Q1,,,75,30,40,40,,all families\r\n"
    "2025-Q1,latino,,,12,20,20,,\r\n"
    "2025-Q1,black,,,,,,<5,\r\n"
)
OBSERVATIONS = """query($id: ID!) { node(id: $id) { ... on Measure {
  observations(allCells: true) { value numerator denominator n suppressedAtSource note status
    period { label } breakdown { dimension category } } } } }"""
PROGRESS = """query($id: ID!, $sha: String!) { importProgress(subjectId: $id, fileSha256: $sha) {
  phase rowsRead rowsExpected rowsWritten problems finishedAt } }"""


@pytest.fixture
async def setup(session, settings: Settings) -> Imports:
    return await build_imports(session, settings)


async def count_observations(session) -> int:
    return (await session.exec(select(func.count()).select_from(Observation))).one()


async def observations(client, setup: Imports, viewer: str = "staff") -> list[dict]:
    body = await graphql(client, OBSERVATIONS, {"id": setup.measure_id}, setup.viewers[viewer])
    return body["data"]["node"]["observations"]


async def test_partner_staff_import_a_csv_of_a_total_cells_and_a_value_suppressed_at_source(
    client, setup: Imports
) -> None:
    # when
    payload = await upload(client, setup.measure_id, GOOD.encode(), setup.viewers["staff"])
    # then
    assert payload["userErrors"] == []
    assert payload["import"] | {"fileSha256": None} == {
        "subjectId": setup.measure_id,
        "fileSha256": None,
        "format": "CSV",
        "rows": 3,
        "status": "PUBLISHED",
        "replayed": False,
    }
    total, black, latino = await observations(client, setup)
    assert (total["value"], total["n"], total["note"], total["breakdown"]) == (
        75.0,
        40,
        "all families",
        [],
    )
    assert (latino["value"], latino["numerator"], latino["denominator"]) == (60.0, 12.0, 20.0)
    assert (black["value"], black["suppressedAtSource"]) == (None, "<5")
    assert {o["status"] for o in (total, black, latino)} == {"PUBLISHED"}


async def test_the_same_file_twice_writes_nothing_twice_and_says_so(
    client, setup: Imports, session
) -> None:
    first = await upload(client, setup.measure_id, GOOD.encode(), setup.viewers["staff"])
    again = await upload(client, setup.measure_id, GOOD.encode(), setup.viewers["api_key"])
    assert again["userErrors"] == []
    assert again["import"]["replayed"] is True
    assert again["import"]["rows"] == 3
    assert again["import"]["fileSha256"] == first["import"]["fileSha256"]
    assert await count_observations(session) == 3
    # the same file as drafts is another batch under the same key: refused by name
    drafts = await upload(
        client, setup.measure_id, GOOD.encode(), setup.viewers["staff"], status="DRAFT"
    )
    assert errors_of(drafts) == [(["file"], "DUPLICATE")]
    assert "publishObservations" in drafts["userErrors"][0]["message"]


async def test_a_file_imported_as_drafts_stays_its_owners_until_published(
    client, setup: Imports
) -> None:
    payload = await upload(
        client, setup.measure_id, GOOD.encode(), setup.viewers["steward"], status="DRAFT"
    )
    assert payload["import"]["status"] == "DRAFT"
    assert {o["status"] for o in await observations(client, setup, "staff")} == {"DRAFT"}
    assert await observations(client, setup, "resident") == []


async def test_each_imported_row_is_in_the_audit_trail_as_a_row_trigger_would_record_it(
    client, setup: Imports, session
) -> None:
    # given: a file imported as drafts by the partner's API key
    await upload(client, setup.measure_id, GOOD.encode(), setup.viewers["api_key"], status="DRAFT")
    # when
    events = (
        await session.exec(
            text(
                "SELECT e.operation, e.row_id = o.id, e.partner_id = o.partner_id, e.visibility,"
                " e.before, e.after = to_jsonb(o), e.api_key_id IS NOT NULL, e.collaborative_id"
                " = o.collaborative_id FROM audit_event e JOIN observation o ON o.id = e.row_id"
                " WHERE e.table_name = 'observation'"
            )
        )
    ).all()
    # then: one event per observation, private while a draft, the row as it was written
    assert [tuple(e) for e in events] == [
        ("insert", True, True, "private", None, True, True, True)
    ] * 3


async def test_every_problem_of_a_file_is_listed_by_row_and_column_and_nothing_is_written(
    client, setup: Imports, session
) -> None:
    # given: problems in reading cells, in the rules, and a cell reported before
    await upload(client, setup.measure_id, GOOD.encode(), setup.viewers["staff"])
    bad = (
        f"{HEADER}\n"
        "2025-Q2,,,101,,,,,\n"  # 2: a percent over 100
        "2025-02-01,,,5,,,,,\n"  # 3: not the first day of a quarter
        "someday,martian,,12 %,,,many,,\n"  # 4: period, category, value and n unreadable
        "2025-Q3,latino,spanish,,5,,,,\n"  # 5: a numerator without a denominator
        "2025-Q3,latino,,,5,10,,,\n"  # 6: fine
        "2025-Q3,latino,,,6,10,,,\n"  # 7: the same cell as row 6
        "2025-Q1,,,70,,,,,\n"  # 8: the total of Q1 was reported already
        "2025-Q4,,,,,,,few,\n"  # 9: not a suppression marker
    )
    # when
    payload = await upload(client, setup.measure_id, bad.encode(), setup.viewers["staff"])
    # then
    assert payload["import"] is None
    assert errors_of(payload) == [
        (["file", "2", "value"], "OUT_OF_RANGE"),
        (["file", "3", "period"], "INVALID"),
        (["file", "4", "period"], "INVALID"),
        (["file", "4", "value"], "INVALID"),
        (["file", "4", "n"], "INVALID"),
        (["file", "5", "denominator"], "REQUIRED"),
        (["file", "7"], "DUPLICATE"),
        (["file", "8", "period"], "DUPLICATE"),
        (["file", "9", "suppressed_at_source"], "INVALID"),
    ]
    messages = {tuple(e["field"]): e["message"] for e in payload["userErrors"]}
    assert "repeats row 6" in messages[("file", "7")]
    assert "'someday' is not a period: write it as 2025-Q1" in messages[("file", "4", "period")]
    assert await count_observations(session) == 3


async def test_a_category_that_is_not_the_dimensions_is_named_in_its_column(
    client, setup: Imports
) -> None:
    csv = f"{HEADER}\n2025-Q1,martian,spanish,50,,,,,\n"
    payload = await upload(client, setup.measure_id, csv.encode(), setup.viewers["staff"])
    assert errors_of(payload) == [(["file", "2", "race_ethnicity"], "INVALID")]
    assert "'martian' is not a category of race_ethnicity" in payload["userErrors"][0]["message"]


async def test_more_than_a_thousand_problems_list_the_first_thousand_and_count_the_rest(
    client, setup: Imports
) -> None:
    rows = "".join(f"{1000 + i}-Q1,,,x,,,,,\n" for i in range(1500))
    payload = await upload(
        client, setup.measure_id, f"{HEADER}\n{rows}".encode(), setup.viewers["staff"]
    )
    errors = payload["userErrors"]
    assert len(errors) == 1001
    assert errors[0]["field"] == ["file", "2", "value"]
    assert errors[-1] == {
        "field": ["file"],
        "code": "INVALID",
        "message": "and 500 more problems: fix the ones listed and import the file again",
    }


def workbook(rows: list[list[object]], title: str = "observations") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text typed into a cell, as Excel keeps it
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_an_excel_workbook_imports_with_its_dates_and_numbers_as_excel_keeps_them(
    client, setup: Imports
) -> None:
    # given: periods typed as dates or labels, numbers as numbers, n as 20.0
    book = workbook(
        [
            HEADER.split(","),
            [datetime(2025, 4, 1), None, None, 80, None, None, 50, None, "de la Peña"],
            ["2025-Q2", "latino", "spanish", None, 12, 20, 20.0, None, "=not a formula"],
        ]
    )
    # when
    payload = await upload(
        client, setup.measure_id, book, setup.viewers["staff"], name="screened.xlsx"
    )
    # then
    assert payload["userErrors"] == []
    assert (payload["import"]["format"], payload["import"]["rows"]) == ("XLSX", 2)
    total, cell = await observations(client, setup)
    assert (total["period"]["label"], total["value"], total["note"]) == (
        "2025-Q2",
        80.0,
        "de la Peña",
    )
    assert (cell["value"], cell["n"], cell["note"]) == (60.0, 20, "=not a formula")


def zipped(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def zip_bomb(mebibytes: int = 300) -> bytes:
    """A workbook whose sheet inflates from under a MiB to `mebibytes` of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            zeros = bytes(2**20)
            for _ in range(mebibytes):
                sheet.write(zeros)
    return out.getvalue()


HOSTILE = [
    # (what, file name, bytes, expected field, expected words)
    (
        "bad UTF-8",
        "x.csv",
        f"{HEADER}\n2025-Q1,,,5,,,,,caf\xe9\n".encode("latin-1"),
        ["file", "2"],
        "is not UTF-8",
    ),
    ("empty", "x.csv", b"", ["file"], "is empty"),
    ("only a BOM and blanks", "x.csv", b"\xef\xbb\xbf \r\n", ["file"], "is empty"),
    ("header only", "x.csv", f"{HEADER}\r\n".encode(), ["file"], "has no rows"),
    (
        "unknown column",
        "x.csv",
        b"period,value,colour\n2025-Q1,5,red\n",
        ["file", "1", "colour"],
        "is not a column",
    ),
    ("no period column", "x.csv", b"value\n5\n", ["file", "1", "period"], "is missing"),
    (
        "no value column",
        "x.csv",
        b"period,note\n2025-Q1,hi\n",
        ["file", "1", "value"],
        "is missing",
    ),
    (
        "a column twice",
        "x.csv",
        b"period,value,value\n2025-Q1,5,5\n",
        ["file", "1", "value"],
        "twice",
    ),
    (
        "huge cell",
        "x.csv",
        b"period,value,note\n2025-Q1,5," + b"x" * 200_000 + b"\n",
        ["file", "2"],
        "longer than 131,072",
    ),
    (
        "long category",
        "x.csv",
        b"period,race_ethnicity,value\n2025-Q1," + b"y" * 500 + b",5\n",
        ["file", "2", "race_ethnicity"],
        "at most 100",
    ),
    ("NUL", "x.csv", b"period,value\n2025-Q1,5\x00\n", ["file", "2"], "NUL"),
    (
        "a cell without a header",
        "x.csv",
        b"period,value\n2025-Q1,5,extra\n",
        ["file", "2", "column C"],
        "no header",
    ),
    ("not a zip", "x.xlsx", b"this is not a workbook", ["file"], "not an Excel workbook"),
    ("an old .xls", "x.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ["file"], ".xls"),
    (
        "a zip, not a workbook",
        "x.xlsx",
        zipped({"hello.txt": b"hi"}),
        ["file"],
        "not an Excel workbook",
    ),
    (
        "a zip bomb",
        "x.xlsx",
        zip_bomb,  # made when the test runs, not when tests are collected
        ["file"],
        "unpacks to more than",
    ),
    (
        "a damaged workbook",
        "x.xlsx",
        zipped({"xl/workbook.xml": b"<not xml"}),
        ["file"],
        "not a readable Excel workbook",
    ),
]


@pytest.mark.parametrize(
    ("what", "name", "content", "field", "words"), HOSTILE, ids=[h[0] for h in HOSTILE]
)
async def test_a_hostile_file_gets_a_clean_error_naming_where_it_is_wrong(
    client, setup: Imports, session, what, name, content, field, words
) -> None:
    if callable(content):
        content = content()
    payload = await upload(client, setup.measure_id, content, setup.viewers["staff"], name=name)
    assert payload["import"] is None
    assert [e["field"] for e in payload["userErrors"]] == [field], what
    assert words in payload["userErrors"][0]["message"], what
    assert await count_observations(session) == 0


async def test_semicolons_decimal_commas_crlf_a_bom_and_labels_are_all_read(
    client, setup: Imports
) -> None:
    # what Excel writes as "CSV" in a country that writes 12,5
    csv = (
        '\ufeffPeriod;Race Ethnicity;Value;Note\r\n2025-Q1;;12,5;"a; b"\r\n2025-01-01;latino;7;\r\n'
    )
    payload = await upload(client, setup.measure_id, csv.encode(), setup.viewers["staff"])
    assert payload["userErrors"] == []
    total, latino = await observations(client, setup)
    assert (total["value"], total["note"]) == (12.5, "a; b")
    assert (latino["value"], latino["period"]["label"]) == (7.0, "2025-Q1")


async def test_a_file_that_is_not_a_multipart_upload_is_refused_by_name(client, setup) -> None:
    body = await graphql(
        client,
        "mutation($input: ImportObservationsInput!) { importObservations(input: $input) { "
        "userErrors { field code } } }",
        {"input": {"subjectId": setup.measure_id, "file": "2025-Q1,5"}},
        setup.viewers["staff"],
    )
    assert body["data"]["importObservations"]["userErrors"] == [
        {"field": ["file"], "code": "REQUIRED"}
    ]


ALLOWED = ("staff", "steward", "api_key")
# Anonymous uploads are refused before running (UNAUTHENTICATED: test_graphql_over_http).
REFUSED = ("resident", "backbone", "funder", "other_partner", "other_api_key")


@pytest.mark.parametrize("viewer", REFUSED)
async def test_only_the_measures_own_partner_imports_into_it_others_find_nothing(
    client, setup: Imports, session, viewer: str
) -> None:
    for subject in (
        setup.measure_id,
        setup.count_id,
        "TWVhc3VyZTowMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA=",
    ):
        payload = await upload(client, subject, GOOD.encode(), setup.viewers[viewer])
        assert errors_of(payload) == [(["subjectId"], "NOT_FOUND")], (viewer, subject)
    assert await count_observations(session) == 0


@pytest.mark.parametrize("viewer", ALLOWED)
async def test_the_partners_people_and_its_api_key_import_into_its_measures(
    client, setup: Imports, viewer: str
) -> None:
    payload = await upload(
        client, setup.count_id, b"period,value\n2025-Q1,5\n", setup.viewers[viewer]
    )
    assert payload["userErrors"] == []


@pytest.mark.parametrize("viewer", [v for v in (*ALLOWED, *REFUSED) if v != "backbone"])
async def test_only_the_backbone_imports_an_indicators_population_data(
    client, setup: Imports, viewer: str
) -> None:
    csv = b"period,race_ethnicity,value\n2024,,61.5\n2024,latino,58\n"
    refused = await upload(client, setup.indicator_id, csv, setup.viewers[viewer])
    assert errors_of(refused) == [(["subjectId"], "NOT_FOUND")]
    done = await upload(client, setup.indicator_id, csv, setup.viewers["backbone"])
    assert (done["userErrors"], done["import"]["rows"]) == ([], 2)


async def test_the_progress_of_an_import_is_read_by_who_may_import_and_by_nobody_else(
    client, setup: Imports
) -> None:
    done = await upload(client, setup.measure_id, GOOD.encode(), setup.viewers["staff"])
    variables = {"id": setup.measure_id, "sha": done["import"]["fileSha256"]}
    mine = await graphql(client, PROGRESS, variables, setup.viewers["api_key"])
    progress = mine["data"]["importProgress"]
    assert progress | {"finishedAt": None} == {
        "phase": "DONE",
        "rowsRead": 3,
        "rowsExpected": 3,
        "rowsWritten": 3,
        "problems": 0,
        "finishedAt": None,
    }
    assert progress["finishedAt"] is not None
    for viewer in ("resident", "other_partner", "anonymous"):
        theirs = await graphql(client, PROGRESS, variables, setup.viewers[viewer])
        assert theirs["data"]["importProgress"] is None
    unknown = await graphql(
        client, PROGRESS, {**variables, "sha": "0" * 64}, setup.viewers["staff"]
    )
    assert unknown["data"]["importProgress"] is None
