"""Probabilistic record linkage (ADR 0005): the model's one-off training, and its quality and throughput.

    .venv/bin/python bench/linkage.py --train      # estimate m and u, write jiuzhu/monitoring/data/linkage_model.json
    .venv/bin/python bench/linkage.py              # measure: precision, recall, records/hour, peak memory

Both derive ID-less feed records from real persons of a synthetic population (default var/bench/pop-1000000)
with the noise departments' files have (below), plus records of people who are *not* in the population (drawn
from another synthetic population, seed 4242), so that a wrong link can be counted. Training uses one sample
(seed 1), measuring another (seed 2).

Noise, per record (independently): name 21.5 % with a typo — one character dropped (names of three or more
characters) or replaced by another common surname (first character) or given-name character —, 3 % with two,
0.5 % another name altogether; birth date 4 % one part (year, month or day) wrong, 1 % the lunar birthday (three
to seven weeks earlier), 3 % missing; sex 5 % missing, 1 % wrong; region 55 % the household's village, 20 % only
its township, 12 % only its county (6 digits), 5 % missing, 8 % another village of the same county (moved), 1 %
another county of the same prefecture, 2 % anywhere (lives or works elsewhere). These rarer errors are planted
so that no level of the model gets an m probability of zero, which would make one disagreement veto a link
whatever else agrees.

Training: u by Splink's random sampling of record-person pairs (5e7 pairs, seed 1); m from the known truth
(Splink's estimate_m_from_label_column); the prior is not stored (link_records sets 1 / persons per run).
Results of the measurement also go to var/bench/linkage-<engine>.json.
"""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jiuzhu.monitoring.linkage import MODEL_PATH, LinkThresholds, link_records  # noqa: E402
from jiuzhu.synth.names import (GIVEN_FEMALE_OLDER, GIVEN_FEMALE_YOUNGER, GIVEN_MALE_OLDER,  # noqa: E402
                                GIVEN_MALE_YOUNGER, SURNAME_WEIGHTS, SURNAMES)
from jiuzhu.synth.parquet import peak_rss  # noqa: E402

POPULATION = ROOT / "var" / "bench" / "pop-1000000"
GIVEN = sorted(set(GIVEN_MALE_OLDER + GIVEN_MALE_YOUNGER + GIVEN_FEMALE_OLDER + GIVEN_FEMALE_YOUNGER))
SURNAME_P = np.array(SURNAME_WEIGHTS) / np.sum(SURNAME_WEIGHTS)


def persons_with_regions(population: Path) -> pa.Table:
    return duckdb.sql(f"""
        SELECT p.person_id, p.name, p.birth_date, p.sex, h.region_code
        FROM read_parquet('{population}/persons/*.parquet') p
        JOIN read_parquet('{population}/households/*.parquet') h USING (household_id)
        ORDER BY p.person_id
    """).to_arrow_table()


def _typo(name: str, rng: np.random.Generator) -> str:
    if len(name) >= 3 and rng.random() < 0.5:
        drop = int(rng.integers(1, len(name)))          # a given-name character
        return name[:drop] + name[drop + 1:]
    pos = int(rng.integers(0, len(name)))
    while True:
        new = (SURNAMES[rng.choice(len(SURNAMES), p=SURNAME_P)] if pos == 0
               else GIVEN[int(rng.integers(0, len(GIVEN)))])
        if new != name[pos] and len(new) == 1:
            return name[:pos] + new + name[pos + 1:]


def _wrong_part(d, rng: np.random.Generator):
    import datetime as dt

    part = int(rng.integers(0, 3))
    for _ in range(50):
        try:
            if part == 0:
                new = d.replace(year=d.year + int(rng.choice([-2, -1, 1, 2])))
            elif part == 1:
                new = d.replace(month=int(rng.integers(1, 13)))
            else:
                new = d.replace(day=int(rng.integers(1, 29)))
        except ValueError:
            continue
        if new != d and new <= dt.date(2026, 1, 1):
            return new
    return d


def _lunar(d, rng: np.random.Generator):
    """The birthday of the lunar calendar written as a solar date: some three to seven weeks earlier."""
    import datetime as dt

    return d - dt.timedelta(days=int(rng.integers(21, 50)))


def noisy_records(persons: pa.Table, *, n: int, seed: int, first_id: int, truth: bool) -> pa.Table:
    """`n` ID-less feed records of randomly chosen persons, with noise; `true_person_id` is the truth (null
    when `truth` is false: the persons are not in the population linked against)."""
    rng = np.random.default_rng(seed)
    rows = persons.take(pa.array(np.sort(rng.choice(persons.num_rows, n, replace=False)))).to_pylist()
    by_county: dict[str, list[str]] = {}
    by_prefecture: dict[str, list[str]] = {}
    for r in rows:
        by_county.setdefault(r["region_code"][:6], []).append(r["region_code"])
        by_prefecture.setdefault(r["region_code"][:4], []).append(r["region_code"])
    others = rows[::-1]
    out = []
    for i, r in enumerate(rows):
        name, birth, sex, region = r["name"], r["birth_date"], r["sex"], r["region_code"]
        u = rng.random()
        if u < 0.005:
            name = others[int(rng.integers(0, len(others)))]["name"]          # another name altogether
        elif u < 0.035:
            name = _typo(_typo(name, rng), rng)
        elif u < 0.25:
            name = _typo(name, rng)
        u = rng.random()
        if u < 0.04:
            birth = _wrong_part(birth, rng)
        elif u < 0.05:
            birth = _lunar(birth, rng)
        elif u < 0.08:
            birth = None
        u = rng.random()
        if u < 0.05:
            sex = None
        elif u < 0.06:
            sex = "female" if sex == "male" else "male"
        u = rng.random()
        if u < 0.20:
            region = region[:9] + "000"
        elif u < 0.32:
            region = region[:6]
        elif u < 0.37:
            region = None
        elif u < 0.45:
            region = by_county[region[:6]][int(rng.integers(0, len(by_county[region[:6]])))]
        elif u < 0.46:
            near = [c for c in by_prefecture[region[:4]] if c[:6] != region[:6]]
            region = near[int(rng.integers(0, len(near)))] if near else region
        elif u < 0.48:
            region = others[int(rng.integers(0, len(others)))]["region_code"]   # lives or works elsewhere
        out.append({"record_id": first_id + i, "name": name, "birth_date": birth, "sex": sex,
                    "region_code": region, "id_number": None,
                    "true_person_id": r["person_id"] if truth else None})
    return pa.Table.from_pylist(out, schema=pa.schema([
        ("record_id", pa.int64()), ("name", pa.string()), ("birth_date", pa.date32()), ("sex", pa.string()),
        ("region_code", pa.string()), ("id_number", pa.string()), ("true_person_id", pa.int64())]))


def sample(persons: pa.Table, *, inside: int, outside: int, seed: int) -> pa.Table:
    """Records of `inside` persons of the population and of `outside` people who are not in it."""
    from jiuzhu.synth.parquet import population_write_parquet

    with tempfile.TemporaryDirectory() as tmp:
        population_write_parquet(out_dir=Path(tmp) / "others", people=max(outside * 3, 1000), seed=4242 + seed)
        others = persons_with_regions(Path(tmp) / "others")
    return pa.concat_tables([
        noisy_records(persons, n=inside, seed=seed, first_id=1, truth=True),
        noisy_records(others, n=outside, seed=seed, first_id=inside + 1, truth=False),
    ])


# The model: what is compared, at which levels, and how pairs are blocked. Plain SQL that DuckDB and Spark
# SQL both read (levenshtein counts characters in both).
def model_spec() -> dict:
    def null(cols):
        return {"sql_condition": " OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in cols),
                "label_for_charts": "missing", "is_null_level": True}

    def level(sql, label):
        return {"sql_condition": sql, "label_for_charts": label}

    def same_part(a, b):
        return " AND ".join(f"substr(birth_date_l, {s}, {n}) = substr(birth_date_r, {s}, {n})"
                            for s, n in (a, b))

    year, month, day = (1, 4), (6, 2), (9, 2)
    return {
        "link_type": "link_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": 1e-6,
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": "l.birth_date = r.birth_date AND l.sex = r.sex"},
            {"blocking_rule": "l.birth_date = r.birth_date AND l.county = r.county"},
            {"blocking_rule": "l.county = r.county AND l.name = r.name"},
            # Without a region (or with one far from home) and with the sex missing or wrong:
            {"blocking_rule": "l.name = r.name AND substr(l.birth_date, 1, 4) = substr(r.birth_date, 1, 4)"},
        ],
        "comparisons": [
            {"output_column_name": "name", "comparison_description": "name", "comparison_levels": [
                null(["name"]),
                level("name_l = name_r", "same name"),
                level("levenshtein(name_l, name_r) = 1 AND length(name_l) = length(name_r) AND length(name_l) >= 3",
                      "one of three or more characters different"),
                level("levenshtein(name_l, name_r) = 1 AND length(name_l) <> length(name_r)",
                      "one character added or dropped"),
                level("levenshtein(name_l, name_r) = 1", "one of two characters different"),
                level("levenshtein(name_l, name_r) <= 2 AND substr(name_l, 1, 1) = substr(name_r, 1, 1)",
                      "same surname, two characters different"),
                level("ELSE", "different name"),
            ]},
            {"output_column_name": "birth_date", "comparison_description": "birth date", "comparison_levels": [
                null(["birth_date"]),
                level("birth_date_l = birth_date_r", "same birth date"),
                level(f"({same_part(year, month)}) OR ({same_part(year, day)}) OR ({same_part(month, day)})",
                      "one of year, month, day different"),
                level("ELSE", "different birth date"),
            ]},
            {"output_column_name": "sex", "comparison_description": "sex", "comparison_levels": [
                null(["sex"]),
                level("sex_l = sex_r", "same sex"),
                level("ELSE", "different sex"),
            ]},
            {"output_column_name": "region", "comparison_description": "region", "comparison_levels": [
                null(["county"]),
                level("village_l = village_r", "same village or community"),
                level("township_l = township_r", "same township"),
                level("county_l = county_r", "same county"),
                level("substr(county_l, 1, 4) = substr(county_r, 1, 4)", "same prefecture"),
                level("ELSE", "elsewhere"),
            ]},
        ],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
    }


def train(population: Path, *, inside: int, outside: int) -> None:
    from splink import DuckDBAPI, Linker

    from jiuzhu.monitoring.linkage import _PREPARE, _record_columns

    persons = persons_with_regions(population)
    records = sample(persons, inside=inside, outside=outside, seed=1)
    con = duckdb.connect()
    con.register("records_raw", _record_columns(records))
    con.register("truth", records.select(["record_id", "true_person_id"]))
    con.register("persons_raw", persons)
    con.sql(f"""CREATE TABLE records_in AS SELECT r.*, t.true_person_id AS truth
                    FROM ({_PREPARE.format(id='record_id', source='records_raw')}) r
                    JOIN truth t ON t.record_id = r.unique_id""")
    con.sql(f"""CREATE TABLE persons_in AS SELECT *, unique_id AS truth
                    FROM ({_PREPARE.format(id='person_id', source='persons_raw')})""")
    db_api = DuckDBAPI(connection=con)
    linker = Linker([db_api.register("records_in", dataset_display_name="a_records"),
                     db_api.register("persons_in", dataset_display_name="b_persons")], model_spec())
    linker.training.estimate_u_using_random_sampling(max_pairs=5e7, seed=1)
    linker.training.estimate_m_from_label_column("truth")
    model = linker.misc.save_model_to_json()
    model.pop("linker_uid", None)
    model.pop("sql_dialect", None)
    MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
    MODEL_PATH.write_text(json.dumps(model, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {MODEL_PATH.relative_to(ROOT)}")
    for c in model["comparisons"]:
        for lv in c["comparison_levels"]:
            if not lv.get("is_null_level"):
                print(f"  {c['output_column_name']:<10} {lv['label_for_charts']:<45} "
                      f"m={lv.get('m_probability', 0):.5f} u={lv.get('u_probability', 0):.7f}")


def measure(population: Path, *, inside: int, outside: int, engine: str, thresholds: LinkThresholds,
            seed: int) -> dict:
    persons_dir = population
    records = sample(persons_with_regions(population), inside=inside, outside=outside, seed=seed)
    truth = dict(zip(records["record_id"].to_pylist(), records["true_person_id"].to_pylist()))
    started = time.perf_counter()
    links = link_records(records=records, persons=str(persons_dir), engine=engine, thresholds=thresholds)
    seconds = time.perf_counter() - started
    result = {"engine": engine, "population": str(population.relative_to(ROOT)), "seed": seed,
              "records": records.num_rows,
              "inside": inside, "outside": outside, "seconds": round(seconds, 1),
              "records_per_hour": round(records.num_rows / seconds * 3600),
              "peak_rss_gib": round(peak_rss() / 2**30, 2),
              "thresholds": {"match": thresholds.match, "review": thresholds.review}}
    rows = links.to_pylist()
    for decisions, label in (({"match"}, "match"), ({"match", "review"}, "match_or_review")):
        chosen = [r for r in rows if r["decision"] in decisions]
        correct = sum(1 for r in chosen if truth[r["record_id"]] == r["person_id"])
        result[label] = {"links": len(chosen), "correct": correct,
                         "precision": round(correct / len(chosen), 4) if chosen else None,
                         "recall": round(correct / inside, 4)}
    result["review"] = sum(1 for r in rows if r["decision"] == "review")
    # The quality at other thresholds, from the same run (links below 0.60 are not returned).
    sweep = []
    for t in (0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999):
        chosen = [r for r in rows if r["match_probability"] >= t]
        correct = sum(1 for r in chosen if truth[r["record_id"]] == r["person_id"])
        sweep.append({"threshold": t, "links": len(chosen),
                      "precision": round(correct / len(chosen), 4) if chosen else None,
                      "recall": round(correct / inside, 4)})
    result["sweep_best_candidate"] = sweep
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--population", type=Path, default=POPULATION)
    parser.add_argument("--train", action="store_true", help="estimate the model and write its settings file")
    parser.add_argument("--inside", type=int, default=16000, help="records of persons in the population")
    parser.add_argument("--outside", type=int, default=4000, help="records of people not in it")
    parser.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"])
    parser.add_argument("--seed", type=int, default=2, help="of the measured sample (training uses 1)")
    parser.add_argument("--match", type=float, default=LinkThresholds().match)
    parser.add_argument("--review", type=float, default=LinkThresholds().review)
    args = parser.parse_args()
    population = args.population.resolve()
    if args.train:
        train(population, inside=args.inside, outside=args.outside)
        return
    if args.engine == "spark":   # the shared Spark session lives in jiuzhu.engine, which needs Django's settings
        import os

        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings.test")
        django.setup()
    result = measure(population, inside=args.inside, outside=args.outside, engine=args.engine,
                     thresholds=LinkThresholds(match=args.match, review=args.review), seed=args.seed)
    print(json.dumps(result, indent=2))
    out = ROOT / "var" / "bench" / f"linkage-{args.engine}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
