"""The batch side: runs the compiled rule pipeline over a Parquet population on DuckDB or Spark."""
