"""Probabilistic record linkage of feed records without a usable ID number (Splink, Fellegi-Sunter).

A feed record whose ID number is missing or unusable is linked to the population's persons on name, birth date,
sex and region. The model is fixed: its m and u probabilities were estimated once on synthetic data
(`bench/linkage.py --train`) and are stored as a Splink settings file (`data/linkage_model.json`), so a run needs
no training and gives the same links on every engine. Only the prior — the probability that two random records
are the same person — is set per run, to 1 / (number of persons): in a bigger population an agreement on name
and birth date is more often a coincidence. See docs/adr/0005-record-linkage.md.

Each record gets at most one row: its best candidate, when that candidate's match probability is at least the
review threshold. At or above the match threshold it is a "match", unless a second candidate is also that
likely (two people the record cannot tell apart): then, like everything between the thresholds, a clerk decides
("review").
"""
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

MODEL_PATH = Path(__file__).parent / "data" / "linkage_model.json"

MATCH = "match"
REVIEW = "review"

LINKS = pa.schema([
    pa.field("record_id", pa.int64(), nullable=False),
    pa.field("person_id", pa.int64(), nullable=False),
    pa.field("match_probability", pa.float64(), nullable=False),
    pa.field("decision", pa.string(), nullable=False),   # match | review
])

# Splink's two inputs. The record side sorts first so that its ids are the pairs' left-hand side.
_RECORDS = "a_records"
_PERSONS = "b_persons"

# The comparison columns, the same on both sides. A region code of 6 to 12 digits is padded to 12; trailing
# zeros mean the level above, so a record that names only a county has no township or village to compare.
# Plain SQL that DuckDB and Spark SQL both read; names lose stray half- and full-width spaces.
_PREPARE = """
SELECT CAST({id} AS BIGINT) AS unique_id,
       NULLIF(replace(replace(trim(name), ' ', ''), '\u3000', ''), '') AS name,
       CAST(birth_date AS STRING) AS birth_date,
       NULLIF(sex, '') AS sex,
       CASE WHEN rc IS NOT NULL AND substr(rc, 1, 6) <> '000000' THEN substr(rc, 1, 6) END AS county,
       CASE WHEN rc IS NOT NULL AND substr(rc, 7, 3) <> '000' THEN substr(rc, 1, 9) END AS township,
       CASE WHEN rc IS NOT NULL AND substr(rc, 7, 3) <> '000' AND substr(rc, 10, 3) <> '000' THEN rc END AS village
FROM (SELECT *, rpad(NULLIF(trim(region_code), ''), 12, '0') AS rc FROM {source}) AS s
"""


class LinkageError(ValueError):
    pass


@dataclass(frozen=True)
class LinkThresholds:
    """Match probabilities: at or above `match` a link is made; from `review` up to it, a clerk decides;
    below `review`, no candidate. Measured on the 1M-person population: see ADR 0005."""

    match: float = 0.80
    review: float = 0.60

    def __post_init__(self):
        if not 0 < self.review <= self.match <= 1:
            raise LinkageError(f"thresholds must satisfy 0 < review ({self.review}) <= match ({self.match}) <= 1")


def load_model(*, persons_count: int) -> dict:
    """The stored Splink settings with the prior for a population of `persons_count` persons."""
    settings = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    settings["probability_two_random_records_match"] = 1 / max(persons_count, 2)
    settings.pop("linker_uid", None)
    return settings


def link_records(*, records: pa.Table, persons: pa.Table | str | Path, engine: str = "duckdb",
                 thresholds: LinkThresholds = LinkThresholds(), spark=None) -> pa.Table:
    """Link feed records (`feedtypes.RECORDS`, normally those without a usable ID number) to persons.

    `persons` is a population directory (its `persons/` and `households/` Parquet datasets: a person's region is
    their household's) or a table of person_id, name, sex, birth_date and region_code. Returns `LINKS`: one row
    per linked record, its best candidate, ordered by record_id.
    """
    if engine == "duckdb":
        backend = _DuckDB()
    elif engine == "spark":
        backend = _Spark(spark)
    else:
        raise LinkageError(f"unknown engine {engine!r}: use duckdb or spark")
    if records.num_rows == 0:
        return LINKS.empty_table()
    try:
        backend.load_records(_record_columns(records))
        persons_count = backend.load_persons(persons)
        candidates = backend.predict(load_model(persons_count=persons_count), thresholds.review)
    finally:
        backend.close()
    return _best_candidates(candidates, thresholds)


def _record_columns(records: pa.Table) -> pa.Table:
    missing = {"record_id", "name", "birth_date", "sex", "region_code"} - set(records.column_names)
    if missing:
        raise LinkageError(f"records lack the columns {', '.join(sorted(missing))}")
    return pa.table({
        "record_id": records["record_id"].cast(pa.int64()),
        "name": records["name"].cast(pa.string()),
        "birth_date": records["birth_date"].cast(pa.date32()).cast(pa.string()),
        "sex": records["sex"].cast(pa.string()),
        "region_code": records["region_code"].cast(pa.string()),
    })


def _person_columns(persons: pa.Table) -> pa.Table:
    missing = {"person_id", "name", "birth_date", "sex", "region_code"} - set(persons.column_names)
    if missing:
        raise LinkageError(f"persons lack the columns {', '.join(sorted(missing))} (region_code: pass the "
                           "population directory, whose households give it)")
    return pa.table({
        "person_id": persons["person_id"].cast(pa.int64()),
        "name": persons["name"].cast(pa.string()),
        "birth_date": persons["birth_date"].cast(pa.date32()).cast(pa.string()),
        "sex": persons["sex"].cast(pa.string()),
        "region_code": persons["region_code"].cast(pa.string()),
    })


def _population_dir(persons) -> Path | None:
    if isinstance(persons, (str, Path)):
        path = Path(persons)
        for name in ("persons", "households"):
            if not list((path / name).glob("*.parquet")):
                raise LinkageError(f"{path / name}: no Parquet files (is this a jiuzhu population directory?)")
        return path
    return None


# The persons of a population directory with their household's region (one statement on either engine).
_POPULATION_PERSONS = """
SELECT p.person_id, p.name, CAST(p.birth_date AS STRING) AS birth_date, p.sex, h.region_code
FROM population_persons AS p JOIN population_households AS h ON h.household_id = p.household_id
"""


class _DuckDB:
    def __init__(self):
        import duckdb
        from splink.backends.duckdb import DuckDBAPI

        self.con = duckdb.connect()
        self.db_api = DuckDBAPI(connection=self.con)

    def _run(self, sql: str) -> list[tuple]:
        # Every result is fetched: DuckDB refuses new work on a connection with an unfinished one.
        return self.con.execute(sql).fetchall()

    def load_records(self, records: pa.Table) -> None:
        self.con.register("records_raw", records)
        self._run("CREATE TABLE records_in AS " + _PREPARE.format(id="record_id", source="records_raw"))

    def load_persons(self, persons) -> int:
        population = _population_dir(persons)
        if population is not None:
            for name in ("persons", "households"):
                glob = str(population / name / "*.parquet").replace("'", "''")
                self._run(f"CREATE VIEW population_{name} AS SELECT * FROM read_parquet('{glob}')")
            self._run(f"CREATE VIEW persons_raw AS {_POPULATION_PERSONS}")
        else:
            self.con.register("persons_raw", _person_columns(persons))
        self._run("CREATE TABLE persons_in AS " + _PREPARE.format(id="person_id", source="persons_raw"))
        return self._run("SELECT count(*) FROM persons_in")[0][0]

    def predict(self, settings: dict, threshold: float) -> pa.Table:
        from splink import Linker

        inputs = [self.db_api.register("records_in", dataset_display_name=_RECORDS),
                  self.db_api.register("persons_in", dataset_display_name=_PERSONS)]
        linker = Linker(inputs, settings, log_level=None)
        with _quiet_splink():
            pairs = linker.inference.predict(threshold_match_probability=threshold)
        return self.con.sql(_candidates_sql(pairs.physical_name)).to_arrow_table()

    def close(self) -> None:
        self.con.close()


class _Spark:
    def __init__(self, spark):
        from splink.backends.spark import SparkAPI

        if spark is None:
            from jiuzhu.engine.spark_runner import spark_session

            spark = spark_session()
        self.spark = spark
        # Only Spark's built-in functions are used (levenshtein): Splink's jar of similarity functions is not
        # needed on the session. Intermediate tables are persisted rather than checkpointed, which would need a
        # checkpoint directory on the shared session.
        self.db_api = SparkAPI(spark_session=spark, register_udfs_automatically=False,
                               break_lineage_method="persist")
        self.views: list[str] = []
        self.cached = []

    def _view(self, name: str, df) -> None:
        df.createOrReplaceTempView(name)
        self.views.append(name)

    def load_records(self, records: pa.Table) -> None:
        # From Arrow, not pandas: pandas 3 turns a null string into "NaN", which Spark keeps as text.
        self._view("jiuzhu_link_records_raw", self.spark.createDataFrame(records))
        self._view("jiuzhu_link_records_in",
                   self.spark.sql(_PREPARE.format(id="record_id", source="jiuzhu_link_records_raw")))

    def load_persons(self, persons) -> int:
        population = _population_dir(persons)
        if population is not None:
            for name in ("persons", "households"):
                self._view(f"population_{name}", self.spark.read.parquet(str(population / name)))
            raw = self.spark.sql(_POPULATION_PERSONS)
        else:
            raw = self.spark.createDataFrame(_person_columns(persons))
        self._view("jiuzhu_link_persons_raw", raw)
        prepared = self.spark.sql(_PREPARE.format(id="person_id", source="jiuzhu_link_persons_raw")).cache()
        self.cached.append(prepared)
        self._view("jiuzhu_link_persons_in", prepared)
        return prepared.count()

    def predict(self, settings: dict, threshold: float) -> pa.Table:
        from splink import Linker

        inputs = [self.db_api.register(self.spark.table("jiuzhu_link_records_in"), dataset_display_name=_RECORDS),
                  self.db_api.register(self.spark.table("jiuzhu_link_persons_in"), dataset_display_name=_PERSONS)]
        linker = Linker(inputs, settings, log_level=None)
        with _quiet_splink():
            pairs = linker.inference.predict(threshold_match_probability=threshold)
        return self.spark.sql(_candidates_sql(pairs.physical_name)).toArrow()

    def close(self) -> None:
        self.db_api.delete_tables_created_by_splink_from_db()
        for df in self.cached:
            df.unpersist()
        for name in self.views:
            self.spark.catalog.dropTempView(name)


_CANDIDATES = pa.schema([("record_id", pa.int64()), ("person_id", pa.int64()), ("match_probability", pa.float64())])


def _candidates_sql(pairs: str) -> str:
    # Splink puts the dataset whose name sorts first on the left; both orders are read to be safe.
    return f"""
    SELECT CAST(CASE WHEN source_dataset_l = '{_RECORDS}' THEN unique_id_l ELSE unique_id_r END AS BIGINT)
               AS record_id,
           CAST(CASE WHEN source_dataset_l = '{_RECORDS}' THEN unique_id_r ELSE unique_id_l END AS BIGINT)
               AS person_id,
           CAST(match_probability AS DOUBLE) AS match_probability
    FROM {pairs}
    """


def _best_candidates(candidates: pa.Table, thresholds: LinkThresholds) -> pa.Table:
    """Per record, the most probable person (the lower person_id on a tie), and the decision."""
    if candidates.num_rows == 0:
        return LINKS.empty_table()
    candidates = candidates.cast(_CANDIDATES).sort_by(
        [("record_id", "ascending"), ("match_probability", "descending"), ("person_id", "ascending")])
    record = candidates["record_id"].to_numpy()
    probability = candidates["match_probability"].to_numpy()
    first = [i for i in range(len(record)) if i == 0 or record[i] != record[i - 1]]
    decisions = []
    for k, i in enumerate(first):
        end = first[k + 1] if k + 1 < len(first) else len(record)
        runner_up = probability[i + 1] if i + 1 < end else 0.0
        decisions.append(MATCH if probability[i] >= thresholds.match and runner_up < thresholds.match else REVIEW)
    best = candidates.take(pa.array(first, pa.int64()))
    return pa.table([best["record_id"], best["person_id"], best["match_probability"],
                     pa.array(decisions, pa.string())], schema=LINKS)


class _quiet_splink:
    """Splink logs every step at INFO; a run of the monitoring engine wants only warnings."""

    def __enter__(self):
        self.logger = logging.getLogger("splink")
        self.level = self.logger.level
        self.logger.setLevel(logging.WARNING)

    def __exit__(self, *exc):
        self.logger.setLevel(self.level)
