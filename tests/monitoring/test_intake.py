"""Feed intake: a department's file becomes canonical records; bad rows are reported by row and reason and never
block the good ones; the same file twice changes nothing (docs/feeds.md)."""
import csv
import io
import random
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.utils import translation

from jiuzhu.core.idnumber import IdNumberError, make_id_number, parse_id_number
from jiuzhu.monitoring.feedtypes import RECORDS
from jiuzhu.monitoring.intake import feed_batch_receive, read_feed

TODAY = date(2025, 7, 1)
ALICE = make_id_number(region6="110105", birth_date=date(1980, 3, 15), sequence=123)  # a man
BETTY = make_id_number(region6="440305", birth_date=date(1956, 11, 2), sequence=42)   # a woman
WITH_X = next(n for s in range(1000) if (n := make_id_number(region6="130102", birth_date=date(1990, 1, 1),
                                                           sequence=s)).endswith("X"))


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode(encoding)


def read(tmp_path, data: bytes, *, feed_type="death", mapping=None, name="feed.csv", batch_id=3):
    path = tmp_path / name
    path.write_bytes(data)
    return read_feed(path=path, feed_type=feed_type, mapping=mapping, batch_id=batch_id, today=TODAY)


def records(result) -> list[dict]:
    return result.records.to_pylist()


def issues(result) -> list[tuple]:
    return [(i["row"], i["field"], i["code"]) for i in result.issues.to_pylist()]


DEATHS = [["id_number", "name", "death_date"], [ALICE, "张三", "2025-06-01"], [BETTY, "李四", "2025-06-02"]]


# --- Encodings ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("encoding", "detected"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                                    ("gbk", "gb18030"), ("gb18030", "gb18030")])
def test_utf8_utf8_with_bom_and_gbk_files_read_the_same(tmp_path, encoding, detected):
    result = read(tmp_path, csv_bytes(DEATHS, encoding))
    assert result.file_error is None
    assert result.encoding == detected
    assert [(r["name"], r["id_number"], r["event_date"]) for r in records(result)] == [
        ("张三", ALICE, date(2025, 6, 1)), ("李四", BETTY, date(2025, 6, 2))]


def test_a_gbk_file_whose_first_megabyte_is_plain_ascii_is_still_read_as_gbk(tmp_path):
    rows = [DEATHS[0]] + [[ALICE, "Zhang", "2025-06-01"]] * 30_000 + [[BETTY, "李四", "2025-06-02"]]
    result = read(tmp_path, csv_bytes(rows, "gbk"))
    assert result.file_error is None
    assert result.encoding == "gb18030"
    assert records(result)[-1]["name"] == "李四"


@pytest.mark.parametrize("data", [
    "id_number,name,death_date\n".encode("utf-16"),                 # Excel's "Unicode text"
    b"id_number,name,death_date\n" + ALICE.encode() + b",Jos\xe9,2025-06-01\n",  # Latin-1
], ids=["utf-16", "latin-1"])
def test_a_file_neither_utf8_nor_gb18030_is_refused_as_a_whole(tmp_path, data):
    result = read(tmp_path, data)
    assert result.file_error.code == "bad_encoding"
    assert "UTF-8" in result.file_error.message and "GB18030" in result.file_error.message
    assert result.records is None and result.rows_total == 0


# --- Columns and mapping --------------------------------------------------------------------------------------
def test_missing_required_columns_reject_the_file_and_are_named(tmp_path):
    result = read(tmp_path, csv_bytes([["姓名", "身份证号"], ["张三", ALICE]]), mapping={"姓名": "name",
                                                                                  "身份证号": "id_number"})
    assert result.file_error.code == "missing_columns"
    assert result.file_error.params["columns"] == ["death_date"]
    assert "death_date (死亡日期)" in result.file_error.message


def test_a_file_with_neither_id_numbers_nor_birth_dates_is_refused(tmp_path):
    result = read(tmp_path, csv_bytes([["name", "death_date"], ["张三", "2025-06-01"]]))
    assert result.file_error.code == "missing_columns"
    assert result.file_error.params["columns"] == ["id_number", "birth_date"]


def test_department_headers_are_mapped_trimmed_and_unknown_ones_ignored_with_a_warning(tmp_path):
    rows = [[" 公民身份号码 ", "姓名", "death_date", "备注"], [ALICE, "张三", "2025-06-01", "火化"]]
    result = read(tmp_path, csv_bytes(rows), mapping={"公民身份号码": "id_number", "姓名": "name"})
    assert result.file_error is None
    assert result.columns == {"id_number": "公民身份号码", "name": "姓名", "death_date": "death_date"}
    assert [w["params"]["header"] for w in result.warnings] == ["备注"]
    assert records(result)[0]["id_number"] == ALICE


def test_two_headers_mapped_onto_one_column_reject_the_file(tmp_path):
    rows = [["身份证号", "证件号码", "name", "death_date"], [ALICE, ALICE, "张三", "2025-06-01"]]
    result = read(tmp_path, csv_bytes(rows), mapping={"身份证号": "id_number", "证件号码": "id_number"})
    assert result.file_error.code == "duplicate_column"


def test_a_mapping_onto_a_column_the_feed_does_not_have_rejects_the_file(tmp_path):
    result = read(tmp_path, csv_bytes(DEATHS), mapping={"姓名": "full_name"})
    assert result.file_error.code == "bad_mapping"


def test_an_unsupported_format_is_refused(tmp_path):
    assert read(tmp_path, b"PK", name="feed.xls").file_error.code == "unsupported_format"


# --- Rows ---------------------------------------------------------------------------------------------------
def test_bad_dates_reject_their_rows_and_the_good_rows_are_all_kept(tmp_path):
    rows = [DEATHS[0],
            [ALICE, "好一", "2025-06-01"],
            [ALICE, "坏一", "2025-02-30"],      # impossible
            [ALICE, "坏二", "2025-07-02"],      # after today
            [ALICE, "坏三", "1899-12-31"],      # before 1900
            [ALICE, "坏四", "上个月"],
            [ALICE, "坏五", ""],
            [ALICE, "好二", "2025/6/3"],
            [ALICE, "好三", "2025年6月4日"],
            [ALICE, "好四", "20250605"],
            [ALICE, "好五", "2025-06-06 13:45:00"]]
    result = read(tmp_path, csv_bytes(rows))
    assert [r["name"] for r in records(result)] == ["好一", "好二", "好三", "好四", "好五"]
    assert [r["event_date"] for r in records(result)] == [date(2025, 6, d) for d in range(1, 7) if d != 2]
    assert issues(result) == [(3, "death_date", "bad_date"), (4, "death_date", "future_date"),
                              (5, "death_date", "early_date"), (6, "death_date", "bad_date"),
                              (7, "death_date", "required")]
    assert (result.rows_total, result.rows_accepted, result.rows_rejected) == (10, 5, 5)
    with translation.override("en"):
        messages = [i["message"] for i in result.issue_dicts()]
    assert "2025-02-30" in messages[0] and "YYYY-MM-DD" in messages[0]


MEDICAL = ["id_number", "name", "discharge_date", "out_of_pocket", "stay_type"]


@pytest.mark.parametrize(("cell", "name"), [
    ("张三", "张三"), ("Zhang San", "Zhang San"), ("阿依古丽·买买提", "阿依古丽·买买提"), ("𠀀明", "𠀀明"),
    ("Émile", "Émile"), ("李四é", "李四é"), ("（张三）", "（张三）"), ("张\t三", "张\t三"),  # kept as they are
    (" 张三", "张三"), ("张三 ", "张三"), ("\t张三\t", "张三"), ("\u3000张三\u3000", "张三"),  # trimmed
    ("\u00a0张三", "张三"), ("\ufeff张三", "张三"), ("张三\u00a0\u3000 ", "张三"), ("\u3000Émile", "Émile"),
])
def test_names_are_kept_as_written_but_for_spaces_at_either_end(tmp_path, cell, name):
    """A name needing no trimming is taken as it is (a quick test of its first and last character); one with
    ASCII, ideographic or no-break spaces, tabs or a BOM at an end is trimmed."""
    result = read(tmp_path, csv_bytes([DEATHS[0], [ALICE, cell, "2025-06-01"]]))
    assert [r["name"] for r in records(result)] == [name]
    assert issues(result) == []


@pytest.mark.parametrize("cell", ["", " ", "\u3000", "\u00a0 \t"])
def test_a_name_of_spaces_only_is_missing(tmp_path, cell):
    result = read(tmp_path, csv_bytes([DEATHS[0], [ALICE, cell, "2025-06-01"]]))
    assert records(result) == [] and issues(result) == [(2, "name", "required")]


@pytest.mark.parametrize(("cell", "fen", "code"), [
    ("1200", 120000, None),
    ("1,234.50", 123450, None),
    ("¥ 8000.5", 800050, None),
    ("0.10", 10, None),
    ("3.500", 350, None),
    ("-12.00", None, "negative_amount"),
    ("12.345", None, "too_many_decimals"),
    ("1.2e3", None, "bad_amount"),
    ("12,34", None, "bad_amount"),
    ("123456789012345", None, "amount_too_large"),
])
def test_amounts_are_exact_fen_and_negative_or_malformed_ones_reject_the_row(tmp_path, cell, fen, code):
    result = read(tmp_path, csv_bytes([MEDICAL, [ALICE, "张三", "2025-06-01", cell, "住院"]]),
                  feed_type="medical_settlement")
    assert [r["amount_fen"] for r in records(result)] == ([fen] if fen is not None else [])
    assert issues(result) == ([] if code is None else [(2, "out_of_pocket", code)])


def test_unknown_codes_reject_the_row_and_the_message_lists_the_allowed_values(tmp_path):
    rows = [MEDICAL, [ALICE, "张三", "2025-06-01", "9000", "住院"], [ALICE, "李四", "2025-06-01", "9000", "Outpatient"],
            [ALICE, "王五", "2025-06-01", "9000", "急诊室"]]
    result = read(tmp_path, csv_bytes(rows), feed_type="medical_settlement")
    assert [r["category"] for r in records(result)] == ["inpatient", "outpatient"]
    assert issues(result) == [(4, "stay_type", "unknown_code")]
    message = result.issue_dicts()[0]["message"]
    assert "急诊室" in message and "inpatient (住院)" in message and "outpatient" in message


def test_a_disability_grade_may_be_written_in_chinese_and_must_be_1_to_4(tmp_path):
    header = ["id_number", "name", "issued_on", "disability_type", "disability_grade"]
    rows = [header, [ALICE, "甲", "2025-01-01", "肢体", "二级"], [ALICE, "乙", "2025-01-01", "visual", "4"],
            [ALICE, "丙", "2025-01-01", "visual", "5"], [ALICE, "丁", "2025-01-01", "visual", "重度"]]
    result = read(tmp_path, csv_bytes(rows), feed_type="disability_certificate")
    assert [(r["category"], r["grade"]) for r in records(result)] == [("physical", 2), ("visual", 4)]
    assert issues(result) == [(4, "disability_grade", "out_of_range"), (5, "disability_grade", "bad_int")]


def test_exact_duplicate_rows_keep_the_first_and_report_the_others(tmp_path):
    rows = [DEATHS[0], [ALICE, "张三", "2025-06-01"], [BETTY, "李四", "2025-06-02"], [ALICE, "张三", "2025-06-01"],
            [ALICE, "张三", "2025-06-03"], [ALICE, "张三", "2025-06-01"]]
    result = read(tmp_path, csv_bytes(rows))
    assert [r["row_number"] for r in records(result)] == [2, 3, 5]
    assert [(i["row"], i["code"], i["value"]) for i in result.issues.to_pylist()] == [
        (4, "duplicate_row", "2"), (6, "duplicate_row", "2")]
    assert (result.rows_rejected, result.rows_duplicate) == (2, 2)
    with translation.override("en"):
        assert result.issue_dicts()[0]["message"] == "The same as row 2, which is kept."


def test_rows_keep_their_numbers_in_a_large_file_checked_on_every_thread(tmp_path):
    """Rows are checked in parallel and numbered by their position: blank lines before the header are not
    rows, a quoted line break stays in its cell, and the bad rows and the copies of a 250,000-row file are
    reported at their own numbers; the records keep the file's order."""
    bad = {7, 25_007, 125_000, 249_999}
    copies = {60_000: 59_000, 130_001: 3, 200_002: 199_999}  # body row → the earlier body row it repeats
    body = [[ALICE, "张\n三", "2025-06-01"]] + [
        [BETTY, f"李{i}", "2025-13-01" if i in bad else "2025-06-02"] for i in range(1, 250_000)]
    for row, original in copies.items():
        body[row] = body[original]
    data = b"\n\n" + csv_bytes([DEATHS[0], *body])
    result = read(tmp_path, data)
    # The header is line 3; the first row (with its line break) is row 4, row i of the body is row 4 + i.
    expected = [(4 + i, "death_date", "bad_date") for i in bad] + [(4 + i, "", "duplicate_row") for i in copies]
    assert issues(result) == sorted(expected)
    assert [(i["row"], i["value"]) for i in result.issues.to_pylist() if i["code"] == "duplicate_row"] == [
        (4 + row, str(4 + original)) for row, original in sorted(copies.items())]
    assert result.rows_accepted == 250_000 - len(bad) - len(copies)
    kept = records(result)
    assert kept[0]["row_number"] == 4 and kept[0]["name"] == "张\n三"
    assert [r["row_number"] for r in kept] == [4 + i for i in range(250_000) if i not in bad and i not in copies]


def test_record_ids_are_batch_times_a_billion_plus_the_row_and_the_schema_is_canonical(tmp_path):
    result = read(tmp_path, csv_bytes(DEATHS), batch_id=17)
    assert result.records.schema.equals(RECORDS)
    assert [r["record_id"] for r in records(result)] == [17_000_000_002, 17_000_000_003]
    assert {r["batch_id"] for r in records(result)} == {17} and {r["feed_type"] for r in records(result)} == {"death"}


# --- ID numbers -----------------------------------------------------------------------------------------------
def fifteen(number: str) -> str:
    return number[:6] + number[8:17]


@pytest.mark.parametrize(("cell", "expected"), [
    (fifteen(ALICE), ALICE),                                               # an old 15-digit number
    ("".join(chr(ord(c) + 0xFEE0) for c in ALICE), ALICE),               # full-width digits
    (WITH_X.lower(), WITH_X),                                              # a lower-case x
    (WITH_X[:-1] + "ｘ", WITH_X),                                          # a full-width x
    (f" {ALICE[:6]} {ALICE[6:14]}\u3000{ALICE[14:]} ", ALICE),             # stray spaces
    (f"{ALICE[:6]}-{ALICE[6:14]}-{ALICE[14:]}", ALICE),                    # hyphens
    ("'" + ALICE, ALICE),                                                  # Excel's text apostrophe
])
def test_id_numbers_are_normalised_to_18_characters(tmp_path, cell, expected):
    result = read(tmp_path, csv_bytes([DEATHS[0], [cell, "张三", "2025-06-01"]]))
    (record,) = records(result)
    assert record["id_number"] == expected
    assert record["id_number_raw"] == cell.strip(" ")
    assert issues(result) == []


def test_birth_date_and_sex_come_from_a_usable_id_number_when_the_file_has_none(tmp_path):
    result = read(tmp_path, csv_bytes(DEATHS))
    assert [(r["birth_date"], r["sex"]) for r in records(result)] == [(date(1980, 3, 15), "male"),
                                                                     (date(1956, 11, 2), "female")]


def test_the_files_own_birth_date_and_sex_are_kept(tmp_path):
    rows = [["id_number", "name", "birth_date", "sex", "death_date"], [ALICE, "张三", "1980-03-16", "女", "2025-06-01"]]
    (record,) = records(read(tmp_path, csv_bytes(rows)))
    assert (record["birth_date"], record["sex"]) == (date(1980, 3, 16), "female")


def test_a_wrong_check_character_makes_the_id_unusable_the_row_is_kept_if_it_has_a_birth_date(tmp_path):
    wrong = ALICE[:-1] + ("5" if ALICE[-1] != "5" else "6")
    rows = [["id_number", "name", "birth_date", "death_date"],
            [wrong, "有生日", "1980-03-15", "2025-06-01"],
            [wrong, "无生日", "", "2025-06-01"]]
    result = read(tmp_path, csv_bytes(rows))
    (kept,) = records(result)
    assert (kept["name"], kept["id_number"], kept["id_number_raw"], kept["birth_date"]) == (
        "有生日", None, wrong, date(1980, 3, 15))
    assert [(i["row"], i["code"], i["rejected"]) for i in result.issues.to_pylist()] == [
        (2, "id_number.bad_checksum", False), (3, "id_number.bad_checksum", True), (3, "no_identity", True)]


@pytest.mark.parametrize(("cell", "code"), [
    ("1.10105198003151E+17", "id_number.lost_digits"),
    ("11010519800315123", "id_number.bad_length"),
    ("11010519800315X234", "id_number.misplaced_x"),
    ("990105198003151234", "id_number.bad_region"),
    ("110105198002301234", "id_number.bad_birth_date"),
    ("11010519800315１2A", "id_number.bad_characters"),
])
def test_unusable_id_numbers_are_reported_with_their_reason(tmp_path, cell, code):
    rows = [["id_number", "name", "birth_date", "death_date"], [cell, "张三", "1980-03-15", "2025-06-01"]]
    result = read(tmp_path, csv_bytes(rows))
    assert records(result)[0]["id_number"] is None
    assert issues(result) == [(2, "id_number", code)]


def sql_and_python_agree(tmp_path, cells: list[str]) -> list[str | None]:
    """Reads the cells as the ID numbers of a death feed and asserts that the SQL keeps exactly the numbers
    core.idnumber accepts (in canonical form); returns those."""
    rows = [["id_number", "name", "birth_date", "death_date"]] + [
        [c, f"某{i}", "1970-01-01", "2025-06-01"] for i, c in enumerate(cells)]
    sql = [r["id_number"] for r in records(read(tmp_path, csv_bytes(rows)))]
    python = []
    for cell in cells:
        try:
            python.append(parse_id_number(cell, today=TODAY).number if cell.strip() else None)
        except IdNumberError:
            python.append(None)
    assert sql == python
    return python


def test_the_sql_normalisation_agrees_with_parse_id_number(tmp_path):
    """Random typing mistakes of valid numbers: the SQL accepts exactly what core.idnumber accepts."""
    rng = random.Random(5)
    cells = []
    for _ in range(400):
        number = make_id_number(region6=rng.choice(["110105", "440305", "650102"]),
                                birth_date=date(rng.randint(1920, 2020), rng.randint(1, 12), rng.randint(1, 28)),
                                sequence=rng.randint(0, 999))
        chars = list(rng.choice([number, fifteen(number)]))
        for _ in range(rng.choice([0, 0, 1, 2])):
            i = rng.randrange(len(chars))
            chars[i] = rng.choice("0123456789X x")
        cells.append("".join(chars))
    python = sql_and_python_agree(tmp_path, cells)
    assert 50 < sum(n is None for n in python) < 350  # both kinds were tried


def test_the_sql_birth_date_and_province_checks_agree_with_parse_id_number(tmp_path):
    """Birth dates at month ends and leap days, impossible days and months, unknown province codes, each with a
    correct check character (so only the part under test decides), 18 and 15 digits."""
    from jiuzhu.core.idnumber import check_digit

    births = ["19000228", "19000229", "19040229", "20000229", "19990229", "19990431", "19990430", "19991231",
              "19991232", "19991301", "19990001", "19990100", "18991231", "18000101", "20250630", "20250702",
              "20991231", "00000101"]
    regions = ["110105", "710000", "810000", "910000", "000000", "990101", "500101"]
    cells = []
    for region in regions:
        for birth in births:
            first17 = region + birth + "123"
            cells.append(first17 + check_digit(first17))
            if birth.startswith("19"):
                cells.append(region + birth[2:] + "123")  # the old 15-digit form
    python = sql_and_python_agree(tmp_path, cells)
    assert 20 < sum(n is not None for n in python) < len(cells) - 20


# --- Other formats ----------------------------------------------------------------------------------------------
def test_an_xlsx_workbook_with_a_title_row_typed_dates_and_numbers(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2025年6月医保结算"])  # a title above the header
    sheet.append(["身份证号", "姓名", "出院日期", "自付金额", "类别"])
    sheet.append([ALICE, "张三", date(2025, 6, 1), 8123.5, "住院"])
    sheet.append([BETTY, "李四", 45810, -5, "门诊"])   # an Excel day number; a negative amount
    sheet.append([None, None, None, None, None])
    sheet.append([BETTY, "王五", "2025-06-03", "1,000", "门诊"])
    workbook.save(tmp_path / "feed.xlsx")
    result = read_feed(path=tmp_path / "feed.xlsx", feed_type="medical_settlement", batch_id=1, today=TODAY,
                       mapping={"身份证号": "id_number", "姓名": "name", "出院日期": "discharge_date",
                                "自付金额": "out_of_pocket", "类别": "stay_type"})
    assert result.file_error is None
    assert [(r["row_number"], r["event_date"], r["amount_fen"]) for r in records(result)] == [
        (3, date(2025, 6, 1), 812350), (6, date(2025, 6, 3), 100000)]
    assert issues(result) == [(4, "out_of_pocket", "negative_amount")]


def test_a_parquet_file_with_typed_columns(tmp_path):
    table = pa.table({"id_number": [ALICE, "bad"], "name": ["张三", "李四"],
                      "death_date": pa.array([date(2025, 6, 1), date(2025, 6, 2)], pa.date32()),
                      "birth_date": pa.array([None, date(1950, 1, 1)], pa.date32())})
    pq.write_table(table, tmp_path / "feed.parquet")
    result = read_feed(path=tmp_path / "feed.parquet", feed_type="death", mapping=None, batch_id=2, today=TODAY)
    assert [(r["row_number"], r["id_number"], r["birth_date"]) for r in records(result)] == [
        (2, ALICE, date(1980, 3, 15)), (3, None, date(1950, 1, 1))]
    assert issues(result) == [(3, "id_number", "id_number.bad_characters")]


def test_records_can_be_written_to_parquet(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_bytes(csv_bytes(DEATHS))
    result = read_feed(path=path, feed_type="death", mapping=None, batch_id=1, records_path=tmp_path / "r.parquet",
                       today=TODAY)
    assert result.records is None
    assert pq.read_table(tmp_path / "r.parquet").column("id_number").to_pylist() == [ALICE, BETTY]


# --- The service ------------------------------------------------------------------------------------------------
@pytest.fixture
def var_dir(settings, tmp_path):
    settings.JIUZHU = {**settings.JIUZHU, "VAR_DIR": tmp_path / "var"}
    return tmp_path / "var"


@pytest.mark.django_db
def test_the_same_file_handed_in_twice_is_one_batch(var_dir):
    from jiuzhu.core.models import AuditLog
    from jiuzhu.monitoring.models import FeedBatch

    data = csv_bytes(DEATHS)
    first = feed_batch_receive(actor=None, file_name="deaths.csv", data=data, feed_type="death",
                               department="public_security", today=TODAY)
    again = feed_batch_receive(actor=None, file_name="copy of deaths.csv", data=data, feed_type="death",
                               department="public_security", today=TODAY)
    assert (first.created, again.created) == (True, False)
    assert again.batch.pk == first.batch.pk and FeedBatch.objects.count() == 1
    assert AuditLog.objects.filter(object_type="feed_batch").count() == 1
    batch = first.batch
    assert (batch.status, batch.rows_total, batch.rows_accepted, batch.encoding) == ("accepted", 2, 2, "utf-8")
    assert pq.read_table(batch.records_path).column("record_id").to_pylist() == [
        batch.pk * 1_000_000_000 + 2, batch.pk * 1_000_000_000 + 3]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_rejected_rows_are_stored_and_reported_in_the_language_asked_chinese_by_default(var_dir, language):
    from django.utils import translation
    from django.utils.translation import gettext

    rows = DEATHS + [[ALICE, "坏", "2025-02-30"], ["", "无名", "2025-06-01"]]
    options = {} if language == "zh-hans" else {"language": language}
    result = feed_batch_receive(actor=None, file_name="deaths.csv", data=csv_bytes(rows), feed_type="death",
                                department="public_security", today=TODAY, **options)
    batch = result.batch
    assert (batch.status, batch.rows_accepted, batch.rows_rejected) == ("accepted", 2, 2)
    assert [(e["row"], e["field"], e["code"], e["value"]) for e in batch.errors] == [
        (4, "death_date", "bad_date", "2025-02-30"), (5, "id_number", "no_identity", None)]
    with translation.override(language):
        expected = gettext("%(value)s is not a date. Write dates as YYYY-MM-DD, for example 2025-03-15.") % {
            "value": "2025-02-30"}
        labels = [gettext("Date of death"), gettext("ID number")]
        heading = [gettext("Row"), gettext("Column in the file"), gettext("Field"), gettext("Code"),
                   gettext("Value"), gettext("Result"), gettext("Message")]
    assert batch.errors[0]["message"] == expected
    with open(batch.report_path, encoding="utf-8-sig") as f:
        report = list(csv.reader(f))
    assert report[0] == heading
    assert [r[:5] for r in report[1:]] == [["4", "death_date", labels[0], "bad_date", "2025-02-30"],
                                           ["5", "id_number", labels[1], "no_identity", ""]]
    assert report[1][6] == expected


@pytest.mark.django_db
def test_a_file_rejected_as_a_whole_keeps_its_reason(var_dir):
    result = feed_batch_receive(actor=None, file_name="deaths.csv", data="id_number\n".encode("utf-16"),
                                feed_type="death", department="public_security", today=TODAY)
    batch = result.batch
    assert batch.status == "rejected" and batch.file_error["code"] == "bad_encoding"
    assert batch.records_path == ""
    rows = [DEATHS[0], [ALICE, "坏", "2025-02-30"]]
    all_bad = feed_batch_receive(actor=None, file_name="bad.csv", data=csv_bytes(rows), feed_type="death",
                                 department="public_security", today=TODAY).batch
    assert (all_bad.status, all_bad.rows_rejected) == ("rejected", 1)


@pytest.mark.django_db
def test_a_sources_mapping_is_used(var_dir):
    from jiuzhu.monitoring.models import FeedSource

    source = FeedSource.objects.create(name="公安死亡", department="public_security", feed_type="death",
                                       column_mapping={"身份证号": "id_number", "姓名": "name", "死亡日期": "death_date"})
    rows = [["身份证号", "姓名", "死亡日期"], [ALICE, "张三", "2025-06-01"]]
    result = feed_batch_receive(actor=None, file_name="d.csv", data=csv_bytes(rows, "gbk"), feed_type="death",
                                department="public_security", source=source, today=TODAY)
    assert (result.batch.rows_accepted, result.batch.encoding, result.batch.source) == (1, "gb18030", source)


def test_docs_feeds_md_documents_every_column_and_every_code():
    from pathlib import Path

    from jiuzhu.monitoring.feedtypes import FEEDS, IDENTITY
    from jiuzhu.monitoring.intake import FeedErrorCode

    text = (Path(__file__).resolve().parents[2] / "docs" / "feeds.md").read_text(encoding="utf-8")
    columns = {c.name for spec in FEEDS.values() for c in spec.all_columns} | {c.name for c in IDENTITY}
    assert not [name for name in columns if f"| `{name}` |" not in text]
    assert not [name for name in FEEDS if f"### `{name}`" not in text]
    assert not [code for code in FeedErrorCode if f"`{code}`" not in text]
