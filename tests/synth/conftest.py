"""Fixtures of the synthetic-population tests: small generated populations, written once per session."""
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jiuzhu.synth.parquet import population_write_parquet

# Shandong: real county codes and real townships in the shipped regions file.
SHANDONG = "370000000000"
# About 20,000 households: large enough for the distribution checks, fast enough for every run.
SAMPLE_PEOPLE = 45_000


def read_dataset(out_dir, name: str) -> pa.Table:
    parts = sorted((out_dir / name).glob("part-*.parquet"))
    return pa.concat_tables([pq.read_table(p) for p in parts])


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth-sample")
    population_write_parquet(out_dir=out, people=SAMPLE_PEOPLE, region_code=SHANDONG, seed=42)
    return out


@pytest.fixture(scope="session")
def sample(sample_dir):
    return {name: read_dataset(sample_dir, name) for name in ("households", "persons", "supporters")}
