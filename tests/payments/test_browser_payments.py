"""Acceptance (issue 6): in a real browser and in Chinese, a county's payroll is prepared by one officer and
approved by another, goes to the banks as files, comes back with one account closed, and that payment is
corrected and re-issued in a supplementary payroll, approved again by the other officer (RULES.md §6).

Drives Debian's Chromium through Playwright against pytest-django's live server, with the fixtures of
tests/browser.py (as the other browser tests). The live server runs in a thread of this process, so the `clock`
fixture sets the day the whole application takes as today. Expected texts are the Chinese catalogue's
translations of the English msgids; `zh` notes every msgid that has no Chinese text yet, and the test fails at
its end while any is missing.
"""
import csv
import hashlib
import io
import re
from datetime import date
from pathlib import Path

import pytest

from jiuzhu.core.masking import mask_account_number, mask_id_number
from jiuzhu.payments import bank
from jiuzhu.payments.funds import SOURCE_LABELS
from jiuzhu.payments.models import (
    AccountCorrection,
    BankFile,
    LineKind,
    LineStatus,
    Payroll,
    PayrollLine,
    PayrollStatus,
)
from jiuzhu.payments.views import LAYOUT_LABELS
from jiuzhu.registry.choices import Tier
from tests.browser import browser, clock, fact, messages, nav, session, shots, zh  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bank_dir(settings, tmp_path, shots) -> Path:
    """The bank files (full account and ID numbers) go to a directory of this test, not the shared VAR_DIR;
    the screenshots (`shots`, resolved first) stay where the other browser tests put theirs."""
    settings.JIUZHU = {**settings.JIUZHU, "VAR_DIR": tmp_path / "var"}
    return tmp_path / "var"


@pytest.fixture
def context_options() -> dict:
    """The officers' browser contexts (`session`) accept downloads: the bank files are downloaded and read."""
    return {"accept_downloads": True}


def click(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def table_rows(section) -> list[list[str]]:
    return [[c.strip() for c in row.locator("td").all_inner_texts()] for row in section.locator("tbody tr").all()]


def open_payroll(page, zh, number: int) -> None:
    """From the list of payrolls, the payroll of November 2026 with this number."""
    nav(page, zh("Payrolls"))
    number_cell = page.locator("td:nth-child(2)", has_text=re.compile(f"^{number}$"))
    row = page.locator("main tbody tr").filter(has=number_cell)
    click(page, row.get_by_role("link", name="2026-11"))


def return_file(path: Path, payroll: Payroll, *, failed: PayrollLine) -> Path:
    """The bank's answer (docs/payments.md, "The bank's return"), as the agricultural and postal banks send it
    back merged by the county's finance office: GB18030, every line paid except one closed account."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(bank.RETURN_COLUMNS)
    for line in payroll.lines.order_by("pk"):
        if line.pk == failed.pk:
            writer.writerow([f"{line.pk:012d}", line.bank_account, f"{line.amount:.2f}", "失败", "E01", "账户已销户"])
        else:
            writer.writerow([f"{line.pk:012d}", line.bank_account, f"{line.amount:.2f}", "成功", "0000", ""])
    path.write_bytes(out.getvalue().encode("gb18030"))
    return path


def test_prepare_approve_bank_files_return_with_a_closed_account_and_reissue(
        live_server, session, clock, zh, shots, bank_dir, staff, recipients, tmp_path):
    officer_a, officer_b = staff.county, staff.county_2
    ep_account = "6217990012345678"

    # 20 November 2026: officer A prepares November's payroll of the county.
    clock.set(date(2026, 11, 20))
    a = session(officer_a)
    nav(a, zh("Payrolls"))
    assert a.get_by_role("heading", level=1).inner_text() == zh("Payrolls")
    assert zh("No payrolls yet.") in a.locator("main").inner_text()
    a.get_by_label(zh("Month")).fill("2026-11")
    a.screenshot(path=str(shots / "payments_prepare_zh.png"), full_page=True)
    click(a, a.get_by_role("button", name=zh("Prepare the payroll")))
    payroll = Payroll.objects.get()
    assert a.url == f"{live_server.url}/payments/{payroll.pk}/"
    assert zh("Payroll of %(month)s: %(lines)s payments, %(total)s yuan.",
              month="2026-11", lines=3, total="3319.60") in messages(a)
    assert a.get_by_role("heading", level=1).inner_text() == f"{zh('Payroll')} 2026-11"
    assert a.get_by_test_id("payroll-status").inner_text() == zh(PayrollStatus.PREPARED.label)
    assert a.get_by_test_id("payroll-lines").inner_text() == "3"
    assert a.get_by_test_id("payroll-total").inner_text() == "¥3,319.60"   # 1,200 + 1,555 + 564.60
    # The payments, with ID numbers and accounts masked: nothing on the page gives a full account away.
    lines = a.locator("section[aria-labelledby=lines-heading]")
    rows = {row[0]: row for row in table_rows(lines)}
    assert set(rows) == {"陈一", "黄老三", "钱五"}
    ep_line = PayrollLine.objects.get(payroll=payroll, household=recipients["ep"])
    assert rows["黄老三"] == [
        "黄老三", mask_id_number(ep_line.payee_id_number), zh(LineKind.TIER.label), zh(Tier.EXTREME_POVERTY.label), "邮储银行",
        mask_account_number(ep_account), "¥1,555.00", zh(LineStatus.PENDING.label)]
    assert rows["陈一"][5] == mask_account_number("6228480012345678901") and rows["钱五"][6] == "¥564.60"
    content = a.content()
    for household in recipients.values():
        if household.bank_account:
            assert household.bank_account not in content
        assert household.head.id_number not in content
    assert fact(a, zh("Prepared by")).startswith(officer_a.username)
    # The shares of the county and its townships frozen with the payroll (the county's parameters: 7 : 3).
    assert fact(a, zh("Funding shares")) == f"{zh(SOURCE_LABELS['county'])} 70% · {zh(SOURCE_LABELS['township'])} 30%"
    a.screenshot(path=str(shots / "payments_payroll_prepared_zh.png"), full_page=True)

    # A may not approve the payroll A prepared: the page says so and nothing changes.
    click(a, a.get_by_test_id("approve"))
    assert zh("The payroll must be approved by someone other than the person who prepared it.") in messages(a)
    assert a.get_by_test_id("payroll-status").inner_text() == zh(PayrollStatus.PREPARED.label)
    payroll.refresh_from_db()
    assert payroll.status == PayrollStatus.PREPARED and payroll.approved_by is None
    a.screenshot(path=str(shots / "payments_maker_checker_zh.png"), full_page=True)

    # Officer B approves it, then produces the bank files.
    b = session(officer_b)
    open_payroll(b, zh, 1)
    assert b.url == f"{live_server.url}/payments/{payroll.pk}/"
    click(b, b.get_by_test_id("approve"))
    assert zh("Payroll approved.") in messages(b)
    assert b.get_by_test_id("payroll-status").inner_text() == zh(PayrollStatus.APPROVED.label)
    assert fact(b, zh("Approved by")).startswith(officer_b.username)
    assert b.get_by_test_id("approve").count() == 0
    click(b, b.get_by_test_id("export"))
    assert zh("Bank files produced.") in messages(b)
    assert b.get_by_test_id("payroll-status").inner_text() == zh(PayrollStatus.EXPORTED.label)
    files = b.locator("section[aria-labelledby=files-heading]")
    assert files.get_by_role("heading").inner_text() == zh("Bank files")
    stored = {(f.bank_name, f.layout): f for f in BankFile.objects.filter(payroll=payroll)}
    # Per bank the three layouts, each with the bank's count and total and its checksum (shortened).
    csv_, fixed, xlsx = (zh(LAYOUT_LABELS[layout]) for layout in ("csv", "fixed", "xlsx"))
    assert [row[:4] for row in table_rows(files)] == [
        ["农业银行", csv_, "2", "¥1,764.60"], ["农业银行", fixed, "2", "¥1,764.60"],
        ["农业银行", xlsx, "2", "¥1,764.60"],
        ["邮储银行", csv_, "1", "¥1,555.00"], ["邮储银行", fixed, "1", "¥1,555.00"],
        ["邮储银行", xlsx, "1", "¥1,555.00"]]
    layouts = {csv_: "csv", fixed: "fixed", xlsx: "xlsx"}
    for tr, cells in zip(files.locator("tbody tr").all(), table_rows(files), strict=True):
        checksum = stored[(cells[0], layouts[cells[1]])].checksum
        shown = cells[4].removesuffix("…").removesuffix("...")
        assert len(shown) >= 12 and checksum.startswith(shown)
        assert tr.locator("td.mono").get_attribute("title") == checksum   # in full, on hovering
    b.screenshot(path=str(shots / "payments_bank_files_zh.png"), full_page=True)

    # The fixed-width file of the agricultural bank, downloaded: its trailer has the count and total in fen,
    # and it is byte for byte the file whose checksum the page shows.
    with b.expect_download() as download:
        files.locator("tbody tr").filter(has_text="农业银行").get_by_role("link", name=fixed, exact=True).click()
    data = Path(download.value.path()).read_bytes()
    assert hashlib.sha256(data).hexdigest() == stored[("农业银行", "fixed")].checksum
    records = data.split(bank.FIXED_EOL)[:-1]
    assert all(len(record) == bank.FIXED_WIDTH for record in records)
    assert [record[:1] for record in records] == [b"H", b"D", b"D", b"T"]
    assert records[-1][1:9] == b"00000002" and int(records[-1][9:27]) == 176460   # ¥1,764.60 in fen
    # And the CSV of the postal bank: its trailer row carries the total in yuan.
    with b.expect_download() as download:
        files.locator("tbody tr").filter(has_text="邮储银行").get_by_role("link", name=csv_, exact=True).click()
    assert download.value.suggested_filename.endswith(".csv")
    rows_csv = list(csv.reader(io.StringIO(Path(download.value.path()).read_bytes().decode("utf-8-sig"))))
    assert rows_csv[-1][0] == "T" and rows_csv[-1][1] == "1" and rows_csv[-1][-1] == "1555.00"
    assert rows_csv[1][3] == recipients["ep"].head.id_number and rows_csv[1][5] == ep_account   # full, for the bank

    # 27 November: the return. Every payment paid except 黄老三's: the account was closed.
    clock.set(date(2026, 11, 27))
    answer = return_file(tmp_path / "回盘_202611.csv", payroll, failed=ep_line)
    b.get_by_label(zh("The bank's return file (.csv)")).set_input_files(str(answer))
    click(b, b.get_by_test_id("reconcile"))
    assert zh("The bank's return was reconciled.") in messages(b)
    assert b.get_by_test_id("payroll-status").inner_text() == zh(PayrollStatus.RECONCILED.label)
    received = b.locator("section.card", has=b.get_by_role("heading", name=f"{zh('Bank return')} · 回盘_202611.csv"))
    assert zh("%(paid)s paid, %(failed)s failed.", paid=2, failed=1) in received.inner_text()
    failed = b.locator("section[aria-labelledby=failed-heading]")
    assert failed.get_by_role("heading").inner_text() == zh("Failed payments")
    [row] = failed.get_by_test_id("failed-line").all()
    assert [c.strip() for c in row.locator("td").all_inner_texts()[:3]] == ["黄老三", "¥1,555.00", "E01 账户已销户"]
    statuses = {r[0]: r[7] for r in table_rows(b.locator("section[aria-labelledby=lines-heading]"))}
    assert statuses == {"陈一": zh(LineStatus.PAID.label), "钱五": zh(LineStatus.PAID.label),
                        "黄老三": zh(LineStatus.FAILED.label)}
    b.screenshot(path=str(shots / "payments_return_failed_zh.png"), full_page=True)

    # B enters the new account the household gave, then re-issues the payment.
    row.get_by_label(zh("Corrected account number")).fill("6217 9900 8765 4321")
    click(b, row.get_by_role("button", name=zh("Save")))
    assert zh("Account corrected.") in messages(b)
    correction = AccountCorrection.objects.get()
    assert (correction.line, correction.bank_name, correction.bank_account, correction.corrected_by) == (
        ep_line, "邮储银行", "6217990087654321", officer_b)
    click(b, b.get_by_test_id("reissue"))
    supplement = Payroll.objects.get(number=2)
    assert b.url == f"{live_server.url}/payments/{supplement.pk}/"
    assert zh("The corrected payments are in a supplementary payroll, to be approved.") in messages(b)
    assert b.get_by_role("heading", level=1).inner_text() == (
        f"{zh('Payroll')} 2026-11 · {zh('supplementary %(n)s', n=2)}")
    assert b.get_by_test_id("payroll-status").inner_text() == zh(PayrollStatus.PREPARED.label)
    assert b.get_by_test_id("payroll-lines").inner_text() == "1"
    assert b.get_by_test_id("payroll-total").inner_text() == "¥1,555.00"
    [reissue] = table_rows(b.locator("section[aria-labelledby=lines-heading]"))
    assert reissue == ["黄老三", mask_id_number(ep_line.payee_id_number), zh(LineKind.REISSUE.label),
                       zh(Tier.EXTREME_POVERTY.label),
                       "邮储银行", mask_account_number("6217990087654321"), "¥1,555.00",
                       zh(LineStatus.PENDING.label)]
    assert fact(b, zh("Prepared by")).startswith(officer_b.username)
    b.screenshot(path=str(shots / "payments_reissue_prepared_zh.png"), full_page=True)
    # B re-issued it, so B may not approve it.
    click(b, b.get_by_test_id("approve"))
    assert zh("The payroll must be approved by someone other than the person who prepared it.") in messages(b)
    # The month's payroll now shows the failed payment as re-issued, and no failed payment left to correct.
    ep_line.refresh_from_db()
    assert ep_line.status == LineStatus.REISSUED
    open_payroll(b, zh, 1)
    assert b.locator("section[aria-labelledby=failed-heading]").count() == 0
    statuses = {r[0]: r[7] for r in table_rows(b.locator("section[aria-labelledby=lines-heading]"))}
    assert statuses["黄老三"] == zh(LineStatus.REISSUED.label)

    # Officer A approves the supplementary payroll and produces its bank file: the new account only.
    open_payroll(a, zh, 2)
    assert a.url == f"{live_server.url}/payments/{supplement.pk}/"
    click(a, a.get_by_test_id("approve"))
    assert zh("Payroll approved.") in messages(a)
    click(a, a.get_by_test_id("export"))
    assert zh("Bank files produced.") in messages(a)
    assert a.get_by_test_id("payroll-status").inner_text() == zh(PayrollStatus.EXPORTED.label)
    files = a.locator("section[aria-labelledby=files-heading]")
    assert [row[:4] for row in table_rows(files)] == [
        ["邮储银行", csv_, "1", "¥1,555.00"], ["邮储银行", fixed, "1", "¥1,555.00"], ["邮储银行", xlsx, "1", "¥1,555.00"]]
    with a.expect_download() as download:
        files.get_by_role("link", name=csv_, exact=True).click()
    rows_csv = list(csv.reader(io.StringIO(Path(download.value.path()).read_bytes().decode("utf-8-sig"))))
    [detail] = [r for r in rows_csv if r[0] == "D"]
    reissue_line = supplement.lines.get()
    assert (detail[1], detail[5], detail[6]) == (str(reissue_line.pk), "6217990087654321", "1555.00")
    assert rows_csv[-1][-1] == "1555.00"
    a.screenshot(path=str(shots / "payments_reissue_exported_zh.png"), full_page=True)

    # The list of payrolls: the month's and its supplement, each prepared by one officer, approved by the other.
    nav(a, zh("Payrolls"))
    listed = [r[:7] for r in table_rows(a.locator("main"))]
    assert listed == [
        ["2026-11", "1", zh(PayrollStatus.RECONCILED.label), "3", "¥3,319.60", officer_a.username,
         officer_b.username],
        ["2026-11", "2", zh(PayrollStatus.EXPORTED.label), "1", "¥1,555.00", officer_b.username, officer_a.username],
    ]
    a.screenshot(path=str(shots / "payments_payrolls_zh.png"), full_page=True)
    # Paid once each: the three entitlements of November, one of them through its re-issue.
    assert sorted(PayrollLine.objects.values_list("status", flat=True)) == sorted(
        [LineStatus.PAID, LineStatus.PAID, LineStatus.REISSUED, LineStatus.PENDING])
    zh.assert_complete()
