"""Acceptance (issue 4): in a real browser and in Chinese, a dibao application walks from intake to approval
across the township assistant, the grid worker and the county bureau; a temporary-assistance case is assisted
first, paid, then completed and approved in two staged payments.

Drives Debian's Chromium through Playwright against pytest-django's live server, with the fixtures of
tests/browser.py. The live server runs in a thread of this process, so the `clock` fixture sets the date that the whole
application sees as today (`timezone.localdate()`), and the deadlines are those of fixed days in 2026.
Expected texts are the Chinese catalogue's translations of the English msgids; `zh` notes every msgid that has
no Chinese text yet, and each test fails at its end while any is missing.
"""
import re
from datetime import date

import pytest

from jiuzhu.cases.choices import ApplicationKind, DecisionOutcome, PaymentKind, State
from jiuzhu.cases.errors import MESSAGES
from jiuzhu.cases.models import Application
from jiuzhu.core.masking import mask_id_number, mask_name
from jiuzhu.policy.display import money
from jiuzhu.registry.choices import Tier
from tests.browser import browser, clock, context_options, messages, session, shots, zh  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_step(page, step: str):
    """The form of a step on the case page, its <details> opened as a user would."""
    details = page.locator(f'details[data-step="{step}"]')
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details.locator(f'form[action$="/steps/{step}/"]')


def take_step(page, step: str, *, fill: dict | None = None, check: tuple = (), select: dict | None = None,
              radio: dict | None = None):
    """Fill a step's form (field names carry the step as prefix) and submit it; returns the form's <details>
    on the page that answers (the case page, or the page with the refusal)."""
    form = open_step(page, step)
    for name, value in (fill or {}).items():
        form.locator(f'[name="{step}-{name}"]').fill(value)
    for name, value in (select or {}).items():
        form.locator(f'select[name="{step}-{name}"]').select_option(value)
    for name, value in (radio or {}).items():
        form.locator(f'input[name="{step}-{name}"][value="{value}"]').check()
    for name in check:
        form.locator(f'input[name="{step}-{name}"]').check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    return page.locator(f'details[data-step="{step}"]')


def open_steps(page) -> list[str]:
    """The steps whose form the page shows open."""
    return [d.get_attribute("data-step") for d in page.locator("details[data-step][open]").all()]


def fact(page, label: str) -> str:
    """The value of a fact in the application's summary, by its label."""
    facts = page.locator("section[aria-labelledby=summary-heading] dl.facts > div")
    return facts.filter(has=page.locator("dt", has_text=label)).locator("dd").inner_text().strip()


def state_tag(page) -> str:
    return page.get_by_test_id("state").inner_text().strip()


def apply_at_the_window(page, live_server, household, zh, *, fill: dict, select: dict):
    """From the household page: 申请救助, fill the intake form with the consent ticked, take it."""
    page.goto(f"{live_server.url}/households/{household.pk}/")
    with page.expect_navigation():
        page.get_by_role("link", name=zh("Apply for assistance")).click()
    assert page.url == f"{live_server.url}/cases/new/{household.pk}/"
    assert page.get_by_role("heading", level=1).inner_text().startswith(zh("Apply for assistance"))
    form = page.locator("main form.card")
    for name, value in select.items():
        form.locator(f"select[name={name}]").select_option(value)
    for name, value in fill.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("input[name=verification_consent]").check()
    return form


def test_a_dibao_application_from_the_window_to_the_county_approval(
        live_server, session, clock, zh, shots, staff, poor_household, standards):
    household = poor_household
    members = list(household.members.all())
    assistant = session(staff.assistant)

    # 1 September 2026: the household applies at the township window.
    clock.set(date(2026, 9, 1))
    form = apply_at_the_window(assistant, live_server, household, zh,
                               select={"kind": ApplicationKind.ASSISTANCE, "requested_tier": "dibao"},
                               fill={"reason": "家庭收入低，妻子无业，孩子上初中，申请低保"})
    assistant.screenshot(path=str(shots / "case_dibao_intake_zh.png"), full_page=True)
    with assistant.expect_navigation():
        form.locator("button[type=submit]").click()
    application = Application.objects.get(household=household)
    assert assistant.url == f"{live_server.url}/cases/{application.pk}/"
    assert zh("Application %(number)s taken and routed to %(township)s.",
              number=application.number, township="中心街道") in messages(assistant)
    assert state_tag(assistant) == zh(State.SUBMITTED.label)
    assert application.window_region.code == "370402001000" and application.consent_date == date(2026, 9, 1)

    # Accepted the same day: 30 working days from the day after (State Council calendar of 2026).
    take_step(assistant, "accept")
    assert zh("Done: %(step)s.", step=zh("Accept")) in messages(assistant)
    assert state_tag(assistant) == zh(State.ACCEPTED.label)
    assert assistant.get_by_test_id("due-on").inner_text().startswith("2026-10-19")

    # 2 September: the rules verify the household's economy; their explained result is on the page.
    clock.set(date(2026, 9, 2))
    take_step(assistant, "verify")
    assert state_tag(assistant) == zh(State.VERIFIED.label)
    verification = application.verifications.get()
    assert verification.tier == "dibao" and verification.monthly_total > 0
    result = assistant.locator("section[aria-labelledby=verification-heading]")
    assert result.get_by_role("heading", name=zh("Economic verification")).is_visible()
    assert zh("The rules' result on the household's data of %(date)s.", date="2026-09-02") in result.inner_text()
    assert fact(assistant, zh("Tier by the rules")) == f"{zh(Tier.DIBAO.label)} · " \
                                                       f"{money(verification.monthly_total)}"
    stats = result.locator(".stats").inner_text()
    assert zh(Tier.DIBAO.label) in stats and money(verification.monthly_total) in stats
    result.locator("summary", has_text=zh("Rules applied")).click()
    assert result.locator("h4", has_text="张建国").is_visible()
    assistant.screenshot(path=str(shots / "case_dibao_verified_zh.png"), full_page=True)

    # 3 September: the grid worker records the home survey, two surveyors, everyone signed.
    clock.set(date(2026, 9, 3))
    grid = session(staff.grid)
    grid.goto(f"{live_server.url}/cases/{application.pk}/")
    assert [s.get_attribute("data-step") for s in grid.locator("details[data-step]").all()] == ["survey"]
    survey = {"surveyed_on": "2026-09-03", "surveyor_1": "赵刚", "surveyor_2": "赵刚",
              "findings": "住房为自建平房，家中无贵重财产，无机动车。"}
    # One person cannot be both surveyors: the form comes back with the error at the second surveyor.
    details = take_step(grid, "survey", fill=survey, check=("surveyors_signed", "applicant_signed"))
    assert details.get_attribute("open") is not None
    error = details.locator(".field", has=grid.locator('[name="survey-surveyor_2"]')).locator(".field__error")
    assert error.inner_text() == zh(MESSAGES["two_surveyors"])
    grid.screenshot(path=str(shots / "case_dibao_survey_error_zh.png"), full_page=True)
    take_step(grid, "survey", fill=survey | {"surveyor_2": "刘强"}, check=("surveyors_signed", "applicant_signed"))
    assert state_tag(grid) == zh(State.SURVEYED.label)
    heading = grid.get_by_role("heading", name=f"{zh('Home survey')} · 2026-09-03")
    survey_card = grid.locator("section.card", has=heading)
    assert "赵刚、刘强" in survey_card.inner_text()
    assert grid.locator("details[data-step]").count() == 0  # nothing else is the grid worker's to do

    # 4 September: the township's opinion; 7 September: the notice is published for 7 days.
    clock.set(date(2026, 9, 4))
    assistant.reload()
    assert open_steps(assistant) == ["township_opinion"]
    assistant.locator('details[data-step="township_opinion"]').screenshot(
        path=str(shots / "case_dibao_opinion_form_zh.png"))
    take_step(assistant, "township_opinion", radio={"opinion": "approve"}, fill={"text": "人均收入低于当地低保标准，建议批准。"})
    assert state_tag(assistant) == zh(State.TOWNSHIP_REVIEWED.label)
    clock.set(date(2026, 9, 7))
    take_step(assistant, "publish_notice", fill={"place": "东风社区公示栏"})
    assert state_tag(assistant) == zh(State.IN_NOTICE.label)
    assert assistant.get_by_test_id("step-due").inner_text().endswith("2026-09-13")
    assert open_steps(assistant) == ["close_notice"]  # the main step, not the objection forms before it
    assert assistant.get_by_role("heading", name=f"{zh('Public notice')} · 2026-09-07–2026-09-13").is_visible()

    # 13 September, the notice's last day: it cannot close yet.
    clock.set(date(2026, 9, 13))
    details = take_step(assistant, "close_notice")
    assert details.locator("[role=alert]").inner_text() == zh(MESSAGES["notice_running"], ends_on="2026-09-13")
    assert state_tag(assistant) == zh(State.IN_NOTICE.label)
    assistant.screenshot(path=str(shots / "case_dibao_notice_running_zh.png"), full_page=True)

    # 14 September: closed and submitted to the county.
    clock.set(date(2026, 9, 14))
    take_step(assistant, "close_notice")
    assert state_tag(assistant) == zh(State.AWAITING_DECISION.label)

    # 15 September: the county bureau approves; dibao from 1 October.
    clock.set(date(2026, 9, 15))
    county = session(staff.county)
    county.goto(f"{live_server.url}/cases/{application.pk}/")
    take_step(county, "approve", fill={"reasons": "经审核，符合低保条件。"})
    assert state_tag(county) == zh(State.APPROVED.label)
    application.refresh_from_db()
    decision = application.decision
    assert decision.outcome == DecisionOutcome.APPROVED and decision.effective_from == date(2026, 10, 1)
    assert county.get_by_test_id("decision-outcome").inner_text() == zh(DecisionOutcome.APPROVED.label)
    assert county.get_by_test_id("decision-amount").inner_text() == money(decision.monthly_total)
    county.screenshot(path=str(shots / "case_dibao_approved_zh.png"), full_page=True)
    timeline = county.get_by_test_id("timeline").inner_text()
    for step in ("Accept", "Verify the household's economy", "Record the home survey", "Publish the notice",
                 "Close the notice and submit to the county", "Approve"):
        assert zh(step) in timeline

    # The decision letter: the appeal route, and no ID number, masked or not.
    with county.expect_navigation():
        county.get_by_role("link", name=zh("Decision letter"), exact=True).click()
    assert county.url == f"{live_server.url}/cases/{application.pk}/letter/"
    letter = county.locator("article.document")
    assert letter.get_by_role("heading").inner_text() == zh("Decision of approval of social assistance")
    text = letter.inner_text()
    assert zh("To %(name)s:", name="张建国") in text
    assert decision.letter_number in text and application.number in text
    assert zh("If you disagree with this decision, you may apply for administrative review to the %(county)s "
              "People's Government within 60 days of receiving it, or bring an administrative lawsuit before the "
              "people's court within 6 months.", county="市中区") in text
    for person in members:
        assert person.id_number not in county.content() and mask_id_number(person.id_number) not in text
    county.screenshot(path=str(shots / "case_dibao_letter_zh.png"), full_page=True)

    # The household page lists the application and its steps.
    county.goto(f"{live_server.url}/households/{household.pk}/")
    applications = county.get_by_test_id("household-applications")
    assert county.get_by_role("heading", name=zh("Applications and their steps")).is_visible()
    assert application.number in applications.inner_text()
    assert zh(State.APPROVED.label) in applications.locator(".tag").all_inner_texts()
    assert zh("Publish the notice") in applications.inner_text()
    county.screenshot(path=str(shots / "case_dibao_household_zh.png"), full_page=True)

    # The printable notice: the holder's name masked; no address, ID number or income.
    assistant.goto(f"{live_server.url}/cases/{application.pk}/")
    with assistant.expect_navigation():
        assistant.get_by_role("link", name=zh("Printable notice"), exact=True).click()
    notice = assistant.locator("article.document")
    assert notice.get_by_role("heading").inner_text() == zh("Public notice of a social assistance application")
    text, html = notice.inner_text(), assistant.content()
    assert mask_name("张建国") in text and "张建国" not in html
    assert "东风社区12号楼" not in html and "500.00" not in html and "13812345678" not in html
    for person in members:
        assert person.id_number not in html and mask_id_number(person.id_number) not in html
    assert "东风社区公示栏" in text and application.number in text and "市中区" in text
    assert money(verification.monthly_total) in text
    assistant.screenshot(path=str(shots / "case_dibao_notice_print_zh.png"), full_page=True)
    zh.assert_complete()


def test_temporary_assistance_first_then_the_paperwork_and_a_staged_approval(
        live_server, session, clock, zh, shots, staff, poor_household, standards):
    household = poor_household
    assistant = session(staff.assistant)

    # 1 September 2026: a fire; the household asks for emergency temporary assistance of 5000 yuan.
    clock.set(date(2026, 9, 1))
    form = apply_at_the_window(assistant, live_server, household, zh,
                               select={"kind": ApplicationKind.TEMPORARY, "temporary_type": "emergency"},
                               fill={"reason": "家中失火，衣物家具被毁，急需救助", "temporary_cost": "5000"})
    with assistant.expect_navigation():
        form.locator("button[type=submit]").click()
    application = Application.objects.get(household=household)
    assert state_tag(assistant) == zh(State.SUBMITTED.label)
    assert zh("Temporary assistance") in assistant.locator("section[aria-labelledby=summary-heading]").inner_text()

    # Assistance first, at once: above the township's limit (3000 yuan) is refused, with the limit named.
    details = take_step(assistant, "assist_first", fill={"amount": "3500"})
    error = details.locator(".field", has=assistant.locator('[name="assist_first-amount"]')).locator(".field__error")
    assert error.inner_text() == zh(MESSAGES["assist_first_limit"], limit="3000.00")
    assert state_tag(assistant) == zh(State.SUBMITTED.label) and open_steps(assistant) == ["assist_first"]
    assistant.screenshot(path=str(shots / "case_temporary_limit_error_zh.png"), full_page=True)
    take_step(assistant, "assist_first", fill={"amount": "2000", "note": "现场查看，先行发放"})
    assert state_tag(assistant) == zh(State.ASSISTED.label)
    payments = assistant.locator("section[aria-labelledby=payments-heading] tbody tr")
    assert payments.count() == 1
    cells = payments.first.locator("td").all_inner_texts()
    assert cells[:3] == [zh(PaymentKind.ASSIST_FIRST.label), "1", "¥2,000.00"] and cells[4] == "—"

    # Paid the same day.
    take_step(assistant, "record_payment", select={"payment": str(application.payments.get().pk)})
    assert zh("Done: %(step)s.", step=zh("Record a payment as paid")) in messages(assistant)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", payments.first.locator("td").nth(4).inner_text())

    # The paperwork follows: verification, survey, opinion, submission to the county (no public notice).
    clock.set(date(2026, 9, 2))
    take_step(assistant, "verify")
    assert state_tag(assistant) == zh(State.VERIFIED.label)
    take_step(assistant, "survey", fill={"surveyed_on": "2026-09-02", "surveyor_1": "王芳", "surveyor_2": "刘强",
                                         "findings": "房屋部分烧毁，生活用品短缺。"},
              check=("surveyors_signed", "applicant_signed"))
    assert state_tag(assistant) == zh(State.SURVEYED.label)
    take_step(assistant, "township_opinion", radio={"opinion": "approve"}, fill={"text": "急难情形属实，建议批准。"})
    assert state_tag(assistant) == zh(State.TOWNSHIP_REVIEWED.label)
    assert assistant.locator('details[data-step="publish_notice"]').count() == 0
    take_step(assistant, "submit_to_county")
    assert state_tag(assistant) == zh(State.AWAITING_DECISION.label)

    # 3 September: the county approves the rules' amount (5000 yuan), the rest paid in two stages.
    clock.set(date(2026, 9, 3))
    county = session(staff.county)
    county.goto(f"{live_server.url}/cases/{application.pk}/")
    take_step(county, "approve", fill={"stages": "2"})
    assert state_tag(county) == zh(State.APPROVED.label)
    assert county.get_by_test_id("decision-amount").inner_text() == "¥5,000.00"
    assert fact(county, zh("Tier by the rules")) == "¥5,000.00"  # the rules' temporary amount, no tier
    rows = [row.locator("td").all_inner_texts()
            for row in county.locator("section[aria-labelledby=payments-heading] tbody tr").all()]
    assert [r[:4] for r in rows] == [
        [zh(PaymentKind.ASSIST_FIRST.label), "1", "¥2,000.00", rows[0][3]],
        [zh(PaymentKind.STAGE.label), "1", "¥1,500.00", "2026-09-03"],
        [zh(PaymentKind.STAGE.label), "2", "¥1,500.00", "2026-10-03"],
    ]
    assert rows[0][4] != "—" and rows[1][4] == rows[2][4] == "—"
    county.screenshot(path=str(shots / "case_temporary_approved_zh.png"), full_page=True)

    with county.expect_navigation():
        county.get_by_role("link", name=zh("Decision letter"), exact=True).click()
    assert county.locator("article.document h1").inner_text() == zh("Decision on temporary assistance")
    zh.assert_complete()
