"""Pages of the web interface. Each view parses input, calls one selector or service, and renders."""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jiuzhu.cases.selectors import can_read_cases, household_applications
from jiuzhu.core.roles import can_export, can_import, can_read_registry, can_reveal_numbers, can_write_registry
from jiuzhu.registry.models import Household, Person
from jiuzhu.registry.selectors import household_get, household_history, person_get
from jiuzhu.registry.services import household_view_record, person_number_reveal
from jiuzhu.web.display import household_page
from jiuzhu.web.forms import HouseholdFilterForm
from jiuzhu.web.selectors import household_rows, registry_summary

REVEALABLE_FIELDS = {"id_number", "phone"}


@login_required
def home(request):
    """A short dashboard of the user's region: households and persons by tier."""
    summary = None
    if can_read_registry(request.user):
        summary = registry_summary(user=request.user, as_of=timezone.localdate())
    return render(
        request, "web/home.html",
        {"summary": summary, "nav_active": "home", "can_import": can_import(request.user)},
    )


@login_required
def household_list(request):
    if not can_read_registry(request.user):
        raise PermissionDenied(_("Your role does not give access to the registry."))
    form = HouseholdFilterForm(request.GET or None, user=request.user)
    rows = household_rows(user=request.user, as_of=timezone.localdate(), **form.filters())
    page = Paginator(rows, settings.JIUZHU["PAGE_SIZE"]).get_page(request.GET.get("page"))
    return render(
        request, "web/household_list.html",
        {
            "form": form,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "can_export": can_export(request.user),
            "nav_active": "households",
        },
    )


@never_cache
@login_required
def household_detail(request, pk: int):
    try:
        household = household_get(user=request.user, pk=pk)
    except Household.DoesNotExist:
        # 404 rather than 403 whether it exists elsewhere or not, so that ids outside the user's
        # region cannot be probed.
        raise Http404 from None
    household_view_record(user=request.user, household=household, request=request)
    history = household_history(user=request.user, household=household)
    context = household_page(household, history=history, today=timezone.localdate())
    context.update({
        "can_reveal": can_reveal_numbers(request.user), "nav_active": "households",
        "applications": household_applications(user=request.user, household_id=household.pk),
        "can_apply": can_write_registry(request.user) and can_read_cases(request.user),
    })
    return render(request, "web/household_detail.html", context)


@never_cache
@require_POST
@login_required
def person_reveal(request, pk: int, field: str):
    """The full ID or phone number of a member; the service checks the role and audits the reveal."""
    if field not in REVEALABLE_FIELDS:
        raise Http404
    try:
        person = person_get(user=request.user, pk=pk)
    except Person.DoesNotExist:
        raise Http404 from None
    value = person_number_reveal(user=request.user, person=person, field=field, request=request)
    # The page's script asks for JSON; without a script the form post gets a small page instead.
    if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
        return JsonResponse({"person": person.pk, "field": field, "value": value})
    return render(
        request, "web/person_reveal.html",
        {"person": person, "field": field, "value": value, "nav_active": "households"},
    )
