"""Fund statistics (issue 6): what was paid by month, tier, township and fund source, each line split between
the levels of government by its payroll's frozen funding shares, exactly to the fen."""
import csv
import io
import random
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from jiuzhu.payments import bank
from jiuzhu.payments.errors import PaymentError
from jiuzhu.payments.funds import fund_statistics, fund_statistics_xlsx, split_by_shares
from jiuzhu.payments.models import Payroll, PayrollLine
from jiuzhu.payments.reconcile import bank_files_export, bank_return_receive
from jiuzhu.payments.services import payroll_approve, payroll_generate

MONTH = date(2026, 11, 1)
TOWNSHIP_A = "370402001000"


def test_a_line_is_split_by_the_shares_to_the_fen_by_largest_remainder():
    assert split_by_shares(Decimal("1000.00"), {"county": "0.7", "township": "0.3"}) == {
        "county": Decimal("700.00"), "township": Decimal("300.00")}
    # 0.01 × 0.7 = 0.007 and 0.01 × 0.3 = 0.003: the one fen goes to the larger remainder.
    assert split_by_shares(Decimal("0.01"), {"county": "0.7", "township": "0.3"}) == {
        "county": Decimal("0.01"), "township": Decimal("0.00")}
    # Three equal shares of 100.01: 33.33⅔ each; the two fen left go to the first levels in order.
    assert split_by_shares(Decimal("100.01"), {"central": "1", "provincial": "1", "county": "1"}) == {
        "central": Decimal("33.34"), "provincial": Decimal("33.34"), "county": Decimal("33.33")}
    assert split_by_shares(Decimal("12.34"), {}) == {"unallocated": Decimal("12.34")}


def test_the_parts_always_sum_to_the_line_amount():
    rng = random.Random(6)
    share_sets = [{"county": "0.7", "township": "0.3"}, {"central": "0.5", "provincial": "0.3", "county": "0.2"},
                  {"central": "0.333", "provincial": "0.333", "prefecture": "0.111", "county": "0.111",
                   "township": "0.112"}, {"provincial": "1", "county": "1", "township": "1"},
                  {"central": "0", "county": "0.45", "township": "0.55"}]
    for _ in range(2000):
        amount = Decimal(rng.randint(1, 10_000_000)).scaleb(-2)
        shares = rng.choice(share_sets)
        parts = split_by_shares(amount, shares)
        assert sum(parts.values()) == amount, (amount, shares, parts)
        assert all(p >= 0 and p == p.quantize(Decimal("0.01")) for p in parts.values())
        assert set(parts) <= {level for level, share in shares.items() if Decimal(share) > 0}


def return_csv(*rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([bank.RETURN_COLUMNS, *rows])
    return out.getvalue().encode("utf-8")


@pytest.fixture
def paid(settings, tmp_path, staff, region_tree, recipients):
    """November's payroll, with thirds for province, county and township; the bank paid dibao and individual
    dibao, the 特困 payment failed."""
    settings.JIUZHU = {**settings.JIUZHU, "VAR_DIR": tmp_path}
    payroll = payroll_generate(actor=staff.county, region=region_tree.county, month=MONTH)
    Payroll.objects.filter(pk=payroll.pk).update(funding_shares={"provincial": "1", "county": "1", "township": "1"})
    payroll_approve(actor=staff.county_2, payroll_id=payroll.pk, version=payroll.version)
    bank_files_export(actor=staff.county, payroll_id=payroll.pk)
    lines = {line.tier: line for line in PayrollLine.objects.all()}
    bank_return_receive(actor=staff.county, payroll_id=payroll.pk, file_name="r.csv", data=return_csv(*[
        (line.pk, line.bank_account, f"{line.amount:.2f}", "failed" if tier == "extreme_poverty" else "paid", "", "")
        for tier, line in lines.items()]))
    return payroll


@pytest.mark.django_db
def test_fund_statistics_by_month_tier_township_and_source(staff, paid):
    rows = fund_statistics(user=staff.county, months=[MONTH])
    assert [(r["tier"], r["source"], r["amount"]) for r in rows] == [
        ("dibao", "provincial", Decimal("400.00")), ("dibao", "county", Decimal("400.00")),
        ("dibao", "township", Decimal("400.00")),
        ("dibao_individual", "provincial", Decimal("188.20")), ("dibao_individual", "county", Decimal("188.20")),
        ("dibao_individual", "township", Decimal("188.20")),
    ]                                                                # the failed 特困 payment is not counted
    assert {(r["month"], r["region"]) for r in rows} == {(MONTH, TOWNSHIP_A)}
    # Everything generated, with 1555.00 split in thirds: 518.34 + 518.33 + 518.33.
    generated = fund_statistics(user=staff.county, months=[MONTH], group_by=("tier", "source"),
                                include_unpaid=True)
    assert [r["amount"] for r in generated if r["tier"] == "extreme_poverty"] == [
        Decimal("518.34"), Decimal("518.33"), Decimal("518.33")]
    assert sum(r["amount"] for r in generated) == paid.total == Decimal("3319.60")
    by_source = fund_statistics(user=staff.county, months=[MONTH], group_by=("source",))
    assert [(r["source"], r["lines"], r["amount"]) for r in by_source] == [
        ("provincial", 2, Decimal("588.20")), ("county", 2, Decimal("588.20")), ("township", 2, Decimal("588.20"))]
    assert fund_statistics(user=staff.county, months=[date(2026, 10, 1)]) == []


@pytest.mark.django_db
def test_fund_statistics_are_limited_to_the_users_region(staff, region_tree, paid):
    assert fund_statistics(user=staff.assistant_b, months=[MONTH]) == []            # township B paid nothing
    assert sum(r["amount"] for r in fund_statistics(user=staff.assistant, months=[MONTH])) == Decimal("1764.60")
    with pytest.raises(PaymentError) as err:
        fund_statistics(user=staff.assistant_b, months=[MONTH], region=region_tree.township_a)
    assert err.value.code == "out_of_region"
    with pytest.raises(PaymentError) as err:
        fund_statistics(user=staff.grid, months=[MONTH])
    assert err.value.code == "role_not_allowed"


@pytest.mark.django_db
def test_fund_statistics_as_xlsx(staff, region_tree, paid):
    with translation.override("en"):
        data = fund_statistics_xlsx(user=staff.county, months=[MONTH], region=region_tree.township_a,
                                    group_by=("month", "region", "source"))
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0] == ("Month", "Township", "Fund source", "Lines", "Amount (yuan)")
    assert rows[1][:4] == ("2026-11", "中心街道 (370402001000)", "Province", 2)
    assert Decimal(str(rows[1][4])) == Decimal("588.20")
    assert rows[-1][0] == "Total" and Decimal(str(rows[-1][-1])) == Decimal("1764.60")
