"""The two ways into the API: a bearer token (scripts, other systems) and the browser session.

Both are accepted on every endpoint. The token is tried first: a request that carries a token must be
judged by it, and must not be refused for lacking a CSRF token it has no reason to send.
"""
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from jiuzhu.api.errors import ApiError, ApiErrorCode
from jiuzhu.api.services import api_token_authenticate

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer jz_...`, an API token created with `jiuzhu apitoken create`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(key=token.strip())
        if user is None:
            # A wrong or revoked token is refused outright rather than falling back to the session: whoever
            # sent it meant to be that token, and must learn that it no longer works.
            raise AuthenticationError()
        # Code further down (simple_history, audit) reads request.user.
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The Django session of a logged-in browser, with Django's CSRF check on unsafe methods.

    Unlike Ninja's own SessionAuth, the CSRF check runs only once the session is known to belong to a
    user, so an anonymous POST is answered 401 (log in) rather than 403 (CSRF).
    """

    # Only names the cookie in the OpenAPI schema; the session itself is read by Django's middleware.
    param_name = "sessionid"

    def __init__(self) -> None:
        # `csrf = True` also makes Ninja's Swagger page send the CSRF token with "Try it out".
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        # The CSRF check is made in authenticate(), once we know the session belongs to a user.
        return request.COOKIES.get(settings.SESSION_COOKIE_NAME)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and not getattr(request, "_ninja_csrf_exempt", False):
            if check_csrf(request) is not None:
                raise ApiError(ApiErrorCode.CSRF_FAILED)
        return user


def api_auth() -> list:
    return [BearerTokenAuth(), SessionAuth()]
