"""The OpenAPI document: valid OpenAPI 3, JSON and YAML, only /api/v1/, errors documented; the
readable docs page."""

from __future__ import annotations

import pytest
import yaml
from django.urls import reverse
from drf_spectacular.validation import validate_schema

from tests.pages import assert_self_contained

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("get", "/api/v1/tasks/"),
    ("post", "/api/v1/tasks/claim-next/"),
    ("get", "/api/v1/tasks/{id}/"),
    ("post", "/api/v1/tasks/{id}/accept/"),
    ("post", "/api/v1/tasks/{id}/decline/"),
    ("post", "/api/v1/tasks/{id}/claim/"),
    ("post", "/api/v1/tasks/{id}/report/"),
    ("get", "/api/v1/versions/{id}/"),
    ("post", "/api/v1/versions/{id}/submit/"),
    ("get", "/api/v1/reports/"),
    ("get", "/api/v1/reports/{id}/"),
    ("get", "/api/v1/buildings/"),
    ("get", "/api/v1/buildings/{id}/"),
}


@pytest.fixture
def document(api, personas):
    r = api(personas.city_bureau).get(reverse("api_schema"), {"format": "json"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return r.json()


def test_the_document_is_valid_openapi_3_with_exactly_our_operations(document):
    validate_schema(document)  # raises on an invalid document
    assert document["openapi"].startswith("3.")
    found = {(m, p) for p, item in document["paths"].items() for m in item}
    assert found == OPERATIONS


def test_yaml_is_the_same_document(api, personas, document):
    r = api(personas.firm_member).get(reverse("api_schema"))
    assert r["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml.safe_load(r.content) == document


def test_every_operation_documents_its_errors_and_token_auth(document):
    assert document["components"]["securitySchemes"]["tokenAuth"]["type"] == "apiKey"
    for path, item in document["paths"].items():
        for method, op in item.items():
            codes = set(op["responses"])
            assert {"401", "403", "404", "429"} <= codes, (method, path)
            if method == "post":
                assert {"400", "409"} <= codes, (method, path)
            assert {"tokenAuth": []} in op["security"]
    upload = document["paths"]["/api/v1/tasks/{id}/report/"]["post"]
    assert {"413", "415", "503"} <= set(upload["responses"])
    assert "multipart/form-data" in upload["requestBody"]["content"]
    ids = document["paths"]["/api/v1/tasks/{id}/"]["get"]["parameters"][0]["schema"]
    assert ids == {"type": "integer", "minimum": 1, "maximum": 999_999_999_999_999_999}


def test_the_document_is_not_public(client):
    r = client.get(reverse("api_schema"), {"format": "json"})
    assert r.status_code == 401 and r.json()["detail"] == "身份认证信息未提供。"


def test_docs_page_lists_every_operation_without_outside_assets(client, personas):
    client.force_login(personas.firm_member)
    r = client.get(reverse("api_docs"))
    body = r.content.decode()
    assert r.status_code == 200
    for method, path in OPERATIONS:
        assert f'data-operation="{method.upper()} {path}"' in body
    assert_self_contained(body)
    client.logout()
    assert client.get(reverse("api_docs")).status_code == 302
