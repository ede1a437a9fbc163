"""Forms of the case pages: they parse and validate input; the services decide and write."""
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiuzhu.cases.choices import (
    ApplicationKind,
    Channel,
    Material,
    Opinion,
    RequestedTier,
    State,
    TemporaryType,
)
from jiuzhu.core.idnumber import IdNumberError, parse_id_number
from jiuzhu.core.regions import RegionLevel
from jiuzhu.core.scope import region_list
from jiuzhu.registry.choices import Hukou, LabourCapacity, Relation

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ApplicationFilterForm(forms.Form):
    q = forms.CharField(label=_("Number or applicant"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("State"), required=False, choices=[
        ("open", _("Open")), ("closed", _("Closed")), ("", _("All")), *State.choices])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *ApplicationKind.choices])
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def filters(self) -> dict:
        if not self.is_valid():
            return {"state": "open"}
        data = self.cleaned_data
        return {"q": data["q"].strip(), "state": data["state"] if self.data.get("state") is not None else "open",
                "kind": data["kind"], "overdue": data["overdue"]}


class IntakeForm(forms.Form):
    """An application at the window, for a registered household (its applicant chosen among its members)."""

    applicant = forms.TypedChoiceField(label=_("Applicant"), coerce=int)
    kind = forms.ChoiceField(label=_("Assistance applied for"), choices=ApplicationKind.choices)
    requested_tier = forms.ChoiceField(label=_("Tier asked for"), choices=RequestedTier.choices, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.WINDOW)
    reason = forms.CharField(label=_("Reason for applying"), widget=forms.Textarea(attrs={"rows": 3}))
    verification_consent = forms.BooleanField(
        label=_("The applicant signed the consent to economic verification"), required=False)
    consent_date = forms.DateField(label=_("Consent signed on"), required=False, widget=DATE_INPUT)
    missing_materials = forms.MultipleChoiceField(
        label=_("Materials still missing (listed at once in one notice)"), choices=Material.choices,
        required=False, widget=forms.CheckboxSelectMultiple)
    temporary_type = forms.ChoiceField(label=_("Temporary assistance type"), required=False,
                                       choices=[("", "—"), *TemporaryType.choices])
    temporary_cost = forms.DecimalField(label=_("Need or out-of-pocket cost (yuan)"), required=False,
                                        min_value=0, max_digits=12, decimal_places=2)
    non_local = forms.BooleanField(label=_("Non-local applicant (helped where they are)"), required=False)
    residence_months = forms.IntegerField(label=_("Months of residence here"), required=False, min_value=0)
    source_reference = forms.CharField(label=_("Opened from (warning, visit)"), required=False, max_length=100)

    def __init__(self, *args, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        members = list(household.members.all()) if household else []
        self.fields["applicant"].choices = [(m.pk, m.name) for m in members]
        if household and household.head_id:
            self.fields["applicant"].initial = household.head_id

    def clean(self):
        data = super().clean()
        if data.get("kind") == ApplicationKind.TEMPORARY:
            if not data.get("temporary_type"):
                self.add_error("temporary_type", _("Temporary assistance needs its type."))
            if data.get("temporary_cost") is None:
                self.add_error("temporary_cost", _("Give the cost or need in yuan."))
        consent_date = data.get("consent_date")
        if consent_date and consent_date > timezone.localdate():
            self.add_error("consent_date", _("The date is in the future."))
        return data


class NewHouseholdForm(forms.Form):
    """A household applying for the first time."""

    region = forms.ChoiceField(label=_("Village or community"))
    address = forms.CharField(label=_("Address"), max_length=200)
    hukou = forms.ChoiceField(label=_("Hukou"), choices=Hukou.choices)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        villages = region_list(user=user, level=RegionLevel.VILLAGE).only("code", "name", "name_en")
        self.fields["region"].choices = [(r.code, f"{r.display_name()} ({r.code})") for r in villages]


class NewMemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=24)
    relation = forms.ChoiceField(label=_("Relation to head"), choices=Relation.choices)
    labour_capacity = forms.ChoiceField(label=_("Labour capacity"), choices=LabourCapacity.choices)
    monthly_income = forms.DecimalField(label=_("Declared monthly income (yuan)"), required=False, min_value=0,
                                        max_digits=12, decimal_places=2)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)

    def clean_id_number(self):
        try:
            return parse_id_number(self.cleaned_data["id_number"], today=timezone.localdate()).number
        except IdNumberError as exc:
            raise ValidationError(exc.message) from None


NewMemberFormSet = forms.formset_factory(NewMemberForm, extra=4, min_num=1, validate_min=True, max_num=12)


# --- One form per step of the workflow -------------------------------------------------------------------

class StepForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class NoteForm(StepForm):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonsForm(StepForm):
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}))


class MaterialsForm(StepForm):
    missing_materials = forms.MultipleChoiceField(label=_("Materials still missing"), choices=Material.choices,
                                                  required=False, widget=forms.CheckboxSelectMultiple)
    verification_consent = forms.BooleanField(label=_("Consent to economic verification signed"), required=False)


class AmountForm(StepForm):
    amount = forms.DecimalField(label=_("Amount (yuan)"), min_value=0, max_digits=12, decimal_places=2)
    note = forms.CharField(label=_("Note"), required=False)


class SurveyForm(StepForm):
    surveyed_on = forms.DateField(label=_("Surveyed on"), widget=DATE_INPUT)
    surveyor_1 = forms.CharField(label=_("First surveyor"), max_length=50)
    surveyor_2 = forms.CharField(label=_("Second surveyor"), max_length=50)
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 3}))
    living_conditions = forms.CharField(label=_("Living conditions"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 2}))
    surveyors_signed = forms.BooleanField(label=_("Both surveyors signed"), required=False)
    applicant_signed = forms.BooleanField(label=_("The applicant signed"), required=False)


class OpinionForm(StepForm):
    opinion = forms.ChoiceField(label=_("Opinion"), choices=Opinion.choices, widget=forms.RadioSelect)
    text = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}))


class NoticeForm(StepForm):
    place = forms.CharField(label=_("Where posted"), max_length=200)


class ObjectionForm(StepForm):
    received_on = forms.DateField(label=_("Received on"), widget=DATE_INPUT)
    content = forms.CharField(label=_("Objection"), widget=forms.Textarea(attrs={"rows": 3}))


class AppraisalForm(StepForm):
    appraisal = forms.CharField(label=_("Result of the community appraisal"),
                                widget=forms.Textarea(attrs={"rows": 3}))


class ReinvestigateForm(StepForm):
    note = forms.CharField(label=_("What is to be re-investigated"), widget=forms.Textarea(attrs={"rows": 2}))


class ApproveForm(StepForm):
    reasons = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TemporaryApproveForm(StepForm):
    amount = forms.DecimalField(label=_("Approved amount (yuan); empty: the rules' amount"), required=False,
                                min_value=0, max_digits=12, decimal_places=2)
    stages = forms.IntegerField(label=_("Number of payments"), min_value=1, max_value=12, initial=1)
    reasons = forms.CharField(label=_("Note"), required=False)


class PaymentForm(StepForm):
    payment = forms.TypedChoiceField(label=_("Payment"), coerce=int)

    def __init__(self, *args, application=None, **kwargs):
        super().__init__(*args, **kwargs)
        unpaid = [p for p in application.payments.all() if p.paid_at is None] if application else []
        self.fields["payment"].choices = [
            (p.pk, f"{p.get_kind_display()} {p.stage} · {p.amount} · {p.due_on or ''}") for p in unpaid]


STEP_FORMS = {
    "update_materials": MaterialsForm,
    "accept": NoteForm,
    "refuse_acceptance": ReasonsForm,
    "assist_first": AmountForm,
    "verify": NoteForm,
    "survey": SurveyForm,
    "township_opinion": OpinionForm,
    "publish_notice": NoticeForm,
    "submit_to_county": NoteForm,
    "record_objection": ObjectionForm,
    "reinvestigate": ReinvestigateForm,
    "community_appraisal": AppraisalForm,
    "close_notice": NoteForm,
    "approve": ApproveForm,
    "refuse": ReasonsForm,
    "return_to_township": ReasonsForm,
    "extend": ReasonsForm,
    "withdraw": ReasonsForm,
    "record_payment": PaymentForm,
}


def step_form(step: str, application, data=None):
    """The form of a step, bound to posted data or initialised with the application's version."""
    cls = STEP_FORMS[step]
    if step == "approve" and application.kind == ApplicationKind.TEMPORARY:
        cls = TemporaryApproveForm
    kwargs = {"prefix": step}
    if cls is PaymentForm:
        kwargs["application"] = application
    if cls is MaterialsForm and data is None:
        kwargs["initial"] = {"missing_materials": application.missing_materials,
                             "verification_consent": application.verification_consent}
    form = cls(data, **kwargs) if data is not None else cls(**kwargs)
    if data is None:
        form.initial["version"] = application.version
    return form

