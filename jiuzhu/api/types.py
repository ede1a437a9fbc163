"""Field types shared by the API's schemas.

`Money`: money is Decimal yuan to the fen everywhere in jiuzhu, so on the wire it is a JSON *string* with
exactly two decimals ("1234.50"), never a JSON number: a client parsing numbers as binary floats would
otherwise silently round amounts. As input the same type accepts such a string (or an integer) and refuses
floats and amounts with fractions of a fen.

`MaskedIdNumber`, `MaskedPhone`, `MaskedBankAccount`: output-only types that mask the value while the
response is built, so that no schema can forget to. Full numbers are returned only by the audited
`POST /persons/{id}/reveal`.
"""
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema

from jiuzhu.core.masking import mask_account_number, mask_id_number, mask_phone

CENT = Decimal("0.01")


def _refuse_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError("money must be given as a string such as \"1234.50\", not as a floating-point number")
    return value


def _two_decimals(value: Decimal) -> str:
    return str(value.quantize(CENT))


Money = Annotated[
    Decimal,
    BeforeValidator(_refuse_float),
    Field(max_digits=14, decimal_places=2),
    PlainSerializer(_two_decimals, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^-?\d{1,12}\.\d{2}$",
            "examples": ["1234.50"],
            "description": "An amount in yuan as a string with exactly two decimals (fen); never a JSON number.",
        }
    ),
]

# Not money, but stored to two decimals for the same reason (floor area in m²).
Decimal2 = Annotated[
    Decimal,
    BeforeValidator(_refuse_float),
    Field(max_digits=8, decimal_places=2),
    PlainSerializer(_two_decimals, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d{1,6}\.\d{2}$", "examples": ["65.00"]}),
]


MaskedIdNumber = Annotated[
    str,
    AfterValidator(mask_id_number),
    WithJsonSchema(
        {
            "type": "string",
            "examples": ["370402********0016"],
            "description": "Resident ID number, masked: region prefix and last 4 characters only.",
        }
    ),
]

MaskedPhone = Annotated[
    str,
    AfterValidator(mask_phone),
    WithJsonSchema(
        {"type": "string", "examples": ["138****5678"], "description": "Phone number, masked; empty if none."}
    ),
]

MaskedBankAccount = Annotated[
    str,
    AfterValidator(mask_account_number),
    WithJsonSchema(
        {"type": "string", "examples": ["***************1234"], "description": "Bank account, last 4 digits only."}
    ),
]
