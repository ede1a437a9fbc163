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
        self.partitioned = False  # set when the inputs are a population on disk (see write)

    def register_population(self, population: Path) -> dict[str, pa.Schema]:
        schemas = {}
        self.partitioned = True
        for name in DATASETS:
            files = ", ".join(_quote(f) for f in dataset_files(population, name))
            self.con.execute(f"CREATE OR REPLACE VIEW jz_src_{name} AS SELECT * FROM read_parquet([{files}])")
            self._select_households(name, None)
            schemas[name] = dataset_schema(population, name)
        return schemas

    def _select_households(self, name: str, bounds: tuple[int, int] | None) -> None:
        """Point the pipeline's input view at all households, or at a range of household ids (Parquet row
        group statistics let the scan skip the rest)."""
        where = f" WHERE household_id BETWEEN {int(bounds[0])} AND {int(bounds[1])}" if bounds else ""
        self.con.execute(f"CREATE OR REPLACE VIEW {INPUT_NAMES[name]} AS SELECT * FROM jz_src_{name}{where}")

    def register_table(self, name: str, table: pa.Table) -> None:
        self.con.register(name, table)

    def distinct_param_keys(self) -> list[str]:
        from jiuzhu.policy.pipeline import PARAM_KEY_DIGITS

        rows = self.con.execute(
            f"SELECT DISTINCT substr(region_code, 1, {PARAM_KEY_DIGITS}) FROM {INPUT_NAMES['households']}").fetchall()
        return [r[0] for r in rows]

    def fetch(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def _partitions(self) -> list[tuple[int, int]]:
        """Household-id ranges of at most BATCH_PARTITION_HOUSEHOLDS households each: every household is
        screened with all its members and supporters, and memory stays bounded whatever the population."""
        from django.conf import settings

        size = int(settings.JIUZHU["BATCH_PARTITION_HOUSEHOLDS"])
        lo, hi, n = self.con.execute("SELECT min(household_id), max(household_id), count(*) FROM jz_src_households").fetchone()
        if not n or n <= size:
            return []
        parts = -(-n // size)
        cuts = self.con.execute(
            f"SELECT quantile_disc(household_id, [{', '.join(str(i / parts) for i in range(1, parts))}]) "
            "FROM jz_src_households").fetchone()[0]
        edges = [lo] + [c + 1 for c in cuts] + [hi + 1]
        return [(a, b - 1) for a, b in zip(edges, edges[1:]) if b > a]

    def write(self, sql: str, out: Path) -> int:
        """The batch result (households and person-level rows, column `level`) to one Parquet file; a large
        population is screened range by range into temporary parts that are then gathered."""
        out.parent.mkdir(parents=True, exist_ok=True)
        partitions = self._partitions() if self.partitioned else []
        if not partitions:
            self.con.execute(f"COPY ({sql}) TO {_quote(out)} (FORMAT parquet, COMPRESSION zstd)")
        else:
            parts = []
            try:
                for i, bounds in enumerate(partitions):
                    for name in DATASETS:
                        self._select_households(name, bounds)
                    part = out.with_name(f".{out.name}.part{i:04d}")
                    self.con.execute(f"COPY ({sql}) TO {_quote(part)} (FORMAT parquet, COMPRESSION zstd)")
                    parts.append(part)
                files = ", ".join(_quote(p) for p in parts)
                self.con.execute(f"COPY (SELECT * FROM read_parquet([{files}])) TO {_quote(out)} "
                                 "(FORMAT parquet, COMPRESSION zstd)")
            finally:
                for name in DATASETS:
                    self._select_households(name, None)
                for part in parts:
                    part.unlink(missing_ok=True)
        return self.con.execute(
            f"SELECT count(*) FROM read_parquet({_quote(out)}) WHERE level = 'household'").fetchone()[0]

    def close(self) -> None:
        self.con.close()
