"""Warning indicators (预警指标, RULES.md §8), each defined once as a named, documented Ibis condition.

An indicator reads one *event*: a feed record matched to a person, with the person's and household's facts
and the dated parameters of the household's county (columns ``p_*``, money in fen). Aggregate indicators read
a person's or household's events of the last twelve months; age indicators read the population itself; the
proactive-discovery indicators read records that match nobody in the registry. The same expressions are
compiled to DuckDB and to Spark SQL (engine.py), so both engines raise the same warnings.

Every indicator has a code name, a Chinese/English label, a level (red / orange / yellow), the assistance it
suggests and its legal basis; warnings are keyed by (subject, indicator, period) so that a feed handed in again,
or a new record of the same event, updates one warning instead of raising another.
"""
from dataclasses import dataclass
from typing import Callable

import ibis
import ibis.expr.types as ir
from django.db import models
from django.utils.translation import gettext_lazy as _

RECIPIENT_TIERS = ("dibao", "extreme_poverty", "dibao_marginal", "dibao_individual")
INCOME_TESTED_TIERS = ("dibao", "extreme_poverty")
HIGHER_EDUCATION = ("higher_vocational", "undergraduate", "postgraduate")
OWNED_VEHICLES = ("car", "truck")
EMPLOYED = ("employed", "self_employed", "flexible")


class Suggestion(models.TextChoices):
    STOP_OR_RECOMPUTE = "stop_or_recompute", _("Stop or recompute the payment from next month")
    MEDICAL_ASSISTANCE = "medical_assistance", _("Medical assistance, temporary assistance")
    DISABILITY_SUPPORT = "disability_support", _("Disability subsidies; individual dibao for a key member")
    EMPLOYMENT_RECHECK = "employment_recheck", _("Re-check income; employment assistance")
    TEMPORARY_ASSISTANCE = "temporary_assistance", _("Temporary assistance")
    RECHECK_ELIGIBILITY = "recheck_eligibility", _("Re-check eligibility")
    EDUCATION_ASSISTANCE = "education_assistance", _("Education assistance")
    RELAPSE_SUPPORT = "relapse_support", _("Assistance against poverty relapse")
    TIER_REVIEW = "tier_review", _("Review the tier (age changes it)")
    RIGID_EXPENSE = "rigid_expense", _("Rigid-expenditure hardship recognition")
    PROACTIVE_APPLICATION = "proactive_application", _("Visit and help the family apply")


@dataclass(frozen=True)
class Indicator:
    name: str
    label: object
    level: str                      # red | orange | yellow
    suggestion: str
    source: str                     # event | person_12m | household_12m | population | outside
    feed_types: tuple[str, ...]
    condition: Callable
    doc: object
    basis: str = "monitoring"


INDICATORS: dict[str, Indicator] = {}


def indicator(name: str, *, label, level: str, suggestion: str, source: str = "event", feed_types=(),
              description):
    """Register an indicator; `description` states the rule in plain words (translatable: it is shown to the
    grid worker on the verification page)."""
    def decorate(fn):
        if name in INDICATORS:
            raise ValueError(f"indicator {name} is defined twice")
        INDICATORS[name] = Indicator(name, label, level, suggestion, source, tuple(feed_types), fn, description)
        return fn
    return decorate


# --- One record of a registered person -------------------------------------------------------------------

@indicator("large_medical_cost", label=_("Large out-of-pocket medical cost (one stay)"), level="orange",
           suggestion=Suggestion.MEDICAL_ASSISTANCE, feed_types=["medical_settlement"],
           description=_("One stay's self-paid cost, after basic insurance, critical-illness insurance and medical "
                         "assistance, above the threshold for monitored people (6,000 yuan by default)."))
def large_medical_cost(c):
    return c.amount_fen > c.p_medical_stay_threshold_monitored


@indicator("death", label=_("Death of a recipient or member"), level="red",
           suggestion=Suggestion.STOP_OR_RECOMPUTE, feed_types=["death"],
           description=_("A registered person has died: the payment stops or is recomputed from the next month."))
def death(c):
    return c.event_date.notnull()


@indicator("severe_disability", label=_("New severe disability"), level="orange",
           suggestion=Suggestion.DISABILITY_SUPPORT, feed_types=["disability_certificate"],
           description=_("A certificate of a severe disability (grade 1–2 by default) for someone the registry records"
                         " as less disabled or not disabled."))
def severe_disability(c):
    return (c.grade <= c.p_severe_disability_max_grade) & (
        c.person_disability_grade.isnull() | (c.person_disability_grade > c.grade))


@indicator("earner_unemployed", label=_("A household's earner became unemployed"), level="yellow",
           suggestion=Suggestion.EMPLOYMENT_RECHECK, feed_types=["unemployment"],
           description=_("Someone recorded as working, or with wage income, registered as unemployed."))
def earner_unemployed(c):
    return c.person_employment.isin(EMPLOYED) | (c.person_wage_fen > 0)


@indicator("disaster", label=_("Household affected by a disaster"), level="orange",
           suggestion=Suggestion.TEMPORARY_ASSISTANCE, feed_types=["disaster"],
           description=_("The emergency management bureau lists the household as affected by a disaster."))
def disaster(c):
    return c.event_date.notnull()


@indicator("asset_vehicle", label=_("A recipient registered a car or truck"), level="yellow",
           suggestion=Suggestion.RECHECK_ELIGIBILITY, feed_types=["vehicle"],
           description=_("A member of a recipient household registered a car or truck (motorcycles, e-bikes and "
                         "wheelchairs are exempt): the asset test must be made again."))
def asset_vehicle(c):
    return c.category.isin(OWNED_VEHICLES) & c.registered_tier.isin(RECIPIENT_TIERS)


@indicator("asset_dwelling", label=_("A recipient registered a dwelling"), level="yellow",
           suggestion=Suggestion.RECHECK_ELIGIBILITY, feed_types=["real_estate"],
           description=_("A member of a recipient household registered real estate."))
def asset_dwelling(c):
    return c.registered_tier.isin(RECIPIENT_TIERS)


@indicator("asset_business", label=_("A recipient registered a business"), level="yellow",
           suggestion=Suggestion.RECHECK_ELIGIBILITY, feed_types=["business"],
           description=_("A member of a recipient household registered a business."))
def asset_business(c):
    return c.registered_tier.isin(RECIPIENT_TIERS)


@indicator("income_above_standard", label=_("Income above the standard"), level="yellow",
           suggestion=Suggestion.RECHECK_ELIGIBILITY, feed_types=["social_insurance"],
           description=_("In a dibao or 特困 household, the declared wage replaces the member's recorded wage and puts "
                         "the household's income per member above the local dibao standard."))
def income_above_standard(c):
    new_income = c.household_income_fen - c.person_wage_fen + c.amount_fen
    standard = (c.household_hukou == "urban").ifelse(c.p_dibao_standard_urban, c.p_dibao_standard_rural)
    return c.registered_tier.isin(INCOME_TESTED_TIERS) & (new_income > standard * c.household_members)


@indicator("higher_education", label=_("A child entered higher education"), level="yellow",
           suggestion=Suggestion.EDUCATION_ASSISTANCE, feed_types=["school_enrolment"],
           description=_("Enrolment in higher vocational education, an undergraduate or postgraduate programme."))
def higher_education(c):
    return c.category.isin(HIGHER_EDUCATION)


@indicator("relapse_risk", label=_("Listed at risk of relapse into poverty"), level="orange",
           suggestion=Suggestion.RELAPSE_SUPPORT, feed_types=["relapse_risk"],
           description=_("The rural revitalisation bureau lists the person as at risk of relapsing into poverty."))
def relapse_risk(c):
    return c.event_date.notnull()


# --- Twelve months of records ---------------------------------------------------------------------------

@indicator("medical_cost_12m", label=_("Large out-of-pocket medical costs over 12 months"), level="red",
           suggestion=Suggestion.MEDICAL_ASSISTANCE, source="person_12m", feed_types=["medical_settlement"],
           description=_("A person's self-paid medical costs in the twelve months to the as-of date above the "
                         "threshold (20,000 yuan by default)."))
def medical_cost_12m(c):
    return c.amount_12m_fen > c.p_medical_12m_threshold


@indicator("rigid_expense_threshold", label=_("Rigid expenditure above the share of income"), level="yellow",
           suggestion=Suggestion.RIGID_EXPENSE, source="household_12m", feed_types=["medical_settlement"],
           description=_("A household outside dibao and 特困 whose recorded rigid expenditure plus the self-paid medical"
                         " costs of the last 12 months exceed the local share of its annual income (rigid-expenditure "
                         "hardship)."))
def rigid_expense_threshold(c):
    annual_income = c.household_income_fen * 12
    spent = c.rigid_12m_fen + c.amount_12m_fen
    return (~c.registered_tier.isin(INCOME_TESTED_TIERS)) & (spent * 1_000_000 > annual_income *
                                                            c.p_rigid_expense_income_share)


# --- The population itself ------------------------------------------------------------------------------

@indicator("turning_60", label=_("A member turns 60"), level="yellow", suggestion=Suggestion.TIER_REVIEW,
           source="population",
           description=_("A member reaches the elderly age (60 by default) in the as-of month: labour capacity and 特困 "
                         "status change."))
def turning_60(c):
    return (c.as_of.year() - c.birth_date.year() == c.p_elderly_age) & (c.birth_date.month() == c.as_of.month())


@indicator("turning_18", label=_("A member turns 18"), level="yellow", suggestion=Suggestion.TIER_REVIEW,
           source="population",
           description=_("A member reaches the age of majority (18) in the as-of month: an orphan's or unsupported "
                         "child's allowance ends, 特困 status may begin or continue while in school."))
def turning_18(c):
    return (c.as_of.year() - c.birth_date.year() == c.p_adult_age) & (c.birth_date.month() == c.as_of.month())


# --- People outside the registry (proactive discovery, 政策找人) --------------------------------------------

@indicator("proactive_medical", label=_("Large medical cost of someone outside the registry"), level="orange",
           suggestion=Suggestion.PROACTIVE_APPLICATION, source="outside", feed_types=["medical_settlement"],
           description=_("Someone not in the low-income registry paid more than the threshold for others (10,000 yuan "
                         "by default) for one stay."))
def proactive_medical(c):
    return c.amount_fen > c.p_medical_stay_threshold_other


@indicator("proactive_disaster", label=_("Disaster-affected household outside the registry"), level="orange",
           suggestion=Suggestion.PROACTIVE_APPLICATION, source="outside", feed_types=["disaster"],
           description=_("A household not in the low-income registry whose direct loss in a disaster is above the "
                         "threshold (10,000 yuan by default)."))
def proactive_disaster(c):
    return c.amount_fen.fill_null(0) > c.p_disaster_loss_threshold_other


LEVEL_ORDER = {"red": 0, "orange": 1, "yellow": 2}
WARNING_COLUMNS = ("subject_key", "person_id", "household_id", "indicator", "period", "level", "suggestion",
                   "region_code", "name", "id_number", "amount_fen", "records", "first_record_id", "match_method",
                   "event_date")


def _period(day: ir.DateValue) -> ir.StringValue:
    return day.year().cast("string") + "-" + day.month().cast("string").lpad(2, "0")


def _out(t: ir.Table, ind: Indicator, *, subject_key, person_id, household_id, period, region_code, name, id_number,
         amount_fen, record_id, method, event_date) -> ir.Table:
    return t.select(event_date=event_date,
        subject_key=subject_key, person_id=person_id.cast("int64"), household_id=household_id.cast("int64"),
        indicator=ibis.literal(ind.name), period=period, level=ibis.literal(ind.level),
        suggestion=ibis.literal(str(ind.suggestion)), region_code=region_code, name=name, id_number=id_number,
        amount_fen=amount_fen.cast("int64"), record_id=record_id.cast("int64"), match_method=ibis.literal(method)
        if isinstance(method, str) else method)


def id_key(id_number: ir.StringValue) -> ir.IntegerValue:
    """core.idnumber.id_key in SQL: the first 17 digits of a usable (normalised) ID number as an integer. The
    population carries it (persons.id_key): reading and joining 64-bit integers costs a fraction of
    18-character strings (ADR 0006)."""
    return id_number.substr(0, 17).cast("int64")


def matched_expr(*, records: ir.Table, persons: ir.Table, links: ir.Table) -> ir.Table:
    """Who each record is (record_id, person_id, match_method): exactly by the normalised ID number, else by a
    probabilistic link taken as a match. Stage 1 of a run: one join of the records with the population."""
    with_id = records.filter(records.id_number.notnull()).select("record_id", key=id_key(records.id_number))
    ids = persons.select(p_person_id=persons.person_id, p_key=persons.id_key)
    exact = with_id.join(ids, with_id.key == ids.p_key).select(
        record_id=with_id.record_id, person_id=ids.p_person_id, match_method=ibis.literal("id"))
    linked = links.filter(links.decision == "match").select(
        record_id=links.record_id, person_id=links.person_id, match_method=ibis.literal("linked"))
    # A record matched exactly is never also linked (linkage only sees records without a usable ID).
    return exact.union(linked)


def people_expr(*, persons: ir.Table, households: ir.Table, params: ir.Table) -> ir.Table:
    """Each person with their household's facts and their county's parameters (and the run's as-of date)."""
    people = persons.join(households, "household_id").select(
        person_id=persons.person_id, household_id=persons.household_id, person_name=persons.name,
        person_id_number=persons.id_number, birth_date=persons.birth_date, alive=persons.alive,
        person_employment=persons.employment, person_disability_grade=persons.disability_grade,
        person_wage_fen=persons.wage_fen, household_region=households.region_code,
        household_hukou=households.hukou, registered_tier=households.registered_tier,
        household_members=households.members, household_income_fen=households.income_fen,
        rigid_12m_fen=households.rigid_12m_fen, county=households.region_code.substr(0, 6))
    # .view(): each relation enters the next join as a relation of its own (Ibis would otherwise try to extend
    # the join chain it was selected from).
    return people.view().join(params, "county").view()


def matched_people_expr(*, people: ir.Table, matched: ir.Table) -> ir.Table:
    """Stage 2: the people some record is about — the events need no one else."""
    return people.semi_join(matched, "person_id")


def _alive_and_born_in(table: ir.Table, month) -> ir.Value:
    return table.alive & (table.birth_date.month() == month)


def birthday_people_expr(*, people: ir.Table) -> ir.Table:
    """Stage 3: living people born in the as-of month — the only candidates of the age indicators."""
    return people.filter(_alive_and_born_in(people, people.as_of.month()))


def birthday_candidates(*, persons: ir.Table, month: int) -> ir.Table:
    """The same condition on the persons before any join (the run's month as a number): a twelfth of the
    population goes on to the household joins."""
    return persons.filter(_alive_and_born_in(persons, month))


def warnings_expr(*, records: ir.Table, matched: ir.Table, matched_people: ir.Table, birthday_people: ir.Table,
                  links: ir.Table, params: ir.Table) -> ir.Table:
    """All warnings of a run, one row per (subject, indicator, period), from the stages above.

    records: canonical feed records (feedtypes.RECORDS); matched: matched_expr; matched_people and
    birthday_people: people_expr rows (person, household and county facts); links: the probabilistic links
    (those for review keep a record out of proactive discovery); params: county, as_of and the p_* columns
    (money in fen, shares in ppm).
    """
    pending = links.filter(links.decision == "review").select(record_id=links.record_id)
    events = records.join(matched, "record_id").join(matched_people, "person_id").view()

    parts = []
    for ind in INDICATORS.values():
        if ind.source == "event":
            t = events.filter(events.feed_type.isin(ind.feed_types))
            t = t.filter(ind.condition(t))
            parts.append(_out(t, ind, subject_key="p:" + t.person_id.cast("string"), person_id=t.person_id,
                              household_id=t.household_id, period=_period(t.event_date),
                              region_code=t.household_region, name=t.person_name, id_number=t.person_id_number,
                              amount_fen=t.amount_fen.fill_null(0), record_id=t.record_id, method=t.match_method,
                              event_date=t.event_date))
    # Twelve months of a person's (or household's) medical records.
    recent = events.filter(events.feed_type == "medical_settlement").filter(
        (events.event_date > events.as_of - ibis.interval(days=365)) & (events.event_date <= events.as_of))
    person_12m = recent.group_by("person_id").aggregate(
        amount_12m_fen=recent.amount_fen.sum(), record_id=recent.record_id.min(),
        last_event=recent.event_date.max(), match_method=recent.match_method.max()).join(matched_people, "person_id")
    household_12m = recent.group_by("household_id").aggregate(
        amount_12m_fen=recent.amount_fen.sum(), record_id=recent.record_id.min(), last_event=recent.event_date.max(),
        rep_person_id=recent.person_id.min(), match_method=recent.match_method.max())
    household_12m = household_12m.join(matched_people.drop("household_id"),
                                       household_12m.rep_person_id == matched_people.person_id)
    for ind in INDICATORS.values():
        if ind.source not in ("person_12m", "household_12m"):
            continue
        t = person_12m if ind.source == "person_12m" else household_12m
        t = t.filter(ind.condition(t))
        key = ("p:" + t.person_id.cast("string")) if ind.source == "person_12m" else (
            "h:" + t.household_id.cast("string"))
        # The period is the month of the latest record: the sum crossed the threshold then.
        parts.append(_out(t, ind, subject_key=key, person_id=t.person_id, household_id=t.household_id,
                          period=_period(t.last_event), region_code=t.household_region, name=t.person_name,
                          id_number=t.person_id_number, amount_fen=t.amount_12m_fen, record_id=t.record_id,
                          method=t.match_method, event_date=t.last_event))
    # Ages, from the population (living members only).
    for ind in INDICATORS.values():
        if ind.source != "population":
            continue
        t = birthday_people
        t = t.filter(ind.condition(t))
        parts.append(_out(t, ind, subject_key="p:" + t.person_id.cast("string"), person_id=t.person_id,
                          household_id=t.household_id, period=_period(t.as_of), region_code=t.household_region,
                          name=t.person_name, id_number=t.person_id_number, amount_fen=ibis.literal(0),
                          record_id=ibis.literal(0), method="population", event_date=t.as_of))
    # Records that match nobody (and wait for no review): people outside the registry.
    outside = records.anti_join(matched, "record_id").anti_join(pending, "record_id")
    outside = outside.filter(outside.region_code.notnull() & (outside.region_code.length() >= 6))
    outside = outside.mutate(county=outside.region_code.substr(0, 6)).join(params, "county")
    for ind in INDICATORS.values():
        if ind.source != "outside":
            continue
        t = outside.filter(outside.feed_type.isin(ind.feed_types))
        t = t.filter(ind.condition(t))
        identity = t.id_number.fill_null(t.name + "|" + t.birth_date.cast("string").fill_null("") + "|" +
                                         t.region_code)
        region = t.region_code.rpad(12, "0")
        parts.append(_out(t, ind, subject_key="o:" + identity, person_id=ibis.null().cast("int64"),
                          household_id=ibis.null().cast("int64"), period=_period(t.event_date), region_code=region,
                          name=t.name, id_number=t.id_number.fill_null(""), amount_fen=t.amount_fen.fill_null(0),
                          record_id=t.record_id, method="outside", event_date=t.event_date))
    raw = ibis.union(*parts, distinct=False)
    # One warning per subject, indicator and period, with the strongest evidence and the number of records.
    return raw.group_by(["subject_key", "indicator", "period"]).aggregate(
        person_id=raw.person_id.max(), household_id=raw.household_id.max(), level=raw.level.max(),
        suggestion=raw.suggestion.max(), region_code=raw.region_code.max(), name=raw.name.max(),
        id_number=raw.id_number.max(), amount_fen=raw.amount_fen.max().cast("int64"),
        records=raw.record_id.count().cast("int64"),
        first_record_id=raw.record_id.min(), match_method=raw.match_method.min(), event_date=raw.event_date.max(),
    ).order_by(["subject_key", "indicator", "period"])


def population_views(*, persons: ir.Table, households: ir.Table):
    """The columns the indicators read, from a population in the synthetic generator's Parquet format (the
    registry snapshot of snapshot.py has the same columns). Money in integer fen.

    Returns the normalised persons and `households_of(selected)`: the households of the `selected` persons with
    their living counted members and total income — aggregated over those households' members only, so that a
    stage about a few million people does not aggregate the whole population."""
    from jiuzhu.synth.schema import INCOME_COLUMNS, RIGID_KINDS

    def normalised(rows: ir.Table) -> ir.Table:
        income = sum((rows[c].fill_null(0) * 100).cast("int64") for c in INCOME_COLUMNS)
        return rows.select(
            person_id=rows.person_id, household_id=rows.household_id, id_number=rows.id_number,
            # Populations written before format 2 have no id_key: it is derived from the number then.
            id_key=rows.id_key if "id_key" in rows.columns else id_key(rows.id_number),
            name=rows.name, sex=rows.sex, birth_date=rows.birth_date, employment=rows.employment,
            disability_grade=rows.disability_grade.cast("int32"),
            wage_fen=(rows.income_wage.fill_null(0) * 100).cast("int64"), income_fen=income,
            alive=rows.death_date.isnull(), counted=rows.not_counted_reason.fill_null("") == "")

    p = normalised(persons)
    rigid = sum((households[f"rigid_{k}_12m"].fill_null(0) * 100).cast("int64") for k in RIGID_KINDS)
    base = households.select(household_id=households.household_id, region_code=households.region_code,
                             hukou=households.hukou, registered_tier=households.registered_tier.fill_null(""),
                             rigid_12m_fen=rigid)

    def households_of(selected: ir.Table) -> ir.Table:
        # The members are chosen from the persons as stored, before their incomes are converted.
        members = normalised(persons.semi_join(selected.select("household_id").distinct(), "household_id"))
        per_household = members.group_by("household_id").aggregate(
            members=(members.alive & members.counted).sum().cast("int64"), income_fen=members.income_fen.sum())
        return base.join(per_household, "household_id")

    return p.drop("income_fen", "counted"), households_of
