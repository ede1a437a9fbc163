"""Screening runs and what-ifs: every household of a region through the batch engine, one stored result per
household beside the registry, the households whose tier or amount would change, and what a proposed
standard would do (who enters and leaves each tier, what it costs)."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiuzhu.core.roles import Role
from jiuzhu.policy.models import ParameterValue, ScreeningResult, ScreeningRun, ScreeningRunStatus
from jiuzhu.policy.screening import screening_run_start, screening_whatif_start
from jiuzhu.policy.services import parameter_set
from jiuzhu.registry.choices import HouseholdStatus, Tier

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 3, 1)
RURAL_STANDARD = Decimal("824.00")
MARGINAL_MULTIPLIER = Decimal("1.5")


@pytest.fixture
def county_standards(region_tree):
    """The county's standards (the ones the rules have no national default for)."""
    values = {
        "dibao_standard_urban": "941.00", "dibao_standard_rural": str(RURAL_STANDARD),
        "care_standard_full": "200.00", "care_standard_partial": "350.00", "care_standard_none": "700.00",
        "disposable_income_urban": "45000.00", "disposable_income_rural": "20000.00",
    }
    for name, value in values.items():
        parameter_set(actor=None, region_code=region_tree.county.code, name=name, effective_from=date(2025, 1, 1),
                      value=value, source_document="市中区2025年社会救助标准")
    return values


def two_adults(income_each: str) -> list[dict]:
    """Two working-age adults with full labour capacity, each with a monthly wage (so no one is 特困)."""
    return [{"birth_date": date(1975, 5, 1), "incomes": {"wage": income_each}},
            {"birth_date": date(1977, 8, 1), "incomes": {"wage": income_each}}]


def expected_tier(per_capita: Decimal, standard: Decimal) -> str:
    """RULES.md §2 and §4 for these simple households: dibao strictly below the standard, marginal below
    1.5 times it, else none."""
    if per_capita < standard:
        return Tier.DIBAO
    if per_capita < standard * MARGINAL_MULTIPLIER:
        return Tier.DIBAO_MARGINAL
    return ""


def expected_amount(per_capita: Decimal, standard: Decimal, members: int = 2) -> Decimal:
    return (standard - per_capita) * members if per_capita < standard else Decimal("0.00")


@pytest.fixture
def county(region_tree, county_standards, make_household):
    """Households of one county with known incomes and registered tiers (per-capita income = each wage)."""
    tree = region_tree
    h = {
        # Registered as it would be screened: no change.
        "same": make_household(tree.village_a1, members=two_adults("500.00"),
                               tiers=[{"tier": Tier.DIBAO, "amount": Decimal("648.00")}]),
        # Dibao either way, but a different amount is paid.
        "amount": make_household(tree.village_a1, members=two_adults("500.00"),
                                 tiers=[{"tier": Tier.DIBAO, "amount": Decimal("600.00")}]),
        # Registered dibao, but its income is above the standard: marginal, no cash.
        "tier_and_amount": make_household(tree.village_a2, members=two_adults("900.00"),
                                          tiers=[{"tier": Tier.DIBAO, "amount": Decimal("100.00")}]),
        # Marginal and registered so.
        "marginal": make_household(tree.village_a2, members=two_adults("900.00"),
                                   tiers=[{"tier": Tier.DIBAO_MARGINAL}]),
        # Not registered and not eligible.
        "none": make_household(tree.village_b1, members=two_adults("2000.00")),
        # Not registered, but eligible for dibao.
        "new": make_household(tree.village_b1, members=two_adults("500.00")),
        # Marginal now; a higher standard would make them dibao.
        "marginal_950": make_household(tree.village_b1, members=two_adults("950.00"),
                                       tiers=[{"tier": Tier.DIBAO_MARGINAL}]),
        "marginal_850": make_household(tree.village_a1, members=two_adults("850.00"),
                                       tiers=[{"tier": Tier.DIBAO_MARGINAL}]),
    }
    # Exited households are no longer screened.
    h["exited"] = make_household(tree.village_a1, members=two_adults("500.00"), status=HouseholdStatus.EXITED)
    return h


PER_CAPITA = {"same": "500", "amount": "500", "tier_and_amount": "900", "marginal": "900", "none": "2000",
              "new": "500", "marginal_950": "950", "marginal_850": "850"}


def test_a_run_stores_one_result_per_household_beside_the_registry(county, region_tree):
    run = screening_run_start(actor=None, region_code=region_tree.county.code, as_of=AS_OF, chunk_size=3)

    assert run.status == ScreeningRunStatus.DONE, run.failure
    results = {r.household_id: r for r in ScreeningResult.objects.filter(run=run)}
    screened = {key: household for key, household in county.items() if key != "exited"}
    assert set(results) == {h.pk for h in screened.values()}
    assert run.households_total == run.households_screened == len(screened)
    for key, household in screened.items():
        result = results[household.pk]
        per_capita = Decimal(PER_CAPITA[key])
        assert result.tier == expected_tier(per_capita, RURAL_STANDARD), key
        assert result.monthly_total == expected_amount(per_capita, RURAL_STANDARD), key
    assert results[county["amount"].pk].registered_tier == Tier.DIBAO
    assert results[county["amount"].pk].registered_amount == Decimal("600.00")
    assert run.monthly_total == sum(r.monthly_total for r in results.values())
    assert run.registered_monthly_total == Decimal("648.00") + Decimal("600.00") + Decimal("100.00")


def test_a_run_lists_exactly_the_households_whose_tier_or_amount_would_change(county, region_tree):
    run = screening_run_start(actor=None, region_code=region_tree.county.code, as_of=AS_OF)

    changed = set(ScreeningResult.objects.filter(run=run, tier_changed=True).values_list("household_id", flat=True))
    amount = set(ScreeningResult.objects.filter(run=run, amount_changed=True).values_list("household_id", flat=True))
    assert changed == {county["tier_and_amount"].pk, county["new"].pk}
    assert amount == {county["amount"].pk, county["tier_and_amount"].pk, county["new"].pk}
    assert (run.tier_changes, run.amount_changes) == (2, 3)


def test_the_run_page_lists_the_changes_filtered_by_kind(client, county, region_tree, make_user):
    bureau = make_user(Role.COUNTY_BUREAU, region_tree.county)
    run = screening_run_start(actor=bureau, region_code=region_tree.county.code, as_of=AS_OF)
    client.force_login(bureau)
    url = reverse("policy:screening_run", args=[run.pk])

    def listed(query: str = "") -> set[int]:
        response = client.get(url + query)
        assert response.status_code == 200
        return {r.household_id for r in response.context["page"].object_list}

    assert listed() == {county[k].pk for k in ("amount", "tier_and_amount", "new")}
    assert listed("?change=tier") == {county[k].pk for k in ("tier_and_amount", "new")}
    assert listed("?change=amount") == {county[k].pk for k in ("amount", "tier_and_amount", "new")}
    assert listed("?change=any&tier=dibao_marginal") == {county["tier_and_amount"].pk}


def test_a_township_sees_only_its_own_runs_and_households(client, county, region_tree, make_user):
    bureau = make_user(Role.COUNTY_BUREAU, region_tree.county)
    assistant_a = make_user(Role.TOWNSHIP_ASSISTANT, region_tree.township_a)
    county_run = screening_run_start(actor=bureau, region_code=region_tree.county.code, as_of=AS_OF)
    township_run = screening_run_start(actor=assistant_a, region_code=region_tree.township_a.code, as_of=AS_OF)

    # The township's run screens only its own households (township B's "new" household is not in it).
    assert set(township_run.results.values_list("household_id", flat=True)) == {
        county[k].pk for k in ("same", "amount", "tier_and_amount", "marginal", "marginal_850")}
    client.force_login(assistant_a)
    assert client.get(reverse("policy:screening_run", args=[county_run.pk])).status_code == 404
    response = client.get(reverse("policy:screening_run", args=[township_run.pk]))
    assert {r.household_id for r in response.context["page"].object_list} == {
        county["amount"].pk, county["tier_and_amount"].pk}
    with pytest.raises(PermissionDenied):
        screening_run_start(actor=assistant_a, region_code=region_tree.township_b.code, as_of=AS_OF)


def test_only_screening_roles_start_runs(client, county, region_tree, make_user):
    grid_worker = make_user(Role.GRID_WORKER, region_tree.village_a1)
    client.force_login(grid_worker)
    response = client.post(reverse("policy:screening"), {"region": region_tree.township_a.code,
                                                         "as_of": AS_OF.isoformat()})
    assert response.status_code == 403
    assert not ScreeningRun.objects.exists()


def test_a_run_started_from_the_page_opens_its_result(client, county, region_tree, make_user):
    supervisor = make_user(Role.SUPERVISOR, region_tree.county)
    client.force_login(supervisor)
    response = client.post(reverse("policy:screening"), {"region": region_tree.county.code,
                                                         "as_of": AS_OF.isoformat()})
    run = ScreeningRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("policy:screening_run", args=[run.pk])
    assert run.started_by == supervisor and run.results.count() == 8


def test_the_changes_list_needs_the_same_number_of_queries_for_more_households(
        client, county, region_tree, make_user, make_household):
    bureau = make_user(Role.COUNTY_BUREAU, region_tree.county)
    client.force_login(bureau)

    def queries_of_run_page() -> tuple[int, int]:
        run = screening_run_start(actor=bureau, region_code=region_tree.county.code, as_of=AS_OF)
        url = reverse("policy:screening_run", args=[run.pk])
        client.get(url)  # warm-up: session and user
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        return len(queries), len(response.context["page"].object_list)

    few_queries, few_rows = queries_of_run_page()
    for _ in range(12):
        make_household(region_tree.village_b1, members=two_adults("400.00"))  # unregistered dibao: changes
    many_queries, many_rows = queries_of_run_page()
    assert many_rows > few_rows
    assert many_queries == few_queries
    assert many_queries <= 8  # session, user, run, count, page of rows with their households


def test_a_what_if_raising_the_dibao_standard_brings_more_households_into_dibao(county, region_tree, make_user):
    bureau = make_user(Role.COUNTY_BUREAU, region_tree.county)
    proposed_standard = Decimal("1000.00")
    run = screening_whatif_start(
        actor=bureau, region_code=region_tree.county.code, as_of=AS_OF,
        proposals=[{"name": "dibao_standard_rural", "value": "1000.00", "effective_from": date(2026, 1, 1)}],
        chunk_size=4,
    )

    assert run.status == ScreeningRunStatus.DONE, run.failure
    baseline = run.baseline
    assert baseline.status == ScreeningRunStatus.DONE and not baseline.what_if
    per_capita = {county[k].pk: Decimal(v) for k, v in PER_CAPITA.items()}
    before = {pk: expected_tier(pci, RURAL_STANDARD) for pk, pci in per_capita.items()}
    after = {pk: expected_tier(pci, proposed_standard) for pk, pci in per_capita.items()}
    entering_dibao = sum(1 for pk in per_capita if after[pk] == Tier.DIBAO and before[pk] != Tier.DIBAO)
    leaving_marginal = sum(1 for pk in per_capita if before[pk] == Tier.DIBAO_MARGINAL
                           and after[pk] != Tier.DIBAO_MARGINAL)
    cost_now = sum(expected_amount(pci, RURAL_STANDARD) for pci in per_capita.values())
    cost_proposed = sum(expected_amount(pci, proposed_standard) for pci in per_capita.values())

    assert entering_dibao == 4  # the four households between 824 and 1000 yuan per person
    assert run.counts["entering"].get(Tier.DIBAO, 0) == entering_dibao
    assert run.counts["leaving"].get(Tier.DIBAO_MARGINAL, 0) == leaving_marginal
    assert run.counts.get("leaving", {}).get(Tier.DIBAO, 0) == 0
    assert baseline.monthly_total == cost_now
    assert run.monthly_total == cost_proposed > cost_now
    # Each household's comparison is stored; the proposal was not saved as a standard.
    moved = set(run.results.filter(baseline_tier_changed=True).values_list("household_id", flat=True))
    assert moved == {pk for pk in per_capita if before[pk] != after[pk]}
    assert not ParameterValue.objects.filter(value="1000.00").exists()


def test_the_what_if_page_shows_entering_tiers_and_the_cost(client, county, region_tree, make_user):
    bureau = make_user(Role.COUNTY_BUREAU, region_tree.county)
    client.force_login(bureau)
    response = client.post(reverse("policy:screening_whatif"), {
        "region": region_tree.county.code, "as_of": AS_OF.isoformat(),
        "proposal-TOTAL_FORMS": "3", "proposal-INITIAL_FORMS": "0",
        "proposal-0-name": "dibao_standard_rural", "proposal-0-value": "1000", "proposal-0-effective_from": "",
        "proposal-1-name": "", "proposal-1-value": "", "proposal-2-name": "", "proposal-2-value": "",
    })
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    run = ScreeningRun.objects.get(baseline__isnull=False)
    assert run.what_if[0]["effective_from"] == AS_OF.isoformat()
    page = client.get(response["Location"])
    rows = {row["tier"]: row for row in page.context["tier_rows"]}
    assert rows[Tier.DIBAO]["entering"] == 4
    assert rows[Tier.DIBAO]["screened"] == rows[Tier.DIBAO]["baseline"] + 4
    assert page.context["cost_difference"].startswith("+¥")
    # Affected: the four who move into dibao, and the three dibao households whose amount rises.
    assert {r.household_id for r in page.context["page"].object_list} == {
        h.pk for key, h in county.items() if key not in ("none", "exited")}
    moved = client.get(response["Location"] + "?change=tier").context["page"].object_list
    assert {r.household_id for r in moved} == {county[k].pk for k in
                                               ("tier_and_amount", "marginal", "marginal_950", "marginal_850")}


def test_an_invalid_proposal_is_refused_with_its_field(client, county, region_tree, make_user):
    bureau = make_user(Role.COUNTY_BUREAU, region_tree.county)
    client.force_login(bureau)
    response = client.post(reverse("policy:screening_whatif"), {
        "region": region_tree.county.code, "as_of": AS_OF.isoformat(),
        "proposal-TOTAL_FORMS": "1", "proposal-INITIAL_FORMS": "0",
        "proposal-0-name": "dibao_standard_rural", "proposal-0-value": "-5",
    })
    assert response.status_code == 200
    assert not ScreeningRun.objects.exists()
    assert "dibao_standard_rural" in str(response.context["form"].errors)


def test_households_with_invalid_facts_are_reported_and_the_others_screened(county, region_tree, make_household):
    # A member born after the date of the run: the facts make no sense on that date.
    broken = make_household(region_tree.village_a1, members=[{"birth_date": date(2026, 6, 1)}])
    run = screening_run_start(actor=None, region_code=region_tree.county.code, as_of=AS_OF)

    assert run.status == ScreeningRunStatus.DONE
    assert run.households_failed == 1 and run.households_screened == 8
    assert run.errors[0]["household_id"] == broken.pk
    assert run.errors[0]["code"] == "future_date" and run.errors[0]["field"].endswith("birth_date")
    assert not run.results.filter(household=broken).exists()


def test_a_run_that_fails_midway_keeps_no_results(county, region_tree, monkeypatch):
    from jiuzhu.engine import base

    real = base.screen_tables
    calls = []

    def fail_on_the_second_chunk(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("engine out of memory")
        return real(**kwargs)

    monkeypatch.setattr(base, "screen_tables", fail_on_the_second_chunk)
    run = screening_run_start(actor=None, region_code=region_tree.county.code, as_of=AS_OF, chunk_size=3)
    assert run.status == ScreeningRunStatus.FAILED
    assert "engine out of memory" in run.failure
    assert not ScreeningResult.objects.exists()


def test_the_nightly_command_screens_a_region_and_prints_counts(county, region_tree, capsys):
    call_command("screen", "registry", "--region", region_tree.county.code, "--as-of", AS_OF.isoformat())
    out = capsys.readouterr().out
    run = ScreeningRun.objects.get()
    assert run.started_by is None and run.results.count() == 8
    assert "screened 8 households" in out
    assert "tier differs from the registry: 2; amount differs: 3" in out
