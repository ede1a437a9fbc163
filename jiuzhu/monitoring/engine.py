"""The monitoring run on a batch engine: feed records + population (+ probabilistic links) → warnings.

The indicator expressions of indicators.py are compiled to the engine's SQL (DuckDB, the embedded default,
or Spark) over named inputs; the population is either a Parquet population (the synthetic generator's format,
national scale) or a registry snapshot (snapshot.py) given as Arrow tables. Parameters are resolved per county
for the date of the run.
"""
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import ibis
import pyarrow as pa

from jiuzhu.engine.base import get_engine
from jiuzhu.monitoring.feedtypes import RECORDS
from jiuzhu.monitoring.indicators import (
    birthday_candidates,
    birthday_people_expr,
    matched_expr,
    matched_people_expr,
    people_expr,
    population_views,
    warnings_expr,
)
from jiuzhu.policy.parameters import SPEC_BY_NAME, to_engine
from jiuzhu.policy.resolve import ParameterBook

PARAM_NAMES = ("medical_stay_threshold_monitored", "medical_stay_threshold_other", "medical_12m_threshold",
               "disaster_loss_threshold_other",
               "severe_disability_max_grade", "dibao_standard_urban", "dibao_standard_rural",
               "rigid_expense_income_share", "elderly_age", "adult_age")
NAMES = {"records": "mon_records", "links": "mon_links", "params": "mon_params",
         "persons": "mon_persons", "households": "mon_households"}
LINKS = pa.schema([pa.field("record_id", pa.int64()), pa.field("person_id", pa.int64()),
                   pa.field("match_probability", pa.float64()), pa.field("decision", pa.string())])
# The normalised population the indicators read (population_views's output; snapshot.py builds the same).
PERSONS = pa.schema([
    pa.field("person_id", pa.int64()), pa.field("household_id", pa.int64()), pa.field("id_number", pa.string()),
    pa.field("id_key", pa.int64()), pa.field("name", pa.string()), pa.field("sex", pa.string()),
    pa.field("birth_date", pa.date32()), pa.field("employment", pa.string()),
    pa.field("disability_grade", pa.int32()), pa.field("wage_fen", pa.int64()), pa.field("alive", pa.bool_()),
])
HOUSEHOLDS = pa.schema([
    pa.field("household_id", pa.int64()), pa.field("region_code", pa.string()), pa.field("hukou", pa.string()),
    pa.field("registered_tier", pa.string()), pa.field("rigid_12m_fen", pa.int64()), pa.field("members", pa.int64()),
    pa.field("income_fen", pa.int64()),
])

# The warnings of a run (one row per subject, indicator and period); engines may return sums as decimals,
# so the result is cast to this.
WARNINGS = pa.schema([
    pa.field("subject_key", pa.string()), pa.field("indicator", pa.string()), pa.field("period", pa.string()),
    pa.field("person_id", pa.int64()), pa.field("household_id", pa.int64()), pa.field("level", pa.string()),
    pa.field("suggestion", pa.string()), pa.field("region_code", pa.string()), pa.field("name", pa.string()),
    pa.field("id_number", pa.string()), pa.field("amount_fen", pa.int64()), pa.field("records", pa.int64()),
    pa.field("first_record_id", pa.int64()), pa.field("match_method", pa.string()),
    pa.field("event_date", pa.date32()),
])


@dataclass
class MonitorResult:
    warnings: pa.Table
    records: int
    engine: str
    # Wall seconds of each step: "inputs" (registering files, parameters), each stage by name (mon_s_matched:
    # who each record is — the exact match on the ID number and the links), "warnings" (the indicators); a stage's
    # and the warnings' seconds include compiling their SQL.
    seconds: dict[str, float] = field(default_factory=dict)


def params_table(*, book: ParameterBook, counties: set[str], as_of: date) -> pa.Table:
    """The indicators' parameters for each county (6-digit prefix), resolved for `as_of`: money in fen,
    shares in parts per million."""
    rows = []
    for county in sorted(c for c in counties if c and len(c) == 6 and c.isdigit()):
        try:
            values = book.resolve_values(region_code=county + "000000", as_of=as_of, names=PARAM_NAMES)
        except ValueError:  # not a division code
            continue
        row = {"county": county, "as_of": as_of}
        for name, value in values.items():
            # A missing value (e.g. no dibao standard entered for the county) leaves the indicators that need
            # it silent there; the others still run.
            row[f"p_{name}"] = None if value is None else to_engine(SPEC_BY_NAME[name].kind, value)
        rows.append(row)
    fields = [pa.field("county", pa.string()), pa.field("as_of", pa.date32())] + [
        pa.field(f"p_{n}", pa.int64()) for n in PARAM_NAMES]
    return pa.Table.from_pylist(rows, schema=pa.schema(fields))


def _table(name: str, schema: pa.Schema) -> ibis.Table:
    return ibis.table(ibis.Schema.from_pyarrow(schema), name=NAMES[name])


def compile_warnings(*, dialect: str, population_schemas: dict[str, pa.Schema] | None,
                     as_of: date) -> Iterator[tuple[str, str]]:
    """The run as staged SQL for an engine: (table name, SELECT) one stage after the other, the last one being
    the warnings.

    Stage 1 joins the records with the population once (who each record is); stage 2 keeps the people some
    record is about, stage 3 those born in the as-of month (the age indicators' only candidates); the
    indicators then read these small tables instead of re-joining the whole population once per indicator.
    Stages 2 and 3 select their persons first and join, and aggregate, only those persons' households.
    With `population_schemas` the population is read in the generator's format (jz_in_persons /
    jz_in_households) and normalised in the query; without, from mon_persons and mon_households."""
    from jiuzhu.policy.compiled import INPUT_NAMES

    if population_schemas is not None:
        persons, households_of = population_views(
            persons=ibis.table(ibis.Schema.from_pyarrow(population_schemas["persons"]), name=INPUT_NAMES["persons"]),
            households=ibis.table(ibis.Schema.from_pyarrow(population_schemas["households"]),
                                  name=INPUT_NAMES["households"]))
    else:
        persons, households = _table("persons", PERSONS), _table("households", HOUSEHOLDS)

        def households_of(selected: ibis.Table) -> ibis.Table:
            return households
    records, links, params = _table("records", RECORDS), _table("links", LINKS), _table("params", _params_schema())

    def sql(expr: ibis.Table) -> str:
        return ibis.to_sql(expr, dialect=dialect)

    def table(name: str, expr: ibis.Table) -> ibis.Table:
        return ibis.table(expr.schema(), name=name)

    def people_of(selected: ibis.Table) -> ibis.Table:
        return people_expr(persons=selected, households=households_of(selected), params=params)

    # Yielded one by one: a stage runs as soon as its SQL is compiled, so who each record is is known before
    # the indicators' (larger) SQL is compiled.
    expr = matched_expr(records=records, persons=persons, links=links)
    yield "mon_s_matched", sql(expr)
    matched = table("mon_s_matched", expr)
    about = persons.semi_join(matched, "person_id")
    expr = matched_people_expr(people=people_of(about), matched=matched)
    yield "mon_s_people", sql(expr)
    matched_people = table("mon_s_people", expr)
    born = birthday_candidates(persons=persons, month=as_of.month)
    expr = birthday_people_expr(people=people_of(born))
    yield "mon_s_birthday", sql(expr)
    birthday_people = table("mon_s_birthday", expr)
    yield "mon_warnings", sql(warnings_expr(records=records, matched=matched, matched_people=matched_people,
                                            birthday_people=birthday_people, links=links, params=params))


def _materialise(runner, name: str, sql: str) -> None:
    """One stage as a table of the engine's session (DuckDB: a temporary table; Spark: a cached view)."""
    if runner.dialect == "duckdb":
        runner.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
    else:
        frame = runner.spark.sql(sql)
        frame.createOrReplaceTempView(name)
        runner.spark.catalog.cacheTable(name)


def _params_schema() -> pa.Schema:
    return params_table(book=ParameterBook([]), counties=set(), as_of=date(2000, 1, 1)).schema


def _register(runner, name: str, table: pa.Table, scratch: Path) -> None:
    """An Arrow table as a named input. Spark cannot infer a schema from an empty table, so it reads the
    table back from a Parquet file, which keeps the schema."""
    if runner.dialect == "duckdb":
        runner.register_table(name, table)
        return
    import pyarrow.parquet as pq

    path = scratch / f"{name}.parquet"
    pq.write_table(table, path)
    runner.spark.read.parquet(str(path)).createOrReplaceTempView(name)


def _register_records(runner, files: list[Path], scratch: Path) -> None:
    if not files:
        _register(runner, NAMES["records"], RECORDS.empty_table(), scratch)
    elif runner.dialect == "duckdb":
        listed = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
        runner.con.execute(f"CREATE OR REPLACE VIEW {NAMES['records']} AS SELECT * FROM read_parquet([{listed}])")
    else:
        runner.spark.read.parquet(*[str(f) for f in files]).createOrReplaceTempView(NAMES["records"])


def _record_counties(runner) -> set[str]:
    rows = runner.fetch(f"SELECT DISTINCT substr(region_code, 1, 6) AS c FROM {NAMES['records']} "
                        f"WHERE region_code IS NOT NULL")
    return set(rows.column("c").to_pylist())


def monitor(*, records: list[Path], as_of: date, population: Path | None = None,
            snapshot: dict[str, pa.Table] | None = None, links: pa.Table | None = None, engine: str = "duckdb",
            book: ParameterBook | None = None, **options) -> MonitorResult:
    """Raise the warnings of a run: canonical feed records (Parquet files) against a Parquet population or a
    registry snapshot ({"persons": …, "households": …} in the normalised schemas above)."""
    if (population is None) == (snapshot is None):
        raise ValueError("give either a population directory or a registry snapshot")
    import tempfile

    from django.conf import settings

    book = book or ParameterBook.from_database()
    runner = get_engine(engine, **options)
    tmp_root = Path(settings.JIUZHU["VAR_DIR"]) / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    scratch_dir = tempfile.TemporaryDirectory(prefix="monitor-", dir=tmp_root)
    scratch = Path(scratch_dir.name)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    try:
        _register_records(runner, records, scratch)
        _register(runner, NAMES["links"], links if links is not None else LINKS.empty_table(), scratch)
        if population is not None:
            schemas = runner.register_population(population)
            county_sql = "SELECT DISTINCT substr(region_code, 1, 6) AS c FROM jz_in_households"
        else:
            _register(runner, NAMES["persons"], snapshot["persons"].cast(PERSONS), scratch)
            _register(runner, NAMES["households"], snapshot["households"].cast(HOUSEHOLDS), scratch)
            schemas = None
            county_sql = f"SELECT DISTINCT substr(region_code, 1, 6) AS c FROM {NAMES['households']}"
        counties = set(runner.fetch(county_sql).column("c").to_pylist()) | _record_counties(runner)
        _register(runner, NAMES["params"], params_table(book=book, counties=counties, as_of=as_of), scratch)
        seconds["inputs"] = round(time.perf_counter() - started, 2)
        # Each step's seconds include compiling its SQL.
        started = time.perf_counter()
        for name, sql in compile_warnings(dialect=runner.dialect, population_schemas=schemas, as_of=as_of):
            if name == "mon_warnings":
                table = runner.fetch(sql)
                seconds["warnings"] = round(time.perf_counter() - started, 2)
            else:
                _materialise(runner, name, sql)
                seconds[name] = round(time.perf_counter() - started, 2)
            started = time.perf_counter()
        table = table.select(WARNINGS.names).cast(WARNINGS)
        count = runner.fetch(f"SELECT count(*) AS n FROM {NAMES['records']}").column("n")[0].as_py()
    finally:
        runner.close()
        scratch_dir.cleanup()
    return MonitorResult(warnings=table, records=count, engine=engine, seconds=seconds)
