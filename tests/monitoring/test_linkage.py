"""Records without a usable ID number are linked to people on name, birth date, sex and region (ADR 0005).

A record that is plainly the person despite a typo is linked; a namesake elsewhere is not; when the record cannot
tell two people apart, or the evidence is middling, a clerk decides; a record like nobody gets no row at all;
DuckDB and Spark give the same links.
"""
import os
import shutil
from datetime import date

import duckdb
import pyarrow as pa
import pytest

from jiuzhu.monitoring.feedtypes import RECORDS
from jiuzhu.monitoring.linkage import LINKS, LinkageError, LinkThresholds, link_records
from jiuzhu.synth.parquet import population_write_parquet

THRESHOLDS = LinkThresholds(match=0.90, review=0.60)


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    """A small synthetic population (5,000 people all over the country) in the Parquet format."""
    out = tmp_path_factory.mktemp("linkage") / "pop"
    population_write_parquet(out_dir=out, people=5000, seed=5)
    return out


@pytest.fixture(scope="module")
def persons(population) -> pa.Table:
    """Its persons with their household's region code."""
    return duckdb.sql(f"""
        SELECT p.person_id, p.name, p.sex, p.birth_date, h.region_code
        FROM read_parquet('{population}/persons/*.parquet') p
        JOIN read_parquet('{population}/households/*.parquet') h USING (household_id)
        ORDER BY p.person_id
    """).to_arrow_table()


def someone(persons: pa.Table, *, name_length: int = 3) -> dict:
    """A person with a name of that many characters, in a village, whose name and birth date are unique."""
    rows = persons.to_pylist()
    names: dict[str, int] = {}
    for r in rows:
        names[r["name"]] = names.get(r["name"], 0) + 1
    return next(r for r in rows if len(r["name"]) == name_length and names[r["name"]] == 1
                and not r["region_code"].endswith("000"))


def records(*rows: dict) -> pa.Table:
    """Canonical feed records (feedtypes.RECORDS) without an ID number."""
    full = [{"record_id": i, "batch_id": 1, "row_number": i + 1, "feed_type": "medical_settlement",
             "id_number_raw": None, "id_number": None, "sex": None, "region_code": None, "birth_date": None,
             "event_date": date(2026, 3, 1), "amount_fen": 1_200_000, "grade": None, "category": "inpatient",
             **row} for i, row in enumerate(rows, start=1)]
    return pa.Table.from_pylist(full, schema=RECORDS)


def replaced(name: str, position: int, character: str) -> str:
    assert name[position] != character
    return name[:position] + character + name[position + 1:]


def test_a_typo_in_the_name_still_links_when_birth_date_sex_and_village_agree(population, persons):
    p = someone(persons)
    typo = replaced(p["name"], 2, "鑫" if p["name"][2] != "鑫" else "磊")
    links = link_records(records=records({"name": typo, "birth_date": p["birth_date"], "sex": p["sex"],
                                          "region_code": p["region_code"]}),
                         persons=population, thresholds=THRESHOLDS)
    assert links.schema == LINKS
    assert links.to_pylist() == [{"record_id": 1, "person_id": p["person_id"],
                                  "match_probability": pytest.approx(links["match_probability"][0].as_py()),
                                  "decision": "match"}]
    assert links["match_probability"][0].as_py() >= THRESHOLDS.match


def test_a_dropped_character_and_a_county_level_region_still_link(population, persons):
    p = someone(persons)
    links = link_records(records=records({"name": p["name"][0] + p["name"][2], "birth_date": p["birth_date"],
                                          "sex": p["sex"], "region_code": p["region_code"][:6]}),
                         persons=population, thresholds=THRESHOLDS)
    assert [(r["person_id"], r["decision"]) for r in links.to_pylist()] == [(p["person_id"], "match")]


def test_a_namesake_in_another_county_born_on_another_day_is_not_linked(population, persons):
    p = someone(persons)
    elsewhere = next(r["region_code"] for r in persons.to_pylist() if r["region_code"][:4] != p["region_code"][:4])
    other_birthday = date(p["birth_date"].year + 7, 11 if p["birth_date"].month != 11 else 10, 3)
    links = link_records(records=records({"name": p["name"], "birth_date": other_birthday, "sex": p["sex"],
                                          "region_code": elsewhere}),
                         persons=population, thresholds=THRESHOLDS)
    assert links.num_rows == 0


def test_two_people_the_record_cannot_tell_apart_go_to_a_clerk(persons):
    # 张建国 and 张建军, born the same day in the same village; the record says 张建 (a character dropped).
    village = persons["region_code"][0].as_py()
    born = date(1961, 2, 14)
    twins = pa.Table.from_pylist([
        {"person_id": 900001, "name": "张建国", "sex": "male", "birth_date": born, "region_code": village},
        {"person_id": 900002, "name": "张建军", "sex": "male", "birth_date": born, "region_code": village},
    ], schema=persons.schema)
    everyone = pa.concat_tables([persons, twins])
    record = records({"name": "张建", "birth_date": born, "sex": "male", "region_code": village})

    links = link_records(records=record, persons=everyone, thresholds=THRESHOLDS).to_pylist()
    assert [(r["person_id"], r["decision"]) for r in links] == [(900001, "review")]  # the lower id of a tie
    assert links[0]["match_probability"] >= THRESHOLDS.match

    alone = link_records(records=record, persons=pa.concat_tables([persons, twins.slice(0, 1)]),
                         thresholds=THRESHOLDS).to_pylist()
    assert [(r["person_id"], r["decision"]) for r in alone] == [(900001, "match")]


def test_middling_evidence_goes_to_a_clerk(population, persons):
    # Only the surname of the name is right (two characters wrong) and the region is missing: the birth date
    # and sex carry it, not far enough for a link without a clerk.
    p = someone(persons)
    given = "鑫磊" if "鑫" not in p["name"] and "磊" not in p["name"] else "婷琳"
    links = link_records(records=records({"name": p["name"][0] + given, "birth_date": p["birth_date"],
                                          "sex": p["sex"]}),
                         persons=population, thresholds=THRESHOLDS).to_pylist()
    assert [(r["person_id"], r["decision"]) for r in links] == [(p["person_id"], "review")]
    assert THRESHOLDS.review <= links[0]["match_probability"] < THRESHOLDS.match


def test_a_record_like_nobody_gets_no_row(population):
    links = link_records(records=records({"name": "欧阳无名", "birth_date": date(1901, 1, 1), "sex": "female",
                                          "region_code": "110101001001"}),
                         persons=population, thresholds=THRESHOLDS)
    assert links.num_rows == 0
    assert link_records(records=RECORDS.empty_table(), persons=population, thresholds=THRESHOLDS).num_rows == 0


def test_thresholds_must_be_ordered():
    with pytest.raises(LinkageError):
        LinkThresholds(match=0.6, review=0.9)
    with pytest.raises(LinkageError):
        LinkThresholds(match=0.9, review=0)


def test_persons_without_a_region_are_refused(persons):
    with pytest.raises(LinkageError, match="region_code"):
        link_records(records=records({"name": "张三"}), persons=persons.drop_columns(["region_code"]),
                     thresholds=THRESHOLDS)


def noisy_sample(persons: pa.Table) -> pa.Table:
    """Records of every 25th person with the usual faults: a typo, a county-only or missing region, a missing
    sex, a wrong day of birth, only the surname right; and some people who are not there at all."""
    rows = []
    for i, p in enumerate(persons.to_pylist()[::25]):
        name, born, sex, region = p["name"], p["birth_date"], p["sex"], p["region_code"]
        if i % 4 == 1:
            name = name[:-1] + ("鑫" if name[-1] != "鑫" else "磊")
        if i % 5 == 2:
            region = region[:6]
        if i % 7 == 3:
            region = None
        if i % 6 == 4:
            sex = None
        if i % 9 == 5:
            born = born.replace(day=28 if born.day != 28 else 27)
        if i % 11 == 6:
            name, born = "司马" + name[-1], date(1930, 1, 1)
        if i % 13 == 7:
            name, region = name[0] + ("鑫磊" if "鑫" not in name and "磊" not in name else "婷琳"), None
        rows.append({"name": name, "birth_date": born, "sex": sex, "region_code": region})
    return records(*rows)


def _spark_or_skip():
    if shutil.which("java") is None:
        if os.environ.get("JIUZHU_REQUIRE_SPARK"):
            pytest.fail("JIUZHU_REQUIRE_SPARK is set but no Java runtime is installed for Spark")
        pytest.skip("Spark needs a Java runtime (java not found)")
    from jiuzhu.engine.spark_runner import spark_session

    return spark_session(shuffle_partitions=1)


@pytest.mark.spark
def test_duckdb_and_spark_give_the_same_links(population, persons):
    spark = _spark_or_skip()
    sample = noisy_sample(persons)
    duck = link_records(records=sample, persons=population, thresholds=THRESHOLDS)
    on_spark = link_records(records=sample, persons=population, engine="spark", spark=spark, thresholds=THRESHOLDS)
    assert on_spark.schema == LINKS
    decisions = {d: duck["decision"].to_pylist().count(d) for d in ("match", "review")}
    assert decisions["match"] > 100 and decisions["review"] > 0 and duck.num_rows < sample.num_rows
    assert duck.select(["record_id", "person_id", "decision"]) == on_spark.select(
        ["record_id", "person_id", "decision"])
    assert on_spark["match_probability"].to_pylist() == pytest.approx(duck["match_probability"].to_pylist(),
                                                                      rel=1e-9)
