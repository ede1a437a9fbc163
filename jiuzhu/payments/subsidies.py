"""One-time subsidies decided for a group (e.g. a holiday subsidy to every 特困 recipient and orphan by a
deadline), paid with the payroll of a month: each person once (source key "gs:<subsidy>:<person>")."""
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from jiuzhu.core.models import Region
from jiuzhu.payments.errors import PaymentError
from jiuzhu.payments.models import GroupSubsidy, Payroll, PayrollStatus
from jiuzhu.core.months import month_start
from jiuzhu.payments.services import payroll_role_check
from jiuzhu.registry.choices import ChildStatus, Tier


@transaction.atomic
def subsidy_create(*, actor, region: Region, name: str, tiers: list[str], child_statuses: list[str],
                   amount: Decimal, month: date, deadline: date, document: str) -> GroupSubsidy:
    """Decide a one-time subsidy for the county's recipients of `tiers` and children of `child_statuses`."""
    payroll_role_check(actor, region)
    month = month_start(month)
    if not name.strip() or not document.strip():
        raise PaymentError("missing_input", _("Give the subsidy's name and the document that decided it."),
                           field="name" if not name.strip() else "document")
    bad = [t for t in tiers if t not in Tier.values] + [c for c in child_statuses if c not in ChildStatus.values]
    if bad:
        raise PaymentError("invalid_input", _("Unknown group: %(codes)s.") % {"codes": ", ".join(bad)}, field="tiers")
    if not tiers and not child_statuses:
        raise PaymentError("missing_input", _("Choose who receives the subsidy."), field="tiers")
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise PaymentError("invalid_amount", _("The amount must be more than zero, to the fen."), field="amount")
    if deadline < month:
        raise PaymentError("invalid_date", _("The payroll of %(month)s would pay after the deadline %(deadline)s.")
                           % {"month": f"{month:%Y-%m}", "deadline": deadline.isoformat()}, field="month")
    if Payroll.objects.filter(region=region, month=month, number=1).exclude(
            status=PayrollStatus.GENERATING).exists():
        raise PaymentError("payroll_closed", _("The payroll of %(month)s is already prepared: choose a later month.")
                           % {"month": f"{month:%Y-%m}"}, field="month")
    return GroupSubsidy.objects.create(region=region, name=name.strip(), tiers=list(tiers),
                                       child_statuses=list(child_statuses), amount=amount, month=month,
                                       deadline=deadline, document=document.strip(), created_by=actor)
