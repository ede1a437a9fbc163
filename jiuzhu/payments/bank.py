"""Bank file layouts (what a county sends its banks) and the reader of a bank's return file.

Three layouts of the same payment lines of one payroll for one bank, documented in docs/payments.md
("Bank files and returns"): an .xlsx for people, a fixed-width text file for the bank's batch system, and a CSV.
Each carries every line's reference (the payroll line id), the payee's full name, ID number and account number
— banks need them in full, so these files are confidential — the amount, and a trailer with the count and
total. This module only builds bytes and parses bytes; `reconcile.py` decides what to send and applies returns.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

FIXED_ENCODING = "gb18030"
FIXED_WIDTH = 200             # bytes per record, without the CR LF that ends it
FIXED_EOL = b"\r\n"
CSV_COLUMNS = ("type", "reference", "payee_name", "id_number", "bank_name", "account", "amount")
XLSX_HEADERS = ("参考号", "收款人姓名", "身份证号码", "开户银行", "银行账号", "金额（元）")
RETURN_COLUMNS = ("reference", "account", "amount", "status", "bank_code", "reason")
RETURN_STATUSES = {"paid": "paid", "failed": "failed", "成功": "paid", "失败": "failed"}
ACCOUNT_RE = re.compile(r"^[0-9]{8,40}$")

# The fixed-width records: (name, first byte, last byte) — 1-based and inclusive, as a bank's manual writes them.
FIXED_HEADER = (("record_type", 1, 1), ("county_code", 2, 13), ("month", 14, 19), ("payroll_number", 20, 21),
                ("bank_name", 22, 121), ("file_date", 122, 129), ("filler", 130, 200))
FIXED_DETAIL = (("record_type", 1, 1), ("reference", 2, 13), ("account", 14, 53), ("payee_name", 54, 153),
                ("id_number", 154, 171), ("amount_fen", 172, 186), ("filler", 187, 200))
FIXED_TRAILER = (("record_type", 1, 1), ("count", 2, 9), ("total_fen", 10, 27), ("filler", 28, 200))


@dataclass(frozen=True)
class BankLine:
    """One payment as the bank sees it."""

    reference: int
    payee_name: str
    id_number: str
    bank_name: str
    account: str
    amount: Decimal


@dataclass(frozen=True)
class FileHead:
    county_code: str
    month: date
    payroll_number: int
    bank_name: str
    file_date: date


def fen(amount: Decimal) -> int:
    """Yuan to integer fen, exactly (an amount with more than two decimals is a programming error)."""
    value = amount * 100
    if value != value.to_integral_value():
        raise ValueError(f"not an amount to the fen: {amount}")
    return int(value)


def line_unfit(line: BankLine) -> str | None:
    """Why a line cannot go into a bank file, or None. The file would otherwise be refused or pay the wrong
    person; such a line is not sent and is reported (reconcile.bank_files_export)."""
    if not line.bank_name.strip() or not line.account.strip():
        return _("No bank account on record.")
    if not ACCOUNT_RE.match(line.account):
        return _("The bank account number is not 8 to 40 digits.")
    if not line.payee_name.strip():
        return _("No payee name.")
    if len(line.payee_name.encode(FIXED_ENCODING)) > _width(FIXED_DETAIL, "payee_name"):
        return _("The payee name is too long for the bank file.")
    return None


def _width(layout, name: str) -> int:
    for field_name, first, last in layout:
        if field_name == name:
            return last - first + 1
    raise KeyError(name)


def _text(value: str, width: int) -> bytes:
    """Left-aligned, padded with spaces to `width` bytes of GB18030; never cut (callers check first)."""
    raw = value.encode(FIXED_ENCODING)
    if len(raw) > width:
        raise ValueError(f"{value!r} does not fit in {width} bytes")
    return raw + b" " * (width - len(raw))


def _number(value: int, width: int) -> bytes:
    """Right-aligned, padded with zeros."""
    raw = str(value).encode("ascii")
    if value < 0 or len(raw) > width:
        raise ValueError(f"{value} does not fit in {width} digits")
    return raw.rjust(width, b"0")


def _record(layout, values: dict) -> bytes:
    parts = []
    for name, first, last in layout:
        width = last - first + 1
        value = values.get(name, "")
        parts.append(_number(value, width) if isinstance(value, int) else _text(value, width))
    record = b"".join(parts)
    assert len(record) == FIXED_WIDTH, len(record)
    return record


def fixed_width_file(head: FileHead, lines: list[BankLine]) -> bytes:
    """The fixed-width layout: one H record, one D record per line, one T record; GB18030, CR LF."""
    records = [_record(FIXED_HEADER, {
        "record_type": "H", "county_code": head.county_code, "month": f"{head.month:%Y%m}",
        "payroll_number": head.payroll_number, "bank_name": head.bank_name,
        "file_date": f"{head.file_date:%Y%m%d}"})]
    for line in lines:
        records.append(_record(FIXED_DETAIL, {
            "record_type": "D", "reference": line.reference, "account": line.account,
            "payee_name": line.payee_name, "id_number": line.id_number, "amount_fen": fen(line.amount)}))
    records.append(_record(FIXED_TRAILER, {
        "record_type": "T", "count": len(lines), "total_fen": sum(fen(line.amount) for line in lines)}))
    return b"".join(record + FIXED_EOL for record in records)


def fixed_width_read(data: bytes) -> list[dict]:
    """Split a fixed-width file back into its fields (tests, and a check of what was sent)."""
    layouts = {"H": FIXED_HEADER, "D": FIXED_DETAIL, "T": FIXED_TRAILER}
    records = []
    for raw in data.split(FIXED_EOL):
        if not raw:
            continue
        layout = layouts[raw[:1].decode("ascii")]
        records.append({name: raw[first - 1:last].decode(FIXED_ENCODING).rstrip(" ")
                        for name, first, last in layout if name != "filler"})
    return records


def _yuan(amount: Decimal) -> str:
    return f"{amount:.2f}"


def csv_file(head: FileHead, lines: list[BankLine]) -> bytes:
    """The CSV layout: UTF-8 with a BOM; a header row, one D row per line, a T row with the count (in the
    reference column) and the total (in the amount column)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        writer.writerow(("D", line.reference, line.payee_name, line.id_number, line.bank_name, line.account,
                         _yuan(line.amount)))
    writer.writerow(("T", len(lines), "", "", head.bank_name, "", _yuan(sum((l.amount for l in lines),
                                                                           Decimal("0.00")))))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_file(head: FileHead, lines: list[BankLine]) -> bytes:
    """The .xlsx layout: a header row, one row per line (account and ID number as text, so that a spreadsheet
    never turns them into 6.2E+18), amounts as numbers with two decimals, and a totals row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = f"{head.month:%Y%m}-{head.payroll_number:02d}"
    sheet.append(XLSX_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for line in lines:
        sheet.append((line.reference, line.payee_name, line.id_number, line.bank_name, line.account, line.amount))
    total = sum((line.amount for line in lines), Decimal("0.00"))
    sheet.append(("合计", f"{len(lines)} 笔", "", head.bank_name, "", total))
    for row in sheet.iter_rows(min_row=2):
        row[2].number_format = row[4].number_format = "@"
        row[5].number_format = "0.00"
    for letter, width in zip("ABCDEF", (14, 16, 22, 24, 26, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- The bank's return file ------------------------------------------------------------------------------------

@dataclass
class ReturnRow:
    row: int                  # 1-based row number in the file, the header being row 1
    reference: str
    account: str
    amount: Decimal | None
    status: str               # paid | failed | "" when unreadable
    bank_code: str
    reason: str
    problem: tuple[str, str] | None = None     # (code, message) when the row itself cannot be read


@dataclass
class ReturnFile:
    rows: list[ReturnRow] = field(default_factory=list)


class ReturnFormatError(ValueError):
    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode(FIXED_ENCODING)
        except UnicodeDecodeError as exc:
            raise ReturnFormatError("encoding", _("The return file is not text in UTF-8 or GB18030.")) from exc


def return_file_read(data: bytes) -> ReturnFile:
    """Read a bank's return file: CSV (UTF-8 with or without BOM, or GB18030), a header row naming at least
    reference, account, amount and status (bank_code and reason optional, any order, any case), one row per
    payment. Rows that cannot be read are returned with their problem, never dropped; blank rows are skipped."""
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ReturnFormatError("empty", _("The return file is empty.")) from None
    missing = [c for c in RETURN_COLUMNS[:4] if c not in header]
    if missing:
        raise ReturnFormatError("columns", _("The return file lacks the columns %(columns)s.")
                                % {"columns": ", ".join(missing)})
    where = {name: header.index(name) for name in RETURN_COLUMNS if name in header}
    result = ReturnFile()
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))

        def cell(name: str, cells=cells) -> str:
            return cells[where[name]].strip() if name in where else ""

        row = ReturnRow(row=number, reference=cell("reference"), account=cell("account").replace(" ", ""),
                        amount=None, status=RETURN_STATUSES.get(cell("status").lower(), ""),
                        bank_code=cell("bank_code"), reason=cell("reason"))
        try:
            amount = Decimal(cell("amount"))
            if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
                raise InvalidOperation
            row.amount = amount.quantize(Decimal("0.01"))
        except InvalidOperation:
            row.problem = ("bad_amount", _("The amount “%(value)s” is not an amount in yuan to the fen.")
                           % {"value": cell("amount")})
        if not row.status:
            row.problem = row.problem or (
                "bad_status", _("The status “%(value)s” is neither paid nor failed.") % {"value": cell("status")})
        if not row.reference.isdigit():
            row.problem = ("bad_reference", _("The reference “%(value)s” is not a payment line number.")
                           % {"value": row.reference})
        result.rows.append(row)
    return result


def bank_files_export(*, actor, payroll_id: int):
    """The service that writes these layouts for a payroll is reconcile.bank_files_export; this name is kept
    here for callers that look for it beside the layouts."""
    from jiuzhu.payments.reconcile import bank_files_export as export

    return export(actor=actor, payroll_id=payroll_id)
