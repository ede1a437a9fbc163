"""The Money type: two-decimal strings out, no floats or fractions of a fen in."""
from decimal import Decimal

import pytest
from ninja import Schema
from pydantic import ValidationError

from jiuzhu.api.types import MaskedBankAccount, Money


class Amount(Schema):
    amount: Money
    optional: Money | None = None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (Decimal("1234.5"), "1234.50"), ("1234.50", "1234.50"), (100, "100.00"), ("0", "0.00"),
        (Decimal("1E+3"), "1000.00"),
    ],
)
def test_money_is_written_as_a_string_with_two_decimals(given, expected):
    assert Amount(amount=given).model_dump() == {"amount": expected, "optional": None}
    assert Amount(amount=given).model_dump_json() == f'{{"amount":"{expected}","optional":null}}'


@pytest.mark.parametrize("given", [1234.5, "12.345", "abc", "1000000000000.00"])
def test_money_refuses_floats_fractions_of_a_fen_and_nonsense(given):
    with pytest.raises(ValidationError):
        Amount(amount=given)


def test_a_bank_account_keeps_its_last_four_digits():
    class Account(Schema):
        bank_account: MaskedBankAccount

    assert Account(bank_account="6228480012345678901").bank_account == "***************8901"
    assert Account(bank_account="").bank_account == ""
    assert Account(bank_account="123").bank_account == "***"
