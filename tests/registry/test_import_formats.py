"""The files a county clerk actually has: .xlsx from Excel or WPS, CSV in UTF-8 (with or without BOM) or GBK."""
import io
from datetime import date, datetime
from decimal import Decimal

import pytest

from jiuzhu.registry.imports import ImportErrorCode, ImportFileError, household_import
from jiuzhu.registry.models import Household, ImportBatch, IncomeItem, Person
from tests.registry.conftest import errors_of, household_rows, make_file, pid

pytestmark = pytest.mark.usefixtures("english")

HEAD = pid(date(1960, 5, 17), 11)
WIFE = pid(date(1962, 8, 1), 22)


def rows():
    return household_rows(
        HEAD, name="张建国", address="东风社区1号", bank_name="枣庄农村商业银行",
        members=[{"id_number": WIFE, "name": "李秀英", "relation": "配偶", "income_wage": "1800"}],
    )


def snapshot() -> list[tuple]:
    household = Household.objects.get()
    return [
        (household.address, household.bank_name, household.region_id, household.head.id_number),
        *Person.objects.order_by("id_number").values_list("id_number", "name", "sex", "birth_date", "relation"),
        *IncomeItem.objects.values_list("kind", "monthly_amount"),
    ]


@pytest.mark.parametrize(
    ("encoding", "recorded"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_csv_in_utf8_utf8_with_bom_and_gbk_all_import_the_same(clerk, tree, encoding, recorded):
    batch = household_import(actor=clerk, file_name="户籍.csv", data=make_file(rows(), encoding=encoding))

    assert batch.errors == []
    assert batch.encoding == recorded
    assert snapshot() == [
        ("东风社区1号", "枣庄农村商业银行", "370402001001", HEAD),
        (HEAD, "张建国", "male", date(1960, 5, 17), "head"),
        (WIFE, "李秀英", "female", date(1962, 8, 1), "spouse"),
        ("wage", Decimal("1800.00")),
    ]


def test_an_xlsx_workbook_with_typed_cells_imports_like_text(clerk, tree):
    from openpyxl import Workbook

    from jiuzhu.registry.import_template import COLUMNS_BY_KEY

    keys = ["head_id_number", "id_number", "name", "relation", "hukou", "birth_date", "region_code", "address",
            "phone", "income_wage", "deposits", "disability_type", "disability_grade"]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([COLUMNS_BY_KEY[k].header for k in keys])
    # Excel gives real dates, numbers for codes, amounts and phone numbers.
    sheet.append([HEAD, HEAD, "张建国", "户主", "农村", datetime(1960, 5, 17), 370402001001, "东风社区1号",
                  13800000000, None, 5000.5, "肢体残疾", 2])
    sheet.append([HEAD, WIFE, "李秀英", "配偶", "农村", None, None, None, None, 1800, None, None, None])
    out = io.BytesIO()
    workbook.save(out)

    batch = household_import(actor=clerk, file_name="户籍.xlsx", data=out.getvalue())

    assert batch.errors == []
    assert batch.encoding == ""
    head = Person.objects.get(id_number=HEAD)
    assert (head.phone, head.disability_type, head.disability_grade) == ("13800000000", "physical", 2)
    assert head.household.region_id == "370402001001"
    assert head.household.assets.get().value == Decimal("5000.50")
    assert IncomeItem.objects.get().monthly_amount == Decimal("1800.00")


def test_an_id_number_that_excel_turned_into_a_number_is_refused_with_advice(clerk, tree):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["户主身份证号", "身份证号", "姓名", "与户主关系", "户籍性质", "区划代码", "家庭住址"])
    sheet.append([float(HEAD[:-1] + "0"), float(HEAD[:-1] + "0"), "张建国", "户主", "农村", "370402001001", "x"])
    out = io.BytesIO()
    workbook.save(out)

    batch = household_import(actor=clerk, file_name="a.xlsx", data=out.getvalue())

    assert errors_of(batch) == [(2, "head_id_number", "id_as_number"), (2, "id_number", "id_as_number")]
    assert "Format the column as text" in batch.errors[0]["reason"]


def test_a_bank_account_that_excel_turned_into_a_number_is_refused(clerk, tree):
    data = make_file(household_rows(HEAD, bank_account=6.217000011112222e18), kind="xlsx")

    batch = household_import(actor=clerk, file_name="a.xlsx", data=data)

    assert errors_of(batch) == [(2, "bank_account", "lost_digits")]


def test_a_leading_apostrophe_that_forced_text_in_excel_is_ignored(clerk, tree):
    batch = household_import(
        actor=clerk, file_name="a.csv", data=make_file(household_rows(HEAD, id_number="'" + HEAD)),
    )

    assert (batch.errors, batch.persons_created) == ([], 1)


@pytest.mark.parametrize("written", ["1960-05-17", "1960/5/17", "1960.5.17", "1960年5月17日", "19600517"])
def test_dates_are_read_in_the_usual_chinese_ways(clerk, tree, written):
    batch = household_import(
        actor=clerk, file_name="a.csv", data=make_file(household_rows(HEAD, birth_date=written)),
    )

    assert batch.errors == []
    assert Person.objects.get().birth_date == date(1960, 5, 17)


def test_a_date_cell_that_lost_its_format_is_read_as_an_excel_day_number(clerk, tree):
    # 22053 is 1960-05-17 counted in days from Excel's 1900 epoch.
    data = make_file(household_rows(HEAD, birth_date=22053), kind="xlsx")

    batch = household_import(actor=clerk, file_name="a.xlsx", data=data)

    assert batch.errors == []
    assert Person.objects.get().birth_date == date(1960, 5, 17)


def test_headers_may_be_the_code_names_and_unknown_columns_are_noted_and_ignored(clerk, tree):
    text = (
        "head_id_number,id_number,name,relation,hukou,region_code,address,备注\n"
        f"{HEAD},{HEAD},张建国,head,rural,370402001001,东风社区1号,老党员\n"
    )
    batch = household_import(actor=clerk, file_name="a.csv", data=text.encode())

    assert batch.persons_created == 1
    assert batch.rows_rejected == 0
    (notice,) = batch.errors
    assert (notice["row"], notice["header"], notice["code"], notice["level"]) == (1, "备注", "unknown_column", "warning")


def test_a_tab_separated_text_file_is_read_too(clerk, tree):
    text = (
        "户主身份证号\t身份证号\t姓名\t与户主关系\t户籍性质\t区划代码\t家庭住址\n"
        f"{HEAD}\t{HEAD}\t张建国\t户主\t农村\t370402001001\t东风社区1号\n"
    )
    batch = household_import(actor=clerk, file_name="a.txt", data=text.encode("utf-16"))

    assert (batch.encoding, batch.persons_created, batch.errors) == ("utf-16", 1, [])


def test_blank_lines_are_skipped_and_row_numbers_stay_those_of_the_sheet(clerk, tree):
    data = make_file(household_rows(HEAD) + [{}] + household_rows(WIFE, sex="男"), kind="xlsx")

    batch = household_import(actor=clerk, file_name="a.xlsx", data=data)

    assert batch.rows_total == 2
    assert errors_of(batch) == [(4, "sex", "sex_mismatch")]


# --- Files refused as a whole: nothing imported, no batch kept ---------------------------------------
@pytest.mark.parametrize(
    ("file_name", "data", "code"),
    [
        ("households.pdf", b"%PDF-1.4", ImportErrorCode.UNSUPPORTED_TYPE),
        ("households.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ImportErrorCode.OLD_XLS),
        ("households.xlsx", b"PK\x03\x04 not really a zip", ImportErrorCode.UNREADABLE_XLSX),
        ("households.xlsx", b"name,id\n", ImportErrorCode.UNREADABLE_XLSX),
        ("households.csv", b"\x80\xff\xfe\x81\xff", ImportErrorCode.UNREADABLE_TEXT),
        ("households.csv", b"", ImportErrorCode.NO_HEADER),
        ("households.csv", "姓名,身份证号\n张三,1\n".encode(), ImportErrorCode.MISSING_COLUMNS),
        ("households.csv", "户主身份证号,身份证号,身份证号码,姓名\n".encode(), ImportErrorCode.DUPLICATE_COLUMN),
    ],
)
def test_a_file_that_cannot_be_used_is_refused_with_a_clear_message(clerk, tree, file_name, data, code):
    with pytest.raises(ImportFileError) as caught:
        household_import(actor=clerk, file_name=file_name, data=data)

    assert caught.value.code == code
    assert caught.value.message
    assert not ImportBatch.objects.exists()


def test_the_missing_columns_are_named(clerk, tree):
    with pytest.raises(ImportFileError) as caught:
        household_import(actor=clerk, file_name="a.csv", data="姓名,身份证号\n".encode())

    assert caught.value.message == (
        "Required columns are missing: 户主身份证号. Download the template to see the expected headers."
    )


def test_a_file_above_the_size_limit_is_refused(clerk, tree, settings):
    settings.JIUZHU = {**settings.JIUZHU, "IMPORT_MAX_BYTES": 1024 * 1024}
    data = make_file(household_rows(HEAD)) + b"," * (1024 * 1024)

    with pytest.raises(ImportFileError) as caught:
        household_import(actor=clerk, file_name="a.csv", data=data)

    assert caught.value.message == "The file is 1.0 MB; at most 1 MB can be imported at once."
    assert not Person.objects.exists()


def test_a_file_with_too_many_rows_is_refused(clerk, tree, settings):
    settings.JIUZHU = {**settings.JIUZHU, "IMPORT_MAX_ROWS": 1}
    data = make_file(household_rows(HEAD, members=[{"id_number": WIFE, "name": "李秀英", "relation": "配偶"}]))

    with pytest.raises(ImportFileError) as caught:
        household_import(actor=clerk, file_name="a.csv", data=data)

    assert caught.value.code == ImportErrorCode.TOO_MANY_ROWS
    assert not Person.objects.exists()



@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (0.1 + 0.2, Decimal("0.30")),  # a formula's binary float
        (1200, Decimal("1200.00")),
        ("1,200.5", Decimal("1200.50")),
        ("￥300元", Decimal("300.00")),
    ],
)
def test_amounts_from_excel_cells_are_taken_to_the_fen(clerk, tree, cell, expected):
    data = make_file(household_rows(HEAD, deposits=cell), "xlsx")

    batch = household_import(actor=clerk, file_name="a.xlsx", data=data)

    assert batch.errors == []
    assert Household.objects.get().assets.get().value == expected


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        (1e30, "amount_too_large"),
        ("1" * 30 + ".123", "amount_too_large"),
        ("nan", "bad_amount"),
        (0.123, "too_many_decimals"),
    ],
)
def test_absurd_amounts_are_reported_not_crashed_on(clerk, tree, cell, code):
    data = make_file(household_rows(HEAD, deposits=cell), "xlsx")

    batch = household_import(actor=clerk, file_name="a.xlsx", data=data)

    assert errors_of(batch) == [(2, "deposits", code)]
