"""Check real HTTP answers against the server's own OpenAPI document (``/openapi.json``): the status is documented
for the operation, the content type is one the operation declares, and the body (each event, for SSE) validates
against the documented schema (JSON Schema 2020-12 with the OpenAPI 3.1 dialect)."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS31Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

_BASE = "urn:ml-intern:openapi"


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def sse_payloads(body: str) -> list[Any]:
    """The parsed ``data`` of each SSE frame (comment lines skipped)."""
    payloads, data = [], []
    for line in body.splitlines() + [""]:
        if line == "":
            if data:
                payloads.append(json.loads("\n".join(data)))
            data = []
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    return payloads


class Contract:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.registry = Registry().with_resource(_BASE, DRAFT202012.create_resource(document))
        self._validators: dict[str, Any] = {}
        self._templates = [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path)
                           for path in document["paths"]]

    def template(self, path: str) -> str:
        matches = [template for pattern, template in self._templates if pattern.match(path)]
        assert matches, f"{path} matches no documented path"
        return min(matches, key=lambda t: t.count("{"))  # a literal path beats a templated one

    def operation(self, method: str, path: str) -> dict[str, Any]:
        template = self.template(path)
        operation = self.document["paths"][template].get(method.lower())
        assert operation is not None, f"{method} {template} is not documented"
        return operation

    def _validator(self, pointer: str) -> Any:
        if pointer not in self._validators:
            self._validators[pointer] = OAS31Validator({"$ref": f"{_BASE}#{pointer}"}, registry=self.registry)
        return self._validators[pointer]

    def _response(self, method: str, path: str, status: int) -> tuple[dict[str, Any], str]:
        template = self.template(path)
        operation = self.operation(method, path)
        key = str(status) if str(status) in operation["responses"] else "default"
        assert key in operation["responses"], f"{method} {template}: status {status} is not documented"
        response = operation["responses"][key]
        pointer = "/" + _pointer("paths", template, method.lower(), "responses", key)
        if "$ref" in response:
            pointer = response["$ref"].removeprefix("#")
            response = self.document["components"]["responses"][pointer.rsplit("/", 1)[1]]
        return response, pointer

    def check(self, method: str, path: str, reply: httpx.Response, body: str | None = None) -> list[Any]:
        """Assert ``reply`` is what the document promises; returns the validated values (each event, for SSE).
        ``body``: the text already read from a streamed reply."""
        response, pointer = self._response(method, path, reply.status_code)
        content = response.get("content")
        if not content:
            return []
        media_type = reply.headers.get("content-type", "").split(";")[0].strip()
        assert media_type in content, f"{method} {path} {reply.status_code}: {media_type!r} is not documented"
        schema_pointer = pointer + "/" + _pointer("content", media_type, "schema")
        text = reply.text if body is None else body
        if media_type == "text/event-stream":
            values = sse_payloads(text)
        elif media_type == "application/json":
            values = [json.loads(text)]
        else:
            return [text]
        validator = self._validator(schema_pointer)
        for value in values:
            try:
                validator.validate(value)
            except ValidationError as exc:
                raise AssertionError(f"{method} {path} {reply.status_code} ({media_type}): "
                                     f"{exc.message} at {list(exc.absolute_path)}") from None
        return values
