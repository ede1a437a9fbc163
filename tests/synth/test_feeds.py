"""`jiuzhu synth feeds`: department files with planted events, noise and a ground truth that matches them."""
import csv
import hashlib
from collections import defaultdict
from datetime import date
from decimal import Decimal

import openpyxl
import pyarrow.parquet as pq
import pytest
import yaml
from django.core.management import CommandError, call_command

from jiuzhu.core.idnumber import is_valid_id_number, normalize_id_number, parse_id_number
from jiuzhu.monitoring.feedtypes import FEEDS
from jiuzhu.synth.errors import SynthError, SynthErrorCode
from jiuzhu.synth.feeds import CODE_WORDS, FEED_TYPES, feeds_write
from jiuzhu.synth.parquet import population_write_parquet

from .conftest import SHANDONG, read_dataset

AS_OF = date(2026, 1, 1)
RECORDS = 4_000


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    out = tmp_path_factory.mktemp("feeds-population")
    population_write_parquet(out_dir=out, people=20_000, region_code=SHANDONG, seed=7)
    persons = read_dataset(out, "persons").to_pylist()
    households = {h["household_id"]: h for h in read_dataset(out, "households").to_pylist()}
    supporters = read_dataset(out, "supporters").column("id_number").to_pylist()
    return {"dir": out, "persons": {p["person_id"]: p for p in persons}, "households": households,
            "known_ids": {p["id_number"] for p in persons} | set(supporters)}


@pytest.fixture(scope="module")
def feeds(population, tmp_path_factory):
    out = tmp_path_factory.mktemp("feeds")
    # Small chunks: the rows of one file come from several chunks, as they do at national scale.
    summary = feeds_write(population_dir=population["dir"], out_dir=out, as_of=AS_OF, records=RECORDS, seed=3,
                          chunk_records=1_500)
    sources = yaml.safe_load((out / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    files = {s["feed_type"]: {"source": s, "rows": read_feed(out, s)} for s in sources}
    truth = pq.read_table(out / "ground_truth" / "records.parquet").to_pylist()
    events = pq.read_table(out / "ground_truth" / "events.parquet").to_pylist()
    return {"dir": out, "summary": summary, "files": files, "truth": truth, "events": events}


def read_feed(out, source) -> list[dict]:
    """A department file's data rows as dicts keyed by the documented column names; "" and None mean empty."""
    path = out / source["file"]
    if source["format"] == "csv":
        with open(path, encoding=source["encoding"], newline="") as f:
            rows = list(csv.reader(f))
    elif source["format"] == "xlsx":
        rows = [list(r) for r in openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True)]
    else:
        table = pq.read_table(path)
        rows = [table.column_names] + [list(r.values()) for r in table.to_pylist()]
    header, data = rows[0], rows[1:]
    names = [source["column_mapping"][h] for h in header]
    return [{n: (v if v not in ("", None) else None) for n, v in zip(names, row)} for row in data]


def truth_by_feed(feeds) -> dict[str, list[dict]]:
    by_feed = defaultdict(list)
    for t in feeds["truth"]:
        by_feed[t["feed_type"]].append(t)
    return {f: sorted(rows, key=lambda t: t["row_number"]) for f, rows in by_feed.items()}


def row_of(feeds, t) -> dict:
    return feeds["files"][t["feed_type"]]["rows"][t["row_number"] - 2]


def test_every_feed_type_has_a_file_described_in_sources_yaml(feeds):
    assert set(feeds["files"]) == set(FEED_TYPES) == set(FEEDS)
    for feed, f in feeds["files"].items():
        source = f["source"]
        documented = {c.name for c in FEEDS[feed].all_columns}
        # Chinese headers of the department's own, each mapped onto a documented column of its feed type.
        assert all(not h.isascii() for h in source["column_mapping"])
        assert set(source["column_mapping"].values()) == documented
        assert source["department"] == FEEDS[feed].department.value
        assert source["rows"] == len(f["rows"]) > 0
    assert sum(len(f["rows"]) for f in feeds["files"].values()) == RECORDS


def test_formats_are_a_mix_and_only_small_files_are_spreadsheets(feeds):
    formats = {(f["source"]["format"], f["source"]["encoding"]) for f in feeds["files"].values()}
    assert formats == {("csv", "utf-8"), ("csv", "utf-8-sig"), ("csv", "gbk"), ("xlsx", None), ("parquet", None)}


def test_gbk_files_are_gbk_and_bom_files_start_with_a_bom(feeds):
    for f in feeds["files"].values():
        data = (feeds["dir"] / f["source"]["file"]).read_bytes()
        if f["source"]["encoding"] == "gbk":
            text = data.decode("gbk")
            assert "出生日期" in text
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
        elif f["source"]["encoding"] == "utf-8-sig":
            assert data.startswith(b"\xef\xbb\xbf")
        elif f["source"]["encoding"] == "utf-8":
            assert not data.startswith(b"\xef\xbb\xbf")
            data.decode("utf-8")


def test_xlsx_opens_with_openpyxl_and_holds_text_cells(feeds):
    xlsx = [f for f in feeds["files"].values() if f["source"]["format"] == "xlsx"]
    assert xlsx
    for f in xlsx:
        sheet = openpyxl.load_workbook(feeds["dir"] / f["source"]["file"]).active
        assert [c.value for c in sheet[1]] == list(f["source"]["column_mapping"])
        assert sheet.max_row == f["source"]["rows"] + 1
        # ID numbers stay text: a number cell would have lost the last digits.
        assert all(isinstance(c.value, str) for c in sheet["A"][1:] if c.value is not None)


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_rows(population, feeds, tmp_path):
    again = tmp_path / "again"
    feeds_write(population_dir=population["dir"], out_dir=again, as_of=AS_OF, records=RECORDS, seed=3,
                chunk_records=1_500)
    first = feeds["dir"]
    files = [f["source"]["file"] for f in feeds["files"].values()] + ["ground_truth/records.parquet",
                                                                      "ground_truth/events.parquet", "sources.yaml"]
    for name in files:
        assert (first / name).read_bytes() == (again / name).read_bytes(), name
    other = tmp_path / "other"
    feeds_write(population_dir=population["dir"], out_dir=other, as_of=AS_OF, records=RECORDS, seed=4,
                chunk_records=1_500)
    medical = feeds["files"]["medical_settlement"]["source"]["file"]
    assert hashlib.sha256((first / medical).read_bytes()).digest() != \
        hashlib.sha256((other / medical).read_bytes()).digest()


def test_ground_truth_has_one_row_per_data_row_numbered_from_two(feeds):
    for feed, rows in truth_by_feed(feeds).items():
        source = feeds["files"][feed]["source"]
        assert [t["row_number"] for t in rows] == list(range(2, source["rows"] + 2))
        assert {t["source_file"] for t in rows} == {source["file"]}


def test_ids_names_and_identity_in_the_files_are_those_of_the_ground_truth(feeds, population):
    persons, households = population["persons"], population["households"]
    seen = defaultdict(int)
    for t in feeds["truth"]:
        row = row_of(feeds, t)
        quality = t["id_quality"]
        seen[quality] += 1
        raw = row["id_number"]
        if t["person_id"] is None:
            # People outside the population: a valid number nobody in the population (or a supporter) has.
            if quality not in ("missing", "invalid"):
                assert is_valid_id_number(raw, today=AS_OF) and normalize_id_number(raw) not in population["known_ids"]
            continue
        person = persons[t["person_id"]]
        household = households[person["household_id"]]
        assert row["birth_date"] == person["birth_date"].isoformat()
        assert row["sex"] == CODE_WORDS["sex"][person["sex"]]   # 男, 女
        assert household["region_code"].startswith(row["region_code"])
        if quality == "missing":
            assert raw is None
        elif quality == "invalid":
            assert not is_valid_id_number(raw, today=AS_OF)
            assert raw[:17] == person["id_number"][:17]
        else:
            assert parse_id_number(raw, today=AS_OF).number == person["id_number"]
        if t["has_typo"]:
            assert row["name"] != person["name"] and edit_distance_one(row["name"], person["name"])
        else:
            assert row["name"] == person["name"]
    assert set(seen) == {"valid", "converted_15", "fullwidth", "lower_x", "spaces", "invalid", "missing"}


def edit_distance_one(a: str, b: str) -> bool:
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long_ = sorted((a, b), key=len)
    return len(long_) == len(short) + 1 and any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def test_noise_takes_the_documented_forms(feeds, population):
    persons = population["persons"]
    forms = defaultdict(list)
    for t in feeds["truth"]:
        if t["person_id"] is not None:
            forms[t["id_quality"]].append((row_of(feeds, t)["id_number"], persons[t["person_id"]]["id_number"]))
    for raw, true in forms["converted_15"]:
        assert len(raw) == 15 and raw == true[:6] + true[8:17] and normalize_id_number(raw) == true
    for raw, true in forms["fullwidth"]:
        assert len(raw) == 18 and not any(ch.isascii() for ch in raw) and normalize_id_number(raw) == true
    for raw, true in forms["lower_x"]:
        assert raw == true[:17] + "x"
    for raw, true in forms["spaces"]:
        assert " " in raw and raw.replace(" ", "") == true
    for raw, true in forms["invalid"]:
        assert len(raw) == 18 and raw[:17] == true[:17] and raw[17] != true[17]
    # Typos only where the ID number cannot be used.
    assert any(t["has_typo"] for t in feeds["truth"])
    assert all(t["id_quality"] in ("missing", "invalid") for t in feeds["truth"] if t["has_typo"])


def test_duplicates_copy_an_earlier_row_exactly(feeds):
    duplicates = [t for t in feeds["truth"] if t["is_duplicate_of"] is not None]
    assert duplicates
    by_key = {(t["feed_type"], t["row_number"]): t for t in feeds["truth"]}
    for t in duplicates:
        original = by_key[(t["feed_type"], t["is_duplicate_of"])]
        assert original["row_number"] < t["row_number"]
        assert row_of(feeds, t) == row_of(feeds, original)
        assert (t["person_id"], t["planted_event"], t["event_id"]) == \
            (original["person_id"], original["planted_event"], original["event_id"])


def test_bad_rows_have_a_bad_date_or_a_negative_amount_and_are_never_events(feeds):
    bad = [t for t in feeds["truth"] if t["invalid_reason"] is not None]
    assert {t["invalid_reason"] for t in bad} == {"bad_date", "negative_amount"}
    for t in bad:
        assert t["planted_event"] is None and t["is_duplicate_of"] is None
        spec = FEEDS[t["feed_type"]]
        row = row_of(feeds, t)
        if t["invalid_reason"] == "bad_date":
            with pytest.raises(ValueError):
                date.fromisoformat(row[spec.event.name])
        else:
            money = next(c.name for c in spec.columns if c.kind == "money")
            assert Decimal(row[money]) < 0
    # Every other row has a real date in the month before as-of and no negative amount.
    for t in feeds["truth"]:
        if t["invalid_reason"] is None:
            row = row_of(feeds, t)
            event = date.fromisoformat(row[FEEDS[t["feed_type"]].event.name])
            assert date(2025, 12, 1) <= event <= date(2025, 12, 31)


def amounts(feeds, feed: str, column: str) -> list[tuple[dict, Decimal]]:
    return [(t, Decimal(row_of(feeds, t)[column])) for t in truth_by_feed(feeds)[feed]
            if t["invalid_reason"] is None and t["is_duplicate_of"] is None]


def test_medical_costs_are_clearly_over_the_thresholds_when_planted_and_clearly_under_otherwise(feeds):
    stays = amounts(feeds, "medical_settlement", "out_of_pocket")
    by_event, background = defaultdict(list), defaultdict(Decimal)
    for t, amount in stays:
        if t["planted_event"] == "large_medical_cost":
            assert 10_000 < amount < 20_000   # over 6,000 (and 10,000), and alone under the 12-month 20,000
        elif t["planted_event"] == "medical_cost_12m":
            assert amount < 6_000
            by_event[t["event_id"]].append(amount)
        elif t["planted_event"] == "proactive_medical":
            assert t["person_id"] is None and amount > 10_000
        else:
            assert t["planted_event"] is None
            assert amount < (6_000 if t["person_id"] is not None else 10_000)
            if t["person_id"] is not None:
                background[t["person_id"]] += amount
    assert by_event and all(len(a) == 5 and sum(a) > 20_000 for a in by_event.values())
    assert max(background.values()) < 20_000
    planted_people = {t["person_id"] for t, _a in stays if t["planted_event"]}
    assert not planted_people & set(background)


def test_a_planted_wage_puts_a_dibao_household_above_1500_a_head_and_background_wages_change_nothing(
        feeds, population):
    persons, households = population["persons"], population["households"]
    size = defaultdict(int)
    for p in persons.values():
        size[p["household_id"]] += 1
    planted = 0
    for t, wage in amounts(feeds, "social_insurance", "monthly_wage"):
        if t["person_id"] is None:
            continue
        person = persons[t["person_id"]]
        tier = households[person["household_id"]]["registered_tier"]
        if t["planted_event"] == "income_above_standard":
            planted += 1
            assert tier == "dibao" and wage / size[person["household_id"]] > 1_500
        else:
            # The wage the registry already records, of a household whose tier does not depend on it.
            assert tier in ("poverty_relapse_risk", "other_hardship") and wage == person["income_wage"]
    assert planted


def code(row: dict, column: str) -> str:
    """The documented code of a department's word (小型汽车 -> car)."""
    return {word: c for c, word in CODE_WORDS[column].items()}[row[column]]


def test_code_columns_hold_the_departments_words(feeds):
    for feed, f in feeds["files"].items():
        for column in set(f["source"]["column_mapping"].values()) & set(CODE_WORDS):
            assert {r[column] for r in f["rows"]} <= set(CODE_WORDS[column].values()), (feed, column)


def test_planted_facts_differ_from_background_facts(feeds, population):
    persons = population["persons"]
    rows = truth_by_feed(feeds)
    for t in rows["disability_certificate"]:
        grade = int(row_of(feeds, t)["disability_grade"])
        assert (grade <= 2) == (t["planted_event"] == "severe_disability")
    for t in rows["school_enrolment"]:
        stage = code(row_of(feeds, t), "student_stage")
        assert (stage in ("undergraduate", "higher_vocational")) == (t["planted_event"] == "higher_education")
    for t in rows["vehicle"]:
        kind = code(row_of(feeds, t), "vehicle_kind")
        if t["planted_event"] == "asset_vehicle":
            assert kind in ("car", "truck")
        elif t["person_id"] is not None:
            assert kind in ("motorcycle", "ebike", "motorised_wheelchair")
    for t, loss in amounts(feeds, "disaster", "loss"):
        if t["planted_event"] == "proactive_disaster":
            assert loss >= 30_000
        elif t["planted_event"] is None:
            assert t["person_id"] is None and loss <= 2_000
    # Records that any registered person's record would raise a warning for carry only outside people.
    for feed in ("death", "unemployment", "real_estate", "business", "disaster", "relapse_risk"):
        assert all(t["person_id"] is None for t in rows[feed] if t["planted_event"] is None)
    for t in rows["death"]:
        if t["planted_event"] == "death":
            assert persons[t["person_id"]]["death_date"] is None


def test_events_are_one_per_expected_warning_and_match_their_rows(feeds, population):
    events = {e["event_id"]: e for e in feeds["events"]}
    assert {e["indicator"] for e in events.values()} == {
        "large_medical_cost", "medical_cost_12m", "death", "severe_disability", "earner_unemployed", "disaster",
        "asset_vehicle", "asset_dwelling", "asset_business", "income_above_standard", "higher_education",
        "relapse_risk", "proactive_medical", "proactive_disaster"}
    rows = defaultdict(list)
    for t in feeds["truth"]:
        if t["event_id"] is not None and t["is_duplicate_of"] is None:
            rows[t["event_id"]].append(t)
    assert set(rows) == set(events)
    persons, households = population["persons"], population["households"]
    for event_id, event in events.items():
        assert event["period"] == "2025-12"
        assert len(rows[event_id]) == event["rows"]
        assert {(t["person_id"], t["planted_event"], t["feed_type"]) for t in rows[event_id]} == \
            {(event["person_id"], event["indicator"], event["feed_type"])}
        assert is_valid_id_number(event["id_number"], today=AS_OF)
        if event["person_id"] is None:
            assert event["indicator"].startswith("proactive_")
            assert event["id_number"] not in population["known_ids"]
            assert event["region_code"][:6] in {h["region_code"][:6] for h in households.values()}
        else:
            person = persons[event["person_id"]]
            household = households[person["household_id"]]
            assert (event["id_number"], event["name"]) == (person["id_number"], person["name"])
            assert household["status"] == "active" and household["registered_tier"] != ""
    people = [e["person_id"] for e in events.values() if e["person_id"] is not None]
    assert len(people) == len(set(people)), "one planted event per person"


def test_formats_can_be_forced_and_one_feed_written_alone(population, tmp_path):
    summary = feeds_write(population_dir=population["dir"], out_dir=tmp_path / "csv", as_of=AS_OF, records=2_000,
                          formats=("csv",), only=("medical_settlement",))
    assert [(f.feed_type, f.format, f.rows) for f in summary.files] == [("medical_settlement", "csv", 2_000)]
    assert summary.counts.keys() == {"large_medical_cost", "medical_cost_12m", "proactive_medical"}


def test_refusals_have_stable_codes(population, tmp_path):
    with pytest.raises(SynthError) as err:
        feeds_write(population_dir=population["dir"], out_dir=tmp_path / "x", as_of=AS_OF, records=20_000,
                    formats=("xlsx",), only=("medical_settlement",))
    assert err.value.code == SynthErrorCode.FEEDS_XLSX_TOO_BIG
    with pytest.raises(SynthError) as err:
        feeds_write(population_dir=tmp_path / "nowhere", out_dir=tmp_path / "y", as_of=AS_OF)
    assert err.value.code == SynthErrorCode.FEEDS_NO_POPULATION
    with pytest.raises(SynthError) as err:
        feeds_write(population_dir=population["dir"], out_dir=tmp_path / "z", as_of=AS_OF, only=("taxes",))
    assert err.value.code == SynthErrorCode.FEEDS_UNKNOWN_TYPE


def test_command_writes_feeds_and_refuses_a_used_directory(population, tmp_path, capsys):
    out = tmp_path / "cmd"
    call_command("synth", "feeds", "--population", str(population["dir"]), "--out", str(out), "--as-of",
                 "2026-01-01", "--records", "500", "--formats", "csv,parquet", "--quiet")
    sources = yaml.safe_load((out / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    assert {s["format"] for s in sources} <= {"csv", "parquet"} and len(sources) == 12
    with pytest.raises(CommandError, match="feeds_output_not_empty"):
        call_command("synth", "feeds", "--population", str(population["dir"]), "--out", str(out), "--as-of",
                     "2026-01-01", "--records", "500", "--quiet")
