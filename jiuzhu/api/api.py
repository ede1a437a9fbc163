"""The REST API, version 1, mounted at /api/v1/ (see docs/api.md).

Interactive documentation at /api/v1/docs, the OpenAPI schema at /api/v1/openapi.json. Both work offline:
with "ninja" in INSTALLED_APPS, Ninja renders Swagger UI from the files it ships in its own static folder
(ninja/static/ninja/swagger-ui-bundle.js, swagger-ui.css), not from a CDN.
"""
from ninja import NinjaAPI, Swagger
from ninja.renderers import JSONRenderer

from jiuzhu.api import cases, households, monitoring, persons, policy, regions
from jiuzhu.api.auth import api_auth
from jiuzhu.api.errors import install_exception_handlers
from jiuzhu.api.openapi import describe_code_lists

DESCRIPTION = """
The REST API of jiuzhu (救助), the stratified and classified social assistance platform.

**Authentication.** Either a bearer token (`Authorization: Bearer jz_…`, created with
`jiuzhu apitoken create --user USERNAME --name NAME`) or the browser's logged-in session; with the session,
POST requests must send the CSRF token in the `X-CSRFToken` header.

**Scope.** Every endpoint answers only with the user's own region subtree; anything outside it is 404,
exactly as if it did not exist. Roles that do not read the registry get 403.

**Personal data.** ID, phone and bank account numbers are always masked. A full ID or phone number is
returned only by `POST /persons/{id}/reveal`, for roles allowed to see it, and each reveal is audited.
Every read of households and persons is written to the audit log.

**Money** is a string with exactly two decimals, in yuan (`"1234.50"`), never a JSON number.

**Errors** are `{"code": "...", "message": "..."}` with a stable code and a message in the request's
language (`Accept-Language`: zh-hans by default, en).

**Pagination.** `?page=1&page_size=25` (at most 200); answers carry `items`, `count`, `page`, `page_size`,
`next` and `previous`.
"""


class Utf8JSONRenderer(JSONRenderer):
    # Names and addresses are Chinese; \uXXXX escapes would make every response unreadable with curl.
    json_dumps_params = {"ensure_ascii": False}


class JiuzhuAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        return describe_code_lists(super().get_openapi_schema(**kwargs))


api = JiuzhuAPI(
    title="jiuzhu API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-1",
    auth=api_auth(),
    renderer=Utf8JSONRenderer(),
    # Swagger UI's default online validator would fetch a badge from validator.swagger.io; nothing may
    # leave the machine, and the schema is validated in our tests anyway.
    docs=Swagger(settings={"validatorUrl": None}),
)
install_exception_handlers(api)

api.add_router("/regions", regions.router)
api.add_router("/households", households.router)
api.add_router("/persons", persons.router)
api.add_router("/applications", cases.router)
api.add_router("/workdays", cases.calendar_router)
api.add_router("/monitoring", monitoring.router)
# Policy paths sit beside the others: /screen, /standards and /households/{id}/screen.
api.add_router("/", policy.router)
