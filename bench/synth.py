#!/usr/bin/env python3
"""Benchmark of the synthetic population generator (`jiuzhu synth population --out`).

    .venv/bin/python bench/synth.py                 # 1M and 3M people, about a minute
    .venv/bin/python bench/synth.py --full          # adds 10M and 70M (the whole country; several minutes)
    .venv/bin/python bench/synth.py --sizes 500000  # any sizes

Each size runs in its own subprocess, writing under var/bench/synth-<N>/, so that memory is measured
cleanly: the peak of the whole process tree's resident memory is sampled every 0.1 s from /proc, and each
process's own peak (VmHWM) is reported too. Beside each run, a baseline writes the same number of rows of
constant columns with the same schemas (households, persons, supporters), the same compression and the
same number of processes: the I/O floor that generation adds to. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"
DEFAULT_SIZES = [1_000_000, 3_000_000]
FULL_SIZES = [1_000_000, 10_000_000, 70_000_000]

GENERATE = """
import json, sys
from pathlib import Path
from jiuzhu.synth.parquet import population_write_parquet
s = population_write_parquet(out_dir=Path(sys.argv[1]), people=int(sys.argv[2]), seed=42, workers=int(sys.argv[3]),
                             force=True)
print(json.dumps({"persons": s.persons, "households": s.households, "supporters": s.supporters,
                  "parts": s.parts, "seconds": s.seconds, "rss_main": s.peak_rss_main,
                  "rss_workers": s.peak_rss_workers}))
"""

# The I/O floor: the same row counts and schemas, every value a constant, written in parts of the same size
# by the same number of processes.
BASELINE = """
import json, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
import numpy as np, pyarrow as pa, pyarrow.parquet as pq
from jiuzhu.synth import schema

def constant_table(s, n):
    arrays = []
    for f in s:
        if pa.types.is_string(f.type):
            value = "370402001001" if f.name != "id_number" else "370402196208097194"
        elif pa.types.is_decimal(f.type):
            from decimal import Decimal
            value = Decimal("123.45")
        elif pa.types.is_date(f.type):
            import datetime
            value = datetime.date(1960, 1, 1)
        elif pa.types.is_boolean(f.type):
            value = False
        else:
            value = 1
        arrays.append(pa.array([value], f.type).take(pa.array(np.zeros(n, dtype=np.int32))))
    return pa.Table.from_arrays(arrays, schema=s)

def write_part(args):
    out, i, rows = args
    for name, s in schema.DATASETS.items():
        n = int(rows * {"households": 0.45, "persons": 1.0, "supporters": 0.35}[name])
        pq.write_table(constant_table(s, n), Path(out) / name / f"part-{i:05d}.parquet", compression="zstd",
                       row_group_size=1 << 20)
    return rows

out, people, workers = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
for name in schema.DATASETS:
    (out / name).mkdir(parents=True, exist_ok=True)
chunk = 1_000_000
tasks = [(str(out), i, min(chunk, people - i * chunk)) for i in range((people + chunk - 1) // chunk)]
t = time.perf_counter()
with ProcessPoolExecutor(workers) as pool:
    list(pool.map(write_part, tasks))
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def _children(pid: int) -> list[int]:
    result = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                result += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return result


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_measured(code: str, *args: str) -> tuple[dict, float, int, float]:
    """Run `python -c code args`, sampling the process tree's total RSS; return (its JSON, wall s, peak
    bytes, CPU s). CPU time (user + system, of the process and its workers) does not depend on what else
    the machine is doing, which wall time does."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, cwd=ROOT,
                            env={**os.environ, "DJANGO_SETTINGS_MODULE": "jiuzhu.settings.base"})
    peak = 0
    while proc.poll() is None:
        tree, todo = [], [proc.pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo += _children(pid)
        peak = max(peak, sum(_rss(pid) for pid in tree))
        time.sleep(0.1)
    out = proc.stdout.read().decode()
    if proc.returncode:
        raise SystemExit(f"benchmark run failed with status {proc.returncode}")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return json.loads(out.strip().splitlines()[-1]), wall, peak, cpu


def machine() -> str:
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) / 2**20:.0f} GiB"
    except OSError:
        pass
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), {mem} memory, Python {platform.python_version()}, {date.today()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="also 10M and 70M people")
    parser.add_argument("--sizes", help="comma-separated numbers of people")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else FULL_SIZES if args.full else DEFAULT_SIZES
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"Machine: {machine()}; {args.workers} worker processes\n")
    print("| people | wall (s) | people/s | CPU (s) | CPU s per million | peak RSS, process tree | "
          "peak RSS, sum of processes | I/O floor: wall / CPU (s) | on disk | load average before |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        target = OUT / f"synth-{n}"
        load = os.getloadavg()[0]
        result, wall, tree_peak, cpu = run_measured(GENERATE, str(target), str(n), str(args.workers))
        summed = result["rss_main"] + sum(result["rss_workers"])
        disk = sum(p.stat().st_size for p in target.rglob("*.parquet"))
        floor = ""
        if not args.no_baseline:
            base_dir = OUT / f"floor-{n}"
            subprocess.run(["rm", "-rf", str(base_dir)], check=True)
            base, _, _, base_cpu = run_measured(BASELINE, str(base_dir), str(n), str(args.workers))
            floor = f"{base['seconds']:.1f} / {base_cpu:.1f}"
            subprocess.run(["rm", "-rf", str(base_dir)], check=True)
        print(f"| {n:,} | {wall:.1f} | {n / wall:,.0f} | {cpu:.1f} | {cpu / n * 1e6:.2f} | "
              f"{tree_peak / 2**30:.2f} GiB | {summed / 2**30:.2f} GiB | {floor} | {disk / 2**30:.2f} GiB | "
              f"{load:.2f} |", flush=True)


if __name__ == "__main__":
    main()
