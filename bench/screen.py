"""Benchmark: screening a synthetic population (issue 3's targets), with its floors and baselines in one run.

    .venv/bin/python bench/screen.py                      # 1M people (and the single-household median)
    .venv/bin/python bench/screen.py --sizes 1000000,10000000,70000000 --pandas-sizes 1000000,10000000

For each size it prints:
- scan: the time DuckDB needs just to read the columns the rules use (the floor);
- engine: `jiuzhu screen all` on DuckDB (wall time of the screen itself, its CPU time — user + system, which
  a shared machine disturbs less than the wall time — and the process' peak memory);
- the load average before and after (the machine may be shared: say so with the figures);
- ratio to the scan, and — where run — the straightforward pandas baseline (bench/pandas_rules.py), its
  peak memory, the speed-up and how many household tiers it agrees on with the engine.
Then the median time of one explained single-household decision (warm), over many households.
Populations are generated under var/bench/ when missing (seed 7). Results also go to var/bench/screen.json.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
JIUZHU = str(ROOT / ".venv" / "bin" / "jiuzhu")
PYTHON = str(ROOT / ".venv" / "bin" / "python")
ENV = dict(os.environ, DATABASE_URL=f"sqlite:///{VAR / 'bench.sqlite3'}", PYTHONPATH=str(ROOT))


def run(cmd: list[str]) -> str:
    """Run a command and return its standard output (peak memory is reported by the child itself)."""
    proc = subprocess.run(cmd, env=ENV, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    return proc.stdout


def ensure_population(people: int) -> Path:
    path = VAR / f"pop-{people}"
    if not (path / "manifest.json").exists():
        print(f"generating {people:,} people into {path} …", flush=True)
        run([JIUZHU, "synth", "population", "--people", str(people), "--out", str(path), "--seed", "7", "--force",
             "--quiet"])
    return path


def child_scan(population: str) -> None:
    """Child process: read every column the rules use, with DuckDB, and nothing else."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings.base")
    django.setup()
    import duckdb
    import ibis
    import pyarrow.parquet as pq

    from jiuzhu.policy.compiled import _column_usage, INPUT_NAMES

    pop = Path(population)
    schemas = {n: pq.read_schema(sorted((pop / n).glob("*.parquet"))[0]) for n in ("households", "persons", "supporters")}
    from jiuzhu.policy.resolve import params_table, ParameterBook
    params = params_table(ParameterBook.from_database(), param_keys=["370402001"], as_of=date(2025, 6, 1))
    tables = {n: ibis.table(ibis.Schema.from_pyarrow(s), name=INPUT_NAMES[n]) for n, s in schemas.items()}
    tables["params"] = ibis.table(ibis.Schema.from_pyarrow(params.schema), name=INPUT_NAMES["params"])
    used = set().union(*_column_usage(tables).values()) | {"household_id", "person_id", "region_code", "hukou",
                                                           "supported_person_id"}
    con = duckdb.connect()
    start = time.monotonic()
    for name, schema in schemas.items():
        cols = [c for c in schema.names if c in used or f"supporter_{c}" in used]
        aggs = ", ".join(f'max("{c}")' for c in cols)
        con.execute(f"SELECT count(*), {aggs} FROM read_parquet('{pop / name}/*.parquet')").fetchall()
    print(f"SCAN {time.monotonic() - start:.3f}")


def child_pandas(population: str, out: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings.base")
    django.setup()
    import pyarrow.parquet as pq

    sys.path.insert(0, str(ROOT / "bench"))
    from pandas_rules import screen

    import pandas as pd

    from jiuzhu.policy.resolve import ParameterBook, params_table

    pop = Path(population)
    book = ParameterBook.from_database()
    start = time.monotonic()
    # Part by part, as such code would be written once the whole population no longer fits in memory (10M
    # people read at once would need ~37 GiB): the generator writes every household with all its members and
    # supporters into the part files of the same number (docs/synthetic-data.md).
    results = []
    for part in sorted(p.name for p in (pop / "households").glob("*.parquet")):
        frames = {n: pq.read_table(pop / n / part).to_pandas() for n in ("households", "persons", "supporters")}
        keys = frames["households"]["region_code"].str[:9].unique().tolist()
        params = params_table(book, param_keys=keys, as_of=date(2025, 6, 1)).to_pandas()
        results.append(screen(frames["households"], frames["persons"], frames["supporters"], params,
                              date(2025, 6, 1)))
        del frames
    result = pd.concat(results, ignore_index=True)
    import resource

    print(f"PANDAS {time.monotonic() - start:.3f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}")
    result.to_parquet(out)


def single_median(n: int) -> float:
    import django

    os.environ.update(ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings.base")
    django.setup()
    import yaml

    from jiuzhu.policy.explain import screen_household
    from jiuzhu.policy.resolve import ParameterBook
    sys.path.insert(0, str(ROOT))
    from tests.policy.test_policy_cases import _prepare

    households = []
    for path in sorted((ROOT / "tests" / "policy" / "cases").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if "error" not in case["expect"] and not case.get("parameters"):
                households.append((_prepare(case["household"]), date.fromisoformat(str(case["as_of"]))))
    book = ParameterBook.from_database()
    screen_household(data=households[0][0], as_of=households[0][1], book=book)  # compile once (cached on disk)
    times = []
    for i in range(n):
        data, as_of = households[i % len(households)]
        start = time.perf_counter()
        screen_household(data=data, as_of=as_of, book=book)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def agreement(engine_out: Path, pandas_out: Path) -> float:
    import duckdb

    con = duckdb.connect()
    total, same = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE e.tier = p.tier) FROM read_parquet('{engine_out}') e "
        f"JOIN read_parquet('{pandas_out}') p USING (household_id) WHERE e.level = 'household'").fetchone()
    return same / total if total else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000000")
    parser.add_argument("--pandas-sizes", default="1000000")
    parser.add_argument("--single", type=int, default=200, help="explained decisions to time (0: skip)")
    parser.add_argument("--child-scan")
    parser.add_argument("--child-pandas", nargs=2)
    args = parser.parse_args()
    if args.child_scan:
        return child_scan(args.child_scan)
    if args.child_pandas:
        return child_pandas(*args.child_pandas)

    VAR.mkdir(parents=True, exist_ok=True)
    run([JIUZHU, "migrate", "-v", "0"])
    run([JIUZHU, "regions", "load"])
    run([JIUZHU, "policy", "load-reference"])
    print(f"machine: {os.cpu_count()} CPUs, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB; "
          f"date {date.today()}")
    results = []
    pandas_sizes = {int(s) for s in args.pandas_sizes.split(",") if s}
    # The compiled SQL is cached on disk per rules version and input schemas (policy/compiled.py): compile it
    # once first, so that the first size does not pay for it. Reported on its own.
    first = ensure_population(int(args.sizes.split(",")[0]))
    out = run([PYTHON, "-c", (
        "import os, time; os.environ.setdefault('DJANGO_SETTINGS_MODULE','jiuzhu.settings.base');"
        "import django; django.setup();"
        "from datetime import date; from pathlib import Path; from jiuzhu.engine.base import get_engine;"
        "from jiuzhu.policy.compiled import INPUT_NAMES, compile_pipeline;"
        "from jiuzhu.policy.resolve import ParameterBook, params_table;"
        "r=get_engine('duckdb'); s=r.register_population(Path('" + str(first) + "'));"
        "p=params_table(ParameterBook.from_database(), param_keys=r.distinct_param_keys(), as_of=date(2025,6,1));"
        "s['params']=p.schema; t=time.monotonic(); compile_pipeline(dialect='duckdb', schemas=s, mode='batch');"
        "print(f'COMPILE {time.monotonic()-t:.2f}')")])
    print(f"compiled SQL (once per rules version; cached): {re.search(r'COMPILE ([0-9.]+)', out).group(1)} s",
          flush=True)
    for people in [int(s) for s in args.sizes.split(",")]:
        pop = ensure_population(people)
        # The machine may be shared: the load average goes with each figure (the scan runs in the same minute).
        load_before = os.getloadavg()[0]
        out = run([PYTHON, __file__, "--child-scan", str(pop)])
        scan = float(re.search(r"SCAN ([\d.]+)", out).group(1))
        engine_out = VAR / f"screen-{people}.parquet"
        out = run([PYTHON, "-c", (
            "import os, time, sys, resource; os.environ.setdefault('DJANGO_SETTINGS_MODULE','jiuzhu.settings.base');"
            "import django; django.setup();"
            "from datetime import date; from pathlib import Path; from jiuzhu.engine.base import screen_population;"
            # Libraries are imported before the clock starts, as in the pandas child (pyarrow imports pandas
            # on its first pa.array(): 0.4-0.6 s that would otherwise fall inside the timed screen).
            "import duckdb, pandas;"
            "cpu=lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2]);"
            f"t=time.monotonic(); c=cpu(); s=screen_population(population=Path('{pop}'), as_of=date(2025,6,1), out=Path('{engine_out}'));"
            "print(f'ENGINE {time.monotonic()-t:.3f} {s.households} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss//1024} {cpu()-c:.1f}')")])
        m = re.search(r"ENGINE ([\d.]+) (\d+) (\d+) ([\d.]+)", out)
        engine_s, households, engine_mib = float(m.group(1)), int(m.group(2)), int(m.group(3))
        row = {"people": people, "households": households, "scan_s": scan, "engine_s": engine_s,
               "engine_cpu_s": float(m.group(4)), "engine_peak_mib": engine_mib,
               "ratio_to_scan": engine_s / scan if scan else None, "load_before": round(load_before, 2),
               "load_after": round(os.getloadavg()[0], 2)}
        if people in pandas_sizes:
            pandas_out = VAR / f"pandas-{people}.parquet"
            out = run([PYTHON, __file__, "--child-pandas", str(pop), str(pandas_out)])
            m = re.search(r"PANDAS ([\d.]+) (\d+)", out)
            pandas_s = float(m.group(1))
            row.update(pandas_s=pandas_s, pandas_peak_mib=int(m.group(2)), speedup_vs_pandas=pandas_s / engine_s,
                       pandas_tier_agreement=agreement(engine_out, pandas_out))
        results.append(row)
        print(json.dumps(row), flush=True)
    summary = {"cpus": os.cpu_count(), "date": str(date.today()), "sizes": results}
    if args.single:
        summary["single_household_median_ms"] = single_median(args.single) * 1000
        print(f"single household, explained: median {summary['single_household_median_ms']:.1f} ms over {args.single}")
    (VAR / "screen.json").write_text(json.dumps(summary, indent=2))
    print("\n| people | households | load | DuckDB scan (s) | engine (s) | engine CPU (s) | × scan | engine peak (MiB) | pandas (s) | × faster than pandas | tier agreement |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        pandas = (f"{r['pandas_s']:.2f} | {r['speedup_vs_pandas']:.1f} | {r['pandas_tier_agreement']:.1%}"
                  if "pandas_s" in r else "– | – | –")
        print(f"| {r['people']:,} | {r['households']:,} | {r['load_before']:.1f}–{r['load_after']:.1f} | {r['scan_s']:.2f} | "
              f"{r['engine_s']:.2f} | {r['engine_cpu_s']:.1f} | {r['ratio_to_scan']:.1f} | "
              f"{r['engine_peak_mib']:,} | {pandas} |")
    print("\nagainst issue 3's targets (this run):")
    for line in target_lines(results, summary.get("single_household_median_ms")):
        print(f"- {line}")


def target_lines(results: list[dict], single_ms: float | None) -> list[str]:
    """Each target of issue 3 with this run's figure and whether it holds."""
    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    lines = []
    for r in results:
        if r["people"] == 70_000_000:
            lines.append(f"70M people in ≤ 60 s: {r['engine_s']:.1f} s, {verdict(r['engine_s'] <= 60)}")
        lines.append(f"{r['people']:,} people within 4× the bare scan: {r['ratio_to_scan']:.1f}×, "
                     f"{verdict(r['ratio_to_scan'] <= 4)}")
        lines.append(f"{r['people']:,} people peak ≤ 12 GiB: {r['engine_peak_mib'] / 1024:.2f} GiB, "
                     f"{verdict(r['engine_peak_mib'] <= 12 * 1024)}")
        if "speedup_vs_pandas" in r:
            lines.append(f"{r['people']:,} people ≥ 5× faster than pandas: {r['speedup_vs_pandas']:.1f}×, "
                         f"{verdict(r['speedup_vs_pandas'] >= 5)}")
    if single_ms is not None:
        lines.append(f"one explained household < 100 ms (median): {single_ms:.1f} ms, {verdict(single_ms < 100)}")
    return lines


if __name__ == "__main__":
    main()
