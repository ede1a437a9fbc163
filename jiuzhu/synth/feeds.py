"""Synthetic department feeds for a synthetic population: planted events, realistic noise and the ground truth.

`feeds_write(population_dir=…, out_dir=…, as_of=…)` reads a Parquet population (`jiuzhu synth population`)
and writes, for each feed type of `jiuzhu.monitoring.feedtypes`, the file a department would hand in for the
month before `as_of` — Chinese headers of the department's own, in a mix of formats (CSV UTF-8, with BOM,
GBK; .xlsx for small files; Parquet) — with `sources.yaml` (each file's department, feed type and column
mapping onto the documented columns) and `ground_truth/` (what every row is, and which warnings a monitoring
run must raise). docs/synthetic-data.md, "Department feeds", describes the output for people.

How it stays fast and bounded at any size:

- The population is read one part at a time (a part holds whole counties), with only the columns needed.
  Every part gets its share of each feed's rows and of the planted events (in proportion to its persons) and
  is processed in sub-chunks of at most `CHUNK_RECORDS` rows; each sub-chunk is appended to the open output
  files. Memory depends on the part and chunk sizes, not on the number of records.
- Everything is numpy and Arrow over whole arrays; Python loops only over the few rows given a name typo and
  over the rows of .xlsx files (small by construction).
- Random numbers come from streams seeded by (seed, part, sub-chunk, purpose): the same arguments give the same
  bytes (CSV and Parquet; .xlsx files carry a timestamp of their own).

Planted events are drawn so that the ground truth is unambiguous: clearly over the thresholds of the indicator
they should raise, while background rows stay clearly under every threshold (see `PLANTS` and the docs).
"""
from __future__ import annotations

import io
import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import yaml

from jiuzhu.synth import names
from jiuzhu.synth.errors import SynthError, SynthErrorCode
from jiuzhu.synth.generator import _EPOCH, _given_names, _fixed_strings, id_numbers
from jiuzhu.synth.geography import allocate

FORMAT_NAME = "jiuzhu.synth.feeds"
FORMAT_VERSION = 1
GENERATOR_VERSION = "1"

FEED_TYPES = ("medical_settlement", "disability_certificate", "death", "unemployment", "social_insurance",
              "real_estate", "vehicle", "business", "housing_fund", "school_enrolment", "disaster", "relapse_risk")

# Output formats: name -> (file extension, text encoding or None).
FORMATS: dict[str, tuple[str, str | None]] = {
    "csv": ("csv", "utf-8"),
    "csv-bom": ("csv", "utf-8-sig"),
    "csv-gbk": ("csv", "gbk"),
    "xlsx": ("xlsx", None),
    "parquet": ("parquet", None),
}
# Spreadsheets only for small files: above this, a source that prefers .xlsx sends CSV instead (as departments
# do: Excel stops at 1,048,576 rows and openpyxl holds a workbook in memory).
XLSX_MAX_ROWS = 10_000
# Rows generated and written at a time (all feeds together): bounds memory whatever the number of records.
CHUNK_RECORDS = 500_000

# Shares of the records by feed type (the busiest feeds are the medical and social-insurance ones).
FEED_SHARES = {
    "medical_settlement": 0.45, "social_insurance": 0.20, "housing_fund": 0.08, "school_enrolment": 0.06,
    "vehicle": 0.04, "real_estate": 0.03, "business": 0.03, "disability_certificate": 0.03, "death": 0.02,
    "unemployment": 0.02, "disaster": 0.02, "relapse_risk": 0.02,
}

# ---------------------------------------------------------------------------------------------------------
# Sources: one per feed type, with the department's own headers, a preferred format and how precisely it
# gives regions (digits of the region code).
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    feed_type: str
    department: str
    name: str                  # the source's name (FeedSource.name)
    headers: dict[str, str]    # documented column name -> the department's header
    format: str                # preferred format
    region_digits: int         # 6 county, 9 township, 12 village


def _identity(id_header: str, name_header: str = "姓名", region_header: str = "行政区划代码",
              birth_header: str = "出生日期") -> dict[str, str]:
    return {"id_number": id_header, "name": name_header, "birth_date": birth_header, "sex": "性别",
            "region_code": region_header}


SOURCES: dict[str, Source] = {s.feed_type: s for s in [
    Source("medical_settlement", "medical_insurance", "医疗保障局 住院门诊结算明细",
           {**_identity("身份证号码", region_header="参保地区划"), "discharge_date": "出院日期",
            "out_of_pocket": "个人自付金额", "total_cost": "医疗总费用", "hospital": "定点医疗机构名称",
            "stay_type": "就诊类型"}, "csv", 6),
    Source("disability_certificate", "disabled_federation", "残联 残疾人证核发名单",
           {**_identity("身份证号", region_header="户籍地区划代码", birth_header="出生年月日"),
            "issued_on": "发证日期", "disability_type": "残疾类别", "disability_grade": "残疾等级"}, "xlsx", 9),
    Source("death", "public_security", "公安局 死亡人口注销登记",
           {**_identity("公民身份号码", region_header="户籍地行政区划"), "death_date": "死亡日期"}, "csv-gbk", 12),
    Source("unemployment", "human_resources", "人社局 失业登记名单",
           {**_identity("社会保障号码", region_header="登记地区划"), "registered_on": "失业登记日期"}, "xlsx", 9),
    Source("social_insurance", "human_resources", "人社局 社保缴费工资申报",
           {**_identity("社会保障号码", region_header="参保地区划"), "month": "缴费年月",
            "monthly_wage": "缴费工资", "employer": "单位名称"}, "csv-gbk", 6),
    Source("real_estate", "natural_resources", "自然资源局 不动产登记",
           {**_identity("权利人证件号码", name_header="权利人姓名", region_header="不动产坐落区划"),
            "registered_on": "登簿日期", "value": "评估价值(元)", "area_m2": "建筑面积(平方米)"}, "csv-bom", 9),
    Source("vehicle", "public_security", "公安交管 机动车注册登记",
           {**_identity("身份证明号码", name_header="机动车所有人", region_header="住所行政区划"),
            "registered_on": "注册登记日期", "vehicle_kind": "车辆类型", "value": "购置价格(元)"}, "csv-gbk", 6),
    Source("business", "market_regulation", "市场监管局 市场主体设立登记",
           {**_identity("法定代表人证件号码", name_header="法定代表人", region_header="登记机关区划"),
            "registered_on": "成立日期", "business_name": "企业名称", "registered_capital": "注册资本(元)"},
           "parquet", 6),
    Source("housing_fund", "housing_fund", "公积金中心 缴存明细",
           {**_identity("证件号码", name_header="职工姓名", region_header="缴存地区划"), "month": "缴存年月",
            "monthly_contribution": "月缴存额"}, "csv-bom", 6),
    Source("school_enrolment", "education", "教育局 学籍新生注册",
           {**_identity("学生身份证件号", name_header="学生姓名", region_header="户籍所在地区划"),
            "enrolled_on": "入学日期", "student_stage": "学段", "school": "学校名称"}, "xlsx", 9),
    Source("disaster", "emergency", "应急管理局 受灾户名单",
           {**_identity("户主身份证号", name_header="户主姓名", region_header="受灾地区划代码"),
            "occurred_on": "灾害发生日期", "disaster_type": "灾害种类", "loss": "直接经济损失(元)"}, "xlsx", 12),
    Source("relapse_risk", "rural_revitalisation", "乡村振兴局 防返贫监测对象",
           {**_identity("身份证号", region_header="所在村区划"), "identified_on": "识别日期", "risk_type": "风险类型"},
           "parquet", 12),
]}
assert set(SOURCES) == set(FEED_TYPES) == set(FEED_SHARES)

# ---------------------------------------------------------------------------------------------------------
# Planted events. Thresholds (yuan) they are planted against, with a clear margin on both sides.
# ---------------------------------------------------------------------------------------------------------
STAY_THRESHOLD = 6_000           # one stay, out of pocket, person in the registry
STAY_THRESHOLD_OUTSIDE = 10_000  # one stay, out of pocket, person outside it
SUM_12M_THRESHOLD = 20_000       # out of pocket over 12 months
INCOME_LINE = 1_500              # per capita and month: above every dibao standard
DISASTER_LOSS_OUTSIDE = 10_000   # direct loss of a household outside the registry

# Planted amounts (yuan, ranges drawn uniformly) and background amounts.
LARGE_STAY = (10_500, 18_000)      # over both stay thresholds, under the 12-month one
STAYS_12M = 5                      # stays per medical_cost_12m event, each under the stay threshold …
STAY_12M = (4_300, 5_000)          # … and together over the 12-month threshold (≥ 21,500)
PROACTIVE_STAY = (12_000, 19_000)
BACKGROUND_STAY_MAX = 1_500        # and a person's background stays never add up to 15,000
BACKGROUND_STAY_SUM_MAX = 15_000
BACKGROUND_STAY_OUTSIDE = (50, 3_000)
PROACTIVE_LOSS = (30_000, 120_000)
BACKGROUND_LOSS_OUTSIDE = (100, 2_000)
INCOME_MARGIN = (1_000, 4_000)     # the planted wage is 1,500 × household members + this

RECIPIENT_TIERS = ("extreme_poverty", "dibao", "dibao_individual", "dibao_marginal")
# Tiers whose amount or eligibility does not depend on a member's wage: background wages go to these.
WAGE_NEUTRAL_TIERS = ("poverty_relapse_risk", "other_hardship")


@dataclass(frozen=True)
class Plant:
    indicator: str
    feed_type: str
    rate: float             # events per row of the feed
    rows: int = 1           # rows per event
    outside: bool = False   # a person outside the population (proactive discovery)


PLANTS = (
    Plant("large_medical_cost", "medical_settlement", 0.01),
    Plant("medical_cost_12m", "medical_settlement", 0.002, rows=STAYS_12M),
    Plant("proactive_medical", "medical_settlement", 0.003, outside=True),
    Plant("severe_disability", "disability_certificate", 0.2),
    Plant("death", "death", 0.3),
    Plant("earner_unemployed", "unemployment", 0.3),
    Plant("income_above_standard", "social_insurance", 0.02),
    Plant("asset_dwelling", "real_estate", 0.1),
    Plant("asset_vehicle", "vehicle", 0.1),
    Plant("asset_business", "business", 0.1),
    Plant("higher_education", "school_enrolment", 0.1),
    Plant("disaster", "disaster", 0.4),
    Plant("proactive_disaster", "disaster", 0.1, outside=True),
    Plant("relapse_risk", "relapse_risk", 0.97),
)
INDICATORS = tuple(p.indicator for p in PLANTS)
# Fewest events of an indicator whose feed is written at all (so that a small run still tests each).
MIN_EVENTS = 2

# Background rows of people outside the population, by feed (the rest are people of the population). Feeds
# where any record of a registered person raises a warning have only outside people in the background; the
# relapse-risk list has no background at all (listing someone is the event).
OUTSIDE_SHARE = {
    "medical_settlement": 0.5, "disability_certificate": 0.3, "death": 1.0, "unemployment": 1.0,
    "social_insurance": 0.7, "real_estate": 1.0, "vehicle": 0.7, "business": 1.0, "housing_fund": 0.8,
    "school_enrolment": 0.4, "disaster": 1.0, "relapse_risk": 1.0,
}

# ---------------------------------------------------------------------------------------------------------
# Noise
# ---------------------------------------------------------------------------------------------------------
ID_QUALITIES = ("valid", "converted_15", "fullwidth", "lower_x", "spaces", "invalid", "missing")
P_MISSING = 0.03      # no ID number: name, birth date, sex and region only
P_INVALID = 0.02      # wrong check character
P_OLD_15 = 0.02       # the old 15-digit number (people born 1900-1999)
P_FULLWIDTH = 0.015   # full-width digits (and Ｘ)
P_SPACES = 0.02       # a stray space before, after or between the digit groups
P_LOWER_X = 0.5       # of the numbers ending in X, written with a lower-case x
P_TYPO = 0.3          # of the rows without a usable ID number (missing or invalid): a name typo
P_DUPLICATE = 0.01    # exact copies of an earlier row
P_BAD_ROW = 0.002     # background rows with a bad date or a negative amount (the intake rejects them)
INVALID_REASONS = ("bad_date", "negative_amount")
_Q = {q: i for i, q in enumerate(ID_QUALITIES)}

# Similar-sounding (mostly homophone) characters of the name lists, as a careless clerk or an input method
# produces them. Every character here is in GBK.
_HOMOPHONES = dict(zip(
    "王汪李黎张章刘柳陈辰杨阳黄皇赵召吴武周州徐许孙荪马玛朱珠胡湖郭国何河林琳高郜罗萝郑正梁良唐堂韩寒彭朋曾增肖萧"
    "田甜董冬袁元蔡菜蒋江余于杜度叶业程成魏卫吕旅任仁卢芦姚瑶沈申钟忠姜江谭谈陆路范凡石时金今韦伟贾甲夏霞付傅方芳"
    "熊雄白柏孟梦秦琴邱丘侯后薛雪闫严段断雷蕾龙隆史施陶桃贺和毛茂郝好顾谷龚宫邵少覃秦钱前戴代严闫莫墨向项常长"
    "建健帼国军君民敏华桦明鸣伟玮文雯志智德得富福成诚平萍刚钢勇永贵桂学雪生升春纯祥翔斌彬忠中宝保荣蓉才财义毅山珊"
    "玉钰庆青广光新欣浩皓宇雨轩萱子紫博波俊骏杰洁晨辰睿瑞航杭泽则铭明鑫欣磊蕾鹏朋飞菲涛滔昊浩然冉凯楷嘉佳楠南锐瑞"
    "天田恒衡宸晨逸怡秀绣英莹兰蓝珍贞凤风琴勤梅玫香湘红虹云芸丽莉淑书翠萃花华菊桔莲连素苏艳燕秋丘月悦爱艾芬纷"
    "怡宜涵寒梓紫琪琦婷亭静晶悦月思斯可柯馨欣妍研彤桐瑶姚晴情语雨雅亚安岸"[0::2],
    "王汪李黎张章刘柳陈辰杨阳黄皇赵召吴武周州徐许孙荪马玛朱珠胡湖郭国何河林琳高郜罗萝郑正梁良唐堂韩寒彭朋曾增肖萧"
    "田甜董冬袁元蔡菜蒋江余于杜度叶业程成魏卫吕旅任仁卢芦姚瑶沈申钟忠姜江谭谈陆路范凡石时金今韦伟贾甲夏霞付傅方芳"
    "熊雄白柏孟梦秦琴邱丘侯后薛雪闫严段断雷蕾龙隆史施陶桃贺和毛茂郝好顾谷龚宫邵少覃秦钱前戴代严闫莫墨向项常长"
    "建健帼国军君民敏华桦明鸣伟玮文雯志智德得富福成诚平萍刚钢勇永贵桂学雪生升春纯祥翔斌彬忠中宝保荣蓉才财义毅山珊"
    "玉钰庆青广光新欣浩皓宇雨轩萱子紫博波俊骏杰洁晨辰睿瑞航杭泽则铭明鑫欣磊蕾鹏朋飞菲涛滔昊浩然冉凯楷嘉佳楠南锐瑞"
    "天田恒衡宸晨逸怡秀绣英莹兰蓝珍贞凤风琴勤梅玫香湘红虹云芸丽莉淑书翠萃花华菊桔莲连素苏艳燕秋丘月悦爱艾芬纷"
    "怡宜涵寒梓紫琪琦婷亭静晶悦月思斯可柯馨欣妍研彤桐瑶姚晴情语雨雅亚安岸"[1::2],
))

# Facts of the background and planted rows: word lists for the text columns.
_HOSPITALS = ["人民医院", "中医医院", "第一人民医院", "妇幼保健院", "中心卫生院", "第二人民医院", "骨科医院",
              "肿瘤医院", "精神卫生中心", "社区卫生服务中心"]
_EMPLOYERS = ["建筑工程有限公司", "物业服务有限公司", "食品有限公司", "商贸有限公司", "环卫服务中心", "纺织有限公司",
              "农业科技有限公司", "物流有限公司", "餐饮管理有限公司", "机械制造有限公司"]
_BUSINESSES = ["便利店", "小吃店", "五金店", "养殖场", "农资店", "理发店", "家庭农场", "汽车修理部", "服装店",
               "建材经营部"]
_SCHOOLS = {"primary": "小学", "junior_secondary": "初级中学", "senior_secondary": "高级中学",
            "higher_vocational": "职业技术学院", "undergraduate": "大学"}
_SCHOOL_PREFIXES = ["第一", "第二", "实验", "城关", "育才", "新华", "光明", "东方", "师范", "理工"]
_DISABILITY_TYPES = ("visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple")
_DISASTERS = ("flood", "drought", "earthquake", "fire", "storm", "landslide", "other")
_RISKS = ("illness", "disability", "education", "accident", "disaster", "unemployment", "other")

# Departments write codes in their own words (the intake maps them back onto the documented codes).
CODE_WORDS: dict[str, dict[str, str]] = {
    "sex": {"male": "男", "female": "女"},
    "stay_type": {"inpatient": "住院", "outpatient": "门诊"},
    "disability_type": {"visual": "视力残疾", "hearing": "听力残疾", "speech": "言语残疾", "physical": "肢体残疾",
                        "intellectual": "智力残疾", "mental": "精神残疾", "multiple": "多重残疾"},
    "vehicle_kind": {"car": "小型汽车", "truck": "载货汽车", "motorcycle": "摩托车", "ebike": "电动自行车",
                     "motorised_wheelchair": "残疾人机动轮椅车", "other": "其他"},
    "student_stage": {"preschool": "学前", "primary": "小学", "junior_secondary": "初中", "senior_secondary": "高中",
                      "secondary_vocational": "中职", "higher_vocational": "高职（专科）", "undergraduate": "本科",
                      "postgraduate": "研究生"},
    "disaster_type": {"flood": "洪涝", "drought": "干旱", "earthquake": "地震", "fire": "火灾", "storm": "风雹",
                      "landslide": "地质灾害", "other": "其他"},
    "risk_type": {"illness": "因病", "disability": "因残", "education": "因学", "accident": "因意外",
                  "disaster": "因灾", "unemployment": "因失业", "other": "其他"},
}

# Ground truth schemas.
RECORDS_TRUTH = pa.schema([
    pa.field("source_file", pa.string(), nullable=False),   # path under the output directory
    pa.field("row_number", pa.int32(), nullable=False),     # header = 1, first data row = 2
    pa.field("feed_type", pa.string(), nullable=False),
    pa.field("person_id", pa.int64()),                      # null: a person outside the population
    pa.field("id_quality", pa.string(), nullable=False),    # ID_QUALITIES
    pa.field("has_typo", pa.bool_(), nullable=False),
    pa.field("is_duplicate_of", pa.int32()),                # row number of the row this one copies
    pa.field("planted_event", pa.string()),                 # indicator code the row should raise
    pa.field("event_id", pa.int64()),                       # the row of events.parquet
    pa.field("invalid_reason", pa.string()),                # why the intake must reject the row
])
EVENTS_TRUTH = pa.schema([
    pa.field("event_id", pa.int64(), nullable=False),
    pa.field("person_id", pa.int64()),                      # null: outside the population
    pa.field("household_id", pa.int64()),
    pa.field("indicator", pa.string(), nullable=False),
    pa.field("period", pa.string(), nullable=False),        # YYYY-MM
    pa.field("feed_type", pa.string(), nullable=False),
    pa.field("id_number", pa.string(), nullable=False),     # the person's true 18-character number
    pa.field("name", pa.string(), nullable=False),
    pa.field("birth_date", pa.date32(), nullable=False),
    pa.field("region_code", pa.string(), nullable=False),   # 12 digits
    pa.field("rows", pa.int32(), nullable=False),           # rows planted for it (duplicates not counted)
])

_PERSON_COLUMNS = ["person_id", "household_id", "id_number", "name", "sex", "birth_date", "relation",
                   "employment", "income_wage", "disability_grade", "student_stage", "death_date"]
_HOUSEHOLD_COLUMNS = ["household_id", "region_code", "registered_tier", "status"]


@dataclass
class FeedFile:
    feed_type: str
    format: str
    path: str      # relative to the output directory
    rows: int = 0


@dataclass
class FeedsSummary:
    out_dir: Path
    period: str
    files: list[FeedFile]
    records: int
    events: int
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)   # events by indicator


# ---------------------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------------------
def feeds_write(*, population_dir: Path, out_dir: Path, as_of: date, records: int | None = None, seed: int = 42,
                formats: tuple[str, ...] = tuple(FORMATS), only: tuple[str, ...] = (), force: bool = False,
                chunk_records: int = CHUNK_RECORDS, progress: bool = False) -> FeedsSummary:
    """Write the feeds of the month before `as_of` for the population in `population_dir` (module docstring)."""
    started = time.perf_counter()
    population_dir, out_dir = Path(population_dir), Path(out_dir)
    parts = _population_parts(population_dir)
    person_counts = np.array([pq.ParquetFile(p).metadata.num_rows for p, _h, _s in parts], dtype=np.int64)
    if records is None:
        records = max(1, int(round(0.02 * person_counts.sum())))
    if isinstance(records, bool) or not isinstance(records, int) or records < 1:
        raise SynthError(SynthErrorCode.BAD_SIZE, option="--records", value=records)
    formats = tuple(formats)
    for f in formats:
        if f not in FORMATS:
            raise SynthError(SynthErrorCode.FEEDS_BAD_FORMAT, value=f, choices=", ".join(FORMATS))
    for f in only:
        if f not in FEED_TYPES:
            raise SynthError(SynthErrorCode.FEEDS_UNKNOWN_TYPE, value=f, choices=", ".join(FEED_TYPES))
    feed_types = tuple(f for f in FEED_TYPES if not only or f in only)
    _prepare_output(out_dir, force=force)

    period_start = (as_of.replace(day=1) - timedelta(days=1)).replace(day=1)
    period = f"{period_start:%Y-%m}"
    feed_rows = dict(zip(feed_types, allocate(records, _normalised([FEED_SHARES[f] for f in feed_types]))))
    plan = _plan_events(feed_rows)
    files = {f: _choose_file(f, int(feed_rows[f]), formats, period_start) for f in feed_types if feed_rows[f] > 0}
    weights = _normalised(person_counts)
    part_rows = {f: allocate(int(n), weights) for f, n in feed_rows.items()}
    part_events = {p.indicator: allocate(plan[p.indicator], weights) for p in PLANTS if p.indicator in plan}

    writers = {f: _writer(out_dir, files[f]) for f in files}
    truth_dir = out_dir / "ground_truth"
    truth_dir.mkdir()
    truth = pq.ParquetWriter(truth_dir / "records.parquet", RECORDS_TRUTH, compression="zstd")
    events_out: list[pa.Table] = []
    ctx = _Run(seed=seed, as_of=as_of, period_start=period_start, period=period, files=files)
    from tqdm import tqdm

    try:
        with tqdm(total=records, unit="rows", unit_scale=True, file=sys.stderr,
                  disable=not progress or not sys.stderr.isatty(), desc="synth feeds") as bar:
            for k, paths in enumerate(parts):
                rows_k = {f: int(part_rows[f][k]) for f in files}
                if not any(rows_k.values()):
                    continue
                part = _read_part(paths)
                events_k = {i: int(v[k]) for i, v in part_events.items()}
                for table_by_feed, truth_table, events_table in _generate_part(ctx, k, part, rows_k, events_k,
                                                                                chunk_records=chunk_records):
                    for f, table in table_by_feed.items():
                        writers[f].write(table)
                        bar.update(table.num_rows)
                    truth.write_table(truth_table)
                    if events_table.num_rows:
                        events_out.append(events_table)
                del part
    finally:
        for w in writers.values():
            w.close()
        truth.close()
    events = pa.concat_tables(events_out) if events_out else EVENTS_TRUTH.empty_table()
    pq.write_table(events, truth_dir / "events.parquet", compression="zstd")
    for f, w in writers.items():
        files[f].rows = w.rows
    _write_sources(out_dir, files, period=period)
    counts = {i: int(n) for i, n in zip(*np.unique(events.column("indicator").to_numpy(zero_copy_only=False),
                                                     return_counts=True))} if events.num_rows else {}
    summary = FeedsSummary(out_dir=out_dir, period=period, files=list(files.values()),
                           records=sum(f.rows for f in files.values()), events=events.num_rows,
                           seconds=time.perf_counter() - started, counts=counts)
    _write_manifest(out_dir, summary, population_dir=population_dir, seed=seed, as_of=as_of, records=records,
                    formats=formats, only=only)
    return summary


def _normalised(weights) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    return w / w.sum()


def _population_parts(population_dir: Path) -> list[tuple[Path, Path, Path]]:
    persons = sorted((population_dir / "persons").glob("part-*.parquet"))
    if not (population_dir / "manifest.json").exists() or not persons:
        raise SynthError(SynthErrorCode.FEEDS_NO_POPULATION, path=str(population_dir))
    return [(p, population_dir / "households" / p.name, population_dir / "supporters" / p.name) for p in persons]


def _prepare_output(out_dir: Path, *, force: bool) -> None:
    if out_dir.exists() and any(out_dir.iterdir()):
        if not force:
            raise SynthError(SynthErrorCode.FEEDS_OUTPUT_NOT_EMPTY, path=str(out_dir))
        # Only what a previous run wrote is removed.
        for source in SOURCES.values():
            shutil.rmtree(out_dir / source.department, ignore_errors=True)
        shutil.rmtree(out_dir / "ground_truth", ignore_errors=True)
        for name in ("sources.yaml", "manifest.json"):
            (out_dir / name).unlink(missing_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)


def _plan_events(feed_rows: dict[str, int]) -> dict[str, int]:
    """Events per indicator: a share of the feed's rows, at least MIN_EVENTS, never more rows than the feed."""
    plan: dict[str, int] = {}
    for feed, n in feed_rows.items():
        plants = [p for p in PLANTS if p.feed_type == feed]
        if not plants or n <= 0:
            continue
        wanted = [max(MIN_EVENTS, int(round(p.rate * n))) for p in plants]
        budget = n - int(round(P_DUPLICATE * n))
        while sum(w * p.rows for w, p in zip(wanted, plants)) > budget and any(wanted):
            i = int(np.argmax([w * p.rows for w, p in zip(wanted, plants)]))
            wanted[i] -= 1
        plan.update({p.indicator: w for p, w in zip(plants, wanted)})
    return plan


def _choose_file(feed: str, rows: int, formats: tuple[str, ...], period_start: date) -> FeedFile:
    """The source's own format if allowed (no .xlsx above XLSX_MAX_ROWS), else the first allowed that fits."""
    source = SOURCES[feed]
    fits = [f for f in formats if f != "xlsx" or rows <= XLSX_MAX_ROWS]
    if not fits:
        raise SynthError(SynthErrorCode.FEEDS_XLSX_TOO_BIG, feed=feed, rows=rows, limit=XLSX_MAX_ROWS)
    fmt = source.format if source.format in fits else ("csv-bom" if "csv-bom" in fits and source.format == "xlsx"
                                                         else fits[0])
    ext = FORMATS[fmt][0]
    return FeedFile(feed, fmt, f"{source.department}/{feed}_{period_start:%Y%m}.{ext}")


# ---------------------------------------------------------------------------------------------------------
# Reading the population, one part at a time
# ---------------------------------------------------------------------------------------------------------
@dataclass
class _Part:
    person_id: np.ndarray
    household_id: np.ndarray
    id_number: pa.Array
    name: pa.Array
    male: np.ndarray
    birth: np.ndarray           # days since 1970
    head: np.ndarray
    earner: np.ndarray
    wage_fen: np.ndarray
    grade: np.ndarray           # 0 none
    stage: pa.Array
    alive: np.ndarray
    hh: np.ndarray              # row of the person's household in the households arrays
    hh_region: pa.Array         # 12 digits
    hh_tier: pa.Array           # registered tier codes
    hh_active: np.ndarray
    hh_size: np.ndarray
    supporters_path: Path
    known_keys: np.ndarray | None = None   # see _known_keys
    masks: dict = field(default_factory=dict)


def _read_part(paths: tuple[Path, Path, Path]) -> _Part:
    persons_path, households_path, supporters_path = paths
    p = pq.read_table(persons_path, columns=_PERSON_COLUMNS).combine_chunks()
    h = pq.read_table(households_path, columns=_HOUSEHOLD_COLUMNS).combine_chunks()
    hid = h.column("household_id").to_numpy()
    order = np.argsort(hid, kind="stable")
    hh = order[np.searchsorted(hid, p.column("household_id").to_numpy(), sorter=order)]
    tier = _chunk(h.column("registered_tier"))
    wage = _decimal_fen(p.column("income_wage"))

    def flag(array) -> np.ndarray:
        return _chunk(array).to_numpy(zero_copy_only=False) if isinstance(array, pa.ChunkedArray) else \
            array.to_numpy(zero_copy_only=False)

    return _Part(
        person_id=p.column("person_id").to_numpy(),
        household_id=p.column("household_id").to_numpy(),
        id_number=_chunk(p.column("id_number")),
        name=_chunk(p.column("name")),
        male=flag(pc.equal(p.column("sex"), "male")),
        birth=p.column("birth_date").cast(pa.int32()).to_numpy(),
        head=flag(pc.equal(p.column("relation"), "head")),
        earner=flag(pc.is_in(p.column("employment"), value_set=pa.array(["employed", "self_employed", "flexible"])))
        & (wage > 0),
        wage_fen=wage,
        grade=p.column("disability_grade").fill_null(0).to_numpy().astype(np.int8),
        stage=_chunk(p.column("student_stage")),
        alive=flag(p.column("death_date").is_null()),
        hh=hh,
        hh_region=_chunk(h.column("region_code")),
        hh_tier=tier,
        hh_active=flag(pc.equal(h.column("status"), "active")) & flag(pc.not_equal(tier, "")),
        hh_size=np.bincount(hh, minlength=h.num_rows),
        supporters_path=supporters_path,
    )


_POWERS_17 = 10 ** np.arange(16, -1, -1, dtype=np.int64)


def _id_keys(ids: pa.Array) -> np.ndarray:
    """The first 17 digits of 18-character ID numbers as int64 (the check character follows from them)."""
    chars = _string_matrix(ids, 18)
    key = np.zeros(len(chars), dtype=np.int64)
    for j in range(17):
        key = key * 10 + (chars[:, j] - ord("0"))
    return key


def _known_keys(part: _Part) -> np.ndarray:
    """Sorted keys of every ID number of the part's persons and supporters (read when first needed)."""
    if part.known_keys is None:
        known = [_id_keys(part.id_number)]
        if part.supporters_path.exists():
            s = pq.read_table(part.supporters_path, columns=["id_number"])
            if s.num_rows:
                known.append(_id_keys(_chunk(s.column("id_number"))))
        part.known_keys = np.sort(np.concatenate(known))
    return part.known_keys


def _chunk(column: pa.ChunkedArray) -> pa.Array:
    return column.chunk(0) if column.num_chunks == 1 else pa.concat_arrays(column.chunks)


def _decimal_fen(column: pa.ChunkedArray) -> np.ndarray:
    """A decimal(…, 2) column as int64 fen (the low word of each unscaled 128-bit value; amounts are small)."""
    arr = _chunk(column)
    words = np.frombuffer(arr.buffers()[1], dtype=np.int64)
    fen = words[2 * arr.offset: 2 * (arr.offset + len(arr)): 2].copy()
    if arr.null_count:
        fen[arr.is_null().to_numpy(zero_copy_only=False)] = 0
    return fen


# ---------------------------------------------------------------------------------------------------------
# Generating a part
# ---------------------------------------------------------------------------------------------------------
@dataclass
class _Run:
    seed: int
    as_of: date
    period_start: date
    period: str
    files: dict[str, FeedFile]
    next_event_id: int = 1
    file_rows: dict[str, int] = field(default_factory=dict)   # data rows written so far, per feed

    @property
    def first_day(self) -> int:
        return (self.period_start - _EPOCH).days

    @property
    def days(self) -> int:
        return (self.as_of.replace(day=1) - self.period_start).days


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 0xFEED5, *key])))


def _masks(part: _Part, ctx: _Run) -> dict[str, np.ndarray]:
    """Who may carry each planted indicator, and who may appear in each feed's background (computed once a
    part). Planted events go to living people of active households with a tier; background rows of the
    population raise nothing (see OUTSIDE_SHARE)."""
    if part.masks:
        return part.masks
    tier = part.hh_tier.dictionary_encode()
    codes = tier.indices.to_numpy()[part.hh]
    values = tier.dictionary.to_pylist()

    def tier_in(*wanted: str) -> np.ndarray:
        return np.isin(codes, [i for i, v in enumerate(values) if v in wanted])

    alive = part.alive
    base = alive & part.hh_active[part.hh]
    age = (ctx.first_day - part.birth) / 365.2425
    adult = age >= 18
    recipient = tier_in(*RECIPIENT_TIERS)
    not_severe = (part.grade == 0) | (part.grade >= 3)
    higher = pc.is_in(part.stage, value_set=pa.array(["higher_vocational", "undergraduate", "postgraduate"]))
    part.masks = {
        "large_medical_cost": base,
        "medical_cost_12m": base,
        "severe_disability": base & not_severe,
        "death": base,
        "earner_unemployed": base & part.earner & adult,
        "income_above_standard": base & tier_in("dibao") & adult & (age < 60),
        "asset_dwelling": base & recipient & adult,
        "asset_vehicle": base & recipient & adult & (age < 75),
        "asset_business": base & recipient & adult & (age < 70),
        "higher_education": base & (age >= 17) & (age < 21) & ~higher.to_numpy(zero_copy_only=False),
        "disaster": base & part.head,
        "relapse_risk": base & ~tier_in("poverty_relapse_risk"),
        # Background: small settlements; grade 3-4 certificates; unchanged wages of people whose tier does not
        # depend on them; motorcycles, e-bikes and motorised wheelchairs (exempt from the asset test);
        # enrolments in primary and secondary school.
        "bg:medical_settlement": alive,
        "bg:disability_certificate": alive & not_severe,
        "bg:social_insurance": alive & tier_in(*WAGE_NEUTRAL_TIERS) & (part.wage_fen > 0) & (age >= 16),
        "bg:vehicle": alive & adult,
        "bg:school_enrolment": alive & (age >= 6) & (age < 17),
    }
    part.masks["bg:housing_fund"] = part.masks["bg:social_insurance"]
    return part.masks


def _candidates(part: _Part, ctx: _Run, indicator: str) -> np.ndarray:
    return np.flatnonzero(_masks(part, ctx)[indicator])


def _background_candidates(part: _Part, ctx: _Run, feed: str) -> np.ndarray:
    mask = _masks(part, ctx).get(f"bg:{feed}")
    return np.flatnonzero(mask) if mask is not None else np.zeros(0, dtype=np.int64)


@dataclass
class _Rows:
    """Rows of one feed in one sub-chunk, before formatting: who, when, what, and what they are."""

    person: np.ndarray             # row in the part, or -1 for a person outside the population
    outside: np.ndarray            # row in the sub-chunk's outside people, or -1
    day: np.ndarray                # event date, days since 1970
    facts: dict[str, np.ndarray]   # documented column -> values (int64 fen, int, or object codes/texts)
    indicator: np.ndarray          # index into INDICATORS, -1 none
    event_id: np.ndarray           # -1 none

    @staticmethod
    def concat(items: list[_Rows]) -> _Rows:
        keys = set().union(*(i.facts for i in items))
        return _Rows(*(np.concatenate([getattr(i, a) for i in items]) for a in
                       ("person", "outside", "day")),
                     {k: np.concatenate([i.facts[k] for i in items]) for k in sorted(keys)},
                     np.concatenate([i.indicator for i in items]), np.concatenate([i.event_id for i in items]))


def _generate_part(ctx: _Run, k: int, part: _Part, rows: dict[str, int], events: dict[str, int], *,
                   chunk_records: int):
    """Yield ({feed: department table}, records truth, events truth) for each sub-chunk of part k."""
    rng = _rng(ctx.seed, k, 0, 0)
    used = np.zeros(len(part.person_id), dtype=bool)
    planted: dict[str, np.ndarray] = {}
    for plant in PLANTS:
        n = events.get(plant.indicator, 0)
        if plant.feed_type not in rows or n <= 0 or plant.outside:
            continue
        cand = _candidates(part, ctx, plant.indicator)
        cand = cand[~used[cand]]
        pick = rng.choice(cand, size=min(n, len(cand)), replace=False) if len(cand) else cand
        used[pick] = True
        planted[plant.indicator] = np.sort(pick)
    background: dict[str, np.ndarray] = {}
    for feed in rows:
        cand = _background_candidates(part, ctx, feed)
        background[feed] = rng.permutation(cand[~used[cand]])

    # Rows of each feed for the whole part: planted, background of the population, background outside.
    plan: dict[str, dict[str, int]] = {}
    for feed, n in rows.items():
        plants = [p for p in PLANTS if p.feed_type == feed]
        n_events = {p.indicator: (len(planted.get(p.indicator, ())) if not p.outside else events.get(p.indicator, 0))
                    for p in plants}
        dup = min(int(round(P_DUPLICATE * n)), max(0, n - 1))
        # A part's share of events and of rows are rounded apart: trim events that do not fit its rows.
        while sum(n_events[p.indicator] * p.rows for p in plants) + dup > n:
            if dup:
                dup -= 1
                continue
            largest = max(plants, key=lambda p: n_events[p.indicator] * p.rows)
            n_events[largest.indicator] -= 1
        for p in plants:
            if not p.outside and p.indicator in planted:
                planted[p.indicator] = planted[p.indicator][:n_events[p.indicator]]
        bg = n - sum(n_events[p.indicator] * p.rows for p in plants) - dup
        bg_pop = int(round(bg * (1 - OUTSIDE_SHARE[feed]))) if len(background[feed]) else 0
        plan[feed] = {"bg_pop": bg_pop, "bg_out": bg - bg_pop, "dup": dup, **n_events}
    total = sum(rows.values())
    n_chunks = max(1, -(-total // max(1, chunk_records)))
    # Background stays of a person never add up to anything near the 12-month threshold.
    med_pool = len(background.get("medical_settlement", ()))
    repeats = -(-plan["medical_settlement"]["bg_pop"] // med_pool) if "medical_settlement" in plan and med_pool else 1
    stay_max_fen = max(1_000, min(BACKGROUND_STAY_MAX * 100, BACKGROUND_STAY_SUM_MAX * 100 // max(1, repeats)))

    split = {feed: {key: _split(v, n_chunks) for key, v in p.items()} for feed, p in plan.items()}
    offsets = {feed: {key: 0 for key in p} for feed, p in plan.items()}
    for c in range(n_chunks):
        crng = _rng(ctx.seed, k, c + 1, 1)
        pieces: dict[str, list[_Rows]] = {}
        outside_wanted: list[tuple[str, str, int, float, float]] = []   # (feed, kind, count, min age, max age)
        for feed in plan:
            sizes = {key: int(v[c]) for key, v in split[feed].items()}
            pieces[feed] = []
            for plant in (p for p in PLANTS if p.feed_type == feed):
                n = sizes[plant.indicator]
                if not n:
                    continue
                start = offsets[feed][plant.indicator]
                offsets[feed][plant.indicator] += n
                ids = np.arange(ctx.next_event_id, ctx.next_event_id + n)
                ctx.next_event_id += n
                if plant.outside:
                    outside_wanted.append((feed, plant.indicator, n, 18, 80))
                    pieces[feed].append(_planted_rows(ctx, crng, part, plant, None, ids))
                else:
                    who = planted[plant.indicator][start:start + n]
                    pieces[feed].append(_planted_rows(ctx, crng, part, plant, who, ids))
            n_pop, n_out = sizes["bg_pop"], sizes["bg_out"]
            if n_pop:
                start = offsets[feed]["bg_pop"]
                offsets[feed]["bg_pop"] += n_pop
                pool = background[feed]
                who = pool[np.arange(start, start + n_pop) % len(pool)]
                pieces[feed].append(_background_rows(ctx, crng, part, feed, who, None, stay_max_fen))
            if n_out:
                lo, hi = (6, 17) if feed == "school_enrolment" else (18, 85)
                outside_wanted.append((feed, "", n_out, lo, hi))
                pieces[feed].append(_background_rows(ctx, crng, part, feed, None, n_out, stay_max_fen))
        outside = _outside_people(ctx, crng, part, [(n, lo, hi) for _f, _k, n, lo, hi in outside_wanted])
        # Number the outside rows in the order they were asked for.
        cursor = 0
        for feed in plan:
            for piece in pieces[feed]:
                m = piece.person < 0
                piece.outside[m] = np.arange(cursor, cursor + int(m.sum()))
                cursor += int(m.sum())
        tables, truths, event_tables = {}, [], []
        for feed in plan:
            if not pieces[feed] and not split[feed]["dup"][c]:
                continue
            rows_c = _Rows.concat(pieces[feed]) if pieces[feed] else None
            if rows_c is None:
                continue
            table, truth = _format_feed(ctx, crng, part, outside, feed, rows_c, int(split[feed]["dup"][c]))
            tables[feed] = table
            truths.append(truth)
            event_tables.append(_events_table(ctx, part, outside, feed, rows_c))
        yield tables, (pa.concat_tables(truths) if truths else RECORDS_TRUTH.empty_table()), \
            (pa.concat_tables(event_tables) if event_tables else EVENTS_TRUTH.empty_table())


def _split(n: int, parts: int) -> np.ndarray:
    return allocate(int(n), np.full(parts, 1.0 / parts))


def _days(ctx: _Run, rng: np.random.Generator, n: int) -> np.ndarray:
    return ctx.first_day + rng.integers(0, ctx.days, n)


def _uniform_fen(rng: np.random.Generator, lo_yuan: float, hi_yuan: float, n: int) -> np.ndarray:
    return rng.integers(int(lo_yuan * 100), int(hi_yuan * 100) + 1, n).astype(np.int64)


def _choice(rng: np.random.Generator, values, n: int) -> np.ndarray:
    return np.asarray(values, dtype=object)[rng.integers(0, len(values), n)]


def _planted_rows(ctx: _Run, rng: np.random.Generator, part: _Part, plant: Plant, who: np.ndarray | None,
                  event_ids: np.ndarray) -> _Rows:
    n_events = len(event_ids)
    n = n_events * plant.rows
    person = np.repeat(who, plant.rows) if who is not None else np.full(n, -1, dtype=np.int64)
    ids = np.repeat(event_ids, plant.rows)
    day = _days(ctx, rng, n)
    if plant.feed_type in ("social_insurance", "housing_fund"):
        day[:] = ctx.first_day
    facts = _facts(ctx, rng, part, plant.feed_type, person, n, plant.indicator)
    return _Rows(person.astype(np.int64), np.full(n, -1, dtype=np.int64), day.astype(np.int32), facts,
                 np.full(n, INDICATORS.index(plant.indicator), dtype=np.int16), ids.astype(np.int64))


def _background_rows(ctx: _Run, rng: np.random.Generator, part: _Part, feed: str, who: np.ndarray | None,
                     n_outside: int | None, stay_max_fen: int) -> _Rows:
    n = len(who) if who is not None else n_outside
    person = who.astype(np.int64) if who is not None else np.full(n, -1, dtype=np.int64)
    day = _days(ctx, rng, n)
    if feed in ("social_insurance", "housing_fund"):
        day[:] = ctx.first_day
    facts = _facts(ctx, rng, part, feed, person, n, "", stay_max_fen=stay_max_fen)
    return _Rows(person, np.full(n, -1, dtype=np.int64), day.astype(np.int32), facts,
                 np.full(n, -1, dtype=np.int16), np.full(n, -1, dtype=np.int64))


def _facts(ctx: _Run, rng: np.random.Generator, part: _Part, feed: str, person: np.ndarray, n: int,
           indicator: str, *, stay_max_fen: int = BACKGROUND_STAY_MAX * 100) -> dict[str, np.ndarray]:
    """The feed's own columns for n rows: planted (indicator given) or background (indicator "")."""
    inside = person >= 0
    if feed == "medical_settlement":
        if indicator == "large_medical_cost":
            oop = _uniform_fen(rng, *LARGE_STAY, n)
        elif indicator == "medical_cost_12m":
            oop = _uniform_fen(rng, *STAY_12M, n)
        elif indicator == "proactive_medical":
            oop = _uniform_fen(rng, *PROACTIVE_STAY, n)
        else:
            oop = np.where(inside, rng.integers(1_000, stay_max_fen + 1, n),
                           _uniform_fen(rng, *BACKGROUND_STAY_OUTSIDE, n))
        inpatient = rng.random(n) < (0.95 if indicator else 0.4)
        total = oop + (oop * rng.uniform(0.5, 4.0, n)).astype(np.int64) // 100 * 100
        return {"out_of_pocket": oop, "total_cost": total, "stay_type": np.where(inpatient, "inpatient", "outpatient"),
                "hospital": _choice(rng, _HOSPITALS, n)}
    if feed == "disability_certificate":
        grade = rng.integers(1, 3, n) if indicator else rng.integers(3, 5, n)
        return {"disability_type": _choice(rng, _DISABILITY_TYPES, n), "disability_grade": grade.astype(np.int64)}
    if feed == "social_insurance":
        if indicator == "income_above_standard":
            size = part.hh_size[part.hh[person]]
            wage = (size * INCOME_LINE + rng.integers(INCOME_MARGIN[0], INCOME_MARGIN[1] + 1, n)) * 100
        else:
            safe = np.where(inside, part.wage_fen[np.maximum(person, 0)], 0)
            wage = np.where(inside, safe, rng.integers(2_000, 12_001, n) * 100)
        return {"monthly_wage": wage.astype(np.int64), "employer": _choice(rng, _EMPLOYERS, n)}
    if feed == "housing_fund":
        return {"monthly_contribution": rng.integers(150, 3_001, n).astype(np.int64) * 100}
    if feed == "real_estate":
        return {"value": rng.integers(1_500, 9_000, n).astype(np.int64) * 10_000,
                "area_m2": rng.integers(40, 141, n).astype(np.int64)}
    if feed == "vehicle":
        if indicator:
            kind = _choice(rng, ["car"] * 9 + ["truck"], n)
            value = rng.integers(30, 201, n) * 100_000
        else:
            exempt = _choice(rng, ["motorcycle", "ebike", "motorised_wheelchair"], n)
            kind = np.where(inside, exempt, _choice(rng, ["car", "car", "truck", "motorcycle", "ebike"], n))
            value = np.where(np.isin(kind, ["car", "truck"]), rng.integers(30, 301, n) * 100_000,
                             rng.integers(15, 120, n) * 10_000)
        return {"vehicle_kind": kind, "value": value.astype(np.int64)}
    if feed == "business":
        return {"business_name": _business_names(rng, n),
                "registered_capital": rng.integers(1, 101, n).astype(np.int64) * 1_000_000}
    if feed == "school_enrolment":
        if indicator:
            stage = _choice(rng, ["undergraduate", "higher_vocational"], n)
        else:
            age = np.where(inside, (ctx.first_day - part.birth[np.maximum(person, 0)]) / 365.2425, 0)
            stage = np.select([age < 12, age < 15], ["primary", "junior_secondary"], "senior_secondary").astype(object)
            stage[~inside] = _choice(rng, ["primary", "junior_secondary", "senior_secondary"], int((~inside).sum()))
        school = np.array([_SCHOOLS[s] for s in stage], dtype=object)
        return {"student_stage": stage, "school": _choice(rng, _SCHOOL_PREFIXES, n) + school}
    if feed == "disaster":
        if indicator == "proactive_disaster":
            loss = _uniform_fen(rng, *PROACTIVE_LOSS, n)
        elif indicator:
            loss = _uniform_fen(rng, 3_000, 50_000, n)
        else:
            loss = _uniform_fen(rng, *BACKGROUND_LOSS_OUTSIDE, n)
        return {"disaster_type": _choice(rng, _DISASTERS, n), "loss": loss // 100 * 100}
    if feed == "relapse_risk":
        return {"risk_type": _choice(rng, _RISKS, n)}
    return {}   # death, unemployment: the date is the fact


def _business_names(rng: np.random.Generator, n: int) -> np.ndarray:
    surname = np.asarray(names.SURNAMES, dtype=object)[rng.integers(0, 40, n)]
    return surname + "记" + _choice(rng, _BUSINESSES, n)


# ---------------------------------------------------------------------------------------------------------
# People outside the population
# ---------------------------------------------------------------------------------------------------------
@dataclass
class _Outside:
    id_number: pa.Array
    name: pa.Array
    male: np.ndarray
    birth: np.ndarray
    region: pa.Array   # 12 digits: a village of a county of the part


def _outside_people(ctx: _Run, rng: np.random.Generator, part: _Part,
                    wanted: list[tuple[int, float, float]]) -> _Outside:
    """New people living in the part's villages, with valid ID numbers that nobody in the population has."""
    n = sum(w[0] for w in wanted)
    lo = np.concatenate([np.full(c, a) for c, a, _b in wanted]) if wanted else np.zeros(0)
    hi = np.concatenate([np.full(c, b) for c, _a, b in wanted]) if wanted else np.zeros(0)
    n_hh = len(part.hh_size)
    household = rng.integers(0, n_hh, n)
    region = part.hh_region.take(pa.array(household))
    region6 = _digits6(region)
    male = rng.random(n) < 0.5
    birth = (ctx.first_day - np.floor((lo + (hi - lo) * rng.random(n)) * 365.2425)).astype(np.int64)
    seq = rng.integers(0, 500, n) * 2 + male
    ids = id_numbers(region6, birth, seq)
    # Redraw the few numbers someone in the population (or another outside person) already has.
    for _attempt in range(20):
        keys = _id_keys(ids)
        known = _known_keys(part)
        at = np.minimum(np.searchsorted(known, keys), max(0, len(known) - 1))
        clash = (known[at] == keys) if len(known) else np.zeros(n, dtype=bool)
        _u, first = np.unique(keys, return_index=True)
        repeated = np.ones(n, dtype=bool)
        repeated[first] = False
        bad = np.flatnonzero(clash | repeated)
        if not len(bad):
            break
        seq[bad] = rng.integers(0, 500, len(bad)) * 2 + male[bad]
        ids = id_numbers(region6, birth, seq)
    else:
        raise AssertionError("could not draw unused ID numbers")
    surname_cum = np.cumsum(names.SURNAME_WEIGHTS) / np.sum(names.SURNAME_WEIGHTS)
    surname = np.searchsorted(surname_cum, rng.random(n), side="right").clip(0, 99)
    given = _given_names(rng.random(n), rng.random(n), rng.random(n), male, birth)
    name = pc.binary_join_element_wise(pa.array(np.asarray(names.SURNAMES, dtype=object)[surname], pa.string()),
                                       given, "")
    return _Outside(ids, name, male, birth, region)


def _digits6(region: pa.Array) -> np.ndarray:
    return _string_matrix(pc.utf8_slice_codeunits(region, 0, 6), 6) - ord("0")


def _string_matrix(arr: pa.Array, width: int) -> np.ndarray:
    """An Arrow string array of ASCII strings all `width` long as an (n, width) uint8 matrix (a copy)."""
    arr = pa.concat_arrays([arr]) if isinstance(arr, pa.Array) else pa.concat_arrays(arr.chunks)
    if len(arr) == 0:
        return np.zeros((0, width), dtype=np.uint8)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset:arr.offset + len(arr) + 1]
    if not np.all(np.diff(offsets) == width):
        raise ValueError("strings of unequal length")
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
    return data[offsets[0]:offsets[0] + width * len(arr)].reshape(-1, width).copy()


# ---------------------------------------------------------------------------------------------------------
# Formatting: identity with noise, facts as text, duplicates, bad rows
# ---------------------------------------------------------------------------------------------------------
def _format_feed(ctx: _Run, rng: np.random.Generator, part: _Part, outside: _Outside, feed: str, rows: _Rows,
                 n_dup: int) -> tuple[pa.Table, pa.Table]:
    """The department's table of these rows (shuffled, with duplicates and bad rows) and its ground truth."""
    source = SOURCES[feed]
    n = len(rows.person)
    inside = rows.person >= 0
    pidx = np.maximum(rows.person, 0)
    oidx = np.maximum(rows.outside, 0)
    true_id = pc.if_else(pa.array(inside), part.id_number.take(pa.array(pidx)),
                         outside.id_number.take(pa.array(oidx))) if n else pa.array([], pa.string())
    name = pc.if_else(pa.array(inside), part.name.take(pa.array(pidx)), outside.name.take(pa.array(oidx)))
    male = np.where(inside, part.male[pidx], outside.male[oidx])
    birth = np.where(inside, part.birth[pidx], outside.birth[oidx])
    region12 = pc.if_else(pa.array(inside), part.hh_region.take(pa.array(part.hh[pidx])),
                          outside.region.take(pa.array(oidx)))

    id_text, quality = _noisy_ids(rng, _string_matrix(true_id, 18), birth)
    typo_eligible = np.flatnonzero((quality == _Q["missing"]) | (quality == _Q["invalid"]))
    typo_rows = typo_eligible[rng.random(len(typo_eligible)) < P_TYPO]
    name, has_typo = _typos(rng, name, typo_rows)

    # Bad rows: background rows only, a bad date or (for feeds with a money column) a negative amount.
    money = [c for c in source.headers if c in _MONEY_COLUMNS.get(feed, ())]
    bad_candidates = np.flatnonzero(rows.event_id < 0)
    n_bad = min(len(bad_candidates), max(int(rng.binomial(n, P_BAD_ROW)), int(len(bad_candidates) >= 20)))
    bad = rng.choice(bad_candidates, n_bad, replace=False) if n_bad else np.zeros(0, dtype=np.int64)
    reason = np.full(n, -1, dtype=np.int8)   # index into INVALID_REASONS
    reason[bad] = np.where(rng.random(n_bad) < 0.5, 0, 1) if money else 0

    columns: dict[str, pa.Array] = {
        "id_number": id_text,
        "name": name,
        "birth_date": _date_strings(birth),
        "sex": pa.array(np.where(male, CODE_WORDS["sex"]["male"], CODE_WORDS["sex"]["female"]), pa.string()),
        "region_code": pc.utf8_slice_codeunits(region12, 0, source.region_digits),
    }
    event_text = _date_strings(rows.day)
    bad_date = reason == 0
    if bad_date.any():
        event_text = _replace(event_text, bad_date, _bad_dates(rng, ctx, int(bad_date.sum())))
    event_column = next(c for c in source.headers if c not in _IDENTITY_COLUMNS)
    columns[event_column] = event_text
    for column, values in rows.facts.items():
        if column in _MONEY_COLUMNS.get(feed, ()):
            fen = values.copy()
            if column == money[0]:
                neg = reason == 1
                fen[neg] = -np.maximum(fen[neg], 100)
            columns[column] = _money_strings(fen)
        elif values.dtype.kind in "iu":
            columns[column] = pa.array(values, pa.int64()).cast(pa.string())
        elif column in CODE_WORDS:
            codes, words = zip(*CODE_WORDS[column].items())
            index = pc.index_in(pa.array(values, pa.string()), value_set=pa.array(codes, pa.string()))
            columns[column] = pc.take(pa.array(words, pa.string()), index)
        else:
            columns[column] = pa.array(values, pa.string())

    # Shuffle, then copy some rows (never bad ones) to a later place.
    order = rng.permutation(n)
    dup_from = rng.choice(np.flatnonzero(reason[order] < 0), size=min(n_dup, int((reason < 0).sum())),
                          replace=False) if n_dup else np.zeros(0, dtype=np.int64)
    position = np.arange(n)
    dup_at = dup_from + (rng.random(len(dup_from)) * (n - dup_from)).astype(np.int64)
    key = np.concatenate([2 * position, 2 * dup_at + 1])
    final = np.argsort(key, kind="stable")            # into [rows in shuffled order] + [duplicates]
    src_pos = np.concatenate([position, dup_from])[final]   # position in the shuffled order
    take = order[src_pos]                              # row of `rows`
    first_row = ctx.file_rows.get(feed, 0) + 2
    ctx.file_rows[feed] = ctx.file_rows.get(feed, 0) + len(take)
    row_number = first_row + np.arange(len(take))
    row_of_position = np.empty(n, dtype=np.int64)
    is_dup = final >= n
    row_of_position[src_pos[~is_dup]] = row_number[~is_dup]
    dup_of = np.where(is_dup, row_of_position[src_pos], -1)

    take_arr = pa.array(take)
    table = pa.table({source.headers[c]: columns[c].take(take_arr) for c in source.headers})
    truth = pa.table({
        "source_file": pa.array([ctx.files[feed].path] * len(take), pa.string()),
        "row_number": pa.array(row_number.astype(np.int32)),
        "feed_type": pa.array([feed] * len(take), pa.string()),
        "person_id": pa.array(np.where(inside, part.person_id[pidx], 0)[take], pa.int64(), mask=~inside[take]),
        "id_quality": _coded(ID_QUALITIES, quality[take]),
        "has_typo": pa.array(has_typo[take]),
        "is_duplicate_of": pa.array(dup_of.astype(np.int32), pa.int32(), mask=dup_of < 0),
        "planted_event": _coded(INDICATORS, rows.indicator[take]),
        "event_id": pa.array(rows.event_id[take], pa.int64(), mask=rows.event_id[take] < 0),
        "invalid_reason": _coded(INVALID_REASONS, reason[take]),
    }, schema=RECORDS_TRUTH)
    return table, truth


_IDENTITY_COLUMNS = ("id_number", "name", "birth_date", "sex", "region_code")
_MONEY_COLUMNS = {
    "medical_settlement": ("out_of_pocket", "total_cost"), "social_insurance": ("monthly_wage",),
    "real_estate": ("value",), "vehicle": ("value",), "business": ("registered_capital",),
    "housing_fund": ("monthly_contribution",), "disaster": ("loss",),
}


def _noisy_ids(rng: np.random.Generator, chars: np.ndarray, birth: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """ID numbers as departments deliver them, and the kind of noise of each (ID_QUALITIES)."""
    n = len(chars)
    u = rng.random(n)
    bounds = np.cumsum([P_MISSING, P_INVALID, P_OLD_15, P_FULLWIDTH, P_SPACES])
    kind = np.searchsorted(bounds, u, side="right")   # 0 missing … 4 spaces, 5 clean
    year = chars[:, 6:10].astype(np.int64) @ np.array([1000, 100, 10, 1]) - ord("0") * 1111
    kind = np.where((kind == 2) & ((year < 1900) | (year > 1999)), 5, kind)
    ends_x = chars[:, 17] == ord("X")
    lower = (kind == 5) & ends_x & (rng.random(n) < P_LOWER_X)
    quality = np.select([kind == 0, kind == 1, kind == 2, kind == 3, kind == 4, lower],
                        [_Q[q] for q in ("missing", "invalid", "converted_15", "fullwidth", "spaces", "lower_x")],
                        _Q["valid"]).astype(np.int8)

    pieces, where = [], []

    def add(mask: np.ndarray, arr: pa.Array) -> None:
        pieces.append(arr)
        where.append(np.flatnonzero(mask))

    clean = quality == _Q["valid"]
    add(clean, _fixed_strings(chars[clean]))
    m = quality == _Q["lower_x"]
    c = chars[m].copy()
    c[:, 17] = ord("x")
    add(m, _fixed_strings(c))
    m = quality == _Q["invalid"]
    c = chars[m].copy()
    check = np.frombuffer(b"10X98765432", dtype=np.uint8)
    index = np.argmax(c[:, 17:18] == check[None, :], axis=1)
    c[:, 17] = check[(index + rng.integers(1, 11, len(c))) % 11]
    add(m, _fixed_strings(c))
    m = quality == _Q["converted_15"]
    add(m, _fixed_strings(np.concatenate([chars[m][:, :6], chars[m][:, 8:17]], axis=1)))
    m = quality == _Q["fullwidth"]
    c = chars[m]
    wide = np.empty((len(c), 18, 3), dtype=np.uint8)
    wide[:, :, 0], wide[:, :, 1] = 0xEF, 0xBC
    wide[:, :, 2] = np.where(c == ord("X"), 0xB8, 0x90 + (c - ord("0")))
    add(m, _fixed_strings(wide.reshape(len(c), 54)))
    m = quality == _Q["spaces"]
    c = chars[m]
    pattern = rng.integers(0, 3, len(c))
    for p, layout in enumerate([lambda x, sp: [sp, x], lambda x, sp: [x, sp],
                                lambda x, sp: [x[:, :6], sp, x[:, 6:14], sp, x[:, 14:]]]):
        mp = np.zeros(n, dtype=bool)
        mp[np.flatnonzero(m)[pattern == p]] = True
        subset = c[pattern == p]
        space = np.full((len(subset), 1), ord(" "), dtype=np.uint8)
        add(mp, _fixed_strings(np.concatenate(layout(subset, space), axis=1)))
    m = quality == _Q["missing"]
    add(m, pa.nulls(int(m.sum()), pa.string()))
    order = np.concatenate(where)
    combined = pa.concat_arrays(pieces)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    return combined.take(pa.array(inverse)), quality


def _typos(rng: np.random.Generator, name: pa.Array, rows: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """One character of the name replaced by a similar-sounding one, or (in names of three characters or more)
    one character of the given name dropped."""
    has = np.zeros(len(name), dtype=bool)
    if not len(rows):
        return name, has
    originals = name.take(pa.array(rows)).to_pylist()
    u = rng.random((len(rows), 2))
    changed = []
    for i, (text, (a, b)) in enumerate(zip(originals, u)):
        positions = [j for j, ch in enumerate(text) if ch in _HOMOPHONES]
        if positions and (len(text) < 3 or a < 0.75):
            j = positions[int(b * len(positions))]
            changed.append(text[:j] + _HOMOPHONES[text[j]] + text[j + 1:])
        elif len(text) >= 3:
            j = 1 + int(b * (len(text) - 1))
            changed.append(text[:j] + text[j + 1:])
        else:
            changed.append(None)
    ok = np.array([c is not None for c in changed])
    has[rows[ok]] = True
    mask = np.zeros(len(name), dtype=bool)
    mask[rows[ok]] = True
    return _replace(name, mask, pa.array([c for c in changed if c is not None], pa.string())), has


def _coded(values: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    """Codes (indices into values, -1 for null) as an Arrow string array."""
    codes = np.asarray(codes)
    return pc.take(pa.array(values, pa.string()), pa.array(codes.astype(np.int32), mask=codes < 0))


def _replace(arr: pa.Array, mask: np.ndarray, values: pa.Array) -> pa.Array:
    """arr with the masked positions replaced by values, in order."""
    return pc.replace_with_mask(arr, pa.array(mask), values)


def _string_bytes(arr: pa.Array) -> bytes:
    """The UTF-8 bytes of an Arrow string array's values, one after the other."""
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset:arr.offset + len(arr) + 1]
    return arr.buffers()[2].to_pybytes()[offsets[0]:offsets[-1]] if len(arr) else b""


def _date_strings(days: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(days, dtype=np.int32), pa.int32()).cast(pa.date32()).cast(pa.string())


def _bad_dates(rng: np.random.Generator, ctx: _Run, n: int) -> pa.Array:
    year, month = ctx.period_start.year, ctx.period_start.month
    kinds = [f"{year}-{month:02d}-32", f"{year}-13-{month:02d}", f"{year}-02-30", "0000-00-00", "不详",
             f"{year}{month:02d}1"]
    return pa.array(_choice(rng, kinds, n), pa.string())


def _money_strings(fen: np.ndarray) -> pa.Array:
    """Yuan with two decimals, exactly: 12345.60, -800.00."""
    fen = np.asarray(fen, dtype=np.int64)
    sign = pa.array(np.where(fen < 0, "-", ""), pa.string())
    absolute = np.abs(fen)
    whole = pa.array(absolute // 100).cast(pa.string())
    cents = pc.utf8_lpad(pa.array(absolute % 100).cast(pa.string()), 2, "0")
    return pc.binary_join_element_wise(sign, whole, pa.scalar("."), cents, "")


def _events_table(ctx: _Run, part: _Part, outside: _Outside, feed: str, rows: _Rows) -> pa.Table:
    planted = np.flatnonzero(rows.event_id >= 0)
    if not len(planted):
        return EVENTS_TRUTH.empty_table()
    ids, first, counts = np.unique(rows.event_id[planted], return_index=True, return_counts=True)
    r = planted[first]
    person = rows.person[r]
    inside = person >= 0
    p = np.maximum(person, 0)
    o = np.maximum(rows.outside[r], 0)
    take = pa.array
    return pa.table({
        "event_id": pa.array(ids, pa.int64()),
        "person_id": pa.array(np.where(inside, part.person_id[p], 0), pa.int64(), mask=~inside),
        "household_id": pa.array(np.where(inside, part.household_id[p], 0), pa.int64(), mask=~inside),
        "indicator": _coded(INDICATORS, rows.indicator[r]),
        "period": pa.array([ctx.period] * len(r), pa.string()),
        "feed_type": pa.array([feed] * len(r), pa.string()),
        "id_number": pc.if_else(take(inside), part.id_number.take(take(p)), outside.id_number.take(take(o))),
        "name": pc.if_else(take(inside), part.name.take(take(p)), outside.name.take(take(o))),
        "birth_date": pa.array(np.where(inside, part.birth[p], outside.birth[o]).astype(np.int32)).cast(pa.date32()),
        "region_code": pc.if_else(take(inside), part.hh_region.take(take(part.hh[p])), outside.region.take(take(o))),
        "rows": pa.array(counts.astype(np.int32)),
    }, schema=EVENTS_TRUTH)


# ---------------------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------------------
class _Writer:
    """Appends tables to one department file in its format; the header goes once, at the top."""

    def __init__(self, path: Path, fmt: str):
        self.path, self.format, self.rows = path, fmt, 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._parquet = None
        self._file = None
        self._xlsx: _XlsxWriter | None = None
        if fmt.startswith("csv"):
            self._file = open(path, "wb")
            if fmt == "csv-bom":
                self._file.write(b"\xef\xbb\xbf")
        elif fmt == "xlsx":
            self._xlsx = _XlsxWriter(path)

    def write(self, table: pa.Table) -> None:
        if self.format.startswith("csv"):
            buffer = io.BytesIO()
            if self.rows == 0:
                buffer.write((",".join(table.column_names) + "\r\n").encode())
            # No quotes, as departments' exports have none; Arrow refuses a value that would need them.
            pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False, quoting_style="none",
                                                              eol="\r\n"))
            data = buffer.getvalue()
            if self.format == "csv-gbk":
                data = data.decode("utf-8").encode("gbk")
            self._file.write(data)
        elif self.format == "parquet":
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.path, table.schema, compression="zstd")
            self._parquet.write_table(table)
        else:
            self._xlsx.write(table, first_row=self.rows + 2)
        self.rows += table.num_rows

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        if self._parquet is not None:
            self._parquet.close()
        if self._xlsx is not None:
            self._xlsx.close()


class _XlsxWriter:
    """A minimal .xlsx (Office Open XML spreadsheet) of text cells, streamed: one sheet of inline strings.

    openpyxl writes about 3,000 rows a second; this writes the sheet's XML with Arrow string kernels. Entries
    carry a fixed timestamp, so the same rows give the same bytes.
    """

    _STATIC = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '</Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
            'Target="styles.xml"/></Relationships>'),
        "xl/styles.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '</styleSheet>'),
    }
    _SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    _SHEET_TAIL = "</sheetData></worksheet>"

    def __init__(self, path: Path):
        import zipfile

        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        self._sheet = self._zip.open(info, "w", force_zip64=True)
        self._sheet.write(self._SHEET_HEAD.encode())
        self._header_written = False

    @staticmethod
    def _letters(i: int) -> str:
        return chr(ord("A") + i) if i < 26 else chr(ord("A") + i // 26 - 1) + chr(ord("A") + i % 26)

    def write(self, table: pa.Table, *, first_row: int) -> None:
        if not self._header_written:
            header = pa.table({name: pa.array([name], pa.string()) for name in table.column_names})
            self._write_rows(header, first_row=1)
            self._header_written = True
        self._write_rows(table, first_row=first_row)

    def _write_rows(self, table: pa.Table, *, first_row: int) -> None:
        n = table.num_rows
        if not n:
            return
        row = pa.array(np.arange(first_row, first_row + n)).cast(pa.string())
        parts = [pa.scalar("<row r=\""), row, pa.scalar("\">")]
        for i, column in enumerate(table.columns):
            text = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
            for old, new in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
                text = pc.replace_substring(text, old, new)
            cell = pc.binary_join_element_wise(
                f'<c r="{self._letters(i)}', row, '" t="inlineStr"><is><t xml:space="preserve">', text,
                "</t></is></c>", "")
            parts.append(pc.fill_null(cell, ""))
        parts.append(pa.scalar("</row>"))
        lines = pc.binary_join_element_wise(*parts, "")
        self._sheet.write(_string_bytes(lines))

    def close(self) -> None:
        import zipfile

        self._sheet.write(self._SHEET_TAIL.encode())
        self._sheet.close()
        for name, text in self._STATIC.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            self._zip.writestr(info, text)
        self._zip.close()


def _writer(out_dir: Path, feed_file: FeedFile) -> _Writer:
    return _Writer(out_dir / feed_file.path, feed_file.format)


def _write_sources(out_dir: Path, files: dict[str, FeedFile], *, period: str) -> None:
    sources = []
    for feed, f in files.items():
        source = SOURCES[feed]
        sources.append({
            "name": source.name,
            "file": f.path,
            "department": source.department,
            "feed_type": feed,
            "format": FORMATS[f.format][0],
            "encoding": FORMATS[f.format][1],
            "rows": f.rows,
            "column_mapping": {header: column for column, header in source.headers.items()},
        })
    document = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "period": period, "sources": sources}
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)
    (out_dir / "sources.yaml").write_text(text, encoding="utf-8")


def _write_manifest(out_dir: Path, summary: FeedsSummary, *, population_dir: Path, seed: int, as_of: date,
                    records: int, formats: tuple[str, ...], only: tuple[str, ...]) -> None:
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "generator_version": GENERATOR_VERSION,
        "args": {"population": str(population_dir), "seed": seed, "as_of": as_of.isoformat(), "records": records,
                 "formats": list(formats), "only": list(only)},
        "period": summary.period,
        "counts": {"records": summary.records, "events": summary.events, "events_by_indicator": summary.counts},
        "files": {f.feed_type: {"path": f.path, "format": f.format, "rows": f.rows} for f in summary.files},
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
