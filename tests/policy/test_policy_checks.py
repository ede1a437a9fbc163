"""Start-up checks warn about counties that screen with the national reference values only."""
from datetime import date

import pytest

from jiuzhu.policy.checks import standards_in_force
from jiuzhu.policy.services import parameter_set


@pytest.mark.django_db
def test_a_county_with_households_but_no_standard_of_its_own_is_warned_about(region_tree, make_household):
    make_household(region_tree.village_a1)
    warnings = standards_in_force(None)
    assert [w.id for w in warnings] == ["policy.W001"]
    assert "370402" in warnings[0].msg


@pytest.mark.django_db
def test_a_county_whose_province_sets_the_standard_is_not_warned_about(region_tree, make_household):
    make_household(region_tree.village_a1)
    parameter_set(actor=None, region_code="370000000000", name="dibao_standard_rural",
                  effective_from=date(2020, 1, 1), value="700.00", source_document="山东省文件")
    assert standards_in_force(None) == []
