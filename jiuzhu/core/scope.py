"""The region half of the selector layer: which region subtree a user may see."""
from django.db.models import Q, QuerySet

from jiuzhu.core.models import Region
from jiuzhu.core.roles import Role, roles_of


def user_region_prefix(user) -> str | None:
    """The code prefix of the user's subtree; "" means the whole country; None means nothing."""
    if not getattr(user, "is_authenticated", False):
        return None
    if Role.SYSTEM_ADMIN in roles_of(user) and user.home_region_id is None:
        return ""
    region = user.home_region
    if region is None:
        return None
    return region.prefix


def filter_by_region(qs: QuerySet, *, user, field: str = "region") -> QuerySet:
    """Limit any queryset whose `field` is a Region foreign key to the user's subtree."""
    prefix = user_region_prefix(user)
    if prefix is None:
        return qs.none()
    if prefix == "":
        return qs
    return qs.filter(**{f"{field}__code__startswith": prefix})


def region_in_scope(*, user, code: str) -> bool:
    prefix = user_region_prefix(user)
    return prefix is not None and code.startswith(prefix)


def region_list(*, user, parent_code: str | None = None, level: str | None = None, q: str = "") -> QuerySet:
    """Regions are public reference data, but staff lists show only their own subtree and ancestors."""
    qs = Region.objects.all()
    prefix = user_region_prefix(user)
    if prefix is None:
        return qs.none()
    if prefix:
        qs = qs.filter(code__startswith=prefix)
    if parent_code:
        qs = qs.filter(parent_id=parent_code)
    if level:
        qs = qs.filter(level=level)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(name_en__icontains=q) | Q(code__startswith=q))
    return qs.order_by("code")
