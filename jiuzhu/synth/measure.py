"""Measured figures of a generated population, to compare with ../shared/domain/STATISTICS.md.

Used by the tests (tolerances) and to write the table in docs/synthetic-data.md:

    python -m jiuzhu.synth.measure DIR      # a directory written by `jiuzhu synth population --out`
"""
from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from jiuzhu.synth import schema
from jiuzhu.synth.generator import county_standards
from jiuzhu.synth.geography import County


def read_dataset(out_dir: Path, name: str) -> pa.Table:
    parts = sorted((Path(out_dir) / name).glob("part-*.parquet"))
    return pa.concat_tables([pq.read_table(p) for p in parts])


def _fen(col: pa.ChunkedArray) -> np.ndarray:
    """Decimal yuan as int64 fen (exact)."""
    return pc.multiply(col.cast(pa.decimal128(18, 2)), pa.scalar(Decimal(100), pa.decimal128(5, 0))) \
        .cast(pa.int64()).to_numpy()


# Income kinds excluded from income by default (RULES.md §1); the policy module holds the real list.
EXCLUDED_INCOME = {"pension_base", "special_care", "family_planning", "scholarship", "government_assistance",
                   "disability_allowance", "orphan_allowance", "elderly_allowance"}


def measure(households: pa.Table, persons: pa.Table, supporters: pa.Table, *, as_of: date) -> dict:
    """The figures docs/synthetic-data.md reports, from the three tables."""
    n_p, n_h = persons.num_rows, households.num_rows
    birth = persons["birth_date"].cast(pa.int32()).to_numpy()
    age = (np.int64((as_of - date(1970, 1, 1)).days) - birth) / 365.2425
    sex_male = pc.equal(persons["sex"], "male").to_numpy(zero_copy_only=False)
    dis = persons["disability_type"].to_numpy(zero_copy_only=False)
    grade = persons["disability_grade"].fill_null(0).to_numpy()
    disabled = dis != ""
    tiers = households["registered_tier"].to_numpy(zero_copy_only=False)
    hh_size = np.bincount(np.searchsorted(households["household_id"].to_numpy(),
                                          persons["household_id"].to_numpy()), minlength=n_h)
    person_tier = np.repeat(tiers, hh_size)
    result = {
        "households": n_h,
        "persons": n_p,
        "supporters": supporters.num_rows,
        "mean_household_size": n_p / n_h,
        "single_person_households": float(np.mean(hh_size == 1)),
        "share_0_14": float(np.mean(age < 15)),
        "share_15_59": float(np.mean((age >= 15) & (age < 60))),
        "share_60_plus": float(np.mean(age >= 60)),
        "share_65_plus": float(np.mean(age >= 65)),
        "share_80_plus": float(np.mean(age >= 80)),
        "rural_share_persons": float(np.mean(persons["hukou"].to_numpy(zero_copy_only=False) == "rural")),
        "rural_share_households": float(np.mean(households["hukou"].to_numpy(zero_copy_only=False) == "rural")),
        "males_per_100_females": float(100 * sex_male.sum() / max(1, (~sex_male).sum())),
        "disability_share": float(np.mean(disabled)),
        "severe_disability_share_of_disabled": float(np.mean((grade[disabled] >= 1) & (grade[disabled] <= 2))),
        "disability_types": {t: float(np.mean(dis[disabled] == t)) for t in
                             ["physical", "hearing", "visual", "multiple", "mental", "intellectual", "speech"]},
        "serious_illness_share": float(np.mean(persons["serious_illness"].to_numpy(zero_copy_only=False))),
        "tier_shares_persons": {t or "none": float(np.mean(person_tier == t)) for t in sorted(set(tiers))},
        "tier_shares_households": {t or "none": float(np.mean(tiers == t)) for t in sorted(set(tiers))},
        "orphans": int(np.sum(persons["child_status"].to_numpy(zero_copy_only=False) == "orphan")),
        "unsupported_children": int(np.sum(persons["child_status"].to_numpy(zero_copy_only=False)
                                           == "unsupported_child")),
        "students": float(np.mean(persons["student_stage"].to_numpy(zero_copy_only=False) != "")),
        "self_care_failed_any_80_plus": float(np.mean(persons["self_care_failed"].to_numpy()[age >= 80] > 0)),
        "not_counted": float(np.mean(persons["not_counted_reason"].to_numpy(zero_copy_only=False) != "")),
        "deceased_on_record": int(persons["death_date"].is_valid().to_numpy(zero_copy_only=False).sum()),
    }
    result.update(_income_checks(households, persons, hh_size))
    return result


def _income_checks(households: pa.Table, persons: pa.Table, hh_size: np.ndarray) -> dict:
    """Per-capita counted income against the reference standard the generator used, by registered tier:
    how many records agree with the facts (the rules engine will decide with the real parameters)."""
    counted = (persons["not_counted_reason"].to_numpy(zero_copy_only=False) == "") \
        & ~persons["death_date"].is_valid().to_numpy(zero_copy_only=False)
    income = np.zeros(persons.num_rows, dtype=np.int64)
    for kind in schema.INCOME_KINDS:
        if kind not in EXCLUDED_INCOME:
            income += _fen(persons[f"income_{kind}"])
    h_index = np.searchsorted(households["household_id"].to_numpy(), persons["household_id"].to_numpy())
    n_h = households.num_rows
    h_income = np.bincount(h_index, weights=income * counted, minlength=n_h)
    h_counted = np.bincount(h_index, weights=counted, minlength=n_h)
    codes = households["region_code"].to_numpy(zero_copy_only=False)
    rural = households["hukou"].to_numpy(zero_copy_only=False) == "rural"
    standards = {c: county_standards(County(c + "000000", "")) for c in {c[:6] for c in codes}}
    std = np.array([standards[c[:6]][1 if r else 0] for c, r in zip(codes, rural)], dtype=np.float64) * 100
    per_capita = np.where(h_counted > 0, h_income / np.maximum(h_counted, 1), 0)
    ratio = per_capita / std
    tiers = households["registered_tier"].to_numpy(zero_copy_only=False)
    assets = _fen(households["deposits"]) + _fen(households["financial_assets"])
    over_assets = assets > 24 * std * np.maximum(h_counted, 1)
    out = {}
    for tier, ok in (("dibao", ratio < 1), ("extreme_poverty", ratio < 1),
                     ("dibao_marginal", (ratio >= 1) & (ratio < 1.5))):
        mask = tiers == tier
        if mask.any():
            out[f"{tier}_income_agrees"] = float(np.mean(ok[mask]))
            out[f"{tier}_assets_over_24x"] = float(np.mean(over_assets[mask]))
    # Records whose tier disagrees with the income or the asset test of the reference standard.
    income_ok = np.select([np.isin(tiers, ["dibao", "extreme_poverty"]),
                           np.isin(tiers, ["dibao_marginal", "dibao_individual"])],
                          [ratio < 1, (ratio >= 1) & (ratio < 1.5)], True)
    tested = np.isin(tiers, ["dibao", "extreme_poverty", "dibao_marginal", "dibao_individual"])
    out["records_disagreeing_share"] = float(np.mean(tested & (~income_ok | over_assets)))
    dibao = tiers == "dibao"
    out["dibao_ratio_0.8_to_1.2"] = float(np.mean((ratio[dibao] >= 0.8) & (ratio[dibao] < 1.2))) if dibao.any() else 0
    return out


def main(argv: list[str]) -> None:
    out_dir = Path(argv[0])
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    result = measure(read_dataset(out_dir, "households"), read_dataset(out_dir, "persons"),
                     read_dataset(out_dir, "supporters"), as_of=date.fromisoformat(manifest["as_of"]))
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
