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


class ScreeningRunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ScreeningRun(models.Model):
    """One screening of every household of a region subtree on a date, with the stored standards or, for a
    what-if, with proposed values on top of them (`what_if`; never saved as standards).

    A what-if run points to its `baseline`: the run of the same households on the same date with the
    standards as they are, made from the same snapshot, so that every difference comes from the proposal.
    """

    region_code = models.CharField(_("region code"), max_length=12, db_index=True)
    as_of = models.DateField(_("as of"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("started by"),
    )
    status = models.CharField(_("status"), max_length=10, choices=ScreeningRunStatus.choices,
                              default=ScreeningRunStatus.RUNNING)
    what_if = models.JSONField(
        _("proposed values"), default=list, blank=True,
        help_text=_("Parameter values proposed for this run only (region_code, name, effective_from, value)."),
    )
    baseline = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="what_ifs",
        verbose_name=_("baseline run"),
    )
    households_total = models.PositiveIntegerField(_("households to screen"), default=0)
    households_done = models.PositiveIntegerField(_("households read"), default=0)
    households_screened = models.PositiveIntegerField(_("households screened"), default=0)
    households_failed = models.PositiveIntegerField(_("households with invalid facts"), default=0)
    tier_changes = models.PositiveIntegerField(_("tier differs"), default=0)
    amount_changes = models.PositiveIntegerField(_("amount differs"), default=0)
    counts = models.JSONField(
        _("counts"), default=dict, blank=True,
        help_text=_("Households by screened tier and by registered tier, and monthly totals."),
    )
    monthly_total = models.DecimalField(_("monthly total (yuan)"), max_digits=16, decimal_places=2, default=0)
    registered_monthly_total = models.DecimalField(
        _("registered monthly total (yuan)"), max_digits=16, decimal_places=2, default=0,
    )
    errors = models.JSONField(
        _("errors"), default=list, blank=True,
        help_text=_("Households whose facts could not be screened: household, field, code and message."),
    )
    failure = models.TextField(_("failure"), blank=True)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("screening run")
        verbose_name_plural = _("screening runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.region_code} {self.as_of} #{self.pk}"

    @property
    def is_what_if(self) -> bool:
        return bool(self.what_if)

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class ScreeningResult(models.Model):
    """What the rules decide for one household in one run, beside what the registry holds (and, in a
    what-if run, beside what the baseline run decided)."""

    run = models.ForeignKey(ScreeningRun, on_delete=models.CASCADE, related_name="results",
                            verbose_name=_("screening run"))
    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("household"))
    tier = models.CharField(_("screened tier"), max_length=24, blank=True)
    monthly_total = models.DecimalField(_("screened monthly total (yuan)"), max_digits=14, decimal_places=2)
    registered_tier = models.CharField(_("registered tier"), max_length=24, blank=True)
    registered_amount = models.DecimalField(
        _("registered monthly amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True,
    )
    tier_changed = models.BooleanField(_("tier differs from the registry"), default=False)
    amount_changed = models.BooleanField(_("amount differs from the registry"), default=False)
    baseline_tier = models.CharField(_("baseline tier"), max_length=24, blank=True)
    baseline_total = models.DecimalField(
        _("baseline monthly total (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True,
    )
    baseline_tier_changed = models.BooleanField(_("tier differs from the baseline"), default=False)
    baseline_amount_changed = models.BooleanField(_("amount differs from the baseline"), default=False)

    class Meta:
        verbose_name = _("screening result")
        verbose_name_plural = _("screening results")
        ordering = ["run_id", "household_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "household"], name="uniq_screening_result"),
        ]
        indexes = [
            models.Index(fields=["run", "tier_changed"], name="screening_tier_changed"),
            models.Index(fields=["run", "amount_changed"], name="screening_amount_changed"),
            models.Index(fields=["run", "baseline_tier_changed"], name="screening_bl_tier_changed"),
            models.Index(fields=["run", "baseline_amount_changed"], name="screening_bl_amount_changed"),
        ]

    def __str__(self) -> str:
        return f"run {self.run_id} household {self.household_id}: {self.tier} {self.monthly_total}"
