"""The OpenAPI schema, the offline interactive docs, and errors in the request's language."""
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import translation

from jiuzhu.api.errors import ApiErrorCode

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/regions": {"get"},
    "/api/v1/regions/{code}": {"get"},
    "/api/v1/regions/{code}/children": {"get"},
    "/api/v1/households": {"get"},
    "/api/v1/households/{household_id}": {"get"},
    "/api/v1/households/{household_id}/history": {"get"},
    "/api/v1/persons": {"get"},
    "/api/v1/persons/{person_id}": {"get"},
    "/api/v1/persons/{person_id}/reveal": {"post"},
    "/api/v1/screen": {"post"},
    "/api/v1/households/{household_id}/screen": {"get"},
    "/api/v1/standards": {"get"},
    "/api/v1/applications": {"get", "post"},
    "/api/v1/applications/timeliness": {"get"},
    "/api/v1/applications/{application_id}": {"get"},
    "/api/v1/applications/{application_id}/steps/{step}": {"post"},
    "/api/v1/workdays/add": {"get"},
    "/api/v1/workdays/between": {"get"},
    "/api/v1/monitoring/feeds": {"post"},
    "/api/v1/monitoring/feeds/{batch_id}": {"get"},
    "/api/v1/monitoring/warnings": {"get"},
    "/api/v1/monitoring/warnings/{warning_id}": {"get"},
    "/api/v1/monitoring/warnings/{warning_id}/outcome": {"post"},
}


def test_the_openapi_schema_is_json_with_every_path_described():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {path: set(ops) for path, ops in schema["paths"].items()} == PATHS
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation["summary"] and operation["description"], (method, path)
            assert {"BearerTokenAuth": []} in operation["security"], (method, path)
            assert {"SessionAuth": []} in operation["security"], (method, path)
            success = "201" if (method, path) == ("post", "/api/v1/applications") else "200"
            assert set(operation["responses"]) >= {success, "401", "404", "422"}, (method, path)
    for name, component in schema["components"]["schemas"].items():
        assert component.get("description"), name
    assert set(schema["components"]["securitySchemes"]) == {"BearerTokenAuth", "SessionAuth"}


def test_the_schema_documents_money_as_strings():
    schema = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    amount = schema["IncomeItemOut"]["properties"]["monthly_amount"]
    assert amount["type"] == "string"
    assert re.fullmatch(amount["pattern"], "1234.50")
    assert not re.fullmatch(amount["pattern"], "1234.5")
    assert "two decimals" in amount["description"]


def test_the_docs_page_works_offline():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.I), "external URL on the docs page"
    # Every script and stylesheet it loads is served from our own static files.
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    for url in assets:
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), url
    # Swagger UI must not call the online validator.
    assert '"validatorUrl": null' in html


def test_errors_follow_accept_language():
    english = Client(headers={"accept-language": "en"}).get("/api/v1/households")
    assert english.status_code == 401
    assert english["Content-Language"] == "en"
    with translation.override("en"):
        expected = str(ApiErrorCode.NOT_AUTHENTICATED.default_message)
    assert english.json() == {"code": "not_authenticated", "message": expected}
    assert expected.startswith("Authentication required")


def test_errors_are_in_chinese_by_default():
    response = Client().get("/api/v1/households")
    assert response["Content-Language"] == "zh-hans"
    with translation.override("zh-hans"):
        expected = str(ApiErrorCode.NOT_AUTHENTICATED.default_message)
    assert response.json()["message"] == expected


def test_a_not_found_message_in_english(households, assistant_a, token_client):
    _, other = households
    response = token_client(assistant_a, language="en").get(f"/api/v1/households/{other.pk}")
    assert response.json() == {"code": "not_found", "message": "Not found, or outside your region."}


def test_validation_errors_have_the_common_shape_in_english(households, assistant_a, token_client):
    response = token_client(assistant_a, language="en").get("/api/v1/households", {"page_size": "many"})
    body = response.json()
    assert response.status_code == 422
    assert body["code"] == "validation_error"
    assert body["message"] == "The request is not valid; see the errors for each field."
    assert body["errors"][0]["loc"] == ["query", "page_size"]
