"""The correction of a failed payment's bank account, kept beside the line it corrects.

A payroll line keeps the account it was sent to (what the bank refused); the corrected account is recorded here,
with who corrected it and when, and the re-issue line is paid to it (reconcile.payroll_reissue).
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountCorrection(models.Model):
    line = models.OneToOneField("payments.PayrollLine", on_delete=models.CASCADE, related_name="correction",
                                verbose_name=_("failed payment"))
    bank_name = models.CharField(_("bank"), max_length=100)
    bank_account = models.CharField(_("bank account"), max_length=40)
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("corrected by"))
    corrected_at = models.DateTimeField(_("corrected at"), auto_now=True)

    class Meta:
        app_label = "payments"
        verbose_name = _("bank account correction")
        verbose_name_plural = _("bank account corrections")
