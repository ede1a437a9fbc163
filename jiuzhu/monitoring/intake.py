"""Feed intake: a department's file becomes canonical feed records (feedtypes.RECORDS), rejected rows a report.

`read_feed` reads one file (.csv in UTF-8, UTF-8 with BOM or GBK/GB18030; .xlsx; .parquet), maps its headers
onto the feed type's documented columns, and checks and converts every cell with SQL expressions in DuckDB — a
whole column at a time, never a Python call per row, so that a 10-million-row CSV takes seconds. It touches no
database. `feed_batch_receive` is the service around it: one `FeedBatch` per file (the same bytes twice are the
same batch), the records written as Parquet and the full report as CSV under var/feeds/batches/, audited.

What is refused and what is kept (docs/feeds.md lists the codes):
- The whole file (`file_error`): unsupported format, unreadable, not UTF-8 nor GB18030, no header, a required
  column missing, two headers mapped onto one column.
- A row is rejected when something it needs is missing or wrong: the name, the event date, a required column,
  a value that goes into the record (amount, grade, category), or its identity — a usable ID number or, for
  probabilistic linkage, a birth date. A copy of an earlier row is rejected as `duplicate_row` (the first is
  kept). Good rows are never held back by bad ones.
- Values that only help to find the person (an unusable ID number when there is a birth date, sex, region code)
  and columns that do not reach the record are dropped with a notice; the row is kept. Birth date and sex come
  from a usable ID number when the file has none.
"""
from __future__ import annotations

import codecs
import csv
import enum
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from jiuzhu.core.idnumber import EARLIEST_BIRTH_DATE
from jiuzhu.monitoring.feedtypes import FEEDS, RECORDS, Column, FeedSpec
from jiuzhu.monitoring.idnorm import id_number_layers

# Event dates before this are typing mistakes; birth dates may be as early as core.idnumber accepts.
EARLIEST_EVENT_DATE = date(1900, 1, 1)
MAX_NAME_LENGTH = 50
MAX_AMOUNT_DIGITS = 14  # yuan before the decimal point
STORED_ERRORS = 200  # issues kept on the FeedBatch; the report file has them all
SAMPLE_BYTES = 1 << 20  # the part of a CSV file tried as UTF-8
FORMATS = ("csv", "xlsx", "parquet")


class FeedErrorCode(enum.StrEnum):
    """Why a file, a row or a value was refused. Stable: stored on FeedBatch and in reports."""

    # The whole file
    UNSUPPORTED_FORMAT = "unsupported_format"
    UNREADABLE = "unreadable"
    BAD_ENCODING = "bad_encoding"
    NO_HEADER = "no_header"
    BAD_MAPPING = "bad_mapping"
    MISSING_COLUMNS = "missing_columns"
    DUPLICATE_COLUMN = "duplicate_column"
    UNKNOWN_COLUMN = "unknown_column"  # a warning: the column is ignored
    # A value or a row
    REQUIRED = "required"
    TOO_LONG = "too_long"
    BAD_DATE = "bad_date"
    FUTURE_DATE = "future_date"
    EARLY_DATE = "early_date"
    BAD_AMOUNT = "bad_amount"
    NEGATIVE_AMOUNT = "negative_amount"
    TOO_MANY_DECIMALS = "too_many_decimals"
    AMOUNT_TOO_LARGE = "amount_too_large"
    BAD_INT = "bad_int"
    OUT_OF_RANGE = "out_of_range"
    UNKNOWN_CODE = "unknown_code"
    BAD_REGION_CODE = "bad_region_code"
    NO_IDENTITY = "no_identity"
    DUPLICATE_ROW = "duplicate_row"
    # An unusable ID number (see idnorm.ID_CODES)
    ID_LOST_DIGITS = "id_number.lost_digits"
    ID_BAD_CHARACTERS = "id_number.bad_characters"
    ID_BAD_LENGTH = "id_number.bad_length"
    ID_MISPLACED_X = "id_number.misplaced_x"
    ID_BAD_REGION = "id_number.bad_region"
    ID_BAD_BIRTH_DATE = "id_number.bad_birth_date"
    ID_EARLY_BIRTH_DATE = "id_number.early_birth_date"
    ID_FUTURE_BIRTH_DATE = "id_number.future_birth_date"
    ID_BAD_CHECKSUM = "id_number.bad_checksum"


E = FeedErrorCode

# %(value)s is the cell as delivered (for duplicate_row: the row it copies); the other parameters belong to
# the column.
_MESSAGES = {
    E.UNSUPPORTED_FORMAT: _("Only .csv, .xlsx and .parquet files can be received; %(name)s is none of these."),
    E.UNREADABLE: _("The file could not be read as %(format)s."),
    E.BAD_ENCODING: _("The file is not text in UTF-8 or GBK (GB18030). Save it as CSV in UTF-8 and send it "
                      "again."),
    E.NO_HEADER: _("The file is empty: the first row must hold the column headers."),
    E.BAD_MAPPING: _("The column mapping of this source names columns that this feed type does not have: "
                     "%(columns)s."),
    E.MISSING_COLUMNS: _("Required columns are missing: %(columns)s."),
    E.DUPLICATE_COLUMN: _("The headers %(headers)s are all read as the column %(column)s; keep one of them."),
    E.UNKNOWN_COLUMN: _("The column %(header)s is not part of this feed type; it was ignored."),
    E.REQUIRED: _("A value is required."),
    E.TOO_LONG: _("Too long: at most %(max_length)s characters."),
    E.BAD_DATE: _("%(value)s is not a date. Write dates as YYYY-MM-DD, for example 2025-03-15."),
    E.FUTURE_DATE: _("The date %(value)s is in the future."),
    E.EARLY_DATE: _("The date %(value)s is before %(earliest)s."),
    E.BAD_AMOUNT: _("%(value)s is not an amount in yuan. Write digits, for example 1200 or 1,200.50."),
    E.NEGATIVE_AMOUNT: _("An amount cannot be negative."),
    E.TOO_MANY_DECIMALS: _("An amount has at most two decimal places (fen)."),
    E.AMOUNT_TOO_LARGE: _("The amount is too large."),
    E.BAD_INT: _("%(value)s is not a whole number."),
    E.OUT_OF_RANGE: _("%(value)s is not a whole number from %(minimum)s to %(maximum)s."),
    E.UNKNOWN_CODE: _("Unknown value %(value)s. Allowed values: %(allowed)s."),
    E.BAD_REGION_CODE: _("A region code has 6 to 12 digits; the value was ignored."),
    E.NO_IDENTITY: _("Neither a usable ID number nor a birth date: the person cannot be identified."),
    E.DUPLICATE_ROW: _("The same as row %(value)s, which is kept."),
    E.ID_LOST_DIGITS: _("The ID number was stored as a number and has lost its last digits."),
    E.ID_BAD_CHARACTERS: _("An ID number has only digits and, last, the letter X."),
    E.ID_BAD_LENGTH: _("An ID number has 18 characters (15 digits for an old number)."),
    E.ID_MISPLACED_X: _("The letter X may only be the last character of an 18-character ID number."),
    E.ID_BAD_REGION: _("The ID number does not begin with a province code."),
    E.ID_BAD_BIRTH_DATE: _("The birth date in the ID number is not a real date."),
    E.ID_EARLY_BIRTH_DATE: _("The birth date in the ID number is too early."),
    E.ID_FUTURE_BIRTH_DATE: _("The birth date in the ID number is in the future."),
    E.ID_BAD_CHECKSUM: _("The check character (the last one) of the ID number does not fit: a digit is "
                         "mistyped."),
}

# The words departments write for the codes, besides the codes themselves (compared without case).
CODE_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "sex": {"male": ("男", "m", "1"), "female": ("女", "f", "2")},  # 1/2: GB/T 2261.1
    "stay_type": {"inpatient": ("住院",), "outpatient": ("门诊", "门急诊")},
    "disability_type": {"visual": ("视力", "视力残疾"), "hearing": ("听力", "听力残疾"),
                        "speech": ("言语", "言语残疾"), "physical": ("肢体", "肢体残疾"),
                        "intellectual": ("智力", "智力残疾"), "mental": ("精神", "精神残疾"),
                        "multiple": ("多重", "多重残疾")},
    "vehicle_kind": {"car": ("汽车", "小型汽车", "小型载客汽车", "轿车"), "truck": ("货车", "载货汽车"),
                     "motorcycle": ("摩托车",), "ebike": ("电动自行车",),
                     "motorised_wheelchair": ("残疾人机动轮椅车",), "other": ("其他",)},
    "student_stage": {"preschool": ("学前", "幼儿园"), "primary": ("小学",), "junior_secondary": ("初中",),
                      "senior_secondary": ("高中", "普通高中"), "secondary_vocational": ("中职", "中等职业教育"),
                      "higher_vocational": ("高职", "专科", "高职（专科）"), "undergraduate": ("本科",),
                      "postgraduate": ("研究生", "硕士", "博士")},
    "disaster_type": {"flood": ("洪涝", "洪水"), "drought": ("干旱",), "earthquake": ("地震",), "fire": ("火灾",),
                      "storm": ("风雹", "台风", "风灾"), "landslide": ("滑坡", "泥石流", "地质灾害"),
                      "other": ("其他",)},
    "risk_type": {"illness": ("因病",), "disability": ("因残",), "education": ("因学",), "accident": ("因意外",),
                  "disaster": ("因灾",), "unemployment": ("因失业", "务工就业不稳"), "other": ("其他",)},
}

# Columns whose problems only drop the value (the row is kept): they help to find the person, or do not reach
# the canonical record. The ID number and birth date reject the row only together (`no_identity`).
_IDENTITY_HELPERS = ("id_number", "birth_date", "sex", "region_code")


def code_lookup(column: Column) -> dict[str, str]:
    """Every accepted spelling (lower case) of a code column → the code."""
    lookup = {code.lower(): code for code in column.choices}
    for code, words in CODE_WORDS.get(column.name, {}).items():
        if code in column.choices:
            lookup.update({word.lower(): code for word in words})
    return lookup


def allowed_text(column: Column) -> str:
    words = CODE_WORDS.get(column.name, {})
    return ", ".join(f"{code} ({'/'.join(words[code])})" if words.get(code) else code for code in column.choices)


def rejects_row(spec: FeedSpec, column: Column) -> bool:
    """Whether a problem with this column rejects the row (else the value is dropped with a notice)."""
    if column.name in _IDENTITY_HELPERS:
        return False
    return column.required or bool(column.slot) or column is spec.event or column.name == "name"


# --- Errors -----------------------------------------------------------------------------------------------
class FeedFileError(Exception):
    """The whole file is refused."""

    def __init__(self, code: FeedErrorCode, **params: Any) -> None:
        super().__init__(code)
        self.code = FeedErrorCode(code)
        self.params = params

    @property
    def message(self) -> str:
        return render_message(self.code, self.params)

    def as_dict(self) -> dict:
        return {"code": str(self.code), "params": self.params, "message": self.message}

    def __str__(self) -> str:
        return self.message


def render_message(code: str, params: dict[str, Any]) -> str:
    """The message of a code in the active language. `columns` (a list of documented names) is shown with
    their labels."""
    params = dict(params)
    feed_type = params.pop("feed_type", None)
    if isinstance(params.get("columns"), list):
        labels = _labels(feed_type)
        params["columns"] = ", ".join(
            f"{name} ({labels[name]})" if name in labels else name for name in params["columns"])
    return str(_MESSAGES[FeedErrorCode(code)]) % params


def _labels(feed_type: str | None) -> dict[str, str]:
    if feed_type not in FEEDS:
        return {}
    return {c.name: str(c.label) for c in FEEDS[feed_type].all_columns}


def column_params(spec: FeedSpec, column: Column | None) -> dict[str, Any]:
    """The parameters of a column's messages (all but %(value)s)."""
    if column is None:
        return {}
    earliest = EARLIEST_BIRTH_DATE if column.name == "birth_date" else EARLIEST_EVENT_DATE
    return {
        "max_length": MAX_NAME_LENGTH,
        "earliest": earliest.isoformat(),
        "minimum": column.minimum,
        "maximum": column.maximum,
        "allowed": allowed_text(column) if column.choices else "",
    }


def issue_message(feed_type: str, issue: dict) -> str:
    """The message of one issue (a dict with field, code and value) in the active language."""
    spec = FEEDS[feed_type]
    column = next((c for c in spec.all_columns if c.name == issue.get("field")), None)
    value = issue.get("value")
    return render_message(issue["code"], {**column_params(spec, column), "value": "" if value is None else value})


# --- The result ---------------------------------------------------------------------------------------------
ISSUES = pa.schema([
    pa.field("row", pa.int32()),          # row in the file (header = 1)
    pa.field("field", pa.string()),       # documented column name ("" for the whole row)
    pa.field("column", pa.string()),      # the header in the department's file
    pa.field("code", pa.string()),
    pa.field("value", pa.string()),       # the cell as delivered (duplicate_row: the row it repeats)
    pa.field("rejected", pa.bool_()),     # this problem rejects the row (else the value is only dropped)
])


@dataclass
class FeedRead:
    feed_type: str
    batch_id: int
    format: str
    encoding: str = ""                                    # utf-8, utf-8-sig or gb18030 for CSV
    columns: dict[str, str] = field(default_factory=dict)  # documented name → header in the file
    warnings: list[dict] = field(default_factory=list)     # unknown columns, ignored
    file_error: FeedFileError | None = None
    rows_total: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0                                 # duplicates included
    rows_duplicate: int = 0
    records: pa.Table | None = None                        # RECORDS, unless written to records_path
    records_path: Path | None = None
    issues: pa.Table = field(default_factory=ISSUES.empty_table)

    def issue_dicts(self, limit: int | None = None) -> list[dict]:
        """The first issues with their messages in the active language."""
        table = self.issues if limit is None else self.issues.slice(0, limit)
        rows = table.to_pylist()
        for row in rows:
            row["message"] = issue_message(self.feed_type, row)
        return rows


# --- Reading ------------------------------------------------------------------------------------------------
def read_feed(*, path: Path, feed_type: str, mapping: dict[str, str] | None, batch_id: int,
              records_path: Path | None = None, file_format: str | None = None, today: date | None = None,
              threads: int | None = None) -> FeedRead:
    """Read, map, check and convert one department file. Pure: no database.

    `file_format` (csv, xlsx, parquet) defaults to the file's suffix. The accepted records are returned as an
    Arrow table, or written to `records_path` (Parquet) when given. `today` is the reference for future dates.
    Problems of the input never raise: they are in `file_error` or `issues`.
    """
    spec = FEEDS[feed_type]  # KeyError: a programming error, not the file's
    path = Path(path)
    fmt = (file_format or path.suffix.lstrip(".")).lower()
    result = FeedRead(feed_type=feed_type, batch_id=int(batch_id), format=fmt)
    today = today or date.today()
    con = _connect(threads)
    try:
        with tempfile.TemporaryDirectory(prefix="jiuzhu-feed-") as tmp:
            try:
                source = _open_source(con, path=path, fmt=fmt, spec=spec, mapping=mapping or {},
                                      tmp=Path(tmp), result=result)
                _validate(con, source=source, spec=spec, present=set(result.columns), today=today)
            except FeedFileError as err:
                result.file_error = err
                return result
            _collect(con, spec=spec, result=result, records_path=records_path)
    finally:
        con.close()
    return result


def _connect(threads: int | None):
    import duckdb
    from django.conf import settings

    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads or os.cpu_count() or 1)}")
    jiuzhu = getattr(settings, "JIUZHU", {})
    if jiuzhu.get("DUCKDB_MEMORY_LIMIT"):
        con.execute(f"SET memory_limit = '{jiuzhu['DUCKDB_MEMORY_LIMIT']}'")
    if jiuzhu.get("VAR_DIR"):
        temp_dir = Path(jiuzhu["VAR_DIR"]) / "tmp" / "duckdb"
        temp_dir.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = {_quote(temp_dir)}")
    return con


def _quote(text: Any) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _map_headers(header: list[Any], spec: FeedSpec, mapping: dict[str, str], result: FeedRead) -> dict[str, int]:
    """Documented column name → position in the file; fills result.columns and result.warnings."""
    documented = {c.name for c in spec.all_columns}
    clean = {str(k).strip(): str(v).strip() for k, v in mapping.items()}
    wrong = sorted({v for v in clean.values() if v not in documented})
    if wrong:
        raise FeedFileError(E.BAD_MAPPING, columns=", ".join(wrong))
    positions: dict[str, int] = {}
    headers: dict[str, list[str]] = {}
    for index, cell in enumerate(header):
        text = "" if cell is None else str(cell).strip().lstrip("\ufeff").strip()
        if not text:
            continue
        target = clean.get(text) or (text.lower() if text.lower() in documented else None)
        if target is None:
            result.warnings.append({"code": str(E.UNKNOWN_COLUMN), "params": {"header": text},
                                    "message": render_message(E.UNKNOWN_COLUMN, {"header": text})})
            continue
        headers.setdefault(target, []).append(text)
        positions.setdefault(target, index)
    for target, texts in headers.items():
        if len(texts) > 1:
            raise FeedFileError(E.DUPLICATE_COLUMN, column=target, headers=", ".join(texts))
    missing = [c.name for c in spec.all_columns if c.required and c.name not in positions]
    if "id_number" not in positions and "birth_date" not in positions:
        missing += ["id_number", "birth_date"]
    if missing:
        raise FeedFileError(E.MISSING_COLUMNS, columns=missing, feed_type=spec.feed_type.value)
    result.columns = {name: headers[name][0] for name in positions}
    return positions


def _open_source(con, *, path: Path, fmt: str, spec: FeedSpec, mapping: dict, tmp: Path, result: FeedRead):
    """The file as SQL: a relation of one VARCHAR `in_<name>` per mapped documented column, with `row_number`
    (xlsx, Parquet) or, for CSV, an attribute `row_offset` on the callable: the rows keep the file's order and a
    row's number is its position plus that offset (see _validate). Returns a callable that gives the SQL
    (called again after re-reading a CSV as GB18030)."""
    if fmt == "csv":
        return _csv_source(path=path, spec=spec, mapping=mapping, tmp=tmp, result=result)
    if fmt == "xlsx":
        return _xlsx_source(con, path=path, spec=spec, mapping=mapping, result=result)
    if fmt == "parquet":
        return _parquet_source(con, path=path, spec=spec, mapping=mapping, result=result)
    raise FeedFileError(E.UNSUPPORTED_FORMAT, name=path.name)


# CSV --------------------------------------------------------------------------------------------------------
def _detect_encoding(path: Path) -> str:
    """A BOM decides; else the first megabyte strictly as UTF-8; else GB18030 (a superset of GBK)."""
    with open(path, "rb") as f:
        head = f.read(SAMPLE_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
        raise FeedFileError(E.BAD_ENCODING)
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _transcode(path: Path, out: Path) -> None:
    """GB18030 → UTF-8, streamed in 4 MB chunks (DuckDB reads only UTF-8 without extensions)."""
    decoder = codecs.getincrementaldecoder("gb18030")("strict")
    try:
        with open(path, "rb") as src, open(out, "w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(1 << 22):
                dst.write(decoder.decode(chunk))
            dst.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError:
        raise FeedFileError(E.BAD_ENCODING) from None


def _csv_header(path: Path) -> tuple[list[str], str, int]:
    """The header cells, the delimiter and the header's line number (blank lines before it are skipped)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        for number, line in enumerate(f, start=1):
            if line.strip():
                delimiter = "\t" if line.count("\t") > line.count(",") else ","
                return next(csv.reader([line], delimiter=delimiter)), delimiter, number
            if number > 20:
                break
    raise FeedFileError(E.NO_HEADER)


def _csv_source(*, path, spec, mapping, tmp, result):
    encoding = _detect_encoding(path)
    text_path = path
    if encoding == "gb18030":
        text_path = tmp / "utf8.csv"
        _transcode(path, text_path)
    result.encoding = encoding
    try:
        header, delimiter, header_line = _csv_header(text_path)
    except UnicodeDecodeError:
        # The first megabyte was UTF-8, the rest is not.
        return _csv_as_gb18030(path=path, spec=spec, mapping=mapping, tmp=tmp, result=result)
    positions = _map_headers(header, spec, mapping, result)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"

    def source(parallel: bool):
        def sql() -> str:
            # Blank lines are skipped by DuckDB (and not counted); a quoted line break stays inside its cell. No
            # row number here: a window over the file would check every cell on one thread. The checked rows keep
            # the file's order, so their row numbers are their positions (`row_offset` + rowid, see _validate).
            scan = (f"read_csv({_quote(text_path)}, header = false, skip = {header_line}, auto_detect = false, "
                    f"delim = {_quote(delimiter)}, quote = '\"', escape = '\"', columns = {columns}, "
                    f"null_padding = true, strict_mode = false, parallel = {str(parallel).lower()})")
            cells = ", ".join(f"c{i} AS {_ident('in_' + name)}" for name, i in positions.items())
            return f"SELECT {cells} FROM {scan}"

        sql.row_offset = header_line + 1
        sql.retry_as_gb18030 = None if encoding == "gb18030" else (
            lambda: _csv_as_gb18030(path=path, spec=spec, mapping=mapping, tmp=tmp, result=result))
        # DuckDB's parallel reader refuses quoted line breaks together with short rows padded with NULLs: such a
        # file is read again by one reader (the checks still run on every thread).
        sql.serial = source(False) if parallel else None
        return sql

    return source(True)


def _csv_as_gb18030(*, path, spec, mapping, tmp, result):
    out = tmp / "utf8.csv"
    _transcode(path, out)
    result.encoding = "gb18030"
    result.warnings = []
    sql = _csv_source(path=out, spec=spec, mapping=mapping, tmp=tmp, result=result)
    result.encoding = "gb18030"
    sql.retry_as_gb18030 = None
    return sql


# XLSX and Parquet -------------------------------------------------------------------------------------------
def _xlsx_source(con, *, path, spec, mapping, result):
    from openpyxl import load_workbook

    from jiuzhu.registry.imports import cell_date, cell_text

    kinds = {c.name: c.kind for c in spec.all_columns}
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - a damaged or foreign file fails in many ways
        raise FeedFileError(E.UNREADABLE, format="xlsx") from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # read-only sheets trust a stored dimension that some writers get wrong
        rows = sheet.iter_rows(values_only=True)
        header, header_row = None, 0
        for number, cells in enumerate(rows, start=1):
            # A title row above the header has one cell; the header has several.
            if sum(1 for c in cells if c is not None and str(c).strip()) >= 2:
                header, header_row = list(cells), number
                break
            if number >= 20:
                break
        if header is None:
            raise FeedFileError(E.NO_HEADER)
        positions = _map_headers(header, spec, mapping, result)
        numbers: list[int] = []
        values: dict[str, list] = {name: [] for name in positions}
        for number, cells in enumerate(rows, start=header_row + 1):
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            numbers.append(number)
            for name, index in positions.items():
                cell = cells[index] if index < len(cells) else None
                if kinds[name] == "date" and isinstance(cell, (int, float)) and not isinstance(cell, bool):
                    cell = cell_date(cell) or cell  # an Excel day number
                values[name].append(None if cell is None else cell_text(cell))
    except FeedFileError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise FeedFileError(E.UNREADABLE, format="xlsx") from exc
    finally:
        workbook.close()
    table = pa.table({"row_number": pa.array(numbers, pa.int32()),
                      **{f"in_{name}": pa.array(v, pa.string()) for name, v in values.items()}})
    con.register("jz_xlsx", table)

    def sql() -> str:
        return "SELECT * FROM jz_xlsx"

    sql.retry_as_gb18030 = None
    sql.format_name = "Excel (.xlsx)"
    return sql


def _parquet_source(con, *, path, spec, mapping, result):
    import duckdb

    try:
        names = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM read_parquet({_quote(path)})").fetchall()]
    except duckdb.Error as exc:
        raise FeedFileError(E.UNREADABLE, format="Parquet") from exc
    positions = _map_headers(names, spec, mapping, result)

    def sql() -> str:
        cells = ", ".join(f"CAST({_ident(names[i])} AS VARCHAR) AS {_ident('in_' + name)}"
                          for name, i in positions.items())
        return (f"SELECT (file_row_number + 2)::INTEGER AS row_number, {cells} "
                f"FROM read_parquet({_quote(path)}, file_row_number = true)")

    sql.retry_as_gb18030 = None
    sql.format_name = "Parquet"
    return sql


# --- Checking, in SQL -----------------------------------------------------------------------------------------
_SPACE = r"[\s\x{3000}\x{00a0}\x{feff}]"  # with the ideographic and no-break spaces and a stray BOM
# Dates as departments write them (a time of day is ignored); tried in this order.
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%Y年%m月%d", "%Y-%m-%d %H:%M:%S",
                 "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M",
                 "%Y/%m/%d %H:%M")
_NUMBER = r"(\d{1,3}(,\d{3})+|\d+)"
_MONEY = _NUMBER + r"(\.\d{0,2}0*)?"
# The form most cells arrive in. A cell in it is taken as it is (one cheap test and a cast); only the others go
# through trimming and the general parsing below, which give the same value for a canonical cell
# (tests/monitoring/test_intake.py checks both paths).
_CANONICAL = {
    "money": rf"[0-9]{{1,{MAX_AMOUNT_DIGITS}}}(\.[0-9]{{1,2}})?",
    "int": r"[0-9]{1,9}",
    "id_number": r"[0-9]{17}[0-9X]",
    "region_code": r"[0-9]{6,12}",
}


def _sql_trimmed(expr: str) -> str:
    # trim(x, characters) is several times slower than a test that lets clean cells through untouched.
    return (f"nullif(CASE WHEN regexp_matches({expr}, '^{_SPACE}|{_SPACE}$') "
            f"THEN regexp_replace({expr}, '^{_SPACE}+|{_SPACE}+$', '', 'g') ELSE {expr} END, '')")


def _sql_date(v: str) -> str:
    formats = ", ".join(_quote(f) for f in _DATE_FORMATS)
    return f"try_strptime({v}, [{formats}])::DATE"


def _sql_canonical(column: Column, raw: str) -> tuple[dict[str, str], dict[str, str]]:
    """The first two layers of a column: what the test needs computed first, and `k_`, true when the cell needs
    neither trimming nor general parsing; for dates and codes `q_` instead, the value read the quick way (NULL
    when it could not be)."""
    n = column.name
    k, q = f"k_{n}", f"q_{n}"
    if column.kind == "date":  # YYYY-MM-DD (or YYYY/MM/DD: the same date either way)
        return {}, {q: f"CASE WHEN strlen({raw}) = 10 THEN TRY_CAST({raw} AS DATE) END"}
    if column.kind == "code":
        return {}, {q: f"CASE {raw} {_sql_code_cases(column)} END"}
    pattern = _CANONICAL.get(column.kind) or _CANONICAL.get(n)
    if pattern:
        return {}, {k: f"coalesce(regexp_full_match({raw}, '{pattern}'), false)"}
    # Text: nothing to trim when the first and the last character are printable ASCII or beyond the ideographic
    # space (U+3000), the last space character in Unicode, and not a BOM. Others (accented letters, …) take the
    # general path, which gives them the same value when they need no trimming. The two code points are computed
    # in a layer of their own: written inside the test, each would be computed once per comparison.
    first, last = f"f_{n}", f"l_{n}"
    return ({first: f"unicode({raw})", last: f"ord({raw}[-1])"},
            {k: f"coalesce({_sql_plain(first)} AND {_sql_plain(last)}, false)"})


def _sql_code_cases(column: Column) -> str:
    """The WHEN … THEN … arms that turn each accepted spelling of a code column into its code."""
    return " ".join(f"WHEN {_quote(word)} THEN {_quote(code)}" for word, code in code_lookup(column).items())


def _sql_plain(code: str) -> str:
    """Whether a code point (of a first or last character; -1 for an empty text) is sure not to be trimmed."""
    return f"({code} BETWEEN 33 AND 126 OR ({code} > 12288 AND {code} <> 65279))"


def _column_sql(spec: FeedSpec, column: Column, present: bool, today: date) -> list[dict]:
    """Five SELECT layers for one column: what the canonical test needs and whether the cell is canonical `k_`
    (see _sql_canonical), the prepared text `v_` (trimmed unless canonical), the parsed value `p_` and the error
    code `e_`."""
    n = column.name
    raw, k, q, v, m, p = _ident("in_" + n), f"k_{n}", f"q_{n}", f"v_{n}", f"m_{n}", f"p_{n}"
    required = "'required'" if column.required else "NULL"
    quick = column.kind in ("date", "code")
    if present:
        codes, canon = _sql_canonical(column, raw)
        prep = {k: f"{q} IS NOT NULL"} if quick else {}
        prep[v] = f"CASE WHEN {f'{q} IS NOT NULL' if quick else k} THEN {raw} ELSE {_sql_trimmed(raw)} END"
    else:
        codes, canon = {}, ({q: "NULL"} if quick else {k: "false"})
        prep = {k: "false", v: "NULL::VARCHAR"} if quick else {v: "NULL::VARCHAR"}
    if column.kind == "id_number":
        return [codes, canon, prep, {p: "id_number"}, {f"e_{n}": "id_code"}]
    if column.kind == "date":
        earliest = EARLIEST_BIRTH_DATE if n == "birth_date" else EARLIEST_EVENT_DATE
        parse = {p: f"CASE WHEN {k} THEN {q} ELSE {_sql_date(v)} END"}
        error = (f"CASE WHEN {v} IS NULL THEN {required} WHEN {p} IS NULL THEN 'bad_date' "
                 f"WHEN {p} > DATE '{today.isoformat()}' THEN 'future_date' "
                 f"WHEN {p} < DATE '{earliest.isoformat()}' THEN 'early_date' END")
    elif column.kind == "money":
        prep[m] = (rf"CASE WHEN {k} THEN {v} WHEN regexp_full_match({v}, '\d+(\.\d+)?') THEN {v} "
                   rf"ELSE regexp_replace({v}, '^[¥￥]|元$|\s', '', 'g') END")
        digits = f"length(replace(split_part({m}, '.', 1), ',', ''))"
        parse = {p: (f"CASE WHEN {k} THEN CAST(CAST({v} AS DECIMAL(18, 2)) * 100 AS BIGINT) "
                     f"WHEN regexp_full_match({m}, '{_MONEY}') AND {digits} <= {MAX_AMOUNT_DIGITS} "
                     f"THEN CAST(CAST(replace({m}, ',', '') AS DECIMAL(38, 2)) * 100 AS BIGINT) END")}
        error = (f"CASE WHEN {v} IS NULL THEN {required} WHEN {p} IS NOT NULL THEN NULL "
                 f"WHEN regexp_full_match({m}, '-{_NUMBER}(\\.\\d*)?') THEN 'negative_amount' "
                 f"WHEN regexp_full_match({m}, '{_MONEY}') THEN 'amount_too_large' "
                 f"WHEN regexp_full_match({m}, '{_NUMBER}\\.\\d*') THEN 'too_many_decimals' "
                 f"ELSE 'bad_amount' END")
    elif column.kind == "int":
        text = v
        if n.endswith("grade"):  # 一级 … 四级, 1级
            text = f"regexp_replace(translate({v}, '一二三四五六七八九', '123456789'), '级$', '')"
        prep[m] = f"CASE WHEN {k} THEN {v} ELSE {text} END"
        parse = {p: rf"CASE WHEN {k} THEN CAST({v} AS INTEGER) WHEN regexp_full_match({m}, '\d{{1,9}}(\.0*)?') "
                    rf"THEN CAST(split_part({m}, '.', 1) AS INTEGER) END"}
        bounds = " OR ".join(
            [f"{p} < {column.minimum}"] * (column.minimum is not None)
            + [f"{p} > {column.maximum}"] * (column.maximum is not None)) or "false"
        error = (f"CASE WHEN {v} IS NULL THEN {required} WHEN {p} IS NULL THEN 'bad_int' "
                 f"WHEN {bounds} THEN 'out_of_range' END")
    elif column.kind == "code":
        parse = {p: f"CASE WHEN {k} THEN {q} ELSE CASE lower({v}) {_sql_code_cases(column)} END END"}
        error = f"CASE WHEN {v} IS NULL THEN {required} WHEN {p} IS NULL THEN 'unknown_code' END"
    elif n == "region_code":
        parse = {p: rf"CASE WHEN {k} OR regexp_full_match({v}, '\d{{6,12}}') THEN {v} END"}
        error = f"CASE WHEN {v} IS NOT NULL AND {p} IS NULL THEN 'bad_region_code' END"
    else:  # text
        parse = {p: v}
        too_long = f"WHEN length({v}) > {MAX_NAME_LENGTH} THEN 'too_long' " if n == "name" else ""
        error = f"CASE WHEN {v} IS NULL THEN {required} {too_long}END"
    return [codes, canon, prep, parse, {f"e_{n}": error}]


def _layer(inner: str, columns: dict[str, str]) -> str:
    if not columns:
        return inner
    return f"SELECT *, {', '.join(f'{expr} AS {_ident(name)}' for name, expr in columns.items())} FROM ({inner})"


def _validate(con, *, source, spec: FeedSpec, present: set[str], today: date) -> None:
    """Materialise `jz_checked` (every row with its parsed values, error codes, identity and whether its cells
    reject it) in the file's order, on every thread, and make `jz_rows` (the same with `row_number`, the
    duplicates, `has_issue` and `rejected`)."""
    import duckdb

    layers: list[dict] = [{}, {}, {}, {}, {}]
    for column in spec.all_columns:
        for layer, part in zip(layers, _column_sql(spec, column, column.name in present, today)):
            layer.update(part)
    codes, canon, preps, parses, errors = layers
    rejecting = [f"e_{c.name} IS NOT NULL" for c in spec.all_columns if rejects_row(spec, c)]
    cells = ", ".join(_ident(f"in_{name}") for name in sorted(present))
    # The other cells as delivered and the error codes are kept in two lists, NULL for a row without a problem
    # (most rows): a NULL list stores no elements, where a score of NULL strings (or a struct of them) stores
    # every one. jz_numbered unpacks them.
    lists = {"jz_cells": [f"in_{name}" for name in sorted(present) if name != "id_number"],
             "jz_errors": [f"e_{c.name}" for c in spec.all_columns]}
    lists = {name: fields for name, fields in lists.items() if fields}

    def build(source) -> str:
        sql = _layer(_layer(_layer(source(), codes), canon), preps)
        for layer in id_number_layers("v_id_number", today=today, canonical="k_id_number"):
            sql = _layer(sql, layer)
        sql = _layer(sql, parses)
        sql = _layer(sql, errors)
        sql = _layer(sql, {
            "birth_date": "coalesce(CASE WHEN e_birth_date IS NULL THEN p_birth_date END, id_birth_date)",
            "sex": "coalesce(CASE WHEN e_sex IS NULL THEN p_sex END, id_sex)",
            # Rows that share this hash are compared cell by cell for duplicates (_mark_duplicates).
            "cells_hash": f"hash({cells})",
        })
        sql = _layer(sql, {"e_identity": "CASE WHEN id_number IS NULL AND birth_date IS NULL THEN 'no_identity' END"})
        sql = _layer(sql, {"cells_rejected": " OR ".join(["e_identity IS NOT NULL", *rejecting])})
        # Only what the records and the report need is kept: materialising strings is what costs most here. The
        # cells as delivered only for rows with a problem (the report shows them) and ID numbers delivered in
        # another form than the canonical one (the record keeps it); parsed values only of the record's columns.
        errors_any = " OR ".join(f"e_{c.name} IS NOT NULL" for c in spec.all_columns)
        sql = _layer(sql, {"has_issue": f"cells_rejected OR {errors_any}"})
        recorded = {"name", "region_code", spec.event.name, *(c.name for c in spec.all_columns if c.slot)}
        keep = {"id_number": "id_number", "birth_date": "birth_date", "sex": "sex", "e_identity": "e_identity",
                "cells_rejected": "cells_rejected", "cells_hash": "cells_hash"}
        if "id_number" in present:
            keep["in_id_number"] = ("CASE WHEN has_issue OR in_id_number IS DISTINCT FROM id_number "
                                    "THEN in_id_number END")
        keep.update({f"p_{c.name}": f"p_{c.name}" for c in spec.all_columns if c.name in recorded})
        for name, fields in lists.items():
            keep[name] = f"CASE WHEN has_issue THEN [{', '.join(map(_ident, fields))}] END"
        if getattr(source, "row_offset", None) is None:
            keep = {"row_number": "row_number", **keep}
        keep["first_row"] = "NULL::INTEGER"  # set by _mark_duplicates for a row that repeats an earlier one
        columns = ", ".join(f"{expr} AS {_ident(name)}" for name, expr in keep.items())
        # preserve_insertion_order (DuckDB's default) keeps the file's order through the parallel scan.
        return f"CREATE OR REPLACE TEMP TABLE jz_checked AS SELECT {columns} FROM ({sql})"

    for _attempt in range(3):
        try:
            con.execute(build(source))
            break
        except duckdb.Error as exc:
            text = str(exc).lower()
            if getattr(source, "serial", None) is not None and "quoted new lines" in text:
                source = source.serial
            elif getattr(source, "retry_as_gb18030", None) is not None and "unicode" in text:
                source = source.retry_as_gb18030()  # the first megabyte was UTF-8, a later part is not
            else:
                raise FeedFileError(E.UNREADABLE, format=getattr(source, "format_name", "CSV")) from exc
    else:
        raise FeedFileError(E.UNREADABLE, format="CSV")
    offset = getattr(source, "row_offset", None)
    number = ("jz_checked.row_number" if offset is None else
              f"(jz_checked.rowid + {int(offset)})::INTEGER")
    unpacked = "".join(f", {name}[{i}] AS {_ident(field)}" for name, fields in lists.items()
                       for i, field in enumerate(fields, 1))
    # The lists are kept for exactly the rows with an issue, so they say which rows have one.
    columns = f"* EXCLUDE ({', '.join(lists)}){unpacked}, jz_errors IS NOT NULL AS has_issue"
    numbered = (f"SELECT {columns} FROM jz_checked" if offset is None else
                f"SELECT {number} AS row_number, {columns} FROM jz_checked")
    con.execute(f"CREATE OR REPLACE TEMP VIEW jz_numbered AS {numbered}")
    _mark_duplicates(con, number=number)


def _mark_duplicates(con, *, number: str) -> None:
    """Set `first_row` of jz_checked — for a row that repeats an earlier one (all mapped cells), the number of
    that earlier row — and make `jz_rows`: jz_numbered with `is_duplicate` and `rejected`, in the file's order.
    `number` is the SQL of a jz_checked row's number.

    Rows are grouped by the hash of their cells; only the few that share a hash are compared, on every value
    kept of them (parsed values, error codes and, for rows with a problem, the cells as delivered). Two rows
    whose cells differ would have to share the 64-bit hash and agree on all of that to be taken as copies.
    The duplicates are written into jz_checked in place (an UPDATE of those rows): a join with them would not
    keep the file's order on every thread, and sorting 10 million records again costs seconds."""
    import numpy as np
    import pyarrow as pa

    names = [row[0] for row in con.execute("DESCRIBE jz_numbered").fetchall()
             if row[0] not in ("row_number", "first_row", "has_issue")]
    compared = ", ".join(map(_ident, names))
    # The hashes that occur more than once: numpy sorts 10 million of them in a fifth of a second, a quarter of
    # what DuckDB's GROUP BY of as many distinct values takes.
    hashes = np.sort(con.execute("SELECT cells_hash FROM jz_checked").fetchnumpy()["cells_hash"])
    shared = np.unique(hashes[1:][hashes[1:] == hashes[:-1]])
    con.register("jz_shared", pa.table({"cells_hash": pa.array(shared, pa.uint64())}))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE jz_duplicates AS
        WITH candidates AS (SELECT row_number, min(row_number) OVER (PARTITION BY {compared}) AS first_row
                            FROM jz_numbered WHERE cells_hash IN (SELECT cells_hash FROM jz_shared))
        SELECT row_number, first_row FROM candidates WHERE first_row < row_number""")
    con.unregister("jz_shared")
    con.execute(f"UPDATE jz_checked SET first_row = d.first_row FROM jz_duplicates d WHERE {number} = d.row_number")
    con.execute("""
        CREATE OR REPLACE TEMP VIEW jz_rows AS
        SELECT *, first_row IS NOT NULL AS is_duplicate, cells_rejected OR first_row IS NOT NULL AS rejected
        FROM jz_numbered""")


def _collect(con, *, spec: FeedSpec, result: FeedRead, records_path: Path | None) -> None:
    """Counts, records (Arrow or Parquet, in the file's order) and issues from `jz_rows`."""
    total, accepted, duplicates = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE NOT rejected), count(*) FILTER (WHERE is_duplicate) "
        "FROM jz_rows").fetchall()[0]
    result.rows_total, result.rows_accepted, result.rows_duplicate = int(total), int(accepted), int(duplicates)
    result.rows_rejected = result.rows_total - result.rows_accepted

    slots = {c.slot: c for c in spec.all_columns if c.slot}

    def enum(values) -> str:
        return f"ENUM({', '.join(map(_quote, values))})"

    def slot(name: str, sql_type: str) -> str:
        column = slots.get(name)
        if column is None:
            return f"NULL::{sql_type}"
        if column.kind == "code":  # see below
            sql_type = enum(column.choices)
        return f"CASE WHEN e_{column.name} IS NULL THEN p_{column.name} END::{sql_type}"

    # Columns of a few known values are written as enums: Parquet stores them as dictionary-encoded strings (read
    # back as text) from the enum's codes, without hashing or copying each string (feed type, sex and category
    # of 10M records: 2.2 → 1.1 CPU-s).
    sex = next(c for c in spec.all_columns if c.name == "sex")
    # in_id_number is kept only where it differs from the canonical number (or the row has a problem).
    raw_id = ("coalesce(nullif(trim(in_id_number), ''), id_number)" if "id_number" in result.columns
              else "NULL::VARCHAR")
    records = (
        f"SELECT ({int(result.batch_id)}::BIGINT * 1000000000 + row_number)::BIGINT AS record_id, "
        f"{int(result.batch_id)}::BIGINT AS batch_id, row_number::INTEGER AS row_number, "
        f"{_quote(spec.feed_type.value)}::{enum([spec.feed_type.value])} AS feed_type, "
        f"{raw_id} AS id_number_raw, id_number, p_name AS name, birth_date, sex::{enum(sex.choices)} AS sex, "
        f"p_region_code AS region_code, p_{spec.event.name} AS event_date, "
        f"{slot('amount_fen', 'BIGINT')} AS amount_fen, {slot('grade', 'INTEGER')} AS grade, "
        f"{slot('category', 'VARCHAR')} AS category "
        f"FROM jz_rows WHERE NOT rejected")
    if records_path is not None:
        records_path = Path(records_path)
        records_path.parent.mkdir(parents=True, exist_ok=True)
        # Snappy without dictionaries: measured on 10M records, 11.4 CPU-s against 18.4 for zstd (files 1.8x larger).
        con.execute(f"COPY ({records}) TO {_quote(records_path)} (FORMAT parquet, COMPRESSION snappy, "
                    "DICTIONARY_SIZE_LIMIT 1)")
        result.records_path = records_path
    else:
        result.records = con.sql(records).to_arrow_table().cast(RECORDS)

    parts = []
    for order, column in enumerate(spec.all_columns):
        n = column.name
        rejected = "e_identity IS NOT NULL" if n in ("id_number", "birth_date") else str(rejects_row(spec, column))
        parts.append(
            f"SELECT row_number, {order} AS ord, {_quote(n)} AS field, e_{n} AS code, "
            f"{_ident('in_' + n) if n in result.columns else 'NULL::VARCHAR'} AS value, {rejected} AS rejected "
            f"FROM problems WHERE e_{n} IS NOT NULL AND NOT is_duplicate")
    parts.append("SELECT row_number, 98, 'id_number', e_identity, NULL, true FROM problems "
                 "WHERE e_identity IS NOT NULL AND NOT is_duplicate")
    parts.append("SELECT row_number, 99, '', 'duplicate_row', first_row::VARCHAR, true FROM problems "
                 "WHERE is_duplicate")
    headers = " ".join(f"WHEN {_quote(name)} THEN {_quote(header)}" for name, header in result.columns.items())
    # The rows with a problem (a few per cent) once, instead of each part scanning every row.
    issues = (f"WITH problems AS MATERIALIZED (SELECT * FROM jz_rows WHERE has_issue OR is_duplicate) "
              f"SELECT row_number::INTEGER AS row, field, CASE field {headers} ELSE '' END AS column, code, value, "
              f"rejected FROM ({' UNION ALL '.join(parts)}) ORDER BY row_number, ord")
    result.issues = con.sql(issues).to_arrow_table().cast(ISSUES)


# --- The report -----------------------------------------------------------------------------------------------
def feed_report_write(read: FeedRead, path: Path, *, language: str = "zh-hans") -> Path:
    """Every issue of a read as CSV (UTF-8 with BOM, which Excel opens): row, column, field, code, value,
    rejected or kept, message in `language`."""
    import duckdb

    spec = FEEDS[read.feed_type]
    with translation.override(language):
        labels = {c.name: str(c.label) for c in spec.all_columns}
        pairs = {(row["field"], row["code"]) for row in read.issues.select(["field", "code"]).to_pylist()}
        messages = pa.table({
            "field": [f for f, _c in pairs], "code": [c for _f, c in pairs],
            "label": [labels.get(f, "") for f, _c in pairs],
            # %(value)s is left in place and filled in per row by the query.
            "message": [render_message(c, {**column_params(spec, next(
                (col for col in spec.all_columns if col.name == f), None)), "value": "%(value)s"}) for f, c in pairs],
        }, schema=pa.schema([("field", pa.string()), ("code", pa.string()), ("label", pa.string()),
                             ("message", pa.string())]))
        heading = [str(_("Row")), str(_("Column in the file")), str(_("Field")), str(_("Code")), str(_("Value")),
                   str(_("Result")), str(_("Message"))]
        rejected, kept = str(_("row rejected")), str(_("row kept, value ignored"))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        con.register("jz_issues", read.issues)
        con.register("jz_messages", messages)
        query = (
            f"SELECT i.row AS {_ident(heading[0])}, i.column AS {_ident(heading[1])}, "
            f"m.label AS {_ident(heading[2])}, i.code AS {_ident(heading[3])}, i.value AS {_ident(heading[4])}, "
            f"CASE WHEN i.rejected THEN {_quote(rejected)} ELSE {_quote(kept)} END AS {_ident(heading[5])}, "
            f"replace(m.message, '%(value)s', coalesce(i.value, '')) AS {_ident(heading[6])} "
            f"FROM jz_issues i JOIN jz_messages m USING (field, code) ORDER BY i.row")
        body = path.with_suffix(".body.csv")
        con.execute(f"COPY ({query}) TO {_quote(body)} (FORMAT csv, HEADER true)")
    finally:
        con.close()
    with open(path, "wb") as out, open(body, "rb") as src:
        out.write(codecs.BOM_UTF8)
        shutil.copyfileobj(src, out, 1 << 20)
    body.unlink()
    return path


# --- The service ----------------------------------------------------------------------------------------------
@dataclass
class FeedBatchResult:
    batch: Any  # FeedBatch
    created: bool
    read: FeedRead | None = None


def _sha256(data: bytes | Path) -> str:
    digest = hashlib.sha256()
    if isinstance(data, (bytes, bytearray, memoryview)):
        digest.update(data)
    else:
        with open(data, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def batches_dir() -> Path:
    from django.conf import settings

    return Path(settings.JIUZHU["VAR_DIR"]) / "feeds" / "batches"


def feed_batch_receive(*, actor, file_name: str, data: bytes | Path, feed_type: str, department: str,
                       source=None, region=None, today: date | None = None,
                       language: str = "zh-hans") -> FeedBatchResult:
    """Receive one department file as a FeedBatch (idempotent: the same bytes of the same feed type return the
    batch already made, `created=False`). Writes <id>.parquet (the accepted records) and <id>-report.csv (every
    problem, messages in `language`) under var/feeds/batches/; keeps the first problems on the batch; audited.
    """
    from jiuzhu.core.audit import audit_record
    from jiuzhu.core.models import AuditAction
    from jiuzhu.monitoring.models import BatchStatus, FeedBatch

    if feed_type not in FEEDS:
        raise ValueError(f"unknown feed type {feed_type!r}")
    if source is not None and source.feed_type != feed_type:
        raise ValueError(f"the source {source} delivers {source.feed_type}, not {feed_type}")
    sha256 = _sha256(data)
    existing = FeedBatch.objects.filter(feed_type=feed_type, sha256=sha256).first()
    if existing is not None:
        return FeedBatchResult(batch=existing, created=False)
    if region is None and source is not None:
        region = source.region
    suffix = Path(file_name).suffix.lower()
    folder = batches_dir()
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        with tempfile.TemporaryDirectory(prefix="jiuzhu-upload-") as tmp, transaction.atomic():
            if isinstance(data, (bytes, bytearray, memoryview)):
                path = Path(tmp) / f"upload{suffix}"
                path.write_bytes(bytes(data))
            else:
                path = Path(data)
            batch = FeedBatch.objects.create(
                source=source, department=department, feed_type=feed_type, file_name=file_name[:255],
                sha256=sha256, received_by=actor if getattr(actor, "pk", None) else None, region=region)
            records_path = folder / f"{batch.pk}.parquet"
            written.append(records_path)
            read = read_feed(path=path, feed_type=feed_type, mapping=source.column_mapping if source else None,
                             batch_id=batch.pk, records_path=records_path, file_format=suffix.lstrip("."),
                             today=today)
            with translation.override(language):
                if read.file_error is not None:
                    batch.file_error = read.file_error.as_dict()
                batch.errors = [_stored(row) for row in read.issue_dicts(limit=STORED_ERRORS)]
                warnings = [{**w, "message": render_message(w["code"], w["params"])} for w in read.warnings]
            if warnings:
                batch.file_error = {**batch.file_error, "warnings": warnings}
            if read.issues.num_rows:
                report = folder / f"{batch.pk}-report.csv"
                written.append(report)
                batch.report_path = str(feed_report_write(read, report, language=language))
            batch.encoding = read.encoding or read.format
            batch.rows_total, batch.rows_accepted = read.rows_total, read.rows_accepted
            batch.rows_rejected = read.rows_rejected
            if read.file_error is not None or (read.rows_total and not read.rows_accepted):
                batch.status = BatchStatus.REJECTED
            else:
                batch.status = BatchStatus.ACCEPTED
                batch.records_path = str(records_path)
            batch.save()
            audit_record(
                actor=actor, action=AuditAction.FEED, object_type="feed_batch", object_id=batch.pk,
                region_code=getattr(region, "code", "") or "",
                detail={"feed_type": feed_type, "department": department, "file_name": file_name,
                        "sha256": sha256, "status": batch.status, "rows_total": batch.rows_total,
                        "rows_accepted": batch.rows_accepted, "rows_rejected": batch.rows_rejected,
                        "file_error": batch.file_error.get("code", "")})
    except IntegrityError:
        # The same file handed in at the same moment by someone else: theirs is the batch.
        _remove(written)
        existing = FeedBatch.objects.filter(feed_type=feed_type, sha256=sha256).first()
        if existing is None:
            raise
        return FeedBatchResult(batch=existing, created=False)
    except BaseException:
        _remove(written)
        raise
    if batch.status == BatchStatus.REJECTED:
        _remove([records_path])
    return FeedBatchResult(batch=batch, created=True, read=read)


def _stored(issue: dict) -> dict:
    return {"row": issue["row"], "field": issue["field"], "column": issue["column"], "code": issue["code"],
            "value": issue["value"], "rejected": issue["rejected"], "message": issue["message"]}


def _remove(paths: list[Path]) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)
