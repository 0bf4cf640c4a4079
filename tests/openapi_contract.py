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


def sse_frames(body: str) -> list[dict[str, str]]:
    """Each SSE frame as {field: value} (``data`` lines joined; comment lines skipped)."""
    frames, frame = [], {}
    # SSE lines end with CRLF, LF or CR only (str.splitlines would also split on U+2028, NEL... inside the JSON).
    for line in re.split(r"\r\n|\r|\n", body) + [""]:
        if line == "":
            if "data" in frame:
                frames.append(frame)
            frame = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            frame[name] = f"{frame[name]}\n{value}" if name == "data" and "data" in frame else value
    return frames


def sse_payloads(body: str) -> list[Any]:
    """The parsed ``data`` of each SSE frame."""
    return [json.loads(frame["data"]) for frame in sse_frames(body)]


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
            return self._check_frames(f"{method} {path} {reply.status_code}", schema_pointer, sse_frames(text))
        elif media_type == "application/json":
            values = [json.loads(text)]
        else:
            return [text]
        self._validate(f"{method} {path} {reply.status_code} ({media_type})", schema_pointer, values)
        return values

    def _validate(self, what: str, pointer: str, values: list[Any]) -> None:
        validator = self._validator(pointer)
        for value in values:
            try:
                validator.validate(value)
            except ValidationError as exc:
                raise AssertionError(f"{what}: {exc.message} at {list(exc.absolute_path)}") from None

    def _check_frames(self, what: str, pointer: str, frames: list[dict[str, str]]) -> list[Any]:
        """Each frame against the documented frame schema, and its ``data`` (JSON) against the schema the frame
        schema names as its ``contentSchema`` (an annotation that JSON Schema validators leave to the caller)."""
        self._validate(f"{what} (SSE frame)", pointer, frames)
        schema = self._resolve(pointer)
        if "$ref" in schema:
            pointer = schema["$ref"].removeprefix("#")
        data = self._resolve(pointer)["properties"]["data"]
        assert data.get("contentMediaType") == "application/json", data
        events = [json.loads(frame["data"]) for frame in frames]
        self._validate(f"{what} (SSE event)", pointer + "/properties/data/contentSchema", events)
        for frame, event in zip(frames, events):
            assert frame["id"] == str(event["sequence_number"]) and frame["event"] == event["type"], frame
        return events

    def _resolve(self, pointer: str) -> Any:
        node: Any = self.document
        for part in pointer.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node
