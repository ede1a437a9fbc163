"""Writes in accounts: demo users for a fresh installation."""
from dataclasses import dataclass

from django.db import transaction

from jiuzhu.accounts.models import User
from jiuzhu.core.models import Region
from jiuzhu.core.regions import RegionLevel
from jiuzhu.core.roles import Role


@dataclass
class DemoLogin:
    username: str
    password: str
    role: Role
    region: Region | None


# Which level of the demo county each role is placed at. Grid workers serve one village.
DEMO_ROLE_LEVEL = {
    Role.COUNTY_BUREAU: RegionLevel.COUNTY,
    Role.TOWNSHIP_ASSISTANT: RegionLevel.TOWNSHIP,
    Role.GRID_WORKER: RegionLevel.VILLAGE,
    Role.DEPARTMENT_STAFF: RegionLevel.COUNTY,
    Role.SERVICE_PROVIDER: RegionLevel.COUNTY,
    Role.CHARITY: RegionLevel.COUNTY,
    Role.HOTLINE_OPERATOR: RegionLevel.COUNTY,
    Role.SUPERVISOR: RegionLevel.COUNTY,
    Role.SYSTEM_ADMIN: None,
}


@transaction.atomic
def demo_users_ensure(*, county: Region, password: str = "demo-2026") -> list[DemoLogin]:
    """One demo user per role in the demo county (the first township and its first village for the
    local roles). Safe to re-run: existing demo users keep their password and get their region back."""
    township = Region.objects.filter(parent=county, level=RegionLevel.TOWNSHIP).order_by("code").first()
    village = (
        Region.objects.filter(parent=township, level=RegionLevel.VILLAGE).order_by("code").first()
        if township else None
    )
    by_level = {RegionLevel.COUNTY: county, RegionLevel.TOWNSHIP: township or county,
                RegionLevel.VILLAGE: village or township or county, None: None}
    logins = []
    for role, level in DEMO_ROLE_LEVEL.items():
        region = by_level[level]
        username = f"demo_{role.value}"
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"home_region": region, "roles": [role.value], "display_name": str(role.label),
                      "is_staff": role == Role.SYSTEM_ADMIN, "is_superuser": role == Role.SYSTEM_ADMIN},
        )
        if created:
            user.set_password(password)
            user.save()
        elif user.home_region_id != (region.code if region else None) or user.roles != [role.value]:
            user.home_region = region
            user.roles = [role.value]
            user.save(update_fields=["home_region", "roles"])
        logins.append(DemoLogin(username, password, role, region))
    return logins
