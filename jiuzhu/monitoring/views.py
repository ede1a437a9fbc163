"""Pages of monitoring: department feeds, the township's warning queue, the grid worker's verification page,
the clerk's match reviews and the loop figures. Each view parses input, calls one selector or service, renders."""
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jiuzhu.core.audit import audit_record
from jiuzhu.core.models import AuditAction
from jiuzhu.monitoring.errors import MonitoringError
from jiuzhu.monitoring.feedtypes import FEEDS, FeedType
from jiuzhu.monitoring.indicators import INDICATORS
from jiuzhu.monitoring.models import (
    FeedSource,
    BatchStatus,
    Outcome,
    VerificationTask,
    Warning,
    WarningLevel,
)
from jiuzhu.monitoring.selectors import (
    batch_list,
    can_read_warnings,
    can_send_feeds,
    loop_figures,
    review_list,
    task_get,
    task_list,
    warning_get,
    warning_list,
)
from jiuzhu.monitoring.services import feed_batch_monitor, review_decide, task_complete
from jiuzhu.policy.basis import BASES
from jiuzhu.policy.display import money


MATCH_LABELS = {"id": gettext_lazy("ID number"), "linked": gettext_lazy("name, birth date and region (probabilistic)"),
                "outside": gettext_lazy("nobody in the registry"), "population": gettext_lazy("registry data")}


class FeedUploadForm(forms.Form):
    feed_type = forms.ChoiceField(label=gettext_lazy("Feed"), choices=FeedType.choices)
    source = forms.ModelChoiceField(
        label=gettext_lazy("Source (the department's own column names)"), required=False,
        queryset=FeedSource.objects.order_by("department", "name"),
        help_text=gettext_lazy("Leave empty when the file uses the documented column names."))
    file = forms.FileField(label=gettext_lazy("File (.csv in UTF-8 or GBK, .xlsx, .parquet)"))

    def clean(self):
        data = super().clean()
        source = data.get("source")
        if source is not None and data.get("feed_type") and source.feed_type != data["feed_type"]:
            self.add_error("source", _("This source delivers %(feed)s.") % {"feed": source.get_feed_type_display()})
        return data


class WarningFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False,
                               choices=[("open", gettext_lazy("Open")), ("closed", gettext_lazy("Closed")),
                                        ("", gettext_lazy("All"))])
    level = forms.ChoiceField(label=gettext_lazy("Level"), required=False,
                              choices=[("", gettext_lazy("All")), *WarningLevel.choices])
    indicator = forms.ChoiceField(label=gettext_lazy("Indicator"), required=False,
                                  choices=[("", gettext_lazy("All"))] + [(i.name, i.label) for i in INDICATORS.values()])
    q = forms.CharField(label=gettext_lazy("Name or ID number"), required=False, max_length=50)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)


class OutcomeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome of the visit"), choices=Outcome.choices,
                                widget=forms.RadioSelect)
    note = forms.CharField(label=gettext_lazy("What you found (the reason when not needed; the department when "
                                              "referred)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Your role does not give access to this page."))


@never_cache
@login_required
def feeds(request):
    """Department feeds: hand in a file, see what was accepted and rejected."""
    _require(can_send_feeds(request.user))
    form = FeedUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        from jiuzhu.monitoring.intake import feed_batch_receive

        upload = form.cleaned_data["file"]
        feed_type = form.cleaned_data["feed_type"]
        source = form.cleaned_data.get("source")
        result = feed_batch_receive(actor=request.user, file_name=upload.name, data=upload.read(),
                                    feed_type=feed_type, department=source.department if source else
                                    FEEDS[feed_type].department, source=source,
                                    region=request.user.home_region)
        batch = result.batch
        if not result.created:
            messages.warning(request, _("This file was handed in before (same contents): nothing changed."))
        elif batch.status == BatchStatus.ACCEPTED:
            loaded = feed_batch_monitor(batch=batch, actor=request.user)
            messages.success(request, _("%(accepted)s rows accepted, %(rejected)s rejected; %(created)s new warnings, "
                                        "%(updated)s updated.") % {"accepted": batch.rows_accepted,
                                                                  "rejected": batch.rows_rejected,
                                                                  "created": loaded.created,
                                                                  "updated": loaded.updated})
        else:
            messages.error(request, _("The file was rejected: see the reason below."))
        return redirect("monitoring:batch", pk=batch.pk)
    page = Paginator(batch_list(user=request.user), settings.JIUZHU["PAGE_SIZE"]).get_page(request.GET.get("page"))
    return render(request, "monitoring/feeds.html", {
        "form": form, "page": page, "page_range": page.paginator.get_elided_page_range(page.number),
        "feeds": FEEDS, "nav_active": "monitoring"})


@never_cache
@login_required
def batch_detail(request, pk: int):
    _require(can_send_feeds(request.user))
    batch = batch_list(user=request.user).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return render(request, "monitoring/batch.html", {"batch": batch, "nav_active": "monitoring"})


@login_required
def batch_report(request, pk: int):
    """The full list of rejected rows (the batch keeps only the first ones)."""
    _require(can_send_feeds(request.user))
    batch = batch_list(user=request.user).filter(pk=pk).first()
    if batch is None or not batch.report_path:
        raise Http404
    from pathlib import Path

    path = Path(batch.report_path)
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@never_cache
@login_required
def warnings(request):
    """The township's queue of warnings."""
    _require(can_read_warnings(request.user))
    today = timezone.localdate()
    form = WarningFilterForm(request.GET or None, initial={"status": "open"})
    filters = form.cleaned_data if form.is_valid() else {"status": "open"}
    if not request.GET:
        filters = {"status": "open"}
    rows = warning_list(user=request.user, today=today, status=filters.get("status", "open"),
                        level=filters.get("level", ""), indicator=filters.get("indicator", ""),
                        q=(filters.get("q") or "").strip(), overdue=filters.get("overdue", False))
    page = Paginator(rows, settings.JIUZHU["PAGE_SIZE"]).get_page(request.GET.get("page"))
    return render(request, "monitoring/warnings.html", {
        "form": form, "page": page, "page_range": page.paginator.get_elided_page_range(page.number),
        "indicators": INDICATORS, "today": today, "nav_active": "monitoring",
        "can_send_feeds": can_send_feeds(request.user)})


def _warning_context(warning: Warning) -> dict:
    ind = INDICATORS.get(warning.indicator)
    evidence = [e | {"amount": money(Decimal(e.get("amount_fen") or 0) / 100) if e.get("amount_fen") else "—",
                     "match": str(MATCH_LABELS.get(e.get("match"), e.get("match") or ""))}
                for e in warning.evidence]
    return {"warning": warning, "indicator": ind, "basis": BASES.get(ind.basis) if ind else None,
            "evidence": evidence}


@never_cache
@login_required
def warning_detail(request, pk: int):
    _require(can_read_warnings(request.user))
    try:
        warning = warning_get(user=request.user, pk=pk)
    except Warning.DoesNotExist:
        raise Http404 from None
    audit_record(actor=request.user, action=AuditAction.VIEW_WARNING, object_type="warning", object_id=warning.pk,
                 region_code=warning.region_id, request=request)
    return render(request, "monitoring/warning.html", _warning_context(warning) | {
        "nav_active": "monitoring", "can_send_feeds": can_send_feeds(request.user)})


@never_cache
@login_required
def tasks(request):
    """The grid worker's list of households to visit (phone-sized)."""
    _require(can_read_warnings(request.user))
    return render(request, "monitoring/tasks.html", {"tasks": task_list(user=request.user)[:200],
                                                     "today": timezone.localdate(), "nav_active": "tasks"})


@never_cache
@login_required
def task_detail(request, pk: int):
    """Verify one warning on the spot and record the outcome (phone-sized)."""
    _require(can_read_warnings(request.user))
    try:
        task = task_get(user=request.user, pk=pk)
    except VerificationTask.DoesNotExist:
        raise Http404 from None
    form = OutcomeForm(request.POST or None, initial={"version": task.version})
    if request.method == "POST" and form.is_valid():
        try:
            warning = task_complete(actor=request.user, task_id=task.pk, version=form.cleaned_data["version"],
                                    outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"])
        except MonitoringError as exc:
            if exc.code == "stale":
                messages.error(request, exc.message)
                return redirect("monitoring:task", pk=task.pk)
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if warning.application_id:
                messages.success(request, _("Verified. Application %(number)s was opened for the household.")
                                 % {"number": warning.application.number})
            else:
                messages.success(request, _("Verified and closed."))
            return redirect("monitoring:tasks")
    context = _warning_context(task.warning) | {"task": task, "form": form, "today": timezone.localdate(),
                                                "nav_active": "tasks"}
    return render(request, "monitoring/task.html", context, status=400 if form.errors else 200)


@never_cache
@login_required
def reviews(request):
    """Uncertain matches of records without an ID number, for a clerk to decide."""
    rows = review_list(user=request.user)
    _require(can_read_warnings(request.user))
    return render(request, "monitoring/reviews.html", {"reviews": rows[:200], "nav_active": "monitoring",
                                                       "can_send_feeds": can_send_feeds(request.user)})


@require_POST
@login_required
def review_decision(request, pk: int):
    try:
        review_decide(actor=request.user, review_id=pk, same_person=request.POST.get("same_person") == "1")
    except MonitoringError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("monitoring:reviews")


@never_cache
@login_required
def loop(request):
    """Open, overdue and closed warnings and the time to close them, per township."""
    _require(can_read_warnings(request.user))
    return render(request, "monitoring/loop.html", {
        "rows": loop_figures(user=request.user, today=timezone.localdate()), "nav_active": "monitoring",
        "can_send_feeds": can_send_feeds(request.user)})

