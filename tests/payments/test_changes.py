"""Dynamic management: a death warning approved in March stops the member's payment from April and recomputes
the household's amount (issue 6's acceptance)."""
from datetime import date
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jiuzhu.monitoring.feedtypes import RECORDS
from jiuzhu.monitoring.models import BatchStatus, FeedBatch, Outcome, Warning
from jiuzhu.monitoring.services import feed_batch_monitor, task_complete
from jiuzhu.payments.models import PayrollLine
from jiuzhu.payments.services import payroll_generate

pytestmark = pytest.mark.django_db


@pytest.fixture
def couple(region_tree, make_household, standards):
    """Two elderly people without income in a rural village of Zaozhuang Shizhong (dibao 824 a month): dibao for
    two, 1,648.00 a month."""
    household = make_household(region_tree.village_a1, bank_name="农业银行", bank_account="6228480011112222333",
                               members=[{"name": "冯大爷", "birth_date": date(1950, 2, 1)},
                                        {"name": "冯大娘", "birth_date": date(1952, 5, 1), "relation": "spouse"}])
    household.tier_memberships.create(tier="dibao", start_date=date(2026, 1, 1), monthly_amount=Decimal("1648.00"))
    return household


def test_a_death_approved_in_march_stops_and_recomputes_from_april(tmp_path, staff, region_tree, couple):
    wife = couple.members.get(name="冯大娘")
    path = tmp_path / "deaths.parquet"
    pq.write_table(pa.Table.from_pylist([{
        "record_id": 1_000_000_002, "batch_id": 1, "row_number": 2, "feed_type": "death",
        "id_number_raw": wife.id_number, "id_number": wife.id_number, "name": wife.name, "birth_date": None,
        "sex": None, "region_code": None, "event_date": date(2027, 3, 8), "amount_fen": None, "grade": None,
        "category": None}], schema=RECORDS), path)
    batch = FeedBatch.objects.create(department="public_security", feed_type="death", file_name="deaths.csv",
                                     sha256="d" * 64, status=BatchStatus.ACCEPTED, records_path=str(path))
    feed_batch_monitor(batch=batch, today=date(2027, 3, 15))
    warning = Warning.objects.get(indicator="death")

    # The county bureau approves the change on 20 March.
    task_complete(actor=staff.county, task_id=warning.task.pk, version=1, outcome=Outcome.CHANGE,
                  today=date(2027, 3, 20))
    wife.refresh_from_db()
    assert wife.death_date == date(2027, 3, 8)
    old, new = couple.tier_memberships.order_by("start_date")
    assert (old.end_date, old.monthly_amount) == (date(2027, 3, 31), Decimal("1648.00"))
    # The rules recompute the household: the widower, 77, alone, without income or a legal supporter, is a
    # person in extreme poverty — basic living 1,072 plus the care standard of a self-caring person 210.
    assert (new.start_date, new.person.name, new.tier, new.monthly_amount) == (
        date(2027, 4, 1), "冯大爷", "extreme_poverty", Decimal("1282.00"))

    # March is paid as before; from April the household is paid for one person.
    march = payroll_generate(actor=staff.county, region=region_tree.county, month=date(2027, 3, 1))
    april = payroll_generate(actor=staff.county, region=region_tree.county, month=date(2027, 4, 1))
    assert [line.amount for line in PayrollLine.objects.filter(payroll=march)] == [Decimal("1648.00")]
    assert [line.amount for line in PayrollLine.objects.filter(payroll=april)] == [Decimal("1282.00")]


def test_only_a_death_warning_changes_the_payment(tmp_path, staff, couple):
    head = couple.head
    path = tmp_path / "u.parquet"
    pq.write_table(pa.Table.from_pylist([{
        "record_id": 1_000_000_002, "batch_id": 1, "row_number": 2, "feed_type": "disaster",
        "id_number_raw": head.id_number, "id_number": head.id_number, "name": head.name, "birth_date": None,
        "sex": None, "region_code": None, "event_date": date(2027, 3, 8), "amount_fen": 500_000, "grade": None,
        "category": "flood"}], schema=RECORDS), path)
    batch = FeedBatch.objects.create(department="emergency", feed_type="disaster", file_name="d.csv",
                                     sha256="e" * 64, status=BatchStatus.ACCEPTED, records_path=str(path))
    feed_batch_monitor(batch=batch, today=date(2027, 3, 15))
    warning = Warning.objects.get(indicator="disaster")
    from jiuzhu.monitoring.errors import MonitoringError

    with pytest.raises(MonitoringError) as err:
        task_complete(actor=staff.county, task_id=warning.task.pk, version=1, outcome=Outcome.CHANGE)
    assert err.value.field == "outcome"
