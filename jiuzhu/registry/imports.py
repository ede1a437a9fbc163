"""Importing households from a spreadsheet (.xlsx or .csv), one row per person.

`household_import` reads the file, checks every cell, and imports the valid rows; every rejected row is
kept on the `ImportBatch` with its row number, column, value and reason. The file format (columns, words,
template) is defined in `import_template.py` and described in docs/import-template.md.

How the rows become households:
- Rows with the same head's ID number (户主身份证号) form one household. The household columns (region,
  address, bank, status, assets, expenditure) are read from the head's own row; on other rows they must be
  blank or the same. A household whose head's row is missing or invalid is skipped as a whole.
- People are matched by ID number (upsert). Nothing is written when nothing differs, so importing the same
  file twice changes nothing: no new history rows, no new `updated_at`. What does differ is saved with the
  importer as history user and "import <file name>" as change reason.
- A blank cell leaves the recorded value as it is (a new record gets the default), so a file with a few
  columns updates just those columns.
- A person listed under another head moves to that household (with their income items). If they headed
  their old household, that household is left without a head, to be settled on its page.
- The household is found through its head: the household the person heads; else, if the person belongs
  to a household whose current head is listed in the same group as a member (a change of head) or which
  has no head, that household; else a new one.

Validation happens before anything is written, so an invalid row can never cause a valid one to be lost;
the writes of one file then happen in one transaction, in bulk (a 5,000-row file takes seconds).
"""
from __future__ import annotations

import csv
import enum
import hashlib
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.core.audit import audit_record
from jiuzhu.core.idnumber import IdNumber, IdNumberError, parse_id_number
from jiuzhu.core.models import AuditAction, Region
from jiuzhu.core.roles import can_import
from jiuzhu.core.scope import user_region_prefix
from jiuzhu.registry import import_template as fmt
from jiuzhu.registry.choices import (
    AssetKind,
    HouseholdStatus,
    IncomeKind,
    LabourCapacity,
    Relation,
    RigidExpenseKind,
    SelfCareActivity,
    Sex,
    VehicleKind,
)
from jiuzhu.registry.models import Asset, Household, ImportBatch, IncomeItem, Person, RigidExpense

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_ROWS = 100_000
# Rows per INSERT/UPDATE statement and per `IN (...)` lookup: well under SQLite's variable limit.
CHUNK = 500
FEN = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000000000")  # 14 digits with 2 decimals
MAX_COUNT = 1000


def max_upload_bytes() -> int:
    """The largest file accepted (setting JIUZHU["IMPORT_MAX_BYTES"], default 20 MB)."""
    return int(settings.JIUZHU.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_rows() -> int:
    return int(settings.JIUZHU.get("IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


# --- Errors ------------------------------------------------------------------------------------------
class ImportErrorCode(enum.StrEnum):
    """Why a row (or the whole file) was refused. The values are stable: they are stored on ImportBatch."""

    # Whole file
    UNSUPPORTED_TYPE = "unsupported_type"
    OLD_XLS = "old_xls"
    TOO_LARGE = "too_large"
    TOO_MANY_ROWS = "too_many_rows"
    UNREADABLE_XLSX = "unreadable_xlsx"
    UNREADABLE_TEXT = "unreadable_text"
    NO_HEADER = "no_header"
    MISSING_COLUMNS = "missing_columns"
    DUPLICATE_COLUMN = "duplicate_column"
    UNKNOWN_COLUMN = "unknown_column"  # a warning: the column is ignored
    # One cell
    REQUIRED = "required"
    REQUIRED_NEW_PERSON = "required_new_person"
    REQUIRED_NEW_HOUSEHOLD = "required_new_household"
    ID_AS_NUMBER = "id_as_number"
    LOST_DIGITS = "lost_digits"
    SEX_MISMATCH = "sex_mismatch"
    BIRTH_DATE_MISMATCH = "birth_date_mismatch"
    BAD_DATE = "bad_date"
    FUTURE_DATE = "future_date"
    DEATH_BEFORE_BIRTH = "death_before_birth"
    UNKNOWN_CHOICE = "unknown_choice"
    BAD_BOOLEAN = "bad_boolean"
    BAD_GRADE = "bad_grade"
    BAD_AMOUNT = "bad_amount"
    NEGATIVE_AMOUNT = "negative_amount"
    TOO_MANY_DECIMALS = "too_many_decimals"
    AMOUNT_TOO_LARGE = "amount_too_large"
    BAD_COUNT = "bad_count"
    TOO_LONG = "too_long"
    BAD_PHONE = "bad_phone"
    BAD_REGION_CODE = "bad_region_code"
    UNKNOWN_REGION = "unknown_region"
    REGION_OUT_OF_SCOPE = "region_out_of_scope"
    PERSON_OUT_OF_SCOPE = "person_out_of_scope"
    DISABILITY_INCOMPLETE = "disability_incomplete"
    DWELLING_VALUE_WITHOUT_DWELLING = "dwelling_value_without_dwelling"
    DUPLICATE_ID = "duplicate_id"
    HEAD_ROW_MISSING = "head_row_missing"
    HEAD_ROW_INVALID = "head_row_invalid"
    HEAD_RELATION = "head_relation"
    MEMBER_RELATION_HEAD = "member_relation_head"
    CONFLICT = "conflict"


E = ImportErrorCode

_MESSAGES = {
    E.UNSUPPORTED_TYPE: gettext_lazy("Only .xlsx and .csv files can be imported; %(name)s is neither."),
    E.OLD_XLS: gettext_lazy(
        "This is an old-style .xls workbook. Save it as .xlsx (Excel workbook) or CSV and upload it again."
    ),
    E.TOO_LARGE: gettext_lazy("The file is %(size)s MB; at most %(limit)s MB can be imported at once."),
    E.TOO_MANY_ROWS: gettext_lazy("The file has more than %(limit)s rows; split it into smaller files."),
    E.UNREADABLE_XLSX: gettext_lazy("The file could not be read as an Excel workbook (.xlsx)."),
    E.UNREADABLE_TEXT: gettext_lazy("The file is not text in UTF-8 or GBK (GB18030)."),
    E.NO_HEADER: gettext_lazy("The file is empty: the first row must hold the column headers."),
    E.MISSING_COLUMNS: gettext_lazy(
        "Required columns are missing: %(columns)s. Download the template to see the expected headers."
    ),
    E.DUPLICATE_COLUMN: gettext_lazy("The column %(column)s appears more than once."),
    E.UNKNOWN_COLUMN: gettext_lazy("Unknown column; it was ignored."),
    E.REQUIRED: gettext_lazy("A value is required."),
    E.REQUIRED_NEW_PERSON: gettext_lazy("Required for a person who is not yet in the registry."),
    E.REQUIRED_NEW_HOUSEHOLD: gettext_lazy("Required for a household that is not yet in the registry."),
    E.ID_AS_NUMBER: gettext_lazy(
        "The ID number is stored as a number and has lost digits. Format the column as text and type the "
        "number again."
    ),
    E.LOST_DIGITS: gettext_lazy(
        "This long number is stored as a number and has lost digits. Format the column as text and type "
        "the number again."
    ),
    E.SEX_MISMATCH: gettext_lazy("The sex %(value)s does not agree with the ID number, which says %(expected)s."),
    E.BIRTH_DATE_MISMATCH: gettext_lazy(
        "The birth date %(value)s does not agree with the ID number, which says %(expected)s."
    ),
    E.BAD_DATE: gettext_lazy("Not a date. Write dates as YYYY-MM-DD, for example 1980-03-15."),
    E.FUTURE_DATE: gettext_lazy("The date %(value)s is in the future."),
    E.DEATH_BEFORE_BIRTH: gettext_lazy("The date of death is before the birth date %(birth_date)s."),
    E.UNKNOWN_CHOICE: gettext_lazy("Unknown value. Allowed values: %(allowed)s."),
    E.BAD_BOOLEAN: gettext_lazy("Write 是 (yes) or 否 (no)."),
    E.BAD_GRADE: gettext_lazy("The disability grade is 1, 2, 3 or 4 (一级 … 四级)."),
    E.BAD_AMOUNT: gettext_lazy("Not an amount in yuan. Write digits, for example 1200 or 1200.50."),
    E.NEGATIVE_AMOUNT: gettext_lazy("An amount cannot be negative."),
    E.TOO_MANY_DECIMALS: gettext_lazy("An amount has at most two decimal places (fen)."),
    E.AMOUNT_TOO_LARGE: gettext_lazy("The amount is too large."),
    E.BAD_COUNT: gettext_lazy("Not a whole number from 0 to %(max)s."),
    E.TOO_LONG: gettext_lazy("Too long: at most %(max)s characters."),
    E.BAD_PHONE: gettext_lazy("A phone number may contain only digits, spaces, +, - and brackets."),
    E.BAD_REGION_CODE: gettext_lazy("A division code has 12 digits."),
    E.UNKNOWN_REGION: gettext_lazy("There is no region with the division code %(value)s."),
    E.REGION_OUT_OF_SCOPE: gettext_lazy(
        "The region %(value)s is outside your area; you can import only households of your own area."
    ),
    E.PERSON_OUT_OF_SCOPE: gettext_lazy("This person is registered in a household outside your area."),
    E.DISABILITY_INCOMPLETE: gettext_lazy("A disability needs both a type and a grade."),
    E.DWELLING_VALUE_WITHOUT_DWELLING: gettext_lazy("A dwelling value is given, but the number of dwellings is 0."),
    E.DUPLICATE_ID: gettext_lazy(
        "The same ID number is also in row %(rows)s. None of these rows is imported; keep one of them."
    ),
    E.HEAD_ROW_MISSING: gettext_lazy("There is no row for the head (ID number %(head)s) in this file."),
    E.HEAD_ROW_INVALID: gettext_lazy("The head's row (row %(row)s) is invalid, so this member is not imported."),
    E.HEAD_RELATION: gettext_lazy("The head's own row must have the relation %(head)s."),
    E.MEMBER_RELATION_HEAD: gettext_lazy(
        "Only the head's own row may have the relation %(head)s; give this person's relation to the head."
    ),
    E.CONFLICT: gettext_lazy(
        "Household columns are read from the head's row (row %(row)s), which has %(expected)s here."
    ),
}

ID_ERROR_PREFIX = "id_number."


def _render(code: str, params: dict[str, Any]) -> str:
    if code.startswith(ID_ERROR_PREFIX):
        return IdNumberError(code[len(ID_ERROR_PREFIX):], **params).message
    return str(_MESSAGES[ImportErrorCode(code)]) % params


class ImportFileError(Exception):
    """The whole file was refused (wrong type, too large, unreadable, required columns missing)."""

    def __init__(self, code: ImportErrorCode, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def message(self) -> str:
        return _render(self.code, self.params)

    def __str__(self) -> str:
        return self.message


def import_error_message(entry: dict) -> str:
    """An error stored on an ImportBatch, in the active language (the stored reason is the fallback)."""
    try:
        return _render(entry["code"], entry.get("params") or {})
    except (KeyError, ValueError, TypeError):
        return entry.get("reason", "")


# --- Reading the file --------------------------------------------------------------------------------
@dataclass
class Table:
    encoding: str  # "" for .xlsx
    header: list[Any]
    rows: Iterator[tuple[int, list[Any]]]  # (row number as Excel shows it, cells)


def read_table(*, file_name: str, data: bytes) -> Table:
    """The header and the rows of an .xlsx or .csv file; raises ImportFileError."""
    limit = max_upload_bytes()
    if len(data) > limit:
        raise ImportFileError(
            E.TOO_LARGE, size=f"{len(data) / 1024 / 1024:.1f}", limit=f"{limit / 1024 / 1024:g}",
        )
    suffix = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if data[:4] == b"\xd0\xcf\x11\xe0" or suffix == "xls":
        raise ImportFileError(E.OLD_XLS)
    if suffix == "xlsx":
        rows = _xlsx_rows(data)
        encoding = ""
    elif suffix in ("csv", "txt"):
        encoding, text = _decode(data)
        rows = _csv_rows(text)
    else:
        raise ImportFileError(E.UNSUPPORTED_TYPE, name=file_name)
    for number, cells in rows:
        if any(not _blank(c) for c in cells):
            return Table(encoding=encoding, header=list(cells), rows=rows)
        if number > 20:
            break
    raise ImportFileError(E.NO_HEADER)


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    if not data.startswith(b"PK"):
        raise ImportFileError(E.UNREADABLE_XLSX)
    # A damaged or foreign file can fail inside openpyxl or zipfile in many ways; all mean the same to
    # the user, so every exception while reading becomes one clear message.
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        # read_only sheets trust the stored dimension, which some writers get wrong; recompute it.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
    except Exception as exc:  # noqa: BLE001
        raise ImportFileError(E.UNREADABLE_XLSX) from exc

    def generate():
        try:
            for number, cells in enumerate(rows, start=1):
                yield number, list(cells)
        except ImportFileError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise ImportFileError(E.UNREADABLE_XLSX) from exc
        finally:
            workbook.close()

    return generate()


def _decode(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: a BOM decides; else strict UTF-8; else GB18030 (a superset of GBK and GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]  # Excel's "Unicode text"
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            return encoding, data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(E.UNREADABLE_TEXT)


def _csv_rows(text: str) -> Iterator[tuple[int, list[Any]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return ((number, cells) for number, cells in enumerate(reader, start=1))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- One row ----------------------------------------------------------------------------------------
@dataclass
class _Row:
    number: int
    cells: dict[str, Any]  # column key → the cell as read (non-blank cells only)
    values: dict[str, Any] = field(default_factory=dict)  # column key → the parsed value
    errors: list[dict] = field(default_factory=list)
    id_number: str | None = None
    id_info: IdNumber | None = None
    head_id: str | None = None
    person: Person | None = None  # the person already in the registry
    changed: bool = False
    created: bool = False


class _Invalid(Exception):
    def __init__(self, code: ImportErrorCode | str, **params: Any) -> None:
        super().__init__(code)
        self.code = str(code)
        self.params = {k: str(v) for k, v in params.items()}


def cell_date(value: Any) -> date | None:
    """A spreadsheet cell as a date: a real date, an Excel serial number, or text such as 2025-07-01,
    2025/7/1; None when it is none of these. Shared by every spreadsheet import."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _excel_serial_date(value)
    return fmt.parse_date_text(cell_text(value))


def cell_text(value: Any) -> str:
    """A cell as the user typed it, for error reports."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


class _Parser:
    """Turns the cells of one row into typed values, collecting one error per bad cell."""

    def __init__(self, *, today: date):
        self.today = today
        self._lookups: dict[type, dict[str, str]] = {}

    def lookup(self, choices) -> dict[str, str]:
        if choices not in self._lookups:
            self._lookups[choices] = fmt.choice_lookup(choices)
        return self._lookups[choices]

    def parse(self, column: fmt.Column, value: Any) -> Any:
        method = getattr(self, f"_parse_{column.kind}")
        return method(column, value)

    def _parse_id(self, column, value):
        if isinstance(value, float):
            raise _Invalid(E.ID_AS_NUMBER)
        try:
            # A leading apostrophe is how people force text in Excel; it sometimes survives into CSV.
            return parse_id_number(str(value).strip().lstrip("'"), today=self.today)
        except IdNumberError as err:
            raise _Invalid(ID_ERROR_PREFIX + err.code, **err.params) from None

    def _parse_text(self, column, value):
        if isinstance(value, float) and abs(value) >= 1e15:
            # Excel keeps 15 significant digits: a bank account typed as a number is already wrong.
            raise _Invalid(E.LOST_DIGITS)
        text = cell_text(value)
        if column.key == "bank_account":
            text = "".join(text.split())
        if column.key == "phone" and not all(ch.isdigit() or ch in " +-()" for ch in text):
            raise _Invalid(E.BAD_PHONE)
        if column.max_length and len(text) > column.max_length:
            raise _Invalid(E.TOO_LONG, max=column.max_length)
        return text

    def _parse_choice(self, column, value):
        found = self.lookup(column.choices).get(fmt.normalize_term(cell_text(value)))
        if found is None:
            raise _Invalid(E.UNKNOWN_CHOICE, allowed=fmt.allowed_values_text(column))
        return found

    def _parse_choice_list(self, column, value):
        lookup = self.lookup(column.choices)
        chosen = set()
        for word in fmt.LIST_SEPARATORS.split(cell_text(value)):
            if not word or fmt.normalize_term(word) in map(fmt.normalize_term, fmt.NONE_WORDS):
                continue
            found = lookup.get(fmt.normalize_term(word))
            if found is None:
                raise _Invalid(E.UNKNOWN_CHOICE, allowed=fmt.allowed_values_text(column))
            chosen.add(found)
        # Stored in the policy's order, so that the same activities in another order are no change.
        return [v for v in column.choices.values if v in chosen]

    def _parse_date(self, column, value):
        day = cell_date(value)
        if day is None:
            raise _Invalid(E.BAD_DATE)
        if day > self.today:
            raise _Invalid(E.FUTURE_DATE, value=day.isoformat())
        return day

    def _parse_bool(self, column, value):
        if isinstance(value, bool):
            return value
        word = fmt.normalize_term(cell_text(value))
        if word in {fmt.normalize_term(w) for w in fmt.TRUE_WORDS}:
            return True
        if word in {fmt.normalize_term(w) for w in fmt.FALSE_WORDS}:
            return False
        raise _Invalid(E.BAD_BOOLEAN)

    def _parse_grade(self, column, value):
        text = fmt.normalize_term(cell_text(value)).removesuffix("级")
        grade = fmt.CHINESE_GRADES.get(text)
        if grade is None:
            raise _Invalid(E.BAD_GRADE)
        return grade

    def _parse_region(self, column, value):
        text = cell_text(value)
        if len(text) != 12 or not text.isdigit():
            raise _Invalid(E.BAD_REGION_CODE)
        return text

    def _parse_money(self, column, value):
        if isinstance(value, bool):
            raise _Invalid(E.BAD_AMOUNT)
        if isinstance(value, (int, float)):
            amount = Decimal(repr(value))
        else:
            text = cell_text(value)
            for noise in (",", "，", "¥", "￥", "元", " "):
                text = text.replace(noise, "")
            try:
                amount = Decimal(text)
            except InvalidOperation:
                raise _Invalid(E.BAD_AMOUNT) from None
        if not amount.is_finite():
            raise _Invalid(E.BAD_AMOUNT)
        # Checked before any rounding, which would overflow the decimal context on absurd numbers.
        if abs(amount) >= MAX_AMOUNT:
            raise _Invalid(E.AMOUNT_TOO_LARGE)
        if amount < 0 and not column.allow_negative:
            raise _Invalid(E.NEGATIVE_AMOUNT)
        rounded = amount.quantize(FEN)
        if rounded != amount:
            # A binary float from an Excel formula (0.1 + 0.2) is taken to the fen when that close to it;
            # typed text with a third decimal is a mistake to report, not to round away.
            if not (isinstance(value, float) and abs(amount - rounded) < Decimal("0.000001")):
                raise _Invalid(E.TOO_MANY_DECIMALS)
        return rounded

    def _parse_count(self, column, value):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = cell_text(value)
        if not text.isdigit() or int(text) > MAX_COUNT:
            raise _Invalid(E.BAD_COUNT, max=MAX_COUNT)
        return int(text)


def _excel_serial_date(value: float) -> date | None:
    """An Excel serial day number (a date cell that lost its format), from 1900 to 9999."""
    from openpyxl.utils.datetime import from_excel

    if not 1 <= value < 2958466:
        return None
    try:
        return from_excel(value).date()
    except (ValueError, OverflowError):
        return None


# --- The groups of amounts that household and income columns stand for ------------------------------
@dataclass(frozen=True)
class ItemGroup:
    """The recorded items one or two amount columns stand for, and how to make a new one."""

    model: type[models.Model]
    attrs: dict[str, str]  # column key → the item's attribute that the column totals
    matches: Callable[[Any], bool]
    defaults: dict[str, Any]
    count_key: str = ""  # a column giving the number of items (dwellings)


def _item_groups() -> dict[str, ItemGroup]:
    groups = {
        f"income:{kind.value}": ItemGroup(
            IncomeItem, {f"income_{kind.value}": "monthly_amount"},
            (lambda item, k=kind.value: item.kind == k), {"kind": kind.value},
        )
        for kind in IncomeKind
    }
    groups.update(
        {
            f"rigid:{kind.value}": ItemGroup(
                RigidExpense, {f"rigid_{kind.value}": "amount_12m"},
                (lambda item, k=kind.value: item.kind == k), {"kind": kind.value},
            )
            for kind in RigidExpenseKind
        }
    )
    groups["deposit"] = ItemGroup(
        Asset, {"deposits": "value"}, lambda a: a.kind == AssetKind.DEPOSIT, {"kind": AssetKind.DEPOSIT},
    )
    groups["financial"] = ItemGroup(
        Asset, {"financial_assets": "value"}, lambda a: a.kind == AssetKind.FINANCIAL,
        {"kind": AssetKind.FINANCIAL},
    )
    groups["dwelling"] = ItemGroup(
        Asset, {"dwelling_value": "value"}, lambda a: a.kind == AssetKind.DWELLING,
        {"kind": AssetKind.DWELLING}, count_key="dwelling_count",
    )
    # Only cars: motorcycles, e-bikes and wheelchairs are exempt from the asset test and stay as recorded.
    groups["car"] = ItemGroup(
        Asset, {"car_value": "value"},
        lambda a: a.kind == AssetKind.VEHICLE and a.vehicle_kind == VehicleKind.CAR,
        {"kind": AssetKind.VEHICLE, "vehicle_kind": VehicleKind.CAR},
    )
    groups["business"] = ItemGroup(
        Asset, {"business_value": "value", "business_profit": "annual_profit"},
        lambda a: a.kind == AssetKind.BUSINESS, {"kind": AssetKind.BUSINESS},
    )
    return groups


ITEM_GROUPS = _item_groups()


@dataclass
class _Writes:
    """Everything one import will write, collected before the single transaction."""

    creates: dict[type, list] = field(default_factory=lambda: defaultdict(list))
    updates: dict[type, dict[int, tuple[Any, set[str]]]] = field(default_factory=lambda: defaultdict(dict))
    deletes: list = field(default_factory=list)

    def create(self, obj) -> None:
        self.creates[type(obj)].append(obj)

    def update(self, obj, fields: Iterable[str]) -> None:
        fields = set(fields)
        if not fields:
            return
        entry = self.updates[type(obj)].setdefault(id(obj), (obj, set()))
        entry[1].update(fields)


def _split(total: Decimal, n: int) -> list[Decimal]:
    """`total` in n shares to the fen; the last share takes the odd fen."""
    base = (total / n).quantize(FEN, rounding=ROUND_DOWN)
    return [base] * (n - 1) + [total - base * (n - 1)]


def _reconcile(
    group: ItemGroup,
    existing: list,
    given: dict[str, Any],
    *,
    new_item: Callable[[], Any],
    writes: _Writes,
) -> bool:
    """Make the recorded items of one group carry the totals of the file; True if anything changes.

    Equal totals are no change. Otherwise the items are rewritten in place: the first ones take the new
    amounts, missing ones are created, surplus ones deleted (0 removes them all).
    """
    count = given.get(group.count_key) if group.count_key else None
    totals = {attr: given[key] for key, attr in group.attrs.items() if key in given}
    if count is None and not totals:
        return False
    current = {
        attr: sum((getattr(i, attr) or Decimal(0) for i in existing), Decimal(0)) for attr in group.attrs.values()
    }
    changed = (count is not None and count != len(existing)) or any(current[a] != v for a, v in totals.items())
    if not changed:
        return False
    # An attribute the file leaves blank keeps its total; one that was never recorded stays empty.
    targets = {
        attr: totals.get(attr, current[attr])
        for attr in group.attrs.values()
        if attr in totals or any(getattr(i, attr) is not None for i in existing)
    }
    if count is not None:
        n = count
    elif group.count_key and existing:
        n = len(existing)
    else:
        n = 0 if all(v == 0 for v in targets.values()) else 1
    shares = {attr: _split(total, n) for attr, total in targets.items()} if n else {}
    for i in range(n):
        if i < len(existing):
            item = existing[i]
            fields = [attr for attr in targets if getattr(item, attr) != shares[attr][i]]
            for attr in fields:
                setattr(item, attr, shares[attr][i])
            writes.update(item, fields)
        else:
            item = new_item()
            for attr, value in group.defaults.items():
                setattr(item, attr, value)
            if group.model is Asset:
                item.value = Decimal(0)
            for attr in targets:
                setattr(item, attr, shares[attr][i])
            writes.create(item)
    writes.deletes.extend(existing[n:])
    return True


# --- The import --------------------------------------------------------------------------------------
PERSON_FIELDS = (
    "name", "sex", "birth_date", "relation", "hukou", "phone", "labour_capacity", "self_care_failed_activities",
    "disability_type", "disability_grade", "serious_illness", "serious_illness_name", "student_stage",
    "employment", "child_status", "not_counted_reason", "death_date",
)
HOUSEHOLD_FIELDS = {  # column key → Household field
    "region_code": "region_id", "address": "address", "household_hukou": "hukou", "bank_name": "bank_name",
    "bank_account": "bank_account", "status": "status",
}
HEAD_TERM = f"{fmt.choice_term(Relation, Relation.HEAD)} ({Relation.HEAD.value})"


class _Import:
    """One run of `household_import`: the file's rows, what the registry holds, and what to write."""

    def __init__(self, *, actor, file_name: str, table: Table, today: date):
        self.actor = actor
        self.file_name = file_name
        self.table = table
        self.today = today
        self.prefix = user_region_prefix(actor)
        self.parser = _Parser(today=today)
        self.columns: dict[int, fmt.Column] = {}  # position in the file → column
        self.headers: dict[str, str] = {}  # column key → the header as written in the file
        self.notices: list[dict] = []
        self.rows: list[_Row] = []
        self.persons: dict[str, Person] = {}
        self.regions: dict[str, Region] = {}
        self.income_by_person: dict[int, list[IncomeItem]] = defaultdict(list)
        self.household_items: dict[int, list] = defaultdict(list)
        self.writes = _Writes()
        self.households_created = 0
        self.households_changed: set[int] = set()

    def error(self, row: _Row, key: str, code: ImportErrorCode | str, /, **params: Any) -> None:
        params = {k: str(v) for k, v in params.items()}
        column = fmt.COLUMNS_BY_KEY[key]
        row.errors.append(
            {
                "row": row.number,
                "column": key,
                "header": self.headers.get(key, column.header),
                "value": cell_text(row.cells.get(key)),
                "code": str(code),
                "params": params,
                "reason": _render(str(code), params),
            }
        )

    def in_scope(self, region_code: str) -> bool:
        return self.prefix is not None and region_code.startswith(self.prefix)

    # Reading --------------------------------------------------------------------------------------
    def read_header(self) -> None:
        seen: dict[str, str] = {}
        for index, text in enumerate(self.table.header):
            if _blank(text):
                continue
            column = fmt.column_for_header(text)
            if column is None:
                # Not an error: clerks add their own columns (备注 …). Listed so that a mistyped header
                # of ours is noticed.
                self.notices.append(
                    {
                        "row": 1, "column": "", "header": cell_text(text), "value": "", "level": "warning",
                        "code": str(E.UNKNOWN_COLUMN), "params": {}, "reason": _render(E.UNKNOWN_COLUMN, {}),
                    }
                )
                continue
            if column.key in seen:
                raise ImportFileError(E.DUPLICATE_COLUMN, column=cell_text(text))
            seen[column.key] = cell_text(text)
            if column.kind != fmt.INFO:
                self.columns[index] = column
        self.headers = seen
        missing = [fmt.COLUMNS_BY_KEY[k].header for k in fmt.REQUIRED_HEADERS if k not in seen]
        if missing:
            raise ImportFileError(E.MISSING_COLUMNS, columns="、".join(missing))

    def read_rows(self) -> None:
        limit = max_rows()
        for number, cells in self.table.rows:
            if all(_blank(c) for c in cells):
                continue
            if len(self.rows) >= limit:
                raise ImportFileError(E.TOO_MANY_ROWS, limit=limit)
            row = _Row(
                number=number,
                cells={
                    column.key: cells[index]
                    for index, column in self.columns.items()
                    if index < len(cells) and not _blank(cells[index])
                },
            )
            for key, value in row.cells.items():
                try:
                    row.values[key] = self.parser.parse(fmt.COLUMNS_BY_KEY[key], value)
                except _Invalid as err:
                    self.error(row, key, err.code, **err.params)
            for key in fmt.REQUIRED_HEADERS:
                if key not in row.cells:
                    self.error(row, key, E.REQUIRED)
            if "id_number" in row.values:
                row.id_info = row.values.pop("id_number")
                row.id_number = row.id_info.number
            if "head_id_number" in row.values:
                row.head_id = row.values.pop("head_id_number").number
            self.rows.append(row)

    def load_registry(self) -> None:
        """Everyone the file names, and the regions it uses: a few queries whatever the file's size."""
        numbers = sorted({n for r in self.rows for n in (r.id_number, r.head_id) if n})
        # People are looked up in the whole registry, not only in the importer's area: an ID number is
        # unique, and a person of another area must be refused, not created a second time.
        households: dict[int, Household] = {}
        for chunk in _chunks(numbers):
            for person in Person.objects.filter(id_number__in=chunk).select_related("household", "household__head"):
                # One Python object per household, so that every change to it lands in one place.
                person.household = households.setdefault(person.household_id, person.household)
                self.persons[person.id_number] = person
        codes = sorted({r.values["region_code"] for r in self.rows if "region_code" in r.values})
        for chunk in _chunks(codes):
            self.regions.update({region.code: region for region in Region.objects.filter(code__in=chunk)})

    # Checking -------------------------------------------------------------------------------------
    def check_duplicates(self) -> None:
        by_number: dict[str, list[_Row]] = defaultdict(list)
        for row in self.rows:
            if row.id_number:
                by_number[row.id_number].append(row)
        for rows in by_number.values():
            if len(rows) > 1:
                for row in rows:
                    others = "、".join(str(r.number) for r in rows if r is not row)
                    self.error(row, "id_number", E.DUPLICATE_ID, rows=others)

    def check_person(self, row: _Row) -> None:
        if not row.id_number:
            return
        person = row.person = self.persons.get(row.id_number)
        if person is not None and not self.in_scope(person.household.region_id):
            self.error(row, "id_number", E.PERSON_OUT_OF_SCOPE)
        values, id_info = row.values, row.id_info
        if "sex" in values and values["sex"] != id_info.sex:
            self.error(
                row, "sex", E.SEX_MISMATCH, value=cell_text(row.cells["sex"]),
                expected=f"{fmt.choice_term(Sex, id_info.sex)} ({id_info.sex})",
            )
        if "birth_date" in values and values["birth_date"] != id_info.birth_date:
            self.error(
                row, "birth_date", E.BIRTH_DATE_MISMATCH, value=values["birth_date"].isoformat(),
                expected=id_info.birth_date.isoformat(),
            )
        disability_keys = ("disability_type", "disability_grade")
        unreadable = any(k in row.cells and k not in values for k in disability_keys)
        if any(k in values for k in disability_keys) and not unreadable:
            disability_type = values.get("disability_type", person.disability_type if person else "")
            disability_grade = values.get("disability_grade", person.disability_grade if person else None)
            if bool(disability_type) != bool(disability_grade):
                key = "disability_grade" if "disability_type" in values else "disability_type"
                self.error(row, key, E.DISABILITY_INCOMPLETE)
        birth_date = values.get("birth_date") or (person.birth_date if person else id_info.birth_date)
        if "death_date" in values and values["death_date"] < birth_date:
            self.error(row, "death_date", E.DEATH_BEFORE_BIRTH, birth_date=birth_date.isoformat())

    def check_groups(self) -> list[tuple[_Row, list[_Row], Household | None]]:
        """Sort the rows into households, check each head's row; return (head row, valid members,
        existing household or None) for every household to write."""
        groups: dict[str, list[_Row]] = defaultdict(list)
        for row in self.rows:
            if row.head_id:
                groups[row.head_id].append(row)
        claimed: set[int] = set()
        valid = []
        for head_id, rows in groups.items():
            head_row = next((r for r in rows if r.id_number == head_id), None)
            members = [r for r in rows if r is not head_row]
            if head_row is None:
                for row in members:
                    self.error(row, "head_id_number", E.HEAD_ROW_MISSING, head=head_id)
                continue
            for row in members:
                self.check_member_relation(row)
            household = self.find_household(head_row, members, claimed)
            self.check_head_row(head_row, household)
            if head_row.errors:
                for row in members:
                    self.error(row, "head_id_number", E.HEAD_ROW_INVALID, row=head_row.number)
                continue
            if household is not None:
                claimed.add(household.pk)
            for row in members:
                self.check_conflicts(row, head_row)
            valid.append((head_row, [r for r in members if not r.errors], household))
        return valid

    def find_household(self, head_row: _Row, members: list[_Row], claimed: set[int]) -> Household | None:
        """The household the head's rows update, or None for a new one (see the module docstring)."""
        person = head_row.person
        if person is None:
            return None
        household = person.household
        if household.head_id == person.pk:
            return household
        if household.pk in claimed:
            return None
        current_head = household.head
        # The current head listed as a member of the same rows means a change of head, even if that row
        # has an error of its own (it is then reported and fixed in the next import).
        if current_head is None or any(r.id_number == current_head.id_number for r in members):
            return household
        return None

    def check_head_row(self, row: _Row, household: Household | None) -> None:
        values = row.values
        if values.get("relation", Relation.HEAD) != Relation.HEAD:
            self.error(row, "relation", E.HEAD_RELATION, head=HEAD_TERM)
        code = values.get("region_code")
        if code is not None:
            if code not in self.regions:
                self.error(row, "region_code", E.UNKNOWN_REGION, value=code)
            elif not self.in_scope(code):
                self.error(row, "region_code", E.REGION_OUT_OF_SCOPE, value=code)
        if household is None:
            for key in ("region_code", "address"):
                if key not in row.cells:
                    self.error(row, key, E.REQUIRED_NEW_HOUSEHOLD)
            if not (values.get("household_hukou") or values.get("hukou") or row.person or "hukou" in row.cells):
                self.error(row, "hukou", E.REQUIRED_NEW_HOUSEHOLD)
        if values.get("dwelling_count") == 0 and values.get("dwelling_value"):
            self.error(row, "dwelling_value", E.DWELLING_VALUE_WITHOUT_DWELLING)

    def check_member_relation(self, row: _Row) -> None:
        relation = row.values.get("relation")
        was_head = relation is None and row.person is not None and row.person.relation == Relation.HEAD
        if relation == Relation.HEAD or was_head:
            self.error(row, "relation", E.MEMBER_RELATION_HEAD, head=HEAD_TERM)
        elif relation is None and row.person is None and row.id_number and "relation" not in row.cells:
            self.error(row, "relation", E.REQUIRED_NEW_PERSON)

    def check_conflicts(self, row: _Row, head_row: _Row) -> None:
        for key, value in row.values.items():
            if fmt.COLUMNS_BY_KEY[key].household_level and head_row.values.get(key) != value:
                expected = cell_text(head_row.cells.get(key)) or _("(blank)")
                self.error(row, key, E.CONFLICT, row=head_row.number, expected=expected)

    # Planning the writes --------------------------------------------------------------------------
    def plan(self, valid: list[tuple[_Row, list[_Row], Household | None]]) -> None:
        known = [r.person.pk for head, members, _h in valid for r in (head, *members) if r.person]
        for item in self._load(IncomeItem, "person_id", known):
            self.income_by_person[item.person_id].append(item)
        if any(c.target == fmt.HOUSEHOLD_AMOUNT for c in self.columns.values()):
            households = [h.pk for _head, _members, h in valid if h is not None]
            for model in (Asset, RigidExpense):
                for item in self._load(model, "household_id", households):
                    self.household_items[item.household_id].append(item)
        for head_row, members, household in valid:
            self.plan_household(head_row, members, household)

    @staticmethod
    def _load(model, field_name: str, ids: list[int]) -> list:
        items = []
        for chunk in _chunks(sorted(set(ids))):
            items.extend(model.objects.filter(**{f"{field_name}__in": chunk}).order_by("id"))
        return items

    def plan_household(self, head_row: _Row, members: list[_Row], household: Household | None) -> None:
        values = head_row.values
        wanted = {HOUSEHOLD_FIELDS[k]: v for k, v in values.items() if k in HOUSEHOLD_FIELDS}
        if household is None:
            household = Household(status=HouseholdStatus.ACTIVE, bank_name="", bank_account="")
            wanted.setdefault("hukou", values.get("hukou") or (head_row.person.hukou if head_row.person else None))
            for name, value in wanted.items():
                setattr(household, name, value)
            self.writes.create(household)
            self.households_created += 1
            head_row.changed = True
        elif self.set_fields(household, wanted):
            head_row.changed = True
        head = self.plan_person(head_row, household, relation=Relation.HEAD)
        if household.pk is None:
            household.new_head = head  # set once the person has its primary key
        elif household.head_id != head.pk:
            household.head = head
            self.writes.update(household, ["head"])
            head_row.changed = True
        for row in members:
            self.plan_person(row, household, relation=None)
        items = self.household_items.get(household.pk, [])
        for group in ITEM_GROUPS.values():
            if group.model is IncomeItem:
                continue
            given = {k: values[k] for k in (*group.attrs, group.count_key) if k and k in values}
            if _reconcile(
                group, [i for i in items if group.matches(i)], given,
                new_item=lambda model=group.model: model(household=household), writes=self.writes,
            ):
                head_row.changed = True
        if household.pk is not None and (head_row.changed or any(r.changed for r in members)):
            self.households_changed.add(household.pk)

    def plan_person(self, row: _Row, household: Household, *, relation: str | None) -> Person:
        values = row.values
        wanted = {name: values[name] for name in PERSON_FIELDS if name in values}
        if relation:
            wanted["relation"] = relation
        person = row.person
        if person is None:
            person = Person(
                household=household,
                id_number=row.id_number,
                sex=row.id_info.sex,
                birth_date=row.id_info.birth_date,
                hukou=household.hukou,
                labour_capacity=LabourCapacity.FULL,
                self_care_failed_activities=[],
            )
            for name, value in wanted.items():
                setattr(person, name, value)
            self.writes.create(person)
            row.person = person
            row.changed = row.created = True
        else:
            if person.household_id != household.pk or household.pk is None:
                self.plan_move(person, household)
                row.changed = True
            if self.set_fields(person, wanted):
                row.changed = True
        existing = self.income_by_person.get(person.pk, []) if person.pk else []
        for group in ITEM_GROUPS.values():
            if group.model is not IncomeItem:
                continue
            given = {k: values[k] for k in group.attrs if k in values}
            if _reconcile(
                group, [i for i in existing if group.matches(i)], given,
                new_item=lambda: IncomeItem(household=household, person=person), writes=self.writes,
            ):
                row.changed = True
        return person

    def plan_move(self, person: Person, household: Household) -> None:
        """A person moves to another household, taking their income items along."""
        old = person.household
        if old.head_id == person.pk:
            old.head = None
            self.writes.update(old, ["head"])
        self.households_changed.add(old.pk)
        person.household = household
        self.writes.update(person, ["household"])
        for item in self.income_by_person.get(person.pk, []):
            item.household = household
            self.writes.update(item, ["household"])

    def set_fields(self, obj, wanted: dict[str, Any]) -> bool:
        """Set the values that differ and note them for saving; True if any did."""
        fields = []
        for name, value in wanted.items():
            current = getattr(obj, name)
            if name == "self_care_failed_activities":
                current = [v for v in SelfCareActivity.values if v in (current or [])]
            if current != value:
                setattr(obj, name, value)
                fields.append(name)
        self.writes.update(obj, fields)
        return bool(fields)

    # Writing --------------------------------------------------------------------------------------
    def write(self) -> None:
        reason = f"import {self.file_name}"[:100]
        history = {"default_user": self.actor, "default_change_reason": reason}
        creates, updates = self.writes.creates, self.writes.updates
        new_households = creates.get(Household, [])
        # A new household is inserted without its head, who needs the household first; its history row
        # is written once the head is set, so that the history shows it created as it is.
        Household.objects.bulk_create(new_households, batch_size=CHUNK)
        self._create(Person, creates.get(Person, []), history)
        self._update(Person, updates.get(Person, {}), history)
        for household in new_households:
            household.head = household.new_head
        Household.objects.bulk_update(new_households, ["head"], batch_size=CHUNK)
        Household.history.bulk_history_create(new_households, batch_size=CHUNK, **history)
        household_updates = updates.get(Household, {})
        now = timezone.now()
        for household, fields in household_updates.values():
            # bulk_update does not touch auto_now fields.
            household.updated_at = now
            fields.add("updated_at")
        self._update(Household, household_updates, history)
        for model in (IncomeItem, Asset, RigidExpense):
            self._create(model, creates.get(model, []), history)
            self._update(model, updates.get(model, {}), history)
        for item in self.writes.deletes:
            item._history_user = self.actor
            item._change_reason = reason
            item.delete()

    @staticmethod
    def _create(model, objs: list, history: dict) -> None:
        if objs:
            model.objects.bulk_create(objs, batch_size=CHUNK)
            model.history.bulk_history_create(objs, batch_size=CHUNK, **history)

    @staticmethod
    def _update(model, entries: dict[int, tuple[Any, set[str]]], history: dict) -> None:
        if entries:
            objs = [obj for obj, _fields in entries.values()]
            fields = sorted(set().union(*(fields for _obj, fields in entries.values())))
            model.objects.bulk_update(objs, fields, batch_size=CHUNK)
            model.history.bulk_history_create(objs, batch_size=CHUNK, update=True, **history)


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def household_import(*, actor, file_name: str, data: bytes, request=None) -> ImportBatch:
    """Import households from an .xlsx or .csv file; return the batch with its counts and errors.

    Raises PermissionDenied if the actor may not import, and ImportFileError if the file as a whole cannot
    be used (wrong type, too large, unreadable, required columns missing): then nothing is imported.
    """
    if not can_import(actor) or user_region_prefix(actor) is None:
        raise PermissionDenied(_("Your role may not import households."))
    table = read_table(file_name=file_name, data=data)
    run = _Import(actor=actor, file_name=file_name, table=table, today=timezone.localdate())
    run.read_header()
    run.read_rows()
    run.check_duplicates()
    run.load_registry()
    for row in run.rows:
        run.check_person(row)
    valid = run.check_groups()
    run.plan(valid)
    accepted = [r for r in run.rows if not r.errors]
    with transaction.atomic():
        run.write()
        batch = ImportBatch.objects.create(
            uploaded_by=actor,
            file_name=file_name[:255],
            file_sha256=hashlib.sha256(data).hexdigest(),
            encoding=table.encoding,
            rows_total=len(run.rows),
            households_created=run.households_created,
            households_updated=len(run.households_changed),
            persons_created=sum(1 for r in accepted if r.created),
            persons_updated=sum(1 for r in accepted if r.changed and not r.created),
            rows_unchanged=sum(1 for r in accepted if not r.changed),
            rows_rejected=len(run.rows) - len(accepted),
            errors=run.notices + [e for row in run.rows for e in row.errors],
        )
        counts = {
            name: getattr(batch, name)
            for name in (
                "rows_total", "households_created", "households_updated", "persons_created", "persons_updated",
                "rows_unchanged", "rows_rejected",
            )
        }
        audit_record(
            actor=actor, action=AuditAction.IMPORT, object_type="import_batch", object_id=batch.pk,
            region_code=actor.home_region_id or "", request=request,
            detail={"file_name": batch.file_name, "file_sha256": batch.file_sha256, **counts},
        )
    return batch


# --- Reading the batches back ------------------------------------------------------------------------
def import_batch_list(*, user, limit: int = 20) -> QuerySet[ImportBatch]:
    """The user's own recent imports (only theirs: the errors quote the ID numbers of the file)."""
    return ImportBatch.objects.filter(uploaded_by=user).order_by("-uploaded_at", "-id")[:limit]


def import_batch_get(*, user, pk: int) -> ImportBatch:
    """One of the user's own imports; raises ImportBatch.DoesNotExist for anyone else's."""
    return ImportBatch.objects.get(pk=pk, uploaded_by=user)


def import_error_rows(batch: ImportBatch) -> list[dict]:
    """The batch's errors with their reasons in the active language, in row order."""
    return [{**entry, "reason": import_error_message(entry)} for entry in batch.errors or []]
