"""What the browser acceptance tests share: Debian's Chromium driven through Playwright against pytest-django's
live server, the day the application takes as today, the Chinese texts a user sees, the screenshots folder and
logging users in.

A test module takes the fixtures it uses by importing them (with those they depend on), for example
`from tests.browser import browser, clock, context_options, session, shots, zh  # noqa: F401`, and the helpers
as plain functions. tests/conftest.py registers this module for pytest's assertion rewriting, so that its
asserts report their values as a test module's do.
"""
import os
import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DESKTOP = {"width": 1366, "height": 900}
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")  # CJK, with full-width punctuation


@pytest.fixture
def browser():
    """Headless Chromium (Debian's /usr/bin/chromium) launched through Playwright, closed at the end. Without
    that binary the test is skipped, or fails where JIUZHU_REQUIRE_BROWSER is set (as CI sets it)."""
    if not CHROMIUM.exists():
        if os.environ.get("JIUZHU_REQUIRE_BROWSER"):
            pytest.fail(f"JIUZHU_REQUIRE_BROWSER is set but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); set JIUZHU_REQUIRE_BROWSER to fail instead")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Clock:
    """The day the application takes as today: `timezone.localdate()` called without a value (services, views
    and forms alike; they run in the live server's thread of this process). `timezone.now()` stays real."""

    def __init__(self, monkeypatch):
        self.today: date | None = None
        real = timezone.localdate

        def localdate(value=None, timezone=None):
            if value is None and self.today is not None:
                return self.today
            return real(value, timezone)

        monkeypatch.setattr(timezone, "localdate", localdate)

    def set(self, day: date) -> None:
        self.today = day


@pytest.fixture
def clock(monkeypatch):
    """A `Clock` for this test: `clock.set(date(...))` fixes today; until then the real date holds."""
    return Clock(monkeypatch)


class Chinese:
    """The text a user of the Chinese interface sees for an English msgid (or a lazy label of the code)."""

    def __init__(self):
        self.missing: list[str] = []

    def __call__(self, msgid, **params) -> str:
        with translation.override("zh-hans"):
            text = str(msgid) if isinstance(msgid, Promise) else gettext(msgid)
        if not CHINESE.search(text) and text not in self.missing:
            self.missing.append(text)
        return text % params if params else text

    def assert_complete(self) -> None:
        assert not self.missing, f"no Chinese text yet for: {self.missing}"


@pytest.fixture
def zh():
    """A `Chinese` for this test: `zh("msgid", **params)` is the catalogue's Chinese text; every msgid without
    one is noted, and `zh.assert_complete()` at the test's end fails while any is."""
    return Chinese()


@pytest.fixture
def shots() -> Path:
    """The folder the browser tests save their screenshots in (VAR_DIR/screenshots), created if need be."""
    path = Path(settings.JIUZHU["VAR_DIR"]) / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def context_options() -> dict:
    """More options for the browser contexts that `session` opens; a module overrides it to add its own
    (for example `accept_downloads`)."""
    return {}


@pytest.fixture
def session(browser, live_server, monkeypatch, context_options):
    """Log a user in, in a browser context of their own (Chinese); closes them all at the end.
    `session(user)` opens a desktop window, `session(user, viewport=PHONE)` another size; returns the home page."""
    # Playwright's sync API keeps an event loop in this thread; the ORM reads of the test are synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    contexts = []

    def login(user, viewport=DESKTOP):
        context = browser.new_context(viewport=viewport, locale="zh-CN", **context_options)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", user.raw_password)
        with page.expect_navigation():
            page.locator("form.stack button[type=submit]").click()
        assert page.url == f"{live_server.url}/"
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        return page

    yield login
    for context in contexts:
        context.close()
    # The ORM reads above opened a connection that pytest-django does not know about; close it, or
    # PostgreSQL cannot drop the test database.
    connections.close_all()


def messages(page) -> str:
    """The text of the page's flash messages (ul.messages), or "" where it shows none."""
    return page.locator("ul.messages").inner_text() if page.locator("ul.messages").count() else ""


def nav(page, label: str) -> None:
    """Follow an entry of the main navigation, as a user would."""
    with page.expect_navigation():
        page.locator("nav.main-nav").get_by_role("link", name=label, exact=True).click()


def fact(scope, label: str) -> str:
    """The value of a fact (dl.facts) by its label, within `scope` (a page or a locator)."""
    facts = scope.locator("dl.facts > div")
    return facts.filter(has=facts.page.locator("dt", has_text=label)).locator("dd").inner_text().strip()
