"""The one shape of a refused action across contexts: a stable code, the field at fault, and a translatable
message rendered in the active language when it is read (so an error raised in one language and shown in
another follows the reader)."""


class CodedError(Exception):
    def __init__(self, code: str, message, *, field: str = "", **params):
        self.code = code
        self.field = field
        self.message_template = message
        self.params = params
        super().__init__(self.message)

    @property
    def message(self) -> str:
        text = str(self.message_template)
        return text % self.params if self.params else text

    def __str__(self) -> str:
        return self.message

    def as_dict(self) -> dict:
        return {"code": self.code, "field": self.field, "message": self.message}
