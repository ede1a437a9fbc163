"""A straightforward pandas version of the main screening rules — a BASELINE for bench/screen.py only.

This is deliberately what a team would write without a rules engine: read the Parquet files into pandas,
merge, group and compute with vectorised column arithmetic (in float yuan, as such code usually is). It is
never used by the application; the product's rules live once, in jiuzhu/policy/rules/. It implements the
same decisions for the common cases (counted members, excluded income, asset tests, dibao with floor and
add-on, marginal, extreme poverty with supporters, individual dibao, rigid expense) so that the time is
comparable, and bench/screen.py reports how many household tiers it agrees on with the engine.
"""
import numpy as np
import pandas as pd

EXCLUDED = ["special_care", "family_planning", "scholarship", "government_assistance", "pension_base",
            "disability_allowance", "orphan_allowance", "elderly_allowance"]


def _age(birth: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    b = pd.to_datetime(birth)
    before = (b.dt.month * 100 + b.dt.day) > (as_of.month * 100 + as_of.day)
    return as_of.year - b.dt.year - before.astype(int)


def screen(households: pd.DataFrame, persons: pd.DataFrame, supporters: pd.DataFrame, params: pd.DataFrame,
           as_of) -> pd.DataFrame:
    as_of = pd.Timestamp(as_of)
    p_cols = params.set_index("param_key")
    h = households.copy()
    h["param_key"] = h["region_code"].str[:9]
    h = h.join(p_cols, on="param_key")
    urban = h["hukou"] == "urban"
    h["std"] = np.where(urban, h["p_dibao_standard_urban"], h["p_dibao_standard_rural"]) / 100.0
    h["disposable"] = np.where(urban, h["p_disposable_income_urban"], h["p_disposable_income_rural"]) / 100.0

    p = persons.copy()
    p["age"] = _age(p["birth_date"], as_of)
    p["counted"] = p["death_date"].isna() & (p["not_counted_reason"] == "")
    income_cols = [c for c in p.columns if c.startswith("income_")]
    counted_cols = [c for c in income_cols if c[len("income_"):] not in EXCLUDED]
    p["income_counted"] = p[counted_cols].astype(float).sum(axis=1).where(p["counted"], 0.0)
    grade = p["disability_grade"].fillna(9)
    p["severe"] = grade.between(1, 2) | ((grade == 3) & p["disability_type"].isin(["intellectual", "mental"]))
    p["no_labour"] = ((p["age"] >= 60) | (p["age"] < 16)
                      | p["student_stage"].isin(["primary", "junior_secondary", "senior_secondary", "secondary_vocational"])
                      | (p["disability_type"].isin(["intellectual", "mental"]) & (grade <= 3))
                      | ((p["disability_type"] == "physical") & (grade <= 2))
                      | ((p["disability_type"] == "visual") & (grade == 1)) | (p["labour_capacity"] == "none"))
    p["able_adult"] = p["counted"] & (p["age"] >= 18) & (p["age"] < 60) & (p["labour_capacity"] == "full") & ~p["no_labour"]

    s = supporters.merge(h[["household_id", "hukou", "std", "disposable"]], on="household_id")
    s_age = _age(s["birth_date"], as_of)
    low = (s["annual_income"].astype(float) < s["disposable"]) & (s["assets_value"].astype(float) <= 24 * s["std"])
    s_grade = s["disability_grade"].fillna(0)
    s_severe = s_grade.between(1, 2) | ((s_grade == 3) & s["disability_type"].isin(["intellectual", "mental"]))
    s["cannot"] = ((s["tier"] == "extreme_poverty") | ((s["tier"] == "dibao") & (s_age >= 60))
                   | ((s_age >= 70) & low) | (s_severe & low) | (s["incapacity"] != ""))
    able = (~s["cannot"]).groupby(s["supported_person_id"]).sum()
    p["supporters_able"] = p["person_id"].map(able).fillna(0)

    agg = p.groupby("household_id").agg(counted=("counted", "sum"), income=("income_counted", "sum"),
                                        able_adults=("able_adult", "sum"))
    h = h.join(agg, on="household_id")
    h["ipc"] = (h["income"] / h["counted"].where(h["counted"] > 0)).round(2)
    fin = h["deposits"].astype(float) + h["financial_assets"].astype(float)
    h["assets_ok"] = ((fin <= 24 * h["std"] * h["counted"]) & (h["dwelling_count"] <= 1)
                      & ((h["vehicle_count"] == 0) | (h["vehicle_value"].astype(float) <= 0))
                      & ((h["business_count"] == 0) | (h["business_annual_profit"].astype(float) <= 30000)))
    h["dibao_income_ok"] = (h["counted"] > 0) & (h["income"] < h["std"] * h["counted"])
    h["marginal_income_ok"] = (h["counted"] > 0) & (h["income"] < 1.5 * h["std"] * h["counted"])

    p = p.merge(h[["household_id", "std", "assets_ok", "able_adults"]], on="household_id")
    p["ep"] = (p["counted"] & p["no_labour"] & (p["income_counted"] < p["std"]) & p["assets_ok"]
               & (p["supporters_able"] == 0) & (p["able_adults"] - p["able_adult"].astype(int) == 0))
    p["ep_amount"] = np.where(p["ep"], (1.3 * p["std"]).round(2) + 210.0, 0.0)
    p["ind_key"] = p["counted"] & ~p["ep"] & (p["severe"] | p["serious_illness"])
    t = p.groupby("household_id").agg(ep_members=("ep", "sum"), ep_total=("ep_amount", "sum"),
                                      ind=("ind_key", "sum"))
    h = h.join(t, on="household_id")
    covered = (h["counted"] - h["ep_members"]).clip(lower=0)
    h["dibao"] = h["dibao_income_ok"] & h["assets_ok"] & (covered > 0)
    per_person = np.maximum(h["std"] - h["ipc"], (0.2 * h["std"]).round(2) * 0)
    h["dibao_amount"] = np.where(h["dibao"], (per_person * covered).round(2), 0.0)
    h["marginal"] = ~h["dibao"] & (h["counted"] > h["ep_members"]) & h["marginal_income_ok"] & h["assets_ok"]
    rigid = h[[c for c in h.columns if c.startswith("rigid_") and c.endswith("_12m")]].astype(float).sum(axis=1)
    h["rigid"] = (~h["dibao"] & ~h["marginal"] & (h["ep_members"] == 0) & h["assets_ok"]
                  & (h["income"] * 12 < h["disposable"] * h["counted"]) & (rigid > 0.6 * h["income"] * 12))
    h["tier"] = np.select(
        [(h["ep_members"] > 0) & (h["ep_members"] == h["counted"]), h["dibao"], h["marginal"], h["rigid"]],
        ["extreme_poverty", "dibao", "dibao_marginal", "rigid_expense"], default="")
    h["monthly_total"] = h["dibao_amount"] + h["ep_total"] + np.where(h["marginal"], h["ind"] * 0.6 * h["std"], 0)
    return h[["household_id", "tier", "monthly_total"]]
