"""Pages of payments: the county's payrolls, prepared by one officer and approved by another, bank files, the
bank's return with failed accounts corrected and re-issued, and fund statistics."""
from datetime import date
from decimal import Decimal
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jiuzhu.core.audit import audit_record
from jiuzhu.core.models import AuditAction, Region
from jiuzhu.core.scope import filter_by_region
from jiuzhu.payments.errors import PaymentError
from jiuzhu.payments.models import LineStatus, Payroll, PayrollLine
from jiuzhu.payments.selectors import can_manage_payrolls, can_read_payrolls, payroll_get, payroll_list
from jiuzhu.core.months import month_start
from jiuzhu.payments.services import payroll_approve, payroll_generate


class MonthForm(forms.Form):
    month = forms.DateField(label=gettext_lazy("Month"), input_formats=["%Y-%m", "%Y-%m-%d"],
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))


class ReturnForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("The bank's return file (.csv)"))


class AccountForm(forms.Form):
    bank_name = forms.CharField(label=gettext_lazy("Bank"), max_length=100)
    bank_account = forms.CharField(label=gettext_lazy("Corrected account number"), max_length=40)


# How the bank file layouts are named on the page (BankFile.layout holds the code).
LAYOUT_LABELS = {
    "xlsx": gettext_lazy("Excel (.xlsx)"),
    "fixed": gettext_lazy("Fixed-width text (.txt)"),
    "csv": gettext_lazy("CSV (.csv)"),
}


def _shares(shares: dict[str, str]) -> list[tuple[str, str]]:
    """The funding shares as the page shows them: the level's name and its percentage, levels that pay."""
    from jiuzhu.payments.funds import SOURCE_LABELS

    return [(str(SOURCE_LABELS.get(level, level)), f"{(Decimal(share) * 100).normalize():f}%")
            for level, share in shares.items() if Decimal(share)]


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Your role does not give access to payrolls."))


@never_cache
@login_required
def payrolls(request):
    _require(can_read_payrolls(request.user))
    form = MonthForm(request.POST or None, initial={"month": month_start(timezone.localdate())})
    if request.method == "POST":
        _require(can_manage_payrolls(request.user))
        if form.is_valid():
            region = request.user.home_region
            try:
                payroll = payroll_generate(actor=request.user, region=region, month=form.cleaned_data["month"])
            except PaymentError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Payroll of %(month)s: %(lines)s payments, %(total)s yuan.")
                                 % {"month": f"{payroll.month:%Y-%m}", "lines": payroll.lines_count,
                                    "total": payroll.total})
                return redirect("payments:payroll", pk=payroll.pk)
    page = Paginator(payroll_list(user=request.user), settings.JIUZHU["PAGE_SIZE"]).get_page(request.GET.get("page"))
    return render(request, "payments/payrolls.html", {
        "form": form, "page": page, "page_range": page.paginator.get_elided_page_range(page.number),
        "can_manage": can_manage_payrolls(request.user), "nav_active": "payments"})


def _get(request, pk: int) -> Payroll:
    try:
        return payroll_get(user=request.user, pk=pk)
    except Payroll.DoesNotExist:
        raise Http404 from None


@never_cache
@login_required
def payroll_detail(request, pk: int):
    _require(can_read_payrolls(request.user))
    payroll = _get(request, pk)
    status = request.GET.get("status", "")
    lines = payroll.lines.select_related("household").order_by("id")
    if status in LineStatus.values:
        lines = lines.filter(status=status)
    page = Paginator(lines, settings.JIUZHU["PAGE_SIZE"]).get_page(request.GET.get("page"))
    from jiuzhu.payments.funds import tier_label

    page.object_list = list(page.object_list)
    for line in page.object_list:
        line.tier_label = tier_label(line.tier) if line.tier else ""
    failed = payroll.lines.filter(status=LineStatus.FAILED).order_by("id")[:100]
    bank_files = list(payroll.bank_files.all())
    for bank_file in bank_files:
        bank_file.layout_label = LAYOUT_LABELS.get(bank_file.layout, bank_file.layout)
    return render(request, "payments/payroll.html", {
        "payroll": payroll, "page": page, "page_range": page.paginator.get_elided_page_range(page.number),
        "status": status, "statuses": LineStatus.choices, "failed": failed, "account_form": AccountForm(),
        "return_form": ReturnForm(), "can_manage": can_manage_payrolls(request.user),
        "bank_files": bank_files, "returns": payroll.returns.all(), "shares": _shares(payroll.funding_shares),
        "nav_active": "payments"})


def _act(request, pk: int, action, success: str):
    _require(can_manage_payrolls(request.user))
    payroll = _get(request, pk)
    try:
        result = action(payroll)
    except PaymentError as exc:
        messages.error(request, exc.message)
        return redirect("payments:payroll", pk=payroll.pk)
    messages.success(request, success)
    return redirect("payments:payroll", pk=getattr(result, "pk", payroll.pk) if isinstance(result, Payroll)
                    else payroll.pk)


@require_POST
@login_required
def payroll_approve_view(request, pk: int):
    version = int(request.POST.get("version") or 0)
    return _act(request, pk, lambda p: payroll_approve(actor=request.user, payroll_id=p.pk, version=version),
                _("Payroll approved."))


@require_POST
@login_required
def bank_export(request, pk: int):
    from jiuzhu.payments.reconcile import bank_files_export

    return _act(request, pk, lambda p: bank_files_export(actor=request.user, payroll_id=p.pk),
                _("Bank files produced."))


@login_required
def bank_file_download(request, pk: int, file_pk: int):
    _require(can_manage_payrolls(request.user))
    payroll = _get(request, pk)
    bank_file = payroll.bank_files.filter(pk=file_pk).first()
    if bank_file is None or not Path(bank_file.path).exists():
        raise Http404
    # The bank files carry full account and ID numbers: every download is recorded.
    audit_record(actor=request.user, action=AuditAction.EXPORT, object_type="bank_file", object_id=bank_file.pk,
                 region_code=payroll.region_id, request=request,
                 detail={"payroll": payroll.pk, "bank": bank_file.bank_name, "layout": bank_file.layout})
    return FileResponse(Path(bank_file.path).open("rb"), as_attachment=True, filename=Path(bank_file.path).name)


@require_POST
@login_required
def bank_return(request, pk: int):
    from jiuzhu.payments.reconcile import bank_return_receive

    form = ReturnForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the bank's return file."))
        return redirect("payments:payroll", pk=pk)
    upload = form.cleaned_data["file"]
    return _act(request, pk, lambda p: bank_return_receive(actor=request.user, payroll_id=p.pk,
                                                           file_name=upload.name, data=upload.read()),
                _("The bank's return was reconciled."))


@require_POST
@login_required
def line_account(request, pk: int, line_pk: int):
    from jiuzhu.payments.reconcile import line_correct_account

    form = AccountForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the bank and the corrected account number."))
        return redirect("payments:payroll", pk=pk)
    return _act(request, pk, lambda p: line_correct_account(actor=request.user, line_id=_line(p, line_pk).pk,
                                                            **form.cleaned_data),
                _("Account corrected."))


def _line(payroll: Payroll, line_pk: int) -> PayrollLine:
    line = payroll.lines.filter(pk=line_pk).first()
    if line is None:
        raise Http404
    return line


@require_POST
@login_required
def reissue(request, pk: int):
    from jiuzhu.payments.reconcile import payroll_reissue

    return _act(request, pk, lambda p: payroll_reissue(actor=request.user, payroll_id=p.pk),
                _("The corrected payments are in a supplementary payroll, to be approved."))


@never_cache
@login_required
def funds(request):
    """Fund statistics by month, tier, township and fund source; .xlsx export."""
    from jiuzhu.payments.funds import SOURCE_LABELS, fund_statistics, fund_statistics_xlsx, tier_label

    _require(can_read_payrolls(request.user))
    today = timezone.localdate()
    year = int(request.GET.get("year") or today.year)
    months = [date(year, m, 1) for m in range(1, 13)]
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(fund_statistics_xlsx(user=request.user, months=months),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="funds-{year}.xlsx"'
        return response
    rows = [row | {"month": f"{row['month']:%Y-%m}", "tier": tier_label(row["tier"]),
                   "source": SOURCE_LABELS.get(row["source"], row["source"])}
            for row in fund_statistics(user=request.user, months=months)]
    names = Region.objects.in_bulk({r["region"] for r in rows})
    for row in rows:
        region = names.get(row["region"])
        row["region"] = region.display_name() if region else row["region"]
    return render(request, "payments/funds.html", {"rows": rows, "year": year, "nav_active": "payments"})


# --- Periodic reviews -----------------------------------------------------------------------------------

@never_cache
@login_required
def reviews(request):
    """Periodic reviews of the county: schedule the month's, re-screen each with the rules, decide the changes
    (a second officer decides what the first proposed)."""
    from jiuzhu.payments.models import PeriodicReview
    from jiuzhu.payments.reviews import reviews_schedule

    _require(can_read_payrolls(request.user))
    form = MonthForm(request.POST or None, initial={"month": month_start(timezone.localdate())})
    if request.method == "POST":
        _require(can_manage_payrolls(request.user))
        if form.is_valid():
            try:
                count = reviews_schedule(actor=request.user, region=request.user.home_region,
                                         month=form.cleaned_data["month"])
            except PaymentError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("%(count)s reviews scheduled.") % {"count": count})
            return redirect("payments:reviews")
    qs = filter_by_region(PeriodicReview.objects.select_related("household", "household__head", "proposed_by"),
                          user=request.user, field="household__region").order_by("status", "due_on", "id")
    page = Paginator(qs, settings.JIUZHU["PAGE_SIZE"]).get_page(request.GET.get("page"))
    return render(request, "payments/reviews.html", {
        "form": form, "page": page, "page_range": page.paginator.get_elided_page_range(page.number),
        "can_manage": can_manage_payrolls(request.user), "nav_active": "payments"})


@require_POST
@login_required
def review_step(request, pk: int, step: str):
    from jiuzhu.payments.models import PeriodicReview
    from jiuzhu.payments.reviews import review_decide, review_screen

    _require(can_manage_payrolls(request.user))
    if not filter_by_region(PeriodicReview.objects.filter(pk=pk), user=request.user,
                            field="household__region").exists():
        raise Http404
    try:
        if step == "screen":
            review_screen(actor=request.user, review_id=pk, today=timezone.localdate())
        elif step in ("approve", "refuse"):
            review_decide(actor=request.user, review_id=pk, approve=step == "approve",
                          reasons=request.POST.get("reasons", ""))
        else:
            raise Http404
    except PaymentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done."))
    return redirect("payments:reviews")
