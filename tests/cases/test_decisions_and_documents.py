"""The decision freezes what it was taken on; the public notice and the letter publish only what may be
published (RULES.md §7, §9)."""
from datetime import date
from decimal import Decimal

import pytest

from jiuzhu.cases.documents import letter_document, notice_document
from jiuzhu.cases.notices import NOTICE_FIELDS
from jiuzhu.policy.services import parameter_set
from tests.cases.conftest import survey_data

pytestmark = pytest.mark.django_db


def _approved(walk, staff):
    walk.step("accept", today=date(2026, 9, 1))
    walk.step("verify", today=date(2026, 9, 2))
    walk.step("survey", staff.grid, today=date(2026, 9, 3), **survey_data())
    walk.step("township_opinion", today=date(2026, 9, 4), opinion="approve", text="符合低保条件")
    walk.step("publish_notice", today=date(2026, 9, 7), place="东风社区公示栏")
    walk.step("close_notice", today=date(2026, 9, 14))
    return walk.step("approve", staff.county, today=date(2026, 9, 15))


def _text(document: dict) -> str:
    parts = [document["title"], document.get("greeting") or "", *document["paragraphs"], *document["closing"]]
    for row in document.get("table") or []:
        parts += row
    return "\n".join(parts)


def test_the_decision_keeps_its_amount_when_the_standard_changes_later(staff, walk, poor_household):
    application = _approved(walk, staff)
    decision = application.decision
    decision.refresh_from_db()
    frozen_total, frozen_result = decision.monthly_total, decision.result
    # Rural dibao 824 yuan; 500 yuan for 3 persons is 166.67 each: (824 − 166.67) × 3 = 1971.99.
    assert frozen_result["summary"]["dibao_standard"] == "824.00"
    assert frozen_total == Decimal("1971.99")
    parameter_set(actor=staff.county, region_code="370402000000", name="dibao_standard_rural",
                  effective_from=date(2026, 10, 1), value="900.00", source_document="区政府文件（测试）")
    decision.refresh_from_db()
    assert decision.monthly_total == frozen_total and decision.result == frozen_result
    assert money_in(letter_document(decision), frozen_total)
    # Re-screening today would give more: the decision does not.
    from jiuzhu.cases.services import _run_rules
    _facts, now, _household = _run_rules(application, as_of=date(2026, 10, 1))
    assert Decimal(now["monthly_total"]) > frozen_total


def money_in(document: dict, amount: Decimal) -> bool:
    return f"{amount:,.2f}" in _text(document)


def test_the_notice_shows_name_persons_amount_and_area_only(staff, walk, poor_household):
    application = _approved(walk, staff)
    notice = application.notices.get()
    assert set(notice.content) == set(NOTICE_FIELDS)   # (PostgreSQL keeps JSON keys in its own order)
    assert notice.content["holder"] == "张**"             # the name partly masked (our stricter default)
    assert notice.content["covered_persons"] == 3
    text = _text(notice_document(notice))
    head = poor_household.head
    for secret in (head.id_number, head.id_number[:6] + "********", head.id_number[-4:], poor_household.address,
                   "东风社区12号", head.phone, "500.00", "166.67", "张建国"):
        assert secret not in text, secret
    assert "市中区" in text and "中心街道" in text and "1,971.99" in text


def test_the_notice_page_and_pdf_show_no_private_data(client, staff, walk, poor_household):
    application = _approved(walk, staff)
    notice = application.notices.get()
    client.force_login(staff.assistant)
    page = client.get(f"/cases/{application.pk}/notices/{notice.pk}/").content.decode()
    head = poor_household.head
    for secret in (head.id_number, head.id_number[-4:], poor_household.address, "500.00", head.phone):
        assert secret not in page
    assert "张**" in page
    pdf = client.get(f"/cases/{application.pk}/notices/{notice.pk}/?format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_the_letter_names_the_appeal_route_and_shows_no_id_number(client, staff, walk, poor_household):
    application = _approved(walk, staff)
    text = _text(letter_document(application.decision))
    assert "行政复议" in text or "administrative review" in text
    assert "60" in text or "六十" in text
    assert poor_household.head.id_number not in text and poor_household.address not in text
    client.force_login(staff.county)
    page = client.get(f"/cases/{application.pk}/letter/")
    assert page.status_code == 200 and application.decision.letter_number in page.content.decode()
    assert client.get(f"/cases/{application.pk}/letter/?format=pdf").content.startswith(b"%PDF")


def test_approval_takes_effect_from_the_next_month_in_the_registry(staff, walk, poor_household):
    application = _approved(walk, staff)
    membership = poor_household.tier_memberships.get()
    assert (membership.tier, membership.start_date, membership.end_date) == ("dibao", date(2026, 10, 1), None)
    assert membership.monthly_amount == application.decision.monthly_total == Decimal("1971.99")
    assert application.decision.letter_number in membership.basis
