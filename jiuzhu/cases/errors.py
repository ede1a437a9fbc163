"""Errors of the case workflow: stable codes and translatable messages naming what is wrong."""
from django.utils.translation import gettext_lazy as _

from jiuzhu.core.errors import CodedError


class CaseErrorCode:
    FORBIDDEN_TRANSITION = "forbidden_transition"
    ROLE_NOT_ALLOWED = "role_not_allowed"
    OUT_OF_REGION = "out_of_region"
    STALE = "stale"
    MISSING_INPUT = "missing_input"
    INVALID_INPUT = "invalid_input"
    PRECONDITION = "precondition"
    RULES_INPUT = "rules_input"


class CaseError(CodedError):
    """A refused step of the workflow; `field` names the input at fault when there is one."""


MESSAGES = {
    "forbidden_transition": _("“%(step)s” cannot be done while the application is “%(state)s”."),
    "wrong_kind": _("“%(step)s” does not apply to this kind of application."),
    "role_not_allowed": _("Your role may not do “%(step)s”."),
    "out_of_region": _("This application belongs to %(region)s, outside your region."),
    "stale": _("Someone else has acted on this application since you opened it (it is now “%(state)s”). "
               "Reload the page to see what was done; nothing of yours was saved."),
    "missing_input": _("This field is required for “%(step)s”."),
    "reasons_required": _("Give the reasons: a refusal or return must say why."),
    "two_surveyors": _("A home survey needs two different surveyors."),
    "signatures": _("Both surveyors and the applicant must sign the survey record."),
    "consent_missing": _("The applicant has not consented to economic verification; the application cannot "
                         "be accepted without it."),
    "materials_missing": _("Materials are still missing: %(materials)s. Record them as received first."),
    "notice_running": _("The public notice runs until %(ends_on)s; it can be closed from the day after."),
    "objections_pending": _("An objection is not yet dealt with: re-investigate or hold a community appraisal."),
    "no_objection": _("There is no pending objection to deal with."),
    "already_extended": _("The procedure has already been extended."),
    "not_eligible": _("The rules give no tier for this household on %(as_of)s; it cannot be approved. "
                      "Refuse with reasons, or return it to the township."),
    "assist_first_limit": _("Assistance first is limited to %(limit)s yuan here (the township's limit and the "
                            "rules' amount for this request)."),
    "amount_above_rules": _("The amount %(amount)s is above the %(limit)s yuan the rules allow."),
    "amount_positive": _("The amount must be more than zero."),
    "stages_range": _("Staged assistance is paid in 1 to %(max)s payments."),
    "residence_short": _("A non-local applicant needs %(months)s months of residence for non-emergency "
                         "temporary assistance (has %(has)s). Emergencies need none; people without "
                         "residence are referred to the rescue station."),
    "temporary_fields": _("Temporary assistance needs its type and the cost or need in yuan."),
    "payment_not_found": _("No unpaid payment %(payment)s on this application."),
    "unknown_step": _("Unknown step “%(step)s”."),
    "unknown_material": _("Unknown material “%(value)s”."),
    "date_in_future": _("The date %(value)s is in the future."),
    "household_closed": _("The household has exited the registry; register it again first."),
}
