"""Periodic reviews (issue 6, RULES.md §2–3): households fall due by tier and class at intervals set as parameters;
the rules screen them again, the change they lead to is decided by a second county user, and the payroll of the
month after the decision pays the new amount.

The county is Zaozhuang Shizhong district: rural dibao standard 824 yuan a month, 特困 basic living 1,072 plus
210 care for a self-caring person. Default intervals: 特困 12 months, dibao 6 (stable households 12, households
with a member able to work 3), marginal 12.
"""
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from jiuzhu.core.models import AuditLog
from jiuzhu.payments.errors import PaymentError
from jiuzhu.payments.models import PeriodicReview, ReviewOutcome, ReviewStatus
from jiuzhu.payments.reviews import review_decide, review_screen, reviews_schedule
from jiuzhu.payments.services import payroll_generate
from jiuzhu.policy.services import parameter_set

NOVEMBER = date(2026, 11, 1)
DECEMBER = date(2026, 12, 1)


def county_parameter(region_tree, name, value):
    parameter_set(actor=None, region_code=region_tree.county.code, name=name, effective_from=date(2025, 1, 1),
                  value=value, source_document="市中区民政局 动态管理办法（测试）")


def working_family(make_household, region, *, wage="500.00", amount="1971.99", start=date(2026, 8, 1)):
    """Three people in a rural village, the father employed: (824 − 500 / 3) × 3 = 657.33 × 3 = 1,971.99 a month
    while he earns 500."""
    return make_household(region, bank_name="农业银行", bank_account="6228480012340001", members=[
        {"name": "张建国", "birth_date": date(1980, 3, 9), "incomes": {"wage": wage}, "employment": "employed"},
        {"name": "李秀英", "birth_date": date(1982, 6, 1), "relation": "spouse"},
        {"name": "张小明", "birth_date": date(2012, 9, 1), "relation": "child", "student_stage": "junior_secondary"},
    ], tiers=[{"tier": "dibao", "amount": Decimal(amount), "start": start}])


def raise_wage(household, wage: str):
    household.income_items.filter(kind="wage").update(monthly_amount=Decimal(wage))


def scheduled(staff, region_tree, household, month=NOVEMBER) -> PeriodicReview:
    reviews_schedule(actor=staff.county, region=region_tree.county, month=month)
    return PeriodicReview.objects.get(household=household, status=ReviewStatus.SCHEDULED)


def paid(payroll, household) -> list[Decimal]:
    return sorted(line.amount for line in payroll.lines.filter(household=household))


# --- Scheduling ---------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_reviews_fall_due_by_tier_and_class_at_the_intervals_the_parameters_set(staff, region_tree, make_household,
                                                                                standards):
    v = region_tree.village_a1
    elderly = [{"birth_date": date(1950, 1, 1)}, {"birth_date": date(1952, 1, 1), "relation": "spouse"}]
    # Stable (only elderly members): every 12 months — a year after it started in November 2025.
    stable = make_household(v, members=elderly, tiers=[{"tier": "dibao", "amount": 300, "start": date(2025, 11, 1)}])
    stable_later = make_household(v, members=elderly,
                                  tiers=[{"tier": "dibao", "amount": 300, "start": date(2025, 12, 1)}])
    # A member able to work: every 3 months — due in November although it started only in August.
    changing = working_family(make_household, v)
    # A marginal household (12 months) with a disabled son on individual dibao and his able-bodied father: the
    # shorter interval of the two tiers, 3 months, applies.
    both = make_household(v, members=[{"birth_date": date(1975, 1, 1)},
                                      {"birth_date": date(2000, 1, 1), "relation": "child", "labour_capacity": "none",
                                       "disability_type": "intellectual", "disability_grade": 2}],
                          tiers=[{"tier": "dibao_marginal", "start": date(2026, 8, 1)}])
    both.tier_memberships.create(person=both.members.get(relation="child"), tier="dibao_individual",
                                 start_date=date(2026, 8, 1), monthly_amount=Decimal("494.40"))
    # Neither (an elderly grandmother and a grandchild): every 6 months — June + 6 is December.
    ordinary = make_household(v, members=[{"birth_date": date(1950, 1, 1)},
                                          {"birth_date": date(2015, 1, 1), "relation": "grandchild"}],
                              tiers=[{"tier": "dibao", "amount": 900, "start": date(2026, 6, 1)}])
    # 特困: every 12 months, from the day the support started.
    ep = make_household(v, members=[{"birth_date": date(1940, 1, 1)}])
    ep.tier_memberships.create(person=ep.head, tier="extreme_poverty", start_date=date(2025, 11, 15),
                               monthly_amount=Decimal("1282.00"))
    # Marginal: every 12 months — January 2026 + 12 is January 2027.
    marginal = make_household(v, tiers=[{"tier": "dibao_marginal", "start": date(2026, 1, 1)}])
    make_household(v)  # no tier: never reviewed

    assert reviews_schedule(actor=staff.county, region=region_tree.county, month=NOVEMBER) == 4
    due = {r.household_id: (r.tier, r.review_class, r.interval_months, r.due_on)
           for r in PeriodicReview.objects.all()}
    assert due == {
        stable.pk: ("dibao", "stable", 12, date(2026, 11, 1)),
        changing.pk: ("dibao", "changing", 3, date(2026, 11, 1)),
        both.pk: ("dibao_individual", "changing", 3, date(2026, 11, 1)),
        ep.pk: ("extreme_poverty", "", 12, date(2026, 11, 15)),
    }
    assert reviews_schedule(actor=staff.county, region=region_tree.county, month=DECEMBER) == 2
    assert set(PeriodicReview.objects.filter(due_on=DECEMBER).values_list("household_id", flat=True)) == {
        stable_later.pk, ordinary.pk}

    # The county reviews marginal households every 6 months instead: January + 6 is July, overdue by December.
    county_parameter(region_tree, "review_months_dibao_marginal", 6)
    assert reviews_schedule(actor=staff.county, region=region_tree.county, month=DECEMBER) == 1
    assert PeriodicReview.objects.get(household=marginal).due_on == date(2026, 7, 1)


@pytest.mark.django_db
def test_a_household_the_rules_cannot_screen_is_reviewed_at_the_ordinary_interval(staff, region_tree,
                                                                                 make_household, standards,
                                                                                 monkeypatch, caplog):
    """The class comes from the rules; facts the rules refuse give no class (logged), not a guess."""
    from jiuzhu.policy import facts

    family = working_family(make_household, region_tree.village_a1)   # changing: 3 months from August
    real = facts.household_facts
    monkeypatch.setattr(facts, "household_facts", lambda h, **kw: {**real(h, **kw), "hukou": "abroad"})
    assert reviews_schedule(actor=staff.county, region=region_tree.county, month=NOVEMBER) == 0
    assert f"household {family.pk} not screened" in caplog.text and "hukou" in caplog.text
    # Ordinary interval, 6 months: due in February, without a class.
    assert reviews_schedule(actor=staff.county, region=region_tree.county, month=date(2027, 2, 1)) == 1
    review = PeriodicReview.objects.get()
    assert (review.review_class, review.interval_months, review.due_on) == ("", 6, date(2027, 2, 1))


@pytest.mark.django_db
def test_scheduling_twice_creates_each_review_once(staff, region_tree, make_household, standards):
    working_family(make_household, region_tree.village_a1)
    assert reviews_schedule(actor=staff.county, region=region_tree.county, month=NOVEMBER) == 1
    assert reviews_schedule(actor=staff.county, region=region_tree.county, month=NOVEMBER) == 0
    assert reviews_schedule(actor=staff.county, region=region_tree.county, month=DECEMBER) == 0  # still open
    assert PeriodicReview.objects.count() == 1


@pytest.mark.django_db
def test_the_next_review_counts_from_the_last_decided_one(staff, region_tree, make_household, standards):
    family = working_family(make_household, region_tree.village_a1)
    review = review_screen(actor=staff.county, review_id=scheduled(staff, region_tree, family).pk,
                           today=date(2026, 11, 10))
    review_decide(actor=staff.county_2, review_id=review.pk, approve=True, today=date(2026, 11, 20))
    # Decided on 20 November: the next quarterly review falls due on 20 February, not in January.
    assert reviews_schedule(actor=staff.county, region=region_tree.county, month=date(2027, 1, 1)) == 0
    assert reviews_schedule(actor=staff.county, region=region_tree.county, month=date(2027, 2, 1)) == 1
    assert PeriodicReview.objects.get(status=ReviewStatus.SCHEDULED).due_on == date(2027, 2, 20)


# --- Screening and decisions --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_household_whose_situation_is_the_same_keeps_its_amount(staff, region_tree, make_household, standards):
    family = working_family(make_household, region_tree.village_a1)
    review = review_screen(actor=staff.assistant, review_id=scheduled(staff, region_tree, family).pk,
                           today=date(2026, 11, 10))
    assert review.status == ReviewStatus.PROPOSED and review.kind == ReviewOutcome.UNCHANGED
    assert review.as_of == DECEMBER and review.current_amount == review.new_amount == Decimal("1971.99")
    assert review.screened_result["tier"] == "dibao" and review.screened_result["monthly_total"] == "1971.99"
    decided = review_decide(actor=staff.county, review_id=review.pk, approve=True, reasons="复核无变化",
                            today=date(2026, 11, 20))
    assert decided.status == ReviewStatus.DECIDED and decided.effective_from is None
    membership = family.tier_memberships.get()
    assert (membership.start_date, membership.end_date) == (date(2026, 8, 1), None)


@pytest.mark.django_db
def test_when_income_rises_the_amount_goes_down_and_the_next_payroll_pays_the_new_amount(staff, region_tree,
                                                                                         make_household, standards):
    family = working_family(make_household, region_tree.village_a1)
    review = scheduled(staff, region_tree, family)
    raise_wage(family, "1000.00")
    review = review_screen(actor=staff.county, review_id=review.pk, today=date(2026, 11, 10))
    # (824 − 1000 / 3) × 3 = 490.67 × 3 = 1,472.01
    assert (review.kind, review.current_amount, review.new_amount) == (
        ReviewOutcome.AMOUNT_DOWN, Decimal("1971.99"), Decimal("1472.01"))
    review = review_decide(actor=staff.county_2, review_id=review.pk, approve=True, today=date(2026, 11, 20))
    assert review.effective_from == DECEMBER
    new = family.tier_memberships.get(start_date=DECEMBER)
    assert (new.tier, new.monthly_amount, new.basis) == ("dibao", Decimal("1472.01"), gettext("Review %(id)s") % {"id": review.pk})
    assert paid(payroll_generate(actor=staff.county, region=region_tree.county, month=NOVEMBER),
                family) == [Decimal("1971.99")]
    assert paid(payroll_generate(actor=staff.county, region=region_tree.county, month=DECEMBER),
                family) == [Decimal("1472.01")]


@pytest.mark.django_db
def test_when_income_falls_the_amount_goes_up(staff, region_tree, make_household, standards):
    family = working_family(make_household, region_tree.village_a1, wage="1000.00", amount="1472.01")
    review = scheduled(staff, region_tree, family)
    raise_wage(family, "500.00")
    review = review_screen(actor=staff.county, review_id=review.pk, today=date(2026, 11, 10))
    assert (review.kind, review.new_amount) == (ReviewOutcome.AMOUNT_UP, Decimal("1971.99"))


@pytest.mark.django_db
def test_a_household_above_the_standard_is_stopped_from_the_next_month(staff, region_tree, make_household,
                                                                       standards):
    family = working_family(make_household, region_tree.village_a1)
    review = scheduled(staff, region_tree, family)
    raise_wage(family, "3000.00")   # 1,000 a head ≥ 824; no gradual exit in this county (0 months)
    review = review_screen(actor=staff.county, review_id=review.pk, today=date(2026, 11, 10))
    assert (review.kind, review.new_amount, review.effective_from) == (ReviewOutcome.STOP, Decimal("0.00"),
                                                                        DECEMBER)
    review_decide(actor=staff.county_2, review_id=review.pk, approve=True, today=date(2026, 11, 20))
    dibao = family.tier_memberships.get(tier="dibao")
    assert dibao.end_date == date(2026, 11, 30)
    # Still a marginal household (no payment of its own), on the rules' word.
    assert list(family.tier_memberships.filter(start_date=DECEMBER).values_list("tier", "monthly_amount")) == [
        ("dibao_marginal", None)]
    assert paid(payroll_generate(actor=staff.county, region=region_tree.county, month=NOVEMBER),
                family) == [Decimal("1971.99")]
    assert paid(payroll_generate(actor=staff.county, region=region_tree.county, month=DECEMBER), family) == []


@pytest.mark.django_db
def test_where_the_county_grants_a_gradual_exit_a_working_household_is_paid_for_the_exit_months(
        staff, region_tree, make_household, standards):
    county_parameter(region_tree, "gradual_exit_months", 3)
    family = working_family(make_household, region_tree.village_a1)
    review = scheduled(staff, region_tree, family)
    raise_wage(family, "3000.00")
    review = review_screen(actor=staff.county, review_id=review.pk, today=date(2026, 11, 10))
    assert (review.kind, review.exit_months) == (ReviewOutcome.GRADUAL_EXIT, 3)
    review = review_decide(actor=staff.county_2, review_id=review.pk, approve=True, today=date(2026, 11, 20))
    # Paid December, January and February at the old amount; nothing from March.
    assert review.effective_from == date(2027, 3, 1)
    for month in (DECEMBER, date(2027, 1, 1), date(2027, 2, 1)):
        assert paid(payroll_generate(actor=staff.county, region=region_tree.county, month=month),
                    family) == [Decimal("1971.99")]
    assert paid(payroll_generate(actor=staff.county, region=region_tree.county, month=date(2027, 3, 1)),
                family) == []


@pytest.mark.parametrize("screened_on, notice_until, too_early, effective_from", [
    (date(2026, 11, 10), date(2026, 11, 16), date(2026, 11, 16), DECEMBER),
    # A notice that runs into December: the termination takes effect from the month after it, January.
    (date(2026, 11, 28), date(2026, 12, 4), date(2026, 12, 4), date(2027, 1, 1)),
])
@pytest.mark.django_db
def test_extreme_poverty_support_ends_only_after_a_seven_day_public_notice(
        staff, region_tree, make_household, standards, screened_on, notice_until, too_early, effective_from):
    ep = make_household(region_tree.village_a2, bank_name="邮储银行", bank_account="6217990012345678",
                        members=[{"name": "黄老三", "birth_date": date(1940, 1, 1)}])
    ep.tier_memberships.create(person=ep.head, tier="extreme_poverty", start_date=date(2025, 11, 1),
                               monthly_amount=Decimal("1282.00"))
    review = scheduled(staff, region_tree, ep)
    ep.assets.create(kind="deposit", value=Decimal("300000.00"))   # an inheritance: means of living
    review = review_screen(actor=staff.county, review_id=review.pk, today=screened_on)
    assert (review.kind, review.notice_until, review.effective_from) == (
        ReviewOutcome.TERMINATE, notice_until, effective_from)
    with pytest.raises(PaymentError) as err:
        review_decide(actor=staff.county_2, review_id=review.pk, approve=True, today=too_early)
    assert err.value.code == "notice_running"
    decided = review_decide(actor=staff.county_2, review_id=review.pk, approve=True,
                            today=date.fromordinal(notice_until.toordinal() + 1))
    assert decided.status == ReviewStatus.DECIDED and decided.effective_from == effective_from
    assert ep.tier_memberships.get().end_date == date.fromordinal(effective_from.toordinal() - 1)
    assert paid(payroll_generate(actor=staff.county, region=region_tree.county, month=effective_from), ep) == []


@pytest.mark.django_db
def test_the_change_is_decided_by_a_county_user_other_than_the_one_who_proposed_it(staff, region_tree,
                                                                                 make_household, standards):
    family = working_family(make_household, region_tree.village_a1)
    review = scheduled(staff, region_tree, family)
    raise_wage(family, "1000.00")
    review = review_screen(actor=staff.county, review_id=review.pk, today=date(2026, 11, 10))
    for actor, code in ((staff.county, "maker_checker"), (staff.assistant, "role_not_allowed")):
        with pytest.raises(PaymentError) as err:
            review_decide(actor=actor, review_id=review.pk, approve=True, today=date(2026, 11, 20))
        assert err.value.code == code
    # A refusal gives its reasons and sends the review back to be screened again.
    with pytest.raises(PaymentError) as err:
        review_decide(actor=staff.county_2, review_id=review.pk, approve=False, reasons=" ")
    assert err.value.field == "reasons"
    refused = review_decide(actor=staff.county_2, review_id=review.pk, approve=False, reasons="工资证明未核实",
                            today=date(2026, 11, 20))
    assert refused.status == ReviewStatus.SCREENED and refused.refusals[0]["reasons"] == "工资证明未核实"
    assert family.tier_memberships.count() == 1   # nothing changed
    again = review_screen(actor=staff.assistant, review_id=review.pk, today=date(2026, 11, 21))
    decided = review_decide(actor=staff.county, review_id=again.pk, approve=True, today=date(2026, 11, 25))
    assert decided.proposed_by == staff.assistant and decided.decided_by == staff.county
    assert list(AuditLog.objects.filter(object_type="periodic_review").values_list("detail__step", flat=True)
                .order_by("id")) == ["review_screened", "review_refused", "review_screened", "review_decided"]
    # The database holds the rule too.
    with pytest.raises(IntegrityError), transaction.atomic():
        PeriodicReview.objects.filter(pk=decided.pk).update(decided_by=staff.assistant)
