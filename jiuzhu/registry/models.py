"""The low-income population registry (低收入人口库): households, members and their circumstances.

Every model keeps its full change history (who, when, what) through django-simple-history.
Money is Decimal yuan to the fen.
"""
from datetime import date
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from jiuzhu.registry.choices import (
    AssetKind,
    ChildStatus,
    DisabilityType,
    Employment,
    HouseholdStatus,
    Hukou,
    IncomeKind,
    LabourCapacity,
    NotCountedReason,
    Relation,
    RigidExpenseKind,
    SelfCareActivity,
    Sex,
    StudentStage,
    SupporterIncapacity,
    Tier,
    VehicleKind,
    self_care_from_failed,
)

MONEY = {"max_digits": 14, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class Household(models.Model):
    region = models.ForeignKey(
        "core.Region", on_delete=models.PROTECT, related_name="households", verbose_name=_("region"),
    )
    address = models.CharField(_("address"), max_length=200)
    hukou = models.CharField(_("hukou"), max_length=5, choices=Hukou.choices)
    head = models.OneToOneField(
        "Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="headed_household",
        verbose_name=_("head"),
    )
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=HouseholdStatus.choices, default=HouseholdStatus.ACTIVE,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["region_id", "id"]
        indexes = [models.Index(fields=["status", "region"])]

    def __str__(self) -> str:
        head = self.head.name if self.head_id else "—"
        return f"{head} · {self.address}"


class Person(models.Model):
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name=_("household"),
    )
    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=50, db_index=True)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    relation = models.CharField(_("relation to head"), max_length=16, choices=Relation.choices)
    hukou = models.CharField(_("hukou"), max_length=5, choices=Hukou.choices)
    labour_capacity = models.CharField(
        _("labour capacity"), max_length=8, choices=LabourCapacity.choices, default=LabourCapacity.FULL,
    )
    self_care_failed_activities = models.JSONField(
        _("self-care activities failed"), default=list, blank=True,
        help_text=_("Which of the six activities of daily living the person cannot do alone."),
    )
    disability_type = models.CharField(
        _("disability type"), max_length=12, choices=DisabilityType.choices, blank=True, default="",
    )
    disability_grade = models.PositiveSmallIntegerField(
        _("disability grade"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_("1 is the most severe, 4 the least."),
    )
    serious_illness = models.BooleanField(_("serious illness"), default=False)
    serious_illness_name = models.CharField(_("illness"), max_length=100, blank=True)
    student_stage = models.CharField(
        _("student stage"), max_length=24, choices=StudentStage.choices, blank=True, default="",
    )
    employment = models.CharField(
        _("employment"), max_length=16, choices=Employment.choices, default=Employment.NOT_WORKING,
    )
    child_status = models.CharField(
        _("child status"), max_length=24, choices=ChildStatus.choices, blank=True, default="",
    )
    not_counted_reason = models.CharField(
        _("not counted because"), max_length=24, choices=NotCountedReason.choices, blank=True, default="",
    )
    work_refusals = models.PositiveSmallIntegerField(
        _("refusals of suitable work in a row"), default=0,
        help_text=_("Consecutive refusals of suitable work without good reason (RULES.md §2)."),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    death_date = models.DateField(_("date of death"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["household_id", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def self_care(self):
        return self_care_from_failed(len(self.self_care_failed_activities or []))

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    def clean(self):
        from django.core.exceptions import ValidationError

        bad = [a for a in (self.self_care_failed_activities or []) if a not in SelfCareActivity.values]
        if bad:
            raise ValidationError({"self_care_failed_activities": _("Unknown activities: %(a)s") % {"a": bad}})
        if bool(self.disability_type) != bool(self.disability_grade):
            raise ValidationError(
                {"disability_grade": _("A disability needs both a type and a grade.")}
            )


class IncomeItem(models.Model):
    """One monthly income item of a member (or of the household when no member is given)."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="income_items", verbose_name=_("household"),
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="income_items",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=IncomeKind.choices)
    monthly_amount = models.DecimalField(_("monthly amount (yuan)"), validators=NON_NEGATIVE, **MONEY)
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("income item")
        verbose_name_plural = _("income items")
        ordering = ["household_id", "person_id", "kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.monthly_amount}"


class Asset(models.Model):
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="assets", verbose_name=_("household"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=AssetKind.choices)
    value = models.DecimalField(_("value (yuan)"), validators=NON_NEGATIVE, **MONEY)
    vehicle_kind = models.CharField(
        _("vehicle kind"), max_length=24, choices=VehicleKind.choices, blank=True, default="",
    )
    annual_profit = models.DecimalField(
        _("annual profit (yuan)"), null=True, blank=True, **MONEY,
        help_text=_("For a registered business."),
    )
    area_m2 = models.DecimalField(_("floor area (m²)"), max_digits=8, decimal_places=2, null=True, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["household_id", "kind", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"


class RigidExpense(models.Model):
    """Rigid expenditure of the last 12 months, by kind (刚性支出)."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="rigid_expenses", verbose_name=_("household"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RigidExpenseKind.choices)
    amount_12m = models.DecimalField(_("amount over 12 months (yuan)"), validators=NON_NEGATIVE, **MONEY)
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rigid expenditure")
        verbose_name_plural = _("rigid expenditures")
        ordering = ["household_id", "kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount_12m}"


class LegalSupporter(models.Model):
    """A relative outside the household with a legal duty of support (法定赡养、抚养、扶养义务人)."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="legal_supporters", verbose_name=_("household"),
    )
    supported_person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="legal_supporters", verbose_name=_("supported person"),
    )
    name = models.CharField(_("name"), max_length=50)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    relation = models.CharField(_("relation to the supported person"), max_length=16, choices=Relation.choices)
    tier = models.CharField(_("supporter's own tier"), max_length=24, choices=Tier.choices, blank=True)
    disability_type = models.CharField(
        _("disability type"), max_length=12, choices=DisabilityType.choices, blank=True, default="",
    )
    disability_grade = models.PositiveSmallIntegerField(
        _("disability grade"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    annual_income = models.DecimalField(
        _("annual income (yuan)"), null=True, blank=True, validators=NON_NEGATIVE, **MONEY,
    )
    assets_value = models.DecimalField(
        _("assets (yuan)"), null=True, blank=True, validators=NON_NEGATIVE, **MONEY,
    )
    incapacity = models.CharField(
        _("incapacity"), max_length=24, choices=SupporterIncapacity.choices, blank=True, default="",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("legal supporter")
        verbose_name_plural = _("legal supporters")
        ordering = ["household_id", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relation_display()})"


class TierMembership(models.Model):
    """A household's (or, for person-level tiers, one member's) tier over a period of time."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="tier_memberships", verbose_name=_("household"),
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="tier_memberships",
        verbose_name=_("person"),
    )
    tier = models.CharField(_("tier"), max_length=24, choices=Tier.choices)
    start_date = models.DateField(_("effective from"))
    end_date = models.DateField(_("effective until"), null=True, blank=True)
    monthly_amount = models.DecimalField(
        _("monthly amount (yuan)"), null=True, blank=True, validators=NON_NEGATIVE, **MONEY,
    )
    basis = models.CharField(_("basis"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tier membership")
        verbose_name_plural = _("tier memberships")
        ordering = ["household_id", "-start_date"]
        indexes = [models.Index(fields=["tier", "end_date"])]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} {self.start_date}–{self.end_date or ''}"

    def is_active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class ImportBatch(models.Model):
    """One uploaded spreadsheet: what came in, what was imported, and every rejected row with its reason."""

    uploaded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="import_batches", verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, db_index=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    households_created = models.PositiveIntegerField(_("households created"), default=0)
    households_updated = models.PositiveIntegerField(_("households updated"), default=0)
    persons_created = models.PositiveIntegerField(_("persons created"), default=0)
    persons_updated = models.PositiveIntegerField(_("persons updated"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("rows unchanged"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    errors = models.JSONField(
        _("errors"), default=list, blank=True,
        help_text=_("One entry per problem: row number, column, value and reason."),
    )

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.uploaded_at:%Y-%m-%d %H:%M})"
