"""Regions: the user's own region subtree. Reference data, so reads are not audited."""
from django.http import HttpRequest
from ninja import Field, Path, Query, Router

from jiuzhu.api.common import REGION_CODE_PATTERN, request_user
from jiuzhu.api.pagination import PageParams, paginate
from jiuzhu.api.schemas import ERRORS, RegionDetailOut, RegionPage
from jiuzhu.core.models import Region
from jiuzhu.core.regions import RegionLevel
from jiuzhu.core.scope import region_list

router = Router(tags=["regions"])

CODE = Path(..., pattern=REGION_CODE_PATTERN, description="12-digit statistical division code.")


class RegionFilters(PageParams):
    """Filters of the region list."""

    parent: str | None = Field(None, pattern=REGION_CODE_PATTERN, description="Only the children of this region.")
    level: RegionLevel | None = Field(None, description="Only regions of this level.")
    q: str = Field("", description="Name (Chinese or English) contains this, or the code starts with it.")


def _region_in_scope(*, user, code: str) -> Region:
    """A region of the user's subtree; raises Region.DoesNotExist (404) for any other."""
    return region_list(user=user).select_related("parent").get(code=code)


@router.get("", response={200: RegionPage, **ERRORS}, summary="List regions", url_name="region_list")
def regions_list(request: HttpRequest, filters: Query[RegionFilters]):
    """Regions of the user's own subtree, ordered by code, filtered by parent, level and name."""
    qs = region_list(user=request_user(request), parent_code=filters.parent, level=filters.level, q=filters.q)
    return paginate(request, qs, filters)


@router.get(
    "/{code}", response={200: RegionDetailOut, **ERRORS}, summary="Get a region", url_name="region_detail",
)
def region_detail(request: HttpRequest, code: str = CODE):
    """One region of the user's subtree with its path of ancestors. A region outside the subtree is 404."""
    return _region_in_scope(user=request_user(request), code=code)


@router.get(
    "/{code}/children", response={200: RegionPage, **ERRORS}, summary="List a region's children",
    url_name="region_children",
)
def region_children(request: HttpRequest, filters: Query[PageParams], code: str = CODE):
    """The direct children of a region of the user's subtree, ordered by code."""
    user = request_user(request)
    region = _region_in_scope(user=user, code=code)
    return paginate(request, region_list(user=user, parent_code=region.code), filters)
