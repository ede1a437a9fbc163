#!/usr/bin/env python3
"""Benchmark of feed intake (`jiuzhu.monitoring.intake.read_feed`) on a generated medical-settlement CSV.

    .venv/bin/python bench/feed_intake.py                   # 1M rows, UTF-8
    .venv/bin/python bench/feed_intake.py --rows 10000000   # the issue's 10M-row file
    .venv/bin/python bench/feed_intake.py --gbk             # the same file in GBK (transcoded on intake)

The file (var/bench/feeds/medical-<N>.csv, kept between runs) has a department's Chinese headers and realistic
noise: 1% 15-digit ID numbers, 1% full-width or spaced ones, 0.5% wrong check characters (half of them with a
birth date), 0.3% bad amounts, 0.2% impossible dates, 0.1% exact duplicate rows. Beside the intake, DuckDB
just parsing the same file (all VARCHAR, count) is timed: the floor. Prints a Markdown table row, with the process's CPU time
and the load average (the machine is shared: wall time alone says little when others are busy).
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings.base")

HEADER = "身份证号,姓名,出生日期,性别,行政区划,结算日期,个人自付,总费用,医院,就诊类型"
MAPPING = {"身份证号": "id_number", "姓名": "name", "出生日期": "birth_date", "性别": "sex", "行政区划": "region_code",
           "结算日期": "discharge_date", "个人自付": "out_of_pocket", "总费用": "total_cost", "医院": "hospital",
           "就诊类型": "stay_type"}


def generate(path: Path, rows: int, *, gbk: bool) -> None:
    import duckdb

    from jiuzhu.monitoring.idnorm import id_number_layers

    con = duckdb.connect()
    # 17 digits: a Beijing/Hebei/Guangdong county, a birth date 1930-2010, a sequence; then the check character.
    sql = ("SELECT i, (['110105', '130102', '440305'])[1 + i % 3] || strftime(DATE '1930-01-01' + "
           "CAST(hash(i) % 29000 AS INTEGER), '%Y%m%d') || lpad(CAST(hash(i * 7) % 1000 AS VARCHAR), 3, '0') "
           "AS raw17 FROM range(1, " + str(rows + 1) + ") t(i)")
    sql = f"SELECT *, raw17 || 'X' AS v_id_number FROM ({sql})"
    for layer in id_number_layers("v_id_number", today=date(2025, 7, 1))[:4]:
        sql = f"SELECT *, {', '.join(f'{e} AS {n}' for n, e in layer.items())} FROM ({sql})"
    idn = "id_first17 || id_check"
    ident = (f"CASE WHEN i % 100 = 1 THEN substr({idn}, 1, 6) || substr({idn}, 9, 9) "           # 15 digits
             f"WHEN i % 100 = 2 THEN translate({idn}, '0123456789', '０１２３４５６７８９') "         # full width
             f"WHEN i % 100 = 3 THEN substr({idn}, 1, 6) || ' ' || substr({idn}, 7) "           # a space
             f"WHEN i % 200 = 4 THEN id_first17 || CASE id_check WHEN '0' THEN '1' ELSE '0' END "  # bad check
             f"ELSE {idn} END")
    body = (
        f"SELECT {ident} AS id, (['张', '王', '李', '赵', '陈'])[1 + i % 5] || (['伟', '芳', '娜', '敏', '静', '强'])"
        f"[1 + (i // 5) % 6] AS name, "
        f"CASE WHEN i % 400 = 4 THEN strftime(DATE '1930-01-01' + CAST(hash(i) % 29000 AS INTEGER), '%Y-%m-%d') "
        f"ELSE '' END AS birth, CASE WHEN i % 2 = 0 THEN '男' ELSE '女' END AS sex, "
        f"substr({idn}, 1, 6) || '001001' AS region, "
        f"CASE WHEN i % 500 = 5 THEN '2025-02-30' ELSE strftime(DATE '2025-01-01' + CAST(i % 180 AS INTEGER), "
        f"'%Y-%m-%d') END AS discharge, "
        f"CASE WHEN i % 333 = 6 THEN '-12.00' ELSE printf('%.2f', (hash(i * 3) % 3000000) / 100.0) END AS oop, "
        f"printf('%.2f', (hash(i * 5) % 9000000) / 100.0) AS total, '第一人民医院' AS hospital, "
        f"CASE WHEN i % 3 = 0 THEN '门诊' ELSE '住院' END AS stay FROM ({sql})")
    body = f"SELECT * FROM ({body}) UNION ALL (SELECT * FROM ({body}) LIMIT {rows // 1000})"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    con.execute(f"COPY ({body}) TO '{tmp}' (FORMAT csv, HEADER false)")
    encoding = "gbk" if gbk else "utf-8"
    with open(path, "w", encoding=encoding, newline="") as out, open(tmp, encoding="utf-8", newline="") as src:
        out.write(HEADER + "\n")
        while chunk := src.read(1 << 22):
            out.write(chunk)
    tmp.unlink()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--gbk", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import django

    django.setup()
    import duckdb

    from jiuzhu.monitoring.intake import read_feed

    path = ROOT / "var" / "bench" / "feeds" / f"medical-{args.rows}{'-gbk' if args.gbk else ''}.csv"
    if not path.exists():
        started = time.perf_counter()
        generate(path, args.rows, gbk=args.gbk)
        print(f"generated {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    started = time.perf_counter()
    if not args.gbk:
        con.execute(f"SELECT count(*) FROM read_csv('{path}', all_varchar = true, header = true)").fetchone()
    parse = time.perf_counter() - started
    con.close()

    out = path.with_suffix(".records.parquet")
    cpu = time.process_time()
    started = time.perf_counter()
    read = read_feed(path=path, feed_type="medical_settlement", mapping=MAPPING, batch_id=1, records_path=out,
                     threads=args.threads)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    load = os.getloadavg()[0]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert read.file_error is None, read.file_error
    size = path.stat().st_size / 1e6
    print("| rows | file | encoding | DuckDB parse only | read_feed | CPU time | rows/s | accepted | rejected "
          "| duplicates | issues | peak RSS | load average |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {read.rows_total:,} | {size:,.0f} MB | {read.encoding} | "
          f"{f'{parse:.1f} s' if not args.gbk else '–'} | {seconds:.1f} s | {cpu:.1f} s | {read.rows_total / seconds:,.0f} | "
          f"{read.rows_accepted:,} | {read.rows_rejected:,} | {read.rows_duplicate:,} | {read.issues.num_rows:,} "
          f"| {peak:,.0f} MB | {load:.1f} |")


if __name__ == "__main__":
    main()
