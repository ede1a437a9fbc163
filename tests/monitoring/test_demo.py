"""`jiuzhu demo feeds`: demo department files handed in and monitored once."""
from datetime import date

import pytest
from django.core.management import call_command

from jiuzhu.monitoring.models import FeedBatch, Warning

pytestmark = pytest.mark.django_db


def test_demo_feeds_raise_warnings_once(region_tree, standards, make_household):
    from jiuzhu.accounts.services import demo_users_ensure

    demo_users_ensure(county=region_tree.county)
    for i in range(4):
        make_household(region_tree.village_a1, members=[{"birth_date": date(1970 + i, 1, 1)},
                                                         {"birth_date": date(1972, 1, 1), "relation": "spouse"}])
    call_command("demo", "feeds")
    batches = list(FeedBatch.objects.order_by("id"))
    assert [(b.rows_accepted, b.rows_rejected) for b in batches] == [(5, 1), (1, 0)]
    indicators = sorted(Warning.objects.values_list("indicator", flat=True))
    assert indicators.count("large_medical_cost") == 3 and "death" in indicators
    count = Warning.objects.count()
    call_command("demo", "feeds")
    assert FeedBatch.objects.count() == 2 and Warning.objects.count() == count
