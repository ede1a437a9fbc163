"""Applications for assistance and everything that happens to them (RULES.md §6–7, §9).

An application moves through the states of `workflow.py` only by the services in `services.py`; each move
appends a `CaseEvent` (the case's timeline, also shown on the household's page). The decision freezes the
facts it was taken on and the explained rule result, so a later change of a standard never rewrites it.
"""
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiuzhu.cases.choices import (
    ApplicationKind,
    Channel,
    DeadlineKind,
    DecisionOutcome,
    ObjectionOutcome,
    Opinion,
    PaymentKind,
    RequestedTier,
    State,
    TemporaryType,
)
from jiuzhu.registry.choices import Tier

MONEY = {"max_digits": 12, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class Application(models.Model):
    number = models.CharField(_("application number"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ApplicationKind.choices)
    requested_tier = models.CharField(
        _("tier asked for"), max_length=24, choices=RequestedTier.choices, blank=True, default="",
    )
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="applications", verbose_name=_("household"),
    )
    applicant = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="applications", verbose_name=_("applicant"),
    )
    # The township responsible (routing: RULES.md §7.1) and the window where it was handed in (one-stop).
    region = models.ForeignKey(
        "core.Region", on_delete=models.PROTECT, related_name="applications",
        verbose_name=_("responsible township"),
    )
    window_region = models.ForeignKey(
        "core.Region", on_delete=models.PROTECT, related_name="applications_received",
        verbose_name=_("received at"),
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, default=Channel.WINDOW)
    source_reference = models.CharField(
        _("source"), max_length=100, blank=True,
        help_text=_("For a case opened by a worker: the warning or visit it comes from."),
    )
    reason = models.TextField(_("reason for applying"), blank=True)
    verification_consent = models.BooleanField(_("consent to economic verification"), default=False)
    consent_date = models.DateField(_("consent signed on"), null=True, blank=True)
    missing_materials = models.JSONField(_("missing materials"), default=list, blank=True)
    # Temporary assistance (RULES.md §6)
    temporary_type = models.CharField(
        _("temporary assistance type"), max_length=12, choices=TemporaryType.choices, blank=True,
    )
    temporary_cost = models.DecimalField(
        _("need or out-of-pocket cost (yuan)"), null=True, blank=True, validators=NON_NEGATIVE, **MONEY,
    )
    non_local = models.BooleanField(_("non-local applicant"), default=False)
    residence_months = models.PositiveIntegerField(_("months of residence here"), null=True, blank=True)

    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.SUBMITTED)
    # Optimistic concurrency: every transition checks and increments it, so two people acting on the same
    # version cannot both succeed.
    version = models.PositiveIntegerField(_("version"), default=1)
    submitted_on = models.DateField(_("submitted on"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    due_on = models.DateField(_("procedure due"), null=True, blank=True)
    extended = models.BooleanField(_("extended"), default=False)
    step_deadline_kind = models.CharField(
        _("current deadline"), max_length=20, choices=DeadlineKind.choices, blank=True, default="",
    )
    step_due_on = models.DateField(_("step due"), null=True, blank=True)
    step_started_on = models.DateField(_("step started"), null=True, blank=True)
    step_working_days = models.PositiveSmallIntegerField(_("step working days"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # Where a deadline runs into a year whose holiday notice is not loaded (counted Mon–Fri).
    calendar_warning = models.CharField(_("calendar warning"), max_length=200, blank=True)

    sorted_tier = models.CharField(_("tier by the rules"), max_length=24, blank=True)
    sorted_amount = models.DecimalField(_("monthly amount by the rules"), null=True, blank=True, **MONEY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications_created",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_on", "-id"]
        indexes = [
            models.Index(fields=["region", "state"]),
            models.Index(fields=["state", "step_due_on"]),
            models.Index(fields=["state", "due_on"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        from jiuzhu.cases.choices import CLOSED_STATES

        return self.state not in CLOSED_STATES


class CaseEvent(models.Model):
    """One step of a case: who did what, when, from which state to which (append-only)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="events", verbose_name=_("application"),
    )
    transition = models.CharField(_("step"), max_length=32)
    from_state = models.CharField(_("from"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_events", verbose_name=_("actor"),
    )
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]

    @property
    def step_label(self) -> str:
        from jiuzhu.cases.workflow import TRANSITIONS

        if self.transition == "submit":
            return str(_("Application submitted"))
        step = TRANSITIONS.get(self.transition)
        return str(step.label) if step else self.transition


class Verification(models.Model):
    """Economic verification: the rules' explained result on the household's data of that day."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="verifications", verbose_name=_("application"),
    )
    as_of = models.DateField(_("as of"))
    facts = models.JSONField(_("facts"))
    result = models.JSONField(_("explained result"))
    department_data = models.JSONField(_("department data attached"), default=list, blank=True)
    tier = models.CharField(_("tier by the rules"), max_length=24, blank=True)
    monthly_total = models.DecimalField(_("monthly total"), **MONEY)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("by"))
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("economic verification")
        verbose_name_plural = _("economic verifications")
        ordering = ["-at", "-id"]


class HomeSurvey(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="surveys", verbose_name=_("application"),
    )
    surveyed_on = models.DateField(_("surveyed on"))
    surveyor_1 = models.CharField(_("first surveyor"), max_length=50)
    surveyor_2 = models.CharField(_("second surveyor"), max_length=50)
    findings = models.TextField(_("findings"))
    living_conditions = models.TextField(_("living conditions"), blank=True)
    surveyors_signed = models.BooleanField(_("both surveyors signed"), default=False)
    applicant_signed = models.BooleanField(_("applicant signed"), default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("recorded by"))
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("home survey")
        verbose_name_plural = _("home surveys")
        ordering = ["-at", "-id"]


class PublicNotice(models.Model):
    """A public notice (公示) of the township's opinion: only what RULES.md §9 allows is published."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="notices", verbose_name=_("application"),
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    place = models.CharField(_("where posted"), max_length=200)
    # What is published, frozen when the notice is posted (name, persons covered, monthly amount, region).
    content = models.JSONField(_("published content"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("posted by"))

    class Meta:
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        ordering = ["-starts_on", "-id"]


class Objection(models.Model):
    notice = models.ForeignKey(
        PublicNotice, on_delete=models.CASCADE, related_name="objections", verbose_name=_("notice"),
    )
    received_on = models.DateField(_("received on"))
    content = models.TextField(_("objection"))
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=ObjectionOutcome.choices, blank=True, default="",
    )
    outcome_note = models.TextField(_("outcome note"), blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["received_on", "id"]


class TownshipOpinion(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="opinions", verbose_name=_("application"),
    )
    opinion = models.CharField(_("opinion"), max_length=8, choices=Opinion.choices)
    text = models.TextField(_("reasons"))
    appraisal = models.TextField(_("community appraisal"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("by"))
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("township opinion")
        verbose_name_plural = _("township opinions")
        ordering = ["-at", "-id"]


class Decision(models.Model):
    """The county's decision. Its facts and explained result are frozen copies: never recomputed."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="decision", verbose_name=_("application"),
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=DecisionOutcome.choices)
    letter_number = models.CharField(_("letter number"), max_length=40, unique=True)
    tier = models.CharField(_("tier"), max_length=24, choices=Tier.choices, blank=True)
    monthly_total = models.DecimalField(_("monthly total"), null=True, blank=True, **MONEY)
    covered_persons = models.PositiveIntegerField(_("persons covered"), default=0)
    reasons = models.TextField(_("reasons"), blank=True)
    as_of = models.DateField(_("rules applied as of"))
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    facts = models.JSONField(_("facts decided on"))
    result = models.JSONField(_("explained result"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)
    decided_on = models.DateField(_("decided on"))
    letter_due_on = models.DateField(_("letter due"), null=True, blank=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")


class TemporaryPayment(models.Model):
    """A payment of temporary assistance: assistance first, or one stage of a staged approval."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="payments", verbose_name=_("application"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=PaymentKind.choices)
    stage = models.PositiveSmallIntegerField(_("stage"), default=1)
    amount = models.DecimalField(_("amount (yuan)"), validators=NON_NEGATIVE, **MONEY)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("paid by"),
    )

    class Meta:
        verbose_name = _("temporary assistance payment")
        verbose_name_plural = _("temporary assistance payments")
        ordering = ["application_id", "stage", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "kind", "stage"], name="one_payment_per_stage"),
        ]


class NumberSequence(models.Model):
    """Per township and year counters for application and letter numbers (taken under a row lock)."""

    key = models.CharField(max_length=40, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
