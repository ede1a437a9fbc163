"""One-stop intake (一门受理) and what happens on an objection to a public notice (RULES.md §7.1, §7.4)."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from jiuzhu.cases.choices import ObjectionOutcome, State
from jiuzhu.cases.errors import CaseError, CaseErrorCode
from jiuzhu.cases.selectors import application_list
from jiuzhu.registry.models import Household
from jiuzhu.registry.services import NewMember, household_register
from tests.cases.conftest import apply, survey_data
from tests.factories import make_id

pytestmark = pytest.mark.django_db


def test_any_township_window_accepts_and_routes_to_the_households_township(staff, region_tree, poor_household,
                                                                           standards):
    from jiuzhu.cases.services import Intake, application_create

    # The household lives in township A; it hands in its application at township B's window.
    application = application_create(actor=staff.assistant_b, household=poor_household,
                                     applicant=poor_household.head, intake=Intake(kind="assistance", reason="困难",
                                                                                  verification_consent=True),
                                     window=region_tree.township_b, today=date(2026, 9, 1))
    assert application.region == region_tree.township_a
    assert application.window_region == region_tree.township_b
    # Both townships see it in their lists; only township A (and the county) may act on it.
    assert list(application_list(user=staff.assistant_b, today=date(2026, 9, 1))) == [application]
    assert list(application_list(user=staff.assistant, today=date(2026, 9, 1))) == [application]
    from jiuzhu.cases.services import application_transition
    with pytest.raises(CaseError) as err:
        application_transition(actor=staff.assistant_b, application_id=application.pk, step="accept", version=1,
                               data={}, today=date(2026, 9, 1))
    assert err.value.code == CaseErrorCode.OUT_OF_REGION


def test_a_window_outside_the_users_region_is_refused(staff, region_tree, poor_household, standards):
    from jiuzhu.cases.services import Intake, application_create

    with pytest.raises(CaseError):
        application_create(actor=staff.assistant, household=poor_household, applicant=poor_household.head,
                           intake=Intake(kind="assistance"), window=region_tree.township_b)


def test_a_new_household_is_registered_from_the_id_numbers(staff, region_tree):
    head, child = make_id(birth_date=date(1985, 1, 2)), make_id(birth_date=date(2015, 5, 6), sex="female")
    household = household_register(actor=staff.assistant, region=region_tree.village_a2, address="西王庄村3号",
                                    hukou="rural", today=date(2026, 9, 1), members=[
                                        NewMember(name="赵强", id_number=head, relation="head",
                                                  monthly_income=800),
                                        NewMember(name="赵小丽", id_number=child, relation="child")])
    assert household.head.name == "赵强" and household.head.birth_date == date(1985, 1, 2)
    assert household.members.get(name="赵小丽").sex == "female"
    assert household.income_items.get().monthly_amount == 800


@pytest.mark.parametrize(("members", "message"), [
    ([NewMember(name="甲", id_number="370402198501020000", relation="head")], "Member 1"),
    ([NewMember(name="甲", id_number="", relation="child")], "Member 1"),
    ([], "applicant"),
])
def test_a_new_household_with_bad_members_is_refused_and_nothing_saved(staff, region_tree, members, message):
    with pytest.raises(ValidationError) as err:
        household_register(actor=staff.assistant, region=region_tree.village_a2, address="x", hukou="rural",
                           today=date(2026, 9, 1), members=members)
    text = " ".join(err.value.message_dict["members"])
    assert message in text or "成员" in text or "申请人" in text or "户主" in text
    assert not Household.objects.exists()


def test_an_objection_leads_to_a_community_appraisal_and_a_new_notice(staff, walk):
    walk.step("accept", today=date(2026, 9, 1))
    walk.step("verify", today=date(2026, 9, 2))
    walk.step("survey", staff.grid, today=date(2026, 9, 3), **survey_data())
    walk.step("township_opinion", today=date(2026, 9, 4), opinion="approve", text="符合")
    walk.step("publish_notice", today=date(2026, 9, 7), place="公示栏")
    walk.step("record_objection", today=date(2026, 9, 9), received_on="2026-09-09", content="群众反映其家有经营性收入")
    with pytest.raises(CaseError) as err:
        walk.step("close_notice", today=date(2026, 9, 14))
    assert err.value.field == "objections"
    app = walk.step("community_appraisal", today=date(2026, 9, 15), appraisal="民主评议：反映不属实，同意公示结果")
    assert app.state == State.SURVEYED
    assert app.notices.get().objections.get().outcome == ObjectionOutcome.APPRAISED
    walk.step("township_opinion", today=date(2026, 9, 16), opinion="approve", text="经民主评议，符合条件")
    assert app.opinions.first().appraisal.startswith("民主评议")
    walk.step("publish_notice", today=date(2026, 9, 16), place="公示栏")
    app = walk.step("close_notice", today=date(2026, 9, 23))
    assert app.state == State.AWAITING_DECISION and app.notices.count() == 2


def test_an_objection_can_send_the_case_back_to_a_new_home_survey(staff, walk):
    walk.step("accept", today=date(2026, 9, 1))
    walk.step("verify", today=date(2026, 9, 2))
    walk.step("survey", staff.grid, today=date(2026, 9, 3), **survey_data())
    walk.step("township_opinion", today=date(2026, 9, 4), opinion="approve", text="符合")
    walk.step("publish_notice", today=date(2026, 9, 7), place="公示栏")
    with pytest.raises(CaseError):
        walk.step("reinvestigate", today=date(2026, 9, 8), note="无异议时不能重新调查")
    walk.step("record_objection", today=date(2026, 9, 9), received_on="2026-09-09", content="有车辆")
    app = walk.step("reinvestigate", today=date(2026, 9, 10), note="核查车辆")
    assert app.state == State.VERIFIED
    app = walk.step("survey", staff.grid, today=date(2026, 9, 11), **survey_data(surveyed_on="2026-09-11"))
    assert app.surveys.count() == 2
