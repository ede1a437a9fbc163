"""Code values of the registry, named after ../shared/domain/GLOSSARY.md, with Chinese/English labels."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Hukou(models.TextChoices):
    URBAN = "urban", _("Urban")
    RURAL = "rural", _("Rural")


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class HouseholdStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    EXITED = "exited", _("Exited")


class Tier(models.TextChoices):
    EXTREME_POVERTY = "extreme_poverty", _("Extreme poverty (特困)")
    DIBAO = "dibao", _("Minimum living allowance (dibao)")
    DIBAO_INDIVIDUAL = "dibao_individual", _("Individual dibao")
    DIBAO_MARGINAL = "dibao_marginal", _("Dibao-marginal household")
    RIGID_EXPENSE = "rigid_expense", _("Rigid-expenditure hardship")
    POVERTY_RELAPSE_RISK = "poverty_relapse_risk", _("Monitored against poverty relapse")
    OTHER_HARDSHIP = "other_hardship", _("Other hardship")


class ReviewClass(models.TextChoices):
    """Dibao households by how likely their situation is to change (RULES.md §2: A/B/C classes), as the rule
    `review_class` decides it; the region sets the review interval of each."""

    NONE = "", _("Not classified")
    STABLE = "stable", _("Stable: only elderly, severely disabled or seriously ill members")
    ORDINARY = "ordinary", _("Ordinary")
    CHANGING = "changing", _("Changing: a member able to work")


# Tiers that apply to one person rather than to the whole household.
PERSON_TIERS = {Tier.EXTREME_POVERTY, Tier.DIBAO_INDIVIDUAL}


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    CHILD_IN_LAW = "child_in_law", _("Child-in-law")
    GRANDCHILD = "grandchild", _("Grandchild")
    PARENT = "parent", _("Parent")
    PARENT_IN_LAW = "parent_in_law", _("Parent-in-law")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other relative")


class LabourCapacity(models.TextChoices):
    FULL = "full", _("Full labour capacity")
    PARTIAL = "partial", _("Partly lost labour capacity")
    NONE = "none", _("No labour capacity")


class SelfCareActivity(models.TextChoices):
    """The six activities of daily living of the 特困 care standard (RULES.md §3)."""

    EATING = "eating", _("Eating")
    DRESSING = "dressing", _("Dressing")
    TRANSFERRING = "transferring", _("Getting in and out of bed")
    TOILETING = "toileting", _("Toileting")
    WALKING = "walking", _("Walking indoors")
    BATHING = "bathing", _("Bathing")


class SelfCare(models.TextChoices):
    FULL = "full", _("Fully self-caring")
    PARTIAL = "partial", _("Partly dependent")
    NONE = "none", _("Fully dependent")


# Most activities a partly dependent person fails (RULES.md §3); the rule self_care_level reads it too.
SELF_CARE_PARTIAL_MAX_FAILED = 3


def self_care_from_failed(count: int) -> SelfCare:
    """None failed: self-caring; 1–3 failed: partly; 4 or more: fully dependent (RULES.md §3)."""
    if count <= 0:
        return SelfCare.FULL
    if count <= SELF_CARE_PARTIAL_MAX_FAILED:
        return SelfCare.PARTIAL
    return SelfCare.NONE


class DisabilityType(models.TextChoices):
    NONE = "", _("No disability")
    VISUAL = "visual", _("Visual")
    HEARING = "hearing", _("Hearing")
    SPEECH = "speech", _("Speech")
    PHYSICAL = "physical", _("Physical")
    INTELLECTUAL = "intellectual", _("Intellectual")
    MENTAL = "mental", _("Mental")
    MULTIPLE = "multiple", _("Multiple")


class StudentStage(models.TextChoices):
    NONE = "", _("Not a student")
    PRESCHOOL = "preschool", _("Pre-school")
    PRIMARY = "primary", _("Primary school")
    JUNIOR_SECONDARY = "junior_secondary", _("Junior secondary school")
    SENIOR_SECONDARY = "senior_secondary", _("General senior secondary school")
    SECONDARY_VOCATIONAL = "secondary_vocational", _("Secondary vocational school")
    HIGHER_VOCATIONAL = "higher_vocational", _("Higher vocational college")
    UNDERGRADUATE = "undergraduate", _("Undergraduate")
    POSTGRADUATE = "postgraduate", _("Postgraduate")


class Employment(models.TextChoices):
    EMPLOYED = "employed", _("Employed")
    SELF_EMPLOYED = "self_employed", _("Self-employed")
    FARMING = "farming", _("Farming")
    FLEXIBLE = "flexible", _("Flexible or casual work")
    UNEMPLOYED = "unemployed", _("Unemployed")
    RETIRED = "retired", _("Retired")
    STUDENT = "student", _("Student")
    NOT_WORKING = "not_working", _("Not working")


class ChildStatus(models.TextChoices):
    NONE = "", _("None")
    ORPHAN = "orphan", _("Orphan")
    UNSUPPORTED_CHILD = "unsupported_child", _("De-facto unsupported child")
    CHILD_IN_DIFFICULTY = "child_in_difficulty", _("Child in difficulty")


class NotCountedReason(models.TextChoices):
    """Why someone registered in the household is not a counted member (RULES.md §1)."""

    COUNTED = "", _("Counted member")
    CLERGY = "clergy", _("Clergy living at a religious site for 3+ years")
    PRISON = "prison", _("In prison")
    DRUG_REHABILITATION = "drug_rehabilitation", _("In compulsory drug rehabilitation")
    MISSING = "missing", _("Declared missing")


class IncomeKind(models.TextChoices):
    """Monthly income by kind (RULES.md §1). Kinds marked excluded are not counted by default; the list
    of excluded kinds is a policy parameter, this is only the vocabulary."""

    WAGE = "wage", _("Wages (after tax and personal social insurance)")
    BUSINESS_NET = "business_net", _("Net business income")
    PROPERTY_NET = "property_net", _("Net property income")
    TRANSFER_NET = "transfer_net", _("Net transfer income")
    PENSION = "pension", _("Pension (above the basic amount)")
    PENSION_BASE = "pension_base", _("Basic pension base amount")
    MAINTENANCE = "maintenance", _("Maintenance paid by legal supporters")
    SPECIAL_CARE = "special_care", _("Preferential care and pension payments (优待抚恤金)")
    FAMILY_PLANNING = "family_planning", _("Family-planning awards and support")
    SCHOLARSHIP = "scholarship", _("Scholarships and bravery awards")
    GOVERNMENT_ASSISTANCE = "government_assistance", _("Government assistance money")
    DISABILITY_ALLOWANCE = "disability_allowance", _("Disability allowances")
    ORPHAN_ALLOWANCE = "orphan_allowance", _("Orphan allowance")
    ELDERLY_ALLOWANCE = "elderly_allowance", _("Old-age (高龄) allowance")
    OTHER = "other", _("Other income")


class AssetKind(models.TextChoices):
    DEPOSIT = "deposit", _("Deposits")
    FINANCIAL = "financial", _("Financial assets (securities, funds, insurance)")
    DWELLING = "dwelling", _("Dwelling")
    VEHICLE = "vehicle", _("Vehicle")
    BUSINESS = "business", _("Registered business")


class VehicleKind(models.TextChoices):
    NONE = "", _("Not a vehicle")
    CAR = "car", _("Car")
    TRUCK = "truck", _("Truck or goods vehicle")
    MOTORCYCLE = "motorcycle", _("Motorcycle")
    EBIKE = "ebike", _("Electric bicycle")
    MOTORISED_WHEELCHAIR = "motorised_wheelchair", _("Motorised wheelchair")
    FARM_MACHINERY = "farm_machinery", _("Farm machinery")


class RigidExpenseKind(models.TextChoices):
    MEDICAL = "medical", _("Medical, after insurance and aid")
    EDUCATION = "education", _("Education")
    CARE = "care", _("Care")
    REHABILITATION = "rehabilitation", _("Disability rehabilitation")
    LIVING = "living", _("Basic living")


class SupporterIncapacity(models.TextChoices):
    NONE = "", _("None")
    NO_CIVIL_CAPACITY = "no_civil_capacity", _("Without civil capacity")
    MISSING = "missing", _("Missing")
    PRISON = "prison", _("In prison")
