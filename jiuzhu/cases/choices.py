"""Code values of the case workflow, named after ../shared/domain/GLOSSARY.md, with Chinese/English labels."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicationKind(models.TextChoices):
    # One application for the tiers of regular assistance is sorted by the rules into 特困 → dibao →
    # marginal → rigid expense (RULES.md §5), so the applicant never applies twice.
    ASSISTANCE = "assistance", _("Social assistance (sorted into 特困, dibao, marginal or rigid expense)")
    TEMPORARY = "temporary", _("Temporary assistance")


class RequestedTier(models.TextChoices):
    NONE = "", _("Not stated (let the rules sort it)")
    EXTREME_POVERTY = "extreme_poverty", _("Extreme poverty (特困)")
    DIBAO = "dibao", _("Minimum living allowance (dibao)")
    DIBAO_MARGINAL = "dibao_marginal", _("Dibao-marginal household")
    RIGID_EXPENSE = "rigid_expense", _("Rigid-expenditure hardship")


class Channel(models.TextChoices):
    WINDOW = "window", _("In person at a township window")
    ONLINE = "online", _("Online")
    AGENT = "agent", _("By an agent on the applicant's behalf")
    PROACTIVE = "proactive", _("Opened by a worker (proactive discovery)")


class TemporaryType(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency (accident, fire, sudden illness)")
    MEDICAL = "medical", _("Medical expenditure")
    EDUCATION = "education", _("Education expenditure")


class State(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted")
    ASSISTED = "assisted", _("Assisted first, paperwork pending")
    VERIFIED = "verified", _("Economic verification done")
    SURVEYED = "surveyed", _("Home survey done")
    TOWNSHIP_REVIEWED = "township_reviewed", _("Township opinion given")
    IN_NOTICE = "in_notice", _("In public notice")
    AWAITING_DECISION = "awaiting_decision", _("Awaiting the county's decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


CLOSED_STATES = {State.APPROVED, State.REFUSED, State.NOT_ACCEPTED, State.WITHDRAWN}
OPEN_STATES = [s for s in State if s not in CLOSED_STATES]


class Material(models.TextChoices):
    """Materials an application may need (listed at once, in one notice: RULES.md §7.1)."""

    APPLICATION_FORM = "application_form", _("Signed application form")
    ID_DOCUMENTS = "id_documents", _("ID cards of the household's members")
    HUKOU_BOOKLET = "hukou_booklet", _("Household registration booklet")
    CONSENT_FORM = "consent_form", _("Signed consent to economic verification")
    INCOME_STATEMENT = "income_statement", _("Declaration of income and assets")
    DISABILITY_CERTIFICATE = "disability_certificate", _("Disability certificate")
    MEDICAL_RECORDS = "medical_records", _("Medical records and invoices")
    SCHOOL_CERTIFICATE = "school_certificate", _("Proof of school enrolment")
    INCIDENT_PROOF = "incident_proof", _("Proof of the accident, fire or disaster")


class Opinion(models.TextChoices):
    RECOMMEND_APPROVAL = "approve", _("Recommend approval")
    RECOMMEND_REFUSAL = "refuse", _("Recommend refusal")


class ObjectionOutcome(models.TextChoices):
    PENDING = "", _("Not yet dealt with")
    REINVESTIGATED = "reinvestigated", _("Re-investigated")
    APPRAISED = "appraised", _("Community appraisal held")


class DecisionOutcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class PaymentKind(models.TextChoices):
    ASSIST_FIRST = "assist_first", _("Assistance first (先行救助)")
    STAGE = "stage", _("Staged payment")


class DeadlineKind(models.TextChoices):
    """The deadline a case is working to at its current step."""

    NONE = "", _("None")
    PROCEDURE = "procedure", _("Whole procedure")
    NOTICE_END = "notice_end", _("End of the public notice")
    COUNTY_DECISION = "county_decision", _("County decision")
    PAPERWORK = "paperwork", _("Paperwork after assistance first")
