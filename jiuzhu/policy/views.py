"""Pages of policy: the standards in force and their history, "screen now" on a household, screening runs
and what-ifs. Each view parses input, calls one service or selector, and renders; the small functions at
the top only turn values into what a page shows (money as ¥1,234.50, shares as %, codes as labels)."""
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jiuzhu.core.models import Region
from jiuzhu.core.roles import roles_of
from jiuzhu.policy.display import (
    EMPTY,
    origin_label,
    region_name,
    explained_decision,
    money,
    parameter_display,
    signed_money,
    tier_label,
)
from jiuzhu.policy.errors import PolicyInputError
from jiuzhu.policy.explain import screen_household
from jiuzhu.policy.facts import household_facts
from jiuzhu.policy.forms import (
    AsOfForm,
    ChangeFilterForm,
    ParameterImportForm,
    ParameterValueForm,
    ProposalFormSet,
    RegionDateForm,
)
from jiuzhu.policy.imports import ParameterImportError, parameter_import
from jiuzhu.policy.parameters import parse_value_text
from jiuzhu.policy.models import ScreeningRun, ScreeningRunStatus
from jiuzhu.policy.parameters import SPEC_BY_NAME
from jiuzhu.policy.screening import (
    RULE_TIERS,
    can_run_screening,
    registered_state,
    screening_run_start,
    screening_whatif_start,
)
from jiuzhu.policy.selectors import (
    screening_changes,
    screening_run_get,
    screening_run_list,
    standards_in_force,
    standards_own_values,
)
from jiuzhu.policy.services import STANDARD_SETTERS, parameter_set
from jiuzhu.registry.models import Household
from jiuzhu.registry.selectors import household_get
from jiuzhu.registry.services import household_view_record

# --- Standards ----------------------------------------------------------------------------------------

def can_set_standards(user) -> bool:
    return bool(set(roles_of(user)) & STANDARD_SETTERS)


def _standards_context(request, *, form: RegionDateForm, region_code: str | None, as_of: date | None,
                       value_form: ParameterValueForm | None = None) -> dict:
    context: dict[str, Any] = {"form": form, "nav_active": "standards", "can_set": can_set_standards(request.user)}
    if region_code is None:
        return context
    rows = []
    for row in standards_in_force(region_code=region_code, as_of=as_of):
        r = row.resolved
        rows.append({
            "name": row.spec.name, "label": row.spec.label, "unit": row.spec.unit, "help": row.spec.help,
            "unsure": row.spec.unsure, "value": parameter_display(row.spec.name, r.value), "origin": row.origin,
            "origin_label": origin_label(row.origin, row.origin_region, r.region_code),
            "source_document": r.source_document, "effective_from": r.effective_from,
        })
    own, history = standards_own_values(region_code=region_code, as_of=as_of)
    for entry in own:
        entry.display = parameter_display(entry.value.name, entry.parsed)
        entry.label = SPEC_BY_NAME[entry.value.name].label if entry.value.name in SPEC_BY_NAME else entry.value.name
    type_labels = {"+": _("Entered"), "~": _("Changed"), "-": _("Deleted")}
    for record in history:
        record.display = parameter_display(record.name, record.parsed)
        record.label = SPEC_BY_NAME[record.name].label if record.name in SPEC_BY_NAME else record.name
        record.type_label = type_labels.get(record.history_type, record.history_type)
    if value_form is None and context["can_set"]:
        value_form = ParameterValueForm(initial={"region_code": region_code, "effective_from": timezone.localdate()})
    context.update({
        "region_code": region_code, "region_name": region_name(region_code), "as_of": as_of, "rows": rows,
        "own_values": own, "history": history, "value_form": value_form,
        "import_form": ParameterImportForm() if context["can_set"] else None,
    })
    return context


def _region_and_date(form: RegionDateForm) -> tuple[str | None, date | None]:
    if form.is_bound:
        values = form.values()
        return values if values else (None, None)
    return form.initial.get("region"), form.initial.get("as_of")


@never_cache
@login_required
def standards(request):
    """The standards in force in a region on a date, where each comes from, and the region's own history."""
    form = RegionDateForm(request.GET or None, user=request.user, national=True)
    if not form.fields["region"].choices:
        raise PermissionDenied(_("Your account has no region."))
    region_code, as_of = _region_and_date(form)
    return render(request, "policy/standards.html",
                  _standards_context(request, form=form, region_code=region_code, as_of=as_of))


@never_cache
@require_POST
@login_required
def standard_set(request):
    """Enter a value of a parameter for a region from a date (county bureau or administrator)."""
    if not can_set_standards(request.user):
        raise PermissionDenied(_("Only a county civil affairs bureau may set standards."))
    value_form = ParameterValueForm(request.POST)
    if value_form.is_valid():
        data = value_form.cleaned_data
        try:
            obj = parameter_set(actor=request.user, region_code=data["region_code"], name=data["name"],
                                effective_from=data["effective_from"], value=value_form.raw_value(),
                                source_document=data["source_document"], note=data["note"])
        except ValidationError as exc:
            for field_name, errors in exc.message_dict.items():
                target = field_name if field_name in value_form.fields else None
                for error in errors:
                    value_form.add_error(target, error)
        else:
            messages.success(request, _("Saved: %(label)s from %(date)s.") % {
                "label": SPEC_BY_NAME[obj.name].label, "date": obj.effective_from.isoformat()})
            query = urlencode({"region": obj.region_code, "as_of": timezone.localdate().isoformat()})
            return redirect(f"{reverse('policy:standards')}?{query}")
    region_code = request.POST.get("region_code", "")
    form = RegionDateForm({"region": region_code, "as_of": timezone.localdate().isoformat()},
                          user=request.user, national=True)
    region, as_of = _region_and_date(form)
    return render(request, "policy/standards.html",
                  _standards_context(request, form=form, region_code=region, as_of=as_of, value_form=value_form))


@never_cache
@login_required
def standards_import(request):
    """Import dated standards from a spreadsheet; each rejected row is listed with its reason."""
    if not can_set_standards(request.user):
        raise PermissionDenied(_("Only a county civil affairs bureau may set standards."))
    form = ParameterImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = parameter_import(actor=request.user, file_name=upload.name, data=upload.read())
        except ParameterImportError as exc:
            form.add_error("file", exc.message)
    return render(request, "policy/standards_import.html",
                  {"form": form, "result": result, "nav_active": "standards"})


# --- Screen now ----------------------------------------------------------------------------------------

@never_cache
@login_required
def household_screen(request, pk: int):
    """The explained decision of the rules for one registry household on a date."""
    try:
        household = household_get(user=request.user, pk=pk)
    except Household.DoesNotExist:
        # 404 whether it exists elsewhere or not, as on the household page.
        raise Http404 from None
    form = AsOfForm(request.GET or None)
    as_of = form.as_of_or_today()
    household_view_record(user=request.user, household=household, request=request)
    registered_tier, registered_amount = registered_state(household, as_of=as_of)
    context: dict[str, Any] = {
        "household": household, "form": form, "as_of": as_of, "nav_active": "households",
        "registered_tier_label": tier_label(registered_tier), "registered_amount": money(registered_amount),
    }
    try:
        decision = screen_household(data=household_facts(household, as_of=as_of), as_of=as_of,
                                    household_id=household.pk)
    except PolicyInputError as exc:
        context["input_error"] = exc
    else:
        context["decision"] = explained_decision(decision)
    return render(request, "policy/household_screen.html", context)


# --- Screening runs --------------------------------------------------------------------------------------

def _require_screening(user) -> None:
    if not can_run_screening(user):
        raise PermissionDenied(_("Your role may not start screening runs."))


def _form_errors_from(exc: ValidationError, form, field_map: dict[str, str]) -> None:
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field_map.get(key), error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


RUNS_SHOWN = 30


@never_cache
@login_required
def screening(request):
    """Recent runs of the user's region, and a form to start one (it runs while the page waits)."""
    _require_screening(request.user)
    form = RegionDateForm(request.POST or None, user=request.user)
    if request.method == "POST":
        values = form.values()
        if values:
            region_code, as_of = values
            try:
                run = screening_run_start(actor=request.user, region_code=region_code, as_of=as_of)
            except ValidationError as exc:
                _form_errors_from(exc, form, {"region_code": "region"})
            else:
                return redirect("policy:screening_run", pk=run.pk)
    runs = list(screening_run_list(user=request.user)[:RUNS_SHOWN])
    names = region_names({r.region_code for r in runs})
    for run in runs:
        run.region_name = names.get(run.region_code, run.region_code)
    return render(request, "policy/screening.html", {"form": form, "runs": runs, "nav_active": "screening"})


def region_names(codes: set[str]) -> dict[str, str]:
    return {code: region.display_name() for code, region in Region.objects.in_bulk(list(codes)).items()}


@never_cache
@login_required
def screening_whatif(request):
    """Propose values for the region and see whom they would move between tiers, and what they would cost."""
    _require_screening(request.user)
    form = RegionDateForm(request.POST or None, user=request.user)
    proposals = ProposalFormSet(request.POST or None, prefix="proposal")
    if request.method == "POST":
        values = form.values()
        if values and proposals.is_valid():
            region_code, as_of = values
            chosen = [{"name": p["name"], "value": parse_value_text(p["name"], p["value"]),
                       "effective_from": p.get("effective_from") or as_of}
                      for p in proposals.cleaned_data if p.get("name")]
            if not chosen:
                form.add_error(None, _("Propose at least one value."))
            else:
                try:
                    run = screening_whatif_start(actor=request.user, region_code=region_code, as_of=as_of,
                                                 proposals=chosen)
                except ValidationError as exc:
                    _form_errors_from(exc, form, {"region_code": "region"})
                else:
                    return redirect("policy:screening_run", pk=run.pk)
    return render(request, "policy/screening_whatif.html",
                  {"form": form, "proposals": proposals, "nav_active": "screening"})


def _tier_rows(run: ScreeningRun) -> list[dict]:
    counts = run.counts or {}
    baseline_counts = (run.baseline.counts or {}).get("screened", {}) if run.baseline_id else {}
    rows = []
    for tier in [*RULE_TIERS, ""]:
        key = str(tier)
        rows.append({
            "tier": key, "label": tier_label(key),
            "registered": counts.get("registered", {}).get(key, 0),
            "screened": counts.get("screened", {}).get(key, 0),
            "baseline": baseline_counts.get(key, 0),
            "entering": counts.get("entering", {}).get(key, 0),
            "leaving": counts.get("leaving", {}).get(key, 0),
        })
    return rows


@never_cache
@login_required
def screening_run(request, pk: int):
    """A run: its status, households by tier, and the households whose tier or amount would change."""
    _require_screening(request.user)
    try:
        run = screening_run_get(user=request.user, pk=pk)
    except ScreeningRun.DoesNotExist:
        raise Http404 from None
    filter_form = ChangeFilterForm(request.GET or None)
    filters = filter_form.filters()
    changes = screening_changes(user=request.user, run=run, **filters)
    page = Paginator(changes, settings.JIUZHU["PAGE_SIZE"]).get_page(request.GET.get("page"))
    what_if = run.baseline_id is not None
    for result in page.object_list:
        before_tier = result.baseline_tier if what_if else result.registered_tier
        before_amount = result.baseline_total if what_if else result.registered_amount
        result.before_tier_label = tier_label(before_tier)
        result.after_tier_label = tier_label(result.tier)
        result.before_amount = money(before_amount)
        result.after_amount = money(result.monthly_total)
        result.difference = signed_money(result.monthly_total - (before_amount or Decimal("0.00")))
    context = {
        "run": run, "what_if": what_if, "region_name": region_name(run.region_code),
        "tier_rows": _tier_rows(run), "filter_form": filter_form, "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number), "nav_active": "screening",
        "running": run.status == ScreeningRunStatus.RUNNING,
        "monthly_total": money(run.monthly_total), "registered_total": money(run.registered_monthly_total),
    }
    if what_if:
        baseline = run.baseline
        context.update({
            "baseline": baseline, "cost_now": money(baseline.monthly_total),
            "cost_proposed": money(run.monthly_total),
            "cost_difference": signed_money(run.monthly_total - baseline.monthly_total),
            "proposals": _proposals_display(run),
            "baseline_tier_changes": (run.counts or {}).get("baseline_tier_changes", 0),
            "baseline_amount_changes": (run.counts or {}).get("baseline_amount_changes", 0),
        })
    return render(request, "policy/screening_run.html", context)


def _proposals_display(run: ScreeningRun) -> list[dict]:
    """The proposed values beside the values in force in the region on the run's date."""
    in_force = {r.spec.name: r.resolved.value for r in standards_in_force(region_code=run.region_code, as_of=run.as_of)}
    return [
        p | {"label": SPEC_BY_NAME[p["name"]].label if p["name"] in SPEC_BY_NAME else p["name"],
             "display": parameter_display(p["name"], p["value"]),
             "current": parameter_display(p["name"], in_force[p["name"]]) if p["name"] in in_force else EMPTY}
        for p in run.what_if
    ]
