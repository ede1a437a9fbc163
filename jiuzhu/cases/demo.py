"""Demo applications for `make demo`: a handful of cases at every step, made through the real services with
back-dated days, so the worklist, the deadlines and the timelines have something to show."""
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from jiuzhu.accounts.models import User
from jiuzhu.cases.errors import CaseError
from jiuzhu.cases.models import Application
from jiuzhu.cases.services import Intake, application_create, application_transition
from jiuzhu.core.models import Region
from jiuzhu.registry.models import Household

DEMO_SOURCE = "demo"
SURVEY = {"surveyor_1": "王芳", "surveyor_2": "刘强", "findings": "家中陈设简陋，无贵重物品，与申报情况一致。",
          "surveyors_signed": True, "applicant_signed": True}


@dataclass
class DemoCasesResult:
    created: int
    existing: int


def _users() -> tuple[User, User, User]:
    return (User.objects.get(username="demo_township_assistant"), User.objects.get(username="demo_grid_worker"),
            User.objects.get(username="demo_county_bureau"))


@transaction.atomic
def demo_cases_ensure(*, today: date | None = None) -> DemoCasesResult:
    """Create the demo applications once (households of the demo grid worker's village)."""
    existing = Application.objects.filter(source_reference=DEMO_SOURCE).count()
    if existing:
        return DemoCasesResult(0, existing)
    today = today or timezone.localdate()
    assistant, grid, county = _users()
    window: Region = assistant.home_region
    # Active households of the grid worker's village, those in no tier first (most demo households already hold one).
    households = sorted(Household.objects.filter(region=grid.home_region, status="active", head__isnull=False)
                        .select_related("head").prefetch_related("tier_memberships").order_by("id")[:60],
                        key=lambda h: (h.tier_memberships.exists(), h.pk))
    plans = [("submitted", 2), ("accepted", 12), ("verified", 10), ("surveyed", 9), ("in_notice", 8),
             ("awaiting_decision", 20), ("approved", 30), ("overdue", 60), ("temporary", 1)]
    created = 0
    candidates = iter(households)
    for goal, days_ago in plans:
        for household in candidates:
            if _make(goal, household, start=today - timedelta(days=days_ago), window=window, assistant=assistant,
                     grid=grid, county=county):
                created += 1
                break
    return DemoCasesResult(created, 0)


def _make(goal, household, *, start, window, assistant, grid, county) -> bool:
    """One demo case driven to `goal`; False (and nothing kept) when the household does not fit."""
    sid = transaction.savepoint()
    try:
        done = _drive(goal, household, start=start, window=window, assistant=assistant, grid=grid, county=county)
    except CaseError:
        done = False
    if done:
        transaction.savepoint_commit(sid)
    else:
        transaction.savepoint_rollback(sid)
    return done


def _drive(goal, household, *, start, window, assistant, grid, county) -> bool:
    temporary = goal == "temporary"
    intake = Intake(kind="temporary" if temporary else "assistance", reason="家庭生活困难，申请救助。",
                    verification_consent=goal != "submitted", source_reference=DEMO_SOURCE,
                    missing_materials=("hukou_booklet",) if goal == "submitted" else (),
                    temporary_type="emergency" if temporary else "",
                    temporary_cost=Decimal("6000.00") if temporary else None)
    app = application_create(actor=assistant, household=household, applicant=household.head, intake=intake,
                             window=window, today=start)
    day = start

    def step(name, user=assistant, *, after=1, **data):
        nonlocal app, day
        day = day + timedelta(days=after)
        app = application_transition(actor=user, application_id=app.pk, step=name, version=app.version, data=data,
                                     today=day)

    if goal == "submitted":
        return True
    if temporary:
        step("assist_first", after=0, amount="1000.00")
        return True
    step("accept", after=0)
    if goal in ("accepted", "overdue"):
        return True
    step("verify")
    if not app.sorted_tier and goal in ("in_notice", "awaiting_decision", "approved"):
        return False
    if goal == "verified":
        return True
    step("survey", grid, surveyed_on=(day + timedelta(days=1)).isoformat(), **SURVEY)
    if goal == "surveyed":
        return True
    step("township_opinion", opinion="approve", text="经入户调查和家庭经济状况核对，符合条件。")
    step("publish_notice", place="村（居）务公开栏")
    if goal == "in_notice":
        return True
    step("close_notice", after=7)
    if goal == "awaiting_decision":
        return True
    step("approve", county, after=2, reasons="")
    return True
