"""From an approved payroll to money in accounts: bank files, the bank's return, correction and re-issue.

    APPROVED ──bank_files_export──► EXPORTED ──bank_return_receive (until no line is pending)──► RECONCILED
                                        │
         failed line ──line_correct_account──► corrected ──payroll_reissue──► supplementary payroll (PREPARED),
                                                                              approved and exported like any other

Nothing is paid twice (a re-issue line's source key "re:<failed line>" is unique) and nothing is silently
dropped: a line that cannot go to the bank is marked failed at export and listed; every row of a return that
cannot be applied is a problem reported by row and reason; lines a return does not mention stay pending.
"""
from __future__ import annotations

import hashlib
import os
import re
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.core.audit import audit_record
from jiuzhu.core.models import AuditAction
from jiuzhu.payments import bank
from jiuzhu.payments.errors import PaymentError
from jiuzhu.payments.models import (
    AccountCorrection,
    BankFile,
    BankReturn,
    LineKind,
    LineStatus,
    Payroll,
    PayrollLine,
    PayrollStatus,
)
from jiuzhu.payments.services import payroll_role_check

LAYOUTS = {"xlsx": (".xlsx", bank.xlsx_file), "fixed": (".txt", bank.fixed_width_file), "csv": (".csv", bank.csv_file)}


def bank_file_path(bank_file: BankFile) -> Path:
    """Where a bank file is on disk (BankFile.path is absolute; a relative one is taken under VAR_DIR)."""
    return Path(settings.JIUZHU["VAR_DIR"]) / bank_file.path


def _safe(name: str) -> str:
    return re.sub(r"[^\w]+", "_", name).strip("_") or "bank"


def _write(path: Path, data: bytes) -> None:
    """Written whole or not at all; readable by its owner only (the files hold full account and ID numbers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".part")
    with open(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
        out.write(data)
    temp.replace(path)


def _bank_line(line: PayrollLine) -> bank.BankLine:
    return bank.BankLine(reference=line.pk, payee_name=line.payee_name, id_number=line.payee_id_number,
                         bank_name=line.bank_name.strip(), account=line.bank_account.strip(), amount=line.amount)


def export_problems(payroll: Payroll) -> list[dict]:
    """The lines of an exported payroll that were not sent to any bank, with the reason (they are FAILED from
    the export on, and are corrected and re-issued like a payment the bank refused)."""
    return [{"line": line_id, "payee": name, "reason": reason}
            for line_id, name, reason in payroll.lines.filter(
                status=LineStatus.FAILED, failure_reason__startswith="[export]").values_list(
                "pk", "payee_name", "failure_reason")]


@transaction.atomic
def bank_files_export(*, actor, payroll_id: int) -> list[BankFile]:
    """Write the bank files of an approved payroll — per bank an .xlsx, a fixed-width text file and a CSV — under
    VAR_DIR/payments/<payroll id>/, and mark the payroll exported. Exporting an exported payroll again returns the
    files already made. A line without a usable account (or with a name too long for the file) is not sent: it
    is marked failed with the reason, listed by `export_problems`, and then corrected and re-issued."""
    payroll = Payroll.objects.select_for_update().select_related("region").get(pk=payroll_id)
    payroll_role_check(actor, payroll.region)
    if payroll.status in (PayrollStatus.EXPORTED, PayrollStatus.RECONCILED):
        return list(payroll.bank_files.all())
    if payroll.status != PayrollStatus.APPROVED:
        raise PaymentError("not_approved", _("Only an approved payroll produces bank files (this one is "
                                             "“%(status)s”).") % {"status": PayrollStatus(payroll.status).label})
    by_bank: dict[str, list[bank.BankLine]] = defaultdict(list)
    unfit: dict[int, str] = {}
    for line in payroll.lines.filter(status=LineStatus.PENDING).order_by("bank_name", "pk"):
        item = _bank_line(line)
        reason = bank.line_unfit(item)
        if reason:
            unfit[line.pk] = reason
        else:
            by_bank[item.bank_name].append(item)
    for line_id, reason in unfit.items():
        PayrollLine.objects.filter(pk=line_id).update(status=LineStatus.FAILED,
                                                      failure_reason=f"[export] {reason}"[:200])
    folder = Path(settings.JIUZHU["VAR_DIR"]).resolve() / "payments" / str(payroll.pk)
    today = timezone.localdate()
    files = []
    for bank_name, lines in sorted(by_bank.items()):
        head = bank.FileHead(county_code=payroll.region_id, month=payroll.month, payroll_number=payroll.number,
                             bank_name=bank_name, file_date=today)
        total = sum((line.amount for line in lines), Decimal("0.00"))
        stem = f"{payroll.region_id}-{payroll.month:%Y%m}-{payroll.number:02d}-{_safe(bank_name)}"
        for layout, (suffix, build) in LAYOUTS.items():
            data = build(head, lines)
            path = folder / (stem + suffix)
            _write(path, data)
            files.append(BankFile.objects.create(payroll=payroll, bank_name=bank_name, layout=layout,
                                                 path=str(path), lines=len(lines), total=total,
                                                 checksum=hashlib.sha256(data).hexdigest()))
        audit_record(actor=actor, action=AuditAction.PAYROLL, object_type="payroll", object_id=payroll.pk,
                     region_code=payroll.region_id,
                     detail={"step": "exported", "bank": bank_name, "lines": len(lines), "total": str(total),
                             "files": {f.layout: f.checksum for f in files if f.bank_name == bank_name}})
    if files:
        _write(folder / "SHA256SUMS",
               "".join(f"{f.checksum}  {Path(f.path).name}\n" for f in files).encode("utf-8"))
    if unfit:
        audit_record(actor=actor, action=AuditAction.PAYROLL, object_type="payroll", object_id=payroll.pk,
                     region_code=payroll.region_id, detail={"step": "not_exported", "lines": sorted(unfit)})
    Payroll.objects.filter(pk=payroll.pk).update(status=PayrollStatus.EXPORTED, version=payroll.version + 1)
    if not by_bank:
        _reconcile_if_settled(payroll)
    return files


def _problem(row: int | None, reference: str, code: str, message: str) -> dict:
    return {"row": row, "reference": reference, "code": code, "message": str(message)}


def _reconcile_if_settled(payroll: Payroll) -> bool:
    if payroll.lines.filter(status=LineStatus.PENDING).exists():
        return False
    return bool(Payroll.objects.filter(pk=payroll.pk, status=PayrollStatus.EXPORTED).update(
        status=PayrollStatus.RECONCILED))


@transaction.atomic
def bank_return_receive(*, actor, payroll_id: int, file_name: str, data: bytes) -> BankReturn:
    """Apply a bank's return file to an exported payroll (layout: docs/payments.md, "The bank's return").

    A row settles its line PAID or FAILED only if its reference is a line of this payroll still pending, its
    account and amount are the line's, and the line appears once in the file; every other row is a problem
    (row, reference, code, reason) and changes nothing. Pending lines the file does not mention stay pending and
    are listed among the problems (row None, code "not_in_return"). The same file twice changes nothing; once no
    line is pending the payroll is RECONCILED. A paid staged temporary-assistance line marks its payment paid."""
    digest = hashlib.sha256(data).hexdigest()
    payroll = Payroll.objects.select_for_update().select_related("region").get(pk=payroll_id)
    payroll_role_check(actor, payroll.region)
    seen = BankReturn.objects.filter(sha256=digest).first()
    if seen is not None:
        if seen.payroll_id != payroll.pk:
            raise PaymentError("other_payroll", _("This return file was already received for another payroll."),
                               field="file")
        return seen
    if payroll.status != PayrollStatus.EXPORTED:
        raise PaymentError("not_exported", _("Only an exported payroll that is not yet reconciled takes a bank "
                                             "return (this one is “%(status)s”).")
                           % {"status": PayrollStatus(payroll.status).label})
    try:
        parsed = bank.return_file_read(data)
    except bank.ReturnFormatError as exc:
        raise PaymentError(exc.code, str(exc), field="file") from exc

    lines = {line.pk: line for line in payroll.lines.all()}
    listed = Counter(int(r.reference) for r in parsed.rows if r.problem is None)
    problems, paid, failed, now = [], [], [], timezone.now()
    for row in parsed.rows:
        if row.problem:
            problems.append(_problem(row.row, row.reference, *row.problem))
            continue
        line = lines.get(int(row.reference))
        if line is None:
            problems.append(_problem(row.row, row.reference, "unknown_reference",
                                     _("No line of this payroll has this reference.")))
        elif listed[line.pk] > 1:
            problems.append(_problem(row.row, row.reference, "listed_twice",
                                     _("The line is listed %(n)d times in this file; none of them is applied.")
                                     % {"n": listed[line.pk]}))
        elif row.account != line.bank_account.strip():
            problems.append(_problem(row.row, row.reference, "account_differs",
                                     _("The account differs from the one the payment was sent to.")))
        elif row.amount != line.amount:
            problems.append(_problem(row.row, row.reference, "amount_differs",
                                     _("The amount %(amount)s differs from the line's %(line)s.")
                                     % {"amount": row.amount, "line": line.amount}))
        elif line.status != LineStatus.PENDING:
            problems.append(_problem(row.row, row.reference, "already_settled",
                                     _("The line is already “%(status)s”.")
                                     % {"status": LineStatus(line.status).label}))
        elif row.status == "paid":
            paid.append(line)
        else:
            line.failure_reason = " ".join(p for p in (row.bank_code, row.reason) if p)[:200] or _("Failed")
            failed.append(line)
    PayrollLine.objects.filter(pk__in=[line.pk for line in paid]).update(status=LineStatus.PAID)
    for line in failed:
        PayrollLine.objects.filter(pk=line.pk).update(status=LineStatus.FAILED, failure_reason=line.failure_reason)
    _temporary_payments_paid(paid, actor=actor, when=now)
    settled = {line.pk for line in paid + failed}
    for line in sorted(lines.values(), key=lambda x: x.pk):
        if line.status == LineStatus.PENDING and line.pk not in settled:
            problems.append(_problem(None, str(line.pk), "not_in_return",
                                     _("The return does not mention this line: it stays to be paid.")))
    try:
        with transaction.atomic():
            received = BankReturn.objects.create(payroll=payroll, file_name=file_name[:255], sha256=digest,
                                                 received_by=actor, paid=len(paid), failed=len(failed),
                                                 problems=problems)
    except IntegrityError:  # the same file received at the same moment by someone else
        raise PaymentError("stale", _("This return file is being received by someone else.")) from None
    reconciled = _reconcile_if_settled(payroll)
    audit_record(actor=actor, action=AuditAction.PAYROLL, object_type="payroll", object_id=payroll.pk,
                 region_code=payroll.region_id,
                 detail={"step": "return", "file": file_name, "sha256": digest, "paid": len(paid),
                         "failed": len(failed), "problems": len(problems), "reconciled": reconciled})
    return received


def _temporary_payments_paid(lines: list[PayrollLine], *, actor, when) -> None:
    from jiuzhu.cases.models import TemporaryPayment

    ids = [int(line.source_key[3:]) for line in lines
           if line.kind == LineKind.TEMPORARY and line.source_key.startswith("tp:")]
    if ids:
        TemporaryPayment.objects.filter(pk__in=ids, paid_at__isnull=True).update(paid_at=when, paid_by=actor)


# --- Correction and re-issue ----------------------------------------------------------------------------------

@transaction.atomic
def line_correct_account(*, actor, line_id: int, bank_name: str, bank_account: str) -> AccountCorrection:
    """Correct the account of a failed payment (the line keeps the account it was sent to; the correction is
    what the re-issue pays) and the household's record, with the reason in the household's history."""
    line = PayrollLine.objects.select_for_update().select_related("payroll__region", "household").get(pk=line_id)
    payroll_role_check(actor, line.payroll.region)
    if line.status != LineStatus.FAILED:
        raise PaymentError("not_failed", _("Only a failed payment can be corrected (this one is “%(status)s”).")
                           % {"status": LineStatus(line.status).label})
    bank_name, bank_account = bank_name.strip(), re.sub(r"\s+", "", bank_account)
    if not bank_name:
        raise PaymentError("required", _("Name the bank."), field="bank_name")
    if not bank.ACCOUNT_RE.match(bank_account):
        raise PaymentError("invalid_account", _("The bank account number is not 8 to 40 digits."),
                           field="bank_account")
    correction, _created = AccountCorrection.objects.update_or_create(
        line=line, defaults={"bank_name": bank_name, "bank_account": bank_account, "corrected_by": actor})
    household = line.household
    if (household.bank_name, household.bank_account) != (bank_name, bank_account):
        household.bank_name, household.bank_account = bank_name, bank_account
        household._history_user = actor
        household._change_reason = _("Bank account corrected after the failed payment %(line)s of %(month)s") % {
            "line": line.pk, "month": f"{line.payroll.month:%Y-%m}"}
        household.save(update_fields=["bank_name", "bank_account", "updated_at"])
    audit_record(actor=actor, action=AuditAction.PAYROLL, object_type="payroll_line", object_id=line.pk,
                 region_code=line.region_code, detail={"step": "account_corrected", "payroll": line.payroll_id,
                                                       "household": household.pk})
    return correction


@transaction.atomic
def payroll_reissue(*, actor, payroll_id: int) -> Payroll:
    """A supplementary payroll (same county and month, the next number) with one re-issue line per corrected
    failed line of this payroll, prepared by `actor` and then approved and exported like any payroll; the
    failed lines become REISSUED. When no corrected failed line is left, the supplementary payroll made last
    from this one is returned and nothing new is made."""
    source = Payroll.objects.select_for_update().select_related("region").get(pk=payroll_id)
    payroll_role_check(actor, source.region)
    failed = list(source.lines.filter(status=LineStatus.FAILED, correction__isnull=False)
                  .select_related("correction").order_by("pk"))
    if not failed:
        reissued = [f"re:{pk}" for pk in source.lines.filter(status=LineStatus.REISSUED).values_list("pk", flat=True)]
        earlier = Payroll.objects.filter(lines__source_key__in=reissued).distinct().order_by("-number").first()
        if earlier is not None:
            return earlier
        raise PaymentError("nothing_to_reissue", _("No failed payment of this payroll has a corrected account."))
    number = (Payroll.objects.filter(region=source.region, month=source.month).aggregate(n=Max("number"))["n"]
              or 0) + 1
    now = timezone.now()
    try:
        with transaction.atomic():
            supplement = Payroll.objects.create(
                region=source.region, month=source.month, number=number,
                status=PayrollStatus.PREPARED, prepared_by=actor, prepared_at=now,
                funding_shares=source.funding_shares, generated_upto=source.generated_upto)
    except IntegrityError:  # another supplementary payroll of the month took this number at the same moment
        raise PaymentError("stale", _("Someone else is preparing a payroll of this month; try again.")) from None
    PayrollLine.objects.bulk_create([
        PayrollLine(payroll=supplement, source_key=f"re:{line.pk}", kind=LineKind.REISSUE,
                    household_id=line.household_id, person_id=line.person_id, tier=line.tier,
                    region_code=line.region_code, payee_name=line.payee_name,
                    payee_id_number=line.payee_id_number, bank_name=line.correction.bank_name,
                    bank_account=line.correction.bank_account, amount=line.amount,
                    basis=(_("Re-issue of payment %(line)s") % {"line": line.pk})[:200])
        for line in failed])
    PayrollLine.objects.filter(pk__in=[line.pk for line in failed]).update(status=LineStatus.REISSUED)
    figures = supplement.lines.aggregate(n=Count("id"), total=Sum("amount"))
    Payroll.objects.filter(pk=supplement.pk).update(lines_count=figures["n"], total=figures["total"])
    supplement.refresh_from_db()
    audit_record(actor=actor, action=AuditAction.PAYROLL, object_type="payroll", object_id=supplement.pk,
                 region_code=supplement.region_id,
                 detail={"step": "prepared", "reissue_of": source.pk, "lines": supplement.lines_count,
                         "total": str(supplement.total)})
    return supplement
