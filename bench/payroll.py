"""Benchmark: the monthly payroll of a province with about a million paid entitlements, on PostgreSQL (issue 6).

    .venv/bin/python bench/payroll.py                    # build the registry once (cached), then measure
    .venv/bin/python bench/payroll.py --people 300000    # a smaller registry (a new database is built)

What it does:
1. Builds, once, a province-sized registry in its own PostgreSQL database (`bench_payroll` on 127.0.0.1:5432,
   or --database-url): `jiuzhu migrate`, `jiuzhu regions load`, then the synthetic generator's Arrow tables for
   --people persons of the province (default Shandong, 3,100,000 people: about 1M paid tier memberships), turned
   into households, persons and tier memberships by DuckDB SQL with the same rules as `jiuzhu synth population
   --load` (jiuzhu/synth/services.py: heads, payees, tier start dates and amounts) and bulk-loaded with COPY.
   Income items, assets, supporters and history rows are not loaded: the payroll does not read them. The
   database is reused while its recorded size and seed match.
2. Times, each in a fresh child process (its own peak RSS):
   - baseline: the plain ORM loop the payroll had before issue 6's benchmark (a copy below: models built in
     Python, `bulk_create(ignore_conflicts=True)` per chunk of 2,000 households) on one prefecture of about
     100k paid entitlements, and `payroll_generate` on the same prefecture — both must give the same lines;
   - `payroll_generate` for the whole province (fresh: that month's payroll is deleted first);
   - the floor: one `INSERT … SELECT` of the same tier lines for the whole province, no chunks.
3. Prints the figures and writes them to var/bench/payroll.json.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
JIUZHU = str(ROOT / ".venv" / "bin" / "jiuzhu")
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_payroll"
MONTH = date(2026, 11, 1)
AS_OF = date(2026, 1, 1)            # the generator's snapshot date (tier start dates are before it)
SEED = 42
# Bank names by the account's third digit (the generator makes UnionPay-style numbers without a bank).
BANKS = ["中国农业银行", "中国邮政储蓄银行", "中国工商银行", "中国建设银行", "中国银行", "农村信用合作社",
         "中国农业银行", "中国邮政储蓄银行", "农村商业银行", "中国工商银行"]


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings.base")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM; getrusage would count the parent's peak from before exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load_average() -> float:
    return os.getloadavg()[0]


# --- The registry ----------------------------------------------------------------------------------------------

def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}", flush=True)
    env = dict(os.environ, DATABASE_URL=url)
    for cmd in ([JIUZHU, "migrate", "-v", "0"], [JIUZHU, "regions", "load"]):
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode:
            sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-3000:]}")


def registry_info() -> dict | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_payroll_info (key text PRIMARY KEY, value text)")
        cursor.execute("SELECT value FROM bench_payroll_info WHERE key = 'registry'")
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


MEMBERSHIPS_SQL = """
-- The household's registered tier as tier memberships, as jiuzhu.synth.services._memberships makes them.
WITH hh AS (
    SELECT h.household_id, h.registered_tier AS tier,
           {month_index} - (1 + CAST(substr(hp.id_number, 15, 3) AS INTEGER) % 96) AS mi
    FROM h JOIN p hp ON hp.person_id = h.head_person_id
    WHERE h.registered_tier <> ''
), start AS (
    SELECT household_id, tier, make_date(CAST(mi // 12 AS BIGINT), CAST(mi % 12 + 1 AS BIGINT), 1) AS start_date
    FROM hh
), covered AS (     -- the member who receives individual dibao: the first with government assistance
    SELECT household_id, min(person_id) AS person_id,
           arg_min(income_government_assistance, person_id) AS amount
    FROM p WHERE income_government_assistance > 0 GROUP BY household_id
), paid AS (
    SELECT household_id, sum(income_government_assistance) AS amount FROM p GROUP BY household_id
)
SELECT s.household_id + 1 AS household_id, p.person_id + 1 AS person_id, s.tier, s.start_date,
       CASE WHEN p.income_government_assistance > 0 THEN p.income_government_assistance END AS monthly_amount
FROM start s JOIN p USING (household_id)
WHERE s.tier = 'extreme_poverty' AND p.not_counted_reason = '' AND p.death_date IS NULL
UNION ALL
SELECT s.household_id + 1, NULL, CASE WHEN s.tier = 'dibao_individual' THEN 'dibao_marginal' ELSE s.tier END,
       s.start_date, CASE WHEN s.tier = 'dibao' AND paid.amount > 0 THEN paid.amount END
FROM start s JOIN paid USING (household_id)
WHERE s.tier <> 'extreme_poverty'
UNION ALL
SELECT s.household_id + 1, c.person_id + 1, 'dibao_individual', s.start_date, c.amount
FROM start s JOIN covered c USING (household_id)
WHERE s.tier = 'dibao_individual'
ORDER BY 1, 2 NULLS FIRST
"""


def build_registry(*, province: str, people: int, seed: int) -> dict:
    """Generate the province's people and COPY households, persons and tier memberships into the database."""
    import duckdb
    import pyarrow as pa
    import pyarrow.csv as pacsv
    from django.db import connection, transaction

    from jiuzhu.core.models import Region
    from jiuzhu.synth import names
    from jiuzhu.synth.generator import chunk_counties, generate_chunk
    from jiuzhu.synth.geography import county_layout
    from jiuzhu.synth.parquet import plan_for_region
    from jiuzhu.synth.services import SELF_CARE_LOSS_ORDER, LoadResult, _ensure_regions

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registry_household")
        if cursor.fetchone()[0]:
            sys.exit("the benchmark database already holds households of another size: drop it "
                     "(dropdb -h 127.0.0.1 -U postgres bench_payroll) or give --database-url")
    planned = plan_for_region(region_code=province, households=None, people=people, seed=seed)
    print(f"building: {len(planned)} counties, {sum(p.households for p in planned):,} households, "
          f"{sum(p.persons for p in planned):,} people …", flush=True)
    for p in planned:
        _ensure_regions(Region.objects.get(code=p.county.code), county_layout(p.county),
                        LoadResult(p.county.code, p.county.name))
    now = "2026-01-01 00:00:00+08"
    month_index = AS_OF.year * 12 + AS_OF.month - 1
    illnesses = list(names.SERIOUS_ILLNESSES)
    counts = {"households": 0, "persons": 0, "memberships": 0}

    def copy(table: str, arrow: pa.Table) -> None:
        sink = pa.BufferOutputStream()
        pacsv.write_csv(arrow, sink, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
        columns = ", ".join(f'"{c}"' for c in arrow.column_names)
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as cp:
                cp.write(sink.getvalue().to_pybytes())

    db = duckdb.connect()
    for i, group in enumerate(chunk_counties(planned, chunk_persons=250_000)):
        tables = generate_chunk(group, seed=seed, as_of=AS_OF)
        h, p = tables.households, tables.persons  # noqa: F841  (read by DuckDB by name)
        households = db.sql(f"""
            SELECT household_id + 1 AS id, address, hukou,
                   CASE WHEN bank_account = '' THEN ''
                        ELSE list_extract($banks, CAST(substr(bank_account, 3, 1) AS INTEGER) + 1) END AS bank_name,
                   bank_account, status, TIMESTAMPTZ '{now}' AS created_at, TIMESTAMPTZ '{now}' AS updated_at,
                   region_code AS region_id, head_person_id + 1 AS head_id
            FROM h ORDER BY household_id""", params={"banks": BANKS}).to_arrow_table()
        persons = db.sql("""
            SELECT person_id + 1 AS id, id_number, name, sex, birth_date, relation, hukou, labour_capacity,
                   to_json(list_slice($care, 1, self_care_failed)) AS self_care_failed_activities,
                   disability_type, disability_grade, serious_illness,
                   CASE WHEN serious_illness THEN list_extract($ill, CAST(substr(id_number, 11, 7) AS BIGINT)
                        % len($ill) + 1) ELSE '' END AS serious_illness_name,
                   student_stage, employment, child_status, not_counted_reason, phone, death_date,
                   household_id + 1 AS household_id, 0 AS work_refusals
            FROM p ORDER BY person_id""", params={"care": SELF_CARE_LOSS_ORDER, "ill": illnesses}).to_arrow_table()
        memberships = db.sql(MEMBERSHIPS_SQL.format(month_index=month_index)).to_arrow_table()
        memberships = memberships.append_column("basis", pa.array([""] * memberships.num_rows))
        with transaction.atomic():
            copy("registry_household", households)
            copy("registry_person", persons)
            copy("registry_tiermembership", memberships)
        counts["households"] += households.num_rows
        counts["persons"] += persons.num_rows
        counts["memberships"] += memberships.num_rows
        print(f"  chunk {i + 1}: {counts['persons']:,} people loaded, {time.perf_counter() - started:.0f} s",
              flush=True)
    with connection.cursor() as cursor:
        for table in ("registry_household", "registry_person", "registry_tiermembership"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cursor.execute(f"ANALYZE {table}")
    info = {"province": province, "people": people, "seed": seed, **counts,
            "seconds": round(time.perf_counter() - started, 1)}
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_payroll_info VALUES ('registry', %s) ON CONFLICT (key) DO UPDATE "
                       "SET value = EXCLUDED.value", [json.dumps(info)])
    print(f"built in {info['seconds']} s", flush=True)
    return info


# --- The old ORM loop (the baseline), as the payroll had it before the set-based generation ------------------

def orm_payroll_generate(*, region, month: date, chunk: int = 2000):
    """payroll_generate as it was: households read in chunks, every line built as a model instance in Python
    and written with bulk_create(ignore_conflicts=True). Tier lines and adjustments only (the benchmark's
    registry has no temporary payments or subsidies)."""
    from django.db import transaction
    from django.db.models import Q

    from jiuzhu.payments.models import Adjustment, LineKind, Payroll, PayrollLine
    from jiuzhu.core.months import month_end
    from jiuzhu.registry.choices import HouseholdStatus
    from jiuzhu.registry.models import Household, TierMembership

    payroll, _ = Payroll.objects.get_or_create(region=region, month=month, number=1)
    first, last, tag = month, month_end(month), f"{month:%Y-%m}"

    def lines_for_chunk(households):
        ids = [h.pk for h in households]
        by_id = {h.pk: h for h in households}

        def line(**kw):
            household = by_id[kw.pop("household_id")]
            who = kw.get("person") or household.head
            name, id_number = (who.name, who.id_number) if who else ("", "")
            return PayrollLine(payroll=payroll, household=household, region_code=household.region_id,
                               payee_name=name, payee_id_number=id_number, bank_name=household.bank_name,
                               bank_account=household.bank_account, **kw)

        lines = []
        memberships = TierMembership.objects.filter(
            household_id__in=ids, start_date__lte=last, monthly_amount__gt=0).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=first)).select_related("person")
        for m in memberships:
            if m.person is not None and m.person.death_date is not None and m.person.death_date < first:
                continue
            lines.append(line(household_id=m.household_id, person=m.person, kind=LineKind.TIER, tier=m.tier,
                              source_key=f"tm:{m.pk}:{tag}", amount=m.monthly_amount, basis=m.basis))
        for adj in Adjustment.objects.filter(household_id__in=ids, month=month, amount__gt=0):
            lines.append(line(household_id=adj.household_id, kind=LineKind.ADJUSTMENT, source_key=f"adj:{adj.pk}",
                              amount=adj.amount, basis=adj.reason))
        return lines

    households = Household.objects.filter(region__code__startswith=region.prefix, status=HouseholdStatus.ACTIVE)
    upto = 0
    while True:
        batch = list(households.filter(pk__gt=upto).select_related("head").order_by("pk")[:chunk])
        if not batch:
            break
        with transaction.atomic():
            PayrollLine.objects.bulk_create(lines_for_chunk(batch), ignore_conflicts=True)
            Payroll.objects.filter(pk=payroll.pk).update(generated_upto=batch[-1].pk)
        upto = batch[-1].pk
    return payroll


# --- Measurements (each in its own process) ----------------------------------------------------------------------

LINE_FIELDS = ("source_key", "kind", "household_id", "person_id", "tier", "region_code", "payee_name",
               "payee_id_number", "bank_name", "bank_account", "amount", "basis")


def delete_payroll(region_code: str, month: date) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM payments_payrollline WHERE payroll_id IN (SELECT id FROM payments_payroll "
                       "WHERE region_id = %s AND month = %s)", [region_code, month])
        cursor.execute("DELETE FROM payments_payroll WHERE region_id = %s AND month = %s", [region_code, month])


def fingerprint(region_code: str, month: date) -> str:
    """A digest of every line's frozen columns, in source-key order (identical lines ⇔ identical digest)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT count(*), md5(string_agg(concat_ws('|', {', '.join('l.' + f for f in LINE_FIELDS)}), E'\\n'
                                            ORDER BY l.source_key))
            FROM payments_payrollline l JOIN payments_payroll r ON r.id = l.payroll_id
            WHERE r.region_id = %s AND r.month = %s""", [region_code, month])
        n, digest = cursor.fetchone()
    return f"{n}:{digest}"


def bench_user(region):
    from jiuzhu.accounts.models import User

    user, _ = User.objects.get_or_create(username="bench-payroll",
                                         defaults={"home_region": region, "roles": ["county_bureau"]})
    if user.home_region_id != region.code:
        user.home_region = region
        user.save()
    return user


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a PostgreSQL backend process of this machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child(args) -> None:
    """One measurement, in this process: prints a JSON line."""
    setup_django(args.database_url)
    from django.db import connection

    from jiuzhu.core.models import Region
    from jiuzhu.core.months import month_end
    from jiuzhu.payments.services import payroll_generate

    region = Region.objects.get(code=args.region)
    delete_payroll(region.code, MONTH)
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")            # the deletes' dirty pages are not written during the run
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    started, load = time.perf_counter(), load_average()
    cpu0, server0 = os.times(), server_cpu(backend)
    if args.child == "orm":
        orm_payroll_generate(region=region, month=MONTH)
    elif args.child == "sql":
        payroll_generate(actor=bench_user(Region.objects.get(code=args.province)), region=region, month=MONTH,
                         workers=args.workers, **({"chunk": args.chunk} if args.chunk else {}))
    elif args.child == "floor":
        from jiuzhu.payments.models import Payroll

        payroll = Payroll.objects.create(region=region, month=MONTH, number=1)
        with connection.cursor() as cursor:
            cursor.execute("""
                INSERT INTO payments_payrollline (payroll_id, source_key, kind, household_id, person_id, tier,
                    region_code, payee_name, payee_id_number, bank_name, bank_account, amount, status,
                    failure_reason, basis)
                SELECT %s, 'tm:' || m.id || %s, 'tier', h.id, m.person_id, m.tier, h.region_id,
                       COALESCE(p.name, hp.name, ''), COALESCE(p.id_number, hp.id_number, ''), h.bank_name,
                       h.bank_account, m.monthly_amount, 'pending', '', m.basis
                FROM registry_tiermembership m JOIN registry_household h ON h.id = m.household_id
                LEFT JOIN registry_person hp ON hp.id = h.head_id LEFT JOIN registry_person p ON p.id = m.person_id
                WHERE h.status = 'active' AND h.region_id LIKE %s AND m.start_date <= %s AND m.monthly_amount > 0
                  AND (m.end_date IS NULL OR m.end_date >= %s) AND (p.death_date IS NULL OR p.death_date >= %s)
                ON CONFLICT DO NOTHING""",
                           [payroll.pk, f":{MONTH:%Y-%m}", region.prefix + "%", month_end(MONTH), MONTH, MONTH])
    seconds = time.perf_counter() - started
    cpu1, server1 = os.times(), server_cpu(backend)
    result = {"run": args.child, "region": region.code, "seconds": round(seconds, 2),
              "cpu_seconds": round(cpu1.user + cpu1.system - cpu0.user - cpu0.system, 2),
              "server_cpu_seconds": round(server1 - server0, 2),
              "peak_rss_mib": round(peak_rss_mib(), 1), "load_average": round(load, 2)}
    result["fingerprint"] = fingerprint(region.code, MONTH)
    result["lines"] = int(result["fingerprint"].split(":")[0])
    if not args.keep:
        delete_payroll(region.code, MONTH)
    print(json.dumps(result), flush=True)


def measure(args, run: str, region: str, *, keep: bool = False) -> dict:
    cmd = [PYTHON, __file__, "--child", run, "--region", region, "--province", args.province,
           "--database-url", args.database_url]
    if args.chunk:
        cmd += ["--chunk", str(args.chunk)]
    if args.workers > 1:
        cmd += ["--workers", str(args.workers)]
    if keep:
        cmd.append("--keep")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["lines_per_second"] = round(result["lines"] / result["seconds"]) if result["seconds"] else None
    print(f"  {run:5} {region}: {result['lines']:>9,} lines in {result['seconds']:7.2f} s "
          f"({result['lines_per_second']:>9,} lines/s; CPU: client {result['cpu_seconds']:.1f} s, "
          f"server {result['server_cpu_seconds']:.1f} s; "
          f"peak RSS {result['peak_rss_mib']:.0f} MiB; load {result['load_average']})", flush=True)
    return result


def subset_region(target: int) -> tuple[str, int]:
    """The prefecture of the province whose paid tier memberships are closest to `target`."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT substr(h.region_id, 1, 4) || '00000000' AS code, count(*) AS n
            FROM registry_tiermembership m JOIN registry_household h ON h.id = m.household_id
            WHERE h.status = 'active' AND m.monthly_amount > 0 GROUP BY 1 ORDER BY abs(count(*) - %s) LIMIT 1""",
                       [target])
        return cursor.fetchone()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--province", default="370000000000")
    parser.add_argument("--people", type=int, default=3_100_000)
    parser.add_argument("--subset", type=int, default=100_000, help="paid entitlements in the baseline's subset")
    parser.add_argument("--chunk", type=int, default=0, help="households per chunk (default: the service's)")
    parser.add_argument("--workers", type=int, default=1, help="connections generating chunks at once (PostgreSQL)")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--child", choices=["orm", "sql", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--region", help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    ensure_database(args.database_url)
    setup_django(args.database_url)
    info = registry_info()
    wanted = {"province": args.province, "people": args.people, "seed": SEED}
    if not info or any(info.get(k) != v for k, v in wanted.items()):
        info = build_registry(province=args.province, people=args.people, seed=SEED)
    else:
        print(f"registry (cached): {info['households']:,} households, {info['persons']:,} people, "
              f"{info['memberships']:,} tier memberships", flush=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""SELECT count(*), count(DISTINCT coalesce(m.person_id, h.head_id))
                          FROM registry_tiermembership m JOIN registry_household h ON h.id = m.household_id
                          WHERE h.status = 'active' AND m.monthly_amount > 0""")
        paid, payees = cursor.fetchone()
    print(f"paid tier memberships of active households (recipients): {paid:,}; distinct payees {payees:,}",
          flush=True)
    connection.close()

    results = {"date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count(), "registry": info,
               "paid_memberships": paid, "runs": []}
    if not args.skip_baseline:
        code, n = subset_region(args.subset)
        print(f"baseline on prefecture {code} ({n:,} paid entitlements):", flush=True)
        orm = measure(args, "orm", code)
        sql = measure(args, "sql", code)
        same = orm["fingerprint"] == sql["fingerprint"]
        print(f"  same lines from both: {'yes' if same else 'NO'}; set-based is "
              f"{orm['seconds'] / sql['seconds']:.1f}× faster", flush=True)
        results["runs"] += [orm, sql]
        results["subset_same_lines"] = same
    print(f"province {args.province}:", flush=True)
    results["runs"].append(measure(args, "sql", args.province))
    results["runs"].append(measure(args, "floor", args.province))
    VAR.mkdir(parents=True, exist_ok=True)
    (VAR / "payroll.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"results in {VAR / 'payroll.json'}")


if __name__ == "__main__":
    main()
