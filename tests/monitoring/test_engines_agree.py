"""DuckDB and Spark raise the same warnings from the same records and population (issue 5)."""
import random
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jiuzhu.monitoring.engine import monitor
from jiuzhu.monitoring.feedtypes import FEEDS, RECORDS
from tests.engine.conftest import require_spark, small_population  # noqa: F401  (fixtures)
from tests.policy.conftest import book_with

AS_OF = date(2026, 11, 1)


def _records(population, path):
    """Records of every feed type for a sample of the population (some with large amounts), plus some for
    people outside it."""
    rng = random.Random(7)
    persons = pq.read_table(population / "persons").to_pylist()
    households = {h["household_id"]: h for h in pq.read_table(population / "households").to_pylist()}
    rows = []
    for i, person in enumerate(rng.sample(persons, 600), start=2):
        feed_type = rng.choice(sorted(FEEDS))
        rows.append({
            "record_id": 1_000_000_000 + i, "batch_id": 1, "row_number": i, "feed_type": feed_type,
            "id_number_raw": person["id_number"], "id_number": person["id_number"] if i % 9 else None,
            "name": person["name"], "birth_date": person["birth_date"], "sex": person["sex"],
            "region_code": households[person["household_id"]]["region_code"],
            "event_date": AS_OF - timedelta(days=rng.randint(1, 400)),
            "amount_fen": rng.choice([50_000, 700_000, 1_200_000, 2_500_000]),
            "grade": rng.randint(1, 4), "category": rng.choice(["car", "undergraduate", "physical", "inpatient"])})
    for j in range(40):
        rows.append({"record_id": 2_000_000_000 + j, "batch_id": 2, "row_number": j + 2,
                     "feed_type": rng.choice(["medical_settlement", "disaster"]), "id_number_raw": None,
                     "id_number": f"3704021990010{j:04d}"[:17] + "X", "name": "外来人员", "birth_date": None,
                     "sex": None, "region_code": "370402001001", "event_date": AS_OF - timedelta(days=20),
                     "amount_fen": 1_500_000, "grade": None, "category": None})
    pq.write_table(pa.Table.from_pylist(rows, schema=RECORDS), path)


def _sorted(table: pa.Table) -> list[dict]:
    return sorted(table.to_pylist(), key=lambda r: (r["subject_key"], r["indicator"], r["period"]))


@pytest.mark.spark
@pytest.mark.django_db
def test_duckdb_and_spark_raise_the_same_warnings(small_population, require_spark, tmp_path):  # noqa: F811
    path = tmp_path / "records.parquet"
    _records(small_population, path)
    book = book_with()
    duck = monitor(records=[path], population=small_population, as_of=AS_OF, engine="duckdb", book=book)
    spark = monitor(records=[path], population=small_population, as_of=AS_OF, engine="spark", book=book,
                    shuffle_partitions=1)
    assert duck.warnings.num_rows > 100
    assert {r["indicator"] for r in duck.warnings.to_pylist()} >= {
        "large_medical_cost", "death", "severe_disability", "disaster", "higher_education", "relapse_risk",
        "medical_cost_12m", "proactive_medical", "turning_60"}
    assert _sorted(duck.warnings) == _sorted(spark.warnings)


@pytest.mark.spark
@pytest.mark.django_db
def test_both_engines_read_the_records_file_the_intake_writes(small_population, require_spark,  # noqa: F811
                                                              tmp_path):
    """The intake writes feed type, sex and category as enums (dictionary-encoded Parquet strings): both engines
    read them as text and raise the same warnings from a file handed in as CSV."""
    from jiuzhu.monitoring.intake import read_feed

    rng = random.Random(11)
    persons = pq.read_table(small_population / "persons").to_pylist()
    lines = ["身份证号码,姓名,出院日期,个人自付金额,就诊类型"]
    for person in rng.sample(persons, 60):
        lines.append(f"{person['id_number']},{person['name']},2026-10-{rng.randint(1, 28):02d},"
                     f"{rng.choice(['300.00', '45000.00'])},{rng.choice(['住院', '门诊'])}")
    csv = tmp_path / "settlements.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = tmp_path / "records.parquet"
    read = read_feed(path=csv, feed_type="medical_settlement", batch_id=3, records_path=records, today=AS_OF,
                     mapping={"身份证号码": "id_number", "姓名": "name", "出院日期": "discharge_date",
                              "个人自付金额": "out_of_pocket", "就诊类型": "stay_type"})
    assert (read.rows_accepted, read.rows_rejected) == (60, 0)
    book = book_with()
    duck = monitor(records=[records], population=small_population, as_of=AS_OF, engine="duckdb", book=book)
    spark = monitor(records=[records], population=small_population, as_of=AS_OF, engine="spark", book=book,
                    shuffle_partitions=1)
    assert "large_medical_cost" in {r["indicator"] for r in duck.warnings.to_pylist()}
    assert _sorted(duck.warnings) == _sorted(spark.warnings)
