"""Writing the audit log. Only this module creates AuditLog rows."""
from typing import Any

from jiuzhu.core.models import AuditAction, AuditLog


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    actor,
    action: AuditAction | str,
    object_type: str = "",
    object_id: str | int = "",
    region_code: str = "",
    detail: dict[str, Any] | None = None,
    request=None,
) -> AuditLog:
    """Append one audit entry; the actor may be None for system jobs."""
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=str(action),
        object_type=object_type,
        object_id=str(object_id),
        region_code=region_code,
        detail=detail or {},
        ip_address=client_ip(request),
    )
