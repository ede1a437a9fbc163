"""Importing standards from a spreadsheet (.xlsx or .csv): one dated value of one parameter per row.

Columns: region_code, name, effective_from, value, source_document, note (the Chinese headers 区划代码, 参数,
生效日期, 值, 依据文件, 备注 are accepted too). The file is read like the registry's import (UTF-8 with or
without BOM, GBK/GB18030, or an Excel workbook). Every row is checked; each problem is reported with its row,
column, value and reason; every valid row is saved through `parameter_set`, which records who entered it
and changes nothing when the value is already there, so importing the same file twice changes nothing.
"""
from dataclasses import dataclass, field
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiuzhu.core.roles import roles_of
from jiuzhu.policy.parameters import parse_value_text
from jiuzhu.policy.models import ParameterValue
from jiuzhu.policy.services import STANDARD_SETTERS, parameter_set
from jiuzhu.registry.imports import ImportFileError, cell_date, cell_text as _text, read_table

COLUMNS = ("region_code", "name", "effective_from", "value", "source_document", "note")
REQUIRED = ("region_code", "name", "effective_from", "value", "source_document")
HEADER_ALIASES = {"区划代码": "region_code", "参数": "name", "生效日期": "effective_from", "值": "value",
                  "依据文件": "source_document", "来源文件": "source_document", "备注": "note"}


class ParameterImportError(Exception):
    """The whole file was refused (unreadable, or required columns missing)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ParameterImportResult:
    file_name: str
    encoding: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)   # row, column, value, reason

    @property
    def rejected_rows(self) -> int:
        return len({e["row"] for e in self.errors})


@transaction.atomic
def parameter_import(*, actor, file_name: str, data: bytes) -> ParameterImportResult:
    """Import the standards of a spreadsheet: valid rows are saved, the others reported one by one."""
    if not set(roles_of(actor)) & STANDARD_SETTERS:
        raise PermissionDenied(_("Only a county civil affairs bureau may set standards."))
    try:
        table = read_table(file_name=file_name, data=data)
    except ImportFileError as exc:
        raise ParameterImportError(exc.message) from exc
    keys = [HEADER_ALIASES.get(_text(h), _text(h).lower()) for h in table.header]
    missing = [c for c in REQUIRED if c not in keys]
    if missing:
        raise ParameterImportError(_("Required columns are missing: %(columns)s.") % {"columns": ", ".join(missing)})
    result = ParameterImportResult(file_name=file_name, encoding=table.encoding)
    seen: dict[tuple, int] = {}
    for number, cells in table.rows:
        row = {key: cells[i] if i < len(cells) else None for i, key in enumerate(keys) if key in COLUMNS}
        if all(_text(v) == "" for v in row.values()):
            continue
        result.rows += 1
        _import_row(actor, number, row, result, seen)
    return result


def _import_row(actor, number: int, row: dict, result: ParameterImportResult, seen: dict) -> None:
    def error(column: str, reason: str) -> None:
        result.errors.append({"row": number, "column": column, "value": _text(row.get(column)), "reason": reason})

    region_code, name = _text(row.get("region_code")), _text(row.get("name"))
    blank = [column for column in REQUIRED if _text(row.get(column)) == ""]
    for column in blank:
        error(column, _("A value is required."))
    if blank:
        return
    if len(region_code) != 12 or not region_code.isdigit():
        error("region_code", _("A division code has 12 digits."))
        return
    effective_from = cell_date(row.get("effective_from"))
    if effective_from is None:
        error("effective_from", _("Not a date. Write dates as YYYY-MM-DD, for example 1980-03-15."))
        return
    key = (region_code, name, effective_from)
    if key in seen:
        error("effective_from", _("The same region, parameter and date are also in row %(row)s.") % {"row": seen[key]})
        return
    seen[key] = number
    value = parse_value_text(name, _text(row.get("value")))
    before = ParameterValue.objects.filter(region_code=region_code, name=name, effective_from=effective_from).first()
    before_state = (before.value, before.source_document, before.note) if before else None
    try:
        obj = parameter_set(actor=actor, region_code=region_code, name=name, effective_from=effective_from,
                            value=value, source_document=_text(row.get("source_document")),
                            note=_text(row.get("note")))
    except ValidationError as exc:
        for column, messages in exc.message_dict.items():
            for message in messages:
                error(column if column in COLUMNS else "value", message)
        return
    except PermissionDenied as exc:
        error("region_code", str(exc))
        return
    if before is None:
        result.created += 1
    elif before_state != (obj.value, obj.source_document, obj.note):
        result.updated += 1
    else:
        result.unchanged += 1
