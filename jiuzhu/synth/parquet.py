"""Writing a synthetic population as Parquet, streaming in bounded memory.

Layout of the output directory (documented for the batch engines in docs/synthetic-data.md):

    manifest.json                      seed, generator version, arguments, counts, columns, part files
    households/part-00000.parquet …    one part per chunk; rows sorted by region_code within a part
    persons/part-00000.parquet …
    supporters/part-00000.parquet …

Every chunk (whole counties, about `chunk_persons` people) is generated and written on its own, by the
calling process or by a pool of worker processes; at most `workers + 1` chunks are in flight, so memory
stays bounded whatever the population's size. Ids are planned before any chunk is written, so parts can be
written in any order and are byte-identical from run to run. The manifest is written last: a directory
without one is an interrupted run.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from jiuzhu.synth import schema
from jiuzhu.synth.errors import SynthError, SynthErrorCode
from jiuzhu.synth.generator import (
    DEFAULT_AS_OF,
    GENERATOR_VERSION,
    PlannedCounty,
    chunk_counties,
    generate_chunk,
    plan_population,
)
from jiuzhu.synth.geography import REGIONS_CSV, allocate, county_weights, select_counties

DEFAULT_CHUNK_PERSONS = 1_000_000
GENERATION_BATCH_PERSONS = 250_000
ROW_GROUP_ROWS = 1 << 20
MANIFEST = "manifest.json"
_OUTPUTS = (MANIFEST, *schema.DATASETS)


@dataclass
class WriteSummary:
    out_dir: Path
    households: int
    persons: int
    supporters: int
    counties: int
    parts: int
    seconds: float
    # Peak resident memory (VmHWM) of this process and of each worker process, in bytes.
    peak_rss_main: int = 0
    peak_rss_workers: list[int] = field(default_factory=list)


def validate_size(*, households: int | None, people: int | None) -> tuple[str, int]:
    """("households" | "people", n) from the two options, refusing a missing or non-positive size."""
    if households is None and people is None:
        raise SynthError(SynthErrorCode.SIZE_MISSING)
    for option, value in (("--households", households), ("--people", people)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise SynthError(SynthErrorCode.BAD_SIZE, option=option, value=value)
    return ("households", households) if households is not None else ("people", people)


def plan_for_region(*, region_code: str, households: int | None, people: int | None, seed: int,
                    regions_csv: Path = REGIONS_CSV, map_function=map) -> list[PlannedCounty]:
    """The counties of a region with their share of the population, counts and id offsets."""
    mode, size = validate_size(households=households, people=people)
    counties = select_counties(region_code=region_code, regions_csv=regions_csv)
    sizes = allocate(size, county_weights(counties))
    return plan_population(counties, sizes, mode=mode, seed=seed, map_function=map_function)


def population_write_parquet(
    *,
    out_dir: Path,
    seed: int = 42,
    households: int | None = None,
    people: int | None = None,
    region_code: str = "",
    as_of: date = DEFAULT_AS_OF,
    chunk_persons: int = DEFAULT_CHUNK_PERSONS,
    workers: int = 1,
    force: bool = False,
    progress: bool = False,
    regions_csv: Path = REGIONS_CSV,
) -> WriteSummary:
    """Generate a population and write it under `out_dir` as Parquet (see the module docstring)."""
    started = time.perf_counter()
    out_dir = Path(out_dir)
    _prepare_output(out_dir, force=force)
    # One pool for the plan and the chunks. fork: workers start at once and share the parent's imported
    # modules; nothing here holds threads.
    pool = (ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
            if workers > 1 else None)
    from tqdm import tqdm

    try:
        planned = plan_for_region(region_code=region_code, households=households, people=people, seed=seed,
                                  regions_csv=regions_csv, map_function=pool.map if pool else map)
        total_persons = sum(p.persons for p in planned)
        # Enough chunks to keep every worker busy on small populations; parts never exceed chunk_persons.
        per_worker = -(-total_persons // max(1, workers))
        chunks = chunk_counties(planned, chunk_persons=max(1, min(chunk_persons, max(per_worker,
                                                                                      GENERATION_BATCH_PERSONS))))
        for name in schema.DATASETS:
            (out_dir / name).mkdir(parents=True)
        tasks = [(i, chunk, seed, as_of, str(out_dir)) for i, chunk in enumerate(chunks)]
        worker_peaks: list[int] = []
        with tqdm(total=total_persons, unit="people", unit_scale=True, file=sys.stderr,
                  disable=not progress or not sys.stderr.isatty(), desc="synth population") as bar:
            if pool is None:
                for task in tasks:
                    _index, persons, _peak = _write_chunk(task)
                    bar.update(persons)
            else:
                worker_peaks = _run_pool(pool, tasks, workers=workers, bar=bar)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)

    summary = WriteSummary(
        out_dir=out_dir,
        households=sum(p.households for p in planned),
        persons=total_persons,
        supporters=sum(p.supporters for p in planned),
        counties=len(planned),
        parts=len(chunks),
        seconds=time.perf_counter() - started,
        peak_rss_workers=worker_peaks,
    )
    _write_manifest(out_dir, summary, seed=seed, households=households, people=people, region_code=region_code,
                    as_of=as_of, chunk_persons=chunk_persons)
    summary.peak_rss_main = peak_rss()
    return summary


def _prepare_output(out_dir: Path, *, force: bool) -> None:
    if out_dir.exists() and any(out_dir.iterdir()):
        if not force:
            raise SynthError(SynthErrorCode.OUTPUT_NOT_EMPTY, path=str(out_dir))
        # Only what a previous run wrote is removed; anything else in the directory is left alone.
        for name in _OUTPUTS:
            target = out_dir / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)


def _run_pool(pool: ProcessPoolExecutor, tasks: list, *, workers: int, bar) -> list[int]:
    """Run chunk tasks in the pool with at most workers + 1 in flight; return the workers' peak RSS."""
    peaks: dict[int, int] = {}
    pending = iter(tasks)
    in_flight = set()
    for task in pending:
        in_flight.add(pool.submit(_write_chunk, task))
        if len(in_flight) > workers:
            break
    while in_flight:
        done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
        for future in done:
            _index, persons, (pid, peak) = future.result()
            peaks[pid] = max(peaks.get(pid, 0), peak)
            bar.update(persons)
            task = next(pending, None)
            if task is not None:
                in_flight.add(pool.submit(_write_chunk, task))
    return sorted(peaks.values())


def _write_chunk(task) -> tuple[int, int, tuple[int, int]]:
    """Generate one chunk and write its three part files; return (index, persons, (pid, peak RSS)).

    The chunk is generated in batches of whole counties of about GENERATION_BATCH_PERSONS people: numpy's
    working memory stays small (and fast: fresh memory costs page faults), while each part still holds one
    row group of about `chunk_persons` rows. The rows do not depend on the batching.
    """
    index, chunk, seed, as_of, out_dir = task
    batches = [generate_chunk(batch, seed=seed, as_of=as_of)
               for batch in chunk_counties(chunk, chunk_persons=GENERATION_BATCH_PERSONS)]
    persons = 0
    for name in schema.DATASETS:
        table = pa.concat_tables([getattr(b, name) for b in batches])
        if name == "persons":
            persons = table.num_rows
        path = Path(out_dir) / name / f"part-{index:05d}.parquet"
        with pq.ParquetWriter(path, table.schema, compression="zstd", use_dictionary=_DICTIONARY_COLUMNS[name],
                              write_statistics=True) as writer:
            writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
        del table
        for b in batches:  # free each dataset's memory as soon as it is written
            setattr(b, name, None)
    return index, persons, (os.getpid(), peak_rss())


# Dictionary encoding only pays for columns with few distinct values; for ID numbers, names, phones and
# addresses it is tried and abandoned on every page, which costs time and saves nothing.
_HIGH_CARDINALITY = {"id_number", "name", "phone", "address", "bank_account"}
_DICTIONARY_COLUMNS = {
    name: [f.name for f in s if f.name not in _HIGH_CARDINALITY and str(f.type) == "string"]
    for name, s in schema.DATASETS.items()
}


def _write_manifest(out_dir: Path, summary: WriteSummary, *, seed: int, households: int | None,
                    people: int | None, region_code: str, as_of: date, chunk_persons: int) -> None:
    manifest = {
        "format": schema.FORMAT_NAME,
        "format_version": schema.FORMAT_VERSION,
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "as_of": as_of.isoformat(),
        "args": {
            "people": people,
            "households": households,
            "region": region_code or None,
            "seed": seed,
            "as_of": as_of.isoformat(),
            "chunk_persons": chunk_persons,
        },
        "counts": {
            "households": summary.households,
            "persons": summary.persons,
            "supporters": summary.supporters,
            "counties": summary.counties,
            "parts": summary.parts,
        },
        "compression": "zstd",
        "datasets": {
            name: {
                "path": f"{name}/",
                "parts": [f"{name}/part-{i:05d}.parquet" for i in range(summary.parts)],
                "columns": schema.describe(s),
                **({"sorted_by": ["region_code", "household_id"]} if name == "households" else {}),
            }
            for name, s in schema.DATASETS.items()
        },
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    (out_dir / MANIFEST).write_text(text, encoding="utf-8")


def peak_rss() -> int:
    """This process's peak resident set size in bytes (VmHWM), 0 where /proc is not available."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
