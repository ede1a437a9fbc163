"""The same compiled rules give the same answers on every engine and in every mode."""
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jiuzhu.engine.base import screen_population, screen_tables
from jiuzhu.policy.explain import screen_household
from jiuzhu.policy.inputs import households_to_tables
from tests.policy.conftest import book_with
from tests.policy.test_policy_cases import CASES, _prepare

AS_OF = date(2025, 6, 1)


def _rows(path: Path) -> list[tuple]:
    table = pq.read_table(path)
    columns = sorted(table.column_names)
    rows = table.select(columns).to_pylist()
    return sorted((tuple(r.items()) for r in rows), key=repr)


@pytest.mark.spark
@pytest.mark.django_db
def test_duckdb_and_spark_give_identical_results(small_population, tmp_path, require_spark, regions_loaded):
    book = book_with()
    duck = screen_population(population=small_population, as_of=AS_OF, out=tmp_path / "duckdb.parquet",
                             engine="duckdb", book=book)
    spark = screen_population(population=small_population, as_of=AS_OF, out=tmp_path / "spark.parquet",
                              engine="spark", book=book, shuffle_partitions=1)
    assert duck.households == spark.households > 1000
    assert _rows(tmp_path / "duckdb.parquet") == _rows(tmp_path / "spark.parquet")


def _policy_case_tables():
    """The YAML policy cases of the reference date as input tables (one household id each)."""
    cases = [c.values[0] for c in CASES if "error" not in c.values[0]["expect"]
             and str(c.values[0]["as_of"]) == "2025-06-01" and not c.values[0].get("parameters")]
    households = []
    for i, case in enumerate(cases, start=1):
        household = _prepare(case["household"])
        household["household_id"] = i
        households.append(household)
    tables, errors = households_to_tables(households, as_of=AS_OF)
    assert errors == []
    return households, tables


@pytest.mark.spark
@pytest.mark.django_db
def test_households_handed_in_as_tables_get_the_same_answers_on_spark(require_spark, regions_loaded):
    """Arrow tables go to Spark as Arrow (not through pandas, where an integer column with a NULL becomes a
    float and text can become NaN): every output column of every policy case is the same on both engines."""
    households, tables = _policy_case_tables()
    assert len(households) >= 20
    assert any(v is None for v in tables["persons"].column("disability_grade").to_pylist())
    book = book_with()
    duck = screen_tables(tables=tables, as_of=AS_OF, book=book, engine="duckdb")
    spark = screen_tables(tables=tables, as_of=AS_OF, book=book, engine="spark", shuffle_partitions=1)
    for level in ("household", "person"):
        assert _types(spark[level]) == _types(duck[level]), level
        key = "household_id" if level == "household" else "person_id"
        assert spark[level].num_rows == duck[level].num_rows > 0, level
        assert spark[level].sort_by(key).to_pylist() == duck[level].sort_by(key).to_pylist(), level


def _types(table) -> dict[str, str]:
    """Column types, reading Arrow's large and small string as one (engines choose either)."""
    return {f.name: "string" if f.type in (pa.string(), pa.large_string()) else str(f.type) for f in table.schema}


@pytest.mark.django_db
def test_a_batch_over_many_households_matches_each_explained_decision(regions_loaded):
    """The batch statement and the staged single-household statements are the same rules."""
    households, tables = _policy_case_tables()
    assert len(households) >= 5
    book = book_with()
    batch = screen_tables(tables=tables, as_of=AS_OF, book=book)["household"].to_pylist()
    by_id = {row["household_id"]: row for row in batch}
    for i, household in enumerate(households, start=1):
        single = screen_household(data=household, as_of=AS_OF, book=book, household_id=i)
        row = by_id[i]
        assert single["tier"] == row["tier"]
        assert single["monthly_total"] == f"{Decimal(row['monthly_total']) / 100:.2f}"


@pytest.mark.django_db
def test_a_population_screened_in_household_ranges_gives_the_same_file(small_population, tmp_path, settings,
                                                                          regions_loaded):
    """Large populations are screened range by range to bound memory, by two workers at once; the result must
    not change."""
    book = book_with()
    whole = screen_population(population=small_population, as_of=AS_OF, out=tmp_path / "whole.parquet", book=book,
                              threads=1)
    settings.JIUZHU = {**settings.JIUZHU, "BATCH_PARTITION_HOUSEHOLDS": 500}
    parts = screen_population(population=small_population, as_of=AS_OF, out=tmp_path / "parts.parquet", book=book,
                              threads=2)
    assert whole.households == parts.households > 1500
    assert pq.ParquetFile(tmp_path / "parts.parquet").metadata.num_row_groups >= 6  # 250 households a range
    assert _rows(tmp_path / "whole.parquet") == _rows(tmp_path / "parts.parquet")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["parts.parquet", "whole.parquet"]  # no .tmp left


@pytest.mark.django_db
def test_a_range_that_fails_leaves_no_file_and_says_why(small_population, tmp_path, settings):
    """A worker's error stops the screen: no result file (and no half-written one) is left behind."""
    import duckdb

    from jiuzhu.engine.duckdb_runner import DuckDBEngine

    settings.JIUZHU = {**settings.JIUZHU, "BATCH_PARTITION_HOUSEHOLDS": 500}
    engine = DuckDBEngine(threads=2)
    try:
        engine.register_population(small_population)
        # Fails in every range, once the workers run.
        with pytest.raises(duckdb.Error, match="no household may pass"):
            engine.write("SELECT 'household' AS level, error('no household may pass') AS x FROM jz_in_households",
                         tmp_path / "out.parquet")
    finally:
        engine.close()
    assert list(tmp_path.iterdir()) == []
