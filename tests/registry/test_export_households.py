"""The household export: the user's own area only, numbers masked for roles that may not see them, every
export audited, and the columns of the import template so that an unmasked export imports back unchanged."""
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from jiuzhu.core.masking import mask_account_number, mask_id_number, mask_phone
from jiuzhu.core.models import AuditAction, AuditLog
from jiuzhu.core.roles import Role
from jiuzhu.registry.exports import household_export_xlsx
from jiuzhu.registry.import_template import COLUMNS
from jiuzhu.registry.imports import household_import
from jiuzhu.registry.models import Asset, Household, IncomeItem, Person, RigidExpense
from jiuzhu.registry.selectors import household_list

pytestmark = pytest.mark.usefixtures("english")

HEADERS = [c.header for c in COLUMNS]


def read_rows(data: bytes) -> list[dict]:
    """The export as dicts keyed by code name."""
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    keys = [c.key for c in COLUMNS]
    # Trailing empty cells are not stored, so short rows are padded.
    return [dict(zip(keys, [*row, *[None] * (len(keys) - len(row))])) for row in rows[1:]]


@pytest.fixture
def households(tree, make_household):
    """Two households in township A (one with every kind of detail) and one in township B."""
    rich = make_household(
        tree.village_a1, bank_name="枣庄农村商业银行", bank_account="6217000011112222",
        members=[
            {"name": "张建国", "phone": "13800001234", "disability_type": "physical", "disability_grade": 2,
             "labour_capacity": "partial", "self_care_failed_activities": ["bathing", "eating"],
             "incomes": {"pension_base": "150", "business_net": "350.50"}},
            {"name": "李秀英", "hukou": "urban", "employment": "flexible", "incomes": {"wage": "2100"}},
            {"name": "张小明", "student_stage": "undergraduate", "birth_date": date(2004, 9, 1),
             "serious_illness": True, "serious_illness_name": "白血病"},
        ],
    )
    rich.assets.create(kind="deposit", value=Decimal("8000"))
    rich.assets.create(kind="dwelling", value=Decimal("70000"), area_m2=Decimal("85"))
    rich.assets.create(kind="dwelling", value=Decimal("50000"))
    rich.assets.create(kind="vehicle", vehicle_kind="car", value=Decimal("30000"))
    rich.assets.create(kind="vehicle", vehicle_kind="ebike", value=Decimal("2000"))
    rich.assets.create(kind="business", value=Decimal("20000"), annual_profit=Decimal("-1500.50"))
    rich.rigid_expenses.create(kind="medical", amount_12m=Decimal("6500"))
    # A second wage item of the same person: the export shows the total.
    rich.income_items.create(person=rich.members.get(name="李秀英"), kind="wage", monthly_amount=Decimal("300"))
    plain = make_household(tree.village_a2, members=[{"name": "刘一"}], status="suspended")
    other = make_household(tree.village_b1, members=[{"name": "赵外乡"}])
    return rich, plain, other


def export(user, reveal, **filters):
    return household_export_xlsx(
        user=user, households_qs=household_list(user=user, **filters), reveal=reveal, filters=filters,
    )


def test_an_export_holds_only_the_households_of_the_users_area(clerk, households):
    rich, plain, other = households

    rows = read_rows(export(clerk, reveal=True))

    assert [r["name"] for r in rows] == ["张建国", "李秀英", "张小明", "刘一"]
    assert other.head.id_number not in {r["id_number"] for r in rows}


def test_one_row_per_member_head_first_with_the_words_of_the_import_template(clerk, households):
    rich, _plain, _other = households

    head, wife, son = read_rows(export(clerk, reveal=True))[:3]

    assert head["head_id_number"] == head["id_number"] == rich.head.id_number
    assert wife["head_id_number"] == rich.head.id_number
    assert (head["relation"], head["labour_capacity"], head["disability_type"], head["disability_grade"]) == (
        "户主", "部分丧失劳动能力", "肢体残疾", 2,
    )
    assert head["self_care_failed_activities"] == "进食、洗澡"
    assert (wife["hukou"], wife["employment"], wife["income_wage"]) == ("城镇", "灵活就业", 2400)
    assert (son["student_stage"], son["serious_illness"], son["serious_illness_name"]) == ("本科", "是", "白血病")
    assert (head["region_code"], head["region_name"]) == ("370402001001", "东风社区")
    # Household totals on the head's row only.
    assert (head["deposits"], head["dwelling_count"], head["dwelling_value"], head["car_value"]) == (
        8000, 2, 120000, 30000,
    )
    assert (head["business_value"], head["business_profit"], head["rigid_medical"]) == (20000, -1500.5, 6500)
    assert wife["deposits"] is None and wife["dwelling_count"] is None


def test_numbers_are_masked_for_a_role_that_may_not_reveal_them(make_user, tree, households):
    rich, _plain, _other = households
    supervisor = make_user(Role.SUPERVISOR, tree.county)

    head = read_rows(export(supervisor, reveal=False))[0]

    assert head["id_number"] == mask_id_number(rich.head.id_number) != rich.head.id_number
    assert head["head_id_number"] == mask_id_number(rich.head.id_number)
    assert head["phone"] == mask_phone("13800001234")
    assert head["bank_account"] == mask_account_number("6217000011112222")
    with pytest.raises(PermissionDenied):
        export(supervisor, reveal=True)


def test_a_role_that_may_not_export_is_refused(make_user, tree, households):
    grid_worker = make_user(Role.GRID_WORKER, tree.township_a)

    with pytest.raises(PermissionDenied):
        export(grid_worker, reveal=False)
    assert not AuditLog.objects.filter(action=AuditAction.EXPORT).exists()


def test_every_export_is_audited_with_its_filter_and_row_count(clerk, households):
    export(clerk, reveal=True, status="suspended")

    entry = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert entry.actor == clerk
    assert entry.detail == {
        "format": "xlsx", "filters": {"status": "suspended"}, "households": 1, "rows": 1, "revealed_numbers": True,
    }


def test_an_unmasked_export_imports_back_unchanged(clerk, households):
    data = export(clerk, reveal=True)
    histories = {m: m.history.count() for m in (Household, Person, IncomeItem, Asset, RigidExpense)}

    batch = household_import(actor=clerk, file_name="export.xlsx", data=data)

    assert batch.errors == []
    assert (batch.rows_total, batch.rows_unchanged) == (4, 4)
    assert {m: m.history.count() for m in histories} == histories


def test_an_edited_export_imports_just_the_edit(clerk, households):
    from openpyxl import load_workbook as load

    rich, _plain, _other = households
    workbook = load(io.BytesIO(export(clerk, reveal=True)))
    sheet = workbook.worksheets[0]
    phone_column = HEADERS.index("联系电话") + 1
    sheet.cell(row=3, column=phone_column, value="13700000000")  # the wife
    out = io.BytesIO()
    workbook.save(out)

    batch = household_import(actor=clerk, file_name="export.xlsx", data=out.getvalue())

    assert (batch.persons_updated, batch.rows_unchanged, batch.errors) == (1, 3, [])
    assert Person.objects.get(name="李秀英").phone == "13700000000"


def test_the_export_does_not_query_per_household(clerk, tree, make_household, django_assert_max_num_queries):
    for n in range(12):
        household = make_household(tree.village_a1, members=[{}, {"incomes": {"wage": "100"}}])
        household.assets.create(kind="deposit", value=Decimal(n))

    with django_assert_max_num_queries(12):
        rows = read_rows(export(clerk, reveal=False))
    assert len(rows) == 24


# --- Through the page --------------------------------------------------------------------------------
def test_the_export_page_uses_the_list_filters_and_sends_an_xlsx(en_client, clerk, households):
    en_client.force_login(clerk)

    response = en_client.get(reverse("web:household_export"), {"status": "suspended"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = read_rows(b"".join(response.streaming_content))
    assert [r["name"] for r in rows] == ["刘一"]
    # A township assistant may reveal numbers, so the file is unmasked, and the audit entry says so.
    assert rows[0]["id_number"] == households[1].head.id_number
    entry = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert entry.detail["revealed_numbers"] is True
    assert entry.detail["filters"] == {"status": "suspended"}


def test_the_export_page_refuses_a_role_that_may_not_export(en_client, make_user, tree, households):
    en_client.force_login(make_user(Role.GRID_WORKER, tree.township_a))

    response = en_client.get(reverse("web:household_export"))

    assert response.status_code == 403


def test_a_supervisors_export_from_the_page_is_masked(en_client, make_user, tree, households):
    en_client.force_login(make_user(Role.SUPERVISOR, tree.county))

    response = en_client.get(reverse("web:household_export"))

    rows = read_rows(b"".join(response.streaming_content))
    assert {r["id_number"] for r in rows} == {mask_id_number(p.id_number) for p in Person.objects.all()}
    assert AuditLog.objects.get(action=AuditAction.EXPORT).detail["revealed_numbers"] is False

