"""Case workflow tests: a county with two townships, its reference standards, and one user per role."""
from dataclasses import dataclass
from datetime import date

import pytest

from jiuzhu.cases.services import Intake, application_create, application_transition


@pytest.fixture
def standards(region_tree):
    """The shipped national defaults and the reference standards of the regions in the test tree (Zaozhuang
    Shizhong district has its own: rural dibao 824 yuan a month)."""
    from jiuzhu.core.models import Region
    from jiuzhu.policy.parameters import NATIONAL
    from jiuzhu.policy.services import parameter_set, reference_rows

    known = set(Region.objects.values_list("code", flat=True)) | {NATIONAL}
    for row in reference_rows():
        if row["region_code"] in known:
            parameter_set(actor=None, **row)


@dataclass
class Staff:
    assistant: object      # township A's civil-affairs assistant
    assistant_b: object    # township B's
    grid: object           # a grid worker of a village in township A
    county: object         # the county bureau
    county_2: object       # a second county bureau user
    supervisor: object
    provider: object       # a service provider (no access to cases)


@pytest.fixture
def staff(region_tree, make_user) -> Staff:
    t = region_tree
    return Staff(
        assistant=make_user("township_assistant", t.township_a, username="assistant_a", first_name="王芳"),
        assistant_b=make_user("township_assistant", t.township_b, username="assistant_b"),
        grid=make_user("grid_worker", t.village_a1, username="grid_a"),     # grid workers serve one village
        county=make_user("county_bureau", t.county, username="county"),
        county_2=make_user("county_bureau", t.county, username="county_2"),
        supervisor=make_user("supervisor", t.county, username="supervisor"),
        provider=make_user("service_provider", t.county, username="provider"),
    )


@pytest.fixture
def poor_household(region_tree, make_household):
    """Three people in a rural village of township A; 500 yuan wages a month: 166.67 per head, below 824."""
    return make_household(region_tree.village_a1, hukou="rural", address="东风社区12号楼3单元501", members=[
        {"name": "张建国", "birth_date": date(1980, 3, 9), "incomes": {"wage": "500.00"}, "phone": "13812345678"},
        {"name": "李秀英", "birth_date": date(1982, 6, 1), "relation": "spouse"},
        {"name": "张小明", "birth_date": date(2012, 9, 1), "relation": "child", "student_stage": "junior_secondary"},
    ])


class Walk:
    """Drives an application through the workflow with the right user for each step."""

    def __init__(self, staff: Staff, application):
        self.staff = staff
        self.application = application

    def step(self, step: str, user=None, *, today: date, **data):
        user = user or self.staff.assistant
        self.application.refresh_from_db()
        self.application = application_transition(actor=user, application_id=self.application.pk, step=step,
                                                  version=self.application.version, data=data, today=today)
        return self.application


def apply(staff, household, *, today=date(2026, 9, 1), kind="assistance", window=None, **intake):
    intake.setdefault("verification_consent", True)
    return application_create(actor=staff.assistant, household=household, applicant=household.head,
                              intake=Intake(kind=kind, **intake), window=window or household.region.parent,
                              today=today)


@pytest.fixture
def walk(staff, poor_household, standards):
    return Walk(staff, apply(staff, poor_household))


def survey_data(**extra):
    return {"surveyed_on": "2026-09-03", "surveyor_1": "王芳", "surveyor_2": "刘强", "findings": "家中无贵重财产",
            "surveyors_signed": True, "applicant_signed": True} | extra
