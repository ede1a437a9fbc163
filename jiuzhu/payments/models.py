"""Monthly payrolls, their lines, bank files and returns, adjustments and one-time group subsidies
(RULES.md §2–3, §6).

A payroll freezes what it pays: each line copies the amount, the payee and the bank account when the payroll is
generated, so later edits of a household never change it; corrections are adjustments in a later month. Every
line has a `source_key` naming the entitlement and month it pays ("tm:<membership>:<YYYY-MM>",
"tp:<temporary payment>", "adj:<adjustment>", "gs:<subsidy>:<person>", "re:<failed line>"); the key is unique
across all payrolls, so nothing is ever paid twice, and re-running a generation (after a crash part-way) adds
only what is missing.
"""
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class PayrollStatus(models.TextChoices):
    GENERATING = "generating", _("Being generated")
    PREPARED = "prepared", _("Prepared, awaiting approval")
    APPROVED = "approved", _("Approved")
    EXPORTED = "exported", _("Bank files produced")
    RECONCILED = "reconciled", _("Reconciled with the bank's return")


class Payroll(models.Model):
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="payrolls",
                               verbose_name=_("county"))
    month = models.DateField(_("month"))                  # the first day of the month paid
    number = models.PositiveSmallIntegerField(_("number"), default=1)   # 1 = the month's payroll; 2… = re-issues
    status = models.CharField(_("status"), max_length=12, choices=PayrollStatus.choices,
                              default=PayrollStatus.GENERATING)
    version = models.PositiveIntegerField(default=1)
    # Generation runs in chunks of households, each committed; a crash leaves `generated_upto` behind and the
    # next run continues from there (and skips any line already made: source_key is unique).
    generated_upto = models.BigIntegerField(_("generated up to household"), default=0)
    lines_count = models.PositiveIntegerField(_("lines"), default=0)
    total = models.DecimalField(_("total"), default=Decimal("0.00"), **MONEY)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("prepared by"))
    prepared_at = models.DateTimeField(_("prepared at"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    funding_shares = models.JSONField(_("funding shares"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("payroll")
        verbose_name_plural = _("payrolls")
        ordering = ["-month", "region_id", "number"]
        constraints = [models.UniqueConstraint(fields=["region", "month", "number"], name="one_payroll_per_month")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.month:%Y-%m} #{self.number}"


class LineKind(models.TextChoices):
    TIER = "tier", _("Monthly assistance")
    TEMPORARY = "temporary", _("Temporary assistance (staged)")
    ALLOWANCE = "allowance", _("Orphan or unsupported-child allowance")
    ADJUSTMENT = "adjustment", _("Adjustment")
    SUBSIDY = "subsidy", _("One-time subsidy")
    REISSUE = "reissue", _("Re-issue of a failed payment")


class LineStatus(models.TextChoices):
    PENDING = "pending", _("To be paid")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    REISSUED = "reissued", _("Failed, re-issued")


class PayrollLine(models.Model):
    payroll = models.ForeignKey(Payroll, on_delete=models.CASCADE, related_name="lines", verbose_name=_("payroll"))
    source_key = models.CharField(_("entitlement"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=LineKind.choices)
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="payroll_lines",
                                  verbose_name=_("household"))
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="payroll_lines", verbose_name=_("person"))
    tier = models.CharField(_("tier"), max_length=24, blank=True)
    region_code = models.CharField(_("region"), max_length=12)
    payee_name = models.CharField(_("payee"), max_length=50)
    payee_id_number = models.CharField(_("payee ID number"), max_length=18)
    bank_name = models.CharField(_("bank"), max_length=100)
    bank_account = models.CharField(_("bank account"), max_length=40)
    amount = models.DecimalField(_("amount"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY)
    status = models.CharField(_("status"), max_length=10, choices=LineStatus.choices, default=LineStatus.PENDING)
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    basis = models.CharField(_("basis"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("payroll line")
        verbose_name_plural = _("payroll lines")
        ordering = ["payroll_id", "id"]
        indexes = [models.Index(fields=["payroll", "bank_name"]), models.Index(fields=["payroll", "status"])]


class Adjustment(models.Model):
    """A correction paid (or recovered, when negative) with a later month's payroll."""

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="adjustments",
                                  verbose_name=_("household"))
    amount = models.DecimalField(_("amount"), **MONEY)
    month = models.DateField(_("paid with the payroll of"))
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        ordering = ["-month", "-id"]


class GroupSubsidy(models.Model):
    """A one-time subsidy decided for a group, e.g. a holiday subsidy to every 特困 recipient and orphan."""

    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="subsidies",
                               verbose_name=_("county"))
    name = models.CharField(_("name"), max_length=100)
    tiers = models.JSONField(_("tiers"), default=list)          # person tiers or household tiers paid
    child_statuses = models.JSONField(_("child statuses"), default=list, blank=True)  # e.g. ["orphan"]
    amount = models.DecimalField(_("amount per person"), **MONEY)
    month = models.DateField(_("paid with the payroll of"))
    deadline = models.DateField(_("to be paid by"))
    document = models.CharField(_("decision document"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))

    class Meta:
        verbose_name = _("one-time subsidy")
        verbose_name_plural = _("one-time subsidies")
        ordering = ["-month", "-id"]


class BankFile(models.Model):
    payroll = models.ForeignKey(Payroll, on_delete=models.CASCADE, related_name="bank_files",
                                verbose_name=_("payroll"))
    bank_name = models.CharField(_("bank"), max_length=100)
    layout = models.CharField(_("layout"), max_length=10)        # xlsx | fixed | csv
    path = models.CharField(_("file"), max_length=500)
    lines = models.PositiveIntegerField(_("lines"))
    total = models.DecimalField(_("total"), **MONEY)
    checksum = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("bank file")
        verbose_name_plural = _("bank files")
        ordering = ["payroll_id", "bank_name", "layout"]
        constraints = [models.UniqueConstraint(fields=["payroll", "bank_name", "layout"], name="one_file_per_bank")]


class BankReturn(models.Model):
    payroll = models.ForeignKey(Payroll, on_delete=models.CASCADE, related_name="returns", verbose_name=_("payroll"))
    file_name = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("received by"))
    paid = models.PositiveIntegerField(_("paid"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)

    class Meta:
        verbose_name = _("bank return")
        verbose_name_plural = _("bank returns")
        ordering = ["-received_at"]


from jiuzhu.payments.corrections import AccountCorrection  # noqa: E402,F401  (bank files and re-issue)
from jiuzhu.payments.models_reviews import PeriodicReview, ReviewClass, ReviewOutcome, ReviewStatus  # noqa: E402,F401,E501
