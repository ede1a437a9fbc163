"""Fixtures of the import and export tests: users of two townships, and files built from rows.

Rows are written as dicts keyed by the columns' code names; `make_file` turns them into the bytes of an
.xlsx or .csv file with the template's Chinese headers, as a clerk's file would have.
"""
import csv
import io
from datetime import date

import pytest
from django.utils import translation

from jiuzhu.core.idnumber import make_id_number
from jiuzhu.core.roles import Role
from jiuzhu.registry.import_template import COLUMNS_BY_KEY


@pytest.fixture
def english():
    """Error reasons are compared in English; the file's words stay Chinese whatever the language.

    Not autouse, so that other registry tests keep the product's default language: the import and
    export test modules ask for it with `pytestmark = pytest.mark.usefixtures("english")`.
    """
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def en_client(client, settings):
    """A test client whose pages are in English, whatever the default language."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def tree(region_tree):
    return region_tree


@pytest.fixture
def clerk(make_user, tree):
    """A township assistant of township A (中心街道), who may import and export."""
    return make_user(Role.TOWNSHIP_ASSISTANT, tree.township_a)


@pytest.fixture
def county_clerk(make_user, tree):
    return make_user(Role.COUNTY_BUREAU, tree.county)


def pid(birth: date = date(1960, 5, 17), sequence: int = 11, region6: str = "370402") -> str:
    """A valid ID number; an odd sequence is a man, an even one a woman."""
    return make_id_number(region6=region6, birth_date=birth, sequence=sequence)


def file_rows(rows: list[dict], columns: list[str] | None = None) -> tuple[list[str], list[list]]:
    """The header (Chinese) and the cells of some rows given by code name."""
    if columns is None:
        columns = []
        for row in rows:
            columns.extend(k for k in row if k not in columns)
    header = [COLUMNS_BY_KEY[k].header for k in columns]
    return header, [[row.get(k, "") for k in columns] for row in rows]


def make_file(rows: list[dict], kind: str = "csv", encoding: str = "utf-8", columns=None) -> bytes:
    header, cells = file_rows(rows, columns)
    if kind == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.append(header)
        for line in cells:
            sheet.append([None if v == "" else v for v in line])
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([["" if v is None else str(v) for v in line] for line in cells])
    return out.getvalue().encode(encoding)


def household_rows(head_id: str, *, region: str = "370402001001", members: list[dict] = (), **head) -> list[dict]:
    """The rows of one household: the head's row with the household columns, then the members'."""
    head_row = {
        "head_id_number": head_id,
        "id_number": head_id,
        "name": "张建国",
        "relation": "户主",
        "hukou": "农村",
        "region_code": region,
        "address": "东风社区1号",
        **head,
    }
    rows = [head_row]
    for member in members:
        rows.append({"head_id_number": head_id, "hukou": "农村", **member})
    return rows


def errors_of(batch, row: int | None = None) -> list[tuple]:
    """(row, column, code) of every error of a batch, optionally of one row."""
    return [
        (e["row"], e["column"], e["code"])
        for e in batch.errors
        if row is None or e["row"] == row
    ]
