"""Response schemas. Field names are the model's (and the glossary's) field names, so that a later write
endpoint can accept the same shape; foreign keys are given as the related object's id (regions: the code).

ID, phone and bank account numbers are masked by their types (see `jiuzhu.api.types`).
"""
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from jiuzhu.api.pagination import PageMeta
from jiuzhu.api.types import (
    CENT,
    Decimal2,
    MaskedBankAccount,
    MaskedIdNumber,
    MaskedPhone,
    Money,
)
from jiuzhu.core.masking import mask_account_number, mask_id_number, mask_phone
from jiuzhu.core.regions import RegionLevel
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
    SelfCare,
    SelfCareActivity,
    Sex,
    StudentStage,
    SupporterIncapacity,
    Tier,
    VehicleKind,
)


class FieldErrorOut(Schema):
    """One invalid field of a request."""

    loc: list[str] = Field(description='Where the problem is, e.g. ["query", "page_size"].')
    type: str = Field(description="Pydantic's error type, e.g. less_than_equal.")
    msg: str = Field(description="Pydantic's explanation (in English).")


class ErrorOut(Schema):
    """Every error has this shape; `code` is stable, `message` is in the request's language."""

    code: str = Field(
        description="not_authenticated, permission_denied, csrf_failed, not_found, validation_error, …",
        examples=["not_found"],
    )
    message: str = Field(description="Translated message (Accept-Language: zh-hans by default, en).")
    errors: list[FieldErrorOut] | None = Field(None, description="Only for validation_error (422).")


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# Regions ------------------------------------------------------------------------------------------------


class RegionOut(Schema):
    """An administrative division (统计用区划代码, 12 digits)."""

    code: str = Field(description="12-digit statistical division code.", examples=["370402001000"])
    name: str = Field(description="Chinese name.")
    name_en: str = Field(description="English name (may be empty).")
    display_name: str = Field(description="The name in the request's language.")
    level: RegionLevel
    parent: str | None = Field(description="Code of the parent region; null for a province.")
    synthetic: bool = Field(description="Generated for a demo, not a real division.")

    @staticmethod
    def resolve_parent(obj) -> str | None:
        return obj.parent_id

    @staticmethod
    def resolve_display_name(obj) -> str:
        return obj.display_name()


class RegionDetailOut(RegionOut):
    """A region with the path from its province down to it."""

    path: list[RegionOut] = Field(
        description="The region's ancestors, province first, ending with the region itself. Ancestors "
        "above the user's own region are shown here but cannot be opened themselves."
    )

    @staticmethod
    def resolve_path(obj) -> list:
        return obj.path()


class RegionPage(PageMeta):
    """One page of regions."""

    items: list[RegionOut]


# People ---------------------------------------------------------------------------------------------------


class PersonOut(Schema):
    """A member of a household (共同生活的家庭成员)."""

    id: int
    household: int = Field(description="Id of the household.")
    id_number: MaskedIdNumber
    name: str
    sex: Sex
    birth_date: date
    relation: Relation = Field(description="Relation to the head of household.")
    hukou: Hukou
    labour_capacity: LabourCapacity
    self_care_failed_activities: list[SelfCareActivity] = Field(
        description="Which of the six activities of daily living the person cannot do alone."
    )
    self_care: SelfCare = Field(description="Read-only: derived from self_care_failed_activities.")
    disability_type: DisabilityType
    disability_grade: int | None = Field(description="1 is the most severe, 4 the least.")
    serious_illness: bool
    serious_illness_name: str
    student_stage: StudentStage
    employment: Employment
    child_status: ChildStatus
    not_counted_reason: NotCountedReason = Field(description="Empty for a counted member.")
    phone: MaskedPhone
    death_date: date | None

    @staticmethod
    def resolve_household(obj) -> int:
        return obj.household_id


class PersonDetailOut(PersonOut):
    """A member of a household, with the household's region."""

    region: str = Field(description="Code of the household's region.")
    region_name: str = Field(description="Name of the household's region in the request's language.")

    @staticmethod
    def resolve_region(obj) -> str:
        return obj.household.region_id

    @staticmethod
    def resolve_region_name(obj) -> str:
        return obj.household.region.display_name()


class PersonPage(PageMeta):
    """One page of persons."""

    items: list[PersonDetailOut]


class RevealIn(Schema):
    """Which full number to reveal."""

    field: Literal["id_number", "phone"] = Field(description="Which number to reveal.")


class RevealOut(Schema):
    """A full number. Each reveal is written to the audit log with who, when, whose and from where."""

    person: int
    field: Literal["id_number", "phone"]
    value: str = Field(description="The full, unmasked number.")


# Household parts -------------------------------------------------------------------------------------------


class IncomeItemOut(Schema):
    """One monthly income item of a member, or of the household when `person` is null."""

    id: int
    person: int | None
    kind: IncomeKind
    monthly_amount: Money
    note: str

    @staticmethod
    def resolve_person(obj) -> int | None:
        return obj.person_id


class AssetOut(Schema):
    """A household asset: deposits, financial assets, a dwelling, a vehicle or a registered business."""

    id: int
    kind: AssetKind
    value: Money
    vehicle_kind: VehicleKind
    annual_profit: Money | None = Field(description="For a registered business.")
    area_m2: Decimal2 | None = Field(description="Floor area in m², for a dwelling.")
    description: str


class RigidExpenseOut(Schema):
    """Rigid expenditure of the last 12 months, by kind (刚性支出)."""

    id: int
    kind: RigidExpenseKind
    amount_12m: Money
    note: str


class LegalSupporterOut(Schema):
    """A relative outside the household with a legal duty of support (法定赡养、抚养、扶养义务人)."""

    id: int
    supported_person: int = Field(description="Id of the member this relative must support.")
    name: str
    id_number: MaskedIdNumber
    birth_date: date | None
    relation: Relation = Field(description="Relation to the supported person.")
    tier: Tier | Literal[""] = Field(description="The supporter's own tier, if any.")
    disability_type: DisabilityType
    disability_grade: int | None
    annual_income: Money | None
    assets_value: Money | None
    incapacity: SupporterIncapacity

    @staticmethod
    def resolve_supported_person(obj) -> int:
        return obj.supported_person_id


class TierMembershipOut(Schema):
    """A tier held by the household (or, for person-level tiers, by one member) over a period."""

    id: int
    person: int | None = Field(description="The member, for person-level tiers (特困, 单人保).")
    tier: Tier
    start_date: date
    end_date: date | None
    monthly_amount: Money | None
    basis: str

    @staticmethod
    def resolve_person(obj) -> int | None:
        return obj.person_id


# Households -----------------------------------------------------------------------------------------------


class HouseholdListItemOut(Schema):
    """A household as listed: enough to recognise it and open it."""

    id: int
    region: str = Field(description="Code of the household's region (village or community).")
    region_name: str
    address: str
    hukou: Hukou
    status: HouseholdStatus
    head: int | None = Field(description="Id of the head of household.")
    head_name: str
    head_id_number: MaskedIdNumber
    member_count: int
    tiers: list[Tier] = Field(description="Tiers in force on the as_of date (today by default).")

    @staticmethod
    def resolve_region(obj) -> str:
        return obj.region_id

    @staticmethod
    def resolve_region_name(obj) -> str:
        return obj.region.display_name()

    @staticmethod
    def resolve_head(obj) -> int | None:
        return obj.head_id

    @staticmethod
    def resolve_head_name(obj) -> str:
        return obj.head.name if obj.head_id else ""

    @staticmethod
    def resolve_head_id_number(obj) -> str:
        return obj.head.id_number if obj.head_id else ""

    @staticmethod
    def resolve_tiers(obj) -> list[str]:
        return sorted({t.tier for t in obj.active_tiers})


class HouseholdPage(PageMeta):
    """One page of households."""

    items: list[HouseholdListItemOut]


class HouseholdDetailOut(Schema):
    """A household with everything the registry holds about it."""

    id: int
    region: str = Field(description="Code of the household's region (village or community).")
    region_name: str
    address: str
    hukou: Hukou
    head: int | None = Field(description="Id of the member who is head of household.")
    bank_name: str
    bank_account: MaskedBankAccount
    status: HouseholdStatus
    created_at: datetime
    updated_at: datetime
    members: list[PersonOut]
    income_items: list[IncomeItemOut]
    assets: list[AssetOut]
    rigid_expenses: list[RigidExpenseOut]
    legal_supporters: list[LegalSupporterOut]
    tier_memberships: list[TierMembershipOut] = Field(description="All tier periods, newest first.")

    @staticmethod
    def resolve_region(obj) -> str:
        return obj.region_id

    @staticmethod
    def resolve_region_name(obj) -> str:
        return obj.region.display_name()

    @staticmethod
    def resolve_head(obj) -> int | None:
        return obj.head_id


# History ---------------------------------------------------------------------------------------------------

# Values of these fields are masked in the change history as everywhere else.
_MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "bank_account": mask_account_number}
_HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def _history_value(field: str, value: Any) -> Any:
    if value is None:
        return None
    if field in _MASKERS:
        return _MASKERS[field](str(value))
    if isinstance(value, Decimal):
        return str(value.quantize(CENT))
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


class FieldChangeOut(Schema):
    """One field's old and new value."""

    field: str
    old: Any = Field(description="Previous value (money as a two-decimal string; numbers masked).")
    new: Any


class HistoryEntryOut(Schema):
    """One change to the household or to something in it, newest first."""

    kind: Literal["household", "person", "income", "asset", "rigid_expense", "legal_supporter", "tier"]
    object: str = Field(description="What changed, e.g. the member's name; empty for the household itself.")
    type: Literal["created", "changed", "deleted"]
    at: datetime
    user: str | None = Field(description="Username of whoever made the change; null for imports and jobs.")
    reason: str
    changes: list[FieldChangeOut] = Field(description="Field by field, for changes only.")

    @staticmethod
    def resolve_type(obj) -> str:
        return _HISTORY_TYPES.get(obj["type"], obj["type"])

    @staticmethod
    def resolve_user(obj) -> str | None:
        user = obj["user"]
        return user.get_username() if user is not None else None

    @staticmethod
    def resolve_changes(obj) -> list[dict]:
        return [
            {
                "field": c["field"],
                "old": _history_value(c["field"], c["old"]),
                "new": _history_value(c["field"], c["new"]),
            }
            for c in obj["changes"]
        ]
