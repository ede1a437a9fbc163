"""Errors of payment actions: a stable code, the field at fault, a translated message."""


class PaymentError(Exception):
    def __init__(self, code: str, message, *, field: str = ""):
        self.code = code
        self.field = field
        self.message = str(message)
        super().__init__(self.message)

    def as_dict(self) -> dict:
        return {"code": self.code, "field": self.field, "message": self.message}
