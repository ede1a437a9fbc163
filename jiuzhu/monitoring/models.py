"""Department feeds, matches, warnings and their verification (RULES.md §8).

A `FeedBatch` is one file handed in by a department (kept with its provenance; the same file twice is the
same batch). Its accepted rows are canonical feed records (Parquet under var/feeds/, see feedtypes.RECORDS);
rejected rows are listed by row and reason. A monitoring run matches records to people and raises
`Warning`s — one per subject, indicator and period, updated with new evidence — each becoming a
`VerificationTask` for a grid worker; the outcome closes the loop (an application, a referral, or "not needed"
with a reason). Uncertain probabilistic matches wait in `MatchReview` for a clerk.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from jiuzhu.monitoring.feedtypes import Department, FeedType


class BatchStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    REJECTED = "rejected", _("Rejected (the whole file)")
    ACCEPTED = "accepted", pgettext_lazy("feed file", "Accepted")
    MONITORED = "monitored", _("Monitored")


class FeedSource(models.Model):
    """A department's file layout: how its column headers map onto a feed type's documented columns."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    department = models.CharField(_("department"), max_length=32, choices=Department.choices)
    feed_type = models.CharField(_("feed type"), max_length=32, choices=FeedType.choices)
    # {"身份证号": "id_number", "姓名": "name", ...}; documented names map onto themselves without an entry.
    column_mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, null=True, blank=True,
                               verbose_name=_("region covered"))

    class Meta:
        verbose_name = _("feed source")
        verbose_name_plural = _("feed sources")
        ordering = ["department", "name"]

    def __str__(self) -> str:
        return self.name


class FeedBatch(models.Model):
    source = models.ForeignKey(FeedSource, on_delete=models.PROTECT, null=True, blank=True, related_name="batches",
                               verbose_name=_("source"))
    department = models.CharField(_("department"), max_length=32, choices=Department.choices)
    feed_type = models.CharField(_("feed type"), max_length=32, choices=FeedType.choices)
    file_name = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("received by"))
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="feed_batches", verbose_name=_("region of the sender"))
    status = models.CharField(_("status"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.RECEIVED)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_accepted = models.PositiveIntegerField(_("rows accepted"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    # File-level problem (unreadable, wrong encoding, missing columns): the whole file is rejected.
    file_error = models.JSONField(_("file error"), default=dict, blank=True)
    # The first rejected rows, [{"row": 12, "field": "event_date", "code": "bad_date", "message": "…"}]; the full
    # list is in the report file.
    errors = models.JSONField(_("rejected rows"), default=list, blank=True)
    records_path = models.CharField(_("records file"), max_length=500, blank=True)
    report_path = models.CharField(_("report file"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("feed batch")
        verbose_name_plural = _("feed batches")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["feed_type", "sha256"], name="one_batch_per_file")]

    def __str__(self) -> str:
        return f"{self.get_feed_type_display()} · {self.file_name}"


class WarningLevel(models.TextChoices):
    RED = "red", _("Red")
    ORANGE = "orange", _("Orange")
    YELLOW = "yellow", _("Yellow")


class WarningStatus(models.TextChoices):
    OPEN = "open", _("Open: to be verified")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    APPLICATION = "application", _("Confirmed: an application was opened")
    REFERRAL = "referral", _("Confirmed: referred to a department")
    CHANGE = "change", _("Confirmed: payment stopped or recomputed from next month")
    NOT_NEEDED = "not_needed", _("Not needed")


class Warning(models.Model):
    # The person in the registry, or — for people outside it (proactive discovery) — the record's identity.
    subject_key = models.CharField(_("subject"), max_length=64)
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="warnings", verbose_name=_("person"))
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="warnings", verbose_name=_("household"))
    subject_name = models.CharField(_("name"), max_length=50)
    subject_id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    indicator = models.CharField(_("indicator"), max_length=40)
    period = models.CharField(_("period"), max_length=7)        # YYYY-MM
    level = models.CharField(_("level"), max_length=8, choices=WarningLevel.choices)
    suggestion = models.CharField(_("suggested assistance"), max_length=40)
    # Township responsible (the household's, or the record's region for people outside the registry).
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="warnings",
                               verbose_name=_("township"))
    status = models.CharField(_("status"), max_length=8, choices=WarningStatus.choices, default=WarningStatus.OPEN)
    evidence = models.JSONField(_("evidence"), default=list)
    first_raised_at = models.DateTimeField(_("first raised"), auto_now_add=True)
    last_evidence_at = models.DateTimeField(_("last evidence"), auto_now=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    application = models.ForeignKey("cases.Application", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="warnings", verbose_name=_("application opened"))

    class Meta:
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        ordering = ["status", "-first_raised_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["subject_key", "indicator", "period"],
                                               name="one_warning_per_subject_indicator_period")]
        indexes = [models.Index(fields=["region", "status"]), models.Index(fields=["status", "level"])]

    @property
    def indicator_label(self) -> str:
        from jiuzhu.monitoring.indicators import INDICATORS

        found = INDICATORS.get(self.indicator)
        return str(found.label) if found else self.indicator

    @property
    def suggestion_label(self) -> str:
        from jiuzhu.monitoring.indicators import Suggestion

        return str(Suggestion(self.suggestion).label) if self.suggestion in Suggestion.values else self.suggestion


class TaskStatus(models.TextChoices):
    OPEN = "open", _("To verify")
    DONE = "done", _("Verified")


class VerificationTask(models.Model):
    """On-site verification (铁脚板) of a warning by a grid worker, with a deadline in working days."""

    warning = models.OneToOneField(Warning, on_delete=models.CASCADE, related_name="task", verbose_name=_("warning"))
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="verification_tasks",
                               verbose_name=_("where"))
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="verification_tasks", verbose_name=_("assigned to"))
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("verified by"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("verification task")
        verbose_name_plural = _("verification tasks")
        ordering = ["status", "due_on", "id"]
        indexes = [models.Index(fields=["region", "status", "due_on"])]


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("To review")
    SAME_PERSON = "same_person", _("Same person")
    DIFFERENT = "different", _("Different people")


class MatchReview(models.Model):
    """A probabilistic match between the upper and lower thresholds: a clerk decides."""

    batch = models.ForeignKey(FeedBatch, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("batch"))
    row_number = models.PositiveIntegerField(_("row"))
    record = models.JSONField(_("record"))
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("candidate"))
    probability = models.FloatField(_("match probability"))
    status = models.CharField(_("status"), max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("match to review")
        verbose_name_plural = _("matches to review")
        ordering = ["status", "-probability", "id"]
        constraints = [models.UniqueConstraint(fields=["batch", "row_number", "person"], name="one_review_per_pair")]
