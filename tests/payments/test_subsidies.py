"""A one-time subsidy decided for a group: every 特困 recipient and orphan paid once with a month's payroll."""
from datetime import date
from decimal import Decimal

import pytest

from jiuzhu.payments.errors import PaymentError
from jiuzhu.payments.models import LineKind
from jiuzhu.payments.services import payroll_generate
from jiuzhu.payments.subsidies import subsidy_create

pytestmark = pytest.mark.django_db


def test_a_holiday_subsidy_for_extreme_poverty_and_orphans(staff, region_tree, recipients, make_household):
    orphan_home = make_household(region_tree.village_a1, members=[
        {"name": "小丽", "birth_date": date(2015, 4, 1), "child_status": "orphan"}])
    subsidy = subsidy_create(actor=staff.county, region=region_tree.county, name="春节慰问金",
                             tiers=["extreme_poverty"], child_statuses=["orphan"], amount=Decimal("500.00"),
                             month=date(2027, 1, 1), deadline=date(2027, 1, 31), document="区民政局〔2026〕12号")
    payroll = payroll_generate(actor=staff.county, region=region_tree.county, month=date(2027, 1, 1))
    lines = payroll.lines.filter(kind=LineKind.SUBSIDY)
    assert sorted(l.payee_name for l in lines) == ["小丽", "黄老三"]
    assert {l.amount for l in lines} == {Decimal("500.00")} and all(subsidy.name in l.basis for l in lines)
    assert orphan_home.pk in {l.household_id for l in lines}


def test_a_subsidy_needs_a_group_an_amount_and_a_month_before_its_deadline(staff, region_tree):
    common = {"actor": staff.county, "region": region_tree.county, "name": "慰问金", "document": "文件",
              "amount": Decimal("100.00"), "month": date(2027, 2, 1), "deadline": date(2027, 2, 20)}
    with pytest.raises(PaymentError) as err:
        subsidy_create(**common, tiers=[], child_statuses=[])
    assert err.value.field == "tiers"
    with pytest.raises(PaymentError) as err:
        subsidy_create(**(common | {"deadline": date(2027, 1, 20)}), tiers=["dibao"], child_statuses=[])
    assert err.value.field == "month"
    with pytest.raises(PaymentError) as err:
        subsidy_create(**(common | {"amount": Decimal("0")}), tiers=["dibao"], child_statuses=[])
    assert err.value.field == "amount"


def test_orphans_and_unsupported_children_receive_their_monthly_allowance(staff, region_tree, make_household,
                                                                          standards):
    """Zaozhuang Shizhong district pays 1,882 yuan a month to an orphan and 1,332 to a de-facto unsupported
    child (RULES.md reference table)."""
    home = make_household(region_tree.village_a1, members=[
        {"name": "小军", "birth_date": date(2014, 4, 1), "child_status": "orphan"},
        {"name": "小梅", "birth_date": date(2016, 4, 1), "child_status": "unsupported_child", "relation": "sibling"}])
    payroll = payroll_generate(actor=staff.county, region=region_tree.county, month=date(2026, 11, 1))
    lines = {l.payee_name: l.amount for l in payroll.lines.filter(kind=LineKind.ALLOWANCE)}
    assert lines == {"小军": Decimal("1882.00"), "小梅": Decimal("1332.00")}
    assert home.pk in set(payroll.lines.values_list("household_id", flat=True))
