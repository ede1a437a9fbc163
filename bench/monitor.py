"""Benchmark of the monitoring run (issue 5's acceptance): quality against the ground truth, exact matching of a
10M-record CSV against the 70M-person population beside its DuckDB floors, linkage throughput, peak memory.

    .venv/bin/python bench/monitor.py                           # all three parts
    .venv/bin/python bench/monitor.py --parts quality           # or exact, linkage (comma-separated)
    .venv/bin/python bench/monitor.py --parts exact --repeat 3  # our exact path 3 times: each run and the median
    .venv/bin/python bench/monitor.py --parts linkage --link-sizes 1000000,10000000 --link-records 100000

1. **Quality.** `jiuzhu synth feeds` for var/bench/pop-1000000 with the default mix of the twelve feed types and
   formats (--quality-records rows, default 200,000; kept under var/bench/feeds-1000000), then `monitor_run`
   (intake of every file, linkage of the records without a usable ID, warnings on DuckDB) with the reference
   standards plus the synthetic county dibao standards in an in-memory ParameterBook. Against
   ground_truth/events.parquet: recall and precision of the planted events, separately for events whose rows all
   carry a usable ID number (valid, or converted: 15-digit, full-width, lower-case x, spaces) and for events with
   a row whose ID is missing or has a wrong check character (read as no ID, linked probabilistically).
   A warning about a person is the event's when person, indicator and period agree; a warning about someone
   outside the population (proactive_*) is the event's when its first record is the event's row in the file.
   Precision counts only warnings of the planted indicator codes: the age indicators (turning_18, turning_60)
   and rigid_expense_threshold are raised from the population itself, not planted, and are left out. A false
   warning is put in the class of its first record's ID quality. Also: the share of ID-less records sent to
   clerical review.
2. **Exact matching.** One UTF-8 CSV of 10M medical settlements (`jiuzhu synth feeds --records 10000000 --only
   medical_settlement --formats csv` against var/bench/pop-70000000; kept under var/bench/feeds-medical-10000000),
   each step in its own process (peak RSS is that process's): (a) DuckDB parsing the CSV (read_csv, all VARCHAR,
   count); (b) DuckDB parsing it and joining the ID column to the 70M persons' id_number (count) — the floor;
   (c) our path: `read_feed` (mapping, validation, ID normalisation, Parquet records) + `monitor` (the exact
   join and every indicator over the population, DuckDB). Then, to show where (c)'s time goes: the join of the
   records file to the persons alone, and `monitor` with no records (the population's own part: views,
   parameters, age indicators).
3. **Linkage throughput.** `link_records` of ID-less records (bench/linkage.py's noise model; 80 % of persons of
   the population, drawn from its first part, 20 % of people outside it) against each population; records/hour,
   peak RSS and — since the truth is known — precision and recall of the automatic links.

Results go to var/bench/monitor.json; the tables are printed in Markdown.
"""
import argparse
import json
import os
import resource
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
AS_OF = date(2026, 1, 1)
USABLE = {"valid", "converted_15", "fullwidth", "lower_x", "spaces"}   # ID qualities the intake turns into an ID
RECORD_ID_BATCH = 1_000_000_000   # record_id = batch * 10^9 + row number (intake.py)


# ---------------------------------------------------------------------------------------------- helpers

def run(cmd: list[str]) -> str:
    proc = subprocess.run(cmd, env=ENV, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-4000:]}")
    return proc.stdout


def child(name: str, *args, timeout: float | None = None) -> dict:
    """Run a step in a fresh process; it prints one `RESULT {json}` line (and may print `PARTIAL {json}` lines
    before). A step still running after `timeout` seconds is killed: its result is the last partial one, with
    `timed_out`."""
    load = os.getloadavg()[0]
    started = time.monotonic()
    proc = subprocess.Popen([PYTHON, __file__, "--child", name, *map(str, args)], env=ENV, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        for leftover in (ROOT / "var" / "tmp" / "duckdb").glob(f"duckdb_temp_{proc.pid}_*"):
            leftover.unlink()     # DuckDB's spill files of the killed process
        lines = [x for x in out.splitlines() if x.startswith("PARTIAL ")]
        result = json.loads(lines[-1][len("PARTIAL "):]) if lines else {}
        result.update(timed_out=True, seconds=None, killed_after_s=round(time.monotonic() - started))
        result["load_at_start"] = round(load, 2)
        return result
    if proc.returncode:
        sys.exit(f"failed: {name} {args}\n{err[-4000:]}")
    line = [x for x in out.splitlines() if x.startswith("RESULT ")][-1]
    result = json.loads(line[len("RESULT "):])
    result["load_at_start"] = round(load, 2)
    return result


def _emit(result: dict) -> None:
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print("RESULT " + json.dumps(result), flush=True)


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings.base")
    import django

    django.setup()


def _book(population: Path):
    """The reference standards plus synthetic dibao standards for the population's other counties, in memory
    (never written to a database)."""
    from jiuzhu.policy.resolve import ParameterBook
    from jiuzhu.policy.services import reference_rows
    from jiuzhu.synth.standards import synthetic_standard_rows

    rows = [(r["region_code"], r["name"], r["effective_from"], r["value"], r["source_document"])
            for r in reference_rows()]
    return ParameterBook(rows + synthetic_standard_rows(population))


def _duckdb():
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {os.cpu_count()}")
    con.execute("SET memory_limit = '9GB'")   # the engine's default ceiling (settings DUCKDB_MEMORY_LIMIT)
    return con


def _sources(feeds: Path) -> list[dict]:
    import yaml

    return yaml.safe_load((feeds / "sources.yaml").read_text(encoding="utf-8"))["sources"]


def ensure_feeds(out: Path, args: list[str]) -> Path:
    if not (out / "sources.yaml").exists() or not (out / "ground_truth" / "events.parquet").exists():
        print(f"generating feeds into {out} …", flush=True)
        started = time.monotonic()
        run([JIUZHU, "synth", "feeds", "--out", str(out), "--as-of", AS_OF.isoformat(), "--force", "--quiet", *args])
        print(f"  {time.monotonic() - started:.0f} s", flush=True)
    return out


# ---------------------------------------------------------------------------------------------- children

def child_quality(feeds: str, population: str, out: str) -> None:
    _django()
    from jiuzhu.monitoring.run import monitor_run

    book = _book(Path(population))
    started = time.perf_counter()
    summary = monitor_run(feeds=Path(feeds), population=Path(population), as_of=AS_OF, out=Path(out), book=book)
    seconds = time.perf_counter() - started
    _emit({"seconds": round(seconds, 2), "records": summary.records, "without_id": summary.without_id,
           "linked": summary.linked, "to_review": summary.to_review, "warnings": summary.warnings,
           "steps": summary.seconds, "rejected": sum(s.rejected for s in summary.sources),
           "file_errors": [s.file for s in summary.sources if s.file_error]})


def child_parse(csv: str) -> None:
    con = _duckdb()
    cpu, started = time.process_time(), time.perf_counter()
    rows = con.execute(f"SELECT count(*) FROM read_csv('{csv}', all_varchar = true, header = true)").fetchone()[0]
    _emit({"seconds": round(time.perf_counter() - started, 2), "cpu": round(time.process_time() - cpu, 2),
           "rows": rows})


def child_join(csv: str, population: str, id_column: str) -> None:
    con = _duckdb()
    cpu, started = time.process_time(), time.perf_counter()
    rows, matched = con.execute(f"""
        SELECT count(*), count(p.person_id)
        FROM read_csv('{csv}', all_varchar = true, header = true) r
        LEFT JOIN read_parquet('{population}/persons/*.parquet') p ON r."{id_column}" = p.id_number""").fetchone()
    _emit({"seconds": round(time.perf_counter() - started, 2), "cpu": round(time.process_time() - cpu, 2),
           "rows": rows, "matched": matched})


def child_ours(csv: str, population: str, feed_type: str, mapping: str, records: str) -> None:
    _django()
    from jiuzhu.monitoring.engine import monitor
    from jiuzhu.monitoring.intake import read_feed

    started = time.perf_counter()
    book = _book(Path(population))
    book_s = time.perf_counter() - started
    cpu, started = time.process_time(), time.perf_counter()
    read = read_feed(path=Path(csv), feed_type=feed_type, mapping=json.loads(mapping), batch_id=1,
                     records_path=Path(records), today=AS_OF)
    read_s = time.perf_counter() - started
    assert read.file_error is None, read.file_error
    print("PARTIAL " + json.dumps({"book_s": round(book_s, 2), "read_feed_s": round(read_s, 2),
                                   "read_feed_cpu": round(time.process_time() - cpu, 2), "rows": read.rows_total,
                                   "accepted": read.rows_accepted, "rejected": read.rows_rejected,
                                   "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}),
          flush=True)
    started = time.perf_counter()
    result = monitor(records=[Path(records)], population=Path(population), as_of=AS_OF, book=book)
    monitor_s = time.perf_counter() - started
    by_method: dict = {}
    for m in result.warnings.column("match_method").to_pylist():
        by_method[m] = by_method.get(m, 0) + 1
    # Exact matching: from the CSV to who each record is — intake (parse, checks, ID normalisation, records
    # written) and the run's first stage (records ⋈ persons on the ID), with the run's set-up before it.
    matching_s = read_s + result.seconds["inputs"] + result.seconds["mon_s_matched"]
    _emit({"book_s": round(book_s, 2), "read_feed_s": round(read_s, 2), "monitor_s": round(monitor_s, 2),
           "monitor_steps": result.seconds, "exact_matching_s": round(matching_s, 2),
           "seconds": round(read_s + monitor_s, 2), "cpu": round(time.process_time() - cpu, 2),
           "rows": read.rows_total, "accepted": read.rows_accepted, "rejected": read.rows_rejected,
           "warnings": result.warnings.num_rows, "warnings_by_method": by_method})


def child_records_join(records: str, population: str) -> None:
    """Profile: the exact-match join alone, from the records file read_feed wrote, on the key the engine uses
    (indicators.id_key: the ID number's first 17 digits, persons.id_key)."""
    con = _duckdb()
    started = time.perf_counter()
    rows, matched = con.execute(f"""
        SELECT count(*), count(p.person_id) FROM read_parquet('{records}') r
        LEFT JOIN read_parquet('{population}/persons/*.parquet') p
        ON CAST(substr(r.id_number, 1, 17) AS BIGINT) = p.id_key""").fetchone()
    _emit({"seconds": round(time.perf_counter() - started, 2), "rows": rows, "matched": matched})


def child_population_only(population: str) -> None:
    """Profile: `monitor` without records — what the population alone costs (views, parameters, ages)."""
    _django()
    from jiuzhu.monitoring.engine import monitor

    book = _book(Path(population))
    started = time.perf_counter()
    result = monitor(records=[], population=Path(population), as_of=AS_OF, book=book)
    _emit({"seconds": round(time.perf_counter() - started, 2), "warnings": result.warnings.num_rows})


def child_link(population: str, records: str, seed: str) -> None:
    import duckdb

    sys.path.insert(0, str(ROOT / "bench"))
    from linkage import sample

    from jiuzhu.monitoring.linkage import LinkThresholds, link_records

    pop = Path(population)
    first = sorted((pop / "persons").glob("*.parquet"))[0]
    # Records are drawn from the persons of the population's first part (a whole-country population does not
    # fit in memory as Python rows); they are linked against all of it.
    persons = duckdb.sql(f"""
        SELECT p.person_id, p.name, p.birth_date, p.sex, h.region_code
        FROM read_parquet('{first}') p JOIN read_parquet('{pop}/households/*.parquet') h USING (household_id)
        ORDER BY p.person_id""").to_arrow_table()
    n = int(records)
    inside = n * 4 // 5
    table = sample(persons, inside=inside, outside=n - inside, seed=int(seed))
    del persons
    truth = dict(zip(table["record_id"].to_pylist(), table["true_person_id"].to_pylist()))
    thresholds = LinkThresholds()
    cpu, started = time.process_time(), time.perf_counter()
    links = link_records(records=table, persons=str(pop), engine="duckdb", thresholds=thresholds)
    seconds = time.perf_counter() - started
    rows = links.to_pylist()
    matched = [r for r in rows if r["decision"] == "match"]
    correct = sum(1 for r in matched if truth[r["record_id"]] == r["person_id"])
    _emit({"records": n, "seconds": round(seconds, 2), "cpu": round(time.process_time() - cpu, 2),
           "records_per_hour": round(n / seconds * 3600), "matched": len(matched),
           "review": sum(1 for r in rows if r["decision"] == "review"),
           "precision": round(correct / len(matched), 4) if matched else None,
           "recall": round(correct / inside, 4)})


CHILDREN = {"quality": child_quality, "parse": child_parse, "join": child_join, "ours": child_ours,
            "records_join": child_records_join, "population_only": child_population_only, "link": child_link}


# ---------------------------------------------------------------------------------------------- quality

def quality(feeds: Path, out: Path) -> dict:
    """Recall and precision of the planted events against the warnings of a run under `out`."""
    import pyarrow.parquet as pq

    sources = _sources(feeds)
    file_of_batch = {i: s["file"] for i, s in enumerate(sources, start=1)}
    truth = {(r["source_file"], r["row_number"]): r
             for r in pq.read_table(feeds / "ground_truth" / "records.parquet").to_pylist()}
    events = pq.read_table(feeds / "ground_truth" / "events.parquet").to_pylist()
    planted = {e["indicator"] for e in events}
    # An event is "without ID" when any of its rows lacks a usable ID (e.g. one of the five stays of a 12-month
    # sum): all of them must be found for the warning.
    cls = {e["event_id"]: "id" for e in events}
    for r in truth.values():
        if r["event_id"] is not None and r["id_quality"] not in USABLE:
            cls[r["event_id"]] = "no_id"
    by_person = {(e["person_id"], e["indicator"], e["period"]): e["event_id"] for e in events
                 if e["person_id"] is not None}

    def row_of(record_id: int) -> dict | None:
        return truth.get((file_of_batch[record_id // RECORD_ID_BATCH], int(record_id % RECORD_ID_BATCH)))

    found: set[int] = set()
    false = {"id": 0, "no_id": 0}
    false_examples: list = []
    warnings = [w for w in pq.read_table(out / "warnings.parquet").to_pylist() if w["indicator"] in planted]
    for w in warnings:
        first = row_of(w["first_record_id"]) if w["first_record_id"] else None
        if w["person_id"] is not None and not w["indicator"].startswith("proactive"):
            event = by_person.get((w["person_id"], w["indicator"], w["period"]))
        else:
            event = first["event_id"] if first and first["planted_event"] == w["indicator"] else None
            event = event if event is not None and event not in found else None
        if event is not None:
            found.add(event)
        else:
            false["id" if first and first["id_quality"] in USABLE else "no_id"] += 1
            if len(false_examples) < 10:
                false_examples.append({k: w[k] for k in ("indicator", "period", "person_id", "name",
                                                         "match_method", "first_record_id")}
                                      | {"truth": None if first is None else
                                         {k: first[k] for k in ("person_id", "id_quality", "planted_event")}})
    result = {"events": len(events), "warnings_of_planted_codes": len(warnings),
              "warnings_left_out": sorted({w["indicator"] for w in pq.read_table(
                  out / "warnings.parquet", columns=["indicator"]).to_pylist()} - planted)}
    for c in ("id", "no_id"):
        ids = {e for e, k in cls.items() if k == c}
        hit = len(ids & found)
        result[c] = {"events": len(ids), "found": hit, "false": false[c],
                     "recall": hit / len(ids) if ids else None,
                     "precision": hit / (hit + false[c]) if hit + false[c] else None}
    missed: dict = {}
    for e in events:
        if e["event_id"] not in found:
            key = f"{e['indicator']} ({cls[e['event_id']]})"
            missed[key] = missed.get(key, 0) + 1
    result["missed_by_indicator"] = dict(sorted(missed.items()))
    # The links themselves, record by record: ID-less records of persons of the population and of outsiders.
    links = {r["record_id"]: r for r in pq.read_table(out / "links.parquet").to_pylist()}
    stats = {"inside": 0, "inside_matched_right": 0, "inside_matched_wrong": 0, "inside_review": 0,
             "outside": 0, "outside_matched": 0, "outside_review": 0}
    for path in sorted((out / "records").glob("*.parquet")):
        for rec in pq.read_table(path, columns=["record_id", "id_number"]).to_pylist():
            if rec["id_number"] is not None:
                continue
            row = row_of(rec["record_id"])
            link = links.get(rec["record_id"])
            side = "inside" if row["person_id"] is not None else "outside"
            stats[side] += 1
            if link is None:
                continue
            if link["decision"] == "review":
                stats[f"{side}_review"] += 1
            elif side == "outside":
                stats["outside_matched"] += 1
            else:
                stats["inside_matched_right" if link["person_id"] == row["person_id"] else "inside_matched_wrong"] += 1
    result["links"] = stats
    result["false_examples"] = false_examples
    return result


# ---------------------------------------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default="quality,exact,linkage")
    parser.add_argument("--quality-records", type=int, default=200_000)
    parser.add_argument("--exact-records", type=int, default=10_000_000)
    parser.add_argument("--exact-population", type=int, default=70_000_000)
    parser.add_argument("--no-profile", action="store_true", help="skip the profile of the exact path")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run our exact path this many times and report each run and the median")
    parser.add_argument("--profile-population", type=int, default=1_000_000,
                        help="population of the profile step `monitor` without records")
    parser.add_argument("--timeout", type=float, default=900,
                        help="seconds after which a step of the exact path is killed and reported as not finished")
    parser.add_argument("--link-sizes", default="1000000,10000000")
    parser.add_argument("--link-records", type=int, default=100_000)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return CHILDREN[args.child[0]](*args.child[1:])

    parts = set(args.parts.split(","))
    results: dict = {"date": str(date.today()), "cpus": os.cpu_count(),
                     "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
                     "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    print(f"machine: {results['cpus']} CPUs, {results['memory_gib']} GiB; {results['date']}; "
          f"load average {results['load_average_at_start']}", flush=True)
    path = VAR / "monitor.json"
    if path.exists():   # keep the other parts' figures of an earlier run
        results = json.loads(path.read_text()) | results

    if "quality" in parts:
        pop = VAR / "pop-1000000"
        feeds = ensure_feeds(VAR / "feeds-1000000", ["--population", str(pop),
                                                      "--records", str(args.quality_records)])
        out = VAR / "monitor-run-1000000"
        run_result = child("quality", feeds, pop, out)
        q = quality(feeds, out)
        q["run"] = run_result
        q["review_share"] = run_result["to_review"] / run_result["without_id"] if run_result["without_id"] else 0
        results["quality"] = q
        print(json.dumps(q, indent=2), flush=True)

    if "exact" in parts:
        pop = VAR / f"pop-{args.exact_population}"
        feeds = ensure_feeds(VAR / f"feeds-medical-{args.exact_records}", [
            "--population", str(pop), "--records", str(args.exact_records), "--only", "medical_settlement",
            "--formats", "csv"])
        source = _sources(feeds)[0]
        csv = feeds / source["file"]
        id_column = next(k for k, v in source["column_mapping"].items() if v == "id_number")
        records = VAR / f"monitor-records-{args.exact_records}.parquet"
        exact = {"file_mb": round(csv.stat().st_size / 1e6), "population": args.exact_population}
        exact["parse"] = child("parse", csv)
        print("parse", exact["parse"], flush=True)
        exact["join"] = child("join", csv, pop, id_column)
        print("join", exact["join"], flush=True)
        runs = []
        for _ in range(max(1, args.repeat)):
            runs.append(child("ours", csv, pop, source["feed_type"], json.dumps(source["column_mapping"]), records,
                              timeout=args.timeout))
            print("ours", runs[-1], flush=True)
        # The machine's speed drifts: with --repeat, the run of median exact-matching time stands for all.
        finished = sorted((r for r in runs if "exact_matching_s" in r), key=lambda r: r["exact_matching_s"])
        exact["ours"] = finished[(len(finished) - 1) // 2] if finished else runs[-1]
        exact["ours_runs"] = runs
        if not args.no_profile:
            exact["records_join"] = child("records_join", records, pop, timeout=args.timeout)
            print("records join", exact["records_join"], flush=True)
            exact["population_only"] = child("population_only", VAR / f"pop-{args.profile_population}",
                                             timeout=args.timeout)
            exact["population_only"]["population"] = args.profile_population
            print("population only", exact["population_only"], flush=True)
        results["exact"] = exact

    if "linkage" in parts:
        results["linkage"] = []
        for people in [int(s) for s in args.link_sizes.split(",") if s]:
            r = child("link", VAR / f"pop-{people}", args.link_records, 2)
            r["population"] = people
            results["linkage"].append(r)
            print("linkage", r, flush=True)

    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    report(results)


def report(r: dict) -> None:
    def pct(x):
        return "–" if x is None else f"{x:.2%}"

    if "quality" in r:
        q = r["quality"]
        print("\n| records | class | events | found | false warnings | recall | precision | target |")
        print("|---|---|---:|---:|---:|---:|---:|---|")
        for c, label, target in (("id", "usable ID", "≥ 99.5 % / ≥ 99 %"), ("no_id", "ID missing or corrupt",
                                                                             "≥ 95 % / ≥ 98 %")):
            x = q[c]
            print(f"| {q['run']['records']:,} | {label} | {x['events']:,} | {x['found']:,} | {x['false']:,} | "
                  f"{pct(x['recall'])} | {pct(x['precision'])} | {target} |")
        print(f"ID-less records {q['run']['without_id']:,}: linked {q['run']['linked']:,}, to review "
              f"{q['run']['to_review']:,} ({q['review_share']:.2%}); run {q['run']['seconds']} s "
              f"({q['run']['steps']}), peak {q['run']['peak_rss_mib']:,} MiB")
    if "exact" in r:
        e = r["exact"]
        print("\n| step | wall (s) | CPU (s) | peak RSS (MiB) | load at start |")
        print("|---|---:|---:|---:|---:|")
        for k, label in (("parse", "DuckDB: parse the CSV"), ("join", "DuckDB: parse + join on the ID (floor)"),
                         ("ours", "ours: read_feed + monitor"), ("records_join", "profile: records ⋈ persons"),
                         ("population_only", "profile: monitor without records")):
            if k in e:
                x = e[k]
                wall = f"not finished, killed after {x['killed_after_s']}" if x.get("timed_out") else x["seconds"]
                if k == "population_only":
                    label += f" ({x['population']:,} people)"
                print(f"| {label} | {wall} | {x.get('cpu', '–')} | {x.get('peak_rss_mib', 0):,} | "
                      f"{x['load_at_start']} |")
        if "ours" in e:
            o = e["ours"]
            print(f"ours: read_feed {o['read_feed_s']} s, monitor {o.get('monitor_s', '–')} s "
                  f"(steps {o.get('monitor_steps', {})}; book {o['book_s']} s, not counted)")
            if "exact_matching_s" in o:
                print(f"**exact matching (read_feed + the run's set-up + records ⋈ persons): "
                      f"{o['exact_matching_s']} s** (target ≤ 30 s)")
            times = [x["exact_matching_s"] for x in e.get("ours_runs", []) if "exact_matching_s" in x]
            if len(times) > 1:
                middle = "median" if len(times) % 2 else "median (the lower of the two middle runs)"
                print(f"exact matching in {len(times)} runs: {', '.join(map(str, times))} s; {middle} "
                      f"{o['exact_matching_s']} s")
    if r.get("linkage"):
        print("\n| population | ID-less records | seconds | records/hour | precision | recall | peak RSS (MiB) |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for x in r["linkage"]:
            print(f"| {x['population']:,} | {x['records']:,} | {x['seconds']} | {x['records_per_hour']:,} | "
                  f"{pct(x['precision'])} | {pct(x['recall'])} | {x['peak_rss_mib']:,} |")


if __name__ == "__main__":
    main()
