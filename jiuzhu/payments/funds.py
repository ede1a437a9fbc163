"""Fund statistics: what was paid, by month, tier, township and fund source (the level of government paying).

Each line's amount is split between the levels by the shares frozen on its payroll (`Payroll.funding_shares`,
from the dated funding_share_* parameters when the payroll was generated), exactly to the fen by the largest
remainder method: every level gets the fen its share covers in full, and the fen left over go one each to the
levels with the largest remainders (ties: central before provincial before … township). So the parts of every
line sum to the line's amount, and every total sums to the amounts paid. See docs/payments.md.
"""
from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count
from django.db.models.functions import Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.core.models import Region
from jiuzhu.core.roles import Role, roles_of
from jiuzhu.core.scope import region_in_scope, user_region_prefix
from jiuzhu.payments.errors import PaymentError
from jiuzhu.payments.models import LineKind, LineStatus, Payroll, PayrollLine, PayrollStatus
from jiuzhu.payments.services import FUND_LEVELS
from jiuzhu.registry.choices import Tier

GROUPS = ("month", "tier", "region", "source")
FUND_ROLES = {Role.COUNTY_BUREAU, Role.TOWNSHIP_ASSISTANT, Role.SUPERVISOR, Role.SYSTEM_ADMIN}
UNALLOCATED = "unallocated"
SOURCE_LABELS = {
    "central": gettext_lazy("Central government"),
    "provincial": gettext_lazy("Province"),
    "prefecture": gettext_lazy("Prefecture"),
    "county": gettext_lazy("County"),
    "township": gettext_lazy("Township"),
    UNALLOCATED: gettext_lazy("No funding share set"),
}


def split_by_shares(amount: Decimal, shares: dict[str, str]) -> dict[str, Decimal]:
    """The parts of `amount` paid by each level, to the fen, summing exactly to `amount` (largest remainder).

    Shares are normalised by their sum, so 7 : 3 and 0.7 : 0.3 split alike; levels with a zero share get
    nothing; with no share at all the whole amount is "unallocated"."""
    cents = int(amount * 100)
    if Decimal(cents) != amount * 100:
        raise ValueError(f"not an amount to the fen: {amount}")
    weights = {level: Fraction(Decimal(str(shares.get(level) or "0"))) for level in FUND_LEVELS}
    weights = {level: w for level, w in weights.items() if w > 0}
    whole = sum(weights.values(), Fraction(0))
    if not weights:
        return {UNALLOCATED: amount}
    exact = {level: cents * w / whole for level, w in weights.items()}
    parts = {level: int(value) for level, value in exact.items()}      # floor: values are not negative
    order = sorted(weights, key=lambda level: (-(exact[level] - parts[level]), FUND_LEVELS.index(level)))
    for level in order[: cents - sum(parts.values())]:
        parts[level] += 1
    return {level: Decimal(parts[level]).scaleb(-2) for level in FUND_LEVELS if level in parts}


def _months(months: Iterable[date]) -> list[date]:
    return sorted({m.replace(day=1) for m in months})


def _scope_prefix(*, user, region: Region | None) -> str:
    if not set(roles_of(user)) & FUND_ROLES:
        raise PaymentError("role_not_allowed", _("Your role may not see fund statistics."))
    prefix = user_region_prefix(user)
    if prefix is None:
        raise PaymentError("out_of_region", _("You have no region."))
    if region is not None:
        if not region_in_scope(user=user, code=region.code):
            raise PaymentError("out_of_region", _("This region is outside your region."), field="region")
        prefix = region.prefix
    return prefix


def fund_statistics(*, user, months: Iterable[date], region: Region | None = None,
                    group_by: Iterable[str] = GROUPS, include_unpaid: bool = False) -> list[dict]:
    """Amounts by the chosen groups (any of month, tier, region = township, source = funding level), in the
    user's region (or `region` within it). Counted: lines PAID; with `include_unpaid`, every line generated
    (pending, paid or failed) except those re-issued, which their re-issue line stands for. Each row holds its
    group values, `lines` (lines contributing) and `amount` (Decimal yuan); rows are sorted by the groups.
    A line's tier is its tier, or its kind when it has none (temporary assistance, adjustments, subsidies)."""
    group_by = tuple(group_by)
    unknown = set(group_by) - set(GROUPS)
    if unknown:
        raise PaymentError("invalid_group", _("Unknown grouping: %(names)s.") % {"names": ", ".join(sorted(unknown))},
                           field="group_by")
    prefix = _scope_prefix(user=user, region=region)
    lines = PayrollLine.objects.filter(payroll__month__in=_months(months), region_code__startswith=prefix)
    if include_unpaid:
        lines = lines.exclude(status=LineStatus.REISSUED).exclude(payroll__status=PayrollStatus.GENERATING)
    else:
        lines = lines.filter(status=LineStatus.PAID)
    # Lines of one payroll with the same amount split alike: split each distinct amount once.
    grouped = lines.annotate(township=Substr("region_code", 1, 9)).values(
        "payroll_id", "payroll__month", "tier", "kind", "township", "amount").annotate(n=Count("id")).order_by()
    grouped = list(grouped)
    shares = dict(Payroll.objects.filter(pk__in={row["payroll_id"] for row in grouped})
                  .values_list("pk", "funding_shares")) if "source" in group_by else {}
    totals: dict[tuple, list] = defaultdict(lambda: [0, Decimal("0.00")])
    cache: dict[tuple, dict[str, Decimal]] = {}
    for row in grouped:
        values = {"month": row["payroll__month"], "tier": row["tier"] or row["kind"],
                  "region": row["township"] + "000"}
        if "source" in group_by:
            key = (row["payroll_id"], row["amount"])
            if key not in cache:
                cache[key] = split_by_shares(row["amount"], shares[row["payroll_id"]] or {})
            parts = cache[key].items()
        else:
            parts = [(None, row["amount"])]
        for source, part in parts:
            values["source"] = source
            total = totals[tuple(values[g] for g in group_by)]
            total[0] += row["n"]
            total[1] += part * row["n"]
    order = {level: i for i, level in enumerate((*FUND_LEVELS, UNALLOCATED))}

    def sort_key(item):
        return tuple(order[v] if g == "source" else v for g, v in zip(group_by, item[0], strict=True))

    return [{**dict(zip(group_by, key, strict=True)), "lines": n, "amount": amount}
            for key, (n, amount) in sorted(totals.items(), key=sort_key)]


def tier_label(value: str) -> str:
    if value in Tier.values:
        return str(Tier(value).label)
    if value in LineKind.values:
        return str(LineKind(value).label)
    return value


def fund_statistics_xlsx(*, user, months: Iterable[date], region: Region | None = None,
                         group_by: Iterable[str] = GROUPS, include_unpaid: bool = False) -> bytes:
    """The same figures as an .xlsx sheet: one column per group, lines, amount (yuan, two decimals), a total."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    group_by = tuple(group_by)
    rows = fund_statistics(user=user, months=months, region=region, group_by=group_by,
                           include_unpaid=include_unpaid)
    codes = {r["region"] for r in rows if "region" in r}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    titles = {"month": _("Month"), "tier": _("Tier"), "region": _("Township"), "source": _("Fund source")}
    book = Workbook()
    sheet = book.active
    sheet.title = _("Fund statistics")[:31]
    sheet.append([titles[g] for g in group_by] + [_("Lines"), _("Amount (yuan)")])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r in rows:
        cells = []
        for g in group_by:
            if g == "month":
                cells.append(f"{r['month']:%Y-%m}")
            elif g == "tier":
                cells.append(tier_label(r["tier"]))
            elif g == "region":
                cells.append(f"{names.get(r['region'], '')} ({r['region']})")
            else:
                cells.append(str(SOURCE_LABELS.get(r["source"], r["source"])))
        sheet.append(cells + [r["lines"], r["amount"]])
    total = sum((r["amount"] for r in rows), Decimal("0.00"))
    sheet.append([_("Total")] + [""] * max(len(group_by) - 1, 0) + ([""] if group_by else []) + [total])
    for row in sheet.iter_rows(min_row=2):
        row[-1].number_format = "0.00"
    for i, _title in enumerate(group_by):
        sheet.column_dimensions[chr(ord("A") + i)].width = 28
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
