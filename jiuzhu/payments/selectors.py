"""Reads of payrolls, limited to the user's region and role."""
from django.db.models import QuerySet

from jiuzhu.core.roles import Role, roles_of
from jiuzhu.core.scope import filter_by_region
from jiuzhu.payments.models import Payroll

MANAGERS = {Role.COUNTY_BUREAU}
READERS = {Role.COUNTY_BUREAU, Role.SUPERVISOR, Role.SYSTEM_ADMIN}


def can_manage_payrolls(user) -> bool:
    return bool(set(roles_of(user)) & MANAGERS)


def can_read_payrolls(user) -> bool:
    return bool(set(roles_of(user)) & READERS)


def payroll_list(*, user) -> QuerySet[Payroll]:
    if not can_read_payrolls(user):
        return Payroll.objects.none()
    return filter_by_region(Payroll.objects.select_related("region", "prepared_by", "approved_by"), user=user)


def payroll_get(*, user, pk: int) -> Payroll:
    return payroll_list(user=user).get(pk=pk)
