"""Who the monthly payroll pays, and what each line freezes (issue 6): the entitlements active during the month
of the county's active households, each once — monthly tiers (not for a member who died before the month),
adjustments, staged temporary assistance falling due, and one-time subsidies to a group."""
from datetime import date
from decimal import Decimal

import pytest

from jiuzhu.core.models import Region
from jiuzhu.core.regions import RegionLevel
from jiuzhu.payments.models import Adjustment, GroupSubsidy, LineKind, PayrollLine
from jiuzhu.payments.services import payroll_generate

pytestmark = pytest.mark.django_db

NOVEMBER = date(2026, 11, 1)


def paid(payroll, kind: str = LineKind.TIER) -> dict[str, tuple]:
    """The payroll's lines of one kind as {payee: (tier, amount)} — the tests' payees have distinct names."""
    lines = {}
    for line in payroll.lines.filter(kind=kind).order_by("id"):
        assert line.payee_name not in lines, f"{line.payee_name} paid twice"
        lines[line.payee_name] = (line.tier, line.amount)
    return lines


def test_only_entitlements_active_during_the_month_are_paid(staff, region_tree, make_household):
    def household(name, tier_start, tier_end=None, amount="900.00", **fields):
        h = make_household(region_tree.village_a1, members=[{"name": name}],
                           tiers=[{"tier": "dibao", "amount": Decimal(amount), "start": tier_start}], **fields)
        h.tier_memberships.update(end_date=tier_end)

    household("一直在保", date(2025, 1, 1))
    household("十一月起", date(2026, 11, 1))
    household("十二月起", date(2026, 12, 1))                              # starts after the month
    household("十一月止", date(2025, 1, 1), tier_end=date(2026, 11, 30))  # ends during the month: paid for it
    household("十月止", date(2025, 1, 1), tier_end=date(2026, 10, 31))    # ended before the month
    household("暂停", date(2025, 1, 1), status="suspended")                # a suspended household is not paid
    household("无金额", date(2025, 1, 1), amount="0.00")                   # nothing to pay
    other_county = Region.objects.create(code="370403000000", name="薛城区", level=RegionLevel.COUNTY,
                                         parent=region_tree.prefecture)
    make_household(other_county, members=[{"name": "外县"}],
                   tiers=[{"tier": "dibao", "amount": Decimal("900.00"), "start": date(2025, 1, 1)}])

    payroll = payroll_generate(actor=staff.county, region=region_tree.county, month=NOVEMBER)
    assert set(paid(payroll)) == {"一直在保", "十一月起", "十一月止"}
    assert payroll.lines_count == 3 and payroll.total == Decimal("2700.00")


def test_a_member_who_died_before_the_month_is_not_paid_for_it(staff, region_tree, make_household):
    household = make_household(region_tree.village_a2, bank_name="邮储银行", bank_account="6217990000000001",
                               members=[{"name": "十月去世", "death_date": date(2026, 10, 20)},
                                        {"name": "十一月去世", "death_date": date(2026, 11, 5)},
                                        {"name": "健在"}])
    for member in household.members.all():
        household.tier_memberships.create(person=member, tier="extreme_poverty", start_date=date(2025, 1, 1),
                                          monthly_amount=Decimal("1282.00"))
    payroll = payroll_generate(actor=staff.county, region=region_tree.county, month=NOVEMBER)
    # Paid for the month of death, not after it.
    assert paid(payroll) == {"十一月去世": ("extreme_poverty", Decimal("1282.00")),
                             "健在": ("extreme_poverty", Decimal("1282.00"))}
    line = payroll.lines.get(payee_name="健在")
    assert (line.bank_name, line.bank_account, line.person.name) == ("邮储银行", "6217990000000001", "健在")


def test_a_household_tier_is_paid_to_the_head_and_an_adjustment_with_it(staff, region_tree, make_household):
    household = make_household(region_tree.village_b1, bank_name="工商银行", bank_account="6222020200000001",
                               members=[{"name": "户主甲"}, {"name": "配偶乙", "relation": "spouse"}],
                               tiers=[{"tier": "dibao", "amount": Decimal("1648.00"), "start": date(2025, 1, 1)}])
    Adjustment.objects.create(household=household, amount=Decimal("300.00"), month=NOVEMBER, reason="十月少发",
                              created_by=staff.county)
    Adjustment.objects.create(household=household, amount=Decimal("50.00"), month=date(2026, 12, 1),
                              reason="下月补发", created_by=staff.county)
    payroll = payroll_generate(actor=staff.county, region=region_tree.county, month=NOVEMBER)
    lines = list(payroll.lines.order_by("kind").values_list("kind", "payee_name", "payee_id_number", "person",
                                                            "bank_account", "amount", "basis"))
    assert lines == [
        ("adjustment", "户主甲", household.head.id_number, None, "6222020200000001", Decimal("300.00"), "十月少发"),
        ("tier", "户主甲", household.head.id_number, None, "6222020200000001", Decimal("1648.00"), ""),
    ]


def test_a_staged_temporary_payment_due_in_the_month_is_paid_to_the_applicant_once(
        staff, region_tree, make_household):
    from jiuzhu.cases.models import Application, TemporaryPayment

    household = make_household(region_tree.village_b1, bank_name="工商银行", bank_account="6222020200000002",
                               members=[{"name": "户主丙"}, {"name": "申请人丁", "relation": "spouse"}])
    application = Application.objects.create(
        number="T-2026-0042", kind="temporary", household=household,
        applicant=household.members.get(name="申请人丁"), region=region_tree.township_b,
        window_region=region_tree.township_b, submitted_on=date(2026, 9, 9), created_by=staff.assistant_b)
    due = TemporaryPayment.objects.create(application=application, kind="stage", stage=2, amount=Decimal("800.00"),
                                          due_on=date(2026, 11, 10))
    TemporaryPayment.objects.create(application=application, kind="stage", stage=3, amount=Decimal("800.00"),
                                    due_on=date(2026, 12, 10))              # next month's
    payroll = payroll_generate(actor=staff.county, region=region_tree.county, month=NOVEMBER)
    line = payroll.lines.get()
    assert (line.source_key, line.kind, line.payee_name, line.person.name, line.amount, line.basis) == (
        f"tp:{due.pk}", LineKind.TEMPORARY, "申请人丁", "申请人丁", Decimal("800.00"), "T-2026-0042")


def test_a_group_subsidy_pays_every_person_of_the_group_once(staff, region_tree, make_household):
    # Two 特困 persons, one of them also an orphan; a dibao household (its head is paid); an orphan outside
    # any tier; an orphan who has died; a marginal household (not in the group).
    ep = make_household(region_tree.village_a1, members=[{"name": "特困甲"}, {"name": "特困孤儿乙",
                                                                             "child_status": "orphan",
                                                                             "birth_date": date(2015, 1, 1)}])
    for member in ep.members.all():
        ep.tier_memberships.create(person=member, tier="extreme_poverty", start_date=date(2025, 1, 1),
                                   monthly_amount=Decimal("1282.00"))
    make_household(region_tree.village_a1, members=[{"name": "低保户主"}, {"name": "低保家属"}],
                   tiers=[{"tier": "dibao", "amount": Decimal("1648.00"), "start": date(2025, 1, 1)}])
    make_household(region_tree.village_a2, members=[{"name": "孤儿丙", "child_status": "orphan",
                                                     "birth_date": date(2016, 1, 1)},
                                                    {"name": "已故孤儿", "child_status": "orphan",
                                                     "birth_date": date(2016, 1, 1), "death_date": date(2026, 6, 1)}])
    make_household(region_tree.village_b1, members=[{"name": "边缘户"}],
                   tiers=[{"tier": "dibao_marginal", "start": date(2025, 1, 1)}])
    subsidy = GroupSubsidy.objects.create(region=region_tree.county, name="春节慰问金",
                                          tiers=["extreme_poverty", "dibao"], child_statuses=["orphan"],
                                          amount=Decimal("500.00"), month=NOVEMBER,
                                          deadline=date(2026, 11, 30), document="枣民发〔2026〕9号",
                                          created_by=staff.county)
    payroll = payroll_generate(actor=staff.county, region=region_tree.county, month=NOVEMBER)
    assert paid(payroll, LineKind.SUBSIDY) == {name: ("", Decimal("500.00"))
                                               for name in ("特困甲", "特困孤儿乙", "低保户主", "孤儿丙")}
    orphan = PayrollLine.objects.get(payroll=payroll, kind=LineKind.SUBSIDY, payee_name="特困孤儿乙")
    assert (orphan.source_key, orphan.basis) == (f"gs:{subsidy.pk}:{orphan.person_id}", "春节慰问金")
    # Generated again (e.g. after a crash), nobody is paid twice.
    payroll_generate(actor=staff.county, region=region_tree.county, month=NOVEMBER, chunk=1)
    assert PayrollLine.objects.filter(kind=LineKind.SUBSIDY).count() == 4
