"""The import pages: upload → result with the rejected rows → error report download; the template download."""
import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jiuzhu.core.roles import Role
from jiuzhu.registry import import_template
from jiuzhu.registry.imports import household_import
from jiuzhu.registry.models import ImportBatch, Person
from tests.registry.conftest import household_rows, make_file, pid

pytestmark = pytest.mark.usefixtures("english")

HEAD = pid(date(1960, 5, 17), 11)
WIFE = pid(date(1962, 8, 1), 22)


def upload(client, data: bytes, name: str):
    return client.post(reverse("web:import"), {"file": io_file(data, name)})


def io_file(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


@pytest.fixture
def logged_in(en_client, clerk):
    en_client.force_login(clerk)
    return en_client


def test_upload_then_result_page_lists_the_rejected_rows_then_the_report_downloads(logged_in, tree):
    rows = household_rows(HEAD, members=[{"id_number": WIFE, "name": "李秀英", "relation": "配偶",
                                          "income_wage": "-5"}])

    response = upload(logged_in, make_file(rows), "户籍.csv")

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:import_detail", args=[batch.pk])
    page = logged_in.get(response["Location"]).content.decode()
    assert "户籍.csv" in page
    assert "工资性收入（元/月）" in page
    assert "An amount cannot be negative." in page
    assert Person.objects.filter(id_number=HEAD).exists()

    report = logged_in.get(reverse("web:import_report", args=[batch.pk]))
    assert report.status_code == 200
    assert "attachment" in report["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content)), read_only=True).worksheets[0]
    assert list(sheet.iter_rows(values_only=True)) == [
        ("Row", "Column", "Value", "Reason"),
        (3, "工资性收入（元/月）", "-5", "An amount cannot be negative."),
    ]

    report = logged_in.get(reverse("web:import_report", args=[batch.pk]), {"format": "csv"})
    raw = b"".join(report.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(raw.decode("utf-8-sig")))) == [
        ["Row", "Column", "Value", "Reason"],
        ["3", "工资性收入（元/月）", "-5", "An amount cannot be negative."],
    ]


def test_the_upload_page_lists_the_users_recent_imports(logged_in, clerk, tree):
    household_import(actor=clerk, file_name="上月名单.csv", data=make_file(household_rows(HEAD)))

    page = logged_in.get(reverse("web:import")).content.decode()

    assert "上月名单.csv" in page
    assert reverse("web:import_template") in page


def test_a_file_that_cannot_be_read_is_refused_on_the_form(logged_in, tree):
    response = upload(logged_in, b"%PDF-1.4", "名单.pdf")

    assert response.status_code == 200
    assert "Only .xlsx and .csv files can be imported; 名单.pdf is neither." in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_file_above_the_limit_is_refused_before_it_is_read(logged_in, tree, settings):
    settings.JIUZHU = {**settings.JIUZHU, "IMPORT_MAX_BYTES": 100}

    response = upload(logged_in, make_file(household_rows(HEAD)), "a.csv")

    assert response.status_code == 200
    assert "can be imported at once." in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.SUPERVISOR, Role.HOTLINE_OPERATOR])
def test_a_user_without_import_rights_gets_403_on_every_import_page(en_client, make_user, clerk, tree, role):
    batch = household_import(actor=clerk, file_name="a.csv", data=make_file(household_rows(HEAD)))
    en_client.force_login(make_user(role, tree.township_a))

    for url in (
        reverse("web:import"),
        reverse("web:import_template"),
        reverse("web:import_detail", args=[batch.pk]),
        reverse("web:import_report", args=[batch.pk]),
    ):
        assert en_client.get(url).status_code == 403, url
    assert en_client.post(reverse("web:import"), {"file": io_file(b"x", "a.csv")}).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(en_client, tree):
    response = en_client.get(reverse("web:import"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_another_users_import_is_not_found(en_client, make_user, clerk, tree):
    batch = household_import(actor=clerk, file_name="a.csv", data=make_file(household_rows(HEAD)))
    en_client.force_login(make_user(Role.TOWNSHIP_ASSISTANT, tree.township_a))

    assert en_client.get(reverse("web:import_detail", args=[batch.pk])).status_code == 404
    assert en_client.get(reverse("web:import_report", args=[batch.pk])).status_code == 404


# --- The template --------------------------------------------------------------------------------------
def template_workbook(client):
    response = client.get(reverse("web:import_template"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_template_opens_with_headers_instructions_and_an_example(logged_in, tree):
    workbook = template_workbook(logged_in)

    assert workbook.sheetnames == ["家庭成员 Members", "说明 Instructions", "示例 Example"]
    data, instructions, example = workbook.worksheets
    headers = [c.value for c in data[1]]
    assert headers[:4] == ["户主身份证号", "身份证号", "姓名", "与户主关系"]
    assert data.max_row == 1  # nothing to delete before filling it in
    listed = {row[1]: row for row in instructions.iter_rows(min_row=2, values_only=True) if row[1]}
    assert set(listed) == {c.key for c in import_template.template_columns()}
    assert "城镇 (urban)" in listed["hukou"][4]
    assert listed["relation"][4].startswith("户主 (head)、配偶 (spouse)")
    assert [c.value for c in example[1]] == headers


def test_every_template_header_reads_back_as_its_column(logged_in, tree):
    headers = [c.value for c in template_workbook(logged_in).worksheets[0][1]]

    assert [import_template.column_for_header(h).key for h in headers] == [
        c.key for c in import_template.template_columns()
    ]


def test_the_example_household_of_the_template_imports_cleanly(logged_in, clerk, tree):
    from openpyxl import Workbook

    example = template_workbook(logged_in).worksheets[2]
    workbook = Workbook()
    for row in example.iter_rows(values_only=True):
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)

    batch = household_import(actor=clerk, file_name="示例.xlsx", data=out.getvalue())

    assert (batch.errors, batch.persons_created, batch.households_created) == ([], 2, 1)


def test_the_blank_template_imports_as_an_empty_file(logged_in, clerk, tree):
    response = logged_in.get(reverse("web:import_template"))

    batch = household_import(actor=clerk, file_name="模板.xlsx", data=b"".join(response.streaming_content))

    assert (batch.rows_total, batch.errors) == (0, [])


def test_the_documentation_lists_the_columns_as_the_code_defines_them():
    from pathlib import Path

    document = (Path(__file__).resolve().parents[2] / "docs" / "import-template.md").read_text(encoding="utf-8")

    assert import_template.import_template_markdown() in document
