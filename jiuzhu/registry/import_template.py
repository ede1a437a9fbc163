"""The household import file format: its columns, the words it accepts, and the blank template.

One definition serves the template download, the parser (`imports.py`), the export (`exports.py`, whose
files can be imported again) and the documentation (`docs/import-template.md`, checked by a test).

The file has one row per person and one header row. Headers are fixed Chinese words, because the file is a
format exchanged between offices, not a page of the user interface: a file written by a clerk whose screen
is in English must read the same. Each column also accepts its code name (`id_number`, …) as header, so
that other systems can write files without Chinese. Choice columns likewise use fixed Chinese terms
(`CHOICE_TERMS`), and also accept the code values, the English labels and the labels in the active language.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import override

from jiuzhu.registry.choices import (
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
)

# --- Kinds of column ---------------------------------------------------------------------------------
ID = "id"  # a resident ID number
TEXT = "text"
CHOICE = "choice"  # one code value of `choices`
CHOICE_LIST = "choice_list"  # several code values of `choices`, separated by 、 , ; or spaces
DATE = "date"
BOOL = "bool"
GRADE = "grade"  # disability grade 1–4
REGION = "region"  # a 12-digit statistical division code
MONEY = "money"  # yuan, to the fen
COUNT = "count"  # a whole number ≥ 0
INFO = "info"  # written by the export for the reader, ignored by the import

# --- When a column must be filled in -----------------------------------------------------------------
ALWAYS = "always"
NEW_PERSON = "new_person"
NEW_HOUSEHOLD = "new_household"

# --- Where a column's value goes ---------------------------------------------------------------------
GROUP = "group"  # the head's ID number: which household the row belongs to
PERSON = "person"  # a field of the person of the row
INCOME = "income"  # the person's monthly income of one kind
HOUSEHOLD = "household"  # a household field, read from the head's row
HOUSEHOLD_AMOUNT = "household_amount"  # a household asset or expenditure total, read from the head's row

# The separators accepted between values of a CHOICE_LIST cell.
LIST_SEPARATORS = re.compile(r"[、,，;；/|\s]+")

# Cell values meaning "none" in a choice column whose empty code value means none (no disability …).
NONE_WORDS = ("无", "没有", "none", "-", "—")


@dataclass(frozen=True)
class Column:
    """One column of the import file."""

    key: str  # the code name (glossary); also accepted as the header
    header: str  # the Chinese header, as written in the template
    kind: str
    target: str
    help: Promise  # what to write, in English (translated on display)
    choices: type[models.TextChoices] | None = None
    max_length: int | None = None
    # When a value is needed: ALWAYS, for a NEW_PERSON or a NEW_HOUSEHOLD (on the head's row); "" never.
    required: str = ""
    # Other headers people use for the same thing.
    aliases: tuple[str, ...] = ()
    # For INCOME and HOUSEHOLD_AMOUNT columns: what the amount is (see `imports.ItemGroup`).
    item: str = ""
    allow_negative: bool = False
    example_head: str = ""
    example_member: str = ""

    @property
    def household_level(self) -> bool:
        return self.target in (HOUSEHOLD, HOUSEHOLD_AMOUNT)


# --- The Chinese words of the file format ------------------------------------------------------------
# For every choice: code value → the term written in files, then other words that mean the same.
CHOICE_TERMS: dict[type[models.TextChoices], dict[str, tuple[str, ...]]] = {
    Hukou: {"urban": ("城镇", "非农业", "非农业户口", "城镇户口"), "rural": ("农村", "农业", "农业户口", "农村户口")},
    Sex: {"male": ("男", "男性"), "female": ("女", "女性")},
    HouseholdStatus: {"active": ("正常",), "suspended": ("暂停",), "exited": ("退出", "已退出")},
    Relation: {
        "head": ("户主", "本人"),
        "spouse": ("配偶", "妻", "妻子", "夫", "丈夫"),
        "child": ("子女", "子", "女", "儿子", "女儿", "长子", "次子", "长女", "次女"),
        "child_in_law": ("子女配偶", "儿媳", "女婿"),
        "grandchild": ("孙子女", "孙子", "孙女", "外孙子", "外孙女", "外孙"),
        "parent": ("父母", "父亲", "母亲", "父", "母"),
        "parent_in_law": ("配偶父母", "公公", "婆婆", "岳父", "岳母"),
        "grandparent": ("祖父母", "祖父", "祖母", "外祖父", "外祖母", "爷爷", "奶奶"),
        "sibling": ("兄弟姐妹", "兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹"),
        "other": ("其他亲属", "其他"),
    },
    LabourCapacity: {
        "full": ("有劳动能力", "有"),
        "partial": ("部分丧失劳动能力", "部分丧失"),
        "none": ("无劳动能力", "完全丧失劳动能力", "丧失劳动能力"),
    },
    SelfCareActivity: {
        "eating": ("进食", "吃饭"),
        "dressing": ("穿衣",),
        "transferring": ("上下床",),
        "toileting": ("如厕", "上厕所"),
        "walking": ("室内行走", "行走"),
        "bathing": ("洗澡",),
    },
    DisabilityType: {
        "": ("无",),
        "visual": ("视力残疾", "视力"),
        "hearing": ("听力残疾", "听力"),
        "speech": ("言语残疾", "言语"),
        "physical": ("肢体残疾", "肢体"),
        "intellectual": ("智力残疾", "智力"),
        "mental": ("精神残疾", "精神"),
        "multiple": ("多重残疾", "多重"),
    },
    StudentStage: {
        "": ("非在校生", "无", "否"),
        "preschool": ("学前教育", "幼儿园", "学前"),
        "primary": ("小学",),
        "junior_secondary": ("初中",),
        "senior_secondary": ("普通高中", "高中"),
        "secondary_vocational": ("中等职业教育", "中职", "中专", "技校"),
        "higher_vocational": ("高等职业教育", "高职", "大专"),
        "undergraduate": ("本科", "大学本科"),
        "postgraduate": ("研究生", "硕士", "博士"),
    },
    Employment: {
        "employed": ("受雇就业", "就业", "务工", "在职"),
        "self_employed": ("个体经营", "自主创业"),
        "farming": ("务农",),
        "flexible": ("灵活就业", "零工"),
        "unemployed": ("失业", "登记失业"),
        "retired": ("退休",),
        "student": ("在校学生", "学生"),
        "not_working": ("无业", "未就业"),
    },
    ChildStatus: {
        "": ("无",),
        "orphan": ("孤儿",),
        "unsupported_child": ("事实无人抚养儿童",),
        "child_in_difficulty": ("困境儿童",),
    },
    NotCountedReason: {
        "": ("计入", "无"),
        "clergy": ("宗教教职人员",),
        "prison": ("服刑", "服刑人员"),
        "drug_rehabilitation": ("强制隔离戒毒",),
        "missing": ("宣告失踪", "失踪"),
    },
}

TRUE_WORDS = ("是", "有", "y", "yes", "true", "1", "√", "✓")
FALSE_WORDS = ("否", "无", "n", "no", "false", "0", "×", "✗")

INCOME_TERMS = {
    IncomeKind.WAGE: "工资性收入",
    IncomeKind.BUSINESS_NET: "经营净收入",
    IncomeKind.PROPERTY_NET: "财产净收入",
    IncomeKind.TRANSFER_NET: "转移净收入",
    IncomeKind.PENSION: "养老金（超出基础养老金部分）",
    IncomeKind.PENSION_BASE: "基础养老金",
    IncomeKind.MAINTENANCE: "赡养抚养扶养费",
    IncomeKind.SPECIAL_CARE: "优待抚恤金",
    IncomeKind.FAMILY_PLANNING: "计划生育奖励扶助金",
    IncomeKind.SCHOLARSHIP: "奖学金及见义勇为奖励",
    IncomeKind.GOVERNMENT_ASSISTANCE: "政府救助金",
    IncomeKind.DISABILITY_ALLOWANCE: "残疾人补贴",
    IncomeKind.ORPHAN_ALLOWANCE: "孤儿基本生活费",
    IncomeKind.ELDERLY_ALLOWANCE: "高龄津贴",
    IncomeKind.OTHER: "其他收入",
}

RIGID_EXPENSE_TERMS = {
    RigidExpenseKind.MEDICAL: "医疗",
    RigidExpenseKind.EDUCATION: "教育",
    RigidExpenseKind.CARE: "照护",
    RigidExpenseKind.REHABILITATION: "残疾康复",
    RigidExpenseKind.LIVING: "基本生活",
}


def choice_term(choices: type[models.TextChoices], value: str) -> str:
    """The Chinese term a file uses for a code value ("" for the empty value)."""
    if not value:
        return ""
    return CHOICE_TERMS[choices][value][0]


def _income_column(kind: IncomeKind, example_head: str = "", example_member: str = "") -> Column:
    return Column(
        key=f"income_{kind.value}",
        header=f"{INCOME_TERMS[kind]}（元/月）",
        kind=MONEY,
        target=INCOME,
        item=f"income:{kind.value}",
        help=gettext_lazy("This person's monthly income in yuan: %(kind)s."),
        example_head=example_head,
        example_member=example_member,
    )


def _rigid_column(kind: RigidExpenseKind, example: str = "") -> Column:
    return Column(
        key=f"rigid_{kind.value}",
        header=f"刚性支出：{RIGID_EXPENSE_TERMS[kind]}（元/12个月）",
        kind=MONEY,
        target=HOUSEHOLD_AMOUNT,
        item=f"rigid:{kind.value}",
        help=gettext_lazy("The household's rigid expenditure over the last 12 months in yuan (head's row): %(kind)s."),
        example_head=example,
    )


# The example household of the template (synthetic; the ID numbers are valid GB 11643 numbers).
EXAMPLE_HEAD_ID = "370402196005170013"
EXAMPLE_MEMBER_ID = "370402198809120029"

COLUMNS: tuple[Column, ...] = (
    Column(
        "head_id_number", "户主身份证号", ID, GROUP, required=ALWAYS,
        aliases=("户主身份证号码", "户主公民身份号码"),
        help=gettext_lazy(
            "The head's ID number, on every row of the household: rows with the same head form one "
            "household. The head's own row carries the household columns."
        ),
        example_head=EXAMPLE_HEAD_ID, example_member=EXAMPLE_HEAD_ID,
    ),
    Column(
        "id_number", "身份证号", ID, PERSON, required=ALWAYS,
        aliases=("身份证号码", "公民身份号码", "证件号码"),
        help=gettext_lazy(
            "The person's ID number (18 characters; an old 15-digit number is converted). Format the "
            "column as text in Excel, or long numbers lose their last digits."
        ),
        example_head=EXAMPLE_HEAD_ID, example_member=EXAMPLE_MEMBER_ID,
    ),
    Column("name", "姓名", TEXT, PERSON, required=ALWAYS, max_length=50,
           help=gettext_lazy("The person's name as on the ID card."), example_head="张建国", example_member="张小红"),
    Column(
        "relation", "与户主关系", CHOICE, PERSON, choices=Relation, required=NEW_PERSON, aliases=("关系",),
        help=gettext_lazy("The head's own row says 户主 (head); no other row may."),
        example_head="户主", example_member="子女",
    ),
    Column("sex", "性别", CHOICE, PERSON, choices=Sex,
           help=gettext_lazy("Blank: taken from the ID number. If given, it must agree with the ID number."),
           example_head="男", example_member="女"),
    Column(
        "birth_date", "出生日期", DATE, PERSON,
        help=gettext_lazy(
            "YYYY-MM-DD, YYYY/M/D or an Excel date. Blank: taken from the ID number. If given, it must "
            "agree with the ID number."
        ),
        example_head="1960-05-17", example_member="1988-09-12",
    ),
    Column("hukou", "户籍性质", CHOICE, PERSON, choices=Hukou, required=NEW_HOUSEHOLD,
           aliases=("户口性质", "户籍类型"),
           help=gettext_lazy(
               "The person's household registration. Blank for a new member: the household's. A new "
               "household needs it on the head's row (or 家庭户籍性质)."
           ),
           example_head="农村", example_member="农村"),
    Column("phone", "联系电话", TEXT, PERSON, max_length=20, aliases=("电话", "手机号", "手机号码"),
           help=gettext_lazy("Mobile or landline number."), example_head="13800000000"),
    Column("labour_capacity", "劳动能力", CHOICE, PERSON, choices=LabourCapacity,
           help=gettext_lazy("Blank for a new person: full labour capacity."),
           example_head="部分丧失劳动能力", example_member="有劳动能力"),
    Column(
        "self_care_failed_activities", "不能自理的活动", CHOICE_LIST, PERSON, choices=SelfCareActivity,
        aliases=("生活不能自理项目",),
        help=gettext_lazy(
            "Which of the six activities of daily living the person cannot do alone, separated by 、 "
            "(e.g. 洗澡、如厕). 无 for none."
        ),
    ),
    Column("disability_type", "残疾类别", CHOICE, PERSON, choices=DisabilityType,
           help=gettext_lazy("As on the disability certificate; 无 for none."), example_head="肢体残疾"),
    Column("disability_grade", "残疾等级", GRADE, PERSON,
           help=gettext_lazy("1 (most severe) to 4, also written 一级 … 四级; needed with a disability type."),
           example_head="二级"),
    Column("serious_illness", "是否重病", BOOL, PERSON, aliases=("重病",),
           help=gettext_lazy("是 (yes) or 否 (no)."), example_head="否", example_member="否"),
    Column("serious_illness_name", "疾病名称", TEXT, PERSON, max_length=100,
           help=gettext_lazy("The serious illness, if any.")),
    Column("student_stage", "在校学段", CHOICE, PERSON, choices=StudentStage, aliases=("就学情况",),
           help=gettext_lazy("The stage of a full-time student; 非在校生 for none.")),
    Column("employment", "就业状况", CHOICE, PERSON, choices=Employment,
           help=gettext_lazy("Blank for a new person: not working."), example_head="务农", example_member="灵活就业"),
    Column("child_status", "儿童类别", CHOICE, PERSON, choices=ChildStatus,
           help=gettext_lazy("Orphan, de-facto unsupported child or child in difficulty; 无 for none.")),
    Column(
        "not_counted_reason", "不计入家庭成员原因", CHOICE, PERSON, choices=NotCountedReason,
        help=gettext_lazy("Why someone registered in the household is not a counted member; blank or 计入 if counted."),
    ),
    Column("death_date", "死亡日期", DATE, PERSON, help=gettext_lazy("The date of death, if the person has died.")),
    Column(
        "region_code", "区划代码", REGION, HOUSEHOLD, required=NEW_HOUSEHOLD,
        aliases=("行政区划代码", "统计用区划代码", "所属区划代码"),
        help=gettext_lazy(
            "The 12-digit statistical division code of the village or community (head's row). It must lie "
            "in your own area."
        ),
        example_head="370402001001",
    ),
    Column("region_name", "区划名称", INFO, HOUSEHOLD,
           help=gettext_lazy("Written by the export for the reader; ignored by the import.")),
    Column("address", "家庭住址", TEXT, HOUSEHOLD, required=NEW_HOUSEHOLD, max_length=200, aliases=("住址", "地址", "家庭地址"),
           help=gettext_lazy("The household's address (head's row)."), example_head="东风社区3号楼2单元101室"),
    Column(
        "household_hukou", "家庭户籍性质", CHOICE, HOUSEHOLD, choices=Hukou,
        help=gettext_lazy("The household's registration (head's row). Blank for a new household: the head's."),
    ),
    Column("bank_name", "开户银行", TEXT, HOUSEHOLD, max_length=100,
           help=gettext_lazy("The bank of the account that receives payments (head's row)."),
           example_head="枣庄农村商业银行"),
    Column("bank_account", "银行账号", TEXT, HOUSEHOLD, max_length=40, aliases=("银行卡号", "账号"),
           help=gettext_lazy("The account number (head's row); format the column as text."),
           example_head="6200000000000000000"),
    Column("status", "家庭状态", CHOICE, HOUSEHOLD, choices=HouseholdStatus,
           help=gettext_lazy("Blank for a new household: active (head's row).")),
    _income_column(IncomeKind.WAGE, example_member="2100"),
    _income_column(IncomeKind.BUSINESS_NET, example_head="350.50"),
    _income_column(IncomeKind.PROPERTY_NET),
    _income_column(IncomeKind.TRANSFER_NET),
    _income_column(IncomeKind.PENSION),
    _income_column(IncomeKind.PENSION_BASE, example_head="150"),
    _income_column(IncomeKind.MAINTENANCE),
    _income_column(IncomeKind.SPECIAL_CARE),
    _income_column(IncomeKind.FAMILY_PLANNING),
    _income_column(IncomeKind.SCHOLARSHIP),
    _income_column(IncomeKind.GOVERNMENT_ASSISTANCE),
    _income_column(IncomeKind.DISABILITY_ALLOWANCE, example_head="90"),
    _income_column(IncomeKind.ORPHAN_ALLOWANCE),
    _income_column(IncomeKind.ELDERLY_ALLOWANCE),
    _income_column(IncomeKind.OTHER),
    Column("deposits", "存款（元）", MONEY, HOUSEHOLD_AMOUNT, item="deposit",
           help=gettext_lazy("The household's bank deposits in total, in yuan (head's row)."), example_head="8000"),
    Column("financial_assets", "金融资产（元）", MONEY, HOUSEHOLD_AMOUNT, item="financial",
           help=gettext_lazy("Securities, funds and insurance with cash value, in yuan (head's row).")),
    Column("dwelling_count", "住房套数", COUNT, HOUSEHOLD_AMOUNT, item="dwelling",
           help=gettext_lazy("How many dwellings the household owns (head's row)."), example_head="1"),
    Column("dwelling_value", "住房总价值（元）", MONEY, HOUSEHOLD_AMOUNT, item="dwelling",
           help=gettext_lazy("The value of those dwellings together, in yuan (head's row)."), example_head="120000"),
    Column("car_value", "汽车价值（元）", MONEY, HOUSEHOLD_AMOUNT, item="car",
           help=gettext_lazy(
               "The value of the household's cars, in yuan (head's row). Motorcycles, electric bicycles and "
               "other vehicles are kept on the household page."
           )),
    Column("business_value", "经营性资产价值（元）", MONEY, HOUSEHOLD_AMOUNT, item="business",
           help=gettext_lazy("The value of registered businesses, in yuan (head's row).")),
    Column("business_profit", "经营年利润（元）", MONEY, HOUSEHOLD_AMOUNT, item="business", allow_negative=True,
           help=gettext_lazy("Their annual profit, in yuan; a loss is negative (head's row).")),
    _rigid_column(RigidExpenseKind.MEDICAL, example="6500"),
    _rigid_column(RigidExpenseKind.EDUCATION),
    _rigid_column(RigidExpenseKind.CARE),
    _rigid_column(RigidExpenseKind.REHABILITATION),
    _rigid_column(RigidExpenseKind.LIVING),
)

COLUMNS_BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}

# Columns a file must have, whatever it contains.
REQUIRED_HEADERS: tuple[str, ...] = tuple(c.key for c in COLUMNS if c.required == ALWAYS)


def normalize_header(text: object) -> str:
    """A header as compared: no spaces or required-markers, half-width brackets, lower case."""
    value = "" if text is None else str(text)
    value = value.replace("（", "(").replace("）", ")").replace("：", ":")
    return re.sub(r"[\s*＊]+", "", value).lower()


_HEADER_INDEX: dict[str, Column] = {}
for _column in COLUMNS:
    for _name in (_column.header, _column.key, *_column.aliases):
        _HEADER_INDEX[normalize_header(_name)] = _column


def column_for_header(text: object) -> Column | None:
    """The column a header names (its Chinese header, code name or an alias), or None."""
    return _HEADER_INDEX.get(normalize_header(text))


def normalize_term(text: str) -> str:
    """A choice word as compared: full-width letters and digits folded, no spaces, lower case."""
    folded = "".join(chr(ord(ch) - 0xFEE0) if "\uff01" <= ch <= "\uff5e" else ch for ch in text)
    return re.sub(r"\s+", "", folded).lower()


def choice_lookup(choices: type[models.TextChoices]) -> dict[str, str]:
    """Every word accepted for a choice → its code value: terms, code values, English and active labels.

    The file format's own words and the code values are registered first, so that a label in some
    language can never take a word away from the value the format gives it.
    """
    lookup: dict[str, str] = {}
    for value, terms in CHOICE_TERMS[choices].items():
        for word in (*terms, value):
            if word:
                lookup.setdefault(normalize_term(word), value)
    if "" in choices.values:
        for word in NONE_WORDS:
            lookup.setdefault(normalize_term(word), "")
    for value, label in choices.choices:
        with override("en"):
            english = str(label)
        for word in (english, str(label)):
            lookup.setdefault(normalize_term(word), value)
    return lookup


def allowed_values_text(column: Column) -> str:
    """The values a column accepts, as listed in the instructions and in error messages."""
    if column.choices is not None:
        return "、".join(
            f"{terms[0]} ({value})" for value, terms in CHOICE_TERMS[column.choices].items() if value
        )
    if column.kind == BOOL:
        return "是 / 否"
    if column.kind == GRADE:
        return "1–4（一级 … 四级）"
    return ""


def column_help(column: Column) -> str:
    """The column's description in the active language."""
    kind = ""
    if column.target == INCOME:
        kind = str(IncomeKind(column.item.split(":")[1]).label)
    elif column.item.startswith("rigid:"):
        kind = str(RigidExpenseKind(column.item.split(":")[1]).label)
    text = str(column.help)
    return text % {"kind": kind} if "%(kind)s" in text else text


def required_text(column: Column) -> str:
    return {
        ALWAYS: _("Always"), NEW_PERSON: _("For a new person"), NEW_HOUSEHOLD: _("For a new household"),
    }.get(column.required, "")


# --- The template workbook ---------------------------------------------------------------------------
DATA_SHEET_TITLE = "家庭成员 Members"
INSTRUCTIONS_SHEET_TITLE = "说明 Instructions"
EXAMPLE_SHEET_TITLE = "示例 Example"
TEMPLATE_ROWS_WITH_FORMATS = 5000

# Columns that hold long digit strings: formatted as text, so that Excel keeps every digit.
TEXT_FORMAT_KEYS = {"head_id_number", "id_number", "phone", "bank_account", "region_code"}


def template_columns() -> list[Column]:
    """The columns of the template (everything the import reads)."""
    return [c for c in COLUMNS if c.kind != INFO]


def example_rows() -> list[list[str]]:
    columns = template_columns()
    return [[c.example_head for c in columns], [c.example_member for c in columns]]


def import_template_xlsx() -> bytes:
    """The blank template: the data sheet, the instructions and an example household.

    The example rows are on their own sheet rather than under the headers, so that a clerk who forgets to
    delete them does not import a made-up family.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = template_columns()
    workbook = Workbook()
    data = workbook.active
    data.title = DATA_SHEET_TITLE
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    _write_header(data, columns, header_fill)
    last_row = TEMPLATE_ROWS_WITH_FORMATS + 1
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        if column.key in TEXT_FORMAT_KEYS:
            data.column_dimensions[letter].number_format = "@"
        if column.kind == DATE:
            data.column_dimensions[letter].number_format = "yyyy-mm-dd"
        # A drop-down of the Chinese terms; a warning only, since code values are accepted as well.
        terms = None
        if column.kind == CHOICE:
            terms = [t[0] for v, t in CHOICE_TERMS[column.choices].items() if v]
        elif column.kind == BOOL:
            terms = ["是", "否"]
        if terms and len(",".join(terms)) < 250:
            validation = DataValidation(
                type="list", formula1='"' + ",".join(terms) + '"', allow_blank=True,
                showErrorMessage=True, errorStyle="warning",
            )
            validation.add(f"{letter}2:{letter}{last_row}")
            data.add_data_validation(validation)

    instructions = workbook.create_sheet(INSTRUCTIONS_SHEET_TITLE)
    headings = [_("Column"), _("Code name"), _("Required"), _("Description"), _("Allowed values")]
    instructions.append(headings)
    for cell in instructions[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
    for column in columns:
        instructions.append(
            [column.header, column.key, required_text(column), column_help(column), allowed_values_text(column)]
        )
    instructions.append([])
    for line in instruction_notes():
        instructions.append([line])
    for letter, width in zip("ABCDE", (30, 26, 16, 80, 60)):
        instructions.column_dimensions[letter].width = width
    for row in instructions.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    example = workbook.create_sheet(EXAMPLE_SHEET_TITLE)
    _write_header(example, columns, header_fill)
    for row in example_rows():
        example.append(row)

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _write_header(sheet, columns: list[Column], fill) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet.append([c.header for c in columns])
    for index, (cell, column) in enumerate(zip(sheet[1], columns), start=1):
        cell.font = Font(bold=True, color="C00000" if column.required else None)
        cell.fill = fill
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(column.header) * 2 + 2)
    sheet.freeze_panes = "A2"


def instruction_notes() -> list[str]:
    """The rules of the file, in the active language (also in docs/import-template.md)."""
    return [
        _("One row per person. Rows with the same head's ID number form one household; the head's own row "
          "carries the household columns (region, address, bank, status, assets, expenditure). On other rows "
          "these columns must be blank or the same as on the head's row."),
        _("Red headers are required: always for the ID numbers and the name; for a new person or household "
          "also the other red columns."),
        _("People are matched by ID number: a person already in the registry is updated, otherwise created. "
          "A blank cell leaves the recorded value as it is; write 无 or 否 to clear a choice. Importing the "
          "same file twice changes nothing."),
        _("A person listed under another head's ID number moves to that household."),
        _("Amount columns give totals in yuan (to the fen). A blank cell leaves the recorded items as they "
          "are; 0 removes them; another amount replaces them."),
        _("Rows with errors are not imported; the other rows are. A household whose head's row has an error "
          "is skipped as a whole. The result page lists every error with its row and column."),
        _("Files: .xlsx (the first sheet is read) or .csv in UTF-8 or GBK."),
    ]


def import_template_markdown() -> str:
    """The table of columns in docs/import-template.md (a test keeps the document in step with this)."""
    with override("en"):
        lines = [
            "| Header | Code name | Required | Description | Allowed values |",
            "|---|---|---|---|---|",
        ]
        for column in COLUMNS:
            cells = [
                column.header, f"`{column.key}`", required_text(column), column_help(column),
                allowed_values_text(column),
            ]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


# Accepted date formats of text cells, besides real Excel dates.
DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)

CHINESE_GRADES = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def parse_date_text(text: str) -> date | None:
    for pattern in DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError:
                return None
    return None


def money_text(value: Decimal | None) -> str:
    """An amount as the export writes it: plain digits, two decimals only when there are fen."""
    if value is None:
        return ""
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return str(value.quantize(Decimal("0.01")))


__all__ = [
    "COLUMNS",
    "COLUMNS_BY_KEY",
    "CHOICE_TERMS",
    "Column",
    "allowed_values_text",
    "choice_lookup",
    "choice_term",
    "column_for_header",
    "import_template_markdown",
    "import_template_xlsx",
    "instruction_notes",
    "template_columns",
]
