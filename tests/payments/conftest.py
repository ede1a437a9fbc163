"""Payments tests: the staff and standards of the case tests, and a few households with entitlements."""
from datetime import date
from decimal import Decimal

import pytest

from tests.cases.conftest import standards, staff  # noqa: F401  (shared fixtures)


@pytest.fixture
def recipients(region_tree, make_household):
    """Three paid households in township A (dibao; 特困 per person; marginal with individual dibao) and one
    without a tier."""
    dibao = make_household(region_tree.village_a1, bank_name="农业银行", bank_account="6228480012345678901",
                           members=[{"name": "陈一", "birth_date": date(1975, 1, 1)},
                                    {"name": "林二", "birth_date": date(1978, 1, 1), "relation": "spouse"}],
                           tiers=[{"tier": "dibao", "amount": Decimal("1200.00"), "start": date(2025, 1, 1)}])
    ep = make_household(region_tree.village_a2, bank_name="邮储银行", bank_account="6217990012345678",
                        members=[{"name": "黄老三", "birth_date": date(1940, 1, 1)}])
    ep.tier_memberships.create(person=ep.head, tier="extreme_poverty", start_date=date(2025, 1, 1),
                               monthly_amount=Decimal("1555.00"))
    marginal = make_household(region_tree.village_a1, bank_name="农业银行", bank_account="6228480098765432101",
                              members=[{"name": "赵四", "birth_date": date(1960, 1, 1)},
                                       {"name": "钱五", "birth_date": date(1990, 1, 1), "relation": "child",
                                        "disability_type": "intellectual", "disability_grade": 2,
                                        "labour_capacity": "none"}])
    marginal.tier_memberships.create(tier="dibao_marginal", start_date=date(2025, 1, 1))
    marginal.tier_memberships.create(person=marginal.members.get(name="钱五"), tier="dibao_individual",
                                     start_date=date(2025, 1, 1), monthly_amount=Decimal("564.60"))
    none = make_household(region_tree.village_b1, members=[{"name": "孙六"}])
    return {"dibao": dibao, "ep": ep, "marginal": marginal, "none": none}
