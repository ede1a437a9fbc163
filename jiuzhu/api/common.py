"""Small helpers shared by the endpoint modules."""
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from jiuzhu.api.errors import ApiError, ApiErrorCode
from jiuzhu.core.roles import can_read_registry

REGION_CODE_PATTERN = r"^\d{12}$"


def request_user(request: HttpRequest):
    """The user authenticated by the token or the session (Ninja stores it in request.auth)."""
    return request.auth  # type: ignore[attr-defined]


def require_registry_reader(user) -> None:
    """Roles that reach households only through referrals (providers, charities) get 403, not empty lists."""
    if not can_read_registry(user):
        raise ApiError(ApiErrorCode.PERMISSION_DENIED, _("Your role may not read the registry."))


def filters_for_audit(params: Any, *, exclude: tuple[str, ...] = ("page", "page_size")) -> dict[str, str]:
    """The filters a list request used, as recorded in the audit log (only those given)."""
    return {
        key: str(value)
        for key, value in params.model_dump(exclude=set(exclude)).items()
        if value not in (None, "")
    }
