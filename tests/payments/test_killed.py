"""A payroll generation killed part-way (SIGKILL, no clean-up) and run again leaves exactly one payroll with every
entitlement paid once (issue 6's acceptance). The generation runs as `jiuzhu payroll generate` in a process of
its own, against this test's PostgreSQL database, and is killed once its first chunks have committed."""
import os
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from jiuzhu.payments.models import Payroll, PayrollLine, PayrollStatus

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_a_killed_generation_is_finished_by_the_next_run(staff, region_tree, make_household):
    if connection.vendor != "postgresql":
        pytest.skip("the killed process needs the test database from outside this process (PostgreSQL)")
    for i in range(300):
        make_household(region_tree.village_a1, members=[{"name": f"户主{i}"}],
                       tiers=[{"tier": "dibao", "amount": Decimal("500.00")}])
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "jiuzhu.settings.base"}
    command = [sys.executable, "-m", "jiuzhu", "payroll", "generate", "--county", region_tree.county.code,
               "--month", "2026-11", "--user", staff.county.username, "--chunk", "1"]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            payroll = Payroll.objects.filter(region=region_tree.county).first()
            if payroll is not None and payroll.generated_upto > 0:
                break
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    killed = Payroll.objects.get(region=region_tree.county)
    assert killed.status == PayrollStatus.GENERATING, "killed before it could finish"
    assert 0 < PayrollLine.objects.count() < 300

    rerun = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    payroll = Payroll.objects.get(region=region_tree.county)
    assert payroll.pk == killed.pk and payroll.status == PayrollStatus.PREPARED
    keys = list(PayrollLine.objects.values_list("source_key", flat=True))
    assert len(keys) == len(set(keys)) == 300 and payroll.total == Decimal("150000.00")
    assert date(2026, 11, 1) == payroll.month
