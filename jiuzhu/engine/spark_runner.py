"""Apache Spark (PySpark) engine: the same compiled pipeline in Spark SQL, for a cluster or local mode."""
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from jiuzhu.engine.base import DATASETS, EngineError, dataset_files, dataset_schema
from jiuzhu.policy.compiled import INPUT_NAMES

_session = None


def spark_session(*, master: str = "local[*]", shuffle_partitions: int | None = None):
    """One SparkSession per process (tests share it), with the UI off and quiet logs."""
    global _session
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise EngineError("the Spark engine needs pyspark (pip install pyspark) and Java 17") from exc
    if _session is None:
        builder = (SparkSession.builder.master(master).appName("jiuzhu")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.session.timeZone", "UTC")
                   .config("spark.sql.ansi.enabled", "false")
                   .config("spark.driver.memory", "4g"))
        if shuffle_partitions:
            builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        _session = builder.getOrCreate()
        _session.sparkContext.setLogLevel("ERROR")
    return _session


class SparkEngine:
    dialect = "pyspark"

    def __init__(self, *, master: str = "local[*]", shuffle_partitions: int | None = None):
        self.spark = spark_session(master=master, shuffle_partitions=shuffle_partitions)

    def register_population(self, population: Path) -> dict[str, pa.Schema]:
        schemas = {}
        for name in DATASETS:
            files = [str(f) for f in dataset_files(population, name)]
            self.spark.read.parquet(*files).createOrReplaceTempView(INPUT_NAMES[name])
            schemas[name] = dataset_schema(population, name)
        return schemas

    def register_table(self, name: str, table: pa.Table) -> None:
        # Arrow straight to Spark (PySpark 4): through pandas an integer column with a NULL became a float
        # column and NULL text could arrive as NaN.
        self.spark.createDataFrame(table).createOrReplaceTempView(name)

    def distinct_param_keys(self) -> list[str]:
        from jiuzhu.policy.pipeline import PARAM_KEY_DIGITS

        rows = self.spark.sql(
            f"SELECT DISTINCT substr(region_code, 1, {PARAM_KEY_DIGITS}) AS k FROM {INPUT_NAMES['households']}"
        ).collect()
        return [r["k"] for r in rows]

    def fetch(self, sql: str) -> pa.Table:
        return self.spark.sql(sql).toArrow()

    def write(self, sql: str, out: Path) -> int:
        """The batch result to one Parquet file (Spark writes part files; they are gathered into `out`)."""
        result = self.spark.sql(sql)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix="jiuzhu-spark-", dir=out.parent))
        try:
            result.write.mode("overwrite").parquet(str(tmp / "result"))
            # Spark writes a directory of part files: gather them into the one requested file.
            parts = sorted((tmp / "result").glob("*.parquet"))
            tables = [pq.read_table(p) for p in parts]
            table = pa.concat_tables(tables, promote_options="default") if tables else pa.table({})
            pq.write_table(table, out, compression="zstd")
            return table.filter(pa.compute.equal(table["level"], "household")).num_rows
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def close(self) -> None:
        pass
