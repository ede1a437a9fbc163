"""Errors of payment actions: a stable code, the field at fault, a translated message (core.errors)."""
from jiuzhu.core.errors import CodedError


class PaymentError(CodedError):
    pass
