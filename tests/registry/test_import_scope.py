"""An import writes only inside the importer's own region subtree, and only for roles that may import."""
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from jiuzhu.core.roles import Role
from jiuzhu.registry.imports import household_import
from jiuzhu.registry.models import Household, ImportBatch, Person
from tests.registry.conftest import errors_of, household_rows, make_file, pid

pytestmark = pytest.mark.usefixtures("english")

HEAD_A = pid(date(1960, 5, 17), 11)
HEAD_B = pid(date(1955, 3, 3), 41)
MEMBER_B = pid(date(1980, 7, 7), 52)


def run(user, rows):
    return household_import(actor=user, file_name="a.csv", data=make_file(rows))


def test_a_township_user_cannot_import_a_household_into_another_township(clerk, tree):
    rows = household_rows(HEAD_A) + household_rows(
        HEAD_B, region=tree.village_b1.code, members=[{"id_number": MEMBER_B, "name": "赵六", "relation": "子女"}],
    )

    batch = run(clerk, rows)

    assert errors_of(batch) == [(3, "region_code", "region_out_of_scope"), (4, "head_id_number", "head_row_invalid")]
    assert not Household.objects.filter(region=tree.village_b1).exists()
    assert not Person.objects.filter(id_number__in=[HEAD_B, MEMBER_B]).exists()
    assert Person.objects.filter(id_number=HEAD_A).exists()


def test_a_person_registered_in_another_township_is_neither_changed_nor_moved(clerk, tree, make_household):
    other = make_household(
        tree.village_b1, members=[{"id_number": HEAD_B, "name": "王大"}, {"id_number": MEMBER_B, "name": "王二"}],
    )
    rows = household_rows(HEAD_A, members=[{"id_number": MEMBER_B, "name": "王二改", "relation": "子女"}])
    rows += household_rows(HEAD_B, name="王大改")

    batch = run(clerk, rows)

    assert errors_of(batch) == [(3, "id_number", "person_out_of_scope"), (4, "id_number", "person_out_of_scope")]
    assert batch.errors[0]["reason"] == "This person is registered in a household outside your area."
    assert sorted(other.members.values_list("name", flat=True)) == ["王二", "王大"]
    assert Person.objects.get(id_number=HEAD_A).household.members.count() == 1


def test_a_county_user_imports_into_every_township_of_the_county(county_clerk, tree):
    rows = household_rows(HEAD_A) + household_rows(HEAD_B, region=tree.village_b1.code)

    batch = run(county_clerk, rows)

    assert (batch.households_created, batch.errors) == (2, [])


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.SUPERVISOR, Role.DEPARTMENT_STAFF, Role.CHARITY])
def test_a_role_without_import_rights_is_refused(make_user, tree, role):
    user = make_user(role, tree.township_a)

    with pytest.raises(PermissionDenied):
        run(user, household_rows(HEAD_A))

    assert not ImportBatch.objects.exists()
    assert not Person.objects.exists()


def test_a_user_without_a_home_region_is_refused(make_user, tree):
    user = make_user(Role.COUNTY_BUREAU, None)

    with pytest.raises(PermissionDenied):
        run(user, household_rows(HEAD_A))
