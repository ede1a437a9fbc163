"""Roles and what each may do with personal data.

One table says, per role, whether it reads the households of its region subtree, whether it may change
them, and whether it may reveal full ID and phone numbers (each reveal is audited). Roles whose work
reaches households only through a referral (service providers, charities) see none in the registry.
"""
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COUNTY_BUREAU = "county_bureau", _("County civil affairs bureau")
    TOWNSHIP_ASSISTANT = "township_assistant", _("Township civil-affairs assistant")
    GRID_WORKER = "grid_worker", _("Grid worker")
    DEPARTMENT_STAFF = "department_staff", _("Department staff")
    SERVICE_PROVIDER = "service_provider", _("Service provider")
    CHARITY = "charity", _("Charity")
    HOTLINE_OPERATOR = "hotline_operator", _("Hotline operator")
    SUPERVISOR = "supervisor", _("Supervisor")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


@dataclass(frozen=True)
class RolePolicy:
    reads_registry: bool
    writes_registry: bool
    reveals_numbers: bool
    imports: bool
    exports: bool


ROLE_POLICIES: dict[Role, RolePolicy] = {
    Role.COUNTY_BUREAU: RolePolicy(True, True, True, True, True),
    Role.TOWNSHIP_ASSISTANT: RolePolicy(True, True, True, True, True),
    Role.GRID_WORKER: RolePolicy(True, False, True, False, False),
    Role.DEPARTMENT_STAFF: RolePolicy(True, False, False, False, False),
    Role.SERVICE_PROVIDER: RolePolicy(False, False, False, False, False),
    Role.CHARITY: RolePolicy(False, False, False, False, False),
    Role.HOTLINE_OPERATOR: RolePolicy(True, False, False, False, False),
    Role.SUPERVISOR: RolePolicy(True, False, False, False, True),
    Role.SYSTEM_ADMIN: RolePolicy(True, True, True, True, True),
}


def roles_of(user) -> list[Role]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [Role(r) for r in (user.roles or []) if r in Role.values]


def _any(user, attribute: str) -> bool:
    return any(getattr(ROLE_POLICIES[r], attribute) for r in roles_of(user))


def can_read_registry(user) -> bool:
    return _any(user, "reads_registry")


def can_write_registry(user) -> bool:
    return _any(user, "writes_registry")


def can_reveal_numbers(user) -> bool:
    return _any(user, "reveals_numbers")


def can_import(user) -> bool:
    return _any(user, "imports")


def can_export(user) -> bool:
    return _any(user, "exports")
