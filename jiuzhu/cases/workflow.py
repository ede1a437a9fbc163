"""The application workflow as an explicit state machine (RULES.md §6–7).

Each transition says from which states it may be taken, to which state it leads (None: the state stays),
which roles may take it, for which kinds of application, which inputs it needs, and which deadline it
starts. `services.application_transition` is the only code that moves an application, and it checks every
one of these before changing anything.
"""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from jiuzhu.cases.choices import OPEN_STATES, ApplicationKind, DeadlineKind, State
from jiuzhu.core.roles import Role

TOWNSHIP = frozenset({Role.TOWNSHIP_ASSISTANT})
COUNTY = frozenset({Role.COUNTY_BUREAU})
TOWNSHIP_OR_COUNTY = frozenset({Role.TOWNSHIP_ASSISTANT, Role.COUNTY_BUREAU})
SURVEYORS = frozenset({Role.TOWNSHIP_ASSISTANT, Role.GRID_WORKER})
BOTH = frozenset({ApplicationKind.ASSISTANCE, ApplicationKind.TEMPORARY})
ASSISTANCE = frozenset({ApplicationKind.ASSISTANCE})
TEMPORARY = frozenset({ApplicationKind.TEMPORARY})


@dataclass(frozen=True)
class Transition:
    name: str
    label: object
    sources: tuple[State, ...]
    target: State | None
    roles: frozenset
    kinds: frozenset = BOTH
    requires: tuple[str, ...] = ()
    starts: str = DeadlineKind.NONE
    style: str = "primary"          # primary | secondary | danger (how the page shows the button)
    help: object = ""

    def allows_state(self, state: str) -> bool:
        return state in self.sources

    def allows_kind(self, kind: str) -> bool:
        return kind in self.kinds


_PAYABLE = (State.ASSISTED, State.VERIFIED, State.SURVEYED, State.TOWNSHIP_REVIEWED, State.AWAITING_DECISION,
            State.APPROVED)

TRANSITIONS: dict[str, Transition] = {t.name: t for t in [
    Transition("update_materials", _("Record materials"), (State.SUBMITTED,), None, TOWNSHIP_OR_COUNTY,
               style="secondary",
               help=_("List what is still missing, all at once, in one notice to the applicant.")),
    Transition("accept", _("Accept"), (State.SUBMITTED,), State.ACCEPTED, TOWNSHIP_OR_COUNTY,
               starts=DeadlineKind.PROCEDURE,
               help=_("Starts the procedure's deadline, counted in working days from the day after.")),
    Transition("refuse_acceptance", _("Do not accept"), (State.SUBMITTED,), State.NOT_ACCEPTED,
               TOWNSHIP_OR_COUNTY, requires=("reasons",), style="danger"),
    Transition("assist_first", _("Assist first"), (State.SUBMITTED, State.ACCEPTED), State.ASSISTED, TOWNSHIP,
               kinds=TEMPORARY, requires=("amount",), starts=DeadlineKind.PAPERWORK,
               help=_("Pay at once within the township's limit; the paperwork follows within its deadline.")),
    Transition("verify", _("Verify the household's economy"), (State.ACCEPTED, State.ASSISTED), State.VERIFIED,
               TOWNSHIP_OR_COUNTY,
               help=_("Runs the rules on the household's current data and keeps the explained result.")),
    Transition("survey", _("Record the home survey"), (State.VERIFIED,), State.SURVEYED, SURVEYORS,
               requires=("surveyed_on", "surveyor_1", "surveyor_2", "findings")),
    Transition("township_opinion", _("Give the township's opinion"), (State.SURVEYED,), State.TOWNSHIP_REVIEWED,
               TOWNSHIP, requires=("opinion", "text")),
    Transition("publish_notice", _("Publish the notice"), (State.TOWNSHIP_REVIEWED,), State.IN_NOTICE, TOWNSHIP,
               kinds=ASSISTANCE, requires=("place",), starts=DeadlineKind.NOTICE_END),
    Transition("submit_to_county", _("Submit to the county"), (State.TOWNSHIP_REVIEWED,),
               State.AWAITING_DECISION, TOWNSHIP, kinds=TEMPORARY, starts=DeadlineKind.COUNTY_DECISION,
               help=_("Temporary assistance is not publicly noticed.")),
    Transition("record_objection", _("Record an objection"), (State.IN_NOTICE,), None, TOWNSHIP,
               kinds=ASSISTANCE, requires=("received_on", "content"), style="secondary"),
    Transition("reinvestigate", _("Re-investigate"), (State.IN_NOTICE,), State.VERIFIED, TOWNSHIP,
               kinds=ASSISTANCE, requires=("note",), style="secondary",
               help=_("On an objection: a new home survey, then a new opinion and notice.")),
    Transition("community_appraisal", _("Hold a community appraisal"), (State.IN_NOTICE,), State.SURVEYED,
               TOWNSHIP, kinds=ASSISTANCE, requires=("appraisal",), style="secondary",
               help=_("On an objection: record the appraisal, then a new opinion and notice.")),
    Transition("close_notice", _("Close the notice and submit to the county"), (State.IN_NOTICE,),
               State.AWAITING_DECISION, TOWNSHIP, kinds=ASSISTANCE, starts=DeadlineKind.COUNTY_DECISION),
    Transition("approve", _("Approve"), (State.AWAITING_DECISION,), State.APPROVED, COUNTY,
               help=_("Freezes the facts and the explained result; the tier and amount take effect from the "
                      "first day of next month.")),
    Transition("refuse", _("Refuse"), (State.AWAITING_DECISION,), State.REFUSED, COUNTY, requires=("reasons",),
               style="danger"),
    Transition("return_to_township", _("Return to the township"), (State.AWAITING_DECISION,), State.ACCEPTED,
               COUNTY, requires=("reasons",), style="secondary"),
    Transition("extend", _("Extend the procedure"), tuple(s for s in OPEN_STATES if s != State.SUBMITTED), None,
               COUNTY, requires=("reasons",), style="secondary"),
    Transition("withdraw", _("Withdraw"), tuple(OPEN_STATES), State.WITHDRAWN, TOWNSHIP_OR_COUNTY,
               requires=("reasons",), style="danger", help=_("At the applicant's request.")),
    Transition("record_payment", _("Record a payment as paid"), _PAYABLE, None, TOWNSHIP, kinds=TEMPORARY,
               requires=("payment",), style="secondary"),
]}


def transitions_for(*, kind: str, state: str) -> list[Transition]:
    """The steps that the state machine allows now, whoever asks."""
    return [t for t in TRANSITIONS.values() if t.allows_kind(kind) and t.allows_state(state)]
