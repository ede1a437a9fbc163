from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ParameterValue(models.Model):
    """One dated value of one policy parameter for one region (000000000000 = national).

    Values are never overwritten to change policy: a new standard is a new row with a later
    `effective_from`; past rows stay so that any past date can be re-evaluated. Corrections of a typo are
    edits, and the history keeps who changed what.
    """

    region_code = models.CharField(_("region code"), max_length=12, db_index=True)
    name = models.CharField(_("parameter"), max_length=64)
    effective_from = models.DateField(_("effective from"))
    value = models.JSONField(_("value"))
    source_document = models.CharField(_("source document"), max_length=300)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("entered by"),
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("parameter value")
        verbose_name_plural = _("parameter values")
        ordering = ["region_code", "name", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "name", "effective_from"], name="uniq_param_value"),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.name} = {self.value} ({self.effective_from})"
