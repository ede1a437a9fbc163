"""`jiuzhu payroll generate` prepares the month's payroll; bad arguments are clear errors."""
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jiuzhu.payments.models import Payroll

pytestmark = pytest.mark.django_db


def test_generate_from_the_command_line(staff, region_tree, recipients):
    out = StringIO()
    call_command("payroll", "generate", "--county", region_tree.county.code, "--month", "2026-11", "--user",
                 staff.county.username, stdout=out, stderr=StringIO())
    payroll = Payroll.objects.get()
    assert payroll.total == Decimal("3319.60") and "3319.60" in out.getvalue()
    with pytest.raises(CommandError, match="--month"):
        call_command("payroll", "generate", "--county", region_tree.county.code, "--month", "11/2026", "--user",
                     staff.county.username)
    with pytest.raises(CommandError):
        call_command("payroll", "generate", "--county", region_tree.county.code, "--month", "2026-11", "--user",
                     staff.assistant.username)
