"""The monthly payroll (issue 6): every active entitlement paid once, frozen, made by one user and approved by
another; generating twice or after a crash leaves exactly one payroll."""
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections

from jiuzhu.payments.errors import PaymentError
from jiuzhu.payments.models import LineKind, Payroll, PayrollLine, PayrollStatus
from jiuzhu.payments.services import adjustment_create, payroll_approve, payroll_generate

MONTH = date(2026, 11, 1)


@pytest.mark.django_db
def test_the_payroll_pays_every_active_entitlement_once_and_freezes_it(staff, region_tree, recipients):
    payroll = payroll_generate(actor=staff.county, region=region_tree.county, month=MONTH)
    assert payroll.status == PayrollStatus.PREPARED and payroll.prepared_by == staff.county
    lines = {(l.household_id, l.tier): l for l in payroll.lines.all()}
    assert set(lines) == {(recipients["dibao"].pk, "dibao"), (recipients["ep"].pk, "extreme_poverty"),
                          (recipients["marginal"].pk, "dibao_individual")}   # the marginal tier itself pays nothing
    assert payroll.total == Decimal("1200.00") + Decimal("1555.00") + Decimal("564.60") == Decimal("3319.60")
    ep_line = lines[(recipients["ep"].pk, "extreme_poverty")]
    assert (ep_line.payee_name, ep_line.bank_name, ep_line.bank_account) == ("黄老三", "邮储银行", "6217990012345678")
    # A later edit of the household does not change the payroll already generated.
    recipients["ep"].bank_account = "6217990000000000"
    recipients["ep"].save()
    recipients["dibao"].tier_memberships.update(monthly_amount=Decimal("1500.00"))
    again = payroll_generate(actor=staff.county, region=region_tree.county, month=MONTH)
    assert again.pk == payroll.pk and again.total == Decimal("3319.60")
    assert PayrollLine.objects.get(pk=ep_line.pk).bank_account == "6217990012345678"
    assert Payroll.objects.count() == 1 and PayrollLine.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_generation_that_crashed_part_way_is_finished_without_paying_anyone_twice(staff, region_tree, recipients):
    class Crash(Exception):
        pass

    def crash_after_first_chunk(payroll):
        raise Crash

    with pytest.raises(Crash):
        payroll_generate(actor=staff.county, region=region_tree.county, month=MONTH, chunk=1,
                         after_chunk=crash_after_first_chunk)
    half = Payroll.objects.get()
    assert half.status == PayrollStatus.GENERATING and 0 < half.lines.count() < 3
    done = payroll_generate(actor=staff.county, region=region_tree.county, month=MONTH, chunk=1)
    assert done.pk == half.pk and done.status == PayrollStatus.PREPARED
    keys = list(PayrollLine.objects.values_list("source_key", flat=True))
    assert len(keys) == len(set(keys)) == 3 and done.total == Decimal("3319.60")


@pytest.mark.django_db
def test_maker_checker(staff, region_tree, recipients):
    payroll = payroll_generate(actor=staff.county, region=region_tree.county, month=MONTH)
    with pytest.raises(PaymentError) as err:
        payroll_approve(actor=staff.county, payroll_id=payroll.pk, version=payroll.version)
    assert err.value.code == "maker_checker"
    with pytest.raises(PaymentError) as err:
        payroll_approve(actor=staff.assistant, payroll_id=payroll.pk, version=payroll.version)
    assert err.value.code == "role_not_allowed"
    approved = payroll_approve(actor=staff.county_2, payroll_id=payroll.pk, version=payroll.version)
    assert approved.status == PayrollStatus.APPROVED and approved.approved_by == staff.county_2
    with pytest.raises(PaymentError) as err:
        payroll_approve(actor=staff.county_2, payroll_id=payroll.pk, version=payroll.version)
    assert err.value.code == "stale"


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_give_one_approval(staff, region_tree, recipients, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database cannot hold two writing connections; on SQLite "
                    "transactions are serialised (the stale test above covers the second approver)")
    third = make_user("county_bureau", region_tree.county, username="county_3")
    payroll = payroll_generate(actor=staff.county, region=region_tree.county, month=MONTH)
    barrier, outcomes = threading.Barrier(2), {}

    def approve(user):
        try:
            barrier.wait(timeout=10)
            payroll_approve(actor=user, payroll_id=payroll.pk, version=payroll.version)
            outcomes[user.username] = "approved"
        except PaymentError as exc:
            outcomes[user.username] = exc.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (staff.county_2, third)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes.values()) == ["approved", "stale"]
    assert Payroll.objects.get().status == PayrollStatus.APPROVED


@pytest.mark.django_db
def test_corrections_are_adjustments_in_a_later_month(staff, region_tree, recipients):
    payroll_generate(actor=staff.county, region=region_tree.county, month=MONTH)
    with pytest.raises(PaymentError) as err:
        adjustment_create(actor=staff.county, household=recipients["dibao"], amount=Decimal("300.00"), month=MONTH,
                          reason="十月少发")
    assert err.value.field == "month"
    adjustment_create(actor=staff.county, household=recipients["dibao"], amount=Decimal("300.00"),
                      month=date(2026, 12, 1), reason="十月少发")
    december = payroll_generate(actor=staff.county, region=region_tree.county, month=date(2026, 12, 1))
    assert december.lines.filter(kind=LineKind.ADJUSTMENT, amount=Decimal("300.00")).count() == 1


@pytest.mark.django_db(transaction=True)
def test_generation_on_two_connections_pays_the_same_lines(staff, region_tree, recipients):
    if connection.vendor != "postgresql":
        pytest.skip("parallel generation uses several database connections (PostgreSQL)")
    parallel = payroll_generate(actor=staff.county, region=region_tree.county, month=MONTH, chunk=1, workers=2)
    assert parallel.status == PayrollStatus.PREPARED and parallel.total == Decimal("3319.60")
    assert parallel.generated_upto == max(h.pk for h in recipients.values() if h.status == "active")
    keys = sorted(PayrollLine.objects.values_list("source_key", flat=True))
    PayrollLine.objects.all().delete()
    Payroll.objects.all().delete()
    serial = payroll_generate(actor=staff.county, region=region_tree.county, month=MONTH, chunk=1)
    assert sorted(serial.lines.values_list("source_key", flat=True)) == keys
