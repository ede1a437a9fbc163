"""The feed page: a department hands in its own file layout through a source's column mapping."""
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiuzhu.monitoring.models import FeedBatch, FeedSource, Warning
from tests.monitoring.test_loop import people  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_a_department_file_with_its_own_headers_is_mapped_by_its_source(client, staff, region_tree, make_user,
                                                                        people, monkeypatch):  # noqa: F811
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2026, 11, 2) if not a else a[0].date())
    source = FeedSource.objects.create(name="医保局 住院结算", department="medical_insurance",
                                       feed_type="medical_settlement", column_mapping={
                                           "身份证号码": "id_number", "姓名": "name", "出院日期": "discharge_date",
                                           "个人自付金额": "out_of_pocket"})
    head = people["sick"].head
    text = f"身份证号码,姓名,出院日期,个人自付金额\n{head.id_number},{head.name},2026-10-12,9500.00\n"
    user = make_user("department_staff", region_tree.county, username="yibao")
    client.force_login(user)
    response = client.post("/monitoring/feeds/", {
        "feed_type": "medical_settlement", "source": source.pk,
        "file": SimpleUploadedFile("住院结算.csv", text.encode("gb18030"))})
    batch = FeedBatch.objects.get()
    assert response.status_code == 302 and (batch.rows_accepted, batch.rows_rejected) == (1, 0)
    assert batch.source == source and batch.encoding == "gb18030"
    # The accepted file was monitored at once: the large cost is a warning in the township's queue.
    assert Warning.objects.filter(indicator="large_medical_cost", person=head).exists()
    # A file's rows are "stored" (已入库), not "accepted for handling" as an application is (已受理).
    page = client.get(response["Location"]).content.decode()
    assert "<dt>已入库</dt>" in page and "已受理" not in page
