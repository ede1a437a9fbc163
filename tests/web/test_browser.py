"""Acceptance: a township assistant finds a household in a real browser, reveals an ID number and
switches to English. Drives Debian's Chromium through Playwright against pytest-django's live server (the
`browser` and `shots` fixtures of tests/browser.py)."""

import pytest
from django.conf import settings
from django.db import connections

from jiuzhu.core.masking import mask_id_number
from jiuzhu.core.models import AuditAction, AuditLog
from jiuzhu.core.roles import Role
from jiuzhu.registry.choices import Tier
from tests.browser import browser, shots  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def data(region_tree, make_user, make_household):
    tree = region_tree
    household = make_household(
        tree.village_a1,
        members=[{"name": "王建军", "phone": "13812345678", "incomes": {"wage": "1200.50"}},
                 {"name": "刘桂兰", "incomes": {"pension": "300"}}],
        tiers=[{"tier": Tier.DIBAO, "amount": "600.00"}],
    )
    others = [make_household(tree.village_a2, members=[{"name": "赵丽"}]),
              make_household(tree.village_b1, members=[{"name": "孙志强"}])]
    user = make_user(Role.TOWNSHIP_ASSISTANT, tree.township_a, display_name="钱助理")
    return {"household": household, "others": others, "user": user}


def test_find_a_household_reveal_an_id_number_and_switch_to_english(live_server, data, browser, shots, monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the audit checks below are plain
    # synchronous ORM reads, which Django would otherwise refuse next to a running loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    household, user = data["household"], data["user"]
    head = household.head
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    try:
        page.goto(f"{live_server.url}/")

        # Not logged in: the Chinese login page.
        assert "/login/" in page.url
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        assert page.get_by_role("heading", name="登录").is_visible()
        # The stylesheet was served (the live server serves static files).
        assert page.evaluate("getComputedStyle(document.body).display") == "flex"

        page.screenshot(path=str(shots / "login_zh.png"))

        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", user.raw_password)
        page.locator("form.stack button[type=submit]").click()
        page.wait_for_url(f"{live_server.url}/")
        assert "钱助理" in page.locator("header").inner_text()
        page.screenshot(path=str(shots / "home_zh.png"), full_page=True)

        # Search by the head's full ID number.
        page.goto(f"{live_server.url}/households/")
        page.fill("input[name=q]", head.id_number)
        page.locator("form.filters button[type=submit]").click()
        rows = page.locator("table.table tbody tr")
        rows.first.wait_for()
        assert rows.count() == 1
        assert mask_id_number(head.id_number) in rows.first.inner_text()

        # Open it: the members, masked.
        rows.first.get_by_role("link", name="王建军").click()
        page.wait_for_url(f"{live_server.url}/households/{household.pk}/")
        number = page.locator(f"#id-number-{head.pk}")
        assert number.inner_text() == mask_id_number(head.id_number)
        members_text = page.locator("section[aria-labelledby=members-heading]").inner_text()
        assert "刘桂兰" in members_text
        assert head.id_number not in page.content()

        # Show the full number: it replaces the masked one in place, and the reveal is audited.
        page.locator(f"form[data-target=id-number-{head.pk}] button").click()
        page.wait_for_function(
            f"document.getElementById('id-number-{head.pk}').textContent === '{head.id_number}'"
        )
        assert AuditLog.objects.filter(
            action=AuditAction.REVEAL_ID_NUMBER, actor=user, object_id=str(head.pk),
        ).count() == 1
        assert AuditLog.objects.filter(action=AuditAction.VIEW_HOUSEHOLD, actor=user).count() == 1

        page.screenshot(path=str(shots / "household_detail_zh.png"), full_page=True)

        # Switch to English; the choice sticks on the next page.
        page.locator("form.language-switch button[value=en]").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("heading", name="Members").is_visible()
        assert "Zhongxin Subdistrict" in page.locator("header").inner_text()
        page.goto(f"{live_server.url}/households/")
        assert page.get_by_role("heading", name="Households").is_visible()
        assert any(c["name"] == settings.LANGUAGE_COOKIE_NAME and c["value"] == "en" for c in page.context.cookies())

        page.screenshot(path=str(shots / "household_list_en.png"), full_page=True)
        page.goto(f"{live_server.url}/households/{household.pk}/")
        page.screenshot(path=str(shots / "household_detail_en.png"), full_page=True)
    finally:
        page.close()
        # The reads above ran in Playwright's context and so opened a connection of their own,
        # which pytest-django does not know about; close it, or PostgreSQL cannot drop the test database.
        connections.close_all()
