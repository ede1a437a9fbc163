"""Fixtures of the web tests: two townships of one district, staff of each, and a few households."""
from dataclasses import dataclass

import pytest
from django.conf import settings

from jiuzhu.core.roles import Role
from jiuzhu.registry.choices import HouseholdStatus, Tier


@dataclass
class Township:
    tree: object
    assistant: object       # township A's civil-affairs assistant (reads, reveals, exports)
    other_assistant: object  # township B's assistant
    department: object      # department staff in township A: reads, may not reveal
    charity: object         # a charity in township A: no access to the registry
    household: object       # in village A1, dibao, two members with phones
    household_urban: object  # in village A2, urban, suspended
    household_b: object     # in township B


@pytest.fixture
def township(region_tree, make_user, make_household) -> Township:
    tree = region_tree
    household = make_household(
        tree.village_a1,
        members=[
            {"name": "王建军", "phone": "13812345678", "incomes": {"wage": "1200.50"}},
            {"name": "刘桂兰", "phone": "13987654321", "incomes": {"pension": "300"}},
        ],
        tiers=[{"tier": Tier.DIBAO, "amount": "600.00"}],
        bank_name="农村信用社", bank_account="6230520011223344",
    )
    household_urban = make_household(
        tree.village_a2, members=[{"name": "赵丽"}], hukou="urban", status=HouseholdStatus.SUSPENDED,
        tiers=[{"tier": Tier.DIBAO_MARGINAL}],
    )
    household_b = make_household(tree.village_b1, members=[{"name": "孙志强"}, {"name": "周敏"}])
    return Township(
        tree=tree,
        assistant=make_user(Role.TOWNSHIP_ASSISTANT, tree.township_a, is_staff=True, display_name="钱助理"),
        other_assistant=make_user(Role.TOWNSHIP_ASSISTANT, tree.township_b, is_staff=True),
        department=make_user(Role.DEPARTMENT_STAFF, tree.township_a),
        charity=make_user(Role.CHARITY, tree.township_a),
        household=household,
        household_urban=household_urban,
        household_b=household_b,
    )


@pytest.fixture
def english(client):
    """The language a user picked with the switcher, as the browser would send it back."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def section(html: str, heading_id: str) -> str:
    """The part of a page from a section's heading to the next section."""
    start = html.index(f'id="{heading_id}"')
    end = html.find("<section", start)
    return html[start:] if end == -1 else html[start:end]


@pytest.fixture
def page_section():
    return section
