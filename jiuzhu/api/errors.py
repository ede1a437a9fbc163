"""Errors of the REST API: one JSON shape, stable codes, translated messages.

Every error response is `{"code": "...", "message": "..."}` (validation errors add `errors`, the list of
offending fields). Clients branch on `code`, which never changes; `message` is for people and follows the
request's language (Accept-Language: zh-hans by default, en).
"""
import enum
import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

logger = logging.getLogger(__name__)


class ApiErrorCode(enum.StrEnum):
    NOT_AUTHENTICATED = "not_authenticated"
    PERMISSION_DENIED = "permission_denied"
    CSRF_FAILED = "csrf_failed"
    NOT_FOUND = "not_found"
    VALIDATION_ERROR = "validation_error"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    THROTTLED = "throttled"
    ERROR = "error"

    @property
    def status(self) -> int:
        return _STATUS[self]

    @property
    def default_message(self):
        return _MESSAGES[self]


_STATUS = {
    ApiErrorCode.NOT_AUTHENTICATED: 401,
    ApiErrorCode.PERMISSION_DENIED: 403,
    ApiErrorCode.CSRF_FAILED: 403,
    ApiErrorCode.NOT_FOUND: 404,
    ApiErrorCode.METHOD_NOT_ALLOWED: 405,
    ApiErrorCode.VALIDATION_ERROR: 422,
    ApiErrorCode.THROTTLED: 429,
    ApiErrorCode.ERROR: 400,
}

_MESSAGES = {
    ApiErrorCode.NOT_AUTHENTICATED: _(
        "Authentication required: log in, or send an API token as 'Authorization: Bearer <token>'."
    ),
    ApiErrorCode.PERMISSION_DENIED: _("Your role does not allow this."),
    ApiErrorCode.CSRF_FAILED: _(
        "CSRF check failed: a request authenticated by the session cookie must send the CSRF token "
        "in the X-CSRFToken header."
    ),
    ApiErrorCode.NOT_FOUND: _("Not found, or outside your region."),
    ApiErrorCode.METHOD_NOT_ALLOWED: _("This method is not allowed here."),
    ApiErrorCode.VALIDATION_ERROR: _("The request is not valid; see the errors for each field."),
    ApiErrorCode.THROTTLED: _("Too many requests; try again later."),
    ApiErrorCode.ERROR: _("The request could not be processed."),
}


class ApiError(Exception):
    """Raise from an endpoint to answer with a given code (and optionally a more specific message)."""

    def __init__(self, code: ApiErrorCode, message: Any = None, *, errors: list | None = None) -> None:
        self.code = code
        self.message = message if message is not None else code.default_message
        self.errors = errors
        super().__init__(code.value)


def error_body(code: ApiErrorCode, message: Any = None, errors: list | None = None) -> dict[str, Any]:
    """The JSON body of an error; the message is rendered now, in the request's language."""
    text = str(message if message is not None else code.default_message)
    body: dict[str, Any] = {"code": code.value, "message": text}
    if errors is not None:
        body["errors"] = errors
    return body


def install_exception_handlers(api: NinjaAPI) -> None:
    """Replace Ninja's default `{"detail": ...}` errors with ours."""

    def respond(request: HttpRequest, code: ApiErrorCode, message: Any = None, errors=None) -> HttpResponse:
        return api.create_response(request, error_body(code, message, errors), status=code.status)

    def on_api_error(request, exc: ApiError):
        return respond(request, exc.code, exc.message, exc.errors)

    def on_authentication_error(request, exc):
        return respond(request, ApiErrorCode.NOT_AUTHENTICATED)

    def on_permission_denied(request, exc: PermissionDenied):
        # Services raise PermissionDenied with a translated message that says what was refused.
        message = str(exc) or None
        return respond(request, ApiErrorCode.PERMISSION_DENIED, message)

    def on_not_found(request, exc):
        # Missing and out-of-scope look the same on purpose: a 403 would confirm that the record exists.
        return respond(request, ApiErrorCode.NOT_FOUND)

    def on_validation_error(request, exc: ValidationError):
        return respond(request, ApiErrorCode.VALIDATION_ERROR, errors=_jsonable_errors(exc.errors))

    def on_http_error(request, exc: HttpError):
        # Raised by Ninja itself (e.g. an unparsable JSON body, throttling); map the status to our codes.
        by_status = {
            401: ApiErrorCode.NOT_AUTHENTICATED,
            403: ApiErrorCode.PERMISSION_DENIED,
            404: ApiErrorCode.NOT_FOUND,
            405: ApiErrorCode.METHOD_NOT_ALLOWED,
            422: ApiErrorCode.VALIDATION_ERROR,
            429: ApiErrorCode.THROTTLED,
        }
        code = by_status.get(exc.status_code, ApiErrorCode.ERROR)
        return api.create_response(request, error_body(code), status=exc.status_code)

    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(AuthenticationError, on_authentication_error)
    api.add_exception_handler(PermissionDenied, on_permission_denied)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(ObjectDoesNotExist, on_not_found)
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(HttpError, on_http_error)


def _jsonable_errors(errors: list[dict]) -> list[dict]:
    """Pydantic's error entries, reduced to what a client needs: where, what kind, and pydantic's text."""
    result = []
    for entry in errors:
        result.append(
            {
                "loc": [str(part) for part in entry.get("loc", ())],
                "type": entry.get("type", ""),
                "msg": str(entry.get("msg", "")),
            }
        )
    return result
