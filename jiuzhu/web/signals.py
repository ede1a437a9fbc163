"""Every login and failed login is audited, whichever form it came through (the site or the admin)."""
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from jiuzhu.core.audit import audit_record
from jiuzhu.core.models import AuditAction


@receiver(user_logged_in, dispatch_uid="jiuzhu.web.audit_login")
def audit_login(sender, request, user, **kwargs) -> None:
    audit_record(
        actor=user, action=AuditAction.LOGIN, object_type="user", object_id=user.pk,
        region_code=user.home_region_id or "", request=request,
    )


@receiver(user_login_failed, dispatch_uid="jiuzhu.web.audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already replaced the password in `credentials`; only the name tried is kept, cut to
    # the field's length so that a pasted paragraph does not end up in the log.
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        actor=None, action=AuditAction.LOGIN_FAILED, object_type="user", detail={"username": username},
        request=request,
    )
