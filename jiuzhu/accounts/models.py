import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiuzhu.core.roles import Role


def validate_roles(value) -> None:
    if not isinstance(value, list) or any(r not in Role.values for r in value):
        raise ValidationError(
            _("Roles must be a list of: %(roles)s"), params={"roles": ", ".join(Role.values)},
        )


class User(AbstractUser):
    """A staff member or resident. Everything they see is limited to `home_region`'s subtree."""

    home_region = models.ForeignKey(
        "core.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="users",
        verbose_name=_("home region"),
    )
    roles = models.JSONField(_("roles"), default=list, blank=True, validators=[validate_roles])
    display_name = models.CharField(_("display name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in self.roles if r in Role.values]

    def has_role(self, role: Role | str) -> bool:
        return str(role) in (self.roles or [])


class ApiToken(models.Model):
    """A bearer token for the REST API; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with the clear key, which is shown once and never stored."""
    key = "jz_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, key_hash=ApiToken.hash_key(key), prefix=key[:8])
    return token, key
