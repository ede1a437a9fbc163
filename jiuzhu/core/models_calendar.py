"""The State Council's holiday notices, as loaded year by year (see `jiuzhu.core.workdays`).

Each year the General Office of the State Council publishes which days are public holidays and which weekend
days are worked instead (调休). The `chinesecalendar` library ships past years; a notice loaded here covers a
year the library does not know yet, or corrects one it got wrong. Rows are written only by
`workdays.holiday_notice_load`.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["CalendarDay", "CalendarDayKind", "HolidayNotice"]


class HolidayNotice(models.Model):
    """One year's notice (国务院办公厅关于…年部分节假日安排的通知): where the year's calendar comes from."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    document = models.CharField(
        _("document"), max_length=300, help_text=_("Title and number of the State Council notice."),
    )
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"))
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("loaded by"),
    )

    class Meta:
        ordering = ["year"]
        verbose_name = _("State Council holiday notice")
        verbose_name_plural = _("State Council holiday notices")

    def __str__(self) -> str:
        return f"{self.year}: {self.document}"


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("public holiday")
    MAKEUP_WORKDAY = "makeup_workday", _("make-up working day")


class CalendarDay(models.Model):
    """A day the notice changes: a holiday off work, or a weekend day worked (调休)."""

    notice = models.ForeignKey(
        HolidayNotice, on_delete=models.CASCADE, related_name="days", verbose_name=_("holiday notice"),
    )
    day = models.DateField(_("day"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CalendarDayKind.choices)
    name = models.CharField(
        _("holiday name"), max_length=100, blank=True, help_text=_("The holiday, e.g. 春节 (Spring Festival)."),
    )

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {self.get_kind_display()} {self.name}".rstrip()
