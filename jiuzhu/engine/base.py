"""One small interface for the batch engines (DuckDB embedded, Spark when one machine is outgrown).

An engine registers the population's Parquet datasets and the parameter table under the pipeline's input
names, runs the compiled SQL of one output, and writes Parquet. The rules are not here: they are compiled
from jiuzhu.policy into each engine's SQL dialect.
"""
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from jiuzhu.policy.compiled import compile_pipeline
from jiuzhu.policy.resolve import ParameterBook, params_table

DATASETS = ("households", "persons", "supporters")


class EngineError(RuntimeError):
    pass


class Engine(Protocol):
    dialect: str

    def register_population(self, population: Path) -> dict[str, pa.Schema]: ...
    def register_table(self, name: str, table: pa.Table) -> None: ...
    def distinct_param_keys(self) -> list[str]: ...
    def write(self, sql: str, out: Path) -> int: ...
    def fetch(self, sql: str) -> pa.Table: ...
    def close(self) -> None: ...


@dataclass
class ScreenSummary:
    engine: str
    as_of: date
    households: int
    out: Path


def dataset_files(population: Path, name: str) -> list[Path]:
    files = sorted((population / name).glob("*.parquet"))
    if not files:
        raise EngineError(f"{population / name}: no Parquet files (is this a jiuzhu population directory?)")
    return files


def dataset_schema(population: Path, name: str) -> pa.Schema:
    return pq.read_schema(dataset_files(population, name)[0])


def get_engine(name: str, **options) -> Engine:
    """The engine by name; heavy dependencies are imported only when chosen."""
    if name == "duckdb":
        from jiuzhu.engine.duckdb_runner import DuckDBEngine

        return DuckDBEngine(**options)
    if name == "spark":
        from jiuzhu.engine.spark_runner import SparkEngine

        return SparkEngine(**options)
    raise EngineError(f"unknown engine {name!r}: use duckdb or spark")


def screen_population(*, population: Path, as_of: date, out: Path, engine: str = "duckdb",
                      book: ParameterBook | None = None, **options) -> ScreenSummary:
    """Screen every household of a Parquet population; write one row per household and one per person with
    a person-level tier (column `level`), amounts in integer fen (`*_fen`)."""
    from jiuzhu.policy.compiled import INPUT_NAMES

    book = book or ParameterBook.from_database()
    runner = get_engine(engine, **options)
    try:
        schemas = runner.register_population(population)
        params = params_table(book, param_keys=runner.distinct_param_keys(), as_of=as_of)
        runner.register_table(INPUT_NAMES["params"], params)
        schemas["params"] = params.schema
        compiled = compile_pipeline(dialect=runner.dialect, schemas=schemas, mode="batch")
        rows = runner.write(compiled.outputs["batch_results"], out)
    finally:
        runner.close()
    return ScreenSummary(engine=engine, as_of=as_of, households=rows, out=out)


def screen_tables(*, tables: dict[str, pa.Table], as_of: date, book: ParameterBook | None = None,
                  engine: str = "duckdb", **options) -> dict[str, pa.Table]:
    """Screen households given as Arrow tables (households, persons, supporters in the population format,
    e.g. a registry snapshot): returns {"household": …, "person": …} with amounts in int fen."""
    from jiuzhu.policy.compiled import INPUT_NAMES
    from jiuzhu.policy.pipeline import PARAM_KEY_DIGITS

    book = book or ParameterBook.from_database()
    keys = {code[:PARAM_KEY_DIGITS] for code in tables["households"].column("region_code").to_pylist()}
    params = params_table(book, param_keys=keys, as_of=as_of)
    runner = get_engine(engine, **options)
    try:
        for name in DATASETS:
            runner.register_table(INPUT_NAMES[name], tables[name])
        runner.register_table(INPUT_NAMES["params"], params)
        schemas = {name: tables[name].schema for name in DATASETS} | {"params": params.schema}
        compiled = compile_pipeline(dialect=runner.dialect, schemas=schemas, mode="batch")
        return {"household": runner.fetch(compiled.outputs["household_results"]),
                "person": runner.fetch(compiled.outputs["person_tiers"])}
    finally:
        runner.close()

