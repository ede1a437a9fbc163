"""Bank files, the bank's return and re-issue (issue 6): only an approved payroll goes to the banks, one set of
files per bank with its totals and checksum; the return settles each line PAID or FAILED or reports the row as a
problem, never silently; a failed account is corrected and re-issued once, through maker-checker again."""
import csv
import hashlib
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from jiuzhu.core.models import AuditAction, AuditLog
from jiuzhu.payments import bank
from jiuzhu.payments.errors import PaymentError
from jiuzhu.payments.models import BankFile, BankReturn, LineKind, LineStatus, Payroll, PayrollLine, PayrollStatus
from jiuzhu.payments.reconcile import (
    bank_file_path,
    bank_files_export,
    bank_return_receive,
    export_problems,
    line_correct_account,
    payroll_reissue,
)
from jiuzhu.payments.services import payroll_approve, payroll_generate

MONTH = date(2026, 11, 1)


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.JIUZHU = {**settings.JIUZHU, "VAR_DIR": tmp_path / "var"}
    return tmp_path / "var"


def approved(staff, region_tree) -> Payroll:
    payroll = payroll_generate(actor=staff.county, region=region_tree.county, month=MONTH)
    return payroll_approve(actor=staff.county_2, payroll_id=payroll.pk, version=payroll.version)


def exported(staff, region_tree) -> Payroll:
    payroll = approved(staff, region_tree)
    bank_files_export(actor=staff.county, payroll_id=payroll.pk)
    payroll.refresh_from_db()
    return payroll


def line_of(recipients, key) -> PayrollLine:
    return PayrollLine.objects.get(household=recipients[key], payroll__number=1)


def return_csv(*rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(bank.RETURN_COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


# --- Export -----------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_only_an_approved_payroll_produces_bank_files_and_exporting_again_makes_nothing_new(staff, region_tree,
                                                                                            recipients):
    payroll = payroll_generate(actor=staff.county, region=region_tree.county, month=MONTH)
    with pytest.raises(PaymentError) as err:
        bank_files_export(actor=staff.county, payroll_id=payroll.pk)
    assert err.value.code == "not_approved" and not BankFile.objects.exists()
    payroll_approve(actor=staff.county_2, payroll_id=payroll.pk, version=payroll.version)
    with pytest.raises(PaymentError) as err:
        bank_files_export(actor=staff.assistant, payroll_id=payroll.pk)
    assert err.value.code == "role_not_allowed"
    files = bank_files_export(actor=staff.county, payroll_id=payroll.pk)
    assert Payroll.objects.get(pk=payroll.pk).status == PayrollStatus.EXPORTED
    again = bank_files_export(actor=staff.county_2, payroll_id=payroll.pk)
    assert sorted(f.pk for f in again) == sorted(f.pk for f in files) and BankFile.objects.count() == 6
    assert AuditLog.objects.filter(action=AuditAction.PAYROLL, detail__step="exported").count() == 2   # per bank


@pytest.mark.django_db
def test_one_set_of_files_per_bank_with_its_totals_and_checksums(staff, region_tree, recipients, var_dir):
    payroll = approved(staff, region_tree)
    files = bank_files_export(actor=staff.county, payroll_id=payroll.pk)
    assert {(f.bank_name, f.layout) for f in files} == {(b, layout) for b in ("农业银行", "邮储银行")
                                                        for layout in ("xlsx", "fixed", "csv")}
    for f in files:
        data = bank_file_path(f).read_bytes()
        assert f.checksum == hashlib.sha256(data).hexdigest()
        assert bank_file_path(f).parent == (var_dir / "payments" / str(payroll.pk)).resolve()
    abc = {f.layout: f for f in files if f.bank_name == "农业银行"}
    assert {(f.lines, f.total) for f in abc.values()} == {(2, Decimal("1764.60"))}     # 1200.00 + 564.60
    dibao, marginal = line_of(recipients, "dibao"), line_of(recipients, "marginal")

    # Fixed width: every record 200 bytes of GB18030, then CR LF; H, one D per line, T with count and total.
    data = bank_file_path(abc["fixed"]).read_bytes()
    assert data.endswith(b"\r\n")
    assert all(len(raw) == bank.FIXED_WIDTH for raw in data.split(b"\r\n")[:-1])
    head, first, second, trailer = bank.fixed_width_read(data)
    assert (head["record_type"], head["county_code"], head["month"], head["payroll_number"], head["bank_name"]) \
        == ("H", "370402000000", "202611", "01", "农业银行")
    assert (first["reference"], first["account"], first["payee_name"], first["amount_fen"]) \
        == (f"{dibao.pk:012d}", "6228480012345678901", "陈一", "000000000120000")
    assert first["id_number"] == recipients["dibao"].head.id_number       # in full: the bank needs it
    assert (second["reference"], second["amount_fen"]) == (f"{marginal.pk:012d}", "000000000056460")
    assert trailer == {"record_type": "T", "count": "00000002", "total_fen": "000000000000176460"}

    # CSV: UTF-8 with a BOM, one D row per line, a T row with the count and the total.
    text = bank_file_path(abc["csv"]).read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert rows[0] == list(bank.CSV_COLUMNS)
    assert rows[1] == ["D", str(dibao.pk), "陈一", dibao.payee_id_number, "农业银行", "6228480012345678901",
                       "1200.00"]
    assert rows[-1] == ["T", "2", "", "", "农业银行", "", "1764.60"]

    # .xlsx: header, one row per line (account as text), a totals row.
    sheet = load_workbook(bank_file_path(abc["xlsx"])).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == bank.XLSX_HEADERS
    assert values[1][0] == dibao.pk and values[1][4] == "6228480012345678901"
    assert Decimal(str(values[1][5])) == Decimal("1200.00") and sheet.cell(2, 6).number_format == "0.00"
    assert values[-1][0] == "合计" and Decimal(str(values[-1][5])) == Decimal("1764.60")

    psbc = [f for f in files if f.bank_name == "邮储银行"]
    assert {(f.lines, f.total) for f in psbc} == {(1, Decimal("1555.00"))}
    sums = (bank_file_path(files[0]).parent / "SHA256SUMS").read_text()
    assert all(f"{f.checksum}  {bank_file_path(f).name}" in sums for f in files)


@pytest.mark.django_db
def test_a_line_without_a_bank_account_is_not_sent_but_failed_and_listed(staff, region_tree, recipients,
                                                                         make_household):
    no_account = make_household(region_tree.village_b1, members=[{"name": "周七"}],
                                tiers=[{"tier": "dibao", "amount": Decimal("300.00"), "start": date(2025, 1, 1)}])
    payroll = exported(staff, region_tree)
    line = PayrollLine.objects.get(household=no_account)
    assert line.status == LineStatus.FAILED and line.failure_reason.startswith("[export]")
    assert export_problems(payroll) == [{"line": line.pk, "payee": "周七", "reason": line.failure_reason}]
    assert sum(f.lines for f in payroll.bank_files.filter(layout="csv")) == 3        # the other three lines
    assert not any(f.bank_name == "" for f in payroll.bank_files.all())


# --- Return -------------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_return_settles_lines_and_reports_every_row_it_cannot_apply(staff, region_tree, recipients):
    payroll = exported(staff, region_tree)
    dibao, ep, marginal = (line_of(recipients, k) for k in ("dibao", "ep", "marginal"))
    data = return_csv(
        (dibao.pk, "6228480012345678901", "1200.00", "paid", "0000", ""),
        (ep.pk, "6217990012345678", "1555.00", "failed", "E01", "账户已销户"),
        (999999, "6228480000000000", "10.00", "paid", "0000", ""),                  # not a line of this payroll
        (marginal.pk, "6228480098765432101", "546.60", "paid", "0000", ""),       # the line is 564.60
    )
    received = bank_return_receive(actor=staff.county, payroll_id=payroll.pk, file_name="abc-202611.csv",
                                   data=data)
    statuses = dict(PayrollLine.objects.values_list("pk", "status"))
    assert statuses == {dibao.pk: LineStatus.PAID, ep.pk: LineStatus.FAILED, marginal.pk: LineStatus.PENDING}
    assert PayrollLine.objects.get(pk=ep.pk).failure_reason == "E01 账户已销户"
    assert (received.paid, received.failed) == (1, 1)
    assert [(p["row"], p["reference"], p["code"]) for p in received.problems] == [
        (4, "999999", "unknown_reference"),
        (5, str(marginal.pk), "amount_differs"),
        (None, str(marginal.pk), "not_in_return"),        # the unmatched line stays to be paid, and is listed
    ]
    assert Payroll.objects.get(pk=payroll.pk).status == PayrollStatus.EXPORTED

    # The bank sends the missing line in a second file: now nothing is pending.
    second = bank_return_receive(actor=staff.county, payroll_id=payroll.pk, file_name="abc-202611-2.csv",
                                 data=return_csv((marginal.pk, "6228480098765432101", "564.60", "paid", "", "")))
    assert (second.paid, second.failed, second.problems) == (1, 0, [])
    assert Payroll.objects.get(pk=payroll.pk).status == PayrollStatus.RECONCILED


@pytest.mark.django_db
def test_the_same_return_twice_changes_nothing(staff, region_tree, recipients):
    payroll = exported(staff, region_tree)
    dibao = line_of(recipients, "dibao")
    data = return_csv((dibao.pk, "6228480012345678901", "1200.00", "paid", "", ""))
    first = bank_return_receive(actor=staff.county, payroll_id=payroll.pk, file_name="r.csv", data=data)
    before = list(PayrollLine.objects.values_list("pk", "status").order_by("pk"))
    again = bank_return_receive(actor=staff.county, payroll_id=payroll.pk, file_name="r (copy).csv", data=data)
    assert again.pk == first.pk and BankReturn.objects.count() == 1
    assert list(PayrollLine.objects.values_list("pk", "status").order_by("pk")) == before
    assert AuditLog.objects.filter(detail__step="return").count() == 1


@pytest.mark.django_db
def test_a_line_listed_twice_or_with_another_account_is_never_applied(staff, region_tree, recipients):
    payroll = exported(staff, region_tree)
    dibao, ep = line_of(recipients, "dibao"), line_of(recipients, "ep")
    received = bank_return_receive(actor=staff.county, payroll_id=payroll.pk, file_name="r.csv", data=return_csv(
        (dibao.pk, "6228480012345678901", "1200.00", "paid", "", ""),
        (dibao.pk, "6228480012345678901", "1200.00", "failed", "E09", "重复"),
        (ep.pk, "6217990099999999", "1555.00", "paid", "", ""),
        ("abc", "", "x", "maybe", "", ""),
    ))
    assert [(p["row"], p["code"]) for p in received.problems if p["row"]] == [
        (2, "listed_twice"), (3, "listed_twice"), (4, "account_differs"), (5, "bad_reference")]
    assert set(PayrollLine.objects.values_list("status", flat=True)) == {LineStatus.PENDING}
    assert received.paid == received.failed == 0


@pytest.mark.django_db
def test_a_paid_staged_temporary_payment_is_marked_paid(staff, region_tree, recipients):
    from jiuzhu.cases.models import Application, TemporaryPayment

    household = recipients["none"]
    application = Application.objects.create(
        number="T-2026-0001", kind="temporary", household=household, applicant=household.head,
        region=region_tree.township_b, window_region=region_tree.township_b, submitted_on=date(2026, 10, 9),
        created_by=staff.assistant_b)
    stage = TemporaryPayment.objects.create(application=application, kind="stage", stage=2,
                                            amount=Decimal("1648.00"), due_on=date(2026, 11, 10))
    household.bank_name, household.bank_account = "工商银行", "6222020200112233445"
    household.save()
    payroll = exported(staff, region_tree)
    line = PayrollLine.objects.get(source_key=f"tp:{stage.pk}")
    assert line.kind == LineKind.TEMPORARY
    bank_return_receive(actor=staff.county, payroll_id=payroll.pk, file_name="icbc.csv",
                        data=return_csv((line.pk, "6222020200112233445", "1648.00", "paid", "", "")))
    stage.refresh_from_db()
    assert stage.paid_at is not None and stage.paid_by == staff.county


# --- Correction and re-issue ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_failed_account_is_corrected_and_reissued_once_through_maker_checker(staff, region_tree, recipients):
    payroll = exported(staff, region_tree)
    dibao, ep, marginal = (line_of(recipients, k) for k in ("dibao", "ep", "marginal"))
    bank_return_receive(actor=staff.county, payroll_id=payroll.pk, file_name="r.csv", data=return_csv(
        (dibao.pk, "6228480012345678901", "1200.00", "paid", "", ""),
        (ep.pk, "6217990012345678", "1555.00", "failed", "E01", "账户已销户"),
        (marginal.pk, "6228480098765432101", "564.60", "paid", "", "")))
    assert Payroll.objects.get(pk=payroll.pk).status == PayrollStatus.RECONCILED   # settled: paid or failed

    with pytest.raises(PaymentError) as err:
        payroll_reissue(actor=staff.county, payroll_id=payroll.pk)
    assert err.value.code == "nothing_to_reissue"                         # not before the account is corrected
    with pytest.raises(PaymentError) as err:
        line_correct_account(actor=staff.county, line_id=dibao.pk, bank_name="邮储银行", bank_account="1234567890")
    assert err.value.code == "not_failed"
    with pytest.raises(PaymentError) as err:
        line_correct_account(actor=staff.county, line_id=ep.pk, bank_name="邮储银行", bank_account="62179900-12")
    assert err.value.field == "bank_account"
    line_correct_account(actor=staff.county, line_id=ep.pk, bank_name="邮储银行", bank_account="6217 9900 5555 6666")
    household = recipients["ep"]
    household.refresh_from_db()
    assert household.bank_account == "6217990055556666"
    latest = household.history.first()
    assert latest.history_user == staff.county
    assert str(ep.pk) in latest.history_change_reason and "2026-11" in latest.history_change_reason
    assert PayrollLine.objects.get(pk=ep.pk).bank_account == "6217990012345678"     # what was sent stays

    supplement = payroll_reissue(actor=staff.county, payroll_id=payroll.pk)
    assert (supplement.region_id, supplement.month, supplement.number) == (payroll.region_id, MONTH, 2)
    assert supplement.status == PayrollStatus.PREPARED and supplement.prepared_by == staff.county
    assert supplement.funding_shares == payroll.funding_shares
    (reissue,) = supplement.lines.all()
    assert (reissue.kind, reissue.source_key, reissue.amount, reissue.bank_account, reissue.tier) == (
        LineKind.REISSUE, f"re:{ep.pk}", Decimal("1555.00"), "6217990055556666", "extreme_poverty")
    assert PayrollLine.objects.get(pk=ep.pk).status == LineStatus.REISSUED
    assert (supplement.lines_count, supplement.total) == (1, Decimal("1555.00"))

    again = payroll_reissue(actor=staff.county, payroll_id=payroll.pk)
    assert again.pk == supplement.pk
    assert Payroll.objects.count() == 2 and PayrollLine.objects.filter(kind=LineKind.REISSUE).count() == 1

    with pytest.raises(PaymentError) as err:
        bank_files_export(actor=staff.county, payroll_id=supplement.pk)
    assert err.value.code == "not_approved"
    with pytest.raises(PaymentError) as err:
        payroll_approve(actor=staff.county, payroll_id=supplement.pk, version=supplement.version)
    assert err.value.code == "maker_checker"
    payroll_approve(actor=staff.county_2, payroll_id=supplement.pk, version=supplement.version)
    (fixed,) = [f for f in bank_files_export(actor=staff.county, payroll_id=supplement.pk) if f.layout == "fixed"]
    detail = bank.fixed_width_read(bank_file_path(fixed).read_bytes())[1]
    assert (detail["reference"], detail["account"], detail["amount_fen"]) == (
        f"{reissue.pk:012d}", "6217990055556666", "000000000155500")
