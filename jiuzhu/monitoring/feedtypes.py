"""The department data feeds (RULES.md §8) and their canonical schemas.

Every feed type has documented columns (the names a department's file is mapped onto, see docs/feeds.md).
Each accepted row becomes one *feed record* in one narrow canonical table (`RECORDS`), whatever its type:
who (raw and normalised ID number, name, birth date, sex, region), when (`event_date`), and the type's main
facts in three typed slots: `amount_fen` (its main money figure, integer fen), `grade` (a small integer) and
`category` (a code). The matching engine and the indicator rules read only this table.
"""
from dataclasses import dataclass, field

import pyarrow as pa
from django.db import models
from django.utils.translation import gettext_lazy as _


class FeedType(models.TextChoices):
    MEDICAL_SETTLEMENT = "medical_settlement", _("Medical insurance settlements (医保结算)")
    DISABILITY_CERTIFICATE = "disability_certificate", _("Disability certificates (残疾人证)")
    DEATH = "death", _("Deaths (死亡登记)")
    UNEMPLOYMENT = "unemployment", _("Unemployment registrations (失业登记)")
    SOCIAL_INSURANCE = "social_insurance", _("Social-insurance contributions and wages (社保缴费)")
    REAL_ESTATE = "real_estate", _("Real-estate registrations (不动产登记)")
    VEHICLE = "vehicle", _("Vehicle registrations (机动车登记)")
    BUSINESS = "business", _("Business registrations (市场主体登记)")
    HOUSING_FUND = "housing_fund", _("Housing provident fund contributions (公积金缴存)")
    SCHOOL_ENROLMENT = "school_enrolment", _("School enrolments (学籍)")
    DISASTER = "disaster", _("Disaster-affected households (受灾)")
    RELAPSE_RISK = "relapse_risk", _("Poverty-relapse risk lists (防返贫监测)")


class Department(models.TextChoices):
    MEDICAL_INSURANCE = "medical_insurance", _("Medical insurance bureau")
    DISABLED_FEDERATION = "disabled_federation", _("Disabled persons' federation")
    PUBLIC_SECURITY = "public_security", _("Public security bureau")
    HUMAN_RESOURCES = "human_resources", _("Human resources and social security bureau")
    NATURAL_RESOURCES = "natural_resources", _("Natural resources bureau (real estate)")
    MARKET_REGULATION = "market_regulation", _("Market regulation bureau")
    HOUSING_FUND = "housing_fund", _("Housing provident fund centre")
    EDUCATION = "education", _("Education bureau")
    EMERGENCY = "emergency", _("Emergency management bureau")
    RURAL_REVITALISATION = "rural_revitalisation", _("Rural revitalisation bureau")


@dataclass(frozen=True)
class Column:
    """One documented column of a feed type."""

    name: str
    kind: str                   # text | id_number | date | money | int | code
    label: object
    required: bool = False
    slot: str = ""              # amount_fen | grade | category: where it goes in the canonical record
    choices: tuple = ()         # for code columns
    minimum: int | None = None  # for int columns
    maximum: int | None = None


# Identity columns, common to every feed. A record needs a name and either an ID number or a birth date
# (matched probabilistically then); the ID number may be 15 or 18 characters, with full-width digits, a lower-case
# x or stray spaces (normalised on intake).
IDENTITY = (
    Column("id_number", "id_number", _("ID number")),
    Column("name", "text", _("Name"), required=True),
    Column("birth_date", "date", _("Birth date")),
    Column("sex", "code", _("Sex"), choices=("male", "female")),
    Column("region_code", "text", _("Region code (6 to 12 digits)")),
)


@dataclass(frozen=True)
class FeedSpec:
    feed_type: FeedType
    department: Department
    event: Column
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return IDENTITY + (self.event,) + self.columns


DISABILITY_TYPES = ("visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple")
STUDENT_STAGES = ("preschool", "primary", "junior_secondary", "senior_secondary", "secondary_vocational",
                  "higher_vocational", "undergraduate", "postgraduate")

FEEDS: dict[str, FeedSpec] = {s.feed_type.value: s for s in [
    FeedSpec(FeedType.MEDICAL_SETTLEMENT, Department.MEDICAL_INSURANCE,
             Column("discharge_date", "date", _("Discharge (settlement) date"), required=True),
             (Column("out_of_pocket", "money", _("Self-paid after basic insurance, critical-illness insurance and "
                                                 "medical assistance (yuan)"), required=True, slot="amount_fen"),
              Column("total_cost", "money", _("Total cost (yuan)")),
              Column("hospital", "text", _("Hospital")),
              Column("stay_type", "code", _("Inpatient or outpatient"), slot="category",
                     choices=("inpatient", "outpatient")))),
    FeedSpec(FeedType.DISABILITY_CERTIFICATE, Department.DISABLED_FEDERATION,
             Column("issued_on", "date", _("Certificate issued on"), required=True),
             (Column("disability_type", "code", _("Disability type"), required=True, slot="category",
                     choices=DISABILITY_TYPES),
              Column("disability_grade", "int", _("Disability grade (1 most severe … 4)"), required=True,
                     slot="grade", minimum=1, maximum=4))),
    FeedSpec(FeedType.DEATH, Department.PUBLIC_SECURITY,
             Column("death_date", "date", _("Date of death"), required=True)),
    FeedSpec(FeedType.UNEMPLOYMENT, Department.HUMAN_RESOURCES,
             Column("registered_on", "date", _("Registered unemployed on"), required=True)),
    FeedSpec(FeedType.SOCIAL_INSURANCE, Department.HUMAN_RESOURCES,
             Column("month", "date", _("Contribution month (first day)"), required=True),
             (Column("monthly_wage", "money", _("Monthly wage declared (yuan)"), required=True, slot="amount_fen"),
              Column("employer", "text", _("Employer")))),
    FeedSpec(FeedType.REAL_ESTATE, Department.NATURAL_RESOURCES,
             Column("registered_on", "date", _("Registered on"), required=True),
             (Column("value", "money", _("Assessed value (yuan)"), slot="amount_fen"),
              Column("area_m2", "int", _("Floor area (m²)"), slot="grade", minimum=0, maximum=100000))),
    FeedSpec(FeedType.VEHICLE, Department.PUBLIC_SECURITY,
             Column("registered_on", "date", _("Registered on"), required=True),
             (Column("vehicle_kind", "code", _("Vehicle kind"), required=True, slot="category",
                     choices=("car", "truck", "motorcycle", "ebike", "motorised_wheelchair", "other")),
              Column("value", "money", _("Value (yuan)"), slot="amount_fen"))),
    FeedSpec(FeedType.BUSINESS, Department.MARKET_REGULATION,
             Column("registered_on", "date", _("Registered on"), required=True),
             (Column("business_name", "text", _("Business name")),
              Column("registered_capital", "money", _("Registered capital (yuan)"), slot="amount_fen"))),
    FeedSpec(FeedType.HOUSING_FUND, Department.HOUSING_FUND,
             Column("month", "date", _("Contribution month (first day)"), required=True),
             (Column("monthly_contribution", "money", _("Monthly contribution (yuan)"), required=True,
                     slot="amount_fen"),)),
    FeedSpec(FeedType.SCHOOL_ENROLMENT, Department.EDUCATION,
             Column("enrolled_on", "date", _("Enrolled on"), required=True),
             (Column("student_stage", "code", _("Stage"), required=True, slot="category", choices=STUDENT_STAGES),
              Column("school", "text", _("School")))),
    FeedSpec(FeedType.DISASTER, Department.EMERGENCY,
             Column("occurred_on", "date", _("Disaster date"), required=True),
             (Column("disaster_type", "code", _("Disaster"), required=True, slot="category",
                     choices=("flood", "drought", "earthquake", "fire", "storm", "landslide", "other")),
              Column("loss", "money", _("Direct loss (yuan)"), slot="amount_fen"))),
    FeedSpec(FeedType.RELAPSE_RISK, Department.RURAL_REVITALISATION,
             Column("identified_on", "date", _("Identified on"), required=True),
             (Column("risk_type", "code", _("Risk"), required=True, slot="category",
                     choices=("illness", "disability", "education", "accident", "disaster", "unemployment",
                              "other")),)),
]}

# The canonical feed record: one row per accepted row of any feed (Parquet, and the engines' input).
RECORDS = pa.schema([
    pa.field("record_id", pa.int64(), nullable=False),        # unique within a run (batch * 10^9 + row)
    pa.field("batch_id", pa.int64(), nullable=False),
    pa.field("row_number", pa.int32(), nullable=False),       # row in the department's file (header = 1)
    pa.field("feed_type", pa.string(), nullable=False),
    pa.field("id_number_raw", pa.string()),                    # as delivered
    pa.field("id_number", pa.string()),                        # normalised 18 characters, or null if unusable
    pa.field("name", pa.string(), nullable=False),
    pa.field("birth_date", pa.date32()),                       # from the file, else from a usable ID number
    pa.field("sex", pa.string()),
    pa.field("region_code", pa.string()),                      # as delivered (6–12 digits) or null
    pa.field("event_date", pa.date32(), nullable=False),
    pa.field("amount_fen", pa.int64()),
    pa.field("grade", pa.int32()),
    pa.field("category", pa.string()),
])
