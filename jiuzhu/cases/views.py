"""Pages of the case workflow. Each view parses input, calls one selector or service, and renders."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jiuzhu.cases import documents
from jiuzhu.cases.choices import ApplicationKind, Material
from jiuzhu.cases.errors import CaseError
from jiuzhu.cases.forms import (
    ApplicationFilterForm,
    IntakeForm,
    NewHouseholdForm,
    NewMemberFormSet,
    step_form,
)
from jiuzhu.cases.models import Application
from jiuzhu.cases.selectors import (
    application_get,
    application_list,
    can_read_cases,
    timeliness_by_township,
)
from jiuzhu.cases.services import (
    Intake,
    application_create,
    application_transition,
    application_view_record,
    township_of,
    transition_allowed,
)
from jiuzhu.cases.workflow import TRANSITIONS, transitions_for
from jiuzhu.core.models import Region
from jiuzhu.core.roles import can_write_registry
from jiuzhu.policy.display import explained_decision, money, tier_label
from jiuzhu.registry.models import Household
from jiuzhu.registry.selectors import household_get
from jiuzhu.registry.services import NewMember, household_register


def _require_cases(user) -> None:
    if not can_read_cases(user):
        raise PermissionDenied(_("Your role does not give access to applications."))


def _get(request, pk: int) -> Application:
    try:
        return application_get(user=request.user, pk=pk)
    except Application.DoesNotExist:
        # 404 whether it exists elsewhere or not, so that numbers outside the user's region cannot be probed.
        raise Http404 from None


@never_cache
@login_required
def application_list_view(request):
    _require_cases(request.user)
    today = timezone.localdate()
    form = ApplicationFilterForm(request.GET or None)
    rows = application_list(user=request.user, today=today, **form.filters())
    page = Paginator(rows, settings.JIUZHU["PAGE_SIZE"]).get_page(request.GET.get("page"))
    return render(request, "cases/list.html", {
        "form": form, "page": page, "page_range": page.paginator.get_elided_page_range(page.number),
        "today": today, "nav_active": "cases",
        "can_apply": can_write_registry(request.user),
    })


def _window(user) -> Region:
    """The window an application is handed in at: the user's own township (or, for a county user, the
    household's township)."""
    return user.home_region


@never_cache
@login_required
def application_new(request, household_pk: int):
    """Take an application for a registered household."""
    _require_cases(request.user)
    if not can_write_registry(request.user):
        raise PermissionDenied(_("Your role may not take applications."))
    try:
        household = household_get(user=request.user, pk=household_pk)
    except Household.DoesNotExist:
        raise Http404 from None
    form = IntakeForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        try:
            application = _create(request, household=household, form=form)
        except CaseError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Application %(number)s taken and routed to %(township)s.")
                             % {"number": application.number, "township": application.region.display_name()})
            return redirect("cases:detail", pk=application.pk)
    return render(request, "cases/new.html", {"form": form, "household": household, "nav_active": "cases"})


def _intake(form) -> Intake:
    data = form.cleaned_data
    return Intake(
        kind=data["kind"], requested_tier=data.get("requested_tier") or "", channel=data["channel"],
        reason=data["reason"], verification_consent=data["verification_consent"],
        consent_date=data.get("consent_date"), missing_materials=tuple(data.get("missing_materials") or ()),
        temporary_type=data.get("temporary_type") or "", temporary_cost=data.get("temporary_cost"),
        non_local=data.get("non_local") or False, residence_months=data.get("residence_months"),
        source_reference=data.get("source_reference") or "",
    )


def _create(request, *, household, form) -> Application:
    applicant = household.members.get(pk=form.cleaned_data["applicant"])
    window = _window(request.user)
    if window is None or window.level not in ("township", "village"):
        window = township_of(household.region)
    return application_create(actor=request.user, household=household, applicant=applicant,
                              intake=_intake(form), window=window)


@never_cache
@login_required
def application_new_household(request):
    """Register a household that applies for the first time and take its application, in one step."""
    _require_cases(request.user)
    if not can_write_registry(request.user):
        raise PermissionDenied(_("Your role may not take applications."))
    post = request.POST or None
    household_form = NewHouseholdForm(post, user=request.user, prefix="household")
    members = NewMemberFormSet(post, prefix="members")
    form = IntakeForm(post, household=None)
    form.fields["applicant"].required = False
    form.fields["applicant"].choices = [("", "")]
    if request.method == "POST" and household_form.is_valid() and members.is_valid() and form.is_valid():
        rows = [m.cleaned_data for m in members if m.cleaned_data]
        try:
            with transaction.atomic():
                household = household_register(
                    actor=request.user, region=Region.objects.get(code=household_form.cleaned_data["region"]),
                    address=household_form.cleaned_data["address"], hukou=household_form.cleaned_data["hukou"],
                    members=[NewMember(name=r["name"], id_number=r["id_number"], relation=r["relation"],
                                       labour_capacity=r["labour_capacity"], phone=r.get("phone") or "",
                                       monthly_income=r.get("monthly_income") or 0) for r in rows],
                    today=timezone.localdate(), request=request,
                )
                window = _window(request.user)
                if window is None or window.level not in ("township", "village"):
                    window = township_of(household.region)
                application = application_create(actor=request.user, household=household, applicant=household.head,
                                                 intake=_intake(form), window=window)
        except ValidationError as exc:
            for message in exc.message_dict.get("members", []) + exc.message_dict.get("__all__", []):
                household_form.add_error(None, message)
        except CaseError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Household registered; application %(number)s taken.")
                             % {"number": application.number})
            return redirect("cases:detail", pk=application.pk)
    return render(request, "cases/new_household.html", {
        "household_form": household_form, "members": members, "form": form, "nav_active": "cases"})


def _actions(request, application, *, failed_step: str = "", failed_form=None) -> list[dict]:
    """The steps the user may take now, each with its form; the one open on the page is the step that just
    failed, or else the first main step (not a secondary one such as recording materials or an objection)."""
    actions = []
    for step in transitions_for(kind=application.kind, state=application.state):
        if not transition_allowed(actor=request.user, application=application, step=step):
            continue
        if step.name == "record_payment" and not any(p.paid_at is None for p in application.payments.all()):
            continue
        form = failed_form if step.name == failed_step else step_form(step.name, application)
        actions.append({"step": step, "form": form, "open": step.name == failed_step})
    if actions and not any(a["open"] for a in actions):
        first = next((a for a in actions if a["step"].style == "primary"), actions[0])
        first["open"] = True
    return actions


def _temporary_figures(application, verification) -> dict | None:
    """For temporary assistance, the amounts that matter first: what the rules allow, and what the township
    may pay at once."""
    if verification is None or application.kind != ApplicationKind.TEMPORARY:
        return None
    summary = verification.result.get("summary", {})
    return {"amount": money(summary.get("temporary_amount")), "assist_first": money(summary.get("assist_first_amount"))}


def _detail_context(request, application, **action_state) -> dict:
    today = timezone.localdate()
    verification = application.verifications.all()[0] if application.verifications.all() else None
    decision = getattr(application, "decision", None) if hasattr(application, "decision") else None
    return {
        "application": application,
        "events": application.events.all(),
        "missing_labels": [Material(m).label for m in application.missing_materials if m in Material.values],
        "verification": verification,
        "verification_display": explained_decision(verification.result) if verification else None,
        "temporary_figures": _temporary_figures(application, verification),
        "decision": decision,
        "decision_display": explained_decision(decision.result) if decision else None,
        "sorted_tier_label": tier_label(application.sorted_tier) if application.sorted_tier else "",
        "actions": _actions(request, application, **action_state),
        "today": today,
        "overdue": application.is_open and any(d and d < today for d in (application.due_on,
                                                                           application.step_due_on)),
        "nav_active": "cases",
    }


@never_cache
@login_required
def application_detail(request, pk: int):
    _require_cases(request.user)
    application = _get(request, pk)
    application_view_record(user=request.user, application=application, request=request)
    return render(request, "cases/detail.html", _detail_context(request, application))


@require_POST
@login_required
def application_step(request, pk: int, step: str):
    """One step of the workflow, posted from the case page's form for that step."""
    _require_cases(request.user)
    application = _get(request, pk)
    if step not in TRANSITIONS:
        raise Http404
    form = step_form(step, application, data=request.POST)
    error = None
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            application_transition(actor=request.user, application_id=application.pk, step=step,
                                   version=form.cleaned_data["version"], data=data)
        except CaseError as exc:
            error = exc
        else:
            messages.success(request, _("Done: %(step)s.") % {"step": TRANSITIONS[step].label})
            return redirect("cases:detail", pk=application.pk)
    if error is not None:
        if error.code == "stale":
            messages.error(request, error.message)
            return redirect("cases:detail", pk=application.pk)
        form.add_error(error.field if error.field in form.fields else None, error.message)
    application = _get(request, pk)
    context = _detail_context(request, application, failed_step=step, failed_form=form)
    return render(request, "cases/detail.html", context, status=400)


@login_required
def notice_print(request, pk: int, notice_pk: int):
    """The public notice as posted: only what may be published (RULES.md §9)."""
    _require_cases(request.user)
    application = _get(request, pk)
    notice = next((n for n in application.notices.all() if n.pk == notice_pk), None)
    if notice is None:
        raise Http404
    document = documents.notice_document(notice)
    if request.GET.get("format") == "pdf":
        return _pdf(document, f"notice-{application.number}.pdf")
    return render(request, "cases/document.html", {"document": document, "application": application})


@login_required
def decision_letter(request, pk: int):
    _require_cases(request.user)
    application = _get(request, pk)
    if not hasattr(application, "decision"):
        raise Http404
    document = documents.letter_document(application.decision)
    if request.GET.get("format") == "pdf":
        return _pdf(document, f"letter-{application.decision.letter_number}.pdf")
    return render(request, "cases/document.html", {"document": document, "application": application})


def _pdf(document: dict, filename: str) -> HttpResponse:
    response = HttpResponse(documents.document_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@never_cache
@login_required
def timeliness(request):
    """Open, overdue and on-time figures per township."""
    _require_cases(request.user)
    today = timezone.localdate()
    return render(request, "cases/timeliness.html", {
        "rows": timeliness_by_township(user=request.user, today=today), "today": today, "nav_active": "cases"})

