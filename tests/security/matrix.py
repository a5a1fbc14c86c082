"""Calling every operation of the published API with minimal, valid-shaped input.

`operations()` lists the operations of `exitentry.api.api` from its OpenAPI schema;
`example_request()` builds a request whose path, query and body satisfy that schema (required
fields only, the smallest values the constraints allow), so that an endpoint's own permission
check is reached instead of a 422 from parsing. The role-by-endpoint test decides who may call it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, find, settings
from hypothesis import strategies as st

from exitentry.accounts.models import ApiToken
from exitentry.accounts.services import _hash_token
from exitentry.api import api
from exitentry.core import clock

METHODS = ("get", "post", "put", "patch", "delete")
# Ids that no fixture creates: a caller who may act gets a 404 or a domain error, never a 401/403.
MISSING_ID = 987654


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    spec: dict[str, Any] = field(repr=False, compare=False, hash=False)

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def needs_auth(self) -> bool:
        return bool(self.spec.get("security"))


_SCHEMA: dict[str, Any] | None = None


def openapi() -> dict[str, Any]:
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = api.get_openapi_schema()
    return _SCHEMA


def operations() -> list[Operation]:
    found = []
    for path, item in openapi()["paths"].items():
        for method in METHODS:
            if method in item:
                found.append(Operation(method, path, item[method]["operationId"], item[method]))
    return found


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = openapi()["components"]["schemas"][name]
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            options = [option for option in schema[combinator] if option.get("type") != "null"]
            merged = {key: value for key, value in schema.items() if key != combinator}
            return {**_resolve(options[0]), **merged}
    return schema


def _string_matching(pattern: str, low: int, high: int) -> str:
    return find(
        st.from_regex(pattern, fullmatch=True),
        lambda text: low <= len(text) <= high,
        settings=settings(database=None, max_examples=2000, suppress_health_check=list(HealthCheck)),
    )


def example_value(schema: dict[str, Any]) -> Any:
    """The smallest value that satisfies `schema` (required properties only)."""
    schema = _resolve(schema)
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type", "object")
    if kind == "object":
        required = set(schema.get("required", ()))
        return {
            name: example_value(prop)
            for name, prop in schema.get("properties", {}).items()
            if name in required
        }
    if kind == "array":
        return [example_value(schema.get("items", {})) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        low = schema.get(
            "minimum", schema.get("exclusiveMinimum", 0) + 1 if "exclusiveMinimum" in schema else 1
        )
        return max(int(low), 1) if schema.get("maximum", 10**9) >= 1 else int(low)
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return False
    fmt = schema.get("format")
    if fmt == "binary":
        return b"\x89PNG\r\n\x1a\n"
    if fmt == "date":
        return (clock.today() + dt.timedelta(days=7)).isoformat()
    if fmt == "date-time":
        return (clock.now() + dt.timedelta(days=7)).isoformat()
    if fmt == "email":
        return "someone@example.com"
    if fmt in {"uri", "url"}:
        return "https://example.com/"
    low, high = schema.get("minLength", 1), schema.get("maxLength", 64)
    if "pattern" in schema:
        return _string_matching(schema["pattern"], low, high)
    return "x" * min(max(low, 24), high)


def _path_value(schema: dict[str, Any]) -> Any:
    schema = _resolve(schema)
    if schema.get("type") == "integer":
        return min(MISSING_ID, schema.get("maximum", MISSING_ID))
    if schema.get("format") == "date":
        return (clock.today() + dt.timedelta(days=7)).isoformat()
    return (
        example_value(schema) if "pattern" in schema else "X" + "0" * max(schema.get("minLength", 1) - 1, 8)
    )


@dataclass
class ExampleRequest:
    method: str
    url: str
    query: dict[str, Any]
    json: Any = None
    multipart: dict[str, Any] | None = None


def example_request(operation: Operation) -> ExampleRequest:
    url = operation.path
    query: dict[str, Any] = {}
    for parameter in operation.spec.get("parameters", []):
        if parameter["in"] == "path":
            url = url.replace("{" + parameter["name"] + "}", str(_path_value(parameter["schema"])))
        elif parameter["in"] == "query" and parameter.get("required"):
            query[parameter["name"]] = example_value(parameter["schema"])
    request = ExampleRequest(operation.method, url, query)
    content = operation.spec.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        request.json = example_value(content["application/json"]["schema"])
    elif "multipart/form-data" in content:
        form = example_value(content["multipart/form-data"]["schema"])
        request.multipart = {
            name: (io.BytesIO(value) if isinstance(value, bytes) else value) for name, value in form.items()
        }
        schema = _resolve(content["multipart/form-data"]["schema"])
        for name in schema.get("required", ()):
            prop = _resolve(schema["properties"][name])
            if prop.get("type") == "array" and _resolve(prop.get("items", {})).get("format") == "binary":
                request.multipart[name] = [_png(name)]
            elif prop.get("format") == "binary":
                request.multipart[name] = _png(name)
    return request


def _png(name: str) -> io.BytesIO:
    upload = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    upload.name = f"{name}.png"
    return upload


def send(client: Any, request: ExampleRequest, token: str | None) -> Any:
    headers = {"Idempotency-Key": secrets.token_hex(16)}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    url = f"{request.url}"
    if request.method == "get":
        return client.get(url, request.query, headers=headers)
    if request.method == "delete":
        return client.delete(url, headers=headers, query_params=request.query)
    if request.multipart is not None:
        for value in request.multipart.values():
            for upload in value if isinstance(value, list) else [value]:
                if hasattr(upload, "seek"):
                    upload.seek(0)
        return client.post(url, request.multipart, headers=headers, query_params=request.query)
    return client.generic(
        request.method.upper(),
        url,
        data=_json(request.json if request.json is not None else {}),
        content_type="application/json",
        headers=headers,
        query_params=request.query,
    )


def _json(value: Any) -> str:
    return json.dumps(value)


def token_for(user: Any) -> str:
    """A Bearer token for `user`, made directly (sign-in and second factor are tested elsewhere)."""
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        key_hash=_hash_token(token),
        created_at=clock.now(),
        expires_at=clock.now() + dt.timedelta(hours=1),
    )
    return token
