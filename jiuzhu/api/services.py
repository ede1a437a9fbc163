"""Everything the API writes: API tokens' bookkeeping and the audit trail of API reads."""
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from jiuzhu.accounts.models import ApiToken, User
from jiuzhu.core.audit import audit_record
from jiuzhu.core.models import AuditAction

# Writing last_used_at on every request would turn each API read into a write; once a minute is enough to
# answer "is this token still in use?".
LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_token_authenticate(*, key: str) -> User | None:
    """The active user owning this clear key, or None for an unknown or revoked key."""
    if not key:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__home_region")
        .filter(key_hash=ApiToken.hash_key(key), revoked=False)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    api_token_touch(token=token)
    return token.user


def api_token_touch(*, token: ApiToken, now=None) -> bool:
    """Record that the token was used, unless that was already recorded within the last minute."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return False
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
    return True


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> bool:
    """Revoke a token for good; returns False if it already was."""
    if token.revoked:
        return False
    token.revoked = True
    token.save(update_fields=["revoked"])
    return True


def api_read_record(
    *,
    user,
    request,
    endpoint: str,
    object_type: str = "",
    object_id: str | int = "",
    region_code: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Audit one API read of personal data (one entry per request, never one per row)."""
    audit_record(
        actor=user,
        action=AuditAction.API_READ,
        object_type=object_type,
        object_id=object_id,
        region_code=region_code,
        detail={"endpoint": endpoint, **(detail or {})},
        request=request,
    )
