"""Acceptance (issue 5): in a real browser and in Chinese, a feed is uploaded, warnings appear in the township
queue, a grid worker verifies one on a phone, and the loop closes into an application (RULES.md §8).

Drives Debian's Chromium through Playwright against pytest-django's live server, with the fixtures of
tests/browser.py (as the other browser tests). The live server runs in a thread of this process, so the `clock`
fixture sets the day that the whole application takes as today (`timezone.localdate()`). Expected texts are the
Chinese catalogue's translations of the English msgids; `zh` notes every msgid that has no Chinese text yet,
and the test fails at its end while any is missing.
"""
from datetime import date
from pathlib import Path

import pytest
from django.utils import translation

from jiuzhu.cases.choices import ApplicationKind, Channel, State, TemporaryType
from jiuzhu.cases.models import Application
from jiuzhu.core.masking import mask_id_number
from jiuzhu.core.roles import Role
from jiuzhu.monitoring.feedtypes import FeedType
from jiuzhu.monitoring.indicators import INDICATORS
from jiuzhu.monitoring.intake import FeedErrorCode, render_message
from jiuzhu.monitoring.models import FeedBatch, Outcome, TaskStatus, Warning, WarningLevel, WarningStatus
from jiuzhu.monitoring.views import OutcomeForm
from tests.browser import browser, clock, context_options, fact, messages, nav, session, shots, zh  # noqa: F401

PHONE = {"width": 390, "height": 844}
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def registry(region_tree, make_household, standards):
    """Three households of village A1: a dibao household whose head was in hospital, a pensioner's with a
    routine outpatient visit, and a third whose settlement was typed with a wrong date."""
    sick = make_household(region_tree.village_a1, members=[
        {"name": "周大海", "birth_date": date(1970, 3, 9)}, {"name": "吴小兰", "birth_date": date(1972, 6, 1)}],
        tiers=[{"tier": "dibao", "amount": "700.00"}])
    pensioner = make_household(region_tree.village_a1, members=[
        {"name": "郑老汉", "birth_date": date(1950, 1, 1), "incomes": {"pension": "2500.00"}}])
    third = make_household(region_tree.village_a1, members=[
        {"name": "孙桂芝", "birth_date": date(1965, 8, 20), "incomes": {"wage": "3000.00"}}])
    return {"sick": sick, "pensioner": pensioner, "third": third}


def settlement_csv(path: Path, registry) -> Path:
    """The medical insurance bureau's settlements of October 2026, saved by Excel in GBK. The upload page takes
    no column mapping (no feed source to choose), so the headers are the documented column names."""
    sick, pensioner, third = (registry[k].head for k in ("sick", "pensioner", "third"))
    lines = [
        "id_number,name,discharge_date,out_of_pocket,total_cost,hospital,stay_type",
        f"{sick.id_number},{sick.name},2026-10-12,12000.00,58000.00,枣庄市立医院,住院",
        f"{pensioner.id_number},{pensioner.name},2026-10-20,86.50,230.00,市中区人民医院,门诊",
        f"{third.id_number},{third.name},2026-13-05,300.00,900.00,市中区人民医院,门诊",
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def test_a_feed_raises_a_warning_that_a_grid_worker_verifies_into_an_application(
        live_server, session, clock, zh, shots, staff, registry, region_tree, make_user, tmp_path):
    sick = registry["sick"].head
    department = make_user(Role.DEPARTMENT_STAFF, region_tree.county, username="yibao", first_name="医保局")
    csv = settlement_csv(tmp_path / "医保结算明细_2026-10.csv", registry)

    # Monday 2 November 2026: the medical insurance bureau hands in October's settlements.
    clock.set(date(2026, 11, 2))
    bureau = session(department)
    nav(bureau, zh("Department feeds"))
    assert bureau.get_by_role("heading", level=1).inner_text() == zh("Department feeds")
    bureau.get_by_label(zh("Feed")).select_option(label=zh(FeedType.MEDICAL_SETTLEMENT.label))
    bureau.get_by_label(zh("File (.csv in UTF-8 or GBK, .xlsx, .parquet)")).set_input_files(str(csv))
    bureau.screenshot(path=str(shots / "monitoring_feed_upload_zh.png"), full_page=True)
    with bureau.expect_navigation():
        bureau.get_by_role("button", name=zh("Hand in")).click()
    batch = FeedBatch.objects.get()
    assert bureau.url == f"{live_server.url}/monitoring/feeds/{batch.pk}/"
    # Two rows accepted, the one with the bad date rejected: one new warning (12,000 yuan paid by a dibao
    # recipient is above 6,000 yuan; 86.50 yuan is routine).
    assert zh("%(accepted)s rows accepted, %(rejected)s rejected; %(created)s new warnings, %(updated)s updated.",
              accepted=2, rejected=1, created=1, updated=0) in messages(bureau)
    assert bureau.get_by_test_id("rows-accepted").inner_text() == "2"
    assert bureau.get_by_test_id("rows-rejected").inner_text() == "1"
    assert fact(bureau, zh("Encoding")).upper().startswith("GB")
    errors = bureau.locator("section[aria-labelledby=errors-heading]")
    assert errors.get_by_role("heading").inner_text() == zh("Rejected rows")
    [row] = [r.locator("td").all_inner_texts() for r in errors.locator("tbody tr").all()]
    with translation.override("zh-hans"):
        reason = render_message(FeedErrorCode.BAD_DATE, {"value": "2026-13-05"})
    assert row == ["4", "discharge_date", zh(reason)]
    bureau.screenshot(path=str(shots / "monitoring_feed_batch_zh.png"), full_page=True)

    # The same file again: the same batch, nothing changes.
    nav(bureau, zh("Department feeds"))
    bureau.get_by_label(zh("Feed")).select_option(label=zh(FeedType.MEDICAL_SETTLEMENT.label))
    bureau.get_by_label(zh("File (.csv in UTF-8 or GBK, .xlsx, .parquet)")).set_input_files(str(csv))
    with bureau.expect_navigation():
        bureau.get_by_role("button", name=zh("Hand in")).click()
    assert zh("This file was handed in before (same contents): nothing changed.") in messages(bureau)
    assert bureau.url == f"{live_server.url}/monitoring/feeds/{batch.pk}/"
    assert FeedBatch.objects.count() == 1 and Warning.objects.count() == 1
    bureau.screenshot(path=str(shots / "monitoring_feed_again_zh.png"), full_page=True)

    # The township assistant's queue: the warning, its level, indicator and the ID number masked.
    warning = Warning.objects.get()
    indicator = INDICATORS["large_medical_cost"]
    assert (warning.indicator, warning.person, warning.level) == ("large_medical_cost", sick, "orange")
    assistant = session(staff.assistant)
    nav(assistant, zh("Warnings"))
    # The queue opens on the open warnings, and its filter says so.
    assert assistant.get_by_label(zh("Status")).input_value() == "open"
    # The township does not hand in department files: no link to a page it may not open.
    links = assistant.locator("nav.link-list").get_by_role("link").all_inner_texts()
    assert zh("Closing the loop") in links and zh("Department feeds") not in links
    queue = assistant.get_by_test_id("warnings")
    [cells] = [r.locator("td").all_inner_texts() for r in queue.locator("tbody tr").all()]
    assert cells[:4] == [zh(WarningLevel.ORANGE.label), zh(indicator.label), "周大海", mask_id_number(sick.id_number)]
    assert cells[4:] == ["2026-10", "中心街道", "2026-11-09", zh(WarningStatus.OPEN.label)]  # 5 working days
    assert sick.id_number not in assistant.content()
    assistant.screenshot(path=str(shots / "monitoring_warnings_zh.png"), full_page=True)

    # Tuesday 3 November: the grid worker of the village, on a phone.
    clock.set(date(2026, 11, 3))
    grid = session(staff.grid, viewport=PHONE)
    nav(grid, zh("Visits to verify"))
    assert grid.get_by_role("heading", level=1).inner_text() == zh("Visits to verify")
    [card] = grid.get_by_test_id("task").all()
    assert "周大海" in card.inner_text() and zh(indicator.label) in card.inner_text()
    assert f"{zh('Verify by')} 2026-11-09" in card.inner_text()
    grid.screenshot(path=str(shots / "monitoring_tasks_phone_zh.png"), full_page=True)
    with grid.expect_navigation():
        card.click()
    assert grid.url == f"{live_server.url}/monitoring/tasks/{warning.task.pk}/"
    assert grid.get_by_role("heading", level=1).inner_text() == f"周大海 · {zh(indicator.label)}"
    assert fact(grid, zh("ID number")) == mask_id_number(sick.id_number)
    assert "¥12,000.00" in grid.locator("main").inner_text()
    # The page fits the phone: nothing wider than the screen.
    assert grid.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # "Not needed" needs a reason.
    note_label = zh(OutcomeForm.base_fields["note"].label)
    grid.get_by_label(zh(Outcome.NOT_NEEDED.label)).check()
    with grid.expect_navigation():
        grid.get_by_role("button", name=zh("Save the outcome")).click()
    error = grid.locator(".field", has=grid.get_by_label(note_label)).locator(".field__error")
    assert error.inner_text() == zh("Say why (not needed) or to whom the case is referred.")
    assert Warning.objects.get().status == WarningStatus.OPEN
    grid.screenshot(path=str(shots / "monitoring_task_error_phone_zh.png"), full_page=True)

    # Confirmed on the spot: an application is opened for the household.
    grid.get_by_label(zh(Outcome.APPLICATION.label)).check()
    grid.get_by_label(note_label).fill("住院自付费用高，家中仅靠低保，申请医疗救助")
    with grid.expect_navigation():
        grid.get_by_role("button", name=zh("Save the outcome")).click()
    application = Application.objects.get()
    assert zh("Verified. Application %(number)s was opened for the household.",
              number=application.number) in messages(grid)
    assert grid.url == f"{live_server.url}/monitoring/tasks/"
    assert grid.get_by_test_id("task").count() == 0 and zh("Nothing to verify.") in grid.locator("main").inner_text()
    grid.screenshot(path=str(shots / "monitoring_task_done_phone_zh.png"), full_page=True)
    warning.refresh_from_db()
    assert (warning.status, warning.outcome, warning.application, warning.task.status) == (
        WarningStatus.CLOSED, Outcome.APPLICATION, application, TaskStatus.DONE)
    assert (application.household, application.channel, application.kind) == (registry["sick"], "proactive",
                                                                               "temporary")

    # The assistant finds the closed warning, its outcome, and the application it opened.
    assistant.get_by_label(zh("Status")).select_option("closed")
    with assistant.expect_navigation():
        assistant.get_by_role("button", name=zh("Search")).click()
    with assistant.expect_navigation():
        assistant.get_by_test_id("warnings").get_by_role("link", name=zh(indicator.label)).click()
    assert assistant.url == f"{live_server.url}/monitoring/warnings/{warning.pk}/"
    assert assistant.get_by_test_id("outcome").inner_text() == zh(Outcome.APPLICATION.label)
    assert "住院自付费用高" in assistant.locator("main").inner_text()
    assistant.screenshot(path=str(shots / "monitoring_warning_closed_zh.png"), full_page=True)
    with assistant.expect_navigation():
        assistant.get_by_role("link", name=application.number, exact=True).click()
    assert assistant.url == f"{live_server.url}/cases/{application.pk}/"
    summary = assistant.locator("section[aria-labelledby=summary-heading]")
    assert fact(summary, zh("Received at")) == f"中心街道 · {zh(Channel.PROACTIVE.label)}"
    assert fact(summary, zh("Kind")) == f"{zh(ApplicationKind.TEMPORARY.label)} · {zh(TemporaryType.MEDICAL.label)}"
    assert fact(summary, zh("Opened from")) == zh("warning %(number)s", number=warning.pk)
    assert assistant.get_by_test_id("state").inner_text().strip() == zh(State.SUBMITTED.label)
    assistant.screenshot(path=str(shots / "monitoring_application_zh.png"), full_page=True)

    # Closing the loop: one warning of township A, closed.
    assistant.goto(f"{live_server.url}/monitoring/warnings/")
    with assistant.expect_navigation():
        assistant.locator("nav.link-list").get_by_role("link", name=zh("Closing the loop")).click()
    [figures] = [r.locator("th, td").all_inner_texts() for r in assistant.locator("main tbody tr").all()]
    assert figures[:4] == ["中心街道", "0", "0", "1"]
    assistant.screenshot(path=str(shots / "monitoring_loop_zh.png"), full_page=True)
    zh.assert_complete()
