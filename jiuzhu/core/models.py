from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiuzhu.core.regions import RegionLevel, region_prefix


class Region(models.Model):
    """An administrative division keyed by its 12-digit statistical code."""

    code = models.CharField(_("division code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=12, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent"),
    )
    synthetic = models.BooleanField(
        _("synthetic"), default=False, help_text=_("Generated for the demo, not a real division."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def prefix(self) -> str:
        return region_prefix(code=self.code, level=self.level)

    def display_name(self, language: str | None = None) -> str:
        from django.utils.translation import get_language

        lang = language or get_language() or "zh-hans"
        if lang.startswith("en") and self.name_en:
            return self.name_en
        return self.name

    def path(self) -> list["Region"]:
        """The region and its ancestors, province first (one query)."""
        from jiuzhu.core.regions import ancestor_codes

        codes = ancestor_codes(self.code)
        ancestors = {r.code: r for r in Region.objects.filter(code__in=codes)}
        return [ancestors[c] for c in codes if c in ancestors] + [self]


class AuditAction(models.TextChoices):
    REVEAL_ID_NUMBER = "reveal_id_number", _("Revealed a full ID number")
    REVEAL_PHONE = "reveal_phone", _("Revealed a full phone number")
    VIEW_HOUSEHOLD = "view_household", _("Viewed a household")
    VIEW_PERSON = "view_person", _("Viewed a person")
    EXPORT = "export", _("Exported personal data")
    IMPORT = "import", _("Imported households")
    API_READ = "api_read", _("Read personal data through the API")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    REGISTER_HOUSEHOLD = "register_household", _("Registered a household at application")
    VIEW_APPLICATION = "view_application", _("Viewed an application")
    RECOUNT_DEADLINES = "recount_deadlines", _("Counted an application's deadlines again")
    HOLIDAY_NOTICE_LOAD = "holiday_notice_load", _("Loaded a holiday notice")
    LOAD_WARNINGS = "load_warnings", _("Loaded warnings from a monitoring run")
    VIEW_WARNING = "view_warning", _("Viewed a warning")
    PAYROLL = "payroll", _("Payroll step")
    FEED = "feed", _("Received a department feed")


class AuditLog(models.Model):
    """Append-only record of reads and reveals of personal data (社会救助暂行办法 art. 66)."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="audit_entries", verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=50, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    region_code = models.CharField(_("region"), max_length=12, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.object_type}:{self.object_id}"

from jiuzhu.core.models_calendar import *  # noqa
