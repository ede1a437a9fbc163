"""Navigation by role: each entry is shown only to roles that can use it."""
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiuzhu.cases.selectors import can_read_cases
from jiuzhu.core.workdays import calendar_warnings
from jiuzhu.monitoring.selectors import can_read_warnings, can_send_feeds
from jiuzhu.payments.selectors import can_read_payrolls
from jiuzhu.core.roles import can_import, can_read_registry, roles_of
from jiuzhu.policy.screening import can_run_screening


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [{"label": _("Home"), "url": reverse("web:home"), "key": "home"}]
    if can_read_registry(user):
        items.append({"label": _("Households"), "url": reverse("web:household_list"), "key": "households"})
    if can_read_cases(user):
        items.append({"label": _("Applications"), "url": reverse("cases:list"), "key": "cases"})
    if can_read_warnings(user):
        items.append({"label": _("Warnings"), "url": reverse("monitoring:warnings"), "key": "monitoring"})
        items.append({"label": _("Visits to verify"), "url": reverse("monitoring:tasks"), "key": "tasks"})
    elif can_send_feeds(user):
        items.append({"label": _("Department feeds"), "url": reverse("monitoring:feeds"), "key": "monitoring"})
    if can_read_payrolls(user):
        items.append({"label": _("Payrolls"), "url": reverse("payments:payrolls"), "key": "payments"})
    if can_import(user):
        items.append({"label": _("Import"), "url": reverse("web:import"), "key": "import"})
    if can_read_registry(user):
        items.append({"label": _("Standards"), "url": reverse("policy:standards"), "key": "standards"})
    if can_run_screening(user):
        items.append({"label": _("Screening"), "url": reverse("policy:screening"), "key": "screening"})
    items.append({"label": _("API documentation"), "url": reverse("api-1:openapi-view"), "key": "api"})
    # Deadlines are counted in working days: while a year's holiday notice is missing, staff must know.
    warnings = calendar_warnings(today=timezone.localdate()) if can_read_cases(user) else []
    return {"nav_items": items, "user_roles": roles_of(user), "calendar_warnings": warnings}
