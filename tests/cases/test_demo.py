"""`jiuzhu demo cases`: demo applications at every step, made once through the real services."""
from datetime import date

import pytest
from django.core.management import call_command

from jiuzhu.cases.models import Application

pytestmark = pytest.mark.django_db


def test_demo_cases_are_created_once(region_tree, standards, make_household):
    from jiuzhu.accounts.services import demo_users_ensure

    demo_users_ensure(county=region_tree.county)
    for i in range(12):
        make_household(region_tree.village_a1, members=[
            {"birth_date": date(1975 + i, 1, 1), "incomes": {"wage": str(100 * i)}},
            {"birth_date": date(1977, 1, 1), "relation": "spouse"}])
    call_command("demo", "cases")
    states = set(Application.objects.values_list("state", flat=True))
    assert {"submitted", "accepted", "verified", "surveyed", "in_notice", "awaiting_decision", "approved",
            "assisted"} <= states
    count = Application.objects.count()
    call_command("demo", "cases")
    assert Application.objects.count() == count
