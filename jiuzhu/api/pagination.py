"""Page-number pagination: `?page=1&page_size=25`, answered with items, count, and links to the neighbours.

A page past the end is not an error, it is simply empty, so that a client looping "until no items" stops
cleanly even when rows disappear between requests.
"""
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.errors import ValidationError


class PageParams(Schema):
    """Which page to answer."""

    page: int = Field(1, ge=1, description="Page number, from 1. A page past the end is empty.")
    page_size: int | None = Field(
        None,
        ge=1,
        description="Rows per page: default 25 (setting JIUZHU['PAGE_SIZE']), "
        "at most 200 (setting JIUZHU['API_PAGE_SIZE_MAX']); more is refused with 422.",
    )


class PageMeta(Schema):
    """Where a page stands among all the rows."""

    count: int = Field(description="Number of rows matching the filters, on all pages.")
    page: int
    page_size: int
    next: str | None = Field(description="URL of the next page, or null on the last page.")
    previous: str | None = Field(description="URL of the previous page, or null on the first page.")


def page_size_of(params: PageParams) -> int:
    """The page size asked for, checked against the configured maximum (read per request, not at import)."""
    options = settings.JIUZHU
    if params.page_size is None:
        return int(options.get("PAGE_SIZE", 25))
    maximum = int(options.get("API_PAGE_SIZE_MAX", 200))
    if params.page_size > maximum:
        raise ValidationError(
            [
                {
                    "loc": ("query", "page_size"),
                    "type": "less_than_equal",
                    "msg": f"Input should be less than or equal to {maximum}",
                }
            ]
        )
    return params.page_size


def paginate(request: HttpRequest, qs: QuerySet, params: PageParams) -> dict[str, Any]:
    """One page of `qs` (already ordered) with its metadata: one COUNT and one SELECT (plus prefetches)."""
    size = page_size_of(params)
    count = qs.count()
    offset = (params.page - 1) * size
    items = list(qs[offset : offset + size]) if offset < count else []
    return {
        "items": items,
        "count": count,
        "page": params.page,
        "page_size": size,
        "next": _page_url(request, params.page + 1) if offset + size < count else None,
        "previous": _page_url(request, params.page - 1) if params.page > 1 else None,
    }


def _page_url(request: HttpRequest, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
