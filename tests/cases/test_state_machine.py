"""The workflow is an explicit state machine: what it forbids is refused with a clear message, and nothing is
half-done (RULES.md §7; issue 4's "Rules of the workflow")."""
from datetime import date

import pytest

from jiuzhu.cases.choices import ApplicationKind, State
from jiuzhu.cases.errors import CaseError, CaseErrorCode
from jiuzhu.cases.models import Application, CaseEvent, Decision
from jiuzhu.cases.services import application_transition
from jiuzhu.cases.workflow import TRANSITIONS
from tests.cases.conftest import apply, survey_data

pytestmark = pytest.mark.django_db


def _refused(user, application, step, *, data=None, today=date(2026, 9, 30)) -> CaseError:
    application.refresh_from_db()
    before = (application.state, application.version, application.events.count())
    with pytest.raises(CaseError) as err:
        application_transition(actor=user, application_id=application.pk, step=step, version=application.version,
                               data=data or {}, today=today)
    application.refresh_from_db()
    assert (application.state, application.version, application.events.count()) == before, "nothing changed"
    return err.value


def test_every_transition_the_state_machine_forbids_is_refused(staff, poor_household, standards):
    applications = {kind: apply(staff, poor_household, kind=kind, temporary_type="emergency",
                                temporary_cost=5000) for kind in ApplicationKind.values}
    refused = 0
    for kind, application in applications.items():
        for state in State.values:
            Application.objects.filter(pk=application.pk).update(state=state)
            for step in TRANSITIONS.values():
                if step.allows_kind(kind) and step.allows_state(state):
                    continue
                error = _refused(staff.county, application, step.name, data={"reasons": "x"})
                assert error.code == CaseErrorCode.FORBIDDEN_TRANSITION, (kind, state, step.name)
                refused += 1
    assert refused > 300
    assert not Decision.objects.exists()


def test_an_unknown_step_is_refused(staff, walk):
    assert _refused(staff.assistant, walk.application, "pay_everyone").code == CaseErrorCode.FORBIDDEN_TRANSITION


@pytest.mark.parametrize(("step", "state", "who"), [
    ("approve", State.AWAITING_DECISION, "assistant"),       # only the county decides
    ("approve", State.AWAITING_DECISION, "grid"),
    ("approve", State.AWAITING_DECISION, "supervisor"),
    ("refuse", State.AWAITING_DECISION, "assistant"),
    ("accept", State.SUBMITTED, "grid"),                     # grid workers survey, they don't accept
    ("accept", State.SUBMITTED, "supervisor"),
    ("accept", State.SUBMITTED, "provider"),
    ("survey", State.VERIFIED, "county"),                    # the survey is done on the spot
    ("township_opinion", State.SURVEYED, "county"),
    ("publish_notice", State.TOWNSHIP_REVIEWED, "grid"),
    ("extend", State.ACCEPTED, "assistant"),                 # only the county extends the procedure
])
def test_a_role_may_take_only_its_own_steps(staff, walk, step, state, who):
    Application.objects.filter(pk=walk.application.pk).update(state=state)
    error = _refused(getattr(staff, who), walk.application, step, data=survey_data(reasons="r", opinion="approve",
                                                                                   text="t", place="p"))
    assert error.code == CaseErrorCode.ROLE_NOT_ALLOWED


def test_another_townships_assistant_may_not_act_on_the_case(staff, walk):
    error = _refused(staff.assistant_b, walk.application, "accept")
    assert error.code == CaseErrorCode.OUT_OF_REGION


@pytest.mark.parametrize(("step", "state"), [
    ("refuse", State.AWAITING_DECISION),
    ("refuse_acceptance", State.SUBMITTED),
    ("return_to_township", State.AWAITING_DECISION),
    ("withdraw", State.ACCEPTED),
    ("extend", State.ACCEPTED),
])
@pytest.mark.parametrize("reasons", [None, "", "   "])
def test_a_refusal_must_carry_reasons(staff, walk, step, state, reasons):
    Application.objects.filter(pk=walk.application.pk).update(state=state)
    user = staff.county if step in {"refuse", "return_to_township", "extend"} else staff.assistant
    error = _refused(user, walk.application, step, data={} if reasons is None else {"reasons": reasons})
    assert error.code == CaseErrorCode.MISSING_INPUT and error.field == "reasons"


def test_acceptance_needs_the_consent_and_all_materials(staff, poor_household, standards):
    no_consent = apply(staff, poor_household, verification_consent=False)
    error = _refused(staff.assistant, no_consent, "accept")
    assert error.code == CaseErrorCode.PRECONDITION and error.field == "verification_consent"

    missing = apply(staff, poor_household, missing_materials=("hukou_booklet", "income_statement"))
    error = _refused(staff.assistant, missing, "accept")
    assert error.field == "missing_materials"
    assert "户口簿" in error.message or "registration booklet" in error.message
    # The materials arrive: recorded once, then the application is accepted.
    application_transition(actor=staff.assistant, application_id=missing.pk, step="update_materials", version=1,
                           data={"missing_materials": []}, today=date(2026, 9, 2))
    application_transition(actor=staff.assistant, application_id=missing.pk, step="accept", version=2, data={},
                           today=date(2026, 9, 2))
    missing.refresh_from_db()
    assert missing.state == State.ACCEPTED


def test_a_home_survey_needs_two_different_surveyors_and_all_signatures(staff, walk):
    walk.step("accept", today=date(2026, 9, 1))
    walk.step("verify", today=date(2026, 9, 2))
    error = _refused(staff.grid, walk.application, "survey", data=survey_data(surveyor_2="王芳"))
    assert error.code == CaseErrorCode.INVALID_INPUT and error.field == "surveyor_2"
    error = _refused(staff.grid, walk.application, "survey", data=survey_data(applicant_signed=False))
    assert error.field == "applicant_signed"
    error = _refused(staff.grid, walk.application, "survey", data=survey_data(findings=""))
    assert error.code == CaseErrorCode.MISSING_INPUT and error.field == "findings"
    error = _refused(staff.grid, walk.application, "survey", data=survey_data(surveyed_on="2099-01-01"),
                     today=date(2026, 9, 3))
    assert error.field == "surveyed_on"


def test_a_stale_form_is_refused_and_nothing_of_it_is_saved(staff, walk):
    """Two users opened the case at version 1; the first accepts; the second's refusal comes too late."""
    walk.application.refresh_from_db()
    seen = walk.application.version
    application_transition(actor=staff.assistant, application_id=walk.application.pk, step="accept", version=seen,
                           data={}, today=date(2026, 9, 1))
    with pytest.raises(CaseError) as err:
        application_transition(actor=staff.county, application_id=walk.application.pk, step="refuse_acceptance",
                               version=seen, data={"reasons": "材料不全"}, today=date(2026, 9, 1))
    assert err.value.code == CaseErrorCode.STALE
    assert "已受理" in err.value.message or "Accepted" in err.value.message
    assert [e.transition for e in CaseEvent.objects.filter(application=walk.application)] == ["submit", "accept"]


def test_a_failing_step_leaves_nothing_half_done(staff, walk, monkeypatch):
    """The approval creates the decision and the memberships in the step's one transaction: if anything fails
    after the version was claimed, everything is rolled back, the claim included."""
    walk.step("accept", today=date(2026, 9, 1))
    walk.step("verify", today=date(2026, 9, 2))
    walk.step("survey", staff.grid, today=date(2026, 9, 3), **survey_data())
    walk.step("township_opinion", today=date(2026, 9, 4), opinion="approve", text="符合")
    walk.step("publish_notice", today=date(2026, 9, 7), place="公示栏")
    walk.step("close_notice", today=date(2026, 9, 14))
    import jiuzhu.cases.services as services

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "tier_memberships_replace", broken)
    walk.application.refresh_from_db()
    version = walk.application.version
    with pytest.raises(RuntimeError):
        application_transition(actor=staff.county, application_id=walk.application.pk, step="approve",
                               version=version, data={}, today=date(2026, 9, 15))
    walk.application.refresh_from_db()
    assert walk.application.state == State.AWAITING_DECISION and walk.application.version == version
    assert not Decision.objects.exists()


def test_a_grid_worker_acts_only_on_households_of_their_own_village(staff, walk, region_tree, make_user):
    Application.objects.filter(pk=walk.application.pk).update(state=State.VERIFIED)
    neighbour = make_user("grid_worker", region_tree.village_a2, username="grid_a2")
    error = _refused(neighbour, walk.application, "survey", data=survey_data())
    assert error.code == CaseErrorCode.OUT_OF_REGION
