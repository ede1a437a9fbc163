"""Errors of monitoring actions: a stable code, the field at fault, a translated message (core.errors)."""
from jiuzhu.core.errors import CodedError


class MonitoringError(CodedError):
    pass
