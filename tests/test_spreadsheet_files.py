"""Templates and exports of a measure's or an indicator's observations, and the round trip.

An export imports back into a measure of the same shape unchanged: accents, commas,
quotes, line breaks, formula-looking notes, 0.1 and 1e-7, values suppressed at source and
breakdown cells alike, as CSV and as .xlsx.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.settings import Settings
from schema.relay import to_global_id
from services.spreadsheets.dialect import defused, undefused
from tests.import_fixture import Imports, build_imports, upload

HEADER = ["period", "language", "race_ethnicity", "value", "numerator", "denominator", "n"]
HEADER += ["suppressed_at_source", "note"]


@pytest.fixture
async def setup(session, settings: Settings) -> Imports:
    return await build_imports(session, settings)


def rows_of(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


async def test_a_template_has_the_columns_its_measure_expects_as_csv_and_as_a_workbook(
    client, setup: Imports
) -> None:
    # when
    as_csv = await client.get(f"/templates/{setup.measure_id}.csv", headers=setup.viewers["staff"])
    as_xlsx = await client.get(
        f"/templates/{setup.measure_id}.xlsx", headers=setup.viewers["staff"]
    )
    # then
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert as_csv.headers["content-disposition"] == (
        'attachment; filename="children-screened-on-time-template.csv"'
    )
    assert rows_of(as_csv.text) == [HEADER]
    book = openpyxl.load_workbook(io.BytesIO(as_xlsx.content), read_only=True)
    assert book.sheetnames == ["observations", "how to fill"]
    assert list(next(book["observations"].iter_rows(values_only=True))) == HEADER
    guide = {r[0]: r[1] for r in book["how to fill"].iter_rows(min_row=2, values_only=True)}
    assert "2025-Q1" in guide["period"]
    assert "latino (Latino/a), black (Black)" in guide["race_ethnicity"]
    book.close()
    count = await client.get(f"/templates/{setup.count_id}.csv")  # public: anyone
    assert rows_of(count.text) == [["period", "value", "n", "suppressed_at_source", "note"]]


TRICKY = (
    "period,race_ethnicity,language,value,numerator,denominator,n,suppressed_at_source,note\r\n"
    '2024-Q4,,,0.1,,,12,,"Niños, ""quoted"" and\nmultiline"\r\n'
    "2024-Q4,latino,,1e-7,,,,,'=SUM(A1)\r\n"
    "2024-Q4,latino,spanish,,,,3,<5,'+1 formula-looking\r\n"
    "2024-Q4,black,english,,1,3,3,,'-minus\r\n"
    "2024-Q4,black,,-2.5,,,,,'@at\r\n"
    "2025-Q1,,,,,,,*,''=an apostrophe kept\r\n"
    "2025-Q1,,spanish,123456789.123456,,,7,,  spaces kept  \r\n"
    "2025-Q1,latino,,1e+14,,,,,\r\n"
)


async def export_of(client, subject_id: str, headers: dict[str, str], fmt: str = "csv"):
    response = await client.get(f"/export/observations/{subject_id}.{fmt}", headers=headers)
    assert response.status_code == 200, response.text
    return response


async def test_an_export_imports_back_unchanged_as_csv_and_as_a_workbook(
    client, setup: Imports
) -> None:
    # given: tricky values imported into one measure
    staff = setup.viewers["staff"]
    first, second, third = setup.scored_ids
    imported = await upload(client, first, TRICKY.encode(), staff)
    assert imported["userErrors"] == []
    exported = await export_of(client, first, staff)
    # when: the export is imported into a measure of the same shape, as CSV and as .xlsx
    again = await upload(client, second, exported.content, staff)
    workbook = await export_of(client, first, staff, "xlsx")
    from_excel = await upload(client, third, workbook.content, staff, name="scores.xlsx")
    # then: the three exports are the same file
    assert (again["userErrors"], from_excel["userErrors"]) == ([], [])
    assert exported.headers["content-disposition"] == (
        'attachment; filename="scores-observations.csv"'
    )
    assert (await export_of(client, second, staff)).content == exported.content
    assert (await export_of(client, third, staff)).content == exported.content
    rows = rows_of(exported.text)
    assert rows[0] == HEADER
    by_note = {r[-1]: r for r in rows[1:]}
    assert by_note['Niños, "quoted" and\nmultiline'][3] == "0.1"
    assert by_note["'=SUM(A1)"][3] == "1e-07"
    assert by_note["'+1 formula-looking"][7] == "<5"
    assert by_note["'-minus"][3:6] == [repr(1 / 3), "1", "3"]
    assert by_note["'@at"][3] == "-2.5"
    assert by_note["''=an apostrophe kept"][7] == "*"
    assert by_note["  spaces kept  "][3] == "123456789.123456"
    assert len(rows) == 9


async def test_the_same_file_exported_twice_is_the_same_file(client, setup: Imports) -> None:
    staff = setup.viewers["staff"]
    await upload(client, setup.scored_ids[0], TRICKY.encode(), staff)
    one = await export_of(client, setup.scored_ids[0], staff)
    two = await export_of(client, setup.scored_ids[0], staff)
    assert one.content == two.content


# (viewer, measure kind) -> may read: members-only, public and private measures of Casa
READERS = {
    "anonymous": {"public"},
    "funder": {"public"},
    "resident": {"public", "members"},
    "backbone": {"public", "members"},
    "other_partner": {"public", "members"},
    "other_api_key": {"public", "members"},
    "staff": {"public", "members", "private"},
    "steward": {"public", "members", "private"},
    "api_key": {"public", "members", "private"},
}


@pytest.mark.parametrize("viewer", sorted(READERS))
async def test_templates_and_exports_are_for_who_may_read_the_subject_others_get_a_404(
    client, setup: Imports, viewer: str
) -> None:
    subjects = {"public": setup.count_id, "members": setup.measure_id, "private": setup.private_id}
    unknown = to_global_id("Measure", setup.measure.collaborative_id)  # an id of nothing
    for kind, subject in [*subjects.items(), ("unknown", unknown)]:
        for route in ("templates", "export/observations"):
            for fmt in ("csv", "xlsx"):
                response = await client.get(
                    f"/{route}/{subject}.{fmt}", headers=setup.viewers[viewer]
                )
                expected = 200 if kind in READERS[viewer] else 404
                assert response.status_code == expected, (viewer, kind, route, fmt)
                if expected == 404:
                    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_an_export_holds_drafts_for_their_owner_only(client, setup: Imports) -> None:
    csv_file = b"period,value\n2025-Q1,5\n"
    await upload(client, setup.count_id, csv_file, setup.viewers["staff"], status="DRAFT")
    owner = rows_of((await export_of(client, setup.count_id, setup.viewers["staff"])).text)
    public = rows_of((await export_of(client, setup.count_id, {})).text)
    assert owner[1] == ["2025-Q1", "5", "", "", ""]
    assert public == [owner[0]]


async def test_an_indicators_template_and_export_and_a_wrong_extension(
    client, setup: Imports
) -> None:
    await upload(
        client, setup.indicator_id, b"period,value\n2024,61.5\n", setup.viewers["backbone"]
    )
    template = await client.get(f"/templates/{setup.indicator_id}.csv")
    assert rows_of(template.text)[0][:3] == ["period", "race_ethnicity", "value"]
    exported = await export_of(client, setup.indicator_id, {})
    assert rows_of(exported.text)[1][:3] == ["2024", "", "61.5"]
    wrong = await client.get(f"/templates/{setup.indicator_id}.pdf")
    assert wrong.status_code == 404
    bad_token = await client.get(
        f"/templates/{setup.indicator_id}.csv", headers={"Authorization": "Bearer nope"}
    )
    assert bad_token.status_code == 401


@given(st.text())
def test_the_formula_guard_reads_back_exactly_what_it_guarded(text: str) -> None:
    guarded = defused(text)
    assert undefused(guarded) == text
    assert not guarded.startswith(("=", "+", "-", "@", "\t", "\r"))
