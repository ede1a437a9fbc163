"""The payroll pages: one officer prepares, another approves; other roles see nothing."""
import pytest

from jiuzhu.payments.models import Payroll, PayrollStatus

pytestmark = pytest.mark.django_db


def test_prepare_then_approve_on_the_pages(client, staff, recipients):
    client.force_login(staff.county)
    assert client.get("/payments/").status_code == 200
    response = client.post("/payments/", {"month": "2026-11"})
    payroll = Payroll.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/payments/{payroll.pk}/"
    page = client.get(f"/payments/{payroll.pk}/").content.decode()
    assert 'data-testid="approve"' in page and "¥3,319.60" in page
    assert "6217990012345678" not in page          # account numbers masked on the page
    # The number of payment lines is a count (笔数); the list of lines is headed 救助金发放.
    assert '<span class="stat__label">笔数</span>' in page and '<h2 id="lines-heading">救助金发放</h2>' in page
    # The preparer cannot approve; a second officer can.
    client.post(f"/payments/{payroll.pk}/approve/", {"version": payroll.version})
    assert Payroll.objects.get().status == PayrollStatus.PREPARED
    client.force_login(staff.county_2)
    client.post(f"/payments/{payroll.pk}/approve/", {"version": payroll.version})
    assert Payroll.objects.get().status == PayrollStatus.APPROVED


def test_roles_without_payrolls_are_refused(client, staff):
    client.force_login(staff.assistant)
    assert client.get("/payments/").status_code == 403
    client.force_login(staff.supervisor)
    assert client.get("/payments/").status_code == 200
    assert client.post("/payments/", {"month": "2026-11"}).status_code == 403
