"""The printable documents of a case: the public notice and the decision letter (RULES.md §7, §9).

Each document is built from an allowed list of values only — the notice from its frozen published content,
the letter from the decision — so neither can show an ID number, an address, income or assets. The same
document dict is rendered as a printable page and as a PDF.
"""
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from jiuzhu.cases.choices import ApplicationKind, DecisionOutcome
from jiuzhu.cases.models import Decision, PublicNotice
from jiuzhu.cases.pdf import render_pdf
from jiuzhu.core.models import Region
from jiuzhu.policy.display import money, tier_label


def _day(value) -> str:
    return date_format(value, "DATE_FORMAT") if value else ""


def _issuer(township: str) -> str:
    """Who posts the notice: a subdistrict's office (街道办事处) or a township's government."""
    if township.endswith("街道"):
        return _("%(township)s Office (civil affairs)") % {"township": township}
    return _("%(township)s People's Government (civil affairs office)") % {"township": township}


def notice_document(notice: PublicNotice) -> dict:
    content = notice.content
    return {
        "title": _("Public notice of a social assistance application"),
        "paragraphs": [
            _("The following application has been examined by the township, which proposes the assistance "
              "below. It is published from %(start)s to %(end)s at %(place)s.")
            % {"start": _day(notice.starts_on), "end": _day(notice.ends_on), "place": notice.place},
            _("Anyone with an objection may report it to the %(township)s civil-affairs office during the notice "
              "period, in person or by telephone; objections are investigated and kept confidential.")
            % {"township": content["township"]},
        ],
        "table": [
            [_("Application number"), _("Holder"), _("Tier"), _("Persons covered"), _("Monthly amount"),
             _("District / subdistrict")],
            [content["number"], content["holder"], tier_label(content["tier"]), str(content["covered_persons"]),
             money(content["monthly_amount"]), f"{content['county']} {content['township']}"],
        ],
        "closing": [_issuer(content["township"]), _day(notice.starts_on)],
    }


def letter_document(decision: Decision) -> dict:
    application = decision.application
    township: Region = application.region
    county = Region.objects.filter(code=township.code[:6] + "000000").first()
    county_name = county.name if county else township.code[:6]
    applicant = application.applicant.name
    if decision.outcome == DecisionOutcome.APPROVED and application.kind == ApplicationKind.TEMPORARY:
        title = _("Decision on temporary assistance")
        body = [_("Your application %(number)s for temporary assistance is approved: %(amount)s in all, paid as "
                  "set out in the payment schedule.") % {"number": application.number,
                                                         "amount": money(decision.monthly_total)}]
    elif decision.outcome == DecisionOutcome.APPROVED:
        title = _("Decision of approval of social assistance")
        body = [_("Your household's application %(number)s is approved as %(tier)s for %(persons)s person(s), "
                  "%(amount)s a month in all, from %(start)s.")
                % {"number": application.number, "tier": tier_label(decision.tier),
                   "persons": decision.covered_persons, "amount": money(decision.monthly_total),
                   "start": _day(decision.effective_from)}]
    else:
        title = _("Decision of refusal of social assistance")
        body = [_("Your application %(number)s is not approved, for these reasons: %(reasons)s")
                % {"number": application.number, "reasons": decision.reasons}]
    if decision.reasons and decision.outcome == DecisionOutcome.APPROVED:
        body.append(decision.reasons)
    body.append(_("If you disagree with this decision, you may apply for administrative review to the "
                  "%(county)s People's Government within 60 days of receiving it, or bring an administrative "
                  "lawsuit before the people's court within 6 months.") % {"county": county_name})
    return {
        "title": title,
        "greeting": _("To %(name)s:") % {"name": applicant},
        "paragraphs": body,
        "table": None,
        "closing": [_("%(county)s Civil Affairs Bureau") % {"county": county_name},
                    _("Letter %(number)s") % {"number": decision.letter_number}, _day(decision.decided_on)],
    }


def document_pdf(document: dict) -> bytes:
    paragraphs = ([document["greeting"]] if document.get("greeting") else []) + document["paragraphs"]
    return render_pdf(title=document["title"], paragraphs=paragraphs, table=document.get("table"),
                      closing=document["closing"])
