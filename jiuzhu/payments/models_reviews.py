"""Periodic reviews of recipient households (dynamic management, RULES.md §2–3).

A review falls due by the household's tier and class (dibao: stable, changing or ordinary; 特困; marginal), the
interval being a dated parameter (review_months_*). Screening runs the rules as of the first of the next month and
freezes their explained result with the change it leads to; a county bureau user other than the one who proposed
it approves (the memberships change from the month after the decision) or refuses with reasons (the review goes
back to screened, to be screened again). Ending a 特困 person's support waits for a public notice of 7 days.
"""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jiuzhu.registry.choices import ReviewClass

MONEY = {"max_digits": 14, "decimal_places": 2}


class ReviewStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SCREENED = "screened", _("Screened, no proposal pending")
    PROPOSED = "proposed", _("Change proposed, awaiting decision")
    DECIDED = "decided", _("Decided")
    CANCELLED = "cancelled", _("Cancelled")


class ReviewOutcome(models.TextChoices):
    UNCHANGED = "unchanged", _("Unchanged")
    AMOUNT_UP = "amount_up", _("Amount raised")
    AMOUNT_DOWN = "amount_down", _("Amount lowered")
    TIER_CHANGE = "tier_change", _("Tier changed, amount the same")
    GRADUAL_EXIT = "gradual_exit", _("Gradual exit: paid for the exit period, then stopped")
    TERMINATE = "terminate", _("Extreme-poverty support terminated after a public notice")
    STOP = "stop", _("Stopped from the next month")


class PeriodicReview(models.Model):
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="periodic_reviews",
                                  verbose_name=_("household"))
    tier = models.CharField(_("tier"), max_length=24)                 # the tier whose interval made it due
    review_class = models.CharField(_("class"), max_length=10, choices=ReviewClass.choices, blank=True, default="")
    interval_months = models.PositiveSmallIntegerField(_("reviewed every (months)"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=10, choices=ReviewStatus.choices,
                              default=ReviewStatus.SCHEDULED)
    # Screening: the rules' explained result as of `as_of`, frozen, and the memberships it was compared with.
    screened_on = models.DateField(_("screened on"), null=True, blank=True)
    as_of = models.DateField(_("rules applied as of"), null=True, blank=True)
    screened_result = models.JSONField(_("screened result"), default=dict, blank=True)
    current_rows = models.JSONField(_("memberships before"), default=list, blank=True)
    proposed_rows = models.JSONField(_("memberships proposed"), default=list, blank=True)
    # The proposal.
    kind = models.CharField(_("proposed change"), max_length=12, choices=ReviewOutcome.choices, blank=True)
    current_amount = models.DecimalField(_("monthly amount before"), null=True, blank=True, **MONEY)
    new_amount = models.DecimalField(_("new monthly amount"), null=True, blank=True, **MONEY)
    exit_months = models.PositiveSmallIntegerField(_("gradual-exit months"), null=True, blank=True)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    notice_until = models.DateField(_("public notice until"), null=True, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("proposed by"))
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    # The decision (maker-checker: never the proposer); refusals are kept in `refusals`.
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    refusals = models.JSONField(_("refusals"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("periodic review")
        verbose_name_plural = _("periodic reviews")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["household", "due_on"], name="one_review_per_household_and_day"),
            models.CheckConstraint(condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("proposed_by")),
                                   name="review_decided_by_another"),
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.household_id} {self.due_on} {self.status}"
