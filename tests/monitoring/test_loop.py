"""The monitoring loop on the registry: a department's records raise warnings in the township's queue, a grid
worker verifies one and the loop closes into an application (RULES.md §8)."""
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jiuzhu.cases.models import Application
from jiuzhu.monitoring.errors import MonitoringError
from jiuzhu.monitoring.feedtypes import RECORDS
from jiuzhu.monitoring.models import BatchStatus, FeedBatch, Outcome, TaskStatus, Warning
from jiuzhu.monitoring.selectors import loop_figures, task_list, warning_list
from jiuzhu.monitoring.services import feed_batch_monitor, task_complete

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(region_tree, make_household, standards):
    sick = make_household(region_tree.village_a1, members=[
        {"name": "周大海", "birth_date": date(1970, 3, 9), "incomes": {"wage": "900.00"}, "employment": "employed"},
        {"name": "吴小兰", "birth_date": date(1972, 6, 1), "relation": "spouse"}])
    recipient = make_household(region_tree.village_a1, members=[{"name": "郑老汉", "birth_date": date(1950, 1, 1)}],
                               tiers=[{"tier": "dibao", "amount": "700.00"}])
    return {"sick": sick, "recipient": recipient}


def _batch(tmp_path, rows: list[dict], *, feed_type="medical_settlement", sha="a" * 64) -> FeedBatch:
    path = tmp_path / f"{sha[:6]}.parquet"
    full = [{"batch_id": 1, "id_number_raw": r.get("id_number"), "birth_date": None, "sex": None,
             "region_code": None, "amount_fen": None, "grade": None, "category": None} | r for r in rows]
    pq.write_table(pa.Table.from_pylist(full, schema=RECORDS), path)
    return FeedBatch.objects.create(department="medical_insurance", feed_type=feed_type, file_name="x.csv",
                                    sha256=sha, status=BatchStatus.ACCEPTED, records_path=str(path),
                                    rows_total=len(rows), rows_accepted=len(rows))


def _record(i, person, feed_type, event_date, **extra):
    return {"record_id": 1_000_000_000 + i, "row_number": i, "feed_type": feed_type, "id_number": person.id_number,
            "name": person.name, "event_date": event_date} | extra


def test_records_raise_warnings_once_and_a_grid_worker_closes_the_loop(tmp_path, staff, people):
    sick, recipient = people["sick"].head, people["recipient"].head
    batch = _batch(tmp_path, [
        _record(2, sick, "medical_settlement", date(2026, 10, 12), amount_fen=850_000, category="inpatient"),
        _record(3, sick, "medical_settlement", date(2026, 10, 20), amount_fen=90_000),   # below 6,000 yuan
        _record(4, recipient, "death", date(2026, 10, 30)),
    ])
    loaded = feed_batch_monitor(batch=batch, today=date(2026, 11, 2))
    assert (loaded.created, loaded.updated) == (3, 0)
    warnings = {w.indicator: w for w in Warning.objects.all()}
    # 9,400 yuan of medical costs in a year against 10,800 yuan of income: rigid-expenditure hardship too.
    assert set(warnings) == {"large_medical_cost", "death", "rigid_expense_threshold"}
    death = warnings["death"]
    assert (death.level, death.person, death.period, death.region.code) == ("red", recipient, "2026-10",
                                                                           "370402001000")
    # 5 working days from Monday 2 November 2026.
    assert death.task.due_on == date(2026, 11, 9) and death.task.region.code == "370402001001"

    # The same batch monitored again (or the same file handed in again) changes nothing.
    again = feed_batch_monitor(batch=batch, today=date(2026, 11, 2))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)

    # The grid worker of the village sees both tasks; another township's assistant sees none.
    assert task_list(user=staff.grid).count() == 3
    assert warning_list(user=staff.assistant_b).count() == 0

    medical = warnings["large_medical_cost"]
    with pytest.raises(MonitoringError) as err:
        task_complete(actor=staff.grid, task_id=medical.task.pk, version=1, outcome=Outcome.NOT_NEEDED, note="")
    assert err.value.field == "note"
    closed = task_complete(actor=staff.grid, task_id=medical.task.pk, version=1, outcome=Outcome.APPLICATION,
                           note="住院费用高，家庭困难", today=date(2026, 11, 3))
    application = Application.objects.get()
    assert closed.application == application and application.channel == "proactive"
    assert application.kind == "temporary" and application.temporary_type == "medical"
    assert str(medical.pk) in application.source_reference and application.household == people["sick"]
    assert medical.__class__.objects.get(pk=medical.pk).task.status == TaskStatus.DONE
    # A second outcome for the same task is refused: someone already completed it.
    with pytest.raises(MonitoringError) as err:
        task_complete(actor=staff.assistant, task_id=medical.task.pk, version=1, outcome=Outcome.NOT_NEEDED,
                      note="重复")
    assert err.value.code == "stale"
    [row] = loop_figures(user=staff.county, today=date(2026, 11, 3))
    assert (row.open, row.closed) == (2, 1)


def test_new_evidence_updates_the_warning_instead_of_raising_another(tmp_path, staff, people):
    sick = people["sick"].head
    first = _batch(tmp_path, [_record(2, sick, "medical_settlement", date(2026, 10, 12), amount_fen=700_000)])
    feed_batch_monitor(batch=first, today=date(2026, 11, 2))
    count = Warning.objects.count()
    second = _batch(tmp_path, [_record(7, sick, "medical_settlement", date(2026, 10, 25), amount_fen=1_200_000)],
                    sha="b" * 64)
    loaded = feed_batch_monitor(batch=second, today=date(2026, 11, 2))
    assert loaded.created == 0 and Warning.objects.count() == count
    warning = Warning.objects.get(indicator="large_medical_cost")
    assert [e["batch"] for e in warning.evidence] == [first.pk, second.pk]
    assert warning.evidence[-1]["amount_fen"] == 1_200_000


def test_someone_outside_the_registry_is_found_and_routed_by_the_records_region(tmp_path, staff, people):
    outsider = {"record_id": 1_000_000_009, "row_number": 9, "feed_type": "medical_settlement",
                "id_number": "370402198801011230", "name": "何新", "event_date": date(2026, 10, 3),
                "amount_fen": 1_600_000, "region_code": "370402001002"}
    feed_batch_monitor(batch=_batch(tmp_path, [outsider]), today=date(2026, 11, 2))
    warning = Warning.objects.get()
    assert (warning.indicator, warning.person, warning.region.code) == ("proactive_medical", None, "370402001000")
    with pytest.raises(MonitoringError) as err:
        task_complete(actor=staff.assistant, task_id=warning.task.pk, version=1, outcome=Outcome.APPLICATION)
    assert err.value.code == "outside_registry"
