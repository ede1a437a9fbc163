"""Demo department feeds for `make demo`: a medical-insurance file and a death list for households of the demo
grid worker's village, handed in through the real intake and monitored, so the warning queue, the grid worker's
visits and the loop have something to show. Safe to re-run: the same files are the same batches."""
from datetime import date, timedelta

from django.utils import timezone

from jiuzhu.accounts.models import User
from jiuzhu.monitoring.intake import feed_batch_receive
from jiuzhu.monitoring.models import BatchStatus
from jiuzhu.monitoring.services import feed_batch_monitor
from jiuzhu.registry.models import Person


def demo_feeds_ensure(*, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    sender = User.objects.get(username="demo_department_staff")
    grid = User.objects.get(username="demo_grid_worker")
    people = list(Person.objects.filter(household__region=grid.home_region, household__status="active",
                                        death_date__isnull=True).order_by("id")[:12])
    if len(people) < 6:
        return {"batches": 0, "warnings": 0}
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=10)
    medical = ["id_number,name,discharge_date,out_of_pocket,hospital,stay_type"]
    for i, person in enumerate(people[:5]):
        cost = "12850.00" if i < 3 else "420.00"          # three large self-paid costs, two routine ones
        medical.append(f"{person.id_number},{person.name},{last_month.isoformat()},{cost},区人民医院,inpatient")
    medical.append(f"{people[5].id_number},{people[5].name},2026-13-01,300.00,区人民医院,inpatient")  # a bad date
    deaths = ["id_number,name,death_date", f"{people[6].id_number},{people[6].name},{last_month.isoformat()}"]
    result = {"batches": 0, "warnings": 0}
    for feed_type, lines, name in (("medical_settlement", medical, "医保住院结算（演示）.csv"),
                                   ("death", deaths, "死亡人员名单（演示）.csv")):
        received = feed_batch_receive(actor=sender, file_name=name, data="\n".join(lines).encode("gb18030"),
                                      feed_type=feed_type, department="medical_insurance" if feed_type ==
                                      "medical_settlement" else "public_security", region=sender.home_region)
        result["batches"] += 1
        if received.created and received.batch.status == BatchStatus.ACCEPTED:
            result["warnings"] += feed_batch_monitor(batch=received.batch, actor=sender).created
    return result
