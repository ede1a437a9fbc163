"""The embedded engine: DuckDB reads the Parquet population directly and streams the result to Parquet."""
import os
from pathlib import Path

import pyarrow as pa

from jiuzhu.engine.base import DATASETS, EngineError, dataset_files, dataset_schema
from jiuzhu.policy.compiled import INPUT_NAMES


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


class DuckDBEngine:
    dialect = "duckdb"

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None, temp_dir: Path | None = None):
        try:
            import duckdb
        except ImportError as exc:  # pragma: no cover - duckdb is a core dependency
            raise EngineError("duckdb is not installed") from exc
        from django.conf import settings

        self.con = duckdb.connect()
        self.con.execute(f"SET threads = {int(threads or os.cpu_count() or 1)}")
        # Bounded memory: beyond the limit DuckDB spills its joins and aggregations to the temp directory.
        memory_limit = memory_limit or settings.JIUZHU["DUCKDB_MEMORY_LIMIT"]
        temp_dir = Path(temp_dir or Path(settings.JIUZHU["VAR_DIR"]) / "tmp" / "duckdb")
        temp_dir.mkdir(parents=True, exist_ok=True)
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self.con.execute(f"SET temp_directory = {_quote(temp_dir)}")
        self.con.execute("SET preserve_insertion_order = false")

    def register_population(self, population: Path) -> dict[str, pa.Schema]:
        schemas = {}
        for name in DATASETS:
            files = ", ".join(_quote(f) for f in dataset_files(population, name))
            self.con.execute(f"CREATE OR REPLACE VIEW {INPUT_NAMES[name]} AS SELECT * FROM read_parquet([{files}])")
            schemas[name] = dataset_schema(population, name)
        return schemas

    def register_table(self, name: str, table: pa.Table) -> None:
        self.con.register(name, table)

    def distinct_param_keys(self) -> list[str]:
        from jiuzhu.policy.pipeline import PARAM_KEY_DIGITS

        rows = self.con.execute(
            f"SELECT DISTINCT substr(region_code, 1, {PARAM_KEY_DIGITS}) FROM {INPUT_NAMES['households']}").fetchall()
        return [r[0] for r in rows]

    def fetch(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def write(self, sql: str, out: Path) -> int:
        """The batch result (households and person-level rows, column `level`) to one Parquet file."""
        out.parent.mkdir(parents=True, exist_ok=True)
        self.con.execute(f"COPY ({sql}) TO {_quote(out)} (FORMAT parquet, COMPRESSION zstd)")
        return self.con.execute(
            f"SELECT count(*) FROM read_parquet({_quote(out)}) WHERE level = 'household'").fetchone()[0]

    def close(self) -> None:
        self.con.close()
