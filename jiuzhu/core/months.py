"""Calendar-month arithmetic shared by decisions, payrolls and reviews (payments start, stop and recur by month)."""
from calendar import monthrange
from datetime import date, timedelta


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return month_end(day) + timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, kept within the month (31 January + 1 month = 28 or 29 February)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))
