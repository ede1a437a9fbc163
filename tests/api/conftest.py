"""Fixtures of the API tests: two townships of one county, a household in each, users by role, and
clients that authenticate with a bearer token."""
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from jiuzhu.accounts.models import api_token_create
from jiuzhu.core.roles import Role
from jiuzhu.registry.models import Asset, LegalSupporter, RigidExpense
from tests.factories import make_id

PHONE = "13812345678"
BANK_ACCOUNT = "6228480012345678901"


@pytest.fixture
def township_a_household(region_tree, make_household):
    """A dibao household of township A with every part the detail endpoint shows."""
    household = make_household(
        region_tree.village_a1,
        members=[
            {"name": "王建华", "phone": PHONE, "incomes": {"wage": "1234.5"}},
            {"name": "刘桂兰", "labour_capacity": "none", "self_care_failed_activities": ["eating", "bathing"],
             "disability_type": "physical", "disability_grade": 2},
            {"name": "王小雨", "birth_date": date(2012, 4, 2), "student_stage": "junior_secondary"},
        ],
        tiers=[{"tier": "dibao", "amount": Decimal("910.00")}],
        bank_name="农业银行",
        bank_account=BANK_ACCOUNT,
    )
    head = household.head
    household.income_items.create(kind="transfer_net", monthly_amount=Decimal("100"))
    Asset.objects.create(household=household, kind="dwelling", value=Decimal("80000"), area_m2=Decimal("65.5"))
    Asset.objects.create(household=household, kind="deposit", value=Decimal("3200.07"))
    RigidExpense.objects.create(household=household, kind="medical", amount_12m=Decimal("15000.10"))
    LegalSupporter.objects.create(
        household=household, supported_person=head, name="王建军", relation="sibling",
        id_number=make_id(region6="370402", birth_date=date(1962, 1, 1)), annual_income=Decimal("36000"),
    )
    return household


@pytest.fixture
def township_b_household(region_tree, make_household):
    return make_household(
        region_tree.village_b1, members=[{"name": "赵德明", "phone": "13900001111"}],
        tiers=[{"tier": "extreme_poverty"}],
    )


@pytest.fixture
def households(township_a_household, township_b_household):
    return township_a_household, township_b_household


@pytest.fixture
def token_client():
    """token_client(user) -> a Django test client that sends the user's new API token."""

    def build(user, *, language: str | None = None) -> Client:
        _, key = api_token_create(user=user, name="tests")
        headers = {"authorization": f"Bearer {key}"}
        if language:
            headers["accept-language"] = language
        client = Client(headers=headers)
        client.api_key = key
        return client

    return build


@pytest.fixture
def assistant_a(region_tree, make_user):
    return make_user(Role.TOWNSHIP_ASSISTANT, region_tree.township_a)


@pytest.fixture
def assistant_b(region_tree, make_user):
    return make_user(Role.TOWNSHIP_ASSISTANT, region_tree.township_b)


@pytest.fixture
def county_bureau(region_tree, make_user):
    return make_user(Role.COUNTY_BUREAU, region_tree.county)
