"""What a public notice and a decision letter may show (RULES.md §9).

A notice publishes the holder's name (partly masked by default, a parameter), the number of persons covered,
the monthly amount, the tier and the district/subdistrict — never the address, an ID number, income or
assets. The content is built here from a short list of allowed values and frozen on the notice, so the
printed page and the PDF cannot show anything else.
"""
from decimal import Decimal

from jiuzhu.core.masking import mask_name
from jiuzhu.core.models import Region
from jiuzhu.policy.resolve import ParameterBook

NOTICE_FIELDS = ("holder", "tier", "covered_persons", "monthly_amount", "county", "township", "number")


def covered_persons(result: dict) -> int:
    """Persons covered by the tier the rules give (person-level tiers count their holders)."""
    summary = result.get("summary", {})
    with_own_tier = sum(1 for m in result.get("members", []) if m.get("person_tier"))
    if result.get("tier") == "extreme_poverty":
        return with_own_tier
    if result.get("tier") == "dibao":
        return int(summary.get("dibao_covered_persons") or summary.get("counted_members") or 0) + with_own_tier
    return int(summary.get("counted_members") or 0)


def notice_content(*, application, verification) -> dict:
    """The frozen, publishable content of a public notice for an application."""
    mask = ParameterBook.from_database().resolve(region_code=application.region_id, as_of=application.submitted_on)[
        "public_notice_mask_name"].value
    name = application.applicant.name
    result = verification.result if verification else {}
    township: Region = application.region
    county = Region.objects.filter(code=township.code[:6] + "000000").first()
    amount = Decimal(str(verification.monthly_total)) if verification else Decimal("0.00")
    content = {
        "holder": mask_name(name) if mask else name,
        "tier": result.get("tier", ""),
        "covered_persons": covered_persons(result),
        "monthly_amount": f"{amount:.2f}",
        "county": county.name if county else "",
        "township": township.name,
        "number": application.number,
    }
    assert tuple(content) == NOTICE_FIELDS
    return content
