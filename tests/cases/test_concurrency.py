"""Two county officers approve the same application at once: one approval, one clear conflict."""
import threading
from datetime import date

import pytest
from django.db import connection, connections

from jiuzhu.cases.choices import State
from jiuzhu.cases.errors import CaseError, CaseErrorCode
from jiuzhu.cases.models import Application, CaseEvent, Decision
from jiuzhu.cases.services import application_transition
from jiuzhu.registry.models import TierMembership
from tests.cases.conftest import survey_data


def _to_county(walk, staff):
    walk.step("accept", today=date(2026, 9, 1))
    walk.step("verify", today=date(2026, 9, 2))
    walk.step("survey", staff.grid, today=date(2026, 9, 3), **survey_data())
    walk.step("township_opinion", today=date(2026, 9, 4), opinion="approve", text="符合")
    walk.step("publish_notice", today=date(2026, 9, 7), place="公示栏")
    walk.step("close_notice", today=date(2026, 9, 14))
    walk.application.refresh_from_db()
    return walk.application


@pytest.mark.django_db
def test_two_approvals_of_the_same_version_give_one_approval_and_one_conflict(staff, walk):
    """Both officers opened version N and press "approve". On SQLite (transactions begin IMMEDIATE) the second
    request waits for the first to commit, then finds the version taken — exactly this sequence. On
    PostgreSQL the two really overlap; the next test runs them in two threads."""
    application = _to_county(walk, staff)
    seen = application.version
    application_transition(actor=staff.county, application_id=application.pk, step="approve", version=seen,
                           data={}, today=date(2026, 9, 15))
    with pytest.raises(CaseError) as err:
        application_transition(actor=staff.county_2, application_id=application.pk, step="approve", version=seen,
                               data={}, today=date(2026, 9, 15))
    assert err.value.code == CaseErrorCode.STALE
    assert "已批准" in err.value.message or "Approved" in err.value.message
    application.refresh_from_db()
    assert application.state == State.APPROVED
    assert Decision.objects.filter(application=application).count() == 1
    assert Decision.objects.get().decided_by == staff.county
    assert CaseEvent.objects.filter(application=application, transition="approve").count() == 1


@pytest.mark.django_db
def test_the_claim_holds_even_when_both_requests_passed_their_checks(staff, walk, monkeypatch):
    """The version is claimed by one conditional UPDATE after the checks: a request whose checks passed on
    version N still fails if version N was taken in the meantime (here: by an approval run in between)."""
    application = _to_county(walk, staff)
    seen = application.version
    import jiuzhu.cases.services as services

    original = services.transition_check

    def checks_pass_then_the_version_moves_on(**kwargs):
        original(**kwargs)
        Application.objects.filter(pk=application.pk).update(version=seen + 1)

    monkeypatch.setattr(services, "transition_check", checks_pass_then_the_version_moves_on)
    with pytest.raises(CaseError) as err:
        application_transition(actor=staff.county_2, application_id=application.pk, step="approve", version=seen,
                               data={}, today=date(2026, 9, 15))
    assert err.value.code == CaseErrorCode.STALE
    assert not Decision.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_approvals_on_postgresql(staff, walk):
    """Two threads, two database connections, released together by a barrier."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database cannot hold two writing connections; on SQLite "
                    "transactions are serialised (see the test above)")
    application = _to_county(walk, staff)
    seen = application.version
    barrier = threading.Barrier(2)
    outcomes = {}

    def approve(user):
        try:
            barrier.wait(timeout=10)
            application_transition(actor=user, application_id=application.pk, step="approve", version=seen,
                                   data={}, today=date(2026, 9, 15))
            outcomes[user.username] = "approved"
        except CaseError as exc:
            outcomes[user.username] = exc.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (staff.county, staff.county_2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes.values()) == sorted(["approved", CaseErrorCode.STALE])
    application.refresh_from_db()
    assert application.state == State.APPROVED and application.version == seen + 1
    assert Decision.objects.filter(application=application).count() == 1
    assert CaseEvent.objects.filter(application=application, transition="approve").count() == 1
    assert TierMembership.objects.filter(household=application.household, person=None).count() == 1
    assert Application.objects.count() == 1
