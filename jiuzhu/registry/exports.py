"""Exporting households to Excel, and the error report of an import.

The household export writes the columns of the import template (`import_template.COLUMNS`), one row per
member with the head first, so that an unmasked export can be edited and imported again. Every export is
audited, with the filter used, the number of rows and whether the numbers were revealed.
"""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from jiuzhu.core.audit import audit_record
from jiuzhu.core.masking import mask_account_number, mask_id_number, mask_phone
from jiuzhu.core.models import AuditAction
from jiuzhu.core.roles import can_export, can_reveal_numbers
from jiuzhu.registry import import_template as fmt
from jiuzhu.registry.choices import (
    AssetKind,
    ChildStatus,
    DisabilityType,
    Employment,
    HouseholdStatus,
    Hukou,
    LabourCapacity,
    NotCountedReason,
    Relation,
    SelfCareActivity,
    Sex,
    StudentStage,
    VehicleKind,
)
from jiuzhu.registry.imports import import_error_rows
from jiuzhu.registry.models import Household, ImportBatch, Person

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"


def household_export_xlsx(
    *, user, households_qs: QuerySet[Household], reveal: bool, filters: dict | None = None, request=None,
) -> bytes:
    """The households of `households_qs` as an .xlsx file in the import format; audited.

    `households_qs` must come from a registry selector (so it is already limited to the user's area).
    ID, phone and bank account numbers are masked unless `reveal`, which needs a role that may reveal them.
    """
    if not can_export(user):
        raise PermissionDenied(_("Your role may not export personal data."))
    if reveal and not can_reveal_numbers(user):
        raise PermissionDenied(_("Your role may not see full ID or phone numbers."))
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    # write_only streams rows to a temporary file instead of keeping every cell object in memory.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(fmt.DATA_SHEET_TITLE)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in fmt.COLUMNS:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = bold
        header.append(cell)
    sheet.append(header)

    households = rows = 0
    queryset = households_qs.select_related("region", "head").prefetch_related(
        Prefetch("members", queryset=Person.objects.order_by("id")),
        "income_items",
        "assets",
        "rigid_expenses",
    )
    for household in queryset.iterator(chunk_size=500):
        households += 1
        members = sorted(household.members.all(), key=lambda p: (p.pk != household.head_id, p.pk))
        for person in members:
            values = _row(household, person, is_head=person.pk == household.head_id, reveal=reveal)
            sheet.append([_cell(sheet, WriteOnlyCell, column, values.get(column.key)) for column in fmt.COLUMNS])
            rows += 1
    out = io.BytesIO()
    workbook.save(out)
    audit_record(
        actor=user, action=AuditAction.EXPORT, object_type="household", region_code=user.home_region_id or "",
        request=request,
        detail={
            "format": "xlsx",
            "filters": {k: v for k, v in (filters or {}).items() if v},
            "households": households,
            "rows": rows,
            "revealed_numbers": reveal,
        },
    )
    return out.getvalue()


def _cell(sheet, cell_class, column: fmt.Column, value):
    if value is None or value == "":
        return None
    cell = cell_class(sheet, value=value)
    if column.kind == fmt.MONEY:
        cell.number_format = MONEY_FORMAT
    elif column.kind == fmt.DATE:
        cell.number_format = DATE_FORMAT
    return cell


def _term(choices, value: str) -> str:
    return fmt.choice_term(choices, value) if value else ""


def _total(items, attribute: str = "value") -> Decimal | None:
    """The total of some recorded items, or None (a blank cell) when there are none."""
    amounts = [getattr(i, attribute) for i in items if getattr(i, attribute) is not None]
    return sum(amounts, Decimal(0)) if amounts else None


def _row(household: Household, person: Person, *, is_head: bool, reveal: bool) -> dict:
    """One person's row, keyed by column code name."""
    head_id = household.head.id_number if household.head_id else ""
    values = {
        "head_id_number": head_id if reveal else mask_id_number(head_id),
        "id_number": person.id_number if reveal else mask_id_number(person.id_number),
        "name": person.name,
        "relation": _term(Relation, person.relation),
        "sex": _term(Sex, person.sex),
        "birth_date": person.birth_date,
        "hukou": _term(Hukou, person.hukou),
        "phone": person.phone if reveal else mask_phone(person.phone),
        "labour_capacity": _term(LabourCapacity, person.labour_capacity),
        "self_care_failed_activities": "、".join(
            fmt.choice_term(SelfCareActivity, a)
            for a in SelfCareActivity.values
            if a in (person.self_care_failed_activities or [])
        ),
        "disability_type": _term(DisabilityType, person.disability_type),
        "disability_grade": person.disability_grade,
        "serious_illness": "是" if person.serious_illness else "否",
        "serious_illness_name": person.serious_illness_name,
        "student_stage": _term(StudentStage, person.student_stage),
        "employment": _term(Employment, person.employment),
        "child_status": _term(ChildStatus, person.child_status),
        "not_counted_reason": _term(NotCountedReason, person.not_counted_reason),
        "death_date": person.death_date,
        # The household's own fields on every row, for whoever sorts or filters the sheet; the importer
        # accepts them on members' rows as long as they agree with the head's.
        "region_code": household.region_id,
        "region_name": household.region.name,
        "address": household.address,
        "household_hukou": _term(Hukou, household.hukou),
        "bank_name": household.bank_name,
        "bank_account": household.bank_account if reveal else mask_account_number(household.bank_account),
        "status": _term(HouseholdStatus, household.status),
    }
    incomes = [i for i in household.income_items.all() if i.person_id == person.pk]
    for item in incomes:
        key = f"income_{item.kind}"
        values[key] = values.get(key, Decimal(0)) + item.monthly_amount
    if is_head:
        # Totals only on the head's row, so that summing a column in Excel gives the right answer.
        assets = household.assets.all()
        by_kind = {kind: [a for a in assets if a.kind == kind] for kind in AssetKind.values}
        dwellings = by_kind[AssetKind.DWELLING]
        cars = [a for a in by_kind[AssetKind.VEHICLE] if a.vehicle_kind == VehicleKind.CAR]
        values.update(
            {
                "deposits": _total(by_kind[AssetKind.DEPOSIT]),
                "financial_assets": _total(by_kind[AssetKind.FINANCIAL]),
                "dwelling_count": len(dwellings) or None,
                "dwelling_value": _total(dwellings),
                "car_value": _total(cars),
                "business_value": _total(by_kind[AssetKind.BUSINESS]),
                "business_profit": _total(by_kind[AssetKind.BUSINESS], "annual_profit"),
            }
        )
        for expense in household.rigid_expenses.all():
            key = f"rigid_{expense.kind}"
            values[key] = values.get(key, Decimal(0)) + expense.amount_12m
    return values


# --- The error report of an import -------------------------------------------------------------------
def _error_table(batch: ImportBatch) -> tuple[list[str], list[list]]:
    header = [_("Row"), _("Column"), _("Value"), _("Reason")]
    rows = [[e.get("row"), e.get("header", ""), e.get("value", ""), e["reason"]] for e in import_error_rows(batch)]
    return header, rows


def import_errors_xlsx(batch: ImportBatch) -> bytes:
    """The rejected rows of an import, for correcting the file."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    header, rows = _error_table(batch)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Errors"))
    for letter, width in zip("ABCD", (8, 24, 28, 90)):
        sheet.column_dimensions[letter].width = width
    cells = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def import_errors_csv(batch: ImportBatch) -> bytes:
    """The same report as CSV in UTF-8 with a BOM, which Excel opens with the Chinese intact."""
    header, rows = _error_table(batch)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")
